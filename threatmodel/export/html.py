"""The design-review report as one self-contained HTML file.

Everything is inline (CSS, a small vanilla script, the SVG diagram) and a strict
Content-Security-Policy forbids any network access, so the file can be mailed, attached
to a ticket or opened offline. The findings table filters and sorts in the browser; the
printed version (A4) shows every finding expanded and hides the controls.

Safety: every string from the model or a catalog is escaped with :func:`html.escape`
(attribute values too). Data for the script travels as JSON inside
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 written
as ``\\uXXXX``, so no string can close the script element. The diagram SVG (from
Graphviz) is parsed and reduced to an allow-list of drawing elements and attributes
before it is inlined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.export.common import (
    STATUS_LABELS,
    Labels,
    by_lifecycle,
    catalogs_of,
    in_report_order,
    posture,
    triage_log,
)
from threatmodel.export.html_findings import anchor, findings_section
from threatmodel.export.htmlkit import (
    asset,
    date_cell,
    esc,
    inline_svg,
    link,
    script_json_list,
    sev_badge,
    status_badge,
    table,
    table_pieces,
    td,
    tr,
)
from threatmodel.export.review import SystemView, coverage, exchange_controls, open_question_list, system_view
from threatmodel.model.finding import Assessment
from threatmodel.model.vocab import Status

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""No network of any kind: only the inline style and script, and data: images."""

SECTIONS = (
    ("summary", "Summary"),
    ("system", "System"),
    ("findings", "Findings"),
    ("control-plan", "Control plan"),
    ("questions", "Open questions"),
    ("coverage", "Coverage"),
    ("triage", "Triage log"),
    ("lifecycle", "By lifecycle"),
    ("diagnostics", "Diagnostics"),
    ("catalogs", "Catalogs"),
)


def render_html(analysis: Analysis, *, tool_version: str, diagram_svg: str | None) -> str:
    """The report for ``analysis`` as one HTML document (UTF-8 text, ends with a newline).

    ``diagram_svg`` is the model diagram as SVG text from Graphviz, or ``None`` when it could
    not be drawn; the report then says so where the diagram would be.
    """
    return "".join(html_pieces(analysis, tool_version=tool_version, diagram_svg=diagram_svg))


@dataclass(frozen=True, slots=True)
class HtmlStart:
    """What the report writes before the diagram (:func:`html_start`), made ahead of it: the report
    command makes it while Graphviz lays the diagram out (decision 1867)."""

    labels: Labels
    head: tuple[str, ...]
    """The document's lines up to the system section (the summary included)."""
    view: SystemView
    """The system section's tables."""


def html_start(analysis: Analysis, *, tool_version: str) -> HtmlStart:
    """The display names, the head of the document and the system section's tables of the report."""
    a = analysis.assessment
    labels = Labels.of(a.model)
    s = a.model.system
    head = (
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="threatmodel {esc(tool_version)}">',
        f"<title>Threat model review: {esc(s.name)}</title>",
        f"<style>\n{asset('report.css')}</style>",
        "</head>",
        "<body>",
        _masthead(a, tool_version),
        _nav(),
        '<main class="wrap">',
        _summary(a, labels),
    )
    return HtmlStart(labels, head, system_view(analysis))


def html_pieces(
    analysis: Analysis, *, tool_version: str, diagram_svg: str | None, start: list[HtmlStart] | None = None
) -> Iterator[str]:
    """:func:`render_html` as the pieces whose concatenation it is, each section made when it is
    reached: a writer that encodes and writes the pieces as they come holds one section at a time,
    never the whole document (118 MB of text at 10,000 components, most of it 2 bytes a character).

    ``start`` may hold :func:`html_start` of the same analysis and version, made ahead: it is taken
    out of the list (so its tables are freed once the system section is written, and a second
    rendering makes its own)."""
    a, cset = analysis.assessment, analysis.catalogs
    ahead = start.pop() if start else html_start(analysis, tool_version=tool_version)
    labels, head, view = ahead.labels, ahead.head, ahead.view
    del ahead
    s = a.model.system
    sections: tuple[Callable[[], str | Iterator[str]], ...] = (
        lambda: _control_plan(a, cset, labels),
        lambda: _questions(analysis, labels),
        lambda: _coverage(analysis),
        lambda: _triage(a, labels),
        lambda: _lifecycle(a, labels),
        lambda: _diagnostics(a),
        lambda: _catalogs(a),
    )
    for part in head:
        yield part
        yield "\n"
    system = _system(analysis, diagram_svg, view)
    del view  # held by the section alone, freed once it is written
    yield from system
    del system
    yield "\n"
    for part in findings_section(analysis, labels):
        yield part
        yield "\n"
    for make in sections:
        made = make()
        if isinstance(made, str):
            yield made
        else:
            yield from made
        yield "\n"
    tail = (
        "</main>",
        '<footer class="wrap">',
        f"<p>Generated by threatmodel {esc(tool_version)} from the model <code>{esc(s.id)}</code>, assessed as of "
        f"{esc(a.as_of.isoformat())}. Catalog ids, titles and links belong to their publishers and are used with "
        "attribution; descriptions and scenarios are threatmodel's own.</p>",
        "</footer>",
    )
    for part in tail:
        yield part
        yield "\n"
    yield '<script type="application/json" id="tm-data">'
    yield from script_json_list("findings", _data(a, labels))
    yield "</script>"
    yield "\n"
    for part in (f"<script>\n{asset('report.js')}</script>", "</body>", "</html>"):
        yield part
        yield "\n"


def _lines(parts: list[str | Iterator[str]]) -> Iterator[str]:
    """``"\\n".join(parts)`` as pieces, where a part may itself be pieces (a table a row at a time)."""
    for i, part in enumerate(parts):
        if i:
            yield "\n"
        if isinstance(part, str):
            yield part
        else:
            yield from part


def _masthead(a: Assessment, tool_version: str) -> str:
    s = a.model.system
    meta = [("System id", f"<code>{esc(s.id)}</code>"), ("Status", esc(s.status.value))]
    if s.owner:
        meta.append(("Owner", esc(s.owner)))
    if s.version:
        meta.append(("Version", esc(s.version)))
    meta.append(("Model updated", date_cell(s.updated)))
    if s.review.reviewed_on is not None:
        who = f" by {esc(', '.join(s.review.reviewers))}" if s.review.reviewers else ""
        meta.append(("Last review", f"{date_cell(s.review.reviewed_on)}{who}"))
    if s.review.next_review is not None:
        meta.append(("Next review", date_cell(s.review.next_review)))
    meta.append(("Assessed as of", date_cell(a.as_of)))
    meta.append(("Tool", f"threatmodel {esc(tool_version)}"))
    items = "".join(f"<div><dt>{esc(k)}</dt><dd>{v}</dd></div>" for k, v in meta)
    return (
        '<header class="masthead"><div class="wrap">'
        '<div class="kicker">Threat model design review</div>'
        f"<h1>{esc(s.name)}</h1><dl>{items}</dl></div></header>"
    )


def _nav() -> str:
    links = "".join(f'<li><a href="#{anchor}">{esc(title)}</a></li>' for anchor, title in SECTIONS)
    return f'<nav class="toc" aria-label="Sections"><div class="wrap"><ul>{links}</ul></div></nav>'


def _summary(a: Assessment, labels: Labels) -> str:
    p = posture(a)
    tone = "ok" if not p.open else ("warn" if p.ready else "bad")
    if not a.findings:
        tone = "warn"
    stats = [
        *(
            f'<div class="stat sev-{esc(sev.value)}"><div class="n">{n}</div><div class="l">{esc(sev.value)} open</div></div>'
            for sev, n in p.open_by_severity
        ),
        f'<div class="stat risk"><div class="n">{p.open_risk}</div><div class="l">open risk</div></div>',
        f'<div class="stat total"><div class="n">{p.total}</div><div class="l">findings</div></div>',
    ]
    chips = "".join(
        f'<span class="status st-{esc(st.value)}">{esc(STATUS_LABELS[st])}<span class="count">{n}</span></span>'
        for st, n in p.by_status
    )
    top = ""
    ordered = [f for f in in_report_order(a) if f.status.is_open][:5]
    if ordered:
        rows = [
            tr(
                td(sev_badge(f.residual_severity)),
                td(f'<a href="#{esc(anchor(f))}">{esc(f.title)}</a>'),
                td(esc(labels.targets(f))),
                td(status_badge(f.status)),
                td(str(f.residual_risk), "num"),
            )
            for f in ordered
        ]
        top = "<h3>Top open findings</h3>" + table(
            (("Residual", ""), ("Finding", ""), ("Target", ""), ("Status", ""), ("Residual risk", "num")), rows
        )
    return (
        '<section class="card" id="summary"><h2>Summary</h2>'
        '<p class="lede">Where the system stands: what is open, how much risk that is, and what to do first.</p>'
        f'<div class="verdict {tone}"><strong>{esc(p.headline)}</strong>{esc(p.verdict)}</div>'
        f'<div class="stats">{"".join(stats)}</div>'
        f'<div class="chips" aria-label="Findings by status">{chips}</div>'
        '<p class="note">Risk is likelihood × impact (each 1-5, so 1-25): 20 and above is critical, 12 high, 6 medium, '
        "below that low. Residual risk counts implemented controls. Open risk is the sum of residual risk over "
        "open and in-progress findings.</p>"
        f"{top}</section>"
    )


def _system(analysis: Analysis, diagram_svg: str | None, view: SystemView | None = None) -> Iterator[str]:
    """The system section as pieces: its tables a row at a time (the flows table alone is 4 M
    characters at 10,000 components), the same text as its parts joined by newlines. ``view`` is
    :func:`system_view` of the analysis when it was made ahead."""
    m = analysis.model
    if view is None:
        view = system_view(analysis)
    out: list[str | Iterator[str]] = ['<section class="card" id="system"><h2>System</h2>']
    paras = [p for p in re.split(r"\n\s*\n", m.system.description.strip()) if p.strip()]
    if paras:
        out += [f"<p>{esc(' '.join(p.split()))}</p>" for p in paras]
    else:
        out.append('<p class="muted">The model gives no description of the system.</p>')

    out.append("<h3>Diagram</h3>")
    svg = inline_svg(diagram_svg) if diagram_svg else None
    if svg is not None:
        out.append(
            '<div class="diagram-tools no-print" id="d-tools" hidden>'
            '<button type="button" class="plain" data-zoom="in" title="Zoom in (+)">Zoom in</button>'
            '<button type="button" class="plain" data-zoom="out" title="Zoom out (-)">Zoom out</button>'
            '<button type="button" class="plain" data-zoom="reset" title="Fit the whole diagram (0)">Fit</button>'
            '<button type="button" class="plain" data-zoom="full" title="Full screen (f)">Full screen</button>'
            '<button type="button" class="plain" id="d-clear" hidden>Clear highlight</button>'
            '<span class="muted small" id="d-note" aria-live="polite"></span>'
            "</div>"
        )
        out.append(
            '<figure class="diagram" id="d-figure" tabindex="0" aria-label="Data-flow diagram: '
            'focus it, then use + and - to zoom, the arrow keys to pan, 0 to fit, f for full screen">'
            f"{svg}</figure>"
        )
    elif diagram_svg:
        out.append('<div class="diagram-missing">The diagram could not be embedded: its SVG was not well-formed.</div>')
    else:
        out.append(
            '<div class="diagram-missing">No diagram: Graphviz could not be run when this report was generated. '
            "Install Graphviz (or the graphviz-pure wheel) and generate the report again.</div>"
        )

    if view.boundaries:
        boundary_rows = (
            tr(
                td(f"{esc(b.name)} <code>{esc(b.id)}</code>"),
                td(esc(b.trust)),
                td(esc(b.parent) if b.parent else "—"),
                td(esc(", ".join(b.components)) or "—"),
            )
            for b in view.boundaries
        )
        out.append("<h3>Trust boundaries</h3>")
        out.append(table_pieces((("Boundary", ""), ("Trust", ""), ("Inside", ""), ("Components", "")), boundary_rows))
    if view.components:
        # one f-string a row (the table has a row per component): what tr(td(...), ...) writes
        component_rows = (
            f"<tr><td>{esc(c.name)} <code>{esc(c.id)}</code></td><td>{esc(c.kind)}</td>"
            f"<td>{esc(c.boundary) if c.boundary else '—'}</td><td>{esc(c.exposure)}</td>"
            f"<td>{esc(c.provenance)}</td><td>{esc(c.owner) if c.owner else '—'}</td>"
            f'<td class="num">{c.open_findings} / {c.findings}</td></tr>'
            for c in view.components
        )
        out.append("<h3>Components</h3>")
        out.append(
            table_pieces(
                (
                    ("Component", ""),
                    ("Kind", ""),
                    ("Boundary", ""),
                    ("Exposure", ""),
                    ("Provenance", ""),
                    ("Owner", ""),
                    ("Findings open / all", "num"),
                ),
                component_rows,
            )
        )
    if view.data:
        data_rows = (
            tr(
                td(f"{esc(d.name)} <code>{esc(d.id)}</code>"),
                td(esc(d.classification)),
                td("".join(f'<span class="tag">{esc(t)}</span>' for t in d.tags) or "—"),
                td(esc(d.owner) if d.owner else "—"),
            )
            for d in view.data
        )
        out.append("<h3>Data</h3>")
        out.append(table_pieces((("Data", ""), ("Classification", ""), ("Tags", ""), ("Owner", "")), data_rows))
    if view.flows:
        # one f-string a row (the largest table of a large model): what tr(td(...), ...) writes
        flow_rows = (
            f"<tr><td><code>{esc(f.key)}</code></td><td>{esc(f.source)} → {esc(f.target)}</td>"
            f"<td>{esc(', '.join(f.data)) or '—'}</td><td>{esc(f.protocol) if f.protocol else '—'}</td>"
            f"<td>{f.encrypted}</td><td>{'yes' if f.crosses_boundary else 'no'}</td></tr>"
            for f in view.flows
        )
        out.append("<h3>Data flows</h3>")
        out.append(
            table_pieces(
                (
                    ("Flow", ""),
                    ("From → to", ""),
                    ("Data", ""),
                    ("Protocol", ""),
                    ("Encrypted", ""),
                    ("Crosses boundary", ""),
                ),
                flow_rows,
            )
        )
    if view.controls:
        control_rows = (
            tr(
                td(f"<code>{esc(c.control)}</code>"),
                td(esc(c.status)),
                td(esc(", ".join(c.scope)) if c.scope else "whole system"),
                td(esc(c.owner) if c.owner else "—"),
                td(link(c.evidence, c.evidence) if c.evidence else "—"),
            )
            for c in view.controls
        )
        out.append("<h3>Declared controls</h3>")
        out.append(
            table_pieces(
                (("Control", ""), ("Status", ""), ("Scope", ""), ("Owner", ""), ("Evidence", "")), control_rows
            )
        )
    out.append("</section>")
    yield from _lines(out)


def _questions(analysis: Analysis, labels: Labels) -> str:
    out = ['<section class="card" id="questions"><h2>Open questions</h2>']
    q = open_question_list(analysis)
    if not q.total:
        out.append('<p class="lede">No finding rests on an unknown fact: every fact the rules needed is stated.</p>')
        out.append("</section>")
        return "\n".join(out)
    out.append(
        f'<p class="lede">{q.total} fact{"" if q.total == 1 else "s"} the model leaves unstated decide open findings '
        f"({q.risk} open risk rests on at least one). An unstated fact is read in the threat's favour, so stating "
        "it may remove a finding or lower its score. Most open risk first.</p>"
    )
    rows = []
    for r in q.rows:
        found = "".join(
            f'<li><a href="#{esc("f-" + f.id)}">{esc(f.title)}</a>'
            f' <span class="muted small">{esc(labels.target(f))}</span></li>'
            for f in r.findings
        )
        rows.append(
            tr(
                td(str(r.rank), "num"),
                td(esc(r.question[0].upper() + r.question[1:])),
                td(f"<code>{esc(r.element)}.{esc(r.attribute)}</code>"),
                td(str(r.risk), "num"),
                td(f'<ul class="small">{found}</ul>'),
            )
        )
    out.append(
        table(
            (
                ("#", "num w-xs"),
                ("Question", "w-l"),
                ("Attribute", "w-m"),
                ("Open risk", "num w-s"),
                ("Findings", "w-xl"),
            ),
            rows,
        )
    )
    if q.total > len(q.rows):
        out.append(
            f'<p class="muted small">{q.total - len(q.rows)} more: run <code>threatmodel questions MODEL</code> '
            "for the whole list.</p>"
        )
    out.append("</section>")
    return "\n".join(out)


def _control_plan(a: Assessment, cset: CatalogSet, labels: Labels) -> Iterator[str]:
    """The control plan as pieces, its table a row at a time."""
    out: list[str | Iterator[str]] = ['<section class="card" id="control-plan"><h2>Control plan</h2>']
    if not a.proposals:
        out.append(
            '<p class="lede">No control to propose: no open finding has a control that is not already implemented.</p>'
        )
        out.append("</section>")
        yield from _lines(out)
        return
    out.append(
        '<p class="lede">Controls not yet implemented, ranked by the open risk each would remove (one likelihood '
        "step on every open finding it addresses). Planned or partial controls stay here until declared implemented.</p>"
    )
    by_id = {f.id: f for f in a.findings}
    closing: dict[str, str] = {}  # a finding closed by several controls is listed once per control: written once

    def closed(fid: str) -> str:
        item = closing.get(fid)
        if item is None:
            f = by_id.get(fid)
            item = closing[fid] = (
                f'<li><a href="#{esc("f-" + fid)}">{esc(f.title if f is not None else fid)}</a>'
                f' <span class="muted small">{esc(labels.targets(f) if f is not None else "")}</span></li>'
            )
        return item

    def rows() -> Iterator[str]:
        for i, p in enumerate(a.proposals, 1):
            closes = "".join([closed(fid) for fid in p.closes])
            yield tr(
                td(str(i), "num"),
                td(
                    f"{link(p.title, cset.url_of(p.control))}<br><code>{esc(p.control)}</code>"
                    + "".join(
                        f'<br><span class="muted small">AI Exchange: {link(x.item, x.url)}</span>'
                        for x in exchange_controls(cset, p.control)
                    )
                ),
                td("".join(f'<span class="tag">{esc(n.value)}</span>' for n in p.nist_csf) or "—"),
                td("".join(f'<span class="tag">{esc(x.value)}</span>' for x in p.practices) or "—"),
                td(str(p.risk_removed), "num"),
                td(f'<ul class="small">{closes}</ul>'),
            )

    out.append(
        table_pieces(
            (
                ("#", "num w-xs"),
                ("Control", "w-l"),
                ("NIST CSF", "w-s"),
                ("Practices", "w-m"),
                ("Risk removed", "num w-s"),
                ("Closes", "w-xl"),
            ),
            rows(),
        )
    )
    out.append("</section>")
    yield from _lines(out)


def _coverage(analysis: Analysis) -> str:
    out = ['<section class="card" id="coverage"><h2>Coverage</h2>']
    tables = coverage(analysis)
    if not tables:
        out.append('<p class="lede">None of the reference catalogs with a coverage matrix is loaded.</p></section>')
        return "\n".join(out)
    out.append(
        '<p class="lede">For every item of each reference catalog: how many findings realise it and where they stand. '
        "“assessed, no finding” means a rule for the item was tried on elements of this model and did not fire; "
        "“not applicable” means the model has no element of a kind any rule for the item targets; "
        "“not assessed” means no enabled rule realises the item, so nothing is known about it.</p>"
    )
    out.append('<div class="coverage">')
    for t in tables:
        rows = []
        for r in t.rows:
            verdict_cls = "cov-" + "-".join(re.findall(r"[a-z]+", r.verdict))
            rows.append(
                tr(
                    td(link(r.item, r.url)),
                    td(esc(r.title)),
                    td(str(r.findings), "num"),
                    td(str(r.open), "num"),
                    td(str(r.mitigated), "num"),
                    td(str(r.accepted), "num"),
                    td(f'<span class="{verdict_cls}">{esc(r.verdict)}</span>', "cov"),
                    cls="na" if not (r.findings or r.assessed) else "",
                )
            )
        out.append(
            f'<div class="coverage-block"><h3>{esc(t.title)} <span class="muted">({esc(t.version)}) · {t.applicable} of {len(t.rows)} apply</span></h3>'
        )
        out.append(
            table(
                (
                    ("Id", "w-m"),
                    ("Title", "w-xl"),
                    ("Findings", "num w-s"),
                    ("Open", "num w-s"),
                    ("Mitigated", "num w-s"),
                    ("Accepted", "num w-s"),
                    ("Coverage", "w-m"),
                ),
                rows,
                "coverage",
            )
        )
        out.append("</div>")
    out.append("</div></section>")
    return "\n".join(out)


def _triage(a: Assessment, labels: Labels) -> str:
    out = ['<section class="card" id="triage"><h2>Triage log</h2>']
    log = triage_log(a)
    if not log:
        out.append('<p class="lede">The model records no triage decisions.</p></section>')
        return "\n".join(out)
    out.append('<p class="lede">Every decision recorded in the model, with who took it and until when it holds.</p>')
    rows = []
    for r in log:
        e = r.entry
        finding = (
            f'<a href="#{esc("f-" + r.finding_id)}">{esc(r.finding.title)}</a> <span class="muted small">{esc(labels.targets(r.finding))}</span>'
            f"<br><code>{esc(r.finding_id)}</code>"
            if r.finding is not None
            else f'<code>{esc(r.finding_id)}</code><br><span class="lapsed-flag">matches no finding</span>'
        )
        lapsed = '<span class="lapsed-flag">yes, reopened</span>' if r.lapsed else ("no" if e.review_by else "—")
        rows.append(
            tr(
                td(finding),
                td(esc(e.status.value)),
                td(esc(e.owner) if e.owner else "—"),
                td(esc(e.approver) if e.approver else "—"),
                td(esc(e.justification) if e.justification.strip() else "—"),
                td(esc(e.ticket) if e.ticket else "—", "nowrap"),
                td(date_cell(e.decided_on), "date"),
                td(date_cell(e.review_by), "date"),
                td(lapsed),
            )
        )
    out.append(
        table(
            (
                ("Finding", "w-l"),
                ("Status", ""),
                ("Owner", ""),
                ("Approver", ""),
                ("Justification", "w-l"),
                ("Ticket", ""),
                ("Decided", ""),
                ("Review by", ""),
                ("Lapsed", ""),
            ),
            rows,
        )
    )
    out.append("</section>")
    return "\n".join(out)


def _lifecycle(a: Assessment, labels: Labels) -> Iterator[str]:
    """The lifecycle section as pieces: each stage's list a finding at a time (at 50,000 components
    the lists are 28 M characters, and the section was held three times over as it was joined)."""
    out: list[str | Iterator[str]] = ['<section class="card" id="lifecycle"><h2>By lifecycle stage</h2>']
    out.append('<p class="lede">Where in the AI lifecycle each threat bites, so each stage owner sees their share.</p>')
    stages = by_lifecycle(a)
    rows = []
    for stage, found in stages:
        open_ = [f for f in found if f.status.is_open]
        worst = max((f.residual_severity for f in open_), default=None)
        rows.append(
            tr(
                td(esc(stage.value)),
                td(str(len(found)), "num"),
                td(str(len(open_)), "num"),
                td(sev_badge(worst) if worst is not None else "—"),
            )
        )
    out.append(table((("Stage", ""), ("Findings", "num"), ("Open", "num"), ("Worst open", "")), rows, "narrow"))
    item_of: dict[str, str] = {}  # a finding is listed under each of its stages: written once

    def blocks() -> Iterator[str]:
        yield '<div class="stage-list">'
        for stage, found in stages:
            if not found:
                continue
            yield f'<div class="stage"><h3>{esc(stage.value)}</h3><ul>'
            for f in found:
                item = item_of.get(f.id)
                if item is None:
                    item = item_of[f.id] = (
                        f'<li>{sev_badge(f.residual_severity)} <a href="#{esc(anchor(f))}">{esc(f.title)}</a> '
                        f'<span class="muted small">{esc(labels.targets(f))} · {esc(STATUS_LABELS[f.status])}</span></li>'
                    )
                yield item
            yield "</ul></div>"
        yield "</div>"

    if any(found for _, found in stages):
        out.append(blocks())
    out.append("</section>")
    yield from _lines(out)


def _diagnostics(a: Assessment) -> str:
    out = ['<section class="card" id="diagnostics"><h2>Diagnostics</h2>']
    if not a.diagnostics:
        out.append('<p class="lede">None.</p></section>')
        return "\n".join(out)
    out.append('<p class="lede">Things about the model worth a look that are not threats.</p>')
    rows = [
        tr(
            td(f"<code>{esc(d.code)}</code>"),
            td(esc(d.severity)),
            td(f"<code>{esc(d.element)}</code>" if d.element else "—"),
            td(esc(d.message)),
        )
        for d in a.diagnostics
    ]
    out.append(table((("Code", ""), ("Severity", ""), ("Element", ""), ("Message", "")), rows))
    out.append("</section>")
    return "\n".join(out)


def _catalogs(a: Assessment) -> str:
    rows = [
        tr(
            td(f"<code>{esc(c.id)}</code>"),
            td(link(c.title, c.source)),
            td(esc(c.version)),
            td(date_cell(c.published)),
        )
        for c in a.catalogs
    ]
    return (
        '<section class="card" id="catalogs"><h2>Catalogs</h2>'
        '<p class="lede">The catalog editions this assessment used.</p>'
        + table((("Id", ""), ("Catalog", ""), ("Version", ""), ("Published", "")), rows)
        + "</section>"
    )


def _data(a: Assessment, labels: Labels) -> Iterator[dict[str, Any]]:
    """What the script needs to filter and sort of each finding, in the table's initial (report)
    order: the entries of the script data's ``findings`` list, each made when it is written."""
    status_rank = {s: i for i, s in enumerate(Status)}
    for i, f in enumerate(in_report_order(a)):
        text = " ".join(
            (f.id, f.title, labels.targets(f), *f.elements, f.summary, " ".join(f.refs), " ".join(f.why), f.root_cause)
        )
        yield {
            "id": f.id,
            "severity": f.residual_severity.value,
            "status": f.status.value,
            "open": f.status.is_open,
            "catalogs": list(catalogs_of(f)),
            "target": f.target,
            "elements": list(f.elements),
            "paths": [list(p) for p in (f.paths or ((f.path,) if f.path else ()))],
            "text": " ".join(text.lower().split()),
            "order": i,
            "sort": {
                "severity": f.residual_severity.rank * 100 + f.residual_risk,
                "title": f.title.lower(),
                "target": labels.target(f).lower(),
                "status": status_rank[f.status],
                "risk": f.risk,
                "residual": f.residual_risk,
            },
        }


# ---------------------------------------------------------------------------
# The diagram

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

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.export.common import (
    STATUS_LABELS,
    Labels,
    by_lifecycle,
    catalogs_of,
    coverage,
    declared_status,
    posture,
    proposed_controls,
    ref_label,
    ref_links,
    report_order,
    triage_log,
)
from threatmodel.graph import ModelGraph
from threatmodel.model.base import SEVERITIES_WORST_FIRST
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import ControlStatus, Status

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""No network of any kind: only the inline style and script, and data: images."""

SECTIONS = (
    ("summary", "Summary"),
    ("system", "System"),
    ("findings", "Findings"),
    ("control-plan", "Control plan"),
    ("coverage", "Coverage"),
    ("triage", "Triage log"),
    ("lifecycle", "By lifecycle"),
    ("diagnostics", "Diagnostics"),
    ("catalogs", "Catalogs"),
)


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def script_json(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``,
    U+2028 or U+2029 appears literally, so the text cannot end the element or confuse a parser."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


@cache
def _asset(name: str) -> str:
    return (resources.files("threatmodel.export") / "assets" / name).read_text(encoding="utf-8")


def _link(text: str, url: str | None) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def _sev_badge(severity: object) -> str:
    value = getattr(severity, "value", str(severity))
    return f'<span class="badge sev-{esc(value)}">{esc(value)}</span>'


def _status(status: Status) -> str:
    return f'<span class="status st-{esc(status.value)}">{esc(STATUS_LABELS[status])}</span>'


def _table(head: Sequence[tuple[str, str]], rows: Iterable[str], cls: str = "") -> str:
    """A table: ``head`` is (label, css class) pairs; ``rows`` are ready ``<tr>`` strings."""
    th = "".join(f'<th class="{c}">{esc(label)}</th>' if c else f"<th>{esc(label)}</th>" for label, c in head)
    body = "\n".join(rows)
    attr = f' class="{cls}"' if cls else ""
    return f'<div class="table-scroll"><table{attr}><thead><tr>{th}</tr></thead><tbody>\n{body}\n</tbody></table></div>'


def _tr(*cells: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<tr{attr}>" + "".join(cells) + "</tr>"


def _td(content: str, cls: str = "") -> str:
    return f'<td class="{cls}">{content}</td>' if cls else f"<td>{content}</td>"


def _date(value: object) -> str:
    return esc(value.isoformat()) if hasattr(value, "isoformat") else "—"


# ---------------------------------------------------------------------------


def render_html(analysis: Analysis, *, tool_version: str, diagram_svg: str | None) -> str:
    """The report for ``analysis`` as one HTML document (UTF-8 text, ends with a newline).

    ``diagram_svg`` is the model diagram as SVG text from Graphviz, or ``None`` when it could
    not be drawn; the report then says so where the diagram would be.
    """
    a, cset, graph = analysis.assessment, analysis.catalogs, analysis.graph
    labels = Labels.of(a.model)
    s = a.model.system
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="threatmodel {esc(tool_version)}">',
        f"<title>Threat model review: {esc(s.name)}</title>",
        f"<style>\n{_asset('report.css')}</style>",
        "</head>",
        "<body>",
        _masthead(a, tool_version),
        _nav(),
        '<main class="wrap">',
        _summary(a, labels),
        _system(a, labels, diagram_svg),
        _findings(a, cset, graph, labels),
        _control_plan(a, cset, labels),
        _coverage(analysis),
        _triage(a, labels),
        _lifecycle(a, labels),
        _diagnostics(a),
        _catalogs(a),
        "</main>",
        '<footer class="wrap">',
        f"<p>Generated by threatmodel {esc(tool_version)} from the model <code>{esc(s.id)}</code>, assessed as of "
        f"{esc(a.as_of.isoformat())}. Catalog ids, titles and links belong to their publishers and are used with "
        "attribution; descriptions and scenarios are threatmodel's own.</p>",
        "</footer>",
        f'<script type="application/json" id="tm-data">{script_json(_data(a, labels))}</script>',
        f"<script>\n{_asset('report.js')}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _masthead(a: Assessment, tool_version: str) -> str:
    s = a.model.system
    meta = [("System id", f"<code>{esc(s.id)}</code>"), ("Status", esc(s.status.value))]
    if s.owner:
        meta.append(("Owner", esc(s.owner)))
    if s.version:
        meta.append(("Version", esc(s.version)))
    meta.append(("Model updated", _date(s.updated)))
    if s.review.reviewed_on is not None:
        who = f" by {esc(', '.join(s.review.reviewers))}" if s.review.reviewers else ""
        meta.append(("Last review", f"{_date(s.review.reviewed_on)}{who}"))
    if s.review.next_review is not None:
        meta.append(("Next review", _date(s.review.next_review)))
    meta.append(("Assessed as of", _date(a.as_of)))
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
    ordered = [f for f in report_order(a.findings) if f.status.is_open][:5]
    if ordered:
        rows = [
            _tr(
                _td(_sev_badge(f.residual_severity)),
                _td(f'<a href="#{esc(_anchor(f))}">{esc(f.title)}</a>'),
                _td(esc(labels.target(f))),
                _td(_status(f.status)),
                _td(str(f.residual_risk), "num"),
            )
            for f in ordered
        ]
        top = "<h3>Top open findings</h3>" + _table(
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


def _system(a: Assessment, labels: Labels, diagram_svg: str | None) -> str:
    m = a.model
    names = labels.names
    out = ['<section class="card" id="system"><h2>System</h2>']
    paras = [p for p in re.split(r"\n\s*\n", m.system.description.strip()) if p.strip()]
    if paras:
        out += [f"<p>{esc(' '.join(p.split()))}</p>" for p in paras]
    else:
        out.append('<p class="muted">The model gives no description of the system.</p>')

    out.append("<h3>Diagram</h3>")
    svg = inline_svg(diagram_svg) if diagram_svg else None
    if svg is not None:
        out.append(f'<figure class="diagram" aria-label="Data-flow diagram">{svg}</figure>')
    elif diagram_svg:
        out.append('<div class="diagram-missing">The diagram could not be embedded: its SVG was not well-formed.</div>')
    else:
        out.append(
            '<div class="diagram-missing">No diagram: Graphviz could not be run when this report was generated. '
            "Install Graphviz (or the graphviz-pure wheel) and generate the report again.</div>"
        )

    open_by = Counter(f.target for f in a.findings if f.status.is_open)
    all_by = Counter(f.target for f in a.findings)
    if m.boundaries:
        rows = [
            _tr(
                _td(f"{esc(names[b.id])} <code>{esc(b.id)}</code>"),
                _td(esc(b.trust.value)),
                _td(esc(names.get(b.parent, b.parent)) if b.parent else "—"),
                _td(
                    esc(", ".join(names[c.id] for c in sorted(m.components, key=lambda c: c.id) if c.boundary == b.id))
                    or "—"
                ),
            )
            for b in sorted(m.boundaries, key=lambda b: (-b.trust.rank, b.id))
        ]
        out.append("<h3>Trust boundaries</h3>")
        out.append(_table((("Boundary", ""), ("Trust", ""), ("Inside", ""), ("Components", "")), rows))
    if m.components:
        rows = [
            _tr(
                _td(f"{esc(names[c.id])} <code>{esc(c.id)}</code>"),
                _td(esc(c.kind)),
                _td(esc(names.get(c.boundary, c.boundary)) if c.boundary else "—"),
                _td(esc(c.exposure.value if c.exposure else "unknown")),
                _td(esc(c.provenance.value if c.provenance else "unknown")),
                _td(esc(c.owner) if c.owner else "—"),
                _td(f"{open_by.get(c.id, 0)} / {all_by.get(c.id, 0)}", "num"),
            )
            for c in sorted(m.components, key=lambda c: c.id)
        ]
        out.append("<h3>Components</h3>")
        out.append(
            _table(
                (
                    ("Component", ""),
                    ("Kind", ""),
                    ("Boundary", ""),
                    ("Exposure", ""),
                    ("Provenance", ""),
                    ("Owner", ""),
                    ("Findings open / all", "num"),
                ),
                rows,
            )
        )
    if m.data:
        rows = [
            _tr(
                _td(f"{esc(names[d.id])} <code>{esc(d.id)}</code>"),
                _td(esc(d.classification.value)),
                _td("".join(f'<span class="tag">{esc(t)}</span>' for t in d.tags) or "—"),
                _td(esc(d.owner) if d.owner else "—"),
            )
            for d in sorted(m.data, key=lambda d: (-d.classification.rank, d.id))
        ]
        out.append("<h3>Data</h3>")
        out.append(_table((("Data", ""), ("Classification", ""), ("Tags", ""), ("Owner", "")), rows))
    if m.flows:
        boundary_of = {c.id: c.boundary for c in m.components}
        rows = [
            _tr(
                _td(f"<code>{esc(f.key)}</code>"),
                _td(f"{esc(labels.name(f.source))} → {esc(labels.name(f.target))}"),
                _td(esc(", ".join(labels.name(d) for d in f.data)) or "—"),
                _td(esc(f.protocol) if f.protocol else "—"),
                _td({None: "unknown", True: "yes", False: "no"}[f.encrypted]),
                _td("yes" if boundary_of.get(f.source) != boundary_of.get(f.target) else "no"),
            )
            for f in sorted(m.flows, key=lambda f: f.key)
        ]
        out.append("<h3>Data flows</h3>")
        out.append(
            _table(
                (
                    ("Flow", ""),
                    ("From → to", ""),
                    ("Data", ""),
                    ("Protocol", ""),
                    ("Encrypted", ""),
                    ("Crosses boundary", ""),
                ),
                rows,
            )
        )
    if m.controls:
        rows = [
            _tr(
                _td(f"<code>{esc(c.control)}</code>"),
                _td(esc(c.status.value)),
                _td(esc(", ".join(sorted(c.scope))) if c.scope else "whole system"),
                _td(esc(c.owner) if c.owner else "—"),
                _td(_link(c.evidence, c.evidence) if c.evidence else "—"),
            )
            for c in sorted(m.controls, key=lambda c: (c.control, ",".join(sorted(c.scope)), c.status.value))
        ]
        out.append("<h3>Declared controls</h3>")
        out.append(_table((("Control", ""), ("Status", ""), ("Scope", ""), ("Owner", ""), ("Evidence", "")), rows))
    out.append("</section>")
    return "\n".join(out)


def _anchor(f: Finding) -> str:
    """A stable fragment id for a finding (ids contain ':' and '@', which are fine in HTML ids)."""
    return "f-" + f.id


def _findings(a: Assessment, cset: CatalogSet, graph: ModelGraph, labels: Labels) -> str:
    out = ['<section class="card" id="findings"><h2>Findings</h2>']
    if not a.findings:
        out.append('<p class="lede">No findings.</p></section>')
        return "\n".join(out)
    out.append(
        '<p class="lede">One finding per threat on one element. Click a title for the reasoning, scoring, controls '
        "and references; click a column header to sort. Finding ids are stable across edits and key the triage.</p>"
    )
    ordered = report_order(a.findings)
    sev_opts = "".join(f'<option value="{esc(s.value)}">{esc(s.value)}</option>' for s in SEVERITIES_WORST_FIRST)
    status_opts = '<option value="@open">open or in progress</option>' + "".join(
        f'<option value="{esc(s.value)}">{esc(STATUS_LABELS[s])}</option>' for s in Status
    )
    catalog_ids = sorted({c for f in a.findings for c in catalogs_of(f)})
    cat_opts = "".join(
        f'<option value="{esc(c)}">{esc(cset.by_id[c].title if c in cset.by_id else c)}</option>' for c in catalog_ids
    )
    targets = sorted({(labels.target(f), f.target) for f in a.findings})
    target_opts = "".join(f'<option value="{esc(t)}">{esc(label)}</option>' for label, t in targets)
    out.append(
        '<div class="filters no-print" id="f-box" hidden>'
        '<div><label for="f-search">Search</label><input id="f-search" type="search" placeholder="title, id, element, reference…"></div>'
        f'<div><label for="f-severity">Severity</label><select id="f-severity"><option value="">all</option>{sev_opts}</select></div>'
        f'<div><label for="f-status">Status</label><select id="f-status"><option value="">all</option>{status_opts}</select></div>'
        f'<div><label for="f-catalog">Catalog</label><select id="f-catalog"><option value="">all</option>{cat_opts}</select></div>'
        f'<div><label for="f-target">Element</label><select id="f-target"><option value="">all</option>{target_opts}</select></div>'
        '<div class="buttons"><button type="button" class="plain" id="f-expand">Expand all</button>'
        '<button type="button" class="plain" id="f-collapse">Collapse</button>'
        '<button type="button" class="plain" id="f-reset">Reset</button></div>'
        "</div>"
        f'<p class="showing no-print" id="f-showing">{len(ordered)} findings</p>'
    )
    head = (
        ("severity", "Residual", "w-s"),
        ("title", "Finding", "w-xl"),
        ("target", "Target", "w-m"),
        ("status", "Status", "w-s"),
        ("risk", "Risk", "num w-xs"),
        ("residual", "Residual risk", "num w-s"),
    )
    ths = (
        "".join(
            f'<th data-sort="{key}" scope="col" class="{cls}"><span class="th-label">{esc(label)}</span></th>'
            for key, label, cls in head
        )
        + '<th scope="col" class="w-l">References</th>'
    )
    out.append(f'<div class="table-scroll"><table class="findings" id="findings-table"><thead><tr>{ths}</tr></thead>')
    for i, f in enumerate(ordered):
        out.append(_finding_body(cset, graph, labels, f, i))
    out.append("</table></div></section>")
    return "\n".join(out)


def _finding_body(cset: CatalogSet, graph: ModelGraph, labels: Labels, f: Finding, index: int) -> str:
    links = ref_links(f.refs, cset)
    short_refs = ", ".join(link.item for link in links if link.catalog != "stride")
    detail_id = f"d-{index}"
    row = (
        f'<tr class="row">'
        f"<td>{_sev_badge(f.residual_severity)}</td>"
        f'<td class="title-cell"><button type="button" class="toggle" aria-expanded="true" aria-controls="{detail_id}">'
        f'{esc(f.title)}</button><span class="fid">{esc(f.id)}</span></td>'
        f'<td>{esc(labels.target(f))}<br><span class="muted small">{esc(labels.kind(f))}</span></td>'
        f"<td>{_status(f.status)}</td>"
        f'<td class="num">{f.risk}</td>'
        f'<td class="num">{f.residual_risk}</td>'
        f'<td class="refs">{esc(short_refs) or "—"}</td>'
        "</tr>"
    )
    return (
        f'<tbody class="finding" id="{esc(_anchor(f))}" data-index="{index}">\n{row}\n'
        f'<tr class="detail" id="{detail_id}"><td colspan="7">{_finding_detail(cset, graph, labels, f, links)}</td></tr>\n'
        "</tbody>"
    )


def _finding_detail(cset: CatalogSet, graph: ModelGraph, labels: Labels, f: Finding, links: Sequence[Any]) -> str:
    why = "".join(f"<li>{esc(fact)}</li>" for fact in f.why) or "<li>the rule matched this element</li>"
    if f.path:
        why += f"<li>path: {esc(' → '.join(labels.name(p) for p in f.path))}</li>"
    score_rows = []
    for factor in f.factors:
        base = factor.reason.startswith("base ")
        step = str(factor.delta) if base else f"{factor.delta:+d}"
        score_rows.append(
            f'<tr><td>{esc(factor.axis)}</td><td class="num">{esc(step)}</td><td>{esc(factor.reason)}</td></tr>'
        )
    score_rows.append(
        f'<tr class="total"><td>risk</td><td class="num">{f.risk}</td>'
        f"<td>likelihood {f.likelihood} × impact {f.impact} ({esc(f.severity.value)})</td></tr>"
    )
    n = len(f.implemented_controls)
    residual = (
        f"{n} implemented control{'s' if n != 1 else ''} lower{'s' if n == 1 else ''} likelihood to {f.residual_likelihood}: "
        f"residual risk {f.residual_risk} ({f.residual_severity.value})."
        if n
        else f"No implemented control addresses it: residual risk {f.residual_risk} ({f.residual_severity.value})."
    )
    controls = []
    for c in f.implemented_controls:
        controls.append(
            f'<li class="implemented">{_link(cset.title_of(c), cset.url_of(c))} <code>{esc(c)}</code> '
            '<span class="muted small">implemented</span></li>'
        )
    for c in proposed_controls(f):
        declared = declared_status(graph, c, f.target)
        note = (
            f' <span class="muted small">declared {esc(declared.value)}, not yet counted</span>'
            if declared in (ControlStatus.PLANNED, ControlStatus.PARTIAL)
            else ' <span class="muted small">proposed</span>'
        )
        controls.append(
            f'<li class="proposed">{_link(cset.title_of(c), cset.url_of(c))} <code>{esc(c)}</code>{note}</li>'
        )
    if not controls:
        controls.append("<li>the catalog names no control for this threat</li>")
    refs = [f"<li>threat: {_link(cset.title_of(f.threat), cset.url_of(f.threat))} <code>{esc(f.threat)}</code></li>"]
    refs += [
        f'<li><span class="muted">{esc(link.catalog_title)}:</span> {_link(ref_label(link), link.url)}</li>'
        for link in links
    ]
    tags = "".join(f'<span class="tag">{esc(s.value)}</span>' for s in f.lifecycle)
    stride = "".join(f'<span class="tag">{esc(s.value)}</span>' for s in f.stride) or "—"
    triage = ""
    if f.triage is not None:
        t = f.triage
        bits = [f"<strong>{esc(t.status.value)}</strong>"]
        if t.owner:
            bits.append(f"owner {esc(t.owner)}")
        if t.approver:
            bits.append(f"approved by {esc(t.approver)}")
        if t.decided_on:
            bits.append(f"decided {_date(t.decided_on)}")
        if t.review_by:
            bits.append(
                f"review by {_date(t.review_by)}"
                + (' <span class="lapsed-flag">lapsed</span>' if f.triage_expired else "")
            )
        if t.ticket:
            bits.append(f"ticket {esc(t.ticket)}")
        just = f"<div>{esc(t.justification)}</div>" if t.justification.strip() else ""
        triage = (
            f'<h4>Triage</h4><div class="triage-box{" lapsed" if f.triage_expired else ""}">'
            f"<div>{' · '.join(bits)}</div>{just}</div>"
        )
    left = (
        f'<p class="summary">{esc(f.summary)}</p>'
        f"<h4>Why it applies here</h4><ul>{why}</ul>"
        f'<h4>Attack scenario</h4><p class="scenario">{esc(f.scenario)}</p>'
        f'<h4>Lifecycle and STRIDE</h4><div>{tags} <span class="muted">·</span> {stride}</div>'
        f"{triage}"
    )
    right = (
        f'<h4>Scoring</h4><table class="score"><tbody>{"".join(score_rows)}</tbody></table>'
        f'<p class="small">{esc(residual)}</p>'
        f'<h4>Controls</h4><ul class="controls">{"".join(controls)}</ul>'
        f'<h4>References</h4><ul class="small">{"".join(refs)}</ul>'
    )
    return f'<div class="detail-grid"><div>{left}</div><div>{right}</div></div>'


def _control_plan(a: Assessment, cset: CatalogSet, labels: Labels) -> str:
    out = ['<section class="card" id="control-plan"><h2>Control plan</h2>']
    if not a.proposals:
        out.append(
            '<p class="lede">No control to propose: no open finding has a control that is not already implemented.</p>'
        )
        out.append("</section>")
        return "\n".join(out)
    out.append(
        '<p class="lede">Controls not yet implemented, ranked by the open risk each would remove (one likelihood '
        "step on every open finding it addresses). Planned or partial controls stay here until declared implemented.</p>"
    )
    by_id = {f.id: f for f in a.findings}
    rows = []
    for i, p in enumerate(a.proposals, 1):
        closes = "".join(
            f'<li><a href="#{esc("f-" + fid)}">{esc(by_id[fid].title if fid in by_id else fid)}</a>'
            f' <span class="muted small">{esc(labels.target(by_id[fid]) if fid in by_id else "")}</span></li>'
            for fid in p.closes
        )
        rows.append(
            _tr(
                _td(str(i), "num"),
                _td(f"{_link(p.title, cset.url_of(p.control))}<br><code>{esc(p.control)}</code>"),
                _td("".join(f'<span class="tag">{esc(n.value)}</span>' for n in p.nist_csf) or "—"),
                _td("".join(f'<span class="tag">{esc(x.value)}</span>' for x in p.practices) or "—"),
                _td(str(p.risk_removed), "num"),
                _td(f'<ul class="small">{closes}</ul>'),
            )
        )
    out.append(
        _table(
            (
                ("#", "num w-xs"),
                ("Control", "w-l"),
                ("NIST CSF", "w-s"),
                ("Practices", "w-m"),
                ("Risk removed", "num w-s"),
                ("Closes", "w-xl"),
            ),
            rows,
        )
    )
    out.append("</section>")
    return "\n".join(out)


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
                _tr(
                    _td(_link(r.item, r.url)),
                    _td(esc(r.title)),
                    _td(str(r.findings), "num"),
                    _td(str(r.open), "num"),
                    _td(str(r.mitigated), "num"),
                    _td(str(r.accepted), "num"),
                    _td(f'<span class="{verdict_cls}">{esc(r.verdict)}</span>', "cov"),
                    cls="na" if not (r.findings or r.assessed) else "",
                )
            )
        out.append(
            f'<div class="coverage-block"><h3>{esc(t.title)} <span class="muted">({esc(t.version)}) · {t.applicable} of {len(t.rows)} apply</span></h3>'
        )
        out.append(
            _table(
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
            f'<a href="#{esc("f-" + r.finding_id)}">{esc(r.finding.title)}</a> <span class="muted small">{esc(labels.target(r.finding))}</span>'
            f"<br><code>{esc(r.finding_id)}</code>"
            if r.finding is not None
            else f'<code>{esc(r.finding_id)}</code><br><span class="lapsed-flag">matches no finding</span>'
        )
        lapsed = '<span class="lapsed-flag">yes, reopened</span>' if r.lapsed else ("no" if e.review_by else "—")
        rows.append(
            _tr(
                _td(finding),
                _td(esc(e.status.value)),
                _td(esc(e.owner) if e.owner else "—"),
                _td(esc(e.approver) if e.approver else "—"),
                _td(esc(e.justification) if e.justification.strip() else "—"),
                _td(esc(e.ticket) if e.ticket else "—", "nowrap"),
                _td(_date(e.decided_on), "date"),
                _td(_date(e.review_by), "date"),
                _td(lapsed),
            )
        )
    out.append(
        _table(
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


def _lifecycle(a: Assessment, labels: Labels) -> str:
    out = ['<section class="card" id="lifecycle"><h2>By lifecycle stage</h2>']
    out.append('<p class="lede">Where in the AI lifecycle each threat bites, so each stage owner sees their share.</p>')
    stages = by_lifecycle(a)
    rows = []
    for stage, found in stages:
        open_ = [f for f in found if f.status.is_open]
        worst = max((f.residual_severity for f in open_), default=None)
        rows.append(
            _tr(
                _td(esc(stage.value)),
                _td(str(len(found)), "num"),
                _td(str(len(open_)), "num"),
                _td(_sev_badge(worst) if worst is not None else "—"),
            )
        )
    out.append(_table((("Stage", ""), ("Findings", "num"), ("Open", "num"), ("Worst open", "")), rows, "narrow"))
    blocks = []
    for stage, found in stages:
        if not found:
            continue
        items = "".join(
            f'<li>{_sev_badge(f.residual_severity)} <a href="#{esc(_anchor(f))}">{esc(f.title)}</a> '
            f'<span class="muted small">{esc(labels.target(f))} · {esc(STATUS_LABELS[f.status])}</span></li>'
            for f in found
        )
        blocks.append(f'<div class="stage"><h3>{esc(stage.value)}</h3><ul>{items}</ul></div>')
    if blocks:
        out.append(f'<div class="stage-list">{"".join(blocks)}</div>')
    out.append("</section>")
    return "\n".join(out)


def _diagnostics(a: Assessment) -> str:
    out = ['<section class="card" id="diagnostics"><h2>Diagnostics</h2>']
    if not a.diagnostics:
        out.append('<p class="lede">None.</p></section>')
        return "\n".join(out)
    out.append('<p class="lede">Things about the model worth a look that are not threats.</p>')
    rows = [
        _tr(
            _td(f"<code>{esc(d.code)}</code>"),
            _td(esc(d.severity)),
            _td(f"<code>{esc(d.element)}</code>" if d.element else "—"),
            _td(esc(d.message)),
        )
        for d in a.diagnostics
    ]
    out.append(_table((("Code", ""), ("Severity", ""), ("Element", ""), ("Message", "")), rows))
    out.append("</section>")
    return "\n".join(out)


def _catalogs(a: Assessment) -> str:
    rows = [
        _tr(
            _td(f"<code>{esc(c.id)}</code>"),
            _td(_link(c.title, c.source)),
            _td(esc(c.version)),
            _td(_date(c.published)),
        )
        for c in a.catalogs
    ]
    return (
        '<section class="card" id="catalogs"><h2>Catalogs</h2>'
        '<p class="lede">The catalog editions this assessment used.</p>'
        + _table((("Id", ""), ("Catalog", ""), ("Version", ""), ("Published", "")), rows)
        + "</section>"
    )


def _data(a: Assessment, labels: Labels) -> dict[str, Any]:
    """What the script needs to filter and sort, in the table's initial (report) order."""
    status_rank = {s: i for i, s in enumerate(Status)}
    findings = []
    for i, f in enumerate(report_order(a.findings)):
        text = " ".join((f.id, f.title, labels.target(f), f.target, f.summary, " ".join(f.refs), " ".join(f.why)))
        findings.append(
            {
                "id": f.id,
                "severity": f.residual_severity.value,
                "status": f.status.value,
                "open": f.status.is_open,
                "catalogs": list(catalogs_of(f)),
                "target": f.target,
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
        )
    return {"findings": findings}


# ---------------------------------------------------------------------------
# The diagram

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line",
        "text", "tspan", "a", "defs", "linearGradient", "radialGradient", "stop", "clipPath",
    }
)  # fmt: skip
_SVG_ATTRIBUTES = frozenset(
    {
        "id", "class", "width", "height", "viewBox", "preserveAspectRatio", "transform", "x", "y", "x1", "y1",
        "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "fill", "fill-opacity", "stroke", "stroke-width",
        "stroke-dasharray", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "opacity", "font-family",
        "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "text-decoration",
        "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "clip-path",
        "clipPathUnits", "role", "aria-label", "target",
    }
)  # fmt: skip


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def inline_svg(svg_text: str) -> str | None:
    """The SVG reduced to drawing elements and presentation attributes, ready to inline in HTML.

    The XML prolog, DOCTYPE and comments are dropped; scripts, event handlers, foreign
    objects, external references and styles are removed. Returns ``None`` when the text is not
    a well-formed SVG document (or declares entities), so a broken diagram is reported
    instead of pasted.
    """
    text = re.sub(r"<\?xml[^>]*\?>", "", svg_text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", "", text, flags=re.S | re.I)
    if "<!" in text:
        return None
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD is left, so no entity can expand
    except ET.ParseError:
        return None
    ns, local = _local(root.tag)
    if local != "svg" or ns not in ("", SVG_NS):
        return None
    _clean(root)
    root.set("role", "img")
    return ET.tostring(root, encoding="unicode")


def _clean(element: ET.Element) -> None:
    for child in list(element):
        ns, local = _local(child.tag)
        if ns not in ("", SVG_NS) or local not in _SVG_ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        ns, local = _local(name)
        value = element.attrib[name]
        keep = False
        if local == "href" and ns in ("", XLINK_NS):
            keep = value.startswith("#")
        elif ns == XLINK_NS and local == "title":
            keep = True
        elif ns == "" and local in _SVG_ATTRIBUTES:
            keep = "javascript:" not in value.lower() and "url(" not in value.lower().replace("url(#", "")
        if not keep:
            del element.attrib[name]

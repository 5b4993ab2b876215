"""The design-review document as GitHub-flavoured Markdown.

Written for a reviewer reading it on GitHub (a file in the repository or a pull-request
comment): summary and verdict first, then the system, the diagram (Mermaid), every
finding with its reasoning, the control plan, coverage per catalog, the triage log, a
view by lifecycle stage and the diagnostics. Every string from the model or a catalog
goes through :func:`md_text` (or :func:`md_code` for ids), so nothing a user wrote can
become markup, a link, raw HTML or a broken table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.export.common import (
    STATUS_LABELS,
    Labels,
    by_lifecycle,
    in_report_order,
    md_code,
    md_fence,
    md_link,
    md_paragraphs,
    md_text,
    plural,
    posture,
    ref_label,
    triage_log,
)
from threatmodel.export.diagram import render_mermaid
from threatmodel.export.diagram.mermaid import render_mermaid_paths
from threatmodel.export.review import (
    ControlLine,
    FindingView,
    FindingViews,
    confidence,
    coverage,
    exchange_controls,
    open_question_list,
    system_view,
    triage_bits,
)
from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.finding import Assessment, Finding

SEVERITY_MARK = {
    Severity.CRITICAL: "🟥 critical",
    Severity.HIGH: "🟧 high",
    Severity.MEDIUM: "🟨 medium",
    Severity.LOW: "🟦 low",
    Severity.INFO: "⬜ info",
}
"""Severity as coloured square + word: the colour helps scanning, the word carries the meaning."""

CONTENTS = (
    ("Summary", "summary"),
    ("System", "system"),
    ("Findings", "findings"),
    ("Control plan", "control-plan"),
    ("Open questions", "open-questions"),
    ("Coverage", "coverage"),
    ("Triage log", "triage-log"),
    ("By lifecycle stage", "by-lifecycle-stage"),
    ("Diagnostics", "diagnostics"),
    ("Catalogs", "catalogs"),
)


def _row(*cells: str) -> str:
    return "| " + " | ".join([c if c else " " for c in cells]) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    """A table; ``align`` has one character per column: ``r`` for right, anything else left."""
    seps = ["---:" if (i < len(align) and align[i] == "r") else "---" for i in range(len(header))]
    return [_row(*header), _row(*seps), *(_row(*r) for r in rows)]


def _table_parts(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> Iterator[list[str]]:
    """:func:`_table`'s lines in parts of up to :data:`LINES_PER_PIECE` lines or about
    :data:`PART_CHARS` characters, its rows made as they are written (a table with a row per
    finding is 40-60 MB of lines at 50,000 components, and a control plan row lists every finding
    its control closes: megabytes in one line)."""
    part = _table(header, (), align)
    chars = 0
    for row in rows:
        line = _row(*row)
        part.append(line)
        chars += len(line)
        if len(part) >= LINES_PER_PIECE or chars >= PART_CHARS:
            yield part
            part = []
            chars = 0
    yield part


PART_CHARS = 1 << 20
"""Characters of table lines :func:`_table_parts` makes before they are written."""


def _date(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else "—"


def render_markdown(analysis: Analysis, *, tool_version: str) -> str:
    """The design-review document for ``analysis`` as Markdown text (ends with a newline)."""
    return "".join(markdown_pieces(analysis, tool_version=tool_version))


def markdown_pieces(analysis: Analysis, *, tool_version: str) -> Iterator[str]:
    """:func:`render_markdown` as the pieces whose concatenation it is, each section made when it is
    reached (a writer that encodes and writes them as they come never holds the whole report)."""
    a, cset = analysis.assessment, analysis.catalogs
    labels = Labels.of(a.model)
    sections: tuple[Callable[[], Iterable[list[str]]], ...] = (
        lambda: (_header(a, tool_version),),
        lambda: _summary(a, labels),
        lambda: _system(analysis),  # a table at a time
        lambda: _findings(analysis, labels),  # a part at a time (decision 1866)
        lambda: _control_plan(a, cset),
        lambda: (_questions(analysis),),
        lambda: (_coverage(analysis),),
        lambda: (_triage(a),),
        lambda: _lifecycle(a, labels),
        lambda: (_diagnostics(a),),
        lambda: (_catalogs(a, tool_version),),
    )
    return line_pieces(part for make in sections for part in make())


LINES_PER_PIECE = 2048
"""Lines joined into one piece: enough that the writer's per-piece work is small, few enough that a
piece holding an emoji (4 bytes a character as a Python string) stays well under a megabyte."""


def line_pieces(sections: Iterable[Sequence[str]]) -> Iterator[str]:
    """The lines of ``sections``, each followed by a newline, as pieces of up to
    :data:`LINES_PER_PIECE` lines; the text ends with exactly one newline (blank lines at the end
    are dropped, the last line's own trailing newlines too, and no lines give ``"\\n"``). Blank
    lines are held back until a line with text follows them, and the last line with text until it
    is known to be the last, so each section is read once, when it is reached."""
    held: list[str] = []  # the last line with text so far (first), then the blank lines after it
    for lines in sections:
        last = len(lines) - 1
        while last >= 0 and not lines[last].strip("\n"):
            last -= 1
        if last < 0:  # only blank lines: held until a line with text follows (if one does)
            held.extend(lines)
            continue
        run = [*held, *lines[:last]] if held else lines[:last]
        for start in range(0, len(run), LINES_PER_PIECE):
            yield "\n".join(run[start : start + LINES_PER_PIECE]) + "\n"
        held = [lines[last], *lines[last + 1 :]]
        del run, lines  # written: not held while the next section is made
    yield held[0].rstrip("\n") + "\n" if held and held[0].strip("\n") else "\n"


# ---------------------------------------------------------------------------


def _header(a: Assessment, tool_version: str) -> list[str]:
    s = a.model.system
    review = s.review
    reviewed = "—"
    if review.reviewed_on is not None:
        reviewed = review.reviewed_on.isoformat()
        if review.reviewers:
            reviewed += " by " + ", ".join(md_text(r) for r in review.reviewers)
    if review.next_review is not None:
        reviewed += f"; next review due {review.next_review.isoformat()}"
    rows: list[tuple[str, ...]] = [
        ("System", f"{md_text(s.name)} ({md_code(s.id)})"),
        ("Owner", md_text(s.owner) if s.owner else "—"),
        ("Lifecycle status", s.status.value),
        ("Version", md_text(s.version) if s.version else "—"),
        ("Model updated", _date(s.updated)),
        ("Last review", reviewed),
        ("Assessed as of", a.as_of.isoformat()),
        ("Generated by", f"threatmodel {md_text(tool_version)}"),
    ]
    out = [f"# Threat model review: {md_text(s.name)}", ""]
    out += _table(("Item", "Value"), rows)
    out += ["", "**Contents:** " + " · ".join(f"[{title}](#{anchor})" for title, anchor in CONTENTS), ""]
    return out


def _summary(a: Assessment, labels: Labels) -> Iterator[list[str]]:
    """The summary's lines, its table of findings in parts (:func:`_table_parts`)."""
    p = posture(a)
    out = ["## Summary", "", f"**{md_text(p.headline)}** {md_text(p.verdict)}", ""]
    out += ["Open findings by residual severity:", ""]
    out += _table(
        (*tuple(SEVERITY_MARK[s] for s, _ in p.open_by_severity), "Open risk"),
        [(*tuple(str(n) for _, n in p.open_by_severity), f"**{p.open_risk}**")],
        "rrrrr",
    )
    out += ["", "All findings by status:", ""]
    out += _table(
        (*tuple(STATUS_LABELS[s] for s, _ in p.by_status), "total"),
        [(*tuple(str(n) for _, n in p.by_status), str(p.total))],
        "r" * (len(p.by_status) + 1),
    )
    out += [
        "",
        "Risk is likelihood × impact (each 1-5, so 1-25): 20 and above is critical, 12 high, 6 medium, "
        "below that low. Residual risk counts implemented controls; open risk is the sum of residual "
        "risk over open and in-progress findings.",
        "",
    ]
    if not a.findings:
        yield out
        return
    yield out
    rows = (
        (
            SEVERITY_MARK[f.residual_severity],
            md_text(f.title),
            f"{md_text(labels.targets(f))} ({', '.join(md_code(e) for e in f.elements)})",
            STATUS_LABELS[f.status],
            f"{f.risk} → {f.residual_risk}",
        )
        for f in in_report_order(a)
    )
    yield from _table_parts(("Residual", "Finding", "Target", "Status", "Risk → residual"), rows)
    yield [""]


def _system(analysis: Analysis) -> Iterator[list[str]]:
    """The system section's lines, a table at a time (decision 1866: its flows table alone is 80 MB
    of lines at 50,000 components)."""
    m = analysis.model
    view = system_view(analysis)
    out = ["## System", ""]
    for para in md_paragraphs(m.system.description):
        out += [para, ""]
    if not m.system.description.strip():
        out += ["_The model gives no description of the system._", ""]

    if view.boundaries:
        out += ["### Trust boundaries", ""]
        rows: Iterable[tuple[str, ...]] = (
            (
                f"{md_text(b.name)} ({md_code(b.id)})",
                b.trust,
                md_text(b.parent) if b.parent else "—",
                ", ".join(md_text(c) for c in b.components) or "—",
            )
            for b in view.boundaries
        )
        out += _table(("Boundary", "Trust", "Inside", "Components"), rows)
        out.append("")
        yield out
        out = []

    if view.components:
        out += ["### Components", ""]
        rows = (
            (
                f"{md_text(c.name)} ({md_code(c.id)})",
                c.kind,
                md_text(c.boundary) if c.boundary else "—",
                c.exposure,
                c.provenance,
                f"{c.open_findings} / {c.findings}",
            )
            for c in view.components
        )
        out += _table(
            ("Component", "Kind", "Boundary", "Exposure", "Provenance", "Findings (open / all)"), rows, "     r"
        )
        out.append("")
        yield out
        out = []

    if view.data:
        out += ["### Data", ""]
        rows = (
            (f"{md_text(d.name)} ({md_code(d.id)})", d.classification, ", ".join(md_code(t) for t in d.tags) or "—")
            for d in view.data
        )
        out += _table(("Data", "Classification", "Tags"), rows)
        out.append("")
        yield out
        out = []

    if view.flows:
        out += ["### Data flows", ""]
        rows = (
            (
                md_code(f.key),
                f"{md_text(f.source)} → {md_text(f.target)}",
                ", ".join(md_text(d) for d in f.data) or "—",
                md_text(f.protocol) if f.protocol else "—",
                f.encrypted,
                "yes" if f.crosses_boundary else "no",
            )
            for f in view.flows
        )
        out += _table(("Flow", "From → to", "Data", "Protocol", "Encrypted", "Crosses boundary"), rows)
        out.append("")
        yield out
        out = []

    if view.controls:
        out += ["### Declared controls", ""]
        rows = (
            (
                md_code(c.control),
                c.status,
                ", ".join(md_code(s) for s in c.scope) or "whole system",
                md_text(c.owner) if c.owner else "—",
                md_text(c.evidence) if c.evidence else "—",
            )
            for c in view.controls
        )
        out += _table(("Control", "Status", "Scope", "Owner", "Evidence"), rows)
        out.append("")
        yield out
        out = []

    out += ["### Diagram", ""]
    out += [md_fence(render_mermaid(analysis), "mermaid"), ""]
    yield out


# ---------------------------------------------------------------------------


FINDINGS_PER_PART = 256
"""Findings whose lines the findings section makes before they are written: the section of a
50,000-component model is 300 MB of text, and its lines were all held before any was written."""


def _findings(analysis: Analysis, labels: Labels) -> Iterator[list[str]]:
    """The findings section's lines, in parts of up to :data:`FINDINGS_PER_PART` findings (a
    section's lines are the same however they are cut, :func:`line_pieces`)."""
    a = analysis.assessment
    out = ["## Findings", ""]
    if not a.findings:
        yield [*out, "No findings.", ""]
        return
    out += [
        "Grouped by residual severity, worst first. Each finding is one threat on one element; its id "
        "(`<catalog>:<threat>@<element>`) is stable across edits and is the key used for triage.",
        "",
    ]
    ordered = in_report_order(a)
    views = FindingViews(analysis, labels)
    shared: dict[object, list[str]] = {}
    for sev in SEVERITIES_WORST_FIRST:
        group = [f for f in ordered if f.residual_severity is sev]
        if not group:
            continue
        out += [f"### {SEVERITY_MARK[sev].split(' ', 1)[1].capitalize()} ({len(group)})", ""]
        for n, f in enumerate(group, start=1):
            out += _finding(views(f), shared)
            if n % FINDINGS_PER_PART == 0:
                yield out
                out = []
    yield out


def _control_link(c: ControlLine) -> str:
    return f"{md_link(c.title, c.url)} ({md_code(c.ref)})"


def _finding(v: FindingView, shared: dict[object, list[str]] | None = None) -> list[str]:
    """One finding's heading, table and sections, as lines (a line may hold several when none of
    them is the one with the severity's emoji: a Python string holding one character outside the
    Basic Multilingual Plane takes 4 bytes for every character). ``shared`` keeps what findings
    have in common across one report (score table, controls, references, the threat's own rows and
    summary: one per threat, mostly), so a finding costs only what is its own (decision 0970)."""
    f = v.finding
    shared = {} if shared is None else shared
    status = f"**{STATUS_LABELS[f.status]}**"
    if f.triage_expired and f.triage is not None and f.triage.review_by is not None:
        status += f" (triage {f.triage.status.value} lapsed on {f.triage.review_by.isoformat()})"
    elif f.triage is not None and f.triage.review_by is not None:
        status += f" (review by {f.triage.review_by.isoformat()})"
    if f.triage_key is not None:
        status += f" (decision recorded under {md_code(f.triage_key)})"
    target = md_text(v.target)
    elements = ", ".join([md_code(e) for e in f.elements])
    root = f"| Root cause | {md_text(f.root_cause) or ' '} |\n" if f.root_cause else ""
    if f.also_affects:  # decision 1850
        root += f"| Also affects | {', '.join(md_code(e) for e in f.also_affects)} |\n"
    # the table's last rows, the summary and the next heading: the same for every finding of a threat
    threat_rows = _shared(shared, ("threat", f.lifecycle, f.stride, f.summary), lambda: _threat_rows(f))
    out = [
        f"#### {md_text(f.title)} — {target}\n",
        f"| Finding | {SEVERITY_MARK[f.residual_severity]} |",
        "| --- | --- |\n"
        f"| Id | {md_code(f.id)} |\n"
        f"| Target | {target} ({elements}, {v.kind}) |\n"
        f"{root}"
        f"| Status | {status} |\n"
        f"| Confidence | {confidence(f)} |\n"
        f"| Risk | likelihood {f.likelihood} × impact {f.impact} = {f.risk} ({f.severity.value}) |\n"
        f"| Residual risk | likelihood {f.residual_likelihood} × impact {f.impact} = {f.residual_risk} "
        f"({f.residual_severity.value}) |\n"
        f"{threat_rows[0]}",
    ]
    out += [f"- {md_text(fact)}" for fact in f.why] or ["- the rule matched this element"]
    if v.path:
        out.append("- path: " + " → ".join([md_text(p) for p in v.path]))
    if f.assumes:
        out += ["", "**Rests on unknown facts** (state them to settle the finding)", ""]
        out += [f"- {md_text(x.question)} ({md_code(f'{x.element}.{x.attribute}')})" for x in f.assumes]
    if f.path and f.residual_severity >= Severity.HIGH:
        out += ["", "**Attack path** (untrusted source dashed, this finding's target filled)", ""]
        out.append(
            md_fence(render_mermaid_paths(f.paths or (f.path,), v.names, f.target, f.residual_severity), "mermaid")
        )
    out += ["", f"**Attack scenario.** {md_text(f.scenario)}", "", "**Scoring**", ""]
    out += _shared(shared, ("score", v.steps, f.risk, f.likelihood, f.impact), lambda: _score_table(v))
    n = v.implemented
    if n:
        out += [
            "",
            f"Residual: {plural(n, 'implemented control')} lower{'s' if n == 1 else ''} likelihood to "
            f"{f.residual_likelihood}, leaving residual risk {f.residual_risk} ({f.residual_severity.value}).",
        ]
    else:
        out += [
            "",
            f"Residual: no implemented control addresses it, so residual risk equals the risk ({f.residual_risk}).",
        ]

    out += ["", "**Controls**", ""]
    out += _shared(shared, ("controls", v.control_key), lambda: _control_lines(v))
    out += ["", "**References**", ""]
    out += _shared(shared, ("refs", f.threat, f.refs), lambda: _reference_lines(v))

    if v.triage is not None:
        bits = []
        for what, value in triage_bits(v.triage):
            shown = value if what in ("status", "decided", "review by") else md_text(value)
            bits.append(f"{what} {shown}" + (" (lapsed)" if what == "review by" and v.triage_lapsed else ""))
        out += ["", f"**Triage:** {'; '.join(bits)}."]
        if v.triage.justification.strip():
            out += ["", f"> {md_text(v.triage.justification)}"]
    out += ["", ""]
    return out


def _threat_rows(f: Finding) -> list[str]:
    """The rows of a finding's table that come from its threat, the summary and the heading after
    them, as one piece (in a list, for :func:`_shared`)."""
    cells = [
        ("Lifecycle", ", ".join(s.value for s in f.lifecycle) or "—"),
        ("STRIDE", ", ".join(s.value for s in f.stride) or "—"),
    ]
    rows = "".join(f"| {what} | {value} |\n" for what, value in cells)
    return [f"{rows}\n{md_text(f.summary)}\n\n**Why it applies here**\n"]


def _shared(shared: dict[object, list[str]], key: object, make: Callable[[], list[str]]) -> list[str]:
    lines = shared.get(key)
    if lines is None:
        lines = shared[key] = make()
    return lines


def _score_table(v: FindingView) -> list[str]:
    f = v.finding
    rows = [(s.axis, s.step, md_text(s.reason)) for s in v.steps]
    rows.append(("**risk**", f"**{f.risk}**", f"likelihood {f.likelihood} × impact {f.impact}, clamped to 1-5 each"))
    return _table(("Axis", "Step", "Reason"), rows, " r")


def _control_lines(v: FindingView) -> list[str]:
    if not v.controls:
        return ["- the catalog names no control for this threat"]
    out = []
    for c in v.controls:
        if c.state == "implemented":
            out.append(f"- ✅ implemented: {_control_link(c)}")
        else:
            note = f" — declared {c.declared.value}, not yet counted" if c.declared is not None else ""
            out.append(f"- ➕ proposed: {_control_link(c)}{note}")
    return out


def _reference_lines(v: FindingView) -> list[str]:
    out = [f"- threat: {_control_link(v.threat)}"]
    out += [f"- {md_text(link.catalog_title)}: {md_link(ref_label(link), link.url)}" for link in v.refs]
    return out


# ---------------------------------------------------------------------------


def _control_plan(a: Assessment, cset: CatalogSet) -> Iterator[list[str]]:
    """The control plan's lines, its table in parts (:func:`_table_parts`)."""
    out = ["## Control plan", ""]
    if not a.proposals:
        yield [*out, "No control to propose: no open finding has a control that is not already implemented.", ""]
        return
    out += [
        "Controls not yet implemented, ranked by the open risk each would remove (one likelihood step on "
        "every open finding it addresses). Planned or partial controls are listed here until they are "
        "declared implemented.",
        "",
    ]
    yield out
    rows = (
        (
            str(i),
            f"{md_link(p.title, cset.url_of(p.control))}<br>{md_code(p.control)}"
            + "".join(f"<br>AI Exchange: {md_link(x.item, x.url)}" for x in exchange_controls(cset, p.control)),
            ", ".join(n.value for n in p.nist_csf) or "—",
            ", ".join(x.value for x in p.practices) or "—",
            str(p.risk_removed),
            "<br>".join(md_code(fid) for fid in p.closes),
        )
        for i, p in enumerate(a.proposals, 1)
    )
    yield from _table_parts(("#", "Control", "NIST CSF", "Practices", "Risk removed", "Closes"), rows, "r   r")
    yield [""]


SHOWN_IDS = 4
"""Finding ids listed per open question; the rest are counted."""


def _questions(analysis: Analysis) -> list[str]:
    out = ["## Open questions", ""]
    q = open_question_list(analysis)
    if not q.total:
        return [*out, "No finding rests on an unknown fact: every fact the rules needed is stated.", ""]
    out += [
        f"{q.total} fact{'' if q.total == 1 else 's'} the model leaves unstated decide open findings "
        f"({q.risk} open risk rests on at least one). An unstated fact is read in the threat's favour, "
        "so stating it may remove a finding or lower its score. Most open risk first.",
        "",
    ]
    rows: list[tuple[str, ...]] = []
    for r in q.rows:
        ids = [md_code(f.id) for f in r.findings[:SHOWN_IDS]]
        if len(r.findings) > SHOWN_IDS:
            ids.append(f"and {len(r.findings) - SHOWN_IDS} more")
        rows.append(
            (
                str(r.rank),
                md_text(r.question[0].upper() + r.question[1:]),
                md_code(f"{r.element}.{r.attribute}"),
                str(r.risk),
                "<br>".join(ids),
            )
        )
    out += _table(("#", "Question", "Attribute", "Open risk", "Findings"), rows, "r  r ")
    out.append("")
    if q.total > len(q.rows):
        out += [f"{q.total - len(q.rows)} more: run `threatmodel questions MODEL` for the whole list.", ""]
    return out


def _coverage(analysis: Analysis) -> list[str]:
    out = ["## Coverage", ""]
    tables = coverage(analysis)
    if not tables:
        return [*out, "None of the reference catalogs with a coverage matrix is loaded.", ""]
    out += [
        "For every item of each reference catalog: how many findings realise it and where they stand. "
        '"assessed, no finding" means a rule for the item was tried on elements of this model and did not fire; '
        '"not applicable" means the model has no element of a kind any rule for the item targets; '
        '"not assessed" means no enabled rule realises the item, so nothing is known about it.',
        "",
    ]
    for t in tables:
        out += [f"### {md_text(t.title)} ({md_text(t.version)}): {t.applicable} of {len(t.rows)} apply", ""]
        rows: list[tuple[str, ...]] = [
            (
                md_link(r.item, r.url),
                md_text(r.title),
                str(r.findings),
                str(r.open),
                str(r.mitigated),
                str(r.accepted),
                str(r.false_positive),
                f"**{r.verdict}**" if r.open else r.verdict,
            )
            for r in t.rows
        ]
        out += _table(
            ("Id", "Title", "Findings", "Open", "Mitigated", "Accepted", "False positive", "Coverage"), rows, "  rrrrr"
        )
        out.append("")
    return out


def _triage(a: Assessment) -> list[str]:
    out = ["## Triage log", ""]
    log = triage_log(a)
    if not log:
        return [*out, "The model records no triage decisions.", ""]
    rows: list[tuple[str, ...]] = []
    for r in log:
        e = r.entry
        finding = md_code(r.finding_id) + ("" if r.finding is not None else " (matches no finding)")
        rows.append(
            (
                finding,
                e.status.value,
                md_text(e.owner) if e.owner else "—",
                md_text(e.approver) if e.approver else "—",
                md_text(e.justification) if e.justification.strip() else "—",
                md_text(e.ticket) if e.ticket else "—",
                _date(e.decided_on),
                _date(e.review_by),
                "**yes, reopened**" if r.lapsed else ("no" if e.review_by else "—"),
            )
        )
    out += _table(
        ("Finding", "Status", "Owner", "Approver", "Justification", "Ticket", "Decided", "Review by", "Lapsed"), rows
    )
    out.append("")
    return out


def _lifecycle(a: Assessment, labels: Labels) -> Iterator[list[str]]:
    """The lifecycle section's lines, each stage's list of findings in parts of up to
    :data:`LINES_PER_PIECE` lines."""
    out = ["## By lifecycle stage", ""]
    stages = by_lifecycle(a)
    rows: list[tuple[str, ...]] = []
    for stage, found in stages:
        open_ = [f for f in found if f.status.is_open]
        worst = max((f.residual_severity for f in open_), default=None)
        rows.append((stage.value, str(len(found)), str(len(open_)), SEVERITY_MARK[worst] if worst else "—"))
    out += _table(("Stage", "Findings", "Open", "Worst open"), rows, " rr")
    out.append("")
    for stage, found in stages:
        if not found:
            continue
        out += [f"**{stage.value}**", ""]
        for start in range(0, len(found), LINES_PER_PIECE):
            out += [
                f"- {SEVERITY_MARK[f.residual_severity]} · {md_text(f.title)} · {md_text(labels.targets(f))} · {STATUS_LABELS[f.status]}"
                for f in found[start : start + LINES_PER_PIECE]
            ]
            yield out
            out = []
        out.append("")
    yield out


def _diagnostics(a: Assessment) -> list[str]:
    out = ["## Diagnostics", ""]
    if not a.diagnostics:
        return [*out, "None.", ""]
    rows: list[tuple[str, ...]] = [
        (md_code(d.code), d.severity, md_code(d.element) if d.element else "—", md_text(d.message))
        for d in a.diagnostics
    ]
    out += _table(("Code", "Severity", "Element", "Message"), rows)
    out.append("")
    return out


def _catalogs(a: Assessment, tool_version: str) -> list[str]:
    out = ["## Catalogs", ""]
    rows: list[tuple[str, ...]] = [
        (md_code(c.id), md_link(c.title, c.source), md_text(c.version), c.published.isoformat()) for c in a.catalogs
    ]
    out += _table(("Id", "Catalog", "Version", "Published"), rows)
    out += [
        "",
        f"_Generated by threatmodel {md_text(tool_version)}. Catalog ids, titles and links belong to their "
        "publishers and are used with attribution; descriptions and scenarios are threatmodel's own._",
        "",
    ]
    return out


__all__ = ["render_markdown"]

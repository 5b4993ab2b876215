"""The findings section of the HTML report: the filterable table and each finding's detail."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from threatmodel.engine.analysis import Analysis
from threatmodel.export.common import STATUS_LABELS, Labels, catalogs_of, in_report_order, ref_label
from threatmodel.export.htmlkit import esc, link, sev_badge, status_badge
from threatmodel.export.review import ControlLine, FindingView, FindingViews, confidence, triage_bits
from threatmodel.model.base import SEVERITIES_WORST_FIRST
from threatmodel.model.finding import Finding
from threatmodel.model.vocab import Status


def anchor(f: Finding) -> str:
    """A stable fragment id for a finding (ids contain ':' and '@', which are fine in HTML ids)."""
    return "f-" + f.id


def findings_section(analysis: Analysis, labels: Labels) -> Iterator[str]:
    """The section as lines (without their newlines): one per finding, each made when it is reached
    (a writer that writes them as they come never holds the section whole)."""
    a, cset = analysis.assessment, analysis.catalogs
    yield '<section class="card" id="findings"><h2>Findings</h2>'
    if not a.findings:
        yield '<p class="lede">No findings.</p></section>'
        return
    yield (
        '<p class="lede">One finding per threat on one element, or per root cause where one fact causes a threat on '
        "several elements (they are listed together). Click a title for the reasoning, scoring, controls "
        "and references; click a column header to sort. Finding ids are stable across edits and key the triage.</p>"
    )
    ordered = in_report_order(a)
    sev_opts = "".join(f'<option value="{esc(s.value)}">{esc(s.value)}</option>' for s in SEVERITIES_WORST_FIRST)
    status_opts = '<option value="@open">open or in progress</option>' + "".join(
        f'<option value="{esc(s.value)}">{esc(STATUS_LABELS[s])}</option>' for s in Status
    )
    catalog_ids = sorted({c for f in a.findings for c in catalogs_of(f)})
    cat_opts = "".join(
        f'<option value="{esc(c)}">{esc(cset.by_id[c].title if c in cset.by_id else c)}</option>' for c in catalog_ids
    )
    targets = sorted({(labels.name(e) if f.affected else labels.target(f), e) for f in a.findings for e in f.elements})
    target_opts = "".join(f'<option value="{esc(t)}">{esc(label)}</option>' for label, t in targets)
    yield (
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
    yield f'<div class="table-scroll"><table class="findings" id="findings-table"><thead><tr>{ths}</tr></thead>'
    views = FindingViews(analysis, labels)
    shared: dict[object, str] = {}
    for i, f in enumerate(ordered):
        yield _finding_body(views(f), i, shared)
    yield "</table></div></section>"


def _finding_body(v: FindingView, index: int, shared: dict[object, str] | None = None) -> str:
    f = v.finding
    shared = {} if shared is None else shared
    short_refs = _shared(
        shared, ("short-refs", f.refs), lambda: esc(", ".join(r.item for r in v.refs if r.catalog != "stride"))
    )
    detail_id = f"d-{index}"
    fid = esc(f.id)
    assumed = f' <span class="assumed" title="{esc(confidence(f))}">assumed</span>' if f.assumes else ""
    row = (
        f'<tr class="row">'
        f"<td>{sev_badge(f.residual_severity)}</td>"
        f'<td class="title-cell"><button type="button" class="toggle" aria-expanded="true" aria-controls="{detail_id}">'
        f'{esc(f.title)}</button><span class="fid">{fid}</span>{assumed}</td>'
        f'<td>{esc(v.target)}<br><span class="muted small">{esc(v.kind)}</span></td>'
        f"<td>{status_badge(f.status)}</td>"
        f'<td class="num">{f.risk}</td>'
        f'<td class="num">{f.residual_risk}</td>'
        f'<td class="refs">{short_refs or "—"}</td>'
        "</tr>"
    )
    return (
        f'<tbody class="finding" id="f-{fid}" data-index="{index}">\n{row}\n'
        f'<tr class="detail" id="{detail_id}"><td colspan="7">{_finding_detail(v, shared, fid)}</td></tr>\n'
        "</tbody>"
    )


def _control_item(c: ControlLine) -> str:
    shown = f"{link(c.title, c.url)} <code>{esc(c.ref)}</code>"
    if c.state == "implemented":
        return f'<li class="implemented">{shown} <span class="muted small">implemented</span></li>'
    note = (
        f' <span class="muted small">declared {esc(c.declared.value)}, not yet counted</span>'
        if c.declared is not None
        else ' <span class="muted small">proposed</span>'
    )
    return f'<li class="proposed">{shown}{note}</li>'


def _shared(shared: dict[object, str], key: object, make: Callable[[], str]) -> str:
    text = shared.get(key)
    if text is None:
        text = shared[key] = make()
    return text


def _score_rows(v: FindingView) -> str:
    f = v.finding
    score_rows = [
        f'<tr><td>{esc(s.axis)}</td><td class="num">{esc(s.step)}</td><td>{esc(s.reason)}</td></tr>' for s in v.steps
    ]
    score_rows.append(
        f'<tr class="total"><td>risk</td><td class="num">{f.risk}</td>'
        f"<td>likelihood {f.likelihood} × impact {f.impact} ({esc(f.severity.value)})</td></tr>"
    )
    return "".join(score_rows)


def _control_items(v: FindingView) -> str:
    return "".join([_control_item(c) for c in v.controls] or ["<li>the catalog names no control for this threat</li>"])


def _reference_items(v: FindingView) -> str:
    refs = [f"<li>threat: {link(v.threat.title, v.threat.url)} <code>{esc(v.threat.ref)}</code></li>"]
    refs += [
        f'<li><span class="muted">{esc(ref.catalog_title)}:</span> {link(ref_label(ref), ref.url)}</li>'
        for ref in v.refs
    ]
    return "".join(refs)


def _finding_detail(v: FindingView, shared: dict[object, str], fid: str | None = None) -> str:
    """One finding's reasoning, scoring, controls and references; ``shared`` keeps the blocks
    findings have in common (mostly one per threat) across one report."""
    f = v.finding
    why = "".join(f"<li>{esc(fact)}</li>" for fact in f.why) or "<li>the rule matched this element</li>"
    if v.path:
        why += f"<li>path: {esc(' → '.join(v.path))}</li>"
    assumed = ""
    if f.assumes:
        items = "".join(
            f"<li>{esc(x.question)} <code>{esc(x.element)}.{esc(x.attribute)}</code></li>" for x in f.assumes
        )
        assumed = f'<h4>Rests on unknown facts</h4><p class="small muted">{esc(confidence(f))}; state them to settle it.</p><ul>{items}</ul>'
    score_rows = _shared(shared, ("score", v.steps, f.risk, f.likelihood, f.impact, f.severity), lambda: _score_rows(v))
    n = v.implemented
    residual = (
        f"{n} implemented control{'s' if n != 1 else ''} lower{'s' if n == 1 else ''} likelihood to {f.residual_likelihood}: "
        f"residual risk {f.residual_risk} ({f.residual_severity.value})."
        if n
        else f"No implemented control addresses it: residual risk {f.residual_risk} ({f.residual_severity.value})."
    )
    controls = _shared(shared, ("controls", v.control_key), lambda: _control_items(v))
    refs = _shared(shared, ("refs", f.threat, f.refs), lambda: _reference_items(v))
    tags = _shared(
        shared,
        ("lifecycle", f.lifecycle),
        lambda: "".join(f'<span class="tag">{esc(s.value)}</span>' for s in f.lifecycle),
    )
    stride = _shared(
        shared,
        ("stride", f.stride),
        lambda: "".join(f'<span class="tag">{esc(s.value)}</span>' for s in f.stride) or "—",
    )
    triage = ""
    if v.triage is not None:
        bits = []
        for what, value in triage_bits(v.triage):
            if what == "status":
                bits.append(f"<strong>{esc(value)}</strong>")
            elif what == "review by":
                bits.append(
                    f"review by {esc(value)}" + (' <span class="lapsed-flag">lapsed</span>' if v.triage_lapsed else "")
                )
            else:
                bits.append(f"{what} {esc(value)}")
        just = f"<div>{esc(v.triage.justification)}</div>" if v.triage.justification.strip() else ""
        triage = (
            f'<h4>Triage</h4><div class="triage-box{" lapsed" if v.triage_lapsed else ""}">'
            f"<div>{' · '.join(bits)}</div>{just}</div>"
        )
    root = (
        f'<h4>Root cause</h4><p class="root-cause">{esc(f.root_cause)}</p>'
        f"<p>Affects {len(f.affected)} elements: {', '.join(f'<code>{esc(e)}</code>' for e in f.affected)}</p>"
        if f.affected
        else ""
    ) + (
        f"<p>Also affects: {', '.join(f'<code>{esc(e)}</code>' for e in f.also_affects)}</p>"
        if f.also_affects  # decision 1850
        else ""
    )
    left = (
        f'<p class="summary">{esc(f.summary)}</p>'
        f"{root}"
        f"<h4>Why it applies here</h4><ul>{why}</ul>{assumed}"
        f'<h4>Attack scenario</h4><p class="scenario">{esc(f.scenario)}</p>'
        f'<h4>Lifecycle and STRIDE</h4><div>{tags} <span class="muted">·</span> {stride}</div>'
        f"{triage}"
    )
    right = (
        f'<h4>Scoring</h4><table class="score"><tbody>{score_rows}</tbody></table>'
        f'<p class="small">{esc(residual)}</p>'
        f'<h4>Controls</h4><ul class="controls">{controls}</ul>'
        f'<h4>References</h4><ul class="small">{refs}</ul>'
        f'<p class="no-print"><a class="show-path" href="#path:{esc(f.id) if fid is None else fid}">Show on the diagram</a></p>'
    )
    return f'<div class="detail-grid"><div>{left}</div><div>{right}</div></div>'

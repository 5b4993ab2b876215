"""Rich ``Text`` for the TUI's panes: findings, components and catalog items.

Everything a user or a catalog wrote is appended as plain text (``Text.append``), never
parsed as markup, so a component called ``[bold]x`` shows exactly that. Textual treats
plain ``str`` labels as markup; widgets are therefore always given ``Text`` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.finding import Assessment, Finding, Proposal
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import Status
from threatmodel.tui.safetext import Text

SEVERITY_STYLES: dict[str, str] = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
STATUS_STYLES: dict[str, str] = {
    "open": "bold",
    "in-progress": "yellow",
    "mitigated": "green",
    "accepted": "magenta",
    "transferred": "blue",
    "false-positive": "dim",
}
SEVERITY_ORDER: dict[str, int] = {s.value: s.rank for s in Severity}
STATUS_ORDER: dict[str, int] = {s.value: i for i, s in enumerate(Status)}
HEADING = "bold underline"
LABEL = "bold"
DIM = "dim"


def styled(value: str, style: str) -> Text:
    """A ``Text`` holding ``value`` in ``style``; later appends keep their own style.

    (``Text(value, style=...)`` would make ``style`` the base of everything appended.)
    """
    text = Text()
    text.append(value, style=style)
    return text


def severity_text(severity: Severity | str, *, short: bool = False) -> Text:
    value = str(severity)
    shown = value[:4].upper() if short else value
    text = Text()
    text.append(shown, style=SEVERITY_STYLES.get(value, ""))
    return text


def status_text(status: Status | str) -> Text:
    value = str(status)
    text = Text()
    text.append(value, style=STATUS_STYLES.get(value, ""))
    return text


def plain(value: object) -> Text:
    """User-written text as a ``Text`` that is never read as markup."""
    return Text(str(value))


def _line(text: Text, label: str, value: str | Text, *, width: int = 14) -> None:
    text.append(f"{label:<{width}}", style=LABEL)
    text.append(value if isinstance(value, Text) else Text(value))
    text.append("\n")


def _heading(text: Text, title: str) -> None:
    if text.plain and not text.plain.endswith("\n\n"):
        text.append("\n")
    text.append(title, style=HEADING)
    text.append("\n")


def _bullets(text: Text, items: Iterable[str | Text], *, empty: str = "none") -> None:
    shown = False
    for item in items:
        text.append("  • ")
        text.append(item if isinstance(item, Text) else Text(item))
        text.append("\n")
        shown = True
    if not shown:
        text.append(f"  {empty}\n", style=DIM)


def ref_line(cset: CatalogSet, ref: str) -> Text:
    """``catalog:id — title`` for a catalog reference, with its link when it has one."""
    line = styled(ref, "bold")
    title = cset.title_of(ref)
    if title != ref:
        line.append(f" — {title}")
    url = cset.url_of(ref)
    if url:
        line.append("\n      ")
        line.append(url, style="dim underline")
    return line


def finding_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = dict.fromkeys((s.value for s in SEVERITIES_WORST_FIRST), 0)
    for f in findings:
        if f.status.is_open:
            counts[str(f.residual_severity)] = counts.get(str(f.residual_severity), 0) + 1
    return counts


def worst_open(findings: Iterable[Finding]) -> Severity | None:
    open_ = [f.residual_severity for f in findings if f.status.is_open]
    return max(open_) if open_ else None


# ---------------------------------------------------------------------------
# Findings


def _finding_head(f: Finding, target: str) -> Text:
    """Title, id, severity, status and target: how both finding views begin."""
    text = Text()
    text.append(f.title, style="bold")
    text.append("\n")
    text.append(f.id, style=DIM)
    text.append("\n\n")
    _line(text, "Severity", _severity_line(f))
    _line(text, "Status", _status_line(f))
    _line(text, "Target", target)
    return text


def finding_summary(f: Finding, cset: CatalogSet) -> Text:
    """The detail pane for a finding: what, where, why, and what to do."""
    text = _finding_head(f, f"{f.target_name} ({f.target_type})")
    _heading(text, "Why it applies")
    _bullets(text, f.why)
    _heading(text, "Scenario")
    text.append(f.scenario)
    text.append("\n")
    _heading(text, "Controls")
    _bullets(text, _control_lines(f, cset))
    text.append("\nEnter: full detail · a/f/m/t/i/o: triage", style=DIM)
    return text


def _severity_line(f: Finding) -> Text:
    """Residual severity first (as the table, the CLI and the reports), then how it was reached."""
    line = severity_text(f.residual_severity)
    line.append(f" (residual risk {f.residual_risk})")
    if f.residual_risk != f.risk:
        line.append("  from inherent ")
        line.append_text(severity_text(f.severity))
        line.append(f" {f.risk}")
    line.append(f"  = likelihood {f.likelihood} × impact {f.impact}")
    return line


def _status_line(f: Finding) -> Text:
    line = status_text(f.status)
    if f.triage_expired and f.triage is not None and f.triage.review_by is not None:
        line.append(f"  (triage lapsed on {f.triage.review_by.isoformat()})", style="yellow")
    return line


def _control_lines(f: Finding, cset: CatalogSet) -> list[Text]:
    lines: list[Text] = []
    for control in f.controls:
        done = control in f.implemented_controls
        line = styled("✓ " if done else "○ ", "green" if done else "yellow")
        line.append(control, style="bold")
        title = cset.title_of(control)
        if title != control:
            line.append(f" — {title}")
        line.append(" (implemented)" if done else " (proposed)", style=DIM)
        lines.append(line)
    return lines


def finding_detail(f: Finding, cset: CatalogSet, model: SystemModel) -> Text:
    """The full finding screen: why, scenario, scoring factors, controls, references, triage."""
    where = (
        f"{f.target_name} and {len(f.affected) - 1} more — root cause '{f.root}'"
        if f.affected
        else f"{f.target_name} — {f.target_type} '{f.target}'"
    )
    text = _finding_head(f, where)
    _line(text, "Threat", f.threat)
    if f.lifecycle:
        _line(text, "Lifecycle", ", ".join(str(s) for s in f.lifecycle))
    if f.stride:
        _line(text, "STRIDE", ", ".join(str(s) for s in f.stride))
    _heading(text, "Summary")
    text.append(f.summary)
    text.append("\n")
    if f.affected:
        _heading(text, "Root cause")
        text.append(f.root_cause)
        text.append("\n")
        _line(text, "Affects", ", ".join(f.affected))
    if f.also_affects:  # decision 1850
        _line(text, "Also affects", ", ".join(f.also_affects))
    _heading(text, "Why it applies here")
    _bullets(text, f.why)
    if f.path:
        names = {c.id: c.label for c in model.components}
        text.append("  path: ", style=LABEL)
        text.append(" → ".join(names.get(p, p) for p in f.path))
        text.append("\n")
    if f.assumes:
        n = len(f.assumes)
        _heading(text, f"Rests on {n} unknown fact{'' if n == 1 else 's'} (read in the threat's favour)")
        _bullets(text, [f"{x.question} [{x.element}.{x.attribute}]" for x in f.assumes])
    _heading(text, "Attack scenario")
    text.append(f.scenario)
    text.append("\n")
    _heading(text, "Scoring")
    for factor in f.factors:
        sign = "" if factor.reason.startswith("base ") else ("+" if factor.delta > 0 else "")
        text.append(f"  {factor.axis:<10} {sign + str(factor.delta):<4}", style=LABEL)
        text.append(factor.reason)
        text.append("\n")
    text.append(
        f"  = likelihood {f.likelihood} × impact {f.impact} = risk {f.risk} ({f.severity}); "
        f"residual likelihood {f.residual_likelihood} → risk {f.residual_risk} ({f.residual_severity})\n",
        style=DIM,
    )
    _heading(text, "Controls")
    _bullets(text, _control_lines(f, cset), empty="the catalog names no control for this threat")
    _heading(text, "References")
    _bullets(text, [ref_line(cset, r) for r in (f.threat, *f.refs)])
    _heading(text, "Triage")
    if f.triage is None:
        text.append(
            "  no decision recorded — a accept · f false positive · m mitigated · t transferred · i in progress\n",
            style=DIM,
        )
    else:
        entry = f.triage
        for label, value in (
            ("status", str(entry.status)),
            ("owner", entry.owner),
            ("approver", entry.approver),
            ("justification", entry.justification or None),
            ("ticket", entry.ticket),
            ("decided on", entry.decided_on.isoformat() if entry.decided_on else None),
            ("review by", entry.review_by.isoformat() if entry.review_by else None),
            ("recorded under", f.triage_key),
        ):
            if value:
                _line(text, f"  {label}", value, width=16)
    return text


# ---------------------------------------------------------------------------
# Model elements


def _attributes(obj: Any, skip: Sequence[str] = ("id", "name", "description")) -> list[tuple[str, str]]:
    dumped = obj.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    out: list[tuple[str, str]] = []
    for key, value in dumped.items():
        if key in skip:
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = ", ".join(f"{k}={v}" for k, v in value.items())
        else:
            shown = str(value)
        out.append((key.replace("_", " "), shown))
    return out


ANALYSING = "analysing…"
"""What the detail pane says where findings will be, while a large model is being analysed."""


def component_detail(
    component: Any, model: SystemModel, findings: Sequence[Finding] | None, boundary_chain: Sequence[str]
) -> Text:
    """The detail pane for a component: attributes, flows, and its findings (``findings`` None: the
    model's analysis is still running)."""
    text = Text()
    text.append(component.label, style="bold")
    text.append("\n")
    text.append(f"{component.id} · {component.kind}", style=DIM)
    text.append("\n")
    if component.description:
        text.append(component.description)
        text.append("\n")
    text.append("\n")
    if boundary_chain:
        _line(text, "Boundary", " ⊂ ".join(boundary_chain))
    for key, value in _attributes(component, skip=("id", "name", "description", "kind", "boundary")):
        _line(text, key.capitalize(), value)
    flows_in = [f for f in model.flows if f.target == component.id]
    flows_out = [f for f in model.flows if f.source == component.id]
    _heading(text, f"Flows ({len(flows_in)} in, {len(flows_out)} out)")
    _bullets(
        text,
        [f"← {f.source}" + (f"  [{', '.join(f.data)}]" if f.data else "") for f in flows_in]
        + [f"→ {f.target}" + (f"  [{', '.join(f.data)}]" if f.data else "") for f in flows_out],
    )
    if findings is None:
        _heading(text, f"Findings ({ANALYSING})")
        return text
    mine = [f for f in findings if component.id in f.elements]
    _heading(text, f"Findings ({len(mine)})")
    lines = []
    for f in sorted(mine, key=lambda f: (-f.residual_severity.rank, -f.residual_risk, f.id)):
        line = severity_text(f.residual_severity, short=True)
        line.append(" ")
        line.append_text(status_text(f.status))
        line.append(f" {f.title}")
        lines.append(line)
    _bullets(text, lines)
    return text


def element_detail(kind: str, obj: Any, model: SystemModel, findings: Sequence[Finding] | None) -> Text:
    """The detail pane for a boundary, flow, data asset or implemented control (``findings`` None:
    the model's analysis is still running)."""
    text = Text()
    if kind == "flows":
        text.append(f"{obj.source} → {obj.target}", style="bold")
        text.append("\n")
        text.append(f"flow {obj.key}", style=DIM)
    elif kind == "controls":
        text.append(obj.control, style="bold")
        text.append("\n")
        text.append("implemented control", style=DIM)
    else:
        text.append(obj.label, style="bold")
        text.append("\n")
        text.append(f"{obj.id} · {'boundary' if kind == 'boundaries' else 'data asset'}", style=DIM)
    text.append("\n")
    if getattr(obj, "description", None):
        text.append(obj.description)
        text.append("\n")
    text.append("\n")
    for key, value in _attributes(obj, skip=("id", "name", "description")):
        _line(text, key.capitalize(), value)
    if kind == "flows" and findings is None:
        _heading(text, f"Findings ({ANALYSING})")
    elif kind == "flows":
        mine = [f for f in findings or () if obj.key in f.elements]
        _heading(text, f"Findings ({len(mine)})")
        _bullets(text, [f"{f.severity} {f.status} {f.title}" for f in mine])
    if kind == "boundaries":
        members = [c.label for c in model.components if c.boundary == obj.id]
        _heading(text, f"Components ({len(members)})")
        _bullets(text, members)
    if kind == "data":
        holders = [c.label for c in model.components if obj.id in c.data]
        carriers = [f.key for f in model.flows if obj.id in f.data]
        _heading(text, "Held by")
        _bullets(text, holders)
        _heading(text, "Carried by")
        _bullets(text, carriers)
    return text


def proposal_detail(p: Proposal, rank: int, assessment: Assessment, cset: CatalogSet) -> Text:
    """What one proposed control is, and which open findings it addresses."""
    text = Text()
    text.append(f"#{rank} ", style=DIM)
    text.append(p.title, style="bold")
    text.append("\n")
    text.append(p.control, style=DIM)
    text.append("\n\n")
    if p.summary:
        text.append(p.summary)
        text.append("\n\n")
    _line(text, "Risk removed", str(p.risk_removed))
    if p.nist_csf:
        _line(text, "NIST CSF", ", ".join(str(x) for x in p.nist_csf))
    if p.practices:
        _line(text, "Practices", ", ".join(str(x) for x in p.practices))
    by_id = {f.id: f for f in assessment.findings}
    _heading(text, f"Closes ({len(p.closes)} open findings)")
    lines = []
    for fid in p.closes:
        f = by_id.get(fid)
        if f is None:
            continue
        line = severity_text(f.severity, short=True)
        line.append(f" {f.title} @ {f.target_name}")
        lines.append(line)
    _bullets(text, lines)
    if p.refs:
        _heading(text, "References")
        _bullets(text, [ref_line(cset, r) for r in p.refs])
    text.append("\ni: record as implemented (opens the control form)", style=DIM)
    return text

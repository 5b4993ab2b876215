"""How ``diff`` writes a :class:`~threatmodel.engine.diff.ModelDiff`: Markdown and JSON, and the
phrases the terminal view (``cli/versioning/render.py``) shares with them.

Pure functions of the diff (and the labels of the two sides). The Markdown is meant
for a pull-request comment: a headline with the verdict first, tables after, every
string a user wrote escaped. The JSON is a documented contract (docs/ci.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from threatmodel.engine.diff import AttrChange, ElementChange, FindingChange, ModelDiff, TriageChange
from threatmodel.export.common import md_code, md_text
from threatmodel.jsontext import pretty

DIFF_FORMAT_VERSION = 1
SECTION_TITLES = {
    "system": "System",
    "data": "Data",
    "boundaries": "Boundaries",
    "components": "Components",
    "flows": "Flows",
    "controls": "Controls",
}
MAX_VALUE = 80


# ---------------------------------------------------------------------------
# Values


def format_value(value: Any) -> str:
    """A JSON-ready value as a short, readable string (``unset`` for null)."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = " ".join(str(value).split())
    if not text:
        return '""'
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def format_change(change: AttrChange) -> str:
    """``name: old → new``; long lists show what was added and removed."""
    old, new = change.old, change.new
    if isinstance(old, list) and isinstance(new, list) and max(len(old), len(new)) > 3:
        added = [format_value(v) for v in new if v not in old]
        removed = [format_value(v) for v in old if v not in new]
        parts = [f"+{v}" for v in added] + [f"−{v}" for v in removed]
        return f"{change.name}: {', '.join(parts) or 'reordered'}"
    return f"{change.name}: {format_value(old)} → {format_value(new)}"


def state(f: FindingChange) -> str:
    s = f.current
    return f"{s.residual_severity.value}, residual risk {s.residual_risk}, {s.status.value}"


MOVED_HOW = {
    "renamed": "renamed from",
    "regrouped": "regrouped into this finding from",
    "split": "split from",
}
"""How a moved finding relates to its old id, as the phrase before that id."""

MOVED_WHY = {
    "renamed": "Renamed: the element was renamed, so the finding id changed; the finding itself is the same.",
    "regrouped": (
        "Regrouped: the element's finding joined one finding per root cause; its old id is now an alias, and a"
        " triage decision under it carries over only when every affected element has the same one."
    ),
    "split": (
        "Split: the element left a finding grouped by root cause (that root no longer causes the threat on"
        " several elements), so the finding stands for fewer elements under its own id."
    ),
}
"""One sentence per kind of move, for the reports' "Moved" section."""


def moved_phrase(f: FindingChange) -> str:
    """``renamed from <old id>``, ``regrouped into this finding from <old id>`` or ``split from <old id>``."""
    return f"{MOVED_HOW[f.moved_how or 'renamed']} {f.old_id or ''}".rstrip()


def transition(f: FindingChange) -> list[str]:
    """What changed about a finding present on both sides."""
    o, n = f.old, f.new
    if o is None or n is None:
        return []
    parts = []
    if o.residual_severity is not n.residual_severity or o.residual_risk != n.residual_risk:
        parts.append(
            f"residual {o.residual_severity.value} {o.residual_risk} → {n.residual_severity.value} {n.residual_risk}"
        )
    if o.severity is not n.severity or o.risk != n.risk:
        parts.append(f"inherent {o.severity.value} {o.risk} → {n.severity.value} {n.risk}")
    if o.status is not n.status:
        note = " (triage lapsed)" if n.triage_expired and not o.triage_expired else ""
        parts.append(f"status {o.status.value} → {n.status.value}{note}")
    return parts


def triage_detail(t: TriageChange) -> str:
    if t.change == "added":
        return t.summary
    if t.change == "removed":
        return f"was {t.summary}"
    return "; ".join(format_change(a) for a in t.attributes)


def element_detail(e: ElementChange, sep: str = "; ") -> str:
    """One line per changed attribute joined by `sep`: the text table passes a newline so a
    semicolon inside a description is never mistaken for a separator."""
    if e.change == "changed":
        return sep.join(format_change(a) for a in e.attributes)
    return e.summary


# ---------------------------------------------------------------------------
# JSON


def _attrs_json(attrs: Sequence[AttrChange]) -> list[dict[str, Any]]:
    return [{"name": a.name, "old": a.old, "new": a.new} for a in attrs]


def _finding_json(f: FindingChange) -> dict[str, Any]:
    def state(s: Any) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            "severity": s.severity.value,
            "risk": s.risk,
            "residual_severity": s.residual_severity.value,
            "residual_risk": s.residual_risk,
            "status": s.status.value,
            "triage_expired": s.triage_expired,
        }

    return {
        "id": f.id,
        "threat": f.threat,
        "title": f.title,
        "target": f.target,
        "change": f.change,
        "old_id": f.old_id,
        "moved_how": f.moved_how,
        "rescored": f.rescored,
        "status_changed": f.status_changed,
        "old": state(f.old),
        "new": state(f.new),
    }


def diff_json(d: ModelDiff, *, old_label: str, new_label: str, as_of: str, tool_version: str) -> dict[str, Any]:
    """The diff as a JSON-ready dict (schema in docs/ci.md)."""
    r = d.risk
    return {
        "format": "threatmodel-diff",
        "version": DIFF_FORMAT_VERSION,
        "tool": {"name": "threatmodel", "version": tool_version},
        "old": {"source": old_label, "system": {"id": d.old_system[0], "name": d.old_system[1]}},
        "new": {"source": new_label, "system": {"id": d.new_system[0], "name": d.new_system[1]}},
        "as_of": as_of,
        "verdict": d.verdict,
        "headline": d.headline,
        "risk": {
            "old_open_risk": r.old_open_risk,
            "new_open_risk": r.new_open_risk,
            "delta": r.delta,
            "old_open_by_severity": {s.value: n for s, n in r.old_open.items()},
            "new_open_by_severity": {s.value: n for s, n in r.new_open.items()},
        },
        "findings": {
            "new": [_finding_json(f) for f in d.findings_by("new")],
            "resolved": [_finding_json(f) for f in d.findings_by("resolved")],
            "changed": [_finding_json(f) for f in d.findings_by("changed")],
            "moved": [_finding_json(f) for f in d.findings_by("moved")],
        },
        "elements": [
            {
                "section": e.section,
                "id": e.id,
                "change": e.change,
                "kind": e.kind,
                "summary": e.summary,
                "attributes": _attrs_json(e.attributes),
            }
            for e in d.elements
        ],
        "triage": [
            {
                "finding": t.finding,
                "change": t.change,
                "old_status": t.old_status,
                "new_status": t.new_status,
                "summary": t.summary,
                "attributes": _attrs_json(t.attributes),
            }
            for t in d.triage
        ],
        "stale_triage": list(d.stale_triage),
        "lapsed_triage": list(d.lapsed_triage),
        "possible_renames": [
            {
                "section": x.section,
                "old": x.old,
                "new": x.new,
                "triage_moved": x.triage_moved,
                "triage_left": x.triage_left,
            }
            for x in d.possible_renames
        ],
    }


def render_diff_json(d: ModelDiff, *, old_label: str, new_label: str, as_of: str, tool_version: str) -> str:
    """Pretty, deterministic JSON text."""
    data = diff_json(d, old_label=old_label, new_label=new_label, as_of=as_of, tool_version=tool_version)
    return pretty(data)


# ---------------------------------------------------------------------------
# Markdown


def _row(*cells: str) -> str:
    return "| " + " | ".join(c or " " for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    seps = ["---:" if i < len(align) and align[i] == "r" else "---" for i in range(len(header))]
    return [_row(*header), _row(*seps), *(_row(*r) for r in rows), ""]


def _md_finding(f: FindingChange) -> str:
    return f"{md_text(f.title)}<br>{md_code(f.id)}"


def render_diff_markdown(d: ModelDiff, *, old_label: str, new_label: str, as_of: str) -> str:
    """The diff as GitHub-flavoured Markdown, fit for a pull-request comment."""
    r = d.risk
    name = d.new_system[1]
    lines = [
        f"### Threat model: {md_text(name)}",
        "",
        f"**{d.verdict}.** {md_text(d.headline)}",
        "",
        f"{md_code(old_label)} → {md_code(new_label)} · as of {as_of}",
        "",
    ]
    if d.is_empty:
        lines += ["No changes to the model, its findings or its triage.", ""]
        return "\n".join(lines).rstrip("\n") + "\n"
    severities = [s.value for s in r.old_open]
    lines += _table(
        ["open findings", *severities, "open risk"],
        [
            ["before", *(str(n) for n in r.old_open.values()), str(r.old_open_risk)],
            ["after", *(str(n) for n in r.new_open.values()), str(r.new_open_risk)],
        ],
        "l" + "r" * (len(severities) + 1),
    )
    new = d.findings_by("new")
    if new:
        lines += [f"#### New findings ({len(new)})", ""]
        lines += _table(
            ["severity", "finding", "target", "status", "residual risk"],
            [
                [
                    f.current.residual_severity.value,
                    _md_finding(f),
                    md_code(f.target),
                    f.current.status.value,
                    str(f.current.residual_risk),
                ]
                for f in new
            ],
            "llllr",
        )
    changed = d.findings_by("changed")
    if changed:
        lines += [f"#### Re-scored or changed status ({len(changed)})", ""]
        lines += _table(
            ["severity", "finding", "target", "change"],
            [
                [
                    f.current.residual_severity.value,
                    _md_finding(f),
                    md_code(f.target),
                    md_text("; ".join(transition(f))),
                ]
                for f in changed
            ],
        )
    moved = d.findings_by("moved")
    if moved:
        lines += [f"#### Moved with a rename or a regrouping by root cause ({len(moved)})", ""]
        kinds = sorted({f.moved_how or "renamed" for f in moved}, key=list(MOVED_WHY).index)
        lines += [" ".join(MOVED_WHY[k] for k in kinds), ""]
        lines += _table(
            ["severity", "finding", "moved", "was", "change"],
            [
                [
                    f.current.residual_severity.value,
                    _md_finding(f),
                    MOVED_HOW[f.moved_how or "renamed"],
                    md_code(f.old_id or ""),
                    md_text("; ".join(transition(f)) or f"unchanged ({f.current.status.value})"),
                ]
                for f in moved
            ],
        )
    resolved = d.findings_by("resolved")
    if resolved:
        lines += [f"#### Resolved findings ({len(resolved)})", ""]
        lines += ["No longer raised: the rule does not match the new model (or the element is gone).", ""]
        lines += _table(
            ["was", "finding", "target"],
            [
                [f"{f.current.residual_severity.value}, {f.current.status.value}", _md_finding(f), md_code(f.target)]
                for f in resolved
            ],
        )
    if d.triage:
        lines += [f"#### Triage changes ({len(d.triage)})", ""]
        lines += _table(
            ["finding", "change", "details"],
            [[md_code(t.finding), t.change, md_text(triage_detail(t))] for t in d.triage],
        )
    if d.elements:
        lines += [f"#### Model changes ({len(d.elements)})", ""]
        lines += _table(
            ["section", "element", "change", "details"],
            [[SECTION_TITLES[e.section], md_code(e.id), e.change, md_text(element_detail(e))] for e in d.elements],
        )
    notes = attention_notes(d)
    if notes:
        lines += ["#### Needs attention", ""]
        lines += [f"- {md_text(n)}" for n in notes]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def attention_notes(d: ModelDiff) -> list[str]:
    notes = []
    for fid in d.stale_triage:
        notes.append(
            f"Triage entry {fid} matches no finding (TM201); if its element or threat was renamed, "
            "run threatmodel migrate --rename OLD=NEW to carry the decision along."
        )
    for fid in d.lapsed_triage:
        notes.append(f"The triage decision on {fid} has passed its review-by date; the finding is open again (TM202).")
    for x in d.possible_renames:
        noun = {"components": "component", "data": "data asset", "boundaries": "boundary"}[x.section]
        text = f"The {noun} {x.old} looks renamed to {x.new} (same attributes); its findings are listed as moved."
        if x.triage_left:
            text += f" {x.triage_left} triage decision(s) did not follow: threatmodel migrate --rename {x.old}={x.new} carries them along."
        elif x.triage_moved:
            text += f" Its {x.triage_moved} triage decision(s) moved along with it."
        notes.append(text)
    return notes

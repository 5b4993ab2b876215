"""Compare two versions of a model and their assessments: pure and deterministic.

Identity is by id everywhere: elements by their id (flows by their key), findings by
their finding id (``threat@element``), triage entries by the finding id they decide.
A renamed element therefore shows up as one removed and one added element, and its
findings as resolved and new; ``threatmodel migrate`` carries the triage along, and
:attr:`ModelDiff.possible_renames` points out likely renames.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.keys import control_key, finding_id
from threatmodel.model.levels import classification_word
from threatmodel.model.system import Boundary, DataAsset, Flow, ImplementedControl, SystemModel, TriageEntry
from threatmodel.model.vocab import Status

SECTIONS: tuple[str, ...] = ("system", "data", "boundaries", "components", "flows", "controls")
"""Element sections in the order a diff lists them."""
GATE_SEVERITIES: tuple[Severity, ...] = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
"""Severities counted in open-finding tallies, most severe first."""

JsonValue = Any
"""A JSON-ready value as produced by ``model_dump(mode="json")``; ``None`` means unset."""


@dataclass(frozen=True, slots=True)
class AttrChange:
    """One attribute that differs; nested mappings are flattened to dotted names."""

    name: str
    old: JsonValue
    new: JsonValue


@dataclass(frozen=True, slots=True)
class ElementChange:
    """An element added, removed or changed between the two versions."""

    section: str
    """``system``, ``data``, ``boundaries``, ``components``, ``flows`` or ``controls``."""
    id: str
    """Element id; a flow's key; a control's catalog id (plus its scope when declared twice)."""
    change: Literal["added", "removed", "changed"]
    kind: str | None = None
    """A component's kind (the new one when it changed)."""
    summary: str = ""
    """A few words on what the element is: a component's kind, a flow's ends, a data
    asset's classification, a boundary's trust, a control's status and scope."""
    attributes: tuple[AttrChange, ...] = ()
    """For ``changed``: what differs, in field order."""


@dataclass(frozen=True, slots=True)
class FindingState:
    """The scored state of a finding in one version."""

    severity: Severity
    risk: int
    residual_severity: Severity
    residual_risk: int
    status: Status
    triage_expired: bool = False

    @classmethod
    def of(cls, f: Finding) -> FindingState:
        return cls(f.severity, f.risk, f.residual_severity, f.residual_risk, f.status, f.triage_expired)


@dataclass(frozen=True, slots=True)
class FindingDigest:
    """What the diff reads of one finding: its identity, where it applies and its scored state."""

    id: str
    threat: str
    title: str
    target: str
    root: str | None
    elements: tuple[str, ...]
    state: FindingState

    @classmethod
    def of(cls, f: Finding) -> FindingDigest:
        return cls(f.id, f.threat, f.title, f.target, f.root, f.elements, FindingState.of(f))


@dataclass(frozen=True, slots=True)
class SideFindings:
    """What the diff reads of one side's assessment besides its model: plain values, so a side
    analysed in another process comes back in a few megabytes instead of a whole assessment."""

    findings: tuple[FindingDigest, ...]
    """Sorted by id, as the assessment's."""
    open_risk: int
    stale_triage: tuple[str, ...]
    lapsed_triage: tuple[str, ...]

    @classmethod
    def of(cls, a: Assessment) -> SideFindings:
        return cls(
            tuple(FindingDigest.of(f) for f in a.findings),
            a.open_risk,
            stale_triage(a),
            lapsed_triage(a),
        )

    def to_data(self) -> dict[str, Any]:
        """Plain lists, strings and numbers (for JSON): how a worker process sends a side back."""
        return {
            "findings": [
                [
                    f.id,
                    f.threat,
                    f.title,
                    f.target,
                    f.root,
                    list(f.elements),
                    f.state.severity.value,
                    f.state.risk,
                    f.state.residual_severity.value,
                    f.state.residual_risk,
                    f.state.status.value,
                    f.state.triage_expired,
                ]
                for f in self.findings
            ],
            "open_risk": self.open_risk,
            "stale_triage": list(self.stale_triage),
            "lapsed_triage": list(self.lapsed_triage),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SideFindings:
        """The inverse of :meth:`to_data`."""
        return cls(
            tuple(
                FindingDigest(
                    fid,
                    threat,
                    title,
                    target,
                    root,
                    tuple(elements),
                    FindingState(Severity(sev), risk, Severity(res_sev), res_risk, Status(status), expired),
                )
                for fid, threat, title, target, root, elements, sev, risk, res_sev, res_risk, status, expired in data[
                    "findings"
                ]
            ),
            data["open_risk"],
            tuple(data["stale_triage"]),
            tuple(data["lapsed_triage"]),
        )


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding that appeared, disappeared, was re-scored, changed status, or moved with a rename.

    ``moved`` pairs ``threat@old`` with ``threat@new`` when the diff detected that element
    ``old`` was renamed to ``new`` (see :class:`Rename`); ``id`` is the new finding id.
    """

    id: str
    threat: str
    title: str
    target: str
    change: Literal["new", "resolved", "changed", "moved"]
    old: FindingState | None
    new: FindingState | None
    old_id: str | None = None
    """For ``moved``: the finding's id before its element was renamed, or before it joined or left a
    group by root cause."""
    moved_how: Literal["renamed", "regrouped", "split"] | None = None
    """For ``moved``: why the id changed. ``renamed``: its element (or root) was renamed;
    ``regrouped``: the finding joined, or moved to, a finding grouped by root cause; ``split``: it
    left a group and now stands for fewer elements (the root no longer causes it elsewhere)."""

    @property
    def rescored(self) -> bool:
        """Severity, risk or residual risk changed."""
        if self.old is None or self.new is None:
            return False
        o, n = self.old, self.new
        return (o.severity, o.risk, o.residual_severity, o.residual_risk) != (
            n.severity,
            n.risk,
            n.residual_severity,
            n.residual_risk,
        )

    @property
    def status_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.status is not self.new.status

    @property
    def current(self) -> FindingState:
        """The newest known state (the old one for resolved findings)."""
        state = self.new if self.new is not None else self.old
        if state is None:  # pragma: no cover - a change always has one side
            raise ValueError(f"finding change {self.id} has neither an old nor a new state")
        return state


@dataclass(frozen=True, slots=True)
class TriageChange:
    """A triage entry added, removed or edited."""

    finding: str
    change: Literal["added", "removed", "changed"]
    old_status: str | None
    new_status: str | None
    attributes: tuple[AttrChange, ...] = ()
    summary: str = ""
    """The entry in a few words (the new one, or the removed one): status, owner, review date."""


@dataclass(frozen=True, slots=True)
class RiskChange:
    """Open risk and open findings per residual severity, before and after."""

    old_open_risk: int
    new_open_risk: int
    old_open: Mapping[Severity, int]
    new_open: Mapping[Severity, int]

    @property
    def delta(self) -> int:
        return self.new_open_risk - self.old_open_risk


@dataclass(frozen=True, slots=True)
class Rename:
    """An element removed and another added with otherwise identical attributes."""

    section: str
    old: str
    new: str
    triage_moved: int = 0
    """Triage entries of the old id whose decision now sits under the new id."""
    triage_left: int = 0
    """Triage entries still keyed on the old id, or dropped (not carried along)."""


@dataclass(frozen=True, slots=True)
class ModelDiff:
    """Everything that differs between two assessed versions of a model."""

    old_system: tuple[str, str]
    """(id, name) of the old version's system."""
    new_system: tuple[str, str]
    elements: tuple[ElementChange, ...]
    findings: tuple[FindingChange, ...]
    triage: tuple[TriageChange, ...]
    risk: RiskChange
    stale_triage: tuple[str, ...]
    """Triage keys of the new version that match no finding (diagnostic TM201)."""
    lapsed_triage: tuple[str, ...]
    """Triage keys of the new version whose review-by date has passed (diagnostic TM202)."""
    possible_renames: tuple[Rename, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing at all differs."""
        return not (self.elements or self.findings or self.triage) and self.risk.delta == 0

    def findings_by(self, change: str) -> tuple[FindingChange, ...]:
        return tuple(f for f in self.findings if f.change == change)

    @property
    def new_open(self) -> tuple[FindingChange, ...]:
        """New findings that count as open risk."""
        return tuple(f for f in self.findings if f.change == "new" and f.current.status.is_open)

    @property
    def reopened(self) -> tuple[FindingChange, ...]:
        """Findings closed before and open now (a lapsed triage, a removed control...)."""
        return tuple(
            f
            for f in self.findings
            if f.status_changed
            and f.new is not None
            and f.new.status.is_open
            and f.old is not None
            and not f.old.status.is_open
        )

    @property
    def closed(self) -> tuple[FindingChange, ...]:
        """Findings open before and closed now (mitigated, accepted...)."""
        return tuple(
            f
            for f in self.findings
            if f.status_changed
            and f.old is not None
            and f.old.status.is_open
            and f.new is not None
            and not f.new.status.is_open
        )

    @property
    def verdict(self) -> str:
        """``Risk increased``, ``Risk decreased`` or ``Risk unchanged`` (by open risk)."""
        if self.risk.delta > 0:
            return "Risk increased"
        if self.risk.delta < 0:
            return "Risk decreased"
        return "Risk unchanged"

    @property
    def headline(self) -> str:
        """One line for a PR comment, e.g. ``Open risk 42 → 57 (+15): 2 new high findings``."""
        r = self.risk
        delta = f"{r.delta:+d}" if r.delta else "±0"
        parts: list[str] = []
        by_severity = Counter(f.current.residual_severity for f in self.new_open)
        for severity in SEVERITIES_WORST_FIRST:
            count = by_severity.get(severity, 0)
            if count:
                parts.append(f"{count} new {severity.value} finding{'' if count == 1 else 's'}")
        if self.reopened:
            parts.append(f"{len(self.reopened)} reopened")
        if self.closed:
            parts.append(f"{len(self.closed)} closed")
        resolved = self.findings_by("resolved")
        if resolved:
            parts.append(f"{len(resolved)} resolved")
        moved = self.findings_by("moved")
        words = {
            "renamed": "moved with a rename",
            "regrouped": "regrouped by root cause",
            "split": "split from a group",
        }
        for how, said in words.items():
            count = sum(1 for f in moved if (f.moved_how or "renamed") == how)
            if count:
                parts.append(f"{count} {said}")
        if not parts:
            parts.append("no new, resolved or reopened findings")
        return f"Open risk {r.old_open_risk} → {r.new_open_risk} ({delta}): {', '.join(parts)}"


# ---------------------------------------------------------------------------


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _dump(item: BaseModel | None) -> dict[str, Any]:
    if item is None:
        return {}
    return _flatten(item.model_dump(mode="json", by_alias=True))


def attribute_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[AttrChange, ...]:
    """Attributes whose values differ, in the new version's field order, then removed ones."""
    names = list(new) + [k for k in old if k not in new]
    return tuple(AttrChange(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n))


def _control_keys(
    controls: Sequence[ImplementedControl], other: Sequence[ImplementedControl]
) -> dict[str, ImplementedControl]:
    """Controls by catalog id, with the scope added when an id is declared more than once."""
    mine = Counter(c.control for c in controls)
    theirs = Counter(c.control for c in other)
    out: dict[str, ImplementedControl] = {}
    for control in controls:
        if mine[control.control] <= 1 and theirs[control.control] <= 1:
            key = control.control
        else:
            key = control_key(control.control, control.scope)
        if key in out:  # the very same declaration twice; keep the first
            continue
        out[key] = control
    return out


def _sections(model: SystemModel, other: SystemModel) -> dict[str, dict[str, BaseModel]]:
    return {
        "data": {d.id: d for d in model.data},
        "boundaries": {b.id: b for b in model.boundaries},
        "components": {c.id: c for c in model.components},
        "flows": {f.key: f for f in model.flows},
        "controls": dict(_control_keys(model.controls, other.controls)),
    }


def _system_dump(model: SystemModel) -> dict[str, Any]:
    data = _dump(model.system)
    data.update({f"settings.{k}": v for k, v in _dump(model.settings).items()})
    data["includes"] = list(model.includes)
    return data


def _kind(item: BaseModel | None) -> str | None:
    value = getattr(item, "kind", None)
    return str(value) if value is not None else None


def _summary(item: BaseModel) -> str:
    if isinstance(item, Flow):
        return f"{item.source} → {item.target}"
    if isinstance(item, DataAsset):
        return classification_word(item.classification)
    if isinstance(item, Boundary):
        return f"{item.trust.value}" + (f", inside {item.parent}" if item.parent else "")
    if isinstance(item, ImplementedControl):
        return f"{item.status.value}, " + (", ".join(item.scope) if item.scope else "system-wide")
    return _kind(item) or ""


def _element_changes(old: SystemModel, new: SystemModel) -> tuple[list[ElementChange], list[Rename]]:
    changes: list[ElementChange] = []
    renames: list[Rename] = []
    system_attrs = attribute_changes(_system_dump(old), _system_dump(new))
    if system_attrs:
        changes.append(ElementChange("system", new.system.id, "changed", None, "", system_attrs))
    old_sections, new_sections = _sections(old, new), _sections(new, old)
    for section in SECTIONS[1:]:
        before, after = old_sections[section], new_sections[section]
        removed = sorted(set(before) - set(after))
        added = sorted(set(after) - set(before))
        for key in removed:
            changes.append(ElementChange(section, key, "removed", _kind(before[key]), _summary(before[key])))
        for key in added:
            changes.append(ElementChange(section, key, "added", _kind(after[key]), _summary(after[key])))
        for key in sorted(set(before) & set(after)):
            if before[key] == after[key]:  # equal fields dump equally: most elements of a large model
                continue
            attrs = attribute_changes(_dump(before[key]), _dump(after[key]))
            if attrs:
                changes.append(ElementChange(section, key, "changed", _kind(after[key]), _summary(after[key]), attrs))
        if section in ("data", "boundaries", "components"):
            renames.extend(_renames(section, {k: before[k] for k in removed}, {k: after[k] for k in added}))
    order = {s: i for i, s in enumerate(SECTIONS)}
    rank = {"removed": 0, "added": 1, "changed": 2}
    changes.sort(key=lambda c: (order[c.section], rank[c.change], c.id))
    return changes, renames


def _renames(section: str, removed: Mapping[str, BaseModel], added: Mapping[str, BaseModel]) -> Iterable[Rename]:
    """Pairs of one removed and one added element that are identical apart from the id."""

    def signature(item: BaseModel) -> str:
        data = _dump(item)
        data.pop("id", None)
        data.pop("name", None)
        return repr(sorted(data.items()))

    old_by: dict[str, list[str]] = {}
    new_by: dict[str, list[str]] = {}
    for key, item in removed.items():
        old_by.setdefault(signature(item), []).append(key)
    for key, item in added.items():
        new_by.setdefault(signature(item), []).append(key)
    for sig, olds in sorted(old_by.items(), key=lambda kv: kv[1]):
        news = new_by.get(sig, [])
        if len(olds) == 1 and len(news) == 1:
            yield Rename(section, olds[0], news[0])


def _element_map(old: SystemModel, new: SystemModel, renames: Sequence[Rename]) -> dict[str, str]:
    """Old -> new ids of renamed components, plus the derived keys of flows whose ends they are."""
    mapping = {r.old: r.new for r in renames if r.section == "components"}
    new_flows = {f.key for f in new.flows}
    for flow in old.flows:
        if flow.id is None:
            key = f"{mapping.get(flow.source, flow.source)}-to-{mapping.get(flow.target, flow.target)}"
            if key != flow.key and key in new_flows:
                mapping[flow.key] = key
    return mapping


def _regrouped(
    gone: FindingDigest, by_threat: Mapping[str, Sequence[FindingDigest]], renamed: Mapping[str, str]
) -> FindingDigest | None:
    """The finding that now covers ``gone``'s elements under another id (it joined or left a group by
    root cause): the same threat, listing its primary element, else another element it listed.
    ``by_threat`` holds the new side's findings of each threat, by id."""
    candidates = by_threat.get(gone.threat, ())
    for element in (gone.target, *gone.elements):
        now = renamed.get(element, element)
        for f in candidates:
            if f.id != gone.id and now in f.elements:
                return f
    return None


def _finding_changes(old: SideFindings, new: SideFindings, renamed: Mapping[str, str]) -> list[FindingChange]:
    before = {f.id: f for f in old.findings}
    after = {f.id: f for f in new.findings}
    by_threat: dict[str, list[FindingDigest]] = {}
    for f in sorted(after.values(), key=lambda f: f.id):
        by_threat.setdefault(f.threat, []).append(f)
    out: list[FindingChange] = []
    paired: set[str] = set()
    for fid in sorted(set(before) - set(after)):
        gone = before[fid]
        target = renamed.get(gone.root or gone.target)
        moved = after.get(finding_id(gone.threat, target)) if target is not None else None
        how: Literal["renamed", "regrouped", "split"] = "renamed"
        if moved is None:
            moved = _regrouped(gone, by_threat, renamed)
            if moved is not None:
                was = {renamed.get(e, e) for e in gone.elements}
                how = "split" if len(gone.elements) > 1 and set(moved.elements) < was else "regrouped"
        if moved is None or moved.id in before:
            continue
        if moved.id in paired:  # a second element that joined the same group: covered by the first pairing
            paired.add(fid)
            continue
        paired.update((fid, moved.id))
        out.append(
            FindingChange(moved.id, moved.threat, moved.title, moved.target, "moved", gone.state, moved.state, fid, how)
        )
    for fid in sorted((set(before) | set(after)) - paired):
        o, n = before.get(fid), after.get(fid)
        if o is None and n is not None:
            out.append(FindingChange(fid, n.threat, n.title, n.target, "new", None, n.state))
        elif n is None and o is not None:
            out.append(FindingChange(fid, o.threat, o.title, o.target, "resolved", o.state, None))
        elif o is not None and n is not None:
            if o.state == n.state:  # neither re-scored nor a changed status
                continue
            change = FindingChange(fid, n.threat, n.title, n.target, "changed", o.state, n.state)
            if change.rescored or change.status_changed:
                out.append(change)
    rank = {"new": 0, "changed": 1, "moved": 2, "resolved": 3}
    out.sort(key=lambda f: (rank[f.change], -f.current.residual_severity.rank, -f.current.residual_risk, f.id))
    return out


def _triage_summary(entry: TriageEntry) -> str:
    text = entry.status.value
    if entry.owner:
        text += f" by {entry.owner}"
    if entry.approver:
        text += f", approved by {entry.approver}"
    if entry.review_by:
        text += f", until {entry.review_by.isoformat()}"
    return text


def _triage_changes(old: SystemModel, new: SystemModel) -> list[TriageChange]:
    out: list[TriageChange] = []
    for fid in sorted(set(old.triage) | set(new.triage)):
        o, n = old.triage.get(fid), new.triage.get(fid)
        if o is None and n is not None:
            out.append(TriageChange(fid, "added", None, n.status.value, (), _triage_summary(n)))
        elif n is None and o is not None:
            out.append(TriageChange(fid, "removed", o.status.value, None, (), _triage_summary(o)))
        elif o is not None and n is not None:
            attrs = attribute_changes(_dump(o), _dump(n))
            if attrs:
                out.append(TriageChange(fid, "changed", o.status.value, n.status.value, attrs, _triage_summary(n)))
    return out


def _open_counts(side: SideFindings) -> dict[Severity, int]:
    counts = Counter(f.state.residual_severity for f in side.findings if f.state.status.is_open)
    return {s: counts.get(s, 0) for s in GATE_SEVERITIES}


def triage_diagnosed(a: Assessment, code: str) -> tuple[str, ...]:
    """The triage keys the assessment's ``code`` diagnostics (TM201 stale, TM202 lapsed) name,
    sorted; empty when the model silences the code."""
    return tuple(sorted(d.triage for d in a.diagnostics if d.code == code and d.triage is not None))


def stale_triage(a: Assessment) -> tuple[str, ...]:
    """Triage keys matching no finding (TM201), unless the model silences it."""
    return triage_diagnosed(a, "TM201")


def lapsed_triage(a: Assessment) -> tuple[str, ...]:
    """Findings whose triage decision lapsed (TM202), unless the model silences it."""
    return triage_diagnosed(a, "TM202")


def _with_triage(rename: Rename, old: SystemModel, new: SystemModel) -> Rename:
    moved = left = 0
    for fid in old.triage:
        threat, _, element = fid.rpartition("@")
        if element != rename.old:
            continue
        if f"{threat}@{rename.new}" in new.triage:
            moved += 1
        else:
            left += 1
    return Rename(rename.section, rename.old, rename.new, moved, left)


def diff_assessments(old: Assessment, new: Assessment) -> ModelDiff:
    """What changed from ``old`` to ``new`` (both evaluated with the same catalogs and date)."""
    return diff_models(old.model, SideFindings.of(old), new.model, SideFindings.of(new))


def diff_models(old_model: SystemModel, old: SideFindings, new_model: SystemModel, new: SideFindings) -> ModelDiff:
    """:func:`diff_assessments` from each side's model and the digest of its assessment (what
    ``threatmodel diff`` gets back from a side analysed in another process)."""
    elements, found = _element_changes(old_model, new_model)
    renames = [_with_triage(r, old_model, new_model) for r in found]
    return ModelDiff(
        old_system=(old_model.system.id, old_model.system.name),
        new_system=(new_model.system.id, new_model.system.name),
        elements=tuple(elements),
        findings=tuple(_finding_changes(old, new, _element_map(old_model, new_model, renames))),
        triage=tuple(_triage_changes(old_model, new_model)),
        risk=RiskChange(old.open_risk, new.open_risk, _open_counts(old), _open_counts(new)),
        stale_triage=new.stale_triage,
        lapsed_triage=new.lapsed_triage,
        possible_renames=tuple(renames),
    )


__all__ = [
    "AttrChange",
    "ElementChange",
    "FindingChange",
    "FindingDigest",
    "FindingState",
    "ModelDiff",
    "Rename",
    "RiskChange",
    "SideFindings",
    "TriageChange",
    "attribute_changes",
    "diff_assessments",
    "diff_models",
    "lapsed_triage",
    "stale_triage",
]

"""What the engine returns: findings, the control plan, diagnostics."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from threatmodel.model.base import Frozen, Severity
from threatmodel.model.catalog import Lifecycle, NistFunction, Practice, Stride
from threatmodel.model.rules import TargetType
from threatmodel.model.system import SystemModel, TriageEntry
from threatmodel.model.vocab import Status


class ScoreFactor(Frozen):
    """One step of the score: a base value or an adjustment, with its reason."""

    axis: Literal["likelihood", "impact"]
    delta: int
    reason: str


SEVERITY_THRESHOLDS: tuple[tuple[int, Severity], ...] = (
    (20, Severity.CRITICAL),
    (12, Severity.HIGH),
    (6, Severity.MEDIUM),
    (1, Severity.LOW),
)
"""Risk (likelihood x impact, 1-25) to severity: >= 20 critical, >= 12 high, >= 6 medium, else low."""


def severity_of(risk: int) -> Severity:
    """Severity band of a risk score."""
    for threshold, severity in SEVERITY_THRESHOLDS:
        if risk >= threshold:
            return severity
    return Severity.INFO


class Assumption(Frozen):
    """An unknown fact a finding (or its score) read in the threat's favour."""

    element: str
    """Id of the element whose attribute is unknown."""
    attribute: str
    """The attribute, as written in model files."""
    question: str
    """What to state in the model to settle it."""


class Finding(Frozen):
    """One threat applying to one element of the model."""

    id: str
    """``<threat>@<element>``: a function of the threat id and element id only."""
    threat: str
    """Threat key, ``<catalog>:<threat id>``."""
    title: str
    summary: str
    target: str
    """Id of the element the threat applies to (the system id for system-wide threats)."""
    target_type: TargetType
    target_name: str
    why: tuple[str, ...]
    """The model facts that made the rule match."""
    path: tuple[str, ...] = ()
    """Element ids along the graph path that triggered it, when a path predicate matched."""
    paths: tuple[tuple[str, ...], ...] = ()
    """Every distinct untrusted path that reaches the target (``path`` first, then one per other
    source, shortest first, at most five); empty when only one path exists or none is followed."""
    scenario: str
    likelihood: int
    impact: int
    risk: int
    severity: Severity
    factors: tuple[ScoreFactor, ...]
    residual_likelihood: int
    residual_risk: int
    residual_severity: Severity
    lifecycle: tuple[Lifecycle, ...]
    stride: tuple[Stride, ...]
    refs: tuple[str, ...]
    """Every catalog entry the threat realises, ``<catalog>:<id>``, sorted."""
    controls: tuple[str, ...]
    """Controls that mitigate it, ``<catalog>:<id>``."""
    implemented_controls: tuple[str, ...] = ()
    """The subset of ``controls`` declared as implemented for this element."""
    status: Status
    triage: TriageEntry | None = None
    triage_expired: bool = False
    """A triage decision existed but its review-by date has passed, so the finding reopened."""
    risk_grew_from: int | None = None
    """The residual risk an accepted or transferred decision recorded, when the risk is higher now
    (the finding is open again until someone decides on the new risk)."""
    assumes: tuple[Assumption, ...] = ()
    """Unknown facts the finding rests on: stated otherwise, it might not apply (or score lower)."""
    # -- root causes (issue 9, gap 6) --
    root: str | None = None
    """Id of the element whose fact causes the threat on every affected element, when the threat
    groups its findings (``group_by``) and that fact reaches more than one element; the finding id
    is then ``<threat>@<root>``."""
    root_cause: str = ""
    """The root cause in words (the fact about ``root``), when the finding groups several elements."""
    affected: tuple[str, ...] = ()
    """Every element the grouped finding applies to, sorted (``target`` is the one whose score the
    finding carries: the highest residual risk); empty for a finding on one element."""
    aliases: tuple[str, ...] = ()
    """Ids this finding had before (``<threat>@<element>`` of each affected element of a group;
    ``<former threat>@<element>`` for a threat split from another): a triage decision or baseline
    entry recorded under them carries over (docs/rules.md, "One finding per root cause")."""
    triage_key: str | None = None
    """The key of the triage entry applied when it is not ``id`` (a decision recorded under an alias)."""
    # -- where a finding sits: affected elements (issue 9, branch placement2) --
    also_affects: tuple[str, ...] = ()
    """Elements related to the finding's own (through its threat's ``affects``) that the threat also
    harms or where its control goes, sorted, none of them in ``elements``: named so a reviewer
    filing the threat there finds it, never part of the id or of triage (decision 1850)."""

    @property
    def elements(self) -> tuple[str, ...]:
        """Every element the finding applies to: ``affected`` for a group, else ``(target,)``."""
        return self.affected or (self.target,)

    @property
    def all_elements(self) -> tuple[str, ...]:
        """``elements`` then ``also_affects``: every element a reviewer may file the finding on."""
        return (*self.elements, *self.also_affects)


class Proposal(Frozen):
    """A proposed control and the open risk it would remove."""

    control: str
    """``<catalog>:<control id>``."""
    title: str
    summary: str
    nist_csf: tuple[NistFunction, ...]
    practices: tuple[Practice, ...]
    closes: tuple[str, ...]
    """Ids of open findings it addresses."""
    risk_removed: int
    """Sum over those findings of the risk its implementation would remove."""
    refs: tuple[str, ...] = ()


class Diagnostic(Frozen):
    """Something about the model worth a look that is not a threat."""

    code: str
    """Stable code, e.g. ``TM101``; can be silenced in the model's settings."""
    message: str
    element: str | None = None
    """Id of the element concerned, when there is one."""
    severity: Literal["warning", "info"] = "warning"
    triage: str | None = None
    """The triage key concerned (TM201, TM202), so front ends can point at the entry."""


class CatalogInfo(Frozen):
    """Which catalog editions an assessment used."""

    id: str
    title: str
    version: str
    published: dt.date
    source: str


class Assessment(Frozen):
    """The result of evaluating a model against catalogs."""

    # The findings in report order once sorted (:func:`threatmodel.export.common.in_report_order`). A
    # slot, not a field or an entry of the instance's ``__dict__``: never compared, dumped or copied
    # (``model_copy`` makes a new instance without it, so a copy with other findings sorts its own).
    __slots__ = ("_report_order",)

    model: SystemModel
    findings: tuple[Finding, ...]
    """Sorted by id."""
    proposals: tuple[Proposal, ...]
    """Ranked: most open risk removed first."""
    diagnostics: tuple[Diagnostic, ...]
    catalogs: tuple[CatalogInfo, ...]
    as_of: dt.date
    """The date triage review-by dates were judged against."""
    explained: bool = True
    """False when the findings were built without their explanation (``evaluate(..., explain=False)``,
    for ``check`` and ``diff``, which print none of it): ``why``, ``path``, ``paths``, ``scenario``
    and ``assumes`` are empty and score steps carry no note on unknowns; ids, scores, statuses,
    triage, proposals and diagnostics are those of the explained assessment."""

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status.is_open)

    @property
    def open_risk(self) -> int:
        """Sum of residual risk over open findings."""
        return sum(f.residual_risk for f in self.findings if f.status.is_open)

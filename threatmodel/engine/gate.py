"""The CI gate's judgement: which open findings and policy violations fail ``threatmodel check``.

A model fails the gate when an open finding (open or in progress, including findings whose
triage lapsed) has a residual severity at or above ``--fail-on``, or when a policy rule of level
``error`` is violated. A baseline lists what already existed when the gate was adopted; those
findings pass until their residual severity gets worse. Pure: the baseline file is read by
``threatmodel.io.baseline`` and the outputs are written by ``threatmodel.export.check``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from threatmodel.engine.analysis import Analysis, Source
from threatmodel.engine.diff import lapsed_triage, stale_triage
from threatmodel.engine.policy import Violation
from threatmodel.errors import SourceSpan
from threatmodel.model.base import Severity
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.keys import split_finding_id, triage_element


@dataclass(frozen=True)
class Baseline:
    """Findings and policy violations accepted as pre-existing, per system id."""

    path: str
    findings: dict[str, dict[str, Severity]] = field(default_factory=dict)
    policy: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One line of the gate's report: a finding or a policy violation, with its location."""

    kind: Literal["finding", "policy"]
    id: str
    severity: str
    """Residual severity of a finding, or the level of a violation."""
    text: str
    """The finding's title, or what the violation found."""
    note: str
    """The finding's status, or the rule's message."""
    span: SourceSpan
    finding: Finding | None = None
    violation: Violation | None = None


@dataclass(frozen=True)
class Suppressed:
    """A finding or violation the baseline lets pass."""

    id: str
    severity: str
    baseline_severity: str | None


@dataclass(frozen=True)
class ModelResult:
    """The gate's verdict on one model."""

    display: str
    analysis: Analysis
    violations: tuple[Violation, ...]
    failures: tuple[Item, ...]
    warnings: tuple[Item, ...]
    suppressed: tuple[Suppressed, ...]
    stale: tuple[tuple[str, SourceSpan], ...]
    lapsed: tuple[tuple[str, SourceSpan], ...]

    @property
    def assessment(self) -> Assessment:
        return self.analysis.assessment

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def system_id(self) -> str:
        return self.assessment.model.system.id

    def count(self, kind: str) -> int:
        return sum(1 for i in self.failures if i.kind == kind)


def violation_span(source: Source, v: Violation) -> SourceSpan:
    """Where a violation is best shown: the triage entry, or the element's declaration."""
    if v.loc and v.loc[0] == "triage":
        return source.span(v.loc)
    return source.element_span(v.element)


def baseline_severity(f: Finding, known: Mapping[str, Severity]) -> Severity | None:
    """The severity the baseline recorded for ``f``: under its id, else under its earlier ids (a group
    is in the baseline only when every element it lists was, at the worst severity they had)."""
    if f.id in known:
        return known[f.id]
    if not f.aliases:
        return None
    found: list[Severity] = []
    for element in f.elements:
        hits = [known[a] for a in f.aliases if split_finding_id(a)[1] == element and a in known]
        if (
            not hits
            and f"{f.threat}@{element}" == f.id
            and not any(split_finding_id(a)[1] == element for a in f.aliases)
        ):
            continue  # a finding placed on its producer (decision 1510): the producer had no earlier id
        if not hits:
            return None
        found.append(max(hits, key=lambda s: s.rank))
    return max(found, key=lambda s: s.rank) if found else None


def judge(
    display: str,
    analysis: Analysis,
    violations: Sequence[Violation],
    threshold: Severity,
    baseline: Baseline | None,
) -> ModelResult:
    """Apply the gate to one analysed model."""
    assessment, source = analysis.assessment, analysis.source
    system = assessment.model.system.id
    known = baseline.findings.get(system, {}) if baseline is not None else {}
    known_policy = baseline.policy.get(system, frozenset()) if baseline is not None else frozenset()
    failures: list[Item] = []
    suppressed: list[Suppressed] = []
    over = sorted(
        (f for f in assessment.open_findings if f.residual_severity >= threshold),
        key=lambda f: (-f.residual_severity.rank, -f.residual_risk, f.id),
    )
    for f in over:
        before = baseline_severity(f, known)
        if before is not None and f.residual_severity <= before:
            suppressed.append(Suppressed(f.id, f.residual_severity.value, before.value))
            continue
        note = f"{f.status.value}, residual risk {f.residual_risk}"
        if f.triage_expired and f.triage is not None and f.triage.review_by is not None:
            note += f"; {f.triage.status.value} until {f.triage.review_by.isoformat()}, lapsed"
        if f.risk_grew_from is not None and f.triage is not None:
            note += f"; {f.triage.status.value} at {f.risk_grew_from}, now {f.residual_risk}"
        if before is not None:
            note += f"; worse than in the baseline ({before.value})"
        failures.append(
            Item("finding", f.id, f.residual_severity.value, f.title, note, source.element_span(f.target), finding=f)
        )
    warnings: list[Item] = []
    for v in violations:
        item = Item("policy", v.id, v.level.value, v.detail, v.message, violation_span(source, v), violation=v)
        if not v.is_error:
            warnings.append(item)
        elif v.id in known_policy:
            suppressed.append(Suppressed(v.id, v.level.value, None))
        else:
            failures.append(item)
    return ModelResult(
        display=display,
        analysis=analysis,
        violations=tuple(violations),
        failures=tuple(failures),
        warnings=tuple(warnings),
        suppressed=tuple(suppressed),
        stale=tuple((fid, source.element_span(triage_element(fid))) for fid in stale_triage(assessment)),
        lapsed=tuple((fid, source.element_span(triage_element(fid))) for fid in lapsed_triage(assessment)),
    )

"""Evaluate a policy against an assessment: pure, deterministic, no I/O.

Model rules use the same closed predicate vocabulary (and the same matcher) as the
threat catalogs, so a policy author learns one language. Triage rules judge the
decisions recorded in the model against the findings the engine produced.
Violations carry a path into the model document; the caller turns it into
``file:line:col``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Iterator
from typing import assert_never

from threatmodel.engine.catalogs import check_rule
from threatmodel.engine.conditions import candidate_kinds, describe
from threatmodel.engine.match import Matcher
from threatmodel.graph import ModelGraph, build_graph
from threatmodel.model.base import Frozen, Severity
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.policy import (
    Level,
    MaxReviewDays,
    NeedsApprover,
    Policy,
    RequireCondition,
    RequireControl,
    RequireOwner,
    RequiresFields,
    RequireTestEvidence,
    Rule,
    StatusForbidden,
)
from threatmodel.model.rules import TargetType
from threatmodel.model.system import SystemModel, TriageEntry
from threatmodel.model.vocab import EvidenceOutcome

Loc = tuple[str | int, ...]
POLICY_PREFIX = "policy:"


class Violation(Frozen):
    """One place where a model breaks a policy rule."""

    id: str
    """``policy:<rule id>@<element id>``; for triage rules the subject is the finding id."""
    rule: str
    """Id of the rule broken."""
    level: Level
    message: str
    """The rule's message (what to do)."""
    detail: str
    """What was found on this element."""
    element: str
    """Id of the element concerned: a component, flow, data asset, or the system id."""
    finding: str | None = None
    """The finding id, for triage rules."""
    why: tuple[str, ...] = ()
    """For model rules: the facts that selected the element (``for_each``)."""
    loc: Loc
    """Path into the model document where the violation is best shown."""

    @property
    def is_error(self) -> bool:
        """Fails the gate."""
        return self.level is Level.ERROR


def violation_id(rule_id: str, subject: str) -> str:
    """``policy:<rule>@<subject>``."""
    return f"{POLICY_PREFIX}{rule_id}@{subject}"


# ---------------------------------------------------------------------------
# Load-time checks


def check_policy(policy: Policy, known_controls: Collection[str] | None = None) -> list[tuple[Loc, str, str | None]]:
    """Problems a schema cannot see: duplicate rule ids, predicates used out of context,
    unknown attributes, unknown controls. Returned as ``(path, message, hint)``."""
    problems: list[tuple[Loc, str, str | None]] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(policy.rules):
        base: Loc = ("rules", i)
        if rule.id in seen:
            problems.append(
                (
                    (*base, "id"),
                    f"rule id '{rule.id}' is already used by rule {seen[rule.id] + 1}",
                    "rule ids must be unique",
                )
            )
        seen.setdefault(rule.id, i)
        if isinstance(rule, (RequireControl, RequireCondition)):
            problems.extend(check_rule(rule.for_each, rule.target, (*base, "for_each")))
        if isinstance(rule, RequireCondition):
            problems.extend(check_rule(rule.require, rule.target, (*base, "require")))
        if isinstance(rule, RequireControl) and known_controls is not None:
            for j, control in enumerate(rule.require_control):
                if control not in known_controls:
                    close = difflib.get_close_matches(control, sorted(known_controls), n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else "`threatmodel catalogs` lists the controls"
                    problems.append(((*base, "require_control", j), f"unknown control '{control}'", hint))
    return problems


# ---------------------------------------------------------------------------
# Evaluation


def evaluate_policy(policy: Policy, assessment: Assessment) -> tuple[Violation, ...]:
    """Every violation of ``policy`` by the assessed model, sorted by id."""
    model = assessment.model
    findings = {f.id: f for f in assessment.findings}
    # a decision recorded under an earlier id (grouped by root cause, split threat) is judged with its finding
    for f in assessment.findings:
        for alias in f.aliases:
            findings.setdefault(alias, f)
    matching: tuple[ModelGraph, Matcher] | None = None
    out: list[Violation] = []
    for rule in policy.rules:
        if isinstance(rule, (RequireControl, RequireCondition)):
            if matching is None:
                graph = build_graph(model)
                matching = (graph, Matcher(graph))
            out.extend(_model_rule(rule, model, *matching))
        elif isinstance(rule, RequireOwner):
            out.extend(_ownership(rule, model))
        else:
            out.extend(_triage_rule(rule, model, findings, assessment.as_of))
    unique = {v.id: v for v in out}
    return tuple(unique[k] for k in sorted(unique))


def _in_scope(finding: Finding | None, at_least: Severity | None) -> bool:
    """Whether a triage entry is judged by a rule with this severity floor."""
    if at_least is None or at_least is Severity.INFO:
        return True
    return finding is not None and finding.residual_severity >= at_least


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _triage_rule(
    rule: StatusForbidden | NeedsApprover | MaxReviewDays | RequiresFields | RequireTestEvidence,
    model: SystemModel,
    findings: dict[str, Finding],
    as_of: dt.date,
) -> Iterator[Violation]:
    for fid, entry in sorted(model.triage.items()):
        finding = findings.get(fid)
        detail = _triage_detail(rule, fid, entry, finding, as_of)
        if detail is None:
            continue
        element = finding.target if finding is not None else fid.rpartition("@")[2]
        yield Violation(
            id=violation_id(rule.id, fid),
            rule=rule.id,
            level=rule.level,
            message=rule.message,
            detail=detail,
            element=element,
            finding=fid,
            loc=("triage", fid),
        )


def _triage_detail(
    rule: StatusForbidden | NeedsApprover | MaxReviewDays | RequiresFields | RequireTestEvidence,
    fid: str,
    entry: TriageEntry,
    finding: Finding | None,
    as_of: dt.date,
) -> str | None:
    """Why ``entry`` breaks ``rule``, or ``None`` when it does not."""
    status = entry.status.value
    match rule:
        case StatusForbidden():
            if finding is None or not _in_scope(finding, rule.at_least) or entry.status not in rule.severity_may_not_be:
                return None
            return f"'{fid}' is triaged as {status} but its residual severity is {finding.residual_severity.value}"
        case NeedsApprover():
            test = rule.needs_approver_other_than_owner
            if entry.status not in test.statuses or not _in_scope(finding, test.at_least):
                return None
            severity = f" ({finding.residual_severity.value})" if finding is not None else ""
            if entry.approver is None:
                return f"'{fid}'{severity} is {status} without an approver"
            if entry.owner is not None and _same_person(entry.approver, entry.owner):
                return f"'{fid}'{severity} is {status} and approved by its own owner, {entry.owner}"
            return None
        case MaxReviewDays():
            if entry.status not in rule.statuses or not _in_scope(finding, rule.at_least):
                return None
            if entry.review_by is None:
                return f"'{fid}' is {status} with no review_by date"
            start, since = (entry.decided_on, "decided_on") if entry.decided_on is not None else (as_of, "today")
            days = (entry.review_by - start).days
            if days > rule.max_review_days:
                return (
                    f"'{fid}' is {status} until {entry.review_by.isoformat()}, {days} days after "
                    f"{since} ({start.isoformat()}); at most {rule.max_review_days} allowed"
                )
            return None
        case RequiresFields():
            if entry.status not in rule.statuses or not _in_scope(finding, rule.at_least):
                return None
            missing = [name for name in rule.requires if getattr(entry, name) in (None, "")]
            if not missing:
                return None
            return f"'{fid}' is {status} but has no {', '.join(missing)}"
        case RequireTestEvidence():
            return _evidence_detail(rule, fid, entry, finding, as_of)
        case _:
            assert_never(rule)


def _evidence_detail(
    rule: RequireTestEvidence, fid: str, entry: TriageEntry, finding: Finding | None, as_of: dt.date
) -> str | None:
    """Why ``entry`` lacks the passing, recent test evidence ``rule`` asks for, or ``None``.

    Runs dated after ``as_of`` do not count (they had not happened on the day judged); an
    inconclusive run neither proves nor disproves anything."""
    need = rule.require_test_evidence
    if entry.status not in need.statuses:
        return None
    if not _in_scope(finding, need.at_least):
        return None
    status = entry.status.value
    severity = f" ({finding.residual_severity.value})" if finding is not None else ""
    runs = [e for e in entry.evidence if e.date <= as_of]
    passes = [e for e in runs if e.outcome is EvidenceOutcome.PASSED]
    if not passes:
        return f"'{fid}'{severity} is {status} with no passing test run on record"
    last = max(passes, key=lambda e: (e.date, e.tool, e.run_id))
    age = (as_of - last.date).days
    if age > need.max_age_days:
        return (
            f"'{fid}'{severity} is {status} but its last passing test run ({last.tool} {last.run_id}, "
            f"{last.date.isoformat()}) is {age} days old; at most {need.max_age_days} allowed"
        )
    failed = sorted(
        (e for e in runs if e.outcome is EvidenceOutcome.FAILED and e.date > last.date),
        key=lambda e: (e.date, e.tool, e.run_id),
    )
    if failed:
        f = failed[-1]
        return (
            f"'{fid}'{severity} is {status} but a test run failed after its last pass: "
            f"{f.tool} {f.run_id} on {f.date.isoformat()}"
        )
    return None


def _model_rule(
    rule: RequireControl | RequireCondition, model: SystemModel, g: ModelGraph, matcher: Matcher
) -> Iterator[Violation]:
    if rule.target is TargetType.FLOW:
        index = {f.key: i for i, f in enumerate(model.flows)}
        pool = sorted(g.flows)
        section = "flows"
    else:
        index = {c.id: i for i, c in enumerate(model.components)}
        kinds = candidate_kinds(rule.for_each)
        pool = sorted(g.components) if kinds is None else sorted(n for k in kinds for n in g.by_kind.get(k, ()))
        section = "components"
    for element in pool:
        if not matcher.holds(rule.for_each, element):
            continue
        if isinstance(rule, RequireControl):
            detail = _missing_control(rule, model, g, element)
        else:
            detail = (
                None
                if matcher.holds(rule.require, element)
                else f"{g.name(element)} does not satisfy: {describe(rule.require)}"
            )
        if detail is None:
            continue
        loc: Loc = (section, index[element], "id") if section == "components" else (section, index[element])
        yield Violation(
            id=violation_id(rule.id, element),
            rule=rule.id,
            level=rule.level,
            message=rule.message,
            detail=detail,
            element=element,
            why=matcher.explain(rule.for_each, element).facts,
            loc=loc,
        )


def _missing_control(rule: RequireControl, model: SystemModel, g: ModelGraph, element: str) -> str | None:
    wanted = set(rule.require_control)
    if any(c.control in wanted and c.status.value in rule.control_status for c in g.controls_for(element)):
        return None
    statuses = " or ".join(rule.control_status)
    controls = " or ".join(rule.require_control)
    return f"no {statuses} {controls} is declared for {g.name(element)}, its boundaries or the whole system"


def _ownership(rule: RequireOwner, model: SystemModel) -> Iterator[Violation]:
    def violation(element: str, what: str, loc: Loc) -> Violation:
        return Violation(
            id=violation_id(rule.id, element),
            rule=rule.id,
            level=rule.level,
            message=rule.message,
            detail=f"{what} has no owner",
            element=element,
            loc=loc,
        )

    if "system" in rule.require_owner and model.system.owner is None:
        yield violation(model.system.id, f"the system '{model.system.id}'", ("system", "id"))
    if "components" in rule.require_owner:
        for i, component in enumerate(model.components):
            if component.owner is None:
                yield violation(component.id, f"component '{component.id}'", ("components", i, "id"))
    if "data" in rule.require_owner:
        for i, asset in enumerate(model.data):
            if asset.owner is None:
                yield violation(asset.id, f"data asset '{asset.id}'", ("data", i, "id"))


def errors(violations: tuple[Violation, ...]) -> tuple[Violation, ...]:
    """The violations that fail the gate."""
    return tuple(v for v in violations if v.is_error)


__all__ = ["Rule", "Violation", "check_policy", "errors", "evaluate_policy", "violation_id"]

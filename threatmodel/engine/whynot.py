"""Why not: which condition of a threat's rule fails on an element, in words.

``threatmodel analyze MODEL --why-not THREAT@ELEMENT`` answers the reviewer who expected a finding
and sees none. The answer walks the rule as the engine evaluated it (the conservative reading of
unknown facts, engine/unknowns.py) and names the conditions that fail: every failing part of an
``all``, every option of an ``any``, the facts that make a ``not`` fail.
"""

from __future__ import annotations

from dataclasses import dataclass

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.conditions import candidate_kinds, describe, endpoint_kinds
from threatmodel.engine.match import Matcher
from threatmodel.engine.unknowns import resolve
from threatmodel.graph import ModelGraph
from threatmodel.model.keys import finding_id, split_finding_id
from threatmodel.model.rules import (
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Endpoint,
    KindIs,
    Not,
    TargetType,
    attr_words,
    stated_fact,
    unstated_fact,
)

MAX_LINES = 40
"""Longest answer; a rule with more failing parts is cut with a count of the rest."""


@dataclass(frozen=True, slots=True)
class WhyNot:
    """The answer: whether the finding exists, and the reasons when it does not."""

    finding: str
    """The finding id asked about."""
    applies: bool
    """The threat does apply (the finding exists); ``reasons`` is then empty."""
    reasons: tuple[str, ...]
    raised_as: str | None = None
    """The id the finding is raised under when it is not ``finding``: a finding grouped by root cause."""


def why_not(analysis: Analysis, finding: str) -> WhyNot:
    """Why ``finding`` (``<catalog>:<threat>@<element>``) is not raised on the analysed model
    (triage never hides a finding from this question, so the analysis date does not matter).

    Raises ``KeyError`` with a readable message when the threat or the element does not exist.
    """
    key, element = split_finding_id(finding)
    cset, g, model = analysis.catalogs, analysis.graph, analysis.model
    threats = dict(cset.all_threats())
    threat = threats.get(key)
    if threat is None:
        raise KeyError(f"no threat '{key}' in the loaded catalogs")
    target_kind = _target_kind(g, element)
    if target_kind is None:
        raise KeyError(f"no component, flow or system '{element}' in the model")
    fid = finding_id(key, element)
    if key in model.settings.disabled_threats:
        return WhyNot(fid, applies=False, reasons=(f"the model disables {key} in settings.disabled_threats",))
    # a finding placed on the element whose output is relied on (decision 1510) applies there even
    # though the rule matched on the people or flows it lists
    placed = next(
        (f.id for f in analysis.assessment.findings if f.threat == key and f.affected and f.root == element),
        None,
    )
    if placed is not None:
        return WhyNot(fid, applies=True, reasons=(), raised_as=None if placed == fid else placed)
    if target_kind != threat.target:
        return WhyNot(
            fid,
            applies=False,
            reasons=(f"{key} is raised on {threat.target.value}s; '{element}' is a {target_kind.value}",),
        )
    reasons = _not_a_candidate(g, threat.when, threat.target, element)
    if reasons:
        return WhyNot(fid, applies=False, reasons=reasons)
    matcher = Matcher(g)
    when = resolve(threat.when, conservative=True)
    if matcher.holds(when, element):
        grouped = next(
            (f.id for f in analysis.assessment.findings if f.threat == key and f.affected and element in f.affected),
            None,
        )
        return WhyNot(fid, applies=True, reasons=(), raised_as=grouped)
    lines = _failing(matcher, g, when, element, depth=0)
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"… and {len(lines) - MAX_LINES} more failing conditions"]
    return WhyNot(fid, applies=False, reasons=tuple(lines))


def _target_kind(g: ModelGraph, element: str) -> TargetType | None:
    if element in g.components:
        return TargetType.COMPONENT
    if element in g.flows:
        return TargetType.FLOW
    if element == g.model.system.id:
        return TargetType.SYSTEM
    return None


def _not_a_candidate(g: ModelGraph, when: Condition, target: TargetType, element: str) -> tuple[str, ...]:
    if target is TargetType.COMPONENT:
        kinds = candidate_kinds(when)
        if kinds is not None and g.kind(element) not in kinds:
            return (
                f"{g.name(element)} is of kind {g.kind(element)}; the threat applies to {', '.join(sorted(kinds))}",
            )
    if target is TargetType.FLOW:
        flow = g.flows[element]
        sources, targets = endpoint_kinds(when)
        for end, kinds, node in (("source", sources, flow.source), ("target", targets, flow.target)):
            if kinds is not None and g.kind(node) not in kinds:
                return (
                    f"the flow's {end} {g.name(node)} is a {g.kind(node)}; the threat needs {', '.join(sorted(kinds))}",
                )
    return ()


def _kinds_missed(matcher: Matcher, cond: Condition, element: str) -> tuple[str, ...]:
    """The kinds ``cond`` needs when a kind test settles its failure on ``element`` (a kind test, or
    an ``all`` with one that fails), else ``()``."""
    parts = cond.all if isinstance(cond, AllOf) else [cond]
    for part in parts:
        if isinstance(part, KindIs) and not matcher.holds(part, element):
            return tuple(str(k) for k in part.kind)
    return ()


def _failing(matcher: Matcher, g: ModelGraph, cond: Condition, element: str, depth: int) -> list[str]:
    """Lines naming what fails in ``cond`` on ``element`` (indented by nesting)."""
    pad = "  " * depth
    match cond:
        case AllOf(all=parts):
            out: list[str] = []
            # a kind that does not fit settles it: the other parts of this branch are beside the point
            wrong_kind = [p for p in parts if isinstance(p, KindIs) and not matcher.holds(p, element)]
            for part in wrong_kind or parts:
                if not matcher.holds(part, element):
                    out += _failing(matcher, g, part, element, depth)
            return out
        case AnyOf(any=options):
            out = [f"{pad}none of these holds:"]
            # options that need another kind are said together, in one line, where they are several
            missed = [(option, _kinds_missed(matcher, option, element)) for option in options]
            misfits = [kinds for _, kinds in missed if kinds]
            rest = list(options)
            if len(misfits) > 1 and element in g.components:
                needed = sorted({k for kinds in misfits for k in kinds})
                out.append(f"{pad}  kind is one of {', '.join(needed)}: {g.name(element)} is of kind {g.kind(element)}")
                rest = [option for option, kinds in missed if not kinds]
            for option in rest:
                out += _failing(matcher, g, option, element, depth + 1)
            return out
        case Not(not_=inner):
            facts = matcher.explain(inner, element).facts
            return [f"{pad}not ({describe(inner)}) fails, because:", *(f"{pad}  • {fact}" for fact in facts)]
        case Endpoint(endpoint=test) if element in g.flows:
            # a condition on the flow's end is judged on that component, part by part: worded as one
            # line it can run to hundreds of words (a third-party service's every form)
            ends = g.flows[element]
            node = ends.source if test.end == "source" else ends.target
            lines = _failing(matcher, g, test.where, node, depth + 1)
            return [f"{pad}its {test.end} {g.name(node)} does not fit:", *lines]
        case KindIs():
            return [f"{pad}{describe(cond)}: {g.name(element)} is of kind {g.kind(element)}"]
        case Attr(attr=test):
            target = g.components.get(element) or g.flows.get(element)
            value = getattr(target, test.name, None) if target is not None else None
            flow = element in g.flows
            if target is not None and not hasattr(target, test.name):
                kind = "flow" if flow else g.kind(element)
                return [f"{pad}{describe(cond)}: {attr_words(test.name)} is not an attribute of a {kind}"]
            if value is None:
                fact = unstated_fact(test.name, g.name(element), flow=flow)
            else:
                fact = stated_fact(test.name, g.name(element), value, flow=flow)
            return [f"{pad}{describe(cond)}; {fact}"]
        case _:
            return [f"{pad}{describe(cond)}: not on {g.name(element)}"]


__all__ = ["WhyNot", "why_not"]

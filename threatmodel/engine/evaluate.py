"""evaluate(model, catalogs) -> Assessment: the pure heart of threatmodel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from threatmodel.engine.catalogs import CatalogSet, Template, fill
from threatmodel.engine.conditions import candidate_kinds, endpoint_kinds
from threatmodel.engine.controls import propose_controls
from threatmodel.engine.diagnostics import model_diagnostics
from threatmodel.engine.match import Explanation, Matcher
from threatmodel.engine.unknowns import Readings, unknown_in
from threatmodel.graph import ModelGraph, build_graph, search
from threatmodel.model.base import Classification, Severity, collector_paused
from threatmodel.model.catalog import Catalog, Factor, GroupBy, Threat, Variant
from threatmodel.model.finding import Assessment, Assumption, CatalogInfo, Diagnostic, Finding, ScoreFactor, severity_of
from threatmodel.model.keys import finding_id, ref, split_finding_id, split_ref
from threatmodel.model.levels import classification_rank
from threatmodel.model.rules import TargetType, name_list
from threatmodel.model.system import Agent, Flow, HumanUser, SystemModel, TriageEntry
from threatmodel.model.unknowns import question
from threatmodel.model.vocab import (
    MODEL_KINDS,
    Artifact,
    Autonomy,
    ControlStatus,
    Credentials,
    Exposure,
    HumanApproval,
    SideEffect,
    Status,
    TriageStatus,
)


def _clamp(value: int) -> int:
    return max(1, min(5, value))


def candidate_elements(g: ModelGraph, threat: Threat) -> list[str]:
    """The elements whose kind the threat targets: those its rule is tried on.

    Empty when the model has nothing the threat could apply to (no element of a
    targeted kind); the coverage matrix tells that apart from "assessed, no finding".
    """
    if threat.target is TargetType.SYSTEM:
        return [g.model.system.id]
    if threat.target is TargetType.FLOW:
        # every flow key once, sorted, for the whole graph; a subset of it filtered stays sorted
        keys: tuple[str, ...] = g.memo(("sorted-flows",), lambda: tuple(sorted(g.flows)))
        source_kinds, target_kinds = endpoint_kinds(threat.when)
        if source_kinds is None and target_kinds is None:
            return list(keys)
        # the kinds of every flow's source and of its target, in key order, read once per graph
        # (not per flow threat): two tuples beside the keys
        sources, targets = g.memo(("sorted-flow-end-kinds",), lambda: _flow_end_kinds(g, keys))
        if source_kinds is None:
            return [key for key, target in zip(keys, targets, strict=True) if target in target_kinds]  # type: ignore[operator]
        if target_kinds is None:
            return [key for key, source in zip(keys, sources, strict=True) if source in source_kinds]
        return [
            key
            for key, source, target in zip(keys, sources, targets, strict=True)
            if source in source_kinds and target in target_kinds
        ]
    kinds = candidate_kinds(threat.when)
    if kinds is None:
        return list(g.memo(("sorted-components",), lambda: tuple(sorted(g.components))))
    return sorted(n for k in kinds for n in g.by_kind.get(k, ()))


def _flow_end_kinds(g: ModelGraph, keys: Sequence[str]) -> tuple[tuple[str | None, ...], tuple[str | None, ...]]:
    """The kind of the source and of the target of every flow, in the order of ``keys`` (``None``
    for an end that is no component: no kind fits it)."""
    flows, comps = g.flows, g.components
    sources: list[str | None] = []
    targets: list[str | None] = []
    for key in keys:
        flow = flows[key]
        source, target = comps.get(flow.source), comps.get(flow.target)
        sources.append(None if source is None else source.kind)
        targets.append(None if target is None else target.kind)
    return tuple(sources), tuple(targets)


def has_candidates(g: ModelGraph, threat: Threat) -> bool:
    """``bool(candidate_elements(g, threat))``, without listing them: whether the model has an
    element the threat's rule is tried on (the coverage tables ask it of every threat)."""
    if threat.target is TargetType.SYSTEM:
        return True
    if threat.target is TargetType.FLOW:
        fits = _ends_fit(g, threat)
        return bool(g.flows) if fits is None else any(fits(flow) for flow in g.flows.values())
    kinds = candidate_kinds(threat.when)
    if kinds is None:
        return bool(g.components)
    return any(g.by_kind.get(k) for k in kinds)


def _ends_fit(g: ModelGraph, threat: Threat) -> Callable[[Flow], bool] | None:
    """Whether a flow's ends are of the kinds a flow threat's rule names (``endpoint_kinds``);
    ``None`` when it names none, so every flow is a candidate."""
    source_kinds, target_kinds = endpoint_kinds(threat.when)
    if source_kinds is None and target_kinds is None:
        return None
    kind = g.kind
    return lambda flow: (
        (source_kinds is None or kind(flow.source) in source_kinds)
        and (target_kinds is None or kind(flow.target) in target_kinds)
    )


MAX_FINDINGS = 100_000
"""Most findings one evaluation builds (the built-in library raises about 1.3 per component)."""


def _raises(factor: Factor) -> bool:
    """True for a factor that raises the score (unknowns are read so that it holds)."""
    return (factor.likelihood or 0) + (factor.impact or 0) > 0


@dataclass(frozen=True, slots=True)
class Matchers:
    """The two readings of unknown facts (engine/unknowns.py): the one a finding is raised on, and its mirror."""

    keep: Matcher
    """Unknowns read in the threat's favour: decides whether a finding is raised."""
    doubt: Matcher
    """Unknowns read against the threat: a finding that also holds here rests on no unknown."""


def _at_stake(g: ModelGraph, element: str, threat: Threat) -> tuple[str, ...]:
    """The data an attack on ``element`` can reach: what it holds, receives, sends and is instructed
    with. Data a model was only *trained* on counts when the threat declares it is at stake
    (``training_data_at_stake``: extraction, inference, inversion...); evading or injecting into a
    model does not reveal its training set."""
    return g.data_handled(element, at_runtime=not threat.training_data_at_stake)


def _generic_factors(
    g: ModelGraph, element: str, threat: Threat
) -> tuple[tuple[ScoreFactor, ...], tuple[tuple[str, str], ...]]:
    """Adjustments every threat gets from the element's exposure, data and autonomy, and the unknowns
    they assumed: the same for every threat on the element that weighs its data alike, so made once."""
    at_runtime = not threat.training_data_at_stake
    return g.memo(("generic-factors", element, at_runtime), lambda: _element_factors(g, element, threat))


def _element_factors(
    g: ModelGraph, element: str, threat: Threat
) -> tuple[tuple[ScoreFactor, ...], tuple[tuple[str, str], ...]]:
    factors: list[ScoreFactor] = []
    assumed: list[tuple[str, str]] = []
    component = g.components.get(element)
    if component is not None:
        if component.exposure is Exposure.INTERNET:
            factors.append(
                ScoreFactor(axis="likelihood", delta=1, reason=f"{g.name(element)} is reachable from the internet")
            )
        elif component.exposure is None and not isinstance(component, HumanUser):
            assumed.append((element, "exposure"))
            factors.append(
                ScoreFactor(
                    axis="likelihood",
                    delta=1,
                    reason=f"who can reach {g.name(element)} is unknown: read as reachable from the internet",
                )
            )
        factors += _data_impact(g, _at_stake(g, element, threat), "handles", assumed)
        if (
            isinstance(component, Agent)
            and component.autonomy in (Autonomy.AUTONOMOUS, None)
            and component.human_approval in (HumanApproval.NONE, None)
        ):
            unknown = [a for a in ("autonomy", "human_approval") if getattr(component, a) is None]
            assumed += [(element, a) for a in unknown]
            reason = f"{g.name(element)} acts autonomously with no human approval"
            if unknown:
                reason += f" ({' and '.join(a.replace('_', ' ') for a in unknown)} unknown: read so)"
            factors.append(ScoreFactor(axis="impact", delta=1, reason=reason))
    elif element in g.flows:
        factors += _data_impact(g, [d for d in g.flows[element].data if d in g.data], "carries", assumed)
    return tuple(factors), tuple(assumed)


def _data_impact(g: ModelGraph, assets: Sequence[str], verb: str, assumed: list[tuple[str, str]]) -> list[ScoreFactor]:
    """The impact step of restricted data among ``assets`` (what the element ``verb``: handles or
    carries). With no stated restricted asset, an asset of unknown classification is read as
    restricted (decision 1630) and the assets that leave it unstated are added to ``assumed``.
    Nothing about an asset bounds its sensitivity below restricted: its tags say what it is, not
    how much its loss would cost."""
    restricted = [g.name(d) for d in assets if g.data[d].classification is Classification.RESTRICTED]
    if restricted:
        return [ScoreFactor(axis="impact", delta=1, reason=f"{verb} restricted data: {', '.join(restricted[:3])}")]
    unknown = [d for d in assets if g.data[d].classification is None]
    if not unknown:
        return []
    for d in unknown:
        assumed += [(source, "classification") for source in g.open_classification[d].unstated]
    shown = ", ".join(g.name(d) for d in unknown[:3])
    return [
        ScoreFactor(
            axis="impact",
            delta=1,
            reason=f"{verb} data of unknown classification: {shown} (read as restricted)",
        )
    ]


def _implemented(g: ModelGraph, element: str, threat: Threat) -> tuple[str, ...]:
    """Controls from the threat's list that the model declares as implemented for ``element``."""
    implemented: frozenset[str] = g.memo(
        ("implemented-controls", element),
        lambda: frozenset(c.control for c in g.controls_for(element) if c.status is ControlStatus.IMPLEMENTED),
    )
    return tuple(sorted(implemented.intersection(threat.controls))) if implemented else ()


def _sensitive_data(g: ModelGraph, element: str, threat: Threat, matched: tuple[str, ...] = ()) -> str:
    """Up to three data names, most sensitive first: the data the rule matched when it has a data
    condition (so a personal-data threat never names model weights), else the data the attack can
    reach (:func:`_at_stake`: never a model's training set for an attack that cannot reveal it)."""
    ids = matched or _at_stake(g, element, threat) or (g.flows[element].data if element in g.flows else ())
    ranked = sorted(ids, key=lambda d: (-classification_rank(g.data[d].classification), d))
    return ", ".join(g.name(d) for d in ranked[:3])  # empty: nothing to name (``Template.fill``)


@dataclass(frozen=True, slots=True)
class _Wording:
    """What every finding of one threat worded as one variant shares: title, sorted references and
    the scenario template, parsed once."""

    title: str
    refs: tuple[str, ...]
    scenario: Template


class _ThreatParts:
    """What every finding of one threat shares, made once per threat instead of once per finding:
    its base score steps, the references its former ids are made from, and its wording per variant."""

    __slots__ = ("_wordings", "base", "catalog", "former", "key", "threat")

    def __init__(self, key: str, threat: Threat) -> None:
        self.key = key
        self.threat = threat
        self.catalog = split_ref(key)[0]
        self.former = tuple(ref(self.catalog, old) for old in threat.formerly)
        self.base = (
            ScoreFactor(axis="likelihood", delta=threat.likelihood, reason="base likelihood of the threat"),
            ScoreFactor(axis="impact", delta=threat.impact, reason="base impact of the threat"),
        )
        self._wordings: dict[int, _Wording] = {}

    def wording(self, g: ModelGraph, cset: CatalogSet, variant: Variant | None) -> _Wording:
        """The title, references and scenario template of a finding worded as ``variant``."""
        slot = -1 if variant is None else id(variant)  # variants live in the threat, which outlives this
        found = self._wordings.get(slot)
        if found is None:
            threat = self.threat
            found = self._wordings[slot] = _Wording(
                title=variant.title if variant is not None and variant.title else threat.title,
                refs=_refs(g, cset, threat, variant),
                scenario=Template.of(variant.scenario if variant is not None and variant.scenario else threat.scenario),
            )
        return found


@dataclass(slots=True)  # not frozen: one per finding, and a frozen init sets each field through object.__setattr__
class _Draft:
    """A finding on one element, before grouping by root cause and before triage."""

    key: str
    threat: Threat
    element: str
    root: str | None
    """The element whose fact the threat groups by (``group_by``), when the explanation names one."""
    finding: Finding
    values: dict[str, str]
    variant: Variant | None = None
    """The wording variant the finding took, if any."""
    path: tuple[str, ...] = ()
    """The path the explanation found (also when the finding is left unexplained: a finding placed
    on its producer names the people along it, decision 1510)."""

    @property
    def scenario(self) -> str:
        """The scenario template the finding was written from."""
        return self.variant.scenario if self.variant is not None and self.variant.scenario else self.threat.scenario


def _placements(
    g: ModelGraph,
    matchers: Matchers,
    threat: Threat,
    elements: Sequence[str],
    unknown: frozenset[str],
    assumed: bool,
) -> dict[str, str | None] | None:
    """For a threat with ``place_on``: the element each finding sits on (the one element related to
    it, or to a flow's source, where the condition holds on stated facts; ``None`` when there is
    none or several, so the finding stays where it matched, decision 1510). ``None`` for other
    threats."""
    if threat.place_on is None:
        return None
    via, where = threat.place_on.via, threat.place_on.where
    # an unknown fact never places a finding: the stated reading only, as for wording variants
    cond = Readings.of(where, favour=False, unknown=unknown, assumed_sources=assumed).keep
    out: dict[str, str | None] = {}
    for element in elements:
        # a flow's relations are its sender's (the job that produced the weights it carries)
        flow = g.flows.get(element)
        base = flow.source if flow is not None else element
        hits = matchers.keep.holding(cond, list(g.linked(base, via))) if base in g.components else []
        out[element] = hits[0] if len(hits) == 1 else None
    return out


ROOT_FROM_EXPLANATION = frozenset({GroupBy.SOURCE, GroupBy.PRODUCER})
"""The ``group_by`` kinds whose root :func:`_root` reads from the explanation: their findings are
explained even when the evaluation is not (``explain=False``), since the finding id names the root."""


def _root(g: ModelGraph, threat: Threat, element: str, explanation: Explanation) -> str | None:
    """The root-cause element of a finding under its threat's ``group_by``, if the facts name one.

    Each root is a function of ids and stated facts only (the element's own flow, boundary or
    data), never of the order of the file, so the grouped id is derivable from the model. A kind
    that reads ``explanation`` must be in :data:`ROOT_FROM_EXPLANATION`."""
    match threat.group_by:
        case GroupBy.SOURCE:
            source = explanation.source
            return source if source is not None and source in g.untrusted_reasons else None
        case GroupBy.LINK:
            flow = g.flows.get(element)
            return g.boundary_of(flow.target) if flow is not None and flow.target in g.components else None
        case GroupBy.RECEIVER:
            flow = g.flows.get(element)
            return flow.target if flow is not None and flow.target in g.components else None
        case GroupBy.CREDENTIAL:
            if element not in g.components:
                return None
            held = [d for d in g.data_handled(element) if {"credentials", "secrets"} & set(g.data[d].tags)]
            return held[0] if len(held) == 1 else None
        case GroupBy.ARTEFACT:
            if element not in g.components:
                return None
            kinds = (Artifact.ML_LIBRARY, Artifact.CONTAINER_IMAGE)
            loaded = sorted({d for d, _, _ in g.artifacts(element, "in") if g.artifact_kind(d) in kinds})
            return loaded[0] if len(loaded) == 1 else None
        case GroupBy.PRODUCER:
            return _producer(g, threat, element, explanation.path)
    return None


def _producer(g: ModelGraph, threat: Threat, element: str, path: Sequence[str]) -> str | None:
    """The element whose output is relied on (decision 1510): walking the finding's path the way
    the output travels (from its far end towards ``element``), the first element of the threat's
    ``producer`` kinds, or the one model of those kinds a serving component on it ``serves``;
    ``element`` itself when the path holds no other. ``None`` when there is none: the finding then
    stays where it is."""
    kinds = {str(k) for k in threat.producer}
    walk = list(path) if element in path else []
    if walk and walk[0] == element:
        walk.reverse()
    if element not in walk:
        walk.append(element)
    for p in walk:
        if p not in g.components:
            continue
        if g.kind(p) in kinds:
            return p
        # a model reached only through its serving component: the one model it serves of those kinds
        served = [m for m in g.linked(p, "serves") if g.kind(m) in kinds]
        if len(served) == 1:
            return served[0]
    return None


def _root_cause(g: ModelGraph, threat: Threat, root: str, affected: Sequence[str]) -> str:
    """The root cause of a grouped finding, in words."""
    n = len(affected)
    match threat.group_by:
        case GroupBy.SOURCE:
            return f"{g.untrusted_reasons[root]} (one source reaching {n} elements)"
        case GroupBy.LINK:
            return (
                f"{n} flows delivering into '{g.name(root)}' lack the stated protection in transit (one zone's links)"
            )
        case GroupBy.RECEIVER:
            return f"{n} flows hand the data to one receiver, {g.name(root)}"
        case GroupBy.CREDENTIAL:
            return f"one credential, {g.name(root)}, held by {n} elements"
        case GroupBy.ARTEFACT:
            return f"one dependency, {g.name(root)}, loaded by {n} elements"
        case GroupBy.PRODUCER:
            return f"people rely on the output of {g.name(root)}"
    return f"{g.name(root)} affects {n} elements"


def _label(g: ModelGraph, element: str) -> str:
    """An element's display name; a flow as ``source → target`` (flows have no name of their own)."""
    flow = g.flows.get(element)
    return f"{g.name(flow.source)} → {g.name(flow.target)}" if flow is not None else g.name(element)


def _mixed_wording(members: Sequence[_Draft]) -> tuple[str, str, tuple[str, ...]] | None:
    """The title, scenario template and references of a finding grouping ``members`` when they took
    different wordings (decision 1918): the threat's ``grouped`` wording, else its own, which is
    written for the general case, and every member's references (the weights on one of a zone's
    links still realise the weights-exfiltration entries). ``None`` when they all read alike: the
    group keeps its worst member's wording."""
    if len({(d.finding.title, d.scenario) for d in members}) == 1:
        return None
    threat = members[0].threat
    wording = threat.grouped
    title = wording.title if wording is not None else threat.title
    scenario = wording.scenario if wording is not None else threat.scenario
    return title, scenario, tuple(sorted({r for d in members for r in d.finding.refs}))


def group_findings(g: ModelGraph, drafts: Sequence[_Draft], *, explain: bool = True) -> list[Finding]:
    """One finding per root cause: drafts of a threat with ``group_by`` whose facts name the same root
    element become one finding keyed ``<threat>@<root>`` that lists every affected element once.

    A root reaching a single element leaves that finding as it is (``<threat>@<element>``), so a
    threat without ``group_by``, or a fact that causes it once, is unchanged. A draft with no root
    keeps its own element as its anchor: it joins the group only when its element *is* that root,
    so no two findings ever share an id. The result depends on ids only, never on order.
    Unexplained drafts (``explain=False``) keep their empty scenario.
    """
    anchors: dict[tuple[str, str], list[_Draft]] = {}
    for draft in sorted(drafts, key=lambda d: (d.key, d.element)):
        anchors.setdefault((draft.key, draft.root or draft.element), []).append(draft)
    out: list[Finding] = []
    for (key, anchor), members in anchors.items():
        if members[0].threat.group_by is GroupBy.PRODUCER and (anchor in g.components or anchor in g.flows):
            out.append(_placed(g, key, anchor, members, explain=explain))
            continue
        if len(members) == 1:
            out.append(members[0].finding)
            continue
        # the finding carries the score of its worst member (highest residual, then risk; ties: smallest id)
        primary = max(members, key=lambda d: (d.finding.residual_risk, d.finding.risk))
        affected = tuple(d.element for d in members)
        threat = primary.threat
        mixed = _mixed_wording(members)
        template = primary.scenario if mixed is None else mixed[1]
        scenario = primary.finding.scenario if mixed is None else ""
        if explain:
            names = [_label(g, e) for e in affected]
            values = {**primary.values, "target": name_list(names)}
            # the scenario names one path of several: say so, so a sentence about the group reads right
            if values.get("path"):
                values["path"] = f"{values['path']} (one of {len(members)} paths)"
            scenario = fill(template, values)
        assumes = sorted({a for d in members for a in d.finding.assumes}, key=lambda a: (a.element, a.attribute))
        aliases = {finding_id(key, e) for e in affected} | {a for d in members for a in d.finding.aliases}
        update: dict[str, object] = {
            "id": finding_id(key, anchor),
            "scenario": scenario,
            "assumes": tuple(assumes),
            "root": anchor,
            "root_cause": _root_cause(g, threat, anchor, affected),
            "affected": affected,
            "aliases": tuple(sorted(aliases)),
        }
        if mixed is not None:
            update |= {"title": mixed[0], "refs": mixed[2]}
        out.append(_copied(primary.finding, update))
    return out


# -- where a finding sits: affected elements (issue 9, branch placement2) --
def related(g: ModelGraph, element: str, relation: str) -> tuple[str, ...]:
    """The components related to ``element`` through one of a threat's ``affects`` relations
    (decision 1850), sorted: a flow's receiver or sender; the models a component exchanges data
    with directly or through one serving layer (and those it declares); the components that send
    it the artefacts it loads (``loads_from``); those it sends to (``readers``); the agents it
    reaches within three flows (``agents_reached``); the system's agents that act or may act on
    their own (``autonomous_agents``, from any element); or a ``linked`` relation. Empty where the relation does not
    apply (a flow has no ``serves``)."""
    if relation == "autonomous_agents":
        # the agents that act, or may act, on their own: what a system-wide gap leaves unwatched
        return tuple(
            cid
            for cid in g.by_kind.get("agent", ())
            if getattr(g.components[cid], "autonomy", None) in (None, Autonomy.AUTONOMOUS)
        )
    flow = g.flows.get(element)
    if flow is not None:
        end = flow.target if relation == "receiver" else flow.source if relation == "sender" else None
        return (end,) if end is not None and end in g.components else ()
    if element not in g.components or relation in ("receiver", "sender"):
        return ()
    if relation == "loads_from":
        # where the artefacts it loads come from: the store or registry where they can be replaced
        return tuple(sorted({peer for _, peer, _ in g.artifacts(element, "in") if peer in g.components}))
    if relation == "readers":
        return tuple(n for n in g.successors(element) if n in g.components)
    if relation == "agents_reached":
        return _agents_reached(g, element)
    if relation == "scored_by":
        return _scored_by(g, element)
    if relation == "acting_tools":
        # the tools through which an agent acts: where an approval gate goes (decision 1902)
        return tuple(t for t in g.linked(element, "tools") if _acts(g.components[t]))
    if relation == "delegated_tools":
        # the tools holding a person's delegated grant: where the grant is narrowed (decision 1911)
        return tuple(
            t
            for t in g.linked(element, "tools")
            if getattr(g.components[t], "credentials", None) is Credentials.USER_DELEGATED
        )
    if relation == "front_ends":
        return _front_ends(g, element)
    if relation == "training_sources":
        return _training_sources(g, element)
    if relation == "searched_stores":
        # the indexes a retriever reads: where the documents' access lists must travel with the
        # chunks for a filter to apply them (decision 1904)
        if g.kind(element) != "retriever":
            return ()  # an index queried directly carries the finding itself
        return _searched_stores(g, element)
    if relation == "model":
        # the models whose output the element takes or to which it hands work: joined by a flow
        # either way, declared (an agent's model, a server's served models), or one serving layer away
        near = {n for n in (*g.successors(element), *g.predecessors(element)) if n in g.components}
        models = {n for n in near if g.kind(n) in MODEL_KINDS} | set(g.linked(element, "model"))
        models |= set(g.linked(element, "serves"))
        for n in near:
            if g.kind(n) == "model-serving":
                models |= set(g.linked(n, "serves"))
        return tuple(sorted(models))
    return g.linked(element, relation)


ACTING_EFFECTS: frozenset[SideEffect] = frozenset(set(SideEffect) - {SideEffect.READ_ONLY})
"""Side effects by which a tool acts on the world, not only reads it (``acting_tools``)."""
_HOLDS_IDENTITY: frozenset[Credentials] = frozenset(set(Credentials) - {Credentials.NONE})
"""Stated credentials that give a tool an identity to act under (anything but ``none``)."""
REQUEST_RELAY_KINDS = frozenset(
    {"application", "api-gateway", "input-guardrail", "output-guardrail", "agent", "model-serving", "retriever"}
)
"""The components a request passes on its way to a model (``front_ends`` walks back through these
only: a record written to a store is no request, review 16)."""
_REQUESTERS = REQUEST_RELAY_KINDS | {"external-service"}
"""Besides people, who sends an application the requests it passes on (``front_ends``)."""
FRONT_END_HOPS = 4
"""How many flows upstream of an element ``front_ends`` looks for them."""
SEARCHED_KINDS = frozenset({"vector-store", "datastore", "data-source", "feature-store"})
"""The stores and sources a retriever may search (``searched_stores``; named for retrievers only)."""


def _acts(tool: object) -> bool:
    """Whether a tool acts on the world as excessive-agency counts it: a stated effect beyond
    reading, except a fetch tool whose only such effect is sending requests (it reads outsiders'
    content and holds no stated identity: lethal-trifecta-exfiltration's leg, not an action)."""
    effects = set(getattr(tool, "side_effects", None) or ()) & ACTING_EFFECTS
    if effects == {SideEffect.SEND_EXTERNAL} and getattr(tool, "untrusted_content", None) is True:
        return getattr(tool, "credentials", None) in _HOLDS_IDENTITY
    return bool(effects)


def _front_ends(g: ModelGraph, element: str) -> tuple[str, ...]:
    """Where a per-caller budget or rate limit on what ``element`` spends can go (decisions 1903,
    1904), sorted: walking back along the components requests pass (:data:`REQUEST_RELAY_KINDS`)
    within :data:`FRONT_END_HOPS` flows, the API gateways met, the applications a person sends
    to directly or through a platform they send to (a messaging app), and the applications that
    pass ``element`` what they receive. The back end that calls a provider's model holds the key
    it is billed to, and is where a per-caller budget is kept (a token server minting sessions, a
    code-review worker; held-out 25, 29 and 31). Not an application that only the model's replies
    or a store reach (a console, a nightly batch): no one else's request passes it (review 31)."""

    def relays(node: str) -> Iterable[str]:
        return (p for p in g.predecessors(node) if p in g.components and g.kind(p) in REQUEST_RELAY_KINDS)

    def people_send(node: str) -> bool:
        return any(g.kind(p) == "human-user" for p in g.predecessors(node))

    def requested(node: str) -> bool:
        """A person, a platform or a relay sends ``node`` something: not a store, nor ``element``
        replying."""
        return people_send(node) or any(
            p != element and p in g.components and g.kind(p) in _REQUESTERS for p in g.predecessors(node)
        )

    calls = {p for p in relays(element) if requested(p)}

    def front(node: str) -> bool:
        kind = g.kind(node)
        return kind == "api-gateway" or (
            kind == "application"
            and (
                node in calls
                or people_send(node)
                # people's messages relayed by a platform they send to (a messaging app, held-out 40)
                or any(g.kind(p) == "external-service" and people_send(p) for p in g.predecessors(node))
            )
        )

    met = search([element], relays, FRONT_END_HOPS).hops
    return tuple(sorted(n for n in met if n != element and front(n)))


def _senders_of(g: ModelGraph, element: str, kinds: frozenset[str], wanted: Collection[str]) -> tuple[str, ...]:
    """The components of ``kinds`` that send ``element`` at least one asset of ``wanted`` on a
    flow, sorted."""
    return tuple(
        sorted(
            p
            for p in g.predecessors(element)
            if g.kind(p) in kinds and any(d in wanted for f in g.flows_between(p, element) for d in g.flows[f].data)
        )
    )


def _searched_stores(g: ModelGraph, retriever: str) -> tuple[str, ...]:
    """The stores and sources a retriever searches, sorted: those sending it data that it passes
    on, itself or made from it (the chunks it retrieves), not those whose data it only consults (a
    directory of group memberships, a query log; review 16)."""
    sent = {d for n in g.successors(retriever) for f in g.flows_between(retriever, n) for d in g.flows[f].data}
    passed_on = sent | {s for d in sent if d in g.data for s in g.data[d].derived_from or ()}
    return _senders_of(g, retriever, SEARCHED_KINDS, passed_on)


TRAINING_SOURCE_KINDS = frozenset(
    {"dataset", "datastore", "data-source", "feature-store", "vector-store", "agent-memory", "cache"}
)
"""The components whose records a job can learn from (``training_sources``)."""


def _training_sources(g: ModelGraph, job: str) -> tuple[str, ...]:
    """The stores and sources that send a training or fine-tuning job records it learns from
    (:meth:`ModelGraph.learns_from`: not the weights, libraries or images it loads nor the keys it
    signs in with), sorted: where poisoned records enter (decision 1904). Empty for other kinds."""
    return _senders_of(g, job, TRAINING_SOURCE_KINDS, g.learns_from(job))


AGENTS_REACHED_HOPS = 3
"""How far along flows ``agents_reached`` looks for the agents something it supplies ends up in."""


def _agents_reached(g: ModelGraph, element: str) -> tuple[str, ...]:
    """The agents reached from ``element`` along flows within :data:`AGENTS_REACHED_HOPS` (bounded
    breadth-first walk, each node once), sorted."""
    seen, frontier = {element}, [element]
    for _ in range(AGENTS_REACHED_HOPS):
        frontier = [n for p in frontier for n in g.successors(p) if n not in seen and n in g.components]
        seen.update(frontier)
    return tuple(sorted(n for n in seen - {element} if g.kind(n) == "agent"))


SCORED_BY_HOPS = 2
"""How far back along flows ``scored_by`` looks for the models whose labels or scores reach an
element (the reach of the score-reliance rule: a store or a queue may sit in between)."""


def _scored_by(g: ModelGraph, element: str) -> tuple[str, ...]:
    """The classifiers, scorers and embedding models whose output reaches ``element`` within
    :data:`SCORED_BY_HOPS` flows (bounded backward walk), sorted: the models a decision there
    rests on, even when a store sits between them and the screen that shows the score."""
    if g.kind(element) in MODEL_KINDS:
        return ()  # a finding on the model itself: the models that feed it are not what is relied on
    seen, frontier = {element}, [element]
    for _ in range(SCORED_BY_HOPS):
        frontier = [n for p in frontier for n in g.predecessors(p) if n not in seen and n in g.components]
        seen.update(frontier)
    return tuple(sorted(n for n in seen - {element} if _scores(g, n)))


def _scores(g: ModelGraph, node: str) -> bool:
    """A classifier or scorer (an ml-model not stated to generate text or media) or an embedding model."""
    kind = g.kind(node)
    if kind == "embedding-model":
        return True
    output = getattr(g.components[node], "output", None)
    return kind == "ml-model" and str(output) not in ("text", "media")


def with_also_affects(g: ModelGraph, threat: Threat, f: Finding) -> Finding:
    """``f`` naming, in ``also_affects``, the elements its threat's ``affects`` relations reach from
    each element it applies to (decision 1850); the id, score and triage key stay as they are."""
    if not threat.affects:
        return f
    own = set(f.elements)
    also = {r for e in f.elements for relation in threat.affects for r in related(g, e, relation)} - own
    return _copied(f, {"also_affects": tuple(sorted(also))}) if also else f


def _relying(g: ModelGraph, anchor: str, draft: _Draft) -> list[str]:
    """Who relies on ``anchor``'s output in one draft: its element (always, for a threat placed
    with ``place_on``), or, for a draft on the producer itself, the people along its path (else the
    people it sends to)."""
    if draft.element != anchor or draft.threat.place_on is not None:
        return [draft.element]
    people = [p for p in draft.path if p in g.components and g.kind(p) == "human-user"]
    return people or [p for p in g.successors(anchor) if p in g.components and g.kind(p) == "human-user"]


def _placed_cause(g: ModelGraph, threat: Threat, anchor: str, names: Sequence[str], affected: Sequence[str]) -> str:
    """Why a placed finding sits on ``anchor``, in words."""
    if not names:
        return _root_cause(g, threat, anchor, affected)
    if threat.place_on is not None:
        return f"filed on {g.name(anchor)}, where the control goes; found on {name_list(names, shown=4)}"
    return f"people rely on the output of {g.name(anchor)}: {name_list(names, shown=4)}"


def _placed(g: ModelGraph, key: str, anchor: str, members: Sequence[_Draft], *, explain: bool = True) -> Finding:
    """The finding of a ``group_by: producer`` threat, placed on the producer ``anchor`` (decision
    1510): it names who relies on the output (``{relying}``) and lists the producer and each of
    them in ``affected``; the per-element ids of the drafts it replaces become aliases. Unexplained
    (``explain=False``), its scenario stays empty."""
    primary = next(
        (d for d in members if d.element == anchor),
        max(members, key=lambda d: (d.finding.residual_risk, d.finding.risk)),
    )
    relying = sorted({e for d in members for e in _relying(g, anchor, d)})
    names = [_label(g, e) for e in relying]
    values = {**primary.values, "target": g.name(anchor), "relying": name_list(names, shown=4) or "its users"}
    if values.get("path") and len(members) > 1:
        values["path"] = f"{values['path']} (one of {len(members)} paths)"
    affected = tuple(sorted({anchor, *(d.element for d in members)}))
    moved = anchor != primary.finding.target or len(affected) > 1
    assumes = sorted({a for d in members for a in d.finding.assumes}, key=lambda a: (a.element, a.attribute))
    aliases = {finding_id(key, d.element) for d in members if d.element != anchor}
    aliases |= {a for d in members for a in d.finding.aliases}
    mixed = _mixed_wording(members)
    update: dict[str, object] = {
        "id": finding_id(key, anchor),
        "scenario": fill(primary.scenario if mixed is None else mixed[1], values) if explain else "",
        "assumes": tuple(assumes),
        "aliases": tuple(sorted(aliases)),
    }
    if mixed is not None:
        update |= {"title": mixed[0], "refs": mixed[2]}
    if moved:
        update |= {
            "target": anchor,
            "target_name": g.name(anchor),
            "target_type": TargetType.COMPONENT if anchor in g.components else primary.finding.target_type,
            "root": anchor,
            "root_cause": _placed_cause(g, primary.threat, anchor, names, affected),
            "affected": affected,
        }
    return _copied(primary.finding, update)


def _alias_entry(model: SystemModel, f: Finding, existing: set[str]) -> tuple[TriageEntry | None, str | None]:
    """The triage decision recorded under ``f``'s earlier ids, when it covers the whole finding.

    Every element the finding applies to must carry a decision under one of its aliases (its own
    per-element id first, then ids of threats it was split from that no longer exist as findings),
    and those decisions must be the same: a decision on one element of a group never silently
    covers the others ("unknown is never secure").
    """
    chosen: list[tuple[str, TriageEntry]] = []
    for element in f.elements:
        candidates = sorted(
            (a for a in f.aliases if split_finding_id(a)[1] == element and a not in existing),
            key=lambda a: (split_finding_id(a)[0] != f.threat, a),
        )
        if not candidates and f.affected and finding_id(f.threat, element) == f.id:
            continue  # a finding placed on its producer: the producer's own id is no earlier id
        hit = next(((a, model.triage[a]) for a in candidates if a in model.triage), None)
        if hit is None:
            return None, None
        chosen.append(hit)
    if not chosen or any(entry != chosen[0][1] for _, entry in chosen):
        return None, None
    return chosen[0][1], chosen[0][0]


def _settle(model: SystemModel, f: Finding, as_of: dt.date, existing: set[str]) -> Finding:
    """Apply the triage decision recorded for ``f`` (under its id, else under its aliases)."""
    triage, key = model.triage.get(f.id), f.id
    if triage is None:
        if model.triage.keys().isdisjoint(f.aliases):
            return f  # no decision under its id or any earlier one
        triage, alias = _alias_entry(model, f, existing)
        key = alias or f.id
    if triage is None:
        return f
    expired = triage.review_by is not None and triage.review_by < as_of
    grew = (
        triage.risk
        if triage.risk is not None
        and triage.status in (TriageStatus.ACCEPTED, TriageStatus.TRANSFERRED)
        and f.residual_risk > triage.risk
        else None
    )
    return _copied(
        f,
        {
            "triage": triage,
            "triage_expired": expired,
            "risk_grew_from": grew,
            "status": triage.status if not expired and grew is None else f.status,
            "triage_key": key if key != f.id else None,
        },
    )


@dataclass(slots=True)
class PartialRun:
    """What an incremental re-evaluation (engine/incremental.py, decision 1864) asks of
    :func:`_evaluate`: the threats it evaluates anew (``only``) and the drafts of an earlier
    evaluation it keeps for the rest (``reused``); and
    what the evaluation reports back: every draft, the unknowns it read and the work it did."""

    only: frozenset[str] | None = None
    """The threats evaluated (all when ``None``); the others are tried on no element."""
    reused: Sequence[_Draft] = ()
    readings: tuple[frozenset[str], bool] | None = None
    """The unknowns to read rules by (see :func:`unknown_in`), when the model evaluated is a part
    of a larger one: those of the whole model."""
    drafts: tuple[_Draft, ...] = ()
    unknown: frozenset[str] = frozenset()
    assumed: bool = False
    checks: int = 0
    searches: int = 0

    def record(self, drafts: list[_Draft], unknown: frozenset[str], assumed: bool, *matchers: Matcher) -> list[_Draft]:
        """Keep every draft (the reused ones first) and what the evaluation read; return the drafts."""
        every = [*self.reused, *drafts] if self.reused else drafts
        self.drafts = tuple(every)
        self.unknown, self.assumed = unknown, assumed
        self.checks = max(m.checks for m in matchers)
        self.searches = max(m.searches for m in matchers)
        return every


def _candidates(g: ModelGraph, key: str, threat: Threat, partial: PartialRun | None) -> list[str]:
    """The elements ``threat`` is tried on in this run: :func:`candidate_elements`, or none for a
    threat an incremental run does not evaluate anew."""
    if partial is not None and partial.only is not None and key not in partial.only:
        return []
    return candidate_elements(g, threat)


def evaluate(
    model: SystemModel,
    catalogs: Sequence[Catalog] | CatalogSet,
    *,
    as_of: dt.date,
    graph: ModelGraph | None = None,
    reference: bool = False,
    explain: bool = True,
) -> Assessment:
    """Find, explain and score every threat of ``catalogs`` that applies to ``model``.

    ``as_of`` is the day triage review-by dates are judged against; it is an argument
    so the engine never reads the clock. ``graph`` is ``build_graph(model)`` when the caller
    already has it (:func:`threatmodel.engine.analysis.analyse` keeps it for the exporters).
    ``reference`` evaluates every rule element by element instead of set-wise (the straightforward
    evaluation the set-wise one must always equal; for tests and debugging, much slower).
    ``explain=False`` leaves the findings unexplained (see :attr:`Assessment.explained`): the same
    findings, ids, scores, statuses, triage, proposals and diagnostics, without the text that says
    why; for callers that print none of it (``check``, ``diff``), decision 0950.
    """
    with collector_paused():
        return _evaluate(model, catalogs, as_of=as_of, graph=graph, reference=reference, explain=explain)[0]


def evaluate_untriaged(
    model: SystemModel,
    catalogs: Sequence[Catalog] | CatalogSet,
    *,
    as_of: dt.date,
    graph: ModelGraph | None = None,
    explain: bool = True,
    partial: PartialRun | None = None,
    forget_tables: bool = False,
) -> tuple[Assessment, tuple[Finding, ...]]:
    """:func:`evaluate`, and the findings as they were before triage was applied, which
    :func:`retriage` needs to apply another set of triage decisions without matching again.
    ``partial``: keep the drafts, or evaluate only some candidates and reuse the rest (decision 1864).
    ``forget_tables``: once every finding is drafted, drop what matching built (the matchers'
    answers and ``graph``'s tables, :meth:`ModelGraph.forget_tables`) before the findings are
    grouped and settled, for a caller that evaluates once (decision 1866)."""
    with collector_paused():
        return _evaluate(
            model,
            catalogs,
            as_of=as_of,
            graph=graph,
            reference=False,
            explain=explain,
            partial=partial,
            forget_tables=forget_tables,  # ignored with ``partial``, whose run keeps them
        )


def retriage(
    model: SystemModel,
    untriaged: Sequence[Finding],
    catalogs: CatalogSet,
    *,
    graph: ModelGraph,
    as_of: dt.date,
    explain: bool = True,
) -> Assessment:
    """The assessment of ``model`` whose findings before triage are ``untriaged`` (from
    :func:`evaluate_untriaged` of a model that differs from ``model`` in its triage only).

    Triage decides no rule: recording, changing or removing a decision changes a finding's status,
    the diagnostics and the proposals, never which rules hold or their scores (decision 1887). So
    the findings are settled again against ``model.triage``, and nothing is matched."""
    with collector_paused():
        return _assessment(model, graph, catalogs, untriaged, as_of=as_of, explain=explain)


def _assessment(
    model: SystemModel,
    g: ModelGraph,
    cset: CatalogSet,
    grouped: Sequence[Finding],
    *,
    as_of: dt.date,
    explain: bool,
) -> Assessment:
    """The findings ``grouped`` settled against ``model``'s triage, with diagnostics and proposals."""
    existing = {f.id for f in grouped}
    findings = [_settle(model, f, as_of, existing) for f in grouped]
    findings.sort(key=lambda f: f.id)
    diagnostics = [*model_diagnostics(model, g), *_triage_diagnostics(model, findings, as_of)]
    ignored = set(model.settings.ignore_diagnostics)
    diagnostics = sorted(
        (d for d in diagnostics if d.code not in ignored), key=lambda d: (d.code, d.element or "", d.message)
    )
    return Assessment(
        model=model,
        findings=tuple(findings),
        proposals=propose_controls(findings, cset),
        diagnostics=tuple(diagnostics),
        catalogs=tuple(
            CatalogInfo(id=c.id, title=c.title, version=c.version, published=c.published, source=c.source)
            for c in sorted(cset.catalogs, key=lambda c: c.id)
        ),
        as_of=as_of,
        explained=explain,
    )


def _evaluate(
    model: SystemModel,
    catalogs: Sequence[Catalog] | CatalogSet,
    *,
    as_of: dt.date,
    graph: ModelGraph | None,
    reference: bool,
    explain: bool = True,
    partial: PartialRun | None = None,
    forget_tables: bool = False,
) -> tuple[Assessment, tuple[Finding, ...]]:
    cset = catalogs if isinstance(catalogs, CatalogSet) else CatalogSet(tuple(catalogs))
    g = graph if graph is not None and graph.model is model else build_graph(model)
    setwise = not reference
    matchers = Matchers(Matcher(g, setwise=setwise), Matcher(g, optimistic=True, setwise=setwise))
    disabled = set(model.settings.disabled_threats)
    # Both readings of every rule, made once and kept for the whole evaluation (the matchers'
    # caches are keyed by condition identity, so the conditions must outlive them).
    if partial is not None and partial.readings is not None:
        unknown, assumed = partial.readings  # a part of a model, read as the whole model reads (decision 1864)
    else:
        unknown = unknown_in([*g.components.values(), *g.flows.values(), *g.data.values()])
        assumed = bool(g.assumed_sources)
    compiled = [
        (
            key,
            threat,
            Readings.of(threat.when, unknown=unknown, assumed_sources=assumed),
            [
                (f, Readings.of(f.when, favour=_raises(f), unknown=unknown, assumed_sources=assumed))
                for f in threat.factors
            ],
        )
        for key, threat in cset.all_threats()
        if key not in disabled
    ]
    # Variants choose wording on stated facts only (unknowns read against them), compiled once.
    wording = {
        key: [
            (
                v,
                None
                if v.when is None
                else Readings.of(v.when, favour=False, unknown=unknown, assumed_sources=assumed).keep,
            )
            for v in threat.variants
        ]
        for key, threat, _, _ in compiled
        if threat.variants
    }
    # First decide where each rule holds (cheap, set-wise), then build the findings, so a catalog
    # asking for an unbounded number of them is refused before the expensive part.
    matched = [
        (key, threat, when, factors, elements)
        for key, threat, when, factors in compiled
        if (elements := matchers.keep.holding(when.keep, _candidates(g, key, threat, partial)))
    ]
    total = sum(len(elements) for *_, elements in matched) + (len(partial.reused) if partial is not None else 0)
    if total > MAX_FINDINGS:
        matchers.keep.over_budget(f"{total:,} findings (at most {MAX_FINDINGS:,})")
    drafts: list[_Draft] = []
    for key, threat, when, factors, elements in matched:
        placed = _placements(g, matchers, threat, elements, unknown, assumed)
        # every question asked of a finding is asked of all the threat's findings at once
        certain = set(matchers.doubt.holding(when.doubt, elements)) if when.doubt is not None else set()
        variants = [
            (v, None if cond is None else set(matchers.doubt.holding(cond, elements)))
            for v, cond in wording.get(key, ())
        ]
        scored = [
            (
                factor,
                readings,
                set(matchers.keep.holding(readings.keep, elements)),
                None if readings.doubt is None else set(matchers.doubt.holding(readings.doubt, elements)),
            )
            for factor, readings in factors
        ]
        parts = _ThreatParts(key, threat)
        # unexplained, a finding is still explained where its id needs the facts (the source it groups by)
        explained = explain or threat.group_by in ROOT_FROM_EXPLANATION
        for element in elements:
            if not explained:
                explanation = UNEXPLAINED
            elif when.doubt is not None and element in certain:
                explanation = matchers.doubt.explain(when.doubt, element)  # holds whatever the unknowns are
            else:
                explanation = matchers.keep.explain(when.keep, element)
            variant = None
            for v, hits in variants:
                if hits is None or element in hits:
                    variant = v
                    break
            finding, values = _finding(model, g, matchers, cset, parts, scored, element, explanation, variant, explain)
            root = placed[element] if placed is not None else _root(g, threat, element, explanation)
            drafts.append(_Draft(key, threat, element, root, finding, values, variant, explanation.path))

    if partial is not None:  # decision 1864: the drafts kept, and what an incremental run must match
        drafts = partial.record(drafts, unknown, assumed, matchers.keep, matchers.doubt)
    elif forget_tables:  # nothing below matches: the tables matching built go before grouping (decision 1866)
        del matchers
        g.forget_tables()
    threats = {d.key: d.threat for d in drafts}
    grouped = tuple(with_also_affects(g, threats[f.threat], f) for f in group_findings(g, drafts, explain=explain))
    return _assessment(model, g, cset, grouped, as_of=as_of, explain=explain), grouped


UNEXPLAINED = Explanation(())
"""What an unexplained finding is built from (``evaluate(..., explain=False)``): no facts at all."""


def _finding(
    model: SystemModel,
    g: ModelGraph,
    matchers: Matchers,
    cset: CatalogSet,
    parts: _ThreatParts,
    factor_readings: Sequence[tuple[Factor, Readings, set[str], set[str] | None]],
    element: str,
    explanation: Explanation,
    variant: Variant | None,
    explain: bool = True,
) -> tuple[Finding, dict[str, str]]:
    """The finding ``parts.threat`` raises on ``element``, before grouping and triage (its status is
    what its controls make it), and the values its scenario was filled from. ``factor_readings``
    carries, for each score factor, the elements where it holds under each reading (``None``: the
    readings cannot differ). What all the threat's findings share (base score steps, title,
    references, the parsed scenario) comes from ``parts``, made once per threat. Unexplained
    (``explain=False``), the finding has no facts, path, scenario or assumptions, and its score steps
    no notes on unknowns."""
    threat = parts.threat
    generic, generic_assumed = _generic_factors(g, element, threat)
    assumed = [*explanation.assumed, *generic_assumed] if explain else []
    factors = [*parts.base, *generic]
    for factor, when, kept, doubted in factor_readings:
        # an unknown fact is read the way that scores higher: a factor that raises risk holds, one that lowers it does not
        if element not in kept:
            continue
        reason = factor.reason
        if explain and doubted is not None and element not in doubted:
            unknowns = matchers.keep.explain(when.keep, element).assumed
            assumed += unknowns
            if unknowns:
                reason += f" ({', '.join(sorted({a for _, a in unknowns}))} unknown: read so)"
        if factor.likelihood:
            factors.append(_step(g, "likelihood", factor.likelihood, reason))
        if factor.impact:
            factors.append(_step(g, "impact", factor.impact, reason))
    likelihood = 0
    impact = 0
    for step in factors:
        if step.axis == "likelihood":
            likelihood += step.delta
        else:
            impact += step.delta
    likelihood = _clamp(likelihood)
    impact = _clamp(impact)
    risk = likelihood * impact
    implemented = _implemented(g, element, threat)
    residual_likelihood = _clamp(likelihood - len(implemented)) if implemented else likelihood
    residual_risk = residual_likelihood * impact
    severity = _SEVERITY_OF[risk]
    residual_severity = _SEVERITY_OF[residual_risk]
    status = Status.MITIGATED if implemented and residual_severity <= Severity.LOW else Status.OPEN

    target_type = threat.target
    target_name = g.name(element) if target_type is not TargetType.SYSTEM else model.system.name
    wording = parts.wording(g, cset, variant)
    if explain:
        values = _scenario_values(model, g, threat, element, explanation, target_name, wording.scenario.names)
        scenario = wording.scenario.fill(values)
        why, path = explanation.facts, explanation.path
        paths = explanation.paths if len(explanation.paths) > 1 else ()
        assumes = tuple(_assumption(g, el, attr) for el, attr in sorted(set(assumed))) if assumed else ()
    else:
        values = {"target": target_name}
        scenario, why, path, paths, assumes = "", (), (), (), ()
    # a record of the finding's fields, every value of its field's type (the engine made it), so it
    # is not validated again; tests/engine/test_finding_records.py checks each finding equals its
    # validated copy, type for type, with its fields in their declared order
    finding = _record(
        {
            "id": finding_id(parts.key, element),
            "threat": parts.key,
            "title": wording.title,
            "summary": threat.summary,
            "target": element,
            "target_type": target_type,
            "target_name": target_name,
            "why": why,
            "path": path,
            "paths": paths,
            "scenario": scenario,
            "likelihood": likelihood,
            "impact": impact,
            "risk": risk,
            "severity": severity,
            "factors": tuple(factors),
            "residual_likelihood": residual_likelihood,
            "residual_risk": residual_risk,
            "residual_severity": residual_severity,
            "lifecycle": threat.lifecycle,
            "stride": threat.stride,
            "refs": wording.refs,
            "controls": threat.controls,
            "implemented_controls": implemented,
            "status": status,
            "triage": None,
            "triage_expired": False,
            "risk_grew_from": None,
            "assumes": assumes,
            "root": None,
            "root_cause": "",
            "affected": (),
            "aliases": tuple([finding_id(former, element) for former in parts.former]) if parts.former else (),
            "triage_key": None,
            "also_affects": (),
        }
    )
    return finding, values


_STATED = {
    *(name for name, field in Finding.model_fields.items() if field.is_required()),
    "path",
    "paths",
    "implemented_controls",
    "assumes",
    "aliases",
}
"""The fields a new finding states (``model_fields_set``), shared by every finding :func:`_record`
builds: findings are frozen, so pydantic never adds to the set, and ``model_copy`` copies it before
adding the fields it updates (as a loaded model's items share theirs, ``model.base.share_field_sets``)."""


_COPIED_SETS: dict[tuple[int, frozenset[str]], set[str]] = {}
"""Field sets of copied findings, by (identity of the set copied, the fields updated): one per
shape of copy, shared like :data:`_STATED` (each is kept here, so its identity is never reused)."""
_OUR_SETS: set[int] = {id(_STATED)}
"""Identities of :data:`_STATED` and of every set in :data:`_COPIED_SETS`."""
MAX_COPIED_SETS = 256
"""Bound of :data:`_COPIED_SETS`: the engine updates a handful of field combinations; past the
bound a copy makes its own set, as ``model_copy`` does."""


def _copied(f: Finding, update: dict[str, object]) -> Finding:
    """``f.model_copy(update=update)`` (the same fields, in the same order, and the same field
    set), its field set shared with every other copy of that shape instead of a copy of its own:
    about 2 KB a finding (30 names), 40 MB at 50,000 components. Findings are frozen, so pydantic
    never adds to the set, and ``model_copy`` copies it before changing it."""
    own = f.__pydantic_fields_set__
    if id(own) not in _OUR_SETS:
        return f.model_copy(update=update)
    key = (id(own), frozenset(update))
    stated = _COPIED_SETS.get(key)
    if stated is None:
        if len(_COPIED_SETS) >= MAX_COPIED_SETS:
            return f.model_copy(update=update)
        stated = _COPIED_SETS[key] = own | key[1]
        _OUR_SETS.add(id(stated))
    fields = dict(f.__dict__)
    fields.update(update)
    return _record(fields, stated)


_SEVERITY_OF = tuple(severity_of(risk) for risk in range(26))
""":func:`severity_of` of every risk a finding can have (likelihood and impact are each 1-5)."""


def _record(fields: dict[str, object], stated: set[str] | None = None) -> Finding:
    """A finding from the values of all its fields, in their declared order, without validation.

    What ``Finding.model_construct`` makes, without its per-field search for aliases and defaults
    (a third of building a finding): the engine states every field, each of its field's type.
    ``stated``: the fields counted as set (a copy's own set, :func:`_copied`); default all."""
    finding = Finding.__new__(Finding)
    object.__setattr__(finding, "__dict__", fields)
    object.__setattr__(finding, "__pydantic_fields_set__", _STATED if stated is None else stated)
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


def _refs(g: ModelGraph, cset: CatalogSet, threat: Threat, variant: Variant | None) -> tuple[str, ...]:
    """Every catalog entry a finding of ``threat`` (worded as ``variant``) realises, sorted: the
    same for all the threat's findings of one wording, so made once per (threat, variant)."""

    refs = threat.refs if variant is None or variant.refs is None else variant.refs
    stride = threat.stride if "stride" in cset.by_id else ()

    def make() -> tuple[str, ...]:
        return tuple(sorted(set(refs) | {f"stride:{s.value}" for s in stride}))

    # keyed by what the list is made of (a graph can outlive one catalog set: the TUI re-evaluates)
    return g.memo(("finding-refs", refs, stride), make)


def _step(g: ModelGraph, axis: Literal["likelihood", "impact"], delta: int, reason: str) -> ScoreFactor:
    """A score step of a threat's factor: one object per distinct step, shared by every finding
    that takes it (immutable; thousands of findings take the same few steps)."""
    return g.memo(("score-step", axis, delta, reason), lambda: ScoreFactor(axis=axis, delta=delta, reason=reason))


def _scenario_values(
    model: SystemModel,
    g: ModelGraph,
    threat: Threat,
    element: str,
    explanation: Explanation,
    target_name: str,
    names: frozenset[str],
) -> dict[str, str]:
    """The values a finding's scenario template is filled from: those of the placeholders ``names``
    it uses (the template is the only reader of them, also when its finding is grouped or placed;
    ``target`` is always there)."""
    values = {"target": target_name}
    if "kind" in names:
        values["kind"] = g.kind(element) if element in g.components else str(threat.target)
    if "source" in names:
        values["source"] = g.name(explanation.source) if explanation.source else "an outside party"
    if "path" in names:
        values["path"] = " → ".join(g.name(p) for p in explanation.path) if explanation.path else g.name(element)
    if "data" in names:
        system = threat.target is TargetType.SYSTEM
        values["data"] = _sensitive_data(g, element, threat, explanation.data) if not system else "its data"
    if "system" in names:
        values["system"] = model.system.name
    return values


def _assumption(g: ModelGraph, element: str, attribute: str) -> Assumption:
    """The unknown fact ``attribute`` of ``element`` with its question: one object per fact, shared
    by every finding that rests on it (immutable)."""
    return g.memo(
        ("assumption", element, attribute),
        lambda: Assumption(
            element=element, attribute=attribute, question=question(attribute, g.name(element), flow=element in g.flows)
        ),
    )


def _triage_diagnostics(model: SystemModel, findings: Sequence[Finding], as_of: dt.date) -> list[Diagnostic]:
    ids = {f.id for f in findings}
    out: list[Diagnostic] = [
        Diagnostic(
            code="TM203",
            message=(
                f"'{f.id}' was {f.triage.status.value} at residual risk {f.risk_grew_from}; it is "
                f"{f.residual_risk} now, so the finding is open again until the decision is renewed"
            ),
            element=f.target,
        )
        for f in findings
        if f.risk_grew_from is not None and f.triage is not None
    ]
    alias_of = {a: f for f in findings for a in f.aliases if a not in ids}
    for fid, entry in sorted(model.triage.items()):
        _, element = split_finding_id(fid)
        if fid not in ids and fid in alias_of:
            owner = alias_of[fid]
            if owner.triage_key is not None:
                state = (
                    f"it applies because every element of '{owner.id}' has the same decision; re-key one copy "
                    f"(`threatmodel migrate MODEL --rename {fid}={owner.id}`) and remove the others"
                )
            elif owner.triage is not None:
                state = f"'{owner.id}' has its own decision, which supersedes it; remove it"
            else:
                missing = [
                    e
                    for e in owner.elements
                    if f"{owner.threat}@{e}" not in model.triage and f"{owner.threat}@{e}" != owner.id
                ]
                state = (
                    f"it does not cover {', '.join(missing)}, so '{owner.id}' stays open until a decision on it covers every element"
                    if missing
                    else f"the decisions on the elements of '{owner.id}' differ, so it stays open until one decision on it covers them all"
                )
            why = "one finding per root cause" if owner.affected else "the threat was split"
            out.append(
                Diagnostic(
                    code="TM204",
                    message=f"triage entry '{fid}' now belongs to finding '{owner.id}' ({why}): {state}",
                    element=element,
                    triage=fid,
                )
            )
        elif fid not in ids:
            out.append(
                Diagnostic(
                    code="TM201",
                    message=f"triage entry '{fid}' matches no finding (renamed element or changed catalog? see `threatmodel migrate`)",
                    element=element,
                    triage=fid,
                )
            )
        elif entry.review_by is not None and entry.review_by < as_of:
            out.append(
                Diagnostic(
                    code="TM202",
                    message=f"triage of '{fid}' lapsed on {entry.review_by.isoformat()}; the finding is open again",
                    element=element,
                    triage=fid,
                )
            )
    return out

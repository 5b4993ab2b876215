"""The closed predicate vocabulary: decide whether a condition holds, and explain why.

Graph predicates are evaluated set-wise and cached per condition, so a rule that
asks "does this reach an LLM?" for every component costs one search over the
graph, not one per component.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, assert_never

from threatmodel.engine.conditions import (
    MISSING,
    answers_unknown_lineage,
    attr_matches,
    candidate_kinds,
    classification_assumed,
    cost,
    data_matches,
    describe,
    is_personal,
    new_to_recipient,
    personal_by_unknown_lineage,
    received,
    stated_tags,
)
from threatmodel.engine.index import attr_holding, data_passing, kind_members
from threatmodel.errors import Problem, WorkBudgetError
from threatmodel.graph import ModelGraph, OtherReach, Reach, merge_reach, search, search_others
from threatmodel.model.levels import classification_word
from threatmodel.model.rules import (
    BY_DEFAULT,
    LINK_SOME,
    AllOf,
    AnyOf,
    Artifacts,
    ArtifactTest,
    Attr,
    BoundaryTrust,
    Condition,
    CrossesBoundary,
    DataHandled,
    DataTest,
    Endpoint,
    Exists,
    KindIs,
    Linked,
    LinkTest,
    Neighbour,
    NeighbourTest,
    Not,
    ReachedFrom,
    Reaches,
    Tainted,
    TaintTest,
    UntrustedSource,
    attr_phrase,
    name_list,
    says_unstated,
    stated_fact,
    unknown_reading,
    unstated_fact,
    worded_as_noun,
)
from threatmodel.model.system import ComponentBase, DataAsset, Flow
from threatmodel.model.unknowns import is_unknown
from threatmodel.model.vocab import INHERITED_TAG_WORDS, TRAINER_KINDS

Element = str
"""A component id, a flow key, or the system id (for system-wide threats)."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Facts that made a condition hold, plus the graph path that triggered it (if any)."""

    facts: tuple[str, ...]
    path: tuple[str, ...] = ()
    source: str | None = None
    assumed: tuple[tuple[str, str], ...] = ()
    """``(element, attribute)`` of every unknown fact the explanation read in the threat's favour."""
    paths: tuple[tuple[str, ...], ...] = ()
    """Every distinct untrusted path that reaches the element (one per source, shortest first, at
    most :data:`MAX_PATHS`), ``path`` first; empty when the rule follows no taint."""
    data: tuple[str, ...] = ()
    """Data ids that satisfied the rule's data conditions, so scenario text names the data the
    threat is about (the personal data, not merely the most sensitive data the element handles)."""


class _Walked:
    """What one explanation walk has found so far (see ``Matcher._walk``)."""

    __slots__ = ("data", "facts", "path", "paths", "source")

    def __init__(self) -> None:
        self.facts: list[str] = []
        self.path: tuple[str, ...] = ()
        self.source: str | None = None
        self.paths: list[tuple[str, ...]] = []
        self.data: list[str] = []


_TaintFacts = tuple[tuple[str, ...], tuple[str, ...], str | None]
"""A ``tainted`` leaf's facts, its path (source first) and the unknown fact of the source it read."""

MAX_PATHS = 5
"""Most untrusted paths listed on one finding."""

MAX_READ_AGAINST = 4
"""Most unknown facts of related components listed under one negated path, link or neighbour."""

_SUBJECT = "\x00"
"""Stands for the element's name in a negation worded once per condition (names hold no NUL)."""


def _passing_through(
    g: ModelGraph, step: Callable[[str], Iterable[str]], sources: frozenset[str], kinds: Sequence[str]
) -> Callable[[str], Iterable[str]]:
    """``step`` that goes on only from a source or a component of one of ``kinds`` (``through``)."""
    allowed = frozenset(kinds)

    def onward(node: str) -> Iterable[str]:
        return step(node) if node in sources or g.kind(node) in allowed else ()

    return onward


def _stopping_at_sources(
    g: ModelGraph, step: Callable[[str], Iterable[str]], seeds: frozenset[str]
) -> Callable[[str], Iterable[str]]:
    """``step`` that does not go on from a source of untrusted content other than the seeds
    (``stop_at_sources``): a path from a person ends where their content is left for later."""
    stops = g.primary_sources - seeds

    def onward(node: str) -> Iterable[str]:
        return () if node in stops else step(node)

    return onward


def _arrow(graph: ModelGraph, path: Sequence[str]) -> str:
    return " → ".join(graph.name(p) for p in path)


def _is_set_test(cond: Condition) -> bool:
    """An ``attr`` test of whether an attribute is stated (a gate on what the model says, not a fact)."""
    return isinstance(cond, Attr) and cond.attr.op == "is_set"


def _by_default(target: object, attribute: str) -> bool:
    """Whether ``attribute`` of ``target`` holds its schema default: the model file does not write it."""
    kind = type(target)
    fields = _FIELDS.get(kind)
    if fields is None:  # one entry per model class (a few dozen at most)
        if len(_FIELDS) >= 256:
            _FIELDS.clear()
        fields = _FIELDS[kind] = frozenset(getattr(kind, "model_fields", {}))
    return attribute in fields and attribute not in getattr(target, "model_fields_set", ())


_FIELDS: dict[type, frozenset[str]] = {}
"""The field names of each model class :func:`_by_default` has met (classes are few and fixed)."""


def _unstated_trust(name: str, cond: BoundaryTrust, holds: bool) -> str:
    """``which trust boundary X runs in: not stated, read as untrusted`` (or as not untrusted)."""
    levels = [str(v) for v in cond.boundary_trust]
    if holds:
        reading = levels[0] if len(levels) == 1 else " or ".join(levels)
    else:
        reading = f"not {levels[0]}" if len(levels) == 1 else "neither " + " nor ".join(levels)
    return unstated_fact("boundary", name, f"read as {reading}")


NEIGHBOURS_SHOWN = 4
"""Most neighbours an explanation of a failed neighbour condition names and explains."""

MAX_CHECKS = 12_000_000
"""Most condition checks one matcher makes in one evaluation (the work budget, docs/security.md).

The built-in library makes about 0.7 million per matcher on a 10,000-component model and grows
linearly; a user catalog of many graph rules can ask for far more (each check may be a search),
so past this the evaluation stops with :class:`~threatmodel.errors.WorkBudgetError`."""
MAX_SEARCHES = 1_000
"""Most graph-wide searches (reach, taint, matching sets) one matcher builds in one evaluation."""


SetRule = Callable[["Matcher", Any, Sequence[Element]], list[Element]]
"""A predicate's set-wise rule: given a condition of that predicate and candidate elements, the
candidates it holds on, in their order (``Matcher.holding``)."""
SETWISE: dict[type, SetRule] = {}
"""The set-wise rule of each predicate that has one; any other predicate is evaluated element by
element through ``Matcher.holds`` (``_eval``), which is always correct, only slower."""

_Rule = TypeVar("_Rule", bound=Callable[..., list[str]])


def setwise(*predicates: type) -> Callable[[_Rule], _Rule]:
    """Register a :class:`Matcher` method as the set-wise rule of ``predicates`` (docs/contributing.md)."""

    def register(rule: _Rule) -> _Rule:
        for predicate in predicates:
            SETWISE[predicate] = rule
        return rule

    return register


class Matcher:
    """Evaluates conditions on one model graph, caching graph-wide work."""

    def __init__(self, graph: ModelGraph, *, optimistic: bool = False, setwise: bool = True) -> None:
        self.g = graph
        self.optimistic = optimistic
        """Read graph-derived unknowns (untrusted sources assumed from unknown facts) optimistically.

        Attribute tests carry their own reading (engine/unknowns.py); the two matchers of one
        evaluation differ only here, and their graph-wide caches are kept apart."""
        self.setwise = setwise
        """Evaluate :meth:`holding` a condition at a time over the whole candidate set (the default);
        ``False`` asks :meth:`holds` element by element, the straightforward reference evaluation
        the tests compare the set-wise one with."""
        self._mode = "optimistic" if optimistic else "conservative"
        self._assumed: list[tuple[str, str]] | None = None
        self._sources: dict[int, frozenset[str]] = {}
        self.checks = 0
        """Condition checks made so far (see :data:`MAX_CHECKS`)."""
        self.searches = 0
        self._holds: dict[tuple[int, str], bool] = {}
        self._order: dict[int, tuple[Condition, ...]] = {}
        self._shallow: set[int] = set()
        self._assets_judged: dict[int, dict[str, bool]] = {}
        self._passing: dict[int, frozenset[str]] = {}
        self._first_option: dict[int, dict[Element, Condition]] = {}
        """Per ``any`` evaluated set-wise: for each element it holds on, the first option that holds
        (the one its explanation follows)."""
        self._explained: dict[tuple[int, Element], tuple[Explanation, tuple[tuple[str, str], ...]]] = {}
        self._asset_facts: dict[tuple[int, str], tuple[tuple[str, str, str], ...]] = {}
        """The unknowns each data test read on each asset, whoever handles it (:meth:`_data_assumptions`)."""
        self._said: dict[tuple[int, bool], str] = {}
        """The wording of each negated condition explained so far (see :meth:`_negation`)."""
        self._decided: dict[int, tuple[set[Element], set[Element]]] = {}
        """Per condition a neighbour or link rule evaluated set-wise: the elements it was asked of,
        and those it holds on (see :meth:`_holds_on`)."""
        self._kinds_said: dict[Element, str] = {}
        """The ``kind`` fact of each component explained so far (see :meth:`_kind_fact`)."""
        self._attrs_said: dict[tuple[Element, str], str | None] = {}
        """The stated fact of each (element, attribute) explained so far (see :meth:`_stated_fact`)."""
        self._taint_said: dict[int, tuple[object, dict[Element, _TaintFacts]]] = {}
        """By the identity of the search a ``tainted`` leaf reads: that search (kept, so its id stays
        its own) and the leaf's facts on each element explained so far (see :meth:`_taint_facts`)."""
        self._keep: list[object] = []  # keeps cached condition objects alive so ids stay unique

    # -- public ------------------------------------------------------------
    def holds(self, cond: Condition, element: Element) -> bool:
        self.checks += 1
        if self.checks > MAX_CHECKS:
            self.over_budget(f"more than {MAX_CHECKS:,} condition checks")
        # Leaves are cheaper to compute than to cache; composites and neighbourhood
        # predicates are cached because graph searches ask for them again and again.
        # (``type(...) is`` rather than isinstance: this is the engine's hottest line.)
        if type(cond) is KindIs:
            component = self.g.components.get(element)
            return component is not None and component.kind in cond.kind
        if type(cond) is Attr:
            test = cond.attr
            target = self.g.components.get(element) or self.g.flows.get(element) or self.g.data.get(element)
            return target is not None and attr_matches(test, getattr(target, test.name, MISSING))
        if type(cond) is AllOf:
            for part in self._ordered(cond):  # noqa: SIM110 - a loop, not a generator: the hottest path
                if not self.holds(part, element):
                    return False
            return True
        if type(cond) is AnyOf and id(cond) in self._shallow:
            for part in cond.any:  # noqa: SIM110 - as above
                if self.holds(part, element):
                    return True
            return False
        key = (id(cond), element)
        cached = self._holds.get(key)
        if cached is None:
            cached = self._eval(cond, element)
            self._holds[key] = cached
        return cached

    def holding(self, cond: Condition, elements: Sequence[Element]) -> list[Element]:
        """The elements of ``elements`` on which ``cond`` holds, in their order.

        Always equal to ``[e for e in elements if self.holds(cond, e)]`` (the reference evaluation,
        used when the matcher is not ``setwise``), but computed a condition at a time over the whole
        set: ``all`` narrows the set part by part, cheapest first; ``any`` tries each option on what
        the earlier ones left; graph predicates are one membership test against their search; a
        predicate that looks past the element (``neighbour``, ``linked``, ``endpoint``) evaluates its
        inner condition once over the union of what the elements point at. A predicate with no
        set-wise rule here is asked element by element through :meth:`holds`, so adding a predicate
        needs only ``_eval`` (docs/contributing.md).
        """
        if not self.setwise:
            return [e for e in elements if self.holds(cond, e)]
        return self._holding(cond, elements) if elements else []

    def _count(self, n: int) -> None:
        self.checks += n
        if self.checks > MAX_CHECKS:
            self.over_budget(f"more than {MAX_CHECKS:,} condition checks")

    def _holding(self, cond: Condition, els: Sequence[Element]) -> list[Element]:
        """:meth:`holding` for a non-empty ``els``: the predicate's set-wise rule, or element by element."""
        rule = SETWISE.get(type(cond))
        if rule is None:
            # a predicate with no set-wise rule (the adapter): ask holds, as the reference does
            return [e for e in els if self.holds(cond, e)]
        self._count(len(els))
        return rule(self, cond, els)

    # -- set-wise rules, one per predicate (see ``setwise``) --------------------------------
    @setwise(KindIs)
    def _kind_holding(self, cond: KindIs, els: Sequence[Element]) -> list[Element]:
        members = kind_members(self.g, cond.kind)
        return [e for e in els if e in members]

    @setwise(Attr)
    def _attr_holding(self, cond: Attr, els: Sequence[Element]) -> list[Element]:
        # one index per attribute name, shared by every test of it (engine/index.py)
        return attr_holding(self.g, cond.attr, els)

    @setwise(BoundaryTrust)
    def _trust_holding(self, cond: BoundaryTrust, els: Sequence[Element]) -> list[Element]:
        levels, trust_of = cond.boundary_trust, self.g.trust_table()
        unknown_matches = cond.unknown == "match"
        out: list[Element] = []
        for e in els:
            if e in trust_of:
                trust = trust_of[e]
                if unknown_matches if trust is None else trust in levels:
                    out.append(e)
        return out

    @setwise(UntrustedSource)
    def _source_holding(self, cond: UntrustedSource, els: Sequence[Element]) -> list[Element]:
        g, value = self.g, cond.untrusted_source
        reasons, assumed, optimistic = g.untrusted_reasons, g.assumed_sources, self.optimistic
        return [e for e in els if e in g.components and (e in reasons and not (optimistic and e in assumed)) == value]

    @setwise(CrossesBoundary)
    def _crosses_holding(self, cond: CrossesBoundary, els: Sequence[Element]) -> list[Element]:
        g, value = self.g, cond.crosses_boundary
        crossing = g.memo(("crossing-flows",), dict[Element, bool])  # filled as flows are asked
        out: list[Element] = []
        for e in els:
            crosses = crossing.get(e)
            if crosses is None:
                flow = g.flows.get(e)
                if flow is None:
                    continue
                crosses = crossing[e] = g.crosses(flow)
            if crosses == value:
                out.append(e)
        return out

    @setwise(Artifacts)
    def _artifacts_holding(self, cond: Artifacts, els: Sequence[Element]) -> list[Element]:
        comps = self.g.components
        return [e for e in els if e in comps and self._artifact_hit(cond.artifacts, e) is not None]

    @setwise(DataHandled)
    def _data_holding(self, cond: DataHandled, els: Sequence[Element]) -> list[Element]:
        test = cond.data
        passing = self._data_passing(test)
        if not passing:
            return []
        if test.made_by_sender:
            return [e for e in els if self._data_hits(test, e, first=True)]
        g, at_runtime = self.g, test.at_runtime
        if test.new_to_recipient:
            # a flow holds on its first passing asset that is new to its recipient (``_data_hits``
            # with ``first``, inlined: most candidates are flows); a component as ``_data_hits`` says
            found: list[Element] = []
            flow_of = g.flows.get
            for e in els:
                flow = flow_of(e)
                if flow is None:
                    if self._data_hits(test, e, first=True):
                        found.append(e)
                    continue
                target, source = flow.target, flow.source
                for d in flow.data:
                    if d in passing and new_to_recipient(test, g, d, target, source):
                        found.append(e)
                        break
            return found
        flows, comps = g.flows, g.components
        out: list[Element] = []
        if not (test.kept or test.learnt or (at_runtime and g.trained_only)):
            # what a component handles, read from its table (``data_handled``: every component
            # has an entry, nothing else has one)
            flow_of, handled = flows.get, g.handled_data.get
            for e in els:
                flow = flow_of(e)
                held = flow.data if flow is not None else handled(e)
                if held is not None and not passing.isdisjoint(held):
                    out.append(e)
            return out
        for e in els:
            flow = flows.get(e)
            if flow is not None:
                assets: Sequence[str] = flow.data
            elif e in comps:
                assets = (
                    g.data_kept(e)
                    if test.kept
                    else self._learnt(test, e)
                    if test.learnt
                    else g.data_handled(e, at_runtime=at_runtime)
                )
            else:
                continue
            if not passing.isdisjoint(assets):
                out.append(e)
        return out

    @setwise(AllOf)
    def _all_holding(self, cond: AllOf, els: Sequence[Element]) -> list[Element]:
        current: Sequence[Element] = els
        for part in self._ordered(cond):
            current = self._holding(part, current)
            if not current:
                return []
        return list(current)

    @setwise(AnyOf)
    def _any_holding(self, cond: AnyOf, els: Sequence[Element]) -> list[Element]:
        rest: Sequence[Element] = els
        found: set[Element] = set()
        first = self._first_option.get(id(cond))
        if first is None:
            first = self._first_option[id(cond)] = {}
            self._keep.append(cond)
        for option in cond.any:
            got = self._holding(option, rest)
            if got:
                found.update(got)
                first.update(dict.fromkeys(got, option))
                rest = [e for e in rest if e not in found]
                if not rest:
                    break
        return [e for e in els if e in found]

    @setwise(Not)
    def _not_holding(self, cond: Not, els: Sequence[Element]) -> list[Element]:
        inside = set(self._holding(cond.not_, els))
        return [e for e in els if e not in inside]

    @setwise(Tainted)
    def _tainted_holding(self, cond: Tainted, els: Sequence[Element]) -> list[Element]:
        hops = self._taint(cond.tainted)[0].hops
        return [e for e in els if e in hops]

    @setwise(Reaches, ReachedFrom)
    def _reach_holding(self, cond: Reaches | ReachedFrom, els: Sequence[Element]) -> list[Element]:
        test = cond.reaches if isinstance(cond, Reaches) else cond.reached_from
        hops = self._reach(test.where, test.max_hops, forward=isinstance(cond, ReachedFrom), through=test.through).hops
        return [e for e in els if e in hops]

    @setwise(Exists)
    def _exists_holding(self, cond: Exists, els: Sequence[Element]) -> list[Element]:
        return list(els) if self._matching(cond.exists.where) else []

    @setwise(Neighbour)
    def _neighbour_holding(self, cond: Neighbour, els: Sequence[Element]) -> list[Element]:
        g, test = self.g, cond.neighbour
        near_of = {e: self._near(test, e) for e in els if e in g.components}
        ok = self._holding_union(test.where, near_of.values(), remember=True)
        return [e for e, near in near_of.items() if not near.isdisjoint(ok)]

    def _near(self, test: NeighbourTest, el: Element) -> set[Element]:
        """The components joined to ``el`` by a flow in the tested direction (with ``data``, by a
        flow that carries data passing it)."""
        g = self.g
        near: set[Element] = set()
        if test.direction in ("in", "any"):
            near.update(g.predecessors(el))
        if test.direction in ("out", "any"):
            near.update(g.successors(el))
        if test.data is None and test.flow is None:
            return near
        data, over = test.data, test.flow

        def counts(flow: str) -> bool:
            if over is not None and not attr_matches(over, getattr(g.flows[flow], over.name, MISSING)):
                return False
            return data is None or bool(self._data_hits(data, flow, first=True))

        if test.every_flow and over is not None:
            # reached only over such flows: one flow in the direction that fails, and nothing counts
            ways = [
                f
                for n in near
                for f in (
                    *(g.flows_between(n, el) if test.direction != "out" else ()),
                    *(g.flows_between(el, n) if test.direction != "in" else ()),
                )
            ]
            if not ways or not all(attr_matches(over, getattr(g.flows[f], over.name, MISSING)) for f in ways):
                return set()
        return {
            n
            for n in near
            if (test.direction != "out" and any(counts(f) for f in g.flows_between(n, el)))
            or (test.direction != "in" and any(counts(f) for f in g.flows_between(el, n)))
        }

    @setwise(Linked)
    def _linked_holding(self, cond: Linked, els: Sequence[Element]) -> list[Element]:
        g, test = self.g, cond.linked
        links = {e: self._links(test, e) for e in els if e in g.components}
        ok = self._holding_union(test.where, links.values(), remember=True)
        return [e for e, linked in links.items() if not ok.isdisjoint(linked)]

    def _links(self, test: LinkTest, el: Element) -> tuple[Element, ...]:
        """The components related to ``el`` through ``test.via`` (with ``same_boundary``, only
        those in its innermost boundary)."""
        g = self.g
        linked = g.linked(el, test.via)
        if test.via == "loads_weights_of" and test.unknown == "match":
            # then those resting on a relayed file of unstated lineage (decision 1934)
            maybe = g.weights_by_unknown_lineage(el)
            if maybe:
                linked = (*linked, *maybe)
        if not test.same_boundary:
            return linked
        here = g.boundary_of(el)
        return tuple(n for n in linked if g.boundary_of(n) == here)

    @setwise(Endpoint)
    def _endpoint_holding(self, cond: Endpoint, els: Sequence[Element]) -> list[Element]:
        g, test = self.g, cond.endpoint
        source = test.end == "source"
        end_of = {e: (flow.source if source else flow.target) for e in els if (flow := g.flows.get(e)) is not None}
        ok = self._holding_union(test.where, [end_of.values()])
        return [e for e, end in end_of.items() if end in ok]

    def _holding_union(
        self, cond: Condition, groups: Iterable[Iterable[Element]], *, remember: bool = False
    ) -> set[Element]:
        """The elements of any of ``groups`` on which ``cond`` holds, each evaluated once (with
        ``remember``, kept, so explaining a neighbour or a link asks :meth:`holds` of none of them)."""
        pool: set[Element] = set()
        for group in groups:
            pool.update(group)
        ok = set(self._holding(cond, sorted(pool))) if pool else set()
        if not remember:
            return ok
        known = self._decided.get(id(cond))
        if known is None:
            self._decided[id(cond)] = (pool, ok.copy())
            self._keep.append(cond)
        else:
            known[0].update(pool)
            known[1].update(ok)
        return ok

    def _holds_on(self, cond: Condition, element: Element) -> bool:
        """:meth:`holds`, answered from what a set-wise rule already decided where it can."""
        known = self._decided.get(id(cond))
        if known is not None and element in known[0]:
            return element in known[1]
        return self.holds(cond, element)

    def _data_passing(self, test: DataTest) -> frozenset[str]:
        """The data assets that pass ``test`` leaving the recipient aside (``index.data_passing``,
        shared on the graph by equal tests), looked up here by the test's identity."""
        passing = self._passing.get(id(test))
        if passing is None:
            passing = self._passing[id(test)] = data_passing(self.g, test)
            self._keep.append(test)
        return passing

    def _judged(self, test: DataTest) -> dict[str, bool]:
        """Per data asset, whether it passes ``test`` leaving the recipient aside (filled as asked:
        everything but ``new_to_recipient`` depends on the asset alone, so each is judged once)."""
        judged = self._assets_judged.get(id(test))
        if judged is None:
            judged = self._assets_judged[id(test)] = {}
            self._keep.append(test)
        return judged

    def over_budget(self, what: str) -> None:
        raise WorkBudgetError(
            Problem(
                f"the threat rules need {what} on this model ({len(self.g.components):,} components, "
                f"{len(self.g.flows):,} flows): evaluation stopped",
                hint="a user catalog with many graph rules (reaches, tainted, exists…) multiplies the work; "
                "narrow its rules with `kind:` first, or split the model with includes",
            )
        )

    def _search_built(self) -> None:
        self.searches += 1
        if self.searches > MAX_SEARCHES:
            self.over_budget(f"more than {MAX_SEARCHES:,} graph-wide searches")

    def _ordered(self, cond: AllOf) -> tuple[Condition, ...]:
        """An AllOf's parts, cheapest first, so evaluation stops early on cheap facts.

        The order of evaluation never changes the result (all parts are pure), only its cost;
        explanations still list facts in the catalog's order.
        """
        key = id(cond)
        parts = self._order.get(key)
        if parts is None:
            parts = tuple(sorted(cond.all, key=cost))
            self._order[key] = parts
            self._keep.append(cond)
            for part in cond.all:
                if isinstance(part, AnyOf) and all(isinstance(p, (KindIs, Attr)) for p in part.any):
                    self._shallow.add(id(part))
        return parts

    def explain(self, cond: Condition, element: Element) -> Explanation:
        """Facts behind ``holds(cond, element) == True``, with the unknown facts it read as the threat's."""
        read = self._assumed
        if read is None:  # outermost
            self._assumed = []
            try:
                return self._explain(cond, element, True)
            finally:
                self._assumed = None
        if not self.setwise:
            return self._explain(cond, element, False)
        # Nested: the same inner condition is explained on the same element for many findings (the
        # model a hundred components reach); the explanation and the unknowns it read are kept.
        key = (id(cond), element)
        known = self._explained.get(key)
        if known is None:
            mark = len(read)
            explanation = self._explain(cond, element, False)
            known = self._explained[key] = (explanation, tuple(read[mark:]))
            self._keep.append(cond)
        else:
            read.extend(known[1])
        return known[0]

    def _assume(self, element: Element, attribute: str) -> None:
        if self._assumed is not None:
            self._assumed.append((element, attribute))

    def _explain(self, cond: Condition, element: Element, outermost: bool) -> Explanation:
        found = _Walked()
        self._walk(cond, element, found)
        assumed = tuple(dict.fromkeys(self._assumed or ())) if outermost else ()
        path, paths = found.path, found.paths
        listed = (path, *paths) if paths else ()
        return Explanation(
            tuple(dict.fromkeys(found.facts)), path, found.source, assumed, listed, tuple(dict.fromkeys(found.data))
        )

    def _walk(self, c: Condition, el: Element, found: _Walked) -> None:
        """Add to ``found`` the facts of ``c`` holding on ``el``, the option of an ``any`` that held
        first. A method, not a closure: a closure that calls itself is a reference cycle, which only
        the collector frees, and the collector is paused while evaluating (``collector_paused``).
        Dispatched on the exact type (no predicate class is subclassed): a finding's walk visits a
        few dozen nodes, and a class pattern per case costs more than the work."""
        t = type(c)
        if t is AllOf:
            for part in c.all:  # type: ignore[union-attr]
                self._walk(part, el, found)
        elif t is KindIs:
            found.facts.append(self._kind_fact(el))
        elif t is Attr:  # its stated fact, worded once per (element, attribute)
            name = c.attr.name  # type: ignore[union-attr]
            stated = self._stated_fact(el, name)
            if stated is None:
                self._assume(el, name)
                stated = unstated_fact(name, self.g.name(el), unknown_reading(c.attr, True), flow=el in self.g.flows)  # type: ignore[union-attr]
            found.facts.append(stated)
        elif t is AnyOf:
            # the option that held first, as the set-wise evaluation found it, else ask again
            chosen = self._first_option.get(id(c), {}).get(el)
            if chosen is not None:
                self._walk(chosen, el, found)
                return
            for option in c.any:  # type: ignore[union-attr]
                if self.holds(option, el):
                    self._walk(option, el, found)
                    return
        elif t is Not:
            read = self._assumed
            mark = 0 if read is None else len(read)
            found.facts.extend(self._negated(c.not_, el))  # type: ignore[union-attr]
            if read is not None and c.defers_to is not None:  # type: ignore[union-attr]
                del read[mark:]  # answering them moves the finding, it does not remove it (decision 1932)
        elif t is DataHandled:
            hits, leaf_facts = self._data_handled_explained(c.data, el)  # type: ignore[union-attr]
            found.data.extend(hits)
            found.facts.extend(leaf_facts)
        else:
            leaf_facts, leaf_path, leaf_source = self._explain_leaf(c, el)
            found.facts.extend(leaf_facts)
            if leaf_path and not found.path:
                found.path = leaf_path
                found.source = leaf_source
                if t is Tainted and not c.tainted.via:  # type: ignore[union-attr]
                    found.paths.extend(self._other_paths(c.tainted, el, leaf_path))  # type: ignore[union-attr]

    def _stated_fact(self, el: Element, attribute: str) -> str | None:
        """The fact an attribute test states of ``el``'s ``attribute`` (with the stated fact that
        settled it, decision 1720), or ``None`` when the value is unknown: the same whichever test
        of the attribute holds, so worded once per (element, attribute)."""
        key = (el, attribute)
        known = self._attrs_said if self.setwise else {}  # the reference evaluation words each afresh
        if key in known:
            return known[key]
        g = self.g
        target = self._subject(el)
        value = getattr(target, attribute, None)
        said: str | None = None
        if is_unknown(attribute, value):
            pass
        elif value is None:  # not written, and not an unknown the model is asked about
            said = unstated_fact(attribute, g.name(el), flow=el in g.flows)
        else:
            said = stated_fact(attribute, g.name(el), value, flow=el in g.flows)
            settled = g.settled.get(key)
            if settled is not None:  # decision 1720: say which stated fact answered it
                said += f", settled {settled.because}"
            elif _by_default(target, attribute):
                said += BY_DEFAULT
        known[key] = said
        return said

    def _kind_fact(self, el: Element) -> str:
        """The fact a ``kind`` test states of ``el`` (it holds only on a component): worded once
        per component, for every finding and threat that explains it."""
        known = self._kinds_said if self.setwise else {}  # the reference evaluation words each afresh
        said = known.get(el)
        if said is None:
            said = known[el] = f"{self.g.name(el)} is of kind {self._component(el).kind}"
        return said

    def _negated(self, inner: Condition, el: Element) -> list[str]:
        """Facts behind ``not inner`` holding on ``el``.

        An unknown fact read against ``inner`` is stated as unknown, never as the negative it was
        read as, and an attribute the model does not state is said to be unstated, never to differ
        from the value tested (decision 1901). A compound condition names what failed: the first
        part of an ``all`` that fails on known facts (one that is not a test of whether an attribute
        is stated, when there is such a part, and one that fails on what the model states rather
        than on an attribute's schema default, when there is such a part; else the first that
        fails), every option of an ``any``, the inner condition of a double negation, and an
        endpoint's condition on the flow's end.
        """
        match inner:
            case Not(not_=positive):
                return list(self.explain(positive, el).facts)
            case AllOf(all=parts):
                failing = [part for part in parts if not self.holds(part, el)]
                known = [part for part in failing if self._fails_known(part, el)]
                telling = [part for part in known if not _is_set_test(part)]
                chosen = telling or known or failing
                if not chosen:  # cannot happen when the negation held; say it plainly
                    return [self._negation(inner, el)]
                if self._fails_by_default(chosen[0], el):
                    # a default the model never wrote ("captures nothing by default") explains an
                    # exclusion less than a stated fact that also refuses it (review 31), when
                    # that fact rests on no unknown: the finding's assumptions stay the same
                    for part in chosen[1:]:
                        if not self._fails_by_default(part, el):
                            facts = self._negated_on_stated(part, el)
                            if facts is not None:
                                return facts
                return self._negated(chosen[0], el)
            case AnyOf(any=options):
                return [fact for option in options for fact in self._negated(option, el)]
            case Endpoint(endpoint=test):
                flow = self.g.flows[el]
                return self._negated(test.where, flow.source if test.end == "source" else flow.target)
            case Attr(attr=test):
                unknown = self._unknown_leaves(inner, el, negated=True)
                if unknown:
                    return unknown
                target = self._subject(el)
                value = getattr(target, test.name, MISSING)
                if value is MISSING or value is None:  # not written, and not an unknown either
                    return [unstated_fact(test.name, self.g.name(el), flow=el in self.g.flows)]
                # stated: say what it states, which says more than the value it lacks (decision 1938)
                return [self._stated_fact(el, test.name) or self._negation(inner, el)]
            case Neighbour(neighbour=test):
                g = self.g
                near = self._near(test, el)
                if not near and test.data is None and test.flow is None:
                    verb = {"in": "nothing sends to {}", "out": "{} sends to nothing", "any": "{} has no flows"}
                    return [verb[test.direction].format(g.name(el))]
                said = self._negation(inner, el)
                if near and test.data is None and test.flow is None and not worded_as_noun(test.where):
                    # a neighbour condition too involved to word as a noun: name the neighbours
                    # and say what each lacks (decision 1938)
                    return [
                        *self._each_neighbour_fails(test, el, sorted(near)),
                        *self._read_against(test.where, sorted(near)),
                    ]
                return [said, *self._read_against(test.where, sorted(near))]
            case Linked(linked=test):
                facts = [self._negation(inner, el), *self._read_against(test.where, self._links(test, el))]
                if test.via == "loads_weights_of" and test.unknown == "no-match" and test._read:
                    # weights it may load through a relayed file of unstated lineage, read as not
                    # the model's: an assumption (decision 1934); not where the rule itself says
                    # to read only known links (review 27)
                    for model, (data_id, relay) in self.g.weights_by_unknown_lineage(el).items():
                        if self._holds_on(test.where, model):
                            facts.append(self._relayed_weights(el, model, data_id, relay, "not"))
                return facts
            case KindIs() if self._component(el) is not None:
                # what it is says more than what it is not, and is worded once per component
                # ("careers-site is of kind application", not "... is not an LLM, ML model or
                # embedding model" beside "... is not an API gateway")
                return [self._kind_fact(el)]
            case Reaches(reaches=test) | ReachedFrom(reached_from=test):
                step = self.g.successors if isinstance(inner, Reaches) else self.g.predecessors
                around = search([el], step, test.max_hops, include_seeds=False).hops
                return [self._negation(inner, el), *self._read_against(test.where, sorted(around.keys() - {el}))]
            case _:
                unknown = self._unknown_leaves(inner, el, negated=True)
                return unknown or [self._negation(inner, el)]

    def _each_neighbour_fails(self, test: NeighbourTest, el: Element, near: list[Element]) -> list[str]:
        """``X sends only to A and B``, then why the first :data:`NEIGHBOURS_SHOWN` of them that fail
        ``test.where`` on stated facts fail it (those failing on unknown facts are
        :meth:`_read_against`'s)."""
        g = self.g
        listed = name_list([g.name(n) for n in near], shown=NEIGHBOURS_SHOWN)
        verb = {"out": "sends only to", "in": "receives only from", "any": "has flows only with"}[test.direction]
        facts = [f"{g.name(el)} {verb} {listed}"]
        read = self._assumed
        mark = 0 if read is None else len(read)
        failing = [other for other in near if self._fails_known(test.where, other)]
        for other in failing[:NEIGHBOURS_SHOWN]:
            facts += self._negated(test.where, other)
        if read is not None:  # stated facts only: nothing here is an assumption
            del read[mark:]
        return facts

    def _relayed_weights(self, el: Element, model: str, data_id: str, relay: str, reading: str) -> str:
        """The assumption of a ``loads_weights_of`` link resting on ``data_id``, a file ``relay``
        hands on with no flow bringing it and no stated lineage, recorded for ``questions``:
        read ``as`` the weights of ``model``, or ``not`` under a negation (decision 1934)."""
        g = self.g
        self._assume(data_id, "derived_from")
        read = "read as made from" if reading == "as" else "read as not made from"
        return (
            f"{g.name(el)} loads {g.name(data_id)}, which {g.name(relay)} hands on with no flow bringing it there "
            f"and no stated lineage: {read} the weights of {g.name(model)}"
        )

    def _read_against(self, where: Condition, others: Iterable[Element]) -> list[str]:
        """The unknown facts that ``where`` read as not holding on those of ``others`` it fails on
        for no known reason, worded as unstated. A negation over related components rests on them,
        so they are recorded as the finding's assumptions (decision 1931: stated otherwise, the
        finding might not apply, and ``questions`` asks them). At most :data:`MAX_READ_AGAINST`."""
        out: list[str] = []
        read = self._assumed
        mark = 0 if read is None else len(read)
        for other in others:
            if not self._holds_on(where, other) and not self._fails_known(where, other):
                out += self._unknown_leaves(where, other, negated=True)
            if len(out) >= MAX_READ_AGAINST:
                break
        if read is not None:  # one assumption per line listed: none beyond the cap
            del read[mark + MAX_READ_AGAINST :]
        return out[:MAX_READ_AGAINST]

    def _negated_on_stated(self, cond: Condition, el: Element) -> list[str] | None:
        """The facts behind ``not cond`` on ``el``, or ``None`` when saying them reads an unknown
        (which would record an assumption the finding does not rest on)."""
        read = self._assumed
        mark = 0 if read is None else len(read)
        facts = self._negated(cond, el)
        if read is not None and len(read) > mark:
            del read[mark:]
            return None
        if any(says_unstated(fact) for fact in facts):
            return None
        return facts

    def _fails_by_default(self, cond: Condition, el: Element) -> bool:
        """Whether ``cond`` is an attribute test of ``el`` whose attribute holds its schema default
        (the model does not write it, and no stated fact settled it). Also true of an unknowable
        attribute left unstated; such a part is chosen first only when no part fails on known
        facts, and then nothing replaces it."""
        if not isinstance(cond, Attr):
            return False
        name = cond.attr.name
        return (el, name) not in self.g.settled and _by_default(self._subject(el), name)

    def _fails_known(self, cond: Condition, el: Element) -> bool:
        """Whether ``cond`` fails on ``el`` on known facts alone: a leaf that reads no unknown, a
        part of an ``all`` that does, every option of an ``any``, or a negation whose inner
        condition holds reading no unknown."""
        if self.holds(cond, el):
            return False
        match cond:
            case AllOf(all=parts):
                return any(self._fails_known(part, el) for part in parts)
            case AnyOf(any=options):
                return all(self._fails_known(option, el) for option in options)
            case _:
                return not self._reads_unknowns(cond, el)

    def _reads_unknowns(self, cond: Condition, el: Element) -> bool:
        """Whether ``cond`` tests an unknown fact of ``el`` directly (nothing is recorded)."""
        read = self._assumed
        mark = 0 if read is None else len(read)
        found = bool(self._unknown_leaves(cond, el, negated=True))
        if read is not None:
            del read[mark:]
        return found

    def _link_words(self, el: Element, other: Element, direction: str) -> str:
        """A flow between ``el`` and a neighbour, with the way it goes: ``a sends to b``."""
        g = self.g
        name, hit = g.name(el), g.name(other)
        out = other in g.successors(el) and direction != "in"
        back = el in g.successors(other) and direction != "out"
        if out and back:
            return f"{name} and {hit} send to each other"
        return f"{name} sends to {hit}" if out else f"{hit} sends to {name}"

    def _carried(self, data: DataTest, direction: str, el: Element, other: Element) -> list[str]:
        """A flow between ``el`` and a neighbour named by the data that made it count (the first
        four), then what the first of them was read on, as a ``data`` line says it: ``Querybook
        sends Generated SQL to Data warehouse``."""
        g = self.g
        ends = []
        if direction != "in":
            ends.append((el, other))
        if direction != "out":
            ends.append((other, el))
        for source, target in ends:
            flows = [(f, hits) for f in g.flows_between(source, target) if (hits := self._data_hits(data, f))]
            if not flows:
                continue
            carried = sorted({d for _, hits in flows for d in hits})
            shown = ", ".join(g.name(d) for d in carried[:4])
            more = f" and {len(carried) - 4} more" if len(carried) > 4 else ""
            first, unknown_facts = self._data_explained(data, flows[0][0])
            line = f"{g.name(source)} sends {shown}{more} to {g.name(target)}"
            return [line, *self._inherited_tags(data, first[:1]), *unknown_facts]
        return [self._link_words(el, other, direction)]

    def _negation(self, inner: Condition, el: Element) -> str:
        """The plain negative a ``not`` states of ``el``, worded once per condition and named per element."""
        flow = el in self.g.flows  # an attribute may be asked of a flow differently
        key = (id(inner), flow)
        said = self._said.get(key)
        if said is None:
            said = self._said[key] = inner.describe_negated(_SUBJECT, flow=flow)
            self._keep.append(inner)
        return said.replace(_SUBJECT, self.g.name(el))

    def _other_paths(self, test: TaintTest, el: Element, shown: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Shortest routes to ``el`` from untrusted sources other than the one ``shown`` starts at.

        A backward breadth-first search from ``el`` that stops at each source it meets: a route
        through another source repeats that source's own, shorter route, and the search stays as
        small as the neighbourhood between ``el`` and its nearest sources. The routes depend on the
        test's source filter and reach only, so threats that filter alike share them (made once).
        """
        if not self.setwise:
            return self._search_other_paths(test, el, shown)
        key = (
            "other-paths",
            self._mode,
            test.source_kinds,
            test.exclude_source_kinds,
            test.max_hops,
            test.content_only,
            test.through,
            test.stop_at_sources,
            el,
            shown[0],
        )
        return self.g.memo(key, lambda: self._search_other_paths(test, el, shown))

    def _search_other_paths(self, test: TaintTest, el: Element, shown: tuple[str, ...]) -> list[tuple[str, ...]]:
        sources = self._source_set(test)
        g = self.g
        back = g.content_predecessors if test.content_only else g.predecessors
        toward: dict[str, str | None] = {el: None}
        frontier = [el]
        found: list[tuple[int, str]] = []  # (hops to el, source)
        for depth in range(1, test.max_hops + 1):
            nxt: list[str] = []
            for node in frontier:
                for prev in back(node):
                    if prev in toward:
                        continue
                    toward[prev] = node
                    if prev in sources:
                        if prev != shown[0]:
                            found.append((depth, prev))
                    elif (not test.through or g.kind(prev) in test.through) and not (
                        test.stop_at_sources and prev in g.primary_sources
                    ):
                        nxt.append(prev)
            if len(found) >= MAX_PATHS - 1 or not nxt:
                break
            frontier = nxt
        routes: list[tuple[str, ...]] = []
        for _, s in sorted(found)[: MAX_PATHS - 1]:
            route = [s]
            cursor = toward[s]
            while cursor is not None:
                route.append(cursor)
                cursor = toward[cursor]
            routes.append(tuple(route))
        return routes

    def _source_set(self, test: TaintTest) -> frozenset[str]:
        key = id(test)
        found = self._sources.get(key)
        if found is None:
            found = frozenset(self._taint_sources(test))
            self._sources[key] = found
            self._keep.append(test)
        return found

    def _unknown_leaves(self, cond: Condition, el: Element, *, negated: bool) -> list[str]:
        """Facts (and assumptions) for the unknown attributes of ``el`` tested directly in ``cond``."""
        out: list[str] = []
        match cond:
            case Attr(attr=test):
                target = self._subject(el)
                if target is not None and is_unknown(test.name, getattr(target, test.name, MISSING)):
                    self._assume(el, test.name)
                    out.append(
                        unstated_fact(
                            test.name, self.g.name(el), unknown_reading(test, not negated), flow=el in self.g.flows
                        )
                    )
            case BoundaryTrust():
                if el in self.g.components and self.g.trust(el) is None:
                    self._assume(el, "boundary")
                    out.append(_unstated_trust(self.g.name(el), cond, not negated))
            case AllOf(all=parts):
                # a part failing on a stated fact of the element itself (its kind, an attribute it
                # states) decides the whole: no unknown beside it can move it (a gateway's budget
                # is not asked of an application, decision 1936). Only such parts: a graph or data
                # test may fail by reading other elements' unknowns against the threat (review 28).
                if not any(self._fails_on_stated(part, el) for part in parts):
                    for part in parts:
                        out += self._unknown_leaves(part, el, negated=negated)
            case AnyOf(any=parts):
                for part in parts:
                    out += self._unknown_leaves(part, el, negated=negated)
            case Not(not_=inner):
                out += self._unknown_leaves(inner, el, negated=not negated)
            case _:
                pass
        return out

    def _fails_on_stated(self, cond: Condition, el: Element) -> bool:
        """Whether ``cond`` is a ``kind`` test, or an attribute test of a value ``el`` states, that
        fails on ``el``: decided by the element's own stated facts, whatever any unknown reads."""
        if type(cond) is KindIs:
            return not self.holds(cond, el)
        if type(cond) is Attr:
            target = self._subject(el)
            value = getattr(target, cond.attr.name, MISSING)
            return not is_unknown(cond.attr.name, value) and not self.holds(cond, el)
        return False

    # -- evaluation ----------------------------------------------------------
    def _component(self, element: Element) -> Any:
        return self.g.components.get(element)

    def _flow(self, element: Element) -> Flow | None:
        return self.g.flows.get(element)

    def _subject(self, element: Element) -> ComponentBase | Flow | DataAsset | None:
        """What an attribute test reads on ``element``: the component, flow or data asset it names
        (``None`` for anything else). ``holds`` inlines it: the engine's hottest line."""
        return self.g.components.get(element) or self.g.flows.get(element) or self.g.data.get(element)

    def _eval(self, cond: Condition, el: Element) -> bool:
        g = self.g
        match cond:
            case KindIs(kind=kinds):
                c = self._component(el)
                return c is not None and c.kind in kinds
            case Attr(attr=test):
                target = self._subject(el)
                return target is not None and attr_matches(test, getattr(target, test.name, MISSING))
            case DataHandled(data=test):
                return bool(self._data_hits(test, el))
            case BoundaryTrust(boundary_trust=levels):
                if el not in g.components:
                    return False
                trust = g.trust(el)
                return cond.unknown == "match" if trust is None else trust in levels
            case UntrustedSource(untrusted_source=value):
                untrusted = el in g.untrusted_reasons and not (self.optimistic and el in g.assumed_sources)
                return el in g.components and untrusted == value
            case Tainted(tainted=test):
                return el in self._taint(test)[0].hops
            case Neighbour(neighbour=test):
                return el in g.components and any(self.holds(test.where, n) for n in self._near(test, el))
            case Reaches(reaches=test):
                return el in self._reach(test.where, test.max_hops, forward=False, through=test.through).hops
            case ReachedFrom(reached_from=test):
                return el in self._reach(test.where, test.max_hops, forward=True, through=test.through).hops
            case Linked(linked=test):
                return el in g.components and any(self.holds(test.where, n) for n in self._links(test, el))
            case Artifacts(artifacts=test):
                return el in g.components and self._artifact_hit(test, el) is not None
            case Exists(exists=test):
                return bool(self._matching(test.where))
            case CrossesBoundary(crosses_boundary=value):
                flow = self._flow(el)
                return flow is not None and g.crosses(flow) == value
            case Endpoint(endpoint=test):
                flow = self._flow(el)
                if flow is None:
                    return False
                return self.holds(test.where, flow.source if test.end == "source" else flow.target)
            case AllOf(all=parts):
                return all(self.holds(p, el) for p in parts)
            case AnyOf(any=parts):
                return any(self.holds(p, el) for p in parts)
            case Not(not_=inner):
                return not self.holds(inner, el)
            case _:
                assert_never(cond)

    def _data_hits(self, test: DataTest, el: Element, *, first: bool = False) -> list[str]:
        """The data assets of ``el`` (handled by a component, carried by a flow) that pass ``test``
        (with ``first``, only the first of them: enough to know the condition holds)."""
        g = self.g
        flow = g.flows.get(el)
        if flow is not None:
            assets: Sequence[str] = flow.data
        elif el in g.components:
            assets = (
                g.data_kept(el)
                if test.kept
                else self._learnt(test, el)
                if test.learnt
                else g.data_handled(el, at_runtime=test.at_runtime)
            )
        else:
            return []
        passing = self._data_passing(test) if self.setwise else None
        if passing is not None and (flow is None or not (test.new_to_recipient or test.made_by_sender)):
            # the asset alone decides: one membership test per asset (a hub handles hundreds)
            if first:
                for d in assets:
                    if d in passing:
                        return [d]
                return []
            return [d for d in assets if d in passing]
        judged = self._judged(test) if passing is None else {}
        out: list[str] = []
        for d in assets:
            if passing is not None:
                hit = d in passing
            elif (known := judged.get(d)) is not None:
                hit = known
            else:
                hit = judged[d] = data_matches(test, g, d)
            if hit and flow is not None and test.new_to_recipient:
                hit = new_to_recipient(test, g, d, flow.target, flow.source)
            if hit and flow is not None and test.made_by_sender:
                hit = d not in received(g, flow.source)
            if hit:
                out.append(d)
                if first:
                    break
        return out

    def _learnt(self, test: DataTest, el: Element) -> Sequence[str]:
        """What a model learnt from, as ``test`` reads it: with ``unknown: match``, also what it
        may have learnt through federated updates of unstated lineage (decision 1934)."""
        known = self.g.data_learnt(el)
        if test.unknown != "match":
            return known
        maybe = self.g.data_learnt_by_unknown_lineage(el)
        return (*known, *maybe) if maybe else known

    def _data_assumptions(self, test: DataTest, el: Element, did: str) -> list[tuple[str, str, str]]:
        """``(asset, attribute, fact)`` for each unknown fact that ``test`` read in the threat's
        favour when it counted asset ``did`` (the asset itself, or for an inherited classification
        the asset along its lineage that leaves it unstated)."""
        key = (id(test), did)
        own = self._asset_facts.get(key)
        if own is None:
            # what the asset alone decides is worded once per (test, asset), for every element handling it
            own = self._asset_facts[key] = tuple(self._asset_assumptions(test, did))
            self._keep.append(test)
        g = self.g
        flow = g.flows.get(el)
        if test.learnt and test.unknown == "match" and flow is None:
            update = g.data_learnt_by_unknown_lineage(el).get(did)
            chain: list[tuple[str, str, str]] = []
            seen: set[str] = set()
            # every update of unstated lineage the records pass through, up a hierarchy of
            # aggregators: each is a question whose answer can remove the finding (review 27)
            while update is not None and update[1] not in seen:
                sent, job = update
                seen.add(job)
                chain.append(
                    (
                        sent,
                        "derived_from",
                        unstated_fact(
                            "derived_from",
                            g.name(sent),
                            f"read as made from what {g.name(job)} learns from, which sends it",
                        ),
                    )
                )
                update = g.learns_by_unknown_lineage(job).get(did)
            if chain:
                return [*own, *chain]
        if test.new_to_recipient and flow is not None and answers_unknown_lineage(g, flow.target, flow.source, did):
            label = g.name(did)
            return [
                *own,
                (
                    did,
                    "derived_from",
                    unstated_fact(
                        "derived_from",
                        label,
                        f"read as if it is not made from what {g.name(flow.target)} sent {g.name(flow.source)}",
                    ),
                ),
            ]
        return list(own)

    def _asset_assumptions(self, test: DataTest, did: str) -> list[tuple[str, str, str]]:
        """The part of :meth:`_data_assumptions` that depends on the asset alone."""
        g = self.g
        asset = g.data[did]
        label = g.name(did)
        out: list[tuple[str, str, str]] = []
        for part, holds in ((test.attr, True), *((u, False) for u in test.unless)):
            if part is not None and is_unknown(part.name, getattr(asset, part.name, MISSING)):
                out.append((did, part.name, unstated_fact(part.name, label, unknown_reading(part, holds))))
        if test.classification_unknown == "match":
            level = test.classification_at_least.value if test.classification_at_least is not None else ""
            for source in classification_assumed(test, g, did):
                reading = f"read as {level} or more"
                if source != did:
                    reading += f" ({label} is derived from it)"
                out.append((source, "classification", unstated_fact("classification", g.name(source), reading)))
        if test.personal and not is_personal(asset):
            producer = personal_by_unknown_lineage(g, did)
            sender = g.name(producer) if producer is not None else "its sender"
            out.append(
                (
                    did,
                    "derived_from",
                    unstated_fact("derived_from", label, f"read as if it repeats personal data {sender} handles"),
                )
            )
        return out

    def _data_explained(self, test: DataTest, el: Element) -> tuple[list[str], list[str]]:
        """The matching assets, those resting on fewer unknowns first, and the facts (and assumptions)
        of the first one: one matching asset is enough, and its questions are the ones that can
        remove the finding."""
        hits = self._data_hits(test, el)
        needs = {d: self._data_assumptions(test, el, d) for d in hits}
        hits.sort(key=lambda d: len(needs[d]))  # stable: ties keep the model's order
        facts: list[str] = []
        if hits:
            for source, attribute, fact in needs[hits[0]]:
                self._assume(source, attribute)
                facts.append(fact)
        return hits, facts

    def _data_handled_explained(self, test: DataTest, el: Element) -> tuple[list[str], list[str]]:
        """The matching assets of a ``data`` condition and its facts: what ``el`` handles or carries
        (the first four), then the unknowns the first asset was read on (judged once per leaf)."""
        g = self.g
        hits, unknown_facts = self._data_explained(test, el)
        trains = el in g.components and g.kind(el) in TRAINER_KINDS  # a job learns from it, a model was trained on it
        if el not in g.components:
            verb = "carries"
        elif test.learnt and hits and all(d in g.data_learnt_by_unknown_lineage(el) for d in hits[:4]):
            # only through updates of unstated lineage (review 27)
            verb = "may learn from" if trains else "may have been trained on"
        elif test.kept:
            verb = "keeps"
        elif test.learnt:
            verb = "learns from" if trains else "was trained on"
        else:
            verb = "handles"
        shown = ", ".join(f"{g.name(d)} ({classification_word(g.data[d].classification)})" for d in hits[:4])
        return hits, [f"{g.name(el)} {verb} {shown}", *self._inherited_tags(test, hits[:1]), *unknown_facts]

    def _inherited_tags(self, test: DataTest, hits: Sequence[str]) -> list[str]:
        """For an asset that passes ``tags_any`` only through a tag it inherits along
        ``derived_from`` (review 15), the fact that says so: "request-logs is made from
        user-questions, which holds what people wrote"."""
        if not test.tags_any or not hits:
            return []
        g = self.g
        own = stated_tags(g)
        out: list[str] = []
        for d in hits:
            matched = sorted(set(test.tags_any) & set(g.data[d].tags) - own.get(d, frozenset()))
            if not matched or set(test.tags_any) & own.get(d, frozenset()):
                continue
            sources = [p for p in (g.data[d].derived_from or ()) if p in g.data and set(matched) & set(g.data[p].tags)]
            if sources:
                what = ", ".join(INHERITED_TAG_WORDS[t] for t in matched)
                verb = "holds" if len(sources) == 1 else "hold"
                names = ", ".join(g.name(p) for p in sources[:3])
                out.append(f"{g.name(d)} is made from {names}, which {verb} {what}")
        return out

    def _artifact_hit(self, test: ArtifactTest, el: Element) -> tuple[str, str | None, str] | None:
        """The first ``(artefact, peer, holder)`` of ``el`` that passes ``test``, in sorted order."""
        g = self.g
        for data_id, peer, holder in g.artifacts(el, test.direction):
            if test.kinds and g.artifact_kind(data_id) not in test.kinds:
                continue
            if test.where is not None and not self.holds(test.where, data_id):
                continue
            if test.peer is not None and (peer is None or not self.holds(test.peer, peer)):
                continue
            return data_id, peer, holder
        return None

    def _matching(self, where: Condition) -> tuple[str, ...]:
        def build() -> tuple[str, ...]:
            self._search_built()
            kinds = candidate_kinds(where)
            if kinds is None:
                pool: Iterable[str] = sorted(self.g.components)
            else:
                pool = sorted(n for k in kinds for n in self.g.by_kind.get(k, ()))
            return tuple(self.holding(where, list(pool)))

        mode = self._mode
        # keyed by identity (cheap), the condition kept in the entry: while the graph holds the
        # entry no other object can take that id, though the matcher that made it is gone
        entry = self.g.memo(
            ("matching", mode, id(where)), lambda: (where, self.g.memo(("matching-by-value", mode, where), build))
        )
        return entry[1]

    def _reach(self, where: Condition, max_hops: int, *, forward: bool, through: tuple[str, ...] = ()) -> OtherReach:
        """Nodes reached from (forward) or reaching (backward) a node matching ``where``, other
        than themselves (with ``through``, past components of those kinds only)."""

        def build() -> OtherReach:
            self._search_built()
            seeds = self._matching(where)
            step: Callable[[str], Iterable[str]] = self.g.successors if forward else self.g.predecessors
            if through:
                step = _passing_through(self.g, step, frozenset(seeds), through)
            # conditions that differ in value may select the same seeds (one reading of unknowns
            # and the other, when the model leaves the facts they read stated): one search for both
            if not self.setwise:
                return search_others(seeds, step, max_hops)
            return self.g.memo(
                ("reach-from-seeds", seeds, max_hops, forward, through),
                lambda: search_others(seeds, step, max_hops),
            )

        # looked up by identity (cheap, per element), the condition kept in the entry (see
        # ``_matching``); built once per distinct value (shared across threats)
        mode = self._mode
        key = ("reach", mode, id(where), max_hops, forward, through)
        entry = self.g.memo(
            key, lambda: (where, self.g.memo(("reach-by-value", mode, where, max_hops, forward, through), build))
        )
        return entry[1]

    def _taint(self, test: TaintTest) -> tuple[Reach, Reach | None]:
        """Search from untrusted sources; with ``via``, a second leg from the via-nodes reached."""

        def build() -> tuple[Reach, Reach | None]:
            self._search_built()
            g = self.g
            sources = self._taint_sources(test)
            primary = [n for n in sources if n in g.primary_sources]
            secondary = [n for n in sources if n not in g.primary_sources]
            step: Callable[[str], Iterable[str]] = g.content_successors if test.content_only else g.successors
            if test.through:
                step = _passing_through(g, step, frozenset(sources), test.through)
            if test.stop_at_sources:
                step = _stopping_at_sources(g, step, frozenset(sources))

            def first_leg() -> Reach:
                # sources untrusted in themselves explain a path better than merely exposed components
                return merge_reach(search(primary, step, test.max_hops), search(secondary, step, test.max_hops))

            # threats whose source filters select the same sources share the first leg, whatever
            # their `via`, and so do the two readings of unknowns when they select the same sources
            leg_key = (
                "taint-leg",
                tuple(primary),
                tuple(secondary),
                test.max_hops,
                test.content_only,
                test.through,
                test.stop_at_sources,
            )
            first: Reach = g.memo(leg_key, first_leg)
            if not test.via:
                return first, None
            vias = [n for n in first.hops if g.kind(n) in test.via]
            second = search(vias, step, test.max_hops, include_seeds=False)
            return second, first

        mode = self._mode
        # keyed by identity, the test kept in the entry (see ``_matching``)
        entry = self.g.memo(
            ("taint", mode, id(test)), lambda: (test, self.g.memo(("taint-by-value", mode, test), build))
        )
        return entry[1]

    def _taint_sources(self, test: TaintTest) -> list[str]:
        """The untrusted sources a taint test starts from, in a stable order."""
        g = self.g
        kind, kinds, excluded = g.kind, test.source_kinds, test.exclude_source_kinds  # read once, not per source
        optimistic, assumed = self.optimistic, g.assumed_sources
        return [
            n
            for n in g.untrusted_reasons
            if (not kinds or kind(n) in kinds) and kind(n) not in excluded and not (optimistic and n in assumed)
        ]

    # -- explanation of leaves ------------------------------------------------
    def _taint_facts(self, test: TaintTest, el: Element) -> _TaintFacts:
        """What a ``tainted`` leaf says of ``el``: its facts, the path from the source, and the
        unknown fact of the source it read (``None``: none). They follow from the search alone,
        and threats whose taint tests are equal share one search (``_taint``), so they are made
        once per (search, element) for every threat that explains them (decision 1869); the
        reference evaluation makes them afresh."""
        legs = self._taint(test)
        said = self._taint_said.setdefault(id(legs), (legs, {}))[1] if self.setwise else {}
        known = said.get(el)
        if known is not None:
            return known
        g = self.g
        second, first = legs
        tail = second.path(el)  # el ... seed
        if first is not None:
            via_node = tail[-1]
            full = tuple(reversed(first.path(via_node))) + tuple(reversed(tail[:-1]))
        else:
            full = tuple(reversed(tail))
        src = full[0]
        assumed = g.assumed_sources.get(src)
        reason = g.untrusted_reasons.get(src, f"{g.name(src)} is untrusted")
        if len(full) == 1:
            facts: tuple[str, ...] = (reason,)
        else:
            facts = (f"untrusted content reaches {g.name(el)}: {_arrow(g, full)}", *g.implied_steps(full), reason)
        known = said[el] = (facts, full, assumed)
        return known

    def _explain_leaf(self, cond: Condition, el: Element) -> tuple[list[str], tuple[str, ...], str | None]:
        g = self.g
        name = g.name(el)
        match cond:
            case KindIs():
                return [self._kind_fact(el)], (), None
            case Attr(attr=test):
                stated = self._stated_fact(el, test.name)
                if stated is None:
                    self._assume(el, test.name)
                    return [unstated_fact(test.name, name, unknown_reading(test, True), flow=el in g.flows)], (), None
                return [stated], (), None
            case DataHandled(data=test):
                return self._data_handled_explained(test, el)[1], (), None
            case BoundaryTrust():
                trust = g.trust(el)
                if trust is None:
                    self._assume(el, "boundary")
                    return [_unstated_trust(name, cond, True)], (), None
                boundary = g.components[el].boundary
                return [f"{name} runs in '{g.name(boundary) if boundary else 'no boundary'}' ({trust.value})"], (), None
            case UntrustedSource(untrusted_source=value):
                if value:
                    if el in g.assumed_sources:
                        self._assume(el, g.assumed_sources[el])
                    return [g.untrusted_reasons[el]], (), None
                return [f"{name} is not a source of untrusted content"], (), None
            case Tainted(tainted=test):
                facts, full, assumed = self._taint_facts(test, el)
                src = full[0]
                if assumed is not None:
                    self._assume(src, assumed)
                return list(facts), full, src
            case Neighbour(neighbour=test):
                hit = next(n for n in sorted(self._near(test, el)) if self._holds_on(test.where, n))
                inner = self.explain(test.where, hit)
                links = (
                    [self._link_words(el, hit, test.direction)]
                    if test.data is None
                    else self._carried(test.data, test.direction, el, hit)
                )
                if test.flow is not None:
                    links[0] += f" over a flow whose {attr_phrase(test.flow)}"
                return [*links, *inner.facts], (), None
            case Reaches(reaches=test) | ReachedFrom(reached_from=test):
                forward = isinstance(cond, ReachedFrom)
                reach = self._reach(test.where, test.max_hops, forward=forward, through=test.through)
                chain = reach.path(el)  # el ... matching seed
                inner = self.explain(test.where, chain[-1])
                ordered = tuple(reversed(chain)) if forward else chain
                verb = "receives data from" if forward else "sends data to"
                fact = f"{name} {verb} {g.name(chain[-1])}: {_arrow(g, ordered)}"
                return [fact, *g.implied_steps(ordered), *inner.facts], ordered, ordered[0]
            case Linked(linked=test):
                hit = next(n for n in self._links(test, el) if self._holds_on(test.where, n))
                inner = self.explain(test.where, hit)
                fact = LINK_SOME[test.via].format(subject=name, found=g.name(hit))
                if test.via == "loads_weights_of" and hit not in g.linked(el, test.via):
                    data_id, relay = g.weights_by_unknown_lineage(el)[hit]
                    fact = self._relayed_weights(el, hit, data_id, relay, "as")
                if test.same_boundary:
                    where = g.boundary_of(el)
                    fact += f", in the same boundary ({g.name(where)})" if where else ", neither in a stated boundary"
                return [fact, *inner.facts], (), None
            case Artifacts(artifacts=test):
                found = self._artifact_hit(test, el)
                if found is None:  # explained only where it holds
                    return [f"{name} {describe(cond)}"], (), None
                data_id, peer, holder = found
                what = g.artifact_kind(data_id)
                asset = f"{g.name(data_id)} ({what.value if what is not None else 'artefact'})"
                if peer is None:
                    fact = f"{name} loads {asset}, which it holds"
                elif test.direction == "in":
                    fact = f"{name} loads {asset}, which arrives from {g.name(peer)}"
                elif holder != el:
                    fact = f"the weights of {name} leave with {g.name(holder)}, which ships {asset} to {g.name(peer)}"
                    if g.relayed_by_unknown_lineage(data_id, holder):
                        # an assumption, asked by ``questions`` (decision 1928, review 23)
                        self._assume(data_id, "derived_from")
                        made_from = unstated_fact("derived_from", g.name(data_id), "read as made from those weights")
                        fact += f" (nothing brings {g.name(data_id)} to {g.name(holder)}; {made_from})"
                else:
                    fact = f"{name} ships {asset} to {g.name(peer)}"
                details: list[str] = []
                if test.where is not None:
                    details += self.explain(test.where, data_id).facts
                if test.peer is not None and peer is not None:
                    details += self.explain(test.peer, peer).facts
                if peer is None:
                    return [fact, *details], (), None
                route = (peer, holder) if test.direction == "in" else (holder, peer)
                return [fact, *details], route, peer
            case Exists(exists=test):
                hit = self._matching(test.where)[0]
                inner = self.explain(test.where, hit)
                return [f"the system has {g.name(hit)}", *inner.facts], (), None
            case CrossesBoundary(crosses_boundary=value):
                flow = g.flows[el]
                a, b = g.components[flow.source].boundary, g.components[flow.target].boundary
                if value:
                    return (
                        [
                            f"{name} crosses from '{g.name(a) if a else 'no boundary'}' to '{g.name(b) if b else 'no boundary'}'"
                        ],
                        (),
                        None,
                    )
                if a is None:
                    return [f"neither end of {name} sits in a stated boundary"], (), None
                return [f"{name} stays inside '{g.name(a)}'"], (), None
            case Endpoint(endpoint=test):
                flow = g.flows[el]
                end = flow.source if test.end == "source" else flow.target
                return list(self.explain(test.where, end).facts), (), None
            case AllOf() | AnyOf() | Not():
                inner = self.explain(cond, el)
                return list(inner.facts), inner.path, inner.source
            case _:
                assert_never(cond)


__all__ = ["Element", "Explanation", "Matcher"]

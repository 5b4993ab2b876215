"""Re-evaluate only what an attribute edit can change (decision 1864, the second half of 0912).

A model is a graph: components, flows, data assets and boundaries name each other (a flow its
ends and the data it carries, a component its boundary, its data, its tools, the models it serves,
a data asset what it is derived from, a boundary its parent). Every rule predicate of the
language except ``exists`` looks at an element and at what is joined to it through those names,
directly or along a chain (flows, implied links, searches of bounded or unbounded length): a
finding on an element reads nothing outside the elements its element is connected to. So the
model falls into *parts*, the connected components of the graph "this element names that one",
and an edit of one element's attributes that leaves every name it holds as it was can change the
findings of its own part only.

:func:`reevaluated` makes the analysis of the edited model from the previous one:

* the edit must change one element of ``components``, ``flows``, ``data`` or ``boundaries``,
  keep its key and every id it names (:func:`changed_element`); the system, the controls, the
  triage, the settings and the includes must be the same. Anything else (adding, removing or
  renaming an element, a flow's ends, a boundary's parent, a control, several elements at once)
  returns ``None``: the caller evaluates the whole model;
* threats whose rule could look past the element's part (a system threat; a condition using a
  predicate outside :data:`LOCAL_PREDICATES`, such as ``exists``, in its rule, factors, variants
  or placement) are evaluated on every candidate again;
* every other threat is evaluated again on the candidates of the edited element's part, and the
  drafts (findings before grouping and triage) of the other parts are kept from the previous
  evaluation;
* grouping, ``also_affects``, triage, diagnostics and proposals are made again from all drafts, on
  the new graph, exactly as a full evaluation makes them;
* the run is dropped (``None``) when the edit changed what the readings of unknowns depend on (the
  set of attributes unknown somewhere in the model, whether any source is assumed), when the
  previous full evaluation came within an eighth of a work budget, or when the edited part holds
  more than half the model's elements (:data:`LARGEST_SHARE`: a full evaluation costs less).

The kept state is a tuple of drafts and the partition, both bounded by the model's size, and is
replaced on every analysis (dropped with it on a fallback). ``tests/engine/test_incremental.py``
compares every incremental result with a full evaluation, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from pydantic import BaseModel

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.engine.evaluate import PartialRun, evaluate_untriaged
from threatmodel.engine.match import MAX_CHECKS, MAX_SEARCHES
from threatmodel.engine.unknowns import unknown_in
from threatmodel.errors import WorkBudgetError
from threatmodel.graph import build_graph
from threatmodel.model.base import collector_paused
from threatmodel.model.catalog import Threat
from threatmodel.model.finding import Finding
from threatmodel.model.rules import (
    AllOf,
    AnyOf,
    Artifacts,
    Attr,
    BoundaryTrust,
    CrossesBoundary,
    DataHandled,
    Endpoint,
    KindIs,
    Linked,
    Neighbour,
    Not,
    ReachedFrom,
    Reaches,
    Tainted,
    TargetType,
    UntrustedSource,
)
from threatmodel.model.system import SystemModel

if TYPE_CHECKING:
    from threatmodel.engine.analysis import Analysis, Source
    from threatmodel.engine.evaluate import _Draft

SECTIONS = ("components", "flows", "data", "boundaries")
"""The sections whose elements an incremental run can take edited (one at a time)."""

LOCAL_PREDICATES: frozenset[type] = frozenset(
    {
        AllOf,
        AnyOf,
        Not,
        KindIs,
        Attr,
        DataHandled,
        BoundaryTrust,
        UntrustedSource,
        Tainted,
        Neighbour,
        Reaches,
        ReachedFrom,
        Linked,
        Artifacts,
        CrossesBoundary,
        Endpoint,
    }
)
"""Predicates that read the element and what is joined to it only (never the whole model). A
predicate not listed here (``exists``, or one added later) makes its threat global: evaluated on
every candidate after any edit."""

LARGEST_SHARE = 2
"""An edit of a part holding more than 1/``LARGEST_SHARE`` of the model's elements is evaluated in
full: the part's evaluation would cost about as much, and the model-wide work of the incremental
run (a new graph, the global threats, grouping) comes on top."""

BUDGET_SHARE = 8
"""An incremental run is made only when the full evaluation it starts from used less than
1/``BUDGET_SHARE`` of each work budget (condition checks, graph searches): an edit of attributes
cannot bring a full evaluation of the same model from there to over a budget's limit, so the
incremental run never hides a :class:`~threatmodel.errors.WorkBudgetError` a full one would raise."""


def _key(section: str, item: object) -> str:
    return item.key if section == "flows" else item.id  # type: ignore[attr-defined,no-any-return]


def references(item: object, ids: Mapping[str, object]) -> frozenset[str]:
    """Every id of ``ids`` that a value of ``item`` names: its fields' strings, in tuples, lists,
    dicts and nested models, read generically (a field added to the schema is followed too).
    Members of the vocabulary's enumerations are not names, even where an id spells one."""
    found: set[str] = set()
    stack: list[object] = [item]
    while stack:
        value = stack.pop()
        if isinstance(value, Enum):
            continue  # a value of the vocabulary (``internet``), never an id, whatever ids there are
        if isinstance(value, str):
            if value in ids:
                found.add(value)
        elif isinstance(value, BaseModel):
            stack.extend(value.__dict__.values())
        elif isinstance(value, (tuple, list, set, frozenset)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
    return frozenset(found)


def _elements(model: SystemModel) -> Iterable[tuple[str, str, object]]:
    for section in SECTIONS:
        for item in getattr(model, section):
            yield section, _key(section, item), item


def partition(model: SystemModel) -> dict[str, int]:
    """Each element's part: the connected components of "names" between components, flows, data
    assets and boundaries (keyed by id; ids shared across sections share a part)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for _, key, _item in _elements(model):
        parent.setdefault(key, key)
    for _, key, item in _elements(model):
        for other in references(item, parent):
            a, b = find(key), find(other)
            if a != b:
                parent[a] = b
    roots: dict[str, int] = {}
    return {key: roots.setdefault(find(key), len(roots)) for key in parent}


UNCHANGED = ("", "")
"""What :func:`changed_element` finds when no element changed (an edit that wrote the same values)."""


def changed_element(
    before: SystemModel, after: SystemModel, ids: Mapping[str, object] | None = None
) -> tuple[str, str] | None:
    """``(section, key)`` of the one element ``after`` changes in ``before``, keeping its key and
    every id it names, with nothing else changed (:data:`UNCHANGED` when no element changed);
    ``None`` for any other difference."""
    same = (
        before.system == after.system
        and before.includes == after.includes
        and before.controls == after.controls
        and before.triage == after.triage
        and before.settings == after.settings
        and before.schema_version == after.schema_version
    )
    if not same:
        return None
    found: tuple[str, int] | None = None
    for section in SECTIONS:
        old, new = getattr(before, section), getattr(after, section)
        if old is new:
            continue
        if len(old) != len(new):
            return None
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a is b or (a == b and _as_written(a) == _as_written(b)):
                continue
            if found is not None:
                return None  # a second element changed
            found = (section, i)
    if found is None:
        return UNCHANGED
    section, i = found
    old_item, new_item = getattr(before, section)[i], getattr(after, section)[i]
    key = _key(section, old_item)
    if _key(section, new_item) != key:
        return None
    if ids is None:  # every id of ``before`` (the partition's keys are)
        ids = {k: None for _, k, _item in _elements(before)}
    if references(old_item, ids) != references(new_item, ids):
        return None
    return section, key


def _as_written(item: BaseModel) -> dict[str, object]:
    """What the model states of an element: equal values differ when one is stated and the other
    left to its default (``untrusted_content: false`` against nothing), which the explanations and
    the unknowns tell apart ("false by default (not stated)"); pydantic's ``==`` does not."""
    return item.model_dump(exclude_unset=True, mode="json")


def _predicates(value: object) -> Iterable[type]:
    """The class of every rule predicate inside ``value`` (conditions, a threat's parts): every
    model whose class carries the language's ``TAG``."""
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseModel):
            if hasattr(type(item), "TAG"):
                yield type(item)
            stack.extend(item.__dict__.values())
        elif isinstance(item, (tuple, list)):
            stack.extend(item)


def is_global(threat: Threat) -> bool:
    """Whether ``threat`` may read past its element's part: a system threat, or one whose rule,
    factors, variants or placement use a predicate outside :data:`LOCAL_PREDICATES`."""
    if threat.target is TargetType.SYSTEM:
        return True
    parts: list[object] = [threat.when, *(f.when for f in threat.factors), *(v.when for v in threat.variants)]
    if threat.place_on is not None:
        parts.append(threat.place_on)
    return any(kind not in LOCAL_PREDICATES for kind in _predicates(tuple(parts)))


@dataclass(frozen=True, slots=True)
class IncrementalState:
    """What an analysis keeps so that the next attribute edit is evaluated incrementally."""

    drafts: tuple[_Draft, ...]
    """Every finding of the evaluation before grouping and triage."""
    part_of: Mapping[str, int]
    """Each element's part (:func:`partition`)."""
    positions: Mapping[int, Mapping[str, tuple[int, ...]]]
    """Where each part's elements are in each section of the model (in model order)."""
    sizes: Mapping[int, int]
    """How many elements each part holds."""
    global_threats: frozenset[str]
    """Threats evaluated on every candidate after any edit (:func:`is_global`)."""
    local_threats: frozenset[str]
    """Every other threat: evaluated on the edited element's part after an edit."""
    unknown: frozenset[str]
    assumed: bool
    full_checks: int
    full_searches: int

    @classmethod
    def of(cls, model: SystemModel, cset: CatalogSet, run: PartialRun) -> IncrementalState:
        """The state of a full evaluation of ``model`` that recorded ``run``."""
        part_of = partition(model)
        positions: dict[int, dict[str, list[int]]] = {}
        for section in SECTIONS:
            for i, item in enumerate(getattr(model, section)):
                positions.setdefault(part_of[_key(section, item)], {}).setdefault(section, []).append(i)
        return cls(
            drafts=run.drafts,
            part_of=part_of,
            positions={p: {s: tuple(ix) for s, ix in where.items()} for p, where in positions.items()},
            sizes={p: sum(len(ix) for ix in where.values()) for p, where in positions.items()},
            global_threats=frozenset(key for key, threat in cset.all_threats() if is_global(threat)),
            local_threats=frozenset(key for key, threat in cset.all_threats() if not is_global(threat)),
            unknown=run.unknown,
            assumed=run.assumed,
            full_checks=run.checks,
            full_searches=run.searches,
        )

    @property
    def within_budget(self) -> bool:
        return self.full_checks * BUDGET_SHARE < MAX_CHECKS and self.full_searches * BUDGET_SHARE < MAX_SEARCHES


def reevaluated(previous: Analysis, model: SystemModel, source: Source | None = None) -> Analysis | None:
    """The analysis of ``model``, made from ``previous`` (of the model before one attribute edit)
    by evaluating only the edited element's part and the global threats again; ``None`` when the
    edit is not one this can take (the caller then evaluates the whole model). ``source``: where
    ``model``'s elements are written (``previous.source`` when not given)."""
    with collector_paused():  # as a full evaluation runs: it makes no cycles (model/base.py)
        return _reevaluated(previous, model, previous.source if source is None else source)


def _reevaluated(previous: Analysis, model: SystemModel, source: Source) -> Analysis | None:
    from threatmodel.engine.analysis import Analysis

    state = previous.incremental
    if state is None or not state.within_budget:
        return None
    changed = changed_element(previous.model, model, state.part_of)
    if changed is None:
        return None
    part = state.part_of[changed[1]] if changed != UNCHANGED else None
    if part is not None and state.sizes[part] * LARGEST_SHARE > len(state.part_of):
        return None  # most of the model is one piece: evaluating it all once costs less
    same_unknowns = changed[0] not in ("components", "flows", "data") or _unknowns_kept(previous.model, model, *changed)
    global_threats = state.global_threats
    a = previous.assessment
    local = PartialRun(only=state.local_threats, readings=(state.unknown, state.assumed))
    try:
        if part is not None:
            # the edited element's part, as a model of its own, evaluated for every threat that
            # stays in a part, with the unknowns of the whole model
            where = state.positions[part]
            update: dict[str, object] = {"triage": {}}
            for section in SECTIONS:
                items = getattr(model, section)
                update[section] = tuple(items[i] for i in where.get(section, ()))
            sub = model.model_copy(update=update)
            evaluate_untriaged(sub, previous.catalogs, as_of=a.as_of, explain=a.explained, partial=local)
        # then the whole model: the global threats, grouping, triage, diagnostics and proposals,
        # with the drafts of every other part kept
        reused = [
            *(d for d in state.drafts if d.key not in global_threats and state.part_of[d.element] != part),
            *local.drafts,
        ]
        graph = build_graph(model)
        if bool(graph.assumed_sources) != state.assumed:
            return None  # the readings of unknowns changed for every rule
        # the attributes left unknown somewhere: the same when the edited element leaves the same
        # ones unknown (boundaries are not counted, as in the full evaluation); else counted again
        readings = (state.unknown, state.assumed) if same_unknowns else None
        run = PartialRun(only=global_threats, reused=reused, readings=readings)
        assessment, untriaged = evaluate_untriaged(
            model, previous.catalogs, as_of=a.as_of, graph=graph, explain=a.explained, partial=run
        )
    except WorkBudgetError:
        return None  # the full evaluation says so, in its own words
    if run.unknown != state.unknown or run.assumed != state.assumed:
        return None  # the readings of unknowns changed for every rule
    # a finding the edit left as it was stays the very object the front ends drew (the findings
    # table and the tree redraw only what is not)
    before = {f.id: f for f in a.findings}
    findings = tuple(_same(f, before.get(f.id)) for f in assessment.findings)
    assessment = assessment.model_copy(update={"findings": findings})
    kept = IncrementalState(
        drafts=run.drafts,
        part_of=state.part_of,
        positions=state.positions,
        sizes=state.sizes,
        global_threats=global_threats,
        local_threats=state.local_threats,
        unknown=state.unknown,
        assumed=state.assumed,
        full_checks=state.full_checks,
        full_searches=state.full_searches,
    )
    return Analysis(assessment, previous.catalogs, graph, source, untriaged, kept)


def _unknowns_kept(before: SystemModel, after: SystemModel, section: str, key: str) -> bool:
    """Whether the edited element leaves the same attributes unknown before and after the edit."""
    old = next(item for item in getattr(before, section) if _key(section, item) == key)
    new = next(item for item in getattr(after, section) if _key(section, item) == key)
    return unknown_in([old]) == unknown_in([new])


def _same(new: Finding, old: Finding | None) -> Finding:
    return old if old is not None and (old is new or old == new) else new


def drafts_of(analysis: Analysis) -> Sequence[_Draft]:
    """The drafts an analysis keeps (empty when it keeps none), for tests."""
    return analysis.incremental.drafts if analysis.incremental is not None else ()

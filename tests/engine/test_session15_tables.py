"""Session 15's shortcuts give the answers of the code they replace (decision 1863).

- Flow candidates read from one table of end kinds per graph, and component candidates kept per
  kind set, equal the per-flow filter and the sort they replace, on a warm graph as on a cold one.
- An attribute index never asks pydantic for an attribute its class cannot have: whatever
  :func:`~threatmodel.engine.index._lacks` says is absent, ``getattr`` finds absent too.
- ``_by_default`` with its field names kept per class answers as it did without them.
- The graph searches a level at a time find what the queue-based searches found (hops, paths and
  the order of their tables), on generated graphs.
- The item lines of a large YAML file found from newline to newline are the lines ``^`` finds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import MODEL_FILES
from threatmodel.engine import evaluate
from threatmodel.engine import match as match_module
from threatmodel.engine.catalogs import COMPONENT_ATTRIBUTES, DATA_ATTRIBUTES, FLOW_ATTRIBUTES
from threatmodel.engine.conditions import MISSING, candidate_kinds, endpoint_kinds
from threatmodel.engine.evaluate import candidate_elements
from threatmodel.engine.index import _lacks
from threatmodel.graph import ModelGraph, OtherReach, Reach, build_graph, search, search_others
from threatmodel.io import yaml_document
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.model.rules import TargetType

CATALOGS = load_catalogs()
AS_OF = dt.date(2026, 12, 4)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _old_candidates(g: ModelGraph, threat: Any) -> list[str]:
    """``candidate_elements`` before session 15: a filter per flow, a sort per threat."""
    if threat.target is TargetType.SYSTEM:
        return [g.model.system.id]
    if threat.target is TargetType.FLOW:
        keys = sorted(g.flows)
        source_kinds, target_kinds = endpoint_kinds(threat.when)
        if source_kinds is None and target_kinds is None:
            return keys
        return [
            key
            for key in keys
            if (source_kinds is None or g.kind(g.flows[key].source) in source_kinds)
            and (target_kinds is None or g.kind(g.flows[key].target) in target_kinds)
        ]
    kinds = candidate_kinds(threat.when)
    if kinds is None:
        return sorted(g.components)
    return sorted(n for k in kinds for n in g.by_kind.get(k, ()))


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_candidates_are_those_of_the_filter_and_sort_they_replace(path: Any) -> None:
    graph = build_graph(load_model(path, known_controls=CATALOGS.control_refs).model)
    threats = [threat for _, threat in CATALOGS.cset.all_threats()]
    cold = [candidate_elements(graph, threat) for threat in threats]  # fills the tables
    warm = [candidate_elements(graph, threat) for threat in threats]  # reads them
    assert cold == warm == [_old_candidates(graph, threat) for threat in threats]


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_what_an_index_skips_getattr_finds_missing(path: Any) -> None:
    graph = build_graph(load_model(path, known_controls=CATALOGS.control_refs).model)
    names = sorted(COMPONENT_ATTRIBUTES | FLOW_ATTRIBUTES | DATA_ATTRIBUTES | {"key", "no_such_attribute"})
    seen: set[type] = set()
    for element in [*graph.components.values(), *graph.flows.values(), *graph.data.values()]:
        if type(element) in seen:
            continue
        seen.add(type(element))
        for name in names:
            if _lacks(type(element), name):
                assert getattr(element, name, MISSING) is MISSING, (type(element).__name__, name)
            else:
                assert name in type(element).model_fields or hasattr(type(element), name)
    assert _lacks(next(iter(seen)), "no_such_attribute")


def test_the_field_names_kept_per_class_change_no_default() -> None:
    model = load_model(MODEL_FILES[0], known_controls=CATALOGS.control_refs).model
    graph = build_graph(model)
    items = [*graph.components.values(), *graph.flows.values(), *graph.data.values()]
    names = sorted(COMPONENT_ATTRIBUTES | FLOW_ATTRIBUTES | DATA_ATTRIBUTES)

    def fresh(target: Any, attribute: str) -> bool:
        fields = getattr(type(target), "model_fields", {})
        return attribute in fields and attribute not in getattr(target, "model_fields_set", ())

    match_module._FIELDS.clear()
    cold = [match_module._by_default(t, n) for t in items for n in names]
    warm = [match_module._by_default(t, n) for t in items for n in names]
    assert cold == warm == [fresh(t, n) for t in items for n in names]
    assert len(match_module._FIELDS) <= 256


def test_an_evaluation_with_the_class_tables_warm_equals_a_cold_one() -> None:
    model = load_model(MODEL_FILES[0], known_controls=CATALOGS.control_refs).model
    match_module._FIELDS.clear()
    cold = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=build_graph(model)).model_dump_json()
    warm = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=build_graph(model)).model_dump_json()
    assert warm == cold


# -- the searches ------------------------------------------------------------------------------


def _queue_search(
    seeds: Iterable[str], step: Callable[[str], Iterable[str]], max_hops: int, *, include_seeds: bool = True
) -> Reach:
    """``search`` before session 15 (a deque of nodes)."""
    hops: dict[str, int] = {}
    toward: dict[str, str | None] = {}
    queue: deque[str] = deque()
    starts = frozenset(seeds)
    for seed in sorted(starts):
        if include_seeds:
            hops[seed] = 0
            toward[seed] = None
            queue.append(seed)
        else:
            for nxt in step(seed):
                if nxt not in hops:
                    hops[nxt] = 1
                    toward[nxt] = seed
                    queue.append(nxt)
    while queue:
        node = queue.popleft()
        depth = hops[node]
        if depth >= max_hops:
            continue
        for nxt in step(node):
            if nxt not in hops:
                hops[nxt] = depth + 1
                toward[nxt] = node
                queue.append(nxt)
    return Reach(hops, toward, frozenset() if include_seeds else starts)


def _queue_search_others(seeds: Iterable[str], step: Callable[[str], Iterable[str]], max_hops: int) -> OtherReach:
    """``search_others`` before session 15 (a deque of (node, origin, depth))."""
    first: dict[str, tuple[str, str | None]] = {}
    second: dict[str, tuple[str, str | None]] = {}
    hops1: dict[str, int] = {}
    hops2: dict[str, int] = {}
    queue: deque[tuple[str, str, int]] = deque()
    for seed in sorted(set(seeds)):
        first[seed] = (seed, None)
        hops1[seed] = 0
        queue.append((seed, seed, 0))
    while queue:
        node, origin, depth = queue.popleft()
        if depth >= max_hops:
            continue
        for nxt in step(node):
            known = first.get(nxt)
            if known is None:
                first[nxt] = (origin, node)
                hops1[nxt] = depth + 1
            elif known[0] != origin and nxt not in second:
                second[nxt] = (origin, node)
                hops2[nxt] = depth + 1
            else:
                continue
            queue.append((nxt, origin, depth + 1))
    hops: dict[str, int] = {}
    origin_of: dict[str, str] = {}
    for node, (origin, _) in first.items():
        if origin != node:
            origin_of[node], hops[node] = origin, hops1[node]
        elif node in second:
            origin_of[node], hops[node] = second[node][0], hops2[node]
    return OtherReach(hops, origin_of, first, second)


NODES = [f"n{i}" for i in range(12)]
graphs = st.dictionaries(st.sampled_from(NODES), st.lists(st.sampled_from(NODES), unique=True, max_size=5))


@SETTINGS
@given(graphs, st.lists(st.sampled_from(NODES), max_size=5), st.integers(-1, 7), st.booleans())
def test_a_search_a_level_at_a_time_is_the_queue_search(
    edges: dict[str, list[str]], seeds: list[str], max_hops: int, include_seeds: bool
) -> None:
    def step(node: str) -> tuple[str, ...]:
        return tuple(sorted(edges.get(node, ())))

    new = search(seeds, step, max_hops, include_seeds=include_seeds)
    old = _queue_search(seeds, step, max_hops, include_seeds=include_seeds)
    assert list(new.hops.items()) == list(old.hops.items())
    assert list(new.toward_seed.items()) == list(old.toward_seed.items())
    assert new.seeds == old.seeds
    assert [new.path(n) for n in new.hops] == [old.path(n) for n in old.hops]


@SETTINGS
@given(graphs, st.lists(st.sampled_from(NODES), max_size=5), st.integers(-1, 7))
def test_a_search_for_others_a_level_at_a_time_is_the_queue_search(
    edges: dict[str, list[str]], seeds: list[str], max_hops: int
) -> None:
    def step(node: str) -> tuple[str, ...]:
        return tuple(sorted(edges.get(node, ())))

    new = search_others(seeds, step, max_hops)
    old = _queue_search_others(seeds, step, max_hops)
    for table in ("hops", "origin", "first", "second"):
        assert list(getattr(new, table).items()) == list(getattr(old, table).items()), table
    assert [new.path(n) for n in new.hops] == [old.path(n) for n in old.hops]


# -- the item lines of a YAML file -----------------------------------------------------------

lines = st.lists(
    st.one_of(
        st.sampled_from(
            ["components:", "flows:  # c", "data:", "", " ", "x: 1", "  - id: a", "- id: b", "    - name: c"]
        ),
        st.text(alphabet="ab:- #\t_1", max_size=12),
    ),
    max_size=30,
)


@SETTINGS
@given(lines, st.booleans())
def test_item_lines_from_newline_to_newline_are_the_lines_caret_finds(text_lines: list[str], trailing: bool) -> None:
    text = "\n".join(text_lines) + ("\n" if trailing else "")
    expected = [(m.start(), m.groups()) for m in yaml_document._KEY_OR_ITEM.finditer(text)]
    found = [(begins, m.groups()) for m, begins in yaml_document._lines_of_items(text)]
    assert found == expected
    assert all(begins == 0 or text[begins - 1] == "\n" for begins, _ in found)


def test_a_large_file_locates_its_items_as_before() -> None:
    items = [f"  - id: c{i}\n    kind: application\n" for i in range(3000)]
    text = "schema_version: 1\ncomponents:\n" + "".join(items)
    expected = [(m.start(), m.groups()) for m in re.compile(yaml_document._KEY_OR_ITEM.pattern, re.M).finditer(text)]
    assert [(b, m.groups()) for m, b in yaml_document._lines_of_items(text)] == expected

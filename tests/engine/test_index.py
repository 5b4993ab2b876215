"""The per-graph indexes the set-wise rules read (engine/index.py) give the answer of a scan.

Each index stands for a per-element test of engine/conditions.py: kind members for ``KindIs``, the
interned attribute values for ``attr_matches``, the data-test passing sets for ``data_matches``.
On generated graphs, for generated tests, the index's answer must be the scan's, element for
element, in the candidates' order, however the questions are interleaved on one graph.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property.strategies import attr_test_options, system_models
from threatmodel.engine import index
from threatmodel.engine.conditions import MISSING, attr_matches, data_matches
from threatmodel.engine.index import (
    ELSEWHERE_DATA_PARTS,
    INDEXED_DATA_PARTS,
    attr_holding,
    data_passing,
    kind_members,
)
from threatmodel.graph import ModelGraph, build_graph
from threatmodel.model.rules import AttrTest, DataTest
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import ComponentKind

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DENSE = settings(SETTINGS, max_examples=150)
"""For the data-test property: a wrong set shows only on rarer combinations (an unstated
classification settled by its lineage, an asset of unknown lineage sent by a holder of personal data)."""

TAGS = ["pii", "phi", "credentials", "system-prompt", "model-weights", "user-content"]
CLASSIFICATIONS = [None, "public", "internal", "confidential", "restricted"]


KINDS = ["application", "llm", "agent", "tool", "datastore", "human-user", "vector-store"]


@st.composite
def rich_models(draw: st.DrawFn) -> SystemModel:
    """A small model dense in data: every asset states (or leaves unknown) each fact a data test
    reads (classification, tags with personal ones among them, minimisation, lawful basis,
    retention, purpose, lineage through ``derived_from`` an earlier asset, so never a cycle), and
    components hold and send them on flows (what the unknown-lineage reading of ``personal`` reads)."""
    ids = [f"d{i}" for i in range(draw(st.integers(1, 8)))]
    data = []
    for i, d in enumerate(ids):
        asset: dict[str, Any] = {"id": d, "tags": draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=3))}
        if (level := draw(st.sampled_from(CLASSIFICATIONS))) is not None:
            asset["classification"] = level
        optional = {
            "minimisation": st.sampled_from(["none", "redacted", "pseudonymised", "anonymised", "aggregated"]),
            "lawful_basis": st.sampled_from(["consent", "contract", "not-personal"]),
            "retention": st.sampled_from(["session", "need", "indefinite", "30d"]),
            "purpose": st.lists(st.sampled_from(["support", "analytics"]), min_size=1, max_size=2, unique=True),
            "artifact": st.sampled_from(["model-weights", "adapter", "dataset"]),
        }
        asset.update(draw(st.fixed_dictionaries({}, optional=optional)))
        if i and draw(st.booleans()):
            asset["derived_from"] = draw(st.lists(st.sampled_from(ids[:i]), min_size=1, max_size=2, unique=True))
        data.append(asset)
    comps = [f"c{i}" for i in range(draw(st.integers(2, 6)))]
    components = [
        {
            "id": c,
            "kind": draw(st.sampled_from(KINDS)),
            "exposure": draw(st.sampled_from(["internet", "internal", "none"])),
            "data": draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)),
        }
        for c in comps
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(comps), st.sampled_from(comps)).filter(lambda p: p[0] != p[1]),
            unique=True,
            max_size=8,
        )
    )
    flows = [
        {
            "source": a,
            "target": b,
            "data": draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)),
            **draw(st.fixed_dictionaries({}, optional={"encrypted": st.booleans()})),
        }
        for a, b in pairs
    ]
    return SystemModel.model_validate(
        {
            "system": {"id": "generated", "name": "Generated", "updated": "2026-11-01"},
            "data": data,
            "components": components,
            "flows": flows,
        }
    )


VALUES: dict[str, list[Any]] = {
    "exposure": ["internet", "internal", "none", None],
    "encrypted": [True, False, 1, 0, "true"],
    "side_effects": ["write", "execute-code", "read-only"],
    "untrusted_content": [True, False, 1],
    "provenance": ["first-party", "open-weights", "community"],
    "minimisation": ["none", "redacted", "anonymised"],
    "lawful_basis": ["consent", "not-personal"],
    "retention": ["indefinite", "session", "30d"],
    "purpose": ["support", "analytics"],
    "artifact": ["model-weights", "adapter"],
    "tags": ["pii", "credentials", "system-prompt"],
    "classification": ["restricted", "internal"],
    "kind": ["llm", "tool"],
    "missing_everywhere": ["x"],
}


def attr_tests() -> st.SearchStrategy[AttrTest]:
    """Any operator on attributes of components, flows and data assets (and one none of them has),
    with values of the wrong type among them (``1`` for ``true``: the test tells them apart)."""
    return attr_test_options(VALUES).map(AttrTest.model_validate)


data_tests = st.builds(
    lambda parts: DataTest.model_validate(parts),
    st.fixed_dictionaries(
        {},
        optional={
            "classification_at_least": st.sampled_from(["public", "internal", "confidential", "restricted"]),
            "classification_unknown": st.sampled_from(["match", "no-match"]),
            "tags_any": st.lists(st.sampled_from(TAGS), min_size=1, max_size=2),
            "tags_own": st.just(True),
            "personal": st.just(True),
            "unknown": st.sampled_from(["match", "no-match"]),
            "attr": attr_tests(),
            "unless": st.lists(attr_tests(), max_size=2),
        },
    ),
)


def scan_attr(graph: ModelGraph, test: AttrTest, elements: list[str]) -> list[str]:
    """What ``Matcher.holds`` answers for an attribute test, element by element."""
    out = []
    for e in elements:
        target = graph.components.get(e) or graph.flows.get(e) or graph.data.get(e)
        if target is not None and attr_matches(test, getattr(target, test.name, MISSING)):
            out.append(e)
    return out


def elements_of(graph: ModelGraph) -> list[str]:
    return [*sorted(graph.components), *sorted(graph.flows), *sorted(graph.data), "no-such-element"]


@SETTINGS
@given(rich_models(), st.lists(attr_tests(), min_size=1, max_size=6), st.data())
def test_the_attribute_index_answers_as_the_scan(
    model: SystemModel, tests: list[AttrTest], data: st.DataObject
) -> None:
    """Several tests on one graph, each on a sub-list first (the index fills as it is asked, and
    values met later extend every verdict made before) and then on every element."""
    graph = build_graph(model)
    everything = elements_of(graph)
    for test in tests:
        some = data.draw(st.lists(st.sampled_from(everything), unique=True))
        assert attr_holding(graph, test, some) == scan_attr(graph, test, some)
    for test in tests:
        assert attr_holding(graph, test, everything) == scan_attr(graph, test, everything)


@DENSE
@given(rich_models(), st.lists(data_tests, min_size=1, max_size=12))
def test_the_data_passing_sets_are_the_assets_data_matches_accepts(model: SystemModel, tests: list[DataTest]) -> None:
    graph = build_graph(model)
    for test in tests:
        assert data_passing(graph, test) == {d for d in graph.data if data_matches(test, graph, d)}


@settings(SETTINGS, max_examples=30)
@given(system_models(), st.lists(st.sampled_from([k.value for k in ComponentKind]), min_size=1, max_size=4))
def test_kind_members_are_the_components_of_those_kinds(model: SystemModel, kinds: list[str]) -> None:
    graph = build_graph(model)
    wanted = tuple(ComponentKind(k) for k in kinds)
    assert kind_members(graph, wanted) == {c for c, component in graph.components.items() if component.kind in wanted}


def test_true_and_one_are_different_questions_on_one_graph() -> None:
    """Equal tests share one answer on the graph; ``equals: true`` and ``equals: 1`` are equal as
    Python values but not as tests (``1`` is not ``true``), so they must not share one."""
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S", "updated": "2026-11-01"},
            "data": [{"id": "notes", "classification": "internal"}],
            "components": [
                {"id": "app", "kind": "application", "exposure": "internal"},
                {"id": "db", "kind": "datastore", "exposure": "internal"},
            ],
            "flows": [{"source": "app", "target": "db", "encrypted": True, "data": ["notes"]}],
        }
    )
    graph = build_graph(model)
    flows = sorted(graph.flows)
    as_true = AttrTest.model_validate({"name": "encrypted", "equals": True})
    as_one = AttrTest.model_validate({"name": "encrypted", "equals": 1})
    assert as_true == as_one  # the reason the index keys on the compiled test, not the test
    assert attr_holding(graph, as_true, flows) == flows
    assert attr_holding(graph, as_one, flows) == []


def test_the_index_knows_every_part_of_a_data_test() -> None:
    """A part added to ``DataTest`` must be taught to ``index.data_passing`` (and listed in
    ``INDEXED_DATA_PARTS``) or to the matcher (``ELSEWHERE_DATA_PARTS``); until it is, the index
    falls back to asking ``data_matches`` of every asset, which the next test checks."""
    assert set(DataTest.model_fields) == INDEXED_DATA_PARTS | ELSEWHERE_DATA_PARTS
    assert not INDEXED_DATA_PARTS & ELSEWHERE_DATA_PARTS


@SETTINGS
@given(rich_models(), data_tests)
def test_a_data_test_the_index_does_not_know_is_scanned(model: SystemModel, test: DataTest) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "_INDEXABLE", False)
        graph = build_graph(model)
        assert data_passing(graph, test) == {d for d in graph.data if data_matches(test, graph, d)}

"""Set-wise evaluation gives exactly the findings of the straightforward, element-by-element one.

``Matcher.holding`` evaluates a condition over a whole candidate set (engine/match.py); the
reference is ``[e for e in candidates if matcher.holds(cond, e)]`` with a matcher that never goes
set-wise, and ``evaluate(..., reference=True)`` builds a whole assessment that way. Every example,
corpus and held-out model, real-shaped models of every example, generated models and generated
conditions over the whole predicate vocabulary must agree byte for byte.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from tests.helpers import FIXED_DATE, MODEL_FILES
from tests.property.strategies import attr_test_options, system_models
from threatmodel.engine import evaluate
from threatmodel.engine.match import SETWISE, Matcher
from threatmodel.engine.unknowns import resolve
from threatmodel.graph import build_graph
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model
from threatmodel.model.rules import PREDICATE_TAGS, Condition, DataHandled, Linked, Neighbour, Tainted
from threatmodel.model.system import SystemModel

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import realshape  # noqa: E402

CATALOGS: LoadedCatalogs = load_catalogs()


def both_ways(model: SystemModel) -> tuple[str, str]:
    setwise = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE)
    reference = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE, reference=True)
    return setwise.model_dump_json(), reference.model_dump_json()


def test_there_are_models_to_compare() -> None:
    assert len(MODEL_FILES) >= 20


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_model_file_gets_the_reference_assessment(path: Path) -> None:
    model = load_model(path, known_controls=CATALOGS.control_refs).model
    setwise, reference = both_ways(model)
    assert setwise == reference


def test_a_real_shaped_mix_of_every_example_gets_the_reference_assessment(tmp_path: Path) -> None:
    """Copies of every example side by side (bench/realshape.py --source all), as the benchmark runs them."""
    shaped = realshape.replicate(realshape.source_paths("all"), 120)
    assert len({*shaped.sources}) >= 5
    (path,) = realshape.write(shaped, tmp_path / "mix.yaml")
    model = load_model(path, known_controls=CATALOGS.control_refs).model
    setwise, reference = both_ways(model)
    assert setwise == reference
    assert '"findings":[]' not in setwise


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def forget(model: SystemModel, flags: list[bool]) -> SystemModel:
    """``model`` with some facts left unknown (exposure, population, encryption, boundary), so the
    two readings of unknowns differ and the doubt reading is exercised too."""
    components = tuple(
        c.model_copy(update={"exposure": None, "boundary": None} if flags[i % len(flags)] else {})
        for i, c in enumerate(model.components)
    )
    flows = tuple(
        f.model_copy(update={"encrypted": None} if flags[(i + 1) % len(flags)] else {})
        for i, f in enumerate(model.flows)
    )
    return model.model_copy(update={"components": components, "flows": flows})


@SETTINGS
@given(system_models(), st.lists(st.booleans(), min_size=1, max_size=5))
def test_generated_models_get_the_reference_assessment(model: SystemModel, flags: list[bool]) -> None:
    setwise, reference = both_ways(forget(model, flags))
    assert setwise == reference


# -- generated conditions over the whole vocabulary ----------------------------------------

KINDS = ["llm", "agent", "tool", "mcp-server", "human-user", "vector-store", "ml-model", "training-job", "application"]
ATTRS: dict[str, list[Any]] = {
    "exposure": ["internet", "partner", "internal", "none", None],
    "untrusted_content": [True, False],
    "weights_format": ["safetensors", "pickle", "onnx"],
    "provenance": ["first-party", "open-weights", "third-party-api", "vendor"],
    "encrypted": [True, False],
    "side_effects": ["write", "execute-code", "read-only"],
    "format": ["pickle", "safetensors"],
    "integrity": ["none", "hash-pinned"],
}


def attr_tests() -> st.SearchStrategy[dict[str, Any]]:
    return attr_test_options(ATTRS)


def leaves() -> st.SearchStrategy[dict[str, Any]]:
    data_test = st.fixed_dictionaries(
        {},
        optional={
            "classification_at_least": st.sampled_from(["internal", "confidential", "restricted"]),
            "tags_any": st.lists(st.sampled_from(["pii", "credentials", "model-weights"]), min_size=1, max_size=2),
            "tags_own": st.just(True),
            "personal": st.just(True),
            "attr": attr_tests(),
            "unless": st.lists(attr_tests(), max_size=1),
            "new_to_recipient": st.just(True),
            "unknown": st.sampled_from(["match", "no-match"]),
            "at_runtime": st.booleans(),
            "kept": st.just(True),
        },
    )
    return st.one_of(
        st.builds(lambda k: {"kind": k}, st.lists(st.sampled_from(KINDS), min_size=1, max_size=3)),
        st.builds(lambda t: {"attr": t}, attr_tests()),
        st.builds(lambda d: {"data": d}, data_test),
        st.builds(
            lambda levels: {"boundary_trust": levels},
            st.lists(st.sampled_from(["untrusted", "internal", "restricted", "partner"]), min_size=1, max_size=2),
        ),
        st.builds(lambda v: {"untrusted_source": v}, st.booleans()),
        st.builds(
            lambda kinds, via, hops: {"tainted": {"source_kinds": kinds, "via": via, "max_hops": hops}},
            st.lists(st.sampled_from(KINDS), max_size=2),
            st.lists(st.sampled_from(KINDS), max_size=2),
            st.integers(1, 4),
        ),
        st.builds(lambda v: {"crosses_boundary": v}, st.booleans()),
    )


def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    hops = st.integers(1, 4)
    return st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
        st.builds(
            lambda d, c: {"neighbour": {"direction": d, "where": c}}, st.sampled_from(["in", "out", "any"]), inner
        ),
        # only neighbours joined by a flow whose attribute passes a test (decision 1920)
        st.builds(
            lambda d, c, f, every: {"neighbour": {"direction": d, "where": c, "flow": f, **every}},
            st.sampled_from(["in", "out", "any"]),
            inner,
            attr_tests(),
            st.sampled_from([{}, {"every_flow": True}]),
        ),
        st.builds(lambda c, h: {"reaches": {"where": c, "max_hops": h}}, inner, hops),
        st.builds(lambda c, h: {"reached_from": {"where": c, "max_hops": h}}, inner, hops),
        st.builds(
            lambda via, c: {"linked": {"via": via, "where": c}},
            st.sampled_from(["tools", "model", "memory", "used_by", "serves", "trained_on_by"]),
            inner,
        ),
        st.builds(lambda c: {"exists": {"where": c}}, inner),
        st.builds(lambda end, c: {"endpoint": {"end": end, "where": c}}, st.sampled_from(["source", "target"]), inner),
        st.builds(
            lambda d, c, p: {"artifacts": {"direction": d, "where": c, "peer": p}},
            st.sampled_from(["in", "out"]),
            st.none() | st.builds(lambda t: {"attr": t}, attr_tests()),
            st.none() | inner,
        ),
    )


CONDITION = TypeAdapter(Condition)
conditions = st.recursive(leaves(), extend, max_leaves=8).map(CONDITION.validate_python)
"""Conditions as a catalog writes them; the test reads their unknowns either way, as evaluate does
(engine/unknowns.resolve), or leaves them open."""


def tags_in(cond: dict[str, Any] | list[Any] | Any) -> Iterator[str]:
    if isinstance(cond, dict):
        for key, value in cond.items():
            if key in PREDICATE_TAGS:
                yield key
            yield from tags_in(value)
    elif isinstance(cond, list):
        for value in cond:
            yield from tags_in(value)


def test_generated_conditions_cover_every_set_wise_rule() -> None:
    """The strategy can write every predicate that has a set-wise rule (so the property below checks
    each rule against ``holds``); a predicate without one is evaluated by ``holds`` itself."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.recursive(leaves(), extend, max_leaves=8))
    def collect(cond: dict[str, Any]) -> None:
        seen.update(tags_in(cond))

    collect()
    ruled = {getattr(predicate, "TAG", None) for predicate in SETWISE}
    assert ruled <= seen
    assert ruled & set(PREDICATE_TAGS) == ruled


@SETTINGS
@given(
    system_models(),
    st.lists(st.booleans(), min_size=1, max_size=5),
    conditions,
    st.booleans(),
    st.sampled_from([None, True, False]),
)
def test_holding_is_the_elements_where_the_condition_holds(
    model: SystemModel, flags: list[bool], cond: Condition, optimistic: bool, conservative: bool | None
) -> None:
    """On components, flows and data assets alike, in the candidates' order."""
    if conservative is not None:
        cond = resolve(cond, conservative=conservative)
    graph = build_graph(forget(model, flags))
    candidates = [*sorted(graph.components), *sorted(graph.flows), *sorted(graph.data)]
    reference = Matcher(graph, optimistic=optimistic, setwise=False)
    expected = [e for e in candidates if reference.holds(cond, e)]
    assert Matcher(build_graph(graph.model), optimistic=optimistic).holding(cond, candidates) == expected
    # and on any sub-list, in any order (a rule's candidates are one kind, sorted)
    subset = candidates[::-2]
    assert Matcher(graph, optimistic=optimistic).holding(cond, subset) == [e for e in subset if e in expected]


def test_a_predicate_without_a_set_wise_rule_is_asked_element_by_element(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter for predicates written the old way (only ``Matcher._eval``): ``holding`` falls back
    to ``holds`` for them, inside set-wise composites too, and the assessment is unchanged."""
    model = load_model(REPO / "models" / "agent-with-tools.yaml", known_controls=CATALOGS.control_refs).model
    expected = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).model_dump_json()
    asked: list[str] = []
    original = Matcher._eval

    def spy(self: Matcher, cond: Condition, el: str) -> bool:
        asked.append(type(cond).__name__)
        return original(self, cond, el)

    monkeypatch.setattr(Matcher, "_eval", spy)
    for predicate in (Neighbour, Tainted, DataHandled, Linked):
        monkeypatch.delitem(SETWISE, predicate)
    assert evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).model_dump_json() == expected
    assert {"Tainted", "DataHandled", "Linked"} <= set(asked)

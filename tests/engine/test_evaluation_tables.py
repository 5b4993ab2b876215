"""The tables an evaluation keeps to share work (issue 12, session 13) change no answer.

Wording kept per element (the ``kind`` fact of a component, the stated fact of an attribute) is
compared with the reference evaluation, which words every finding afresh, by
``tests/engine/test_setwise.py``. Here: a graph whose tables are warm (the innermost boundary and
trust of each component, whether each flow crosses, the sorted flow and component keys, the
attribute indexes' codes by raw value) gives the assessment of a fresh one; ``has_candidates`` is
``bool(candidate_elements)`` for every threat; an evaluation leaves nothing for the cyclic
collector; and an attribute index that codes values by
``(type, value)`` answers every test as ``attr_matches`` does on values that are equal in Python
but not to the rules (``true`` and ``1``, ``0.0`` and ``-0.0``, an enum member and its text).
"""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest

from tests.helpers import MODEL_FILES
from threatmodel.engine import evaluate, unknowns
from threatmodel.engine.conditions import MISSING, KeyTest, attr_matches
from threatmodel.engine.evaluate import candidate_elements, has_candidates
from threatmodel.engine.index import AttrIndex
from threatmodel.graph import build_graph
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.model.rules import AttrTest

CATALOGS = load_catalogs()
AS_OF = dt.date(2026, 12, 4)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_warm_graph_gives_the_assessment_of_a_cold_one(path: Any) -> None:
    model = load_model(path, known_controls=CATALOGS.control_refs).model
    cold = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=build_graph(model)).model_dump_json()
    graph = build_graph(model)
    first = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=graph).model_dump_json()
    warm = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=graph).model_dump_json()
    assert first == cold
    assert warm == cold
    # the readings made afresh (new condition objects, the old ones freed with the matchers that
    # used them): the graph's tables looked up by a condition's identity keep the condition, so
    # a new one never takes the id of an entry still there
    unknowns._READINGS.clear()
    gc.collect()
    again = evaluate(model, CATALOGS.catalogs, as_of=AS_OF, graph=graph).model_dump_json()
    assert again == cold


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_has_candidates_says_whether_a_threat_has_candidates(path: Any) -> None:
    graph = build_graph(load_model(path, known_controls=CATALOGS.control_refs).model)
    for _, threat in CATALOGS.cset.all_threats():
        assert has_candidates(graph, threat) == bool(candidate_elements(graph, threat)), threat.id


def test_evaluating_leaves_no_reference_cycle() -> None:
    """What an evaluation built and dropped (the matchers and their tables, each explanation's
    walk) is freed by reference counting: the collector is paused while evaluating and a
    command-line run defers it, so anything left in a cycle stayed in memory (about 340,000
    objects and the two matchers at 10,000 components, before session 13)."""
    models = [load_model(path, known_controls=CATALOGS.control_refs).model for path in MODEL_FILES]
    evaluate(models[0], CATALOGS.catalogs, as_of=AS_OF)  # first use builds validators and caches
    gc.collect()
    gc.disable()
    try:
        for model in models:
            assessment = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
            assert assessment.findings or not model.components
            assert gc.collect() == 0, model.system.id
    finally:
        gc.enable()


def test_candidate_lists_are_the_callers_own() -> None:
    """The sorted keys are kept on the graph; a caller changing its list changes nothing kept."""
    graph = build_graph(load_model(MODEL_FILES[0], known_controls=CATALOGS.control_refs).model)
    for _, threat in CATALOGS.cset.all_threats():
        first = candidate_elements(graph, threat)
        first.append("x")
        assert "x" not in candidate_elements(graph, threat)


class Level(StrEnum):
    ONE = "1"
    TRUE = "true"


@dataclass
class Holder:
    value: Any


VALUES: list[Any] = [
    True,
    False,
    1,
    0,
    1.0,
    0.0,
    -0.0,
    "1",
    "true",
    "0",
    "",
    None,
    Level.ONE,
    Level.TRUE,
    ("1", True),
    (1, "true"),
    (),
    # lists of str, bool, None and enum items are coded by their items' types and the items
    ("1",),
    (True, "1"),
    (Level.ONE,),
    (Level.ONE, "1"),
    ("1", Level.ONE),
    (None, "true"),
    (Level.TRUE, True),
]


@pytest.mark.parametrize(
    "test",
    [
        AttrTest.model_validate({"name": "value", "equals": True}),
        AttrTest.model_validate({"name": "value", "equals": 1}),
        AttrTest.model_validate({"name": "value", "equals": "1"}),
        AttrTest.model_validate({"name": "value", "equals": 0.0}),
        AttrTest.model_validate({"name": "value", "equals": "true"}),
        AttrTest.model_validate({"name": "value", "in": [1, "0"]}),
        AttrTest.model_validate({"name": "value", "contains_any": ["1", False]}),
        AttrTest.model_validate({"name": "value", "contains_any": [True, "true"]}),
    ],
    ids=str,
)
def test_values_coded_by_type_and_value_answer_as_attr_matches(test: AttrTest) -> None:
    elements = {f"e{i}": Holder(v) for i, v in enumerate(VALUES)}
    elements["no-value"] = Holder(MISSING)
    compiled = KeyTest.of(test)
    assert compiled is not None
    index = AttrIndex("value", (elements,))
    order = [*elements, "nowhere"]
    # twice, and once in another order: a code made on first sight answers the same later
    for asked in (order, order, list(reversed(order))):
        expected = [e for e in asked if e in elements and attr_matches(test, elements[e].value)]
        assert index.holding(compiled, asked) == expected

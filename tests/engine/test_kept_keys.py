"""Session 20 (decision 1868): a flow's key and an assessment's report order are kept in slots once
made. Neither is ever seen: not compared, dumped, copied or walked, and a copy with other values
derives its own. The YAML guard that passes over plain values refuses what it refused."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest
from pydantic import TypeAdapter

from tests.helpers import MODEL_FILES
from threatmodel.engine.evaluate import evaluate
from threatmodel.engine.incremental import references
from threatmodel.export.common import in_report_order, report_order
from threatmodel.io import yaml_source
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.model.system import Flow

CATALOGS = load_catalogs()
AS_OF = dt.date(2026, 12, 4)
FLOW = TypeAdapter(Flow)


def test_a_flow_key_is_derived_when_validated_and_never_seen() -> None:
    flow = FLOW.validate_python({"source": "app", "target": "llm"})
    given = FLOW.validate_python({"id": "ask", "source": "app", "target": "llm"})
    assert flow.key == "app-to-llm" and given.key == "ask"
    assert "_key" not in flow.__dict__ and flow.__dict__.keys() == Flow.model_fields.keys()
    assert flow.model_dump() == Flow(source="app", target="llm").model_dump()
    assert "app-to-llm" not in flow.model_dump_json()
    assert flow == Flow.model_construct(**flow.__dict__) and hash(flow) == hash(Flow(source="app", target="llm"))
    assert references(flow, {"app-to-llm": None, "app": None}) == {"app"}  # its own key is not a value


@pytest.mark.parametrize(
    "make",
    [
        lambda f: f.model_copy(update={"target": "rag"}),
        lambda f: f.model_copy(update={"target": "rag"}, deep=True),
        lambda f: Flow.model_construct(source="app", target="rag"),
        lambda f: pickle.loads(pickle.dumps(f.model_copy(update={"target": "rag"}))),  # noqa: S301 - our own bytes
    ],
)
def test_a_copy_with_other_values_derives_its_own_key(make: object) -> None:
    flow = FLOW.validate_python({"source": "app", "target": "llm"})
    assert flow.key == "app-to-llm"
    other = make(flow)  # type: ignore[operator]
    assert other.key == "app-to-rag" and flow.key == "app-to-llm"
    assert copy.copy(flow).key == copy.deepcopy(flow).key == "app-to-llm"


@pytest.mark.parametrize("path", MODEL_FILES[:6], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_report_order_is_sorted_once_per_assessment(path: object) -> None:
    model = load_model(path, known_controls=CATALOGS.control_refs).model  # type: ignore[arg-type]
    assessment = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
    dumped = assessment.model_dump_json()
    ordered = in_report_order(assessment)
    assert list(ordered) == report_order(assessment.findings)
    assert in_report_order(assessment) is ordered
    assert assessment.model_dump_json() == dumped
    fewer = assessment.model_copy(update={"findings": assessment.findings[:1]})
    assert list(in_report_order(fewer)) == report_order(fewer.findings)


@pytest.mark.parametrize(
    ("data", "depth"),
    [
        ("a", 0),
        ({}, 0),
        ({"a": "x", "b": True, "c": 1.5, "d": None}, 1),
        ({"a": [], "b": {}, "c": ["x", [True, {"d": None}]]}, 4),
        ([[[[1]]]], 4),
        ({"a": ["x", 2**63]}, -1),
        ({"a": ["x", -(2**63)]}, -1),
        ({"a": ["x", 2**63 - 1, True]}, 2),
    ],
)
def test_the_depth_guard_measures_as_before(data: object, depth: int) -> None:
    assert yaml_source._max_depth(data) == depth


def test_the_depth_guard_stops_past_the_bound() -> None:
    deep: object = "x"
    for _ in range(yaml_source.MAX_DEPTH + 5):
        deep = {"k": [deep, "plain", False]}
    assert yaml_source._max_depth(deep) == yaml_source.MAX_DEPTH + 1

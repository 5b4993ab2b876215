"""Session 14 (decisions 1861-1862): findings the engine copies share one field set per shape of
copy, and a command that evaluates once forgets the graph's tables before writing. Neither changes
an answer: a copy is ``model_copy``'s, field for field, with an equal field set; an evaluation
with the shared sets warm equals one with them cold; the reports of an analysis whose graph forgot
its tables are those of one that kept them."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest

from tests.helpers import MODEL_FILES
from threatmodel.engine.analysis import analyse
from threatmodel.engine.evaluate import _copied, evaluate
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.render import Options, render

evaluation = importlib.import_module("threatmodel.engine.evaluate")  # the module, not the function
CATALOGS = load_catalogs()
AS_OF = dt.date(2026, 12, 4)
EXAMPLES = [p for p in MODEL_FILES if p.parent.name == "models"]


def _fields(f: Any) -> tuple[dict[str, object], set[str]]:
    return dict(f.__dict__), set(f.__pydantic_fields_set__)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shared_field_sets_warm_give_the_assessment_of_cold_ones(path: Any) -> None:
    model = load_model(path, known_controls=CATALOGS.control_refs).model
    evaluation._COPIED_SETS.clear()
    evaluation._OUR_SETS.intersection_update({id(evaluation._STATED)})
    cold = evaluate(model, CATALOGS.catalogs, as_of=AS_OF).model_dump_json()
    warm = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
    assert warm.model_dump_json() == cold
    assert len(evaluation._COPIED_SETS) <= evaluation.MAX_COPIED_SETS


def test_a_copy_is_model_copys_field_for_field() -> None:
    model = load_model(EXAMPLES[0], known_controls=CATALOGS.control_refs).model
    for f in evaluate(model, CATALOGS.catalogs, as_of=AS_OF).findings[:20]:
        for update in ({"also_affects": ("x",)}, {"triage_key": "k", "status": f.status}, {"id": "a@b"}):
            mine, theirs = _copied(f, update), f.model_copy(update=update)
            assert _fields(mine) == _fields(theirs)
            assert list(mine.__dict__) == list(theirs.__dict__)  # the fields in the same order
            assert mine == theirs and mine.model_dump_json() == theirs.model_dump_json()


def test_past_the_bound_a_copy_makes_its_own_set() -> None:
    model = load_model(EXAMPLES[0], known_controls=CATALOGS.control_refs).model
    f = evaluate(model, CATALOGS.catalogs, as_of=AS_OF).findings[0]
    saved = dict(evaluation._COPIED_SETS)
    try:
        evaluation._COPIED_SETS.update({(-i, frozenset()): set() for i in range(1, evaluation.MAX_COPIED_SETS + 1)})
        copy = _copied(f, {"triage_key": "never-seen-shape", "risk_grew_from": None, "root": None})
        assert _fields(copy) == _fields(
            f.model_copy(update={"triage_key": "never-seen-shape", "risk_grew_from": None, "root": None})
        )
        assert id(copy.__pydantic_fields_set__) not in evaluation._OUR_SETS
    finally:
        evaluation._COPIED_SETS.clear()
        evaluation._COPIED_SETS.update(saved)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_reports_after_the_graph_forgot_its_tables_are_the_same(path: Any) -> None:
    model = load_model(path, known_controls=CATALOGS.control_refs).model
    kept = analyse(model, CATALOGS.cset, as_of=AS_OF)
    forgot = analyse(model, CATALOGS.cset, as_of=AS_OF)
    forgot.graph.forget_tables()
    options = Options(tool_version="0.0.0-test", run_dot=lambda dot, fmt: b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    for fmt in ("json", "md", "html", "sarif", "stix"):
        assert render(fmt, forgot, options).data == render(fmt, kept, options).data, fmt

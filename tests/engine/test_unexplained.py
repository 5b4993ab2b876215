"""Unexplained findings (``evaluate(..., explain=False)``, what ``check`` and ``diff`` use) are the
explained findings without their explanation: same ids, grouping, scores, statuses, triage,
proposals and diagnostics, with ``why``, paths, scenario and assumptions left empty.

Decision 0950: the explanation is most of the cost of a finding and these commands print none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.helpers import FIXED_DATE, MODEL_FILES
from tests.property.strategies import system_models
from threatmodel.engine import evaluate
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import SystemModel

CATALOGS: LoadedCatalogs = load_catalogs()
EXPLANATION = {"why", "path", "paths", "scenario", "assumes", "factors"}


def decisive(f: Finding) -> dict[str, Any]:
    """Everything of a finding but its explanation, with its score steps as (axis, delta)."""
    out = f.model_dump(mode="json", exclude=EXPLANATION)
    out["steps"] = [(s.axis, s.delta) for s in f.factors]
    return out


def assert_same_but_unexplained(model: SystemModel) -> None:
    full = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE)
    bare = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE, explain=False)
    assert full.explained and not bare.explained
    assert [decisive(f) for f in bare.findings] == [decisive(f) for f in full.findings]
    for b, f in zip(bare.findings, full.findings, strict=True):
        assert (b.why, b.path, b.paths, b.scenario, b.assumes) == ((), (), (), "", ())
        # a step's note on unknowns is explanation; the reason it starts from is not
        assert all(f_step.reason.startswith(b_step.reason) for b_step, f_step in zip(b.factors, f.factors, strict=True))

    def rest(a: Assessment) -> str:
        return a.model_copy(update={"findings": (), "explained": True}).model_dump_json()

    assert rest(bare) == rest(full)
    assert bare.open_risk == full.open_risk


def test_there_are_models_to_compare() -> None:
    assert len(MODEL_FILES) >= 20


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_model_file_unexplained(path: Path) -> None:
    assert_same_but_unexplained(load_model(path, known_controls=CATALOGS.control_refs).model)


def test_some_model_files_have_what_the_comparison_must_cover() -> None:
    """Grouped findings, triage and explanations resting on unknowns all occur, so the comparison above
    is not vacuous about them."""
    seen = {"grouped": False, "triaged": False, "assumes": False}
    for path in MODEL_FILES:
        a = evaluate(load_model(path, known_controls=CATALOGS.control_refs).model, CATALOGS.catalogs, as_of=FIXED_DATE)
        seen["grouped"] |= any(f.affected for f in a.findings)
        seen["triaged"] |= any(f.triage is not None for f in a.findings)
        seen["assumes"] |= any(f.assumes for f in a.findings)
    assert all(seen.values()), seen


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(system_models())
def test_generated_models_unexplained(model: SystemModel) -> None:
    assert_same_but_unexplained(model)

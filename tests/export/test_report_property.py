"""Shuffling a model's lists changes no byte of any report format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.export.reporting import AS_OF, DATA, FORMATS, Case, catalogs, load_case, render
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.model.system import SystemModel

LIST_FIELDS = ("components", "flows", "boundaries", "data", "controls")


def _baseline(case: Case) -> dict[str, str]:
    return {fmt: _render(case, case.assessment.model, fmt) for fmt in FORMATS}


def _render(case: Case, model: SystemModel, fmt: str) -> str:
    assessment = evaluate(model, catalogs().catalogs, as_of=AS_OF)
    spans = {e: case.locate(e) for e in _element_ids(model)}
    return render(
        fmt,
        assessment,
        CatalogSet(tuple(catalogs().catalogs)),
        model_uri=case.model_uri,
        locate=lambda e: spans.get(e, (1, 1)),
    )


def _element_ids(model: SystemModel) -> list[str]:
    return [model.system.id, *(c.id for c in model.components), *(f.key for f in model.flows)]


def _shuffled(model: SystemModel, data: Any) -> SystemModel:
    update: dict[str, Any] = {name: tuple(data.draw(st.permutations(getattr(model, name)))) for name in LIST_FIELDS}
    keys = data.draw(st.permutations(sorted(model.triage)))
    update["triage"] = {k: model.triage[k] for k in keys}
    return model.model_copy(update=update)


CASES: dict[str, tuple[Case, dict[str, str]]] = {}


def _case(name: str) -> tuple[Case, dict[str, str]]:
    if name not in CASES:
        case = load_case(DATA / name)
        CASES[name] = (case, _baseline(case))
    return CASES[name]


@pytest.mark.parametrize("name", ["support-assistant.yaml", "hostile.yaml"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_shuffled_model_renders_identically(name: str, data: Any) -> None:
    """Permuting components, flows, boundaries, data, controls and triage gives byte-identical md/html/json/sarif/stix."""
    case, baseline = _case(name)
    model = _shuffled(case.assessment.model, data)
    for fmt in FORMATS:
        assert _render(case, model, fmt) == baseline[fmt], f"{fmt} changed when the model's lists were shuffled"


def test_baseline_uses_the_real_locations() -> None:
    """The shuffle test's locator is the loaded file's (so SARIF regions are real, not placeholders)."""
    case, baseline = _case("support-assistant.yaml")
    line = case.locate("support-agent")[0]
    assert line > 1 and f'"startLine": {line}' in baseline["sarif"]
    assert Path(case.loaded.path).name == "support-assistant.yaml"

"""Property: a model written out and read back is the same model."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.property.strategies import system_models
from threatmodel.io.dump import dump_model
from threatmodel.io.load import load_model_text
from threatmodel.model.check import check_references
from threatmodel.model.system import SystemModel


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models())
def test_load_dump_load_is_identity(model: SystemModel) -> None:
    """load(dump(model)) == model, through the real loader (YAML text, schema, reference checks)."""
    assert check_references(model) == []
    text = dump_model(model)
    again = load_model_text(text, "generated.yaml").model
    assert again == model
    assert dump_model(again) == text

"""Engine invariants that example tests miss, checked on generated models with the built-in catalogs."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE
from tests.property.strategies import system_models
from threatmodel.engine import analyse, evaluate
from threatmodel.export.json import render_json
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.system import SystemModel

AS_OF = FIXED_DATE
CATALOGS: LoadedCatalogs = load_catalogs()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shuffled(model: SystemModel, seed: int) -> SystemModel:
    rng = random.Random(seed)

    def perm(items: tuple[object, ...]) -> list[object]:
        out = list(items)
        rng.shuffle(out)
        return out

    return model.model_copy(
        update={
            "components": tuple(perm(model.components)),
            "flows": tuple(perm(model.flows)),
            "boundaries": tuple(perm(model.boundaries)),
            "data": tuple(perm(model.data)),
            "controls": tuple(perm(model.controls)),
        }
    )


@SETTINGS
@given(system_models(), st.integers(0, 10_000))
def test_order_of_lists_changes_nothing(model: SystemModel, seed: int) -> None:
    """Shuffling components, flows, boundaries, data and controls changes no finding and no output byte."""
    before = analyse(model, CATALOGS.catalogs, as_of=AS_OF)
    after = analyse(shuffled(model, seed), CATALOGS.catalogs, as_of=AS_OF)
    assert before.assessment.findings == after.assessment.findings
    assert before.assessment.proposals == after.assessment.proposals
    assert render_json(before, tool_version="t") == render_json(after, tool_version="t")


@SETTINGS
@given(system_models())
def test_finding_ids_are_unique_and_stable(model: SystemModel) -> None:
    """Finding ids are unique, of the form threat@element, and the same on every run."""
    first = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
    ids = [f.id for f in first.findings]
    assert len(ids) == len(set(ids))
    assert all(f.id == f"{f.threat}@{f.root or f.target}" for f in first.findings)
    assert ids == [f.id for f in evaluate(model, CATALOGS.catalogs, as_of=AS_OF).findings]


@SETTINGS
@given(system_models())
def test_an_unconnected_component_only_adds_findings(model: SystemModel) -> None:
    """Adding a component with no flows keeps every existing component and flow finding as it was."""
    before = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
    # only what the model states: a full dump would state every default, and an explanation says
    # whether a value was written or is the schema's default (decision 1901)
    stated = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    extra = SystemModel.model_validate(
        {**stated, "components": [*stated.get("components", []), {"id": "zz-added-store", "kind": "datastore"}]}
    )
    after = {f.id: f for f in evaluate(extra, CATALOGS.catalogs, as_of=AS_OF).findings}
    for finding in before.findings:
        if finding.target_type.value != "system":
            assert after.get(finding.id) == finding


@SETTINGS
@given(system_models(), st.data())
def test_implementing_a_control_never_adds_open_findings(model: SystemModel, data: st.DataObject) -> None:
    """Declaring any catalog control as implemented never increases open findings or open risk."""
    control = data.draw(st.sampled_from(sorted(CATALOGS.control_refs)))
    before = evaluate(model, CATALOGS.catalogs, as_of=AS_OF)
    dumped = model.model_dump(mode="json", by_alias=True)
    dumped["controls"] = [*dumped["controls"], {"control": control}]
    after = evaluate(SystemModel.model_validate(dumped), CATALOGS.catalogs, as_of=AS_OF)
    assert len(after.open_findings) <= len(before.open_findings)
    assert after.open_risk <= before.open_risk

"""Findings built cheaply (issue 12, decision 0981) are the findings a validated build gives.

The engine builds each finding as a record of its fields, without validating it again, shares what
all the findings of one threat share (base score steps, title, references, the parsed scenario
template) and fills only the placeholders a template uses. These tests compare the result with
the validated, per-finding way over every example, corpus and held-out model and over generated
models: each finding equals its validated copy with every field of the same type, and a parsed
template fills exactly as :func:`threatmodel.engine.catalogs.fill` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE, MODEL_FILES
from tests.property.strategies import system_models
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import PLACEHOLDERS, Template, fill
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

CATALOGS: LoadedCatalogs = load_catalogs()


def assert_validated(finding: Finding) -> None:
    """``finding`` equals the finding pydantic validates from its fields, field by field and type by type."""
    checked = Finding.model_validate(finding.model_dump())
    assert checked == finding
    for name in Finding.model_fields:
        mine, theirs = getattr(finding, name), getattr(checked, name)
        assert type(mine) is type(theirs), (finding.id, name, type(mine), type(theirs))
        if isinstance(mine, tuple):
            assert [type(x) for x in mine] == [type(x) for x in theirs], (finding.id, name)
    assert checked.model_dump_json() == finding.model_dump_json()
    assert list(vars(finding)) == list(Finding.model_fields)
    assert (finding.__pydantic_extra__, finding.__pydantic_private__) == (None, None)
    # what the finding states is what a validated build of its engine-made fields states
    assert {"id", "threat", "why", "scenario", "factors", "status"} <= finding.model_fields_set


def assert_records_valid(model: SystemModel) -> None:
    for explain in (True, False):
        for finding in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE, explain=explain).findings:
            assert_validated(finding)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_model_file_builds_valid_findings(path: Path) -> None:
    assert_records_valid(load_model(path, known_controls=CATALOGS.control_refs).model)


def test_the_models_have_findings_to_check() -> None:
    """The comparison above sees findings with scenarios, steps, references and former ids."""
    findings = [
        f
        for path in MODEL_FILES[:8]
        for f in evaluate(
            load_model(path, known_controls=CATALOGS.control_refs).model, CATALOGS.catalogs, as_of=FIXED_DATE
        ).findings
    ]
    assert any(f.scenario and f.why for f in findings)
    assert any(len(f.factors) > 2 for f in findings)
    assert all(f.refs for f in findings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(system_models())
def test_generated_models_build_valid_findings(model: SystemModel) -> None:
    assert_records_valid(model)


_NAMES = st.sampled_from(sorted(PLACEHOLDERS | {"", "unknown", "a b", "{", "}"}))
_TEXT = st.text(alphabet=st.sampled_from("ab {}→é\n"), max_size=30)


@st.composite
def _templates(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.one_of(_TEXT, _NAMES.map(lambda n: "{" + n + "}")), max_size=8))
    return "".join(pieces)


@given(_templates(), st.dictionaries(_NAMES, _TEXT, max_size=6))
def test_parsed_template_fills_like_fill(template: str, values: dict[str, str]) -> None:
    parsed = Template.of(template)
    assert parsed.fill(values) == fill(template, values)
    # the values of placeholders the template does not use change nothing
    used = {k: v for k, v in values.items() if k in parsed.names}
    assert parsed.fill(used) == fill(template, values)


def test_parsed_template_examples() -> None:
    t = Template.of("{target} sends {data} to {nowhere}; {{x}} stays")
    assert t.names == frozenset({"target", "data", "nowhere", "x"})
    assert t.fill({"target": "App", "data": "logs"}) == "App sends logs to {nowhere}; {{x}} stays"
    assert Template.of("no placeholder").fill({"target": "x"}) == "no placeholder"

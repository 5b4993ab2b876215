"""Form specs and validation as you type, without a terminal."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.tui.conftest import AS_OF, DATA
from threatmodel.edit.session import EditSession
from threatmodel.io.load import LoadedCatalogs
from threatmodel.model.system import COMPONENT_CLASSES
from threatmodel.tui import forms


@pytest.fixture
def session(tmp_path: Path, demo_catalogs: LoadedCatalogs) -> EditSession:
    path = tmp_path / "model.yaml"
    shutil.copyfile(DATA / "model.yaml", path)
    return EditSession.open(path, demo_catalogs, AS_OF)


def check(
    session: EditSession,
    section: str,
    values: dict[str, forms.RawValue],
    *,
    kind: str | None = None,
    key: str | None = None,
) -> forms.Validation:
    specs = forms.form_specs(section, kind)
    raw = forms.raw_values(specs, None)
    raw.update(values)
    return forms.validate(
        section, specs, raw, session.model, key=key, original=None, known_controls=session.catalogs.control_refs
    )


class TestSpecs:
    @pytest.mark.parametrize("cls", COMPONENT_CLASSES, ids=lambda c: c.__name__)
    def test_every_component_field_has_an_input(self, cls: type) -> None:
        """Each field of each component class (nested ones flattened) gets one input."""
        kind = cls.model_fields["kind"].annotation.__args__[0]  # type: ignore[attr-defined]
        names = {s.name.split(".")[0] for s in forms.form_specs("components", kind)}
        assert names == set(cls.model_fields)  # type: ignore[attr-defined]

    def test_kinds_of_inputs(self) -> None:
        """Enums become choices, id lists become reference pickers, tags free words, dates dates."""
        specs = {s.name: s for s in forms.form_specs("components", "agent")}
        assert specs["autonomy"].kind == forms.CHOICE
        assert specs["autonomy"].choices == ("assistive", "supervised", "autonomous")
        assert specs["tools"].kind == forms.MULTI_REF
        assert specs["tools"].ref is not None and specs["tools"].ref.kinds == frozenset({"tool", "mcp-server"})
        assert specs["boundary"].kind == forms.REF
        assert specs["tags"].kind == forms.WORDS
        assert specs["untrusted_content"].kind == forms.BOOL
        assert specs["execution_bounds.max_cost"].kind == forms.NUMBER
        assert specs["id"].required and specs["kind"].required
        assert "Stable id" in specs["id"].help
        triage = {s.name: s for s in forms.TRIAGE_SPECS}
        assert triage["review_by"].kind == forms.DATE
        flow = {s.name: s for s in forms.form_specs("flows")}
        assert flow["encrypted"].kind == forms.OPTIONAL_BOOL


class TestValidation:
    def test_a_valid_component_gives_its_file_entry(self, session: EditSession) -> None:
        """A valid form yields the element and the short mapping written to the file."""
        v = check(session, "components", {"id": "planner", "kind": "agent", "autonomy": "autonomous"}, kind="agent")
        assert v.ok
        assert v.document == {"id": "planner", "kind": "agent", "autonomy": "autonomous"}

    def test_a_data_asset_states_its_artefact_facts(self, session: EditSession) -> None:
        """The data form offers artefact, provenance, format and integrity as choices and writes them."""
        specs = {s.name: s for s in forms.form_specs("data")}
        assert specs["format"].kind == forms.CHOICE and "pickle" in specs["format"].choices
        assert specs["integrity"].choices == ("signature-verified", "hash-pinned", "none")
        result = check(
            session,
            "data",
            {"id": "hub-weights", "artifact": "model-weights", "format": "pytorch", "integrity": "none"},
        )
        assert result.ok, result.field_errors
        assert result.document is not None
        assert {k: result.document[k] for k in ("artifact", "format", "integrity")} == {
            "artifact": "model-weights",
            "format": "pytorch",
            "integrity": "none",
        }

    def test_first_error_per_field_in_loader_words(self, session: EditSession) -> None:
        """Schema errors are reported per field, in the words the loader uses."""
        v = check(
            session,
            "components",
            {"id": "Planner", "kind": "agent", "execution_bounds.max_steps": "many"},
            kind="agent",
        )
        assert not v.ok
        assert v.field_errors["id"].startswith("'Planner' is not a valid id")
        assert "valid integer" in v.field_errors["execution_bounds.max_steps"]

    def test_reference_errors_land_on_their_field(self, session: EditSession) -> None:
        """A reference to a missing element is reported on the field that holds it."""
        v = check(session, "flows", {"source": "customer", "target": "ghost"})
        assert v.field_errors["target"].startswith("unknown component 'ghost'")

    def test_duplicate_ids_are_refused(self, session: EditSession) -> None:
        """An id already used by another element is an error on the id field."""
        v = check(session, "data", {"id": "question"})
        assert "already addressed as 'question'" in v.field_errors["id"]

    def test_missing_kind_still_checks_the_rest(self, session: EditSession) -> None:
        """Before a kind is chosen, the shared fields are still checked."""
        v = check(session, "components", {"id": "Bad Id"})
        assert v.field_errors["kind"] == "choose a kind"
        assert "not a valid id" in v.field_errors["id"]

    def test_agent_tools_must_be_tools(self, session: EditSession) -> None:
        """Kind-specific reference rules (an agent's tools are tools) come from the loader's checks."""
        v = check(session, "components", {"id": "planner", "kind": "agent", "tools": ("retriever",)}, kind="agent")
        assert (
            "'retriever' is a retriever, but an agent's tools must be one of: mcp-server, tool"
            in v.field_errors["tools"]
        )

    def test_controls_need_a_known_control(self, session: EditSession) -> None:
        """An implemented control must name a catalog control; scope must name elements."""
        v = check(session, "controls", {"control": "demo:nope", "scope": ("web-app",)})
        assert v.field_errors["control"] == "unknown control 'demo:nope'"
        v = check(session, "controls", {"control": "demo:input-filter", "scope": ("web-app",)})
        assert v.ok and v.document == {"control": "demo:input-filter", "scope": ["web-app"]}

    def test_triage_needs_a_reason_for_decisions(self) -> None:
        """Accepting or dismissing a finding needs a justification; dates must be dates."""
        raw = forms.raw_values(forms.TRIAGE_SPECS, None)
        raw["status"] = "accepted"
        entry, errors = forms.validate_triage(raw)
        assert entry is None and "justification" in errors
        raw["justification"] = "low exposure"
        raw["review_by"] = "2027-02-30"
        entry, errors = forms.validate_triage(raw)
        assert entry is None and "review_by" in errors
        raw["review_by"] = "2027-02-28"
        entry, errors = forms.validate_triage(raw)
        assert errors == {} and entry == {
            "status": "accepted",
            "justification": "low exposure",
            "review_by": dt.date(2027, 2, 28),
        }


async def test_checkbox_state_shows_without_colour() -> None:
    """The form checkbox draws [x] when on and [ ] when off, so the state survives a monochrome screen."""
    from textual.app import App, ComposeResult

    from threatmodel.tui.widgets.checkbox import MarkedCheckbox

    class Box(App[None]):
        def compose(self) -> ComposeResult:
            yield MarkedCheckbox("yes", value=False, id="box")

    app = Box()
    async with app.run_test(size=(30, 3)) as pilot:
        box = app.query_one("#box", MarkedCheckbox)

        assert "[ ]" in str(box.render()) and "[x]" not in str(box.render())
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value is True
        assert "[x]" in str(box.render()) and "[ ]" not in str(box.render())


def test_table_severity_is_residual_like_the_cli(demo_catalogs: LoadedCatalogs) -> None:
    """The findings table shows residual severity and inherent→residual risk, and says so in its headers."""
    from threatmodel.engine import evaluate
    from threatmodel.io.load import load_model
    from threatmodel.tui.widgets.findings_table import COLUMNS, FindingsTable

    model = load_model(DATA / "model.yaml", known_controls=demo_catalogs.control_refs).model
    findings = evaluate(model, demo_catalogs.catalogs, as_of=AS_OF).findings
    from threatmodel.model.base import Severity

    high = next(f for f in findings if f.severity is Severity.HIGH)
    lowered = [high.model_copy(update={"residual_severity": Severity.MEDIUM, "residual_risk": high.risk - 4})]
    for f in lowered:
        sev, risk, *_ = FindingsTable._cells_of(f)
        assert sev.plain == f.residual_severity.value.upper()
        assert risk.plain == f"{f.risk}→{f.residual_risk}"
    headers = dict(COLUMNS)
    assert headers["severity"] == "Residual" and headers["risk"] == "Risk i→r"


class TestStatedNone:
    """An empty list and an unstated list mean different things for an attribute that may be
    unknown (``side_effects: []`` is "no side effects", leaving it out is "not known"); the
    form keeps the two apart in both directions."""

    def spec(self, section: str, name: str, kind: str | None = None) -> forms.FieldSpec:
        return next(s for s in forms.form_specs(section, kind) if s.name == name)

    def test_only_unknowable_lists_offer_it(self) -> None:
        assert self.spec("components", "side_effects", "tool").unknowable
        assert self.spec("data", "derived_from").unknowable
        assert not self.spec("components", "tools", "agent").unknowable

    def test_an_empty_list_round_trips(self) -> None:
        specs = forms.form_specs("components", "tool")
        raw = forms.raw_values(specs, {"id": "t", "kind": "tool", "side_effects": []})
        assert raw["side_effects"] == (forms.STATED_NONE,)
        assert forms.candidate(specs, raw)["side_effects"] == []

    def test_nothing_chosen_stays_unknown(self) -> None:
        specs = forms.form_specs("components", "tool")
        raw = forms.raw_values(specs, {"id": "t", "kind": "tool"})
        assert raw["side_effects"] is None
        assert "side_effects" not in forms.candidate(specs, raw)
        assert "side_effects" not in forms.candidate(specs, {**raw, "side_effects": ()})

    def test_chosen_values_are_kept(self) -> None:
        specs = forms.form_specs("components", "tool")
        raw = {**forms.raw_values(specs, None), "id": "t", "kind": "tool", "side_effects": ("write",)}
        assert forms.candidate(specs, raw)["side_effects"] == ["write"]

    def test_typed_none_states_an_empty_word_list(self) -> None:
        specs = forms.form_specs("data")
        raw = forms.raw_values(specs, {"id": "d", "name": "D", "purpose": []})
        assert raw["purpose"] == forms.STATED_NONE
        assert forms.candidate(specs, raw)["purpose"] == []
        assert "purpose" not in forms.candidate(specs, {**raw, "purpose": "  "})

    def test_derived_from_none_validates(self, session: EditSession) -> None:
        result = check(session, "data", {"id": "original-notes", "name": "Notes", "derived_from": (forms.STATED_NONE,)})
        assert result.ok, (result.field_errors, result.model_errors)
        assert result.document is not None and result.document["derived_from"] == []

    def test_none_with_other_values_is_refused(self, session: EditSession) -> None:
        result = check(
            session,
            "components",
            {"id": "t2", "kind": "tool", "side_effects": (forms.STATED_NONE, "write")},
            kind="tool",
        )
        assert not result.ok
        assert "choose it alone" in result.field_errors["side_effects"]


class TestUnknownClassification:
    """A data asset's classification may be unknown (decision 1630): the form offers it as a
    choice with nothing chosen meaning unknown, keeps a stated level, and never writes a default."""

    def spec(self) -> forms.FieldSpec:
        return next(s for s in forms.form_specs("data") if s.name == "classification")

    def test_it_is_an_optional_choice_of_the_four_levels(self) -> None:
        spec = self.spec()
        assert spec.kind == forms.CHOICE and not spec.required
        assert spec.choices == ("public", "internal", "confidential", "restricted")
        assert spec.default is None

    def test_nothing_chosen_stays_unknown(self) -> None:
        specs = forms.form_specs("data")
        raw = forms.raw_values(specs, {"id": "notes", "name": "Notes"})
        assert raw["classification"] is None
        assert "classification" not in forms.candidate(specs, raw)

    def test_a_stated_level_is_kept(self) -> None:
        specs = forms.form_specs("data")
        raw = forms.raw_values(specs, {"id": "notes", "name": "Notes", "classification": "internal"})
        assert forms.candidate(specs, raw)["classification"] == "internal"

    def test_an_unclassified_asset_validates(self, session: EditSession) -> None:
        result = check(session, "data", {"id": "new-notes", "name": "Notes"})
        assert result.ok, (result.field_errors, result.model_errors)
        assert result.document is not None and "classification" not in result.document

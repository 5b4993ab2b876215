"""Pilot tests: every user action of the TUI, asserted on the session, the file and the widgets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, SelectionList, Tree

from tests.tui.conftest import AS_OF, SIZE
from tests.tui.helpers import detail_text, overview, select_in_tree, set_input, settle, table, tm, tree, type_text
from threatmodel.errors import ModelError
from threatmodel.io.load import LoadedCatalogs
from threatmodel.tui.app import ThreatModelApp, make_app
from threatmodel.tui.messages import ModelChanged, TriageChanged
from threatmodel.tui.screens.catalog import CatalogScreen
from threatmodel.tui.screens.dialogs import ChoiceScreen, ConflictScreen, PathScreen
from threatmodel.tui.screens.edit import EditScreen, TriageScreen, widget_id
from threatmodel.tui.screens.export import ExportScreen
from threatmodel.tui.screens.finding import FindingScreen
from threatmodel.tui.screens.help import HelpScreen
from threatmodel.tui.screens.new_model import NewModelScreen
from threatmodel.tui.screens.plan import PlanScreen
from threatmodel.tui.widgets.diagram import DiagramView
from threatmodel.tui.widgets.findings_table import FindingsTable

UNSAFE = "demo:unsafe-rendering@web-app"
BROAD = "demo:broad-tool@ticket-tool"


def status_of(app: ThreatModelApp, finding_id: str) -> str:
    assert app.session is not None
    return str(next(f.status for f in app.session.assessment.findings if f.id == finding_id))


# ---------------------------------------------------------------------------
# Browsing


async def test_overview_shows_tree_findings_and_counts(app: ThreatModelApp) -> None:
    """Opening a model shows its boundaries and components, every finding, and the counts."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        labels = {str(n.label) for n in tree(pilot).nodes_by_ref.values()}
        assert any(label.startswith("Chat LLM") for label in labels)
        assert any("Data zone" in label for label in labels)
        assert set(table(pilot).visible_ids) == {f.id for f in tm(pilot).session.assessment.findings}  # type: ignore[union-attr]
        assert len(table(pilot).visible_ids) == 8
        status = str(overview(pilot).query_one("#status").render())
        assert "8 findings" in status
        assert "7 open" in status
        assert pilot.app.sub_title == "model.yaml"


async def test_tree_navigation_shows_component(app: ThreatModelApp) -> None:
    """Moving the tree cursor onto a component shows its attributes, flows and findings."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        t = tree(pilot)
        assert t.has_focus
        t.select_element("components", "ticket-tool")
        await pilot.press("down")  # the next line is the model vendor boundary, then its LLM
        await pilot.press("down")
        assert t.current == ("components", "chat-llm")
        text = detail_text(pilot)
        assert "Chat LLM" in text
        assert "chat-llm · llm" in text
        assert "Model vendor" in text
        assert "← retriever" in text
        assert "Injected instructions reach the model" in text


async def test_selecting_a_finding_shows_it(app: ThreatModelApp) -> None:
    """Moving through the findings table shows the highlighted finding's why and scenario."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the table builds its rows after its first layout, late on a loaded machine
        t = table(pilot)
        t.focus()
        assert t.select_finding("demo:injected-instructions@chat-llm")
        await pilot.pause()
        text = detail_text(pilot)
        assert "Injected instructions reach the model" in text
        assert "untrusted content reaches Chat LLM" in text
        assert "demo:input-filter" in text


async def test_enter_opens_the_finding_screen(app: ThreatModelApp) -> None:
    """Enter on a row opens the full finding: scoring factors, controls and references with titles."""
    async with app.run_test(size=SIZE) as pilot:
        order = table(pilot).visible_ids
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FindingScreen)
        text = detail_text(pilot, "#finding-detail")
        for expected in (
            "Attack scenario",
            "the rendering happens in a browser on the internet",
            "demo-top:DT02 — Unsafe output handling",
            "https://example.org/demo-top/dt02",
            "demo:output-encoding — Encode model output (proposed)",
            "Sanitiser for Markdown images is being rolled out.",
        ):
            assert expected in text
        await pilot.press("n")
        assert pilot.app.screen.finding_id == order[order.index(UNSAFE) + 1]  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert overview(pilot)


async def test_finding_screen_steps_through_the_table_order(app: ThreatModelApp) -> None:
    """n and p move to the next and previous finding in the order the table showed."""
    async with app.run_test(size=SIZE) as pilot:
        order = table(pilot).visible_ids
        table(pilot).focus()
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, FindingScreen)
        assert screen.finding_id == order[0]
        await pilot.press("n", "n")
        assert screen.finding_id == order[2]
        await pilot.press("p")
        assert screen.finding_id == order[1]
        assert "finding 2 of 8" in screen.sub_title


# ---------------------------------------------------------------------------
# Triage


async def test_accept_with_justification_records_triage(app: ThreatModelApp, model_path: Path) -> None:
    """a opens the triage form; with a justification the finding is accepted after re-analysis."""
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(BROAD)
        await pilot.press("a")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, TriageScreen)
        assert form.query_one("#form-apply", Button).disabled  # accepted needs a justification
        await type_text(pilot, widget_id("justification"), "Scoped")
        assert not form.query_one("#form-apply", Button).disabled
        await set_input(pilot, widget_id("justification"), "Ticket scope is one queue")
        await set_input(pilot, widget_id("owner"), "Support lead")
        await set_input(pilot, widget_id("review_by"), "2027-03-01")
        await set_input(pilot, widget_id("ticket"), "SEC-7")
        assert not form.query_one("#form-apply", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, type(overview(pilot)))
        session = tm(pilot).session
        assert session is not None
        entry = session.model.triage[BROAD]
        assert str(entry.status) == "accepted"
        assert entry.justification == "Ticket scope is one queue"
        assert entry.owner == "Support lead"
        assert entry.review_by is not None and entry.review_by.isoformat() == "2027-03-01"
        assert entry.decided_on == AS_OF
        assert status_of(tm(pilot), BROAD) == "accepted"
        row = table(pilot).get_row(BROAD)
        assert "accepted" in [str(c) for c in row]
        assert session.modified
        assert " ● unsaved" in pilot.app.sub_title
    changed = next(m for m in messages if isinstance(m, TriageChanged))
    assert (changed.finding_id, changed.status) == (BROAD, "accepted")
    assert model_path.read_text(encoding="utf-8") == (Path(__file__).parent / "data" / "model.yaml").read_text(
        encoding="utf-8"
    )


async def test_triage_form_shows_errors_as_you_type(app: ThreatModelApp) -> None:
    """A bad review-by date is reported under its field while typing, and blocks recording."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(BROAD)
        await pilot.press("f")
        await pilot.pause()  # let the form mount its fields (on a loaded machine the query raced it)
        form = pilot.app.screen
        assert isinstance(form, TriageScreen)
        await set_input(pilot, widget_id("justification"), "Not reachable")
        await type_text(pilot, widget_id("review_by"), "soon")
        error = str(form.query_one(f"#err-{widget_id('review_by')}").render())
        assert "expected a date written YYYY-MM-DD (got 'soon')" in error
        assert form.query_one("#form-apply", Button).disabled
        await pilot.press("ctrl+s")
        assert pilot.app.screen is form  # still open: nothing recorded
        await pilot.press("escape")
        assert BROAD not in tm(pilot).session.model.triage  # type: ignore[union-attr]


async def test_reopen_removes_the_decision(app: ThreatModelApp) -> None:
    """o on a triaged finding removes its triage entry; the finding counts as open again."""
    async with app.run_test(size=SIZE) as pilot:
        assert status_of(tm(pilot), UNSAFE) == "in-progress"
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        await pilot.pause()
        assert UNSAFE not in tm(pilot).session.model.triage  # type: ignore[union-attr]
        assert status_of(tm(pilot), UNSAFE) == "open"


# ---------------------------------------------------------------------------
# Editing


async def open_edit_form(pilot: Pilot[Any], section: str | None = None, key: str = "") -> EditScreen:
    """e on an element (picked in the tree first when ``section`` is given): its edit form."""
    if section is not None:
        await select_in_tree(pilot, section, key)
    await pilot.press("e")
    form = pilot.app.screen
    assert isinstance(form, EditScreen)
    return form


async def open_add_form(pilot: object, choice: str) -> EditScreen:
    """n, then choose what to add with the arrow keys and Enter (no mouse)."""
    from textual.pilot import Pilot

    from threatmodel.tui.editor import ADD_CHOICES

    assert isinstance(pilot, Pilot)
    await pilot.press("n")
    await pilot.pause()
    chooser = pilot.app.screen
    assert isinstance(chooser, ChoiceScreen)
    steps = [c[0] for c in ADD_CHOICES].index(choice)
    for _ in range(steps):
        await pilot.press("right")
    await pilot.press("enter")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, EditScreen)
    return form


async def test_add_component_validates_then_appears(app: ThreatModelApp) -> None:
    """A bad id is reported while typing; a valid tool appears in the tree and brings its finding."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        form = await open_add_form(pilot, "components")
        await type_text(pilot, widget_id("id"), "Mail X")
        error = str(form.query_one(f"#err-{widget_id('id')}").render())
        assert "'Mail X' is not a valid id" in error
        assert "e.g. 'mail-x'" in error
        assert form.query_one("#form-apply", Button).disabled
        await set_input(pilot, widget_id("id"), "mail-sender")
        assert str(form.query_one(f"#err-{widget_id('id')}").render()) == ""
        form.query_one("#f-kind", Select).value = "tool"
        await pilot.pause()
        await pilot.pause()
        effects = form.query_one(f"#{widget_id('side_effects')}", SelectionList)
        effects.deselect_all()
        effects.select("send-external")
        form.query_one(f"#{widget_id('boundary')}", Select).value = "corp"
        await pilot.pause()
        assert not form.query_one("#form-apply", Button).disabled
        await pilot.click("#form-apply")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        component = session.element("components", "mail-sender")
        assert component is not None and str(component.kind) == "tool"
        assert ("components", "mail-sender") in set(tree(pilot).refs())
        assert "demo:broad-tool@mail-sender" in table(pilot).visible_ids
        assert (
            "- id: mail-sender\n    kind: tool\n    boundary: corp\n    side_effects: [send-external]\n"
            in session.text()
        )


async def test_add_a_boundary_and_a_data_asset_then_use_them(app: ThreatModelApp) -> None:
    """Boundaries and data assets are added through their forms and are offered to later forms."""
    async with app.run_test(size=SIZE) as pilot:
        form = await open_add_form(pilot, "boundaries")
        await set_input(pilot, widget_id("id"), "partner-cloud")
        form.query_one(f"#{widget_id('trust')}", Select).value = "partner"
        form.query_one(f"#{widget_id('parent')}", Select).value = "corp"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = await open_add_form(pilot, "data")
        await set_input(pilot, widget_id("id"), "invoices")
        form.query_one(f"#{widget_id('classification')}", Select).value = "restricted"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert session.element("boundaries", "partner-cloud").parent == "corp"  # type: ignore[union-attr]
        assert str(session.element("data", "invoices").classification) == "restricted"  # type: ignore[union-attr]
        assert ("boundaries", "partner-cloud") in set(tree(pilot).refs())
        form = await open_edit_form(pilot, "components", "ticket-tool")
        boundary = form.query_one(f"#{widget_id('boundary')}", Select)
        boundary.value = "partner-cloud"  # a Select refuses values it does not offer
        assert boundary.value == "partner-cloud"
        data = form.query_one(f"#{widget_id('data')}", SelectionList)
        assert "invoices" in [data.get_option_at_index(i).value for i in range(data.option_count)]
        data.select("invoices")
        await pilot.press("ctrl+s")
        await pilot.pause()
        ticket_tool = session.element("components", "ticket-tool")
        assert ticket_tool.data == ("invoices",)  # type: ignore[union-attr]
        assert ticket_tool.boundary == "partner-cloud"  # type: ignore[union-attr]
        assert "    data: [invoices]\n" in session.text()


async def test_stating_none_is_kept_apart_from_unknown(app: ThreatModelApp) -> None:
    """'(none: stated)' writes an empty list; editing again shows it chosen, and unchoosing
    everything makes the fact unknown again (the key leaves the file)."""
    async with app.run_test(size=SIZE) as pilot:
        form = await open_edit_form(pilot, "components", "ticket-tool")
        effects = form.query_one(f"#{widget_id('side_effects')}", SelectionList)
        assert str(effects.get_option_at_index(0).prompt) == "(none: stated)"
        effects.deselect_all()
        effects.select("(none)")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert "    side_effects: []\n" in session.text()
        form = await open_edit_form(pilot)
        effects = form.query_one(f"#{widget_id('side_effects')}", SelectionList)
        assert effects.selected == ["(none)"]
        effects.deselect_all()
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "side_effects" not in session.text().split("id: ticket-tool", 1)[1].split("- id:", 1)[0]


async def test_kind_change_swaps_in_that_kinds_fields(app: ThreatModelApp) -> None:
    """Choosing another kind replaces the kind-specific fields and keeps the shared ones."""
    async with app.run_test(size=SIZE) as pilot:
        form = await open_add_form(pilot, "components")
        await set_input(pilot, widget_id("id"), "planner")
        assert not form.query(f"#{widget_id('autonomy')}")
        form.query_one("#f-kind", Select).value = "agent"
        await pilot.pause()
        await pilot.pause()
        autonomy = form.query_one(f"#{widget_id('autonomy')}", Select)
        assert autonomy.value == Select.NULL  # unstated means unknown, shown as such
        assert autonomy.prompt == "unknown"
        assert form.query_one(f"#{widget_id('execution_bounds.max_steps')}", Input)
        assert form.query_one(f"#{widget_id('id')}", Input).value == "planner"
        await set_input(pilot, widget_id("execution_bounds.max_steps"), "0")
        assert "greater than or equal to 1" in str(
            form.query_one(f"#err-{widget_id('execution_bounds.max_steps')}").render()
        )


async def test_edit_component_reanalyses(app: ThreatModelApp) -> None:
    """Editing a component re-runs the analysis: dropping Markdown rendering drops its finding."""
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        form = await open_edit_form(pilot, "components", "web-app")
        uses = form.query_one(f"#{widget_id('output_use')}", SelectionList)
        assert "render-markdown" in uses.selected
        uses.deselect("render-markdown")
        uses.select("display-text")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert UNSAFE not in {f.id for f in session.assessment.findings}
        assert UNSAFE not in table(pilot).visible_ids
        assert any(d.code == "TM201" for d in session.assessment.diagnostics)  # its triage is now stale
        assert "  - id: web-app  # the only internet-facing service\n" in session.text()
        assert "    output_use: [display-text]\n" in session.text()
    assert any(isinstance(m, ModelChanged) and m.label == "edit component 'web-app'" for m in messages)


async def test_renaming_a_used_id_is_refused(app: ThreatModelApp) -> None:
    """Renaming a component that flows still use shows where it is used and keeps Apply disabled."""
    async with app.run_test(size=SIZE) as pilot:
        form = await open_edit_form(pilot, "components", "retriever")
        await set_input(pilot, widget_id("id"), "search")
        box = str(form.query_one("#model-errors").render())
        assert "flow 'web-app-to-retriever' target: unknown component 'retriever'" in box
        assert form.query_one("#form-apply", Button).disabled


async def test_delete_component_takes_its_flows(app: ThreatModelApp) -> None:
    """Deleting a component asks first, then removes it and the flows that touch it."""
    async with app.run_test(size=SIZE) as pilot:
        await select_in_tree(pilot, "components", "ticket-tool")
        await pilot.press("x")
        dialog = pilot.app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert "and its 1 flow (chat-llm-to-ticket-tool)" in str(dialog.body)
        await pilot.press("enter")  # Delete has the focus
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert session.element("components", "ticket-tool") is None
        assert all("ticket-tool" not in (f.source, f.target) for f in session.model.flows)
        assert BROAD not in table(pilot).visible_ids


async def test_delete_of_a_used_boundary_is_refused(app: ThreatModelApp) -> None:
    """A boundary that still holds components cannot be deleted; the dialog says which."""
    async with app.run_test(size=SIZE) as pilot:
        await select_in_tree(pilot, "boundaries", "vendor")
        await pilot.press("x")
        dialog = pilot.app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert dialog.id == "problems"
        assert "component 'chat-llm' boundary refers to it" in str(dialog.body)
        await pilot.press("enter")
        assert tm(pilot).session.element("boundaries", "vendor") is not None  # type: ignore[union-attr]


async def test_add_flow_from_a_component(app: ThreatModelApp) -> None:
    """w on a component opens the flow form with that source; the new crossing flow gets a finding."""
    async with app.run_test(size=SIZE) as pilot:
        await select_in_tree(pilot, "components", "ticket-tool")
        await pilot.press("w")
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        assert form.section == "flows"
        assert form.query_one(f"#{widget_id('source')}", Select).value == "ticket-tool"
        assert form.query_one("#form-apply", Button).disabled  # no target yet
        form.query_one(f"#{widget_id('target')}", Select).value = "chat-llm"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert session.element("flows", "ticket-tool-to-chat-llm") is not None
        assert "demo:clear-text-flow@ticket-tool-to-chat-llm" in table(pilot).visible_ids


async def test_undo_and_redo(app: ThreatModelApp) -> None:
    """ctrl+z reverts the last change in the model and the file text; ctrl+y applies it again."""
    async with app.run_test(size=SIZE) as pilot:
        session = tm(pilot).session
        assert session is not None
        original = session.text()
        await select_in_tree(pilot, "components", "ticket-tool")
        await pilot.press("x")
        await pilot.click("#choice-delete")
        await pilot.pause()
        deleted = session.text()
        assert deleted != original
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert session.element("components", "ticket-tool") is not None
        assert session.text() == original
        assert not session.modified
        assert BROAD in table(pilot).visible_ids
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert session.element("components", "ticket-tool") is None
        assert session.text() == deleted


# ---------------------------------------------------------------------------
# Saving and quitting


async def test_save_keeps_comments_and_layout(app: ThreatModelApp, model_path: Path) -> None:
    """ctrl+s writes only the change: the comments and untouched lines stay byte for byte."""
    before = model_path.read_text(encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not tm(pilot).session.modified  # type: ignore[union-attr]
        assert pilot.app.sub_title == "model.yaml"
    after = model_path.read_text(encoding="utf-8")
    expected = before.split("\ntriage:\n")[0] + "\ntriage: {}\n"
    assert after == expected
    assert after.startswith(
        "# Demo assistant: the model the TUI tests edit.\n# keep this comment: saving must not touch it.\n"
    )
    assert "  - id: web-app  # the only internet-facing service\n" in after


async def test_save_refuses_a_file_changed_on_disk(app: ThreatModelApp, model_path: Path) -> None:
    """When the file changed on disk, saving shows both versions and writes nothing."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        theirs = model_path.read_text(encoding="utf-8").replace("owner: Platform team", "owner: Someone else")
        model_path.write_text(theirs, encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConflictScreen)
        assert model_path.read_text(encoding="utf-8") == theirs
        diff = "\n".join(dialog.diff)
        assert "-  owner: Someone else" in diff
        assert "+  owner: Platform team" in diff
        assert dialog.disk_summary.endswith("1 triage decision")
        assert "0 triage decisions" in dialog.our_summary
        await pilot.click("#conflict-save-as")
        await pilot.pause()
        ask = pilot.app.screen
        assert isinstance(ask, PathScreen)
        assert ask.query_one(Input).value.endswith("model.mine.yaml")
        await pilot.press("enter")
        await pilot.pause()
        mine = model_path.with_name("model.mine.yaml")
        assert mine.exists()
        assert "Platform team" in mine.read_text(encoding="utf-8")
        assert model_path.read_text(encoding="utf-8") == theirs
        assert tm(pilot).session.path.resolve() == mine.resolve()  # type: ignore[union-attr]


async def test_conflict_reload_takes_the_disk_version(app: ThreatModelApp, model_path: Path) -> None:
    """Reload in the conflict dialog drops the unsaved edits and shows the file on disk."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        model_path.write_text(model_path.read_text(encoding="utf-8").replace("Web app", "Portal"), encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConflictScreen)
        await pilot.press("r")
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert not session.modified
        assert session.element("components", "web-app").name == "Portal"  # type: ignore[union-attr]
        assert UNSAFE in session.model.triage


async def test_quit_with_unsaved_edits_asks(app: ThreatModelApp, model_path: Path) -> None:
    """ctrl+q with unsaved edits asks; Cancel stays, Save and quit writes the file and exits."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert dialog.id == "quit"
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.is_running
        await pilot.press("ctrl+q")
        await pilot.click("#choice-save")
        await pilot.pause()
    assert app.return_code == 0
    assert UNSAFE not in model_path.read_text(encoding="utf-8")


async def test_quit_without_saving_leaves_the_file(app: ThreatModelApp, model_path: Path) -> None:
    """Quit without saving exits and the file on disk is untouched."""
    before = model_path.read_text(encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        await pilot.press("ctrl+q")
        await pilot.click("#choice-discard")
        await pilot.pause()
    assert model_path.read_text(encoding="utf-8") == before


async def test_quit_without_edits_does_not_ask(app: ThreatModelApp) -> None:
    """With nothing unsaved, ctrl+q exits at once."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


# ---------------------------------------------------------------------------
# Export, palette, help


async def test_export_writes_the_chosen_format(app: ThreatModelApp, model_path: Path) -> None:
    """ctrl+e, choose JSON, enter: the file holds the JSON export of the current assessment."""
    from threatmodel import __version__
    from threatmodel.export.json import render_json

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        await pilot.click("#fmt-json")
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value == "model.json"
        await pilot.click("#export-ok")
        await settle(pilot)
        session = tm(pilot).session
        assert session is not None
        written = model_path.with_name("model.json").read_text(encoding="utf-8")
        assert written == render_json(session.analysis, tool_version=__version__)
        assert json.loads(written)["summary"]


async def test_export_refuses_the_model_file(app: ThreatModelApp, model_path: Path) -> None:
    """The export dialog will not write over the model file itself."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-path", Input).value = str(model_path)
        await pilot.pause()
        assert dialog.query_one("#export-ok", Button).disabled
        assert "the model file itself" in str(dialog.query_one("#export-error").render())


async def test_palette_jumps_to_a_component(app: ThreatModelApp) -> None:
    """The command palette finds a component by name and moves the tree cursor to it."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = pilot.app.screen
        assert isinstance(palette, CommandPalette)
        palette.query_one(Input).value = "ticket tool"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert tree(pilot).current == ("components", "ticket-tool")
        assert "Ticket tool" in detail_text(pilot)


async def test_palette_jumps_to_a_finding(app: ThreatModelApp) -> None:
    """The palette lists findings by title and target; choosing one selects its row."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        pilot.app.screen.query_one(Input).value = "finding: tool can act"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert table(pilot).current_id == BROAD
        assert table(pilot).has_focus


async def test_help_lists_keys_with_tooltips(app: ThreatModelApp) -> None:
    """F1 lists the keys that work on the current screen, with their tooltips."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        await pilot.press("f1")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, HelpScreen)
        text = "\n".join(str(cell.render()) for cell in screen.query("#help-grid Static"))
        assert "Findings" in text
        assert "Accept the residual risk (asks for a justification)." in text
        assert "Everywhere" in text
        await pilot.press("escape")
        assert overview(pilot)


# ---------------------------------------------------------------------------
# Catalogs, plan, filters, diagram


async def test_catalog_browser_follows_cross_references(app: ThreatModelApp) -> None:
    """c opens the catalogs; a threat lists what it realises, its controls and its findings."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CatalogScreen)
        assert screen.select(("threats", "demo:unsafe-rendering"))
        await pilot.pause()
        assert "Model output rendered unsafely" in detail_text(pilot, "#catalog-detail")
        refs = screen.query_one("#catalog-refs")
        options = [str(refs.get_option_at_index(i).prompt) for i in range(refs.option_count)]  # type: ignore[attr-defined]
        assert any("realises" in o and "demo-top:DT02" in o for o in options)
        assert any("mitigated by" in o and "demo:output-encoding" in o for o in options)
        assert any("finding" in o and "Web app" in o for o in options)
        refs.focus()
        refs.highlighted = next(i for i, o in enumerate(options) if "demo-top:DT02" in o)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert "Unsafe output handling" in detail_text(pilot, "#catalog-detail")
        assert screen.query_one("#catalog-tree", Tree).cursor_node.data == ("entries", "demo-top:DT02")  # type: ignore[union-attr]


async def test_catalog_search_filters_the_tree(app: ThreatModelApp) -> None:
    """Typing in the catalog search keeps only matching items."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.press("slash")
        for ch in "rate":
            await pilot.press(ch)
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CatalogScreen)
        leaves = {ref for ref in screen._by_ref if ref[0] in ("threats", "controls", "entries")}
        assert leaves == {("controls", "demo:rate-limit")}


async def test_control_plan_ranks_and_records_a_control(app: ThreatModelApp) -> None:
    """p shows proposals by risk removed; i records one as implemented and the plan updates."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, PlanScreen)
        session = tm(pilot).session
        assert session is not None
        assert [p.control for p in screen.rows] == [p.control for p in session.assessment.proposals]
        assert screen.rows[0].control == "demo:transport-encryption"
        assert "Closes (4 open findings)" in detail_text(pilot, "#plan-detail")
        await pilot.press("i")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        assert form.query_one(f"#{widget_id('control')}", Select).value == "demo:transport-encryption"
        assert set(form.query_one(f"#{widget_id('scope')}", SelectionList).selected) == {
            "chat-llm-to-ticket-tool",
            "doc-index-to-retriever",
            "retriever-to-chat-llm",
            "retriever-to-doc-index",
        }
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert "demo:transport-encryption" not in [p.control for p in screen.rows]
        assert status_of(tm(pilot), "demo:clear-text-flow@retriever-to-chat-llm") == "mitigated"
        assert next(
            f for f in session.assessment.findings if f.id == "demo:clear-text-flow@retriever-to-chat-llm"
        ).implemented_controls == ("demo:transport-encryption",)


async def test_filters_narrow_the_table(app: ThreatModelApp) -> None:
    """Severity, status, catalog, element and text filters each narrow the findings shown."""
    async with app.run_test(size=SIZE) as pilot:
        screen = overview(pilot)
        bar = screen.query_one("#filters")
        bar.query_one("#flt-severity", Select).value = "high"
        await pilot.pause()
        assert set(table(pilot).visible_ids) == {UNSAFE, BROAD, "demo:injected-instructions@chat-llm"}
        bar.query_one("#flt-status", Select).value = "open"
        await pilot.pause()
        assert set(table(pilot).visible_ids) == {BROAD, "demo:injected-instructions@chat-llm"}
        bar.query_one("#flt-target", Select).value = "ticket-tool"
        await pilot.pause()
        assert table(pilot).visible_ids == [BROAD]
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(table(pilot).visible_ids) == 8
        bar.query_one("#flt-catalog", Select).value = "demo-top"
        await pilot.pause()
        assert len(table(pilot).visible_ids) == 4  # the clear-text-flow threat cites no demo-top item
        assert not any(fid.startswith("demo:clear-text-flow@") for fid in table(pilot).visible_ids)
        await pilot.press("ctrl+r")
        await pilot.press("slash")
        for ch in "flow":
            await pilot.press(ch)
        await pilot.pause()
        assert len(table(pilot).visible_ids) == 4
        assert "(4 shown)" in str(screen.query_one("#status").render())


async def test_sort_cycles_and_keeps_the_cursor(app: ThreatModelApp) -> None:
    """s sorts by the next column; the highlighted finding stays highlighted."""
    async with app.run_test(size=SIZE) as pilot:
        t = table(pilot)
        t.focus()
        t.select_finding(BROAD)
        await pilot.press("s")
        assert t.sort_column == "risk"
        await pilot.press("s")
        assert t.sort_column == "status"
        assert t.visible_ids[-1] == "demo:cost-exhaustion@demo-assistant"  # mitigated sorts after open and in-progress
        assert t.current_id == BROAD


async def test_diagram_draws_the_model_and_highlights_the_selection(app: ThreatModelApp) -> None:
    """Below 160 columns the diagram is one key away (the table keeps whole titles); shown, it
    draws every component, and selecting one highlights its box."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        diagram = overview(pilot).query_one(DiagramView)
        assert not diagram.display
        await pilot.press("d")
        await settle(pilot)
        assert diagram.display
        for name in ("Customer", "Web app", "Retriever", "Document index", "Chat LLM", "Ticket tool"):
            assert name in diagram.text
        await select_in_tree(pilot, "components", "chat-llm")
        await settle(pilot)
        assert diagram._canvas is not None
        assert diagram._canvas.find("highlight")
        assert any(
            "node:chat-llm" in tags
            for r, c in diagram._canvas.find("highlight")
            for tags in [diagram._canvas.tags[r][c]]
        )
        await pilot.press("z")
        await settle(pilot)
        assert diagram.scope == "focus"
        assert "Customer" not in diagram.text  # two flows away from the LLM
        assert "Retriever" in diagram.text


async def test_diagram_shows_by_itself_on_a_roomy_terminal(app: ThreatModelApp) -> None:
    """At 160 columns and more the diagram is shown without asking, beside the detail pane."""
    async with app.run_test(size=(170, 45)) as pilot:
        await settle(pilot)
        assert overview(pilot).query_one(DiagramView).display
        assert "-roomy" in overview(pilot).classes


async def test_diagram_toggle_at_80_columns(app: ThreatModelApp) -> None:
    """At 80x24 the diagram is hidden until d shows it in place of the table."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = overview(pilot)
        diagram = screen.query_one(DiagramView)
        assert not diagram.display
        assert screen.query_one(FindingsTable).display
        await pilot.press("d")
        await settle(pilot)
        assert diagram.display
        assert not screen.query_one(FindingsTable).display
        assert "Chat LLM" in diagram.text
        await pilot.press("d")
        assert screen.query_one(FindingsTable).display


# ---------------------------------------------------------------------------
# Starting


async def test_missing_file_offers_templates(model_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Without a model file the start screen creates one from a template and opens it."""
    target = model_path.with_name("new.yaml")
    app = make_app(target, builtin_catalogs, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, NewModelScreen)
        assert screen.points, "no templates or examples found"
        await pilot.click("#new-create")
        await pilot.pause()
        assert target.exists()
        assert overview(pilot)
        assert tm(pilot).session is not None and tm(pilot).session.path.resolve() == target.resolve()  # type: ignore[union-attr]
        assert target.with_name("threatmodel.schema.json").exists()


async def test_a_template_that_does_not_fit_the_catalogs_writes_nothing(model_path: Path, app_for: object) -> None:
    """If the chosen template names controls the loaded catalogs lack, nothing is written."""
    target = model_path.with_name("new.yaml")
    app = app_for(target)  # type: ignore[operator]
    async with app.run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, NewModelScreen)
        await pilot.click("#new-create")
        await pilot.pause()
        assert not target.exists()
        assert "unknown control" in str(screen.query_one("#new-error").render())


def test_invalid_model_is_reported_with_a_location(tmp_path: Path, demo_catalogs: object) -> None:
    """An invalid model file fails before the UI starts, with file:line:col problems."""
    from threatmodel.tui.app import make_app

    bad = tmp_path / "bad.yaml"
    bad.write_text("system:\n  id: Bad Id\n  name: x\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        make_app(bad, demo_catalogs, as_of=AS_OF)  # type: ignore[arg-type]
    assert "bad.yaml:2:7" in info.value.render()


def test_cli_reports_an_invalid_model_and_exits_2(tmp_path: Path) -> None:
    """`threatmodel tui bad.yaml` prints compiler-style errors and exits 2 without starting."""
    from click.testing import CliRunner

    from threatmodel.cli import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text("system: [1]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["tui", str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output


async def test_user_text_is_never_markup(model_path: Path, app_for: object) -> None:
    """A component named like Textual markup shows the brackets literally."""
    text = model_path.read_text(encoding="utf-8").replace("name: Web app", "name: '[bold]Web[/bold] app'")
    model_path.write_text(text, encoding="utf-8")
    app = app_for(model_path)  # type: ignore[operator]
    async with app.run_test(size=SIZE) as pilot:
        labels = [str(n.label) for n in tree(pilot).nodes_by_ref.values()]
        assert any(label.startswith("[bold]Web[/bold] app") for label in labels)
        await select_in_tree(pilot, "components", "web-app")
        await pilot.press("z")
        await settle(pilot)
        diagram = overview(pilot).query_one(DiagramView)
        assert "[bold]Web[/bold]" in diagram.text
        screen = pilot.app.export_screenshot()
        # The detail pane keeps the component chosen in the tree (its title), brackets literal. (The
        # assertion used to match a finding's text: the table's first highlight replaced the tree's
        # choice in the detail pane, which it no longer does while the table is not focused.)
        assert "[bold]Web[/bold]&#160;app" in screen
        assert overview(pilot).selected == ("components", "web-app")


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    """Each key binding of the TUI's screens and widgets has an area.verb id and a tooltip (for help and keymaps)."""
    from textual.binding import Binding

    from threatmodel.tui.screens import dialogs, edit, export, finding, help, new_model, overview, plan
    from threatmodel.tui.screens.catalog import CatalogScreen
    from threatmodel.tui.widgets.component_tree import ModelTree
    from threatmodel.tui.widgets.diagram import DiagramView

    owners = [
        ThreatModelApp,
        overview.OverviewScreen,
        finding.FindingScreen,
        plan.PlanScreen,
        CatalogScreen,
        edit.FormScreen,
        export.ExportScreen,
        help.HelpScreen,
        new_model.NewModelScreen,
        dialogs.ChoiceScreen,
        dialogs.PathScreen,
        dialogs.ConflictScreen,
        FindingsTable,
        ModelTree,
        DiagramView,
    ]
    seen: dict[str, str] = {}
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), f"{owner.__name__}: {binding!r} is not a Binding"
            assert binding.id, f"{owner.__name__}: '{binding.key}' has no id"
            assert "." in binding.id, f"{owner.__name__}: id '{binding.id}' is not area.verb"
            if binding.show or binding.description:
                assert binding.tooltip or binding.action.startswith("app.focus"), f"{binding.id} has no tooltip"
            assert seen.setdefault(binding.id, owner.__name__) == owner.__name__, f"id {binding.id} used twice"


async def test_a_file_changed_on_disk_is_reloaded_when_nothing_is_unsaved(
    app: ThreatModelApp, model_path: Path
) -> None:
    """The file watcher reloads a file changed outside the TUI when there are no unsaved edits."""
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        model_path.write_text(
            model_path.read_text(encoding="utf-8").replace("name: Chat LLM", "name: Answer LLM"), encoding="utf-8"
        )
        tm(pilot).check_disk()
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert session.element("components", "chat-llm").name == "Answer LLM"  # type: ignore[union-attr]
        assert any(str(n.label).startswith("Answer LLM") for n in tree(pilot).nodes_by_ref.values())
        assert any(isinstance(m, Notify) and "reloaded" in m.notification.message for m in messages)


async def test_a_file_changed_on_disk_never_replaces_unsaved_edits(app: ThreatModelApp, model_path: Path) -> None:
    """With unsaved edits the watcher only warns, once per new version of the file."""
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(UNSAFE)
        await pilot.press("o")
        model_path.write_text(model_path.read_text(encoding="utf-8") + "# edited elsewhere\n", encoding="utf-8")
        tm(pilot).check_disk()
        tm(pilot).check_disk()
        await pilot.pause()
        session = tm(pilot).session
        assert session is not None
        assert session.modified
        assert UNSAFE not in session.model.triage
    warnings = {
        m.notification.identity
        for m in messages
        if isinstance(m, Notify) and "changed on disk" in m.notification.message
    }
    assert len(warnings) == 1


async def test_finding_screen_leads_to_the_threat_and_the_element(app: ThreatModelApp) -> None:
    """From a finding, r shows its threat in the catalogs and e opens the form of its element."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding(BROAD)
        await pilot.press("enter", "r")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CatalogScreen)
        assert "Tool can act beyond its task" in detail_text(pilot, "#catalog-detail")
        await pilot.press("escape", "e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        assert (form.section, form.key) == ("components", "ticket-tool")


async def test_palette_exports_and_opens_the_plan(app: ThreatModelApp) -> None:
    """The palette offers an export per format (the dialog opens on it) and the control plan."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        pilot.app.screen.query_one(Input).value = "export: mermaid"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        assert dialog.fmt == "mermaid"
        assert dialog.query_one("#export-path", Input).value == "model.mmd"
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        pilot.app.screen.query_one(Input).value = "control plan"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PlanScreen)


async def test_cursor_stays_near_a_removed_finding_and_status_names_it(app: ThreatModelApp) -> None:
    """When an edit removes the highlighted finding, the cursor moves to the next remaining row (not
    row 1) and the status line names the finding a triage key will act on."""
    async with app.run_test(size=SIZE) as pilot:
        findings = table(pilot)
        order = findings.visible_ids
        row = order.index(BROAD)
        assert row > 0
        assert findings.select_finding(BROAD)
        await pilot.pause()
        await select_in_tree(pilot, "components", "ticket-tool")
        await pilot.press("x")
        await pilot.press("enter")
        await pilot.pause()
        remaining = set(findings.visible_ids)
        assert BROAD not in remaining
        expected = next(fid for fid in order[row + 1 :] if fid in remaining)
        assert findings.current_id == expected
        status = str(overview(pilot).query_one("#status").render())
        assert f"keys act on {expected}" in status


async def test_selected_finding_marks_its_attack_path_on_the_diagram(app: ThreatModelApp) -> None:
    """Selecting a finding raised along an untrusted path marks every component and flow on that
    path in the diagram pane, and nothing else; a finding without a path clears the marks."""
    injected = "demo:injected-instructions@chat-llm"
    path = ("customer", "web-app", "retriever", "chat-llm")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        diagram = overview(pilot).query_one(DiagramView)
        table(pilot).focus()
        assert table(pilot).select_finding(injected)
        await settle(pilot)
        marked = diagram.path_cells()
        nodes = {t.partition(":")[2] for tags in marked for t in tags.split() if t.startswith("node:")}
        edges = {t.partition(":")[2] for tags in marked for t in tags.split() if t.startswith("edge:")}
        assert nodes == set(path)
        assert edges == {"customer-to-web-app", "web-app-to-retriever", "retriever-to-chat-llm"}
        style = diagram._style(next(t for t in marked if "node:customer" in t and "highlight" not in t))
        assert style.color is not None and style.color.name == "bright_yellow"
        assert table(pilot).select_finding(BROAD)
        await settle(pilot)
        assert not diagram.path_cells()


def test_finding_titles_get_room_before_the_threat_id() -> None:
    """The threat-id column only appears when the title column keeps FULL_TITLE cells."""
    from threatmodel.tui.widgets.findings_table import FULL_TITLE, column_widths

    for width in range(60, 301):
        widths = column_widths(width)
        assert "id" not in widths or widths["finding"] >= FULL_TITLE, width
    assert "id" not in column_widths(120)  # 22 more cells for titles at a common width
    assert "id" in column_widths(200)


def test_finding_titles_stay_readable_at_80_columns() -> None:
    """Beside the tree of an 80-column terminal the table is about 56 cells: titles get 18 or more
    (the risk numbers are in the detail pane under the table), and nothing is narrower than 12."""
    from threatmodel.tui.widgets.findings_table import column_widths

    narrow = column_widths(56)
    assert "risk" not in narrow and narrow["finding"] >= 18
    assert "risk" in column_widths(60)
    for width in range(20, 60):
        widths = column_widths(width)
        assert widths["finding"] >= 12 and set(widths) == {"severity", "status", "finding", "target"}, width


async def test_triage_edits_redraw_exactly_the_badges_a_full_build_draws(app: ThreatModelApp) -> None:
    """A triage edit keeps the model's elements, so the tree only redraws badges (decision 1887);
    after accepting and reopening findings, every label equals what a full build of the same
    model and findings draws, rows in groups never unfolded included."""
    from threatmodel.edit.changes import Change, SetTriage
    from threatmodel.tui.widgets.component_tree import ModelTree, badge_keys

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session = tm(pilot).session
        assert session is not None
        shown = tree(pilot)
        built = {ref[1] for ref in shown._by_ref if ref[0] == "components"}
        on_rows = [f for f in session.assessment.findings if built & set(f.elements)][:3]
        assert on_rows, "findings on components whose rows are drawn"
        for f in on_rows:
            session.apply(Change("accept", (SetTriage(f.id, {"status": "accepted", "justification": "ok"}),)))
            tm(pilot).model_changed("accept")
            await pilot.pause()
        session.apply(Change("reopen", (SetTriage(on_rows[0].id, None),)))
        tm(pilot).model_changed("reopen")
        await pilot.pause()
        fresh = ModelTree()
        expected = fresh._label_specs(session.model, badge_keys(session.assessment.findings))
        assert shown._specs.keys() == expected.keys()
        for ref, (signature, make) in expected.items():
            got_signature, got_make = shown._specs[ref]
            assert got_signature == signature, ref
            assert got_make().plain == make().plain, ref
        for ref, node in shown._by_ref.items():
            assert str(node.label) == expected[ref][1]().plain, ref


async def test_attribute_edits_redraw_exactly_what_a_full_build_draws(app: ThreatModelApp) -> None:
    """An attribute edit is analysed from the previous analysis and the tree relabels only the
    edited element and the changed badges (decision 1864): after editing a component's exposure
    and kind, a data asset's classification and a boundary's trust, then undoing one, every tree
    label equals a full build's, and the findings table shows the rows a fresh table shows."""
    from threatmodel.edit.changes import Change, Upsert, item_document
    from threatmodel.tui.widgets.component_tree import ModelTree, badge_keys
    from threatmodel.tui.widgets.findings_table import SORTS

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session = tm(pilot).session
        assert session is not None
        model = session.model
        component = model.components[0]
        exposure = "internet" if str(component.exposure) != "internet" else "internal"
        edits = [("components", component.id, {"exposure": exposure})]
        if model.data:
            asset = model.data[0]
            level = "restricted" if str(asset.classification) != "restricted" else "public"
            edits.append(("data", asset.id, {"classification": level}))
        if model.boundaries:
            zone = model.boundaries[0]
            edits.append(
                ("boundaries", zone.id, {"trust": "untrusted" if str(zone.trust) != "untrusted" else "internal"})
            )
        for section, key, update in edits:
            current = session.element(section, key)
            doc = {**item_document(current), **update}
            session.apply(Change("edit", (Upsert(section, doc, key),)))
            tm(pilot).model_changed("edit")
            await pilot.pause()
        session.undo()
        tm(pilot).model_changed("undo")
        await pilot.pause()
        assert session.analysed and session.analysis.incremental is not None
        shown = tree(pilot)
        fresh = ModelTree()
        expected = fresh._label_specs(session.model, badge_keys(session.assessment.findings))
        assert shown._specs.keys() == expected.keys()
        for ref, (signature, make) in expected.items():
            got_signature, got_make = shown._specs[ref]
            assert got_signature == signature, ref
            assert got_make().plain == make().plain, ref
        for ref, node in shown._by_ref.items():
            assert str(node.label) == expected[ref][1]().plain, ref
        shown_table = table(pilot)
        order = shown_table.visible_ids
        flt, sort = shown_table._last_filter, SORTS[shown_table.sort_column][1]
        assert order == [f.id for f in sorted(session.assessment.findings, key=sort) if flt.matches(f)]
        for row, fid in enumerate(order[: shown_table.row_count]):
            cells = [c.plain for c in shown_table.get_row_at(row)]
            want = [c.plain for c in FindingsTable._cells_of(shown_table.findings[fid])]
            assert all(cell in want for cell in cells), fid
            assert shown_table.findings[fid] == next(f for f in session.assessment.findings if f.id == fid)

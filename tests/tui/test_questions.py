"""Open questions in the TUI: the ranked list, answering one (an edit that re-analyses), undo."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from textual.app import App
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import OptionList, SelectionList

from tests.tui.conftest import SIZE
from tests.tui.helpers import detail_text, settle, tm
from threatmodel.edit.answers import Choices
from threatmodel.engine.questions import Question
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.forms import STATED_NONE
from threatmodel.tui.screens.questions import AnswerScreen, QuestionsScreen

FLOWS = ["chat-llm-to-ticket-tool", "doc-index-to-retriever", "retriever-to-chat-llm", "retriever-to-doc-index"]


def clear_text(app: ThreatModelApp) -> set[str]:
    session = app.session
    assert session is not None
    return {f.target for f in session.assessment.findings if f.threat == "demo:clear-text-flow"}


async def open_questions(pilot: Pilot[None]) -> QuestionsScreen:
    """Wait for the analysis, then open the open questions with ``u``."""
    await settle(pilot)
    await pilot.press("u")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, QuestionsScreen)
    return screen


async def test_u_lists_the_questions_most_open_risk_first(app: ThreatModelApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_questions(pilot)
        assert [(q.element, q.attribute) for q in screen.rows] == [(f, "encrypted") for f in FLOWS]
        assert screen.sub_title == "4 open questions · 24 risk points on unknowns"
        shown = detail_text(pilot, "#questions-detail")
        assert "State whether chat-llm-to-ticket-tool is encrypted in transit" in shown
        assert "demo:clear-text-flow" not in shown  # titles, not ids
        assert "enter: state it (true, false)" in shown
        table = screen.table
        assert str(table.get_cell_at(Coordinate(0, 3))) == "encrypted · chat-llm-to-ticket-tool"  # the fact first


async def test_answering_edits_the_model_and_reanalyses(app: ThreatModelApp, model_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_questions(pilot)
        await pilot.press("enter")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, AnswerScreen)
        options = dialog.query_one("#answer-values", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["true", "false"]
        await pilot.press("enter")  # the first value: true
        await pilot.pause()
        assert pilot.app.screen is screen
        assert clear_text(tm(pilot)) == set(FLOWS[1:])
        assert [q.element for q in screen.rows] == FLOWS[1:]
        assert screen.query_one("#questions-table").cursor_row == 0  # the row that took the answered one's place
        session = tm(pilot).session
        assert session is not None
        assert session.modified
        assert session.history()[-1] == "State encrypted of chat-llm-to-ticket-tool: true"
        before, after = model_path.read_text(encoding="utf-8").splitlines(), session.text().splitlines()
        added = [line[2:] for line in difflib.ndiff(before, after) if line.startswith("+ ")]
        removed = [line for line in difflib.ndiff(before, after) if line.startswith("- ")]
        assert added == ["    encrypted: true"] and not removed  # one key written, nothing else moved
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert clear_text(tm(pilot)) == set(FLOWS)
        assert [q.element for q in screen.rows] == FLOWS


async def test_escape_leaves_the_fact_unknown(app: ThreatModelApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_questions(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnswerScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QuestionsScreen)
        session = tm(pilot).session
        assert session is not None
        assert not session.modified
        assert clear_text(tm(pilot)) == set(FLOWS)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_answer_dialog_fits(app: ThreatModelApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await open_questions(pilot)
        await pilot.press("enter")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, AnswerScreen)
        values = dialog.query_one("#answer-values", OptionList)
        box = dialog.query_one(".dialog").region
        assert values.region.height >= 2
        assert box.contains_region(values.region)


class _Host(App[None]):
    """A bare app that shows one answer dialog and keeps what it dismissed with."""

    def __init__(self, dialog: AnswerScreen) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[tuple[str, ...] | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def _list_question() -> tuple[Question, Choices]:
    question = Question(
        element="refund",
        attribute="side_effects",
        question="state what refund can change",
        findings=("t@refund",),
        open_findings=1,
        risk=9,
    )
    return question, Choices(section="components", key="refund", values=("write", "move-money"), multiple=True)


@pytest.mark.parametrize(
    ("ticked", "dismissed"),
    [((STATED_NONE,), ()), (("move-money",), ("move-money",)), ((STATED_NONE, "write"), None), ((), None)],
)
async def test_a_list_answer_can_state_none(ticked: tuple[str, ...], dismissed: tuple[str, ...] | None) -> None:
    """'(none: stated)' answers with no values (the model then says []); ticked alone only, and
    nothing ticked answers nothing (the dialog stays, the fact stays unknown)."""
    host = _Host(AnswerScreen(*_list_question()))
    async with host.run_test(size=SIZE) as pilot:
        await pilot.pause()
        values = host.dialog.query_one("#answer-values", SelectionList)
        assert values.get_option_at_index(0).value == STATED_NONE
        for v in ticked:
            values.select(v)
        await pilot.click("#answer-ok")
        await pilot.pause()
        if dismissed is None:
            assert host.results == [] and host.screen is host.dialog
        else:
            assert host.results == [dismissed]

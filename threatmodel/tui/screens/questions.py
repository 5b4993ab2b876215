"""Open questions: the unknown facts findings rest on, most open risk first; answering one edits the model.

This is the interview a reviewer runs: each row says what to state and how much open risk the answer
decides. ``enter`` offers the values the attribute accepts; the answer is an ordinary edit (undo,
save and the file's layout work as for any other), and the analysis reruns at once.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from threatmodel.edit.answers import Choices, answer_change, choices, find_element
from threatmodel.engine.questions import Question, open_questions, risk_resting_on_unknowns
from threatmodel.errors import ThreatModelError
from threatmodel.tui.forms import STATED_NONE, STATED_NONE_LABEL
from threatmodel.tui.safetext import Text
from threatmodel.tui.screens.ranked import RankedScreen
from threatmodel.tui.text import DIM, severity_text


def _sentence(question: str) -> str:
    return question[:1].upper() + question[1:]


def _fact(q: Question) -> Text:
    """The question for the table: the attribute first, then the element, so that a narrow
    terminal still shows which fact is asked for (the pane has the whole sentence)."""
    text = Text(q.attribute, style="bold")
    text.append(f" · {q.element}")
    return text


class AnswerScreen(ModalScreen[tuple[str, ...] | None]):
    """Pick the value(s) to state; dismisses with them, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without stating anything.", id="answer.cancel"),
    ]

    def __init__(self, question: Question, allowed: Choices) -> None:
        super().__init__(id="answer")
        self.question = question
        self.allowed = allowed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(_sentence(self.question.question), style="bold"), classes="dialog-title")
            hint = "space: tick each value that holds, then OK" if self.allowed.multiple else "enter: state this value"
            yield Static(
                Text(f"{self.question.element}.{self.question.attribute} · {hint}", style=DIM),
                markup=False,
                classes="dialog-note",
            )
            if self.allowed.multiple:
                yield SelectionList[str](
                    (STATED_NONE_LABEL, STATED_NONE), *((v, v) for v in self.allowed.values), id="answer-values"
                )
                with Horizontal(classes="dialog-buttons"):
                    yield Button("OK", id="answer-ok", variant="primary", compact=True)
                    yield Button("Cancel", id="answer-cancel", compact=True)
            else:
                yield OptionList(*(Option(v, id=v) for v in self.allowed.values), id="answer-values")

    def on_mount(self) -> None:
        self.query_one("#answer-values").focus()

    @on(OptionList.OptionSelected, "#answer-values")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss((event.option.id,))

    @on(Button.Pressed, "#answer-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        picked: SelectionList[str] = self.query_one("#answer-values", SelectionList)
        chosen = tuple(picked.selected)
        if chosen == (STATED_NONE,):
            self.dismiss(())  # none: an empty list, which is a fact
        elif STATED_NONE in chosen:
            self.notify(
                f"'{STATED_NONE_LABEL}' says there are none: tick it alone, or only the others.", severity="warning"
            )
        elif chosen:
            self.dismiss(chosen)
        else:
            self.notify(
                f"Tick the values that hold (space), '{STATED_NONE_LABEL}' if none does, or escape to leave it unknown.",
                severity="warning",
            )

    @on(Button.Pressed, "#answer-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuestionsScreen(RankedScreen[Question]):
    """Every open question in rank order; ``enter`` answers the highlighted one."""

    BINDING_GROUP_TITLE = "Open questions"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the previous screen.", id="questions.back"),
        Binding(
            "enter",
            "answer",
            "Answer",
            tooltip="State the fact: choose its value; the model is edited and re-analysed.",
            id="questions.answer",
            priority=True,
        ),
        Binding(
            "g",
            "goto",
            "Show element",
            tooltip="Show the element in the overview.",
            id="questions.goto",
        ),
    ]

    COLUMNS = (("rank", "#"), ("risk", "Risk"), ("findings", "Finds"), ("question", "Fact to state"))

    def __init__(self) -> None:
        super().__init__("questions")

    def refresh_session(self) -> None:
        session = self.tm.session
        if session is None or self.waiting_for_analysis():
            return
        table = self.table
        previous = table.cursor_row
        self.rows = list(open_questions(session.assessment.findings))
        table.clear()
        for rank, q in enumerate(self.rows, start=1):
            table.add_row(
                Text(str(rank), justify="right"),
                Text(str(q.risk), justify="right"),
                Text(str(len(q.findings)), justify="right"),
                _fact(q),
                key=f"{q.element}.{q.attribute}",
            )
        resting = risk_resting_on_unknowns(session.assessment.findings)
        asked = f"{len(self.rows)} open question{'' if len(self.rows) == 1 else 's'}"
        self.sub_title = f"{asked} · {resting} risk points on unknowns"
        if self.rows:
            # an answered question leaves the list: stay on the row that took its place
            table.move_cursor(row=min(max(previous, 0), len(self.rows) - 1), animate=False)
            self.show_current()
        else:
            self.show_text(Text("No open questions: no finding rests on an unknown fact.", style="green"))

    def show_current(self) -> None:
        session = self.tm.session
        q = self.current
        if session is None or q is None:
            return
        by_id = {f.id: f for f in session.assessment.findings}
        text = Text()
        text.append(f"#{self.rows.index(q) + 1} ", style=DIM)
        text.append(_sentence(q.question), style="bold")
        text.append(f"\n{q.element}.{q.attribute}\n\n", style=DIM)
        text.append(
            f"Unknown, so read in the threat's favour. Stating it decides {len(q.findings)} "
            f"finding{'' if len(q.findings) == 1 else 's'} ({q.open_findings} open): up to {q.risk} risk points.\n\n"
        )
        for fid in q.findings:
            f = by_id.get(fid)
            if f is None:
                continue
            text.append("  • ")
            text.append_text(severity_text(f.residual_severity))
            text.append(f" {f.title} @ {f.target_name}\n")
        try:
            allowed = choices(session.model, q.element, q.attribute)
        except ThreatModelError:
            text.append("\nState it in the model file: it has no fixed set of values.", style=DIM)
        else:
            text.append(f"\nenter: state it ({', '.join(allowed.values)})", style=DIM)
        self.show_text(text)

    @on(DataTable.RowSelected, "#questions-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_answer()

    def action_answer(self) -> None:
        session = self.tm.session
        q = self.current
        if session is None or q is None:
            return
        try:
            allowed = choices(session.model, q.element, q.attribute)
        except ThreatModelError as exc:
            self.tm.editor.show_problems("Not answerable here", [p.message for p in exc.problems])
            return
        reason = session.read_only_reason(allowed.section, allowed.key)
        if reason:
            self.tm.editor.show_problems("Not answerable here", [reason])
            return

        def answered(values: tuple[str, ...] | None) -> None:
            if values is None or self.tm.session is None:
                return
            s = self.tm.session
            try:
                change = answer_change(
                    s.model, q.element, q.attribute, values, written=s.document_item(allowed.section, allowed.key)
                )
            except ThreatModelError as exc:
                self.tm.editor.show_problems("Not applied", [p.message for p in exc.problems])
                return
            before = s.assessment.open_risk
            if self.tm.editor.apply(change):
                if self.tm.session is None or self.tm.analysing:
                    self.notify(f"{change.label} · re-analysing")  # a large model: the worker has it
                else:
                    self.notify(f"{change.label} · open risk {before} → {self.tm.session.assessment.open_risk}")

        self.app.push_screen(AnswerScreen(q, allowed), answered)

    def action_goto(self) -> None:
        q = self.current
        if q is None or self.tm.session is None:
            return
        try:
            section, _ = find_element(self.tm.session.model, q.element)
        except ThreatModelError:
            return
        self.tm.jump_to(section, q.element)

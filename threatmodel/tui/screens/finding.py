"""One finding in full: why it applies, the attack scenario, scoring, controls, references, triage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header

from threatmodel.model.finding import Finding
from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp, triage_bindings
from threatmodel.tui.text import finding_detail
from threatmodel.tui.widgets.detail import DetailPane

if TYPE_CHECKING:
    pass


class FindingScreen(UsesApp, Screen[None]):
    """Full detail of one finding, with triage keys and next/previous through the table's order."""

    BINDING_GROUP_TITLE = "Finding"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the overview.", id="finding.back"),
        *triage_bindings("finding", frozenset({"accepted", "false-positive", "mitigated"})),
        Binding("o", "reopen", "Reopen", tooltip="Remove the triage decision.", id="finding.reopen"),
        Binding("n,j", "step(1)", "Next", tooltip="The next finding in the table's order.", id="finding.next"),
        Binding(
            "p,k",
            "step(-1)",
            "Previous",
            tooltip="The previous finding in the table's order.",
            id="finding.previous",
            show=False,
        ),
        Binding(
            "e",
            "edit_target",
            "Edit target",
            tooltip="Edit the component or flow the finding is about.",
            id="finding.edit-target",
            show=False,
        ),
        Binding(
            "r", "threat", "Threat", tooltip="Show the threat in the catalog browser.", id="finding.threat", show=False
        ),
    ]

    def __init__(self, finding_id: str, order: Sequence[str]) -> None:
        super().__init__(id="finding")
        self.finding_id = finding_id
        self.order = list(order) or [finding_id]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield DetailPane(id="finding-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_session()
        self.query_one(DetailPane).focus()

    @property
    def finding(self) -> Finding | None:
        session = self.tm.session
        if session is None:
            return None
        return next((f for f in session.assessment.findings if f.id == self.finding_id), None)

    def refresh_session(self) -> None:
        session = self.tm.session
        f = self.finding
        pane = self.query_one(DetailPane)
        if session is None or f is None:
            pane.show(
                Text(f"The finding {self.finding_id} no longer applies to the model (escape: back).", style="yellow")
            )
            return
        position = self.order.index(f.id) + 1 if f.id in self.order else 0
        self.sub_title = f"finding {position} of {len(self.order)}" if position else "finding"
        pane.show(finding_detail(f, session.cset, session.model))

    def action_triage(self, status: str) -> None:
        self.tm.editor.triage(self.finding_id, status)

    def action_reopen(self) -> None:
        self.tm.editor.triage(self.finding_id, None)

    def action_step(self, delta: int) -> None:
        if self.finding_id not in self.order:
            return
        index = self.order.index(self.finding_id) + delta
        if 0 <= index < len(self.order):
            self.finding_id = self.order[index]
            self.refresh_session()

    def action_edit_target(self) -> None:
        f = self.finding
        if f is None:
            return
        section = {"component": "components", "flow": "flows"}.get(str(f.target_type))
        if section is None:
            self.notify("System-wide findings have no element to edit.", timeout=3)
            return
        self.tm.editor.edit(section, f.target)

    def action_threat(self) -> None:
        f = self.finding
        if f is not None:
            self.tm.open_catalogs(select=("threats", f.threat))

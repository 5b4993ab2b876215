"""The control plan: proposed controls ranked by the open risk they remove, and what each closes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from threatmodel.model.finding import Proposal
from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp
from threatmodel.tui.text import proposal_detail
from threatmodel.tui.widgets.detail import DetailPane

if TYPE_CHECKING:
    pass


class PlanScreen(UsesApp, Screen[None]):
    """``Assessment.proposals`` in rank order; ``i`` records the highlighted control as implemented."""

    BINDING_GROUP_TITLE = "Control plan"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the previous screen.", id="plan.back"),
        Binding(
            "i",
            "implement",
            "Implemented",
            tooltip="Record the control as implemented for the elements it covers (opens the form).",
            id="plan.implement",
        ),
        Binding(
            "r",
            "control",
            "In catalog",
            tooltip="Show the control in the catalog browser.",
            id="plan.catalog",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="plan")
        self._proposals: list[Proposal] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="plan-main"):
            yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
            yield DetailPane(id="plan-detail")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#plan-table", DataTable)
        for key, label in (("rank", "#"), ("removed", "Removes"), ("closes", "Closes"), ("control", "Control")):
            table.add_column(label, key=key)
        self.refresh_session()
        table.focus()

    def refresh_session(self) -> None:
        session = self.tm.session
        if session is None:
            return
        table: DataTable[Text] = self.query_one("#plan-table", DataTable)
        current = self.current.control if self.current is not None else None
        self._proposals = list(session.assessment.proposals)
        table.clear()
        for rank, p in enumerate(self._proposals, start=1):
            title = Text(p.title)
            title.append(f"  {p.control}", style="dim")
            table.add_row(
                Text(str(rank), justify="right"),
                Text(str(p.risk_removed), justify="right"),
                Text(str(len(p.closes)), justify="right"),
                title,
                key=p.control,
            )
        open_risk = session.assessment.open_risk
        self.sub_title = f"control plan · {len(self._proposals)} proposals · open risk {open_risk}"
        if current is not None and any(p.control == current for p in self._proposals):
            table.move_cursor(row=[p.control for p in self._proposals].index(current), animate=False)
        self._show()
        if not self._proposals:
            self.query_one(DetailPane).show(
                Text("No proposals: every open finding's controls are in place, or nothing is open.", style="green")
            )

    @property
    def current(self) -> Proposal | None:
        table: DataTable[Text] = self.query_one("#plan-table", DataTable)
        if not self._proposals or not 0 <= table.cursor_row < len(self._proposals):
            return None
        return self._proposals[table.cursor_row]

    def _show(self) -> None:
        session = self.tm.session
        p = self.current
        if session is None or p is None:
            return
        rank = self._proposals.index(p) + 1
        self.query_one(DetailPane).show(proposal_detail(p, rank, session.assessment, session.cset))

    @on(DataTable.RowHighlighted, "#plan-table")
    def _highlighted(self) -> None:
        self._show()

    def action_implement(self) -> None:
        session = self.tm.session
        p = self.current
        if session is None or p is None:
            return
        by_id = {f.id: f for f in session.assessment.findings}
        elements = {c.id for c in session.model.components} | {f.key for f in session.model.flows}
        scope = sorted({by_id[fid].target for fid in p.closes if fid in by_id and by_id[fid].target in elements})
        self.tm.editor.add("controls", {"control": p.control, "scope": tuple(scope)})

    def action_control(self) -> None:
        p = self.current
        if p is not None:
            self.tm.open_catalogs(select=("controls", p.control))

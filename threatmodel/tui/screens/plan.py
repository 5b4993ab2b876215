"""The control plan: proposed controls ranked by the open risk they remove, and what each closes."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from threatmodel.model.finding import Proposal
from threatmodel.tui.safetext import Text
from threatmodel.tui.screens.ranked import RankedScreen
from threatmodel.tui.text import proposal_detail


class PlanScreen(RankedScreen[Proposal]):
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

    COLUMNS = (("rank", "#"), ("removed", "Removes"), ("closes", "Closes"), ("control", "Control"))

    def __init__(self) -> None:
        super().__init__("plan")

    def refresh_session(self) -> None:
        session = self.tm.session
        if session is None or self.waiting_for_analysis():
            return
        table = self.table
        current = self.current.control if self.current is not None else None
        self.rows = list(session.assessment.proposals)
        table.clear()
        for rank, p in enumerate(self.rows, start=1):
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
        self.sub_title = f"control plan · {len(self.rows)} proposals · open risk {open_risk}"
        if current is not None and any(p.control == current for p in self.rows):
            table.move_cursor(row=[p.control for p in self.rows].index(current), animate=False)
        self.show_current()
        if not self.rows:
            self.show_text(
                Text("No proposals: every open finding's controls are in place, or nothing is open.", style="green")
            )

    def show_current(self) -> None:
        session = self.tm.session
        p = self.current
        if session is None or p is None:
            return
        rank = self.rows.index(p) + 1
        self.show_text(proposal_detail(p, rank, session.assessment, session.cset))

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

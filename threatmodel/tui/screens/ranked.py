"""A ranked list beside a detail pane: the shape of the control plan and the open questions.

Each screen names its columns and fills its rows from the session; this base lays the two panes
out (ids ``<screen>-main``, ``<screen>-table``, ``<screen>-detail``), keeps the rows the table
shows, knows which one is highlighted and redraws the pane when the cursor moves.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp
from threatmodel.tui.text import DIM
from threatmodel.tui.widgets.detail import DetailPane

Row = TypeVar("Row")


class RankedScreen(UsesApp, Screen[None], Generic[Row]):
    """Rows in rank order in a table, the highlighted one in a detail pane."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """``(key, label)`` of each table column, left to right."""

    def __init__(self, screen_id: str) -> None:
        super().__init__(id=screen_id)
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id=f"{self.id}-main"):
            yield DataTable(id=f"{self.id}-table", cursor_type="row", zebra_stripes=True)
            yield DetailPane(id=f"{self.id}-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        for key, label in self.COLUMNS:
            table.add_column(label, key=key)
        self.refresh_session()
        table.focus()

    @property
    def table(self) -> DataTable[Text]:
        table: DataTable[Text] = self.query_one(f"#{self.id}-table", DataTable)
        return table

    @property
    def current(self) -> Row | None:
        """The highlighted row (None when the list is empty)."""
        cursor = self.table.cursor_row
        if not self.rows or not 0 <= cursor < len(self.rows):
            return None
        return self.rows[cursor]

    def refresh_session(self) -> None:
        """Refill the rows from the session (after any edit, undo or reload)."""
        raise NotImplementedError

    def waiting_for_analysis(self) -> bool:
        """True (and says so) while a worker re-analyses the model after an edit: the rows stay as
        they were until its result arrives, which refreshes this screen again, rather than the
        analysis running a second time on the event loop."""
        if not self.tm.analysing:
            return False
        self.sub_title = "re-analysing…"
        self.show_text(Text("Re-analysing the changed model: the list follows when it is done.", style=DIM))
        return True

    def show_current(self) -> None:
        """Draw the highlighted row in the detail pane."""
        raise NotImplementedError

    def show_text(self, text: Text) -> None:
        self.query_one(DetailPane).show(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            self.show_current()

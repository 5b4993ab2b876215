"""The detail pane: a scrollable description of whatever is selected."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from threatmodel.tui.safetext import Text


class DetailPane(VerticalScroll):
    """Shows a ``Text`` (never markup) and scrolls it; focusable so it can be read by keyboard."""

    can_focus = True

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a component or a finding.", style="dim"), id="detail-text", markup=False)

    def show(self, text: Text) -> None:
        self.query_one("#detail-text", Static).update(text)
        self.scroll_home(animate=False)

    @property
    def text(self) -> str:
        """The plain text shown (for tests and screen readers)."""
        content = self.query_one("#detail-text", Static).content
        return str(content)

"""Key help: every binding active where help was asked for, grouped, with its tooltip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, Static


@dataclass(frozen=True, slots=True)
class KeyHelp:
    group: str
    keys: str
    description: str
    tooltip: str


def help_rows(rows: Sequence[KeyHelp]) -> list[Widget]:
    """Grid cells: a heading per group, then key | what | why (the why wraps in its own column)."""
    cells: list[Widget] = []
    group = None
    for row in rows:
        if row.group != group:
            cells.append(Static(Text(row.group, style="bold underline"), classes="help-group", markup=False))
            group = row.group
        cells.append(Static(Text(row.keys, style="bold cyan"), classes="help-key", markup=False))
        cells.append(Static(Text(row.description), classes="help-what", markup=False))
        cells.append(Static(Text(row.tooltip, style="dim"), classes="help-why", markup=False))
    return cells


FOOTNOTE = (
    "Arrow keys, Page Up/Down, Home and End move in lists and panes; Tab and Shift+Tab move between panes; "
    "ctrl+p opens the command palette (jump to any component or finding, export, catalogs, plan)."
)


class HelpScreen(ModalScreen[None]):
    """Shows :class:`KeyHelp` rows; any of escape, q, F1 or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "app.pop_screen", "Close", tooltip="Close the key help.", id="help.close"),
    ]

    def __init__(self, title: str, rows: Sequence[KeyHelp]) -> None:
        super().__init__(id="help")
        self.title_text = title
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(f"Keys — {self.title_text}", style="bold"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                with Grid(id="help-grid"):
                    yield from help_rows(self.rows)
                yield Static(Text(FOOTNOTE, style="dim"), markup=False, id="help-footnote")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

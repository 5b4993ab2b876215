"""Key help: every binding active where help was asked for, grouped, with its tooltip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


@dataclass(frozen=True, slots=True)
class KeyHelp:
    group: str
    keys: str
    description: str
    tooltip: str


def help_text(rows: Sequence[KeyHelp]) -> Text:
    text = Text()
    group = None
    for row in rows:
        if row.group != group:
            if group is not None:
                text.append("\n")
            text.append(row.group, style="bold underline")
            text.append("\n")
            group = row.group
        text.append(f"  {row.keys:<16}", style="bold cyan")
        text.append(f"{row.description:<16}")
        text.append(row.tooltip, style="dim")
        text.append("\n")
    text.append("\nEverything works without a mouse: Tab moves between panes, ctrl+p opens the command palette.", style="dim")
    return text


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
                yield Static(help_text(self.rows), markup=False, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

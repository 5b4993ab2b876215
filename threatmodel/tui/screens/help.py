"""Key help: every binding active where help was asked for, grouped, with its tooltip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Label, Static

from threatmodel.tui.safetext import Text


@dataclass(frozen=True, slots=True)
class KeyHelp:
    group: str
    keys: str
    description: str
    tooltip: str


def key_help(screen: Screen[Any], app: App[Any]) -> list[KeyHelp]:
    """The bindings active on ``screen`` that have an id: the screen's first, the app's last.

    A binding listed under several keys (``x,delete``) is one row with both keys.
    """
    by_id: dict[str, tuple[str, list[str], str, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.id is None or not binding.description:
            continue
        group = str(getattr(active.node, "BINDING_GROUP_TITLE", None) or type(active.node).__name__)
        shown = app.get_key_display(binding) or key
        if binding.id in by_id:
            by_id[binding.id][1].append(shown)
        else:
            by_id[binding.id] = (group, [shown], binding.description, binding.tooltip or "")
    rows = [KeyHelp(group, " / ".join(keys), what, why) for group, keys, what, why in by_id.values()]
    rows.sort(key=lambda r: (r.group == app.BINDING_GROUP_TITLE, r.group != screen.BINDING_GROUP_TITLE))
    return rows


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

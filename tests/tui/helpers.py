"""Small helpers shared by the Pilot tests."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.screens.overview import OverviewScreen
from threatmodel.tui.widgets.component_tree import ModelTree
from threatmodel.tui.widgets.detail import DetailPane
from threatmodel.tui.widgets.diagram import DiagramView
from threatmodel.tui.widgets.findings_table import FindingsTable


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers (diagram layout, exports) finish and the screen catch up.

    The overview asks for its first diagram only after its first frame, so this waits until
    every diagram on the screen stack has drawn its latest request.
    """
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        diagrams = [d for screen in pilot.app.screen_stack for d in screen.query(DiagramView)]
        analysing = getattr(pilot.app, "analysing", False)  # a large model's worker may start after a frame
        if not any(d.busy for d in diagrams) and not pilot.app.workers and not analysing:
            break
    else:
        raise AssertionError("the diagram never finished laying out")
    await pilot.pause()


async def wait_for_screen(pilot: Pilot[Any], kind: type[Screen[Any]]) -> None:
    """Wait, by events rather than by time, until a screen of ``kind`` is on top and has drawn.

    A loaded machine may take several event-loop turns to push a screen; a fixed number of
    pauses then snapshots the screen underneath.
    """
    for _ in range(400):
        await pilot.pause()
        screen = pilot.app.screen
        if isinstance(screen, kind) and screen.is_mounted:
            await settle(pilot)
            return
    raise AssertionError(f"{kind.__name__} never came to the top (top is {pilot.app.screen!r})")


def tm(pilot: Pilot[Any]) -> ThreatModelApp:
    assert isinstance(pilot.app, ThreatModelApp)
    return pilot.app


def overview(pilot: Pilot[Any]) -> OverviewScreen:
    screen = pilot.app.screen
    assert isinstance(screen, OverviewScreen), f"expected the overview, got {screen!r}"
    return screen


def table(pilot: Pilot[Any]) -> FindingsTable:
    return overview(pilot).query_one(FindingsTable)


def tree(pilot: Pilot[Any]) -> ModelTree:
    return overview(pilot).query_one(ModelTree)


def detail_text(pilot: Pilot[Any], selector: str = "#detail") -> str:
    return pilot.app.screen.query_one(selector, DetailPane).text


async def select_in_tree(pilot: Pilot[Any], section: str, key: str) -> None:
    """Focus the tree and put its cursor on an element (as arrow keys would)."""
    t = tree(pilot)
    t.focus()
    assert t.select_element(section, key)
    await pilot.pause()


async def set_input(pilot: Pilot[Any], widget_id: str, text: str) -> None:
    """Put ``text`` in an Input at once (it posts Changed, as typing does); for fields a test only fills in."""
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.value = text
    await pilot.pause()


async def type_text(pilot: Pilot[Any], widget_id: str, text: str, *, replace: bool = True) -> None:
    """Focus an Input and type ``text`` key by key (validation runs on every key)."""
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.focus()
    await pilot.pause()
    if replace:
        widget.value = ""
        await pilot.pause()
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
    await pilot.pause()

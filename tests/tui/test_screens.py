"""SVG snapshots of every screen at 80x24 and 120x36 (layout only; behaviour is in test_behaviour.py).

Deterministic by construction: demo model and catalogs, a fixed as-of date, no clock in the
header, no cursor blink, the graphviz-pure layout engine, and every worker finished first.
Regenerate after a reviewed change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import select_in_tree, settle, table, tm, wait_for_screen
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.screens.dialogs import ConflictScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
UNSAFE = "demo:unsafe-rendering@web-app"
BROAD = "demo:broad-tool@ticket-tool"

Before = Callable[[Pilot[Any]], Awaitable[None]]


async def overview(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def component(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await select_in_tree(pilot, "components", "chat-llm")
    await settle(pilot)


async def finding(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding("demo:injected-instructions@chat-llm")
    await pilot.press("enter")
    await settle(pilot)


async def catalogs(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("c")
    await pilot.pause()
    pilot.app.screen.select(("threats", "demo:unsafe-rendering"))  # type: ignore[attr-defined]
    await settle(pilot)


async def plan(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)


async def questions(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("u")
    await settle(pilot)


async def answer_dialog(pilot: Pilot[Any]) -> None:
    await questions(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def edit_form(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await select_in_tree(pilot, "components", "web-app")
    await pilot.press("e")
    await settle(pilot)


async def triage_form(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding(BROAD)
    await pilot.press("a")
    await settle(pilot)


async def help_screen(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    await pilot.press("f1")
    await settle(pilot)


async def export(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+e")
    await settle(pilot)


async def conflict(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding(UNSAFE)
    await pilot.press("o")
    await settle(pilot)  # the edit's re-analysis and redraw finish before the file changes under it
    path = Path("model.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("owner: Platform team", "owner: Someone else"), encoding="utf-8"
    )
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ConflictScreen)
    pilot.app.clear_notifications()
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()


async def quit_dialog(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding(UNSAFE)
    await pilot.press("o")
    pilot.app.clear_notifications()
    await pilot.press("ctrl+q")
    await settle(pilot)


SCREENS: dict[str, Before] = {
    "overview": overview,
    "component": component,
    "finding": finding,
    "catalogs": catalogs,
    "plan": plan,
    "questions": questions,
    "answer": answer_dialog,
    "edit-form": edit_form,
    "triage-form": triage_form,
    "help": help_screen,
    "export": export,
    "conflict": conflict,
    "quit": quit_dialog,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, app: ThreatModelApp, screen: str, size: tuple[int, int]) -> None:
    """Each screen renders as reviewed, on a small and on a large terminal."""
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("size", SIZES)
def test_new_model_screen(
    snap_compare: Any,
    app_for: Callable[[Path | None], ThreatModelApp],
    model_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    """The start screen lists templates (pinned here, so new templates do not move the picture)."""
    import threatmodel.tui.screens.new_model as new_model

    monkeypatch.setattr(
        new_model,
        "starting_points",
        lambda: [
            ("agent", "An agent with tools and memory.", ""),
            ("rag", "A retrieval-augmented assistant.", ""),
        ],
    )
    assert snap_compare(app_for(model_path.with_name("new.yaml")), terminal_size=size, run_before=settle)


async def add_dialog(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    tm(pilot).editor.add(None)
    await settle(pilot)


@pytest.mark.parametrize("size", [pytest.param((140, 40), id="140x40"), pytest.param((200, 50), id="200x50")])
def test_add_dialog_shows_every_button(snap_compare: Any, app: ThreatModelApp, size: tuple[int, int]) -> None:
    """The "Add to the model" dialog fits all six choices on wide terminals (they used to run off its edge)."""
    assert snap_compare(app, terminal_size=size, run_before=add_dialog)


@pytest.mark.parametrize("size", [(140, 40), (200, 50)])
async def test_add_dialog_buttons_are_inside_the_dialog(app: ThreatModelApp, size: tuple[int, int]) -> None:
    from textual.containers import Vertical
    from textual.widgets import Button

    async with app.run_test(size=size) as pilot:
        await add_dialog(pilot)
        dialog = pilot.app.screen.query_one(".dialog", Vertical).content_region
        buttons = list(pilot.app.screen.query(Button))
        assert len(buttons) == 6
        for b in buttons:
            assert dialog.x <= b.region.x and b.region.right <= dialog.right, b.label

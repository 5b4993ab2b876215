"""Regenerate the screenshots of docs/tui.md (docs/img/tui-*.svg).

    python scripts/tui_screenshots.py              # every screen
    python scripts/tui_screenshots.py finding plan # some of them

Opens models/rag-support-assistant.yaml with the built-in catalogs headless, as the snapshot
tests do, goes to each screen the way a user would (the same keys), waits for the diagram and
workers to settle, and saves Textual's SVG screenshot: the overview at 120x36 and 80x24, the
finding, triage form, edit form, catalog browser and control plan at 120x36. Run after a
reviewed change to a screen's layout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

from textual.pilot import Pilot  # noqa: E402

from tests.tui.helpers import select_in_tree, settle, table  # noqa: E402
from threatmodel.io.load import load_catalogs  # noqa: E402
from threatmodel.tui.app import make_app  # noqa: E402

FINDING = "tm:indirect-prompt-injection@chat-llm"
TRIAGED = "tm:denial-of-wallet@chat-llm"


async def overview(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def finding(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding(FINDING)
    await pilot.press("enter")
    await settle(pilot)


async def triage(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    table(pilot).focus()
    table(pilot).select_finding(TRIAGED)
    await pilot.press("a")
    await settle(pilot)


async def edit(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await select_in_tree(pilot, "components", "orchestrator")
    await pilot.press("e")
    await settle(pilot)


async def catalogs(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("c")
    await pilot.pause()
    pilot.app.screen.select(("threats", "tm:indirect-prompt-injection"))  # type: ignore[attr-defined]
    await settle(pilot)


async def plan(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)


Steps = Callable[[Pilot[Any]], Awaitable[None]]
SHOTS: dict[str, tuple[tuple[int, int], Steps]] = {
    "tui-overview.svg": ((120, 36), overview),
    "tui-overview-80x24.svg": ((80, 24), overview),
    "tui-finding.svg": ((120, 36), finding),
    "tui-triage.svg": ((120, 36), triage),
    "tui-edit.svg": ((120, 36), edit),
    "tui-catalogs.svg": ((120, 36), catalogs),
    "tui-plan.svg": ((120, 36), plan),
}


async def shoot(name: str, size: tuple[int, int], steps: Steps) -> None:
    app = make_app(
        REPO / "models" / "rag-support-assistant.yaml", load_catalogs(), as_of=dt.date(2026, 12, 1), watch_interval=None
    )
    async with app.run_test(size=size) as pilot:
        await steps(pilot)
        app.save_screenshot(filename=name, path=str(REPO / "docs" / "img"))


def main() -> None:
    wanted = {f"tui-{name}.svg" for name in sys.argv[1:]}
    unknown = wanted - set(SHOTS)
    if unknown:
        sys.exit(f"unknown screen(s): {', '.join(sorted(unknown))}; choose from {', '.join(sorted(SHOTS))}")
    for name, (size, steps) in SHOTS.items():
        if not wanted or name in wanted:
            asyncio.run(shoot(name, size, steps))
            print(f"wrote docs/img/{name}")


if __name__ == "__main__":
    main()

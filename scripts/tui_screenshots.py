"""Regenerate the overview screenshots of docs/tui.md (docs/img/tui-overview*.svg).

    python scripts/tui_screenshots.py

Opens models/rag-support-assistant.yaml with the built-in catalogs headless, as the snapshot
tests do, waits for the diagram and workers to settle, and saves Textual's SVG screenshot at
120x36 and 80x24. Run after a reviewed change to the overview's layout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.tui.helpers import settle  # noqa: E402
from threatmodel.io.load import load_catalogs  # noqa: E402
from threatmodel.tui.app import make_app  # noqa: E402

SHOTS = {"tui-overview.svg": (120, 36), "tui-overview-80x24.svg": (80, 24)}


async def shoot(name: str, size: tuple[int, int]) -> None:
    app = make_app(
        REPO / "models" / "rag-support-assistant.yaml", load_catalogs(), as_of=dt.date(2026, 12, 1), watch_interval=None
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.save_screenshot(filename=name, path=str(REPO / "docs" / "img"))


def main() -> None:
    for name, size in SHOTS.items():
        asyncio.run(shoot(name, size))
        print(f"wrote docs/img/{name}")


if __name__ == "__main__":
    main()

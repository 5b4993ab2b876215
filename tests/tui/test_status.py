"""The overview's status line: counts, unsaved changes and the slow-analysis note."""

from __future__ import annotations

import pytest

from tests.tui.conftest import SIZE
from tests.tui.helpers import overview, settle
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.screens import overview as overview_module


def status_text(app: ThreatModelApp) -> str:
    from threatmodel.tui.screens.overview import StatusLine

    return str(app.screen.query_one(StatusLine).render())


async def test_a_slow_analysis_is_noted(app: ThreatModelApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overview_module, "SLOW_ANALYSIS_MS", 0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        overview(pilot).refresh_status()
        await pilot.pause()
        assert "analysis took" in status_text(pilot.app)  # type: ignore[arg-type]


async def test_counts_without_the_note_below_the_threshold(app: ThreatModelApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = status_text(pilot.app)  # type: ignore[arg-type]
        assert "findings" in text and "open risk" in text
        assert "analysis took" not in text

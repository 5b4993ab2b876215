"""Discover from the command palette: choose a folder, choose the new file, the drafted model opens."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Button, Input

from tests.tui.conftest import SIZE
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.discovering import FolderScreen
from threatmodel.tui.screens.dialogs import PathScreen

REPO = Path(__file__).resolve().parents[1] / "data" / "discover" / "rag-service"


async def _choose(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    pilot.app.screen.query_one(Input).value = text
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_palette_discovers_a_repository_and_opens_the_draft(app: ThreatModelApp, model_path: Path) -> None:
    repo = model_path.parent / "rag-service"
    shutil.copytree(REPO, repo)
    async with app.run_test(size=SIZE) as pilot:
        await _choose(pilot, "Discover AI in a repository")
        ask = pilot.app.screen
        assert isinstance(ask, FolderScreen)
        ask.query_one(Input).value = str(model_path)  # a file, not a folder: refused
        await pilot.pause()
        assert ask.query_one("#path-ok", Button).disabled
        ask.query_one(Input).value = str(repo)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        target = pilot.app.screen
        assert isinstance(target, PathScreen) and not isinstance(target, FolderScreen)
        assert target.query_one(Input).value.endswith("rag-service.model.yaml")
        await pilot.press("enter")
        await pilot.pause()
        drafted = repo / "rag-service.model.yaml"
        assert drafted.exists()
        assert "Drafted by `threatmodel discover --draft`" in drafted.read_text(encoding="utf-8")
        session = pilot.app.session  # type: ignore[attr-defined]
        assert session is not None and session.path.resolve() == drafted.resolve()
        assert {c.id for c in session.model.components} == {"openai", "chroma", "langchain", "github", "docs-search"}

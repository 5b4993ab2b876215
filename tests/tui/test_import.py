"""Import from the command palette: pick the source, pick the new file, the drafted model opens."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from tests.tui.conftest import SIZE
from tests.tui.helpers import table, tm
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.screens.dialogs import PathScreen

FIXTURES = Path(__file__).resolve().parents[1] / "interop" / "data"


async def _choose(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    pilot.app.screen.query_one(Input).value = text
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_palette_imports_a_threagile_model_and_opens_it(app: ThreatModelApp, model_path: Path) -> None:
    source = model_path.with_name("claims.yaml")
    shutil.copyfile(FIXTURES / "threagile-claims-assistant.yaml", source)
    async with app.run_test(size=SIZE) as pilot:
        await _choose(pilot, "Import Threagile")
        ask = pilot.app.screen
        assert isinstance(ask, PathScreen)
        ask.query_one(Input).value = str(source)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        target = pilot.app.screen
        assert isinstance(target, PathScreen)
        assert target.query_one(Input).value.endswith("claims.model.yaml")
        await pilot.press("enter")
        await pilot.pause()
        drafted = model_path.with_name("claims.model.yaml")
        assert drafted.exists()
        assert "Not carried over" in drafted.read_text(encoding="utf-8")
        session = pilot.app.session  # type: ignore[attr-defined]
        assert session is not None and session.path.resolve() == drafted.resolve()
        assert session.model.system.name == "Claims Assistant"


async def test_palette_import_refuses_while_edits_are_unsaved(app: ThreatModelApp, model_path: Path) -> None:
    """Importing opens another model, so it waits until unsaved edits are saved or reloaded."""
    async with app.run_test(size=SIZE) as pilot:
        table(pilot).focus()
        table(pilot).select_finding("demo:unsafe-rendering@web-app")
        await pilot.press("o")
        await pilot.pause()
        assert tm(pilot).session.modified  # type: ignore[union-attr]
        await _choose(pilot, "Import CycloneDX")
        assert not isinstance(pilot.app.screen, PathScreen)
        assert tm(pilot).session.path.resolve() == model_path.resolve()  # type: ignore[union-attr]

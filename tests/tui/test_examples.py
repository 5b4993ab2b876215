"""Every example model opens in the TUI with the built-in catalogs (no snapshots: catalogs grow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import AS_OF
from tests.tui.helpers import settle, table, tree
from threatmodel.io.load import LoadedCatalogs
from threatmodel.tui.app import make_app
from threatmodel.tui.screens.finding import FindingScreen

MODELS = sorted((Path(__file__).resolve().parents[2] / "models").glob("*.yaml"))


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
async def test_example_model_opens(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """The overview lists every component and finding of the example, and a finding opens."""
    app = make_app(path, builtin_catalogs, as_of=AS_OF)
    session = app.session
    assert session is not None
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        refs = set(tree(pilot).refs())
        assert {("components", c.id) for c in session.model.components} <= refs
        assert set(table(pilot).visible_ids) == {f.id for f in session.assessment.findings}
        if session.assessment.findings:
            table(pilot).focus()
            await pilot.press("enter")
            assert isinstance(pilot.app.screen, FindingScreen)

"""Fixtures for the TUI tests: a demo model and catalogs that never change with the built-in ones.

The demo catalogs (tests/tui/data/demo-*.yaml) are self-contained, so the snapshots and the
behaviour tests do not move when the built-in catalogs grow; one tmux test and one smoke
test per example model use the real catalogs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.helpers import FIXED_DATE
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.tui.app import ThreatModelApp, make_app

DATA = Path(__file__).parent / "data"
AS_OF = FIXED_DATE
SIZE = (120, 36)


@pytest.fixture(scope="session")
def demo_catalogs() -> LoadedCatalogs:
    return load_catalogs([DATA / "demo-top.yaml", DATA / "demo-threats.yaml"], builtin=False)


@pytest.fixture
def model_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the demo model; the working directory is its folder (short display paths)."""
    target = tmp_path / "model.yaml"
    shutil.copyfile(DATA / "model.yaml", target)
    monkeypatch.chdir(tmp_path)
    return target


@pytest.fixture
def app_for(demo_catalogs: LoadedCatalogs) -> Callable[[Path | None], ThreatModelApp]:
    def make(path: Path | None) -> ThreatModelApp:
        # The file watcher runs on a 2-second timer; tests that change the file on disk call
        # `check_disk()` themselves, so nothing depends on timing.
        return make_app(path, demo_catalogs, as_of=AS_OF, watch_interval=None)

    return make


@pytest.fixture
def app(model_path: Path, app_for: Callable[[Path | None], ThreatModelApp]) -> ThreatModelApp:
    return app_for(model_path)


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor would make screenshots depend on timing."""
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def _no_slow_analysis_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """The status line notes an analysis slower than 250 ms; on a loaded machine the demo model can
    take that long, so screenshots would depend on timing. The note has its own test."""
    from threatmodel.tui.screens import overview

    monkeypatch.setattr(overview, "SLOW_ANALYSIS_MS", float("inf"))


@pytest.fixture(autouse=True)
def _pinned_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lay diagrams out with the graphviz-pure wheel, never a system `dot` of another version.

    Layouts differ between Graphviz versions, and the diagram is part of the screenshots.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution("graphviz-pure")
    except metadata.PackageNotFoundError:
        return
    for entry in dist.files or ():
        if entry.name == "graphviz-pure":
            monkeypatch.setenv("THREATMODEL_DOT", str(Path(str(dist.locate_file(entry))).resolve()))
            return


@pytest.fixture(autouse=True)
def _colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """Screenshots are reviewed in colour (the repository-wide fixture sets NO_COLOR for CLI output)."""
    monkeypatch.delenv("NO_COLOR", raising=False)

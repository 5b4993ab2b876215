"""A large model is shown before its analysis is done, and no edit made meanwhile is lost or shown
with stale findings (issue 12). The demo model stands in for a large one: ``background_from=0``
sends every analysis to the worker thread, and each analysis waits for the test to release it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tui.conftest import AS_OF, SIZE
from tests.tui.helpers import detail_text, select_in_tree, settle, table, tm, tree
from threatmodel.edit.changes import Change, Upsert
from threatmodel.edit.session import EditSession
from threatmodel.engine.analysis import Analysis, analyse
from threatmodel.io.load import LoadedCatalogs
from threatmodel.tui.app import ThreatModelApp, make_app
from threatmodel.tui.screens.overview import StatusLine
from threatmodel.tui.screens.plan import PlanScreen
from threatmodel.tui.screens.questions import QuestionsScreen

ADD_TOOL = Change(
    "add tool", (Upsert("components", {"id": "mailer", "kind": "tool", "side_effects": ["send-external"]}),)
)


class Gates:
    """Every analysis job waits here until the test releases its version."""

    def __init__(self) -> None:
        self.events: dict[int, threading.Event] = {}
        self.lock = threading.Lock()

    def event(self, version: int) -> threading.Event:
        with self.lock:
            return self.events.setdefault(version, threading.Event())

    def release(self, version: int) -> None:
        self.event(version).set()


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gates]:
    gates = Gates()
    original = EditSession.analysis_job

    def gated(self: EditSession) -> tuple[int, Callable[[], tuple[Analysis, float]]]:
        version, job = original(self)

        def run() -> tuple[Analysis, float]:
            # The event loop must never wait for an analysis: if it did, this wait would time out.
            assert threading.current_thread() is not threading.main_thread(), "analysis ran on the event loop"
            assert gates.event(version).wait(20), f"analysis v{version} was never released"
            return job()

        return version, run

    monkeypatch.setattr(EditSession, "analysis_job", gated)
    yield gates
    for event in gates.events.values():  # never leave a worker thread waiting
        event.set()


@pytest.fixture
def background_app(model_path: Path, demo_catalogs: LoadedCatalogs) -> ThreatModelApp:
    return make_app(model_path, demo_catalogs, as_of=AS_OF, watch_interval=None, background_from=0)


def status(app: ThreatModelApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


def full_analysis(app: ThreatModelApp) -> list[str]:
    """The finding ids of a fresh, full analysis of the session's current model."""
    session = app.session
    assert session is not None
    fresh = analyse(session.model, session.catalogs.cset, as_of=AS_OF)
    return sorted(f.id for f in fresh.assessment.findings)


async def test_the_model_is_shown_while_it_is_analysed(background_app: ThreatModelApp, gates: Gates) -> None:
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        assert app.analysing
        assert "analysing" in status(app)
        assert table(pilot).loading and table(pilot).visible_ids == []
        assert ("components", "web-app") in set(tree(pilot).refs())
        # Start-up may still rebuild the tree once after the first frame (the cursor then goes back
        # to the system row), so the pick is repeated until it holds, a bounded number of times.
        for _ in range(10):
            await select_in_tree(pilot, "components", "web-app")
            if "Findings (analysing…)" in detail_text(pilot):
                break
        assert "Findings (analysing…)" in detail_text(pilot)
        await pilot.press("p")  # the plan needs findings: refused with a note, not computed on the event loop
        await pilot.pause()
        assert not isinstance(app.screen, PlanScreen)
        gates.release(1)
        await settle(pilot)
        assert not app.analysing and not table(pilot).loading
        assert sorted(table(pilot).visible_ids) == full_analysis(app)
        assert "open risk" in status(app) and "analysing" not in status(app)
        assert "Findings (" in detail_text(pilot) and "analysing" not in detail_text(pilot)


@pytest.mark.parametrize("first", ["old", "new"])
async def test_an_edit_during_analysis_restarts_it(background_app: ThreatModelApp, gates: Gates, first: str) -> None:
    """Whichever analysis finishes first, the one of the model before the edit is never shown."""
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        session = app.session
        assert session is not None and app.analysing and session.version == 1
        assert app.editor.apply(ADD_TOOL)
        await pilot.pause()
        assert session.version == 2 and app.analysing
        assert ("components", "mailer") in set(tree(pilot).refs())  # the edit shows at once
        order = (1, 2) if first == "old" else (2, 1)
        gates.release(order[0])
        await pilot.pause()
        gates.release(order[1])
        await settle(pilot)
        assert not app.analysing
        shown = sorted(table(pilot).visible_ids)
        assert shown == full_analysis(app)
        assert any(fid.endswith("@mailer") for fid in shown)  # findings of the edited model
        assert session.element("components", "mailer") is not None


async def test_an_undo_during_analysis_shows_the_undone_model(background_app: ThreatModelApp, gates: Gates) -> None:
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        gates.release(1)
        await settle(pilot)
        before = sorted(table(pilot).visible_ids)
        assert app.editor.apply(ADD_TOOL)
        await pilot.pause()
        app.editor.undo()  # version 3: the model of version 1 again, analysed anew
        await pilot.pause()
        gates.release(2)
        gates.release(3)
        await settle(pilot)
        assert sorted(table(pilot).visible_ids) == before == full_analysis(app)
        assert not any(fid.endswith("@mailer") for fid in table(pilot).visible_ids)
        assert "open risk" in status(app)


def test_the_session_refuses_an_analysis_of_an_older_version(tmp_path: Path, demo_catalogs: LoadedCatalogs) -> None:
    import shutil

    from tests.tui.conftest import DATA

    path = tmp_path / "model.yaml"
    shutil.copyfile(DATA / "model.yaml", path)
    session = EditSession.open(path, demo_catalogs, AS_OF)
    assert not session.analysed  # analysed when first asked for, not on opening
    version, job = session.analysis_job()
    session.apply(ADD_TOOL)
    assert session.version == version + 1 and not session.analysed
    old, ms = job()
    assert not session.offer_analysis(version, old, ms)
    assert not session.analysed
    ids = {f.id for f in session.assessment.findings}  # computed now, for the current model
    assert any(fid.endswith("@mailer") for fid in ids)
    assert not any(fid.endswith("@mailer") for fid in (f.id for f in old.assessment.findings))


async def test_an_analysis_for_a_replaced_session_is_refused(
    background_app: ThreatModelApp, gates: Gates, model_path: Path, demo_catalogs: LoadedCatalogs
) -> None:
    """A palette import replaces the session, whose versions count from 1 again: a result still on
    its way for the old session must not land on the new one."""
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        old = app.session
        assert old is not None and app.analysing
        stale = analyse(old.model, old.catalogs.cset, as_of=AS_OF)
        other = model_path.with_name("other.yaml")
        other.write_text(model_path.read_text(encoding="utf-8"), encoding="utf-8")
        app.session = EditSession.open(other, demo_catalogs, AS_OF)
        assert app.session.version == old.version == 1
        app._analysed(old, 1, stale, 1.0)  # what the old worker's callback would do
        assert not app.session.analysed
        gates.release(1)


async def test_answering_a_question_leaves_the_analysis_to_the_worker(
    background_app: ThreatModelApp, gates: Gates
) -> None:
    """After an answer the open questions wait for the worker (the gate would fail the test if the
    event loop analysed), then show the list of the answered model."""
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        gates.release(1)
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionsScreen)
        asked = len(screen.rows)
        assert asked > 0
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # the first value
        await pilot.pause()
        assert app.screen is screen and app.analysing
        assert screen.sub_title == "re-analysing…"
        assert "Re-analysing" in detail_text(pilot, "#questions-detail")
        gates.release(2)
        await settle(pilot)
        assert not app.analysing
        assert len(screen.rows) == asked - 1
        assert "open question" in screen.sub_title


async def test_starting_the_worker_never_spells_out_the_session(
    background_app: ThreatModelApp, gates: Gates, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual describes a worker by ``repr(work)`` unless given a description; the analysis
    worker's ``repr`` would spell out the whole session (over a second on the event loop at 10k
    components), so the worker is named without it."""

    def refuse(self: object) -> str:
        raise AssertionError("the session was spelt out to describe a worker")

    monkeypatch.setattr(EditSession, "__repr__", refuse)
    async with background_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app = tm(pilot)
        assert app.analysing
        workers = [w for w in app.workers if w.group == "analysis"]
        assert workers and all(w.description == "analysis of version 1" for w in workers)
        gates.release(1)
        await settle(pilot)
        assert not app.analysing

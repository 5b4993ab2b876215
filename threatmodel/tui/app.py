"""``ThreatModelApp`` and the ``make_app`` factory used by ``threatmodel tui`` and by the tests.

The app is a thin shell: global keys, the command palette, screen switching. Screens own
their layout and keys (``screens/``); editing workflows live in :mod:`threatmodel.tui.editor`;
the model, the document and undo live in :class:`~threatmodel.edit.session.EditSession`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from threatmodel.edit.session import EditSession
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.io.load import LoadedCatalogs, display_path, load_model_text
from threatmodel.io.write import write_atomic
from threatmodel.tui.editor import Editor
from threatmodel.tui.messages import AnalysisDone, ModelChanged
from threatmodel.tui.safetext import safe

if TYPE_CHECKING:
    from textual.command import Provider

    from threatmodel.engine.analysis import Analysis


def _model_commands() -> type[Provider]:
    """The palette provider, imported when the palette first opens (off the start-up path)."""
    from threatmodel.tui.commands import ModelCommands

    return ModelCommands


WATCH_INTERVAL = 2.0
"""How often the open file is checked for changes made outside the TUI (a `git pull`, an editor)."""

BACKGROUND_ANALYSIS_FROM = 2500
"""Elements (components, flows, boundaries, data assets) from which a model is analysed in a worker
thread: the model is shown first, the findings when the analysis is done (decision 0940). Below it
the analysis takes about 100 ms or less on the reference machine and is done before the frame, so
the table never blinks empty on an edit (a 500-component, 1,000-flow model stays on this side)."""

GLOBAL_ACTIONS = frozenset({"save", "save_as", "undo", "redo", "export", "reload"})
"""Actions that need an open model and no dialog in front."""


class ThreatModelApp(App[None]):
    """The threatmodel terminal UI."""

    CSS_PATH = "app.tcss"
    TITLE = "threatmodel"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {_model_commands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (160, "-roomy")]  # noqa: RUF012 - Textual's declaration
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 - Textual's declaration
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            tooltip="Write the model file (comments and layout are kept; never over someone else's changes).",
            id="app.save",
        ),
        Binding("ctrl+z", "undo", "Undo", tooltip="Undo the last edit or triage decision.", id="app.undo"),
        Binding("ctrl+y", "redo", "Redo", tooltip="Redo what was undone.", id="app.redo"),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            tooltip="Export a report or diagram (md, html, json, sarif, stix, svg, dot, mermaid).",
            id="app.export",
        ),
        Binding("f1,question_mark", "help", "Keys", tooltip="List the keys that work here.", id="app.help"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            tooltip="Quit (asks first when there are unsaved changes).",
            id="app.quit",
            priority=True,
        ),
    ]

    def __init__(
        self,
        session: EditSession | None,
        *,
        catalogs: LoadedCatalogs,
        as_of: dt.date,
        new_path: Path | None = None,
        watch_interval: float | None = WATCH_INTERVAL,
        background_from: int = BACKGROUND_ANALYSIS_FROM,
    ) -> None:
        super().__init__()
        self.background_from = background_from
        """Model size (elements) from which analyses run in a worker thread (0: always)."""
        self._analysing: tuple[EditSession, int] | None = None
        """The session and version a worker is analysing, if any (a palette import replaces the
        session, and the new one counts its versions from the start again)."""
        self.watch_interval = watch_interval
        """Seconds between checks of the model file on disk (None: never check on a timer)."""
        self.session = session
        self.catalogs = catalogs
        self.as_of = as_of
        self.new_path = new_path
        self.editor = Editor(self)
        self._cset = session.cset if session is not None else CatalogSet(catalogs.catalogs)

    @property
    def cset(self) -> CatalogSet:
        return self._cset

    # -- screens ----------------------------------------------------------------
    def on_mount(self) -> None:
        if self.watch_interval:
            self.set_interval(self.watch_interval, self.check_disk, name="watch model file")

    def check_disk(self) -> None:
        """React to a new version of the model file on disk (see :meth:`Editor.check_disk`)."""
        if self.session is not None and not isinstance(self.screen, ModalScreen):
            self.editor.check_disk()

    def get_default_screen(self) -> Screen[None]:
        """The overview when a model is open, else the start screen (no extra screen to switch from)."""
        if self.session is not None:
            from threatmodel.tui.screens.overview import OverviewScreen

            self._update_title()
            return OverviewScreen()
        from threatmodel.tui.screens.new_model import NewModelScreen

        return NewModelScreen(self.new_path)

    def create_model(self, path: Path, text: str) -> None:
        """Write a new model file from a template, then open it (used by the start screen).

        The text is validated first (with the loaded catalogs), so nothing is written when
        the template does not fit them.
        """
        load_model_text(text, path.name, base_dir=path.parent, known_controls=self.catalogs.control_refs)
        write_atomic(path, text)
        schema = path.parent / "threatmodel.schema.json"
        if not schema.exists():
            from threatmodel.schema import schema_text

            write_atomic(schema, schema_text("model"))
        self.session = EditSession.open(path, self.catalogs, self.as_of)
        self._cset = self.session.cset
        from threatmodel.tui.screens.overview import OverviewScreen

        self._update_title()
        if any(isinstance(screen, OverviewScreen) for screen in self.screen_stack):
            self.model_changed("opened")  # an import from the palette: the overview shows the new session
        else:
            self.push_screen(OverviewScreen())
        self.notify(f"Created {display_path(path)}", timeout=4, markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast goes through here: what it quotes (paths, names, Graphviz's stderr) is
        shown with control characters escaped."""
        super().notify(safe(message), title=safe(title), severity=severity, timeout=timeout, markup=markup)

    def _update_title(self) -> None:
        if self.session is None:
            return
        self.title = safe(self.session.model.system.name)
        marker = " ● unsaved" if self.session.modified else ""
        self.sub_title = safe(f"{self.session.path.name}{marker}")

    def model_changed(self, label: str) -> None:
        """Refresh every screen that shows the session (after an edit, undo, save or reload)."""
        self._update_title()
        self.start_analysis()
        self._refresh_screens()
        self.post_message(ModelChanged(label))

    def _refresh_screens(self) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_session", None)
            if callable(refresh):
                refresh()

    # -- analysis -------------------------------------------------------------
    @property
    def analysing(self) -> bool:
        """True while a worker analyses the session's current model (its findings are not known yet)."""
        session = self.session
        return session is not None and not session.analysed and self._working_on(session, session.version)

    def _working_on(self, session: EditSession, version: int) -> bool:
        return self._analysing is not None and self._analysing[0] is session and self._analysing[1] == version

    def start_analysis(self) -> bool:
        """Analyse the session's current model in a worker thread when it is large; True when one runs.

        A worker already running for an older version is cancelled; should it still finish, the
        session refuses its result (:meth:`EditSession.offer_analysis`), so nothing the user did in
        the meantime is shown with stale findings.
        """
        session = self.session
        if session is None or session.analysed:
            return False
        if self._working_on(session, session.version):
            return True
        model = session.model
        size = len(model.components) + len(model.flows) + len(model.boundaries) + len(model.data)
        if size < self.background_from:
            return False
        version, job = session.analysis_job()
        self._analysing = (session, version)
        # Started once the screen showing the model is painted: the worker holds the GIL most of
        # the time, and the first frame of a large model would otherwise take twice as long.
        self.call_after_refresh(self._start_worker, session, version, job)
        return True

    def _start_worker(self, session: EditSession, version: int, job: Callable[[], tuple[Analysis, float]]) -> None:
        if not self._working_on(session, version):
            return  # the model changed again before this frame: a newer job is queued
        self.run_worker(
            partial(self._analyse, session, version, job),
            name=f"analysis v{version}",
            # Textual describes a worker by repr(work) unless told: the partial's repr spells out
            # the whole session, over a second of the event loop's time at 10k components.
            description=f"analysis of version {version}",
            group="analysis",
            exclusive=True,
            thread=True,
        )

    def _analyse(self, session: EditSession, version: int, job: Callable[[], tuple[Analysis, float]]) -> None:
        """In the worker thread: analyse, then hand the result to the event loop (unless cancelled)."""
        analysis, evaluate_ms = job()
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._analysed, session, version, analysis, evaluate_ms)

    def _analysed(self, session: EditSession, version: int, analysis: Analysis, evaluate_ms: float) -> None:
        if self._working_on(session, version):
            self._analysing = None
        if session is self.session and session.offer_analysis(version, analysis, evaluate_ms):
            self._refresh_screens()
            self.post_message(AnalysisDone(version))

    def require_analysis(self, what: str) -> bool:
        """False (and says why) while the findings are still being computed."""
        if self.analysing:
            self.notify(f"Still analysing the model: {what} opens once the findings are shown.", timeout=3)
            return False
        return True

    def _overview(self) -> Screen[None] | None:
        from threatmodel.tui.screens.overview import OverviewScreen

        return next((s for s in self.screen_stack if isinstance(s, OverviewScreen)), None)

    def open_finding(self, finding_id: str, order: Sequence[str] = ()) -> None:
        from threatmodel.tui.screens.finding import FindingScreen

        if not self.require_analysis("the finding"):
            return
        self.push_screen(FindingScreen(finding_id, order))

    def open_catalogs(self, select: tuple[str, str] | None = None) -> None:
        from threatmodel.tui.screens.catalog import CatalogScreen

        if self.session is None or not self.require_analysis("the catalog browser"):
            return
        self.push_screen(CatalogScreen(select))

    def open_plan(self) -> None:
        from threatmodel.tui.screens.plan import PlanScreen

        if self.session is not None and self.require_analysis("the control plan"):
            self.push_screen(PlanScreen())

    def open_questions(self) -> None:
        from threatmodel.tui.screens.questions import QuestionsScreen

        if self.session is not None and self.require_analysis("the open questions"):
            self.push_screen(QuestionsScreen())

    def jump_to(self, section: str, key: str) -> None:
        """Back to the overview and show an element or finding there."""
        from threatmodel.tui.screens.overview import OverviewScreen

        overview = self._overview()
        if not isinstance(overview, OverviewScreen):
            return
        while self.screen is not overview and len(self.screen_stack) > 1:
            self.pop_screen()
        if not overview.jump_to(section, key):
            self.notify(f"'{key}' is not in the model", severity="warning", markup=False)

    # -- actions ------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GLOBAL_ACTIONS:
            if self.session is None:
                return False
            if isinstance(self.screen, ModalScreen):
                return False
        return True

    def action_save(self) -> None:
        self.editor.save()

    def action_save_as(self) -> None:
        self.editor.save_as()

    def action_undo(self) -> None:
        self.editor.undo()

    def action_redo(self) -> None:
        self.editor.redo()

    def action_reload(self) -> None:
        self.editor.reload()

    def action_export(self, fmt: str | None = None) -> None:
        from threatmodel.tui.screens.export import ExportScreen

        if self.session is None or not self.require_analysis("export"):
            return

        def chosen(result: tuple[str, Path] | None) -> None:
            if result is not None:
                self.editor.export(*result)

        self.push_screen(ExportScreen(self.session, fmt), chosen)

    def action_help(self) -> None:
        """List the keys of the current screen: its own, its widgets', then the global ones."""
        from threatmodel.tui.screens.help import HelpScreen, key_help

        if not isinstance(self.screen, ModalScreen):
            self.push_screen(
                HelpScreen(str(self.screen.BINDING_GROUP_TITLE or self.title), key_help(self.screen, self))
            )

    async def action_quit(self) -> None:
        """Quit; with unsaved changes, ask: save and quit, quit without saving, or stay."""
        if self.session is None or not self.session.modified:
            self.exit()
            return
        if isinstance(self.screen, ModalScreen) and self.screen.id == "quit":
            return
        from threatmodel.tui.screens.dialogs import ChoiceScreen

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.editor.save(then=self.exit)
            elif choice == "discard":
                self.exit()

        self.push_screen(
            ChoiceScreen(
                "Unsaved changes",
                f"{self.session.path.name} has changes that are not saved yet.",
                [
                    ("save", "Save and quit", "primary"),
                    ("discard", "Quit without saving", "error"),
                    ("cancel", "Cancel", "default"),
                ],
                dialog_id="quit",
            ),
            chosen,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from threatmodel.tui.importing import SOURCES, start_import

        for source, title in SOURCES:
            yield SystemCommand(
                f"Import {title}…", "Draft a new model from it and open it", lambda s=source: start_import(self, s)
            )
        from threatmodel.tui.discovering import COMMAND, HELP, start_discover

        yield SystemCommand(COMMAND, HELP, lambda: start_discover(self))
        if self.session is None:
            return
        yield SystemCommand("Save", "Write the model file (ctrl+s)", self.action_save)
        yield SystemCommand("Save as…", "Write the model to another file", self.action_save_as)
        yield SystemCommand("Reload from disk", "Discard unsaved edits and read the file again", self.action_reload)
        yield SystemCommand("Undo", "Undo the last edit (ctrl+z)", self.action_undo)
        yield SystemCommand("Redo", "Redo what was undone (ctrl+y)", self.action_redo)
        yield SystemCommand("Export…", "Export a report or diagram (ctrl+e)", self.action_export)
        yield SystemCommand(
            "Add to the model…", "Add a component, flow, boundary, data asset or control", lambda: self.editor.add(None)
        )
        yield SystemCommand("Control plan", "Proposed controls ranked by the risk they remove", self.open_plan)
        yield SystemCommand(
            "Open questions", "Unknown facts findings rest on, most open risk first; answer them", self.open_questions
        )
        yield SystemCommand(
            "Catalog browser", "Entries, controls and threats with cross-references", self.open_catalogs
        )
        yield SystemCommand("Key help", "List the keys that work here (F1)", self.action_help)


def make_app(
    model: Path | str | None,
    catalogs: LoadedCatalogs,
    *,
    as_of: dt.date,
    watch_interval: float | None = WATCH_INTERVAL,
    background_from: int = BACKGROUND_ANALYSIS_FROM,
) -> ThreatModelApp:
    """The app for ``model`` (opened for editing), or the start screen when it does not exist.

    Raises :class:`~threatmodel.errors.ThreatModelError` with located problems when the
    file exists but is not a valid model; the CLI prints them and exits 2.
    """
    path = Path(model) if model is not None else None
    if path is not None and path.exists():
        session = EditSession.open(path, catalogs, as_of)
        return ThreatModelApp(
            session, catalogs=catalogs, as_of=as_of, watch_interval=watch_interval, background_from=background_from
        )
    return ThreatModelApp(
        None,
        catalogs=catalogs,
        as_of=as_of,
        new_path=path,
        watch_interval=watch_interval,
        background_from=background_from,
    )

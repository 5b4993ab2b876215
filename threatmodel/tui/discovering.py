"""Discover from the command palette: choose a repository folder, then the new model's path; the
drafted model (``threatmodel discover --draft``) is written and opened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Button, Static

from threatmodel.errors import ThreatModelError
from threatmodel.io.load import display_path
from threatmodel.tui.safetext import Text
from threatmodel.tui.screens.dialogs import PathScreen

if TYPE_CHECKING:
    from threatmodel.tui.app import ThreatModelApp

COMMAND = "Discover AI in a repository folder…"
HELP = "Draft a new model from the AI the code uses (static; nothing is run) and open it"


class FolderScreen(PathScreen):
    """Ask for an existing folder (the path dialog, reversed: a folder is required)."""

    def _check(self, value: str) -> str | None:
        path = Path(value.strip()).expanduser() if value.strip() else None
        error = "type a folder path" if path is None else None if path.is_dir() else f"{path} is not a folder"
        self.query_one("#path-error", Static).update(Text(error or ""))
        self.query_one("#path-ok", Button).disabled = error is not None
        return error


def suggested_output(folder: Path) -> Path:
    """``<folder>/<folder name>.model.yaml``."""
    name = folder.resolve().name or "system"
    return folder / f"{name}.model.yaml"


def start_discover(app: ThreatModelApp) -> None:
    """Ask for the folder, then for the new model's path; scan, draft, write and open it."""
    if app.session is not None and app.session.modified:
        app.notify("Save or reload first: discovering opens another model.", severity="warning", markup=False)
        return

    def got_folder(folder: Path | None) -> None:
        if folder is None:
            return

        def got_output(output: Path | None) -> None:
            if output is not None:
                finish_discover(app, folder, output)

        app.call_after_refresh(
            app.push_screen,
            PathScreen(
                "Write the drafted model to…",
                display_path(suggested_output(folder)),
                note="A new file; nothing is overwritten. Only what the code shows is filled in.",
            ),
            got_output,
        )

    app.push_screen(
        FolderScreen(
            "Discover the AI used by the repository in…", "", note="The folder to scan; nothing in it is run."
        ),
        got_folder,
    )


def finish_discover(app: ThreatModelApp, folder: Path, output: Path) -> None:
    from threatmodel.io.discover.draft import default_name, draft_model
    from threatmodel.io.discover.scan import scan_repository

    try:
        inventory = scan_repository(folder, display_path(folder))
        text, notes = draft_model(inventory, default_name(folder))
        app.create_model(output, text)
    except ThreatModelError as exc:
        app.editor.show_problems("Discover failed", [p.render() for p in exc.problems])
        return
    app.notify(
        f"{len(notes)} components drafted from {len(inventory.items)} items found in {display_path(folder)}; "
        "unknown facts are left for you (see the findings' open questions)",
        timeout=8,
        markup=False,
    )

"""Import from the command palette: draft a model from a CycloneDX AI-BOM, a Threagile or a
Threat Dragon file, write it beside the source and open it (the same drafting as ``threatmodel import``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from threatmodel.errors import ThreatModelError
from threatmodel.io.load import display_path

if TYPE_CHECKING:
    from threatmodel.tui.app import ThreatModelApp

SOURCES: tuple[tuple[str, str], ...] = (
    ("cyclonedx", "CycloneDX AI-BOM (JSON)"),
    ("threagile", "Threagile model (YAML)"),
    ("threat-dragon", "Threat Dragon v2 model (JSON)"),
)


def suggested_output(source_file: Path) -> Path:
    """``<name>.model.yaml`` beside the source (``bom.cdx.json`` -> ``bom.model.yaml``)."""
    return source_file.with_name(source_file.name.split(".")[0] + ".model.yaml")


def start_import(app: ThreatModelApp, source: str) -> None:
    """Ask for the source file, then for the new model's path; draft, write and open it."""
    from threatmodel.tui.screens.dialogs import PathScreen

    if app.session is not None and app.session.modified:
        app.notify("Save or reload first: importing opens another model.", severity="warning", markup=False)
        return
    title = dict(SOURCES)[source]

    def got_source(source_file: Path | None) -> None:
        if source_file is None:
            return
        if not source_file.is_file():
            app.notify(f"{display_path(source_file)} is not a file", severity="error", markup=False)
            return

        def got_output(output: Path | None) -> None:
            if output is not None:
                finish_import(app, source, source_file, output)

        # the source dialog is still closing: open the next one after it has gone (dialogs share an id)
        app.call_after_refresh(
            app.push_screen,
            PathScreen(
                "Write the drafted model to…",
                display_path(suggested_output(source_file)),
                note="A new file; nothing is overwritten. What could not be mapped is listed at its top.",
            ),
            got_output,
        )

    app.push_screen(
        PathScreen(f"Import a {title} from…", "", allow_existing=True, note="The file to draft a model from."),
        got_source,
    )


def finish_import(app: ThreatModelApp, source: str, source_file: Path, output: Path) -> None:
    try:
        text, notes = _draft(source, source_file)
        app.create_model(output, text)
    except ThreatModelError as exc:
        app.editor.show_problems("Import failed", [p.render() for p in exc.problems])
        return
    if notes:
        app.notify(
            f"{len(notes)} things were not carried over; they are listed at the top of {display_path(output)}",
            severity="warning",
            timeout=8,
            markup=False,
        )


def _draft(source: str, source_file: Path) -> tuple[str, list[str]]:
    if source == "cyclonedx":
        from threatmodel.io.interop.cyclonedx import import_cyclonedx as run
    elif source == "threagile":
        from threatmodel.io.interop.threagile import import_threagile as run
    else:
        from threatmodel.io.interop.threatdragon import import_threat_dragon as run
    text, notes = run(source_file, display_path(source_file))
    return text, notes.lines()

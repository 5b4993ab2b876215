"""``tui``: open a model in the terminal UI (or create one from a template)."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import click

from threatmodel.cli.common import Session, as_of_option, catalog_option, handles_errors, parse_date


@click.command()
@click.argument("model", required=False, type=click.Path(dir_okay=False, path_type=Path))
@catalog_option
@as_of_option
@handles_errors
def tui(model: Path | None, catalog_paths: tuple[Path, ...], as_of: str | None) -> None:
    """Browse, edit and triage MODEL in the terminal; saves back to the same YAML file.

    Without MODEL, or when MODEL does not exist yet, offers to create it from a template.
    An invalid MODEL is reported like `threatmodel validate` does (exit 2). Keys: F1.
    """
    session = Session(catalog_paths, parse_date(as_of))
    catalogs = session.catalogs()
    # The TUI is a separate front end at the same layer as the CLI (the import-linter layers
    # contract keeps the two independent, so either can be left out); this command only hands
    # over to it, by name, and only when it runs.
    tui_app = import_module("threatmodel.tui.app")
    app = tui_app.make_app(model, catalogs, as_of=session.as_of)
    app.run()

"""``tui``: open a model in the terminal UI (or create one from a template)."""

from __future__ import annotations

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
    # Imported here, not at the top: Textual costs ~0.7 s to import and only this command needs it.
    from threatmodel.tui.app import make_app

    app = make_app(model, catalogs, as_of=session.as_of)
    app.run()

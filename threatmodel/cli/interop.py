"""``import``: draft a model file from another tool's document (docs/import.md)."""

from __future__ import annotations

from pathlib import Path

import click

from threatmodel.cli.common import handles_errors
from threatmodel.errors import Problem, SourceSpan, UsageError

SOURCES = {
    "cyclonedx": "CycloneDX 1.4-1.6 JSON AI-BOM",
    "threagile": "Threagile YAML model",
    "threat-dragon": "Threat Dragon v2 JSON model",
}


def draft(source: str, path: Path, display: str) -> tuple[str, list[str]]:
    """The drafted model text and the notes (what was not carried over) for ``source``."""
    if source == "cyclonedx":
        from threatmodel.io.interop.cyclonedx import import_cyclonedx as run
    elif source == "threagile":
        from threatmodel.io.interop.threagile import import_threagile as run
    elif source == "threat-dragon":
        from threatmodel.io.interop.threatdragon import import_threat_dragon as run
    else:  # pragma: no cover - click restricts the choice
        raise KeyError(source)
    text, notes = run(path, display)
    return text, notes.lines()


def _command(source: str) -> click.Command:
    @click.command(name=source, help=f"Draft a model from a {SOURCES[source]}; what it cannot map is listed on stderr.")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--output",
        "-o",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The model file to write (never overwritten).",
    )
    @handles_errors
    def run(file: Path, output: Path) -> None:
        from threatmodel.io.write import write_atomic

        if output.exists():
            raise UsageError(
                Problem(
                    f"{output} already exists; import never overwrites a file",
                    SourceSpan(str(output)),
                    "choose another path",
                )
            )
        text, notes = draft(source, file, str(file))
        write_atomic(output, text)
        for note in notes:
            click.echo(f"{file}: note: {note}", err=True)
        click.echo(f"wrote {output} ({len(notes)} notes); next: threatmodel validate {output}", err=True)

    return run


@click.group(name="import")
def import_() -> None:
    """Draft a model file from a CycloneDX AI-BOM, a Threagile model or a Threat Dragon model.

    Only what the source states is filled in; everything else stays unset for you to decide.
    The notes (also written at the top of the drafted file) list what could not be mapped.
    """


for _source in SOURCES:
    import_.add_command(_command(_source))

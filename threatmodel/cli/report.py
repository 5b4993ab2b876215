"""``report``: the design-review document (Markdown, HTML) or a machine export (JSON, SARIF, STIX, CycloneDX)."""

from __future__ import annotations

from pathlib import Path

import click

from threatmodel import __version__
from threatmodel.cli.common import (
    Session,
    analysis_of,
    as_of_option,
    catalog_option,
    handles_errors,
    parse_date,
    write_rendered,
)
from threatmodel.render import REPORT_FORMATS, Options, formats_help, render

EPILOG = f"""\b
Formats:
{formats_help("report")}

\b
Output is deterministic: the same model, catalogs, --as-of and tool version
give the same bytes. The HTML diagram needs Graphviz; without it the report
says so and a warning goes to stderr. See docs/exports.md.
"""


@click.command(epilog=EPILOG)
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(REPORT_FORMATS), default="md", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@catalog_option
@as_of_option
@handles_errors
def report(model: Path, fmt: str, output: Path | None, catalog_paths: tuple[Path, ...], as_of: str | None) -> None:
    """Write MODEL's threat report as Markdown, HTML, JSON, SARIF or STIX, or its CycloneDX AI-BOM."""
    analysis = analysis_of(model, Session(catalog_paths, parse_date(as_of)))
    write_rendered(render(fmt, analysis, Options(tool_version=__version__)), output)

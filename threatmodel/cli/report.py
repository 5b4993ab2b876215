"""``report``: the design-review document (Markdown, HTML) or a machine export (JSON, SARIF, STIX)."""

from __future__ import annotations

from pathlib import Path

import click

from threatmodel import __version__
from threatmodel.cli.common import (
    Session,
    as_of_option,
    catalog_option,
    echo,
    handles_errors,
    load_and_evaluate,
    parse_date,
    write_output,
)
from threatmodel.render import REPORT_FORMATS as FORMATS

EPILOG = """\b
Formats:
  md     design-review document for GitHub (with a Mermaid diagram)
  html   the same as one self-contained, offline HTML page (filter, sort, print)
  json   the machine contract (docs/json.md)
  sarif  SARIF 2.1.0 for code scanning; run from the repository root so
         result locations are relative to it
  stix   STIX 2.1 bundle for threat-intelligence platforms
  cyclonedx  CycloneDX 1.6 AI bill of materials (docs/cyclonedx.md)

\b
Output is deterministic: the same model, catalogs, --as-of and tool version
give the same bytes. The HTML diagram needs Graphviz; without it the report
says so and a warning goes to stderr. See docs/exports.md.
"""


@click.command(epilog=EPILOG)
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@catalog_option
@as_of_option
@handles_errors
def report(model: Path, fmt: str, output: Path | None, catalog_paths: tuple[Path, ...], as_of: str | None) -> None:
    """Write MODEL's threat report as Markdown, HTML, JSON, SARIF or STIX, or its CycloneDX AI-BOM."""
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.render import render_report

    session = Session(catalog_paths, parse_date(as_of))
    loaded, cats, assessment = load_and_evaluate(model, session)
    rendered = render_report(fmt, assessment, CatalogSet(tuple(cats.catalogs)), loaded, tool_version=__version__)
    for warning in rendered.warnings:
        echo(f"warning: {warning}", err=True)
    write_output(rendered.text, output)

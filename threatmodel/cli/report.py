"""``report``: the design-review document (Markdown, HTML) or a machine export (JSON, SARIF, STIX)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from threatmodel import __version__
from threatmodel.cli.common import (
    Session,
    as_of_option,
    catalog_option,
    handles_errors,
    load_and_evaluate,
    parse_date,
    write_output,
)
from threatmodel.errors import RenderError
from threatmodel.model.finding import Assessment

FORMATS = ("md", "html", "json", "sarif", "stix")

EPILOG = """\b
Formats:
  md     design-review document for GitHub (with a Mermaid diagram)
  html   the same as one self-contained, offline HTML page (filter, sort, print)
  json   the machine contract (docs/json.md)
  sarif  SARIF 2.1.0 for code scanning; run from the repository root so
         result locations are relative to it
  stix   STIX 2.1 bundle for threat-intelligence platforms

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
    """Write MODEL's threat report as Markdown, HTML, JSON, SARIF or STIX."""
    from threatmodel.engine.catalogs import CatalogSet

    session = Session(catalog_paths, parse_date(as_of))
    loaded, cats, assessment = load_and_evaluate(model, session)
    cset = CatalogSet(tuple(cats.catalogs))
    text: str
    if fmt == "md":
        from threatmodel.export.markdown import render_markdown

        text = render_markdown(assessment, cset, tool_version=__version__)
    elif fmt == "html":
        from threatmodel.export.html import render_html

        text = render_html(assessment, cset, tool_version=__version__, diagram_svg=diagram_svg(assessment))
    elif fmt == "json":
        from threatmodel.export.json import render_json

        text = render_json(assessment, tool_version=__version__)
    elif fmt == "sarif":
        from threatmodel.export.sarif import render_sarif

        def locate(element: str) -> tuple[int, int]:
            span = loaded.element_span(element)
            return span.line, span.column

        def artifact_of(element: str) -> str:
            return artifact_uri(loaded.element_span(element).path)

        text = render_sarif(
            assessment,
            cset,
            tool_version=__version__,
            model_uri=artifact_uri(loaded.path),
            locate=locate,
            artifact_of=artifact_of,
        )
    else:
        from threatmodel.export.stix import render_stix

        text = render_stix(assessment, cset, tool_version=__version__)
    write_output(text, output)


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI for a model path: relative paths stay relative (to ``%SRCROOT%``,
    with ``/`` separators and percent-encoding); absolute ones become ``file:`` URIs."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(path.replace(os.sep, "/"), safe="/")


def diagram_svg(assessment: Assessment) -> str | None:
    """The model diagram as SVG text, or ``None`` (with a warning on stderr) when Graphviz cannot draw it."""
    try:
        from threatmodel.export.diagram import render_dot
        from threatmodel.io.graphviz import run_dot
    except ModuleNotFoundError as exc:  # pragma: no cover - both ship with threatmodel
        click.echo(f"warning: the HTML report has no diagram: {exc}", err=True)
        return None
    render: Any = render_dot
    try:
        return run_dot(render(assessment), "svg").decode("utf-8", "replace")
    except RenderError as exc:
        problem = exc.problems[0]
        click.echo(f"warning: the HTML report has no diagram: {problem.message}", err=True)
        if problem.hint:
            click.echo(f"  hint: {problem.hint}", err=True)
        return None

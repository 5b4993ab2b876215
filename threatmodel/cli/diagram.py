"""``diagram``: the model as SVG, PNG, DOT, Mermaid or box-drawing text."""

from __future__ import annotations

import shutil
import sys
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
from threatmodel.errors import Problem, UsageError
from threatmodel.render import DIAGRAM_FORMATS, Options, formats_help, render

EPILOG = f"""\b
Formats:
{formats_help("diagram")}

\b
Views (large models):
  default           the whole model; above 300 components (or 600 flows) the
                    boundary overview, with a note on stderr
  --boundary ID     the components inside one trust boundary, plus their
                    outside neighbours drawn as dashed context
  --focus ID        a component and everything --hops flows away from it
  --overview        force the boundary overview; --no-overview forces the whole model

\b
svg, png and text need Graphviz: a system `dot` on PATH, else the
graphviz-pure wheel (docs/diagrams.md). dot and mermaid need nothing.
"""


@click.command(epilog=EPILOG)
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(DIAGRAM_FORMATS), default="svg", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@click.option("--boundary", metavar="ID", help="Draw only this trust boundary (and the boundaries nested in it).")
@click.option("--focus", metavar="COMPONENT", help="Draw only this component's neighbourhood.")
@click.option(
    "--hops",
    type=click.IntRange(0, 20),
    default=None,
    help="With --focus: how many flows away to go, in either direction.  [default: 1]",
)
@click.option("--overview/--no-overview", default=None, help="Force (or refuse) the boundary-level overview.")
@click.option(
    "--width",
    type=click.IntRange(20, 10_000),
    default=None,
    help="With --format text: at most this many columns; a wider drawing is cut into one band per trust "
    "zone.  [default: the terminal's width, 120 when not a terminal]",
)
@click.option("--no-legend", is_flag=True, help="Leave the legend out of svg, png and dot output.")
@catalog_option
@as_of_option
@handles_errors
def diagram(
    model: Path,
    fmt: str,
    output: Path | None,
    boundary: str | None,
    focus: str | None,
    hops: int | None,
    overview: bool | None,
    width: int | None,
    no_legend: bool,
    catalog_paths: tuple[Path, ...],
    as_of: str | None,
) -> None:
    """Draw MODEL's data flows with trust boundaries, coloured by the worst open finding."""
    if hops is not None and focus is None:
        raise UsageError(Problem("--hops only applies with --focus", hint="add --focus COMPONENT"))
    if boundary is not None and focus is not None:
        raise UsageError(Problem("--boundary and --focus cannot be combined", hint="choose one view"))
    if overview is not None and (boundary is not None or focus is not None):
        raise UsageError(Problem("--overview/--no-overview apply to the whole-model view only"))
    if width is not None and fmt != "text":
        raise UsageError(Problem("--width only applies with --format text"))
    if fmt == "png" and output is None and sys.stdout.isatty():
        raise UsageError(Problem("PNG is binary; refusing to write it to a terminal", hint="add -o FILE.png"))

    from threatmodel.export.diagram import DiagramView

    analysis = analysis_of(model, Session(catalog_paths, parse_date(as_of)))
    view = DiagramView(boundary=boundary, focus=focus, hops=1 if hops is None else hops, overview=overview)
    if fmt == "text" and width is None and output is None and sys.stdout.isatty():
        width = max(20, shutil.get_terminal_size().columns)
    options = Options(tool_version=__version__, view=view, legend=not no_legend, width=width)
    write_rendered(render(fmt, analysis, options), output)

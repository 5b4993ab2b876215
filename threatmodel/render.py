"""Reports for the front ends: one place that turns an assessment into any report format.

``threatmodel report`` and the TUI's export dialog both call :func:`render_report`, so a
format is wired (SARIF locations, the HTML diagram) exactly once. This module sits between
the front ends (cli, tui) and the layers it combines (export: pure renderers; io: the YAML
locations and the ``dot`` process).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from threatmodel.errors import RenderError

if TYPE_CHECKING:  # kept off the import path: `threatmodel --help` loads this module
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.io.load import LoadedModel
    from threatmodel.model.finding import Assessment

REPORT_FORMATS = ("md", "html", "json", "sarif", "stix", "cyclonedx")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A report, plus warnings for the user (e.g. the HTML report has no diagram)."""

    text: str
    warnings: tuple[str, ...] = ()


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI for a model path: relative paths stay relative (to ``%SRCROOT%``,
    with ``/`` separators and percent-encoding); absolute ones become ``file:`` URIs."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(path.replace(os.sep, "/"), safe="/")


def diagram_svg(assessment: Assessment) -> tuple[str | None, tuple[str, ...]]:
    """The model diagram as SVG text, or ``None`` with the reason when Graphviz cannot draw it."""
    from threatmodel.errors import UsageError
    from threatmodel.export.diagram import build_scene, check_layout_budget, render_dot_scene, svg_fonts
    from threatmodel.io.graphviz import run_dot

    try:
        scene = build_scene(assessment)
        check_layout_budget(scene)
        return svg_fonts(run_dot(render_dot_scene(scene), "svg")).decode("utf-8", "replace"), ()
    except (RenderError, UsageError) as exc:
        problem = exc.problems[0]
        reason = f"the HTML report has no diagram: {problem.message}"
        return None, (reason + (f"\n  hint: {problem.hint}" if problem.hint else ""),)


def render_report(
    fmt: str, assessment: Assessment, cset: CatalogSet, loaded: LoadedModel, *, tool_version: str
) -> Rendered:
    """``fmt`` (one of :data:`REPORT_FORMATS`) for ``assessment``; ``loaded`` locates elements for SARIF."""
    if fmt == "md":
        from threatmodel.export.markdown import render_markdown

        return Rendered(render_markdown(assessment, cset, tool_version=tool_version))
    if fmt == "html":
        from threatmodel.export.html import render_html

        svg, warnings = diagram_svg(assessment)
        return Rendered(render_html(assessment, cset, tool_version=tool_version, diagram_svg=svg), warnings)
    if fmt == "json":
        from threatmodel.export.json import render_json

        return Rendered(render_json(assessment, tool_version=tool_version))
    if fmt == "sarif":
        from threatmodel.export.sarif import render_sarif

        def locate(element: str) -> tuple[int, int]:
            span = loaded.element_span(element)
            return span.line, span.column

        def artifact_of(element: str) -> str:
            return artifact_uri(loaded.element_span(element).path)

        return Rendered(
            render_sarif(
                assessment,
                cset,
                tool_version=tool_version,
                model_uri=artifact_uri(loaded.path),
                locate=locate,
                artifact_of=artifact_of,
            )
        )
    if fmt == "stix":
        from threatmodel.export.stix import render_stix

        return Rendered(render_stix(assessment, cset, tool_version=tool_version))
    if fmt == "cyclonedx":
        from threatmodel.export.cyclonedx import render_cyclonedx

        return Rendered(render_cyclonedx(assessment, tool_version=tool_version))
    raise KeyError(fmt)

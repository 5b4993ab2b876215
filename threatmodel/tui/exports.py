"""Exports from the TUI: the same pure renderers as ``threatmodel report`` / ``diagram``.

The renderers live in ``threatmodel.export.*`` and are imported only when used (stix2-free
as they are, the HTML and SVG paths still run Graphviz). A format whose module is not
installed is shown disabled. Exports describe the model as it is in the editor, unsaved
edits included; SARIF locations come from the text that would be saved.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from threatmodel import __version__
from threatmodel.io.load import load_model_text
from threatmodel.render import REPORT_FORMATS, render_report
from threatmodel.tui.session import EditSession


@dataclass(frozen=True, slots=True)
class ExportFormat:
    id: str
    title: str
    suffix: str
    module: str


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("md", "Markdown report", ".md", "threatmodel.export.markdown"),
    ExportFormat("html", "HTML report", ".html", "threatmodel.export.html"),
    ExportFormat("json", "JSON", ".json", "threatmodel.export.json"),
    ExportFormat("sarif", "SARIF 2.1.0", ".sarif", "threatmodel.export.sarif"),
    ExportFormat("stix", "STIX 2.1 bundle", ".stix.json", "threatmodel.export.stix"),
    ExportFormat("cyclonedx", "CycloneDX 1.6 AI-BOM", ".cdx.json", "threatmodel.export.cyclonedx"),
    ExportFormat("svg", "SVG diagram", ".svg", "threatmodel.export.diagram"),
    ExportFormat("dot", "DOT diagram", ".dot", "threatmodel.export.diagram"),
    ExportFormat("mermaid", "Mermaid diagram", ".mmd", "threatmodel.export.diagram"),
)
BY_ID: dict[str, ExportFormat] = {f.id: f for f in EXPORT_FORMATS}


def available(fmt: ExportFormat) -> bool:
    """True when the renderer's module is installed."""
    try:
        return importlib.util.find_spec(fmt.module) is not None
    except (ImportError, ValueError):
        return False


def suggested_path(session: EditSession, fmt: ExportFormat) -> Path:
    """``<model stem><suffix>`` beside the model file."""
    stem = session.path.name.removesuffix(".yaml").removesuffix(".yml")
    return session.path.with_name(stem + fmt.suffix)


def _relative(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def render_export(session: EditSession, fmt_id: str) -> str | bytes:
    """The export of the session's current assessment; raises RenderError (e.g. no Graphviz for SVG)."""
    a = session.assessment
    if fmt_id in REPORT_FORMATS:
        # SARIF locations come from the text that would be saved, unsaved edits included
        loaded = load_model_text(session.text(), _relative(session.path), base_dir=session.path.parent)
        return render_report(fmt_id, a, session.cset, loaded, tool_version=__version__).text
    if fmt_id in ("svg", "dot"):
        from threatmodel.export.diagram import build_scene, check_layout_budget, render_dot_scene, svg_fonts

        scene = build_scene(a)
        dot = render_dot_scene(scene)
        if fmt_id == "dot":
            return dot
        from threatmodel.io.graphviz import run_dot

        check_layout_budget(scene)  # refuse at once rather than wait out Graphviz's timeout
        return svg_fonts(run_dot(dot, "svg"))
    if fmt_id == "mermaid":
        from threatmodel.export.diagram import render_mermaid

        return render_mermaid(a)
    raise KeyError(fmt_id)

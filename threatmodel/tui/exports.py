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
from urllib.parse import quote

from threatmodel import __version__
from threatmodel.errors import RenderError
from threatmodel.io.load import load_model_text
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


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI: relative paths stay relative (``/``, percent-encoded); absolute become ``file:``."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(path.replace(os.sep, "/"), safe="/")


def render_export(session: EditSession, fmt_id: str) -> str | bytes:
    """The export of the session's current assessment; raises RenderError (e.g. no Graphviz for SVG)."""
    a = session.assessment
    cset = session.cset
    if fmt_id == "md":
        from threatmodel.export.markdown import render_markdown

        return render_markdown(a, cset, tool_version=__version__)
    if fmt_id == "html":
        from threatmodel.export.diagram import render_dot
        from threatmodel.export.html import render_html
        from threatmodel.io.graphviz import run_dot

        try:
            svg: str | None = run_dot(render_dot(a), "svg").decode("utf-8", "replace")
        except RenderError:
            svg = None
        return render_html(a, cset, tool_version=__version__, diagram_svg=svg)
    if fmt_id == "json":
        from threatmodel.export.json import render_json

        return render_json(a, tool_version=__version__)
    if fmt_id == "sarif":
        from threatmodel.export.sarif import render_sarif

        display = _relative(session.path)
        loaded = load_model_text(session.text(), display, base_dir=session.path.parent)

        def locate(element: str) -> tuple[int, int]:
            span = loaded.element_span(element)
            return span.line, span.column

        def artifact_of(element: str) -> str:
            return artifact_uri(loaded.element_span(element).path)

        return render_sarif(
            a, cset, tool_version=__version__, model_uri=artifact_uri(display), locate=locate, artifact_of=artifact_of
        )
    if fmt_id == "stix":
        from threatmodel.export.stix import render_stix

        return render_stix(a, cset, tool_version=__version__)
    if fmt_id in ("svg", "dot"):
        from threatmodel.export.diagram import render_dot

        dot = render_dot(a)
        if fmt_id == "dot":
            return dot
        from threatmodel.io.graphviz import run_dot

        return run_dot(dot, "svg")
    if fmt_id == "mermaid":
        from threatmodel.export.diagram import render_mermaid

        return render_mermaid(a)
    raise KeyError(fmt_id)

"""Every output format in one table: ``EXPORTS`` is what ``report --format``, ``diagram --format``,
the TUI's export dialog, ``docs/exports.md`` and the golden tests read.

An :class:`Export` turns an :class:`~threatmodel.engine.analysis.Analysis` into bytes or text. The
pure exporters live in ``threatmodel.export``; this module adds the one impure step some formats
need (running Graphviz, through ``threatmodel.io.graphviz``) and sits between the front ends (cli,
tui) and those layers. Renderers import their modules when called, so ``threatmodel --help`` only
pays for the table.

Adding a format is one row here plus its exporter (see docs/contributing.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from threatmodel.errors import RenderError, UsageError

if TYPE_CHECKING:  # kept off the import path: `threatmodel --help` loads this module
    from threatmodel.engine.analysis import Analysis
    from threatmodel.export.diagram import DiagramView, Scene

RunDot = Callable[[str, str], bytes]
"""``(dot text, output format) -> bytes``: Graphviz, or a stand-in in tests."""


def _graphviz(dot: str, fmt: str) -> bytes:
    from threatmodel.io.graphviz import run_dot

    return run_dot(dot, fmt)


@dataclass(frozen=True, slots=True)
class Options:
    """What a front end may choose about an export; every field has the default a user gets."""

    tool_version: str
    view: DiagramView | None = None
    """Which part of the model a diagram shows (default: the whole model, or the boundary overview)."""
    legend: bool = True
    """Draw the legend in svg, png and dot."""
    width: int | None = None
    """Columns a text diagram may take (``None``: 120, :data:`~threatmodel.export.diagram.textbands.DEFAULT_WIDTH`)."""
    run_dot: RunDot = field(default=_graphviz)


@dataclass(frozen=True, slots=True)
class TextPieces:
    """A text export as the pieces whose concatenation it is, made on demand: ``make`` returns a
    fresh iterable of them each time it is called, so a report can be written as it is made, a
    batch of pieces at a time, and never held whole (a report with an emoji is 4 bytes a character
    as one Python string; the HTML report's sections are built one at a time as they are written)."""

    make: Callable[[], Iterable[str]]

    def text(self) -> str:
        return "".join(self.make())

    def chunks(self, batch: int = 4096, size: int = 1 << 20) -> Iterator[bytes]:
        """The text as UTF-8, at most ``batch`` pieces at a time, and a batch ends once it holds
        ``size`` characters (pieces of a few kilobytes stay a few megabytes per batch)."""
        held: list[str] = []
        chars = 0
        for piece in self.make():
            held.append(piece)
            chars += len(piece)
            if chars >= size or len(held) >= batch:
                yield "".join(held).encode("utf-8")
                held.clear()
                chars = 0
        if held:
            yield "".join(held).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Utf8Text:
    """A text export already encoded (orjson writes UTF-8): written to a file as it is, decoded only
    for a caller that asks for the text."""

    parts: tuple[bytes, ...]

    def text(self) -> str:
        return b"".join(self.parts).decode("utf-8")


@dataclass(frozen=True, slots=True)
class Utf8Pieces:
    """A text export as UTF-8 chunks made while they are written (``make`` returns a fresh
    iterable on each call): a large JSON document is never held as one ``bytes``."""

    make: Callable[[], Iterable[bytes]]

    def text(self) -> str:
        return b"".join(self.make()).decode("utf-8")


def json_content(value: Any) -> str | Utf8Text:
    """``value`` as pretty JSON (:func:`threatmodel.jsontext.pretty`'s bytes), kept encoded."""
    from threatmodel.jsontext import pretty, pretty_utf8

    data = pretty_utf8(value)
    return pretty(value) if data is None else Utf8Text((data, b"\n"))


@dataclass(frozen=True, slots=True)
class Rendered:
    """An export, plus what to tell the user about it on stderr."""

    content: str | bytes | TextPieces | Utf8Text | Utf8Pieces
    warnings: tuple[str, ...] = ()
    """Something is missing from the output (e.g. the HTML report has no diagram)."""
    notes: tuple[str, ...] = ()
    """How the output was made (e.g. the diagram switched to the boundary overview)."""

    @property
    def data(self) -> str | bytes:
        """The whole export (text pieces joined)."""
        return self.content.text() if isinstance(self.content, TextPieces | Utf8Text | Utf8Pieces) else self.content

    def chunks(self) -> Iterator[bytes]:
        """The export as bytes, in pieces: what a file is written from."""
        if isinstance(self.content, TextPieces):
            yield from self.content.chunks()
        elif isinstance(self.content, Utf8Text):
            yield from self.content.parts
        elif isinstance(self.content, Utf8Pieces):
            yield from self.content.make()
        else:
            yield self.content.encode("utf-8") if isinstance(self.content, str) else self.content

    @property
    def text(self) -> str:
        """The export as text (binary formats are never asked for this)."""
        data = self.data  # a text made of pieces is made again on each read: read it once
        if isinstance(data, bytes):
            raise TypeError("a binary export has no text")
        return data


@dataclass(frozen=True, slots=True)
class Export:
    """One output format."""

    id: str
    """The ``--format`` value."""
    title: str
    """How the TUI and the docs name it."""
    suffix: str
    """File name suffix the TUI suggests."""
    group: Literal["report", "diagram"]
    """Which command writes it: ``report`` or ``diagram``."""
    summary: str
    """One line for ``--help`` and docs/exports.md."""
    render: Callable[[Analysis, Options], Rendered]
    binary: bool = False
    needs_graphviz: bool = False


# -- reports ---------------------------------------------------------------------------------


def _markdown(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.markdown import markdown_pieces

    return Rendered(TextPieces(lambda: markdown_pieces(analysis, tool_version=options.tool_version)))


def _html(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.html import html_pieces, html_start

    # Graphviz lays the diagram out in its own process while this one makes what the document
    # writes before the diagram (decision 1867): the same work, less waiting
    drawing = start_html_diagram(analysis, options)
    start = [html_start(analysis, tool_version=options.tool_version)]
    svg, warnings = drawing()
    return Rendered(
        TextPieces(lambda: html_pieces(analysis, tool_version=options.tool_version, diagram_svg=svg, start=start)),
        warnings,
    )


def _json(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.json import assessment_json_chunks

    assessment, version = analysis.assessment, options.tool_version
    # one finding at a time: the findings' objects and text are never all held (decision 1860)
    return Rendered(Utf8Pieces(lambda: assessment_json_chunks(assessment, tool_version=version)))


def _sarif(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.sarif import sarif_log_chunks

    # one result at a time: the results' objects and text are never all held (decision 1866)
    version = options.tool_version
    return Rendered(Utf8Pieces(lambda: sarif_log_chunks(analysis, tool_version=version)))


def _stix(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.stix import stix_bundle
    from threatmodel.jsontext import pretty_utf8_chunks

    bundle = stix_bundle(analysis, tool_version=options.tool_version)
    return Rendered(Utf8Pieces(lambda: pretty_utf8_chunks(bundle)))


def _cyclonedx(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.cyclonedx import render_cyclonedx

    return Rendered(render_cyclonedx(analysis, tool_version=options.tool_version))


def _redteam(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.redteam import render_redteam

    return Rendered(render_redteam(analysis, tool_version=options.tool_version))


def html_diagram(analysis: Analysis, options: Options) -> tuple[str | None, tuple[str, ...]]:
    """The whole-model diagram as SVG text for the HTML report (what ``diagram --format svg``
    draws by default), or ``None`` with the reason."""
    return start_html_diagram(analysis, options)()


def start_html_diagram(analysis: Analysis, options: Options) -> Callable[[], tuple[str | None, tuple[str, ...]]]:
    """:func:`html_diagram` begun: the scene and its DOT text are made now and Graphviz is started
    in a thread (which waits on it, holding no lock); the function returned waits for the layout
    and gives what :func:`html_diagram` gives. The caller may work in between."""
    import threading

    try:
        whole = dataclasses.replace(options, view=None)
        dot = _dot_text(_scene(analysis, whole, laid_out=True), "svg", legend=True)
    except (RenderError, UsageError) as exc:
        failed = _no_diagram(exc)
        return lambda: failed
    laid_out: list[bytes] = []
    failure: list[BaseException] = []

    def lay_out() -> None:
        try:
            laid_out.append(options.run_dot(dot, "svg"))
        except BaseException as exc:  # handed to the thread that waits
            failure.append(exc)

    thread = threading.Thread(target=lay_out, name="graphviz", daemon=True)
    thread.start()

    def finish() -> tuple[str | None, tuple[str, ...]]:
        from threatmodel.export.diagram import svg_fonts

        thread.join()
        if failure:
            if isinstance(failure[0], RenderError | UsageError):
                return _no_diagram(failure[0])
            raise failure[0]
        svg = svg_fonts(laid_out[0])
        return (svg.decode("utf-8", "replace") if isinstance(svg, bytes) else svg), ()

    return finish


def _no_diagram(exc: RenderError | UsageError) -> tuple[None, tuple[str, ...]]:
    problem = exc.problems[0]
    reason = f"the HTML report has no diagram: {problem.message}"
    return None, (reason + (f"\n  hint: {problem.hint}" if problem.hint else ""),)


# -- diagrams --------------------------------------------------------------------------------


def _scene(analysis: Analysis, options: Options, *, laid_out: bool) -> Scene:
    """The scene of ``options.view``; formats Graphviz lays out refuse an over-budget scene at once."""
    from threatmodel.export.diagram import build_scene, check_layout_budget

    scene = build_scene(analysis, options.view)
    if laid_out:
        check_layout_budget(scene)  # rather than wait out Graphviz's timeout
    return scene


def _dot_text(scene: Scene, fmt: str, *, legend: bool) -> str:
    """The DOT text Graphviz lays out to draw ``scene`` as ``fmt``."""
    from threatmodel.export.diagram import render_dot_scene
    from threatmodel.export.diagram.style import FONT, PNG_FONT, PNG_MAX_WIDTH

    png = fmt == "png"
    return render_dot_scene(
        scene, legend=legend, font=PNG_FONT if png else FONT, max_width=PNG_MAX_WIDTH if png else None
    )


def _drawn(fmt: str) -> Callable[[Analysis, Options], Rendered]:
    def render(analysis: Analysis, options: Options) -> Rendered:
        from threatmodel.export.diagram import svg_fonts

        scene = _scene(analysis, options, laid_out=True)
        dot = _dot_text(scene, fmt, legend=options.legend)
        data = options.run_dot(dot, fmt)
        return Rendered(svg_fonts(data) if fmt == "svg" else data, notes=scene.notes)

    return render


def _dot(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.diagram import render_dot_scene

    scene = _scene(analysis, options, laid_out=False)
    return Rendered(render_dot_scene(scene, legend=options.legend), notes=scene.notes)


def _mermaid(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.diagram import render_mermaid_scene

    scene = _scene(analysis, options, laid_out=False)
    return Rendered(render_mermaid_scene(scene), notes=scene.notes)


def _text(analysis: Analysis, options: Options) -> Rendered:
    from threatmodel.export.diagram.textbands import DEFAULT_WIDTH, render_text_scene

    scene = _scene(analysis, options, laid_out=True)
    canvas = render_text_scene(
        scene,
        lambda dot: json.loads(options.run_dot(dot, "json0")),
        width=options.width or DEFAULT_WIDTH,
        highlight=scene.highlight,
    )
    return Rendered(canvas.text(), notes=scene.notes)


EXPORTS: tuple[Export, ...] = (
    Export(
        "md",
        "Markdown report",
        ".md",
        "report",
        "design-review document for GitHub (with a Mermaid diagram)",
        _markdown,
    ),
    Export(
        "html",
        "HTML report",
        ".html",
        "report",
        "the same as one self-contained, offline HTML page (filter, sort, print)",
        _html,
        needs_graphviz=True,
    ),
    Export("json", "JSON", ".json", "report", "the machine contract (docs/json.md)", _json),
    Export(
        "sarif",
        "SARIF 2.1.0",
        ".sarif",
        "report",
        "SARIF 2.1.0 for code scanning (run from the repository root)",
        _sarif,
    ),
    Export(
        "stix", "STIX 2.1 bundle", ".stix.json", "report", "STIX 2.1 bundle for threat-intelligence platforms", _stix
    ),
    Export(
        "cyclonedx",
        "CycloneDX 1.6 AI-BOM",
        ".cdx.json",
        "report",
        "CycloneDX 1.6 AI bill of materials (docs/cyclonedx.md)",
        _cyclonedx,
    ),
    Export(
        "redteam",
        "Red-team test plan",
        ".redteam.json",
        "report",
        "adversarial test plan from the open findings: promptfoo, garak, PyRIT (docs/redteam.md)",
        _redteam,
    ),
    Export("svg", "SVG diagram", ".svg", "diagram", "the data-flow diagram as SVG", _drawn("svg"), needs_graphviz=True),
    Export(
        "png",
        "PNG diagram",
        ".png",
        "diagram",
        "the same as a PNG image",
        _drawn("png"),
        binary=True,
        needs_graphviz=True,
    ),
    Export("dot", "DOT diagram", ".dot", "diagram", "Graphviz source, to lay out or edit yourself", _dot),
    Export(
        "mermaid", "Mermaid diagram", ".mmd", "diagram", "Mermaid flowchart, for Markdown that renders it", _mermaid
    ),
    Export("text", "Text diagram", ".txt", "diagram", "box-drawing text for a terminal", _text, needs_graphviz=True),
)
BY_ID: dict[str, Export] = {e.id: e for e in EXPORTS}
REPORT_FORMATS: tuple[str, ...] = tuple(e.id for e in EXPORTS if e.group == "report")
DIAGRAM_FORMATS: tuple[str, ...] = tuple(e.id for e in EXPORTS if e.group == "diagram")


def render(fmt: str, analysis: Analysis, options: Options) -> Rendered:
    """``fmt`` (an id of :data:`EXPORTS`) for ``analysis``; raises KeyError for an unknown id."""
    return BY_ID[fmt].render(analysis, options)


def formats_help(group: Literal["report", "diagram"]) -> str:
    """The ``Formats:`` block of a command's ``--help``, from the table."""
    rows = [e for e in EXPORTS if e.group == group]
    width = max(len(e.id) for e in rows) + 2
    return "\n".join(f"  {e.id.ljust(width)}{e.summary}" for e in rows)

"""The data-flow diagram drawn in the terminal, with the selected component highlighted.

The picture comes from the same pipeline as ``threatmodel diagram --format text``:
``build_scene`` picks what to show (the whole model, or one component's neighbourhood), and
``render_text_scene`` lays it out with Graphviz and draws box-drawing characters with a style
tag per cell, within the pane's width (one band per trust zone when the whole drawing is
wider). Layout runs in a worker thread (``dot`` takes from milliseconds to seconds); the
layouts are kept, so changing only the highlight redraws without running ``dot`` again.

The widget uses Textual's line API (``ScrollView.render_line``), so a canvas of hundreds of
columns scrolls without building a widget per row.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.markup import escape
from textual.scroll_view import ScrollView
from textual.strip import Strip

from threatmodel.engine.analysis import Analysis
from threatmodel.errors import ThreatModelError

if TYPE_CHECKING:
    from threatmodel.export.diagram.text import TextCanvas

MIN_DRAWING_WIDTH = 40
"""Below this many columns the pane draws at the CLI's default width and scrolls instead."""

FOCUS_BY_DEFAULT_ABOVE = 60
"""Models with more components than this open the diagram on a neighbourhood, not the whole model."""

SEVERITY_COLOURS = {"critical": "bright_red", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
TRUST_COLOURS = {"untrusted": "red", "partner": "dark_orange", "internal": "blue", "restricted": "magenta"}


def tag_style(tags: str) -> Style:
    """Terminal style for a cell's tags (``node:x kind:llm sev:high highlight``...)."""
    parts: dict[str, str] = {}
    for tag in tags.split():
        name, _, value = tag.partition(":")
        parts[name] = value
    if "highlight" in parts:
        return Style(color="bright_white", bold=True, bgcolor="grey23")
    if "path" in parts:  # on the attack path of the selected finding
        return Style(color="bright_yellow", bold=True)
    if "sev" in parts and "node" in parts:
        return Style(color=SEVERITY_COLOURS.get(parts["sev"], "default"), bold=parts["sev"] in ("critical", "high"))
    if "node" in parts:
        return Style(color="default")
    if "trust" in parts:
        return Style(color=TRUST_COLOURS.get(parts["trust"], "default"), dim=True)
    if "edge" in parts:
        return Style(color="bright_black") if "cross" not in parts else Style(color="white")
    return Style()


@dataclass(frozen=True, slots=True)
class _Layout:
    scene: Any
    layouts: dict[str, dict[str, Any]]
    """``dot -Tjson0`` output by DOT text, for every piece of the drawing."""
    width: int
    subtitle: str


class DiagramView(ScrollView, can_focus=True):
    """Scrollable box-drawing diagram; arrow keys and the mouse scroll it."""

    BINDING_GROUP_TITLE = "Diagram"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "plus,equals_sign",
            "hops(1)",
            "More hops",
            tooltip="Neighbourhood view: show one more flow away.",
            id="diagram.more-hops",
            show=False,
        ),
        Binding(
            "minus",
            "hops(-1)",
            "Fewer hops",
            tooltip="Neighbourhood view: show one flow less.",
            id="diagram.fewer-hops",
            show=False,
        ),
        Binding(
            "full_stop",
            "centre",
            "Centre",
            tooltip="Scroll the highlighted component into view.",
            id="diagram.centre",
            show=False,
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scope: str | None = None
        """``model`` (whole model, or Graphviz's overview when huge) or ``focus`` (a neighbourhood)."""
        self.hops = 1
        self._analysis: Analysis | None = None
        self._focus: str | None = None
        self._highlight: str | None = None
        self._path_tags: frozenset[str] = frozenset()
        self._layout: _Layout | None = None
        self._canvas: TextCanvas | None = None
        self._strips: list[Strip] = []
        self._message = "laying out…"
        self._pending: str | None = None
        self._applied: str | None = None
        self._styles: dict[str, Style] = {}

    # -- inputs -------------------------------------------------------------
    def show_analysis(self, analysis: Analysis, focus: str | None) -> None:
        """Draw ``analysis`` (after an edit); ``focus`` is the selected component, if any."""
        self._analysis = analysis
        if self.scope is None:
            self.scope = "focus" if len(analysis.model.components) > FOCUS_BY_DEFAULT_ABOVE else "model"
        self._focus = focus if focus in analysis.graph.components else None
        self._highlight = self._focus
        self._request()

    def highlight(self, element: str | None) -> None:
        """Highlight a component (or a flow's source) and its flows; re-lays out in focus scope."""
        if self._analysis is None:
            return
        component = self._component_for(element)
        if self.scope == "focus" and component != self._focus and component is not None:
            self._focus = component
            self._highlight = component
            self._request()
            return
        if component == self._highlight:
            return
        self._highlight = component
        self._redraw()
        self.action_centre()

    def toggle_scope(self, focus: str | None) -> None:
        self.scope = "model" if self.scope == "focus" else "focus"
        component = self._component_for(focus)
        if component is not None:
            self._focus = component
            self._highlight = component
        self.notify(
            "diagram: whole model" if self.scope == "model" else f"diagram: {self.hops}-hop neighbourhood",
            timeout=2,
        )
        self._request()

    def _component_for(self, element: str | None) -> str | None:
        if element is None or self._analysis is None:
            return None
        model = self._analysis.model
        if any(c.id == element for c in model.components):
            return element
        flow = next((f for f in model.flows if f.key == element), None)
        return flow.source if flow is not None else None

    # -- layout -------------------------------------------------------------
    def _view(self) -> Any:
        from threatmodel.export.diagram import DiagramView as View

        if self.scope == "focus":
            if self._focus is not None:
                return View(focus=self._focus, hops=self.hops)
            return View(overview=True)
        return View()

    def _width(self) -> int:
        """Columns the drawing may take: the pane's, or the CLI's default before the pane has a size."""
        from threatmodel.export.diagram.textbands import DEFAULT_WIDTH

        # Room for the vertical scroll bar is kept: a drawing taller than the pane must not
        # gain a horizontal one when the vertical one appears.
        width = self.content_region.width - self.styles.scrollbar_size_vertical
        return width if width >= MIN_DRAWING_WIDTH else DEFAULT_WIDTH

    def on_resize(self) -> None:
        if self._layout is not None and self._layout.width != self._width():
            self._request()

    def _request(self) -> None:
        if self._analysis is None:
            return
        width = self._width()
        key = f"{id(self._analysis)}:{self.scope}:{self._focus}:{self.hops}:{width}"
        if key == self._pending:
            return
        self._pending = key
        if self._canvas is None:
            self._message = "laying out…"
            self.refresh()
        self._lay_out(self._analysis, self._view(), key, width)

    @work(thread=True, exclusive=True, group="diagram", exit_on_error=False, description="diagram layout")
    def _lay_out(self, analysis: Analysis, view: Any, key: str, width: int) -> None:
        """Build the scene and run ``dot`` (in a thread); hands the drawing back to the UI thread."""
        try:
            from threatmodel.export.diagram import build_scene, check_layout_budget
            from threatmodel.export.diagram.textbands import render_text_scene
            from threatmodel.io.graphviz import run_dot

            scene = build_scene(analysis, view)
            check_layout_budget(scene)
            previous = self._layout
            known = dict(previous.layouts) if previous is not None else {}
            layouts: dict[str, dict[str, Any]] = {}

            def lay_out(dot: str) -> dict[str, Any]:
                if dot not in layouts:
                    layouts[dot] = known[dot] if dot in known else json.loads(run_dot(dot, "json0"))
                return layouts[dot]

            canvas = render_text_scene(scene, lay_out, width=width, highlight=self._highlight)
            layout = _Layout(scene, layouts, width, scene.subtitle)
        except ThreatModelError as exc:
            self.app.call_from_thread(self._failed, key, exc.problems[0].message)
            return
        except ImportError:
            self.app.call_from_thread(self._failed, key, "this installation has no text diagram renderer")
            return
        except Exception as exc:  # a drawing bug must not take the editor (and unsaved work) down
            self.log.error("diagram layout failed", exc)
            self.app.call_from_thread(
                self._failed, key, f"the drawing failed ({type(exc).__name__}: {exc}); please report it"
            )
            return
        self.app.call_from_thread(self._laid_out, key, layout, canvas)

    def _laid_out(self, key: str, layout: _Layout, canvas: TextCanvas) -> None:
        if key != self._pending:
            return  # a newer request is on its way
        self._applied = key
        self._layout = layout
        self.border_subtitle = escape(layout.subtitle)  # scene subtitles carry user names; border titles are markup
        self._set_canvas(canvas)
        self.action_centre()
        if layout.width != self._width():  # laid out before the pane had its size
            self._request()

    def _failed(self, key: str, message: str) -> None:
        if key != self._pending:
            return
        self._applied = key
        self._canvas = None
        self._strips = []
        self._message = f"diagram unavailable: {message}"
        self.virtual_size = Size(0, 0)
        self.refresh()

    def _redraw(self) -> None:
        if self._layout is None:
            return
        from threatmodel.export.diagram.textbands import render_text_scene

        layout = self._layout
        try:
            canvas = render_text_scene(
                layout.scene, layout.layouts.__getitem__, width=layout.width, highlight=self._highlight
            )
        except KeyError:  # the highlight needs a piece not laid out yet: lay out again
            self._pending = None
            self._request()
            return
        self._set_canvas(canvas)

    def _set_canvas(self, canvas: TextCanvas) -> None:
        self._canvas = canvas
        self._strips = [self._strip(row) for row in range(canvas.height)]
        self.virtual_size = Size(canvas.width, canvas.height)
        self.refresh()

    def _style(self, tags: str) -> Style:
        if self._path_tags and any(tag in self._path_tags for tag in tags.split()):
            tags += " path"
        style = self._styles.get(tags)
        if style is None:
            style = self._styles[tags] = tag_style(tags)
        return style

    def show_path(self, path: Sequence[str]) -> None:
        """Mark the components along ``path`` (a finding's untrusted path) and the flows between
        consecutive ones with the ``path`` style; an empty path clears the marks."""
        tags: set[str] = {f"node:{node}" for node in path}
        if self._analysis is not None:
            hops = set(itertools.pairwise(path))
            tags |= {f"edge:{f.key}" for f in self._analysis.model.flows if (f.source, f.target) in hops}
        frozen = frozenset(tags) if len(path) > 1 else frozenset()
        if frozen != self._path_tags:
            self._path_tags = frozen
            if self._canvas is not None:
                self._strips = [self._strip(row) for row in range(self._canvas.height)]
            self.refresh()

    def _strip(self, row: int) -> Strip:
        assert self._canvas is not None  # noqa: S101 - only called with a canvas
        cells, tags = self._canvas.cells[row], self._canvas.tags[row]
        segments: list[Segment] = []
        start = 0
        for c in range(1, len(cells) + 1):
            if c == len(cells) or tags[c] != tags[start]:
                segments.append(Segment("".join(cells[start:c]), self._style(tags[start])))
                start = c
        return Strip(segments).simplify()

    # -- rendering ------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        row = y + scroll_y
        base = self.rich_style
        if self._canvas is None:
            text = self._message if y == 0 else ""
            return Strip([Segment(text, Style(dim=True))]).adjust_cell_length(width, base)
        if row >= len(self._strips):
            return Strip.blank(width, base)
        return self._strips[row].crop_extend(scroll_x, scroll_x + width, base)

    @property
    def busy(self) -> bool:
        """True until the latest requested layout is drawn (or has failed); also before the first request."""
        return self._pending is None or self._pending != self._applied

    def path_cells(self) -> set[str]:
        """Tags of the drawn cells that lie on the marked path."""
        if self._canvas is None:
            return set()
        return {t for row in self._canvas.tags for t in row if t and any(x in self._path_tags for x in t.split())}

    @property
    def text(self) -> str:
        """The whole drawing as plain text (or the status message)."""
        return self._canvas.text() if self._canvas is not None else self._message

    # -- actions --------------------------------------------------------------
    def action_hops(self, delta: int) -> None:
        self.hops = max(1, min(6, self.hops + delta))
        if self.scope != "focus":
            self.scope = "focus"
        self.notify(f"diagram: {self.hops}-hop neighbourhood", timeout=2)
        self._request()

    def action_centre(self) -> None:
        if self._canvas is None or self._highlight is None:
            return
        cells = self._canvas.find(f"node:{self._highlight}")
        if not cells:
            return
        rows = [r for r, _ in cells]
        cols = [c for _, c in cells]
        region = Region(min(cols), min(rows), max(cols) - min(cols) + 1, max(rows) - min(rows) + 1)
        self.scroll_to_region(region, animate=False, center=True, force=True)

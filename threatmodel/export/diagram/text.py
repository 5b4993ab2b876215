"""Diagrams drawn with box-drawing characters, from a Graphviz JSON layout (pure).

Graphviz does the hard part (ranking, ordering, orthogonal edge routing, cluster
packing); this module only maps its coordinates to character cells:

1. :func:`render_layout_dot` writes DOT whose boxes are sized in character cells
   (1 column = 7.2 pt, 1 row = 14.4 pt, i.e. 12 pt Courier), with ``splines=ortho``;
   every object carries a ``tm`` attribute with its tags, so the layout is
   self-describing.
2. The caller runs ``dot -Tjson`` on it (``threatmodel.io.graphviz.run_dot``).
3. :func:`render_text_cells` draws frames, then edges, then boxes on a
   :class:`TextCanvas` whose every cell also carries a style tag for the terminal UI;
   :func:`render_text` is the plain-string view.

See docs/diagrams.md for the glyph legend and docs/decisions/0303-text-diagrams.md
for the reasoning.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmodel.export.diagram.escape import shorten
from threatmodel.export.diagram.textlayout import X_PT, Y_PT, cell_width, char_width, label_of, render_layout_dot
from threatmodel.export.diagram.textroute import (
    Box,
    E,
    N,
    S,
    W,
    clip,
    dc,
    direction,
    dr,
    edge_cells,
    floats,
    off_corner,
    reach,
    side_name,
    toward_box,
)

# ---------------------------------------------------------------------------
# Canvas


@dataclass(frozen=True, slots=True)
class TextCanvas:
    """A drawing: one string per cell, and a parallel grid of style tags.

    A cell's text is one character, or ``""`` for the right half of a double-width
    character. A tag is a space-separated list such as ``"node:chat-llm kind:llm sev:high"``,
    ``"edge:prompt-to-llm cross highlight"`` or ``"boundary:corp trust:internal"``; empty
    for blank cells.
    """

    cells: tuple[tuple[str, ...], ...]
    tags: tuple[tuple[str, ...], ...]

    @property
    def height(self) -> int:
        return len(self.cells)

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def lines(self) -> list[str]:
        """Each row as a string, trailing spaces removed."""
        return ["".join(row).rstrip() for row in self.cells]

    def text(self) -> str:
        """The drawing as plain text, one line per row."""
        return "".join(line + "\n" for line in self.lines())

    def runs(self) -> Iterator[tuple[int, str, str]]:
        """``(row, text, tag)`` runs of equal tag, left to right, for colouring in a terminal."""
        for r, (row, tags) in enumerate(zip(self.cells, self.tags, strict=True)):
            start = 0
            for c in range(1, len(row) + 1):
                if c == len(row) or tags[c] != tags[start]:
                    yield r, "".join(row[start:c]), tags[start]
                    start = c

    def find(self, tag: str) -> list[tuple[int, int]]:
        """``(row, column)`` of every cell whose tags include ``tag``."""
        return [(r, c) for r, row in enumerate(self.tags) for c, cell in enumerate(row) if tag in cell.split(" ")]


_LIGHT = {
    N | S: "│", E | W: "─", S | E: "┌", S | W: "┐", N | E: "└", N | W: "┘",
    N | E | S: "├", N | W | S: "┤", E | W | S: "┬", E | W | N: "┴", N | E | S | W: "┼",
    N: "│", S: "│", E: "─", W: "─",
}  # fmt: skip
_DOUBLE = {
    N | S: "║", E | W: "═", S | E: "╔", S | W: "╗", N | E: "╚", N | W: "╝",
    N | E | S: "╠", N | W | S: "╣", E | W | S: "╦", E | W | N: "╩", N | E | S | W: "╬",
    N: "║", S: "║", E: "═", W: "═",
}  # fmt: skip
_ARROWS = {E: "▶", W: "◀", N: "▲", S: "▼"}

# Box glyphs: top-left, top, top-right, side, bottom-left, bottom-right (bottom uses ``top``),
# then the exit marks for an edge leaving through the left, right, top and bottom side.
_BOXES: dict[str, tuple[str, ...]] = {
    "heavy": ("┏", "━", "┓", "┃", "┗", "┛", "┨", "┠", "┷", "┯"),
    "rounded": ("╭", "─", "╮", "│", "╰", "╯", "┤", "├", "┴", "┬"),
    "store": ("╒", "═", "╕", "│", "╘", "╛", "┤", "├", "╧", "╤"),
    "context": ("┌", "┄", "┐", "┆", "└", "┘", "┤", "├", "┴", "┬"),
    "highlight": ("╔", "═", "╗", "║", "╚", "╝", "╢", "╟", "╧", "╤"),
}
_FRAMES: dict[str, tuple[str, ...]] = {
    # top-left, horizontal, top-right, vertical, bottom-left, bottom-right
    "default": ("┌", "╌", "┐", "╎", "└", "┘"),
    "restricted": ("┏", "╍", "┓", "╏", "┗", "┛"),
}


def _tags(obj: Mapping[str, Any]) -> str:
    return str(obj.get("tm", ""))


def _tag_value(tags: str, key: str) -> str | None:
    for tag in tags.split(" "):
        if tag.startswith(key + ":"):
            return tag[len(key) + 1 :]
    return None


class _Grid:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.cells = [[" "] * width for _ in range(height)]
        self.tags = [[""] * width for _ in range(height)]

    def put(self, r: int, c: int, ch: str, tag: str) -> None:
        if 0 <= r < self.height and 0 <= c < self.width:
            self.cells[r][c] = ch
            self.tags[r][c] = tag

    def text(self, r: int, c: int, text: str, tag: str, limit: int) -> None:
        """Write ``text`` from column ``c``, at most up to column ``limit`` (exclusive)."""
        for ch in text:
            w = char_width(ch)
            if w == 0:
                continue
            if c + w > limit:
                return
            self.put(r, c, ch, tag)
            if w == 2:
                self.put(r, c + 1, "", tag)
            c += w


def render_text(layout: Mapping[str, Any], *, highlight: str | None = None, width: int | None = None) -> str:
    """The layout as plain text (see :func:`render_text_cells`)."""
    return render_text_cells(layout, highlight=highlight, width=width).text()


def render_text_cells(
    layout: Mapping[str, Any], *, highlight: str | None = None, width: int | None = None
) -> TextCanvas:
    """Draw a ``dot -Tjson`` layout of :func:`render_layout_dot` output as box-drawing text.

    ``highlight`` names a component (or overview node) id: its box is drawn with double
    lines and so are the flows that start or end at it, and their cells get the
    ``highlight`` tag. ``width`` asks for at most that many columns: horizontal gaps are
    compressed (never below what keeps boxes from overlapping), so the result can still be
    wider when the boxes themselves need the room.
    """
    bb = floats(str(layout.get("bb", "0,0,0,0")))
    page_w, page_h = bb[2], bb[3]
    objects: list[Mapping[str, Any]] = list(layout.get("objects", []))
    nodes = [o for o in objects if "pos" in o]
    clusters = [o for o in objects if "bb" in o and str(o.get("name", "")).startswith("cluster")]

    def box_cols(o: Mapping[str, Any]) -> int:
        return round(float(o["width"]) * 72 / X_PT)

    scale = 1.0
    natural = math.ceil(page_w / X_PT) + 1
    if width is not None and natural > width and page_w > 0:
        scale = max((width - 2) * X_PT / page_w, _min_scale(nodes, box_cols))
        scale = min(scale, 1.0)

    def col(x: float) -> int:
        return round(x * scale / X_PT)

    def row(y: float) -> int:
        return round((page_h - y) / Y_PT)

    boxes: dict[int, Box] = {}
    for o in nodes:
        cx, cy = floats(str(o["pos"]))
        cols = box_cols(o)
        rows = round(float(o["height"]) * 72 / Y_PT)
        left = col(cx) - cols // 2
        top = row(cy) - rows // 2
        tags = _tags(o) or f"node:{o.get('name', '')}"
        family = _tag_value(tags, "box") or "rounded"
        if _tag_value(tags, "role") == "context":
            family = "context"
        node_id = _tag_value(tags, "node")
        if highlight is not None and node_id == highlight:
            family = "highlight"
            tags += " highlight"
        lines = label_of(o).split("\n")
        boxes[int(o["_gvid"])] = Box(left, top, left + cols - 1, top + rows - 1, lines, tags, family)

    grid_w = max([col(page_w) + 2] + [b.right + 2 for b in boxes.values()])
    grid_h = row(0) + 2
    grid = _Grid(grid_w, grid_h)

    # 1. boundary frames, outermost first
    def area(o: Mapping[str, Any]) -> float:
        x0, y0, x1, y1 = floats(str(o["bb"]))
        return -(x1 - x0) * (y1 - y0)

    frame_labels: list[tuple[int, int, int, str, str]] = []
    for o in sorted(clusters, key=lambda o: (area(o), str(o.get("name")))):
        x0, y0, x1, y1 = floats(str(o["bb"]))
        left, right = math.ceil(x0 * scale / X_PT), math.floor(x1 * scale / X_PT)
        top, bottom = math.ceil((page_h - y1) / Y_PT), math.floor((page_h - y0) / Y_PT)
        if right - left < 2 or bottom - top < 1:
            continue
        tags = _tags(o)
        glyphs = _FRAMES["restricted" if _tag_value(tags, "trust") == "restricted" else "default"]
        tl, hz, tr, vt, bl, br = glyphs
        for c in range(left + 1, right):
            grid.put(top, c, hz, tags)
            grid.put(bottom, c, hz, tags)
        for r in range(top + 1, bottom):
            grid.put(r, left, vt, tags)
            grid.put(r, right, vt, tags)
        grid.put(top, left, tl, tags)
        grid.put(top, right, tr, tags)
        grid.put(bottom, left, bl, tags)
        grid.put(bottom, right, br, tags)
        label = label_of(o).strip() if "tm_label" in o else ""
        if label:
            frame_labels.append((top, left, right, f" {label} ", tags))

    # 2. edges: light ones first, highlighted ones on top
    bits: dict[tuple[int, int], int] = {}
    owner: dict[tuple[int, int], str] = {}
    double: set[tuple[int, int]] = set()
    arrows: list[tuple[int, int, str, str]] = []
    exits: list[tuple[Box, int, int, str]] = []
    edges = list(layout.get("edges", []))

    def is_highlighted(e: Mapping[str, Any]) -> bool:
        if highlight is None:
            return False
        ends = (boxes.get(int(e["tail"])), boxes.get(int(e["head"])))
        return any(b is not None and _tag_value(b.tags, "node") == highlight for b in ends)

    for e in sorted(edges, key=lambda e: (is_highlighted(e), int(e.get("_gvid", 0)))):
        if "pos" not in e:
            continue
        source, target = boxes.get(int(e["tail"])), boxes.get(int(e["head"]))
        if source is None or target is None:
            continue
        lit = is_highlighted(e)
        tags = _tags(e) + (" highlight" if lit else "")
        path = edge_cells(str(e["pos"]), col, row)
        path = clip(path, source, target)
        if len(path) < 1:
            continue
        path = reach(list(reversed(reach(list(reversed(path)), source))), target)
        path = off_corner(off_corner(path, source, at_end=False), target, at_end=True)
        for a, b in itertools.pairwise(path):
            bits[a] = bits.get(a, 0) | direction(a, b)
            bits[b] = bits.get(b, 0) | direction(b, a)
        for cell in path:
            bits.setdefault(cell, 0)
            owner[cell] = tags
            if lit:
                double.add(cell)
        last = path[-1]
        into = toward_box(last, target)
        if into:
            arrows.append((last[0], last[1], _ARROWS[into], tags))
        first = path[0]
        out_of = toward_box(first, source)
        if out_of:
            bits[first] |= out_of
            exits.append((source, first[0] + dr(out_of), first[1] + dc(out_of), side_name(out_of)))

    for (r, c), mask in bits.items():
        table = _DOUBLE if (r, c) in double else _LIGHT
        grid.put(r, c, table.get(mask, "─" if mask == 0 else "┼"), owner[(r, c)])
    for r, c, glyph, tags in arrows:
        grid.put(r, c, glyph, tags)

    for top, left, right, label, tags in frame_labels:
        _frame_label(grid, top, left, right, label, tags)

    # 3. boxes on top
    for box in sorted(boxes.values(), key=lambda b: (b.top, b.left)):
        _draw_box(grid, box)
    for box, r, c, side in exits:
        glyphs = _BOXES[box.family]
        mark = {"left": glyphs[6], "right": glyphs[7], "top": glyphs[8], "bottom": glyphs[9]}[side]
        is_corner = (r in (box.top, box.bottom)) and (c in (box.left, box.right))
        if box.contains(r, c) and not is_corner:
            grid.put(r, c, mark, box.tags)

    return _trim(grid)


def _frame_label(grid: _Grid, top: int, left: int, right: int, label: str, tags: str) -> None:
    """Write a boundary's name into its top border where no edge crosses it, if there is such a place."""
    room = right - left - 3
    if room < 3:
        return
    if cell_width(label) > room:
        label = " " + shorten(label.strip(), room - 2) + " "
    width = cell_width(label)
    own = tags.split(" ")[0]
    start = left + 2
    for candidate in range(left + 2, right - width):
        if all(grid.tags[top][c].split(" ")[0] == own for c in range(candidate, candidate + width)):
            start = candidate
            break
    grid.text(top, start, label, tags, right - 1)


def _min_scale(nodes: Sequence[Mapping[str, Any]], box_cols: Any) -> float:
    """Smallest horizontal scale at which no two vertically overlapping boxes overlap."""
    need = 0.0
    spans = []
    for o in nodes:
        cx, cy = floats(str(o["pos"]))
        h = float(o["height"]) * 72
        spans.append((cx, cy - h / 2, cy + h / 2, box_cols(o)))
    for i, (x1, b1, t1, w1) in enumerate(spans):
        for x2, b2, t2, w2 in spans[i + 1 :]:
            if b1 > t2 + Y_PT or b2 > t1 + Y_PT or x1 == x2:
                continue
            gap = ((w1 + w2) / 2 + 2) * X_PT
            need = max(need, gap / abs(x1 - x2))
    return need


def _draw_box(grid: _Grid, box: Box) -> None:
    tl, hz, tr, vt, bl, br = _BOXES[box.family][:6]
    for c in range(box.left + 1, box.right):
        grid.put(box.top, c, hz, box.tags)
        grid.put(box.bottom, c, hz, box.tags)
    for r in range(box.top + 1, box.bottom):
        grid.put(r, box.left, vt, box.tags)
        grid.put(r, box.right, vt, box.tags)
        for c in range(box.left + 1, box.right):
            grid.put(r, c, " ", box.tags)
    grid.put(box.top, box.left, tl, box.tags)
    grid.put(box.top, box.right, tr, box.tags)
    grid.put(box.bottom, box.left, bl, box.tags)
    grid.put(box.bottom, box.right, br, box.tags)
    inner = box.right - box.left - 1
    for i, line in enumerate(box.lines[: max(0, box.bottom - box.top - 1)]):
        w = min(cell_width(line), inner)
        start = box.left + 1 + (inner - w) // 2
        grid.text(box.top + 1 + i, start, line, box.tags, box.right)


def _trim(grid: _Grid) -> TextCanvas:
    """The grid without blank rows and columns around the drawing."""
    used_rows = [r for r in range(grid.height) if any(ch != " " for ch in grid.cells[r])]
    if not used_rows:
        return TextCanvas((), ())
    used_cols = [c for c in range(grid.width) if any(grid.cells[r][c] != " " for r in used_rows)]
    r0, r1 = used_rows[0], used_rows[-1]
    c0, c1 = used_cols[0], used_cols[-1]
    return TextCanvas(
        tuple(tuple(grid.cells[r][c0 : c1 + 1]) for r in range(r0, r1 + 1)),
        tuple(tuple(grid.tags[r][c0 : c1 + 1]) for r in range(r0, r1 + 1)),
    )


__all__ = ["TextCanvas", "cell_width", "render_layout_dot", "render_text", "render_text_cells"]

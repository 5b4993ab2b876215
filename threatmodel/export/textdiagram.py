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
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmodel.export.diagram import SHAPES, Scene, SceneNode, dot_quote, shorten

X_PT = 7.2
"""Points per character column (12 pt Courier advance)."""
Y_PT = 14.4
"""Points per character row."""
MAX_LABEL = 30
"""Columns of a box label before it is cut with an ellipsis."""
MAX_ROWS = 6
"""Most inner rows a box gets, however many edges meet it."""

# ---------------------------------------------------------------------------
# Layout DOT


def _node_tags(node: SceneNode) -> str:
    tags = [f"node:{node.id}", f"kind:{node.kind}", f"box:{SHAPES[node.shape].text}"]
    if node.severity is not None:
        tags.append(f"sev:{node.severity.value}")
    if node.role != "member":
        tags.append(f"role:{node.role}")
    return " ".join(tags)


def _label_lines(node: SceneNode) -> list[str]:
    lines = [shorten(node.label, MAX_LABEL)]
    if node.kind == "boundary":
        counts = node.detail[1] if len(node.detail) > 1 else ""
        worst = f"worst {node.severity.value}" if node.severity else "no open findings"
        lines.append(shorten(f"{counts} · {worst}", MAX_LABEL + 10))
    elif node.role == "context" and node.detail:
        lines.append(shorten(node.detail[0], MAX_LABEL))
    return lines


def render_layout_dot(scene: Scene) -> str:
    """DOT for laying ``scene`` out on a character grid (feed it to ``dot -Tjson``)."""
    out = [
        'digraph "threatmodel-text" {',
        '  graph [rankdir="LR", newrank="true", splines="ortho", nodesep="0.6", ranksep="0.6", '
        'fontname="Courier", fontsize="12", margin="0"];',
        '  node [shape="box", fixedsize="true", fontname="Courier", fontsize="12"];',
        '  edge [arrowsize="0.5"];',
    ]
    children = scene.children()
    members = scene.members()
    degree: dict[str, int] = {}
    for edge in scene.edges:
        degree[edge.source] = degree.get(edge.source, 0) + 1
        degree[edge.target] = degree.get(edge.target, 0) + 1

    def emit(parent: str | None, indent: str) -> None:
        for node in members.get(parent, []):
            lines = _label_lines(node)
            cols = max(cell_width(line) for line in lines) + 4
            # Busy nodes get taller so their edges can meet distinct rows instead of corners.
            rows = min(MAX_ROWS, max(len(lines), degree.get(node.id, 0))) + 2
            attrs = [
                'label=""',
                f'tm_label="{_hex(chr(10).join(lines))}"',
                f'width="{cols * X_PT / 72:.2f}"',
                f'height="{rows * Y_PT / 72:.2f}"',
                f"tm={dot_quote(_node_tags(node))}",
            ]
            out.append(f"{indent}{dot_quote(node.id)} [{', '.join(attrs)}];")
        for boundary in children.get(parent, []):
            label = f"{shorten(boundary.label, 40)} · {boundary.trust.value}"
            # dot only sizes the frame from the label: an ASCII stand-in of the same width,
            # padded for the frame corners, does that without passing user text through dot.
            stand_in = "x" * (cell_width(label) + 8)
            out.append(f"{indent}subgraph {dot_quote('cluster_' + boundary.id)} {{")
            out.append(
                f'{indent}  graph [label="{stand_in}", tm_label="{_hex(label)}", margin="16", '
                f"tm={dot_quote(f'boundary:{boundary.id} trust:{boundary.trust.value}')}];"
            )
            emit(boundary.id, indent + "  ")
            out.append(f"{indent}}}")

    emit(None, "  ")
    for edge in scene.edges:
        tags = f"edge:{edge.id}" + (" cross" if edge.crossing else "")
        extra = ', constraint="false"' if edge.back else ""
        out.append(f"  {dot_quote(edge.source)} -> {dot_quote(edge.target)} [tm={dot_quote(tags)}{extra}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _hex(text: str) -> str:
    """``text`` as hex UTF-8: user text crosses ``dot`` and its JSON without any escaping rules."""
    return text.encode("utf-8").hex()


def _label(obj: Mapping[str, Any]) -> str:
    """The display text of a layout object (from ``tm_label``; the DOT name as a fallback)."""
    encoded = obj.get("tm_label")
    if isinstance(encoded, str):
        try:
            return bytes.fromhex(encoded).decode("utf-8")
        except ValueError:
            pass
    return str(obj.get("name", ""))


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


def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters count 2, combining marks 0."""
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


N, E, S, W = 1, 2, 4, 8
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


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


@dataclass
class _Box:
    left: int
    top: int
    right: int
    bottom: int
    lines: list[str]
    tags: str
    family: str

    def contains(self, r: int, c: int) -> bool:
        return self.top <= r <= self.bottom and self.left <= c <= self.right


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
            w = _char_width(ch)
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
    bb = _floats(str(layout.get("bb", "0,0,0,0")))
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

    boxes: dict[int, _Box] = {}
    for o in nodes:
        cx, cy = _floats(str(o["pos"]))
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
        lines = _label(o).split("\n")
        boxes[int(o["_gvid"])] = _Box(left, top, left + cols - 1, top + rows - 1, lines, tags, family)

    grid_w = max([col(page_w) + 2] + [b.right + 2 for b in boxes.values()])
    grid_h = row(0) + 2
    grid = _Grid(grid_w, grid_h)

    # 1. boundary frames, outermost first
    def area(o: Mapping[str, Any]) -> float:
        x0, y0, x1, y1 = _floats(str(o["bb"]))
        return -(x1 - x0) * (y1 - y0)

    frame_labels: list[tuple[int, int, int, str, str]] = []
    for o in sorted(clusters, key=lambda o: (area(o), str(o.get("name")))):
        x0, y0, x1, y1 = _floats(str(o["bb"]))
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
        label = _label(o).strip() if "tm_label" in o else ""
        if label:
            frame_labels.append((top, left, right, f" {label} ", tags))

    # 2. edges: light ones first, highlighted ones on top
    bits: dict[tuple[int, int], int] = {}
    owner: dict[tuple[int, int], str] = {}
    double: set[tuple[int, int]] = set()
    arrows: list[tuple[int, int, str, str]] = []
    exits: list[tuple[_Box, int, int, str]] = []
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
        path = _edge_cells(str(e["pos"]), col, row)
        path = _clip(path, source, target)
        if len(path) < 1:
            continue
        path = _reach(list(reversed(_reach(list(reversed(path)), source))), target)
        path = _off_corner(_off_corner(path, source, at_end=False), target, at_end=True)
        for a, b in itertools.pairwise(path):
            bits[a] = bits.get(a, 0) | _direction(a, b)
            bits[b] = bits.get(b, 0) | _direction(b, a)
        for cell in path:
            bits.setdefault(cell, 0)
            owner[cell] = tags
            if lit:
                double.add(cell)
        last = path[-1]
        into = _toward_box(last, target)
        if into:
            arrows.append((last[0], last[1], _ARROWS[into], tags))
        first = path[0]
        out_of = _toward_box(first, source)
        if out_of:
            bits[first] |= out_of
            exits.append((source, first[0] + _dr(out_of), first[1] + _dc(out_of), _side(out_of)))

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
        cx, cy = _floats(str(o["pos"]))
        h = float(o["height"]) * 72
        spans.append((cx, cy - h / 2, cy + h / 2, box_cols(o)))
    for i, (x1, b1, t1, w1) in enumerate(spans):
        for x2, b2, t2, w2 in spans[i + 1 :]:
            if b1 > t2 + Y_PT or b2 > t1 + Y_PT or x1 == x2:
                continue
            gap = ((w1 + w2) / 2 + 2) * X_PT
            need = max(need, gap / abs(x1 - x2))
    return need


def _edge_cells(pos: str, col: Any, row: Any) -> list[tuple[int, int]]:
    """The cells an edge passes through, 4-connected, from its tail to its arrow tip."""
    end: tuple[float, float] | None = None
    start: tuple[float, float] | None = None
    points: list[tuple[float, float]] = []
    for token in pos.split():
        if token.startswith("e,"):
            x, y = _floats(token[2:])
            end = (x, y)
        elif token.startswith("s,"):
            x, y = _floats(token[2:])
            start = (x, y)
        else:
            x, y = _floats(token)
            points.append((x, y))
    samples: list[tuple[float, float]] = [start] if start else []
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        if _straight(p0, p1, p2, p3):
            samples += [p0, p3]
            continue
        steps = max(4, int(math.dist(p0, p3) / 3))
        for k in range(steps + 1):
            t = k / steps
            u = 1 - t
            samples.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    if len(points) < 4:
        samples += points
    if end:
        samples.append(end)
    cells: list[tuple[int, int]] = []
    for x, y in samples:
        cell = (row(y), col(x))
        if not cells:
            cells.append(cell)
            continue
        r0, c0 = cells[-1]
        r1, c1 = cell
        # Walk horizontally, then vertically, so consecutive cells always share a side.
        step = 1 if c1 > c0 else -1
        for c in range(c0 + step, c1 + step, step) if c1 != c0 else ():
            cells.append((r0, c))
        step = 1 if r1 > r0 else -1
        for r in range(r0 + step, r1 + step, step) if r1 != r0 else ():
            cells.append((r, c1))
    return cells


def _straight(*pts: tuple[float, float]) -> bool:
    xs = {round(p[0], 1) for p in pts}
    ys = {round(p[1], 1) for p in pts}
    return len(xs) == 1 or len(ys) == 1


def _clip(path: list[tuple[int, int]], source: _Box, target: _Box) -> list[tuple[int, int]]:
    """The part of ``path`` between leaving the source box and reaching the target box."""
    start = 0
    while start < len(path) and source.contains(*path[start]):
        start += 1
    stop = len(path)
    while stop > start and target.contains(*path[stop - 1]):
        stop -= 1
    out = path[start:stop]
    deduped: list[tuple[int, int]] = []
    for cell in out:
        if not deduped or deduped[-1] != cell:
            deduped.append(cell)
    return deduped


def _reach(path: list[tuple[int, int]], box: _Box) -> list[tuple[int, int]]:
    """Extend ``path`` from its last cell until it touches ``box`` (rounding can leave a gap)."""
    if not path or _toward_box(path[-1], box):
        return path
    r, c = path[-1]
    if abs(r - (box.top + box.bottom) / 2) > 12 + (box.bottom - box.top) or abs(c - (box.left + box.right) / 2) > 8 + (
        box.right - box.left
    ):
        return path  # too far: not a rounding gap, leave the edge as Graphviz routed it
    out = list(path)
    if not box.top <= r <= box.bottom and not box.left <= c <= box.right:
        target_c = box.left - 1 if c < box.left else box.right + 1
        step = 1 if target_c > c else -1
        while c != target_c:
            c += step
            out.append((r, c))
    if box.left <= c <= box.right:
        target_r = box.top - 1 if r < box.top else box.bottom + 1
    else:
        target_r = r if box.top <= r <= box.bottom else (box.top + 1 if r < box.top else box.bottom - 1)
        target_r = min(max(target_r, box.top), box.bottom)
    step = 1 if target_r > r else -1
    while r != target_r:
        r += step
        out.append((r, c))
    if box.top <= r <= box.bottom and not _toward_box((r, c), box):
        target_c = box.left - 1 if c < box.left else box.right + 1
        step = 1 if target_c > c else -1
        while c != target_c:
            c += step
            out.append((r, c))
    return out


def _off_corner(path: list[tuple[int, int]], box: _Box, *, at_end: bool) -> list[tuple[int, int]]:
    """Move an edge end that meets ``box`` beside a corner to the nearest inner row or column.

    Graphviz spreads the ports of a busy node along its side, and rounding to cells can
    put one on the border row (``──▶╰──``), where it reads as touching the corner.
    """
    seq = list(reversed(path)) if at_end else list(path)
    a = seq[0]
    d = _toward_box(a, box)
    if not d:
        return path
    if d in (E, W):
        if box.bottom - box.top < 2 or a[0] not in (box.top, box.bottom):
            return path
        shift = (1 if a[0] == box.top else -1, 0)
    else:
        if box.right - box.left < 2 or a[1] not in (box.left, box.right):
            return path
        shift = (0, 1 if a[1] == box.left else -1)
    moved = (a[0] + shift[0], a[1] + shift[1])
    if len(seq) > 1 and seq[1] == moved:
        seq = seq[1:]
    elif len(seq) > 1 and seq[1] == (a[0] - _dr(d), a[1] - _dc(d)):
        b = seq[1]
        seq = [moved, (b[0] + shift[0], b[1] + shift[1]), *seq[1:]]
    else:
        seq = [moved, *seq]
    return list(reversed(seq)) if at_end else seq


def _direction(a: tuple[int, int], b: tuple[int, int]) -> int:
    if b[0] < a[0]:
        return N
    if b[0] > a[0]:
        return S
    if b[1] > a[1]:
        return E
    if b[1] < a[1]:
        return W
    return 0


def _opposite(d: int) -> int:
    return {N: S, S: N, E: W, W: E}[d]


def _dr(d: int) -> int:
    return {N: -1, S: 1}.get(d, 0)


def _dc(d: int) -> int:
    return {E: 1, W: -1}.get(d, 0)


def _side(d: int) -> str:
    """Which side of a box a neighbour in direction ``d`` of the cell touches."""
    return {E: "left", W: "right", S: "top", N: "bottom"}[d]


def _toward_box(cell: tuple[int, int], box: _Box) -> int:
    """The direction from ``cell`` into the adjacent ``box``, or 0 when it does not touch it."""
    r, c = cell
    for d in (E, W, S, N):
        if box.contains(r + _dr(d), c + _dc(d)):
            return d
    return 0


def _draw_box(grid: _Grid, box: _Box) -> None:
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

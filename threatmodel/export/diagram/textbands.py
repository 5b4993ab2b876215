"""Text diagrams that fit a width: the whole drawing when it fits, else one band per trust zone (pure).

A drawing laid out in one piece grows as wide as the model's longest chain of flows (143 to 385
columns for the example models). When that is wider than the terminal, the scene is cut into
the trust zones of :mod:`.zones`, top to bottom, each drawn on its own under a title rule; the
flows that leave a band are listed under it, one line each, with the zone they go to. A band
that is still too wide is laid out top to bottom, then split by outermost boundary, and as a
last resort listed one component per line, so the result never exceeds the width (a name longer
than the width is cut with ``…``).

Graphviz is reached only through the ``lay_out`` callback (DOT text in, ``-Tjson0`` layout
out), so this module stays pure and tests can feed it stored layouts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from threatmodel.export.diagram.escape import clean
from threatmodel.export.diagram.text import TextCanvas, render_text_cells
from threatmodel.export.diagram.textlayout import cell_width, char_width, render_layout_dot
from threatmodel.export.diagram.types import Scene, SceneBoundary, SceneEdge
from threatmodel.export.diagram.zones import Zone, place

DEFAULT_WIDTH = 120
"""Columns a text diagram may take when the caller does not say (``diagram --width``)."""

MIN_WIDTH = 20

LayOut = Callable[[str], Mapping[str, Any]]
"""DOT text -> the ``dot -Tjson0`` layout of it, parsed."""


def render_text_scene(
    scene: Scene, lay_out: LayOut, *, width: int = DEFAULT_WIDTH, highlight: str | None = None
) -> TextCanvas:
    """``scene`` as box-drawing text at most ``width`` columns wide (see the module docstring)."""
    width = max(MIN_WIDTH, width)
    whole = render_text_cells(lay_out(render_layout_dot(scene)), highlight=highlight, width=width)
    if whole.width <= width:
        return whole
    placement = place(scene)
    parts: list[TextCanvas] = []
    for zone in Zone:
        ids = {n for n, z in placement.zone.items() if z == zone}
        if not ids:
            continue
        if parts:
            parts.append(_lines([("", "")], width))
        parts.append(_rule(f" {zone.title} ", width, f"band:{zone.label}"))
        parts.append(_fit(_sub_scene(scene, ids), lay_out, width, highlight))
        leaving = [e for e in scene.edges if e.source in ids and e.target not in ids]
        if leaving:
            parts.append(
                _flow_lines(
                    scene, leaving, width, highlight, "flows to other bands:", placement.zone, f"band:{zone.label}"
                )
            )
    return _stack(parts)


def _flow_lines(
    scene: Scene,
    edges: Sequence[SceneEdge],
    width: int,
    highlight: str | None,
    heading: str,
    zones: Mapping[str, Zone] | None,
    heading_tag: str,
) -> TextCanvas:
    """``heading``, then one ``  source ──▶ target`` line per edge (with the target's zone)."""
    names = {n.id: clean(n.label) for n in scene.nodes}
    rows = [(heading, heading_tag)]
    for e in edges:
        tags = f"edge:{e.id}" + (" cross" if e.crossing else "")
        if highlight is not None and highlight in (e.source, e.target):
            tags += " highlight"
        where = f"  → {zones[e.target].label}" if zones is not None else ""
        rows.append((f"  {names[e.source]} ──▶ {names[e.target]}{where}", tags))
    return _lines(rows, width)


def _fit(scene: Scene, lay_out: LayOut, width: int, highlight: str | None) -> TextCanvas:
    """One band within ``width``: left to right, else top to bottom, else split, else listed."""
    for rankdir in ("LR", "TB"):
        canvas = render_text_cells(lay_out(render_layout_dot(scene, rankdir=rankdir)), highlight=highlight, width=width)
        if canvas.width <= width:
            return canvas
    groups = _groups_below_common_frame(scene)
    if len(groups) > 1:
        parts = [_fit(_sub_scene(scene, ids), lay_out, width, highlight) for ids in groups]
        part_of = {node_id: i for i, ids in enumerate(groups) for node_id in ids}
        between = [e for e in scene.edges if part_of[e.source] != part_of[e.target]]
        if between:
            parts.append(_flow_lines(scene, between, width, highlight, "flows between the parts above:", None, ""))
        return _stack(parts)
    rows = []
    for node in scene.nodes:
        tags = f"node:{node.id} kind:{node.kind}" + (f" sev:{node.severity.value}" if node.severity else "")
        if highlight == node.id:
            tags += " highlight"
        rows.append((f"▪ {clean(node.label)} ({node.kind})", tags))
    listed = [_lines(rows, width)]
    if scene.edges:
        listed.append(_flow_lines(scene, scene.edges, width, highlight, "flows among them:", None, ""))
    return _stack(listed)


def _groups_below_common_frame(scene: Scene) -> list[set[str]]:
    """Node ids grouped by the first boundary below the frames all of them share; nodes in no
    further boundary form a group of their own. One group means there is nothing to split."""
    parent = {b.id: b.parent for b in scene.boundaries}

    def chain(bid: str | None) -> list[str]:
        out: list[str] = []
        while bid is not None and bid not in out:
            out.append(bid)
            bid = parent.get(bid)
        return out[::-1]

    chains = {n.id: chain(n.cluster) for n in scene.nodes}
    common = 0
    while all(len(c) > common for c in chains.values()) and len({c[common] for c in chains.values()}) == 1:
        common += 1
    groups: dict[str, set[str]] = {}
    for node_id, c in sorted(chains.items()):
        groups.setdefault(c[common] if len(c) > common else "", set()).add(node_id)
    return [groups[k] for k in sorted(groups)]


def _sub_scene(scene: Scene, ids: set[str]) -> Scene:
    """The nodes ``ids`` of ``scene``, the flows among them and the frames around them."""
    parent = {b.id: b.parent for b in scene.boundaries}
    shown: set[str] = set()
    for node in scene.nodes:
        bid = node.cluster if node.id in ids else None
        while bid is not None and bid not in shown:
            shown.add(bid)
            bid = parent.get(bid)
    boundaries: tuple[SceneBoundary, ...] = tuple(b for b in scene.boundaries if b.id in shown)
    return Scene(
        scene.title,
        scene.subtitle,
        scene.mode,
        boundaries,
        tuple(n for n in scene.nodes if n.id in ids),
        tuple(e for e in scene.edges if e.source in ids and e.target in ids),
        scene.notes,
        scene.highlight,
    )


def _cut(text: str, width: int) -> str:
    """``text`` (already on one line) cut with ``…`` to at most ``width`` terminal columns."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def _lines(rows: Iterable[tuple[str, str]], width: int) -> TextCanvas:
    """Plain text rows (text, tag), each cut to ``width`` columns."""
    cells: list[tuple[str, ...]] = []
    tags: list[tuple[str, ...]] = []
    for text, tag in rows:
        row: list[str] = []
        for ch in _cut(text, width):
            w = char_width(ch)
            if w == 0:
                continue
            row.append(ch)
            if w == 2:
                row.append("")
        cells.append(tuple(row))
        tags.append(tuple(tag if ch.strip() or not ch else "" for ch in row))
    wide = max((len(r) for r in cells), default=0)
    return TextCanvas(
        tuple(r + (" ",) * (wide - len(r)) for r in cells), tuple(t + ("",) * (wide - len(t)) for t in tags)
    )


def _rule(title: str, width: int, tag: str) -> TextCanvas:
    """``━━ title ━━━…`` across ``width`` columns."""
    text = "━━" + _cut(title, width - 4) + "━━"
    text += "━" * max(0, width - cell_width(text))
    return _lines([(text, tag)], width)


def _stack(parts: Sequence[TextCanvas]) -> TextCanvas:
    """Canvases one under the other, every row padded to the widest."""
    width = max((len(r) for p in parts for r in p.cells), default=0)
    cells: list[tuple[str, ...]] = []
    tags: list[tuple[str, ...]] = []
    for part in parts:
        for row, tag_row in zip(part.cells, part.tags, strict=True):
            pad = width - len(row)
            cells.append(tuple(row) + (" ",) * pad)
            tags.append(tuple(tag_row) + ("",) * pad)
    return TextCanvas(tuple(cells), tuple(tags))


__all__ = ["DEFAULT_WIDTH", "LayOut", "render_text_scene"]

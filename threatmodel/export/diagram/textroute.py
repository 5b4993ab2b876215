"""Edge routing on the character grid of a text diagram: from Graphviz spline points to cells, clipped to boxes.

Pure geometry; see :mod:`.text` for the whole pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

N, E, S, W = 1, 2, 4, 8


def floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


@dataclass
class Box:
    left: int
    top: int
    right: int
    bottom: int
    lines: list[str]
    tags: str
    family: str

    def contains(self, r: int, c: int) -> bool:
        return self.top <= r <= self.bottom and self.left <= c <= self.right


def edge_cells(pos: str, col: Any, row: Any) -> list[tuple[int, int]]:
    """The cells an edge passes through, 4-connected, from its tail to its arrow tip."""
    end: tuple[float, float] | None = None
    start: tuple[float, float] | None = None
    points: list[tuple[float, float]] = []
    for token in pos.split():
        if token.startswith("e,"):
            x, y = floats(token[2:])
            end = (x, y)
        elif token.startswith("s,"):
            x, y = floats(token[2:])
            start = (x, y)
        else:
            x, y = floats(token)
            points.append((x, y))
    samples: list[tuple[float, float]] = [start] if start else []
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        if straight(p0, p1, p2, p3):
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


def straight(*pts: tuple[float, float]) -> bool:
    xs = {round(p[0], 1) for p in pts}
    ys = {round(p[1], 1) for p in pts}
    return len(xs) == 1 or len(ys) == 1


def clip(path: list[tuple[int, int]], source: Box, target: Box) -> list[tuple[int, int]]:
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


def reach(path: list[tuple[int, int]], box: Box) -> list[tuple[int, int]]:
    """Extend ``path`` from its last cell until it touches ``box`` (rounding can leave a gap)."""
    if not path or toward_box(path[-1], box):
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
    if box.top <= r <= box.bottom and not toward_box((r, c), box):
        target_c = box.left - 1 if c < box.left else box.right + 1
        step = 1 if target_c > c else -1
        while c != target_c:
            c += step
            out.append((r, c))
    return out


def off_corner(path: list[tuple[int, int]], box: Box, *, at_end: bool) -> list[tuple[int, int]]:
    """Move an edge end that meets ``box`` beside a corner to the nearest inner row or column.

    Graphviz spreads the ports of a busy node along its side, and rounding to cells can
    put one on the border row (``──▶╰──``), where it reads as touching the corner.
    """
    seq = list(reversed(path)) if at_end else list(path)
    a = seq[0]
    d = toward_box(a, box)
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
    elif len(seq) > 1 and seq[1] == (a[0] - dr(d), a[1] - dc(d)):
        b = seq[1]
        seq = [moved, (b[0] + shift[0], b[1] + shift[1]), *seq[1:]]
    else:
        seq = [moved, *seq]
    return list(reversed(seq)) if at_end else seq


def direction(a: tuple[int, int], b: tuple[int, int]) -> int:
    if b[0] < a[0]:
        return N
    if b[0] > a[0]:
        return S
    if b[1] > a[1]:
        return E
    if b[1] < a[1]:
        return W
    return 0


def opposite(d: int) -> int:
    return {N: S, S: N, E: W, W: E}[d]


def dr(d: int) -> int:
    return {N: -1, S: 1}.get(d, 0)


def dc(d: int) -> int:
    return {E: 1, W: -1}.get(d, 0)


def side_name(d: int) -> str:
    """Which side of a box a neighbour in direction ``d`` of the cell touches."""
    return {E: "left", W: "right", S: "top", N: "bottom"}[d]


def toward_box(cell: tuple[int, int], box: Box) -> int:
    """The direction from ``cell`` into the adjacent ``box``, or 0 when it does not touch it."""
    r, c = cell
    for d in (E, W, S, N):
        if box.contains(r + dr(d), c + dc(d)):
            return d
    return 0

"""The layout half of text diagrams: DOT sized in character cells, and reading labels back from ``dot -Tjson``.

See :mod:`.text` for the whole pipeline.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from threatmodel.export.diagram.escape import dot_quote, shorten
from threatmodel.export.diagram.style import SHAPES
from threatmodel.export.diagram.types import Scene, SceneNode

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


def render_layout_dot(scene: Scene, *, rankdir: str = "LR") -> str:
    """DOT for laying ``scene`` out on a character grid (feed it to ``dot -Tjson``).

    ``rankdir`` is ``LR`` (flows run left to right) or ``TB`` (top to bottom: narrower, for a band
    of a banded drawing that does not fit the width otherwise).
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be LR or TB, not {rankdir!r}")
    out = [
        'digraph "threatmodel-text" {',
        f'  graph [rankdir="{rankdir}", newrank="true", splines="ortho", nodesep="0.6", ranksep="0.6", '
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
                f'tm_label="{hex_label(chr(10).join(lines))}"',
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
                f'{indent}  graph [label="{stand_in}", tm_label="{hex_label(label)}", margin="16", '
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


def hex_label(text: str) -> str:
    """``text`` as hex UTF-8: user text crosses ``dot`` and its JSON without any escaping rules."""
    return text.encode("utf-8").hex()


def label_of(obj: Mapping[str, Any]) -> str:
    """The display text of a layout object (from ``tm_label``; the DOT name as a fallback)."""
    encoded = obj.get("tm_label")
    if isinstance(encoded, str):
        try:
            return bytes.fromhex(encoded).decode("utf-8")
        except ValueError:
            pass
    return str(obj.get("name", ""))


def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters count 2, combining marks 0."""
    return sum(char_width(ch) for ch in text)


def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

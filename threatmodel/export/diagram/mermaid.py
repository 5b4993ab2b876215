"""The Mermaid ``flowchart`` writer of a :class:`~.scene.Scene`."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence

from threatmodel.engine.analysis import Analysis
from threatmodel.export.diagram.escape import mermaid_text, plural, shorten, wrap
from threatmodel.export.diagram.scene import build_scene
from threatmodel.export.diagram.style import (
    CONTEXT_FILL,
    CONTEXT_STROKE,
    CROSSING_COLOUR,
    SEVERITY_FILL,
    SHAPES,
    TRUST_FRAME,
)
from threatmodel.export.diagram.types import DiagramView, Scene, SceneNode
from threatmodel.model.base import Severity


def mermaid_ids(scene: Scene) -> tuple[dict[str, str], dict[str, str]]:
    """Mermaid-safe ids: ``n<i>`` for nodes and ``b<i>`` for boundaries, in sorted-id order."""
    nodes = {n.id: f"n{i}" for i, n in enumerate(sorted(scene.nodes, key=lambda n: n.id))}
    frames = {b.id: f"b{i}" for i, b in enumerate(sorted(scene.boundaries, key=lambda b: b.id))}
    return nodes, frames


def render_mermaid(analysis: Analysis, view: DiagramView | None = None) -> str:
    """The diagram of ``analysis`` as a Mermaid ``flowchart LR`` (see :func:`render_mermaid_scene`)."""
    return render_mermaid_scene(build_scene(analysis, view))


def render_mermaid_scene(scene: Scene) -> str:
    """``scene`` as Mermaid: nested subgraphs, shapes per kind, classDef fills, crossing links styled.

    Uses only syntax GitHub's Mermaid renders (flowchart, subgraph with quoted titles,
    classic shapes, ``classDef``/``class``, ``style``, ``linkStyle``).
    """
    node_ids, frame_ids = mermaid_ids(scene)
    out = ["flowchart LR"]
    children = scene.children()
    members = scene.members()

    def node_line(node: SceneNode) -> str:
        opening, closing = SHAPES[node.shape].mermaid
        parts = [mermaid_text(line) for line in wrap(node.label, 28, 3)]
        sub = [node.kind] if node.kind != "boundary" else []
        if node.open_findings and node.kind != "boundary":
            sub.append(f"{node.open_findings} open")
        extra = [", ".join(sub)] if sub else []
        extra += list(node.detail)
        parts += [f"<i>{mermaid_text(shorten(s, 40))}</i>" for s in extra]
        return f'{node_ids[node.id]}{opening}"{"<br/>".join(parts)}"{closing}'

    def emit(parent: str | None, indent: str) -> None:
        for node in members.get(parent, []):
            out.append(indent + node_line(node))
        for boundary in children.get(parent, []):
            title = f"{mermaid_text(shorten(boundary.label, 60))} · {boundary.trust.value}"
            out.append(f'{indent}subgraph {frame_ids[boundary.id]}["{title}"]')
            emit(boundary.id, indent + "  ")
            out.append(f"{indent}end")

    emit(None, "  ")
    crossing: list[int] = []
    for index, edge in enumerate(scene.edges):
        parts: list[str] = []
        if edge.count > 1 or scene.mode == "overview":
            parts.append(plural(edge.count, "flow"))
        if edge.data:
            parts += [mermaid_text(line) for line in wrap(", ".join(edge.data), 30, 3)]
        if edge.protocol:
            parts.append(f"<i>{mermaid_text(shorten(edge.protocol, 30))}</i>")
        if edge.open_findings:
            worst = f", worst {edge.severity.value}" if edge.severity else ""
            parts.append(f"{edge.open_findings} open{worst}")
        arrow = "==>" if edge.crossing else "-->"
        label = f'|"{"<br/>".join(parts)}"|' if parts else ""
        out.append(f"  {node_ids[edge.source]} {arrow}{label} {node_ids[edge.target]}")
        if edge.crossing:
            crossing.append(index)

    for sev, fill in SEVERITY_FILL.items():
        name = sev.value if sev else "none"
        out.append(f"  classDef sev_{name} fill:{fill.fill},stroke:{fill.stroke},color:{fill.font}")
    out.append(f"  classDef context fill:{CONTEXT_FILL},stroke:{CONTEXT_STROKE},color:#555555,stroke-dasharray:4 3")
    out.append("  classDef focus stroke:#000000,stroke-width:4px")
    by_class: dict[str, list[str]] = defaultdict(list)
    for node in sorted(scene.nodes, key=lambda n: n.id):
        if node.role == "context":
            by_class["context"].append(node_ids[node.id])
            continue
        by_class[f"sev_{node.severity.value if node.severity else 'none'}"].append(node_ids[node.id])
        if node.role == "focus":
            by_class["focus"].append(node_ids[node.id])
    for cls in sorted(by_class, key=lambda c: (c == "focus", c)):
        ids = by_class[cls]
        for start in range(0, len(ids), 50):
            out.append(f"  class {','.join(ids[start : start + 50])} {cls}")
    for boundary in sorted(scene.boundaries, key=lambda b: b.id):
        frame = TRUST_FRAME[boundary.trust]
        dash = ",stroke-dasharray:6 4" if frame.mermaid_dash else ""
        width = {"1": "1px", "1.5": "2px", "2.5": "3px"}[frame.penwidth]
        out.append(
            f"  style {frame_ids[boundary.id]} fill:{frame.fill},stroke:{frame.stroke},stroke-width:{width},color:{frame.stroke}{dash}"
        )
    for start in range(0, len(crossing), 50):
        chunk = ",".join(str(i) for i in crossing[start : start + 50])
        out.append(f"  linkStyle {chunk} stroke:{CROSSING_COLOUR},stroke-width:3px,color:{CROSSING_COLOUR}")
    return "\n".join(out) + "\n"


def render_mermaid_paths(
    paths: Sequence[Sequence[str]], names: Mapping[str, str], target: str, severity: Severity
) -> str:
    """A small ``flowchart LR`` of the untrusted paths that raised one finding: each path from its
    source to ``target``, shared steps drawn once, the source dashed and the target filled with the
    finding's severity. Node ids are ``p<i>`` in sorted element-id order; every label is escaped."""
    elements = sorted({e for path in paths for e in path})
    ids = {e: f"p{i}" for i, e in enumerate(elements)}
    out = ["flowchart LR"]
    for e in elements:
        out.append(f'  {ids[e]}("{mermaid_text(shorten(names.get(e, e), 40))}")')
    edges = sorted({(a, b) for path in paths for a, b in itertools.pairwise(path) if a != b})
    out += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
    sources = sorted({path[0] for path in paths if path and path[0] != target})
    fill = SEVERITY_FILL[severity]
    out.append(f"  classDef source fill:{CONTEXT_FILL},stroke:{CROSSING_COLOUR},stroke-width:2px,stroke-dasharray:4 3")
    out.append(f"  classDef target fill:{fill.fill},stroke:{fill.stroke},color:{fill.font},stroke-width:3px")
    if sources:
        out.append(f"  class {','.join(ids[s] for s in sources)} source")
    if target in ids:
        out.append(f"  class {ids[target]} target")
    return "\n".join(out) + "\n"

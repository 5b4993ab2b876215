"""The Graphviz DOT writer of a :class:`~.scene.Scene` (pure: running ``dot`` is :mod:`threatmodel.io.graphviz`)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

from threatmodel.engine.analysis import Analysis
from threatmodel.export.diagram.escape import dot_quote, html, plural, shorten, wrap
from threatmodel.export.diagram.scene import build_scene
from threatmodel.export.diagram.style import (
    CONTEXT_FILL,
    CONTEXT_STROKE,
    CROSSING_COLOUR,
    FLOW_COLOUR,
    FONT,
    LOOK,
    SEVERITY_FILL,
    SHAPES,
    TRUST_FRAME,
)
from threatmodel.export.diagram.types import DiagramView, Scene, SceneBoundary, SceneEdge, SceneNode
from threatmodel.export.diagram.zones import place
from threatmodel.model.base import Severity

ANCHOR = "tm:column-"
"""Prefix of the invisible nodes the columns are measured from (element ids cannot hold ``:``)."""


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    """``[k=v, ...]``; values are either already quoted strings or ``<...>`` HTML labels."""
    return "[" + ", ".join(f"{k}={v}" for k, v in pairs) + "]"


def _node_dot(node: SceneNode, scene: Scene) -> str:
    fill = SEVERITY_FILL[node.severity]
    shape = SHAPES[node.shape]
    style = ["filled"]
    attrs: list[tuple[str, str]] = [("id", dot_quote(f"tm-node-{node.id}"))]
    for key, value in shape.dot:
        if key == "style":
            style.insert(0, value)
        else:
            attrs.append((key, dot_quote(value)))
    stroke, penwidth, fillcolor, font, muted = fill.stroke, "1.2", fill.fill, fill.font, fill.muted
    if node.role == "context":
        style.append("dashed")
        stroke, fillcolor, font, muted = CONTEXT_STROKE, CONTEXT_FILL, "#555555", "#777777"
    if node.role == "focus":
        stroke, penwidth = "#000000", "3"
    lines = [f"<B>{html(line)}</B>" for line in wrap(node.label, 24, 3)]
    sub = node.kind if node.kind != "boundary" else ""
    details = [sub] if sub else []
    if node.open_findings and node.kind != "boundary":
        details.append(f"{node.open_findings} open")
    small = [", ".join(details)] if details else []
    small += list(node.detail)
    lines += [f'<FONT POINT-SIZE="10" COLOR="{muted}">{html(shorten(s, 40))}</FONT>' for s in small]
    attrs += [
        ("label", "<" + "<BR/>".join(lines) + ">"),
        ("style", dot_quote(",".join(style))),
        ("fillcolor", dot_quote(fillcolor)),
        ("color", dot_quote(stroke)),
        ("fontcolor", dot_quote(font)),
        ("penwidth", dot_quote(penwidth)),
        ("tooltip", dot_quote(shorten(node.tooltip, 300))),
    ]
    return f"{dot_quote(node.id)} {_attrs(attrs)};"


def _edge_dot(edge: SceneEdge, scene: Scene, column: dict[str, int]) -> str:
    lines: list[str] = []
    if edge.count > 1 or scene.mode == "overview":
        lines.append(f"<B>{plural(edge.count, 'flow')}</B>")
    if edge.data:
        lines += [html(line) for line in wrap(", ".join(edge.data), 22, 3)]
    if edge.protocol:
        lines.append(f"<I>{html(shorten(edge.protocol, 30))}</I>")
    if edge.open_findings:
        colour = SEVERITY_FILL[edge.severity].stroke
        worst = f", worst {edge.severity.value}" if edge.severity else ""
        lines.append(f'<FONT COLOR="{colour}">{edge.open_findings} open{worst}</FONT>')
    attrs: list[tuple[str, str]] = [("id", dot_quote(f"tm-flow-{edge.id}"))]
    step = column[edge.target] - column[edge.source]
    if lines:
        # A label between two columns gets a place of its own in the gap (dot ``label``); a flow
        # inside one column has no gap to use, and a ``label`` there would push a detour out
        # into the next column, so it is placed beside the arrow (``xlabel``).
        attrs.append(("label" if step else "xlabel", "<" + "<BR/>".join(lines) + ">"))
    highlighted = scene.highlight is not None and scene.highlight in (edge.source, edge.target)
    if edge.crossing:
        width = 2.0 if edge.count <= 1 else min(6.0, 2.0 + math.log2(edge.count))
        attrs += [
            ("color", dot_quote(CROSSING_COLOUR)),
            ("fontcolor", dot_quote(CROSSING_COLOUR)),
            ("penwidth", dot_quote(f"{width:g}")),
            ("style", dot_quote("bold")),
        ]
    elif highlighted:
        attrs += [("penwidth", dot_quote("2"))]
    if step >= 0:
        # Columns come from the trust zones (zones.py): a flow to a later column must be at
        # least that many ranks long, one inside a column may be 0 ranks long, and as every
        # bound can be met at once, dot's shortest ranking puts each node in its column.
        attrs.append(("minlen", dot_quote(str(step))))
    else:
        # A reply, back to an earlier column, must not pull the layout.
        attrs.append(("constraint", '"false"'))
    tooltip = f"{edge.id}: {', '.join(edge.data) or 'no data declared'}"
    attrs.append(("tooltip", dot_quote(shorten(tooltip, 300))))
    return f"{dot_quote(edge.source)} -> {dot_quote(edge.target)} {_attrs(attrs)};"


def _cluster_dot(boundary: SceneBoundary) -> list[str]:
    frame = TRUST_FRAME[boundary.trust]
    label = f"<<B>{html(shorten(boundary.label, 60))}</B>  <I>{boundary.trust.value}</I>>"
    return [
        f"subgraph {dot_quote('cluster_' + boundary.id)} {{",
        "  "
        + "graph "
        + _attrs(
            [
                ("id", dot_quote(f"tm-boundary-{boundary.id}")),
                ("label", label),
                ("style", dot_quote(frame.dot_style)),
                ("color", dot_quote(frame.stroke)),
                ("fillcolor", dot_quote(frame.fill)),
                ("fontcolor", dot_quote(frame.stroke)),
                ("penwidth", dot_quote(frame.penwidth)),
            ]
        )
        + ";",
    ]


def _legend_dot(scene: Scene) -> tuple[list[str], list[str]]:
    """A compact legend: one small table (fills, flows, frames), then one sample per shape used,
    stacked in one column. Returns the DOT lines and the ids of its nodes (top to bottom)."""
    swatches = [
        f'<TD BGCOLOR="{SEVERITY_FILL[sev].fill}"><FONT COLOR="{SEVERITY_FILL[sev].font}">'
        f"{sev.value if sev else 'none open'}</FONT></TD>"
        for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, None)
    ]
    rows = [
        '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>',
        '<TR><TD COLSPAN="2" ALIGN="LEFT">fill: worst open finding</TD></TR>',
        f"<TR>{swatches[0]}{swatches[1]}</TR>",
        f"<TR>{swatches[2]}{swatches[3]}</TR>",
        f'<TR>{swatches[4]}<TD BORDER="0"></TD></TR>',
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT COLOR="{CROSSING_COLOUR}"><B>bold red flow: crosses a boundary</B></FONT></TD></TR>',
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT COLOR="{FLOW_COLOUR}">grey flow: inside one boundary</FONT></TD></TR>',
    ]
    trusts = sorted({b.trust for b in scene.boundaries}, key=lambda t: t.rank)
    cells = [
        f'<TD BGCOLOR="{TRUST_FRAME[t].fill}"><FONT COLOR="{TRUST_FRAME[t].stroke}">{t.value} ({LOOK[t]})</FONT></TD>'
        for t in trusts
    ]
    if cells:
        rows.append('<TR><TD COLSPAN="2" ALIGN="LEFT">frames: trust boundaries</TD></TR>')
    for i in range(0, len(cells), 2):
        pair = cells[i : i + 2]
        if len(pair) == 1:
            pair.append('<TD BORDER="0"></TD>')
        rows.append("<TR>" + "".join(pair) + "</TR>")
    table = (
        '<<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3" COLOR="#bbbbbb">'
        + "".join(rows)
        + "</TABLE>>"
    )
    out = [
        dot_quote("legend:colours")
        + " "
        + _attrs(
            [
                ("id", dot_quote("tm-legend")),
                ("shape", dot_quote("plain")),
                ("label", table),
                ("fontsize", dot_quote("10")),
            ]
        )
        + ";",
    ]
    ids = ["legend:colours"]
    kinds_by_shape: dict[str, set[str]] = defaultdict(set)
    for node in scene.nodes:
        kinds_by_shape[node.shape].add(node.kind)
    for group, shape in SHAPES.items():
        if group not in kinds_by_shape:
            continue
        style = ["filled"]
        attrs: list[tuple[str, str]] = [("id", dot_quote(f"tm-legend-{group}"))]
        for key, value in shape.dot:
            if key == "style":
                style.insert(0, value)
            else:
                attrs.append((key, dot_quote(value)))
        kinds = ", ".join(sorted(kinds_by_shape[group])) if group != "boundary" else "boundary"
        small = "<BR/>".join(html(line) for line in wrap(kinds, 30, 3))
        label = f'<<B>{html(shape.title)}</B><BR/><FONT POINT-SIZE="10">{small}</FONT>>'
        attrs += [
            ("label", label),
            ("style", dot_quote(",".join(style))),
            ("fillcolor", dot_quote("#ffffff")),
            ("color", dot_quote("#888888")),
            ("fontsize", dot_quote("10")),
        ]
        node_id = f"legend:{group}"
        out.append(f"{dot_quote(node_id)} {_attrs(attrs)};")
        ids.append(node_id)
    return out, ids


def render_dot(
    analysis: Analysis,
    *,
    view: DiagramView | None = None,
    legend: bool = True,
    font: str = FONT,
    max_width: float | None = None,
) -> str:
    """The diagram of ``analysis`` as Graphviz DOT text (see :func:`render_dot_scene`)."""
    return render_dot_scene(build_scene(analysis, view), legend=legend, font=font, max_width=max_width)


def render_dot_scene(scene: Scene, *, legend: bool = True, font: str = FONT, max_width: float | None = None) -> str:
    """``scene`` as DOT: boundaries as nested clusters, shapes per kind, fills per severity.

    Nodes stand in columns by trust zone (:mod:`.zones`): each column is a ``rank=same`` group,
    invisible edges keep the columns in order, and only flows that run to a later column
    constrain the layout. Always sets ``newrank=true``: without it, ``dot`` fails on clustered
    graphs of a few hundred nodes (``trouble in init_rank``) and ignores ranks across clusters.
    ``font`` is the one font Graphviz sizes labels with: :data:`~.style.FONT` for SVG (what
    browsers draw), :data:`~.style.PNG_FONT` for PNG. ``max_width`` (inches) scales a wider
    drawing down to that width (Graphviz ``size``): PNG uses :data:`~.style.PNG_MAX_WIDTH`.
    """
    placement = place(scene)
    title = f'<<B>{html(shorten(scene.title, 80))}</B><BR/><FONT POINT-SIZE="10">{html(shorten(scene.subtitle, 100))}</FONT>>'
    graph = [
        ("rankdir", '"LR"'),
        ("newrank", '"true"'),
        ("splines", '"true"'),
        ("nodesep", '"0.3"'),
        ("ranksep", '"0.25"'),
        ("fontname", dot_quote(font)),
        ("fontsize", '"11"'),
        ("labelloc", '"t"'),
        ("labeljust", '"l"'),
        ("label", title),
        ("tooltip", dot_quote(shorten(scene.title, 200))),
    ]
    if max_width is not None:
        graph.append(("size", dot_quote(f"{max_width:g},1000")))
    out = [
        'digraph "threatmodel" {',
        "  graph " + _attrs(graph) + ";",
        "  node " + _attrs([("fontname", dot_quote(font)), ("fontsize", '"11"'), ("margin", '"0.12,0.06"')]) + ";",
        "  edge "
        + _attrs(
            [
                ("fontname", dot_quote(font)),
                ("fontsize", '"10"'),
                ("color", dot_quote(FLOW_COLOUR)),
                ("fontcolor", dot_quote("#333333")),
                ("arrowsize", '"0.7"'),
            ]
        )
        + ";",
    ]
    children = scene.children()
    members = scene.members()

    def emit(parent: str | None, indent: str) -> None:
        for node in members.get(parent, []):
            out.append(indent + _node_dot(node, scene))
        for boundary in children.get(parent, []):
            head, attrs = _cluster_dot(boundary)
            out.append(indent + head)
            out.append(indent + attrs)
            emit(boundary.id, indent + "  ")
            out.append(indent + "}")

    if legend:
        lines, ids = _legend_dot(scene)
        # A frameless cluster keeps the legend in one block; with no edge holding its boxes to
        # the right they all take the first column, one under the other (a flat chain runs upward
        # in LR, hence reversed). Written first, it comes last in its column: the drawing starts
        # at the top of the page and the legend sits under the first column's boxes.
        out.append(f"  subgraph {dot_quote('cluster_legend')} {{")
        out.append('    graph [label="", style="invis", margin="4"];')
        out += ["    " + line for line in lines]
        out += [
            f'    {dot_quote(a)} -> {dot_quote(b)} [style="invis", minlen="0"];'
            for a, b in itertools.pairwise(reversed(ids))
        ]
        out.append("  }")
    emit(None, "  ")
    for edge in scene.edges:
        out.append("  " + _edge_dot(edge, scene, placement.column))
    # A floor for every node: a chain of invisible anchors, one per column, each at least one
    # rank after the last, and an edge of length 0 or more from a column's anchor to each of its
    # nodes that no flow from an earlier column holds (a person who only sends), so they still
    # stand in their own zone's column rather than in the first one. Weight 0: they bound, they
    # do not pull. Nodes a forward flow reaches are held by its minlen already.
    held = {e.target for e in scene.edges if placement.column[e.target] > placement.column[e.source]}
    free = sorted((col, n) for n, col in placement.column.items() if col > 0 and n not in held)
    if free:
        anchors = [f"{ANCHOR}{col}" for col in range(free[-1][0] + 1)]
        for anchor in anchors:
            out.append(f'  {dot_quote(anchor)} [shape="point", style="invis", width="0", height="0", label=""];')
        for a, b in itertools.pairwise(anchors):
            out.append(f'  {dot_quote(a)} -> {dot_quote(b)} [style="invis"];')
        for col, node_id in free:
            out.append(f'  {dot_quote(anchors[col])} -> {dot_quote(node_id)} [style="invis", minlen="0", weight="0"];')
    out.append("}")
    return "\n".join(out) + "\n"

"""The Graphviz DOT writer of a :class:`~.scene.Scene` (pure: running ``dot`` is :mod:`threatmodel.io.graphviz`)."""

from __future__ import annotations

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
from threatmodel.model.base import Severity


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
    lines += [f'<FONT POINT-SIZE="9" COLOR="{muted}">{html(shorten(s, 40))}</FONT>' for s in small]
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


def _edge_dot(edge: SceneEdge, scene: Scene) -> str:
    lines: list[str] = []
    if edge.count > 1 or scene.mode == "overview":
        lines.append(f"<B>{plural(edge.count, 'flow')}</B>")
    if edge.data:
        lines += [html(line) for line in wrap(", ".join(edge.data), 30, 3)]
    if edge.protocol:
        lines.append(f"<I>{html(shorten(edge.protocol, 30))}</I>")
    if edge.open_findings:
        colour = SEVERITY_FILL[edge.severity].stroke
        worst = f", worst {edge.severity.value}" if edge.severity else ""
        lines.append(f'<FONT COLOR="{colour}">{edge.open_findings} open{worst}</FONT>')
    attrs: list[tuple[str, str]] = [("id", dot_quote(f"tm-flow-{edge.id}"))]
    if lines:
        attrs.append(("label", "<" + "<BR/>".join(lines) + ">"))
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
    if edge.back:
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


def _legend_dot(scene: Scene) -> list[str]:
    """A legend band: severity fills, flow styles and trust frames in a table, then one sample per shape used."""
    swatches = "".join(
        f'<TD BGCOLOR="{SEVERITY_FILL[sev].fill}"><FONT COLOR="{SEVERITY_FILL[sev].font}">'
        f"{sev.value if sev else 'none open'}</FONT></TD>"
        for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, None)
    )
    rows = [f'<TR><TD ALIGN="LEFT"><B>worst open finding</B></TD>{swatches}</TR>']
    rows.append(
        '<TR><TD ALIGN="LEFT"><B>flows</B></TD>'
        f'<TD COLSPAN="3"><FONT COLOR="{CROSSING_COLOUR}"><B>bold red: crosses a trust boundary</B></FONT></TD>'
        f'<TD COLSPAN="2"><FONT COLOR="{FLOW_COLOUR}">grey: inside one boundary</FONT></TD></TR>'
    )
    trusts = sorted({b.trust for b in scene.boundaries}, key=lambda t: t.rank)
    if trusts:
        cells = "".join(
            f'<TD BGCOLOR="{TRUST_FRAME[t].fill}"><FONT COLOR="{TRUST_FRAME[t].stroke}">{t.value} ({LOOK[t]})</FONT></TD>'
            for t in trusts
        )
        rows.append(f'<TR><TD ALIGN="LEFT"><B>trust boundaries</B></TD>{cells}</TR>')
    table = (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="4" COLOR="#dddddd">'
        + "".join(rows)
        + "</TABLE>>"
    )
    out = [
        f"subgraph {dot_quote('cluster_legend')} {{",
        "  graph "
        + _attrs(
            [
                ("id", dot_quote("tm-legend")),
                ("label", "<<B>Legend</B>>"),
                ("style", dot_quote("rounded")),
                ("color", dot_quote("#bbbbbb")),
                ("fontcolor", dot_quote("#333333")),
            ]
        )
        + ";",
        "  "
        + dot_quote("legend:colours")
        + " "
        + _attrs([("shape", dot_quote("plain")), ("label", table), ("style", dot_quote("solid"))])
        + ";",
    ]
    kinds_by_shape: dict[str, set[str]] = defaultdict(set)
    for node in scene.nodes:
        kinds_by_shape[node.shape].add(node.kind)
    previous = "legend:colours"
    for group, shape in SHAPES.items():
        if group not in kinds_by_shape:
            continue
        style = ["filled"]
        attrs: list[tuple[str, str]] = []
        for key, value in shape.dot:
            if key == "style":
                style.insert(0, value)
            else:
                attrs.append((key, dot_quote(value)))
        kinds = ", ".join(sorted(kinds_by_shape[group])) if group != "boundary" else "boundary"
        label = f'<<B>{html(shape.title)}</B><BR/><FONT POINT-SIZE="8">{html(kinds)}</FONT>>'
        attrs += [
            ("label", label),
            ("style", dot_quote(",".join(style))),
            ("fillcolor", dot_quote("#ffffff")),
            ("fontsize", dot_quote("9")),
        ]
        node_id = f"legend:{group}"
        out.append(f"  {dot_quote(node_id)} {_attrs(attrs)};")
        out.append(f'  {dot_quote(previous)} -> {dot_quote(node_id)} [style="invis"];')
        previous = node_id
    out.append("}")
    return out


def render_dot(analysis: Analysis, *, view: DiagramView | None = None, legend: bool = True, font: str = FONT) -> str:
    """The diagram of ``analysis`` as Graphviz DOT text (see :func:`render_dot_scene`)."""
    return render_dot_scene(build_scene(analysis, view), legend=legend, font=font)


def render_dot_scene(scene: Scene, *, legend: bool = True, font: str = FONT) -> str:
    """``scene`` as DOT: boundaries as nested clusters, shapes per kind, fills per severity.

    Always sets ``newrank=true``: without it, ``dot`` fails on clustered graphs of a few
    hundred nodes (``trouble in init_rank``). ``font`` is the one font Graphviz sizes labels
    with: :data:`~.style.FONT` for SVG (what browsers draw), :data:`~.style.PNG_FONT` for PNG.
    """
    title = f'<<B>{html(shorten(scene.title, 80))}</B><BR/><FONT POINT-SIZE="10">{html(shorten(scene.subtitle, 100))}</FONT>>'
    out = [
        'digraph "threatmodel" {',
        "  graph "
        + _attrs(
            [
                ("rankdir", '"LR"'),
                ("newrank", '"true"'),
                ("splines", '"true"'),
                ("nodesep", '"0.35"'),
                ("ranksep", '"0.6"'),
                ("fontname", dot_quote(font)),
                ("fontsize", '"11"'),
                ("labelloc", '"t"'),
                ("labeljust", '"l"'),
                ("label", title),
                ("tooltip", dot_quote(shorten(scene.title, 200))),
            ]
        )
        + ";",
        "  node " + _attrs([("fontname", dot_quote(font)), ("fontsize", '"11"'), ("margin", '"0.12,0.06"')]) + ";",
        "  edge "
        + _attrs(
            [
                ("fontname", dot_quote(font)),
                ("fontsize", '"9"'),
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

    emit(None, "  ")
    for edge in scene.edges:
        out.append("  " + _edge_dot(edge, scene))
    if legend:
        out += ["  " + line for line in _legend_dot(scene)]
    out.append("}")
    return "\n".join(out) + "\n"

"""How much layout work a scene asks of Graphviz, and the refusal when it is too much."""

from __future__ import annotations

from threatmodel.errors import Problem, UsageError
from threatmodel.export.diagram.types import Scene

LAYOUT_BUDGET = 12_000
"""Largest :func:`layout_cost` handed to Graphviz ``dot``; above it a diagram is refused at once.

dot's time grows faster than the size of the graph, and long, boundary-crossing, labelled
edges multiply its work (STACK.md section 3: 5,000 nodes did not finish in 10 minutes in
any variant). Measured with bench/diagram_budget.py (graphviz-pure, whole-model SVG, one
mostly crossing flow per service): cost 4,544 took 2.1 s, 8,870 took 9.8 s, 13,576 took
14.6 s and 18,088 took 25.4 s. The budget keeps a layout to roughly ten seconds instead of
waiting out Graphviz's 60 s timeout."""


def layout_cost(scene: Scene) -> int:
    """Predicted layout work for ``scene``: nodes, plus edges, plus extra for every edge
    whose ends sit in different boundary frames (those edges are what make ``dot`` slow)."""
    cluster = {n.id: n.cluster for n in scene.nodes}
    crossing = sum(1 for e in scene.edges if cluster.get(e.source) != cluster.get(e.target))
    return len(scene.nodes) + 2 * len(scene.edges) + 6 * crossing + 2 * len(scene.boundaries)


def check_layout_budget(scene: Scene, *, budget: int = LAYOUT_BUDGET) -> None:
    """Refuse (UsageError, exit 2) a scene too big for ``dot`` to lay out in reasonable time,
    with the views that would fit; call it before running Graphviz (svg, png, text)."""
    cost = layout_cost(scene)
    if cost <= budget:
        return
    raise UsageError(
        Problem(
            f"this diagram has {len(scene.nodes)} boxes and {len(scene.edges)} arrows; Graphviz would take "
            f"minutes to lay it out (predicted cost {cost:,}, limit {budget:,})",
            hint="draw part of it: --boundary ID, or --focus COMPONENT --hops N, or the boundary overview "
            "(leave out --no-overview); --format dot or mermaid write the whole model without a layout",
        )
    )

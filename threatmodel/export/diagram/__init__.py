"""Data-flow diagrams of an assessment: Graphviz DOT, Mermaid and text (pure).

Every format is drawn from one :class:`Scene`, built by :func:`build_scene` from an
:class:`~threatmodel.model.finding.Assessment` and a :class:`DiagramView`. The scene decides
*what* is shown (the whole model, one boundary, a component's neighbourhood, or a
boundary-level overview for models too large for ``dot``); the writers only decide *how* it
looks. Every user string is escaped for its target syntax, every id is derived from element ids
(never from order or counters in the input), and every list is sorted, so the output is
byte-identical however the model file is ordered.

Modules: :mod:`.types` (views and scenes), :mod:`.scene` (building one), :mod:`.budget` (layout cost), :mod:`.style` (the visual vocabulary, documented in
docs/diagrams.md), :mod:`.escape` (text hygiene and quoting), :mod:`.dot`, :mod:`.mermaid` and
:mod:`.text` (the writers; the text writer draws ``dot -Tjson`` coordinates on a character grid).
"""

from __future__ import annotations

from threatmodel.export.diagram.budget import LAYOUT_BUDGET, check_layout_budget, layout_cost
from threatmodel.export.diagram.dot import render_dot, render_dot_scene
from threatmodel.export.diagram.escape import clean, dot_quote, mermaid_text, shorten, wrap
from threatmodel.export.diagram.mermaid import render_mermaid, render_mermaid_scene
from threatmodel.export.diagram.scene import build_scene
from threatmodel.export.diagram.style import (
    DEFAULT_THRESHOLD,
    KIND_SHAPE,
    SEVERITY_FILL,
    SHAPES,
    TRUST_FRAME,
    svg_fonts,
)
from threatmodel.export.diagram.types import DiagramView, Scene, SceneBoundary, SceneEdge, SceneNode

__all__ = [
    "DEFAULT_THRESHOLD",
    "KIND_SHAPE",
    "LAYOUT_BUDGET",
    "SEVERITY_FILL",
    "SHAPES",
    "TRUST_FRAME",
    "DiagramView",
    "Scene",
    "SceneBoundary",
    "SceneEdge",
    "SceneNode",
    "build_scene",
    "check_layout_budget",
    "clean",
    "dot_quote",
    "layout_cost",
    "mermaid_text",
    "render_dot",
    "render_dot_scene",
    "render_mermaid",
    "render_mermaid_scene",
    "shorten",
    "svg_fonts",
    "wrap",
]

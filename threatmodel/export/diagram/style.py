"""The diagrams' visual vocabulary: shapes per component kind, fills per severity, frames per trust level.

Kept in step with docs/diagrams.md (docs/decisions/0304-diagram-visual-vocabulary.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from threatmodel.model.base import Severity, TrustLevel

DEFAULT_THRESHOLD = 300
"""Above this many components (or twice as many flows) the automatic view is the overview.

``dot`` lays out a few hundred labelled nodes in seconds but does not finish on
thousands (docs/decisions/0300-diagram-views.md, STACK.md §3)."""

FONT = "DejaVu Sans"
"""The font Graphviz sizes every box with. One font, not a list (graphviz-pure warns on lists and
falls back to Times metrics); graphviz-pure has its metrics built in and Debian's ``dot`` finds it
through fontconfig. It is the font a browser on Linux actually draws with: asked for Helvetica,
Chromium on Debian falls back to DejaVu Sans, about 12% wider, and labels were cut mid-word."""

PNG_FONT = "Helvetica"
"""The font for PNG: there Graphviz draws the text itself, with the font it measured. graphviz-pure
bundles a Helvetica-metric sans but draws DejaVu Sans with a serif fallback, so PNG keeps Helvetica."""

PNG_MAX_WIDTH = 20.0
"""Inches a PNG may be wide: at Graphviz's 96 dpi, 1920 pixels, a full-HD slide. A wider layout is
scaled down to it (Graphviz ``size``); the layout keeps every font at 10 pt or more and is at most
about 2300 pixels wide, so no text drops below 11 pixels (tests/export/test_diagram_png.py)."""

SVG_FONT_STACK = "DejaVu Sans,Arial,Helvetica,sans-serif"
"""What SVG output asks the viewer for: the layout font first, then fonts narrower than it, so a
viewer without DejaVu Sans draws text that still fits its box (see :func:`svg_fonts`)."""


def svg_fonts(svg: bytes) -> bytes:
    """Graphviz SVG with every ``font-family`` naming :data:`FONT` widened to :data:`SVG_FONT_STACK`."""
    return svg.replace(f'font-family="{FONT}"'.encode(), f'font-family="{SVG_FONT_STACK}"'.encode())


@dataclass(frozen=True, slots=True)
class Shape:
    """How one group of component kinds is drawn in every format."""

    title: str
    """Legend text for the group."""
    dot: tuple[tuple[str, str], ...]
    """DOT node attributes (``shape``, extra ``style`` words, ``peripheries``)."""
    mermaid: tuple[str, str]
    """Mermaid opening and closing brackets around the quoted label."""
    text: Literal["heavy", "rounded", "store"]
    """Box family in the terminal drawing (see text.py)."""


SHAPES: dict[str, Shape] = {
    "person": Shape("person", (("shape", "box"), ("peripheries", "2")), ("[", "]"), "heavy"),
    "service": Shape("application / service / job", (("shape", "box"), ("style", "rounded")), ("(", ")"), "rounded"),
    "external": Shape("external service", (("shape", "parallelogram"),), ("[/", "/]"), "heavy"),
    "guardrail": Shape("guardrail", (("shape", "invtrapezium"),), ("[\\", "/]"), "rounded"),
    "model": Shape("AI model", (("shape", "hexagon"),), ("{{", "}}"), "rounded"),
    "agent": Shape("agent", (("shape", "component"),), ("[[", "]]"), "rounded"),
    "tool": Shape("tool / MCP server", (("shape", "cds"),), (">", "]"), "rounded"),
    "store": Shape("data store", (("shape", "cylinder"),), ("[(", ")]"), "store"),
    "boundary": Shape("trust boundary (overview)", (("shape", "box"), ("style", "rounded")), ("[", "]"), "rounded"),
}
"""Shape groups, in legend order. ``boundary`` is used only by the overview."""

KIND_SHAPE: dict[str, str] = {
    "human-user": "person",
    "application": "service",
    "api-gateway": "service",
    "retriever": "service",
    "monitoring": "service",
    "tool-registry": "service",
    "data-pipeline": "service",
    "training-job": "service",
    "fine-tuning-job": "service",
    "evaluation": "service",
    "model-serving": "service",
    "external-service": "external",
    "input-guardrail": "guardrail",
    "output-guardrail": "guardrail",
    "llm": "model",
    "ml-model": "model",
    "embedding-model": "model",
    "agent": "agent",
    "tool": "tool",
    "mcp-server": "tool",
    "vector-store": "store",
    "agent-memory": "store",
    "prompt-store": "store",
    "data-source": "store",
    "dataset": "store",
    "feature-store": "store",
    "model-registry": "store",
    "datastore": "store",
    "cache": "store",
}
"""Component kind -> shape group. Kinds added to the model later fall back to ``service``."""


@dataclass(frozen=True, slots=True)
class Fill:
    """Colours of a node filled for a severity."""

    fill: str
    stroke: str
    font: str
    muted: str
    """Colour of the secondary label line (kind, counts)."""


SEVERITY_FILL: dict[Severity | None, Fill] = {
    Severity.CRITICAL: Fill("#d73027", "#7f0000", "#ffffff", "#fde0dd"),
    Severity.HIGH: Fill("#fc8d59", "#b2450f", "#000000", "#4d2200"),
    Severity.MEDIUM: Fill("#fee090", "#a6841d", "#000000", "#5c4a00"),
    Severity.LOW: Fill("#e0f3f8", "#4a7c8c", "#000000", "#35535c"),
    Severity.INFO: Fill("#f2f2f2", "#7a7a7a", "#000000", "#555555"),
    None: Fill("#ffffff", "#444444", "#000000", "#666666"),
}
"""Node fill by the worst open residual severity on the element (``None``: no open finding)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """How a trust boundary's frame is drawn."""

    stroke: str
    fill: str
    dot_style: str
    penwidth: str
    mermaid_dash: bool


TRUST_FRAME: dict[TrustLevel, Frame] = {
    TrustLevel.UNTRUSTED: Frame("#c0392b", "#fdf0ef", "dashed,filled", "1.5", True),
    TrustLevel.PARTNER: Frame("#d35400", "#fef5ec", "dashed,filled", "1.5", True),
    TrustLevel.INTERNAL: Frame("#7f8c8d", "#f6f7f7", "filled", "1", False),
    TrustLevel.RESTRICTED: Frame("#1f3a5f", "#eef3f9", "bold,filled", "2.5", False),
}

LOOK = {
    TrustLevel.UNTRUSTED: "dashed",
    TrustLevel.PARTNER: "dashed",
    TrustLevel.INTERNAL: "solid",
    TrustLevel.RESTRICTED: "bold",
}
"""How each trust level's frame looks, in words, for the legend."""

CROSSING_COLOUR = "#c0392b"
FLOW_COLOUR = "#555555"
CONTEXT_FILL = "#f4f4f4"
CONTEXT_STROKE = "#9a9a9a"

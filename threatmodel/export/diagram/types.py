"""The values a diagram is made of: the view a user asks for and the scene built for it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from threatmodel.export.diagram.style import DEFAULT_THRESHOLD, KIND_SHAPE
from threatmodel.model.base import Severity, TrustLevel


@dataclass(frozen=True, slots=True)
class DiagramView:
    """What part of the model a diagram shows.

    * default: the whole model, or the overview when it has more than ``threshold``
      components (or more than twice as many flows);
    * ``boundary``: the components inside one boundary (and its nested boundaries),
      plus the components outside it that exchange flows with them, drawn as context;
    * ``focus`` + ``hops``: the components at most ``hops`` flows away from one
      component, in either direction;
    * ``overview=True``: one node per boundary with counts and worst severity, flows
      aggregated between boundaries; ``overview=False`` forces the whole model.
    """

    boundary: str | None = None
    focus: str | None = None
    hops: int = 1
    overview: bool | None = None
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True, slots=True)
class SceneNode:
    """A box in the diagram: a component, or a boundary in the overview."""

    id: str
    """Element id (component id; ``group:<boundary id>`` in the overview)."""
    label: str
    kind: str
    """Component kind, or ``boundary`` in the overview."""
    cluster: str | None
    """Id of the scene boundary drawn around it, if any."""
    severity: Severity | None
    open_findings: int
    detail: tuple[str, ...] = ()
    """Extra label lines (the overview's counts, a context node's boundary)."""
    tooltip: str = ""
    role: Literal["member", "context", "focus"] = "member"
    trust: TrustLevel | None = None
    """Trust level of the innermost boundary the component sits in (also for context nodes, whose
    frame is not drawn); ``None`` when it sits in none: an unknown zone, never assumed trusted."""

    @property
    def shape(self) -> str:
        return "boundary" if self.kind == "boundary" else KIND_SHAPE.get(self.kind, "service")


@dataclass(frozen=True, slots=True)
class SceneBoundary:
    """A trust boundary drawn as a frame around its nodes."""

    id: str
    label: str
    trust: TrustLevel
    parent: str | None


@dataclass(frozen=True, slots=True)
class SceneEdge:
    """An arrow: one flow, or in the overview all flows between two boundaries."""

    id: str
    """Flow key; ``<source group>><target group>`` for aggregated overview edges."""
    source: str
    target: str
    data: tuple[str, ...]
    """Display names of the data carried, sorted by data id."""
    protocol: str | None
    crossing: bool
    severity: Severity | None
    open_findings: int
    count: int = 1
    """Number of flows this edge stands for (overview)."""
    back: bool = False
    """Runs against the main direction of the diagram (a reply); it does not constrain the layout."""


@dataclass(frozen=True, slots=True)
class Scene:
    """Everything a diagram writer needs, already selected, labelled and sorted."""

    title: str
    subtitle: str
    mode: Literal["model", "boundary", "focus", "overview"]
    boundaries: tuple[SceneBoundary, ...]
    nodes: tuple[SceneNode, ...]
    edges: tuple[SceneEdge, ...]
    notes: tuple[str, ...] = ()
    """Things to tell the user on stderr (the overview was chosen, a view was truncated)."""
    highlight: str | None = None
    """The focused component, drawn emphasised."""

    def children(self) -> dict[str | None, list[SceneBoundary]]:
        """Scene boundaries by parent id (``None``: top level), each list sorted by id."""
        out: dict[str | None, list[SceneBoundary]] = defaultdict(list)
        for b in self.boundaries:
            out[b.parent].append(b)
        return out

    def members(self) -> dict[str | None, list[SceneNode]]:
        """Nodes by the scene boundary drawn around them (``None``: outside every frame)."""
        out: dict[str | None, list[SceneNode]] = defaultdict(list)
        for n in self.nodes:
            out[n.cluster].append(n)
        return out


def spread_levels(successors: Mapping[str, Iterable[str]], seeds: Iterable[str], level: dict[str, int]) -> None:
    """Give ``seeds`` level 0 and every node they reach along ``successors`` its breadth-first
    distance from them, in ``level``; nodes already there keep theirs. Successors are visited in
    sorted order, so the levels do not depend on the order flows are listed in."""
    queue = [s for s in seeds if s not in level]
    for seed in queue:
        level[seed] = 0
    while queue:
        nxt: list[str] = []
        for node in queue:
            for target in sorted(successors.get(node, ())):
                if target not in level:
                    level[target] = level[node] + 1
                    nxt.append(target)
        queue = nxt

"""Data-flow diagrams of an assessment: Graphviz DOT and Mermaid (pure).

Both formats are drawn from one :class:`Scene`, built by :func:`build_scene` from an
:class:`~threatmodel.model.finding.Assessment` and a :class:`DiagramView`. The scene
decides *what* is shown (the whole model, one boundary, a component's neighbourhood,
or a boundary-level overview for models too large for ``dot``); the writers only
decide *how* it looks. Every user string is escaped for its target syntax, every id
is derived from element ids (never from order or counters in the input), and every
list is sorted, so the output is byte-identical however the model file is ordered.

The visual vocabulary (shapes per component kind, fills per severity, frames per
trust level) is documented in docs/diagrams.md and must stay in step with it.
"""

from __future__ import annotations

import difflib
import math
import textwrap
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from threatmodel.errors import Problem, UsageError
from threatmodel.model.base import Severity, TrustLevel
from threatmodel.model.finding import Assessment
from threatmodel.model.system import Boundary, ComponentBase, Flow

# ---------------------------------------------------------------------------
# Visual vocabulary

DEFAULT_THRESHOLD = 300
"""Above this many components (or twice as many flows) the automatic view is the overview.

``dot`` lays out a few hundred labelled nodes in seconds but does not finish on
thousands (docs/decisions/0300-diagram-views.md, STACK.md §3)."""

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


FONT = "Helvetica"
"""A font every Graphviz build knows metrics for (graphviz-pure warns on font lists)."""


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
    """Box family in the terminal drawing (see textdiagram.py)."""


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

_LOOK = {
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

# ---------------------------------------------------------------------------
# Views and scenes


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


@dataclass
class _Index:
    """The assessment's model indexed for scene building."""

    components: dict[str, ComponentBase]
    boundaries: dict[str, Boundary]
    flows: list[Flow]
    data_names: dict[str, str]
    worst: dict[str, Severity]
    open_counts: Counter[str]
    adjacency: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, assessment: Assessment) -> _Index:
        model = assessment.model
        components: dict[str, ComponentBase] = {c.id: c for c in model.components}
        flows = sorted(
            (f for f in model.flows if f.source in components and f.target in components),
            key=lambda f: (f.key, f.source, f.target, f.data),
        )
        worst: dict[str, Severity] = {}
        counts: Counter[str] = Counter()
        for finding in assessment.findings:
            if not finding.status.is_open:
                continue
            counts[finding.target] += 1
            current = worst.get(finding.target)
            if current is None or finding.residual_severity > current:
                worst[finding.target] = finding.residual_severity
        adjacency: dict[str, set[str]] = {cid: set() for cid in components}
        for f in flows:
            adjacency[f.source].add(f.target)
            adjacency[f.target].add(f.source)
        return cls(
            components=components,
            boundaries={b.id: b for b in model.boundaries},
            flows=flows,
            data_names={d.id: d.name or d.id for d in model.data},
            worst=worst,
            open_counts=counts,
            adjacency=adjacency,
        )

    def boundary_of(self, cid: str) -> str | None:
        """The component's innermost boundary, when it names one that exists."""
        b = self.components[cid].boundary
        return b if b in self.boundaries else None

    def chain(self, boundary: str | None) -> list[str]:
        """``boundary`` and its ancestors, innermost first (cycle-safe)."""
        out: list[str] = []
        cursor = boundary
        while cursor is not None and cursor in self.boundaries and cursor not in out:
            out.append(cursor)
            cursor = self.boundaries[cursor].parent
        return out

    def crossing(self, flow: Flow) -> bool:
        return self.boundary_of(flow.source) != self.boundary_of(flow.target)

    def name(self, cid: str) -> str:
        return self.components[cid].name or cid

    def boundary_name(self, bid: str) -> str:
        return self.boundaries[bid].name or bid


def _unknown(what: str, value: str, known: Iterable[str], flag: str) -> UsageError:
    close = difflib.get_close_matches(value, sorted(known), n=3)
    hint = (
        f"did you mean {', '.join(repr(c) for c in close)}?"
        if close
        else f"list the ids with `threatmodel analyze` or drop {flag}"
    )
    return UsageError(Problem(f"unknown {what} '{value}' for {flag}", hint=hint))


def build_scene(assessment: Assessment, view: DiagramView | None = None) -> Scene:
    """Select, label and sort what the diagram of ``assessment`` shows under ``view``.

    Raises :class:`UsageError` for an unknown boundary or component, or a view that
    combines ``boundary`` and ``focus``.
    """
    view = view or DiagramView()
    ix = _Index.of(assessment)
    system = assessment.model.system
    if view.boundary is not None and view.focus is not None:
        raise UsageError(Problem("choose either a boundary or a focus component, not both"))
    if view.hops < 0:
        raise UsageError(Problem("the number of hops must be 0 or more"))
    if view.boundary is not None:
        if view.boundary not in ix.boundaries:
            raise _unknown("boundary", view.boundary, ix.boundaries, "--boundary")
        return _boundary_scene(ix, system.name, view.boundary, view)
    if view.focus is not None:
        if view.focus not in ix.components:
            raise _unknown("component", view.focus, ix.components, "--focus")
        return _focus_scene(ix, system.name, view.focus, view)
    too_big = len(ix.components) > view.threshold or len(ix.flows) > 2 * view.threshold
    if view.overview or (view.overview is None and too_big):
        notes: tuple[str, ...] = ()
        if view.overview is None:
            notes = (
                f"{len(ix.components)} components and {len(ix.flows)} flows are too many for one readable "
                f"diagram (limit {view.threshold}), so this is the boundary overview. Zoom in with "
                "--boundary ID or --focus COMPONENT --hops N, or force the whole model with --no-overview.",
            )
        return _overview_scene(ix, system.name, view, notes)
    return _component_scene(
        ix,
        title=system.name,
        subtitle="whole model",
        mode="model",
        members=set(ix.components),
        context=set(),
        highlight=None,
        notes=(),
    )


def _component_scene(
    ix: _Index,
    *,
    title: str,
    subtitle: str,
    mode: Literal["model", "boundary", "focus"],
    members: set[str],
    context: set[str],
    highlight: str | None,
    notes: tuple[str, ...],
) -> Scene:
    """A scene of individual components: ``members`` inside their frames, ``context`` outside."""
    shown_boundaries: set[str] = set()
    for cid in members:
        shown_boundaries.update(ix.chain(ix.boundary_of(cid)))
    boundaries = tuple(
        SceneBoundary(
            id=bid,
            label=ix.boundary_name(bid),
            trust=ix.boundaries[bid].trust,
            parent=next(iter(ix.chain(ix.boundaries[bid].parent)), None),
        )
        for bid in sorted(shown_boundaries)
    )
    nodes: list[SceneNode] = []
    for cid in sorted(members | context):
        component = ix.components[cid]
        is_context = cid not in members
        detail: tuple[str, ...] = ()
        if is_context:
            where = ix.boundary_of(cid)
            detail = (f"in {ix.boundary_name(where)}" if where else "outside every boundary",)
        nodes.append(
            SceneNode(
                id=cid,
                label=ix.name(cid),
                kind=str(component.kind),  # type: ignore[attr-defined]
                cluster=None if is_context else ix.boundary_of(cid),
                severity=ix.worst.get(cid),
                open_findings=ix.open_counts[cid],
                detail=detail,
                tooltip=component.description or ix.name(cid),
                role="context" if is_context else ("focus" if cid == highlight else "member"),
            )
        )
    shown = members | context
    edges = tuple(
        SceneEdge(
            id=f.key,
            source=f.source,
            target=f.target,
            data=tuple(ix.data_names.get(d, d) for d in sorted(set(f.data))),
            protocol=f.protocol,
            crossing=ix.crossing(f),
            severity=ix.worst.get(f.key),
            open_findings=ix.open_counts[f.key],
        )
        for f in ix.flows
        if f.source in shown and f.target in shown and (f.source in members or f.target in members)
    )
    return Scene(title, subtitle, mode, boundaries, tuple(nodes), _mark_back_edges(nodes, edges), notes, highlight)


def _boundary_scene(ix: _Index, title: str, bid: str, view: DiagramView) -> Scene:
    members = {cid for cid in ix.components if bid in ix.chain(ix.boundary_of(cid))}
    context = {n for cid in members for n in ix.adjacency[cid]} - members
    notes: list[str] = []
    if len(members) > view.threshold:
        notes.append(
            f"boundary '{bid}' holds {len(members)} components; dot may be slow or time out. "
            "Try --focus COMPONENT --hops N."
        )
    scene = _component_scene(
        ix,
        title=title,
        subtitle=f"boundary {ix.boundary_name(bid)}",
        mode="boundary",
        members=members,
        context=context,
        highlight=None,
        notes=tuple(notes),
    )
    # Frames outside the selected boundary are not drawn: its ancestors would only add noise.
    ancestors = set(ix.chain(ix.boundaries[bid].parent))
    kept = tuple(
        SceneBoundary(b.id, b.label, b.trust, None if b.id == bid else b.parent)
        for b in scene.boundaries
        if b.id not in ancestors
    )
    return Scene(scene.title, scene.subtitle, scene.mode, kept, scene.nodes, scene.edges, scene.notes)


def _focus_scene(ix: _Index, title: str, focus: str, view: DiagramView) -> Scene:
    hops: dict[str, int] = {focus: 0}
    frontier = [focus]
    for depth in range(1, view.hops + 1):
        nxt: list[str] = []
        for node in frontier:
            for neighbour in sorted(ix.adjacency[node]):
                if neighbour not in hops:
                    hops[neighbour] = depth
                    nxt.append(neighbour)
        frontier = nxt
    notes: list[str] = []
    members = set(hops)
    if len(members) > view.threshold:
        kept = sorted(members, key=lambda n: (hops[n], n))[: view.threshold]
        notes.append(
            f"the {view.hops}-hop neighbourhood of '{focus}' has {len(members)} components; "
            f"showing the {view.threshold} nearest. Use fewer --hops."
        )
        members = set(kept)
    return _component_scene(
        ix,
        title=title,
        subtitle=f"{view.hops}-hop neighbourhood of {ix.name(focus)}",
        mode="focus",
        members=members,
        context=set(),
        highlight=focus,
        notes=tuple(notes),
    )


UNBOUNDED = "-"
"""Overview group of the components that sit in no boundary."""


def _overview_scene(ix: _Index, title: str, view: DiagramView, notes: tuple[str, ...]) -> Scene:
    """One node per boundary (the components directly in it), nested frames, aggregated flows."""
    grouping = dict.fromkeys(ix.boundaries, "")
    collapse = len(ix.boundaries) > view.threshold
    extra_notes: list[str] = []
    if collapse:
        extra_notes.append(
            f"{len(ix.boundaries)} boundaries are too many even for the overview; "
            "components are grouped by their outermost boundary."
        )

    group_cache: dict[str | None, str] = {}

    def group_of(cid: str) -> str:
        innermost = ix.boundary_of(cid)
        if innermost not in group_cache:
            chain = ix.chain(innermost)
            group_cache[innermost] = UNBOUNDED if not chain else (chain[-1] if collapse else chain[0])
        return group_cache[innermost]

    groups: dict[str, list[str]] = defaultdict(list)
    for cid in sorted(ix.components):
        groups[group_of(cid)].append(cid)
    shown_groups = set(groups)
    if not collapse:
        shown_groups |= set(grouping)  # empty boundaries still appear
    else:
        shown_groups |= {b for b in ix.boundaries if not ix.chain(ix.boundaries[b].parent)}

    # A boundary with nested boundaries becomes a frame holding its own node and its children.
    parents_with_children: set[str] = set()
    if not collapse:
        for bid in shown_groups - {UNBOUNDED}:
            parent = next(iter(ix.chain(ix.boundaries[bid].parent)), None)
            if parent is not None:
                parents_with_children.add(parent)
    frames = tuple(
        SceneBoundary(
            id=bid,
            label=ix.boundary_name(bid),
            trust=ix.boundaries[bid].trust,
            parent=next(iter(ix.chain(ix.boundaries[bid].parent)), None),
        )
        for bid in sorted(parents_with_children)
    )

    internal: Counter[str] = Counter()
    between: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    touching: dict[str, list[str]] = defaultdict(list)
    for f in ix.flows:
        a, b = group_of(f.source), group_of(f.target)
        touching[a].append(f.key)
        if a == b:
            internal[a] += 1
        else:
            between[(a, b)].append(f)
            touching[b].append(f.key)

    def worst_of(ids: Iterable[str]) -> tuple[Severity | None, int]:
        sev: Severity | None = None
        count = 0
        for element in ids:
            count += ix.open_counts[element]
            s = ix.worst.get(element)
            if s is not None and (sev is None or s > sev):
                sev = s
        return sev, count

    nodes: list[SceneNode] = []
    for gid in sorted(shown_groups):
        members = groups.get(gid, [])
        severity, open_count = worst_of([*members, *touching.get(gid, [])])
        if gid == UNBOUNDED:
            label, trust_text, cluster = "(no boundary)", "outside every boundary", None
        else:
            label = ix.boundary_name(gid)
            trust_text = f"{ix.boundaries[gid].trust.value}"
            cluster = gid if gid in parents_with_children else next(iter(ix.chain(ix.boundaries[gid].parent)), None)
            if collapse:
                cluster = None
        detail = (
            trust_text,
            f"{_plural(len(members), 'component')}, {_plural(internal[gid], 'internal flow')}",
            f"{open_count} open" + (f", worst {severity.value}" if severity else ""),
        )
        kinds = Counter(str(ix.components[c].kind) for c in members)  # type: ignore[attr-defined]
        tooltip = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        nodes.append(
            SceneNode(
                id=f"group:{gid}",
                label=label,
                kind="boundary",
                cluster=cluster,
                severity=severity,
                open_findings=open_count,
                detail=detail,
                tooltip=tooltip or "no components",
            )
        )
    pairs = sorted(between.items())
    if len(pairs) > view.threshold:
        # dot cannot lay out thousands of labelled edges either: keep the heaviest links.
        kept = sorted(pairs, key=lambda kv: (-len(kv[1]), kv[0]))[: view.threshold]
        dropped = len(pairs) - len(kept)
        dropped_flows = sum(len(v) for _, v in pairs) - sum(len(v) for _, v in kept)
        extra_notes.append(
            f"{dropped} boundary-to-boundary links ({_plural(dropped_flows, 'flow')}) with the fewest flows are "
            f"left out of the overview; the {view.threshold} heaviest are drawn."
        )
        pairs = sorted(kept)
    edges: list[SceneEdge] = []
    for (a, b), flows in pairs:
        data = Counter(d for f in flows for d in set(f.data))
        top = [ix.data_names.get(d, d) for d, _ in sorted(data.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        if len(data) > 3:
            top.append(f"+{len(data) - 3} more")
        severity, open_count = worst_of(f.key for f in flows)
        edges.append(
            SceneEdge(
                id=f"group:{a}>group:{b}",
                source=f"group:{a}",
                target=f"group:{b}",
                data=tuple(top),
                protocol=None,
                crossing=True,
                severity=severity,
                open_findings=open_count,
                count=len(flows),
            )
        )
    return Scene(
        title,
        "boundary overview",
        "overview",
        frames,
        tuple(nodes),
        _mark_back_edges(nodes, edges),
        notes + tuple(extra_notes),
    )


def _mark_back_edges(nodes: Sequence[SceneNode], edges: Sequence[SceneEdge]) -> tuple[SceneEdge, ...]:
    """Mark edges that point back toward where flows start, so ``dot`` ranks along the request path.

    Levels come from a breadth-first search that starts at people and at nodes nothing flows
    into (then at the smallest unvisited id, for cycles), visiting neighbours in sorted order,
    so the result depends only on ids. An edge whose target has a lower level than its source
    is a reply and gets ``constraint=false``; without this a response flow can drag the
    requester to the far end of the drawing.
    """
    successors: dict[str, list[str]] = defaultdict(list)
    indegree: Counter[str] = Counter()
    for e in edges:
        if e.source != e.target:
            successors[e.source].append(e.target)
            indegree[e.target] += 1
    order = sorted(n.id for n in nodes)
    roots = [n.id for n in sorted(nodes, key=lambda n: n.id) if n.kind == "human-user" or indegree[n.id] == 0]
    level: dict[str, int] = {}

    def bfs(seeds: list[str]) -> None:
        queue = [s for s in seeds if s not in level]
        for seed in queue:
            level[seed] = 0
        while queue:
            nxt: list[str] = []
            for node in queue:
                for target in sorted(successors[node]):
                    if target not in level:
                        level[target] = level[node] + 1
                        nxt.append(target)
            queue = nxt

    bfs(roots)
    for node_id in order:
        if node_id not in level:
            bfs([node_id])
    return tuple(replace(e, back=level.get(e.target, 0) < level.get(e.source, 0)) for e in edges)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------
# Text hygiene shared by the writers


def clean(text: str) -> str:
    """``text`` on one line: control characters and line breaks become spaces, runs collapse.

    Also drops code points no renderer can use (surrogates, non-characters), which an
    XML parser such as Graphviz's HTML-label reader would reject.
    """
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cs", "Co", "Cn") or ch in "\ufffe\uffff":
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` cleaned and wrapped to ``width`` columns, at most ``max_lines`` lines (``…`` marks a cut)."""
    lines = textwrap.wrap(clean(text), width=width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)].rstrip() + "…"
    return lines


def shorten(text: str, width: int) -> str:
    """``text`` cleaned and cut to ``width`` characters with ``…``."""
    text = clean(text)
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"


# ---------------------------------------------------------------------------
# DOT


BACKSLASH_STAND_IN = "\u2216"
"""``∖`` (set minus) replaces every backslash of user text in DOT output.

Graphviz builds disagree on backslashes: escString substitution (``\\N``, ``\\G``) runs
on labels, tooltips and even HTML-like labels, differently in each build, and the
classic lexer reads a string ending in ``\\`` as an escaped quote, which would let
the rest of the file run together with user text. No backslash from a user ever
reaches ``dot``; docs/decisions/0301-diagram-escaping.md."""


def dot_quote(text: str) -> str:
    """A DOT double-quoted string holding ``text`` inertly.

    Control characters and line breaks become spaces, backslashes become
    :data:`BACKSLASH_STAND_IN`, and quotes are escaped; the only backslashes in the result
    are those escaping quotes.
    """
    return '"' + clean(text).replace("\\", BACKSLASH_STAND_IN).replace('"', '\\"') + '"'


def html(text: str) -> str:
    """``text`` (already :func:`clean`-ed) escaped for a Graphviz HTML-like label."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\\", BACKSLASH_STAND_IN)
    )


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
        lines.append(f"<B>{_plural(edge.count, 'flow')}</B>")
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
            f'<TD BGCOLOR="{TRUST_FRAME[t].fill}"><FONT COLOR="{TRUST_FRAME[t].stroke}">{t.value} ({_LOOK[t]})</FONT></TD>'
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


def render_dot(assessment: Assessment, *, view: DiagramView | None = None, legend: bool = True) -> str:
    """The diagram of ``assessment`` as Graphviz DOT text (see :func:`render_dot_scene`)."""
    return render_dot_scene(build_scene(assessment, view), legend=legend)


def render_dot_scene(scene: Scene, *, legend: bool = True) -> str:
    """``scene`` as DOT: boundaries as nested clusters, shapes per kind, fills per severity.

    Always sets ``newrank=true``: without it, ``dot`` fails on clustered graphs of a few
    hundred nodes (``trouble in init_rank``).
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
                ("fontname", dot_quote(FONT)),
                ("fontsize", '"11"'),
                ("labelloc", '"t"'),
                ("labeljust", '"l"'),
                ("label", title),
                ("tooltip", dot_quote(shorten(scene.title, 200))),
            ]
        )
        + ";",
        "  node " + _attrs([("fontname", dot_quote(FONT)), ("fontsize", '"11"'), ("margin", '"0.12,0.06"')]) + ";",
        "  edge "
        + _attrs(
            [
                ("fontname", dot_quote(FONT)),
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


# ---------------------------------------------------------------------------
# Mermaid

_MERMAID_ESCAPES = {ch: f"#{ord(ch)};" for ch in '"#&<>[](){}|`\\;%'}
"""Characters that Mermaid's parser, its entity decoder, its Markdown strings or a
Markdown code fence could give meaning to; each becomes a numeric entity code."""


def mermaid_text(text: str) -> str:
    """``text`` (cleaned) with every character Mermaid could interpret replaced by an entity code."""
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in clean(text))


def mermaid_ids(scene: Scene) -> tuple[dict[str, str], dict[str, str]]:
    """Mermaid-safe ids: ``n<i>`` for nodes and ``b<i>`` for boundaries, in sorted-id order."""
    nodes = {n.id: f"n{i}" for i, n in enumerate(sorted(scene.nodes, key=lambda n: n.id))}
    frames = {b.id: f"b{i}" for i, b in enumerate(sorted(scene.boundaries, key=lambda b: b.id))}
    return nodes, frames


def render_mermaid(assessment: Assessment, view: DiagramView | None = None) -> str:
    """The diagram of ``assessment`` as a Mermaid ``flowchart LR`` (see :func:`render_mermaid_scene`)."""
    return render_mermaid_scene(build_scene(assessment, view))


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
            parts.append(_plural(edge.count, "flow"))
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

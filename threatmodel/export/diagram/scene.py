"""What a diagram shows: views (whole model, one boundary, a neighbourhood, the overview) and the scene built for one.

The scene decides *what* is drawn; the writers (:mod:`.dot`, :mod:`.mermaid`, :mod:`.text`) only decide how
it looks. Every id is derived from element ids and every list is sorted, so a scene is the same however
the model file is ordered.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from threatmodel.engine.analysis import Analysis
from threatmodel.errors import Problem, UsageError
from threatmodel.export.diagram.escape import plural
from threatmodel.export.diagram.types import DiagramView, Scene, SceneBoundary, SceneEdge, SceneNode, spread_levels
from threatmodel.graph import ModelGraph
from threatmodel.model.base import Severity
from threatmodel.model.system import Boundary, ComponentBase, Flow


@dataclass
class _Index:
    """The analysis's graph, plus what only the diagram needs: drawable flows in a stable order,
    each component's worst open finding and undirected neighbours."""

    g: ModelGraph
    flows: list[Flow]
    worst: dict[str, Severity]
    open_counts: Counter[str]
    adjacency: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, analysis: Analysis) -> _Index:
        assessment, g, model = analysis.assessment, analysis.graph, analysis.model
        components = g.components
        flows = sorted(
            (f for f in model.flows if f.source in components and f.target in components),
            key=lambda f: (f.key, f.source, f.target, f.data),
        )
        worst: dict[str, Severity] = {}
        counts: Counter[str] = Counter()
        for finding in assessment.findings:
            if not finding.status.is_open:
                continue
            for element in finding.elements:  # a finding grouped by root cause marks every element it lists
                counts[element] += 1
                current = worst.get(element)
                if current is None or finding.residual_severity > current:
                    worst[element] = finding.residual_severity
        adjacency: dict[str, set[str]] = {cid: set() for cid in components}
        for f in flows:
            adjacency[f.source].add(f.target)
            adjacency[f.target].add(f.source)
        return cls(g=g, flows=flows, worst=worst, open_counts=counts, adjacency=adjacency)

    @property
    def components(self) -> dict[str, ComponentBase]:
        return self.g.components

    @property
    def boundaries(self) -> dict[str, Boundary]:
        return self.g.boundaries

    def boundary_of(self, cid: str) -> str | None:
        return self.g.boundary_of(cid)

    def chain(self, boundary: str | None) -> tuple[str, ...]:
        return self.g.enclosing(boundary)

    def crossing(self, flow: Flow) -> bool:
        return self.g.crosses(flow)

    def name(self, cid: str) -> str:
        return self.g.name(cid)

    def boundary_name(self, bid: str) -> str:
        return self.g.name(bid)

    def data_name(self, did: str) -> str:
        data = self.g.data.get(did)
        return data.label if data is not None else did


def _unknown(what: str, value: str, known: Iterable[str], flag: str) -> UsageError:
    close = difflib.get_close_matches(value, sorted(known), n=3)
    hint = (
        f"did you mean {', '.join(repr(c) for c in close)}?"
        if close
        else f"list the ids with `threatmodel analyze` or drop {flag}"
    )
    return UsageError(Problem(f"unknown {what} '{value}' for {flag}", hint=hint))


def build_scene(analysis: Analysis, view: DiagramView | None = None) -> Scene:
    """Select, label and sort what the diagram of ``analysis`` shows under ``view``.

    Raises :class:`UsageError` for an unknown boundary or component, or a view that
    combines ``boundary`` and ``focus``.
    """
    view = view or DiagramView()
    ix = _Index.of(analysis)
    system = analysis.model.system
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
        where = ix.boundary_of(cid)
        if is_context:
            detail = (f"in {ix.boundary_name(where)}" if where else "outside every boundary",)
        nodes.append(
            SceneNode(
                id=cid,
                label=ix.name(cid),
                kind=component.kind,
                cluster=None if is_context else ix.boundary_of(cid),
                severity=ix.worst.get(cid),
                open_findings=ix.open_counts[cid],
                detail=detail,
                tooltip=component.description or ix.name(cid),
                role="context" if is_context else ("focus" if cid == highlight else "member"),
                trust=ix.boundaries[where].trust if where else None,
            )
        )
    shown = members | context
    edges = tuple(
        SceneEdge(
            id=f.key,
            source=f.source,
            target=f.target,
            data=tuple(ix.data_name(d) for d in sorted(set(f.data))),
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
    group_by_component = {cid: group_of(cid) for cid in sorted(ix.components)}
    for cid, gid in group_by_component.items():
        groups[gid].append(cid)
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
        a, b = group_by_component[f.source], group_by_component[f.target]
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
            f"{plural(len(members), 'component')}, {plural(internal[gid], 'internal flow')}",
            f"{open_count} open" + (f", worst {severity.value}" if severity else ""),
        )
        kinds = Counter(ix.components[c].kind for c in members)
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
                trust=None if gid == UNBOUNDED else ix.boundaries[gid].trust,
            )
        )
    pairs = sorted(between.items())
    if len(pairs) > view.threshold:
        # dot cannot lay out thousands of labelled edges either: keep the heaviest links.
        kept = sorted(pairs, key=lambda kv: (-len(kv[1]), kv[0]))[: view.threshold]
        dropped = len(pairs) - len(kept)
        dropped_flows = sum(len(v) for _, v in pairs) - sum(len(v) for _, v in kept)
        extra_notes.append(
            f"{dropped} boundary-to-boundary links ({plural(dropped_flows, 'flow')}) with the fewest flows are "
            f"left out of the overview; the {view.threshold} heaviest are drawn."
        )
        pairs = sorted(kept)
    edges: list[SceneEdge] = []
    for (a, b), flows in pairs:
        data = Counter(d for f in flows for d in set(f.data))
        top = [ix.data_name(d) for d, _ in sorted(data.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
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

    spread_levels(successors, roots, level)
    for node_id in order:
        if node_id not in level:
            spread_levels(successors, [node_id], level)
    return tuple(replace(e, back=level.get(e.target, 0) < level.get(e.source, 0)) for e in edges)

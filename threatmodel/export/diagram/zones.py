"""Trust zones: which band of the drawing each node sits in, left to right (pure).

A diagram reads like a request: from where it enters to what the system calls out to. Every node
gets a :class:`Zone` from the trust level of its boundary and from whom it talks to:

========== =======================================================================================
unknown    no boundary at all. Nothing says how far it is trusted, so it is a zone of its own, at
           the far left, never merged with a trusted one (docs/decisions/1002).
outside    an ``untrusted`` boundary.
upstream   a ``partner`` component that receives flows from the unknown or outside zones, or a
           person: a partner that sits on the way in (a ticketing SaaS customers write to).
edge       an ``internal`` or ``restricted`` component that exchanges flows with the three zones
           above, or a person: where requests enter the trusted side.
core       the other ``internal`` and ``restricted`` components.
providers  the other ``partner`` components: what the system calls out to (an LLM API).
========== =======================================================================================

Inside a zone, nodes are ordered by the flows between them (a breadth-first level from the zone's
entry points), and the whole drawing gets at most :data:`MAX_COLUMNS` columns: a long pipeline is
cut into runs, each read along one column, instead of stretching the picture past a slide. Everything here
depends only on ids, kinds, trust levels and flows, never on the order of the model file.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass

from threatmodel.export.diagram.types import Scene, SceneNode, spread_levels
from threatmodel.model.base import TrustLevel


class Zone(enum.IntEnum):
    """The bands of a diagram, in drawing order (left to right, or top to bottom in text)."""

    UNKNOWN = 0
    OUTSIDE = 1
    UPSTREAM = 2
    EDGE = 3
    CORE = 4
    PROVIDERS = 5

    @property
    def title(self) -> str:
        """What the zone holds, for band titles."""
        return _TITLES[self]

    @property
    def label(self) -> str:
        """The zone's short name (``edge``, ``providers``)."""
        return self.name.lower()


_TITLES = {
    Zone.UNKNOWN: "unknown: in no trust boundary",
    Zone.OUTSIDE: "outside: untrusted boundaries",
    Zone.UPSTREAM: "upstream: partners on the way in",
    Zone.EDGE: "edge: where requests enter the trusted side",
    Zone.CORE: "core",
    Zone.PROVIDERS: "providers: partners the system calls out to",
}

MAX_COLUMNS = 6
"""Columns of boxes a diagram spreads over. Six columns of boxes with their flow labels between
them is what fits a 1920-pixel slide at a legible size (docs/decisions/1300)."""


_TRUSTED = (TrustLevel.INTERNAL, TrustLevel.RESTRICTED)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where each node of a scene goes: its zone and its column (0 = leftmost, dense)."""

    zone: dict[str, Zone]
    column: dict[str, int]
    level: dict[str, int]
    """Breadth-first level inside the node's zone, before folding into columns."""

    @property
    def columns(self) -> int:
        return max(self.column.values(), default=-1) + 1


def zone_of_nodes(scene: Scene) -> dict[str, Zone]:
    """The :class:`Zone` of every node of ``scene`` (rules in the module docstring)."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    senders: dict[str, set[str]] = defaultdict(set)
    for e in scene.edges:
        if e.source == e.target:
            continue
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
        senders[e.target].add(e.source)

    def base(node: SceneNode) -> Zone | None:
        if node.trust is None:
            return Zone.UNKNOWN
        if node.trust == TrustLevel.UNTRUSTED:
            return Zone.OUTSIDE
        return None

    zones: dict[str, Zone] = {}
    for node in scene.nodes:
        fixed = base(node)
        if fixed is not None:
            zones[node.id] = fixed
    outer = {Zone.UNKNOWN, Zone.OUTSIDE}
    for node in scene.nodes:
        if node.trust == TrustLevel.PARTNER:
            inbound = any(zones.get(s) in outer for s in senders[node.id])
            zones[node.id] = Zone.UPSTREAM if inbound or node.kind == "human-user" else Zone.PROVIDERS
    way_in = outer | {Zone.UPSTREAM}
    for node in scene.nodes:
        if node.trust in _TRUSTED:
            entry = node.kind == "human-user" or any(zones.get(n) in way_in for n in neighbours[node.id])
            zones[node.id] = Zone.EDGE if entry else Zone.CORE
    for node in scene.nodes:
        zones.setdefault(node.id, Zone.UNKNOWN)  # a trust level this module does not know
    return zones


def place(scene: Scene, max_columns: int = MAX_COLUMNS) -> Placement:
    """Zones, in-zone levels and columns of every node of ``scene``.

    Every zone with nodes gets one column; while the total is under ``max_columns``, the zone
    with the most levels per column gets another (ties: the earlier zone). A zone's level ``l``
    out of ``d`` levels goes to column ``l * k // d`` of its ``k`` columns, so a long pipeline is
    cut into ``k`` runs, each read down one column, rather than stretched over ``d`` columns.
    """
    zones = zone_of_nodes(scene)
    successors: dict[str, set[str]] = defaultdict(set)
    entered: set[str] = set()
    for e in scene.edges:
        if e.source == e.target:
            continue
        if zones[e.source] == zones[e.target]:
            successors[e.source].add(e.target)
        elif zones[e.source] < zones[e.target]:
            entered.add(e.target)
    has_inner_sender = {t for targets in successors.values() for t in targets}
    level: dict[str, int] = {}

    people = {n.id for n in scene.nodes if n.kind == "human-user"}
    ids = sorted(zones)
    spread_levels(successors, [n for n in ids if n in entered or n in people or n not in has_inner_sender], level)
    for n in ids:
        if n not in level:
            spread_levels(successors, [n], level)

    depth: dict[Zone, int] = defaultdict(int)
    for n in ids:
        depth[zones[n]] = max(depth[zones[n]], level[n] + 1)
    width = dict.fromkeys(depth, 1)
    while sum(width.values()) < max_columns:
        spare = [z for z in sorted(width) if width[z] < depth[z]]
        if not spare:
            break
        widest = max(spare, key=lambda z: (depth[z] / width[z], -z))
        width[widest] += 1
    start: dict[Zone, int] = {}
    offset = 0
    for zone in sorted(width):
        start[zone] = offset
        offset += width[zone]
    column = {}
    for n in ids:
        z = zones[n]
        column[n] = start[z] + level[n] * width[z] // depth[z]
    return Placement(zone=zones, column=column, level=level)

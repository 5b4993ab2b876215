"""Trust zones and columns: who goes where, and that Graphviz keeps the zones in order left to right."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest

from tests.helpers import analyse_file
from threatmodel.engine import Analysis
from threatmodel.export.diagram import build_scene, render_dot
from threatmodel.export.diagram.types import Scene, SceneBoundary, SceneEdge, SceneNode
from threatmodel.export.diagram.zones import MAX_COLUMNS, Zone, place, zone_of_nodes
from threatmodel.io.graphviz import find_dot, run_dot
from threatmodel.io.load import LoadedCatalogs
from threatmodel.model.base import TrustLevel

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz (dot or the graphviz-pure wheel)")


def node(nid: str, trust: TrustLevel | None, kind: str = "application") -> SceneNode:
    return SceneNode(nid, nid, kind, nid if trust else None, None, 0, trust=trust)


def edge(a: str, b: str) -> SceneEdge:
    return SceneEdge(f"{a}-{b}", a, b, (), None, False, None, 0)


def scene(nodes: list[SceneNode], edges: list[SceneEdge]) -> Scene:
    frames = tuple(SceneBoundary(n.id, n.id, n.trust, None) for n in nodes if n.trust is not None)
    return Scene("t", "whole model", "model", frames, tuple(nodes), tuple(edges))


def test_zone_rules() -> None:
    """Unknown, untrusted, partners on the way in or called out to, edge and core, as documented."""
    s = scene(
        [
            node("loose", None),
            node("user", TrustLevel.UNTRUSTED, "human-user"),
            node("saas", TrustLevel.PARTNER),
            node("portal", TrustLevel.INTERNAL),
            node("staff", TrustLevel.INTERNAL, "human-user"),
            node("app", TrustLevel.INTERNAL),
            node("db", TrustLevel.RESTRICTED),
            node("llm", TrustLevel.PARTNER),
        ],
        [edge("user", "portal"), edge("user", "saas"), edge("portal", "app"), edge("app", "db"), edge("app", "llm")],
    )
    assert zone_of_nodes(s) == {
        "loose": Zone.UNKNOWN,
        "user": Zone.OUTSIDE,
        "saas": Zone.UPSTREAM,
        "portal": Zone.EDGE,
        "staff": Zone.EDGE,
        "app": Zone.CORE,
        "db": Zone.CORE,
        "llm": Zone.PROVIDERS,
    }


def test_an_unbounded_component_is_its_own_leftmost_zone_even_when_it_talks_only_inside() -> None:
    """No boundary is not trust: a component in none is never folded into the edge or the core."""
    s = scene([node("mystery", None), node("app", TrustLevel.INTERNAL)], [edge("app", "mystery")])
    placed = place(s)
    assert placed.zone["mystery"] is Zone.UNKNOWN
    assert placed.column["mystery"] < placed.column["app"]


def test_a_long_pipeline_folds_into_the_column_budget() -> None:
    """Twelve steps in the core share the columns left after the other zones, in order."""
    steps = [f"s{i:02}" for i in range(12)]
    s = scene(
        [node("user", TrustLevel.UNTRUSTED), *(node(n, TrustLevel.INTERNAL) for n in steps)],
        [edge("user", steps[0]), *(edge(a, b) for a, b in itertools.pairwise(steps))],
    )
    placed = place(s)
    assert placed.columns <= MAX_COLUMNS
    columns = [placed.column[n] for n in steps]
    assert columns == sorted(columns)  # a pipeline never runs backwards
    assert placed.column["user"] == 0 and placed.column[steps[0]] == 1


def test_placement_does_not_depend_on_the_order_of_the_scene() -> None:
    """Shuffling nodes and edges gives the same zones and columns."""
    s = scene(
        [
            node(f"n{i}", [None, TrustLevel.UNTRUSTED, TrustLevel.INTERNAL, TrustLevel.PARTNER][i % 4])
            for i in range(16)
        ],
        [edge(f"n{i}", f"n{(i * 7 + 3) % 16}") for i in range(16)],
    )
    first = place(s)
    rng = random.Random(13)
    for _ in range(5):
        nodes, edges = list(s.nodes), list(s.edges)
        rng.shuffle(nodes)
        rng.shuffle(edges)
        again = place(Scene(s.title, s.subtitle, s.mode, s.boundaries, tuple(nodes), tuple(edges)))
        assert (again.zone, again.column) == (first.zone, first.column)


@pytest.fixture(scope="module")
def rag(builtin_catalogs: LoadedCatalogs) -> Analysis:
    return analyse_file(REPO / "models" / "rag-support-assistant.yaml", builtin_catalogs)


def test_rag_example_zones(rag: Analysis) -> None:
    """The support assistant reads customers -> portal -> orchestrator -> LLM provider."""
    zones = zone_of_nodes(build_scene(rag))
    assert zones["customers"] is Zone.OUTSIDE
    assert zones["ticketing-system"] is Zone.UPSTREAM
    assert zones["support-portal"] is Zone.EDGE
    assert zones["orchestrator"] is Zone.CORE and zones["crm"] is Zone.CORE
    assert zones["chat-llm"] is Zone.PROVIDERS


def test_dot_constrains_forward_flows_by_their_column_step(rag: Analysis) -> None:
    """A flow to a later column has minlen = the step; a reply is constraint=false; the legend is one block."""
    placed = place(build_scene(rag))
    dot = render_dot(rag)
    for flow in rag.model.flows:
        statement = next(line for line in dot.splitlines() if f'id="tm-flow-{flow.key}"' in line)
        step = placed.column[flow.target] - placed.column[flow.source]
        if step >= 0:
            assert f'minlen="{step}"' in statement, flow.key
        else:
            assert 'constraint="false"' in statement, flow.key
    legend = dot[dot.index('subgraph "cluster_legend"') :]
    assert 'style="invis"' in legend.splitlines()[1]


@needs_dot
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_graphviz_keeps_the_zones_in_order_left_to_right(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """In the laid-out drawing every box of a zone stands left of every box of a later zone."""
    analysis = analyse_file(path, builtin_catalogs)
    zones = zone_of_nodes(build_scene(analysis))
    layout = json.loads(run_dot(render_dot(analysis), "json0"))
    x = {o["name"]: float(o["pos"].split(",")[0]) for o in layout["objects"] if "pos" in o and o["name"] in zones}
    assert set(x) == set(zones)
    for a in zones:
        for b in zones:
            if zones[a] < zones[b]:
                assert x[a] < x[b], f"{a} ({zones[a].label}) is not left of {b} ({zones[b].label})"


def test_every_font_in_the_drawing_is_ten_points_or_more(rag: Analysis) -> None:
    """The smallest text is 10 pt, so a PNG scaled to 1920 px from up to 2327 px keeps 11 px text."""
    dot = render_dot(rag)
    sizes = [float(v) for v in re.findall(r'(?:fontsize|POINT-SIZE)="([\d.]+)"', dot)]
    assert sizes and min(sizes) >= 10

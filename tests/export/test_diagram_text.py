"""Box-drawing diagrams: layout DOT, drawing from a stored Graphviz layout, tags, highlight, width."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.golden import assert_golden
from tests.helpers import analyse_file
from threatmodel.engine import Analysis
from threatmodel.export.diagram import DiagramView, build_scene
from threatmodel.export.diagram.text import TextCanvas, cell_width, render_layout_dot, render_text, render_text_cells
from threatmodel.export.diagram.textbands import render_text_scene
from threatmodel.io.graphviz import find_dot, run_dot
from threatmodel.io.load import LoadedCatalogs

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = REPO / "tests" / "golden" / "diagram"
FIXTURE = DATA / "diagram-fixture.yaml"
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))

needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz available")


@pytest.fixture(scope="module")
def fixture_assessment(builtin_catalogs: LoadedCatalogs) -> Analysis:
    return analyse_file(FIXTURE, builtin_catalogs)


@pytest.fixture(scope="module")
def stored_layout(fixture_assessment: Analysis) -> dict[str, Any]:
    """The fixture's Graphviz JSON layout as stored in the repository (rewritten with UPDATE_GOLDEN=1).

    Drawing from a stored layout keeps the text golden independent of which Graphviz
    build (system dot or graphviz-pure) the machine has.
    """
    dot = render_layout_dot(build_scene(fixture_assessment))
    assert_golden(GOLDEN / "diagram-fixture.layout.dot", dot)
    path = GOLDEN / "diagram-fixture.layout.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(run_dot(dot, "json0"))
    layout: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return layout


def names(assessment: Analysis) -> list[str]:
    return [c.name or c.id for c in assessment.model.components]


def test_fixture_text_golden(stored_layout: dict[str, Any]) -> None:
    """The fixture drawn from its stored layout matches the golden text byte for byte."""
    assert_golden(GOLDEN / "diagram-fixture.txt", render_text(stored_layout))


def test_fixture_highlight_golden(stored_layout: dict[str, Any]) -> None:
    """The fixture with the agent highlighted matches its golden text."""
    assert_golden(GOLDEN / "diagram-fixture.highlight.txt", render_text(stored_layout, highlight="assistant"))


def test_every_name_and_boundary_appears(stored_layout: dict[str, Any], fixture_assessment: Analysis) -> None:
    """Every component's name is drawn inside a box and every boundary's name on its frame."""
    text = render_text(stored_layout)
    for name in names(fixture_assessment):
        assert name in text
    for boundary in fixture_assessment.model.boundaries:
        assert f"{boundary.name} · {boundary.trust.value}" in text


def test_box_styles_follow_kinds(stored_layout: dict[str, Any]) -> None:
    """People are heavy boxes, stores have double top and bottom, the rest are rounded."""
    lines = render_text(stored_layout).splitlines()
    row = next(i for i, line in enumerate(lines) if "Customer" in line)
    assert "┏" in lines[row - 1] and "┃ Customer" in lines[row]
    kb = next(i for i, line in enumerate(lines) if "Knowledge base" in line)
    assert "╒" in "".join(lines[kb - 3 : kb])
    llm = next(i for i, line in enumerate(lines) if "Chat LLM" in line)
    assert "│ Chat LLM │" in lines[llm] and "╭" in "".join(lines[llm - 3 : llm])


def test_arrows_point_into_targets(stored_layout: dict[str, Any]) -> None:
    """Each drawn flow ends in one arrow head; the fixture's eleven flows give eleven heads."""
    text = render_text(stored_layout)
    assert sum(text.count(arrow) for arrow in "▶◀▲▼") == len(stored_layout["edges"]) == 11


def test_cells_carry_tags(stored_layout: dict[str, Any], fixture_assessment: Analysis) -> None:
    """Every node, boundary and flow has tagged cells the terminal UI can colour."""
    canvas = render_text_cells(stored_layout)
    for component in fixture_assessment.model.components:
        assert canvas.find(f"node:{component.id}"), component.id
    for boundary in fixture_assessment.model.boundaries:
        assert canvas.find(f"boundary:{boundary.id}"), boundary.id
    for flow in fixture_assessment.model.flows:
        assert canvas.find(f"edge:{flow.key}"), flow.key
    assert canvas.find("cross") and canvas.find("kind:llm") and canvas.find("trust:restricted")
    assert not canvas.find("highlight")


def test_highlight_marks_the_node_and_only_its_flows(stored_layout: dict[str, Any]) -> None:
    """With a highlight, the component's box is double-lined and only its own flows carry the tag."""
    canvas = render_text_cells(stored_layout, highlight="kb")
    lit_tags = {canvas.tags[r][c] for r, c in canvas.find("highlight")}
    assert any(t.startswith("node:kb ") for t in lit_tags)
    lit_flows = {t.split(" ")[0] for t in lit_tags if t.startswith("edge:")}
    assert lit_flows == {"edge:assistant-to-kb", "edge:kb-to-assistant", "edge:help-centre-to-kb"}
    text = canvas.text()
    kb = next(line for line in text.splitlines() if "Knowledge base" in line)
    assert "║ Knowledge base" in kb


def test_runs_cover_every_cell(stored_layout: dict[str, Any]) -> None:
    """The tag runs rebuild each row exactly, so a TUI can colour by run without losing text."""
    canvas = render_text_cells(stored_layout)
    rows: dict[int, str] = {}
    for r, text, _tag in canvas.runs():
        rows[r] = rows.get(r, "") + text
    assert [rows[r].rstrip() for r in range(canvas.height)] == canvas.lines()


def test_width_squeezes_horizontal_gaps(stored_layout: dict[str, Any], fixture_assessment: Analysis) -> None:
    """A narrower width compresses the drawing without losing or overlapping any box."""
    natural = render_text_cells(stored_layout)
    narrow = render_text_cells(stored_layout, width=natural.width * 3 // 4)
    assert narrow.width < natural.width
    for name in names(fixture_assessment):
        assert name in narrow.text()


def test_tiny_layout_exact() -> None:
    """A hand-written two-node layout draws exactly as expected (no Graphviz involved)."""
    layout = {
        "bb": "0,0,216,43.2",
        "objects": [
            {"_gvid": 0, "name": "a", "pos": "36,21.6", "width": "1", "height": "0.6", "tm": "node:a box:heavy",
             "tm_label": b"A".hex()},
            {"_gvid": 1, "name": "b", "pos": "180,21.6", "width": "1", "height": "0.6", "tm": "node:b box:store",
             "tm_label": "Bé\\x".encode().hex()},
        ],
        "edges": [{"_gvid": 0, "tail": 0, "head": 1, "tm": "edge:a-to-b", "pos": "e,144,21.6 72,21.6 96,21.6 120,21.6 144,21.6"}],
    }  # fmt: skip
    assert render_text(layout) == (
        "┏━━━━━━━━┓          ╒════════╕\n┃   A    ┠─────────▶│  Bé\\x  │\n┗━━━━━━━━┛          ╘════════╛\n"
    )


def test_wide_characters_take_two_cells() -> None:
    """East Asian wide characters count two columns, so boxes stay aligned."""
    assert cell_width("模型") == 4 and cell_width("é") == 1
    layout = {
        "bb": "0,0,72,43.2",
        "objects": [
            {"_gvid": 0, "name": "m", "pos": "36,21.6", "width": "0.8", "height": "0.6", "tm": "node:m box:rounded",
             "tm_label": "模型".encode().hex()},
        ],
        "edges": [],
    }  # fmt: skip
    canvas = render_text_cells(layout)
    assert canvas.text() == "╭──────╮\n│ 模型 │\n╰──────╯\n"
    assert [len(row) for row in canvas.cells] == [8, 8, 8]


def test_empty_layout() -> None:
    """An empty layout draws nothing."""
    assert render_text_cells({"bb": "0,0,0,0"}) == TextCanvas((), ())


@needs_dot
@pytest.mark.parametrize("path", [FIXTURE, *EXAMPLES], ids=lambda p: p.stem)
def test_live_layout_shows_every_component(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """With the Graphviz on this machine, every component of every example model is drawn by name."""
    assessment = analyse_file(path, builtin_catalogs)
    layout = json.loads(run_dot(render_layout_dot(build_scene(assessment)), "json0"))
    canvas = render_text_cells(layout)
    text = canvas.text()
    for component in assessment.model.components:
        assert canvas.find(f"node:{component.id}"), component.id
        label = component.name or component.id
        assert label[:25] in text, label


@needs_dot
def test_live_overview_and_focus(fixture_assessment: Analysis) -> None:
    """The overview and a focused view also lay out and draw."""
    for view in (DiagramView(overview=True), DiagramView(focus="assistant", hops=1), DiagramView(boundary="corp")):
        scene = build_scene(fixture_assessment, view)
        layout = json.loads(run_dot(render_layout_dot(scene), "json0"))
        canvas = render_text_cells(layout, highlight=scene.highlight)
        assert all(canvas.find(f"node:{n.id}") for n in scene.nodes)
        if scene.highlight:
            assert canvas.find("highlight")


# ---------------------------------------------------------------------------
# Fitting the terminal: bands by trust zone


@needs_dot
@pytest.mark.parametrize("width", [120, 80])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_fits_the_width_and_loses_nothing(
    path: Path, width: int, builtin_catalogs: LoadedCatalogs
) -> None:
    """At 120 and at 80 columns every line fits, every component is drawn or listed by name, and
    every flow is drawn or listed (its tag is on the canvas)."""
    assessment = analyse_file(path, builtin_catalogs)
    scene = build_scene(assessment)
    canvas = render_text_scene(scene, lambda dot: json.loads(run_dot(dot, "json0")), width=width)
    assert canvas.width <= width
    assert max(cell_width(line) for line in canvas.lines()) <= width
    text = canvas.text()
    for node in scene.nodes:
        assert canvas.find(f"node:{node.id}"), node.id
        assert node.label[: min(25, width - 10)] in text, node.label
    for edge in scene.edges:
        assert canvas.find(f"edge:{edge.id}"), edge.id


@needs_dot
def test_bands_follow_the_trust_zones_top_to_bottom(builtin_catalogs: LoadedCatalogs) -> None:
    """A model too wide for 120 columns is drawn as titled bands, outside first and providers last,
    and the flows leaving a band are listed under it with the zone they go to."""
    scene = build_scene(analyse_file(REPO / "models" / "rag-support-assistant.yaml", builtin_catalogs))
    canvas = render_text_scene(scene, lambda dot: json.loads(run_dot(dot, "json0")), width=120)
    titles = [line for line in canvas.lines() if line.startswith("━━ ")]
    assert [t.split(":")[0].strip("━ ") for t in titles] == ["outside", "upstream", "edge", "core", "providers"]
    assert all(len(t) == 120 for t in titles)
    assert "  Assistant orchestrator ──▶ Chat LLM  → providers" in canvas.lines()
    outside = canvas.lines().index(titles[0])
    assert any("Customers" in line for line in canvas.lines()[outside : canvas.lines().index(titles[1])])


@needs_dot
def test_a_drawing_that_fits_is_not_cut_into_bands(fixture_assessment: Analysis) -> None:
    """When the whole drawing fits the width it is exactly the one-piece drawing, highlight included."""
    scene = build_scene(fixture_assessment)
    layout = json.loads(run_dot(render_layout_dot(scene), "json0"))
    whole = render_text_cells(layout, highlight="assistant")
    assert whole.width <= 200
    assert render_text_scene(scene, lambda dot: layout, width=200, highlight="assistant") == whole


@needs_dot
def test_highlight_and_narrow_widths_in_bands(builtin_catalogs: LoadedCatalogs) -> None:
    """In a banded drawing the highlighted component and its listed flows carry the highlight tag;
    even 40 columns (the least the TUI pane uses) fit."""
    scene = build_scene(analyse_file(REPO / "models" / "agent-with-tools.yaml", builtin_catalogs))
    canvas = render_text_scene(scene, lambda dot: json.loads(run_dot(dot, "json0")), width=40, highlight="ops-agent")
    assert canvas.width <= 40
    tagged = {tag for row in canvas.tags for tag in row if "highlight" in tag.split(" ")}
    assert any("node:ops-agent" in tag for tag in tagged)
    assert any(tag.startswith("edge:") for tag in tagged)

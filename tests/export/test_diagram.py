"""DOT and Mermaid diagrams: goldens, views, severity colouring, escaping, determinism."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.golden import assert_golden
from tests.helpers import FIXED_DATE, analyse_file, analyse_text
from tests.property.strategies import system_models
from threatmodel.engine import Analysis, analyse
from threatmodel.errors import UsageError
from threatmodel.export.diagram import (
    KIND_SHAPE,
    SEVERITY_FILL,
    SHAPES,
    DiagramView,
    build_scene,
    dot_quote,
    mermaid_text,
    render_dot,
    render_mermaid,
)
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.base import Severity
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import ComponentKind

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = REPO / "tests" / "golden" / "diagram"
FIXTURE = DATA / "diagram-fixture.yaml"
HOSTILE = DATA / "diagram-hostile.yaml"
RULES = DATA / "diagram-rules.yaml"
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
HOSTILE_STRINGS = ("<img", "<script", "</script", '"]; evil [', "onerror=alert(1)>")


@pytest.fixture(scope="module")
def rule_catalogs() -> LoadedCatalogs:
    """Only the diagram test rules (one rule per severity band), so colours do not follow the built-in catalogs."""
    return load_catalogs([RULES], builtin=False)


@pytest.fixture(scope="module")
def fixture_assessment(builtin_catalogs: LoadedCatalogs) -> Analysis:
    return analyse_file(FIXTURE, builtin_catalogs)


@pytest.fixture(scope="module")
def rated(rule_catalogs: LoadedCatalogs) -> Analysis:
    """The fixture evaluated with the test rules, so it has findings of several severities."""
    return analyse_file(FIXTURE, rule_catalogs)


def node_statement(dot: str, node_id: str) -> str:
    """The DOT statement that declares node ``node_id``."""
    match = re.search(rf'^\s*"{re.escape(node_id)}" \[.*\];$', dot, re.MULTILINE)
    assert match, f"node {node_id} not declared"
    return match.group(0)


def edge_statement(dot: str, flow_id: str) -> str:
    match = re.search(rf'^\s*"[^"]+" -> "[^"]+" \[id="tm-flow-{re.escape(flow_id)}".*\];$', dot, re.MULTILINE)
    assert match, f"flow {flow_id} not drawn"
    return match.group(0)


# ---------------------------------------------------------------------------
# Goldens


def test_fixture_dot_golden(fixture_assessment: Analysis) -> None:
    """The fixture's DOT matches its golden file byte for byte."""
    assert_golden(GOLDEN / "diagram-fixture.dot", render_dot(fixture_assessment))


def test_fixture_mermaid_golden(fixture_assessment: Analysis) -> None:
    """The fixture's Mermaid matches its golden file byte for byte."""
    assert_golden(GOLDEN / "diagram-fixture.mmd", render_mermaid(fixture_assessment))


def test_rated_fixture_dot_golden(rated: Analysis) -> None:
    """With the test rules, the coloured DOT (fills, open counts, edge warnings) matches its golden file."""
    assert_golden(GOLDEN / "diagram-fixture-rated.dot", render_dot(rated))


def test_rated_fixture_mermaid_golden(rated: Analysis) -> None:
    """With the test rules, the coloured Mermaid matches its golden file."""
    assert_golden(GOLDEN / "diagram-fixture-rated.mmd", render_mermaid(rated))


def test_example_models_exist() -> None:
    """The example models the goldens below cover are present."""
    assert EXAMPLES, "models/*.yaml is empty"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_model_dot_golden(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Each example model's DOT matches its golden file (colours follow the built-in catalogs)."""
    assert_golden(GOLDEN / f"{path.stem}.dot", render_dot(analyse_file(path, builtin_catalogs)))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_model_mermaid_golden(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Each example model's Mermaid matches its golden file."""
    assert_golden(GOLDEN / f"{path.stem}.mmd", render_mermaid(analyse_file(path, builtin_catalogs)))


# ---------------------------------------------------------------------------
# What the DOT says


def test_dot_graph_settings(fixture_assessment: Analysis) -> None:
    """The graph is left-to-right, uses newrank (needed with clusters) and a common font."""
    dot = render_dot(fixture_assessment)
    head = dot.splitlines()[1]
    assert 'rankdir="LR"' in head and 'newrank="true"' in head and 'fontname="DejaVu Sans"' in head


def test_boundaries_are_nested_clusters(fixture_assessment: Analysis) -> None:
    """Each boundary is a cluster, and a nested boundary's cluster sits inside its parent's."""
    dot = render_dot(fixture_assessment)
    corp = dot.index('subgraph "cluster_corp" {')
    secure = dot.index('subgraph "cluster_secure-zone" {')
    corp_indent = len(dot[:corp].rsplit("\n", 1)[1])
    secure_indent = len(dot[:secure].rsplit("\n", 1)[1])
    assert corp < secure and secure_indent == corp_indent + 2
    assert "<B>Secure zone</B>  <I>restricted</I>" in dot
    assert 'style="bold,filled"' in dot and 'style="dashed,filled"' in dot


def test_components_sit_in_their_innermost_cluster(fixture_assessment: Analysis) -> None:
    """A component is declared inside the cluster of its own boundary; an unbounded one outside all."""
    dot = render_dot(fixture_assessment)
    secure = dot[dot.index('subgraph "cluster_secure-zone" {') :]
    secure = secure[: secure.index("}")]
    assert '"kb" [' in secure and '"ticket-tool" [' in secure and '"assistant" [' not in secure
    assert node_statement(dot, "help-centre").startswith('  "help-centre"')


@pytest.mark.parametrize("kind", list(ComponentKind), ids=str)
def test_every_kind_has_a_shape(kind: ComponentKind) -> None:
    """Every component kind maps to a documented shape group."""
    assert KIND_SHAPE[kind.value] in SHAPES


def test_shapes_follow_kinds(fixture_assessment: Analysis) -> None:
    """Models are hexagons, stores cylinders, tools cds, guardrails funnels, agents components."""
    dot = render_dot(fixture_assessment)
    assert 'shape="hexagon"' in node_statement(dot, "chat-llm")
    assert 'shape="cylinder"' in node_statement(dot, "kb")
    assert 'shape="cds"' in node_statement(dot, "ticket-tool")
    assert 'shape="invtrapezium"' in node_statement(dot, "input-filter")
    assert 'shape="component"' in node_statement(dot, "assistant")
    assert 'peripheries="2"' in node_statement(dot, "customer")


def test_crossing_flows_are_emphasised(fixture_assessment: Analysis) -> None:
    """Flows that cross a boundary are bold and red; flows inside one boundary are not."""
    dot = render_dot(fixture_assessment)
    crossing = edge_statement(dot, "prompt-to-llm")
    inside = edge_statement(dot, "chat-app-to-input-filter")
    assert 'penwidth="2"' in crossing and 'style="bold"' in crossing and "#c0392b" in crossing
    assert "penwidth" not in inside and "#c0392b" not in inside


def test_flow_labels_carry_data_and_protocol(fixture_assessment: Analysis) -> None:
    """Flow labels list the data names (sorted by data id) and the protocol."""
    dot = render_dot(fixture_assessment)
    label = edge_statement(dot, "prompt-to-llm")
    assert "Article chunks,<BR/>Customer question,<BR/>System prompt<BR/><I>https</I>" in label


def test_replies_do_not_constrain_ranking(fixture_assessment: Analysis) -> None:
    """A response flow (back toward the requester) gets constraint=false; the request does not."""
    dot = render_dot(fixture_assessment)
    assert 'constraint="false"' in edge_statement(dot, "chat-app-to-customer")
    assert "constraint" not in edge_statement(dot, "customer-to-chat-app")


def test_nodes_are_filled_by_worst_open_severity(rated: Analysis) -> None:
    """Each node's fill is the colour of its worst open residual severity, white without findings."""
    dot = render_dot(rated)
    worst: dict[str, Severity] = {}
    for f in rated.assessment.findings:
        if f.status.is_open and (f.target not in worst or f.residual_severity > worst[f.target]):
            worst[f.target] = f.residual_severity
    assert worst.get("chat-llm") is Severity.CRITICAL
    assert worst.get("kb") is None
    for component in rated.model.components:
        expected = SEVERITY_FILL[worst.get(component.id)].fill
        assert f'fillcolor="{expected}"' in node_statement(dot, component.id), component.id
    assert "llm, 1 open" in node_statement(dot, "chat-llm")
    assert "open" not in node_statement(dot, "kb")


def test_flow_findings_show_on_edges(rated: Analysis) -> None:
    """A flow with open findings says how many and how bad, in the severity's colour."""
    dot = render_dot(rated)
    assert "1 open, worst medium</FONT>" in edge_statement(dot, "prompt-to-llm")
    assert "open" not in edge_statement(dot, "chat-app-to-input-filter")


def test_accepted_findings_do_not_colour(rule_catalogs: LoadedCatalogs) -> None:
    """A finding triaged as accepted no longer colours its node."""
    text = FIXTURE.read_text(encoding="utf-8") + (
        "triage:\n"
        "  diagtest:on-llm@chat-llm:\n"
        "    status: accepted\n"
        "    owner: Risk Owner\n"
        "    justification: Covered by the vendor contract.\n"
        "    decided_on: 2026-11-01\n"
        "    review_by: 2027-11-01\n"
    )
    assessment = analyse_text(text, rule_catalogs)
    statement = node_statement(render_dot(assessment), "chat-llm")
    assert f'fillcolor="{SEVERITY_FILL[None].fill}"' in statement


def test_legend_lists_severities_and_only_shapes_used(fixture_assessment: Analysis) -> None:
    """The legend explains every severity fill, flow styles, the trust levels present and the shapes used."""
    dot = render_dot(fixture_assessment)
    legend = dot[dot.index('subgraph "cluster_legend"') :]
    for sev in ("critical", "high", "medium", "low", "none open"):
        assert f">{sev}</FONT>" in legend
    assert "crosses a boundary" in legend and "restricted (bold)" in legend
    assert '"legend:model"' in legend and '"legend:store"' in legend
    assert '"legend:external"' not in legend  # no external service in the fixture
    assert "cluster_legend" not in render_dot(fixture_assessment, legend=False)


# ---------------------------------------------------------------------------
# Views


def test_boundary_view(fixture_assessment: Analysis) -> None:
    """--boundary draws its components (nested ones too) and outside neighbours as dashed context."""
    scene = build_scene(fixture_assessment, DiagramView(boundary="corp"))
    roles = {n.id: n.role for n in scene.nodes}
    assert {k for k, v in roles.items() if v == "member"} == {
        "chat-app",
        "input-filter",
        "assistant",
        "kb",
        "ticket-tool",
    }
    assert {k for k, v in roles.items() if v == "context"} == {"customer", "chat-llm", "help-centre"}
    assert {b.id for b in scene.boundaries} == {"corp", "secure-zone"}
    dot = render_dot(fixture_assessment, view=DiagramView(boundary="corp"))
    assert "dashed" in node_statement(dot, "customer") and "in Internet" in node_statement(dot, "customer")
    assert 'subgraph "cluster_internet"' not in dot


def test_boundary_view_of_a_nested_boundary_drops_its_ancestors(fixture_assessment: Analysis) -> None:
    """Viewing a nested boundary draws it as the outermost frame."""
    scene = build_scene(fixture_assessment, DiagramView(boundary="secure-zone"))
    assert [(b.id, b.parent) for b in scene.boundaries] == [("secure-zone", None)]


def test_focus_view(fixture_assessment: Analysis) -> None:
    """--focus with --hops keeps the components within that many flows, either direction."""
    one = build_scene(fixture_assessment, DiagramView(focus="kb", hops=1))
    assert {n.id for n in one.nodes} == {"kb", "assistant", "help-centre"}
    two = build_scene(fixture_assessment, DiagramView(focus="kb", hops=2))
    assert {n.id for n in two.nodes} == {
        "kb",
        "assistant",
        "help-centre",
        "chat-llm",
        "ticket-tool",
        "chat-app",
        "input-filter",
    }
    assert two.highlight == "kb"
    assert 'penwidth="3"' in node_statement(render_dot(fixture_assessment, view=DiagramView(focus="kb")), "kb")
    zero = build_scene(fixture_assessment, DiagramView(focus="kb", hops=0))
    assert [n.id for n in zero.nodes] == ["kb"] and zero.edges == ()


def test_unknown_ids_are_usage_errors_with_suggestions(fixture_assessment: Analysis) -> None:
    """An unknown boundary or component is a UsageError that suggests the closest id."""
    with pytest.raises(UsageError, match="unknown component 'asistant'") as caught:
        build_scene(fixture_assessment, DiagramView(focus="asistant"))
    assert "did you mean 'assistant'" in str(caught.value)
    with pytest.raises(UsageError, match="unknown boundary"):
        build_scene(fixture_assessment, DiagramView(boundary="nowhere"))
    with pytest.raises(UsageError, match="either a boundary or a focus"):
        build_scene(fixture_assessment, DiagramView(boundary="corp", focus="kb"))


def test_forced_overview(fixture_assessment: Analysis) -> None:
    """The overview has one node per boundary (plus the unbounded group), aggregated edges with counts."""
    scene = build_scene(fixture_assessment, DiagramView(overview=True))
    assert scene.mode == "overview" and scene.notes == ()
    assert {n.id for n in scene.nodes} == {
        "group:corp",
        "group:secure-zone",
        "group:internet",
        "group:vendor",
        "group:-",
    }
    corp = next(n for n in scene.nodes if n.id == "group:corp")
    assert "3 components, 3 internal flows" in corp.detail
    to_secure = next(e for e in scene.edges if e.id == "group:corp>group:secure-zone")
    assert to_secure.count == 2 and to_secure.crossing
    # The nested boundary's node sits in its parent's frame.
    assert next(n for n in scene.nodes if n.id == "group:secure-zone").cluster == "corp"
    assert "2 flows" in render_dot(fixture_assessment, view=DiagramView(overview=True))


def big_model(components: int, boundaries: int) -> SystemModel:
    """A synthetic model: ``components`` services spread over nested boundaries, chained by flows."""
    bounds = [
        {"id": f"b{i}", "trust": "internal", **({"parent": f"b{i // 4}"} if i >= 4 else {})} for i in range(boundaries)
    ]
    comps = [{"id": f"c{i}", "kind": "application", "boundary": f"b{i % boundaries}"} for i in range(components)]
    flows = [{"source": f"c{i}", "target": f"c{(i * 7 + 3) % components}", "data": ["d"]} for i in range(components)]
    return SystemModel.model_validate(
        {
            "system": {"id": "big", "name": "Big"},
            "data": [{"id": "d", "name": "Records"}],
            "boundaries": bounds,
            "components": comps,
            "flows": [f for f in flows if f["source"] != f["target"]],
        }
    )


def bare(model: SystemModel) -> Analysis:
    """The model analysed against no catalog: no findings, nothing coloured."""
    return analyse(model, (), as_of=FIXED_DATE)


def test_large_models_get_the_overview_automatically() -> None:
    """Above the threshold the default view is the overview, with a note saying how to zoom in."""
    scene = build_scene(bare(big_model(301, 12)))
    assert scene.mode == "overview"
    assert len(scene.nodes) == 12
    assert "--boundary" in scene.notes[0] and "--focus" in scene.notes[0] and "--no-overview" in scene.notes[0]
    assert build_scene(bare(big_model(301, 12)), DiagramView(overview=False)).mode == "model"
    assert build_scene(bare(big_model(300, 12))).mode == "model"


def test_ten_thousand_components_aggregate_between_boundaries() -> None:
    """A 10,000-component model draws its overview: boundaries as groups, flows aggregated between them.

    How fast that is, is measured by bench/export_bench.py, not asserted here.
    """
    model = big_model(10_000, 100)
    dot = render_dot(bare(model))
    mermaid = render_mermaid(bare(model))
    assert dot.count("group:") > 0 and mermaid.startswith("flowchart LR")
    assert dot.count(' -> "') < 600  # aggregated between boundaries, not 10,000 edges


def test_too_many_boundaries_collapse_to_outermost() -> None:
    """When even the boundaries exceed the threshold, the overview groups by outermost boundary."""
    scene = build_scene(bare(big_model(400, 40)), DiagramView(threshold=30))
    assert scene.mode == "overview" and len(scene.notes) == 2
    assert {n.id for n in scene.nodes} == {f"group:b{i}" for i in range(4)}


def test_focus_neighbourhood_is_capped() -> None:
    """A neighbourhood larger than the threshold keeps the nearest components and says so."""
    star = SystemModel.model_validate(
        {
            "system": {"id": "star", "name": "Star"},
            "components": [{"id": f"c{i}", "kind": "application"} for i in range(200)],
            "flows": [{"source": "c0", "target": f"c{i}"} for i in range(1, 200)],
        }
    )
    scene = build_scene(bare(star), DiagramView(focus="c0", hops=1, threshold=50))
    assert len(scene.nodes) == 50 and "showing the 50 nearest" in scene.notes[0]


# ---------------------------------------------------------------------------
# Escaping


def test_dot_quote_neutralises_escapes() -> None:
    """Quotes are escaped, backslashes replaced, control characters and line breaks flattened."""
    assert dot_quote('a"b') == '"a\\"b"'
    assert dot_quote("x\\") == '"x\u2216"'  # a trailing backslash must not escape the closing quote
    assert dot_quote("\\N\\G\\l") == '"\u2216N\u2216G\u2216l"'
    assert dot_quote("one\ntwo\x00three") == '"one two three"'


def test_mermaid_text_uses_entity_codes() -> None:
    """Every character Mermaid or Markdown could interpret becomes a numeric entity code."""
    assert mermaid_text('<a href="x">[y]</a>') == "#60;a href=#34;x#34;#62;#91;y#93;#60;/a#62;"
    assert mermaid_text("a|b`c#d;\\n") == "a#124;b#96;c#35;d#59;#92;n"


@pytest.fixture(scope="module")
def hostile(builtin_catalogs: LoadedCatalogs) -> Analysis:
    return analyse_file(HOSTILE, builtin_catalogs)


def test_hostile_names_stay_out_of_dot_syntax(hostile: Analysis) -> None:
    """No user string can end a DOT string or open an HTML tag: each statement stays one statement."""
    dot = render_dot(hostile)
    assert "\\\\" not in dot and "\\N" not in dot
    for line in dot.splitlines():
        stripped = re.sub(r'"(?:[^"\\]|\\.)*"', "Q", line)  # drop every quoted string
        labels, rest = split_html_labels(stripped)
        assert '"' not in rest and "evil" not in rest, line
        for label in labels:  # inside HTML-like labels a raw tag would be markup
            assert "<img" not in label and "<script" not in label and "</script" not in label, line


def split_html_labels(line: str) -> tuple[list[str], str]:
    """The HTML-like label bodies of a DOT line (balanced ``<...>``), and the line without them."""
    labels: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == "<":
            depth, j = 0, i
            while j < len(line):
                depth += {"<": 1, ">": -1}.get(line[j], 0)
                j += 1
                if depth == 0:
                    break
            assert depth == 0, f"unbalanced HTML-like label: {line}"
            labels.append(line[i:j])
            i = j
        else:
            rest.append(line[i])
            i += 1
    return labels, "".join(rest)


def test_hostile_names_are_accepted_by_dot_and_inert_in_svg(hostile: Analysis) -> None:
    """Graphviz accepts the DOT, and the SVG holds the hostile strings only as escaped text."""
    from threatmodel.io.graphviz import find_dot, run_dot

    if find_dot() is None:
        pytest.skip("no Graphviz available")
    svg = run_dot(render_dot(hostile), "svg").decode("utf-8")
    for raw in ("<img", "<script", "</script", "<b>"):
        assert raw not in svg
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    import xml.etree.ElementTree as ET

    # Well-formed once the prolog is dropped; the SVG is Graphviz's output for our own test file.
    ET.fromstring(svg.split("?>", 1)[1].split("]>", 1)[-1])  # noqa: S314


def test_hostile_names_stay_out_of_mermaid_syntax(hostile: Analysis) -> None:
    """Mermaid output holds no raw <, ", ], backtick or pipe from user strings; only its own markup."""
    mermaid = render_mermaid(hostile)
    for raw in (*HOSTILE_STRINGS, "```", "|x|", "#quot;", "&lt;"):
        assert raw not in mermaid, raw
    for line in mermaid.splitlines():
        for label in re.findall(r'"([^"]*)"', line):
            without_markup = re.sub(r"<br/>|</?i>", "", label)
            assert not set(without_markup) & set('<>"[]|`\\'), label


def test_names_with_line_breaks_stay_on_one_label_line(hostile: Analysis) -> None:
    """A newline inside a name never starts a new DOT or Mermaid statement."""
    dot = render_dot(hostile)
    mermaid = render_mermaid(hostile)
    assert not any(line.startswith(("next line", "line two")) for line in dot.splitlines() + mermaid.splitlines())


# ---------------------------------------------------------------------------
# Mermaid structure


def test_mermaid_structure(fixture_assessment: Analysis) -> None:
    """flowchart LR, balanced nested subgraphs, ids n<i>/b<i> in sorted order, crossing links styled by index."""
    mermaid = render_mermaid(bare(fixture_assessment.model))
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    assert (
        sum(1 for line in lines if line.strip().startswith("subgraph "))
        == sum(1 for line in lines if line.strip() == "end")
        == 4
    )
    assert '  n0[["Assistant agent<br/><i>agent</i>"]]' in mermaid.replace("    ", "  ")
    assert 'n2{{"Chat LLM' in mermaid and 'n6[("Knowledge base' in mermaid and 'n7>"Ticket tool' in mermaid
    links = [line for line in lines if re.match(r"\s+n\d+ (-->|==>)", line)]
    assert len(links) == len(fixture_assessment.model.flows)
    styled = [int(i) for i in re.search(r"linkStyle ([\d,]+) ", mermaid).group(1).split(",")]  # type: ignore[union-attr]
    assert styled == [i for i, link in enumerate(links) if "==>" in link]
    assert "style b1 fill:#fdf0ef" in mermaid and "stroke-dasharray:6 4" in mermaid


def test_mermaid_classes_follow_severity(rated: Analysis) -> None:
    """Nodes get the sev_<severity> class of their worst open finding."""
    mermaid = render_mermaid(rated)
    assert re.search(r"class [n\d,]*\bn2\b[n\d,]* sev_critical", mermaid)
    assert re.search(r"class [n\d,]*\bn7\b[n\d,]* sev_high", mermaid)


# ---------------------------------------------------------------------------
# Determinism


def shuffled(model: SystemModel, seed: int) -> SystemModel:
    rng = random.Random(seed)

    def perm(items: tuple[object, ...]) -> tuple[object, ...]:
        out = list(items)
        rng.shuffle(out)
        return tuple(out)

    return model.model_copy(
        update={
            "components": perm(model.components),
            "flows": perm(tuple(f.model_copy(update={"data": perm(f.data)}) for f in model.flows)),
            "boundaries": perm(model.boundaries),
            "data": perm(model.data),
        }
    )


CATALOGS = load_catalogs([RULES])
"""The built-in catalogs plus the test rules: realistic findings and every severity band."""
AS_OF = FIXED_DATE


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 1_000_000))
def test_fixture_output_ignores_list_order(seed: int) -> None:
    """Shuffling the fixture's components, flows, boundaries and data gives byte-identical DOT and Mermaid."""
    model = analyse_file(FIXTURE, CATALOGS).model
    before = analyse(model, CATALOGS.catalogs, as_of=AS_OF)
    after = analyse(shuffled(model, seed), CATALOGS.catalogs, as_of=AS_OF)
    assert render_dot(before) == render_dot(after)
    assert render_mermaid(before) == render_mermaid(after)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models(), st.integers(0, 1_000_000))
def test_generated_models_ignore_list_order(model: SystemModel, seed: int) -> None:
    """For generated models too, list order changes no byte of DOT, Mermaid or the overview."""
    before = analyse(model, CATALOGS.catalogs, as_of=AS_OF)
    after = analyse(shuffled(model, seed), CATALOGS.catalogs, as_of=AS_OF)
    assert render_dot(before) == render_dot(after)
    assert render_mermaid(before) == render_mermaid(after)
    overview = DiagramView(overview=True)
    assert render_dot(before, view=overview) == render_dot(after, view=overview)


def test_scene_is_frozen(fixture_assessment: Analysis) -> None:
    """Scenes are immutable values the TUI can cache."""
    scene = build_scene(fixture_assessment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scene.title = "x"  # type: ignore[misc]


def test_layout_budget_refuses_thousands_at_once() -> None:
    """A whole-model view of thousands of components is refused before Graphviz runs, with advice;
    the overview of the same model and a model of a few hundred fit the budget."""
    import time

    from threatmodel.errors import UsageError
    from threatmodel.export.diagram import LAYOUT_BUDGET, check_layout_budget, layout_cost

    big = bare(big_model(3000, 40))
    start = time.perf_counter()
    scene = build_scene(big, DiagramView(overview=False))
    with pytest.raises(UsageError) as caught:
        check_layout_budget(scene)
    assert time.perf_counter() - start < 2
    problem = caught.value.problems[0]
    assert "3000 boxes" in problem.message and f"limit {LAYOUT_BUDGET:,}" in problem.message
    assert problem.hint is not None and "--boundary" in problem.hint and "--focus" in problem.hint
    check_layout_budget(build_scene(big))  # the automatic overview fits
    assert layout_cost(build_scene(bare(big_model(300, 12)))) < LAYOUT_BUDGET
    # boundary-crossing arrows cost more than arrows inside one frame
    assert layout_cost(build_scene(bare(big_model(200, 1)))) < layout_cost(build_scene(bare(big_model(200, 12))))

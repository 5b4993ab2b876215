"""An agent and the tools it names in ``tools`` are linked both ways (decision 1880).

The agent's calls reach the tool and what the tool returns reaches the agent's context, whether or
not the model draws the return flow, so an agent whose browsing tool reads the open web is reached
by that web content. Drawing the flows explicitly gives the same findings as leaving them implied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import FIXED_DATE, MODEL_FILES
from threatmodel.engine.analysis import analyse
from threatmodel.engine.whynot import why_not
from threatmodel.graph import build_graph, call_pairs
from threatmodel.io.load import LoadedCatalogs, load_model, load_model_text
from threatmodel.model.system import SystemModel

BROWSING = """
schema_version: 1
system: {id: browsing, name: Browsing}
data:
  - {id: request, classification: internal}
  - {id: page, classification: public}
boundaries:
  - {id: web, trust: untrusted}
  - {id: device, trust: internal}
components:
  - {id: person, kind: human-user, population: employees, boundary: device}
  - {id: assistant, kind: agent, boundary: device, tools: [browser], data: [request]}
  - {id: browser, kind: tool, boundary: device, side_effects: [read-only], credentials: none}
  - {id: site, kind: external-service, boundary: web, untrusted_content: true, data: [page]}
flows:
  - {source: person, target: assistant, data: [request]}
  - {source: site, target: browser, data: [page]}
"""


def _model(text: str = BROWSING) -> SystemModel:
    return load_model_text(text, "browsing.yaml").model


def test_tools_join_an_agent_and_each_tool_it_names_both_ways() -> None:
    g = build_graph(_model())
    assert call_pairs(g.components) == (("assistant", "browser"),)
    assert "browser" in g.successors("assistant") and "assistant" in g.successors("browser")
    assert "assistant" in g.content_successors("browser")
    assert g.implied == frozenset({("assistant", "browser"), ("browser", "assistant")})


def test_drawn_flows_are_not_implied_and_implied_steps_say_why() -> None:
    drawn = BROWSING + "  - {source: assistant, target: browser, data: [request]}\n"
    g = build_graph(_model(drawn))
    assert g.implied == frozenset({("browser", "assistant")})
    assert g.implied_steps(("person", "assistant", "browser")) == []
    assert g.implied_steps(("site", "browser", "assistant")) == [
        "assistant names browser among its tools: its calls reach the tool, and what the tool returns reaches it"
    ]


def test_a_model_server_named_as_a_tool_is_worded_as_a_tool_call() -> None:
    """The wording follows the link, not the kinds: an agent calling a model server as its tool
    is a tool call, not a server hosting the agent. The loader refuses such a model (an agent's
    tools are tools or MCP servers), but the graph is also built from models made in code."""
    text = BROWSING.replace(
        "{id: browser, kind: tool, boundary: device, side_effects: [read-only], credentials: none}",
        "{id: browser, kind: model-serving, boundary: device}",
    )
    g = build_graph(SystemModel.model_validate(yaml.safe_load(text)))
    assert g.implied_steps(("site", "browser", "assistant")) == [
        "assistant names browser among its tools: its calls reach the tool, and what the tool returns reaches it"
    ]


def test_content_a_tool_returns_reaches_the_agent(builtin_catalogs: LoadedCatalogs) -> None:
    analysis = analyse(_model(), builtin_catalogs.catalogs, as_of=FIXED_DATE)
    found = {f.id: f for f in analysis.assessment.findings}
    finding = found["tm:agent-indirect-prompt-injection@assistant"]
    assert finding.path == ("site", "browser", "assistant")
    assert any(w.startswith("assistant names browser among its tools:") for w in finding.why)


def test_a_tool_reading_only_first_party_data_brings_no_injection(builtin_catalogs: LoadedCatalogs) -> None:
    internal = BROWSING.replace(
        "{id: site, kind: external-service, boundary: web, untrusted_content: true, data: [page]}",
        "{id: site, kind: datastore, boundary: device, provenance: first-party, untrusted_content: false,"
        " exposure: internal, data: [page]}",
    )
    internal = internal.replace(
        "side_effects: [read-only], credentials: none}",
        "side_effects: [read-only], credentials: none, exposure: internal, untrusted_content: false}",
    )
    model = _model(internal)
    analysis = analyse(model, builtin_catalogs.catalogs, as_of=FIXED_DATE)
    assert "tm:agent-indirect-prompt-injection@assistant" not in {f.id for f in analysis.assessment.findings}
    answer = why_not(analysis, "tm:agent-indirect-prompt-injection@assistant")
    assert not answer.applies
    assert any("untrusted" in r for r in answer.reasons)


def _with_return_flows_drawn(model: SystemModel) -> tuple[SystemModel, set[str]]:
    """``model`` with every implied agent-tool link drawn as a flow carrying no data; the keys of
    the flows added."""
    g = build_graph(model)
    links = {link for pair in call_pairs(g.components) for link in (pair, pair[::-1])}
    added = [{"source": a, "target": b} for a, b in sorted(g.implied & links)]
    flows = [f.model_dump(mode="json", exclude_defaults=True) for f in model.flows]
    drawn = model.model_copy(update={"flows": ()})
    data = drawn.model_dump(mode="json", exclude_defaults=True)
    data["flows"] = flows + added
    rebuilt = SystemModel.model_validate(data)
    keys = {f.key for f in rebuilt.flows} - {f.key for f in model.flows}
    return rebuilt, keys


def _implying() -> list[Path]:
    """The model files in which some agent-tool or delegation link is implied, not drawn."""
    return [path for path in MODEL_FILES if _with_return_flows_drawn(load_model(path).model)[1]]


IMPLYING = _implying()


def test_the_property_has_models_to_compare() -> None:
    """Some example or corpus models leave a return link undrawn (else the property checks nothing)."""
    assert len(IMPLYING) >= 10


@pytest.mark.parametrize("path", IMPLYING, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_drawing_the_implied_links_changes_no_finding_off_the_drawn_flows(
    path: Path, builtin_catalogs: LoadedCatalogs
) -> None:
    model = load_model(path).model
    drawn, keys = _with_return_flows_drawn(model)

    def pairs(m: SystemModel) -> set[tuple[str, str]]:
        findings = analyse(m, builtin_catalogs.catalogs, as_of=FIXED_DATE).assessment.findings
        return {(f.threat, e) for f in findings for e in f.elements if e not in keys}

    assert pairs(drawn) == pairs(model)

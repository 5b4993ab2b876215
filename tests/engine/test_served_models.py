"""A model reached only through the server that ``serves`` it (decision 1520).

The graph joins a ``model-serving`` component and each model it serves in both directions, as if
flows linked them; taint, ``reaches`` and explanations follow that link, and a path through it
says so. ``tainted`` with ``content_only`` skips flows that only hand over weights, adapters,
libraries or images.
"""

from __future__ import annotations

from tests.helpers import FIXED_DATE
from threatmodel.engine.analysis import analyse
from threatmodel.engine.whynot import why_not
from threatmodel.graph import build_graph, served_pairs
from threatmodel.io.load import LoadedCatalogs, load_model_text

SERVED = """
schema_version: 1
system: {id: served, name: Served}
data:
  - {id: question, classification: internal}
  - {id: weights, classification: public, artifact: model-weights, format: safetensors, integrity: none}
  - {id: pages, classification: public}
boundaries:
  - {id: web, trust: untrusted}
  - {id: corp, trust: internal}
components:
  - {id: visitors, kind: human-user, population: public, boundary: web}
  - {id: hub, kind: data-source, boundary: web, untrusted_content: true}
  - {id: server, kind: model-serving, boundary: corp, exposure: internal, serves: [llm]}
  - {id: llm, kind: llm, boundary: corp, exposure: internal}
  - {id: app, kind: application, boundary: corp, exposure: internet}
flows:
  - {source: visitors, target: app, data: [question]}
  - {source: app, target: server, data: [question]}
  - {source: hub, target: server, data: [weights]}
"""


def _graph(text: str = SERVED):  # type: ignore[no-untyped-def]
    return build_graph(load_model_text(text, "served.yaml").model)


def test_serves_joins_a_server_and_the_models_it_hosts_both_ways() -> None:
    g = _graph()
    assert served_pairs(g.components) == (("server", "llm"),)
    assert "llm" in g.successors("server") and "server" in g.successors("llm")
    assert "server" in g.predecessors("llm") and "llm" in g.predecessors("server")
    assert g.implied == frozenset({("server", "llm"), ("llm", "server")})


def test_drawn_flows_are_not_implied() -> None:
    drawn = SERVED.replace(
        "  - {source: hub, target: server, data: [weights]}",
        "  - {source: hub, target: server, data: [weights]}\n  - {source: server, target: llm, data: [question]}",
    )
    g = _graph(drawn)
    assert g.implied == frozenset({("llm", "server")})
    assert g.implied_steps(("app", "server", "llm")) == []
    assert g.implied_steps(("llm", "server", "app")) == [
        "server serves llm: what reaches the server reaches the model, and the model's output leaves through it"
    ]


def test_content_links_skip_flows_that_only_hand_over_artefacts_to_load() -> None:
    g = _graph()
    assert "server" in g.successors("hub")
    assert g.content_successors("hub") == ()
    assert g.content_successors("app") == ("server",)
    assert g.content_successors("server") == ("llm",)
    assert g.content_predecessors("server") == ("app", "llm")
    # a dataset is content: text and tables can carry planted instructions
    dataset = SERVED.replace("artifact: model-weights, format: safetensors", "artifact: dataset, format: csv")
    assert _graph(dataset).content_successors("hub") == ("server",)


def test_a_served_model_is_reached_by_what_reaches_its_server(builtin_catalogs: LoadedCatalogs) -> None:
    model = load_model_text(SERVED, "served.yaml").model
    analysis = analyse(model, builtin_catalogs.catalogs, as_of=FIXED_DATE)
    found = {f.id: f for f in analysis.assessment.findings}
    direct = found["tm:direct-prompt-injection@llm"]
    assert direct.path == ("visitors", "app", "server", "llm")
    assert any(w.startswith("server serves llm:") for w in direct.why)
    # the hub only supplies weights the server loads: no planted text reaches the model's context
    assert "tm:indirect-prompt-injection@llm" not in found
    answer = why_not(analysis, "tm:indirect-prompt-injection@llm")
    assert not answer.applies
    assert any("not counting weights, libraries or images it only loads" in r for r in answer.reasons)


def test_the_same_model_without_serves_is_not_reached(builtin_catalogs: LoadedCatalogs) -> None:
    alone = SERVED.replace("serves: [llm]", "serves: []")
    model = load_model_text(alone, "served.yaml").model
    analysis = analyse(model, builtin_catalogs.catalogs, as_of=FIXED_DATE)
    assert "tm:direct-prompt-injection@llm" not in {f.id for f in analysis.assessment.findings}

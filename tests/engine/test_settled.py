"""Settled by stated trust (decision 1720): stated facts answer unstated ones before rules read them.

A restricted boundary settles an unstated exposure as ``internal``; a store's stated writers (or a
stated first-party supplier with no writer drawn) settle who writes what it holds. The properties
check the semantics on generated models: settling only removes findings, and only findings that
rested on unknown facts; stating the settled value gives the same findings as settling it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE
from tests.property.strategies import system_models
from threatmodel.cli import cli
from threatmodel.engine import evaluate
from threatmodel.engine.match import Matcher
from threatmodel.engine.questions import open_questions
from threatmodel.graph import build_graph
from threatmodel.io.load import load_catalogs
from threatmodel.model.rules import Attr
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs([]).catalogs


def _model(components: list[dict[str, Any]], flows: list[dict[str, Any]], **extra: Any) -> SystemModel:
    return SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "boundaries": [
                {"id": "office", "trust": "internal"},
                {"id": "enclave", "trust": "restricted", "parent": "office"},
                {"id": "web", "trust": "untrusted"},
            ],
            "components": components,
            "flows": flows,
            **extra,
        }
    )


def _pairs(model: SystemModel, *, settle: bool = True) -> set[tuple[str, str]]:
    graph = build_graph(model, settle=settle)
    found = evaluate(model, CATALOGS, as_of=FIXED_DATE, graph=graph).findings
    return {(f.threat, e) for f in found for e in f.elements}


ENCLAVE_STORE = _model(
    [
        {"id": "staff", "kind": "human-user", "boundary": "office", "population": "employees"},
        {"id": "app", "kind": "application", "boundary": "office", "exposure": "internal"},
        {"id": "vectors", "kind": "vector-store", "boundary": "enclave", "data": ["notes"]},
    ],
    [{"source": "staff", "target": "app"}, {"source": "app", "target": "vectors", "data": ["notes"]}],
    data=[{"id": "notes", "classification": "confidential", "tags": ["pii"], "derived_from": []}],
)


def test_a_restricted_boundary_settles_an_unstated_exposure_as_internal() -> None:
    graph = build_graph(ENCLAVE_STORE)
    settled = graph.settled[("vectors", "exposure")]
    assert (settled.value, settled.because) == ("internal", "from the restricted boundary 'enclave'")
    assert graph.components["vectors"].exposure == "internal"
    assert ENCLAVE_STORE.components[2].exposure is None  # the model itself is never rewritten
    # the application sits in the internal zone only: an internal boundary settles nothing
    assert ("app", "exposure") not in graph.settled and "vectors" not in graph.untrusted_reasons


def test_settled_exposure_is_not_asked_and_the_explanation_names_the_boundary() -> None:
    assessment = evaluate(ENCLAVE_STORE, CATALOGS, as_of=FIXED_DATE)
    asked = {(q.element, q.attribute) for q in open_questions(assessment.findings)}
    assert ("vectors", "exposure") not in asked
    unsettled = evaluate(ENCLAVE_STORE, CATALOGS, as_of=FIXED_DATE, graph=build_graph(ENCLAVE_STORE, settle=False))
    assert ("vectors", "exposure") in {(q.element, q.attribute) for q in open_questions(unsettled.findings)}
    # a rule that reads the settled value says where it came from
    graph = build_graph(ENCLAVE_STORE)
    test = Attr.model_validate({"attr": {"name": "exposure", "in": ["internal", "none"]}})
    assert Matcher(graph).explain(test, "vectors").facts == (
        "who can reach vectors over a network: internal, settled from the restricted boundary 'enclave'",
    )


def test_a_flow_from_outside_into_the_enclave_leaves_the_exposure_open() -> None:
    """The drawing contradicts the enclave: an outsider sends straight into it."""
    model = _model(
        [
            {"id": "visitor", "kind": "human-user", "boundary": "web", "population": "public"},
            {"id": "vectors", "kind": "vector-store", "boundary": "enclave"},
        ],
        [{"source": "visitor", "target": "vectors"}],
    )
    assert not build_graph(model).settled


def test_a_partner_zone_inside_the_enclave_settles_nothing() -> None:
    model = _model(
        [{"id": "vectors", "kind": "vector-store", "boundary": "vendor"}, {"id": "app", "kind": "application"}],
        [{"source": "app", "target": "vectors"}],
    ).model_copy()
    data = model.model_dump(mode="json", exclude_none=True)
    data["boundaries"].append({"id": "vendor", "trust": "partner", "parent": "enclave"})
    assert not build_graph(SystemModel.model_validate(data)).settled


INDEX = [
    {"id": "pages", "kind": "data-source", "boundary": "office", "provenance": "first-party", "data": ["site"]},
    {"id": "index", "kind": "vector-store", "boundary": "office", "data": ["chunks"]},
    {"id": "portal", "kind": "application", "boundary": "office", "exposure": "internet"},
    {"id": "llm", "kind": "llm", "boundary": "office", "exposure": "internal"},
]
INDEX_FLOWS = [
    {"source": "pages", "target": "index", "data": ["site"]},
    {"source": "portal", "target": "index", "data": ["question"]},
    {"source": "index", "target": "portal", "data": ["chunks"]},
    {"source": "portal", "target": "llm", "data": ["question", "chunks"]},
]
INDEX_DATA = [
    {"id": "site", "classification": "public"},
    {"id": "question", "classification": "internal", "tags": ["user-content"]},
    {"id": "chunks", "classification": "public", "derived_from": ["site"]},
]


def test_stated_writers_settle_who_writes_an_index_and_a_query_is_not_a_write() -> None:
    graph = build_graph(_model(INDEX, INDEX_FLOWS, data=INDEX_DATA))
    assert graph.settled[("pages", "writers")].value == "the organisation"
    assert graph.settled[("index", "writers")].value == "pages"
    assert "index" not in graph.untrusted_reasons and "pages" not in graph.untrusted_reasons
    assert "portal" in graph.untrusted_reasons  # its stated internet exposure is not touched


def test_unknown_lineage_of_what_the_index_makes_counts_every_sender_as_a_writer() -> None:
    data = [dict(d) for d in INDEX_DATA]
    data[2].pop("derived_from")
    graph = build_graph(_model(INDEX, INDEX_FLOWS, data=data))
    assert ("index", "writers") not in graph.settled  # the portal may feed it, and outsiders reach the portal
    assert "index" in graph.untrusted_reasons


def test_a_tainted_writer_unsettles_the_store_it_writes() -> None:
    flows = [*INDEX_FLOWS, {"source": "portal", "target": "pages", "data": ["site"]}]
    graph = build_graph(_model(INDEX, flows, data=INDEX_DATA))
    assert not graph.settled


def test_a_pipeline_between_trusted_writers_and_an_index_settles_too() -> None:
    """A data pipeline of unstated reach holds what its senders give it while it works (held-out
    37's article indexing): with every sender trusted it is settled like a store, and so is the
    index it alone writes; a tainted sender leaves both open."""
    parts = [*INDEX, {"id": "indexing", "kind": "data-pipeline", "boundary": "office"}]
    flows = [{"source": "pages", "target": "indexing", "data": ["site"]}]
    flows += [{"source": "indexing", "target": "index", "data": ["chunks"]}, *INDEX_FLOWS[1:]]
    graph = build_graph(_model(parts, flows, data=INDEX_DATA))
    assert graph.settled[("indexing", "writers")].value == "pages"
    assert graph.settled[("index", "writers")].value == "indexing"
    assert "indexing" not in graph.untrusted_reasons and "index" not in graph.untrusted_reasons
    tainted = [*flows, {"source": "portal", "target": "indexing", "data": ["question"]}]
    graph = build_graph(_model(parts, tainted, data=INDEX_DATA))
    assert ("indexing", "writers") not in graph.settled and ("index", "writers") not in graph.settled
    assert "indexing" in graph.untrusted_reasons
    # only one in the organisation's own zone, with its senders drawn (review 29): a pipeline in
    # another party's zone writes what it hands on itself, and a crawler with no sender drawn says nothing
    # of where its content comes from, whoever wrote its code
    # (a partner's zone: an untrusted one makes the pipeline a source by itself, settled or not)
    zones = [{"id": "office", "trust": "internal"}, {"id": "vendor", "trust": "partner"}]
    outside = [*INDEX, {"id": "indexing", "kind": "data-pipeline", "boundary": "vendor"}]
    graph = build_graph(_model(outside, flows, data=INDEX_DATA, boundaries=zones))
    assert graph.untrusted_reasons["indexing"].startswith("who can reach")
    assert ("indexing", "writers") not in graph.settled and "indexing" in graph.untrusted_reasons
    crawler = [
        *INDEX,
        {
            "id": "indexing",
            "kind": "data-pipeline",
            "boundary": "office",
            "provenance": "first-party",
            "data": ["site"],
        },
    ]
    graph = build_graph(_model(crawler, flows[1:], data=INDEX_DATA))
    assert ("indexing", "writers") not in graph.settled and ("index", "writers") not in graph.settled


def test_a_trusted_boundary_does_not_make_a_supplier_known() -> None:
    """Trust of the zone says who reaches a component, not who supplied it."""
    graph = build_graph(ENCLAVE_STORE)
    assert graph.components["vectors"].provenance is None
    assert ("vectors", "provenance") not in graph.settled


def test_questions_lists_what_is_settled(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps(ENCLAVE_STORE.model_dump(mode="json", exclude_none=True)), encoding="utf-8")
    text = CliRunner().invoke(cli, ["questions", str(path)])
    assert text.exit_code == 0, text.output
    assert "who can reach vectors over a network: internal, from the restricted boundary 'enclave'" in text.output
    data = CliRunner().invoke(cli, ["questions", str(path), "-f", "json"])
    settled = json.loads(data.output)["settled"]
    assert {"element": "vectors", "attribute": "exposure", "value": "internal"}.items() <= settled[0].items()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models(), st.lists(st.integers(0, 10_000), max_size=6))
def test_settling_never_adds_a_finding_nor_removes_one_resting_on_stated_facts(
    model: SystemModel, picks: list[int]
) -> None:
    """Stating a settling fact never adds a finding; what it removes had rested on unknowns."""
    model = _unstate_exposure(model, picks)
    graph = build_graph(model, settle=False)
    unsettled = evaluate(model, CATALOGS, as_of=FIXED_DATE, graph=graph).findings
    settled = _pairs(model)
    assert settled <= {(f.threat, e) for f in unsettled for e in f.elements}
    certain = {(f.threat, e) for f in unsettled if not f.assumes for e in f.elements}
    assert certain <= settled


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models(), st.lists(st.integers(0, 10_000), max_size=6))
def test_settling_an_exposure_is_stating_it(model: SystemModel, picks: list[int]) -> None:
    """The findings of a model whose exposure is settled are those of the model that states it."""
    model = _unstate_exposure(model, picks)
    graph = build_graph(model)
    stated = model.model_dump(mode="json", exclude_none=True)
    for item in stated["components"]:
        if (item["id"], "exposure") in graph.settled:
            item["exposure"] = graph.settled[(item["id"], "exposure")].value
    assert _pairs(model) == _pairs(SystemModel.model_validate(stated))


def _unstate_exposure(model: SystemModel, picks: list[int]) -> SystemModel:
    """``model`` with the exposure of some components (and of every component in a restricted
    zone, so settling has something to do) left unstated."""
    data = model.model_dump(mode="json", exclude_none=True)
    restricted = {b["id"] for b in data["boundaries"] if b["trust"] == "restricted"}
    components = data["components"]
    for i, item in enumerate(components):
        if item.get("boundary") in restricted or any(p % max(len(components), 1) == i for p in picks):
            item.pop("exposure", None)
    return SystemModel.model_validate(data)


def test_a_first_party_store_that_states_nothing_it_holds_keeps_its_reach_open() -> None:
    """First-party says who supplies what a store holds; with nothing stated held, who can write
    it is still a question of its reach (the training-data-poisoning case relies on it)."""
    components = [dict(c) for c in INDEX]
    components[0].pop("data")
    graph = build_graph(_model(components, INDEX_FLOWS, data=INDEX_DATA))
    assert ("pages", "writers") not in graph.settled and "pages" in graph.untrusted_reasons
    assert ("index", "writers") not in graph.settled  # its only writer is an open source


def test_settling_a_deep_enclave_is_linear() -> None:
    """Hostile nesting: 2,000 boundaries deep under a restricted root, 2,000 components in the
    innermost, each sending to the next; each chain is walked once, not once per component."""
    import time

    n = 2000
    boundaries = [{"id": "b0", "trust": "restricted"}] + [
        {"id": f"b{i}", "trust": "internal", "parent": f"b{i - 1}"} for i in range(1, n)
    ]
    components = [{"id": f"c{i}", "kind": "datastore", "boundary": f"b{n - 1}"} for i in range(n)]
    flows = [{"source": f"c{i}", "target": f"c{i + 1}"} for i in range(n - 1)]
    model = SystemModel.model_validate(
        {"system": {"id": "s", "name": "S"}, "boundaries": boundaries, "components": components, "flows": flows}
    )
    start = time.perf_counter()
    graph = build_graph(model)
    assert time.perf_counter() - start < 2
    assert len(graph.settled) == n

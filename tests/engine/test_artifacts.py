"""Artefacts carried as data (issue 9, gap 3): what counts as one, where it is loaded and shipped,
how the ``artifacts`` predicate reads its facts, and how unknown artefact facts become questions."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import check_catalogs
from threatmodel.engine.questions import open_questions
from threatmodel.graph import build_graph
from threatmodel.io.load import LoadedCatalogs
from threatmodel.model.catalog import Catalog
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import Artifact

MODEL = """
system: {id: artefacts, name: Artefacts}
data:
  - {id: hub-weights, classification: public, tags: [model-weights]}
  - {id: own-weights, classification: confidential, artifact: model-weights, provenance: first-party, format: joblib, integrity: signature-verified}
  - {id: lora, classification: confidential, artifact: adapter, format: safetensors, integrity: none}
  - {id: corpus, classification: internal, tags: [training-data]}
  - {id: notes, classification: internal, tags: [pii]}
  - {id: stored-weights, classification: confidential, artifact: model-weights}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: corp, trust: internal}
  - {id: partners, trust: partner}
components:
  - {id: hub, kind: model-registry, boundary: internet, provenance: community}
  - {id: registry, kind: model-registry, boundary: corp, provenance: first-party}
  - {id: trainer, kind: training-job, boundary: corp, produces: model, exposure: none}
  - {id: model, kind: ml-model, boundary: corp, trained_on: [notes], output: label}
  - {id: server, kind: model-serving, boundary: corp, serves: [model], data: [stored-weights]}
  - {id: partner, kind: application, boundary: partners}
  - {id: crm, kind: datastore, boundary: corp, data: [notes]}
flows:
  - {source: hub, target: trainer, data: [hub-weights, corpus]}
  - {source: trainer, target: registry, data: [own-weights]}
  - {source: registry, target: server, data: [own-weights, lora]}
  - {source: trainer, target: partner, data: [own-weights]}
  - {source: crm, target: server, data: [notes]}
"""

BASE_CATALOG: dict[str, Any] = {
    "id": "t",
    "title": "test",
    "version": "1",
    "published": "2026-01-01",
    "source": "https://example.org/t",
    "licence": "test data",
}


def _model() -> SystemModel:
    return SystemModel.model_validate(yaml.safe_load(MODEL))


def _catalog(when: dict[str, Any]) -> Catalog:
    return Catalog.model_validate(
        {
            **BASE_CATALOG,
            "threats": [
                {
                    "id": "x",
                    "title": "X",
                    "summary": "s",
                    "scenario": "{source} and {path}",
                    "when": when,
                    "likelihood": 3,
                    "impact": 3,
                    "lifecycle": ["deployment"],
                }
            ],
        }
    )


def fired(when: dict[str, Any]) -> list[str]:
    catalog = _catalog(when)
    assert check_catalogs([catalog]) == []
    return sorted(f.target for f in evaluate(_model(), [catalog], as_of=FIXED_DATE).findings)


def test_artefact_kind_comes_from_the_field_then_the_tags() -> None:
    """`artifact` decides; unset, the model-weights and training-data tags stand in; other data is no artefact."""
    g = build_graph(_model())
    assert g.artifact_kind("lora") is Artifact.ADAPTER
    assert g.artifact_kind("hub-weights") is Artifact.MODEL_WEIGHTS
    assert g.artifact_kind("corpus") is Artifact.DATASET
    assert g.artifact_kind("notes") is None


def test_flows_propagate_artefacts_to_the_component_that_loads_them() -> None:
    """A flow's artefacts are loaded by its target and shipped by its source; held ones have no peer;
    a model ships what the job that produces it ships, and plain data never counts."""
    g = build_graph(_model())
    assert g.artifacts("server", "in") == (
        ("lora", "registry", "server"),
        ("own-weights", "registry", "server"),
        ("stored-weights", None, "server"),
    )
    assert g.artifacts("trainer", "in") == (("corpus", "hub", "trainer"), ("hub-weights", "hub", "trainer"))
    assert g.artifacts("trainer", "out") == (
        ("own-weights", "partner", "trainer"),
        ("own-weights", "registry", "trainer"),
    )
    # the model ships what its job ships, and what the registry the job wrote to hands on of the
    # same asset (decision 1892); the registry's adapter is another asset and is not followed
    assert g.artifacts("model", "out") == (*g.artifacts("trainer", "out"), ("own-weights", "server", "registry"))
    assert g.artifacts("crm", "out") == ()


RELAYS = """
system: {id: relays, name: Relays}
data:
  - {id: weights, classification: confidential, artifact: model-weights, provenance: first-party}
  - {id: other-weights, classification: confidential, artifact: model-weights, provenance: first-party, derived_from: []}
  - {id: exported, classification: confidential, artifact: model-weights}
  - {id: adapter, classification: confidential, artifact: adapter}
boundaries:
  - {id: lab, trust: internal}
  - {id: outside, trust: partner}
components:
  - {id: job, kind: training-job, boundary: lab, produces: model}
  - {id: model, kind: llm, boundary: lab, hosting: self-hosted, provenance: first-party}
  - {id: bucket, kind: datastore, boundary: lab}
  - {id: mirror, kind: model-registry, boundary: lab}
  - {id: server, kind: model-serving, boundary: lab}
  - {id: partner-server, kind: model-serving, boundary: outside}
flows:
  - {source: job, target: bucket, data: [weights]}
  - {source: bucket, target: mirror, data: [weights]}
  - {source: mirror, target: bucket, data: [weights]}
  - {source: mirror, target: partner-server, data: [weights, other-weights, exported, adapter]}
  - {source: server, target: partner-server, data: [weights]}
  - {source: bucket, target: server, data: [weights]}
"""


def test_weights_are_followed_through_stores_that_hand_them_on() -> None:
    """Through a chain of stores (with a cycle between two), the same asset, or weights a store
    ships that nothing brings it and whose lineage is unknown (made from what it was handed,
    decision 1928); not weights stated to derive from nothing else, not an artefact of another
    kind, and never through a component that runs it (a server's own shipping is its own)."""
    g = build_graph(SystemModel.model_validate(yaml.safe_load(RELAYS)))
    assert g.artifacts("model", "out") == (
        ("exported", "partner-server", "mirror"),
        ("weights", "bucket", "job"),
        ("weights", "bucket", "mirror"),
        ("weights", "mirror", "bucket"),
        ("weights", "partner-server", "mirror"),
        ("weights", "server", "bucket"),
    )


def test_weights_made_by_a_store_are_an_assumption_that_is_asked() -> None:
    """Weights counted as the model's only because their lineage is unknown are said so and asked
    (decision 1928, review 23): the finding assumes what the published asset is made from."""
    catalog = _catalog({"artifacts": {"direction": "out", "peer": {"boundary_trust": ["partner"]}}})
    findings = evaluate(SystemModel.model_validate(yaml.safe_load(RELAYS)), [catalog], as_of=FIXED_DATE).findings
    (model,) = [f for f in findings if f.target == "model"]
    assert ("exported", "derived_from") in {(a.element, a.attribute) for a in model.assumes}
    assert any("is made from: not stated, read as made from those weights" in fact for fact in model.why)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"artifacts": {}}, ["partner", "registry", "server", "trainer"]),
        ({"artifacts": {"kinds": ["adapter"]}}, ["server"]),
        ({"artifacts": {"kinds": ["dataset"]}}, ["trainer"]),
        # hub-weights' format is unknown: the conservative reading counts it
        (
            {"artifacts": {"where": {"attr": {"name": "format", "equals": "joblib"}}}},
            ["partner", "registry", "server", "trainer"],
        ),
        (
            {"artifacts": {"where": {"attr": {"name": "format", "equals": "joblib", "unknown": "no-match"}}}},
            ["partner", "registry", "server"],
        ),
        ({"artifacts": {"peer": {"boundary_trust": ["untrusted"]}}}, ["trainer"]),
        ({"artifacts": {"direction": "out", "peer": {"boundary_trust": ["partner"]}}}, ["model", "trainer"]),
        # one artefact must pass both: lora comes from the registry but is not verified
        (
            {
                "artifacts": {
                    "kinds": ["adapter"],
                    "where": {"attr": {"name": "integrity", "equals": "signature-verified"}},
                    "peer": {"kind": ["model-registry"]},
                }
            },
            [],
        ),
    ],
    ids=[
        "any",
        "kinds",
        "dataset-by-tag",
        "where-unknown-matches",
        "where-unknown-no-match",
        "peer",
        "shipped",
        "one-artefact",
    ],
)
def test_artifacts_predicate(when: dict[str, Any], expected: list[str]) -> None:
    """Each part of the predicate narrows which artefacts count; all parts must hold for one artefact."""
    assert fired(when) == expected


def test_unknown_artefact_facts_are_assumed_and_asked() -> None:
    """An unknown format reads as possibly pickled; the finding says so and asks about the asset."""
    when = {
        "all": [
            {"kind": ["training-job"]},
            {
                "artifacts": {
                    "kinds": ["model-weights"],
                    "where": {"attr": {"name": "format", "in": ["pickle", "pytorch"]}},
                }
            },
        ]
    }
    catalog = _catalog(when)
    assessment = evaluate(_model(), [catalog], as_of=FIXED_DATE)
    (finding,) = assessment.findings
    assert finding.target == "trainer"
    assert [(a.element, a.attribute) for a in finding.assumes] == [("hub-weights", "format")]
    assert any("how hub-weights is serialised: not stated" in fact for fact in finding.why)
    assert finding.path == ("hub", "trainer")
    assert finding.scenario.startswith("hub and hub → trainer")
    (question,) = open_questions(assessment.findings)
    assert question.question.startswith("state how hub-weights is serialised")

    stated = yaml.safe_load(MODEL)
    stated["data"][0]["format"] = "safetensors"
    quiet = evaluate(SystemModel.model_validate(stated), [catalog], as_of=FIXED_DATE)
    assert quiet.findings == ()


@pytest.mark.parametrize(
    ("when", "needle"),
    [
        (
            {"artifacts": {"where": {"attr": {"name": "weights_format", "equals": "pickle"}}}},
            "unknown attribute 'weights_format' for a data asset",
        ),
        ({"artifacts": {"where": {"kind": ["llm"]}}}, "cannot test an artefact"),
        (
            {"artifacts": {"peer": {"attr": {"name": "integrity", "equals": "none"}}}},
            "unknown attribute 'integrity' for a component",
        ),
    ],
    ids=["component-attribute-on-asset", "graph-predicate-on-asset", "asset-attribute-on-peer"],
)
def test_artifacts_predicate_is_checked_when_the_catalog_loads(when: dict[str, Any], needle: str) -> None:
    """`where` is judged on a data asset and `peer` on a component; a test of the wrong one is a load error."""
    rendered = " ".join(
        f"{i.message} {i.hint}" for i in check_catalogs([_catalog({"all": [{"kind": ["model-serving"]}, when]})])
    )
    assert needle in rendered


def test_weights_shipped_to_a_partner_raise_white_box_attacks(builtin_catalogs: LoadedCatalogs) -> None:
    """A model trained on personal data whose weights go to a partner gets membership inference and
    inversion with the recipient named, though nobody can query it."""
    findings = evaluate(_model(), builtin_catalogs.catalogs, as_of=FIXED_DATE).findings
    white_box = {f.threat: f for f in findings if f.target == "model"}
    for threat in ("tm:membership-inference", "tm:model-inversion"):
        finding = white_box[threat]
        assert finding.path == ("trainer", "partner")
        assert "partner" in finding.scenario
        assert any("ships own-weights" in fact for fact in finding.why)


def test_a_relay_handing_on_thousands_is_walked_once() -> None:
    """A hostile model: a job ships thousands of weight files to a registry that publishes
    thousands of others of unknown lineage. Each relay's table is made once and the walk visits
    each (relay, asset) once for all the job's files, so the work grows with the flows' data, not
    with its square (review of session 22: the per-file walk took 32 s at 2,500 x 2,500)."""
    n = 300
    data = [{"id": f"w{i}", "artifact": "model-weights"} for i in range(n)]
    data += [{"id": f"p{i}", "artifact": "model-weights"} for i in range(n)]
    model = SystemModel.model_validate(
        {
            "system": {"id": "bomb", "name": "Bomb"},
            "data": data,
            "components": [
                {"id": "job", "kind": "training-job", "produces": "m"},
                {"id": "m", "kind": "llm", "provenance": "first-party"},
                {"id": "reg", "kind": "model-registry"},
                {"id": "hub", "kind": "external-service"},
            ],
            "flows": [
                {"source": "job", "target": "reg", "data": [f"w{i}" for i in range(n)]},
                {"source": "reg", "target": "hub", "data": [f"p{i}" for i in range(n)]},
            ],
        }
    )
    g = build_graph(model)
    walks: list[int] = []
    real = g._relayed

    def counted(starts: Any, shipped: Any) -> Any:
        found = real(starts, shipped)
        walks.append(len(found))
        return found

    g._relayed = counted  # type: ignore[method-assign]
    shipped = g.artifacts("m", "out")
    assert len(shipped) == 2 * n  # every file the job wrote, every file the registry publishes
    assert {d for d, _, holder in shipped if holder == "reg"} == {f"p{i}" for i in range(n)}
    # one walk for all the job's files, finding each published file once (a walk per file found
    # all n published files n times over)
    assert walks == [n]
    assert g.artifacts("m", "out") is shipped  # kept on the graph: asked again, not walked again
    assert walks == [n]

"""Links resting on an unstated lineage are assumptions, not facts either way (decision 1934).

Weights an evaluation reads through a file a registry hands on with no stated lineage may be the
model's: ``loads_weights_of`` holds under the reading in the threat's favour and the finding asks
the file's ``derived_from``. Federated updates whose lineage is unstated may be made from what the
participant's job learns from: ``learnt`` counts those records the same way. Stating the lineage
settles both."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import FIXED_DATE, catalog_of
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import check_catalogs
from threatmodel.engine.questions import open_questions
from threatmodel.graph import build_graph
from threatmodel.model.catalog import Catalog
from threatmodel.model.system import SystemModel

LAB = """
system: {id: lab, name: Lab}
data:
  - {id: checkpoint, classification: internal, artifact: model-weights}
  - {id: candidate, classification: internal, artifact: model-weights}
  - {id: scores, classification: internal}
components:
  - {id: trainer, kind: training-job, produces: chat}
  - {id: chat, kind: llm}
  - {id: registry, kind: model-registry, data: [candidate]}
  - {id: release-eval, kind: evaluation, exposure: internal}
  - {id: direct-eval, kind: evaluation, exposure: internal}
  - {id: dashboard, kind: application}
flows:
  - {source: trainer, target: registry, data: [checkpoint]}
  - {source: registry, target: release-eval, data: [candidate]}
  - {source: registry, target: direct-eval, data: [checkpoint, candidate]}
  - {source: registry, target: dashboard, data: [scores]}
"""

FEDERATION = """
system: {id: fed, name: Federation}
data:
  - {id: site-records, classification: restricted, tags: [training-data, phi]}
  - {id: site-keys, tags: [credentials]}
  - {id: update, artifact: model-weights}
  - {id: global-weights, artifact: model-weights}
components:
  - {id: site-data, kind: dataset, data: [site-records]}
  - {id: site-trainer, kind: training-job, data: [site-keys]}
  - {id: relay, kind: api-gateway}
  - {id: aggregator, kind: training-job, federated: true, produces: global-model}
  - {id: central, kind: training-job, produces: central-model}
  - {id: global-model, kind: ml-model, exposure: internal}
  - {id: central-model, kind: ml-model}
flows:
  - {source: site-data, target: site-trainer, data: [site-records]}
  - {source: site-trainer, target: relay, data: [update]}
  - {source: relay, target: aggregator, data: [update]}
  - {source: relay, target: central, data: [update]}
  - {source: aggregator, target: site-trainer, data: [global-weights]}
"""


def _graph(text: str, **edits: Any) -> Any:
    raw = yaml.safe_load(text)
    for asset in raw["data"]:
        asset.update(edits.get(asset["id"], {}))
    return build_graph(SystemModel.model_validate(raw))


def _catalog(when: dict[str, Any]) -> Catalog:
    threat = {"id": "x", "title": "X", "summary": "s", "scenario": "{target}", "likelihood": 3, "impact": 3}
    return catalog_of({**threat, "when": when, "lifecycle": ["deployment"]})


def _findings(text: str, when: dict[str, Any], **edits: Any) -> dict[str, Any]:
    raw = yaml.safe_load(text)
    for asset in raw["data"]:
        asset.update(edits.get(asset["id"], {}))
    catalog = _catalog(when)
    assert check_catalogs([catalog]) == []
    found = evaluate(SystemModel.model_validate(raw), [catalog], as_of=FIXED_DATE).findings
    return {f.target: f for f in found}


LOADS_CHAT = {"all": [{"kind": ["evaluation"]}, {"linked": {"via": "loads_weights_of", "where": {"kind": ["llm"]}}}]}


def test_a_relayed_file_of_unstated_lineage_is_a_possible_link_not_a_known_one() -> None:
    graph = _graph(LAB)
    # known links: the checkpoint the job wrote, whichever way it leaves the registry
    assert graph.linked("direct-eval", "loads_weights_of") == ("chat",)
    assert graph.linked("release-eval", "loads_weights_of") == ()
    # the registry's own file may be the checkpoint: a possible link, with the file and the relay
    assert graph.weights_by_unknown_lineage("release-eval") == {"chat": ("candidate", "registry")}
    # a component already known to load the model has no possible link to add
    assert graph.weights_by_unknown_lineage("direct-eval") == {}
    assert graph.weights_by_unknown_lineage("dashboard") == {}
    # stated collected as is, or made from something else: no link of either kind
    assert _graph(LAB, candidate={"derived_from": []}).weights_by_unknown_lineage("release-eval") == {}


def test_a_link_resting_on_an_unstated_lineage_is_raised_assumed_and_asked() -> None:
    found = _findings(LAB, LOADS_CHAT)
    assert sorted(found) == ["direct-eval", "release-eval"]
    possible, known = found["release-eval"], found["direct-eval"]
    assert {(a.element, a.attribute) for a in possible.assumes} == {("candidate", "derived_from")}
    assert any(
        "release-eval loads candidate, which registry hands on with no flow bringing it there and no stated "
        "lineage: read as made from the weights of chat" in fact
        for fact in possible.why
    )
    # a known link rests on nothing
    assert not known.assumes
    (question,) = open_questions(found.values())
    assert (question.element, question.attribute, question.findings) == (
        "candidate",
        "derived_from",
        ("t:x@release-eval",),
    )
    # answered: the file is not the model's
    assert sorted(_findings(LAB, LOADS_CHAT, candidate={"derived_from": []})) == ["direct-eval"]
    # a rule spelling out its own reading keeps it in both readings
    strict = {
        "all": [
            {"kind": ["evaluation"]},
            {"linked": {"via": "loads_weights_of", "unknown": "no-match", "where": {"kind": ["llm"]}}},
        ]
    }
    assert sorted(_findings(LAB, strict)) == ["direct-eval"]


def test_a_negated_link_reads_the_unstated_lineage_against_the_link_and_says_so() -> None:
    when = {
        "all": [{"kind": ["evaluation"]}, {"not": {"linked": {"via": "loads_weights_of", "where": {"kind": ["llm"]}}}}]
    }
    found = _findings(LAB, when)
    # the evaluation that surely loads chat is left out; the one that may load it is kept, assumed
    assert sorted(found) == ["release-eval"]
    finding = found["release-eval"]
    assert ("candidate", "derived_from") in {(a.element, a.attribute) for a in finding.assumes}
    assert any("read as not made from the weights of chat" in fact for fact in finding.why)
    # answered the other way (the file is the checkpoint): the negation fails
    assert sorted(_findings(LAB, when, candidate={"derived_from": ["checkpoint"]})) == []


def test_unknown_reads_only_loads_weights_of() -> None:
    catalog = _catalog({"linked": {"via": "tools", "unknown": "match", "where": {"kind": ["mcp-server"]}}})
    (issue,) = check_catalogs([catalog])
    assert "'unknown' reads an unstated link of 'loads_weights_of' only, not of 'tools'" in issue.message


def test_federated_updates_of_unstated_lineage_may_carry_the_participants_records() -> None:
    graph = _graph(FEDERATION)
    # not a fact: nothing is learnt for sure through the update
    assert graph.data_learnt("global-model") == ()
    # a possible one: what the participant's job that sends it learns from (not its keys), even
    # through a relay
    assert graph.data_learnt_by_unknown_lineage("global-model") == {"site-records": ("update", "site-trainer")}
    # a job not stated federated loads the weights it is sent: nothing learnt, surely or possibly
    assert graph.data_learnt_by_unknown_lineage("central-model") == {}
    # stated lineage settles it either way
    assert _graph(FEDERATION, update={"derived_from": []}).data_learnt_by_unknown_lineage("global-model") == {}
    stated = _graph(FEDERATION, update={"derived_from": ["site-records"]})
    assert stated.data_learnt("global-model") == ("site-records",)
    assert stated.data_learnt_by_unknown_lineage("global-model") == {}


@pytest.mark.parametrize(
    ("edits", "assumed"),
    [
        ({}, {("update", "derived_from")}),
        ({"update": {"derived_from": ["site-records"]}}, set()),
    ],
    ids=["unstated", "stated"],
)
def test_learnt_through_updates_of_unstated_lineage_is_assumed_and_asked(
    edits: dict[str, Any], assumed: set[tuple[str, str]]
) -> None:
    when = {"all": [{"kind": ["ml-model"]}, {"data": {"learnt": True, "tags_any": ["phi"]}}]}
    finding = _findings(FEDERATION, when, **edits)["global-model"]
    assert {(a.element, a.attribute) for a in finding.assumes} == assumed
    said = "which data assets update is made from: not stated, read as made from what site-trainer learns from, which sends it"
    assert any(said in fact for fact in finding.why) == bool(assumed)
    assert "global-model" not in _findings(FEDERATION, when, update={"derived_from": []})


# -- review 27 -------------------------------------------------------------------------------

SHAPES = """
system: {id: fed2, name: Federations}
data:
  - {id: records, classification: restricted, tags: [training-data, phi]}
  - {id: local-weights, artifact: model-weights, derived_from: [records]}
  - {id: update, artifact: model-weights, derived_from: [local-weights]}
  - {id: regional-update, artifact: model-weights}
  - {id: site-update, artifact: model-weights}
  - {id: masked, artifact: model-weights}
  - {id: aggregate, artifact: model-weights}
  - {id: vendor-base, artifact: model-weights, provenance: vendor}
components:
  - {id: site, kind: training-job, data: [records]}
  - {id: agg, kind: training-job, federated: true, produces: model-a}
  - {id: model-a, kind: ml-model}
  - {id: regional, kind: training-job, federated: true}
  - {id: top, kind: training-job, federated: true, produces: model-b}
  - {id: model-b, kind: ml-model}
  - {id: local-job, kind: training-job, produces: local-model}
  - {id: local-model, kind: ml-model, trained_on: [records]}
  - {id: secure-agg, kind: data-pipeline}
  - {id: agg-c, kind: training-job, federated: true, produces: model-c}
  - {id: model-c, kind: ml-model}
  - {id: agg-d, kind: training-job, federated: true, produces: model-d}
  - {id: model-d, kind: ml-model}
flows:
  - {source: site, target: agg, data: [update]}
  - {source: site, target: regional, data: [site-update]}
  - {source: regional, target: top, data: [regional-update]}
  - {source: local-job, target: secure-agg, data: [masked]}
  - {source: secure-agg, target: agg-c, data: [aggregate]}
  - {source: site, target: agg-d, data: [vendor-base]}
"""


def test_federated_lineage_is_followed_through_weights_relays_and_hierarchies() -> None:
    graph = _graph(SHAPES)
    # stated: an update made from the site's local weights, made from its records
    assert graph.data_learnt("model-a") == ("records",)
    # unstated, up a hierarchy: the regional aggregator's update may carry what its sites sent
    assert graph.data_learnt_by_unknown_lineage("model-b") == {"records": ("regional-update", "regional")}
    # unstated, through a secure-aggregation pipeline: the jobs sending it weights are the
    # participants, and what a job's model is stated trained on is what the job learns
    assert graph.data_learnt_by_unknown_lineage("model-c") == {"records": ("aggregate", "local-job")}
    # weights stated a vendor's are no participant's update
    assert graph.data_learnt("model-d") == ()
    assert graph.data_learnt_by_unknown_lineage("model-d") == {}


def test_a_file_stated_another_partys_is_no_possible_link() -> None:
    stated = _graph(LAB, candidate={"provenance": "vendor"})
    assert stated.weights_by_unknown_lineage("release-eval") == {}
    assert stated.linked("release-eval", "loads_weights_of") == ()


def test_a_negation_spelling_out_its_reading_rests_on_no_question() -> None:
    """A rule that reads only known links in its ``not`` (``unknown: no-match``) does not make its
    finding rest on the lineage when the finding holds whatever the answer (review 27)."""
    when = {
        "all": [
            {"kind": ["evaluation"]},
            {"not": {"linked": {"via": "loads_weights_of", "unknown": "no-match", "where": {"kind": ["llm"]}}}},
        ]
    }
    finding = _findings(LAB, when)["release-eval"]
    assert finding.assumes == ()
    assert not any("read as not made from" in fact for fact in finding.why)


def test_every_reader_of_outsiders_content_follows_content_only() -> None:
    """Weights a job hands on carry no text into a model's context: each ``tainted`` test over the
    anchored content sources follows content flows only (review 27: a dataset trained into weights
    is not prompt-time input)."""
    from pydantic import BaseModel

    from threatmodel.io.load import load_catalogs
    from threatmodel.model.rules import Tainted

    def readers(value: object) -> list[Tainted]:
        if isinstance(value, Tainted):
            return [value]
        if isinstance(value, (list, tuple)):
            return [t for item in value for t in readers(item)]
        if isinstance(value, BaseModel):
            return [t for name in type(value).model_fields for t in readers(getattr(value, name))]
        return []

    library = next(c for c in load_catalogs().catalogs if c.id == "tm")
    # the anchored list, as indirect prompt injection (its first reader) names it
    injection = next(t for t in library.threats if t.id == "indirect-prompt-injection")
    anchored = readers(injection)[0].tainted.source_kinds
    assert "dataset" in anchored
    found = [t for threat in library.threats for t in readers(threat) if t.tainted.source_kinds == anchored]
    assert len(found) >= 40
    assert all(t.tainted.content_only for t in found)


def test_every_update_of_unstated_lineage_up_a_hierarchy_is_asked() -> None:
    """Records that reach a model through two aggregators' updates, neither stating its lineage,
    rest on both: each answer can remove the finding, so both are asked (review 27)."""
    when = {"all": [{"kind": ["ml-model"]}, {"data": {"learnt": True, "tags_any": ["phi"]}}]}
    finding = _findings(SHAPES, when)["model-b"]
    asked = {(a.element, a.attribute) for a in finding.assumes}
    assert {("regional-update", "derived_from"), ("site-update", "derived_from")} <= asked
    assert "model-b" not in _findings(SHAPES, when, **{"site-update": {"derived_from": []}})

"""Findings about people relying on output sit on the element whose output they rely on (decision
1510): the agent, the model, or the application that acts on a score; who relies on it is named."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import check_catalogs
from threatmodel.engine.gate import baseline_severity
from threatmodel.io.load import load_catalogs
from threatmodel.model.base import Severity
from threatmodel.model.catalog import Catalog, GroupBy
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()
KNOWN = {"provenance": "first-party", "exposure": "internal"}
OVERTRUST = "tm:agent-output-overtrust"
ANSWERS = "tm:generated-answer-reliance"
SCORES = "tm:unreviewed-score-reliance"


def _assess(components: list[dict[str, Any]], flows: list[tuple[str, str]], **extra: Any) -> Assessment:
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "boundaries": [{"id": "corp", "trust": "internal"}],
            "components": [{"boundary": "corp", **c} for c in components],
            "flows": [{"source": a, "target": b} for a, b in flows],
            **extra,
        }
    )
    return evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE)


def _by_id(a: Assessment) -> dict[str, Finding]:
    return {f.id: f for f in a.findings}


# Staff and customers both act on what one agent reports; the agent reads web pages anyone can write.
AGENT: list[dict[str, Any]] = [
    {"id": "staff", "kind": "human-user", "population": "employees", "name": "Claims staff"},
    {"id": "customers", "kind": "human-user", "population": "customers", "name": "Policyholders"},
    {"id": "desk", "kind": "application", "output_use": ["display-text"], **KNOWN},
    {"id": "helper", "kind": "agent", "tools": ["web"], "name": "Claims helper", **KNOWN},
    {"id": "web", "kind": "tool", "untrusted_content": True, "side_effects": ["read-only"], **KNOWN},
]
AGENT_FLOWS = [
    ("staff", "desk"),
    ("desk", "helper"),
    ("helper", "desk"),
    ("desk", "staff"),
    ("helper", "web"),
    ("web", "helper"),
    ("helper", "customers"),
]


def test_people_trusting_an_agent_is_one_finding_on_the_agent_naming_them() -> None:
    findings = _by_id(_assess(AGENT, AGENT_FLOWS))
    f = findings[f"{OVERTRUST}@helper"]
    assert f.target == "helper" and f.target_name == "Claims helper"
    assert f.affected == ("customers", "helper", "staff")
    assert f.aliases == (f"{OVERTRUST}@customers", f"{OVERTRUST}@staff")
    assert "Claims staff" in f.root_cause and "Policyholders" in f.root_cause
    assert f.scenario.startswith("Policyholders and Claims staff act on what Claims helper reports")
    assert not any(fid.startswith(f"{OVERTRUST}@") and fid != f"{OVERTRUST}@helper" for fid in findings)


def test_a_decision_on_every_relying_person_carries_over_and_one_on_some_does_not() -> None:
    accepted = {"status": "accepted", "justification": "Staff are trained to verify reports", "owner": "risk"}
    both = {f"{OVERTRUST}@staff": accepted, f"{OVERTRUST}@customers": accepted}
    a = _assess(AGENT, AGENT_FLOWS, triage=both)
    assert _by_id(a)[f"{OVERTRUST}@helper"].status.value == "accepted"
    assert {d.code for d in a.diagnostics} >= {"TM204"}
    one = _assess(AGENT, AGENT_FLOWS, triage={f"{OVERTRUST}@staff": accepted})
    assert _by_id(one)[f"{OVERTRUST}@helper"].status.value == "open"
    tm204 = [d.message for d in one.diagnostics if d.code == "TM204"]
    assert tm204 and "customers" in tm204[0] and "helper," not in tm204[0]


def test_generated_answers_shown_by_two_applications_sit_on_the_model() -> None:
    components = [
        {"id": "staff", "kind": "human-user", "population": "employees"},
        {"id": "portal", "kind": "application", "human_review": "none", **KNOWN},
        {"id": "kiosk", "kind": "application", "human_review": "none", **KNOWN},
        {"id": "llm", "kind": "llm", "output": "text", "weights_format": "safetensors", **KNOWN},
    ]
    flows = [("staff", "portal"), ("portal", "llm"), ("llm", "portal"), ("portal", "staff")]
    flows += [("staff", "kiosk"), ("kiosk", "llm"), ("llm", "kiosk"), ("kiosk", "staff")]
    f = _by_id(_assess(components, flows))[f"{ANSWERS}@llm"]
    assert f.affected == ("kiosk", "llm", "portal")
    assert "reach people through kiosk and portal" in f.scenario


def test_a_model_reached_only_through_its_serving_component_carries_the_answers() -> None:
    components = [
        {"id": "students", "kind": "human-user", "population": "public"},
        {"id": "chat", "kind": "application", "human_review": "none", **KNOWN},
        {"id": "serving", "kind": "model-serving", "serves": ["tutor-llm"], **KNOWN},
        {"id": "tutor-llm", "kind": "llm", "output": "text", "weights_format": "safetensors", **KNOWN},
    ]
    flows = [("students", "chat"), ("chat", "serving"), ("serving", "chat"), ("chat", "students")]
    findings = _by_id(_assess(components, flows))
    assert findings[f"{ANSWERS}@tutor-llm"].affected == ("chat", "tutor-llm")
    # near miss: every answer is checked before the students see it
    components[1] = {**components[1], "human_review": "every"}
    assert not any(fid.startswith(ANSWERS) for fid in _by_id(_assess(components, flows)))


def _moderation(**system: Any) -> list[dict[str, Any]]:
    return [
        {"id": "readers", "kind": "human-user", "population": "public"},
        {"id": "moderator", "kind": "application", "output_use": ["automated-decision"], **KNOWN, **system},
        {"id": "toxicity", "kind": "ml-model", "output": "scores", **KNOWN},
        {"id": "pages", "kind": "application", "output_use": ["display-text"], "human_review": "none", **KNOWN},
    ]


MODERATION_FLOWS = [("readers", "moderator"), ("moderator", "toxicity"), ("toxicity", "moderator")]
MODERATION_FLOWS += [("moderator", "pages"), ("pages", "readers")]


def test_a_score_applied_automatically_sits_on_the_application_that_applies_it() -> None:
    findings = _by_id(_assess(_moderation(human_review="none"), MODERATION_FLOWS))
    f = findings[f"{SCORES}@moderator"]
    # the moderator applies the score, the pages show it to people: worded for both (decision 1918)
    assert f.title == "Decisions taken on a model's score without review"
    assert f.affected == ("moderator", "pages")
    assert f"{SCORES}@pages" in f.aliases and "tm:unreviewed-automated-decision@moderator" in f.aliases
    assert not any(fid.startswith("tm:unreviewed-automated-decision") for fid in findings)


def test_a_decision_recorded_on_the_former_automated_decision_threat_carries_over() -> None:
    accepted = {"status": "accepted", "justification": "Appeals are handled within a day", "owner": "trust-and-safety"}
    triage = {
        "tm:unreviewed-automated-decision@moderator": accepted,
        f"{SCORES}@pages": accepted,
    }
    a = _assess(_moderation(human_review="none"), MODERATION_FLOWS, triage=triage)
    assert _by_id(a)[f"{SCORES}@moderator"].status.value == "accepted"


def test_a_reviewed_decision_leaves_only_what_the_pages_show() -> None:
    findings = _by_id(_assess(_moderation(human_review="every"), MODERATION_FLOWS))
    # the moderator's own decision is reviewed; the pages still show the result with no review,
    # and the finding sits on the application that acts on the score
    f = findings[f"{SCORES}@moderator"]
    assert f.affected == ("moderator", "pages")
    assert f.title == "People deferring to a model's score without review"


def _matcher(**model: Any) -> list[dict[str, Any]]:
    return [
        {"id": "guards", "kind": "human-user", "population": "employees"},
        {"id": "lookup", "kind": "application", "output_use": ["display-text"], **KNOWN},
        {"id": "face-model", "kind": "embedding-model", "output": "embeddings", **KNOWN, **model},
    ]


MATCHER_FLOWS = [("guards", "lookup"), ("lookup", "face-model"), ("face-model", "lookup"), ("lookup", "guards")]


def test_people_acting_on_face_matches_with_unstated_review_is_raised_on_the_search() -> None:
    f = _by_id(_assess(_matcher(subjects=["public"]), MATCHER_FLOWS))[f"{SCORES}@lookup"]
    assert ("lookup", "human_review") in {(a.element, a.attribute) for a in f.assumes}


@pytest.mark.parametrize("model", [{}, {"subjects": []}])
def test_an_embedding_model_not_stated_to_judge_people_is_no_matcher(model: dict[str, Any]) -> None:
    """Retrieval embeddings are not a score about people; the rule needs the stated subjects."""
    assert f"{SCORES}@lookup" not in _by_id(_assess(_matcher(**model), MATCHER_FLOWS))


def test_producer_and_group_by_producer_go_together() -> None:
    tm = next(c for c in CATALOGS.catalogs if c.id == "tm")
    others = [c for c in CATALOGS.catalogs if c.id != "tm"]
    threat = next(t for t in tm.threats if t.id == "agent-output-overtrust")
    assert threat.group_by is GroupBy.PRODUCER

    def messages(changed: Catalog) -> list[str]:
        return [i.message for i in check_catalogs([*others, changed])]

    assert not messages(tm)
    no_kinds = threat.model_copy(update={"producer": ()})
    assert "'producer' (or 'place_on') and 'group_by: producer' go together" in messages(
        tm.model_copy(update={"threats": (no_kinds,)})
    )
    ungrouped = threat.model_copy(update={"group_by": None, "producer": ()})
    assert "placeholder '{relying}' needs 'group_by: producer'" in messages(
        tm.model_copy(update={"threats": (ungrouped,)})
    )


# An agent reading web pages drives a shell tool and a second, read-only tool.
CODE: list[dict[str, Any]] = [
    {"id": "operator", "kind": "human-user", "population": "employees"},
    {"id": "agent", "kind": "agent", "tools": ["shell", "browser"], "human_approval": "none", **KNOWN},
    {"id": "shell", "kind": "tool", "side_effects": ["execute-code"], "name": "Shell", **KNOWN},
    {"id": "browser", "kind": "tool", "side_effects": ["read-only"], "untrusted_content": True, **KNOWN},
]
CODE_FLOWS = [("operator", "agent"), ("agent", "shell"), ("agent", "browser"), ("browser", "agent")]


def test_code_execution_sits_on_the_code_tool_the_agent_drives() -> None:
    findings = _by_id(_assess(CODE, CODE_FLOWS))
    f = findings["tm:agent-code-execution@shell"]
    assert f.affected == ("agent", "shell") and f.aliases == ("tm:agent-code-execution@agent",)
    assert "The code runs where Shell executes it" in f.scenario
    assert "tm:agent-code-execution@agent" not in findings


def test_an_agent_with_two_code_tools_keeps_the_finding() -> None:
    """The facts do not say which tool a planted instruction would use: the engine does not guess."""
    components = [*CODE, {"id": "python", "kind": "tool", "side_effects": ["execute-code"], **KNOWN}]
    components[1] = {**components[1], "tools": ["shell", "browser", "python"]}
    findings = _by_id(_assess(components, [*CODE_FLOWS, ("agent", "python")]))
    f = findings["tm:agent-code-execution@agent"]
    assert not f.affected and "The code runs where" in f.scenario


def test_a_tool_whose_side_effects_are_unstated_does_not_take_the_finding() -> None:
    components = [*CODE]
    components[2] = {k: v for k, v in components[2].items() if k != "side_effects"}
    # an unstated side effect may be code execution (the rule reads it so), but it never places one
    assert not any(fid == "tm:agent-code-execution@shell" for fid in _by_id(_assess(components, CODE_FLOWS)))


# -- collection: minimisation and a lawful basis are decided where outside data comes in ----------


def _collector(source_trust: str = "untrusted", **data: Any) -> dict[str, Finding]:
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "data": [{"id": "faces", "classification": "restricted", "tags": ["pii", "biometric"], **data}],
            "boundaries": [{"id": "outside", "trust": source_trust}, {"id": "corp", "trust": "internal"}],
            "components": [
                {"id": "sites", "kind": "data-source", "boundary": "outside", "data": ["faces"]},
                {"id": "scraper", "kind": "data-pipeline", "boundary": "corp", **KNOWN},
                {"id": "images", "kind": "datastore", "boundary": "corp", "data": ["faces"], **KNOWN},
            ],
            "flows": [
                {"source": "sites", "target": "scraper", "data": ["faces"]},
                {"source": "scraper", "target": "images", "data": ["faces"]},
            ],
        }
    )
    return _by_id(evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE))


COLLECT = "tm:personal-data-over-collection"


def test_collecting_from_the_open_web_with_nothing_stated_is_raised_on_the_collector() -> None:
    f = _collector()[f"{COLLECT}@scraper"]
    assert {"lawful_basis", "minimisation", "purpose"} <= {a.attribute for a in f.assumes}
    reasons = " ".join(step.reason for step in f.factors)
    assert "Biometric, health or children's data" in reasons and "The source is public" in reasons
    assert f"{COLLECT}@images" not in _collector()


@pytest.mark.parametrize(
    "stated",
    [{"purpose": ["identity-verification"]}, {"lawful_basis": "consent"}, {"minimisation": "anonymised"}],
)
def test_a_stated_purpose_basis_or_reduction_settles_it(stated: dict[str, Any]) -> None:
    assert f"{COLLECT}@scraper" not in _collector(**stated)


def test_the_organisations_own_source_is_not_outside_collection() -> None:
    assert f"{COLLECT}@scraper" not in _collector(source_trust="internal")


# -- models that leave the organisation --------------------------------------------------------------


def _device_model(**model: Any) -> dict[str, Finding]:
    return _by_id(
        evaluate(
            SystemModel.model_validate(
                {
                    "system": {"id": "s", "name": "S"},
                    "boundaries": [{"id": "phones", "trust": "untrusted"}],
                    "components": [
                        {"id": "users", "kind": "human-user", "population": "public", "boundary": "phones"},
                        {"id": "app", "kind": "application", "boundary": "phones", **KNOWN},
                        {"id": "model", "kind": "ml-model", "output": "label", **model},
                    ],
                    "flows": [{"source": "users", "target": "app"}, {"source": "app", "target": "model"}],
                }
            ),
            CATALOGS.catalogs,
            as_of=FIXED_DATE,
        )
    )


def test_a_model_on_users_phones_is_raised_and_one_of_unstated_place_is_not() -> None:
    f = _device_model(boundary="phones", provenance="first-party")["tm:model-on-uncontrolled-devices@model"]
    assert "cosai:riskModelExfiltration" in f.refs
    # where a model runs is not guessed: no boundary, no finding (its other threats still ask)
    assert "tm:model-on-uncontrolled-devices@model" not in _device_model(provenance="first-party")


def test_an_unstated_provenance_on_a_phone_is_read_as_the_organisations_own() -> None:
    f = _device_model(boundary="phones")["tm:model-on-uncontrolled-devices@model"]
    assert ("model", "provenance") in {(a.element, a.attribute) for a in f.assumes}


def test_a_baseline_written_before_placement_still_covers_the_placed_finding() -> None:
    """`check --baseline`: the people's old ids cover the finding now on the agent; one missing
    person leaves it new (the producer's own id had no earlier entry and needs none)."""
    f = _by_id(_assess(AGENT, AGENT_FLOWS))[f"{OVERTRUST}@helper"]
    both = {f"{OVERTRUST}@staff": Severity.MEDIUM, f"{OVERTRUST}@customers": Severity.HIGH}
    assert baseline_severity(f, both) is Severity.HIGH
    assert baseline_severity(f, {f"{OVERTRUST}@staff": Severity.MEDIUM}) is None
    assert baseline_severity(f, {}) is None

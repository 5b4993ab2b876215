"""Scenarios, factors and ``{data}`` fit the element they are raised on (review 13 of decision 1898)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()
REPO = Path(__file__).resolve().parents[2]


def _findings(data: dict[str, Any]) -> dict[str, Finding]:
    model = SystemModel.model_validate(data)
    return {f.id: f for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}


def _tuned_by_a_job(training_tags: list[str]) -> dict[str, Any]:
    """Customers chat with a model that a fine-tuning job trains on an export of records; the
    job also keeps the confidential weights it writes. ``trained_on`` is not written."""
    return {
        "system": {"id": "helper", "name": "Helper"},
        "data": [
            {"id": "records", "name": "Case records", "classification": "confidential", "tags": training_tags},
            {"id": "weights", "name": "Tuned weights", "classification": "confidential", "artifact": "model-weights"},
            {"id": "question", "name": "Question", "classification": "confidential"},
        ],
        "components": [
            {"id": "customers", "kind": "human-user", "population": "customers"},
            {"id": "answer-llm", "kind": "llm"},
            {"id": "tuner", "kind": "fine-tuning-job", "produces": "answer-llm", "data": ["weights"]},
            {"id": "export", "kind": "dataset"},
        ],
        "flows": [
            {"source": "customers", "target": "answer-llm", "data": ["question"]},
            {"source": "export", "target": "tuner", "data": ["records"]},
        ],
    }


def test_extraction_names_what_the_job_learnt_from() -> None:
    """``{data}`` is the job's training data, not the question sent at run time nor the weights it writes."""
    f = _findings(_tuned_by_a_job(["pii"]))["tm:training-data-extraction@answer-llm"]
    assert "Case records" in f.scenario
    assert "Question" not in f.scenario and "Tuned weights" not in f.scenario
    assert any(x.delta == 1 and "personal data" in x.reason for x in f.factors)


def test_personal_questions_do_not_raise_the_impact_of_extracting_what_was_learnt() -> None:
    """The personal-data factor reads what the model learnt: personal questions sent to a model
    tuned on non-personal records leave its impact at the base."""
    model = _tuned_by_a_job([])
    model["data"][2]["tags"] = ["pii"]
    f = _findings(model)["tm:training-data-extraction@answer-llm"]
    assert "Case records" in f.scenario
    assert f.impact == 4 and not any("personal data" in x.reason for x in f.factors)


def test_weights_a_job_writes_are_not_what_the_model_learnt() -> None:
    """A job that keeps confidential weights but learns from public pages gives nothing to extract."""
    model = _tuned_by_a_job([])
    model["data"][0]["classification"] = "public"
    assert "tm:training-data-extraction@answer-llm" not in _findings(model)


def _kiosk(exposure: str | None) -> dict[str, Any]:
    """Walk-in customers type their details into a kiosk app over plain HTTP, one network."""
    app: dict[str, Any] = {"id": "kiosk-app", "kind": "application", "boundary": "branch-lan"}
    if exposure is not None:
        app["exposure"] = exposure
    return {
        "system": {"id": "kiosk", "name": "Branch kiosk"},
        "data": [{"id": "details", "name": "Applicant details", "classification": "confidential", "tags": ["pii"]}],
        "boundaries": [{"id": "branch-lan", "trust": "internal"}],
        "components": [
            {"id": "walk-ins", "kind": "human-user", "population": "customers", "boundary": "branch-lan"},
            app,
        ],
        "flows": [{"source": "walk-ins", "target": "kiosk-app", "data": ["details"], "protocol": "http"}],
    }


def test_a_kiosk_on_the_branch_network_is_inside_a_zone() -> None:
    """Customers at a kiosk stated to face only the branch network: the inside-a-zone wording and
    the foothold discount, not "internet-facing"."""
    f = _findings(_kiosk("internal"))["tm:unprotected-sensitive-flow@walk-ins-to-kiosk-app"]
    assert f.title == "Sensitive data unprotected on the wire inside a zone"
    assert "internet" not in f.scenario
    assert any(x.delta == -1 for x in f.factors)


def test_a_kiosk_of_unstated_exposure_keeps_no_discount() -> None:
    """An unstated exposure is not read as inside-only: no foothold discount for outside people."""
    f = _findings(_kiosk(None))["tm:unprotected-sensitive-flow@walk-ins-to-kiosk-app"]
    assert not any(x.delta < 0 for x in f.factors)


def test_people_over_the_internet_are_not_told_about_passwords_they_do_not_send() -> None:
    f = _findings(_kiosk("internet"))["tm:unprotected-sensitive-flow@walk-ins-to-kiosk-app"]
    assert f.title == "Sensitive data exchanged with outside people unprotected"
    assert "password" not in f.scenario


def test_a_vendors_store_of_its_own_instructions_is_not_a_public_collection() -> None:
    """A vendor's private prompt store gets the vendor wording, not "publishes" and "contributes"."""
    model = {
        "system": {"id": "helpdesk", "name": "Helpdesk"},
        "data": [
            {
                "id": "vendor-config",
                "name": "Vendor agent config",
                "classification": "internal",
                "tags": ["system-prompt"],
                "provenance": "vendor",
            }
        ],
        "boundaries": [{"id": "corp", "trust": "internal"}, {"id": "vendor-cloud", "trust": "partner"}],
        "components": [
            {
                "id": "config-service",
                "kind": "prompt-store",
                "boundary": "vendor-cloud",
                "provenance": "vendor",
                "data": ["vendor-config"],
            },
            {"id": "helpdesk-agent", "kind": "agent", "boundary": "corp", "system_prompt": "vendor-config"},
        ],
        "flows": [{"source": "config-service", "target": "helpdesk-agent", "data": ["vendor-config"]}],
    }
    f = _findings(model)["tm:third-party-agent-instructions@config-service"]
    assert f.title == "Agent instructions supplied by a vendor's store"
    assert "Vendor agent config" in f.scenario
    assert "publishes" not in f.scenario and "contributes" not in f.scenario


def _yaml(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


DESK_AGENT = """
system: {id: helpdesk, name: Service desk agent}
data:
  - {id: ticket-text, classification: internal, tags: [user-content]}
  - {id: hr-records, classification: confidential, tags: [pii]}
  - {id: reply, classification: internal}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: corp, trust: internal}
components:
  - {id: requesters, kind: human-user, population: customers, boundary: internet}
  - {id: portal, kind: application, boundary: corp, exposure: internet}
  - {id: ticket-db, kind: datastore, boundary: corp, exposure: internal}
  - {id: desk-agent, kind: agent, boundary: corp, exposure: internal, tools: [read-ticket, add-comment, hr-lookup]}
  - {id: read-ticket, kind: tool, boundary: corp, side_effects: [read-only]}
  - {id: add-comment, kind: tool, boundary: corp, side_effects: [write]}
  - {id: hr-lookup, kind: tool, boundary: corp, side_effects: [read-only], data: [hr-records]}
flows:
  - {source: requesters, target: portal, data: [ticket-text]}
  - {source: portal, target: ticket-db, data: [ticket-text]}
  - {source: ticket-db, target: read-ticket, data: [ticket-text]}
  - {source: read-ticket, target: desk-agent, data: [ticket-text]}
  - {source: hr-lookup, target: desk-agent, data: [hr-records]}
  - {source: desk-agent, target: add-comment, data: [reply]}
  - {source: add-comment, target: ticket-db, data: [reply]}
  - {source: ticket-db, target: portal, data: [reply]}
  - {source: portal, target: requesters, data: [reply]}
"""


def test_a_comment_the_requester_reads_is_worded_as_a_tool_and_gated_by_approval() -> None:
    """The write leg that reaches outside people is an outbound tool everywhere the rule looks:
    not the rendered-answer wording, and approval lowers it (review 14)."""
    model = _yaml(DESK_AGENT)
    f = _findings(model)["tm:lethal-trifecta-exfiltration@desk-agent"]
    assert f.title == "Data exfiltration by an agent with private data, untrusted input and an outbound tool"
    assert not any(x.delta < 0 for x in f.factors)
    model["components"][3] |= {"autonomy": "supervised", "human_approval": "all"}
    approved = _findings(model)["tm:lethal-trifecta-exfiltration@desk-agent"]
    assert approved.likelihood == f.likelihood - 1


def test_a_token_the_job_signs_in_with_is_not_what_the_model_learnt() -> None:
    """Credentials a fine-tuning job receives are not training data (review 14)."""
    model = _tuned_by_a_job([])
    model["data"][0]["classification"] = "public"
    model["data"].append({"id": "hub-token", "classification": "restricted", "tags": ["credentials"]})
    model["components"].append({"id": "vault", "kind": "datastore"})
    model["flows"].append({"source": "vault", "target": "tuner", "data": ["hub-token"]})
    assert "tm:training-data-extraction@answer-llm" not in _findings(model)


CROSS_DEVICE = """
system: {id: kbd, name: Keyboard model trained on phones}
data:
  - {id: typed-text, classification: restricted, tags: [pii, user-content]}
  - {id: update, classification: confidential, tags: [model-weights], derived_from: [typed-text]}
  - {id: global, classification: internal, tags: [model-weights]}
boundaries:
  - {id: phones, trust: untrusted}
  - {id: cloud, trust: internal}
components:
  - {id: phone-trainer, kind: training-job, boundary: phones, federated: true, data: [typed-text]}
  - {id: upload-gw, kind: api-gateway, boundary: cloud, exposure: internet}
  - {id: update-store, kind: datastore, boundary: cloud, exposure: internal}
  - {id: aggregator, kind: training-job, boundary: cloud, federated: true, produces: kbd-model}
  - {id: cdn, kind: cache, boundary: cloud, exposure: internet}
  - {id: kbd-model, kind: ml-model, boundary: phones, output: text, hosting: on-device}
flows:
  - {source: phone-trainer, target: upload-gw, data: [update]}
  - {source: upload-gw, target: update-store, data: [update]}
  - {source: update-store, target: aggregator, data: [update]}
  - {source: aggregator, target: cdn, data: [global]}
  - {source: cdn, target: phone-trainer, data: [global]}
  - {source: cdn, target: kbd-model, data: [global]}
"""


def test_the_aggregate_sent_back_is_not_a_participants_poisoning() -> None:
    """Our aggregator of unstated supplier, sending the aggregate back through a CDN, does not make
    each phone a poisoning target; the aggregator is, and its inversion is worded as one (review 14)."""
    found = _findings(_yaml(CROSS_DEVICE))
    assert "tm:federated-update-poisoning@phone-trainer" not in found
    assert "tm:federated-update-poisoning@aggregator" in found
    inversion = found["tm:federated-update-inversion@aggregator"]
    assert inversion.title == "Reconstruction of participants' data from the updates an aggregator receives"
    assert found["tm:federated-update-inversion@phone-trainer"].title == (
        "Reconstruction of private data from federated updates"
    )


def test_a_relay_to_the_server_of_the_agents_model_is_its_route() -> None:
    """The proxy sends to the model server that serves the agent's named model (review 14)."""
    model = _yaml("""
system: {id: dev, name: Coding agent behind a shared proxy}
data:
  - {id: code, classification: confidential, tags: [source-code]}
boundaries:
  - {id: corp, trust: internal}
  - {id: internet, trust: untrusted}
  - {id: provider, trust: partner}
components:
  - {id: code-agent, kind: agent, boundary: corp, model: claude}
  - {id: free-proxy, kind: api-gateway, boundary: internet}
  - {id: provider-api, kind: model-serving, boundary: provider, serves: [claude]}
  - {id: claude, kind: llm, boundary: provider, hosting: provider-api, provenance: vendor}
flows:
  - {source: code-agent, target: free-proxy, data: [code]}
  - {source: free-proxy, target: provider-api, data: [code]}
""")
    assert "tm:model-route-hijacking@code-agent" in _findings(model)


def test_outside_people_to_a_service_of_unstated_exposure_are_not_inside_a_zone() -> None:
    """No boundaries and no exposure stated: the outside-people wording, no foothold (review 14)."""
    f = _findings(_kiosk(None))["tm:unprotected-sensitive-flow@walk-ins-to-kiosk-app"]
    assert f.title == "Sensitive data exchanged with outside people unprotected"
    assert "internet-facing" not in f.scenario and "foothold" not in f.scenario


def test_a_hub_the_agent_only_queries_says_no_agent_writes_instructions_to_it() -> None:
    """The negated neighbour with a data test says which flows it counted, not "nothing sends to"."""
    model = _yaml(
        (REPO / "tests/catalogs/widened/rules-hub-the-agent-only-queries/positive.yaml").read_text(encoding="utf-8")
    )
    why = _findings(model)["tm:third-party-agent-instructions@rules-hub"].why
    assert "no agent sends data tagged system-prompt to rules-hub" in why
    assert "nothing sends to rules-hub" not in why


def _feedback_loop(labelling: str | None) -> dict[str, Any]:
    """Shoppers' clicks land in an events dataset that a training job learns from; ``labelling``
    is the dataset's (``None``: unstated). No model writes back into the dataset."""
    events: dict[str, Any] = {"id": "events", "kind": "dataset"}
    if labelling is not None:
        events["labelling"] = labelling
    return {
        "system": {"id": "shop", "name": "Shop"},
        "data": [{"id": "clicks", "name": "Clicks", "classification": "internal", "tags": ["feedback"]}],
        "components": [
            {"id": "shoppers", "kind": "human-user", "population": "customers"},
            {"id": "site", "kind": "application"},
            events,
            {"id": "ranker-training", "kind": "training-job", "produces": "ranker"},
            {"id": "ranker", "kind": "ml-model", "output": "scores"},
        ],
        "flows": [
            {"source": "shoppers", "target": "site", "data": ["clicks"]},
            {"source": "site", "target": "events", "data": ["clicks"]},
            {"source": "events", "target": "ranker-training", "data": ["clicks"]},
        ],
    }


def test_a_feedback_dataset_is_not_titled_as_reference_data() -> None:
    """The reference-data wording is for a store a model writes what it accepted back into; a
    dataset of user-feedback labels (stated, or unstated with people upstream) keeps the rule's
    own title and scenario (held-out 37: 69 findings carried the other one)."""
    for labelling in ("user-feedback", None):
        f = _findings(_feedback_loop(labelling))["tm:label-poisoning-feedback-loop@events"]
        assert f.title == "Label poisoning through a user-feedback loop"
        assert "compares new inputs against" not in f.scenario
        assert (("events", "labelling") in {(a.element, a.attribute) for a in f.assumes}) is (labelling is None)


def test_feedback_needs_people_upstream_whether_the_labelling_is_stated_or_not() -> None:
    """With no person upstream there is no behaviour to turn into labels: neither a stated nor an
    unstated ``user-feedback`` labelling raises the loop, so forgetting the labelling hides
    nothing; staff running the site are not users giving feedback, customers are."""
    for labelling in ("user-feedback", None):
        model = _feedback_loop(labelling)
        assert "tm:label-poisoning-feedback-loop@events" in _findings(model)
        model["components"][0]["population"] = "employees"
        assert "tm:label-poisoning-feedback-loop@events" not in _findings(model)
        model["components"] = model["components"][1:]
        model["flows"] = model["flows"][1:]
        assert "tm:label-poisoning-feedback-loop@events" not in _findings(model)


def _speech_to(answerer: dict[str, Any]) -> dict[str, Any]:
    """Callers' speech is transcribed by a model stated to write text, which ``answerer`` reads and
    answers from; its answers go back to the callers unchecked."""
    return {
        "system": {"id": "line", "name": "Line"},
        "boundaries": [{"id": "internet", "trust": "untrusted"}, {"id": "platform", "trust": "internal"}],
        "components": [
            {"id": "callers", "kind": "human-user", "population": "customers", "boundary": "internet"},
            {"id": "stt", "kind": "ml-model", "provenance": "first-party", "output": "text", "boundary": "platform"},
            {**answerer, "boundary": "platform", "human_review": "none"},
        ],
        "flows": [
            {"source": "callers", "target": "stt"},
            {"source": "stt", "target": answerer["id"]},
            {"source": answerer["id"], "target": "callers"},
        ],
    }


def test_text_a_transcription_model_wrote_is_worded_as_machine_written_on_an_application() -> None:
    """An application showing a transcript to people: the wording of decision 1943's variant."""
    found = _findings(_speech_to({"id": "portal", "kind": "application", "output_use": ["display-text"]}))
    finding = found["tm:generated-answer-reliance@portal"]
    assert finding.title == "People acting on unchecked machine-written text"


def test_an_agent_answering_from_a_transcript_keeps_the_wording_of_generated_answers() -> None:
    """The agent writes the answer itself: it is not shown a transcript as if it were the original
    (review 33 of decision 1943: the variant once retitled this finding)."""
    found = _findings(_speech_to({"id": "voice-agent", "kind": "agent"}))
    finding = found["tm:generated-answer-reliance@voice-agent"]
    assert finding.title == "People acting on unchecked generated answers"
    assert "transcript" not in finding.scenario

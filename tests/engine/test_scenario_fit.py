"""Scenarios, factors and ``{data}`` fit the element they are raised on (review 13 of decision 1898)."""

from __future__ import annotations

from typing import Any

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()


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

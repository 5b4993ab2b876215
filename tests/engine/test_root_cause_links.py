"""One finding per root cause for facts that are not a path's source (issue 9, noise): unprotected
links into one trust zone, one credential held by several tools, one unpinned dependency loaded by
several jobs. Each test has a grouping model and a near miss that must stay per element."""

from __future__ import annotations

import copy
from typing import Any

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()

USF = "tm:unprotected-sensitive-flow"
CRED = "tm:cross-tenant-credential-propagation"
ML06 = "tm:ml-framework-supply-chain"

# Three unencrypted flows of patient records inside one clinic network, one into a second zone.
LINKS: dict[str, Any] = {
    "system": {"id": "clinic", "name": "Clinic"},
    "data": [{"id": "records", "name": "Patient records", "classification": "restricted", "tags": ["phi"]}],
    "boundaries": [
        {"id": "clinic-net", "name": "Clinic network", "trust": "internal"},
        {"id": "lab", "trust": "internal"},
    ],
    "components": [
        {"id": "ehr", "kind": "datastore", "boundary": "clinic-net", "exposure": "internal"},
        {"id": "intake", "kind": "application", "boundary": "clinic-net", "exposure": "internal"},
        {"id": "triage-job", "kind": "data-pipeline", "boundary": "clinic-net", "exposure": "internal"},
        {"id": "lab-store", "kind": "datastore", "boundary": "lab", "exposure": "internal"},
    ],
    "flows": [
        {"source": "intake", "target": "ehr", "data": ["records"], "encrypted": False},
        {"source": "ehr", "target": "triage-job", "data": ["records"], "encrypted": False},
        {"source": "triage-job", "target": "ehr", "data": ["records"], "encrypted": False},
        {
            "source": "triage-job",
            "target": "lab-store",
            "data": ["records"],
            "encrypted": False,
            "authentication": "none",
        },
    ],
}


def _assess(data: dict[str, Any], triage: dict[str, Any] | None = None) -> Assessment:
    doc = copy.deepcopy(data)
    if triage:
        doc["triage"] = triage
    return evaluate(SystemModel.model_validate(doc), CATALOGS.catalogs, as_of=FIXED_DATE)


def _of(a: Assessment, threat: str) -> list[Finding]:
    return [f for f in a.findings if f.threat == threat]


def test_unprotected_flows_into_one_zone_are_one_finding() -> None:
    found = {f.id: f for f in _of(_assess(LINKS), USF)}
    group = found[f"{USF}@clinic-net"]
    assert group.root == "clinic-net"
    assert group.affected == ("ehr-to-triage-job", "intake-to-ehr", "triage-job-to-ehr")
    assert "Clinic network" in group.root_cause and "3 flows" in group.root_cause
    assert set(group.aliases) == {f"{USF}@{e}" for e in group.affected}
    # the flow into the other zone is another link and stays its own finding
    assert f"{USF}@triage-job-to-lab-store" in found
    assert len(found) == 2


def test_flows_whose_target_names_no_zone_stay_apart() -> None:
    """Near miss: without a stated zone there is no shared network to name as the root."""
    data = copy.deepcopy(LINKS)
    data["components"] = [{k: v for k, v in c.items() if k != "boundary"} for c in data["components"]]
    data["boundaries"] = []
    found = {f.id: f for f in _of(_assess(data), USF)}
    assert all(not f.affected for f in found.values())
    assert f"{USF}@intake-to-ehr" in found and f"{USF}@ehr-to-triage-job" in found


def test_a_decision_on_every_flow_carries_over_to_the_group() -> None:
    decision = {"status": "accepted", "owner": "net-team", "justification": "Clinic VLAN is isolated."}
    ids = ("ehr-to-triage-job", "intake-to-ehr", "triage-job-to-ehr")
    all_three = _assess(LINKS, {f"{USF}@{e}": decision for e in ids})
    group = {f.id: f for f in all_three.findings}[f"{USF}@clinic-net"]
    assert group.status.value == "accepted" and group.triage_key is not None
    # a decision on one flow never covers the others
    one = _assess(LINKS, {f"{USF}@intake-to-ehr": decision})
    assert {f.id: f for f in one.findings}[f"{USF}@clinic-net"].status.value == "open"


# Two tools act with one shared API key; a third tool's shared key is another secret.
CREDS: dict[str, Any] = {
    "system": {"id": "helpdesk", "name": "Helpdesk"},
    "data": [
        {"id": "crm-key", "name": "CRM API key", "classification": "restricted", "tags": ["credentials"]},
        {"id": "billing-key", "name": "Billing key", "classification": "restricted", "tags": ["credentials"]},
    ],
    "boundaries": [{"id": "apps", "trust": "internal"}],
    "components": [
        {"id": "lookup-tool", "kind": "tool", "boundary": "apps", "credentials": "shared", "data": ["crm-key"]},
        {"id": "update-tool", "kind": "tool", "boundary": "apps", "credentials": "shared", "data": ["crm-key"]},
        {"id": "refund-tool", "kind": "tool", "boundary": "apps", "credentials": "shared", "data": ["billing-key"]},
    ],
    "flows": [],
}


def test_one_shared_credential_is_one_finding() -> None:
    found = {f.id: f for f in _of(_assess(CREDS), CRED)}
    group = found[f"{CRED}@crm-key"]
    assert group.affected == ("lookup-tool", "update-tool")
    assert "CRM API key" in group.root_cause
    assert f"{CRED}@refund-tool" in found and not found[f"{CRED}@refund-tool"].affected


def test_tools_holding_several_secrets_stay_apart() -> None:
    """Near miss: when a tool holds two secrets the facts do not say which one is shared."""
    data = copy.deepcopy(CREDS)
    for c in data["components"]:
        c["data"] = ["crm-key", "billing-key"]
    found = {f.id for f in _of(_assess(data), CRED)}
    assert found == {f"{CRED}@lookup-tool", f"{CRED}@update-tool", f"{CRED}@refund-tool"}


# Two training jobs install the same unverified library build; a serving stack loads two.
DEPS: dict[str, Any] = {
    "system": {"id": "ml-platform", "name": "ML platform"},
    "data": [
        {
            "id": "torch-wheel",
            "name": "Framework wheel",
            "classification": "public",
            "artifact": "ml-library",
            "integrity": "none",
        },
        {
            "id": "base-image",
            "name": "Base image",
            "classification": "public",
            "artifact": "container-image",
            "integrity": "none",
        },
    ],
    "boundaries": [{"id": "internet", "trust": "untrusted"}, {"id": "ml", "trust": "internal"}],
    "components": [
        {
            "id": "mirror",
            "kind": "external-service",
            "boundary": "internet",
            "provenance": "community",
            "exposure": "internet",
        },
        {"id": "train-a", "kind": "training-job", "boundary": "ml", "exposure": "none", "pinned_dependencies": True},
        {"id": "train-b", "kind": "training-job", "boundary": "ml", "exposure": "none", "pinned_dependencies": True},
        {
            "id": "server",
            "kind": "model-serving",
            "boundary": "ml",
            "exposure": "internal",
            "pinned_dependencies": True,
        },
    ],
    "flows": [
        {"source": "mirror", "target": "train-a", "data": ["torch-wheel"], "encrypted": True},
        {"source": "mirror", "target": "train-b", "data": ["torch-wheel"], "encrypted": True},
        {"source": "mirror", "target": "server", "data": ["torch-wheel", "base-image"], "encrypted": True},
    ],
}


def test_one_unverified_dependency_is_one_finding() -> None:
    found = {f.id: f for f in _of(_assess(DEPS), ML06)}
    group = found[f"{ML06}@torch-wheel"]
    assert group.affected == ("train-a", "train-b")
    assert "Framework wheel" in group.root_cause
    # the server loads two artefacts, so it is not named as one more effect of the wheel
    assert f"{ML06}@server" in found and not found[f"{ML06}@server"].affected


def test_one_job_pulling_the_dependency_stays_per_element() -> None:
    """Near miss: a root with a single effect keeps the per-element id."""
    data = copy.deepcopy(DEPS)
    data["flows"] = [f for f in data["flows"] if f["target"] != "train-b"]
    found = {f.id for f in _of(_assess(data), ML06)}
    assert f"{ML06}@train-a" in found and not any(i.endswith("@torch-wheel") for i in found)


S3P = "tm:sensitive-data-to-third-party-service"

# Two internal services send confidential contracts to one third-party translation API.
RECEIVER: dict[str, Any] = {
    "system": {"id": "legal", "name": "Legal"},
    "data": [{"id": "contracts", "name": "Contracts", "classification": "confidential"}],
    "boundaries": [{"id": "corp", "trust": "internal"}, {"id": "vendor", "trust": "untrusted"}],
    "components": [
        {"id": "drafting", "kind": "application", "boundary": "corp", "exposure": "internal"},
        {"id": "review", "kind": "application", "boundary": "corp", "exposure": "internal"},
        {"id": "translate-api", "kind": "external-service", "boundary": "vendor", "provenance": "third-party-api"},
        {"id": "ocr-api", "kind": "external-service", "boundary": "vendor", "provenance": "third-party-api"},
    ],
    "flows": [
        {
            "source": "drafting",
            "target": "translate-api",
            "data": ["contracts"],
            "encrypted": True,
            "authentication": "mtls",
        },
        {
            "source": "review",
            "target": "translate-api",
            "data": ["contracts"],
            "encrypted": True,
            "authentication": "mtls",
        },
    ],
}


def test_flows_to_one_provider_are_one_finding() -> None:
    found = {f.id: f for f in _of(_assess(RECEIVER), S3P)}
    assert list(found) == [f"{S3P}@translate-api"]
    assert found[f"{S3P}@translate-api"].affected == ("drafting-to-translate-api", "review-to-translate-api")


def test_flows_to_two_providers_stay_apart() -> None:
    """Near miss: two providers are two places the data goes, so two findings."""
    data = copy.deepcopy(RECEIVER)
    data["flows"][1]["target"] = "ocr-api"
    found = {f.id for f in _of(_assess(data), S3P)}
    assert found == {f"{S3P}@drafting-to-translate-api", f"{S3P}@review-to-ocr-api"}

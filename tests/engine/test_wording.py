"""Titles, scenarios and references fit the system (threat ``variants``, docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import check_catalogs
from threatmodel.io.load import load_catalogs
from threatmodel.model.catalog import GroupWording, Threat, Variant
from threatmodel.model.finding import Finding
from threatmodel.model.rules import KindIs
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()


def _findings(data: dict[str, Any], *, as_written: bool = False) -> dict[str, Finding]:
    model = SystemModel.model_validate(data if as_written else stated(data))
    return {f.id: f for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}


def _phone_line(tags: list[str], name: str) -> dict[str, Any]:
    """A telephony provider sends something restricted, unencrypted, to a speech service in our cloud."""
    return {
        "system": {"id": "phone", "name": "Phone line"},
        "data": [{"id": "payload", "name": name, "classification": "restricted", "tags": tags}],
        "boundaries": [{"id": "vendor", "trust": "partner"}, {"id": "cloud", "trust": "internal"}],
        "components": [
            {"id": "telephony", "kind": "external-service", "boundary": "vendor", "exposure": "partner"},
            {"id": "speech", "kind": "application", "boundary": "cloud", "exposure": "internal"},
        ],
        "flows": [{"source": "telephony", "target": "speech", "data": ["payload"], "encrypted": False}],
    }


def test_a_call_recording_is_not_a_weights_exfiltration_path() -> None:
    f = _findings(_phone_line(["biometric", "pii"], "Call audio"))["tm:unprotected-sensitive-flow@telephony-to-speech"]
    assert f.title == "Restricted data crossing a boundary unprotected"
    assert "cosai:riskModelExfiltration" not in f.refs
    assert "weights" not in f.scenario and "Call audio" in f.scenario


def test_weights_on_the_same_flow_keep_the_exfiltration_wording() -> None:
    f = _findings(_phone_line(["model-weights"], "Adapter weights"))[
        "tm:unprotected-sensitive-flow@telephony-to-speech"
    ]
    assert f.title == "Model weights moving without protection in transit"
    assert "cosai:riskModelExfiltration" in f.refs


def test_credentials_take_the_credential_wording() -> None:
    f = _findings(_phone_line(["credentials"], "API key"))["tm:unprotected-sensitive-flow@telephony-to-speech"]
    assert f.title.startswith("Credentials or secrets")
    assert "atlas:AML.T0055" in f.refs and "cosai:riskModelExfiltration" not in f.refs


AGENT: dict[str, Any] = {
    "system": {"id": "helpdesk", "name": "Helpdesk"},
    "components": [
        {"id": "staff", "kind": "human-user", "population": "employees", "exposure": "internal"},
        {"id": "desk", "kind": "application", "exposure": "internal", "multi_tenant": False},
        {"id": "desk-agent", "kind": "agent", "tools": ["crm"], "identity": "own", "exposure": "internal"},
        {"id": "crm", "kind": "tool", "credentials": "shared", "side_effects": ["read-only"], "exposure": "internal"},
    ],
    "flows": [
        {"source": "staff", "target": "desk"},
        {"source": "desk", "target": "desk-agent"},
        {"source": "desk-agent", "target": "crm"},
    ],
}


def test_no_tenants_no_cross_tenant_wording() -> None:
    f = _findings(AGENT)["tm:cross-tenant-credential-propagation@crm"]
    assert f.title == "Credentials shared across agents and tools"
    assert "tenant" not in f.scenario.lower()


def test_stated_tenants_get_the_tenant_wording() -> None:
    data = {
        **AGENT,
        "components": [{**c, "multi_tenant": True} if c["id"] == "desk" else c for c in AGENT["components"]],
    }
    f = _findings(data)["tm:cross-tenant-credential-propagation@crm"]
    assert f.title == "Credentials shared across tenants"
    assert "tenant" in f.scenario


def test_unknown_tenancy_never_selects_the_tenant_wording() -> None:
    """A variant is chosen on stated facts only: multi_tenant unknown is not 'there are tenants'."""
    data = {**AGENT, "components": [{k: v for k, v in c.items() if k != "multi_tenant"} for c in AGENT["components"]]}
    f = _findings(data, as_written=True)["tm:cross-tenant-credential-propagation@crm"]
    assert f.title == "Credentials shared across agents and tools"


def test_a_variant_scenario_is_checked_like_the_threats_own() -> None:
    library = next(c for c in CATALOGS.catalogs if c.id == "tm")
    threat = library.threats[0].model_copy(
        update={"variants": (Variant(when=KindIs(kind=("llm",)), scenario="{target} and {nonsense}"),)}
    )
    broken = library.model_copy(update={"threats": (threat, *library.threats[1:])})
    issues = check_catalogs([broken, *(c for c in CATALOGS.catalogs if c.id != "tm")])
    assert [(i.path[-3:], "nonsense" in i.message) for i in issues] == [(("variants", 0, "scenario"), True)]


@pytest.mark.parametrize("tags", [["pii"], []])
def test_cache_scenario_names_personal_details_only_when_there_are_some(tags: list[str]) -> None:
    data = {
        "system": {"id": "cache", "name": "Cache"},
        "data": [{"id": "answers", "name": "Cached answers", "classification": "internal", "tags": tags}],
        "components": [
            {"id": "bot", "kind": "llm", "exposure": "internal", "output": "text"},
            {
                "id": "answer-cache",
                "kind": "cache",
                "shared_across_users": True,
                "exposure": "internal",
                "data": ["answers"],
            },
        ],
        "flows": [{"source": "bot", "target": "answer-cache", "data": ["answers"]}],
    }
    f = _findings(data)["tm:shared-response-cache-poisoning@answer-cache"]
    assert ("personal details" in f.scenario) == bool(tags)


def _one_zone(data: dict[str, Any], protocol: str) -> dict[str, Any]:
    """Two services of one internal zone exchange ``data`` over ``protocol``."""
    return {
        "system": {"id": "zone", "name": "Zone"},
        "data": [{"id": "payload", "name": "Payload", "classification": "confidential", **data}],
        "boundaries": [{"id": "cloud", "trust": "internal"}],
        "components": [
            {"id": "app", "kind": "application", "boundary": "cloud", "exposure": "internal"},
            {"id": "worker", "kind": "application", "boundary": "cloud", "exposure": "internal"},
        ],
        "flows": [{"source": "app", "target": "worker", "data": ["payload"], "protocol": protocol}],
    }


@pytest.mark.parametrize("protocol", ["http", "HTTP", "Http"])
def test_credentials_inside_a_zone_are_worded_for_the_zone(protocol: str) -> None:
    """A secret over a stated plaintext protocol inside one zone (in any letter case) is read on the
    wire there: nothing crosses a boundary, and the wording says so (decision 1893)."""
    f = _findings(_one_zone({"tags": ["credentials"]}, protocol), as_written=True)[
        "tm:unprotected-sensitive-flow@app-to-worker"
    ]
    assert f.title == "Credentials or secrets unprotected on the wire inside a zone"
    assert "from one trust zone to another" not in f.scenario and "foothold in that zone" in f.scenario
    assert "atlas:AML.T0055" in f.refs


def test_weights_inside_a_zone_are_worded_for_the_zone() -> None:
    f = _findings(_one_zone({"artifact": "model-weights"}, "http"), as_written=True)[
        "tm:unprotected-sensitive-flow@app-to-worker"
    ]
    assert f.title == "Model weights unprotected on the wire inside a zone"
    assert "across a trust boundary" not in f.scenario and "from one trust zone" not in f.scenario
    assert "cosai:riskModelExfiltration" in f.refs


def _weights_handed(model: dict[str, Any], boundaries: list[dict[str, Any]]) -> dict[str, Any]:
    """A first-party model's weights go to an application in a partner's zone."""
    return {
        "system": {"id": "share", "name": "Share"},
        "data": [{"id": "w", "classification": "confidential", "artifact": "model-weights"}],
        "boundaries": [{"id": "partner-zone", "trust": "partner"}, *boundaries],
        "components": [
            {"id": "scorer", "kind": "ml-model", "provenance": "first-party", **model},
            {"id": "partner-app", "kind": "application", "boundary": "partner-zone"},
        ],
        "flows": [{"source": "scorer", "target": "partner-app", "data": ["w"]}],
    }


@pytest.mark.parametrize(
    ("model", "boundaries", "title"),
    [
        # no boundary and no hosting stated: placed nowhere, so handed over, not deployed
        ({}, [], "Model weights handed to parties outside the organisation's control"),
        (
            {"boundary": "ours"},
            [{"id": "ours", "trust": "internal"}],
            "Model weights handed to parties outside the organisation's control",
        ),
        # stated in an untrusted zone: it runs there
        (
            {"boundary": "devices"},
            [{"id": "devices", "trust": "untrusted"}],
            "Model weights deployed on devices the organisation does not control",
        ),
    ],
)
def test_weights_handed_over_are_not_called_deployed(
    model: dict[str, Any], boundaries: list[dict[str, Any]], title: str
) -> None:
    f = _findings(_weights_handed(model, boundaries), as_written=True)["tm:model-on-uncontrolled-devices@scorer"]
    assert f.title == title


def test_a_server_run_by_outsiders_is_not_called_a_community_release() -> None:
    """A tool stated in an untrusted zone is poisoned by its operator, not by a release (decision 1894)."""
    model = {
        "system": {"id": "desk", "name": "Desk"},
        "boundaries": [{"id": "laptop", "trust": "internal"}, {"id": "internet", "trust": "untrusted"}],
        "components": [
            {"id": "desk-agent", "kind": "agent", "boundary": "laptop", "tools": ["remote-server"]},
            {"id": "remote-server", "kind": "mcp-server", "boundary": "internet", "provenance": "community"},
        ],
        "flows": [{"source": "desk-agent", "target": "remote-server"}],
    }
    f = _findings(model, as_written=True)["tm:mcp-tool-poisoning@remote-server"]
    assert f.title == "Tool descriptions and results from a server run by outsiders"
    assert "No version pin holds" in f.scenario


@pytest.mark.parametrize(
    ("cond", "said"),
    [
        ({"attr": {"name": "hosting", "equals": "provider-api"}}, "where gw runs: not provider-api"),
        ({"attr": {"name": "protocol", "in": ["in-process"]}}, "which protocol gw uses: not in-process"),
        (
            {"attr": {"name": "population", "in": ["employees", "administrators"]}},
            "who the users behind gw are: neither employees nor administrators",
        ),
        (
            {"attr": {"name": "provenance", "in": ["first-party", "vendor", "third-party-api"]}},
            "who builds or supplies gw: none of first-party, vendor, third-party-api",
        ),
        (
            {"attr": {"name": "side_effects", "contains_any": ["execute-code"]}},
            "what calling gw can do: not including execute-code",
        ),
        (
            {"attr": {"name": "side_effects", "contains_any": ["execute-code", "send-external"]}},
            "what calling gw can do: including neither execute-code nor send-external",
        ),
        ({"attr": {"name": "boundary", "is_set": True}}, "which trust boundary gw runs in: not stated"),
        (
            {"attr": {"name": "caller_scoped", "equals": True}},
            "whether gw acts only on what the user it serves may access, checked against that user's session: no",
        ),
        ({"kind": ["tool", "mcp-server"]}, "gw is neither a tool nor an MCP server"),
        ({"boundary_trust": ["untrusted"]}, "gw does not run in an untrusted boundary"),
        ({"untrusted_source": True}, "gw is not a source of untrusted content"),
        ({"untrusted_source": False}, "gw is a source of untrusted content"),
        ({"data": {"tags_any": ["credentials"]}}, "gw handles no data tagged credentials"),
        ({"data": {}}, "gw handles no data"),
        ({"not": {"kind": ["agent"]}}, "gw: kind is agent"),
        ({"tainted": {}}, "no untrusted content reaches gw"),
        ({"neighbour": {"direction": "in", "where": {"kind": ["agent"]}}}, "no agent sends to gw"),
        (
            {"neighbour": {"direction": "in", "where": {"untrusted_source": False}}},
            "everything that sends to gw is a source of untrusted content",
        ),
        (
            {"linked": {"via": "trained_on_by", "where": {"kind": ["training-job", "fine-tuning-job"]}}},
            "no training or fine-tuning job trains gw",
        ),
        (
            {"linked": {"via": "serves", "where": {"attr": {"name": "weights_format", "is_set": True}}}},
            "gw serves no model that states a weights format",
        ),
        (
            {"reached_from": {"where": {"kind": ["agent"]}, "max_hops": 2}},
            "no data from an agent reaches gw within 2 flows",
        ),
        ({"reaches": {"where": {"kind": ["retriever"]}, "max_hops": 1}}, "gw sends to no retriever"),
        ({"exists": {"where": {"kind": ["monitoring"]}}}, "the system has no monitoring component"),
        (
            {"linked": {"via": "beside", "where": {"kind": ["human-user"]}}},
            "no human user sits in the same boundary as gw",
        ),
    ],
)
def test_a_negation_is_worded_as_a_plain_negative(cond: dict[str, Any], said: str) -> None:
    """What a ``not`` states in an explanation reads as a sentence about the element, not as rule syntax."""
    from pydantic import TypeAdapter

    from threatmodel.model.rules import Condition

    assert TypeAdapter(Condition).validate_python(cond).describe_negated("gw") == said


@pytest.mark.parametrize(
    ("cond", "said"),
    [
        (
            {"neighbour": {"direction": "out", "where": {"not": {"kind": ["human-user"]}}}},
            "sends to a component that is not a human user",
        ),
        (
            {"reaches": {"where": {"not": {"kind": ["agent", "tool"]}}, "max_hops": 1}},
            "sends data to a component that is not an agent or a tool within 1 flows",
        ),
        (
            {"neighbour": {"direction": "in", "where": {"not": {"untrusted_source": False}}}},
            "receives from a component that is a source of untrusted content",
        ),
    ],
)
def test_a_negated_kind_in_a_relative_clause_keeps_its_negation(cond: dict[str, Any], said: str) -> None:
    """``not: {kind: ...}`` inside a clause about another component says what that component is
    not, not the opposite (review 17: "sends ... to a component that is a human user" for a
    rule that asks for a component that is not one)."""
    from pydantic import TypeAdapter

    from threatmodel.model.rules import Condition

    assert TypeAdapter(Condition).validate_python(cond).describe() == said


def _relayed(relay: dict[str, Any]) -> dict[str, Any]:
    """An application whose model traffic goes through a relay in the internet zone (decision 1898)."""
    return {
        "system": {"id": "chat", "name": "Chat"},
        "boundaries": [
            {"id": "corp", "trust": "internal"},
            {"id": "internet", "trust": "untrusted"},
            {"id": "vendor", "trust": "partner"},
        ],
        "components": [
            {"id": "chat-app", "kind": "application", "boundary": "corp", "exposure": "internal"},
            {"id": "proxy", "boundary": "internet", **relay},
            {"id": "vendor-llm", "kind": "llm", "boundary": "vendor", "hosting": "provider-api"},
        ],
        "flows": [
            {"source": "chat-app", "target": "proxy"},
            {"source": "proxy", "target": "vendor-llm"},
            {"source": "vendor-llm", "target": "proxy"},
            {"source": "proxy", "target": "chat-app"},
        ],
    }


def test_an_unknown_read_under_a_negation_is_not_stated_as_a_fact() -> None:
    """The relay's unstated supplier is said to be unknown, never "provenance is none of ..."."""
    f = _findings(_relayed({"kind": "external-service"}), as_written=True)["tm:model-route-hijacking@chat-app"]
    said = [w for w in f.why if "supplies proxy" in w]
    assert said == ["who builds or supplies proxy: not stated, read as not one of first-party, vendor, third-party-api"]
    assert any(a.attribute == "provenance" and a.element == "proxy" for a in f.assumes)


def test_a_stated_negative_names_its_element() -> None:
    f = _findings(_relayed({"kind": "external-service", "provenance": "community"}), as_written=True)
    why = f["tm:model-route-hijacking@chat-app"].why
    assert "who builds or supplies proxy: community" in why  # the value it has (decision 1938)
    assert not any(w.startswith(("not:", "provenance is")) for w in why)


def test_a_compound_negation_names_the_part_that_failed() -> None:
    """``not: {all: [...]}`` is explained by the first part that fails on known facts."""
    model = _relayed({"kind": "api-gateway", "provenance": "community"})
    model["components"][0] = {"id": "visitors", "kind": "human-user", "population": "public", "boundary": "internet"}
    model["flows"] = [{"source": "visitors", "target": "proxy"}, {"source": "proxy", "target": "vendor-llm"}]
    f = _findings(model, as_written=True)["tm:model-route-hijacking@proxy"]
    assert f.title == "Hijacking of model routing at the gateway"
    assert "no agent or application sends to proxy" in f.why
    assert not any(w.startswith("not:") or "not (" in w or "where " in w for w in f.why)


def test_a_remote_server_of_unstated_supplier_is_worded_as_run_by_outsiders() -> None:
    """The wording reads an unstated transport and supplier as the condition does (decision 1898)."""
    model = {
        "system": {"id": "desk", "name": "Desk"},
        "boundaries": [{"id": "laptop", "trust": "internal"}, {"id": "internet", "trust": "untrusted"}],
        "components": [
            {"id": "desk-agent", "kind": "agent", "boundary": "laptop", "tools": ["remote-server"]},
            {"id": "remote-server", "kind": "mcp-server", "boundary": "internet"},
        ],
        "flows": [{"source": "desk-agent", "target": "remote-server"}],
    }
    found = _findings(model, as_written=True)
    f = found["tm:mcp-tool-poisoning@remote-server"]
    assert f.title == "Tool descriptions and results from a server run by outsiders"
    assert {(a.element, a.attribute) for a in f.assumes} >= {
        ("remote-server", "transport"),
        ("remote-server", "provenance"),
    }
    assert "tm:unpinned-tool-supply-chain@remote-server" not in found  # one server, one finding


def test_instructions_copied_into_an_own_store_are_not_said_to_be_published_by_it() -> None:
    model = {
        "system": {"id": "repo", "name": "Repo"},
        "data": [{"id": "rules", "name": "Agent rules", "provenance": "community"}],
        "components": [
            {"id": "config-repo", "kind": "datastore", "provenance": "first-party", "data": ["rules"]},
            {"id": "code-agent", "kind": "agent", "system_prompt": "rules"},
        ],
        "flows": [{"source": "config-repo", "target": "code-agent", "data": ["rules"]}],
    }
    f = _findings(model, as_written=True)["tm:third-party-agent-instructions@config-repo"]
    assert f.title == "Agent instructions copied from a third-party collection"
    assert f.scenario.startswith(
        "config-repo holds instruction files copied from a collection outside the organisation (Agent rules)"
    )
    assert "publishes" not in f.scenario


@pytest.mark.parametrize(
    ("output", "title", "opening"),
    [
        (
            "media",
            "Extraction of memorised training images or recordings",
            "sends it inputs chosen to steer what it generates towards the examples it was trained on",
        ),
        (
            "text",
            "Extraction of memorised training data",
            "feeds it inputs built to resemble the records it was trained on",
        ),
    ],
)
def test_a_model_that_repeats_what_it_learnt_is_worded_for_what_it_outputs(
    output: str, title: str, opening: str
) -> None:
    """A generator of media is asked for its images; an OCR model or an upscaler is fed inputs, not
    prompts; ``{data}`` names what it learnt, not what it is sent (decisions 1894, 1898)."""
    model = {
        "system": {"id": "ocr", "name": "OCR"},
        "data": [
            {"id": "invoices", "name": "Training invoices", "classification": "confidential"},
            {"id": "uploads", "name": "Uploads", "classification": "confidential"},
        ],
        "components": [
            {"id": "visitors", "kind": "human-user", "population": "public"},
            {"id": "reader", "kind": "ml-model", "output": output, "trained_on": ["invoices"]},
        ],
        "flows": [{"source": "visitors", "target": "reader", "data": ["uploads"]}],
    }
    f = _findings(model, as_written=True)["tm:training-data-extraction@reader"]
    assert f.title == title
    assert opening in f.scenario
    assert "prompts" not in f.scenario and "captions" not in f.scenario
    assert "Training invoices" in f.scenario and "Uploads" not in f.scenario


def test_passwords_from_the_public_over_http_are_not_an_inside_zone_flow() -> None:
    """People outside the organisation on the wire: no "inside a zone" wording and no foothold discount."""
    model = {
        "system": {"id": "shop", "name": "Shop"},
        "data": [{"id": "password", "name": "Login password", "classification": "restricted", "tags": ["credentials"]}],
        "components": [
            {"id": "shoppers", "kind": "human-user", "population": "public"},
            {"id": "web", "kind": "application", "exposure": "internet"},
        ],
        "flows": [{"source": "shoppers", "target": "web", "data": ["password"], "protocol": "HTTP"}],
    }
    f = _findings(model, as_written=True)["tm:unprotected-sensitive-flow@shoppers-to-web"]
    assert f.title == "Sensitive data exchanged with outside people unprotected"
    assert "inside" not in f.scenario
    assert not any(x.delta < 0 for x in f.factors)
    assert "neither end of shoppers-to-web sits in a stated boundary" in f.why


def _weights_shipped(
    model_id: str, kind: str, output: str, recipient: dict[str, Any], trained_on: str
) -> dict[str, Any]:
    """A model trained in a restricted lab on confidential records, whose job writes the weights to
    a registry that hands them to ``recipient`` (id ``receiver``); no one is drawn querying it."""
    return {
        "system": {"id": "release", "name": "Model release"},
        "data": [
            {"id": "records", "name": trained_on, "classification": "confidential"},
            {"id": "checkpoints", "artifact": "model-weights", "provenance": "first-party"},
        ],
        "boundaries": [{"id": "lab", "trust": "restricted"}, {"id": "internet", "trust": "untrusted"}],
        "components": [
            {"id": "snapshot", "kind": "dataset", "boundary": "lab", "data": ["records"]},
            {"id": "training", "kind": "training-job", "boundary": "lab", "produces": model_id},
            {"id": model_id, "kind": kind, "boundary": "lab", "output": output},
            {"id": "registry", "kind": "model-registry", "boundary": "lab"},
            {"id": "receiver", **recipient},
        ],
        "flows": [
            {"source": "snapshot", "target": "training", "data": ["records"]},
            {"source": "training", "target": "registry", "data": ["checkpoints"]},
            {"source": "registry", "target": "receiver", "data": ["checkpoints"]},
        ],
    }


@pytest.mark.parametrize(
    ("recipient", "opening"),
    [
        ({"kind": "external-service", "boundary": "internet"}, "code-model's weights leave the organisation"),
        ({"kind": "external-service"}, "code-model's weights leave the organisation"),
        ({"kind": "human-user", "population": "partners"}, "code-model's weights leave the organisation"),
        ({"kind": "datastore"}, None),
        ({"kind": "model-serving", "serves": ["code-model"]}, None),
    ],
)
def test_weights_handed_out_are_read_from_what_is_stated_of_their_recipient(
    recipient: dict[str, Any], opening: str | None
) -> None:
    """Weights reach another party where the recipient is stated to be one: a zone of a partner or
    the public, people outside the organisation, another party's service placed in no zone. A
    store or a server drawn in no boundary is where the organisation keeps or runs its own model
    as often as not; its boundary is asked by the threats that read the copy itself
    (model-on-uncontrolled-devices), not read here as a release (decision 1909). Worded without a
    querier, since none is drawn."""
    model = _weights_shipped("code-model", "llm", "text", recipient, "Company repositories")
    found = _findings(model, as_written=True)
    f = found.get("tm:training-data-extraction@code-model")
    if opening is None:
        assert f is None
        assert "tm:model-on-uncontrolled-devices@code-model" in found
        return
    assert f is not None
    assert f.title == "Extraction of memorised training data from weights handed out"
    assert f.scenario.startswith(opening)
    assert "Company repositories" in f.scenario and "{" not in f.scenario
    assert [a for a in f.assumes if a.attribute == "boundary"] == []


def test_sellers_steering_a_search_encoder_are_not_worded_as_people_hiding_from_it() -> None:
    """An encoder of what sellers write is manipulated towards queries, not evaded by people it
    is meant to recognise (decision 1912)."""
    model = {
        "system": {"id": "market", "name": "Market"},
        "data": [{"id": "listings", "name": "Seller listings", "classification": "public"}],
        "components": [
            {"id": "listing-store", "kind": "datastore", "data": ["listings"]},
            {
                "id": "encoder",
                "kind": "embedding-model",
                "output": "embeddings",
                "subjects": ["partners"],
                "subject_influence": "authored",
            },
        ],
        "flows": [{"source": "listing-store", "target": "encoder", "data": ["listings"]}],
    }
    f = _findings(model, as_written=True)["tm:adversarial-evasion@encoder"]
    assert f.title == "Manipulation of matching by those who write what it embeds"
    assert "the queries they want to win" in f.scenario and "recognise them" not in f.scenario
    assert not any(x.delta < 0 for x in f.factors)
    # the organisation's own staff writing what it embeds: still raised, one step less likely
    encoder = model["components"][1]
    encoder["subjects"] = ["employees"]
    staff = _findings(model, as_written=True)["tm:adversarial-evasion@encoder"]
    assert [x.delta for x in staff.factors if "own staff" in x.reason] == [-1]
    assert staff.likelihood == f.likelihood - 1


def test_a_generators_weights_handed_out_are_worded_as_sampled_offline() -> None:
    """A media generator whose weights reach an untrusted zone is sampled offline by the holder; the
    recipient is not worded as a querier along the weights' flow (review 18)."""
    model = _weights_shipped(
        "photo-gen", "ml-model", "media", {"kind": "datastore", "boundary": "internet"}, "Studio photos"
    )
    f = _findings(model, as_written=True)["tm:training-data-extraction@photo-gen"]
    assert f.title == "Extraction of memorised training images or recordings from weights handed out"
    assert f.scenario.startswith("photo-gen's weights leave the organisation")
    assert "receiver reaches" not in f.scenario and "Studio photos" in f.scenario


# -- a finding grouping elements worded differently (decision 1918) --
def _zone_carrying(*payloads: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A service in one zone receives each payload over its own unencrypted flow from a store there."""
    return {
        "system": {"id": "zone", "name": "Zone"},
        "boundaries": [{"id": "dc", "trust": "internal"}],
        "data": [{"id": d, "name": d, "classification": "restricted", **extra} for d, extra in payloads],
        "components": [
            {"id": "service", "kind": "application", "boundary": "dc"},
            *({"id": f"store-{d}", "kind": "datastore", "boundary": "dc"} for d, _ in payloads),
        ],
        "flows": [{"source": f"store-{d}", "target": "service", "data": [d], "encrypted": False} for d, _ in payloads],
    }


def test_a_group_of_differently_worded_flows_takes_the_threats_own_wording() -> None:
    """A zone's links carrying weights and call audio are one root cause, but neither member's
    wording is the group's: the group reads as the threat's general case and realises both
    members' references (the weights still count as an exfiltration path)."""
    model = _zone_carrying(("weights", {"artifact": "model-weights"}), ("audio", {"tags": ["biometric", "pii"]}))
    f = _findings(model, as_written=True)["tm:unprotected-sensitive-flow@dc"]
    assert len(f.affected) == 2
    assert (
        f.title
        == _threat("unprotected-sensitive-flow").title
        == "Sensitive data moving without stated protection in transit"
    )
    assert f.scenario.startswith("store-audio → service and store-weights → service moves")
    assert "cosai:riskModelExfiltration" in f.refs and "owasp-ai-exchange:inputdataleak" in f.refs


def test_a_group_of_alike_flows_keeps_their_wording() -> None:
    model = _zone_carrying(("key-a", {"tags": ["credentials"]}), ("key-b", {"tags": ["secrets"]}))
    f = _findings(model, as_written=True)["tm:unprotected-sensitive-flow@dc"]
    assert len(f.affected) == 2
    assert f.title == "Credentials or secrets unprotected on the wire inside a zone"
    assert "foothold in that zone" in f.scenario


def test_a_score_applied_in_one_place_and_shown_in_another_takes_the_grouped_wording() -> None:
    """The underwriting service applies the model's score as the decision; the app people use shows
    it: one finding on the service, worded for both (the threat's ``grouped`` wording)."""
    model = {
        "system": {"id": "credit", "name": "Credit"},
        "data": [{"id": "decision", "classification": "confidential", "tags": ["pii"]}],
        "components": [
            {"id": "applicants", "kind": "human-user", "population": "customers"},
            {"id": "app", "kind": "application"},
            {"id": "underwriting", "kind": "application", "output_use": ["automated-decision"]},
            {"id": "scorer", "kind": "ml-model", "output": "scores"},
        ],
        "flows": [
            {"source": "applicants", "target": "app", "data": ["decision"]},
            {"source": "app", "target": "underwriting", "data": ["decision"]},
            {"source": "underwriting", "target": "scorer", "data": ["decision"]},
            {"source": "scorer", "target": "underwriting", "data": ["decision"]},
            {"source": "underwriting", "target": "app", "data": ["decision"]},
            {"source": "app", "target": "applicants", "data": ["decision"]},
        ],
    }
    f = _findings(model)["tm:unreviewed-score-reliance@underwriting"]
    grouped = _threat("unreviewed-score-reliance").grouped
    assert grouped is not None and f.title == grouped.title
    assert "applied as the decision where no one looks" in f.scenario and "{" not in f.scenario


def _threat(threat_id: str) -> Threat:
    return next(t for c in CATALOGS.catalogs for t in c.threats if t.id == threat_id)


def test_a_grouped_wording_is_checked_like_the_threats_own() -> None:
    """Its placeholders are checked, and it needs both ``group_by`` and ``variants`` to ever be used."""
    library = next(c for c in CATALOGS.catalogs if c.id == "tm")
    threat = library.threats[0].model_copy(
        update={"grouped": GroupWording(title="Grouped", scenario="{target} and {nonsense}"), "variants": ()}
    )
    broken = library.model_copy(update={"threats": (threat, *library.threats[1:])})
    issues = check_catalogs([broken, *(c for c in CATALOGS.catalogs if c.id != "tm")])
    assert [(i.path[-2:], "nonsense" in i.message) for i in issues] == [
        ((0, "grouped"), False),
        (("grouped", "scenario"), True),
    ]


def _attribute_names(node: object) -> set[str]:
    """Every attribute an attribute test of a dumped rule names (``attr``, a data test's ``unless``)."""
    found: set[str] = set()
    if isinstance(node, dict):
        test = node.get("attr")
        if isinstance(test, dict) and isinstance(test.get("name"), str):
            found.add(test["name"])
        for test in node.get("unless") or ():
            if isinstance(test, dict) and isinstance(test.get("name"), str):
                found.add(test["name"])
        for value in node.values():
            found |= _attribute_names(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found |= _attribute_names(value)
    return found


def test_every_attribute_a_rule_tests_is_worded_as_a_question() -> None:
    """An explanation states an attribute as the question it answers (decision 1938): each one a
    shipped rule tests has its question in one of the vocabulary tables, so a new attribute cannot
    reach a report as ``<name> of X`` unnoticed."""
    from threatmodel.model.unknowns import GRAPH_FACTS, STATED_ONLY_QUESTIONS, UNKNOWABLE, fact_question

    tested: set[str] = set()
    for catalog in load_catalogs().catalogs:
        for threat in catalog.threats:
            tested |= _attribute_names(threat.model_dump(mode="json", by_alias=True, exclude_none=True))
    assert len(tested) > 40  # the walk found the rules' tests
    unworded = sorted(tested - UNKNOWABLE.keys() - GRAPH_FACTS.keys() - STATED_ONLY_QUESTIONS.keys())
    assert unworded == []
    # and every attribute the graph settles from other facts (decision 1720), as ``questions`` lists them
    settled = {"exposure", "writers", "lawful_basis"}
    assert sorted(settled - UNKNOWABLE.keys() - GRAPH_FACTS.keys() - STATED_ONLY_QUESTIONS.keys()) == []
    assert fact_question("trained_on", "scorer") == "which data assets scorer learnt from"
    assert fact_question("authentication", "a-to-b", flow=True) == "how the sender on a-to-b proves who it is"
    assert fact_question("encrypted", "a-to-b") == "whether a-to-b is encrypted in transit"


def test_a_stated_fact_answers_its_question() -> None:
    """``yes``/``no`` for a yes-or-no attribute, ``none`` for an empty list, the values otherwise."""
    from threatmodel.model.rules import stated_fact, unstated_fact

    assert stated_fact("encrypted", "a-to-b", False) == "whether a-to-b is encrypted in transit: no"
    assert stated_fact("output_use", "app", ()) == "what app does with the model output it receives: none"
    assert stated_fact("side_effects", "t", ("write", "delete")) == "what calling t can do: write, delete"
    assert unstated_fact("hosting", "m", "read as provider-api") == "where m runs: not stated, read as provider-api"


def test_every_wording_of_an_unstated_fact_is_known_as_unstated() -> None:
    """An exclusion is explained by a stated part rather than a default only when that part's lines
    say nothing unstated (decision 1942): each way the engine words "unstated" is recognised, and a
    stated fact is not."""
    from threatmodel.model.rules import says_unstated, stated_fact, unstated_fact

    assert says_unstated(unstated_fact("hosting", "m"))
    assert says_unstated(unstated_fact("hosting", "m", "read as provider-api"))
    assert says_unstated(stated_fact("untrusted_content", "t", False) + " by default (not stated)")
    assert says_unstated("who can reach m is unknown: read as reachable from the internet")
    assert not says_unstated(stated_fact("credentials", "t", "scoped"))
    assert not says_unstated("m is of kind llm")


@pytest.mark.parametrize(
    ("cond", "said"),
    [
        (
            {
                "neighbour": {
                    "direction": "in",
                    "where": {
                        "all": [
                            {"kind": ["human-user"]},
                            {"not": {"attr": {"name": "population", "in": ["employees", "administrators"]}}},
                        ]
                    },
                }
            },
            "receives from a human user whose population is neither employees nor administrators",
        ),
        (
            {"linked": {"via": "tools", "where": {"not": {"attr": {"name": "approval", "equals": "always"}}}}},
            "it has a tool whose approval is not always among its tools",
        ),
        (
            {"neighbour": {"direction": "out", "where": {"not": {"attr": {"name": "base_model", "is_set": True}}}}},
            "sends to a component that states no base model",
        ),
    ],
)
def test_a_negated_attribute_inside_a_clause_reads_as_a_clause(cond: dict[str, Any], said: str) -> None:
    """Inside a noun phrase a negated attribute is a relative clause ("whose approval is not
    always"), never a fact line's question and answer (review of decision 1938: "such that which
    calls of it wait for a person's approval: not always")."""
    from pydantic import TypeAdapter

    from threatmodel.model.rules import Condition

    assert TypeAdapter(Condition).validate_python(cond).describe() == said


def _conditions(node: object) -> Iterator[object]:
    """Every condition inside ``node`` (a catalog, a threat, a condition), at any depth."""
    from pydantic import BaseModel

    from threatmodel.model.rules import _Predicate

    if isinstance(node, _Predicate):
        yield node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _conditions(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _conditions(item)


def test_whether_a_condition_reads_as_a_noun_is_told_from_its_structure() -> None:
    """An explanation names each failing neighbour when the neighbours' condition has no noun
    phrase of its own (decision 1938); that is decided from the condition's structure, and agrees
    with the wording on every condition the catalogs hold (a fallback ``such that`` clause, at any
    depth), in both directions."""
    from threatmodel.model.rules import noun_phrase, worded_as_noun

    seen = {True: 0, False: 0}
    for cond in _conditions(CATALOGS.catalogs):
        plain = worded_as_noun(cond)  # type: ignore[arg-type]
        assert plain == ("such that" not in noun_phrase(cond, "component")), cond  # type: ignore[arg-type]
        seen[plain] += 1
    assert seen[True] > 100
    assert seen[False] > 5

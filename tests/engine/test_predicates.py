"""The closed predicate vocabulary: each predicate matches exactly what its documentation says."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import check_catalogs, check_rule
from threatmodel.model.catalog import Catalog
from threatmodel.model.rules import Neighbour, TargetType
from threatmodel.model.system import SystemModel

BASE_CATALOG: dict[str, Any] = {
    "id": "t",
    "title": "test",
    "version": "1",
    "published": "2026-01-01",
    "source": "https://example.org/t",
    "licence": "test data",
    "controls": [{"id": "c1", "title": "C1"}, {"id": "c2", "title": "C2"}],
}

MODEL = """
system: {id: demo, name: Demo}
data:
  - {id: tickets, classification: confidential, tags: [pii]}
  - {id: secrets, classification: restricted, tags: [credentials]}
  - {id: prompt, classification: internal, tags: [system-prompt]}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: corp, trust: internal}
  - {id: vault-zone, trust: restricted, parent: corp}
components:
  - {id: customer, kind: human-user, boundary: internet, population: customers}
  - {id: portal, kind: application, boundary: corp, output_use: [render-html]}
  - {id: ticket-db, kind: datastore, boundary: corp, data: [tickets]}
  - {id: index, kind: vector-store, boundary: corp}
  - {id: retriever, kind: retriever, boundary: corp}
  - {id: llm, kind: llm, boundary: corp, weights_format: pickle, system_prompt: prompt}
  - {id: agent, kind: agent, boundary: corp, tools: [mailer, vault-read], model: llm}
  - {id: mailer, kind: tool, boundary: corp, side_effects: [send-external]}
  - {id: vault-read, kind: tool, boundary: vault-zone, data: [secrets], credentials: broad}
  - {id: lonely, kind: datastore}
flows:
  - {source: customer, target: portal, data: [tickets]}
  - {source: portal, target: ticket-db, data: [tickets]}
  - {source: ticket-db, target: index}
  - {source: index, target: retriever}
  - {source: retriever, target: llm}
  - {source: llm, target: portal}
  - {source: agent, target: llm}
  - {id: mail-out, source: agent, target: mailer, data: [tickets], encrypted: false}
  - {source: vault-read, target: agent, data: [secrets]}
"""


def matches(when: dict[str, Any], target: str = "component", model_text: str = MODEL) -> list[str]:
    """Elements on which a one-threat catalog with this rule fires (on ``model_text``, the demo
    model unless given)."""
    catalog = Catalog.model_validate(
        {
            **BASE_CATALOG,
            "threats": [
                {
                    "id": "x",
                    "title": "X",
                    "summary": "s",
                    "scenario": "s",
                    "target": target,
                    "when": when,
                    "likelihood": 3,
                    "impact": 3,
                    "lifecycle": ["runtime"],
                }
            ],
        }
    )
    assert check_catalogs([catalog]) == []
    model = SystemModel.model_validate(stated(yaml.safe_load(model_text)))
    assessment = evaluate(model, [catalog], as_of=FIXED_DATE)
    return sorted(f.target for f in assessment.findings)


def test_kind() -> None:
    """`kind` matches components of the listed kinds only."""
    assert matches({"kind": ["tool", "llm"]}) == ["llm", "mailer", "vault-read"]


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ({"name": "weights_format", "equals": "pickle"}, ["llm"]),
        ({"name": "credentials", "in": ["broad", "shared"]}, ["vault-read"]),
        ({"name": "side_effects", "contains_any": ["send-external"]}, ["mailer"]),
        ({"name": "system_prompt", "is_set": True}, ["llm"]),
        ({"name": "output_use", "contains_any": ["render-html", "run-sql"]}, ["portal"]),
    ],
)
def test_attr(test: dict[str, Any], expected: list[str]) -> None:
    """`attr` applies one operator to one attribute; components without the attribute never match."""
    assert matches({"attr": test}) == expected


def test_data_covers_held_carried_and_prompt_data() -> None:
    """`data` sees data a component holds, sends, receives, or uses as its system prompt."""
    assert matches({"data": {"tags_any": ["credentials"]}}) == ["agent", "vault-read"]
    assert matches({"all": [{"kind": ["llm"]}, {"data": {"tags_any": ["system-prompt"]}}]}) == ["llm"]
    assert matches({"data": {"classification_at_least": "confidential"}}) == [
        "agent",
        "customer",
        "mailer",
        "portal",
        "ticket-db",
        "vault-read",
    ]


def test_boundary_trust_uses_the_innermost_boundary() -> None:
    """`boundary_trust` reads the component's own boundary, not its parent's; a component with no
    boundary (``lonely``) has an unknown trust level, read conservatively: it matches, and under
    ``not`` the inner test fails, so the negation matches too."""
    assert matches({"boundary_trust": ["restricted"]}) == ["lonely", "vault-read"]
    assert matches({"boundary_trust": ["untrusted"]}) == ["customer", "lonely"]
    assert "lonely" in matches({"not": {"boundary_trust": ["untrusted"]}})


def test_tainted_follows_flows_from_untrusted_sources() -> None:
    """Content from the customer reaches everything downstream of the portal."""
    assert matches({"tainted": {}}) == ["customer", "index", "llm", "portal", "retriever", "ticket-db"]


def test_tainted_via_requires_an_intermediate_of_that_kind() -> None:
    """With `via`, only components reached through a retriever count (indirect injection)."""
    # llm -> portal -> ticket-db -> index -> retriever is a cycle, so the retrieved content flows on
    assert matches({"tainted": {"via": ["retriever"]}}) == ["index", "llm", "portal", "retriever", "ticket-db"]
    assert matches({"tainted": {"via": ["agent"]}}) == []


def test_tainted_respects_max_hops() -> None:
    """A hop limit stops the search."""
    assert matches({"tainted": {"max_hops": 1}}) == ["customer", "portal"]


def test_untrusted_source() -> None:
    """Customers in the untrusted boundary are sources of untrusted content."""
    assert matches({"untrusted_source": True}) == ["customer"]


def test_neighbour_direction() -> None:
    """`neighbour` looks one flow away, in the requested direction."""
    assert matches({"neighbour": {"direction": "out", "where": {"kind": ["llm"]}}}) == ["agent", "retriever"]
    assert matches({"neighbour": {"direction": "in", "where": {"kind": ["llm"]}}}) == ["portal"]


def test_neighbour_over_a_flow_with_a_stated_attribute() -> None:
    """With ``flow``, a neighbour counts only over a flow whose own attribute passes the test
    (decision 1920): the agent sends to its model over a flow stated encrypted (this helper states
    every fact) and to the mailer over one stated unencrypted; the tool it only names sends to it,
    and no flow of the agent's reaches it, so no flow test ever holds on it."""
    from_agent = {"direction": "in", "where": {"kind": ["agent"]}}
    assert matches({"neighbour": from_agent}) == ["llm", "mailer", "vault-read"]
    unencrypted = {"name": "encrypted", "equals": False, "unknown": "no-match"}
    assert matches({"neighbour": {**from_agent, "flow": unencrypted}}) == ["mailer"]
    assert matches({"neighbour": {**from_agent, "flow": {**unencrypted, "equals": True}}}) == ["llm"]


MIXED_LINKS = """
system: {id: links, name: Links}
components:
  - {id: a, kind: application}
  - {id: b, kind: application}
  - {id: x, kind: datastore}
  - {id: y, kind: datastore}
flows:
  - {source: a, target: x, encrypted: false}
  - {source: b, target: x, encrypted: true}
  - {source: a, target: y, encrypted: false}
"""


def test_every_flow_means_reached_only_over_such_flows() -> None:
    """With ``every_flow``, one flow in the direction that fails the flow test and nothing counts
    (review 21): both stores receive an unencrypted flow, but only ``y`` receives nothing else."""
    unencrypted = {"name": "encrypted", "equals": False, "unknown": "no-match"}
    from_an_app = {"direction": "in", "where": {"kind": ["application"]}, "flow": unencrypted}
    assert matches({"neighbour": from_an_app}, model_text=MIXED_LINKS) == ["x", "y"]
    assert matches({"neighbour": {**from_an_app, "every_flow": True}}, model_text=MIXED_LINKS) == ["y"]
    # and its negation: the store also reached over an encrypted flow
    assert matches({"not": {"neighbour": {**from_an_app, "every_flow": True}}}, model_text=MIXED_LINKS) == [
        "a",
        "b",
        "x",
    ]


def test_a_flow_test_of_an_unknowable_attribute_says_how_it_reads_an_unknown() -> None:
    """``encrypted`` may be unstated on a flow: the rule must choose the reading (the conservative
    default of attribute tests has no polarity to follow inside a flow test)."""
    rule = {
        "neighbour": {"direction": "in", "where": {"kind": ["agent"]}, "flow": {"name": "encrypted", "equals": False}}
    }
    problems = check_rule(Neighbour.model_validate(rule), TargetType.COMPONENT, ("when",))
    assert [(p[0][-1], "unstated" in p[1]) for p in problems] == [("flow", True)]
    every_alone = {"neighbour": {"direction": "in", "where": {"kind": ["agent"]}, "every_flow": True}}
    assert [p[0][-1] for p in check_rule(Neighbour.model_validate(every_alone), TargetType.COMPONENT, ("when",))] == [
        "every_flow"
    ]
    assert (
        check_rule(
            Neighbour.model_validate(
                {"neighbour": {**rule["neighbour"], "flow": {"name": "protocol", "equals": "in-process"}}}
            ),
            TargetType.COMPONENT,
            ("when",),
        )
        == []
    )


def test_reaches_and_reached_from() -> None:
    """`reaches` follows flows forward to a match; `reached_from` backward, neither counting the start."""
    # the index lies on a cycle, but a component never "reaches" itself: only what is upstream of it counts;
    # the mailer answers the agent that names it among its tools (decision 1880), so it is upstream too
    assert matches({"reaches": {"where": {"kind": ["vector-store"]}}}) == [
        "agent",
        "customer",
        "llm",
        "mailer",
        "portal",
        "retriever",
        "ticket-db",
        "vault-read",
    ]
    assert matches({"reaches": {"where": {"kind": ["tool"]}}}) == ["agent", "mailer", "vault-read"]
    assert matches({"reached_from": {"where": {"kind": ["human-user"]}, "max_hops": 2}}) == ["portal", "ticket-db"]


def test_linked_follows_declared_relations() -> None:
    """`linked` follows an agent's tools (declared or by flow) to a matching component."""
    rule = {"linked": {"via": "tools", "where": {"attr": {"name": "side_effects", "contains_any": ["send-external"]}}}}
    assert matches(rule) == ["agent"]


def test_exists_is_system_wide() -> None:
    """`exists` holds everywhere when some component matches, nowhere otherwise."""
    assert matches({"exists": {"where": {"kind": ["monitoring"]}}}, target="system") == []
    assert matches({"not": {"exists": {"where": {"kind": ["monitoring"]}}}}, target="system") == ["demo"]


def test_flow_predicates() -> None:
    """Flow rules see boundary crossings, flow attributes, carried data and endpoints."""
    assert matches({"crosses_boundary": True}, target="flow") == ["customer-to-portal", "vault-read-to-agent"]
    assert matches({"attr": {"name": "encrypted", "equals": False}}, target="flow") == ["mail-out"]
    assert matches({"data": {"tags_any": ["credentials"]}}, target="flow") == ["vault-read-to-agent"]
    rule = {"endpoint": {"end": "target", "where": {"kind": ["tool"]}}}
    assert matches(rule, target="flow") == ["mail-out"]


def test_combinations() -> None:
    """all / any / not compose: the lethal trifecta on the agent."""
    trifecta = {
        "all": [
            {"kind": ["agent"]},
            {"data": {"classification_at_least": "confidential"}},
            {
                "linked": {
                    "via": "tools",
                    "where": {"attr": {"name": "side_effects", "contains_any": ["send-external"]}},
                }
            },
            {"any": [{"tainted": {}}, {"linked": {"via": "model", "where": {"tainted": {}}}}]},
            {"not": {"attr": {"name": "human_approval", "equals": "all"}}},
        ]
    }
    assert matches(trifecta) == ["agent"]


def test_data_kept_counts_only_what_the_component_keeps() -> None:
    """`kept: true` looks at a component's own `data`, not at what passes through it on flows: the
    ticket store keeps the tickets, the customer, portal, agent and mailer only send or receive them."""
    assert matches({"data": {"kept": True, "tags_any": ["pii"]}}) == ["ticket-db"]
    assert matches({"data": {"kept": True, "tags_any": ["credentials"]}}) == ["vault-read"]
    assert matches({"data": {"tags_any": ["pii"]}}) == ["agent", "customer", "mailer", "portal", "ticket-db"]


def test_data_learnt_counts_only_what_a_model_was_trained_on() -> None:
    """`learnt: true` looks at a model's `trained_on` only: the model the vendor trained on the
    tickets learnt from them; the portal that sends tickets and the store that keeps them did not,
    and neither did the model for the tickets it is sent at runtime."""
    model = MODEL.replace(
        "{id: llm, kind: llm, boundary: corp, weights_format: pickle, system_prompt: prompt}",
        "{id: llm, kind: llm, boundary: corp, weights_format: pickle, system_prompt: prompt, trained_on: [tickets]}",
    )
    assert model != MODEL
    assert matches({"data": {"learnt": True, "tags_any": ["pii"]}}, model_text=model) == ["llm"]
    assert matches({"data": {"learnt": True, "tags_any": ["pii"]}}) == []
    assert matches({"data": {"learnt": True, "tags_any": ["system-prompt"]}}, model_text=model) == []


def test_predicates_out_of_context_are_catalog_errors() -> None:
    """Using a component predicate on a flow threat (or an unknown attribute) fails at load."""
    for when, target, needle in (
        ({"kind": ["llm"]}, "flow", "cannot be used on a flow"),
        ({"data": {"kept": True, "tags_any": ["pii"]}}, "flow", "'kept' can only be tested on a component"),
        ({"data": {"learnt": True, "personal": True}}, "flow", "'learnt' can only be tested on a component"),
        ({"data": {"learnt": True, "kept": True}}, "component", "'learnt' cannot be combined with 'kept'"),
        ({"attr": {"name": "wieghts_format", "equals": "x"}}, "component", "did you mean 'weights_format'"),
        ({"attr": {"name": "weights_format", "equals": "x", "is_set": True}}, "component", "exactly one of"),
    ):
        catalog = Catalog.model_validate(
            {
                **BASE_CATALOG,
                "threats": [
                    {
                        "id": "x",
                        "title": "X",
                        "summary": "s",
                        "scenario": "s",
                        "target": target,
                        "when": when,
                        "likelihood": 1,
                        "impact": 1,
                        "lifecycle": ["runtime"],
                    }
                ],
            }
        )
        rendered = " ".join(f"{i.message} {i.hint}" for i in check_catalogs([catalog]))
        assert needle in rendered


def test_deep_nesting_is_refused() -> None:
    """Conditions nested deeper than the limit are refused at load, so evaluation stays bounded."""
    when: dict[str, Any] = {"kind": ["llm"]}
    for _ in range(20):
        when = {"not": when}
    catalog = Catalog.model_validate(
        {
            **BASE_CATALOG,
            "threats": [
                {
                    "id": "x",
                    "title": "X",
                    "summary": "s",
                    "scenario": "s",
                    "when": when,
                    "likelihood": 1,
                    "impact": 1,
                    "lifecycle": ["runtime"],
                }
            ],
        }
    )
    assert any("nested deeper" in i.message for i in check_catalogs([catalog]))


def test_unknown_scenario_placeholder_is_refused() -> None:
    """Scenario templates may only use the documented placeholders."""
    catalog = Catalog.model_validate(
        {
            **BASE_CATALOG,
            "threats": [
                {
                    "id": "x",
                    "title": "X",
                    "summary": "s",
                    "scenario": "{target} {__class__}",
                    "when": {"kind": ["llm"]},
                    "likelihood": 1,
                    "impact": 1,
                    "lifecycle": ["runtime"],
                }
            ],
        }
    )
    assert any("unknown placeholder" in i.message for i in check_catalogs([catalog]))

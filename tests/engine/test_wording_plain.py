"""Explanations read as facts about the system, never as rule syntax (review 13, decision 1901).

Each test states the exact line on a small model and that the old rule-syntax wording is gone.
"""

from __future__ import annotations

import re
from typing import Any

from tests.engine.test_artifacts import BASE_CATALOG
from tests.engine.test_wording import _findings
from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.engine.catalogs import Template, fill
from threatmodel.model.catalog import Catalog
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

RULE_WORDS = re.compile(
    r"(?<!^)where |^where (?!.* runs: )|'| in \[|equals|is set|read as if '|link to anything|is unknown: read"
)
"""Rule syntax an explanation must not show (a quoted boundary name aside, see ``_rule_words``); a
line may open with the question ``where X runs`` (decision 1938)."""


def _rule_words(lines: tuple[str, ...]) -> list[str]:
    return [w for w in lines if RULE_WORDS.search(re.sub(r"'[^']*' \(|'[^']*'$", "", w))]


SERVING: dict[str, Any] = {
    "system": {"id": "ml", "name": "ML"},
    "data": [{"id": "w", "name": "Weights", "artifact": "model-weights", "format": "pickle", "integrity": "none"}],
    "components": [
        {"id": "hub", "kind": "model-registry"},
        {"id": "server", "kind": "model-serving", "serves": ["scorer"]},
        {"id": "scorer", "kind": "ml-model"},
    ],
    "flows": [{"source": "hub", "target": "server", "data": ["w"]}],
}

CHAT: dict[str, Any] = {
    "system": {"id": "chat", "name": "Chat"},
    "components": [{"id": "app", "kind": "application"}, {"id": "chat-llm", "kind": "llm"}],
    "flows": [{"source": "app", "target": "chat-llm"}],
}


# -- problem 1: a negated link or path names the element and says the relation -----------------------


def test_a_negated_link_says_the_relation_in_words() -> None:
    why = _findings(CHAT, as_written=True)["tm:provider-model-dependency@chat-llm"].why
    assert "no training or fine-tuning job trains chat-llm" in why
    assert not any("trained on by" in w or "link to anything" in w for w in why)
    why = _findings(SERVING, as_written=True)["tm:pickle-deserialization@server"].why
    assert "server serves no model that states a weights format" in why
    assert "how the weights of scorer are serialised: not stated" in why  # what the negation rests on
    assert not any("serves link" in w or "where " in w for w in why)


def test_a_negated_path_says_which_way_data_goes() -> None:
    why = _findings(CHAT, as_written=True)["tm:model-denial-of-service@app"].why
    assert "no data from app reaches a model server within 2 flows" in why
    assert not any("sends data toward nothing" in w for w in why)


# -- problem 2: an unknown reading says the reading in words --------------------------------------------


def test_an_unknown_reading_is_said_in_plain_words() -> None:
    why = _findings(CHAT, as_written=True)["tm:provider-model-dependency@chat-llm"].why
    assert "where chat-llm runs: not stated, read as provider-api" in why
    assert (
        "how the weights of chat-llm are serialised: not stated, read as not one of safetensors, pickle, pytorch, "
        "joblib, keras, onnx, gguf, tensorflow, model-weights"
    ) in why
    assert (
        "whether chat-llm is pinned to a reviewed version that changes only after review: not stated, read as no" in why
    )
    assert _rule_words(why) == []


def test_an_unknown_boundary_is_said_in_plain_words() -> None:
    model = {"system": {"id": "s", "name": "S"}, "components": [{"id": "bot", "kind": "agent"}]}
    why = _own({"all": [{"kind": ["agent"]}, {"boundary_trust": ["untrusted"]}]}, model).why
    assert why == ("bot is of kind agent", "which trust boundary bot runs in: not stated, read as untrusted")
    why = _own({"all": [{"kind": ["agent"]}, {"not": {"boundary_trust": ["untrusted", "partner"]}}]}, model).why
    assert why == (
        "bot is of kind agent",
        "which trust boundary bot runs in: not stated, read as neither untrusted nor partner",
    )


# -- problem 3: a compound negation names a failing fact, not a gate -------------------------------------


def test_a_compound_negation_names_the_cause_not_the_gate() -> None:
    """The exception for an index of unstated reach is refused by its tainted writer, and the
    explanation says that, not "exposure of index is stated"."""
    model = {
        "system": {"id": "rag", "name": "RAG"},
        "components": [
            {"id": "tickets", "kind": "data-source", "untrusted_content": True},
            {"id": "ingest", "kind": "data-pipeline"},
            {"id": "index", "kind": "vector-store", "exposure": "internal"},
        ],
        "flows": [{"source": "tickets", "target": "ingest"}, {"source": "ingest", "target": "index"}],
    }
    why = _findings(model, as_written=True)["tm:rag-corpus-poisoning@index"].why
    assert why[-2:] == ("ingest sends to index", "untrusted content reaches ingest: tickets → ingest")
    assert not any("exposure" in w for w in why)


def _own(when: dict[str, Any], model: dict[str, Any]) -> Finding:
    catalog = Catalog.model_validate(
        {
            **BASE_CATALOG,
            "threats": [
                {
                    "id": "x",
                    "title": "X",
                    "summary": "s",
                    "scenario": "{target}",
                    "when": when,
                    "likelihood": 3,
                    "impact": 3,
                    "lifecycle": ["deployment"],
                }
            ],
        }
    )
    (finding,) = evaluate(SystemModel.model_validate(model), [catalog], as_of=FIXED_DATE).findings
    return finding


def test_a_known_failing_leaf_is_named_inside_a_part_that_also_reads_an_unknown() -> None:
    """The first failing part reads an unknown; the second fails on a stated provenance although it
    also tests an unknown: the stated fact is what the explanation names."""
    when = {
        "all": [
            {"kind": ["llm"]},
            {
                "not": {
                    "all": [
                        {"attr": {"name": "hosting", "equals": "provider-api"}},
                        {
                            "all": [
                                {"attr": {"name": "pinned_version", "equals": True}},
                                {"attr": {"name": "provenance", "equals": "vendor"}},
                            ]
                        },
                    ]
                }
            },
        ]
    }
    model = {"system": {"id": "s", "name": "S"}, "components": [{"id": "m", "kind": "llm", "provenance": "community"}]}
    why = _own(when, model).why
    assert why == ("m is of kind llm", "who builds or supplies m: community")


# -- problem 4: an attribute nobody wrote is unstated, never a negative fact -----------------------------


def test_an_unwritten_attribute_is_said_to_be_unstated() -> None:
    model = {
        "system": {"id": "z", "name": "Z"},
        "data": [{"id": "secret", "name": "API key", "classification": "restricted", "tags": ["credentials"]}],
        "boundaries": [{"id": "cloud", "trust": "internal"}],
        "components": [
            {"id": "app", "kind": "application", "boundary": "cloud"},
            {"id": "vault", "kind": "datastore", "boundary": "cloud"},
        ],
        "flows": [{"source": "vault", "target": "app", "data": ["secret"]}],
    }
    why = _findings(model, as_written=True)["tm:unprotected-sensitive-flow@vault-to-app"].why
    assert why[0] == "which protocol vault-to-app uses: not stated"
    assert "protocol of vault-to-app is not in-process" not in why
    why = _findings(SERVING, as_written=True)["tm:unverified-model-deployment@server"].why
    assert "where server runs: not stated" in why
    assert not any(w.startswith("hosting of server is not provider-api") for w in why)


def test_an_unwritten_link_is_not_stated_rather_than_unset() -> None:
    why = _findings(SERVING, as_written=True)["tm:backdoored-open-weights@scorer"].why
    assert "which model scorer was fine-tuned from: not stated" in why
    assert not any("unset" in w for w in why)


def test_a_schema_default_is_said_to_be_one() -> None:
    """``untrusted_content`` nobody wrote is false by the schema's default, and the line says so."""
    model = {
        "system": {"id": "mail", "name": "Mail"},
        "components": [
            {"id": "helper", "kind": "agent", "tools": ["mailer"]},
            {"id": "mailer", "kind": "tool", "side_effects": ["send-external"]},
        ],
        "flows": [{"source": "helper", "target": "mailer"}],
    }
    why = _findings(model, as_written=True)["tm:open-recipient-send-tool@mailer"].why
    assert "whether outsiders can write what mailer carries or returns: no by default (not stated)" in why
    assert "helper uses mailer" in why
    assert "untrusted content of mailer is false" not in why
    assert not any("used by" in w for w in why)


# -- problem 5: an empty {data} and the way a flow goes ---------------------------------------------------


def test_no_data_to_name_drops_the_brackets() -> None:
    model = {
        "system": {"id": "tools", "name": "Tools"},
        "components": [{"id": "helper", "kind": "agent", "tools": ["lookup"]}, {"id": "lookup", "kind": "tool"}],
        "flows": [{"source": "helper", "target": "lookup"}],
    }
    f = _findings(model, as_written=True)["tm:unpinned-tool-supply-chain@lookup"]
    assert f.scenario.endswith("its code forwards the credentials and data it handles.")
    assert "(its data)" not in f.scenario
    assert Template.of("handles ({data}).").fill({"data": ""}) == "handles."
    assert fill("reads {data} on the way", {"data": ""}) == "reads its data on the way"


def test_a_neighbour_fact_says_which_end_sends() -> None:
    why = _findings(CHAT, as_written=True)["tm:model-denial-of-service@app"].why
    assert "app sends to chat-llm" in why
    assert not any("is connected to" in w for w in why)


def test_a_stated_group_of_limits_is_said_by_its_parts() -> None:
    """Execution bounds are said as the limits stated ("timeout seconds 7200"), never as the
    object's internal form (``max_steps=None …``, held-out 31's why-not)."""
    from threatmodel.model.rules import fmt_value, stated_value
    from threatmodel.model.system import ExecutionBounds

    bounds = ExecutionBounds(timeout_seconds=7200, max_cost=25.0)
    assert stated_value(bounds) == "timeout seconds 7200, max cost 25.0"
    assert fmt_value(ExecutionBounds(max_steps=3)) == "max steps 3"
    assert "=" not in stated_value(bounds)

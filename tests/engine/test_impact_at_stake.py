"""Impact factors count only what the attack at hand can reach (issue 9, gap 6).

A model trained on restricted data does not make evading or injecting into that model more
damaging: those attacks reach what the model handles at runtime, not its training set. Attacks on
what the model learnt (extraction, membership inference) still count it.
"""

from __future__ import annotations

from typing import Any

from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()


def _findings(data: dict[str, Any]) -> dict[str, Finding]:
    model = SystemModel.model_validate(stated(data))
    return {f.id: f for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}


def _reasons(f: Finding) -> list[str]:
    return [x.reason for x in f.factors if x.axis == "impact"]


# A card-fraud scorer trained on restricted card history; merchants submit the transactions it scores.
FRAUD: dict[str, Any] = {
    "system": {"id": "fraud", "name": "Fraud scoring"},
    "data": [
        {"id": "card-history", "name": "Card history", "classification": "restricted", "tags": ["pci", "pii"]},
        {"id": "txn", "name": "Transaction", "classification": "internal"},
    ],
    "components": [
        {"id": "merchants", "kind": "human-user", "population": "partners", "exposure": "internal"},
        {"id": "api", "kind": "api-gateway", "exposure": "partner"},
        {
            "id": "scorer",
            "kind": "ml-model",
            "output": "label",
            "exposure": "internal",
            "trained_on": ["card-history"],
        },
    ],
    "flows": [
        {"source": "merchants", "target": "api", "data": ["txn"]},
        {"source": "api", "target": "scorer", "data": ["txn"]},
        {"source": "scorer", "target": "api", "data": ["txn"]},
    ],
}


def test_restricted_training_data_does_not_raise_evasion() -> None:
    evasion = _findings(FRAUD)["tm:adversarial-evasion@scorer"]
    assert not any("restricted" in r for r in _reasons(evasion))
    assert (evasion.likelihood, evasion.impact) == (4, 3)
    assert "Card history" not in evasion.scenario


def test_restricted_training_data_still_raises_membership_inference() -> None:
    inference = _findings(FRAUD)["tm:membership-inference@scorer"]
    assert "handles restricted data: Card history" in _reasons(inference)


def test_restricted_data_the_model_receives_at_runtime_still_counts() -> None:
    data = {**FRAUD, "data": [{**d, "classification": "restricted"} if d["id"] == "txn" else d for d in FRAUD["data"]]}
    evasion = _findings(data)["tm:adversarial-evasion@scorer"]
    assert "handles restricted data: Transaction" in _reasons(evasion)


# A support LLM fine-tuned on restricted case notes; the public chats with it; it sees only public FAQ text.
CHAT: dict[str, Any] = {
    "system": {"id": "chat", "name": "Chat"},
    "data": [
        {"id": "case-notes", "name": "Case notes", "classification": "restricted", "tags": ["pii"]},
        {"id": "faq", "name": "FAQ", "classification": "public"},
    ],
    "components": [
        {"id": "public", "kind": "human-user", "population": "public", "exposure": "internal"},
        {"id": "web", "kind": "application", "exposure": "internet", "multi_tenant": False},
        {"id": "bot", "kind": "llm", "output": "text", "exposure": "internal", "trained_on": ["case-notes"]},
    ],
    "flows": [
        {"source": "public", "target": "web"},
        {"source": "web", "target": "bot", "data": ["faq"]},
        {"source": "bot", "target": "web", "data": ["faq"]},
    ],
}


def test_jailbreak_impact_ignores_what_the_model_was_only_trained_on() -> None:
    findings = _findings(CHAT)
    jailbreak = findings["tm:direct-prompt-injection@bot"]
    assert _reasons(jailbreak) == ["base impact of the threat"]
    assert jailbreak.impact == 3
    assert "Case notes" not in jailbreak.scenario
    extraction = findings["tm:training-data-extraction@bot"]
    assert "handles restricted data: Case notes" in _reasons(extraction)
    assert "Case notes" in extraction.scenario

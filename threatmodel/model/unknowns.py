"""Facts a model may leave unstated, and what an unstated fact means: *unknown*, never the safe answer.

A security-relevant attribute that a model file does not state is ``None`` in the model, and
:data:`UNKNOWABLE` lists every such attribute with the question a reviewer would ask about it.
Writing ``unknown`` in a model file says the same thing explicitly. How a threat rule reads an
unknown value is decided per test (docs/rules.md, "Unknown facts"); by default it is the reading
that keeps the threat, so an unstated fact can raise a finding but never hide one.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field

UNKNOWN = "unknown"
"""What a model file may write for any attribute of :data:`UNKNOWABLE`."""

UNKNOWABLE: dict[str, str] = {
    "provenance": "who builds or supplies {name} (first-party, vendor, third-party-api, open-weights, community)",
    "trained_on": "which data assets {name} learnt from (trained_on, naming public corpora too), or the training job in the model that produces it",
    "exposure": "who can reach {name} over a network (internet, partner, internal, none)",
    "authentication": "how callers of {name} prove who they are (none, api-key, oauth, sso, mtls, …)",
    "encrypted": "whether {name} is encrypted in transit",
    "encrypted_at_rest": "whether {name} is encrypted at rest",
    "population": "who the users behind {name} are (public, customers, partners, employees, administrators)",
    "autonomy": "how freely {name} acts (assistive, supervised, autonomous)",
    "human_approval": "which actions of {name} wait for a person's approval (none, high-impact, all)",
    "identity": "whose credentials {name} acts with (own, user-delegated, shared-service-account)",
    "side_effects": "what calling {name} can do (read-only, write, delete, send-external, move-money, …)",
    "credentials": "what credentials {name} holds (none, scoped, user-delegated, broad, shared)",
    "transport": "how agents reach {name} (in-process, stdio, http, sse, websocket)",
    "tenant_isolation": "how {name} keeps tenants' data apart (single-tenant, none, logical, physical)",
    "shared_across_users": "whether what {name} stores for one user can be read for another",
    "multi_tenant": "whether {name} serves several customers or tenants from one deployment",
    "rate_limited": "whether callers of {name} are rate-limited per identity",
    "blocking": "whether {name} blocks what it catches (or only flags it)",
    "accelerator": "how the accelerators {name} runs on are shared (dedicated, shared, confidential)",
    "hosting": "where {name} runs (self-hosted on the organisation's own infrastructure, on-device in what customers or users hold, or provider-api)",
    "weights_format": "how the weights of {name} are serialised (safetensors, pickle, pytorch, onnx, …)",
    "labelling": "where the labels of {name} come from (internal, vendor, crowdsourced, user-feedback, …)",
    "method": "how {name} trains (pretraining, supervised, full-fine-tune, peft, rlhf, continuous)",
    "output": "what {name} returns to its callers (text, label, scores, logits, embeddings, media)",
    # issue 9, unknowns and oversight: how model output is used where it arrives
    "instructed": "whether {name} is given standing instructions (a system prompt) by the application that calls it",
    "output_use": "what {name} does with the model output it receives (display-text, render-markdown, render-html, execute-code, run-sql, run-shell, call-api, send-email, automated-decision, or [] for none)",
    # data lifecycle and purpose (issue 9, gap 4)
    "retention": "how long {name} is kept (session, need, a duration such as 90d, indefinite)",
    "purpose": "what {name} was collected for and may be used for (service, support, analytics, training, …)",
    "lawful_basis": "the lawful basis for processing {name} (consent, contract, legitimate-interests, …, not-personal)",
    "minimisation": "what is removed from {name} before it is kept or passed on (none, redacted, pseudonymised, anonymised, aggregated)",
    "derived_from": "which data assets {name} is made from ([] when it is collected as is)",
    "access": "who can read what {name} keeps (need-to-know, operators, broad-staff, public)",
    # issue 9, rules area
    "caller_scoped": "whether {name} acts only on what the user it serves may access, checked against that user's session",
    "recipients": "whom {name} can send data to (any, allow-listed, caller, internal)",
    "budget_limited": "whether each caller's token or cost budget is capped at {name}",
    # artefact provenance (issue 9, gap 3)
    "format": "how {name} is serialised (safetensors, onnx, gguf, parquet, or pickle, pytorch, joblib, which run code on load)",
    "integrity": "how {name} is checked before it is loaded (signature-verified, hash-pinned, none)",
    "pinned_version": "whether {name} is pinned to a reviewed version that changes only after review",
    "provider_retention": "what the provider behind {name} keeps of what it is sent (none, abuse-monitoring, training)",
    "pinned_dependencies": "whether the ML libraries {name} runs are pinned by version and digest from a vetted source",
    # people and oversight (issue 9)
    "subjects": "whose data {name} takes as input: the people it scores or describes (public, customers, partners, employees, administrators, or none)",
    "subject_influence": "how far the people {name} judges can shape its input (none, indirect, authored)",
    "human_review": "how a person checks the output of {name} before people act on it (every, sampled, on-exception, none)",
    "approval": "which calls of {name} wait for a person's approval (none, above-limit, always)",
    "limit_scope": "how the limits and approval thresholds of {name} are counted (per-call, cumulative)",
    "channel": "how the people behind {name} reach the system (web, mobile-app, phone, video, email, messaging, in-person)",
    "identity_check": "how the system confirms who the people behind {name} are (none, caller-id, knowledge, voice-print, face-match, one-time-code, login)",
    # issue 9, the last unknowns read as safe (decision 1630)
    "classification": "how sensitive {name} is (public, internal, confidential, restricted)",
}
"""Every attribute whose unstated value is unknown, with the question that states it (``{name}``: the element)."""


GRAPH_FACTS: dict[str, str] = {
    "boundary": "which trust boundary {name} runs in",
}
"""Facts that are not attributes a rule tests but that graph predicates read (a component with no
boundary has an unknown trust level; ``boundary_trust`` reads it like an unknown attribute). They are
asked like attributes, but a model may not write ``unknown`` for them: it leaves them out."""


FLOW_QUESTIONS: dict[str, str] = {
    "authentication": "how the sender on {name} proves who it is (none, api-key, oauth, sso, mtls, …)",
}
"""Wordings for attributes that read differently on a flow."""


LEGACY_DEFAULTS: dict[str, object] = {
    "provenance": "first-party",
    "exposure": "internal",
    "population": "employees",
    "multi_tenant": False,
    "blocking": True,
    "output": "text",
    "autonomy": "supervised",
    "human_approval": "none",
    "identity": "own",
    "side_effects": ["read-only"],
    "credentials": "none",
    "tenant_isolation": "single-tenant",
    "shared_across_users": False,
    "accelerator": "dedicated",
    "rate_limited": False,
    # 0.1 read an unstated output use as none and a model without a named system prompt as uninstructed
    "output_use": [],
    "instructed": False,
    # 0.1 to 0.5 read an unstated hosting as the organisation's own serving stack
    "hosting": "self-hosted",
    # 0.1 to 0.6 read a data asset's unstated classification as internal (decision 1630)
    "classification": "internal",
}
"""What version 0.1 assumed for an unstated attribute (the safe answer). Kept only so that a model
written for 0.1 can state those assumptions explicitly and keep its old findings."""


STATED_ONLY_QUESTIONS: dict[str, str] = {
    "untrusted_content": "whether outsiders can write what {name} carries or returns",
    "federated": "whether {name} trains across parties that send model updates instead of data",
    "artifact": "what {name} is when something loads, installs or runs it",
    "delegates_to": "which agents {name} hands work to",
    "protocol": "which protocol {name} uses",
    "base_model": "which model {name} was fine-tuned from",
    "checks": "what {name} screens for",
    "captures": "what {name} captures from the physical world",
    "system_prompt": "which data asset holds the instructions of {name}",
    "execution_bounds": "what limits bound a run of {name}",
    "tags": "what {name} is tagged as",
    "writers": "who writes what {name} holds",
}
"""The question for an attribute a model need not be asked about (a stated fact, or a missing part)."""


def _short(template: str) -> str:
    """A question without its list of answers: the text before `` (`` or ``: ``."""
    for cut in (" (", ": "):
        template = template.split(cut, 1)[0]
    return template


_FACT_QUESTIONS: dict[str, str] = {
    attribute: _short(template)
    for table in (STATED_ONLY_QUESTIONS, GRAPH_FACTS, UNKNOWABLE)  # a later table overrides an earlier one
    for attribute, template in table.items()
}
"""Each attribute's question as a fact line answers it, cut once: :func:`fact_question`."""
_FLOW_FACT_QUESTIONS: dict[str, str] = {attribute: _short(template) for attribute, template in FLOW_QUESTIONS.items()}


def fact_question(attribute: str, name: str, *, flow: bool = False) -> str:
    """What ``attribute`` says of the element called ``name``, as a question an explanation answers:
    ``which data assets fraud-model learnt from``, ``whether a-to-b is encrypted in transit``. One
    wording per attribute, shared by every explanation (a finding's why, --why-not, settled facts);
    an attribute with none is worded ``<attribute> of <name>``."""
    template = (_FLOW_FACT_QUESTIONS.get(attribute) if flow else None) or _FACT_QUESTIONS.get(attribute)
    if template is None:
        return f"{attribute.replace('_', ' ')} of {name}"
    return template.format(name=name)


def question(attribute: str, name: str, *, flow: bool = False) -> str:
    """The question that would settle ``attribute`` of the element (a flow when ``flow``) called ``name``."""
    template = FLOW_QUESTIONS.get(attribute) if flow else None
    return "state " + (template or UNKNOWABLE.get(attribute) or GRAPH_FACTS[attribute]).format(name=name)


EMPTY_IS_UNKNOWN: frozenset[str] = frozenset({"trained_on"})
"""List attributes whose empty list says no more than leaving them out: a model that learnt from
none of the data drawn still learnt from something (decision 1928, review 23). Elsewhere ``[]`` is
a fact (``derived_from: []``: collected as is; ``side_effects: []``: none)."""


def is_unknown(attribute: str, value: object) -> bool:
    """True when ``value`` of ``attribute`` is unknown (unstated, or written as ``unknown``, or
    empty where an empty list states nothing: :data:`EMPTY_IS_UNKNOWN`)."""
    return attribute in UNKNOWABLE and (value is None or (value == () and attribute in EMPTY_IS_UNKNOWN))


def _unknown_is_none(value: Any) -> Any:
    return None if value == UNKNOWN else value


def _schema_allows_unknown(schema: dict[str, Any]) -> None:
    """The field's JSON Schema also accepts the word ``unknown`` (the model holds it as null)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        options.append({"const": UNKNOWN})


T = TypeVar("T")

Unknowable = Annotated[
    T | None,
    BeforeValidator(_unknown_is_none),
    Field(json_schema_extra=_schema_allows_unknown),
]
"""A fact that may be unstated: ``None`` (or ``unknown`` in the file) means unknown."""

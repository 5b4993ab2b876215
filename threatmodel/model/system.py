"""The system model: what a model file describes.

Every type here is frozen and rejects unknown keys. Field docstrings become the
``description`` of the generated JSON Schema, so they are written for the person
editing a model file.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, StrictBool, model_validator

from threatmodel.model.base import (
    Classification,
    Frozen,
    Item,
    Labelled,
    Name,
    Ref,
    Slug,
    Text,
    TrustLevel,
    shared_field_set,
)
from threatmodel.model.keys import flow_key
from threatmodel.model.unknowns import Unknowable
from threatmodel.model.vocab import (
    Accelerator,
    AgentIdentity,
    Artifact,
    ArtifactFormat,
    Authentication,
    Autonomy,
    Capture,
    Channel,
    ControlStatus,
    Credentials,
    EvidenceOutcome,
    Exposure,
    Hosting,
    HumanApproval,
    HumanReview,
    IdentityCheck,
    Integrity,
    Labelling,
    LawfulBasis,
    LifecycleStatus,
    LimitScope,
    Minimisation,
    ModelOutput,
    OutputUse,
    Population,
    Provenance,
    ProviderRetention,
    RecipientScope,
    Retention,
    SideEffect,
    StoreAccess,
    SubjectInfluence,
    TenantIsolation,
    ToolApproval,
    TrainingMethod,
    Transport,
    TriageStatus,
    WeightsFormat,
)

# ---------------------------------------------------------------------------
# System, data, boundaries

Duration = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,4}[dwmy]$")]
"""A retention period: a number and a unit, d(ays), w(eeks), m(onths) or y(ears), e.g. ``90d``."""


class Review(Frozen):
    """When the model was last reviewed, and by whom."""

    reviewed_on: dt.date | None = None
    """Date of the last design review."""
    reviewers: tuple[Name, ...] = ()
    """People who took part in the review."""
    next_review: dt.date | None = None
    """When the model is due for its next review."""


class System(Frozen):
    """The system being modelled."""

    id: Slug
    """Stable id of the system; used in report and STIX ids."""
    name: Name
    """Display name."""
    description: Text = ""
    """What the system does, for whom, in a few sentences."""
    owner: Name | None = None
    """Team or person accountable for the system."""
    status: LifecycleStatus = LifecycleStatus.DESIGN
    """Lifecycle status."""
    version: Annotated[str, Field(max_length=64)] | None = None
    """Version of the system or of this model, free form."""
    updated: dt.date | None = None
    """Date the model was last changed; used as the timestamp of exports (never the clock)."""
    review: Review = Review()
    """Review metadata."""
    tags: tuple[Slug, ...] = ()
    """Free labels."""


class DataAsset(Labelled, Item):
    """A kind of data the system stores, processes or moves."""

    id: Slug
    """Stable id, in the same namespace as components, flows and boundaries."""
    name: Name | None = None
    """Display name; defaults to the id."""
    classification: Unknowable[Classification] = None
    """Sensitivity: public, internal, confidential or restricted; unset (or ``unknown``) when
    unknown, which the rules read as possibly restricted (decision 1630)."""
    tags: tuple[Slug, ...] = ()
    """What the data is. Tags the built-in rules understand: pii, phi, pci, credentials,
    secrets, source-code, model-weights, system-prompt, training-data, user-content,
    financial, biometric, embeddings, feedback, children (data about minors) and trade-secret.
    pii, phi, pci, biometric and children mark personal data."""
    owner: Name | None = None
    """Data owner."""
    description: Text = ""
    """What it contains and where it comes from."""

    # -- data lifecycle and purpose (issue 9, gap 4) --------------------------------------------
    retention: Unknowable[Retention | Duration] = None
    """How long it is kept: a duration (``30d``, ``12w``, ``6m``, ``7y``), ``session`` (discarded
    when the conversation or job ends), ``need`` (deleted once its purpose is served, by an
    enforced rule) or ``indefinite``; unset when unknown."""
    purpose: Unknowable[tuple[Slug, ...]] = None
    """What it was collected for and may be used for, as slugs (``service``, ``support``,
    ``fraud-prevention``, ``analytics``, ``training``…); rules look for ``training`` before data
    feeds a model. Unset when unknown."""
    lawful_basis: Unknowable[LawfulBasis] = None
    """The legal ground for processing it when it is personal data (consent, contract,
    legitimate-interests…), or ``not-personal``; unset when unknown."""
    minimisation: Unknowable[Minimisation] = None
    """What was removed before it is kept or passed on: none, redacted, pseudonymised, anonymised
    or aggregated. Anonymised or aggregated data no longer inherits the sensitivity of the data it
    is derived from; redacted data keeps its own classification. Unset when unknown."""
    derived_from: Unknowable[tuple[Slug, ...]] = None
    """Ids of the data assets it is made from (a transcript from call audio, features from
    transactions, an adapter from its training examples); ``[]`` when it is collected as is.
    Derived data inherits the classification and personal-data tags of its sources unless it is
    anonymised or aggregated. Unset when unknown."""
    # -- artefact provenance (issue 9, gap 3) ------------------------------------------------
    artifact: Artifact | None = None
    """What the asset is when something loads, installs or runs it: model-weights, adapter,
    dataset, ml-library or container-image. Unset: not an artefact, except that data tagged
    ``model-weights`` counts as model weights and data tagged ``training-data`` as a dataset."""
    provenance: Unknowable[Provenance] = None
    """Who produced or publishes the artefact (first-party, vendor, open-weights for a public hub,
    community); unset (or ``unknown``) when unknown."""
    format: Unknowable[ArtifactFormat] = None
    """How the artefact is serialised. pickle, pytorch (.pt/.bin) and joblib run code when they are
    loaded; safetensors, onnx, gguf, parquet, csv and json hold data only. Unset when unknown."""
    integrity: Unknowable[Integrity] = None
    """How it is checked before it is loaded: signature-verified, hash-pinned or none; unset when
    unknown."""


class Boundary(Labelled, Item):
    """A trust boundary; boundaries nest through ``parent``."""

    id: Slug
    """Stable id, in the same namespace as components, flows and data."""
    name: Name | None = None
    """Display name; defaults to the id."""
    trust: TrustLevel
    """How far its contents are trusted: untrusted, partner, internal, restricted."""
    parent: Slug | None = None
    """The boundary this one sits inside, if any."""
    description: Text = ""
    """What the boundary is (a VPC, a vendor's cloud, the public internet...)."""


# ---------------------------------------------------------------------------
# Components


class ExecutionBounds(Frozen):
    """Hard limits on an agent's run."""

    max_steps: Annotated[int, Field(ge=1)] | None = None
    """Maximum reasoning or tool-call steps per task."""
    max_tool_calls: Annotated[int, Field(ge=1)] | None = None
    """Maximum tool invocations per task."""
    timeout_seconds: Annotated[int, Field(ge=1)] | None = None
    """Wall-clock limit per task."""
    max_cost: Annotated[float, Field(gt=0)] | None = None
    """Spending limit per task, in the organisation's currency."""

    @model_validator(mode="after")
    def _states_a_limit(self) -> ExecutionBounds:
        # an empty mapping bounds nothing; read as a bound it would hide the runaway-loop finding
        # (review 27): leave the key out to say the agent is unbounded
        if all(value is None for _, value in self):
            raise ValueError(
                "no limit is stated: give max_steps, max_tool_calls, timeout_seconds or max_cost, or leave the key out (unbounded)"
            )
        return self


class _ComponentBase(Labelled, Item):
    if TYPE_CHECKING:  # each concrete class narrows it to its Literal kinds (the union's discriminator)
        kind: str

    id: Slug
    """Stable id. Findings are keyed on it, so renaming it re-keys them (see `threatmodel migrate`)."""
    name: Name | None = None
    """Display name; defaults to the id. Never part of an identifier."""
    description: Text = ""
    """What the component does."""
    boundary: Slug | None = None
    """The trust boundary the component runs in."""
    owner: Name | None = None
    """Team or person accountable for the component."""
    provenance: Unknowable[Provenance] = None
    """Who built or supplies it; unset (or ``unknown``) when unknown."""
    exposure: Unknowable[Exposure] = None
    """Who can reach it directly; unset when unknown."""
    authentication: Unknowable[Authentication] = None
    """How callers authenticate to it; unset when unknown."""
    data: tuple[Slug, ...] = ()
    """Data assets it holds or processes."""
    untrusted_content: StrictBool = False
    """True when outsiders can write what this component carries or returns
    (public web pages, inbound e-mail, customer tickets, uploaded documents)."""
    tags: tuple[Slug, ...] = ()
    """Free labels."""


class HumanUser(_ComponentBase):
    """A person using the system."""

    kind: Literal["human-user"]
    """Component kind."""
    population: Unknowable[Population] = None
    """Who the users are; unset when unknown (read as outsiders by the built-in rules)."""
    # -- people and oversight (issue 9)
    channel: Unknowable[tuple[Channel, ...]] = None
    """How these people reach the system (web, mobile-app, phone, video, email, messaging,
    in-person); unset when unknown. Voices and faces on phone and video can be imitated."""
    identity_check: Unknowable[IdentityCheck] = None
    """How the system confirms that one of these people is who they claim to be (none, caller-id,
    knowledge, voice-print, face-match, one-time-code, login); unset when unknown."""


class Application(_ComponentBase):
    """A service: application, API gateway, retriever, external service, monitoring, tool registry."""

    kind: Literal["application", "api-gateway", "retriever", "external-service", "monitoring", "tool-registry"]
    """Component kind."""
    output_use: Unknowable[tuple[OutputUse, ...]] = None
    """How it uses model output it receives (shown as text, rendered as Markdown or HTML, executed,
    run as SQL, decided on...); unset when unknown. Write ``[]`` for an application that receives no
    model output or passes it on untouched."""
    multi_tenant: Unknowable[StrictBool] = None
    """Serves several customers or tenants from one deployment; unset when unknown."""
    # -- issue 9, rules area: caller binding (retrievers) and spending caps (gateways)
    caller_scoped: Unknowable[StrictBool] = None
    """Acts only on what the user it serves may see or change: it takes that user from the
    authenticated session (never from a model's or agent's arguments) and checks every request
    against that user's rights; unset when unknown."""
    budget_limited: Unknowable[StrictBool] = None
    """For gateways in front of metered models: each caller's token or cost budget is capped, so
    one leaked key runs up at most its cap; unset when unknown."""

    # -- data lifecycle and purpose (issue 9, gap 4) --------------------------------------------
    access: Unknowable[StoreAccess] = None
    """Who can read the data it keeps, such as the logs and transcripts of a monitoring service:
    need-to-know, operators, broad-staff or public; unset when unknown."""

    # -- people and oversight (issue 9)
    human_review: Unknowable[HumanReview] = None
    """How a person checks its output before people act on it: every, sampled, on-exception or
    none; unset when unknown."""

    # -- element-kind coverage (issue 9, kind pass, decision 1610)
    rate_limited: Unknowable[StrictBool] = None
    """Each caller may send it only so many requests in a time window (per key, account or
    address), so one caller cannot exhaust what runs behind it, such as a model it fronts; unset
    when unknown."""

    # -- issue 9, sensors (decision 1900)
    captures: tuple[Capture, ...] = ()
    """What it captures from the physical world around it (images, video, audio, readings): a
    camera, a microphone, a sensor. Whoever can be, or place something, where it captures shapes
    what the model behind it reads. Empty: it captures nothing physical."""


class Guardrail(_ComponentBase):
    """A filter on the way into or out of a model."""

    kind: Literal["input-guardrail", "output-guardrail"]
    """Component kind."""
    checks: tuple[Slug, ...] = ()
    """What it screens for, e.g. prompt-injection, jailbreak, pii, secrets, toxicity, topic."""
    blocking: Unknowable[StrictBool] = None
    """Blocks what it catches (true) or only flags it (false); unset when unknown."""


class Model(_ComponentBase):
    """A model: LLM, classical ML model or embedding model."""

    kind: Literal["llm", "ml-model", "embedding-model"]
    """Component kind."""
    hosting: Unknowable[Hosting] = None
    """Run on the organisation's own serving stack or called at a provider's API; unset when unknown."""
    weights_format: Unknowable[WeightsFormat] = None
    """How the weights are serialised; pickle-based formats execute code when loaded."""
    base_model: Slug | None = None
    """The component this model was fine-tuned from, if it is in the model."""
    trained_on: Unknowable[tuple[Slug, ...]] = None
    """Data assets the model was trained or fine-tuned on; unset (or empty) when unknown. A training
    or fine-tuning job in the model that produces it also says what it learnt from (decision 1928)."""
    output: Unknowable[ModelOutput] = None
    """What it returns: text, label, scores, logits, embeddings or media (generated images, audio
    or video); unset when unknown."""
    system_prompt: Slug | None = None
    """Data asset holding its system prompt or instructions."""
    task: Annotated[str, Field(max_length=200)] | None = None
    """What the model is for (fraud scoring, ticket triage, chat...)."""
    # -- people and oversight (issue 9)
    subjects: Unknowable[tuple[Population, ...]] = None
    """The people whose data is the model's input: those it scores, ranks, classifies or describes
    (cardholders, claimants, patients, applicants), as populations. Write ``[]`` when its inputs
    are about no one (sensor readings, source code); unset when unknown."""
    subject_influence: Unknowable[SubjectInfluence] = None
    """How far those people can shape what reaches the model: none, indirect (their behaviour
    produces it) or authored (they write or submit it); unset when unknown."""
    human_review: Unknowable[HumanReview] = None
    """How a person checks its output before people act on it: every, sampled, on-exception or
    none; unset when unknown."""

    # -- artefact provenance (issue 9, gap 3) ------------------------------------------------
    pinned_version: Unknowable[StrictBool] = None
    """For a provider-hosted model: calls name a fixed, dated model version (not an alias the
    provider moves), and a new version is reviewed before it is used. Unset when unknown."""
    provider_retention: Unknowable[ProviderRetention] = None
    """For a provider-hosted model: what the provider keeps of what it is sent, as its contract and
    settings state: none (zero data retention), abuse-monitoring (kept for a bounded period for
    abuse review, not trained on) or training (may be used to train its models). Unset when
    unknown."""

    # -- issue 9, unknowns and oversight (reasona)
    instructed: Unknowable[StrictBool] = None
    """Given standing instructions (a system prompt) by the application that calls it; naming them
    in ``system_prompt`` says so too. Write ``false`` for a model called with the user's text
    alone; unset when unknown."""


class Agent(_ComponentBase):
    """A reasoning loop that plans and calls tools."""

    kind: Literal["agent"]
    """Component kind."""
    model: Slug | None = None
    """The LLM component that drives it."""
    tools: tuple[Slug, ...] = ()
    """Tool and MCP-server components it can call."""
    delegates_to: tuple[Slug, ...] = ()
    """Other agents it hands work to."""
    memory: Slug | None = None
    """The agent-memory component it reads and writes."""
    autonomy: Unknowable[Autonomy] = None
    """How freely it acts; unset when unknown."""
    human_approval: Unknowable[HumanApproval] = None
    """Which actions wait for a person; unset when unknown."""
    execution_bounds: ExecutionBounds | None = None
    """Hard limits on a run; unset means unbounded."""
    identity: Unknowable[AgentIdentity] = None
    """Whose credentials it acts with; unset when unknown."""
    system_prompt: Slug | None = None
    """Data asset holding its instructions."""
    # -- people and oversight (issue 9)
    human_review: Unknowable[HumanReview] = None
    """How a person checks its output before people act on it: every, sampled, on-exception or
    none; unset when unknown."""
    # -- issue 9, unknowns and oversight (reasona)
    instructed: Unknowable[StrictBool] = None
    """Given standing instructions (a system prompt) by the application that calls it; naming them
    in ``system_prompt`` says so too. Write ``false`` for a model called with the user's text
    alone; unset when unknown."""


class Tool(_ComponentBase):
    """A tool, plugin or MCP server an agent calls."""

    kind: Literal["tool", "mcp-server"]
    """Component kind."""
    side_effects: Unknowable[tuple[SideEffect, ...]] = None
    """What calling it can do; unset when unknown."""
    credentials: Unknowable[Credentials] = None
    """What credentials it holds; unset when unknown."""
    transport: Unknowable[Transport] = None
    """How the agent reaches it; unset when unknown."""
    pinned_version: Unknowable[StrictBool] = None
    """Its version or digest is pinned and reviewed before upgrades; unset when unknown."""
    # -- issue 9, rules area: caller binding and where sent data can go
    caller_scoped: Unknowable[StrictBool] = None
    """Acts only on what the user it serves may see or change: it takes that user from the
    authenticated session (never from a model's or agent's arguments) and checks every request
    against that user's rights; unset when unknown."""
    recipients: Unknowable[RecipientScope] = None
    """For tools that send data out: whom they can send to (any, allow-listed, caller, internal);
    unset when unknown."""
    # -- people and oversight (issue 9)
    approval: Unknowable[ToolApproval] = None
    """Which calls wait for a person's approval, enforced by the tool or its backend: none,
    above-limit (only calls over an amount, count or recipient threshold) or always; unset when
    unknown."""
    limit_scope: Unknowable[LimitScope] = None
    """How its limits and approval thresholds are counted: per-call (each call alone) or
    cumulative (totals per person, session or period); unset when unknown."""


class Store(_ComponentBase):
    """Somewhere data rests: vector store, memory, datasets, registries, caches, sources."""

    kind: Literal[
        "vector-store",
        "agent-memory",
        "prompt-store",
        "data-source",
        "dataset",
        "feature-store",
        "model-registry",
        "datastore",
        "cache",
    ]
    """Component kind."""
    encrypted_at_rest: Unknowable[StrictBool] = None
    """Encrypted at rest; unset when unknown."""
    tenant_isolation: Unknowable[TenantIsolation] = None
    """How tenants' data is separated; unset when unknown."""
    labelling: Unknowable[Labelling] = None
    """For datasets: where the labels come from; unset when unknown."""
    shared_across_users: Unknowable[StrictBool] = None
    """Entries written for one user can be read for another (shared memory, shared caches); unset when unknown."""
    # -- issue 9, rules area: caller binding (retrieval indexes)
    caller_scoped: Unknowable[StrictBool] = None
    """Acts only on what the user it serves may see or change: it takes that user from the
    authenticated session (never from a model's or agent's arguments) and checks every request
    against that user's rights; unset when unknown."""

    # -- data lifecycle and purpose (issue 9, gap 4) --------------------------------------------
    access: Unknowable[StoreAccess] = None
    """Who can read what it keeps (records, transcripts, logs, caches): need-to-know, operators,
    broad-staff or public; unset when unknown."""

    # -- issue 9, sensors (decision 1900): a camera or microphone drawn as a data source
    captures: tuple[Capture, ...] = ()
    """What it captures from the physical world around it (images, video, audio, readings): a
    camera, a microphone, a sensor. Whoever can be, or place something, where it captures shapes
    what the model behind it reads. Empty: it captures nothing physical."""


class Training(_ComponentBase):
    """A job that changes data or models: pipeline, training, fine-tuning, evaluation."""

    kind: Literal["data-pipeline", "training-job", "fine-tuning-job", "evaluation"]
    """Component kind."""
    method: Unknowable[TrainingMethod] = None
    """How the job trains; unset when unknown."""
    federated: StrictBool = False
    """Trains across parties that send model updates instead of data."""
    accelerator: Unknowable[Accelerator] = None
    """How its accelerators are shared; unset when unknown."""
    produces: Slug | None = None
    """The model component it produces or updates."""
    labelling: Unknowable[Labelling] = None
    """For pipelines that label data: where the labels come from; unset when unknown."""

    # -- artefact provenance (issue 9, gap 3) ------------------------------------------------
    pinned_dependencies: Unknowable[StrictBool] = None
    """Its ML framework and library dependencies (and base image) are pinned by version and digest,
    come from a vetted mirror and are reviewed before upgrades; unset when unknown."""


class Serving(_ComponentBase):
    """Inference infrastructure hosting one or more models."""

    kind: Literal["model-serving"]
    """Component kind."""
    serves: tuple[Slug, ...] = ()
    """Model components it hosts."""
    accelerator: Unknowable[Accelerator] = None
    """How its accelerators are shared; unset when unknown."""
    multi_tenant: Unknowable[StrictBool] = None
    """Hosts models or requests of several tenants; unset when unknown."""
    rate_limited: Unknowable[StrictBool] = None
    """Callers are rate-limited and metered per identity; unset when unknown."""

    # -- artefact provenance (issue 9, gap 3) ------------------------------------------------
    pinned_dependencies: Unknowable[StrictBool] = None
    """Its ML framework and library dependencies (and base image) are pinned by version and digest,
    come from a vetted mirror and are reviewed before upgrades; unset when unknown."""


Component = Annotated[
    HumanUser | Application | Guardrail | Model | Agent | Tool | Store | Training | Serving,
    Field(discriminator="kind"),
]
"""A component; its ``kind`` selects which attributes it accepts."""

COMPONENT_CLASSES: tuple[type[_ComponentBase], ...] = (
    HumanUser,
    Application,
    Guardrail,
    Model,
    Agent,
    Tool,
    Store,
    Training,
    Serving,
)


def component_class(kind: str) -> type[_ComponentBase]:
    """The class that holds components of ``kind``."""
    for cls in COMPONENT_CLASSES:
        if kind in get_args(cls.model_fields["kind"].annotation):
            return cls
    raise KeyError(kind)


ComponentBase = _ComponentBase

# ---------------------------------------------------------------------------
# Flows, controls, triage


class Flow(Item):
    """A directed data flow between two components."""

    # :attr:`key` once derived. A slot, not a field or an entry of the instance's ``__dict__``: it is
    # never compared (``==``, ``hash``), dumped, copied (``copy``, ``model_copy`` and pickling make a
    # new instance without it, so an updated copy derives its own) or walked as one of the values.
    __slots__ = ("_key",)

    id: Slug | None = None
    """Stable id; defaults to ``<source>-to-<target>``."""
    source: Slug
    """The component sending the data."""
    target: Slug
    """The component receiving it."""
    data: tuple[Slug, ...] = ()
    """Data assets it carries."""
    protocol: Annotated[str, Field(max_length=64), AfterValidator(str.lower)] | None = None
    """Protocol, e.g. https, grpc, stdio, s3, smtp; read in lower case (``HTTP`` is ``http``)."""
    authentication: Unknowable[Authentication] = None
    """How the sender authenticates; unset when unknown."""
    encrypted: Unknowable[StrictBool] = None
    """Encrypted in transit; unset when unknown."""
    description: Text = ""
    """What moves and why."""

    @model_validator(mode="after")
    def _share_field_set(self) -> Flow:
        """:class:`Item`'s validator (this one replaces it: pydantic runs one validator per name),
        which also derives :attr:`key` while the flow's values are at hand: reading the slot unset
        falls through to pydantic's ``__getattr__`` and its error, ten times the cost of deriving."""
        shared_field_set(self)
        _FLOW_KEY.__set__(self, flow_key(self.id, self.source, self.target))
        return self

    @property
    def key(self) -> str:
        """The flow's id, given or derived (derived once, when validated: the graph, the labels and
        every writer ask it of each flow, about 165,000 times in a 10,000-component report)."""
        try:
            known: str = self._key  # type: ignore[attr-defined]  # the slot
        except AttributeError:  # a flow made without validation (``model_construct``, a copy)
            key = flow_key(self.id, self.source, self.target)
            _FLOW_KEY.__set__(self, key)
            return key
        return known


_FLOW_KEY: Any = Flow.__dict__["_key"]
"""The slot of :attr:`Flow.key` (set through its descriptor: the class is frozen)."""


class ImplementedControl(Item):
    """A control the system already has, named by its catalog id."""

    control: Ref
    """Catalog control id, e.g. ``cosai:controlInputValidationAndSanitization``."""
    scope: tuple[Slug, ...] = ()
    """Components or flows it covers; empty means the whole system."""
    status: ControlStatus = ControlStatus.IMPLEMENTED
    """implemented, partial or planned; only implemented controls lower residual risk."""
    evidence: Text | None = None
    """Where to see it working: a link, a test, a runbook."""
    owner: Name | None = None
    """Who maintains it."""


FindingId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*:[A-Za-z0-9.:_-]+@[a-z][a-z0-9-]*$")]
"""A finding id: ``<catalog>:<threat>@<element>``."""


class Evidence(Frozen):
    """One adversarial test run that exercised the finding (e.g. from its red-team plan)."""

    tool: Name
    """The tool that ran it, e.g. ``promptfoo``, ``garak``, ``pyrit``, or a team's own harness."""
    run_id: Annotated[str, Field(min_length=1, max_length=200)]
    """The run's identifier in that tool (eval id, report file, scan id)."""
    date: dt.date
    """The day the run happened (YYYY-MM-DD); policy judges its age against --as-of."""
    outcome: EvidenceOutcome
    """passed (the attack did not succeed), failed (it did) or inconclusive."""
    url: Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s]+$")] | None = None
    """Where the run's results can be read (http or https)."""


class TriageEntry(Item):
    """A decision about one finding."""

    status: TriageStatus
    """open, in-progress, mitigated, accepted, transferred or false-positive."""
    owner: Name | None = None
    """Who owns the decision."""
    approver: Name | None = None
    """Who approved it, when policy requires a second person."""
    justification: Text = ""
    """Why: the reasoning a reviewer will read."""
    ticket: Annotated[str, Field(max_length=200)] | None = None
    """Tracking ticket."""
    decided_on: dt.date | None = None
    """When the decision was made."""
    review_by: dt.date | None = None
    """After this date the decision lapses and the finding reopens."""
    risk: Annotated[int, Field(ge=1, le=25)] | None = None
    """The finding's residual risk when the decision was made (the TUI records it). An accepted or
    transferred risk that has grown since reopens the finding: the decision covered less."""
    evidence: tuple[Evidence, ...] = Field(default=(), max_length=1000)
    """Adversarial test runs that exercised the finding (tool, run id, date, outcome, url);
    policy can require passing evidence newer than N days (``require_test_evidence``)."""


class Settings(Frozen):
    """Per-model engine settings."""

    ignore_diagnostics: tuple[Annotated[str, Field(pattern=r"^TM\d{3}$")], ...] = ()
    """Diagnostic codes to silence, e.g. TM101."""
    disabled_threats: tuple[Annotated[str, Field(max_length=160)], ...] = ()
    """Threat ids never to raise on this model (prefer triage: it keeps a justification)."""


class SystemModel(Frozen):
    """A threat model: one AI system as a data-flow graph."""

    schema_version: Literal[1] = 1
    """Version of the model file format."""
    system: System
    """The system being modelled."""
    includes: tuple[Annotated[str, Field(max_length=500)], ...] = ()
    """Further model files (relative paths) whose data, boundaries, components, flows,
    controls and triage are added to this one."""
    data: tuple[DataAsset, ...] = ()
    """Data assets."""
    boundaries: tuple[Boundary, ...] = ()
    """Trust boundaries."""
    components: tuple[Component, ...] = ()
    """Components."""
    flows: tuple[Flow, ...] = ()
    """Data flows."""
    controls: tuple[ImplementedControl, ...] = ()
    """Controls already in place."""
    triage: dict[FindingId, TriageEntry] = Field(default_factory=dict)
    """Decisions about findings, keyed by finding id."""
    settings: Settings = Settings()
    """Engine settings for this model."""

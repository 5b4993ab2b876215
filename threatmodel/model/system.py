"""The system model: what a model file describes.

Every type here is frozen and rejects unknown keys. Field docstrings become the
``description`` of the generated JSON Schema, so they are written for the person
editing a model file.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import Field, StrictBool

from threatmodel.model.base import (
    Classification,
    Frozen,
    Labelled,
    Name,
    Ref,
    Slug,
    Text,
    TrustLevel,
)
from threatmodel.model.keys import flow_key
from threatmodel.model.unknowns import Unknowable

# ---------------------------------------------------------------------------
# Vocabularies


class ComponentKind(StrEnum):
    """The AI-aware kinds of component a model can contain."""

    HUMAN_USER = "human-user"
    APPLICATION = "application"
    API_GATEWAY = "api-gateway"
    INPUT_GUARDRAIL = "input-guardrail"
    OUTPUT_GUARDRAIL = "output-guardrail"
    LLM = "llm"
    ML_MODEL = "ml-model"
    EMBEDDING_MODEL = "embedding-model"
    AGENT = "agent"
    TOOL = "tool"
    MCP_SERVER = "mcp-server"
    AGENT_MEMORY = "agent-memory"
    VECTOR_STORE = "vector-store"
    RETRIEVER = "retriever"
    PROMPT_STORE = "prompt-store"
    DATA_SOURCE = "data-source"
    DATA_PIPELINE = "data-pipeline"
    DATASET = "dataset"
    FEATURE_STORE = "feature-store"
    TRAINING_JOB = "training-job"
    FINE_TUNING_JOB = "fine-tuning-job"
    EVALUATION = "evaluation"
    MODEL_REGISTRY = "model-registry"
    MODEL_SERVING = "model-serving"
    DATASTORE = "datastore"
    CACHE = "cache"
    TOOL_REGISTRY = "tool-registry"
    EXTERNAL_SERVICE = "external-service"
    MONITORING = "monitoring"


COSAI_COMPONENT: dict[ComponentKind, str | None] = {
    ComponentKind.HUMAN_USER: "componentAgentUserQuery",
    ComponentKind.APPLICATION: "componentApplication",
    ComponentKind.API_GATEWAY: "componentApplicationInputHandling",
    ComponentKind.INPUT_GUARDRAIL: "componentApplicationInputHandling",
    ComponentKind.OUTPUT_GUARDRAIL: "componentApplicationOutputHandling",
    ComponentKind.LLM: "componentTheModel",
    ComponentKind.ML_MODEL: "componentTheModel",
    ComponentKind.EMBEDDING_MODEL: "componentTheModel",
    ComponentKind.AGENT: "componentReasoningCore",
    ComponentKind.TOOL: "componentTools",
    ComponentKind.MCP_SERVER: "componentTools",
    ComponentKind.AGENT_MEMORY: "componentMemory",
    ComponentKind.VECTOR_STORE: "componentRAGContent",
    ComponentKind.RETRIEVER: "componentRAGContent",
    ComponentKind.PROMPT_STORE: "componentAgentSystemInstruction",
    ComponentKind.DATA_SOURCE: "componentDataSources",
    ComponentKind.DATA_PIPELINE: "componentDataFilteringAndProcessing",
    ComponentKind.DATASET: "componentTrainingData",
    ComponentKind.FEATURE_STORE: "componentDataStorage",
    ComponentKind.TRAINING_JOB: "componentModelTrainingTuning",
    ComponentKind.FINE_TUNING_JOB: "componentModelTrainingTuning",
    ComponentKind.EVALUATION: "componentModelEvaluation",
    ComponentKind.MODEL_REGISTRY: "componentModelStorage",
    ComponentKind.MODEL_SERVING: "componentModelServing",
    ComponentKind.DATASTORE: "componentDataStorage",
    ComponentKind.CACHE: "componentDataStorage",
    ComponentKind.TOOL_REGISTRY: "componentTools",
    ComponentKind.EXTERNAL_SERVICE: "componentTools",
    ComponentKind.MONITORING: None,
}
"""Each kind's CoSAI Risk Map component; ``None`` where the Risk Map has no counterpart."""


class Provenance(StrEnum):
    """Who built or supplies a component (or a dataset, or model weights)."""

    FIRST_PARTY = "first-party"
    """Built and operated by the organisation itself."""
    THIRD_PARTY_API = "third-party-api"
    """Used as a hosted service of a vendor (a model API, a SaaS)."""
    VENDOR = "vendor"
    """Licensed software or data from a known vendor, run by the organisation."""
    OPEN_WEIGHTS = "open-weights"
    """Downloaded from a public hub (open model weights, public datasets)."""
    COMMUNITY = "community"
    """Taken from a community registry (an MCP server list, a plugin store, a package index)."""


class Exposure(StrEnum):
    """Who can reach the component directly."""

    INTERNET = "internet"
    PARTNER = "partner"
    INTERNAL = "internal"
    NONE = "none"
    """Not reachable over a network (a batch job, an offline store)."""


class Authentication(StrEnum):
    """How a caller (or a flow) proves who it is."""

    NONE = "none"
    API_KEY = "api-key"
    OAUTH = "oauth"
    SSO = "sso"
    MTLS = "mtls"
    WORKLOAD_IDENTITY = "workload-identity"
    PASSWORD = "password"  # noqa: S105 - the name of an authentication method, not a secret


class Population(StrEnum):
    """Who a human-user component stands for."""

    PUBLIC = "public"
    CUSTOMERS = "customers"
    PARTNERS = "partners"
    EMPLOYEES = "employees"
    ADMINISTRATORS = "administrators"


class OutputUse(StrEnum):
    """How an application uses model output it receives."""

    DISPLAY_TEXT = "display-text"
    RENDER_HTML = "render-html"
    RENDER_MARKDOWN = "render-markdown"
    EXECUTE_CODE = "execute-code"
    RUN_SQL = "run-sql"
    RUN_SHELL = "run-shell"
    CALL_API = "call-api"
    SEND_EMAIL = "send-email"
    AUTOMATED_DECISION = "automated-decision"
    """Output decides something about a person or a transaction without review."""


class WeightsFormat(StrEnum):
    """How model weights are serialised on disk."""

    SAFETENSORS = "safetensors"
    PICKLE = "pickle"
    PYTORCH = "pytorch"
    """``.pt`` / ``.bin`` files: pickle inside a zip."""
    JOBLIB = "joblib"
    KERAS = "keras"
    ONNX = "onnx"
    GGUF = "gguf"
    TENSORFLOW = "tensorflow"
    PROPRIETARY = "proprietary"
    """Weights never leave the provider (a hosted API)."""


class ModelOutput(StrEnum):
    """What a model returns to its callers."""

    TEXT = "text"
    LABEL = "label"
    SCORES = "scores"
    """Confidence scores or probabilities per class."""
    LOGITS = "logits"
    EMBEDDINGS = "embeddings"


class Autonomy(StrEnum):
    """How freely an agent acts."""

    ASSISTIVE = "assistive"
    """Only proposes; a person performs every action."""
    SUPERVISED = "supervised"
    """Acts, but a person watches or approves the consequential steps."""
    AUTONOMOUS = "autonomous"
    """Acts on its own within its tools and bounds."""


class HumanApproval(StrEnum):
    """Which agent actions wait for a person to approve them."""

    NONE = "none"
    HIGH_IMPACT = "high-impact"
    ALL = "all"


class AgentIdentity(StrEnum):
    """Whose credentials an agent acts with."""

    OWN = "own"
    """A dedicated, scoped workload identity."""
    USER_DELEGATED = "user-delegated"
    """The signed-in user's delegated token."""
    SHARED_SERVICE_ACCOUNT = "shared-service-account"
    """A service account shared with other workloads or tenants."""


class SideEffect(StrEnum):
    """What calling a tool can do to the world."""

    READ_ONLY = "read-only"
    WRITE = "write"
    DELETE = "delete"
    EXECUTE_CODE = "execute-code"
    SEND_EXTERNAL = "send-external"
    """Sends data outside the organisation (e-mail, web requests, chat messages, tickets to vendors)."""
    MOVE_MONEY = "move-money"
    CHANGE_ACCESS = "change-access"
    """Grants or revokes permissions, creates accounts or keys."""


class Credentials(StrEnum):
    """What credentials a tool holds."""

    NONE = "none"
    SCOPED = "scoped"
    """Least privilege for this tool's purpose."""
    USER_DELEGATED = "user-delegated"
    BROAD = "broad"
    """Wide permissions (admin tokens, org-wide API keys)."""
    SHARED = "shared"
    """Credentials shared across tenants or agents."""


class Transport(StrEnum):
    """How an agent reaches a tool or MCP server."""

    IN_PROCESS = "in-process"
    STDIO = "stdio"
    HTTP = "http"
    SSE = "sse"
    WEBSOCKET = "websocket"


class Labelling(StrEnum):
    """Where a dataset's labels come from."""

    NONE = "none"
    INTERNAL = "internal"
    VENDOR = "vendor"
    CROWDSOURCED = "crowdsourced"
    USER_FEEDBACK = "user-feedback"
    """Labels derived from what users do (chargebacks, thumbs up/down, clicks)."""
    AUTOMATIC = "automatic"


class Accelerator(StrEnum):
    """How the GPUs or accelerators a workload runs on are shared."""

    DEDICATED = "dedicated"
    SHARED = "shared"
    """Shared with other tenants or untrusted workloads."""
    CONFIDENTIAL = "confidential"
    """A confidential-computing enclave or TEE-backed accelerator."""


class TenantIsolation(StrEnum):
    """How the data of different tenants is separated."""

    SINGLE_TENANT = "single-tenant"
    NONE = "none"
    LOGICAL = "logical"
    PHYSICAL = "physical"


class TrainingMethod(StrEnum):
    """How a training or fine-tuning job changes a model."""

    PRETRAINING = "pretraining"
    SUPERVISED = "supervised"
    FULL_FINE_TUNE = "full-fine-tune"
    PEFT = "peft"
    """Parameter-efficient fine-tuning: LoRA and other adapters."""
    RLHF = "rlhf"
    CONTINUOUS = "continuous"
    """Retrained on a schedule from fresh production data."""


class LifecycleStatus(StrEnum):
    """Where the system is in its life."""

    CONCEPT = "concept"
    DESIGN = "design"
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    RETIRED = "retired"


class Status(StrEnum):
    """Where a finding stands once controls and triage are applied; a triage decision sets one.

    * ``open`` — nothing declared addresses it yet.
    * ``in-progress`` — triaged as being worked on; still counts as open risk.
    * ``mitigated`` — declared controls bring the residual risk down to low, or triage says so.
    * ``accepted`` — a named owner accepted the residual risk until ``review_by``.
    * ``transferred`` — the risk is carried by someone else (a vendor, insurance).
    * ``false-positive`` — the rule does not really apply; the justification says why.
    """

    OPEN = "open"
    IN_PROGRESS = "in-progress"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    FALSE_POSITIVE = "false-positive"

    @property
    def is_open(self) -> bool:
        """Counts as open risk (what a CI gate looks at)."""
        return self in (Status.OPEN, Status.IN_PROGRESS)


TriageStatus = Status
"""A triage decision is one of the finding statuses (one vocabulary, no mapping between two)."""


class ControlStatus(StrEnum):
    """How completely a declared control is in place."""

    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    """In place for part of the scope; reported but does not lower residual risk."""
    PLANNED = "planned"
    """Decided but not yet built; reported but does not lower residual risk."""


# ---------------------------------------------------------------------------
# System, data, boundaries


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


class DataAsset(Labelled, Frozen):
    """A kind of data the system stores, processes or moves."""

    id: Slug
    """Stable id, in the same namespace as components, flows and boundaries."""
    name: Name | None = None
    """Display name; defaults to the id."""
    classification: Classification = Classification.INTERNAL
    """Sensitivity: public, internal, confidential or restricted."""
    tags: tuple[Slug, ...] = ()
    """What the data is. Tags the built-in rules understand: pii, phi, pci, credentials,
    secrets, source-code, model-weights, system-prompt, training-data, user-content,
    financial, biometric, embeddings, feedback."""
    owner: Name | None = None
    """Data owner."""
    description: Text = ""
    """What it contains and where it comes from."""


class Boundary(Labelled, Frozen):
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


class _ComponentBase(Labelled, Frozen):
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


class Application(_ComponentBase):
    """A service: application, API gateway, retriever, external service, monitoring, tool registry."""

    kind: Literal["application", "api-gateway", "retriever", "external-service", "monitoring", "tool-registry"]
    """Component kind."""
    output_use: tuple[OutputUse, ...] = ()
    """How it uses model output it receives (rendered as HTML, executed, run as SQL...)."""
    multi_tenant: Unknowable[StrictBool] = None
    """Serves several customers or tenants from one deployment; unset when unknown."""


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
    hosting: Literal["self-hosted", "provider-api"] = "self-hosted"
    """Run on the organisation's own serving stack or called at a provider's API."""
    weights_format: Unknowable[WeightsFormat] = None
    """How the weights are serialised; pickle-based formats execute code when loaded."""
    base_model: Slug | None = None
    """The component this model was fine-tuned from, if it is in the model."""
    trained_on: tuple[Slug, ...] = ()
    """Data assets the model was trained or fine-tuned on."""
    output: Unknowable[ModelOutput] = None
    """What it returns: text, label, scores, logits or embeddings; unset when unknown."""
    system_prompt: Slug | None = None
    """Data asset holding its system prompt or instructions."""
    task: Annotated[str, Field(max_length=200)] | None = None
    """What the model is for (fraud scoring, ticket triage, chat...)."""


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
    pinned_version: StrictBool = False
    """Its version or digest is pinned and reviewed before upgrades."""


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


class Flow(Frozen):
    """A directed data flow between two components."""

    id: Slug | None = None
    """Stable id; defaults to ``<source>-to-<target>``."""
    source: Slug
    """The component sending the data."""
    target: Slug
    """The component receiving it."""
    data: tuple[Slug, ...] = ()
    """Data assets it carries."""
    protocol: Annotated[str, Field(max_length=64)] | None = None
    """Protocol, e.g. https, grpc, stdio, s3, smtp."""
    authentication: Unknowable[Authentication] = None
    """How the sender authenticates; unset when unknown."""
    encrypted: Unknowable[StrictBool] = None
    """Encrypted in transit; unset when unknown."""
    description: Text = ""
    """What moves and why."""

    @property
    def key(self) -> str:
        """The flow's id, given or derived."""
        return flow_key(self.id, self.source, self.target)


class ImplementedControl(Frozen):
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


class TriageEntry(Frozen):
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

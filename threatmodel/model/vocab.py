"""The closed vocabularies of a model file: component kinds and every enumerated attribute.

Each value's docstring line explains it to the person writing the model; the generated JSON
Schema and docs/reference/model.md carry them.
"""

from __future__ import annotations

from enum import StrEnum


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


# -- artefact provenance (issue 9, gap 3) -----------------------------------------------------


class Artifact(StrEnum):
    """What a data asset is when it is an artefact that something loads, installs or runs."""

    MODEL_WEIGHTS = "model-weights"
    """Weights of a whole model (a checkpoint, a serialised estimator)."""
    ADAPTER = "adapter"
    """A LoRA or other parameter-efficient adapter, or a delta applied onto a base model."""
    DATASET = "dataset"
    """A dataset that a job trains, tunes or evaluates on."""
    ML_LIBRARY = "ml-library"
    """An ML framework, library or package (PyTorch, scikit-learn, a tokenizer package, an SDK)."""
    CONTAINER_IMAGE = "container-image"
    """A container image that a training job or serving stack runs."""


class ArtifactFormat(StrEnum):
    """How an artefact is serialised. pickle, pytorch and joblib run code while they are loaded."""

    PICKLE = "pickle"
    """Python pickle (``.pkl``): loading it can run any code the file carries."""
    PYTORCH = "pytorch"
    """``.pt`` / ``.pth`` / ``.bin`` checkpoints: a zip with a pickle inside, so loading can run code."""
    JOBLIB = "joblib"
    """joblib dumps of scikit-learn or XGBoost estimators: pickle underneath, so loading can run code."""
    SAFETENSORS = "safetensors"
    """Tensors and a JSON header only; loading runs no code."""
    ONNX = "onnx"
    GGUF = "gguf"
    KERAS = "keras"
    TENSORFLOW = "tensorflow"
    PARQUET = "parquet"
    CSV = "csv"
    JSON = "json"
    """JSON or JSON Lines."""
    WHEEL = "wheel"
    """A Python wheel or source package: installing or importing it runs its code by design."""
    OCI = "oci"
    """A container image in OCI or Docker format."""


CODE_ON_LOAD_FORMATS: frozenset[ArtifactFormat] = frozenset(
    {ArtifactFormat.PICKLE, ArtifactFormat.PYTORCH, ArtifactFormat.JOBLIB}
)
"""Data formats whose loader executes code embedded in the file (wheels and images are code by design)."""


class Integrity(StrEnum):
    """How an artefact is checked before it is loaded."""

    SIGNATURE_VERIFIED = "signature-verified"
    """Its signature (Sigstore, GPG, a registry's signing) is verified against a trusted key on every load."""
    HASH_PINNED = "hash-pinned"
    """The loader pins and checks a digest recorded when the artefact was produced or reviewed."""
    NONE = "none"
    """Loaded as found, by name or tag."""


class Hosting(StrEnum):
    """Where a model runs."""

    SELF_HOSTED = "self-hosted"
    """On serving infrastructure the organisation runs or rents (its cloud account, its GPUs, its own devices)."""
    PROVIDER_API = "provider-api"
    """At a provider, called through the provider's API; the provider holds the weights and sees every request."""
    # -- issue 9, rules narrower than their threat (session narrow, decision 1820)
    ON_DEVICE = "on-device"
    """Shipped inside an app, firmware or product that customers or users hold (phones, cars,
    browsers, appliances): the organisation's software runs it, but on hardware the organisation
    does not control, so whoever holds a device holds a copy of the weights."""


class ModelOutput(StrEnum):
    """What a model returns to its callers."""

    TEXT = "text"
    LABEL = "label"
    SCORES = "scores"
    """Confidence scores or probabilities per class."""
    LOGITS = "logits"
    EMBEDDINGS = "embeddings"
    MEDIA = "media"
    """Generated images, audio or video (an image generator, a speech synthesiser)."""


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


class RecipientScope(StrEnum):
    """Whom a tool that sends data out can send it to."""

    ANY = "any"
    """Any address, number or URL its caller names."""
    ALLOW_LISTED = "allow-listed"
    """Only destinations on a list the organisation reviews."""
    CALLER = "caller"
    """Only the user being served, taken from the authenticated session."""
    INTERNAL = "internal"
    """Only the organisation's own addresses or systems."""


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


class EvidenceOutcome(StrEnum):
    """What an adversarial test run concluded about a finding (evidence on a triage decision)."""

    PASSED = "passed"
    """The attack was tried and did not succeed: the mitigation held."""
    FAILED = "failed"
    """The attack succeeded at least once."""
    INCONCLUSIVE = "inconclusive"
    """The run could not tell (errors, too few attempts, no scorer verdict)."""


class ControlStatus(StrEnum):
    """How completely a declared control is in place."""

    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    """In place for part of the scope; reported but does not lower residual risk."""
    PLANNED = "planned"
    """Decided but not yet built; reported but does not lower residual risk."""


# ---------------------------------------------------------------------------
# Data lifecycle and purpose (issue 9, gap 4)


class Retention(StrEnum):
    """How long a data asset is kept, when it is not a stated duration such as ``30d``."""

    SESSION = "session"
    """Discarded when the conversation, call or job that produced it ends."""
    NEED = "need"
    """Deleted as soon as the purpose it was collected for is served (a documented, enforced rule)."""
    INDEFINITE = "indefinite"
    """Kept with no deletion rule."""


class LawfulBasis(StrEnum):
    """Why the organisation may process personal data (GDPR article 6 terms; use the nearest one)."""

    CONSENT = "consent"
    """The people concerned agreed to this use."""
    CONTRACT = "contract"
    """Needed to perform a contract with them."""
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_TASK = "public-task"
    LEGITIMATE_INTERESTS = "legitimate-interests"
    """A documented balancing test found the organisation's interest outweighs theirs."""
    NOT_PERSONAL = "not-personal"
    """The asset holds no personal data, so no basis is needed."""
    NONE = "none"
    """No basis holds: none was recorded, or the one relied on is invalid (consent that could not be
    refused). Read like a missing basis, but stated, so it is not asked (held-out 27, review 23)."""


class Minimisation(StrEnum):
    """What was removed from a data asset before it is kept or passed on."""

    NONE = "none"
    """Kept and passed on as collected."""
    REDACTED = "redacted"
    """Secrets and sensitive fields are removed or masked before it moves on; it keeps its own
    classification instead of its sources', but what it says about people is still personal."""
    PSEUDONYMISED = "pseudonymised"
    """Direct identifiers are replaced by tokens; still personal data, the key is kept apart."""
    ANONYMISED = "anonymised"
    """Nobody can be singled out any more; what is derived from it is not personal."""
    AGGREGATED = "aggregated"
    """Only counts, statistics or other aggregates over many people remain."""


class StoreAccess(StrEnum):
    """Who, inside the organisation or beyond it, can read what a store or log keeps."""

    NEED_TO_KNOW = "need-to-know"
    """Only named roles whose work needs it, each read logged and reviewed."""
    OPERATORS = "operators"
    """The engineers and operators who run the system (support, SRE, data engineers)."""
    BROAD_STAFF = "broad-staff"
    """Most employees or contractors (a shared analytics lake, a company-wide log viewer)."""
    PUBLIC = "public"
    """Anyone, or any authenticated customer."""


PERSONAL_TAGS: frozenset[str] = frozenset({"pii", "phi", "pci", "biometric", "children"})
"""Data-asset tags that mark personal data; derived data inherits them (``derived_from``)."""

INHERITED_TAG_WORDS: dict[str, str] = {
    "pii": "personal data",
    "phi": "health data",
    "pci": "payment card data",
    "biometric": "biometric data",
    "children": "children's data",
    "user-content": "what people wrote",
}
"""Each tag derived data inherits, in words (a why line: "...made from X, which holds what people wrote")."""

INHERITED_TAGS: frozenset[str] = frozenset(INHERITED_TAG_WORDS)
"""Data-asset tags that derived data inherits (``derived_from``): personal data, and what people
wrote (a log of their prompts, a transcript's summary carries their words) (decision 1902)."""

# Groups of component kinds that code (not catalogs) asks about, defined once here.
MODEL_KINDS: frozenset[str] = frozenset({"llm", "ml-model", "embedding-model"})
"""Component kinds that are models."""
TRAINER_KINDS: frozenset[str] = frozenset({"training-job", "fine-tuning-job"})
"""Component kinds that train a model: what they receive or keep is what it learns from."""
TOOL_KINDS: frozenset[str] = frozenset({"tool", "mcp-server"})
"""Component kinds an agent names among its ``tools``."""
RELAY_KINDS: frozenset[str] = frozenset(
    {"model-registry", "datastore", "dataset", "data-source", "data-pipeline", "cache", "feature-store", "api-gateway"}
)
"""Component kinds that keep or pass on an artefact without running it: weights written to one are
shipped onward from it (``ModelGraph.artifacts``, decision 1892), and so are weights a gateway
forwards (a federation server handing the global model to the sites' nodes, decision 1933)."""


# People and oversight (issue 9, gaps 2 and 5): who a model judges, who checks its output,
# how actions are gated and how the system knows who a person is.


class SubjectInfluence(StrEnum):
    """How far the people a model judges can shape what reaches it."""

    NONE = "none"
    """They cannot change the input: it is measured or recorded by others under control."""
    INDIRECT = "indirect"
    """What they do produces the input (transactions, claims history, how they behave at a scan)."""
    AUTHORED = "authored"
    """They write or submit the input themselves (résumés, claim forms, uploaded documents, essays)."""


class HumanReview(StrEnum):
    """How a person checks a component's output before people act on it."""

    EVERY = "every"
    """A qualified person checks each output before it takes effect."""
    SAMPLED = "sampled"
    """A sample of outputs is checked, usually after the fact."""
    ON_EXCEPTION = "on-exception"
    """Only outputs flagged as unusual or low-confidence reach a person."""
    NONE = "none"
    """Nobody checks the output before it is acted on."""


class ProviderRetention(StrEnum):
    """What the provider running a hosted model keeps of what it is sent."""

    NONE = "none"
    """Nothing once the response is returned (zero data retention), and nothing is trained on."""
    ABUSE_MONITORING = "abuse-monitoring"
    """Kept for a bounded period for the provider's abuse review, where its staff may read it; not
    trained on."""
    TRAINING = "training"
    """Kept and may be used to train or improve the provider's models."""


class ToolApproval(StrEnum):
    """Which calls of a tool wait for a person's approval (a gate in the tool or its backend)."""

    NONE = "none"
    """No call waits for anyone."""
    ABOVE_LIMIT = "above-limit"
    """Only calls above a threshold (an amount, a count, a number of recipients) wait for approval."""
    ALWAYS = "always"
    """Every call waits for a person."""


class LimitScope(StrEnum):
    """How a tool's limits and approval thresholds are counted."""

    PER_CALL = "per-call"
    """Each call is judged on its own, so several small calls pass where one large one would not."""
    CUMULATIVE = "cumulative"
    """Totals are counted per person, session or period, so splitting an action does not evade them."""


class Channel(StrEnum):
    """How people reach the system."""

    WEB = "web"
    MOBILE_APP = "mobile-app"
    PHONE = "phone"
    """Voice calls: caller ID can be spoofed and voices can be cloned."""
    VIDEO = "video"
    """Video calls or recorded video: faces can be deepfaked."""
    EMAIL = "email"
    MESSAGING = "messaging"
    """Chat or messaging apps (SMS, WhatsApp, Slack, Teams)."""
    IN_PERSON = "in-person"


class Capture(StrEnum):
    """What a component captures from the physical world around it."""

    IMAGES = "images"
    """Still images: a phone or a doorbell camera, a scanner, a licence-plate reader."""
    VIDEO = "video"
    AUDIO = "audio"
    """Sound: a microphone, a smart speaker, a phone line recording the room."""
    READINGS = "readings"
    """Other sensor readings: lidar, radar, temperature, motion, a card reader."""


class IdentityCheck(StrEnum):
    """How the system confirms that a person is who they claim to be."""

    NONE = "none"
    """It takes their word for it, or does not identify them at all."""
    CALLER_ID = "caller-id"
    """The phone number or sender address they come from."""
    KNOWLEDGE = "knowledge"
    """Something they know: a date of birth, a PIN, an account number."""
    VOICE_PRINT = "voice-print"
    """Their voice matched against an enrolled voice print."""
    FACE_MATCH = "face-match"
    """Their face matched against a photo or an enrolled face."""
    ONE_TIME_CODE = "one-time-code"
    """A code sent out of band to a device or address already on record."""
    LOGIN = "login"
    """A signed-in account with strong authentication (SSO, OAuth, passkeys)."""

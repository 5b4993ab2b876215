"""Catalogs: reference taxonomies, controls, and threats with their matching rules.

A catalog file holds upstream facts (ids, titles, links, cross-mappings), our own
summaries, and our matching rules, written in the closed predicate vocabulary of
:mod:`threatmodel.model.rules`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from threatmodel.model.base import Frozen, Name, Ref, Text
from threatmodel.model.rules import Condition, LinkRelation, LinkTest, TargetType
from threatmodel.model.vocab import ComponentKind


class NistFunction(StrEnum):
    """NIST Cybersecurity Framework 2.0 functions."""

    GOVERN = "govern"
    IDENTIFY = "identify"
    PROTECT = "protect"
    DETECT = "detect"
    RESPOND = "respond"
    RECOVER = "recover"


class Practice(StrEnum):
    """The security-by-design practices a control serves."""

    LIFECYCLE = "lifecycle"
    """Secure development and MLOps lifecycle: provenance, integrity, inventory, supply chain."""
    ADVERSARIAL_ROBUSTNESS = "adversarial-robustness"
    """Adversarial testing and training, evasion and poisoning resistance."""
    CONFIDENTIAL_COMPUTING = "confidential-computing"
    """Isolation and confidential computing for models, data and accelerators."""
    PRIVACY_ENHANCING = "privacy-enhancing"
    """Differential privacy, federated learning, anonymisation, data minimisation."""
    PROMPT_INJECTION_DEFENCE = "prompt-injection-defence"
    """Input and output handling, context isolation, guardrails."""
    ACCESS_CONTROL = "access-control"
    """Identity, least privilege, credentials, rate limits."""
    HUMAN_OVERSIGHT = "human-oversight"
    """Human approval of consequential actions, transparency to users."""
    GOVERNANCE = "governance"
    """Policies, risk management, inventories, accountability."""
    MONITORING = "monitoring"
    """Logging, observability, incident response."""


class Lifecycle(StrEnum):
    """Lifecycle stages (the CoSAI Risk Map's vocabulary)."""

    PLANNING = "planning"
    DATA_PREPARATION = "data-preparation"
    MODEL_TRAINING = "model-training"
    DEVELOPMENT = "development"
    EVALUATION = "evaluation"
    DEPLOYMENT = "deployment"
    RUNTIME = "runtime"
    MAINTENANCE = "maintenance"


class Stride(StrEnum):
    """STRIDE categories."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information-disclosure"
    DENIAL_OF_SERVICE = "denial-of-service"
    ELEVATION_OF_PRIVILEGE = "elevation-of-privilege"


# ---------------------------------------------------------------------------
# Catalog content


class Entry(Frozen):
    """An item of a reference taxonomy (an OWASP Top 10 item, a CoSAI risk, an ATLAS technique)."""

    id: Annotated[str, Field(pattern=r"^[^\s@]+$", min_length=1, max_length=80)]
    """Upstream id, verbatim (no whitespace or '@', so it can be referenced)."""
    title: Name
    """Upstream title, verbatim."""
    type: Literal["item", "risk", "threat", "technique", "tactic", "component", "category", "persona", "control"] = (
        "item"
    )
    """What the entry is: a Top 10 item, a CoSAI risk or component, an ATLAS technique or tactic, an AI Exchange control..."""
    summary: Text = ""
    """A short explanation written for this project (never upstream prose)."""
    url: Annotated[str, Field(pattern=r"^https://")] | None = None
    """Where the authoritative text lives."""
    category: Annotated[str, Field(max_length=120)] | None = None
    """Upstream grouping (CoSAI category, ATLAS tactic...)."""
    parent: Annotated[str, Field(max_length=80)] | None = None
    """Parent entry, e.g. the technique of an ATLAS sub-technique."""
    lifecycle: tuple[Lifecycle, ...] = ()
    impact: tuple[Annotated[str, Field(max_length=40)], ...] = ()
    actor_access: tuple[Annotated[str, Field(max_length=40)], ...] = ()
    refs: tuple[Ref, ...] = ()
    """Cross-references to other catalogs' entries or controls."""


class Control(Frozen):
    """A control: something a team can put in place to reduce risk."""

    id: Annotated[str, Field(pattern=r"^[^\s@]+$", min_length=1, max_length=80)]
    title: Name
    summary: Text = ""
    url: Annotated[str, Field(pattern=r"^https://")] | None = None
    category: Annotated[str, Field(max_length=120)] | None = None
    nist_csf: tuple[NistFunction, ...] = ()
    """NIST CSF 2.0 functions the control belongs to."""
    practices: tuple[Practice, ...] = ()
    """Security-by-design practices it serves."""
    refs: tuple[Ref, ...] = ()
    """Cross-references to entries and controls of loaded catalogs (risks it mitigates, ATLAS mitigations...)."""


class Factor(Frozen):
    """A scoring adjustment that applies when its condition holds on the element."""

    when: Condition
    likelihood: Annotated[int, Field(ge=-2, le=2)] = 0
    impact: Annotated[int, Field(ge=-2, le=2)] = 0
    reason: Annotated[str, Field(min_length=1, max_length=300)]
    """Shown to the reader as the reason for the adjustment."""


Level = Annotated[int, Field(ge=1, le=5)]


class Variant(Frozen):
    """Wording that fits the system: where ``when`` holds on the element (on stated facts only: an
    unknown fact never selects a variant), the finding takes this title, scenario and references
    instead of the threat's. The first variant that holds wins; one without ``when`` always holds."""

    when: Condition | None = None
    title: Name | None = None
    scenario: Text | None = None
    """Same placeholders as the threat's scenario."""
    refs: tuple[Ref, ...] | None = None
    """The catalog entries the finding realises in this case, replacing the threat's ``refs``."""


class GroupWording(Frozen):
    """The wording of a finding that groups elements whose own wordings differ (decision 1918)."""

    title: Name
    scenario: Text
    """Same placeholders as the threat's scenario."""


class GroupBy(StrEnum):
    """The fact a threat's findings are grouped by: one root cause, one finding (docs/rules.md)."""

    SOURCE = "source"
    """The untrusted source the finding's path starts at: every element of the threat reached
    first from the same source is listed on one finding, keyed ``<threat>@<source>``."""

    # -- noise (issue 9): root causes that are not a path's source --
    LINK = "link"
    """The trust zone a flow delivers into (its target's innermost boundary): every unprotected
    flow into or inside one zone is one finding, keyed ``<threat>@<boundary>`` (the zone's network
    does not enforce protection in transit); flows whose target names no boundary stay apart."""
    RECEIVER = "receiver"
    """The component a flow delivers to: several flows handing data to one receiver (one provider,
    one service) are one finding, keyed ``<threat>@<receiver>``."""
    CREDENTIAL = "credential"
    """The one credential or secret (data tagged ``credentials`` or ``secrets``) the element
    handles: several tools or agents acting with it are one finding, keyed ``<threat>@<data>``;
    an element holding none, or several, stays apart (the facts do not say which one is shared)."""
    ARTEFACT = "artefact"
    """The one ML library or container image (a data asset with that ``artifact``) the element
    loads: several jobs or servers pulling it unpinned are one finding, keyed ``<threat>@<data>``;
    an element loading none, or several, stays apart."""

    # -- placement and oversight (issue 9, branch reasonc) --
    PRODUCER = "producer"
    """The element whose output people act on (the threat's ``producer`` kinds, nearest the
    element along the finding's path; the element itself when it is of those kinds): the finding
    sits there, keyed ``<threat>@<producer>``, and lists the producer and every person or
    application relying on its output, also when only one relies on it (decision 1510)."""


# -- where a finding sits: affected elements (issue 9, branch placement2) --
Affects = Literal[
    "receiver",
    "sender",
    "model",
    "loads_from",
    "readers",
    "agents_reached",
    "autonomous_agents",
    "scored_by",
    "acting_tools",
    "delegated_tools",
    "front_ends",
    "searched_stores",
    "training_sources",
    LinkRelation,
]
"""A relation from a finding's element to another element it affects (decision 1850): ``receiver``
and ``sender`` are a flow's target and source; ``model`` is a model a component exchanges data
with directly or through one serving layer (or declares: an agent's model, a server's);
``loads_from`` the components sending it the artefacts it loads (where they can be replaced);
``readers`` the components it sends to; ``agents_reached`` the agents within three flows downstream;
``scored_by`` the classifiers, scorers and embedding models whose output reaches it within two flows;
``acting_tools`` an agent's tools stated to act (write, delete, move money, change access, run code
or send outside); ``delegated_tools`` an agent's tools stated to hold the credentials a person
delegated to it (where a narrower grant or a per-action consent goes); ``front_ends`` the API gateways, the applications people send to directly
or through a platform they send to, and the applications that call the element with requests
others sent them, on the way requests travel to the element, four flows back (where a per-caller
limit goes);
``searched_stores`` the stores and sources sending a retriever data it passes on (where its
filter's access lists are kept);
``training_sources`` the datasets, stores and sources sending a training or fine-tuning job the
records it learns from (where poisoned records enter);
``autonomous_agents`` the system's agents stated autonomous or of unstated autonomy (for a finding on
the system); the rest are the relations of the ``linked`` predicate."""


class Threat(Frozen):
    """A threat with the rule that decides where it applies."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$", max_length=80)]
    title: Name
    summary: Text
    """What the threat is, in this project's words."""
    scenario: Text
    """An attack scenario; ``{target}``, ``{kind}``, ``{source}``, ``{path}``, ``{data}`` and
    ``{system}`` are filled in from the finding."""
    target: TargetType = TargetType.COMPONENT
    when: Condition
    """The rule: where the threat applies."""
    likelihood: Level
    """Base likelihood, 1 (rare) to 5 (expected)."""
    impact: Level
    """Base impact, 1 (negligible) to 5 (severe)."""
    factors: tuple[Factor, ...] = ()
    lifecycle: tuple[Lifecycle, ...] = Field(min_length=1)
    stride: tuple[Stride, ...] = ()
    controls: tuple[Ref, ...] = ()
    """Controls that mitigate it, as ``<catalog>:<control id>``."""
    refs: tuple[Ref, ...] = ()
    """The catalog entries it realises, as ``<catalog>:<entry id>``."""
    # -- root causes (issue 9, gap 6) --
    group_by: GroupBy | None = None
    """When one fact causes the threat on several elements, the fact to group its findings by (one
    finding names the root cause and lists the affected elements); unset: one finding per element."""
    variants: tuple[Variant, ...] = ()
    """Title, scenario and references chosen from the facts (e.g. tenants only where the model states
    there are tenants); a finding where no variant holds uses the threat's own."""
    grouped: GroupWording | None = None
    """With ``group_by`` and ``variants``: the title and scenario of a finding whose elements took
    different wordings (a zone's links carrying weights and call audio), where the threat's own
    wording does not cover every variant; unset, such a finding takes the threat's own wording. Its
    references are every member's (decision 1918)."""
    training_data_at_stake: bool = False
    """The attack reveals or alters what a model was trained on (memorisation, membership inference,
    inversion): restricted data in the model's ``trained_on`` then raises its impact. Otherwise only
    the data the element handles at runtime does (evading a model does not expose its training set)."""
    formerly: tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$", max_length=80)], ...] = ()
    """Ids (in this catalog) of threats this one was split from: a triage decision recorded on
    ``<old threat>@<element>`` carries over when that old finding no longer exists."""
    # -- placement and oversight (issue 9, branch reasonc) --
    producer: tuple[ComponentKind, ...] = ()
    """With ``group_by: producer``: the kinds of element whose output is relied on (an agent, a
    model, the application that acts on a score); the finding sits on the nearest one along its
    path (decision 1510)."""
    place_on: LinkTest | None = None
    """With ``group_by: producer``: the finding sits on the one element related to the matched one
    through ``via`` where ``where`` holds on stated facts (the shell tool an agent drives), listing
    the matched element with it; none or several such elements: it stays where it matched."""
    # -- where a finding sits: affected elements (issue 9, branch placement2) --
    affects: tuple[Affects, ...] = ()
    """Related elements the threat also harms or where its control goes, named on the finding as
    ``also_affects`` without moving it or changing its id (decision 1850): a flow's ``receiver`` or
    ``sender``; the ``model`` a component calls; or any ``linked`` relation (``serves``,
    ``served_by``, ``produces``, ...)."""


class Catalog(Frozen):
    """A catalog file."""

    schema_version: Literal[1] = 1
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
    """Catalog id; the namespace of its entries, controls and threats."""
    title: Name
    version: Annotated[str, Field(min_length=1, max_length=40)]
    """Upstream edition or release this catalog is pinned to."""
    published: dt.date
    """Release date of that edition; used for timestamps in exports."""
    source: Annotated[str, Field(pattern=r"^https://")]
    licence: Text
    """Licence of the upstream facts and how they are used here."""
    description: Text = ""
    requires: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], str] = Field(default_factory=dict)
    """Versions of the other catalogs its references point into."""
    entries: tuple[Entry, ...] = ()
    controls: tuple[Control, ...] = ()
    threats: tuple[Threat, ...] = ()

"""Policy files: organisation rules a CI gate enforces on top of the threat findings.

A policy is a list of rules. Each rule has an id, a level and a message, plus exactly
one *kind* key that says what it checks:

* triage rules judge the decisions recorded in a model's ``triage`` section
  (``severity_may_not_be``, ``needs_approver_other_than_owner``, ``max_review_days``,
  ``requires``, ``require_test_evidence``);
* model rules judge the model itself with the same closed predicate vocabulary the
  threat catalogs use (``for_each`` plus ``require_control`` or ``require``);
* ownership rules ask for owners (``require_owner``).

Like every file type here, the schema is frozen and rejects unknown keys, so a
misspelt rule kind is a located error rather than a rule that silently never fires.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag

from threatmodel.model.base import Frozen, Ref, Severity, Slug, Text
from threatmodel.model.rules import Condition, TargetType
from threatmodel.model.vocab import TriageStatus


class Level(StrEnum):
    """How a violation counts at the gate."""

    ERROR = "error"
    """Fails ``threatmodel check`` (exit code 1)."""
    WARNING = "warning"
    """Reported, never fails the gate."""


TriageField = Literal["owner", "approver", "justification", "ticket", "decided_on", "review_by"]
"""Fields of a triage entry a ``requires`` rule can ask for."""

OwnedSection = Literal["system", "components", "data"]
"""Parts of a model that carry an ``owner``."""

DEFAULT_CLOSING_STATUSES: tuple[TriageStatus, ...] = (TriageStatus.ACCEPTED, TriageStatus.FALSE_POSITIVE)
"""Statuses ``max_review_days`` and ``requires`` apply to unless a rule names others."""


class _Rule(Frozen):
    KIND: ClassVar[str]
    """The key that selects this kind of rule in a policy file."""

    id: Slug
    """Stable id of the rule; violations are reported as ``policy:<id>@<element>``."""
    level: Level = Level.ERROR
    """``error`` fails the gate; ``warning`` is only reported."""
    message: Annotated[str, Field(min_length=1, max_length=500)]
    """What is wrong and what to do, shown with every violation."""
    description: Text = ""
    """Why the rule exists (for people reading the policy file)."""


class _TriageRule(_Rule):
    at_least: Severity | None = None
    """Only judge findings whose residual severity is at least this; unset judges every
    triage entry, including entries whose finding no longer exists."""


class StatusForbidden(_TriageRule):
    """Findings at or above a severity may not be triaged with these statuses
    (e.g. critical findings may not be accepted)."""

    KIND: ClassVar[str] = "severity_may_not_be"

    severity_may_not_be: tuple[TriageStatus, ...] = Field(min_length=1)
    """Triage statuses not allowed for findings at or above ``at_least``."""
    at_least: Severity
    """The lowest residual severity the rule applies to."""


class ApproverTest(Frozen):
    """Options of ``needs_approver_other_than_owner``."""

    status: TriageStatus | tuple[TriageStatus, ...] = TriageStatus.ACCEPTED
    """The triage status (or statuses) that need a second person."""
    at_least: Severity = Severity.INFO
    """The lowest residual severity the rule applies to."""

    @property
    def statuses(self) -> tuple[TriageStatus, ...]:
        """``status`` as a tuple."""
        return self.status if isinstance(self.status, tuple) else (self.status,)


class NeedsApprover(_Rule):
    """A decision needs an approver who is not its owner (four-eyes principle)."""

    KIND: ClassVar[str] = "needs_approver_other_than_owner"

    needs_approver_other_than_owner: ApproverTest
    """Which decisions need a second person."""


class MaxReviewDays(_TriageRule):
    """Decisions must be reviewed again within N days.

    ``review_by`` may be at most N days after ``decided_on`` (or after the evaluation
    date when the entry has no ``decided_on``); an entry without ``review_by`` violates it.
    """

    KIND: ClassVar[str] = "max_review_days"

    max_review_days: Annotated[int, Field(ge=1, le=3650)]
    """Longest allowed time between the decision and its review, in days."""
    statuses: tuple[TriageStatus, ...] = DEFAULT_CLOSING_STATUSES
    """Triage statuses the rule applies to."""


class RequiresFields(_TriageRule):
    """Decisions must record these fields (e.g. an owner, a justification and a review date)."""

    KIND: ClassVar[str] = "requires"

    requires: tuple[TriageField, ...] = Field(min_length=1)
    """Fields that must be set and non-empty."""
    statuses: tuple[TriageStatus, ...] = DEFAULT_CLOSING_STATUSES
    """Triage statuses the rule applies to."""


class EvidenceRequirement(Frozen):
    """Options of ``require_test_evidence``."""

    max_age_days: Annotated[int, Field(ge=1, le=3650)]
    """How old the newest passing run may be, in days before the evaluation date (``--as-of``)."""
    at_least: Severity = Severity.INFO
    """The lowest residual severity the rule applies to (default: every decision with one of the
    statuses, including decisions whose finding no longer exists)."""
    statuses: tuple[TriageStatus, ...] = Field(default=(TriageStatus.MITIGATED,), min_length=1)
    """Triage statuses that need the evidence (default: ``mitigated``)."""


class RequireTestEvidence(_Rule):
    """Decisions must be backed by a recent passing adversarial test run (``evidence`` on the
    triage entry): no finding at or above ``at_least`` with one of ``statuses`` lacks a ``passed``
    run dated at most ``max_age_days`` before ``--as-of``, and none has failed since that pass."""

    KIND: ClassVar[str] = "require_test_evidence"

    require_test_evidence: EvidenceRequirement
    """Which decisions need evidence, and how fresh it must be."""


class _ModelRule(_Rule):
    for_each: Condition
    """Which elements the rule applies to, in the threat catalogs' predicate vocabulary."""
    target: Literal[TargetType.COMPONENT, TargetType.FLOW] = TargetType.COMPONENT
    """Whether ``for_each`` selects components (default) or flows."""


class RequireControl(_ModelRule):
    """Every selected element has one of these controls declared in its scope."""

    KIND: ClassVar[str] = "require_control"

    require_control: tuple[Ref, ...] = Field(min_length=1)
    """Catalog control ids; any one of them satisfies the rule. A control counts when it is
    declared for the element, for one of the boundaries it sits in, or system-wide."""
    control_status: tuple[Literal["implemented", "partial", "planned"], ...] = ("implemented",)
    """Which declared control statuses count (default: only implemented controls)."""


class RequireCondition(_ModelRule):
    """Every selected element satisfies a further condition."""

    KIND: ClassVar[str] = "require"

    require: Condition
    """The condition each selected element must satisfy."""


class RequireOwner(_Rule):
    """The listed parts of the model name an owner."""

    KIND: ClassVar[str] = "require_owner"

    require_owner: tuple[OwnedSection, ...] = Field(min_length=1)
    """``system``, ``components`` and/or ``data``."""


RULES: tuple[type[_Rule], ...] = (
    StatusForbidden,
    NeedsApprover,
    MaxReviewDays,
    RequiresFields,
    RequireTestEvidence,
    RequireControl,
    RequireCondition,
    RequireOwner,
)
"""Every kind of policy rule, in the order they are documented. ``Rule`` below is the same union
written out for the type checker; a test checks the two agree."""

RULE_KINDS: tuple[str, ...] = tuple(r.KIND for r in RULES)
"""The keys that select a rule's kind."""

RULE_CLASSES: dict[str, type[_Rule]] = {r.KIND: r for r in RULES}
"""Each kind key and the class of the rules that carry it."""


def _rule_tag(value: Any) -> str | None:
    """The kind of a rule is the one kind key it carries."""
    if isinstance(value, dict):
        found = [key for key in RULE_KINDS if key in value]
        return found[0] if len(found) == 1 else None
    for key in RULE_KINDS:
        if key in type(value).model_fields:
            return key
    return None


Rule = Annotated[
    Annotated[StatusForbidden, Tag(StatusForbidden.KIND)]
    | Annotated[NeedsApprover, Tag(NeedsApprover.KIND)]
    | Annotated[MaxReviewDays, Tag(MaxReviewDays.KIND)]
    | Annotated[RequiresFields, Tag(RequiresFields.KIND)]
    | Annotated[RequireTestEvidence, Tag(RequireTestEvidence.KIND)]
    | Annotated[RequireControl, Tag(RequireControl.KIND)]
    | Annotated[RequireCondition, Tag(RequireCondition.KIND)]
    | Annotated[RequireOwner, Tag(RequireOwner.KIND)],
    Discriminator(
        _rule_tag,
        custom_error_type="unknown_rule_kind",
        custom_error_message=f"a rule has exactly one of: {', '.join(RULE_KINDS)}",
    ),
]
"""One policy rule; the kind key it carries decides which other keys it accepts."""


class Policy(Frozen):
    """A policy file."""

    schema_version: Literal[1] = 1
    """Version of the policy file format."""
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """Display name of the policy, e.g. the organisation's AI security baseline."""
    description: Text = ""
    """What the policy is for and who maintains it."""
    rules: tuple[Rule, ...] = Field(min_length=1)
    """The rules; their ids must be unique (the loader checks this with a location)."""

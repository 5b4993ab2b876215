"""Ordered vocabularies: severities, data classifications, trust levels. Standard library only,
so front ends can list and parse them without loading the pydantic model classes."""

from __future__ import annotations

from enum import StrEnum


class Ordered(StrEnum):
    """A string enum whose members are ordered by declaration."""

    @property
    def rank(self) -> int:
        """Position in declaration order (looked up, not searched: scoring asks it millions of times)."""
        return _RANKS[type(self)][self]

    def __lt__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.rank < other.rank
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.rank <= other.rank
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.rank > other.rank
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.rank >= other.rank
        return NotImplemented

    __hash__ = StrEnum.__hash__


class Classification(Ordered):
    """Sensitivity of a data asset, from least to most sensitive."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


def classification_word(level: Classification | None) -> str:
    """How a classification is shown: its value, or ``unknown`` when it is unstated (decision 1630)."""
    return "unknown" if level is None else level.value


def classification_rank(level: Classification | None) -> int:
    """A sort key for a classification that puts an unknown one first, as possibly restricted:
    an unstated sensitivity is never listed below a stated one (decision 1630)."""
    return len(Classification) if level is None else level.rank


class TrustLevel(Ordered):
    """How far a trust boundary's contents are trusted, from least to most."""

    UNTRUSTED = "untrusted"
    """The open internet, anonymous users, content anyone can write."""
    PARTNER = "partner"
    """A third party under contract: a model API provider, a SaaS vendor, a partner network."""
    INTERNAL = "internal"
    """The organisation's own network and services."""
    RESTRICTED = "restricted"
    """A hardened zone: production secrets, training clusters, regulated data."""


class Severity(Ordered):
    """Severity of a finding, from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITIES_WORST_FIRST: tuple[Severity, ...] = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
"""The severities a scored finding can have, worst first (``info`` is below every risk score): the
order of every count, column and choice that lists severities."""


_RANKS: dict[type[Ordered], dict[Ordered, int]] = {
    enum: {member: position for position, member in enumerate(enum)} for enum in (Classification, TrustLevel, Severity)
}
"""Each ordered member's position, per enum (members are str: "internal" names a classification
and a trust level, so one flat table would mix them up)."""

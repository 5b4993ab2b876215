"""Shared pydantic configuration, id types and ordered vocabularies."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

SLUG_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
"""A lower-kebab identifier chosen by a person, e.g. ``chat-llm``."""

REF_PATTERN = r"^[a-z][a-z0-9-]*:[^\s@]+$"
Ref = Annotated[str, Field(pattern=REF_PATTERN, max_length=160)]
"""A catalog reference ``<catalog-id>:<upstream-id>``, e.g. ``owasp-llm:LLM01:2025``."""

Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Labelled:
    """Mixin for elements a person names: ``label`` is how every front end shows them."""

    if TYPE_CHECKING:
        id: str
        name: str | None

    @property
    def label(self) -> str:
        """The element's name, or its id when it has none (the one place that fallback is written)."""
        return self.name or self.id


class Frozen(BaseModel):
    """Base of every model type: immutable, strict about unknown keys, documented."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        str_strip_whitespace=False,
        validate_default=False,
    )


class Ordered(StrEnum):
    """A string enum whose members are ordered by declaration."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

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

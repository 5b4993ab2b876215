"""Shared pydantic configuration and id types; the ordered vocabularies live in :mod:`.levels`
(no pydantic there, so the CLI can name severities without importing the model classes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from threatmodel.model.levels import SEVERITIES_WORST_FIRST as SEVERITIES_WORST_FIRST
from threatmodel.model.levels import Classification as Classification
from threatmodel.model.levels import Ordered as Ordered
from threatmodel.model.levels import Severity as Severity
from threatmodel.model.levels import TrustLevel as TrustLevel

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

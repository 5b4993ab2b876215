"""Which fields of a model name other elements, and which elements they may name.

One table for every part that offers or checks references by field name: the TUI's forms offer
those ids to pick from, and answering an open question about a reference field (``trained_on``,
``derived_from``) offers the model's ids of that domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from threatmodel.model.vocab import MODEL_KINDS, TOOL_KINDS

if TYPE_CHECKING:
    from threatmodel.model.system import SystemModel


@dataclass(frozen=True, slots=True)
class RefDomain:
    """Which ids a reference field accepts."""

    what: Literal["components", "data", "boundaries", "scope", "controls"]
    kinds: frozenset[str] | None = None
    """For component references: only these kinds."""


REF_FIELDS: dict[str, RefDomain] = {
    "boundary": RefDomain("boundaries"),
    "parent": RefDomain("boundaries"),
    "source": RefDomain("components"),
    "target": RefDomain("components"),
    "data": RefDomain("data"),
    "trained_on": RefDomain("data"),
    "derived_from": RefDomain("data"),
    "system_prompt": RefDomain("data"),
    "base_model": RefDomain("components", MODEL_KINDS),
    "serves": RefDomain("components", MODEL_KINDS),
    "produces": RefDomain("components", MODEL_KINDS),
    "model": RefDomain("components", frozenset({"llm"})),
    "memory": RefDomain("components", frozenset({"agent-memory"})),
    "tools": RefDomain("components", TOOL_KINDS),
    "delegates_to": RefDomain("components", frozenset({"agent"})),
    "scope": RefDomain("scope"),
    "control": RefDomain("controls"),
}
"""Fields whose values are ids of other elements: the form offers those ids to pick from."""


def referable(model: SystemModel, domain: RefDomain, exclude: str | None = None) -> tuple[str, ...] | None:
    """Ids of the elements of ``model`` a reference of ``domain`` may name, in the model's order,
    other than ``exclude`` (the element being edited or asked about: nothing names itself);
    ``None`` for the domains that are not elements of one section (``scope``, ``controls``)."""
    if domain.what == "components":
        return tuple(
            c.id for c in model.components if (domain.kinds is None or str(c.kind) in domain.kinds) and c.id != exclude
        )
    if domain.what == "data":
        return tuple(d.id for d in model.data if d.id != exclude)
    if domain.what == "boundaries":
        return tuple(b.id for b in model.boundaries if b.id != exclude)
    return None

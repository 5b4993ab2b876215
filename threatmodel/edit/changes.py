"""Edits to a model, as values: add or replace an element, delete one, set a triage decision.

Pure functions of a :class:`SystemModel`; :class:`~threatmodel.edit.session.EditSession` applies
the same changes to the YAML document so a save keeps the author's layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from threatmodel.errors import Problem, UsageError
from threatmodel.model.check import check_references
from threatmodel.model.keys import control_key
from threatmodel.model.system import (
    Boundary,
    Component,
    DataAsset,
    Flow,
    ImplementedControl,
    SystemModel,
    TriageEntry,
)

SECTIONS: tuple[str, ...] = ("data", "boundaries", "components", "flows", "controls")
"""The list sections of a model that the TUI edits, in file order."""

SECTION_NOUNS: dict[str, str] = {
    "data": "data asset",
    "boundaries": "boundary",
    "components": "component",
    "flows": "flow",
    "controls": "control",
}

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "data": TypeAdapter(DataAsset),
    "boundaries": TypeAdapter(Boundary),
    "components": TypeAdapter(Component),
    "flows": TypeAdapter(Flow),
    "controls": TypeAdapter(ImplementedControl),
}


def element_key(section: str, item: Any) -> str:
    """The key an element of ``section`` is addressed by (the same rule as ModelDocument)."""
    if section == "flows":
        return str(item.key)
    if section == "controls":
        return control_key(item.control, item.scope)
    return str(item.id)


def parse_item(section: str, item: Mapping[str, Any]) -> Any:
    """Validate one item of ``section``; raises pydantic's ValidationError."""
    return _ADAPTERS[section].validate_python(dict(item))


def item_document(obj: Any, original: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pydantic element as the plain mapping written to the YAML file.

    Defaults are left out (the file stays as short as the author wrote it), except keys the
    author had written explicitly before, which stay even when their value is now the
    default. ``id`` and ``kind`` are always written; new items start with id, name, kind.
    """
    full = obj.model_dump(mode="json", by_alias=True)
    slim = obj.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    explicit = {"id", "kind"} | set(original or ())
    keep = [k for k in full if k in slim or (k in explicit and full[k] is not None)]
    if original is None:
        first = [k for k in ("id", "name", "kind") if k in keep]
        keep = first + [k for k in keep if k not in first]
    return {k: full[k] for k in keep}


# ---------------------------------------------------------------------------
# Edits


@dataclass(frozen=True, slots=True)
class Upsert:
    """Replace the element addressed by ``key`` (None: add a new one) with ``item``."""

    section: str
    item: Mapping[str, Any]
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove the element of ``section`` addressed by ``key``."""

    section: str
    key: str


@dataclass(frozen=True, slots=True)
class SetTriage:
    """Write (``entry``) or remove (``None``) the triage decision of a finding."""

    finding_id: str
    entry: Mapping[str, Any] | None


Edit = Upsert | Delete | SetTriage


@dataclass(frozen=True, slots=True)
class Change:
    """One user action: a label for the undo history and the edits it makes."""

    label: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """An applied change with the model before and after it."""

    change: Change
    before: SystemModel
    after: SystemModel


def apply_edit(model: SystemModel, edit: Edit) -> SystemModel:
    """The model with one edit applied. Validates the edited item; not the references."""
    if isinstance(edit, SetTriage):
        triage = dict(model.triage)
        if edit.entry is None:
            triage.pop(edit.finding_id, None)
        else:
            triage[edit.finding_id] = TriageEntry.model_validate(dict(edit.entry))
        return model.model_copy(update={"triage": dict(sorted(triage.items()))})
    items = list(getattr(model, edit.section))
    if isinstance(edit, Delete):
        kept = [it for it in items if element_key(edit.section, it) != edit.key]
        if len(kept) == len(items):
            raise UsageError(Problem(f"there is no {SECTION_NOUNS[edit.section]} '{edit.key}'"))
        return model.model_copy(update={edit.section: tuple(kept)})
    obj = parse_item(edit.section, edit.item)
    key = edit.key if edit.key is not None else element_key(edit.section, obj)
    for i, it in enumerate(items):
        if element_key(edit.section, it) == key:
            items[i] = obj
            break
    else:
        items.append(obj)
    return model.model_copy(update={edit.section: tuple(items)})


def apply_change(model: SystemModel, change: Change) -> SystemModel:
    """The model with every edit of ``change`` applied in order."""
    for edit in change.edits:
        model = apply_edit(model, edit)
    return model


def reference_problems(model: SystemModel, known_controls: frozenset[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """``(path, message)`` for every reference problem of ``model`` (the loader's checks)."""
    problems = [
        (issue.path, issue.message + (f" ({issue.hint})" if issue.hint else "")) for issue in check_references(model)
    ]
    for i, control in enumerate(model.controls):
        if control.control not in known_controls:
            problems.append((("controls", i, "control"), f"unknown control '{control.control}'"))
    return problems

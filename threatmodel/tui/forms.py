"""Form logic for editing model elements: field specs from the pydantic models, validation.

No Textual here: the form screen (``screens/edit.py``) turns each :class:`FieldSpec` into
a widget, collects raw values, and calls :func:`validate` on every keystroke. Validation
uses the very models the loader uses (``model_validate``) and the loader's reference checks
on the whole candidate model, and words problems the way the loader does.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from threatmodel.edit.changes import SECTION_NOUNS, Upsert, apply_edit, element_key, item_document, reference_problems
from threatmodel.errors import SourceSpan
from threatmodel.io.errors import problems_from_validation
from threatmodel.model.base import document_fields
from threatmodel.model.refs import REF_FIELDS, RefDomain
from threatmodel.model.system import (
    Boundary,
    ComponentBase,
    DataAsset,
    Flow,
    ImplementedControl,
    SystemModel,
    TriageEntry,
    component_class,
)
from threatmodel.model.unknowns import UNKNOWABLE
from threatmodel.model.vocab import ComponentKind

TEXT: Final = "text"
INTEGER: Final = "integer"
NUMBER: Final = "number"
DATE: Final = "date"
BOOL: Final = "bool"
OPTIONAL_BOOL: Final = "optional-bool"
CHOICE: Final = "choice"
MULTI_CHOICE: Final = "multi-choice"
WORDS: Final = "words"
"""A list of free slugs (tags, guardrail checks), typed comma-separated."""
REF: Final = "ref"
MULTI_REF: Final = "multi-ref"

STATED_NONE: Final = "(none)"
"""The choice (or the typed words) that states an empty list for an attribute that may be
unknown: ``side_effects: []`` says "no side effects", while leaving the field out says "not
known". Not a valid id or slug, so it never collides with a real value."""
STATED_NONE_LABEL: Final = "(none: stated)"
"""How :data:`STATED_NONE` is offered in a pick list (the element forms and the answer dialog)."""

FieldKind = Literal[
    "text", "integer", "number", "date", "bool", "optional-bool", "choice", "multi-choice", "words", "ref", "multi-ref"
]

SECTION_CLASSES: dict[str, type[BaseModel]] = {
    "data": DataAsset,
    "boundaries": Boundary,
    "flows": Flow,
    "controls": ImplementedControl,
}

ALL_KINDS: tuple[str, ...] = tuple(k.value for k in ComponentKind)
SHARED_COMPONENT_FIELDS: frozenset[str] = frozenset(ComponentBase.model_fields)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input of a form."""

    name: str
    """Field name; nested fields are dotted (``execution_bounds.max_steps``)."""
    kind: FieldKind
    label: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: RefDomain | None = None
    default: Any = None
    unknowable: bool = False
    """Unstated means unknown (``model/unknowns.py``): an empty list is a statement of its own,
    offered as :data:`STATED_NONE`."""


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return tp


def _split_optional(tp: Any) -> tuple[Any, bool]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        members = [_unwrap(a) for a in get_args(tp) if a is not type(None)]
        optional = len(members) != len(get_args(tp))
        if len(members) == 1:
            return members[0], optional
    return tp, False


def _choices(tp: Any) -> tuple[str, ...] | None:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tuple(str(m.value) for m in tp)
    if get_origin(tp) is Literal:
        return tuple(str(a) for a in get_args(tp))
    return None


def _label(name: str) -> str:
    return name.replace("_", " ").replace(".", ": ").capitalize()


def plain_help(doc: str) -> str:
    """Field docs as plain text: ``code`` spans lose their backticks (the TUI shows help as
    text, never as markup) and line breaks inside a paragraph become spaces."""
    text = re.sub(r"``([^`]*)``", r"\1", doc.strip())
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return " ".join(text.split())


def specs_for(cls: type[BaseModel], *, prefix: str = "", skip: Sequence[str] = ()) -> list[FieldSpec]:
    """The inputs of a form for ``cls``, in field order (``id``, ``name``, ``kind`` first)."""
    document_fields(schemas=False)  # the help under each input
    specs: list[FieldSpec] = []
    names = list(cls.model_fields)
    names = [n for n in ("id", "name", "kind") if n in names] + [n for n in names if n not in ("id", "name", "kind")]
    for name in names:
        if name in skip:
            continue
        info = cls.model_fields[name]
        dotted = f"{prefix}{name}"
        tp, optional = _split_optional(info.annotation)
        required = info.is_required()
        default = None if required else info.get_default(call_default_factory=True)
        help_text = plain_help(info.description or "")
        kind: FieldKind
        choices: tuple[str, ...] = ()
        ref = REF_FIELDS.get(name) if not prefix else None
        if name == "kind" and cls is not ImplementedControl:
            kind, choices = CHOICE, ALL_KINDS
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            specs.extend(specs_for(tp, prefix=f"{dotted}."))
            continue
        elif get_origin(tp) is tuple:
            inner = _unwrap(get_args(tp)[0])
            inner_choices = _choices(inner)
            if ref is not None:
                kind = MULTI_REF
            elif inner_choices is not None:
                kind, choices = MULTI_CHOICE, inner_choices
            else:
                kind = WORDS
        elif ref is not None:
            kind = REF
        elif tp is bool:
            kind = OPTIONAL_BOOL if optional else BOOL
        elif tp is int:
            kind = INTEGER
        elif tp is float:
            kind = NUMBER
        elif tp is dt.date:
            kind = DATE
        elif (found := _choices(tp)) is not None:
            kind, choices = CHOICE, found
        else:
            kind = TEXT
        if isinstance(default, enum.Enum):
            default = default.value
        if isinstance(default, tuple):
            default = tuple(d.value if isinstance(d, enum.Enum) else d for d in default)
        unknowable = not prefix and name in UNKNOWABLE
        specs.append(FieldSpec(dotted, kind, _label(dotted), help_text, required, choices, ref, default, unknowable))
    return specs


def section_class(section: str, kind: str | None = None) -> type[BaseModel]:
    """The pydantic class of an element of ``section`` (of ``kind`` for components)."""
    if section == "components":
        return component_class(kind or "application")
    return SECTION_CLASSES[section]


def form_specs(section: str, kind: str | None = None) -> list[FieldSpec]:
    """The inputs of the form for one element of ``section``."""
    return specs_for(section_class(section, kind))


TRIAGE_SPECS: list[FieldSpec] = specs_for(TriageEntry, skip=("evidence",))
"""The triage form's inputs; test evidence is recorded by the tools' runs, not typed in, and the
form keeps whatever evidence the decision already has (see :func:`validate_triage`)."""


# ---------------------------------------------------------------------------
# Raw values <-> item dicts

RawValue = str | bool | tuple[str, ...] | None
"""What a widget holds: text, a checkbox, a selection, or nothing chosen."""


def to_raw(spec: FieldSpec, value: Any) -> RawValue:
    """The widget value showing ``value`` (a model value, as dumped to JSON)."""
    if value is None:
        return None
    if spec.kind in (BOOL, OPTIONAL_BOOL):
        return bool(value)
    if spec.unknowable and spec.kind in (MULTI_CHOICE, MULTI_REF, WORDS) and not value:
        return (STATED_NONE,) if spec.kind != WORDS else STATED_NONE
    if spec.kind in (MULTI_CHOICE, MULTI_REF):
        return tuple(str(v) for v in value)
    if spec.kind == WORDS:
        return ", ".join(str(v) for v in value)
    return str(value)


def raw_values(specs: Sequence[FieldSpec], item: Mapping[str, Any] | None) -> dict[str, RawValue]:
    """Widget values for ``item`` (a JSON dump of an element), or the defaults for a new one."""
    out: dict[str, RawValue] = {}
    for spec in specs:
        node: Any = item if item is not None else None
        for part in spec.name.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if item is None:
            node = spec.default
        if spec.kind == BOOL and node is None:
            node = bool(spec.default)
        out[spec.name] = to_raw(spec, node)
    return out


def _from_raw(spec: FieldSpec, raw: RawValue) -> Any:
    """The value to hand to pydantic, or ``None`` for "not given"."""
    if raw is None:
        return None
    if spec.kind in (BOOL, OPTIONAL_BOOL):
        return bool(raw)
    if spec.kind in (MULTI_CHOICE, MULTI_REF):
        chosen = list(raw) if isinstance(raw, tuple) else [raw]
        return [] if spec.unknowable and chosen == [STATED_NONE] else chosen
    text = str(raw).strip()
    if spec.kind == WORDS:
        words = [part.strip() for part in text.split(",") if part.strip()]
        return [] if spec.unknowable and words == [STATED_NONE] else words
    if not text:
        return None
    if spec.kind == INTEGER:
        try:
            return int(text)
        except ValueError:
            return text
    if spec.kind == NUMBER:
        try:
            return float(text)
        except ValueError:
            return text
    return str(raw) if spec.kind == TEXT else text


def states_none(raw: RawValue) -> bool:
    """Whether a widget value is :data:`STATED_NONE` (chosen or typed), with or without others."""
    if isinstance(raw, tuple):
        return STATED_NONE in raw
    return isinstance(raw, str) and STATED_NONE in (part.strip() for part in raw.split(","))


def candidate(specs: Sequence[FieldSpec], values: Mapping[str, RawValue]) -> dict[str, Any]:
    """The item dict the widget values describe; unset optional values are left out."""
    out: dict[str, Any] = {}
    for spec in specs:
        value = _from_raw(spec, values.get(spec.name))
        if value is None:
            continue
        if spec.kind == BOOL and value == spec.default:
            continue
        if (
            spec.kind in (MULTI_CHOICE, MULTI_REF, WORDS)
            and not value
            and not spec.required
            and spec.default in (None, ())
            and not spec.unknowable
        ):
            continue
        if spec.unknowable and not value and not states_none(values.get(spec.name)):
            continue  # nothing chosen: the fact stays unknown
        parts = spec.name.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


# ---------------------------------------------------------------------------
# Validation


@dataclass
class Validation:
    """The outcome of validating a form: the first error per field, and whole-model problems."""

    item: Any | None = None
    """The validated element (None while there are errors)."""
    document: dict[str, Any] | None = None
    """The element as it will be written to the file."""
    field_errors: dict[str, str] = field(default_factory=dict)
    model_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.item is not None and not self.field_errors and not self.model_errors


def _strip_prefix(message: str, dotted: str) -> str:
    prefix = f"{dotted}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def schema_errors(cls: type[BaseModel], data: Mapping[str, Any]) -> tuple[Any | None, dict[str, str]]:
    """Validate ``data`` with ``cls``: (object, {}) or (None, first message per field)."""
    try:
        return cls.model_validate(dict(data)), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        problems = problems_from_validation(exc, cls, dict(data), lambda loc, key: SourceSpan(json.dumps(list(loc))))
        for err, problem in zip(exc.errors(include_url=False), problems, strict=True):
            loc = [p for p in err["loc"] if isinstance(p, str)]
            name = ".".join(loc[:2]) if len(loc) >= 2 and _is_nested(cls, loc[0]) else (loc[0] if loc else "")
            message = _strip_prefix(problem.message, ".".join(str(p) for p in err["loc"]))
            if err["type"] == "missing":
                message = "required"
            if problem.hint:
                message += f" — {problem.hint}"
            errors.setdefault(name, message)
        return None, errors


def _is_nested(cls: type[BaseModel], name: str) -> bool:
    info = cls.model_fields.get(name)
    if info is None:
        return False
    tp, _ = _split_optional(info.annotation)
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def describe_path(model: SystemModel, path: tuple[str | int, ...]) -> str:
    """``flows[2] (customer-to-web-app).target`` style label of a path into the model."""
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
        items = getattr(model, path[0], ())
        label = SECTION_NOUNS.get(path[0], path[0])
        if 0 <= path[1] < len(items):
            label += f" '{element_key(path[0], items[path[1]])}'"
        rest = ".".join(str(p) for p in path[2:])
        return f"{label}{' ' + rest if rest else ''}"
    return ".".join(str(p) for p in path)


def validate(
    section: str,
    specs: Sequence[FieldSpec],
    values: Mapping[str, RawValue],
    model: SystemModel,
    *,
    key: str | None,
    original: Mapping[str, Any] | None,
    known_controls: frozenset[str],
) -> Validation:
    """Validate a form for an element of ``section`` against the element's model and the whole model.

    ``key`` addresses the element being edited (None when adding). Field problems (schema
    errors, and reference problems located inside the element) go to the field; problems
    elsewhere in the model (a renamed id still used by a flow) go to ``model_errors``.
    """
    mixed = {
        spec.name: f"{STATED_NONE} states that there are none: choose it alone, or only the others"
        for spec in specs
        if spec.unknowable and states_none(values.get(spec.name)) and _from_raw(spec, values.get(spec.name))
    }
    if mixed:
        return Validation(field_errors=mixed)
    data = candidate(specs, values)
    kind = str(data.get("kind")) if section == "components" else None
    if section == "components" and kind not in ALL_KINDS:
        # Still check the other fields, against the fields every kind shares.
        shared = {k: v for k, v in data.items() if k in SHARED_COMPONENT_FIELDS}
        _, errors = schema_errors(component_class("application"), {**shared, "kind": "application"})
        return Validation(field_errors={"kind": "choose a kind", **errors})
    cls = section_class(section, kind)
    obj, errors = schema_errors(cls, data)
    if obj is None:
        return Validation(field_errors=errors)
    document = item_document(obj, original)
    new_key = element_key(section, obj)
    result = Validation(document=document)
    existing = [element_key(section, it) for it in getattr(model, section)]
    if new_key != key and new_key in existing:
        where = "scope" if section == "controls" else ("id" if section != "flows" or obj.id else "target")
        result.field_errors[where] = f"another {SECTION_NOUNS[section]} is already addressed as '{new_key}'"
        return result
    candidate_model = apply_edit(model, Upsert(section, document, key))
    items = getattr(candidate_model, section)
    index = next((i for i, it in enumerate(items) if element_key(section, it) == new_key), -1)
    for path, message in reference_problems(candidate_model, known_controls):
        if len(path) >= 3 and path[0] == section and path[1] == index and isinstance(path[2], str):
            result.field_errors.setdefault(str(path[2]), message)
        else:
            result.model_errors.append(f"{describe_path(candidate_model, path)}: {message}")
    if not result.field_errors and not result.model_errors:
        result.item = obj
    return result


def _plain(value: Any) -> Any:
    """A dumped value with enums as their values (dates stay dates), nested lists and dicts too."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def validate_triage(
    values: Mapping[str, RawValue], evidence: Sequence[Mapping[str, Any]] = ()
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Validate the triage form: (entry as written to the file, {}) or (None, errors).

    ``evidence`` is the decision's recorded test evidence, which the form does not show: it is
    carried over unchanged, so re-triaging a finding never drops a test run."""
    data = candidate(TRIAGE_SPECS, values)
    if evidence:
        data["evidence"] = [dict(e) for e in evidence]
    obj, errors = schema_errors(TriageEntry, data)
    if obj is None:
        return None, errors
    if obj.status.value in ("accepted", "false-positive", "transferred") and not obj.justification.strip():
        return None, {"justification": f"say why the finding is {obj.status.value}: a reviewer will read it"}
    # Dates stay dates, so the file gets `review_by: 2027-01-31`, not a quoted string.
    entry = {k: _plain(v) for k, v in obj.model_dump(exclude_defaults=True).items()}
    if "evidence" in entry:
        entry["evidence"] = [{k: v for k, v in e.items() if v is not None} for e in entry["evidence"]]
    return entry, {}

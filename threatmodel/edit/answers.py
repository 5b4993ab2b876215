"""Answering an open question: state an unknown fact of one element, as an edit.

An open question (:mod:`threatmodel.engine.questions`) names an element and an attribute the
model leaves unknown. The answers it accepts are read from the attribute's declared type, so a
new attribute needs nothing here: an enumeration offers its values, a flag ``true``/``false``, a
list of enumerated values any non-empty choice of them, and a reference field
(:data:`~threatmodel.model.refs.REF_FIELDS`: ``trained_on``, ``derived_from``) the ids it may name. The change writes the one key into the
element as the author wrote it, so a save keeps everything else of the element untouched.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from threatmodel.edit.changes import Change, Upsert, element_key, item_document
from threatmodel.errors import Problem, UsageError
from threatmodel.model.refs import REF_FIELDS, RefDomain, referable
from threatmodel.model.system import SystemModel
from threatmodel.model.unknowns import EMPTY_IS_UNKNOWN

ANSWERABLE_SECTIONS: tuple[str, ...] = ("components", "flows", "data", "boundaries")
"""Where the element of a question is looked up, in this order (ids are unique across them)."""


@dataclass(frozen=True, slots=True)
class Choices:
    """The values an unknown attribute accepts."""

    section: str
    """The model section holding the element."""
    key: str
    """The element's key in that section (a flow's key, else its id)."""
    values: tuple[str, ...]
    """Every value, as written in model files."""
    multiple: bool
    """A list attribute: any non-empty selection of ``values``."""


def _bare(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata (``StrictBool`` is ``bool``)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _values(annotation: Any) -> tuple[tuple[str, ...], bool] | None:
    """The written values of ``annotation`` (``T | None``) and whether it is a list, if it is answerable."""
    args = [_bare(a) for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType) or len(args) != 1:
        return None
    inner = args[0]
    multiple = typing.get_origin(inner) is tuple
    if multiple:
        item_args = typing.get_args(inner)
        if len(item_args) != 2 or item_args[1] is not Ellipsis:
            return None
        inner = _bare(item_args[0])
    if inner is bool:
        return None if multiple else (("true", "false"), False)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return tuple(str(member.value) for member in inner), multiple
    literal = typing.get_args(inner) if typing.get_origin(inner) is typing.Literal else ()
    if literal and all(isinstance(v, str) for v in literal):
        return tuple(literal), multiple
    return None


def find_element(model: SystemModel, element: str) -> tuple[str, Any]:
    """The section and the element a question names; raises UsageError when there is none."""
    for section in ANSWERABLE_SECTIONS:
        for item in getattr(model, section):
            if element_key(section, item) == element:
                return section, item
    raise UsageError(Problem(f"there is no element '{element}' in the model"))


def _references(
    model: SystemModel, element: str, annotation: Any, domain: RefDomain
) -> tuple[tuple[str, ...], bool] | None:
    """The ids a reference attribute (``T | None``) may name in ``model`` and whether it is a
    list: the data assets, boundaries or components (of the domain's kinds) other than ``element``."""
    args = [_bare(a) for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType) or len(args) != 1:
        return None
    multiple = typing.get_origin(args[0]) is tuple
    found = referable(model, domain, exclude=element)
    return None if found is None else (found, multiple)


def choices(model: SystemModel, element: str, attribute: str) -> Choices:
    """What ``attribute`` of ``element`` may be stated as; raises UsageError when it cannot be answered here."""
    section, item = find_element(model, element)
    field = type(item).model_fields.get(attribute)
    found = _values(field.annotation) if field is not None else None
    domain = REF_FIELDS.get(attribute)
    if found is None and field is not None and domain is not None:
        found = _references(model, element, field.annotation, domain)
        if found is not None and not found[0]:
            noun = "data assets" if domain.what == "data" else domain.what
            raise UsageError(Problem(f"there are no {noun} in the model for '{attribute}' of '{element}' to name"))
    if found is None:
        raise UsageError(Problem(f"'{attribute}' of '{element}' is not an attribute with a fixed set of values"))
    values, multiple = found
    return Choices(section=section, key=element, values=values, multiple=multiple)


def answer_change(
    model: SystemModel,
    element: str,
    attribute: str,
    answer: str | Sequence[str],
    *,
    written: Mapping[str, Any] | None = None,
) -> Change:
    """The change that states ``attribute`` of ``element`` as ``answer``.

    ``written`` is the element as its file has it (``EditSession.document_item``); the answer is
    added to it so every key the author wrote stays. For a list attribute, no values is an answer
    too: it states ``[]`` (none), which is not the same as unknown. Raises UsageError for a value
    the attribute does not accept.
    """
    allowed = choices(model, element, attribute)
    picked = [answer] if isinstance(answer, str) else list(answer)
    if not picked and attribute in EMPTY_IS_UNKNOWN:
        raise UsageError(
            Problem(
                f"an empty '{attribute}' states nothing: name at least one of {', '.join(allowed.values)} "
                "(add a data asset for what is not drawn yet, such as a public corpus)"
            )
        )
    wrong = [v for v in picked if v not in allowed.values]
    if wrong or (not picked and not allowed.multiple) or (len(picked) > 1 and not allowed.multiple):
        raise UsageError(
            Problem(
                f"'{', '.join(picked)}' is not an answer for '{attribute}': choose from {', '.join(allowed.values)}"
            )
        )
    value: Any
    if allowed.multiple:
        value = sorted(set(picked), key=allowed.values.index)
    elif allowed.values == ("true", "false"):
        value = picked[0] == "true"
    else:
        value = picked[0]
    _, item = find_element(model, element)
    document = dict(written) if written is not None else item_document(item)
    document[attribute] = value
    shown = (", ".join(value) or "none") if isinstance(value, list) else str(value).lower()
    return Change(f"State {attribute} of {element}: {shown}", (Upsert(allowed.section, document, allowed.key),))


__all__ = ["ANSWERABLE_SECTIONS", "Choices", "answer_change", "choices", "find_element"]

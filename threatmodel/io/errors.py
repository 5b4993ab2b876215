"""Turn pydantic validation errors into located, readable problems."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from threatmodel.errors import Problem, SourceSpan

Loc = tuple[str | int, ...]
Locator = Callable[[Loc, bool], SourceSpan]
_QUOTED = re.compile(r"'([^']*)'")


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(tp) if a is not type(None)]
    return [tp]


def _tags_of(cls: Any) -> set[str]:
    tags: set[str] = set()
    tag = getattr(cls, "TAG", None)
    if isinstance(tag, str):
        tags.add(tag)
    fields = getattr(cls, "model_fields", {})
    if "kind" in fields:
        kind = _unwrap(fields["kind"].annotation)
        if get_origin(kind) is Literal:
            tags.update(str(a) for a in get_args(kind))
    return tags


def _field(cls: type[BaseModel], name: str) -> Any:
    for field_name, info in cls.model_fields.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that validates the value at ``loc`` (best effort)."""
    current: Any = root
    for part in loc:
        options = _members(current)
        nxt: Any = None
        for option in options:
            origin = get_origin(option)
            if isinstance(option, type) and issubclass(option, BaseModel):
                if isinstance(part, str):
                    annotation = _field(option, part)
                    if annotation is not None:
                        nxt = annotation
                        break
                    if part in _tags_of(option):
                        nxt = option
                        break
            elif origin in (tuple, list) and isinstance(part, int):
                nxt = get_args(option)[0]
                break
            elif origin is dict:
                nxt = get_args(option)[1]
                break
        if nxt is None:
            if isinstance(part, str) and len(options) > 1:
                chosen = [o for o in options if part in _tags_of(o)]
                if chosen:
                    current = chosen[0]
                    continue
            return None
        current = nxt
    found = [m for m in _members(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return found[0] if len(found) == 1 else None


def _keys_of(cls: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in cls.model_fields.items()]


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


def _doc_loc(loc: Loc, data: Any) -> Loc:
    """Drop parts of a pydantic loc that are union tags, not keys of the document."""
    out: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        following = loc[position + 1] if position + 1 < len(loc) else None
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                out.append(part)
                node = node[part]
            elif part.startswith(("function-", "tagged-union")) or (
                following is not None and isinstance(following, str) and following in node
            ):
                continue  # a union tag, not a key of the document
            elif following is not None and node.get("kind") == part:
                continue
            else:
                out.append(part)
                node = None
        elif isinstance(node, list) and isinstance(part, int):
            out.append(part)
            node = node[part] if 0 <= part < len(node) else None
        elif node is None:
            out.append(part)
        # else: a tag part inside a list or scalar context: skip
    return tuple(out)


MAX_PROBLEMS = 100
"""Most schema problems located and shown for one file; the rest are counted."""


def problems_from_validation(exc: ValidationError, root: type[BaseModel], data: Any, locate: Locator) -> list[Problem]:
    """One problem per pydantic error, with a location, a plain message and a hint."""
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    for err in errors[:MAX_PROBLEMS]:
        raw_loc: Loc = tuple(err["loc"])
        loc = _doc_loc(raw_loc, data)
        kind = err["type"]
        value = err.get("input")
        ctx = err.get("ctx") or {}
        message = str(err["msg"])
        hint: str | None = None
        key_span = False
        where = _dotted(loc[:-1]) or "the top level"
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else "?"
            cls = model_at(root, raw_loc[:-1])
            allowed = _keys_of(cls) if cls is not None else []
            message = f"unknown key '{key}' in {where}"
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean '{close[0]}'?"
            elif allowed:
                hint = f"allowed keys: {', '.join(allowed)}"
            key_span = True
        elif kind == "invalid_key":
            from threatmodel.io.yaml_document import COMPLEX_KEY

            message = (
                f"{_dotted(loc[:-1]) or 'the top level'}: keys must be text, found {raw_loc[-1] if raw_loc else '?'}"
            )
            hint = "write the key as plain text"
            loc = (*loc[:-1], COMPLEX_KEY) if loc and str(loc[-1]) == str(raw_loc[-1]) else (*loc, COMPLEX_KEY)
        elif kind == "missing":
            key = str(loc[-1]) if loc else "?"
            message = f"missing required key '{key}' in {where}"
            loc = loc[:-1]
        elif kind in ("enum", "literal_error"):
            raw_expected = str(ctx.get("expected", ""))
            expected = _QUOTED.findall(raw_expected) or [raw_expected]
            message = f"{_dotted(loc)}: '{value}' is not one of: {', '.join(expected)}"
            if isinstance(value, str) and value in expected and "'" not in raw_expected:
                hint = f"write {value} as a number, without quotes"
            close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.5)
            hint = hint or (f"did you mean '{close[0]}'?" if close else None)
        elif kind == "union_tag_invalid":
            expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
            tag = ctx.get("tag", value)
            message = f"{_dotted(loc)}: unknown {ctx.get('discriminator', 'kind').strip(chr(39))} '{tag}'"
            close = difflib.get_close_matches(str(tag), expected, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(expected)}"
            loc = (*loc, "kind")
        elif kind == "union_tag_not_found":
            message = f"missing required key 'kind' in {_dotted(loc)}"
            hint = "every component names its kind, e.g. `kind: llm`"
        elif kind == "unknown_predicate":
            keys = list(value) if isinstance(value, dict) else []
            message = f"{_dotted(loc)}: {message}"
            from threatmodel.model.rules import PREDICATE_TAGS

            if len(keys) == 1:
                close = difflib.get_close_matches(str(keys[0]), PREDICATE_TAGS, n=1, cutoff=0.5)
                message = f"{_dotted(loc)}: unknown predicate '{keys[0]}'"
                hint = f"did you mean '{close[0]}'?" if close else f"predicates: {', '.join(PREDICATE_TAGS)}"
            elif len(keys) > 1:
                message = (
                    f"{_dotted(loc)}: a condition has exactly one key, found {len(keys)} ({', '.join(map(str, keys))})"
                )
                hint = "combine several conditions with `all:` or `any:`"
        elif kind == "string_pattern_mismatch" and isinstance(value, str):
            pattern = str(ctx.get("pattern", ""))
            if "[a-z]" in pattern and "@" not in pattern and ":" not in pattern:
                slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
                message = f"{_dotted(loc)}: '{value}' is not a valid id"
                hint = "ids are lower-kebab-case: letters, digits and single hyphens, starting with a letter"
                if slug and slug[0].isalpha():
                    hint += f" (e.g. '{slug}')"
            else:
                message = f"{_dotted(loc)}: '{value}' does not have the expected form"
                hint = f"expected a value matching {pattern}"
        elif kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
            message = f"{_dotted(loc)}: expected a date written YYYY-MM-DD (got {value!r})"
        elif kind in (
            "string_type",
            "int_type",
            "int_parsing",
            "bool_type",
            "bool_parsing",
            "float_parsing",
            "tuple_type",
            "list_type",
            "dict_type",
            "model_type",
            "model_attributes_type",
            "date_from_datetime_parsing",
            "date_parsing",
            "string_too_long",
            "string_too_short",
            "too_short",
            "too_long",
            "greater_than_equal",
            "less_than_equal",
            "greater_than",
            "date_type",
            "model_fields_type",
            "float_type",
        ):
            shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
            if kind in ("model_type", "model_attributes_type", "dict_type"):
                message = f"{_dotted(loc) or 'the document'}: expected a mapping, found {_yaml_type(value)}"
            elif kind in ("tuple_type", "list_type"):
                message = f"{_dotted(loc)}: expected a list, found {_yaml_type(value)}"
                hint = "write a YAML list: `- item` lines or `[a, b]`"
            else:
                message = f"{_dotted(loc)}: {message[0].lower()}{message[1:]} (got {shown})"
            if kind in ("bool_type", "bool_parsing") and isinstance(value, str):
                message = f"{_dotted(loc)}: expected true or false, found the string {shown}"
                hint = (
                    "use true/false (YAML 1.2 reads yes/no/on/off as text, not as booleans)"
                    if value.lower() in ("yes", "no", "on", "off", "y", "n")
                    else "use true or false"
                )
        elif kind == "value_error":  # a validator's own sentence, without pydantic's prefix
            message = f"{_dotted(loc)}: {message.removeprefix('Value error, ')}"
        else:
            message = f"{_dotted(loc)}: {message}"
        problems.append(Problem(message, locate(loc, key_span), hint))
    if len(errors) > MAX_PROBLEMS:
        problems.append(
            Problem(
                f"... and {len(errors) - MAX_PROBLEMS:,} more schema problems (only the first {MAX_PROBLEMS} are shown)",
                None,
                "fix these and run again",
            )
        )
    return problems


def _yaml_type(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def sort_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Document order: by file, line, column, then message; at most :data:`MAX_PROBLEMS`
    located problems, the rest counted (unlocated summaries come last)."""
    ordered = sorted(
        problems,
        key=lambda p: (
            p.source is None,
            p.source.path if p.source else "",
            p.source.line if p.source else 0,
            p.source.column if p.source else 0,
            p.message,
        ),
    )
    located = [p for p in ordered if p.source is not None]
    if len(located) <= MAX_PROBLEMS:
        return ordered
    rest = len(located) - MAX_PROBLEMS
    return [
        *located[:MAX_PROBLEMS],
        Problem(
            f"... and {rest:,} more problems (only the first {MAX_PROBLEMS} are shown)", None, "fix these and run again"
        ),
        *[p for p in ordered if p.source is None],
    ]

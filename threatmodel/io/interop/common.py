"""What every importer shares: stable ids, a record of what could not be mapped, the drafted file.

An importer turns a foreign document into plain model data (a dict shaped like a model file),
noting every fact it could not carry over. :func:`finish` validates that data with the same
loader ``threatmodel validate`` uses and renders it as YAML with the notes as a header comment,
so the open questions travel with the file as well as going to stderr.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.yaml_source import read_text

MAX_IMPORT_DEPTH = 64
"""Deepest nesting of objects/arrays an imported document may have."""
MAX_IMPORT_ELEMENTS = 20_000
"""Most components, data assets, boundaries or flows a draft may hold."""

_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")  # \Z: "$" would let a trailing newline pass
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 64


def fits_slug(value: str) -> bool:
    """True when ``value`` is already a valid model id."""
    return len(value) <= SLUG_MAX and bool(_SLUG_RE.match(value))


def slugify(value: str, fallback: str) -> str:
    """A valid id made from ``value``: lower-case, runs of other characters become ``-``.

    Ids that would start with a digit get ``fallback`` as a prefix; empty results are ``fallback``.
    """
    slug = _NOT_SLUG.sub("-", value.lower()).strip("-")
    if slug and not slug[0].isalpha():
        slug = f"{fallback}-{slug}"
    return slug[:SLUG_MAX].rstrip("-") or fallback


class IdAllocator:
    """Hands out unique model ids; one allocator per draft, so ids are unique across element types.

    Callers allocate in a sorted order of the originals' ids, never document order, so a
    collision always resolves the same way: the first original (by sort) keeps the plain id,
    the next get ``-2``, ``-3``...
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, original: str, fallback: str) -> str:
        base = original if fits_slug(original) else slugify(original, fallback)
        candidate, n = base, 2
        while candidate in self._taken:
            suffix = f"-{n}"
            candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
            n += 1
        self._taken.add(candidate)
        return candidate


@dataclass
class Notes:
    """Facts of the source document that the draft does not carry, and values it had to assume."""

    source: str
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def lines(self) -> list[str]:
        """Sorted and de-duplicated, so the report does not depend on dict order."""
        return sorted(set(self.items), key=_natural)


def _natural(text: str) -> list[tuple[int, str]]:
    """Sort key that puts ``cells[2]`` before ``cells[10]``."""
    return [(int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text)]


def read_json_document(path: Path, display: str) -> Any:
    """A JSON file, parsed with bounded size and depth; bad input is a located UsageError."""
    text = read_text(path, display, error=UsageError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(Problem(f"not valid JSON: {exc.msg}", SourceSpan(display, exc.lineno, exc.colno))) from None
    except RecursionError:
        raise UsageError(Problem("the JSON nests too deeply", SourceSpan(display))) from None
    check_depth(data, display)
    return data


def check_depth(data: Any, display: str) -> None:
    """Refuse documents nested deeper than :data:`MAX_IMPORT_DEPTH` (iteratively, no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_IMPORT_DEPTH:
            raise UsageError(Problem(f"the document nests deeper than {MAX_IMPORT_DEPTH} levels", SourceSpan(display)))
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def expect_mapping(value: Any, where: str, display: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(Problem(f"{where} must be an object", SourceSpan(display)))
    return value


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (absent and malformed read alike)."""
    return value if isinstance(value, dict) else {}


def arr(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text_of(value: Any, limit: int = 20_000) -> str | None:
    """A stripped string from ``value`` (None unless it is a non-empty string), cut to ``limit``."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def name_of(value: Any) -> str | None:
    """A component or asset name: at most 200 characters, like the model's Name type."""
    return text_of(value, 200)


def list_of_str(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


def count_elements(data: dict[str, Any], display: str) -> None:
    total = sum(len(data.get(k, [])) for k in ("data", "boundaries", "components", "flows"))
    if total > MAX_IMPORT_ELEMENTS:
        raise UsageError(
            Problem(
                f"the draft would hold {total:,} elements; the limit is {MAX_IMPORT_ELEMENTS:,}", SourceSpan(display)
            )
        )


def finish(data: dict[str, Any], notes: Notes, command: str, display: str) -> str:
    """Validate the drafted data like ``threatmodel validate`` and return it as commented YAML."""
    from threatmodel.errors import ThreatModelError
    from threatmodel.io.dump import dump_model
    from threatmodel.io.load import load_model_text

    count_elements(data, display)
    plain = json.dumps(data)  # JSON is YAML 1.2, and much faster to write than block YAML
    try:
        loaded = load_model_text(plain, f"<draft of {display}>")
    except ThreatModelError as exc:  # a mapping bug, not the user's fault: say so precisely
        raise UsageError(
            [Problem(f"the draft from {display} is not a valid model (please report this)"), *exc.problems]
        ) from None
    header = [
        "# yaml-language-server: $schema=threatmodel.schema.json",
        "#",
        f"# Drafted by `threatmodel import {command}` from {display}.",
        "# Only what the source states is filled in; everything else is left for you to decide.",
    ]
    lines = notes.lines()
    if lines:
        header += ["#", "# Not carried over (review these):"]
        header += [f"#   - {_one_line(line)}" for line in lines]
    return "\n".join(header) + "\n\n" + dump_model(loaded.model)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def sorted_items(mapping: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    return sorted(mapping.items(), key=lambda kv: kv[0])

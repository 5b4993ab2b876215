"""Bounded JSON reading: size, nesting depth and integer length are checked before use.

``json.loads`` recurses per nesting level (a file nested 100,000 deep raises
RecursionError) and parses integers of any length (a 5,000-digit one later fails to
print). The depth is measured by a lexical scan first, and long integers are refused
while parsing, so every defect is a located error of the caller's choosing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from threatmodel.errors import Problem, SourceSpan, ThreatModelError
from threatmodel.io.yaml_source import MAX_DEPTH, MAX_FILE_BYTES

MAX_INT_DIGITS = 19
"""Most digits of an integer in a JSON file read (a signed 64-bit integer has 19)."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class _LongNumber(ValueError):
    pass


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _LongNumber(literal)
    return int(literal)


def _where(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_json(text: str, path: str, error: type[ThreatModelError], what: str = "file") -> Any:
    """Parse ``text`` as JSON within the limits; raise ``error`` with a location otherwise."""
    if len(text) > MAX_FILE_BYTES:
        raise error(
            Problem(f"the {what} is {len(text):,} characters; the limit is {MAX_FILE_BYTES:,}", SourceSpan(path))
        )
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for token in _TOKEN.finditer(text):
            char = token.group()
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    line, column = _where(text, token.start())
                    raise error(
                        Problem(f"the {what} nests deeper than {MAX_DEPTH} levels", SourceSpan(path, line, column))
                    )
            elif char in "]}":
                depth -= 1
    try:
        return json.loads(text, parse_int=_int)
    except _LongNumber as exc:
        line, column = _where(text, text.find(str(exc)))
        raise error(
            Problem(f"the {what} holds a number longer than {MAX_INT_DIGITS} digits", SourceSpan(path, line, column))
        ) from None
    except json.JSONDecodeError as exc:
        raise error(
            Problem(f"the {what} is not valid JSON: {exc.msg}", SourceSpan(path, exc.lineno, exc.colno))
        ) from None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - guarded above
        raise error(Problem(f"the {what} cannot be read: {type(exc).__name__}", SourceSpan(path, 1, 1))) from None

"""Make control and bidi characters visible: one pure helper for loader messages.

A model is read from an untrusted pull request, so any string it holds may reach a
terminal, a CI log or a Markdown summary. :func:`visible` rewrites every character
that could move the cursor, retitle a terminal or reorder text (C0 and C1 controls,
DEL, bidi overrides, isolates and marks) as a Python-style escape such as ``\\x1b``
or ``\\u202e``, and leaves everything else untouched.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "first_unsafe", "visible"]

UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters refused in model text: C0 controls other than tab, newline and carriage
return; DEL; C1 controls; left-to-right/right-to-left marks; bidi embeddings, overrides
and isolates."""

_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_NOT_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control and bidi character (tab and newline too) escaped visibly.

    With ``keep_newlines`` a line feed stays a line feed (for multi-line messages);
    a carriage return is still escaped, as it could overwrite the line before it.
    """
    return (_NOT_LINES if keep_newlines else _ANY_CONTROL).sub(_escape, text)


def first_unsafe(text: str) -> int | None:
    """Offset of the first character :data:`UNSAFE` refuses, or None."""
    # Fast path: every refused character is non-printable, and most texts have no
    # non-printable character at all besides line breaks and tabs.
    if text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable():
        return None
    found = UNSAFE.search(text)
    return found.start() if found is not None else None

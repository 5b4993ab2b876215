"""Make untrusted text inert for a terminal, a Markdown renderer or a Textual widget.

A model is read from an untrusted pull request, and names, ids, descriptions, catalog titles,
policy notes, file paths and git revisions can all carry control characters: an escape sequence
can move the cursor and redraw a ``FAIL`` line as ``PASS``, retitle the terminal or write the
clipboard (OSC 52), and a bidi override can make text read differently from what it is.

Two uses, one vocabulary:

* the loader *refuses* model text holding a character of :data:`REFUSED` (:func:`first_unsafe`
  finds it), and says which one with :func:`visible`;
* every output sink *escapes* what reaches it with :func:`visible` or :func:`visible_lines`, in
  case text from a catalog, a policy, a path or a revision carries one (:data:`UNSAFE`).

Each such character becomes a visible Python-style escape (``\\x1b``, ``\\u202e``). Pure, no I/O.
"""

from __future__ import annotations

import re

__all__ = ["REFUSED", "UNSAFE", "first_unsafe", "has_unsafe", "visible", "visible_lines"]

_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
"""Every character an output escapes: C0 and C1 controls, DEL, bidi marks, embeddings, overrides
and isolates, and the line/paragraph separators (they break lines where a reader expects none)."""
_KEEP_LAYOUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
REFUSED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
"""Characters refused in model text: C0 controls other than tab, newline and carriage return;
DEL; C1 controls; directional marks; bidi embeddings, overrides and isolates."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every character of :data:`UNSAFE` shown as a backslash escape.

    Newlines and tabs are escaped too, unless ``keep_newlines`` (then see :func:`visible_lines`).
    """
    return (_KEEP_LAYOUT if keep_newlines else UNSAFE).sub(_escape, text)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but newline and tab stay as they are (multi-line text)."""
    return _KEEP_LAYOUT.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`visible` would change ``text``."""
    return UNSAFE.search(text) is not None


_ASCII_ALLOWED = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
"""The ASCII characters :data:`REFUSED` lets through (tab, newline, carriage return, printable)."""


def first_unsafe(text: str) -> int | None:
    """Offset of the first character :data:`REFUSED` refuses, or None."""
    # Fast paths, exact because every refused character is non-printable: an ASCII text (CPython
    # knows without scanning) is clean when deleting its allowed bytes leaves nothing, one C pass
    # instead of a regular expression stepping through 9 MB; any other text is clean when it has
    # no non-printable character besides line breaks and tabs.
    if text.isascii():
        if not text.encode("ascii").translate(None, _ASCII_ALLOWED):
            return None
    elif text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable():
        return None
    found = REFUSED.search(text)
    return found.start() if found is not None else None

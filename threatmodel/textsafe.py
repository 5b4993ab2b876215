"""Make untrusted text inert for a terminal, a Markdown renderer or a Textual widget.

Names, ids, descriptions, catalog titles, policy notes, file paths and git revisions can
carry control characters: an escape sequence can move the cursor and redraw a ``FAIL`` line
as ``PASS``, retitle the terminal or write the clipboard (OSC 52), and a bidi override can
make text read differently from what it is. :func:`visible` replaces every such character
with a visible escape (``\\x1b``, ``\\u202e``) so the reader sees it and the terminal does not
act on it. Pure functions, no I/O: every output sink calls them.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "has_unsafe", "visible", "visible_lines"]

# C0 controls, DEL, C1 controls, the bidi embeddings/overrides/isolates and the directional
# marks, plus the line/paragraph separators (they break lines where a reader expects none).
_UNSAFE_CLASS = "\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_KEEP_LAYOUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, DEL and bidi control shown as a backslash escape.

    Newlines and tabs are escaped too: use :func:`visible_lines` where layout needs them.
    """
    return UNSAFE.sub(_escape, text)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but newline and tab stay as they are (multi-line text)."""
    return _KEEP_LAYOUT.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`visible` would change ``text``."""
    return UNSAFE.search(text) is not None

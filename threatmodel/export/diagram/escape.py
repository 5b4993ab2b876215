"""Text hygiene for the diagram writers: one line of clean text, and quoting for DOT, HTML-like labels and Mermaid.

Every user string passes through here before it reaches a diagram (docs/decisions/0301-diagram-escaping.md).
"""

from __future__ import annotations

import textwrap
import unicodedata


def clean(text: str) -> str:
    """``text`` on one line: control characters and line breaks become spaces, runs collapse.

    Also drops code points no renderer can use (surrogates, non-characters), which an
    XML parser such as Graphviz's HTML-label reader would reject.
    """
    if text.isascii() and text.isprintable():  # nothing to replace or drop: only runs to collapse
        return " ".join(text.split())
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cs", "Co", "Cn") or ch in "\ufffe\uffff":
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` cleaned and wrapped to ``width`` columns, at most ``max_lines`` lines (``…`` marks a cut)."""
    lines = textwrap.wrap(clean(text), width=width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)].rstrip() + "…"
    return lines


def shorten(text: str, width: int) -> str:
    """``text`` cleaned and cut to ``width`` characters with ``…``."""
    text = clean(text)
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"


BACKSLASH_STAND_IN = "\u2216"
"""``∖`` (set minus) replaces every backslash of user text in DOT output.

Graphviz builds disagree on backslashes: escString substitution (``\\N``, ``\\G``) runs
on labels, tooltips and even HTML-like labels, differently in each build, and the
classic lexer reads a string ending in ``\\`` as an escaped quote, which would let
the rest of the file run together with user text. No backslash from a user ever
reaches ``dot``; docs/decisions/0301-diagram-escaping.md."""


def dot_quote(text: str) -> str:
    """A DOT double-quoted string holding ``text`` inertly.

    Control characters and line breaks become spaces, backslashes become
    :data:`BACKSLASH_STAND_IN`, and quotes are escaped; the only backslashes in the result
    are those escaping quotes.
    """
    return '"' + clean(text).replace("\\", BACKSLASH_STAND_IN).replace('"', '\\"') + '"'


def html(text: str) -> str:
    """``text`` (already :func:`clean`-ed) escaped for a Graphviz HTML-like label."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\\", BACKSLASH_STAND_IN)
    )


_MERMAID_ESCAPES = {ch: f"#{ord(ch)};" for ch in '"#&<>[](){}|`\\;%'}
_MERMAID_TABLE = str.maketrans(_MERMAID_ESCAPES)
"""Characters that Mermaid's parser, its entity decoder, its Markdown strings or a
Markdown code fence could give meaning to; each becomes a numeric entity code."""


def mermaid_text(text: str) -> str:
    """``text`` (cleaned) with every character Mermaid could interpret replaced by an entity code."""
    return clean(text).translate(_MERMAID_TABLE)


def plural(n: int, word: str) -> str:
    """``n word`` or ``n words``."""
    return f"{n} {word}{'' if n == 1 else 's'}"

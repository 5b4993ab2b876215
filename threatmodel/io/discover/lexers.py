"""Small lexers that keep code apart from comments, without running anything.

``js_tokens`` splits JavaScript/TypeScript into string literals (with their positions and the
code just before them) so that an import can be told from a mention in a comment; ``jsonc``
turns JSON with comments and trailing commas (VS Code's ``mcp.json``) into plain JSON of the
same length, so positions still hold. Both are single linear passes: hostile input costs time
in proportion to its size, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
"""After one of these characters (or at the start), ``/`` opens a regular expression, not a division."""
_KEYWORDS_BEFORE_REGEX = ("return", "typeof", "case", "do", "else", "in", "of", "void", "yield", "await")


@dataclass(frozen=True, slots=True)
class JsString:
    """A string or template literal: its text, where it starts (1-based) and the code before it."""

    value: str
    line: int
    column: int
    before: str
    """Up to 40 characters of code (comments removed, whitespace collapsed) just before the literal."""


def _position(text: str, offset: int, line_starts: list[int]) -> tuple[int, int]:
    import bisect

    index = bisect.bisect_right(line_starts, offset) - 1
    return index + 1, offset - line_starts[index] + 1


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``text`` starts."""
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def js_tokens(text: str) -> list[JsString]:
    """Every string and template literal of JavaScript/TypeScript source outside comments."""
    starts = line_starts(text)
    out: list[JsString] = []
    code: list[str] = []  # recent code characters, whitespace collapsed
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
            code.append(" ")
            continue
        if c == "/" and _regex_may_start(code):
            i = _skip_regex(text, i)
            code.append("/")
            continue
        if c in "'\"`":
            j = i + 1
            buf: list[str] = []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j : j + 2])
                    j += 2
                    continue
                if text[j] == "\n" and c != "`":
                    break  # an unterminated quote ends at the line's end
                buf.append(text[j])
                j += 1
            line, column = _position(text, i, starts)
            before = "".join(code[-60:]).strip()[-40:]
            out.append(JsString("".join(buf), line, column, before))
            code.append("S")
            i = j + 1
            continue
        if c.isspace():
            if code and code[-1] != " ":
                code.append(" ")
        else:
            code.append(c)
        if len(code) > 400:
            del code[:200]
        i += 1
    return out


def _regex_may_start(code: list[str]) -> bool:
    recent = "".join(code[-12:]).rstrip()
    if not recent:
        return True
    if recent[-1] in _REGEX_AFTER:
        return True
    return any(
        recent.endswith(k) and (len(recent) == len(k) or not _ident(recent[-len(k) - 1]))
        for k in _KEYWORDS_BEFORE_REGEX
    )


def _ident(c: str) -> bool:
    return c.isalnum() or c in "_$"


def _skip_regex(text: str, i: int) -> int:
    """The offset just after the regular expression literal starting at ``i`` (it ends at its
    closing ``/`` outside a character class, or at the end of the line)."""
    j, n, in_class = i + 1, len(text), False
    while j < n and text[j] != "\n":
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return j + 1
        j += 1
    return j


def jsonc(text: str) -> str:
    """JSON with ``//`` and ``/* */`` comments and trailing commas, as plain JSON of the same
    length: comments and trailing commas become spaces (newlines are kept)."""
    out = list(text)
    i, n = 0, len(text)
    last_comma = -1  # offset of a comma with only whitespace or comments after it so far
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            last_comma = -1
            continue
        if c == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            stop = n if end == -1 else (end if text[i + 1] == "/" else end + 2)
            for k in range(i, stop):
                if out[k] != "\n":
                    out[k] = " "
            i = stop
            continue
        if c == ",":
            last_comma = i
        elif c in "}]":
            if last_comma >= 0:
                out[last_comma] = " "
            last_comma = -1
        elif not c.isspace():
            last_comma = -1
        i += 1
    return "".join(out)

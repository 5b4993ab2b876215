"""The TUI's ``Text``: a Rich ``Text`` that shows control and bidi characters as escapes.

Textual passes a widget's text to the terminal as it is (it drops only BEL, BS, VT, FF
and CR), so an escape sequence in a component id, a catalog title or a file name would
reach the terminal from a tree label, a table cell or a detail pane. Every TUI module
imports ``Text`` from here instead of ``rich.text``: whatever is put into one is passed
through :func:`threatmodel.textsafe.visible_lines` first.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText

from threatmodel.textsafe import UNSAFE, visible_lines

__all__ = ["Text", "safe"]


def safe(value: str) -> str:
    """``value`` with every control and bidi character except newline and tab made visible."""
    return visible_lines(value) if UNSAFE.search(value) else value


class Text(RichText):
    """A Rich ``Text`` that cannot carry a terminal control sequence."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(safe(text), *args, **kwargs)

    def append(self, text: str | RichText, style: Any = None) -> Text:
        if isinstance(text, str):
            return super().append(safe(text), style)  # type: ignore[return-value]
        if UNSAFE.search(text.plain.replace("\n", "").replace("\t", "")):
            shown = RichText(safe(text.plain), style=text.style, end=text.end)
            return super().append(shown, style)  # type: ignore[return-value]
        return super().append(text, style)  # type: ignore[return-value]

"""A checkbox whose state is readable without colour: ``[x]`` when on, ``[ ]`` when off."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class MarkedCheckbox(Checkbox):
    """Textual's checkbox draws the same glyph either way and tells the states apart by colour
    only; this one draws a different mark per state, so monochrome terminals and colour-blind
    readers see it too."""

    ON_MARK = "[x]"
    OFF_MARK = "[ ]"

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble((self.ON_MARK if self.value else self.OFF_MARK, style))

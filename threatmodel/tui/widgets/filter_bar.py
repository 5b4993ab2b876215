"""The row of filters above the findings table: severity, status, catalog, component, text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select

from threatmodel.tui.safetext import Text
from threatmodel.tui.widgets.findings_table import DECIDED, OPEN, FindingFilter

SEVERITY_OPTIONS: list[tuple[Text, str]] = [
    (Text("≥ low"), "low"),
    (Text("≥ medium"), "medium"),
    (Text("≥ high"), "high"),
    (Text("critical"), "critical"),
]
STATUS_OPTIONS: list[tuple[Text, str]] = [
    (Text("open risk"), OPEN),
    (Text("decided"), DECIDED),
    (Text("open only"), "open"),
    (Text("in progress"), "in-progress"),
    (Text("mitigated"), "mitigated"),
    (Text("accepted"), "accepted"),
    (Text("transferred"), "transferred"),
    (Text("false positive"), "false-positive"),
]


def _value(select: Select[Any]) -> str | None:
    value = select.value
    return None if value is Select.NULL else str(value)


class FilterBar(Horizontal):
    """Filters for the findings table; posts :class:`FilterBar.Changed` on every change."""

    class Changed(Message):
        def __init__(self, flt: FindingFilter) -> None:
            super().__init__()
            self.filter = flt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._catalogs: tuple[str, ...] = ()
        self._components: tuple[tuple[str, str], ...] = ()

    def compose(self) -> ComposeResult:
        yield Select(
            SEVERITY_OPTIONS,
            prompt="severity",
            id="flt-severity",
            compact=True,
            tooltip="Show findings of at least this severity",
        )
        yield Select(
            STATUS_OPTIONS, prompt="status", id="flt-status", compact=True, tooltip="Show findings with this status"
        )
        yield Select(
            [],
            prompt="catalog",
            id="flt-catalog",
            compact=True,
            tooltip="Show findings that belong to or reference this catalog",
        )
        yield Select([], prompt="component", id="flt-target", compact=True, tooltip="Show findings on one element")
        yield Input(
            placeholder="search (/)", id="flt-text", compact=True, tooltip="Filter by title, id, target or reference"
        )

    def set_choices(self, catalogs: Sequence[str], targets: Sequence[tuple[str, str]]) -> None:
        """Refresh the catalog and element choices (after an edit); keeps the selection when possible."""
        if tuple(catalogs) != self._catalogs:
            self._catalogs = tuple(catalogs)
            self._reset(self.query_one("#flt-catalog", Select), [(Text(c), c) for c in catalogs])
        if tuple(targets) != self._components:
            self._components = tuple(targets)
            self._reset(self.query_one("#flt-target", Select), [(Text(label), key) for key, label in targets])

    @staticmethod
    def _reset(select: Select[Any], options: list[tuple[Text, str]]) -> None:
        keep = select.value
        with select.prevent(Select.Changed):
            select.set_options(options)
            if keep is not Select.NULL and any(v == keep for _, v in options):
                select.value = keep

    @property
    def value(self) -> FindingFilter:
        return FindingFilter(
            min_severity=_value(self.query_one("#flt-severity", Select)),
            status=_value(self.query_one("#flt-status", Select)),
            catalog=_value(self.query_one("#flt-catalog", Select)),
            target=_value(self.query_one("#flt-target", Select)),
            text=self.query_one("#flt-text", Input).value.strip(),
        )

    def set_target(self, target: str | None) -> None:
        select = self.query_one("#flt-target", Select)
        if target is None:
            select.clear()
        elif any(key == target for key, _ in self._components):
            select.value = target

    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed(self.value))

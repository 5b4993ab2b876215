"""The findings table: filterable, sortable, with triage keys on the highlighted row.

Filled lazily: the rows a filter and a sort select are known at once (``visible_ids``), but only
the first page is added to the DataTable; more pages are added as the table is scrolled or the
cursor nears the last row added. Textual measures every cell of every row added, so building
thousands of rows up front was most of a large model's first paint; see decision 0940.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from threatmodel.model.finding import Finding
from threatmodel.model.keys import split_ref
from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import triage_bindings
from threatmodel.tui.text import SEVERITY_ORDER, SEVERITY_STYLES, STATUS_ORDER, status_text

OPEN = "open-risk"
"""Status filter meaning "still counts as open risk" (open or in progress)."""
DECIDED = "decided"
"""Status filter meaning "a person decided" (mitigated, accepted, transferred, false positive)."""


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """Which findings the table shows; ``None`` means "any"."""

    min_severity: str | None = None
    status: str | None = None
    catalog: str | None = None
    target: str | None = None
    text: str = ""

    def matches(self, f: Finding) -> bool:
        if (
            self.min_severity is not None
            and SEVERITY_ORDER[str(f.residual_severity)] < SEVERITY_ORDER[self.min_severity]
        ):
            return False
        if self.status == OPEN and not f.status.is_open:
            return False
        if self.status == DECIDED and f.status.is_open:
            return False
        if self.status not in (None, OPEN, DECIDED) and str(f.status) != self.status:
            return False
        if self.catalog is not None and self.catalog not in finding_catalogs(f):
            return False
        if self.target is not None and self.target not in f.elements:
            return False
        if self.text:
            needle = self.text.lower()
            haystack = " ".join((f.id, f.title, f.target_name, *f.refs)).lower()
            if needle not in haystack:
                return False
        return True

    @property
    def active(self) -> bool:
        return any((self.min_severity, self.status, self.catalog, self.target, self.text))


def finding_catalogs(f: Finding) -> set[str]:
    """Every catalog a finding belongs to: its threat's and those of its references."""
    return {split_ref(f.threat)[0], *(split_ref(r)[0] for r in f.refs)}


SortKey = Callable[[Finding], Any]
SORTS: dict[str, tuple[str, SortKey]] = {
    "severity": ("severity", lambda f: (-SEVERITY_ORDER[str(f.residual_severity)], -f.residual_risk, -f.risk, f.id)),
    "risk": ("risk", lambda f: (-f.residual_risk, -f.risk, f.id)),
    "status": ("status", lambda f: (STATUS_ORDER[str(f.status)], -SEVERITY_ORDER[str(f.residual_severity)], f.id)),
    "finding": ("finding", lambda f: (f.title.lower(), f.id)),
    "target": ("target", lambda f: (f.target_name.lower(), -SEVERITY_ORDER[str(f.residual_severity)], f.id)),
    "id": ("id", lambda f: f.id),
}
"""Sort orders by column key; every one ends in the finding id, so ties never depend on input order."""
SORT_CYCLE: tuple[str, ...] = ("severity", "risk", "status", "target", "finding", "id")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("severity", "Residual"),
    ("risk", "Risk i→r"),
    ("status", "Status"),
    ("finding", "Finding"),
    ("target", "Target"),
    ("id", "Threat"),
)


PAGE = 200
"""Rows added to the table at a time (several screens' worth, so scrolling never shows a gap)."""

FULL_TITLE = 44
"""Columns a finding title needs to be read whole (the library's titles are at most about 60)."""


def column_widths(width: int) -> dict[str, int]:
    """Column widths for a table ``width`` cells wide (each column also takes 2 cells of padding)."""
    widths = {"severity": 8, "risk": 8, "status": 14, "target": 18, "id": 22}
    if width < 100:
        del widths["id"]
        widths["target"] = 14
    if width < 60:  # an 80-column terminal: the detail pane under the table shows the risk numbers
        del widths["risk"]
        widths["status"] = 11
        widths["target"] = 10
    fixed = sum(widths.values()) + 2 * (len(widths) + 1) + 1  # padding, plus the scrollbar
    if "id" in widths and width - fixed < FULL_TITLE:  # whole titles matter more than the threat id
        del widths["id"]
        fixed -= 22 + 2
    widths["finding"] = max(12, width - fixed)
    return widths


class FindingsTable(DataTable[Text]):
    """One row per finding; the row key is the finding id."""

    BINDING_GROUP_TITLE = "Findings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open",
            tooltip="Open the full finding: why, scenario, scoring, references.",
            id="findings.open",
        ),
        *triage_bindings("findings", frozenset({"accepted", "false-positive"})),
        Binding(
            "o",
            "reopen",
            "Reopen",
            tooltip="Remove the triage decision; the finding is open again.",
            id="findings.reopen",
            show=False,
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            tooltip="Sort by the next column (or click a column header).",
            id="findings.sort",
            show=False,
        ),
    ]

    class OpenRequested(Message):
        """The user asked to open a finding."""

        def __init__(self, finding_id: str) -> None:
            super().__init__()
            self.finding_id = finding_id

    class TriageRequested(Message):
        """The user pressed a triage key on a finding (``status`` None: reopen)."""

        def __init__(self, finding_id: str, status: str | None) -> None:
            super().__init__()
            self.finding_id = finding_id
            self.status = status

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.sort_column = "severity"
        self.findings: dict[str, Finding] = {}
        self._order: list[str] = []
        """Every finding the filter shows, in table order (rows not added yet included)."""
        self._position: dict[str, int] = {}
        """Row of each id of ``_order``."""
        self._cells: dict[str, tuple[str, ...]] = {}
        """The plain text of each row added to the table so far (the first ``row_count`` of ``_order``)."""
        self._made: dict[str, tuple[Finding, tuple[Text, ...]]] = {}
        """The cells made for each finding drawn, with the finding they were made of: when the rows
        are laid out again (the order changed after an edit), a finding that is the very object
        drawn before takes the same cells (decision 1864). Only findings shown now are kept."""
        self._last_filter = FindingFilter()
        self._widths: dict[str, int] = {}
        self._pending = False
        """Rows of ``_order`` are not built yet: the table had no width when they were shown."""
        self._adding = False

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        """Give the title column what is left after the fixed columns; drop the threat column when narrow."""
        widths = column_widths(width)
        if widths == self._widths and not (self._pending and width):
            return
        self._widths = widths
        current = self.current_id
        self.clear(columns=True)
        for key, label in COLUMNS:
            if key in widths:
                self.add_column(label, key=key, width=widths[key])
        self._order = []
        self._position = {}
        self._cells = {}
        if self.findings:
            self.show(list(self.findings.values()), self._last_filter)
            if current is not None:
                self.select_finding(current)

    # -- data ---------------------------------------------------------------
    @staticmethod
    def _cells_of(f: Finding) -> tuple[Text, ...]:
        threat = f.threat.split(":", 1)[1] if ":" in f.threat else f.threat
        return (
            Text(f.residual_severity.value.upper(), style=SEVERITY_STYLES.get(f.residual_severity.value, "")),
            Text(str(f.risk) if f.residual_risk == f.risk else f"{f.risk}→{f.residual_risk}", justify="right"),
            status_text(f.status),
            Text(f.title),
            Text(f.target_name),
            Text(threat, style="dim"),
        )

    def show(self, findings: Sequence[Finding], flt: FindingFilter) -> None:
        """Show the findings passing ``flt``, sorted by the current sort column; keeps the cursor."""
        visible = sorted((f for f in findings if flt.matches(f)), key=SORTS[self.sort_column][1])
        before = self.findings
        self.findings = {f.id: f for f in findings}
        order = [f.id for f in visible]
        current = self.current_id
        if order == self._order and not self._pending:
            for f in visible:
                if f.id not in self._cells:
                    break  # rows past the ones added so far are drawn when added
                if before.get(f.id) is f:
                    continue  # the very finding drawn last time (a triage edit keeps the others, decision 1887)
                cells = self._cells_of(f)
                plain = tuple(c.plain for c in cells)
                if self._cells.get(f.id) != plain:
                    for (column, _), cell in zip(COLUMNS, cells, strict=True):
                        if column in self._widths:
                            self.update_cell(f.id, column, cell)
                    self._cells[f.id] = plain
            return
        if current is not None and current not in {f.id for f in visible}:
            current = _nearest(self._order, self.cursor_row, set(order))
        self._position = {fid: row for row, fid in enumerate(order)}
        if not self.size.width:
            # Not laid out yet: the first resize fits the columns and shows these rows; building
            # them now would measure every cell twice (most of the first paint of a large model).
            self.clear()
            self._order, self._cells, self._pending = order, {}, True
            return
        self._pending = False
        self.clear()
        self._cells = {}
        self._made = {fid: made for fid, made in self._made.items() if self.findings.get(fid) is made[0]}
        self._order = order
        target = self._position.get(current, -1) if current is not None else -1
        self._add_rows(max(PAGE, target + PAGE))
        if target >= 0:
            self.move_cursor(row=target, animate=False)

    def _add_rows(self, upto: int) -> None:
        """Add the rows of ``_order`` up to ``upto`` (exclusive) that are not in the table yet."""
        start, stop = len(self._cells), min(upto, len(self._order))
        if start >= stop or self._adding:
            return
        shown = [i for i, (key, _) in enumerate(COLUMNS) if key in self._widths]
        self._adding = True  # adding a row may move the cursor, whose watcher asks for more rows
        try:
            for fid in self._order[start:stop]:
                f = self.findings[fid]
                made = self._made.get(fid)
                if made is None or made[0] is not f:
                    made = self._made[fid] = (f, self._cells_of(f))
                cells = made[1]
                self._cells[fid] = tuple(c.plain for c in cells)
                self.add_row(*(cells[i] for i in shown), key=fid)
        finally:
            self._adding = False

    def _add_near(self, row: int) -> None:
        """Keep a page of rows added past ``row`` (the cursor's, or the last one on screen)."""
        if row + PAGE // 2 >= len(self._cells) and len(self._cells) < len(self._order) and not self._pending:
            self._add_rows(row + PAGE)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._add_near(int(new_value) + self.size.height)

    def watch_cursor_coordinate(self, old_coordinate: Coordinate, new_coordinate: Coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        self._add_near(new_coordinate.row)

    def action_scroll_bottom(self) -> None:
        self._add_rows(len(self._order))
        super().action_scroll_bottom()

    @property
    def current_id(self) -> str | None:
        """Id of the highlighted finding."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._order[self.cursor_row]

    @property
    def visible_ids(self) -> list[str]:
        return list(self._order)

    def select_finding(self, finding_id: str) -> bool:
        """Move the cursor to a finding; False when it is filtered out."""
        row = self._position.get(finding_id)
        if row is None or self._pending:
            return False
        self._add_rows(row + PAGE)
        self.move_cursor(row=row, animate=False)
        return True

    # -- actions --------------------------------------------------------------
    def action_open(self) -> None:
        if self.current_id is not None:
            self.post_message(self.OpenRequested(self.current_id))

    def action_triage(self, status: str) -> None:
        if self.current_id is not None:
            self.post_message(self.TriageRequested(self.current_id, status))

    def action_reopen(self) -> None:
        if self.current_id is not None:
            self.post_message(self.TriageRequested(self.current_id, None))

    def action_cycle_sort(self) -> None:
        position = SORT_CYCLE.index(self.sort_column) if self.sort_column in SORT_CYCLE else -1
        self.sort_by(SORT_CYCLE[(position + 1) % len(SORT_CYCLE)])

    def sort_by(self, column: str) -> None:
        current = self.current_id
        self.sort_column = column
        self._order = []  # force a rebuild in the new order
        self._position = {}
        self.show(list(self.findings.values()), self._last_filter)
        if current is not None:
            self.select_finding(current)
        self.notify(f"findings sorted by {column}", timeout=2)

    def apply(self, findings: Sequence[Finding], flt: FindingFilter) -> None:
        """Remember the filter and show (the entry point the screen uses)."""
        self._last_filter = flt
        self.show(findings, flt)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))


def _nearest(old_order: Sequence[str], row: int, present: set[str]) -> str | None:
    """The finding to keep the cursor on when the one at ``row`` went away: the next row of the
    old order that is still shown, else the closest one above it (never silently row 1)."""
    for fid in old_order[row + 1 :]:
        if fid in present:
            return fid
    for fid in reversed(old_order[:row]):
        if fid in present:
            return fid
    return None

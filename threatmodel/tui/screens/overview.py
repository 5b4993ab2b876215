"""The overview: model tree | diagram + findings table | detail pane.

At 120 columns and more the three panes sit side by side; below that the detail pane
moves under the findings table and the diagram is shown instead of the table on demand
(``d``). Breakpoint classes (``-narrow``, ``-wide``, ``-short``) are set by Textual from
the app's ``HORIZONTAL_BREAKPOINTS``/``VERTICAL_BREAKPOINTS``; app.tcss does the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree

from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp
from threatmodel.tui.text import component_detail, element_detail, finding_summary
from threatmodel.tui.widgets.component_tree import ModelTree, NodeRef
from threatmodel.tui.widgets.detail import DetailPane
from threatmodel.tui.widgets.diagram import DiagramView
from threatmodel.tui.widgets.filter_bar import FilterBar
from threatmodel.tui.widgets.findings_table import FindingFilter, FindingsTable

if TYPE_CHECKING:
    from threatmodel.model.finding import Finding


SLOW_ANALYSIS_MS = 250
"""Re-analysis time worth mentioning in the status line (below it, edits feel instant)."""


class StatusLine(Static):
    """One line of counts under the panes: findings, open risk, diagnostics, analysis time."""


class OverviewScreen(UsesApp, Screen[None]):
    """The main screen: where the model is browsed, edited and triaged."""

    BINDING_GROUP_TITLE = "Overview"
    AUTO_FOCUS = "#findings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_diagram", "Diagram", tooltip="Show or hide the diagram pane.", id="overview.diagram"),
        Binding(
            "z",
            "diagram_scope",
            "Focus",
            tooltip="Diagram: whole model or the selected component's neighbourhood.",
            id="overview.diagram-scope",
            show=False,
        ),
        Binding("slash", "search", "Search", tooltip="Filter findings by text.", id="overview.search"),
        Binding(
            "c",
            "catalogs",
            "Catalogs",
            tooltip="Browse catalogs: entries, controls, threats and their cross-references.",
            id="overview.catalogs",
        ),
        Binding(
            "p",
            "plan",
            "Plan",
            tooltip="The control plan: proposed controls ranked by the risk they remove.",
            id="overview.plan",
        ),
        Binding(
            "u",
            "questions",
            "Questions",
            tooltip="Open questions: the unknown facts findings rest on, most open risk first; answer them here.",
            id="overview.questions",
        ),
        Binding(
            "n",
            "new",
            "New",
            tooltip="Add a component, flow, boundary, data asset or control.",
            id="overview.new",
            show=False,
        ),
        Binding(
            "ctrl+r",
            "clear_filters",
            "Clear filters",
            tooltip="Show every finding again.",
            id="overview.clear-filters",
            show=False,
        ),
        Binding(
            "1",
            "focus_pane('#tree')",
            "Focus tree",
            tooltip="Focus the model tree.",
            id="overview.focus-tree",
            show=False,
        ),
        Binding(
            "2",
            "focus_pane('#findings')",
            "Focus findings",
            tooltip="Focus the findings table.",
            id="overview.focus-findings",
            show=False,
        ),
        Binding(
            "3",
            "focus_pane('#diagram')",
            "Focus diagram",
            tooltip="Focus the diagram (arrow keys scroll it).",
            id="overview.focus-diagram",
            show=False,
        ),
        Binding(
            "4",
            "focus_pane('#detail')",
            "Focus detail",
            tooltip="Focus the detail pane (arrow keys scroll it).",
            id="overview.focus-detail",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="overview")
        self.filter = FindingFilter()
        self.selected: NodeRef | None = None
        """What the detail pane and the diagram highlight: a tree element or ``("findings", id)``."""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="main"):
            yield ModelTree(id="tree")
            with Vertical(id="centre"):
                yield DiagramView(id="diagram")
                yield FilterBar(id="filters")
                yield FindingsTable(id="findings")
            yield DetailPane(id="detail")
        yield StatusLine(id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.tm.start_analysis()  # a large model: shown now, its findings when the worker is done
        self.refresh_session(diagram=False)
        # Lay the diagram out once the first frame is on screen: its worker imports the
        # renderers and runs `dot`, which would otherwise compete with the first paint.
        self.call_after_refresh(self._draw_diagram)

    def _draw_diagram(self) -> None:
        session = self.tm.session
        if session is not None and not self.tm.analysing:
            self.query_one(DiagramView).show_analysis(session.analysis, self._focus_id())

    def _findings(self) -> Sequence[Finding] | None:
        """The current model's findings; None while a worker is still analysing it."""
        session = self.tm.session
        assert session is not None  # noqa: S101 - the overview only exists with a session
        return None if self.tm.analysing else session.assessment.findings

    # -- refreshing -----------------------------------------------------------
    def refresh_session(self, *, diagram: bool = True) -> None:
        """Show the session's current model and assessment (after any change); while a large model
        is being analysed, the model without findings and an "analysing" state."""
        session = self.tm.session
        assert session is not None  # noqa: S101 - the overview only exists with a session
        model = session.model
        findings = self._findings()
        self.query_one(ModelTree).show(model, findings)
        catalogs = sorted({c.id for c in session.cset.catalogs})
        targets = [(c.id, c.label) for c in model.components] + [(f.key, f.key) for f in model.flows]
        targets.append((model.system.id, f"{model.system.name} (system)"))
        self.query_one(FilterBar).set_choices(catalogs, targets)
        self.refresh_findings()
        self.refresh_status()
        if diagram and findings is not None:
            self.query_one(DiagramView).show_analysis(session.analysis, self._focus_id())
        self._show_selected()

    def refresh_findings(self) -> None:
        findings = self._findings()
        table = self.query_one(FindingsTable)
        table.loading = findings is None
        table.apply(findings or (), self.filter)

    def refresh_status(self) -> None:
        session = self.tm.session
        assert session is not None  # noqa: S101
        if self.tm.analysing:
            model = session.model
            line = Text(f" analysing {len(model.components)} components, {len(model.flows)} flows…", style="bold")
            line.append(" findings appear here when done; the model can be browsed and edited meanwhile")
            if session.modified:
                line.append(" · unsaved changes", style="bold yellow")
            self.query_one(StatusLine).update(line)
            return
        a = session.assessment
        table = self.query_one(FindingsTable)
        shown = len(table.visible_ids)
        line = Text()
        line.append(f" {len(a.findings)} findings", style="bold")
        if shown != len(a.findings):
            line.append(f" ({shown} shown)")
        line.append(f" · {len(a.open_findings)} open · open risk {a.open_risk}")
        if a.diagnostics:
            line.append(f" · {len(a.diagnostics)} diagnostics", style="yellow")
        if session.evaluate_ms >= SLOW_ANALYSIS_MS:
            line.append(f" · analysis took {session.evaluate_ms:.0f} ms", style="yellow")
        if session.modified:
            line.append(" · unsaved changes", style="bold yellow")
        target = table.current_id
        if target is not None:  # first, so a narrow terminal still shows what a triage key acts on
            prefix = Text(" keys act on ")
            prefix.append(target, style="bold")
            prefix.append(" ·")
            prefix.append_text(line)
            line = prefix
        self.query_one(StatusLine).update(line)

    def _focus_id(self) -> str | None:
        if self.selected is None:
            return None
        section, key = self.selected
        if section == "components":
            return key
        if section == "findings":
            f = next((f for f in self._findings() or () if f.id == key), None)
            return f.target if f is not None else None
        if section == "flows":
            return key
        return None

    def _show_selected(self) -> None:
        session = self.tm.session
        if session is None or self.selected is None:
            return
        section, key = self.selected
        detail = self.query_one(DetailPane)
        findings = self._findings()
        if section == "findings":
            f = next((f for f in findings or () if f.id == key), None)
            if f is not None:
                detail.show(finding_summary(f, session.cset))
        elif section == "components":
            component = session.element("components", key)
            if component is not None:
                chain = self._boundary_names(component.boundary)
                detail.show(component_detail(component, session.model, findings, chain))
        elif section in ("boundaries", "flows", "data", "controls"):
            obj = session.element(section, key)
            if obj is not None:
                detail.show(element_detail(section, obj, session.model, findings))
        elif section == "system":
            detail.show(self._system_text())
        diagram = self.query_one(DiagramView)
        diagram.highlight(self._focus_id())
        finding = next((f for f in findings or () if f.id == key), None) if section == "findings" else None
        diagram.show_path(finding.path if finding is not None else ())

    def _boundary_names(self, boundary: str | None) -> list[str]:
        session = self.tm.session
        assert session is not None  # noqa: S101
        by_id = {b.id: b for b in session.model.boundaries}
        names: list[str] = []
        while boundary is not None and boundary in by_id and len(names) < 32:
            names.append(by_id[boundary].label)
            boundary = by_id[boundary].parent
        return names

    def _system_text(self) -> Text:
        session = self.tm.session
        assert session is not None  # noqa: S101
        system = session.model.system
        text = Text()
        text.append(system.name, style="bold")
        text.append(f"\n{system.id} · {system.status}\n", style="dim")
        if system.description:
            text.append(system.description + "\n")
        text.append("\n")
        if system.owner:
            text.append("Owner         ", style="bold")
            text.append(system.owner + "\n")
        text.append("Path          ", style="bold")
        text.append(f"{session.path}\n")
        text.append("Catalogs      ", style="bold")
        text.append(", ".join(f"{c.id} {c.version}" for c in sorted(session.cset.catalogs, key=lambda c: c.id)) + "\n")
        text.append("As of         ", style="bold")
        text.append(session.as_of.isoformat() + "\n")
        if self.tm.analysing:
            text.append("\nDiagnostics: analysing…\n", style="dim")
        elif session.assessment.diagnostics:
            text.append("\nDiagnostics\n", style="bold underline")
            for d in session.assessment.diagnostics:
                text.append(f"  {d.code} ", style="yellow")
                text.append(d.message + "\n")
        return text

    # -- events ---------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#tree")
    def _tree_highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        ref = event.node.data
        if ref is None or ref[0] == "group":
            return
        self.selected = ref
        self._show_selected()

    @on(FindingsTable.RowHighlighted, "#findings")
    def _finding_highlighted(self, event: FindingsTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        table = self.query_one(FindingsTable)
        if not table.has_focus and self.selected is not None and self.selected[0] != "findings":
            # Rows arriving (a large model's findings, a refresh) move the cursor of an unfocused
            # table; what the user chose in the tree stays in the detail pane.
            self.refresh_status()
            return
        self.selected = ("findings", str(event.row_key.value))
        self._show_selected()
        self.refresh_status()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.filter = event.filter
        self.refresh_findings()
        self.refresh_status()

    @on(FindingsTable.OpenRequested)
    def _open_finding(self, event: FindingsTable.OpenRequested) -> None:
        self.tm.open_finding(event.finding_id, self.query_one(FindingsTable).visible_ids)

    @on(FindingsTable.TriageRequested)
    def _triage(self, event: FindingsTable.TriageRequested) -> None:
        self.tm.editor.triage(event.finding_id, event.status)

    @on(ModelTree.EditRequested)
    def _edit(self, event: ModelTree.EditRequested) -> None:
        if event.key is None:
            self.tm.editor.add(event.section, event.defaults)
        elif event.section is not None:
            self.tm.editor.edit(event.section, event.key)

    @on(ModelTree.DeleteRequested)
    def _delete(self, event: ModelTree.DeleteRequested) -> None:
        self.tm.editor.delete(event.section, event.key)

    # -- navigation -----------------------------------------------------------
    def jump_to(self, section: str, key: str) -> bool:
        """Select an element in the tree or a finding in the table (clearing filters that hide it)."""
        if section == "findings":
            table = self.query_one(FindingsTable)
            if not table.select_finding(key):
                self.action_clear_filters()
                if not table.select_finding(key):
                    return False
            table.focus()
            self.selected = ("findings", key)
            self._show_selected()
            return True
        tree = self.query_one(ModelTree)
        if not tree.select_element(section, key):
            return False
        tree.focus()
        self.selected = (section, key)
        self._show_selected()
        return True

    # -- actions --------------------------------------------------------------
    def action_toggle_diagram(self) -> None:
        shown = self.query_one(DiagramView).display
        self.set_class(not shown, "-diagram")
        self.set_class(shown, "-no-diagram")
        if shown:
            self.query_one(FindingsTable).focus()
        else:
            self.query_one(DiagramView).focus()

    def action_diagram_scope(self) -> None:
        self.query_one(DiagramView).toggle_scope(self._focus_id())

    def action_search(self) -> None:
        self.query_one("#flt-text").focus()

    def action_clear_filters(self) -> None:
        bar = self.query_one(FilterBar)
        for select_id in ("#flt-severity", "#flt-status", "#flt-catalog", "#flt-target"):
            select = bar.query_one(select_id)
            select.clear()  # type: ignore[attr-defined]
        bar.query_one("#flt-text").value = ""  # type: ignore[attr-defined]
        self.filter = FindingFilter()
        self.refresh_findings()
        self.refresh_status()

    def action_catalogs(self) -> None:
        self.tm.open_catalogs()

    def action_plan(self) -> None:
        self.tm.open_plan()

    def action_questions(self) -> None:
        self.tm.open_questions()

    def action_new(self) -> None:
        ref = self.query_one(ModelTree).current
        defaults = {"boundary": ref[1]} if ref is not None and ref[0] == "boundaries" else {}
        self.tm.editor.add(None, defaults)

    def action_focus_pane(self, selector: str) -> None:
        if selector == "#diagram" and not self.query_one(DiagramView).display:
            self.set_class(True, "-diagram")
            self.set_class(False, "-no-diagram")
        elif selector == "#findings" and not self.query_one(FindingsTable).display:
            self.set_class(False, "-diagram")
        self.query_one(selector).focus()

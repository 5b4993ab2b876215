"""The catalog browser: catalogs → entries, controls, threats, with cross-references to follow.

Cross-references run both ways: what an item refers to, and what refers to it (the
threats realising an OWASP item, the threats a control mitigates). For the open model,
the findings that come from a threat or realise an entry are listed too, and choosing
one jumps to it on the overview.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.model.catalog import Control, Entry, Threat
from threatmodel.model.finding import Assessment
from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp
from threatmodel.tui.text import HEADING, LABEL, severity_text, status_text, styled
from threatmodel.tui.widgets.detail import DetailPane

if TYPE_CHECKING:
    pass

ItemRef = tuple[str, str]
"""``(section, "catalog:id")`` with section ``entries``, ``controls`` or ``threats``; or ``("catalog", id)``."""

SECTION_TITLES = (("threats", "Threats"), ("controls", "Controls"), ("entries", "Entries"))


def reverse_refs(cset: CatalogSet) -> dict[str, list[ItemRef]]:
    """For every reference target, the items that point at it (refs and threat controls)."""
    back: dict[str, list[ItemRef]] = defaultdict(list)
    for key, entry in cset.entries.items():
        for r in entry.refs:
            back[r].append(("entries", key))
    for key, control in cset.controls.items():
        for r in control.refs:
            back[r].append(("controls", key))
    for key, threat in cset.threats.items():
        for r in (*threat.refs, *threat.controls):
            back[r].append(("threats", key))
    return {k: sorted(set(v)) for k, v in back.items()}


def section_of(cset: CatalogSet, ref: str) -> str | None:
    if ref in cset.threats:
        return "threats"
    if ref in cset.controls:
        return "controls"
    if ref in cset.entries:
        return "entries"
    return None


class CatalogScreen(UsesApp, Screen[None]):
    """Browse every loaded catalog; search; follow cross-references; jump to findings."""

    BINDING_GROUP_TITLE = "Catalogs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the previous screen.", id="catalogs.back"),
        Binding(
            "slash",
            "search",
            "Search",
            tooltip="Find entries, controls and threats by id or title.",
            id="catalogs.search",
        ),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="catalogs.next-pane"),
    ]

    def __init__(self, select: ItemRef | None = None) -> None:
        super().__init__(id="catalogs")
        self.initial = select
        self._by_ref: dict[ItemRef, TreeNode[ItemRef]] = {}
        self._back: dict[str, list[ItemRef]] = {}

    @property
    def cset(self) -> CatalogSet:
        return self.tm.cset

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="catalog-main"):
            with Vertical(id="catalog-left"):
                yield Input(placeholder="search catalogs (/)", id="catalog-search", compact=True)
                yield Tree(Text("Catalogs", style="bold"), data=("root", ""), id="catalog-tree")
            with Vertical(id="catalog-right"):
                yield DetailPane(id="catalog-detail")
                yield Label(Text("Cross-references (Enter follows)", style="bold"), id="catalog-refs-title")
                yield OptionList(id="catalog-refs")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"catalogs ({len(self.cset.catalogs)})"
        self._back = reverse_refs(self.cset)
        self._build("")
        tree = self.query_one("#catalog-tree", Tree)
        tree.focus()
        if self.initial is not None:
            self.select(self.initial)

    # -- tree ---------------------------------------------------------------
    def _build(self, query: str) -> None:
        tree: Tree[ItemRef] = self.query_one("#catalog-tree", Tree)
        tree.clear()
        self._by_ref = {}
        needle = query.lower().strip()
        for catalog in self.cset.catalogs:
            label = styled(catalog.title, "bold")
            label.append(f"  {catalog.id} {catalog.version}", style="dim")
            cat_node = tree.root.add(label, data=("catalog", catalog.id), expand=bool(needle))
            self._by_ref[("catalog", catalog.id)] = cat_node
            for section, title in SECTION_TITLES:
                items: tuple[Any, ...] = getattr(catalog, section)
                matching = [it for it in items if not needle or needle in f"{catalog.id}:{it.id} {it.title}".lower()]
                if not matching:
                    continue
                group = cat_node.add(
                    Text(f"{title} ({len(matching)})", style="italic"),
                    data=("group", f"{catalog.id}/{section}"),
                    expand=bool(needle),
                )
                for it in matching:
                    ref = f"{catalog.id}:{it.id}"
                    item_label = styled(it.id, "bold")
                    item_label.append(f" {it.title}")
                    self._by_ref[(section, ref)] = group.add_leaf(item_label, data=(section, ref))
            if needle and not cat_node.children:
                cat_node.remove()
        tree.root.expand()

    def select(self, ref: ItemRef) -> bool:
        """Show one catalog item (unfolding the tree to it)."""
        node = self._by_ref.get(ref)
        if node is None:
            self.query_one("#catalog-search", Input).value = ""
            self._build("")
            node = self._by_ref.get(ref)
        if node is None:
            return False
        tree: Tree[ItemRef] = self.query_one("#catalog-tree", Tree)
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        _ = tree.last_line
        tree.move_cursor(node, animate=False)
        tree.scroll_to_node(node, animate=False)
        self._show(ref)
        return True

    @on(Tree.NodeHighlighted, "#catalog-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[ItemRef]) -> None:
        if event.node.data is not None:
            self._show(event.node.data)

    @on(Input.Changed, "#catalog-search")
    def _search(self, event: Input.Changed) -> None:
        self._build(event.value)

    @on(Input.Submitted, "#catalog-search")
    def _search_done(self) -> None:
        self.query_one("#catalog-tree", Tree).focus()

    # -- detail ---------------------------------------------------------------
    def _show(self, ref: ItemRef) -> None:
        section, key = ref
        detail = self.query_one("#catalog-detail", DetailPane)
        options: list[Option] = []
        if section == "catalog":
            catalog = self.cset.by_id[key]
            text = styled(catalog.title, "bold")
            text.append(
                f"\n{catalog.id} · version {catalog.version} · published {catalog.published.isoformat()}\n", style="dim"
            )
            text.append(f"{catalog.source}\n\n", style="underline")
            if catalog.description:
                text.append(catalog.description + "\n\n")
            text.append(
                f"{len(catalog.threats)} threats · {len(catalog.controls)} controls · {len(catalog.entries)} entries\n"
            )
            text.append("\nLicence\n", style=HEADING)
            text.append(catalog.licence + "\n")
            detail.show(text)
        elif section in ("entries", "controls", "threats"):
            lookup: dict[str, Mapping[str, Entry | Control | Threat]] = {
                "entries": self.cset.entries,
                "controls": self.cset.controls,
                "threats": self.cset.threats,
            }
            item = lookup[section].get(key)
            if item is None:
                return
            detail.show(self._item_text(section, key, item))
            options = self._cross_refs(section, key, item)
        else:
            return
        refs = self.query_one("#catalog-refs", OptionList)
        refs.clear_options()
        if options:
            refs.add_options(options)
        else:
            refs.add_option(Option(Text("no cross-references", style="dim"), disabled=True))

    def _item_text(self, section: str, key: str, item: Entry | Control | Threat) -> Text:
        text = styled(item.title, "bold")
        text.append(f"\n{key} · {section[:-1] if section != 'entries' else 'entry'}\n", style="dim")
        url = getattr(item, "url", None) or self.cset.url_of(key)
        if url:
            text.append(f"{url}\n", style="underline")
        text.append("\n")
        if item.summary:
            text.append(item.summary + "\n")
        if isinstance(item, Entry):
            for label, value in (("Type", item.type), ("Category", item.category), ("Parent", item.parent)):
                if value:
                    text.append(f"{label:<12}", style=LABEL)
                    text.append(f"{value}\n")
            if item.lifecycle:
                text.append(f"{'Lifecycle':<12}", style=LABEL)
                text.append(", ".join(str(s) for s in item.lifecycle) + "\n")
        elif isinstance(item, Control):
            if item.nist_csf:
                text.append(f"{'NIST CSF':<12}", style=LABEL)
                text.append(", ".join(str(s) for s in item.nist_csf) + "\n")
            if item.practices:
                text.append(f"{'Practices':<12}", style=LABEL)
                text.append(", ".join(str(s) for s in item.practices) + "\n")
            implemented = [c for c in self._assessment().model.controls if c.control == key]
            text.append("\nIn this model\n", style=HEADING)
            if implemented:
                for c in implemented:
                    text.append(f"  {c.status}", style="green")
                    text.append(f" for {', '.join(c.scope) or 'the whole system'}\n")
            else:
                text.append("  not declared\n", style="dim")
            proposal = next((p for p in self._assessment().proposals if p.control == key), None)
            if proposal is not None:
                text.append(
                    f"  proposed: would remove {proposal.risk_removed} risk from {len(proposal.closes)} open findings\n",
                    style="yellow",
                )
        else:
            text.append("\nScenario (template)\n", style=HEADING)
            text.append(item.scenario + "\n")
            text.append(f"\n{'Likelihood':<12}", style=LABEL)
            text.append(f"{item.likelihood}   ")
            text.append("Impact ", style=LABEL)
            text.append(f"{item.impact}   ")
            text.append("Applies to ", style=LABEL)
            text.append(f"{item.target}\n")
            text.append(f"{'Lifecycle':<12}", style=LABEL)
            text.append(", ".join(str(s) for s in item.lifecycle) + "\n")
            if item.stride:
                text.append(f"{'STRIDE':<12}", style=LABEL)
                text.append(", ".join(str(s) for s in item.stride) + "\n")
        return text

    def _assessment(self) -> Assessment:
        session = self.tm.session
        assert session is not None  # noqa: S101 - the browser opens from a session
        return session.assessment

    def _cross_refs(self, section: str, key: str, item: Entry | Control | Threat) -> list[Option]:
        options: list[Option] = []

        def add(kind: str, ref: str) -> None:
            line = styled(f"{kind:<14}", "dim")
            line.append(ref, style="bold")
            title = self.cset.title_of(ref)
            if title != ref:
                line.append(f" {title}")
            options.append(
                Option(line, id=f"ref|{ref}|{kind}|{len(options)}", disabled=section_of(self.cset, ref) is None)
            )

        if isinstance(item, Threat):
            for r in item.refs:
                add("realises", r)
            for r in item.controls:
                add("mitigated by", r)
        else:
            for r in item.refs:
                add("refers to", r)
        for back_section, back_key in self._back.get(key, []):
            if back_key == key:
                continue
            add(
                {"threats": "threat", "controls": "control", "entries": "entry"}[back_section]
                + (" using it" if section == "controls" else " citing it"),
                back_key,
            )
        assessment = self._assessment()
        if isinstance(item, Threat):
            related = [f for f in assessment.findings if f.threat == key]
        elif isinstance(item, Entry):
            related = [f for f in assessment.findings if key in f.refs]
        else:
            related = [f for f in assessment.findings if key in f.controls]
        for f in related:
            line = styled(f"{'finding':<14}", "dim")
            line.append_text(severity_text(f.severity, short=True))
            line.append(" ")
            line.append_text(status_text(f.status))
            line.append(f" {f.title} @ {f.target_name}")
            options.append(Option(line, id=f"finding|{f.id}|{len(options)}"))
        return options

    @on(OptionList.OptionSelected, "#catalog-refs")
    def _follow(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        kind, _, rest = option_id.partition("|")
        target = rest.rsplit("|", 2)[0] if kind == "ref" else rest.rsplit("|", 1)[0]
        if kind == "ref":
            section = section_of(self.cset, target)
            if section is not None:
                self.select((section, target))
                self.query_one("#catalog-tree", Tree).focus()
        elif kind == "finding":
            self.tm.jump_to("findings", target)

    # -- actions --------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#catalog-search", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

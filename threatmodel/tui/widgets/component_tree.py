"""The model tree: boundaries (nested) with their components, then flows, data and controls.

Each node carries a ``(section, key)`` reference. The tree is rebuilt only when the
model's structure changes; otherwise (a triage decision, a re-analysis) just the labels
and finding badges are refreshed, so the cursor and folding stay where the user left them.

The folded groups (flows, data assets, controls: tens of thousands of rows on a large model)
get their rows when first unfolded, so the first paint builds only what it shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from types import SimpleNamespace
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from threatmodel.edit.changes import element_key
from threatmodel.model.finding import Finding
from threatmodel.model.levels import Severity, classification_word
from threatmodel.model.system import SystemModel
from threatmodel.tui.safetext import Text
from threatmodel.tui.text import SEVERITY_STYLES, styled

NodeRef = tuple[str, str]
"""``(section, key)``: ``("components", "chat-llm")``, ``("group", "flows")``, ``("system", id)``."""
LabelSpec = tuple[tuple[Any, ...], Callable[[], Text]]
"""What a node label shows (compared, to skip unchanged nodes) and how to draw it."""

GROUPS: tuple[tuple[str, str], ...] = (("flows", "Flows"), ("data", "Data"), ("controls", "Controls"))
NO_BOUNDARY = ("group", "no-boundary")


NO_BADGE = (0, "")
_EDITABLE = ("boundaries", "components", "flows", "data", "controls")
"""The model's element tuples after ``system``, in the order :meth:`ModelTree.show` keeps them."""
MAX_EDITED = 16
"""Most elements relabelled one by one after an edit; past it the tree's labels are all made again."""


def _badge(badge: tuple[int, str]) -> Text:
    """The badge drawn after an element's label: its open finding count, styled by the worst."""
    count, worst = badge
    return Text(f" {count}●", style=SEVERITY_STYLES.get(worst, "")) if count else Text("")


def badge_keys(findings: Iterable[Finding]) -> dict[str, tuple[int, str]]:
    """Each element's open finding count and worst open severity (elements with an open finding).
    A finding grouped by root cause counts on every element it lists."""
    counts: dict[str, int] = {}
    worst: dict[str, Severity] = {}
    for f in findings:
        if not f.status.is_open:
            continue
        severity = f.residual_severity
        for element in f.elements:
            counts[element] = counts.get(element, 0) + 1
            if element not in worst or severity > worst[element]:
                worst[element] = severity
    return {element: (count, str(worst[element])) for element, count in counts.items()}


class ModelTree(Tree[NodeRef]):
    """Boundaries → components, plus flows, data assets and implemented controls."""

    BINDING_GROUP_TITLE = "Model tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", tooltip="Add a component, flow, boundary, data asset or control.", id="tree.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the element under the cursor in a form.", id="tree.edit"),
        Binding(
            "x,delete",
            "delete",
            "Delete",
            tooltip="Delete the element under the cursor (asks first).",
            id="tree.delete",
        ),
        Binding(
            "w",
            "add_flow",
            "Add flow",
            tooltip="Add a flow starting at the component under the cursor.",
            id="tree.add-flow",
            show=False,
        ),
    ]

    class EditRequested(Message):
        """Open the form for an element (``key`` None: a new one, with ``defaults``)."""

        def __init__(self, section: str | None, key: str | None, defaults: dict[str, Any] | None = None) -> None:
            super().__init__()
            self.section = section
            self.key = key
            self.defaults = defaults or {}

    class DeleteRequested(Message):
        def __init__(self, section: str, key: str) -> None:
            super().__init__()
            self.section = section
            self.key = key

    _bulk = False
    """True while the whole tree is being built (layout invalidated once, at the end); a class
    default because Tree's constructor already invalidates."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("model"), data=("system", ""), id=id)
        self.show_root = True
        self.guide_depth = 2
        self._structure: tuple[Any, ...] | None = None
        self._labels: dict[NodeRef, tuple[Any, ...]] = {}
        self._by_ref: dict[NodeRef, TreeNode[NodeRef]] = {}
        self._specs: dict[NodeRef, LabelSpec] = {}
        """Every node's latest label, also of rows not built yet (in a group never unfolded)."""
        self._unbuilt: dict[str, list[NodeRef]] = {}
        """Rows of each group that was never unfolded, in model order: built on first unfold."""
        self._pending_cursor: TreeNode[NodeRef] | None = None
        self._parts: tuple[object, ...] = ()
        """The model's element tuples at the last full build (compared by identity)."""
        self._badges: dict[str, tuple[int, str]] = {}
        """Each element's open count and worst open severity, as last shown. The labels of the last
        full build draw from this very dict, so a triage edit refills it in place."""
        self._badged: dict[str, list[NodeRef]] = {}
        """The nodes that show each element's badge (the system, components and flows)."""

    # -- building -------------------------------------------------------------
    @staticmethod
    def _structure_of(model: SystemModel) -> tuple[Any, ...]:
        return (
            model.system.id,
            tuple((b.id, b.parent) for b in model.boundaries),
            tuple((c.id, c.boundary) for c in model.components),
            tuple(f.key for f in model.flows),
            tuple(d.id for d in model.data),
            tuple(element_key("controls", c) for c in model.controls),
        )

    def show(self, model: SystemModel, findings: Sequence[Finding] | None) -> None:
        """Show ``model`` with badges from ``findings`` (None: not analysed yet, no badges);
        rebuilds only when the model's structure changed."""
        badges = badge_keys(findings or ())
        parts = (model.system, model.boundaries, model.components, model.flows, model.data, model.controls)
        if self._parts and all(a is b for a, b in zip(parts, self._parts, strict=True)):
            # The same elements as last time (a triage edit): only badges can change. The labels
            # draw from the badge dict their build captured, so it is refilled in place and only
            # the nodes whose badge changed are drawn again (decision 1887).
            changed = {t for t in badges.keys() | self._badges.keys() if badges.get(t) != self._badges.get(t)}
            self._badges.clear()
            self._badges.update(badges)
            for target in sorted(changed):
                for ref in self._badged.get(target, ()):
                    signature, make = self._specs[ref]
                    self._specs[ref] = (*signature[:-1], badges.get(target, NO_BADGE)), make
                    self._set(ref, self._specs[ref][0], make)
            return
        edited = self._edited(parts)
        if edited is not None:
            # One element's attributes changed (an attribute edit, decision 1864): the same nodes;
            # the badges are refilled in place as above, and only the edited elements' labels and
            # the changed badges are made again.
            self._parts = parts
            changed = {t for t in badges.keys() | self._badges.keys() if badges.get(t) != self._badges.get(t)}
            self._badges.clear()
            self._badges.update(badges)
            refs = {(section, element_key(section, item)) for section, item in edited}
            fresh = self._label_specs(
                SimpleNamespace(
                    system=model.system, **{section: [i for s, i in edited if s == section] for section in _EDITABLE}
                ),
                self._badges,
                names={c.id: c.label for c in model.components},
            )
            for ref in refs:
                self._specs[ref] = fresh[ref]
            for target in changed:
                for ref in self._badged.get(target, ()):
                    if ref not in refs:
                        signature, make = self._specs[ref]
                        self._specs[ref] = (*signature[:-1], badges.get(target, NO_BADGE)), make
                        refs.add(ref)
            for ref in sorted(refs):
                self._set(ref, *self._specs[ref])
            return
        self._parts = parts
        self._badges = badges
        badged: dict[str, list[NodeRef]] = defaultdict(list)
        badged[model.system.id].append(("system", model.system.id))
        for c in model.components:
            badged[c.id].append(("components", c.id))
        for flow in model.flows:
            badged[flow.key].append(("flows", flow.key))
        self._badged = badged
        specs = self._label_specs(model, badges)
        self._specs = specs
        structure = self._structure_of(model)
        if structure != self._structure:
            self._rebuild(model, specs)
            self._structure = structure
        for ref, (signature, make) in specs.items():
            self._set(ref, signature, make)

    def _edited(self, parts: tuple[Any, ...]) -> list[tuple[str, Any]] | None:
        """The elements that differ (by identity) from the last build's, when only attributes the
        tree's structure and the other rows' labels do not read changed (a few elements, the same
        keys, boundaries, parents and component names); ``None`` otherwise."""
        previous: tuple[Any, ...] = self._parts
        if not previous or parts[0] is not previous[0]:
            return None
        edited: list[tuple[str, Any]] = []
        for section, new, old in zip(_EDITABLE, parts[1:], previous[1:], strict=True):
            if new is old:
                continue
            if len(new) != len(old):
                return None
            for a, b in zip(old, new, strict=True):
                if a is b:
                    continue
                if len(edited) >= MAX_EDITED or element_key(section, a) != element_key(section, b):
                    return None
                if section == "components" and (a.boundary != b.boundary or a.label != b.label):
                    return None
                if section == "boundaries" and a.parent != b.parent:
                    return None
                edited.append((section, b))
        return edited

    def _build_group(self, section: str) -> None:
        """Add the rows of a group unfolded for the first time (with their latest labels)."""
        refs = self._unbuilt.pop(section, None)
        group = self._by_ref.get(("group", section))
        if refs is None or group is None:
            return
        outermost = not self._bulk
        self._bulk = True
        try:
            for ref in refs:
                spec = self._specs.get(ref)
                if spec is None:
                    text = Text(ref[1])
                else:
                    self._labels[ref] = spec[0]
                    text = spec[1]()
                self._by_ref[ref] = group.add_leaf(text, data=ref)
        finally:
            if outermost:
                self._bulk = False
                self._invalidate()

    @on(Tree.NodeExpanded)
    def _unfolded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        ref = event.node.data
        if ref is not None and ref[0] == "group" and ref[1] in self._unbuilt:
            self._build_group(ref[1])

    def _rebuild(self, model: SystemModel, specs: dict[NodeRef, LabelSpec]) -> None:
        """Build every node with its final label: relabelling afterwards would schedule one refresh
        per node (tens of thousands on a large model, most of the first paint)."""

        def label(ref: NodeRef, fallback: str) -> Text:
            spec = specs.get(ref)
            if spec is None:
                return Text(fallback)
            self._labels[ref] = spec[0]
            return spec[1]()

        self._bulk = True
        try:
            self._rebuild_nodes(model, label)
        finally:
            self._bulk = False
        self._invalidate()
        if self._pending_cursor is not None:
            self._move_to(self._pending_cursor)

    def _invalidate(self) -> None:
        """Tree drops its line layout and schedules a layout after every node added; while the
        whole tree is built that is once per node, so it is done once at the end instead."""
        if not self._bulk:
            super()._invalidate()

    def _rebuild_nodes(self, model: SystemModel, label: Callable[[NodeRef, str], Text]) -> None:
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        expanded = {ref for ref, node in self._by_ref.items() if node.is_expanded}
        first_build = not self._by_ref
        self._pending_cursor = None
        self.clear()
        self._labels = {}
        self._unbuilt = {}
        self._by_ref = {("system", model.system.id): self.root}
        self.root.data = ("system", model.system.id)
        children: dict[str | None, list[str]] = defaultdict(list)
        known = {b.id for b in model.boundaries}
        for b in model.boundaries:
            children[b.parent if b.parent in known else None].append(b.id)
        members: dict[str | None, list[str]] = defaultdict(list)
        for c in model.components:
            members[c.boundary if c.boundary in known else None].append(c.id)

        def add_boundary(parent: TreeNode[NodeRef], boundary: str, depth: int) -> None:
            node = parent.add(label(("boundaries", boundary), boundary), data=("boundaries", boundary), expand=True)
            self._by_ref[("boundaries", boundary)] = node
            if depth < 32:
                for child in children.get(boundary, []):
                    add_boundary(node, child, depth + 1)
            for cid in members.get(boundary, []):
                ref = ("components", cid)
                self._by_ref[ref] = node.add_leaf(label(ref, cid), data=ref)

        for top in children.get(None, []):
            add_boundary(self.root, top, 0)
        if members.get(None):
            group = self.root.add(Text("(no boundary)", style="italic"), data=NO_BOUNDARY, expand=True)
            self._by_ref[NO_BOUNDARY] = group
            for cid in members[None]:
                ref = ("components", cid)
                self._by_ref[ref] = group.add_leaf(label(ref, cid), data=ref)
        for section, _ in GROUPS:
            group = self.root.add(label(("group", section), section), data=("group", section), expand=False)
            self._by_ref[("group", section)] = group
            self._unbuilt[section] = [(section, element_key(section, item)) for item in getattr(model, section)]
            if ("group", section) in expanded or (cursor is not None and cursor[0] == section):
                self._build_group(section)
        self.root.expand()
        for ref in expanded:
            if ref in self._by_ref:
                self._by_ref[ref].expand()
        if cursor is not None and cursor in self._by_ref:
            self._pending_cursor = self._by_ref[cursor]
        elif first_build:
            self._pending_cursor = self.root

    def _move_to(self, node: TreeNode[NodeRef]) -> None:
        _ = self.last_line  # lays the lines out, so the node knows its line
        self.move_cursor(node, animate=False)

    def _set(self, ref: NodeRef, signature: tuple[Any, ...], make: Callable[[], Text]) -> None:
        """Relabel one node, only when what its label shows changed (cheap on 1,000s of nodes)."""
        node = self._by_ref.get(ref)
        if node is None or self._labels.get(ref) == signature:
            return
        self._labels[ref] = signature
        node.set_label(make())

    @staticmethod
    def _label_specs(
        model: SystemModel | SimpleNamespace,
        badges: dict[str, tuple[int, str]],
        names: Mapping[str, str] | None = None,
    ) -> dict[NodeRef, LabelSpec]:
        """Each node's label: what it shows (compared to skip unchanged nodes) and how to draw it.
        Labels draw their badge from ``badges`` when drawn, so refilling it redraws them current.
        ``names``: every component's name, when ``model`` holds only some elements."""
        specs: dict[NodeRef, LabelSpec] = {}

        def put(ref: NodeRef, signature: tuple[Any, ...], make: Callable[[], Text]) -> None:
            specs[ref] = (signature, make)

        def badge_key(target: str) -> tuple[int, str]:
            return badges.get(target, NO_BADGE)

        def labelled(first: str, first_style: str, rest: tuple[tuple[str, str], ...], target: str | None) -> Text:
            label = styled(first, first_style) if first_style else Text(first)
            for text, style in rest:
                label.append(text, style=style)
            if target is not None:
                label.append_text(_badge(badges.get(target, NO_BADGE)))
            return label

        system = model.system
        root_ref = ("system", system.id)
        sig = (system.name, badge_key(system.id))
        put(root_ref, sig, partial(labelled, system.name, "bold", (), system.id))
        for b in model.boundaries:
            name, trust = b.label, str(b.trust)
            put(
                ("boundaries", b.id),
                (name, trust),
                partial(labelled, "▣ ", "dim", ((name, ""), (f" {trust}", "dim italic")), None),
            )
        for c in model.components:
            name, kind = c.label, str(c.kind)
            put(
                ("components", c.id),
                (name, kind, badge_key(c.id)),
                partial(labelled, name, "", ((f" {kind}", "dim"),), c.id),
            )
        if names is None:
            names = {c.id: c.label for c in model.components}
        for section, title in GROUPS:
            count = len(getattr(model, section))
            put(("group", section), (title, count), partial(styled, f"{title} ({count})", "italic"))
        for flow in model.flows:
            key = flow.key
            text = f"{names.get(flow.source, flow.source)} → {names.get(flow.target, flow.target)}"
            put(("flows", key), (text, badge_key(key)), partial(labelled, text, "", (), key))
        for d in model.data:
            name, level = d.label, classification_word(d.classification)
            put(("data", d.id), (name, level), partial(labelled, name, "", ((f" {level}", "dim"),), None))
        for control in model.controls:
            ref = ("controls", element_key("controls", control))
            scope, status = ", ".join(control.scope), str(control.status)
            rest: list[tuple[str, str]] = []
            if scope:
                rest.append((f" @ {scope}", "dim"))
            if status != "implemented":
                rest.append((f" ({status})", "yellow"))
            put(ref, (control.control, tuple(rest)), partial(labelled, control.control, "", tuple(rest), None))
        return specs

    def get_label_width(self, node: TreeNode[NodeRef]) -> int:
        """The width Tree's default measures by rendering the label, computed from its text: the tree
        asks for every line's width on every layout (tens of thousands of lines on a large model)."""
        label = node.label
        width = cell_len(label) if isinstance(label, str) else label.cell_len
        if node.allow_expand:
            width += cell_len(self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE)
        return width

    # -- navigation -----------------------------------------------------------
    @property
    def current(self) -> NodeRef | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def select_element(self, section: str, key: str) -> bool:
        """Move the cursor to an element, unfolding its ancestors; False when it is not shown."""
        if section in self._unbuilt and (section, key) in self._unbuilt[section]:
            self._build_group(section)
        node = self._by_ref.get((section, key))
        if node is None:
            return False
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self._move_to(node)
        self.scroll_to_node(node, animate=False)
        return True

    def refs(self) -> Iterator[NodeRef]:
        """Every reference the tree shows, or shows once its group is unfolded."""
        yield from self._by_ref
        for refs in self._unbuilt.values():
            yield from refs

    @property
    def nodes_by_ref(self) -> dict[NodeRef, TreeNode[NodeRef]]:
        """The nodes built so far (rows of a group never unfolded are not)."""
        return dict(self._by_ref)

    # -- actions --------------------------------------------------------------
    def action_new(self) -> None:
        ref = self.current
        defaults: dict[str, Any] = {}
        section: str | None = None
        if ref is not None:
            kind, key = ref
            if kind == "boundaries":
                defaults["boundary"] = key
                defaults["parent"] = key
            elif kind == "components":
                node = self._by_ref.get(ref)
                parent = node.parent.data if node is not None and node.parent is not None else None
                if parent is not None and parent[0] == "boundaries":
                    defaults["boundary"] = parent[1]
                defaults["source"] = key
            elif kind == "group" and key in ("flows", "data", "controls"):
                section = key
            elif kind in ("flows", "data", "controls"):
                section = kind
        self.post_message(self.EditRequested(section, None, defaults))

    def action_edit(self) -> None:
        ref = self.current
        if ref is not None and ref[0] in ("components", "boundaries", "flows", "data", "controls"):
            self.post_message(self.EditRequested(ref[0], ref[1]))
        else:
            self.notify("Move the cursor to a component, boundary, flow, data asset or control to edit it.", timeout=3)

    def action_delete(self) -> None:
        ref = self.current
        if ref is not None and ref[0] in ("components", "boundaries", "flows", "data", "controls"):
            self.post_message(self.DeleteRequested(ref[0], ref[1]))
        else:
            self.notify("Move the cursor to an element to delete it.", timeout=3)

    def action_add_flow(self) -> None:
        ref = self.current
        defaults = {"source": ref[1]} if ref is not None and ref[0] == "components" else {}
        self.post_message(self.EditRequested("flows", None, defaults))

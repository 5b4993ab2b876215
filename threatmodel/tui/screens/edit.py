"""The element form: one input per field of the element's pydantic model, validated as you type.

Every change re-validates the whole candidate: the element with its own model class (the
same ``model_validate`` the loader runs), then the whole model with the loader's reference
checks. The first problem of each field shows under it; problems elsewhere in the model
(a renamed id still used by a flow) show above the buttons. Save stays disabled until the
candidate is valid. For components, changing the kind swaps in that kind's fields and
keeps the values the two kinds share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from threatmodel.edit.changes import SECTION_NOUNS, Change, Upsert, element_key
from threatmodel.edit.session import EditSession
from threatmodel.model.levels import classification_word
from threatmodel.model.refs import referable
from threatmodel.model.unknowns import UNKNOWABLE
from threatmodel.tui import forms
from threatmodel.tui.forms import FieldSpec, RawValue, Validation
from threatmodel.tui.safetext import Text
from threatmodel.tui.widgets.checkbox import MarkedCheckbox


def widget_id(name: str) -> str:
    return "f-" + name.replace(".", "--").replace("_", "-")


def ref_options(session: EditSession, spec: FieldSpec, editing: str | None) -> list[tuple[Text, str]]:
    """The ids a reference field may take, labelled with names (and titles for controls)."""
    assert spec.ref is not None  # noqa: S101 - only called for reference fields
    model = session.model
    domain = spec.ref
    out: list[tuple[Text, str]] = []
    allowed = frozenset(referable(model, domain, exclude=editing) or ())
    if domain.what == "components":
        for c in model.components:
            if c.id in allowed:
                out.append((Text(f"{c.id}  ({c.label}, {c.kind})" if c.name else f"{c.id}  ({c.kind})"), c.id))
    elif domain.what == "data":
        out = [
            (Text(f"{d.id}  ({classification_word(d.classification)})"), d.id) for d in model.data if d.id in allowed
        ]
    elif domain.what == "boundaries":
        out = [(Text(f"{b.id}  ({b.trust})"), b.id) for b in model.boundaries if b.id in allowed]
    elif domain.what == "scope":
        out = [(Text(f"component {c.id}"), c.id) for c in model.components]
        out += [(Text(f"flow {f.key}"), f.key) for f in model.flows]
        out += [(Text(f"boundary {b.id}"), b.id) for b in model.boundaries]
    elif domain.what == "controls":
        for ref in sorted(session.cset.controls):
            title = session.cset.title_of(ref)
            out.append((Text(f"{ref} — {title}"), ref))
    return out


class FieldRow(Horizontal):
    """Label on the left; input and the error line of one field on the right."""


def field_widget(spec: FieldSpec, value: RawValue, options: Sequence[tuple[Text, str]]) -> Widget:
    """The input widget for one field, showing ``value``."""
    wid = widget_id(spec.name)
    tip = Text(spec.help) if spec.help else None  # docstrings are not markup
    if spec.kind == forms.BOOL:
        return MarkedCheckbox(Text("yes"), value=bool(value), id=wid, tooltip=tip, compact=True)
    if spec.kind == forms.OPTIONAL_BOOL:
        current: Any = Select.NULL if value is None else ("true" if value else "false")
        return Select(
            [(Text("yes"), "true"), (Text("no"), "false")],
            prompt="unknown",
            value=current,
            id=wid,
            tooltip=tip,
            compact=True,
        )
    if spec.kind in (forms.CHOICE, forms.REF):
        choice_options = options if spec.kind == forms.REF else [(Text(c), c) for c in spec.choices]
        known = {v for _, v in choice_options}
        blank = not spec.required and (spec.default is None or spec.kind == forms.REF)
        selected: Any = value if value in known else (spec.default if spec.default in known else Select.NULL)
        if selected is Select.NULL and not blank and choice_options:
            blank = True  # nothing valid to preselect: let validation say "required"
        if not choice_options:
            blank = True
        return Select(
            choice_options,
            prompt="choose…" if spec.required else ("unknown" if spec.name in UNKNOWABLE else "(none)"),
            allow_blank=blank,
            value=selected,
            id=wid,
            tooltip=tip,
            compact=True,
            type_to_search=True,
        )
    if spec.kind in (forms.MULTI_CHOICE, forms.MULTI_REF):
        chosen = set(value) if isinstance(value, tuple) else set()
        choice_options = options if spec.kind == forms.MULTI_REF else [(Text(c), c) for c in spec.choices]
        known = {v for _, v in choice_options}
        selections = [Selection(label, v, v in chosen) for label, v in choice_options]
        if spec.unknowable:  # nothing chosen = unknown; this states "none"
            known.add(forms.STATED_NONE)
            selections.insert(
                0, Selection(Text(forms.STATED_NONE_LABEL), forms.STATED_NONE, forms.STATED_NONE in chosen)
            )
        selections += [Selection(Text(f"{v} (unknown)"), v, True) for v in sorted(chosen - known)]
        widget = SelectionList[str](*selections, id=wid, compact=True)
        widget.tooltip = tip
        if not selections:
            widget.disabled = True
        return widget
    placeholder = {
        forms.DATE: "YYYY-MM-DD",
        forms.WORDS: "comma, separated, slugs",
        forms.INTEGER: "a whole number",
        forms.NUMBER: "a number",
    }.get(spec.kind, "")
    if spec.name == "id":
        placeholder = "lower-kebab-case-id"
    return Input(str(value) if value is not None else "", placeholder=placeholder, id=wid, tooltip=tip, compact=True)


def read_widget(spec: FieldSpec, widget: Widget) -> RawValue:
    """The raw value a widget holds."""
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, Select):
        value = widget.value
        if value is Select.NULL:
            return None
        if spec.kind == forms.OPTIONAL_BOOL:
            return value == "true"
        return str(value)
    if isinstance(widget, SelectionList):
        return tuple(str(v) for v in widget.selected)
    if isinstance(widget, Input):
        return widget.value
    return None


class FormScreen(ModalScreen[Any]):
    """Shared behaviour of the element and triage forms: rows, errors, help line, submit keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Apply",
            tooltip="Apply the form (only when it is valid).",
            id="form.apply",
            priority=True,
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Close the form without changing anything.", id="form.cancel"),
    ]

    specs: list[FieldSpec]

    def rows(self, specs: Sequence[FieldSpec], values: Mapping[str, RawValue]) -> list[FieldRow]:
        rows = []
        for spec in specs:
            widget = field_widget(spec, values.get(spec.name), self.options_for(spec))
            label = Text(spec.label, style="bold")
            if spec.required:
                label.append(" *", style="red")
            error = Static("", classes="field-error", id=f"err-{widget_id(spec.name)}", markup=False)
            rows.append(
                FieldRow(
                    Label(label, classes="field-label"),
                    Vertical(widget, error, classes="field-input"),
                    classes="field-row",
                )
            )
        return rows

    def options_for(self, spec: FieldSpec) -> Sequence[tuple[Text, str]]:
        return ()

    def values(self) -> dict[str, RawValue]:
        out: dict[str, RawValue] = {}
        for spec in self.specs:
            try:
                widget = self.query_one(f"#{widget_id(spec.name)}")
            except NoMatches:
                continue
            out[spec.name] = read_widget(spec, widget)
        return out

    def show_errors(self, field_errors: Mapping[str, str], model_errors: Sequence[str]) -> None:
        for spec in self.specs:
            try:
                target = self.query_one(f"#err-{widget_id(spec.name)}", Static)
            except NoMatches:
                continue
            message = field_errors.get(spec.name, "")
            target.update(Text(message))
            target.set_class(bool(message), "-shown")
        unplaced = [f"{name}: {msg}" for name, msg in field_errors.items() if name not in {s.name for s in self.specs}]
        box = self.query_one("#model-errors", Static)
        lines = [*unplaced, *model_errors]
        box.update(Text("\n".join(f"• {line}" for line in lines)))
        box.set_class(bool(lines), "-shown")
        self.query_one("#form-apply", Button).disabled = bool(field_errors or model_errors)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.revalidate()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget if hasattr(event, "widget") else None
        wid = getattr(widget, "id", None) or ""
        spec = next((s for s in self.specs if widget_id(s.name) == wid), None)
        help_line = self.query_one("#field-help", Static)
        help_line.update(Text(spec.help.replace("\n", " ") if spec is not None and spec.help else "", style="dim"))

    @on(Button.Pressed, "#form-apply")
    def _apply_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def revalidate(self) -> None:
        raise NotImplementedError

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditScreen(FormScreen):
    """Add or edit one data asset, boundary, component, flow or implemented control."""

    def __init__(
        self, session: EditSession, section: str, key: str | None, defaults: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(id="edit")
        self.session = session
        self.section = section
        self.key = key
        existing = session.element(section, key) if key is not None else None
        self.original = session.document_item(section, key) if key is not None else None
        self.item: dict[str, Any] | None = (
            existing.model_dump(mode="json", by_alias=True) if existing is not None else None
        )
        kind = (
            str(self.item.get("kind"))
            if self.item and "kind" in self.item
            else str((defaults or {}).get("kind", "application"))
        )
        self.kind = kind if section == "components" else None
        self.specs = forms.form_specs(section, self.kind)
        self.initial = forms.raw_values(self.specs, self.item)
        if self.item is None:
            for name, value in (defaults or {}).items():
                spec = next((s for s in self.specs if s.name == name), None)
                if spec is not None:
                    self.initial[name] = forms.to_raw(spec, value)
        self.validation = Validation()

    @property
    def heading(self) -> str:
        noun = SECTION_NOUNS[self.section]
        return f"Edit {noun} '{self.key}'" if self.key is not None else f"New {noun}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(Text(self.heading, style="bold"), classes="dialog-title")
            with VerticalScroll(id="fields"):
                yield from self.rows(self.specs, self.initial)
            yield Static("", id="model-errors", markup=False)
            yield Static("", id="field-help", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", id="form-apply", variant="primary", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)

    def on_mount(self) -> None:
        self.revalidate()
        first = self.query_one("#fields").query("Input, Select, Checkbox, SelectionList").first()
        first.focus()

    def options_for(self, spec: FieldSpec) -> Sequence[tuple[Text, str]]:
        if spec.ref is None:
            return ()
        return ref_options(self.session, spec, self.key if self.section in ("components", "boundaries") else None)

    @on(Select.Changed, "#f-kind")
    async def _kind_changed(self, event: Select.Changed) -> None:
        """Swap in the new kind's fields, keeping the values both kinds have."""
        event.stop()
        if self.section != "components" or event.value is Select.NULL or str(event.value) == self.kind:
            self.revalidate()
            return
        values = self.values()
        self.kind = str(event.value)
        new_specs = forms.form_specs("components", self.kind)
        common = {s.name for s in new_specs}
        kept = {k: v for k, v in values.items() if k in common}
        fresh = forms.raw_values(new_specs, None)
        fresh.update(kept)
        fresh["kind"] = self.kind
        container = self.query_one("#fields", VerticalScroll)
        await container.remove_children()
        self.specs = new_specs
        await container.mount_all(self.rows(new_specs, fresh))
        self.query_one("#f-kind", Select).focus()
        self.revalidate()

    def revalidate(self) -> None:
        self.validation = forms.validate(
            self.section,
            self.specs,
            self.values(),
            self.session.model,
            key=self.key,
            original=self.original,
            known_controls=self.session.catalogs.control_refs,
        )
        self.show_errors(self.validation.field_errors, self.validation.model_errors)

    def action_submit(self) -> None:
        self.revalidate()
        if not self.validation.ok or self.validation.document is None:
            self.notify("Fix the problems shown in the form first.", severity="warning", timeout=3)
            return
        noun = SECTION_NOUNS[self.section]
        new_key = element_key(self.section, self.validation.item)
        if self.key is None:
            label = f"add {noun} '{new_key}'"
        elif new_key != self.key:
            label = f"edit {noun} '{self.key}' (now '{new_key}')"
        else:
            label = f"edit {noun} '{self.key}'"
        self.dismiss(Change(label, (Upsert(self.section, self.validation.document, self.key),)))


class TriageScreen(FormScreen):
    """Record a decision about a finding: status, justification, owner, review-by date, ticket."""

    def __init__(
        self, finding_id: str, title: str, status: str, existing: Mapping[str, Any] | None, decided_on: str
    ) -> None:
        super().__init__(id="triage")
        self.finding_id = finding_id
        self.finding_title = title
        self.specs = list(forms.TRIAGE_SPECS)
        self.initial = forms.raw_values(self.specs, existing)
        self.evidence: list[Mapping[str, Any]] = list((existing or {}).get("evidence") or ())
        self.initial["status"] = status
        if not self.initial.get("decided_on"):
            self.initial["decided_on"] = decided_on
        self.entry: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(Text(f"Triage: {self.finding_title}", style="bold"), classes="dialog-title")
            yield Static(Text(self.finding_id, style="dim"), markup=False)
            with VerticalScroll(id="fields"):
                yield from self.rows(self.specs, self.initial)
            yield Static("", id="model-errors", markup=False)
            yield Static("", id="field-help", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record", id="form-apply", variant="primary", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)

    def on_mount(self) -> None:
        self.revalidate()
        self.query_one(f"#{widget_id('justification')}", Input).focus()

    def revalidate(self) -> None:
        self.entry, errors = forms.validate_triage(self.values(), self.evidence)
        self.show_errors(errors, [])

    def action_submit(self) -> None:
        self.revalidate()
        if self.entry is None:
            self.notify("Fix the problems shown in the form first.", severity="warning", timeout=3)
            return
        self.dismiss(self.entry)

"""Small modal dialogs: choose one of several buttons, show problems, ask for a path, resolve a conflict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from threatmodel.tui.safetext import Text


class ChoiceScreen(ModalScreen[str]):
    """A question with a row of buttons; dismisses with the chosen button's id (escape: ``cancel``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('cancel')", "Cancel", tooltip="Close without doing anything.", id="dialog.cancel"),
        Binding("left", "app.focus_previous", "Previous", show=False, id="dialog.previous"),
        Binding("right", "app.focus_next", "Next", show=False, id="dialog.next"),
    ]

    def __init__(
        self,
        title: str,
        body: Text | str,
        choices: Sequence[tuple[str, str, str]],
        *,
        dialog_id: str = "choice",
    ) -> None:
        """``choices`` are ``(id, label, variant)``; the first one has the focus."""
        super().__init__(id=dialog_id)
        self.title_text = title
        self.body = body if isinstance(body, Text) else Text(body)
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text, style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, markup=False)
            with Horizontal(classes="dialog-buttons"):
                for choice_id, label, variant in self.choices:
                    yield Button(label, id=f"choice-{choice_id}", variant=variant, compact=True)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.choices[0][0]}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("choice-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


def problems_text(intro: str, problems: Sequence[str]) -> Text:
    text = Text(intro + "\n\n")
    for problem in problems:
        text.append("  • ")
        text.append(problem)
        text.append("\n")
    return text


class PathScreen(ModalScreen[Path | None]):
    """Ask for a file path (Save as…, export target); refuses paths that exist unless allowed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving.", id="path.cancel"),
    ]

    def __init__(self, title: str, suggestion: str, *, allow_existing: bool = False, note: str = "") -> None:
        super().__init__(id="path-dialog")
        self.title_text = title
        self.suggestion = suggestion
        self.allow_existing = allow_existing
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.note:
                yield Static(Text(self.note), markup=False, classes="dialog-note")
            yield Input(self.suggestion, id="path-input", placeholder="path/to/file")
            yield Static("", id="path-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="path-ok", variant="primary", compact=True)
                yield Button("Cancel", id="path-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._check(self.suggestion)

    def _check(self, value: str) -> str | None:
        error: str | None = None
        path = Path(value.strip()).expanduser() if value.strip() else None
        if path is None:
            error = "type a file path"
        elif path.is_dir():
            error = f"{path} is a folder"
        elif path.exists() and not self.allow_existing:
            error = f"{path} exists; choose a new name (nothing is overwritten)"
        elif not (path.parent if str(path.parent) else Path(".")).exists():
            error = f"folder {path.parent} does not exist"
        self.query_one("#path-error", Static).update(Text(error or ""))
        self.query_one("#path-ok", Button).disabled = error is not None
        return error

    @on(Input.Changed, "#path-input")
    def _changed(self, event: Input.Changed) -> None:
        self._check(event.value)

    @on(Input.Submitted, "#path-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._check(event.value) is None:
            self.dismiss(Path(event.value.strip()).expanduser())

    @on(Button.Pressed, "#path-ok")
    def _ok(self) -> None:
        value = self.query_one(Input).value
        if self._check(value) is None:
            self.dismiss(Path(value.strip()).expanduser())

    @on(Button.Pressed, "#path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConflictScreen(ModalScreen[str]):
    """The file changed on disk: show both versions side by side and offer Reload / Save as… / Cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "choose('cancel')", "Cancel", tooltip="Keep editing; nothing is written.", id="conflict.cancel"
        ),
        Binding(
            "r",
            "choose('reload')",
            "Reload",
            tooltip="Discard your edits and load the file from disk.",
            id="conflict.reload",
        ),
        Binding(
            "s", "choose('save-as')", "Save as…", tooltip="Write your version to another file.", id="conflict.save-as"
        ),
    ]

    def __init__(self, path: str, disk_summary: str, our_summary: str, diff: Sequence[str]) -> None:
        super().__init__(id="conflict")
        self.path = path
        self.disk_summary = disk_summary
        self.our_summary = our_summary
        self.diff = list(diff)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide conflict"):
            yield Label(Text(f"{self.path} changed on disk since it was opened", style="bold"), classes="dialog-title")
            yield Static(
                Text("Saving would overwrite someone else's edits, so nothing was written. Compare the two versions:"),
                markup=False,
            )
            with Horizontal(id="conflict-sides"):
                with Vertical(classes="conflict-side"):
                    yield Label(Text("On disk", style="bold"))
                    yield Static(Text(self.disk_summary), markup=False, id="conflict-disk")
                with Vertical(classes="conflict-side"):
                    yield Label(Text("Yours (unsaved)", style="bold"))
                    yield Static(Text(self.our_summary), markup=False, id="conflict-ours")
            with VerticalScroll(id="conflict-diff"):
                yield Static(_diff_text(self.diff), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload from disk", id="conflict-reload", variant="warning", compact=True)
                yield Button("Save as…", id="conflict-save-as", variant="primary", compact=True)
                yield Button("Cancel", id="conflict-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#conflict-save-as", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("conflict-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


def _diff_text(lines: Sequence[str]) -> Text:
    text = Text()
    if not lines:
        text.append("The files have the same text (only the file's identity changed).", style="dim")
    for line in lines[:2000]:
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        text.append(line + "\n", style=style)
    if len(lines) > 2000:
        text.append(f"… {len(lines) - 2000} more lines\n", style="dim")
    return text

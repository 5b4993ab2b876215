"""Export dialog: pick a format, confirm the path; the app writes the file in a worker."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from threatmodel.edit.session import EditSession
from threatmodel.io.load import display_path
from threatmodel.render import BY_ID, EXPORTS
from threatmodel.tui.exports import suggested_path
from threatmodel.tui.safetext import Text


class ExportScreen(ModalScreen[tuple[str, Path] | None]):
    """Dismisses with ``(format id, path)``; formats whose renderer is missing are disabled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without exporting.", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", tooltip="Write the export.", id="export.write", priority=True),
    ]

    def __init__(self, session: EditSession, fmt: str | None = None) -> None:
        super().__init__(id="export")
        self.session = session
        self.fmt = fmt if fmt in BY_ID else EXPORTS[0].id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Export", style="bold"), classes="dialog-title")
            yield Static(
                Text("The export shows the model as it is now, unsaved edits included.", style="dim"), markup=False
            )
            with RadioSet(id="export-format", compact=True):
                for f in EXPORTS:
                    yield RadioButton(Text(f"{f.title} ({f.id})"), value=f.id == self.fmt, id=f"fmt-{f.id}")
            yield Label(Text("File", style="bold"))
            yield Input(display_path(suggested_path(self.session, BY_ID[self.fmt])), id="export-path", compact=True)
            yield Static("", id="export-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export-ok", variant="primary", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()
        self._check()

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        previous = display_path(suggested_path(self.session, BY_ID[self.fmt]))
        self.fmt = str(event.pressed.id).removeprefix("fmt-")
        path_input = self.query_one("#export-path", Input)
        if path_input.value.strip() in (previous, ""):
            path_input.value = display_path(suggested_path(self.session, BY_ID[self.fmt]))
        self._check()

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._check()

    def _check(self) -> str | None:
        value = self.query_one("#export-path", Input).value.strip()
        error: str | None = None
        path = Path(value).expanduser() if value else None
        if path is None:
            error = "type a file path"
        elif path.is_dir():
            error = f"{path} is a folder"
        elif path.resolve() == self.session.path.resolve():
            error = "that is the model file itself; choose another name"
        elif path.suffix in (".yaml", ".yml") and path.exists():
            error = "refusing to overwrite a YAML file; choose another name"
        elif not (path.parent if str(path.parent) else Path(".")).exists():
            error = f"folder {path.parent} does not exist"
        elif path.exists():
            error = None
            self.query_one("#export-error", Static).update(
                Text(f"{path.name} exists and will be replaced", style="yellow")
            )
            self.query_one("#export-ok", Button).disabled = False
            return None
        self.query_one("#export-error", Static).update(Text(error or ""))
        self.query_one("#export-ok", Button).disabled = error is not None
        return error

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def action_export(self) -> None:
        if self._check() is None:
            self.dismiss((self.fmt, Path(self.query_one("#export-path", Input).value.strip()).expanduser()))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

"""Start screen when there is no model yet: create one from a template (or an example)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from threatmodel.errors import ThreatModelError
from threatmodel.io.load import display_path
from threatmodel.tui.safetext import Text
from threatmodel.tui.shared import UsesApp

if TYPE_CHECKING:
    pass

SCHEMA_FILE = "threatmodel.schema.json"
"""Written beside a new model (once) so its ``$schema`` line resolves, as ``threatmodel init`` does."""


def starting_points() -> list[tuple[str, str, str]]:
    """``(id, description, text)`` of every template, then every example model."""
    from threatmodel.io.builtin import example_model_files, template_files

    out: list[tuple[str, str, str]] = []
    for prefix, files in (("", template_files()), ("example: ", example_model_files())):
        for name, text in files:
            first = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ") and "schema" not in ln), "")
            out.append((prefix + name.removesuffix(".yaml"), first, text))
    return out


class NewModelScreen(UsesApp, Screen[None]):
    """Pick a template and a path; writes the file (never over an existing one) and opens it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "create",
            "Create",
            tooltip="Write the new model file and open it.",
            id="new.create",
            priority=True,
        ),
    ]

    def __init__(self, path: Path | None) -> None:
        super().__init__(id="new-model")
        self.path = path
        self.points = starting_points()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="new-body"):
            intro = "No model file yet." if self.path is None else f"{display_path(self.path)} does not exist yet."
            yield Static(Text(f"{intro} Start from a template:", style="bold"), markup=False)
            yield OptionList(
                *[Option(Text.assemble((name, "bold"), "  ", (desc, "dim")), id=name) for name, desc, _ in self.points],
                id="new-templates",
            )
            yield Label(Text("Save it as", style="bold"))
            yield Input(display_path(self.path or Path("threatmodel.yaml")), id="new-path", compact=True)
            yield Static("", id="new-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create and open", id="new-create", variant="primary", compact=True)
                yield Button("Quit", id="new-quit", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.points:
            options.highlighted = 0
        else:
            self.query_one("#new-error", Static).update(Text("this installation ships no templates"))
        options.focus()

    @on(OptionList.OptionSelected, "#new-templates")
    def _chosen(self) -> None:
        self.query_one("#new-path", Input).focus()

    @on(Input.Submitted, "#new-path")
    @on(Button.Pressed, "#new-create")
    def action_create(self) -> None:
        options = self.query_one(OptionList)
        error = self.query_one("#new-error", Static)
        if options.highlighted is None or not self.points:
            error.update(Text("choose a template"))
            return
        _, _, text = self.points[options.highlighted]
        path = Path(self.query_one("#new-path", Input).value.strip()).expanduser()
        if not path.name:
            error.update(Text("type a file path"))
            return
        if path.exists():
            error.update(Text(f"{path} already exists; choose another name (nothing is overwritten)"))
            return
        try:
            self.tm.create_model(path, text.replace("../docs/schema/model.schema.json", SCHEMA_FILE))
        except ThreatModelError as exc:
            error.update(Text("\n".join(p.render() for p in exc.problems)))

    @on(Button.Pressed, "#new-quit")
    def _quit(self) -> None:
        self.app.exit()

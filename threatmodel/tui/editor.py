"""The editing workflows: forms, confirmations and dialogs around :class:`EditSession`.

Screens ask for *what* (edit this, triage that, save); this module runs the dialogs that
say *how*, applies the resulting :class:`Change`, and tells the app to refresh. Kept out
of ``app.py`` so the app stays a thin shell. The dialog screens are imported when first
used, which keeps them (and their widgets) off the start-up path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatmodel.edit.changes import SECTION_NOUNS, Change, Delete, SetTriage
from threatmodel.edit.session import EditSession, summarize
from threatmodel.errors import ThreatModelError
from threatmodel.io.load import display_path
from threatmodel.io.write import write_atomic
from threatmodel.tui.messages import Saved, TriageChanged
from threatmodel.tui.safetext import Text

if TYPE_CHECKING:
    from threatmodel.tui.app import ThreatModelApp

ADD_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("components", "Component", "primary"),
    ("flows", "Flow", "default"),
    ("boundaries", "Boundary", "default"),
    ("data", "Data asset", "default"),
    ("controls", "Control", "default"),
    ("cancel", "Cancel", "default"),
)


class Editor:
    """Runs edit, delete, triage, save and export workflows for the app."""

    def __init__(self, app: ThreatModelApp) -> None:
        self.app = app
        self._disk_seen: str | None = None

    @property
    def session(self) -> EditSession:
        session = self.app.session
        assert session is not None  # noqa: S101 - editing needs an open model
        return session

    # -- applying ---------------------------------------------------------------
    def apply(self, change: Change) -> bool:
        """Apply ``change``; show the problems and return False when it is refused."""
        try:
            self.session.apply(change)
        except ThreatModelError as exc:
            self.show_problems("Not applied", [p.message for p in exc.problems])
            return False
        self.app.model_changed(change.label)
        return True

    def show_problems(self, title: str, problems: list[str]) -> None:
        from threatmodel.tui.screens.dialogs import ChoiceScreen, problems_text

        self.app.push_screen(
            ChoiceScreen(title, problems_text(title + ":", problems), [("ok", "OK", "primary")], dialog_id="problems")
        )

    # -- element forms ----------------------------------------------------------
    def add(self, section: str | None, defaults: dict[str, Any] | None = None) -> None:
        """Open the form for a new element of ``section`` (asks which kind of element when None)."""
        from threatmodel.tui.screens.dialogs import ChoiceScreen
        from threatmodel.tui.screens.edit import EditScreen

        defaults = dict(defaults or {})
        if section is None:

            def chosen(choice: str | None) -> None:
                if choice and choice != "cancel":
                    self.add(choice, defaults)

            self.app.push_screen(
                ChoiceScreen("Add to the model", "What do you want to add?", ADD_CHOICES, dialog_id="add-choice"),
                chosen,
            )
            return
        relevant = {
            "components": ("boundary", "kind"),
            "flows": ("source", "target"),
            "boundaries": ("parent",),
            "controls": ("control", "scope"),
            "data": (),
        }[section]
        fields = {k: v for k, v in defaults.items() if k in relevant}
        self.app.push_screen(EditScreen(self.session, section, None, fields), self._form_done)

    def edit(self, section: str, key: str) -> None:
        from threatmodel.tui.screens.edit import EditScreen

        reason = self.session.read_only_reason(section, key)
        if reason:
            self.app.notify(reason, severity="warning", markup=False)
            return
        if self.session.element(section, key) is None:
            self.app.notify(f"there is no {SECTION_NOUNS[section]} '{key}'", severity="warning", markup=False)
            return
        self.app.push_screen(EditScreen(self.session, section, key), self._form_done)

    def _form_done(self, change: Change | None) -> None:
        if change is not None and self.apply(change):
            self.app.notify(change.label.capitalize(), timeout=3, markup=False)

    # -- deleting ---------------------------------------------------------------
    def delete(self, section: str, key: str) -> None:
        """Ask, then delete an element; a component's flows go with it. Refuses dangling references."""
        from threatmodel.tui.forms import describe_path
        from threatmodel.tui.screens.dialogs import ChoiceScreen

        session = self.session
        reason = session.read_only_reason(section, key)
        if reason:
            self.app.notify(reason, severity="warning", markup=False)
            return
        noun = SECTION_NOUNS[section]
        edits: list[Delete] = [Delete(section, key)]
        extra = ""
        if section == "components":
            flows = [f.key for f in session.model.flows if key in (f.source, f.target)]
            edits += [Delete("flows", fk) for fk in flows]
            if flows:
                extra = f" and its {len(flows)} flow{'s' if len(flows) != 1 else ''} ({', '.join(flows)})"
        change = Change(f"delete {noun} '{key}'{extra}", tuple(edits))
        try:
            candidate = session.preview(change)
        except ThreatModelError as exc:
            self.show_problems("Cannot delete", [p.message for p in exc.problems])
            return
        problems = session.problems(candidate)
        if problems:
            self.show_problems(
                f"Cannot delete {noun} '{key}'; it is still used",
                [
                    f"{describe_path(candidate, path)} refers to it"
                    if f"'{key}'" in message
                    else f"{describe_path(candidate, path)}: {message}"
                    for path, message in problems
                ]
                + ["change or remove those references first"],
            )
            return

        def confirmed(choice: str | None) -> None:
            if choice == "delete" and self.apply(change):
                self.app.notify(change.label.capitalize() + " (ctrl+z undoes it)", timeout=4, markup=False)

        body = Text(f"Delete {noun} '{key}'{extra}?\n\nUndo (ctrl+z) brings it back until you quit.")
        self.app.push_screen(
            ChoiceScreen(
                "Delete",
                body,
                [("delete", "Delete", "error"), ("cancel", "Cancel", "default")],
                dialog_id="confirm-delete",
            ),
            confirmed,
        )

    # -- triage -------------------------------------------------------------------
    def triage(self, finding_id: str, status: str | None) -> None:
        """Record a triage decision through the form (``None``: remove the decision)."""
        from threatmodel.tui.screens.edit import TriageScreen

        session = self.session
        finding = next((f for f in session.assessment.findings if f.id == finding_id), None)
        if finding is None:
            return
        reason = session.triage_read_only_reason(finding_id)
        if reason:
            self.app.notify(reason, severity="warning", markup=False)
            return
        if status is None:
            if finding_id not in session.model.triage:
                self.app.notify("No triage decision to remove.", timeout=3)
                return
            change = Change(f"reopen '{finding_id}'", (SetTriage(finding_id, None),))
            if self.apply(change):
                self.app.post_message(TriageChanged(finding_id, None))
                self.app.notify(f"Reopened {finding.title}", timeout=3, markup=False)
            return
        existing = session.model.triage.get(finding_id)
        existing_dict = existing.model_dump(mode="json") if existing is not None else None

        def done(entry: dict[str, Any] | None) -> None:
            if entry is None:
                return
            if entry.get("status") in ("accepted", "transferred"):
                # what was accepted: a later, higher risk reopens the finding (TM203)
                entry = {**entry, "risk": finding.residual_risk}
            change = Change(f"triage '{finding_id}' as {entry['status']}", (SetTriage(finding_id, entry),))
            if self.apply(change):
                self.app.post_message(TriageChanged(finding_id, str(entry["status"])))
                self.app.notify(f"{finding.title}: {entry['status']}", timeout=3, markup=False)

        self.app.push_screen(
            TriageScreen(finding_id, finding.title, status, existing_dict, session.as_of.isoformat()), done
        )

    # -- undo / redo ------------------------------------------------------------
    def undo(self) -> None:
        change = self.session.undo()
        if change is None:
            self.app.notify("Nothing to undo.", timeout=2)
            return
        self.app.model_changed(f"undo {change.label}")
        self.app.notify(f"Undid: {change.label}", timeout=3, markup=False)

    def redo(self) -> None:
        change = self.session.redo()
        if change is None:
            self.app.notify("Nothing to redo.", timeout=2)
            return
        self.app.model_changed(f"redo {change.label}")
        self.app.notify(f"Redid: {change.label}", timeout=3, markup=False)

    # -- saving -------------------------------------------------------------------
    def save(self, then: Callable[[], object] | None = None) -> None:
        """Save to the model file; on a conflict, offer Reload / Save as… / Cancel."""
        from threatmodel.io.roundtrip import ConflictError

        session = self.session
        if not session.modified and not session.changed_on_disk():
            self.app.notify("No unsaved changes.", timeout=2)
            if then is not None:
                then()
            return
        try:
            path = session.save()
        except ConflictError:
            self._conflict(then)
            return
        except ThreatModelError as exc:
            self.show_problems("Not saved", [p.message for p in exc.problems])
            return
        self._saved(path, then)

    def _saved(self, path: Path, then: Callable[[], object] | None) -> None:
        self.app.model_changed("save")
        self.app.post_message(Saved(str(path)))
        self.app.notify(f"Saved {display_path(path)}", timeout=3, markup=False)
        if then is not None:
            then()

    def _conflict(self, then: Callable[[], object] | None) -> None:
        from threatmodel.tui.screens.dialogs import ConflictScreen

        session = self.session

        def resolved(choice: str | None) -> None:
            if choice == "reload":
                self.reload()
            elif choice == "save-as":
                self.save_as(then)

        self.app.push_screen(
            ConflictScreen(
                display_path(session.path), session.disk_summary(), summarize(session.model), session.disk_diff()
            ),
            resolved,
        )

    def save_as(self, then: Callable[[], object] | None = None) -> None:
        from threatmodel.tui.screens.dialogs import PathScreen

        session = self.session
        stem = session.path.name.removesuffix(".yaml").removesuffix(".yml")
        suggestion = display_path(session.path.with_name(f"{stem}.mine.yaml"))

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                saved = session.save(path)
            except ThreatModelError as exc:
                self.show_problems("Not saved", [p.message for p in exc.problems])
                return
            self._saved(saved, then)

        self.app.push_screen(
            PathScreen(
                "Save as…", suggestion, note="Your version is written to a new file; the session continues there."
            ),
            chosen,
        )

    def reload(self) -> None:
        session = self.session
        try:
            session.reload()
        except ThreatModelError as exc:
            self.show_problems(
                "Cannot reload: the file on disk is not a valid model", [p.render() for p in exc.problems]
            )
            return
        self.app.model_changed("reload")
        self.app.notify(f"Reloaded {display_path(session.path)}", timeout=3, markup=False)

    def check_disk(self) -> None:
        """React once to each new version of the file on disk (the app calls this on a timer).

        Without unsaved edits the file is simply reloaded; with unsaved edits the user is told
        (saving will then show both versions). Nothing is ever overwritten or dropped here.
        """
        session = self.session
        digest = session.disk_digest()
        if digest is None or not session.changed_on_disk() or digest == self._disk_seen:
            return
        self._disk_seen = digest
        name = display_path(session.path)
        if session.modified:
            self.app.notify(
                f"{name} changed on disk. Your edits are kept; saving will show both versions.",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return
        try:
            session.reload()
        except ThreatModelError as exc:
            message = f"{name} changed on disk but is not valid now: {exc.problems[0].message}"
            self.app.notify(message, severity="warning", timeout=8, markup=False)
            return
        self.app.model_changed("reload")
        self.app.notify(f"{name} changed on disk; reloaded", timeout=4, markup=False)

    # -- exporting ----------------------------------------------------------------
    def export(self, fmt: str, path: Path) -> None:
        """Render and write an export in a worker thread (SVG and HTML run Graphviz)."""
        session = self.session

        def run() -> None:
            from threatmodel.tui.exports import render_export

            try:
                data = render_export(session, fmt)
                write_atomic(path, data)
            except ThreatModelError as exc:
                self.app.call_from_thread(self.show_problems, "Export failed", [p.message for p in exc.problems])
                return
            self.app.call_from_thread(self.app.notify, f"Wrote {display_path(path)}", timeout=4, markup=False)

        self.app.run_worker(run, thread=True, group="export", name=f"export {fmt}", exit_on_error=False)

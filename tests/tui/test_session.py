"""The editing session without a terminal: edits, undo/redo, saving, conflicts, includes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.tui.conftest import AS_OF, DATA
from threatmodel.edit.changes import Change, Delete, SetTriage, Upsert, item_document
from threatmodel.edit.session import EditSession
from threatmodel.errors import ModelError, UsageError
from threatmodel.io.load import LoadedCatalogs
from threatmodel.io.roundtrip import ConflictError
from threatmodel.model.vocab import Exposure


@pytest.fixture
def session(tmp_path: Path, demo_catalogs: LoadedCatalogs) -> EditSession:
    path = tmp_path / "model.yaml"
    shutil.copyfile(DATA / "model.yaml", path)
    return EditSession.open(path, demo_catalogs, AS_OF)


ADD_TOOL = Change(
    "add tool", (Upsert("components", {"id": "mailer", "kind": "tool", "side_effects": ["send-external"]}),)
)


class TestEditing:
    def test_apply_changes_model_document_and_assessment(self, session: EditSession) -> None:
        """An applied change shows in the model, in the text to save and in the findings."""
        session.apply(ADD_TOOL)
        assert session.element("components", "mailer") is not None
        assert "  - id: mailer\n    kind: tool\n    side_effects: [send-external]\n" in session.text()
        assert "demo:broad-tool@mailer" in {f.id for f in session.assessment.findings}
        assert session.modified

    def test_a_change_breaking_references_is_refused_whole(self, session: EditSession) -> None:
        """A change whose result fails the loader's reference checks changes nothing."""
        before = session.text()
        with pytest.raises(ModelError, match="unknown component 'nowhere'"):
            session.apply(Change("bad flow", (Upsert("flows", {"source": "customer", "target": "nowhere"}),)))
        assert session.text() == before
        assert not session.modified
        assert not session.can_undo

    def test_unknown_control_is_refused(self, session: EditSession) -> None:
        """Implemented controls must name a control of the loaded catalogs."""
        with pytest.raises(ModelError, match="unknown control 'demo:nope'"):
            session.apply(Change("control", (Upsert("controls", {"control": "demo:nope"}),)))

    def test_delete_of_a_missing_element_is_a_usage_error(self, session: EditSession) -> None:
        """Deleting an element that is not there says so instead of silently succeeding."""
        with pytest.raises(UsageError, match="there is no flow 'x-to-y'"):
            session.apply(Change("delete", (Delete("flows", "x-to-y"),)))

    def test_triage_round_trip(self, session: EditSession) -> None:
        """Recording and removing a triage entry changes the finding's status both ways."""
        fid = "demo:broad-tool@ticket-tool"
        session.apply(Change("accept", (SetTriage(fid, {"status": "accepted", "justification": "ok"}),)))
        assert next(f for f in session.assessment.findings if f.id == fid).status.value == "accepted"
        session.apply(Change("reopen", (SetTriage(fid, None),)))
        assert next(f for f in session.assessment.findings if f.id == fid).status.value == "open"

    def test_item_document_keeps_explicit_keys(self, session: EditSession) -> None:
        """Keys the author wrote stay in the file even when the value becomes the default."""
        web = session.element("components", "web-app")
        original = {"id": "web-app", "name": "Web app", "kind": "application", "exposure": "internet"}
        changed = web.model_copy(update={"exposure": Exposure.INTERNAL})  # type: ignore[union-attr]
        doc = item_document(changed, original)
        assert doc["exposure"] == "internal"
        assert "description" not in doc  # a default the author never wrote
        assert list(item_document(web))[:3] == ["id", "name", "kind"]


class TestUndo:
    def test_undo_restores_the_text_byte_for_byte(self, session: EditSession) -> None:
        """Undo restores the file text exactly, comments included; redo re-applies."""
        original = session.text()
        session.apply(ADD_TOOL)
        session.apply(Change("delete retriever flows", (Delete("flows", "web-app-to-retriever"),)))
        after = session.text()
        assert session.undo() is not None
        assert session.undo() is not None
        assert session.text() == original
        assert session.undo() is None
        assert not session.modified
        session.redo()
        session.redo()
        assert session.text() == after
        assert session.redo() is None

    def test_a_new_change_clears_redo(self, session: EditSession) -> None:
        """After undo, a new change drops the undone one (it cannot be redone any more)."""
        session.apply(ADD_TOOL)
        session.undo()
        session.apply(Change("delete", (Delete("flows", "web-app-to-retriever"),)))
        assert not session.can_redo
        assert session.history() == ["delete"]

    def test_saved_state_is_tracked_through_undo(self, session: EditSession) -> None:
        """Undoing past a save marks the session modified again; redoing back does not."""
        session.apply(ADD_TOOL)
        session.save()
        assert not session.modified
        session.undo()
        assert session.modified
        session.redo()
        assert not session.modified


class TestSaving:
    def test_save_writes_only_what_changed(self, session: EditSession) -> None:
        """Saving after an edit keeps every untouched line of the file."""
        before = session.path.read_text(encoding="utf-8")
        session.apply(Change("delete", (Delete("flows", "chat-llm-to-ticket-tool"),)))
        session.save()
        after = session.path.read_text(encoding="utf-8")
        removed = "  - source: chat-llm\n    target: ticket-tool\n    data: [ticket]\n"
        assert removed in before
        assert after == before.replace(removed, "")

    def test_conflict_when_the_file_changed(self, session: EditSession) -> None:
        """A file changed on disk is never overwritten; the diff and summary show both sides."""
        session.apply(ADD_TOOL)
        theirs = session.path.read_text(encoding="utf-8") + "# edited elsewhere\n"
        session.path.write_text(theirs, encoding="utf-8")
        with pytest.raises(ConflictError):
            session.save()
        assert session.path.read_text(encoding="utf-8") == theirs
        assert "-# edited elsewhere" in session.disk_diff()
        assert session.disk_summary().startswith("6 components")
        other = session.path.with_name("mine.yaml")
        session.save(other)
        assert session.path == other
        assert "mailer" in other.read_text(encoding="utf-8")

    def test_conflict_after_a_save_uses_the_saved_version(self, session: EditSession) -> None:
        """After a save, only later changes on disk count as conflicts."""
        session.apply(ADD_TOOL)
        session.save()
        session.undo()
        session.save()
        assert "mailer" not in session.path.read_text(encoding="utf-8")

    def test_reload_discards_edits(self, session: EditSession) -> None:
        """Reload reads the file again and forgets the history."""
        session.apply(ADD_TOOL)
        session.reload()
        assert session.element("components", "mailer") is None
        assert not session.can_undo and not session.modified


def test_elements_from_included_files_are_read_only(tmp_path: Path, demo_catalogs: LoadedCatalogs) -> None:
    """Elements declared in an included file cannot be edited from the root file's session."""
    (tmp_path / "extra.yaml").write_text("components:\n  - id: extra-store\n    kind: datastore\n", encoding="utf-8")
    text = (
        (DATA / "model.yaml")
        .read_text(encoding="utf-8")
        .replace("schema_version: 1\n", "schema_version: 1\nincludes: [extra.yaml]\n")
    )
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    session = EditSession.open(path, demo_catalogs, AS_OF)
    assert session.element("components", "extra-store") is not None
    assert session.read_only_reason("components", "extra-store")
    assert session.read_only_reason("components", "web-app") is None
    with pytest.raises(UsageError, match="included file"):
        session.apply(Change("delete", (Delete("components", "extra-store"),)))


def test_an_invalid_item_is_a_model_error(session: EditSession) -> None:
    """A change carrying an item its model rejects is refused with the field named, never a crash."""
    with pytest.raises(ModelError, match="exposure"):
        session.apply(Change("bad", (Upsert("components", {"id": "x", "kind": "tool", "exposure": "mars"}),)))
    assert not session.can_undo


def test_triage_dates_are_written_as_dates_and_untouched_ones_stay(session: EditSession) -> None:
    """A new review-by date is a plain YAML date, and a decision's other dates keep their text."""
    import datetime as dt

    fid = "demo:unsafe-rendering@web-app"
    entry = session.model.triage[fid].model_dump(exclude_defaults=True)
    dated = {**entry, "status": "in-progress", "review_by": dt.date(2027, 3, 1)}
    session.apply(Change("date", (SetTriage(fid, dated),)))
    session.save()
    assert "    review_by: 2027-03-01\n" in session.path.read_text(encoding="utf-8")
    session.reload()
    reread = session.model.triage[fid].model_dump(mode="json", exclude_defaults=True)
    session.apply(Change("reason", (SetTriage(fid, {**reread, "justification": "x"}),)))
    assert "    review_by: 2027-03-01\n" in session.text()
    assert "    justification: x\n" in session.text()


def test_saved_triage_keys_are_double_quoted(session: EditSession) -> None:
    """A new triage key, and an existing unquoted one the TUI edits, are saved quoted in place."""
    new = "demo:broad-tool@ticket-tool"
    old = "demo:unsafe-rendering@web-app"
    before = session.path.read_text(encoding="utf-8")
    assert f"\n  {old}:\n" in before  # the fixture writes this key unquoted
    session.apply(Change("accept", (SetTriage(new, {"status": "accepted", "justification": "ok"}),)))
    entry = session.model.triage[old].model_dump(mode="json", exclude_defaults=True)
    session.apply(Change("reason", (SetTriage(old, {**entry, "justification": "checked"}),)))
    session.save()
    saved = session.path.read_bytes().decode("utf-8")
    assert f'\n  "{new}":\n' in saved
    assert f'\n  "{old}":\n' in saved and f"\n  {old}:\n" not in saved
    keys = [ln for ln in saved.splitlines() if ln.startswith('  "demo:')]
    assert keys.index(f'  "{old}":') < keys.index(f'  "{new}":')  # the edited key kept its place
    session.reload()
    assert {new, old} <= set(session.model.triage)


def test_form_help_is_plain_text() -> None:
    """Field docs lose their Markdown-ish backticks before the TUI shows them."""
    from threatmodel.model.vocab import ComponentKind
    from threatmodel.tui.forms import form_specs, plain_help

    assert plain_help("Use ``a.b`` or `c`\n  here.") == "Use a.b or c here."
    specs = [s for kind in ComponentKind for s in form_specs("components", kind.value)]
    assert any(s.help for s in specs)
    assert not any("`" in s.help for s in specs)

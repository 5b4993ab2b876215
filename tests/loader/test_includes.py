"""Includes: large models split across files, with defined merge rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatmodel.errors import ModelError
from threatmodel.io.load import load_model


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lists_are_concatenated_root_first_then_includes_in_order(tmp_path: Path) -> None:
    """Components of included files follow the root's, depth-first in include order."""
    root = write(
        tmp_path / "main.yaml",
        "system: {id: s, name: S}\nincludes: [parts/a.yaml, parts/b.yaml]\ncomponents:\n  - {id: root-app, kind: application}\n",
    )
    write(tmp_path / "parts/a.yaml", "includes: [nested.yaml]\ncomponents:\n  - {id: a-llm, kind: llm}\n")
    write(tmp_path / "parts/nested.yaml", "components:\n  - {id: nested-store, kind: datastore}\n")
    write(
        tmp_path / "parts/b.yaml",
        "components:\n  - {id: b-tool, kind: tool}\nflows:\n  - {source: root-app, target: a-llm}\n"
        "triage:\n  'tm:x@a-llm': {status: accepted, owner: me}\n",
    )
    loaded = load_model(root)
    assert [c.id for c in loaded.model.components] == ["root-app", "a-llm", "nested-store", "b-tool"]
    assert [f.key for f in loaded.model.flows] == ["root-app-to-a-llm"]
    assert "tm:x@a-llm" in loaded.model.triage
    span = loaded.element_span("nested-store")
    assert span.path.endswith("nested.yaml") and span.line == 2


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    """An id declared in two files is an error that points at both."""
    root = write(
        tmp_path / "main.yaml", "system: {id: s, name: S}\nincludes: [b.yaml]\ncomponents:\n  - {id: llm, kind: llm}\n"
    )
    write(tmp_path / "b.yaml", "components:\n  - {id: other, kind: tool}\n  - {id: llm, kind: agent}\n")
    with pytest.raises(ModelError) as info:
        load_model(root)
    (problem,) = info.value.problems
    assert problem.source is not None and problem.source.path.endswith("b.yaml") and problem.source.line == 3
    assert "main.yaml:4:" in problem.message


def test_root_only_keys_are_refused_in_included_files(tmp_path: Path) -> None:
    """Only the root file may declare the system, settings and schema version."""
    root = write(tmp_path / "main.yaml", "system: {id: s, name: S}\nincludes: [b.yaml]\n")
    write(tmp_path / "b.yaml", "system: {id: t, name: T}\n")
    with pytest.raises(ModelError, match="'system' may only appear in the root model file"):
        load_model(root)


def test_include_cycles_and_missing_files_are_located(tmp_path: Path) -> None:
    """A file including itself, or a missing include, is reported at the include line."""
    root = write(tmp_path / "main.yaml", "system: {id: s, name: S}\nincludes: [a.yaml, missing.yaml]\n")
    write(tmp_path / "a.yaml", "includes: [main.yaml]\n")
    with pytest.raises(ModelError) as info:
        load_model(root)
    messages = sorted(p.message for p in info.value.problems)
    assert messages == ["include cycle: 'main.yaml' includes itself again", "included file not found: missing.yaml"]


def test_duplicate_triage_across_files_is_an_error(tmp_path: Path) -> None:
    """The same finding cannot be triaged in two files."""
    root = write(
        tmp_path / "main.yaml",
        "system: {id: s, name: S}\nincludes: [b.yaml]\ncomponents:\n  - {id: llm, kind: llm}\n"
        "triage:\n  'tm:x@llm': {status: accepted}\n",
    )
    write(tmp_path / "b.yaml", "triage:\n  'tm:x@llm': {status: mitigated}\n")
    with pytest.raises(ModelError, match="triage for 'tm:x@llm' is given twice"):
        load_model(root)

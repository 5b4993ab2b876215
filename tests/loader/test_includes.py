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


def test_origins_name_the_file_and_index_of_every_included_item(tmp_path: Path) -> None:
    """Origins are kept as one run per included section; they answer item by item as a table
    built entry by entry would, and the root file's items are not in them."""
    root = write(
        tmp_path / "main.yaml",
        "system: {id: s, name: S}\nincludes: [a.yaml, b.yaml]\n"
        "components:\n  - {id: r1, kind: application}\n  - {id: r2, kind: application}\n",
    )
    write(tmp_path / "a.yaml", "includes: [c.yaml]\ncomponents:\n  - {id: a1, kind: llm}\n  - {id: a2, kind: tool}\n")
    write(tmp_path / "c.yaml", "components:\n  - {id: c1, kind: datastore}\ndata:\n  - {id: c-data}\n")
    write(tmp_path / "b.yaml", "components:\n  - {id: b1, kind: tool}\nflows:\n  - {source: r1, target: b1}\n")
    loaded = load_model(root)
    names = [Path(doc.path).name for doc in loaded.documents]
    where = {key: (names[doc], index) for key, (doc, index) in loaded.origins.items()}
    assert where == {
        ("components", 2): ("a.yaml", 0),
        ("components", 3): ("a.yaml", 1),
        ("components", 4): ("c.yaml", 0),
        ("components", 5): ("b.yaml", 0),
        ("data", 0): ("c.yaml", 0),
        ("flows", 0): ("b.yaml", 0),
    }
    assert len(loaded.origins) == len(where)
    for absent in (("components", 0), ("components", 1), ("components", 6), ("flows", 1), ("controls", 0)):
        assert absent not in loaded.origins
    for i in range(len(loaded.model.components)):  # each id is found where its origin says
        assert loaded.span(("components", i, "id")).path.endswith("main.yaml" if i < 2 else where[("components", i)][0])


def test_origins_refuse_runs_out_of_order() -> None:
    from threatmodel.io.load import Origins

    origins = Origins()
    origins.add_run("components", 2, 1, 3)
    origins.add_run("components", 5, 2, 0)  # an empty run is no run
    assert list(origins) == [("components", 2), ("components", 3), ("components", 4)]
    with pytest.raises(ValueError, match="in order"):
        origins.add_run("components", 4, 2, 1)
    assert origins.get(("components", 4)) == (1, 2)
    assert origins.get(("components", 5)) is None

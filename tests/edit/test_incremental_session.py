"""The editing session analyses an attribute edit from the latest analysis (decision 1864).

On every example model: editing attributes of components, flows, data assets and boundaries,
undoing and redoing, gives byte for byte the JSON a full analysis of the edited model gives, with
no full analysis made; a structural edit (a new component) is analysed in full, and the next
attribute edit is incremental again from that analysis.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

import threatmodel.edit.session as session_module
from threatmodel.edit.changes import Change, Upsert, item_document
from threatmodel.edit.session import EditSession
from threatmodel.engine import incremental
from threatmodel.engine.analysis import Analysis, analyse
from threatmodel.export.json import render_json
from threatmodel.io.load import LoadedCatalogs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
AS_OF = dt.date(2026, 12, 1)


def _json(analysis: Analysis) -> str:
    return render_json(analysis, tool_version="test")


def _edit(session: EditSession, section: str, key: str, update: dict[str, Any]) -> Change:
    current = session.element(section, key)
    return Change("edit", (Upsert(section, {**item_document(current), **update}, key),))


def _changes(session: EditSession) -> list[Change]:
    """Edits of stated facts to other stated values (stating or unstating a fact may change what
    is unknown in the model, which is analysed in full: tests/engine/test_incremental.py)."""
    model = session.model
    out: list[Change] = []
    for c in [c for c in model.components if c.exposure is not None][:4]:
        exposure = "internet" if str(c.exposure) != "internet" else "internal"
        out.append(_edit(session, "components", c.id, {"exposure": exposure}))
    for f in [f for f in model.flows if f.encrypted is not None][:2]:
        out.append(_edit(session, "flows", f.key, {"encrypted": not f.encrypted}))
    for d in [d for d in model.data if d.classification is not None][:2]:
        level = "public" if str(d.classification) != "public" else "restricted"
        out.append(_edit(session, "data", d.id, {"classification": level}))
    for b in [b for b in model.boundaries if b.trust is not None][:1]:
        out.append(
            _edit(session, "boundaries", b.id, {"trust": "partner" if str(b.trust) != "partner" else "internal"})
        )
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_attribute_edits_are_analysed_incrementally_and_give_the_full_analysis(
    path: Path, tmp_path: Path, builtin_catalogs: LoadedCatalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each example is mostly one piece, which an edit session evaluates in full; here the
    # incremental path is taken whatever the size of the part (decision 1864)
    monkeypatch.setattr(incremental, "LARGEST_SHARE", 0)
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    session = EditSession.open(copy, builtin_catalogs, AS_OF)
    _ = session.analysis
    full_runs: list[int] = []
    real = session_module.analyse

    def counted(*args: Any, **kwargs: Any) -> Analysis:
        full_runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "analyse", counted)

    def check() -> None:
        expected = analyse(session.model, builtin_catalogs.cset, as_of=AS_OF, source=session.loaded)
        assert _json(session.analysis) == _json(expected)

    changes = _changes(session)
    assert len(changes) >= 4
    for change in changes:
        session.apply(change)
        check()
    for _ in range(3):
        session.undo()
        check()
    session.redo()
    check()
    assert not full_runs, "every attribute edit, undo and redo was analysed incrementally"
    first = session.model.components[0]
    session.apply(Change("add", (Upsert("components", {**item_document(first), "id": "added-one"}),)))
    check()
    assert len(full_runs) == 1, "a new component is analysed in full"
    stated = next(c for c in session.model.components if c.exposure is not None)
    session.apply(_edit(session, "components", stated.id, {"exposure": "partner"}))
    check()
    assert len(full_runs) == 1, "and the next attribute edit is incremental again"

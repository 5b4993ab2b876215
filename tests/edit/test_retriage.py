"""Triage edits settle the findings again without matching (decision 1887).

Recording, changing or removing a triage decision cannot change which rules hold, so the editing
session applies the new decisions to the findings it already has. Each kind of triage edit, on
every example model, must give byte for byte the JSON a full analysis of the edited model gives.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from threatmodel.edit.changes import Change, SetTriage, Upsert
from threatmodel.edit.session import EditSession
from threatmodel.engine.analysis import Analysis, analyse, retriaged
from threatmodel.export.json import render_json
from threatmodel.io.load import LoadedCatalogs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
AS_OF = dt.date(2026, 12, 1)


def _json(analysis: Analysis) -> str:
    return render_json(analysis, tool_version="test")


def _open(path: Path, tmp_path: Path, catalogs: LoadedCatalogs) -> EditSession:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    return EditSession.open(copy, catalogs, AS_OF)


def _triage_edits(session: EditSession) -> list[Change]:
    """One change of each kind: accept an untriaged finding below its risk (so the risk grows), mark
    one a false positive with a review date already past, and remove every decision the file
    records (one change each)."""
    findings = session.assessment.findings
    untriaged = [f for f in findings if f.triage is None]
    changes = []
    if untriaged:
        first = untriaged[0]
        changes.append(
            Change(
                "accept",
                (
                    SetTriage(
                        first.id, {"status": "accepted", "justification": "known", "risk": max(1, first.risk - 1)}
                    ),
                ),
            )
        )
    if len(untriaged) > 1:
        changes.append(
            Change(
                "false positive, lapsed",
                (
                    SetTriage(
                        untriaged[-1].id,
                        {"status": "false-positive", "justification": "not here", "review_by": "2026-01-01"},
                    ),
                ),
            )
        )
    changes.extend(Change(f"reopen {fid}", (SetTriage(fid, None),)) for fid in sorted(session.model.triage))
    return changes


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_triage_edit_gives_what_a_full_analysis_gives(
    path: Path, tmp_path: Path, builtin_catalogs: LoadedCatalogs
) -> None:
    session = _open(path, tmp_path, builtin_catalogs)
    changes = _triage_edits(session)
    assert changes, "every example has findings or triage to edit"
    for change in changes:
        session.apply(change)
        assert session.analysed, f"{change.label}: settled on the spot, not left for a new analysis"
        full = analyse(session.model, builtin_catalogs.cset, as_of=AS_OF, source=session.loaded)
        assert _json(session.analysis) == _json(full), change.label
    # undo and redo of triage edits settle too, and land on the same bytes
    while session.can_undo:
        session.undo()
        assert session.analysed
    assert _json(session.analysis) == _json(analyse(session.model, builtin_catalogs.cset, as_of=AS_OF))
    session.redo()
    assert session.analysed
    assert _json(session.analysis) == _json(analyse(session.model, builtin_catalogs.cset, as_of=AS_OF))


def test_a_model_edit_is_analysed_again(tmp_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Any edit that is not only triage leaves the analysis to be made again from the model."""
    session = _open(REPO / "models" / "rag-support-assistant.yaml", tmp_path, builtin_catalogs)
    assert session.analysed or session.assessment is not None
    fid = session.assessment.findings[0].id
    session.apply(
        Change(
            "triage and a new tool",
            (
                SetTriage(fid, {"status": "accepted", "justification": "known"}),
                Upsert("components", {"id": "mailer", "kind": "tool", "side_effects": ["send-external"]}),
            ),
        )
    )
    assert not session.analysed


def test_retriaged_needs_the_findings_before_triage(builtin_catalogs: LoadedCatalogs) -> None:
    """An analysis that did not keep its findings before triage cannot be settled again."""
    analysis = analyse(
        EditSession.open(REPO / "models" / "rag-support-assistant.yaml", builtin_catalogs, AS_OF).model,
        builtin_catalogs.cset,
        as_of=AS_OF,
    )
    bare = Analysis(analysis.assessment, analysis.catalogs, analysis.graph, analysis.source)
    with pytest.raises(ValueError, match="before triage"):
        retriaged(bare, analysis.model)

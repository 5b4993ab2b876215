"""bench/match_bench.py times matching without changing what it finds (no timings asserted here)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from threatmodel.engine import evaluate
from threatmodel.engine.match import Matcher
from threatmodel.io.load import load_catalogs, load_model

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import match_bench  # noqa: E402

MODEL = REPO / "models" / "agent-with-tools.yaml"


def test_the_timed_evaluation_is_the_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    """The digest it prints is the plain assessment's, and ``Matcher.holding`` is itself again after."""
    plain = Matcher.holding
    match_bench.main(["--model", str(MODEL), "--rounds", "2"])
    assert Matcher.holding is plain
    catalogs = load_catalogs()
    model = load_model(MODEL, known_controls=catalogs.control_refs).model
    assessment = evaluate(model, catalogs.cset, as_of=match_bench.AS_OF)
    digest = hashlib.sha256(assessment.model_dump_json().encode()).hexdigest()[:16]
    out = capsys.readouterr().out
    assert f"json {digest}" in out
    assert "matching (holding)" in out

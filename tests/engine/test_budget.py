"""The engine's work budget: a catalog that asks for unbounded work is refused, clearly, with exit 2."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from threatmodel.cli import cli
from threatmodel.engine import match

evaluate_module = importlib.import_module("threatmodel.engine.evaluate")  # the package re-exports the function

REPO = Path(__file__).resolve().parents[2]
MODEL = str(REPO / "models" / "agent-with-tools.yaml")


@pytest.mark.parametrize(
    ("module", "name", "value", "message"),
    [
        (evaluate_module, "MAX_FINDINGS", 3, "findings (at most 3)"),
        (match, "MAX_CHECKS", 50, "more than 50 condition checks"),
        (match, "MAX_SEARCHES", 2, "more than 2 graph-wide searches"),
    ],
)
def test_past_the_budget_the_evaluation_stops_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, value: int, message: str
) -> None:
    monkeypatch.setattr(module, name, value)
    result = CliRunner().invoke(cli, ["analyze", MODEL])
    assert result.exit_code == 2, result.output
    assert "evaluation stopped" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_the_built_in_library_stays_far_inside_the_budget() -> None:
    """About 52 checks per component for the built-in rules: the budget allows about 200,000 components."""
    assert match.MAX_CHECKS // 60 >= 200_000
    assert evaluate_module.MAX_FINDINGS > 50_000 * 1.5

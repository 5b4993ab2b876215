"""Shared fixtures: the repository path, the built-in catalogs, plain terminal output.

The one evaluation date of the suite is :data:`tests.helpers.FIXED_DATE`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# CI (.ci/run) replays the same examples on every run: a red CI must be reproducible, and a new
# counterexample found by chance on a pull request would block it for a bug it did not bring.
# Local runs stay random and keep finding such bugs (two this session: U+2028 in names, a
# trailing newline in ids), each then fixed with a regression test.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def builtin_catalogs():  # type: ignore[no-untyped-def]
    """The built-in catalogs, loaded and cross-checked once per test session."""
    from threatmodel.io.load import load_catalogs

    return load_catalogs()


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain, width-stable terminal output in every test."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)

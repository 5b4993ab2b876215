"""Shared fixtures: the repository path, the built-in catalogs, plain terminal output.

The one evaluation date of the suite is :data:`tests.helpers.FIXED_DATE`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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

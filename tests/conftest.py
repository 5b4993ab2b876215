"""Shared fixtures: repository paths, the built-in catalogs, a fixed evaluation date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
FIXED_DATE = dt.date(2026, 11, 25)
"""Every test evaluates as of this day, so triage expiry never depends on the clock."""


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"upstream reference data not found at {SHARED_REFERENCE} (it sits beside the checkout)")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def builtin_catalogs():  # type: ignore[no-untyped-def]
    """The built-in catalogs, loaded and cross-checked once per test session."""
    from threatmodel.io.load import load_catalogs

    return load_catalogs()


@pytest.fixture(scope="session")
def fixed_date() -> dt.date:
    return FIXED_DATE


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain, width-stable terminal output in every test."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)

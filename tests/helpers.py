"""Helpers for tests: evaluate a model file or text with the built-in catalogs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from threatmodel.engine import evaluate
from threatmodel.io.load import LoadedCatalogs, load_model, load_model_text
from threatmodel.model.finding import Assessment

FIXED_DATE = dt.date(2026, 11, 25)
"""The one evaluation date of the test suite, so triage expiry never depends on the clock."""


def assess_file(path: Path, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Assessment:
    loaded = load_model(path, known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=as_of)


def assess_text(text: str, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Assessment:
    loaded = load_model_text(text, "model.yaml", known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=as_of)

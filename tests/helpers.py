"""Helpers for tests: evaluate a model file or text with the built-in catalogs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

from threatmodel.engine import Analysis, evaluate
from threatmodel.io.analysis import analyze, analyze_text
from threatmodel.io.load import LoadedCatalogs, load_model, load_model_text
from threatmodel.model.catalog import Catalog
from threatmodel.model.finding import Assessment
from threatmodel.model.system import component_class
from threatmodel.model.unknowns import LEGACY_DEFAULTS

FIXED_DATE = dt.date(2026, 11, 25)
"""The one evaluation date of the test suite, so triage expiry never depends on the clock."""

_REPO = Path(__file__).resolve().parents[1]
MODEL_FILES: list[Path] = sorted(
    p
    for folder in (_REPO / "models", _REPO / "tests" / "corpus", *sorted((_REPO / "tests").glob("holdout*")))
    for p in folder.glob("*.yaml")
    if not p.name.endswith(".expected.yaml")
)
"""Every model the differential engine tests compare on: the examples, the working corpus and
every held-out corpus (a new ``tests/holdoutN`` joins by being there)."""


def catalog_of(*threats: dict[str, Any]) -> Catalog:
    """A one-off test catalog ``t`` holding ``threats`` (rule tests that need no library)."""
    return Catalog.model_validate(
        {
            "id": "t",
            "title": "t",
            "version": "1",
            "published": "2026-01-01",
            "source": "https://example.org",
            "licence": "test data",
            "threats": list(threats),
        }
    )


def stated(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a model as parsed YAML) with every unknown fact stated as version 0.1 assumed it.

    For tests of other behaviour than unknowns: components get :data:`LEGACY_DEFAULTS` where they
    leave an attribute unstated, data assets their old ``internal`` classification, flows that do
    not say get ``encrypted: true``. Tests of the unknown
    semantics themselves (tests/engine/test_unknowns.py) use models as written.
    """
    out = dict(data)
    components = []
    for component in data.get("components") or []:
        fields = component_class(component["kind"]).model_fields
        filled = {k: v for k, v in LEGACY_DEFAULTS.items() if k in fields and k not in component}
        components.append({**component, **filled})
    out["components"] = components
    # data assets: only the classification (0.1 to 0.6 read an unstated one as internal, decision 1630)
    legacy_level = LEGACY_DEFAULTS["classification"]
    out["data"] = [{"classification": legacy_level, **asset} for asset in data.get("data") or []]
    out["flows"] = [{"encrypted": True, **flow} for flow in data.get("flows") or []]
    return out


def assess_file(path: Path, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Assessment:
    loaded = load_model(path, known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=as_of)


def analyse_file(path: Path, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Analysis:
    """``path`` loaded and analysed (located by its file) with ``catalogs``."""
    return analyze(path, catalogs, as_of=as_of)


def analyse_text(text: str, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Analysis:
    """Model text analysed as ``model.yaml``."""
    return analyze_text(text, "model.yaml", catalogs, as_of=as_of)


def assess_text(text: str, catalogs: LoadedCatalogs, as_of: dt.date = FIXED_DATE) -> Assessment:
    loaded = load_model_text(text, "model.yaml", known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=as_of)


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter from the repository root and return what it printed
    (start-up tests: what a new process imports and pays for)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return done.stdout

"""Golden files for every report format, for every example model and the export fixtures.

Compared byte for byte; ``UPDATE_GOLDEN=1`` rewrites them (review the diff like code). The
example models are assessed with the built-in catalogs only, so these goldens change when
catalogs/tm.yaml grows. Every golden SARIF is also validated against the official schema and
every golden STIX bundle parsed by ``stix2`` without custom content.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.export.reporting import (
    FORMATS,
    GOLDEN,
    example_models,
    fixture_models,
    load_case,
    render_case,
    sarif_errors,
)
from tests.golden import assert_golden

EXTENSIONS = {"md": "md", "html": "html", "json": "json", "sarif": "sarif", "stix": "stix.json"}

CASES = [(path, False, GOLDEN / f"{path.stem}") for path in example_models()] + [
    (path, True, GOLDEN / "fixtures" / path.stem) for path in fixture_models()
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("model", "fixture", "stem"), CASES, ids=[f"{'fixtures/' if c[1] else ''}{c[0].stem}" for c in CASES]
)
def test_report_matches_golden(model: Path, fixture: bool, stem: Path, fmt: str) -> None:
    """Each format renders exactly as reviewed, and the machine formats are valid for their consumers."""
    case = load_case(model, fixture=fixture)
    text = render_case(fmt, case)
    if fmt == "sarif":
        assert sarif_errors(text) == []
    if fmt == "stix":
        import stix2

        bundle = stix2.parse(text, allow_custom=False)
        assert len(bundle.objects) == len(json.loads(text)["objects"])
    if fmt == "json":
        assert json.loads(text)["system"]["id"] == case.assessment.model.system.id
    assert_golden(stem.with_name(f"{stem.name}.{EXTENSIONS[fmt]}"), text)


def test_example_models_exist() -> None:
    """The golden suite covers the shipped example models (a missing models/ folder would skip them silently)."""
    assert len(example_models()) >= 1

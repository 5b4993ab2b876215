"""Rules widened after the held-out corpus (issue 9, provenance and lifecycle, session 5).

``cases/<threat-id>/`` holds one positive and one near miss per threat. A rule widened with a new
clause needs its own pair that exercises the new clause alone, so each folder here,
``widened/<what-it-shows>/``, names its threat in ``expected.yaml`` (same shape as ``cases/``):
the threat must fire on the listed elements of ``positive.yaml`` and stay quiet on the listed
elements of the near miss ``negative.yaml``, which changes the one deciding fact. The fixtures are
small systems written for the clause, not copies of corpus models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import assess_file
from threatmodel.io.load import LoadedCatalogs, load_model

WIDENED_DIR = Path(__file__).parent / "widened"
CASES = sorted(p for p in WIDENED_DIR.iterdir() if p.is_dir())
CASE_IDS = [p.name for p in CASES]


def _expected(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{case.name}/expected.yaml is not a mapping"
    return data


def _fired_on(path: Path, threat: str, catalogs: LoadedCatalogs) -> set[str]:
    assessment = assess_file(path, catalogs)
    return {e for f in assessment.findings if f.threat == f"tm:{threat}" for e in f.elements}


def test_there_are_widened_cases() -> None:
    """The folder is found and holds cases (a moved folder must not pass silently)."""
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_shape(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Three files; expected.yaml names a threat of the library and elements of each fixture;
    both fixtures start with a comment line and have 2 to 8 components."""
    assert sorted(p.name for p in case.iterdir()) == ["expected.yaml", "negative.yaml", "positive.yaml"]
    expected = _expected(case)
    assert set(expected) == {"threat", "positive", "negative"}
    library = next(c for c in builtin_catalogs.catalogs if c.id == "tm")
    assert expected["threat"] in {t.id for t in library.threats}
    for name, key, listed in (("positive.yaml", "match", "positive"), ("negative.yaml", "no_match", "negative")):
        path = case / name
        assert path.read_text(encoding="utf-8").startswith("# ")
        model = load_model(path).model
        assert 2 <= len(model.components) <= 8
        ids = {c.id for c in model.components} | {f.key for f in model.flows}
        assert expected[listed][key] and set(expected[listed][key]) <= ids


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_positive_fires_on_the_listed_elements(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """The widened clause raises the threat on exactly the listed elements."""
    expected = _expected(case)
    assert _fired_on(case / "positive.yaml", expected["threat"], builtin_catalogs) == set(expected["positive"]["match"])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_near_miss_stays_quiet(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Changing the one deciding fact removes the finding."""
    expected = _expected(case)
    fired = _fired_on(case / "negative.yaml", expected["threat"], builtin_catalogs)
    assert not fired & set(expected["negative"]["no_match"])

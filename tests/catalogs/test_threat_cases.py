"""The threat library (catalogs/tm.yaml) against its fixtures in tests/catalogs/cases/.

Each folder ``cases/<threat-id>/`` holds a small ``positive.yaml`` where the threat must fire on
exactly the listed elements, a near-miss ``negative.yaml`` (the same system with the one fact that
gives the threat its footing removed or changed) where it must stay quiet, and ``expected.yaml``.
Folders are discovered, never listed by hand, so a new threat only needs a new folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import assess_file
from threatmodel.io.load import LoadedCatalogs, load_model
from threatmodel.model.catalog import Catalog, Threat

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
CASE_IDS = [p.name for p in CASES]
LIBRARY = "tm"
FIXTURE_FILES = ("positive.yaml", "negative.yaml")


def _expected(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{case.name}/expected.yaml is not a mapping"
    return data


def _library(catalogs: LoadedCatalogs) -> Catalog:
    return next(c for c in catalogs.catalogs if c.id == LIBRARY)


def _threat(catalogs: LoadedCatalogs, threat_id: str) -> Threat:
    return next(t for t in _library(catalogs).threats if t.id == threat_id)


def _fired_on(case: Path, fixture: str, catalogs: LoadedCatalogs) -> set[str]:
    threat_key = f"{LIBRARY}:{case.name}"
    assessment = assess_file(case / fixture, catalogs)
    return {e for f in assessment.findings if f.threat == threat_key for e in f.elements}


def _element_ids(path: Path) -> set[str]:
    model = load_model(path).model
    return {c.id for c in model.components} | {f.key for f in model.flows} | {model.system.id}


# ---------------------------------------------------------------------------
# One case folder at a time


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_expected_file_names_its_folder_and_lists_elements(case: Path) -> None:
    """expected.yaml names the folder's threat and lists at least one element for each fixture."""
    expected = _expected(case)
    assert set(expected) == {"threat", "positive", "negative"}
    assert expected["threat"] == case.name
    assert set(expected["positive"]) == {"match"} and expected["positive"]["match"]
    assert set(expected["negative"]) == {"no_match"} and expected["negative"]["no_match"]
    assert set(expected["positive"]["match"]) <= _element_ids(case / "positive.yaml")
    assert set(expected["negative"]["no_match"]) <= _element_ids(case / "negative.yaml")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fixtures_are_small_commented_models(case: Path) -> None:
    """Both fixtures start with a '# ' line saying what they show and have 2 to 8 components."""
    for name in FIXTURE_FILES:
        path = case / name
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, f"{case.name}/{name} lacks a comment line"
        count = len(load_model(path).model.components)
        assert 2 <= count <= 8, f"{case.name}/{name} has {count} components"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_positive_fires_exactly_on_the_expected_elements(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """The threat is raised on every element listed under positive.match and on nothing else."""
    expected = set(_expected(case)["positive"]["match"])
    assert _fired_on(case, "positive.yaml", builtin_catalogs) == expected


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_negative_near_miss_stays_quiet(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """The threat is not raised on the elements listed under negative.no_match."""
    quiet = set(_expected(case)["negative"]["no_match"])
    assert not _fired_on(case, "negative.yaml", builtin_catalogs) & quiet


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_positive_findings_read_well(case: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Findings of the case have a filled scenario, reasons, and a path that starts at the named source."""
    threat_key = f"{LIBRARY}:{case.name}"
    assessment = assess_file(case / "positive.yaml", builtin_catalogs)
    findings = [f for f in assessment.findings if f.threat == threat_key]
    assert findings
    for finding in findings:
        assert not re.search(r"\{[a-z]+\}", finding.scenario), finding.scenario
        assert finding.why
        if finding.path:
            assert len(finding.path) <= len(assessment.model.components) + 1
            assert len(set(finding.path)) >= len(finding.path) - 1, f"path loops: {finding.path}"


# ---------------------------------------------------------------------------
# The library as a whole


def test_every_threat_has_a_case_and_every_case_names_a_threat(builtin_catalogs: LoadedCatalogs) -> None:
    """Threat ids in tm.yaml and case folders match one to one."""
    threats = {t.id for t in _library(builtin_catalogs).threats}
    assert threats == set(CASE_IDS)


def test_case_folders_hold_exactly_the_three_files() -> None:
    """Each case folder contains positive.yaml, negative.yaml and expected.yaml, nothing else."""
    for case in CASES:
        assert sorted(p.name for p in case.iterdir()) == ["expected.yaml", "negative.yaml", "positive.yaml"]


@pytest.mark.parametrize(
    ("catalog", "selects"),
    [
        ("owasp-ml", lambda e: True),
        ("owasp-llm", lambda e: True),
        ("owasp-agentic", lambda e: e.id.startswith("ASI")),
        ("cosai", lambda e: e.type == "risk"),
    ],
    ids=["owasp-ml", "owasp-llm", "owasp-agentic-asi", "cosai-risks"],
)
def test_every_reference_entry_is_covered_by_a_tested_threat(
    catalog: str, selects: Any, builtin_catalogs: LoadedCatalogs
) -> None:
    """Every OWASP ML/LLM item, Agentic ASI item and CoSAI risk is referenced by a threat with a case."""
    reference = next(c for c in builtin_catalogs.catalogs if c.id == catalog)
    wanted = {f"{catalog}:{e.id}" for e in reference.entries if selects(e)}
    assert wanted, f"{catalog} has no entries to cover"
    tested = {t.id for t in _library(builtin_catalogs).threats} & set(CASE_IDS)
    covered = {ref for t in _library(builtin_catalogs).threats if t.id in tested for ref in t.refs}
    assert sorted(wanted - covered) == []


def test_threats_name_two_to_five_cosai_controls(builtin_catalogs: LoadedCatalogs) -> None:
    """Each threat proposes between two and five CoSAI controls (ATLAS mitigations come on top)."""
    for threat in _library(builtin_catalogs).threats:
        cosai = [c for c in threat.controls if c.startswith("cosai:")]
        assert 2 <= len(cosai) <= 5, f"{threat.id} names {len(cosai)} CoSAI controls"


def test_threats_reference_entries_not_stride(builtin_catalogs: LoadedCatalogs) -> None:
    """Refs point into the reference catalogs; STRIDE comes from `stride:` and is never listed twice."""
    for threat in _library(builtin_catalogs).threats:
        assert threat.refs, f"{threat.id} has no refs"
        assert threat.stride, f"{threat.id} has no STRIDE category"
        assert not [r for r in threat.refs if r.startswith("stride:")], threat.id
        assert len(set(threat.refs)) == len(threat.refs), f"{threat.id} repeats a ref"


def test_threat_ids_are_lower_kebab_slugs(builtin_catalogs: LoadedCatalogs) -> None:
    """Threat ids are stable lower-kebab slugs, so finding ids stay readable."""
    for threat in _library(builtin_catalogs).threats:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", threat.id), threat.id


def test_summaries_are_short(builtin_catalogs: LoadedCatalogs) -> None:
    """Summaries are one to three sentences."""
    for threat in _library(builtin_catalogs).threats:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", threat.summary.strip()) if s]
        assert 1 <= len(sentences) <= 3, f"{threat.id}: {len(sentences)} sentences"

"""The evaluation corpus (tests/corpus) and its quality benchmark (bench/quality.py) stay usable.

Every corpus model validates, every expectation names an element of its model and a threat or
catalog entry that exists in catalogs/, and the harness runs end to end on the corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from threatmodel.io.load import load_catalogs, load_model

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import quality  # noqa: E402

EXPECTED = quality.expectation_files()


def test_corpus_has_at_least_twelve_systems() -> None:
    assert len(EXPECTED) >= 12
    models = {p.name for p in quality.CORPUS.glob("*.yaml")} - {p.name for p in EXPECTED}
    assert {quality.load_expectations(p)[0] for p in EXPECTED} == models


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.yaml"))
def test_expectations_name_real_elements_and_threats(expected_path: Path) -> None:
    cats = load_catalogs()
    model_file, positives, negatives = quality.load_expectations(expected_path)
    # load_model raises on any schema or reference error, so loading is validation
    loaded = load_model(expected_path.parent / model_file, known_controls=cats.control_refs)
    model = loaded.model
    elements = {c.id for c in model.components} | {f.key for f in model.flows} | {model.system.id}
    threats = {f"{c.id}:{t.id}" for c in cats.catalogs for t in c.threats}
    entries = {f"{c.id}:{e.id}" for c in cats.catalogs for e in c.entries}
    assert positives and negatives
    for exp in positives + negatives:
        assert exp.element in elements, f"{expected_path.name}: unknown element {exp.element}"
        assert exp.gap in quality.GAPS, f"{expected_path.name}: unknown gap {exp.gap}"
        assert exp.reason.strip(), f"{expected_path.name}: {exp.expect}@{exp.element} has no reason"
        if exp.expect.startswith("tm:"):
            assert exp.expect in threats, f"{expected_path.name}: unknown threat {exp.expect}"
        else:
            assert quality.ref_matches(exp.expect, entries), f"{expected_path.name}: unknown ref {exp.expect}"
    pairs = [(e.expect, e.element) for e in positives + negatives]
    assert len(pairs) == len(set(pairs)), f"{expected_path.name}: a pair is both expected and forbidden, or repeated"


def test_ref_matching_is_version_agnostic_but_exact_on_ids() -> None:
    assert quality.ref_matches("owasp-llm:LLM03", ["owasp-llm:LLM03:2025"])
    assert quality.ref_matches("atlas:AML.T0024", ["atlas:AML.T0024.001"])
    assert not quality.ref_matches("atlas:AML.T0024", ["atlas:AML.T00240"])
    assert not quality.ref_matches("owasp-llm:LLM0", ["owasp-llm:LLM03:2025"])


def test_harness_runs_and_reports_consistent_figures(capsys: pytest.CaptureFixture[str]) -> None:
    report = quality.run()
    total = report["total"]
    assert total["models"] == len(EXPECTED)
    assert total["positives"] == sum(m["positives"] for m in report["models"])
    assert total["raised"] == total["positives"] - sum(len(m["misses"]) for m in report["models"])
    assert sum(total["misses_by_gap"].values()) == total["positives"] - total["raised"]
    assert report["example_findings"]["total"] > 0
    assert quality.main(["--json"]) == 0
    assert '"recall_pct"' in capsys.readouterr().out
    assert quality.main([]) == 0
    assert "TOTAL" in capsys.readouterr().out

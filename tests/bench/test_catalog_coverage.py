"""bench/catalog_coverage.py reads which catalog entries the threat library carries (decision 1710).

The tables in docs/coverage-catalogs.md are generated, so they must match the library, and every
entry no threat carries must have a judgement; the derivation itself is checked on known entries.
"""

from __future__ import annotations

import sys
from pathlib import Path

from threatmodel.io.load import load_catalogs

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import catalog_coverage  # noqa: E402


def test_the_doc_is_current_and_every_uncovered_entry_is_judged() -> None:
    """docs/coverage-catalogs.md holds today's tables and no entry is left unjudged (run --write)."""
    assert catalog_coverage.problems(load_catalogs()) == []
    assert catalog_coverage.main(["--check"]) == 0


def test_refs_variant_refs_and_stride_count_as_carrying() -> None:
    """A threat's refs, its variants' refs and its STRIDE categories all carry an entry."""
    cats = load_catalogs()
    tm = next(c for c in cats.catalogs if c.id == "tm")
    carried = catalog_coverage.carriers(tm)
    assert "direct-prompt-injection" in [t.id for t in carried["owasp-llm:LLM01:2025"]]
    # unprotected-sensitive-flow carries AML.T0055 only in its credentials variant
    assert "unprotected-sensitive-flow" in [t.id for t in carried["atlas:AML.T0055"]]
    assert "direct-prompt-injection" in [t.id for t in carried["stride:tampering"]]


def test_tactics_and_components_are_not_entries() -> None:
    """ATLAS tactics, CoSAI components and AI Exchange controls are not things a finding realises."""
    listed = {f"{cid}:{e.id}" for cid, e in catalog_coverage.entries(load_catalogs())}
    assert "atlas:AML.T0051" in listed
    assert "atlas:AML.TA0002" not in listed
    assert "cosai:riskPromptInjection" in listed
    assert not any(ref.startswith("cosai:component") for ref in listed)


def test_a_parent_technique_is_covered_through_its_sub_techniques() -> None:
    """AML.T0051 is carried directly; a parent carried by no threat but whose sub-technique is gets
    a "covered by ... (through its sub-techniques)" judgement naming the sub-technique's threats."""
    cats = load_catalogs()
    tm = next(c for c in cats.catalogs if c.id == "tm")
    carried = catalog_coverage.carriers(tm)
    listed = catalog_coverage.entries(cats)
    all_refs = {f"{cid}:{e.id}": e for cid, e in listed}
    parent = next(e for cid, e in listed if cid == "atlas" and e.id == "AML.T0051")
    without = {r: ts for r, ts in carried.items() if r != "atlas:AML.T0051"}
    threats, judgement = catalog_coverage.judge("atlas", parent, without, all_refs)
    assert threats == []
    assert judgement.startswith("covered by ") and judgement.endswith("(through its sub-techniques)")
    assert "direct-prompt-injection" in judgement


def test_covering_reads_the_threats_a_judgement_names() -> None:
    assert catalog_coverage.covering("covered by a-b, c-d and e-f (why, and more)") == ["a-b", "c-d", "e-f"]
    assert catalog_coverage.covering("covered by its sub-techniques' threats") == []
    assert catalog_coverage.covering("out of scope for a system model: reasons") == []

"""The reference catalogs in ``catalogs/`` (everything but the ``tm*`` threat rules).

They must be valid, self-contained, cross-referenced consistently, and written in our
own words: summaries may not reuse upstream prose.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from threatmodel.engine.catalogs import check_catalogs
from threatmodel.model.catalog import Catalog, Control, Entry, Stride

REPO = Path(__file__).resolve().parents[2]
CATALOG_DIR = REPO / "catalogs"
PROSE_RUNS = REPO / "tests" / "data" / "reference" / "prose-runs.txt"
SCRIPTS = REPO / "scripts"

REFERENCE_FILES = sorted(p for p in CATALOG_DIR.glob("*.yaml") if not p.name.startswith("tm"))
EXPECTED_IDS = {"atlas", "cosai", "owasp-agentic", "owasp-ai-exchange", "owasp-llm", "owasp-ml", "stride"}
OUR_WORDS = ("cosai", "owasp-agentic", "owasp-ai-exchange", "owasp-llm", "owasp-ml", "stride")
"""Catalogs whose every entry and control carries a summary written for threatmodel."""
RUN = 8
"""Length of a run of consecutive words that counts as copied text."""


def _vendor() -> ModuleType:
    """``scripts/vendor_reference.py`` as a module."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module("vendor_reference")


@cache
def load(path: Path) -> Catalog:
    with path.open(encoding="utf-8") as handle:
        return Catalog.model_validate(yaml.safe_load(handle))


@cache
def catalogs() -> dict[str, Catalog]:
    return {c.id: c for c in (load(p) for p in REFERENCE_FILES)}


def items(cat: Catalog) -> list[Entry | Control]:
    """Entries and controls of a catalog, in file order."""
    return [*cat.entries, *cat.controls]


def summaries() -> Iterator[tuple[str, str]]:
    """``(catalog:id, summary)`` of every entry and control of the reference catalogs."""
    for cat in catalogs().values():
        for item in items(cat):
            yield f"{cat.id}:{item.id}", item.summary


def test_the_expected_catalogs_are_present() -> None:
    assert set(catalogs()) == EXPECTED_IDS
    assert {p.stem for p in REFERENCE_FILES} == EXPECTED_IDS


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.name)
def test_file_validates_and_has_a_provenance_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert text.startswith("# "), "a catalog file starts with a comment header"
    assert any("licence" in line.lower() for line in header), "the header names the upstream licence"
    assert any("https://" in line for line in header), "the header names the upstream source"
    catalog = load(path)
    assert catalog.id == path.stem
    assert catalog.schema_version == 1
    assert "used as facts with attribution" in catalog.licence
    assert catalog.description


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.name)
def test_ids_are_unique(path: Path) -> None:
    catalog = load(path)
    ids = [e.id for e in catalog.entries] + [c.id for c in catalog.controls]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    assert not catalog.threats, "reference catalogs hold no threat rules"


def test_counts() -> None:
    cats = catalogs()
    cosai = Counter(e.type for e in cats["cosai"].entries)
    assert cosai == {"risk": 36, "component": 23, "persona": 10}
    assert len(cats["cosai"].controls) == 35
    assert Counter(e.type for e in cats["owasp-ml"].entries) == {"item": 10}
    assert Counter(e.type for e in cats["owasp-llm"].entries) == {"item": 10}
    assert Counter(e.type for e in cats["owasp-agentic"].entries) == {"item": 10, "threat": 17}
    assert len(cats["stride"].entries) == 6
    assert Counter(e.type for e in cats["owasp-ai-exchange"].entries) == {"category": 9, "threat": 25, "control": 55}
    atlas = Counter(e.type for e in cats["atlas"].entries)
    assert atlas == {"tactic": 16, "technique": 170}
    assert len(cats["atlas"].controls) == 35


def test_id_schemes() -> None:
    cats = catalogs()
    assert [e.id for e in cats["owasp-llm"].entries] == [f"LLM{n:02d}:2025" for n in range(1, 11)]
    assert [e.id for e in cats["owasp-ml"].entries] == [f"ML{n:02d}:2023" for n in range(1, 11)]
    agentic = [e.id for e in cats["owasp-agentic"].entries]
    assert agentic == [f"ASI{n:02d}" for n in range(1, 11)] + [f"T{n}" for n in range(1, 18)]
    assert [e.id for e in cats["stride"].entries] == [s.value for s in Stride]
    assert all(e.type == "threat" for e in cats["owasp-agentic"].entries if e.id.startswith("T"))
    subs = [e for e in cats["atlas"].entries if e.parent is not None]
    assert len(subs) == 69
    assert all(e.id.startswith(f"{e.parent}.") for e in subs)


def test_urls_follow_the_documented_schemes() -> None:
    cats = catalogs()
    for entry in cats["atlas"].entries:
        kind = "tactics" if entry.type == "tactic" else "techniques"
        assert entry.url == f"https://atlas.mitre.org/{kind}/{entry.id}"
    for control in cats["atlas"].controls:
        assert control.url == f"https://atlas.mitre.org/mitigations/{control.id}"
    for entry in cats["owasp-llm"].entries:
        assert entry.url is not None
        assert entry.url.startswith("https://genai.owasp.org/llmrisk/llm")
        assert entry.url.endswith("/")
    for entry in cats["owasp-ml"].entries:
        assert entry.url is not None
        assert entry.url.startswith(
            f"https://owasp.org/www-project-machine-learning-security-top-10/docs/{entry.id.replace(':', '_')}-"
        )
    base = "https://github.com/cosai-oasis/secure-ai-tooling/blob/main/risk-map/tables/"
    for item in items(cats["cosai"]):
        assert item.url is not None
        assert item.url.startswith(base)
        assert item.url.endswith(f"#{item.id}")


def test_check_catalogs_finds_no_issue() -> None:
    """The engine's own cross-catalog check: refs resolve, ids are unique, version pins hold."""
    assert check_catalogs(list(catalogs().values())) == []


def test_every_ref_resolves_and_is_pinned() -> None:
    """The same property, checked independently of the engine."""
    cats = catalogs()
    known = {f"{c.id}:{item.id}" for c in cats.values() for item in items(c)}
    for cat in cats.values():
        for item in items(cat):
            for ref in item.refs:
                assert ref in known, f"{cat.id}:{item.id} refers to unknown {ref}"
                target = ref.partition(":")[0]
                if target != cat.id:
                    assert cat.requires.get(target) == cats[target].version, (
                        f"{cat.id} refers into {target} without pinning its version"
                    )


def test_atlas_technique_refs_name_tactics() -> None:
    atlas = catalogs()["atlas"]
    tactics = {f"atlas:{e.id}" for e in atlas.entries if e.type == "tactic"}
    techniques = {f"atlas:{e.id}" for e in atlas.entries if e.type == "technique"}
    for entry in atlas.entries:
        if entry.type == "technique":
            assert entry.refs
            assert set(entry.refs) <= tactics
            assert f"atlas:{entry.category}" == entry.refs[0]
    for control in atlas.controls:
        assert control.refs
        assert set(control.refs) <= techniques


def test_cosai_refs_point_where_expected() -> None:
    cosai = catalogs()["cosai"]
    risk_ids = {e.id for e in cosai.entries if e.type == "risk"}
    for entry in cosai.entries:
        prefixes = {r.partition(":")[0] for r in entry.refs}
        assert prefixes <= {"atlas", "owasp-llm", "stride"}
    for control in cosai.controls:
        for ref in control.refs:
            target, _, item = ref.partition(":")
            assert target in {"cosai", "atlas", "owasp-llm"}
            if target == "cosai":
                assert item in risk_ids
            if target == "atlas":
                assert item.startswith("AML.M")


def test_controls_carry_our_classification() -> None:
    for control in catalogs()["cosai"].controls:
        assert 1 <= len(control.nist_csf) <= 2, control.id
        assert 1 <= len(control.practices) <= 3, control.id
        assert len(set(control.practices)) == len(control.practices)


@pytest.mark.parametrize("catalog_id", OUR_WORDS)
def test_every_entry_has_a_short_summary(catalog_id: str) -> None:
    cat = catalogs()[catalog_id]
    for item in items(cat):
        text = item.summary.strip()
        assert text, f"{catalog_id}:{item.id} has no summary"
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
        assert 1 <= len(sentences) <= 3, f"{catalog_id}:{item.id}: keep summaries to 1-3 sentences"
        assert len(text) <= 500, f"{catalog_id}:{item.id}: summary too long"


def test_atlas_carries_no_upstream_descriptions() -> None:
    atlas = catalogs()["atlas"]
    assert all(item.summary == "" for item in items(atlas))


# ---------------------------------------------------------------------------
# Our words, not theirs


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _digests(text: str) -> set[str]:
    """Digests of the runs of ``text``, as ``scripts/vendor_reference.py`` writes them for upstream prose."""
    return {hashlib.blake2b(" ".join(run).encode(), digest_size=8).hexdigest() for run in _runs(text)}


def _upstream_digests() -> set[str]:
    lines = PROSE_RUNS.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_the_copy_check_detects_copies() -> None:
    upstream = "Altering data sources used to train the model in many different and interesting ways."
    ours = "We say: altering data sources used to train the model in many ways."
    assert _digests(upstream) & _digests(ours)
    assert not _digests(upstream) & _digests("Poisoned records change what the model learns.")


def test_the_vendored_digests_match_the_normalisation() -> None:
    """The test and the vendoring script cut and hash runs the same way.

    Guards against the two drifting apart (another run length, another digest size), which
    would make the copy check silently pass everything.
    """
    vendor = _vendor()
    assert vendor.RUN == RUN
    assert vendor.run_digest(("a", "b", "c", "d", "e", "f", "g", "h")) == next(iter(_digests("a b c d e f g h")))


def test_summaries_are_not_copied_from_upstream() -> None:
    upstream = _upstream_digests()
    assert len(upstream) > 10_000, "the upstream prose digests were not read"
    texts = list(summaries())
    for cat in catalogs().values():
        texts.append((f"{cat.id} (description)", cat.description))
    copied = {key: sorted(_digests(text) & upstream)[:3] for key, text in texts}
    copied = {key: runs for key, runs in copied.items() if runs}
    assert not copied, f"summaries share {RUN}-word runs with upstream prose (digests): {copied}"

"""`threatmodel import cyclonedx|threagile|threat-dragon`: golden drafts that validate, notes on
stderr, never overwriting, never inventing, and hostile input refused with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.golden import assert_golden
from threatmodel.cli import cli
from threatmodel.io.interop.common import IdAllocator, fits_slug, slugify

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = REPO / "tests" / "golden" / "import"

CASES = [
    ("threagile", "threagile-claims-assistant.yaml"),
    ("threat-dragon", "threat-dragon-triage-bot.json"),
    ("cyclonedx", "cyclonedx-document-summariser.cdx.json"),
]


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(("source", "fixture"), CASES, ids=[c[0] for c in CASES])
def test_draft_matches_golden_and_validates(source: str, fixture: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(DATA)
    out = tmp_path / "model.yaml"
    result = run("import", source, fixture, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    stem = fixture.split(".")[0]
    assert_golden(GOLDEN / f"{stem}.yaml", out.read_text())
    assert_golden(GOLDEN / f"{stem}.notes.txt", result.stderr.replace(str(out), "OUT"))
    checked = run("validate", str(out))
    assert checked.exit_code == 0, checked.output


def draft(source: str, path: Path, tmp_path: Path) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = tmp_path / "draft.yaml"
    result = run("import", source, str(path), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(out.read_text()), result.stderr


def test_threagile_keeps_valid_ids_and_slugs_the_rest(tmp_path: Path) -> None:
    model, notes = draft("threagile", DATA / "threagile-claims-assistant.yaml", tmp_path)
    ids = {c["id"] for c in model["components"]}
    assert {"claims-web", "policy-index", "nightly-loader", "adjuster"} <= ids  # kept as written
    assert "llm-api" in ids  # "LLM API" is not a valid id: slugged
    assert {a["id"] for a in model["data"]} == {"claim-notes", "policy-wording", "model-answer"}
    by_id = {c["id"]: c for c in model["components"]}
    assert by_id["nightly-loader"]["boundary"] == "batch-zone"  # the innermost boundary wins
    assert {b["id"]: b.get("parent") for b in model["boundaries"]}["batch-zone"] == "claims-net"
    assert "target 'policy-indx' is not a technical asset" in notes
    assert all("trust" in b for b in model["boundaries"])
    assert "authentication 'token' has no exact counterpart" in notes
    retrieve = next(f for f in model["flows"] if f["id"] == "claims-web-retrieve-passages")
    assert "authentication" not in retrieve  # token: not stated precisely, so not invented


def test_threat_dragon_geometry_and_collisions(tmp_path: Path) -> None:
    model, notes = draft("threat-dragon", DATA / "threat-dragon-triage-bot.json", tmp_path)
    by_id = {c["id"]: c for c in model["components"]}
    assert by_id["ticket-system"]["kind"] == "application" and by_id["ticket-system-2"]["kind"] == "datastore"
    assert by_id["ticket-system"]["boundary"] == "ticketing-zone"
    assert "boundary" not in by_id["employee"]
    assert {b["id"]: b.get("parent") for b in model["boundaries"]}["ticketing-zone"] == "corporate-network"
    assert ("triage-bot", "employee") in {(f["source"], f["target"]) for f in model["flows"]}  # bidirectional
    assert "1 Threat Dragon threat(s) not imported" in notes
    assert "boundary curve" in notes


def test_cyclonedx_states_only_what_the_bom_says(tmp_path: Path) -> None:
    model, notes = draft("cyclonedx", DATA / "cyclonedx-document-summariser.cdx.json", tmp_path)
    by_id = {c["id"]: c for c in model["components"]}
    summariser = by_id["summariser-llm"]
    assert summariser["kind"] == "ml-model"
    assert "owner" not in summariser  # the BOM names authors, not an owner
    assert summariser["trained_on"] == ["contracts-corpus"]
    assert summariser["task"] == "Summarise supplier contracts for the legal team"
    for unstated in ("provenance", "exposure", "authentication", "hosting", "weights_format", "boundary"):
        assert unstated not in summariser
    assert "authentication" not in by_id["ocr-service"]  # authenticated: true, method unknown
    assert by_id["public-search"]["authentication"] == "none"  # authenticated: false is a fact
    assert "a 'library' is software inside a component" in notes
    assert "drafted as ml-model" in notes


def test_roundtrip_of_our_own_bom_keeps_ids_kinds_and_flows(tmp_path: Path) -> None:
    bom = tmp_path / "bom.cdx.json"
    model_path = REPO / "models" / "agent-with-tools.yaml"
    assert run("report", str(model_path), "-f", "cyclonedx", "-o", str(bom)).exit_code == 0
    drafted, _ = draft("cyclonedx", bom, tmp_path)
    original = yaml.safe_load(model_path.read_text())
    expected = {(c["id"], c["kind"]) for c in original["components"] if c["kind"] != "human-user"}
    assert {(c["id"], c["kind"]) for c in drafted["components"]} == expected
    assert {a["id"] for a in drafted["data"]} == {a["id"] for a in original["data"]}
    pairs = {(f["source"], f["target"]) for f in original["flows"]}
    ids = {c for c, _ in expected}
    assert {p for p in pairs if set(p) <= ids} <= {(f["source"], f["target"]) for f in drafted["flows"]}


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    out.write_text("mine\n")
    result = run("import", "threagile", str(DATA / "threagile-claims-assistant.yaml"), "-o", str(out))
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert out.read_text() == "mine\n"


@pytest.mark.parametrize(
    ("source", "content", "message"),
    [
        ("cyclonedx", '{"bomFormat": "CycloneDX",\n "components": [}', "bad.json:2:17: error: not valid JSON"),
        ("cyclonedx", '{"bomFormat": "SPDX"}', "not a CycloneDX BOM"),
        ("cyclonedx", "[" * 100_000 + "]" * 100_000, "nests"),
        ("cyclonedx", '{"bomFormat": "CycloneDX", "components": ' + "[" * 200 + "]" * 200 + "}", "nests deeper"),
        ("threat-dragon", '{"summary": {}}', "not a Threat Dragon v2 model"),
        ("threat-dragon", "\xff", "not valid JSON"),
        ("threagile", "title: x\n", "not a Threagile model"),
        ("threagile", "a: &a [*a]\n", "bad.json"),
        ("threagile", "technical_assets: {x: {communication_links: 3}}\n", ""),
        (
            "threagile",
            "technical_assets: {x: {id: x}}\ntrust_boundaries:\n  A: {id: a, trust_boundaries_nested: [b]}\n"
            "  B: {id: b, trust_boundaries_nested: [a]}\n",
            "",
        ),
    ],
)
def test_hostile_input_is_exit_2_without_traceback(source: str, content: str, message: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = run("import", source, str(bad), "-o", str(out))
    if not message:  # odd shapes (a link list that is a number, a nesting cycle) are noted, not fatal
        assert result.exit_code == 0, result.stderr
        assert "skipped" in result.stderr or "cycle" in result.stderr
        assert run("validate", str(out)).exit_code == 0
        return
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in result.stderr
    assert not out.exists()


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    result = run("import", "cyclonedx", str(big), "-o", str(tmp_path / "o.yaml"))
    assert result.exit_code == 2 and "the limit is" in result.stderr


@given(st.text(max_size=120))
def test_slugify_always_gives_a_valid_id(value: str) -> None:
    assert fits_slug(slugify(value, "component"))


@given(st.lists(st.text(max_size=70), max_size=30))
def test_allocator_ids_are_unique_and_valid(originals: list[str]) -> None:
    ids = IdAllocator()
    taken = [ids.take(o, "component") for o in sorted(originals)]
    assert len(set(taken)) == len(taken)
    assert all(fits_slug(t) for t in taken)
    again = IdAllocator()
    assert [again.take(o, "component") for o in sorted(originals)] == taken


def test_a_trailing_newline_is_not_an_id() -> None:
    """Python's "$" matches before a final newline: "a\\n" passed as an id (hypothesis, session 14)."""
    assert not fits_slug("a\n")
    ids = IdAllocator()
    assert [ids.take(o, "component") for o in ("a\n", "a\n")] == ["a", "a-2"]

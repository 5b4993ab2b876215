"""The OWASP AI Exchange catalog: its generator on a vendored excerpt (no ../shared needed), the
committed file against the overlay, and our threats' refs into it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
EXCERPT = REPO / "tests" / "data" / "ai-exchange-excerpt.md"
REFERENCE = REPO.parent / "shared" / "reference"


def generator():  # type: ignore[no-untyped-def]
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module("import_ai_exchange")


SUMMARIES = {
    "promptinjection": "group summary",
    "directpromptinjection": "threat summary",
    "agentescape": "agent summary",
    "oversight": "control summary",
    "agentsandboxing": "sandbox summary",
}


def test_generator_reads_threats_groups_and_controls_from_the_tables() -> None:
    text = generator().build_from(EXCERPT.read_text(encoding="utf-8"), {"summaries": SUMMARIES})
    doc = yaml.safe_load(text)
    entries = {e["id"]: e for e in doc["entries"]}
    assert list(entries) == ["promptinjection", "directpromptinjection", "agentescape", "oversight", "agentsandboxing"]
    assert entries["promptinjection"]["type"] == "category"
    assert entries["directpromptinjection"] == {
        "id": "directpromptinjection",
        "title": "Direct prompt injection",
        "type": "threat",
        "summary": "threat summary",
        "url": "https://owaspai.org/go/directpromptinjection/",
        "category": "2.2.1 Prompt injection",
    }
    assert entries["agentescape"]["category"] == "4.8"  # its group is not in the excerpt
    assert entries["oversight"]["title"] == "OVERSIGHT" and entries["oversight"]["type"] == "control"
    assert entries["agentsandboxing"]["title"] == "Agent sandboxing and isolation"
    assert text == generator().build_from(EXCERPT.read_text(encoding="utf-8"), {"summaries": SUMMARIES})


@pytest.mark.parametrize("change", ["missing", "extra"])
def test_generator_refuses_an_overlay_that_does_not_match(change: str) -> None:
    summaries = dict(SUMMARIES)
    if change == "missing":
        del summaries["oversight"]
    else:
        summaries["retiredthreat"] = "gone upstream"
    with pytest.raises(ValueError, match="retiredthreat" if change == "extra" else "oversight"):
        generator().build_from(EXCERPT.read_text(encoding="utf-8"), {"summaries": summaries})


def test_committed_catalog_matches_the_overlay() -> None:
    """Every summary in the committed catalog is the overlay's, for exactly the overlay's ids."""
    catalog = yaml.safe_load((REPO / "catalogs" / "owasp-ai-exchange.yaml").read_text(encoding="utf-8"))
    overlay = yaml.safe_load((REPO / "catalogs" / "src" / "owasp-ai-exchange-overlay.yaml").read_text(encoding="utf-8"))
    assert {e["id"]: e["summary"] for e in catalog["entries"]} == overlay["summaries"]
    assert all(e["url"] == f"https://owaspai.org/go/{e['id']}/" for e in catalog["entries"])


def test_our_threats_refer_to_ai_exchange_threats() -> None:
    tm = yaml.safe_load((REPO / "catalogs" / "tm.yaml").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((REPO / "catalogs" / "owasp-ai-exchange.yaml").read_text(encoding="utf-8"))
    kinds = {e["id"]: e["type"] for e in catalog["entries"]}
    refs = {
        t["id"]: [r.split(":", 1)[1] for r in t.get("refs", []) if r.startswith("owasp-ai-exchange:")]
        for t in tm["threats"]
    }
    assert refs["direct-prompt-injection"] == ["directpromptinjection"]
    assert refs["backdoored-open-weights"] == ["supplymodelpoison"]
    mapped = [r for rs in refs.values() for r in rs]
    assert len([t for t, rs in refs.items() if rs]) >= 40
    assert all(kinds[r] in ("threat", "category") for r in mapped)  # never a control


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"upstream reference data not found at {REFERENCE}")
def test_committed_file_is_up_to_date_with_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "import_ai_exchange.py"), "--check", "--reference", str(REFERENCE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generator_maps_controls_to_the_controls_we_propose() -> None:
    """``maps_to`` becomes refs on the AI Exchange control entry; a mapped id that is not an AI
    Exchange control is refused, so a renamed upstream control cannot keep a stale mapping."""
    excerpt = EXCERPT.read_text(encoding="utf-8")
    text = generator().build_from(excerpt, {"summaries": SUMMARIES, "maps_to": {"oversight": ["atlas:AML.M0029"]}})
    entry = next(e for e in yaml.safe_load(text)["entries"] if e["id"] == "oversight")
    assert entry["refs"] == ["atlas:AML.M0029"]
    with pytest.raises(ValueError, match="not AI Exchange controls"):
        generator().build_from(excerpt, {"summaries": SUMMARIES, "maps_to": {"nosuchcontrol": ["atlas:AML.M0029"]}})


def test_reports_name_the_ai_exchange_control_beside_the_proposed_one() -> None:
    """The control plan of the Markdown and HTML reports names each proposed control's AI Exchange
    counterparts (reverse refs), and only controls, not threats."""
    import datetime as dt

    from threatmodel.export.review import exchange_controls
    from threatmodel.io.analysis import analyze
    from threatmodel.io.load import load_catalogs
    from threatmodel.render import Options, render

    cats = load_catalogs()
    assert [x.ref for x in exchange_controls(cats.cset, "atlas:AML.M0030")] == ["owasp-ai-exchange:inputsegregation"]
    assert exchange_controls(cats.cset, "owasp-llm:LLM01:2025") == ()
    analysis = analyze(REPO / "models" / "rag-support-assistant.yaml", cats, as_of=dt.date(2026, 12, 1))
    plan = render("md", analysis, Options(tool_version="t")).text.split("## Control plan", 1)[1].split("\n## ", 1)[0]
    for proposal in analysis.assessment.proposals:
        for x in exchange_controls(cats.cset, proposal.control):
            assert f"AI Exchange: [{x.item}]({x.url})" in plan
    assert "AI Exchange: [" in plan

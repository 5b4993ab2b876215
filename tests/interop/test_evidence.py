"""Test evidence on triage decisions: validated where the model states it, shown in the Markdown,
HTML and JSON reports, and kept by the TUI's triage form (docs/redteam.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import analyse_text
from threatmodel.cli import cli
from threatmodel.export.html import render_html
from threatmodel.export.json import render_json
from threatmodel.export.markdown import render_markdown
from threatmodel.io.load import load_catalogs
from threatmodel.model.vocab import EvidenceOutcome
from threatmodel.tui import forms

REPO = Path(__file__).resolve().parents[2]
BASE = (REPO / "models" / "rag-support-assistant.yaml").read_text(encoding="utf-8")
FINDING = "tm:direct-prompt-injection@chat-llm"

EVIDENCE = f"""\
  "{FINDING}":
    status: mitigated
    justification: Injection filter and output guardrail deployed; the red team plan passes.
    evidence:
      - tool: garak
        run_id: nightly-2026-11-20
        date: 2026-11-20
        outcome: passed
        url: https://ci.example.org/garak/nightly-2026-11-20
      - tool: promptfoo
        run_id: eval-<b>x</b>
        date: 2026-10-02
        outcome: failed
"""


def with_triage(extra: str) -> str:
    assert BASE.rstrip().splitlines()[-1].startswith(" "), "the model's triage section is its last"
    assert "\ntriage:\n" in BASE
    return BASE.rstrip("\n") + "\n" + extra


@pytest.fixture(scope="module")
def catalogs():  # type: ignore[no-untyped-def]
    return load_catalogs()


def test_evidence_is_read_and_typed(catalogs) -> None:  # type: ignore[no-untyped-def]
    analysis = analyse_text(with_triage(EVIDENCE), catalogs)
    entry = analysis.model.triage[FINDING]
    assert [(e.tool, e.date, e.outcome) for e in entry.evidence] == [
        ("garak", dt.date(2026, 11, 20), EvidenceOutcome.PASSED),
        ("promptfoo", dt.date(2026, 10, 2), EvidenceOutcome.FAILED),
    ]
    assert entry.evidence[1].url is None


def test_reports_show_evidence_escaped(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Newest run first, in the finding's triage part; a tool's run id is text, never markup."""
    analysis = analyse_text(with_triage(EVIDENCE), catalogs)
    md = render_markdown(analysis, tool_version="0.1.0")
    line = next(x for x in md.splitlines() if x.startswith("**Triage:** status mitigated"))
    assert "test garak run nightly-2026-11-20 on 2026-11-20: passed" in line
    assert line.index("garak run") < line.index("promptfoo run")
    assert "<b>" not in md

    html = render_html(analysis, tool_version="0.1.0", diagram_svg=None)
    assert "test garak run nightly-2026-11-20 on 2026-11-20: passed" in html
    assert "eval-&lt;b&gt;x&lt;/b&gt;" in html and "eval-<b>" not in html

    doc = json.loads(render_json(analysis, tool_version="0.1.0"))
    finding = next(f for f in doc["findings"] if f["id"] == FINDING)
    assert finding["triage"]["evidence"][0] == {
        "tool": "garak",
        "run_id": "nightly-2026-11-20",
        "date": "2026-11-20",
        "outcome": "passed",
        "url": "https://ci.example.org/garak/nightly-2026-11-20",
    }
    other = next(f for f in doc["findings"] if f["triage"] and f["id"] != FINDING)
    assert "evidence" not in other["triage"], "no evidence, no key: existing JSON stays as it was"


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("date: 2026-13-01", r"date: expected a date written YYYY-MM-DD"),
        ("outcome: pass", r"outcome: 'pass' is not one of: passed, failed, inconclusive"),
        ("url: javascript:alert(1)", r"url"),
    ],
)
def test_bad_evidence_is_located_and_exits_2(tmp_path: Path, bad: str, expected: str) -> None:
    key = bad.split(":", 1)[0]
    text = with_triage(EVIDENCE)
    good = {"date": "date: 2026-11-20", "outcome": "outcome: passed", "url": "url: https://ci.example.org/garak/"}[key]
    text = text.replace(f"        {good}", f"        {bad}", 1)
    assert bad in text
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(bad)].count("\n") + 1
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "json", "--as-of", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert re.search(rf"model\.yaml:{line}:\d+: error: .*{expected}", result.stderr), result.stderr
    assert path.read_text(encoding="utf-8") == text


def test_triage_form_keeps_recorded_evidence() -> None:
    """Re-triaging in the TUI edits status and words; the recorded test runs stay as they were."""
    assert "evidence" not in {s.name for s in forms.TRIAGE_SPECS}
    values = forms.raw_values(forms.TRIAGE_SPECS, {"status": "mitigated", "justification": "fixed"})
    recorded = [{"tool": "garak", "run_id": "r1", "date": "2026-11-20", "outcome": "passed"}]
    entry, errors = forms.validate_triage(values, recorded)
    assert errors == {}
    assert entry is not None
    assert entry["evidence"] == [{"tool": "garak", "run_id": "r1", "date": dt.date(2026, 11, 20), "outcome": "passed"}]
    entry, errors = forms.validate_triage(values)
    assert entry is not None and "evidence" not in entry

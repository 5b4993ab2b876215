"""`threatmodel analyze`: the readable summary, the JSON contract, one finding in full."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from threatmodel.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data"
REPO = Path(__file__).resolve().parents[2]
ARGS = [str(DATA / "mini-model.yaml"), "--catalog", str(DATA / "mini-catalog.yaml"), "--as-of", "2026-11-25"]


def run(*args: str) -> object:
    return CliRunner().invoke(cli, ["analyze", *args])


def test_text_summary_lists_open_findings_and_controls() -> None:
    """The summary shows the posture line, each open finding on its element, and a lapsed-triage warning."""
    result = run(*ARGS)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "6 components, 6 flows, 2 boundaries" in out
    assert "Indirect prompt injection" in out and "Pickled weights" in out
    assert "TM202" in out


def test_json_is_the_documented_contract() -> None:
    """Every finding carries the documented fields; refs are `<catalog>:<id>` strings."""
    result = run(*ARGS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["format"] == "threatmodel-assessment" and doc["version"] == 1
    mini = [f for f in doc["findings"] if f["threat"].startswith("mini:")]
    assert [f["id"] for f in mini] == ["mini:indirect-prompt-injection@llm", "mini:pickled-weights@llm"]
    # one finding per root cause is keyed by its root and lists its target among `affected`
    for f in doc["findings"]:
        if f["affected"]:
            assert f["id"] == f"{f['threat']}@{f['root']}" and f["target"] in f["affected"]
        else:
            assert f["id"] == f"{f['threat']}@{f['target']}"
    first = mini[0]
    for key in ("id", "threat", "target", "severity", "likelihood", "impact", "status", "refs", "why", "controls"):
        assert key in first
    assert first["target"] == "llm" and first["threat"] == "mini:indirect-prompt-injection"
    assert first["refs"] == ["stride:tampering"]
    assert first["implemented_controls"] == ["mini:ctl-input"]
    assert mini[1]["triage_expired"] is True
    assert doc["summary"]["open"] == sum(1 for f in doc["findings"] if f["status"] in ("open", "in-progress"))


def test_docs_list_every_json_finding_field() -> None:
    """docs/json.md documents exactly the fields a finding has."""
    doc = json.loads(run(*ARGS, "--format", "json").stdout)
    documented = set(re.findall(r"^\| `([a-z_]+)`", (REPO / "docs" / "json.md").read_text(encoding="utf-8"), re.M))
    fields = set(doc["findings"][0])
    assert fields <= documented
    assert {"control", "closes", "risk_removed"} <= documented


def test_json_output_is_deterministic(tmp_path: Path) -> None:
    """Two runs write byte-identical JSON files."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run(*ARGS, "-f", "json", "-o", str(first)).exit_code == 0
    assert run(*ARGS, "-f", "json", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_finding_detail_and_unknown_finding() -> None:
    """`--finding` explains one finding; an unknown id exits 2 with a suggestion."""
    result = run(*ARGS, "--finding", "mini:indirect-prompt-injection@llm")
    assert result.exit_code == 0
    assert "Why it applies" in result.stdout and "retriever → llm" in result.stdout
    missing = run(*ARGS, "--finding", "mini:indirect-prompt-injection@lm")
    assert missing.exit_code == 2
    assert "did you mean: mini:indirect-prompt-injection@llm" in missing.stderr


def test_bad_as_of_is_a_usage_error() -> None:
    """A malformed --as-of date exits 2."""
    result = run(str(DATA / "mini-model.yaml"), "--as-of", "yesterday")
    assert result.exit_code == 2


def test_bad_user_catalog_is_located(tmp_path: Path) -> None:
    """A user catalog with an unknown predicate fails with its file:line:col and exit 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: Bad\nversion: '1'\npublished: 2026-01-01\nsource: https://example.org\nlicence: x\n"
        "threats:\n  - id: t\n    title: T\n    summary: s\n    scenario: s\n    likelihood: 1\n    impact: 1\n"
        "    lifecycle: [runtime]\n    when: {knd: [llm]}\n",
        encoding="utf-8",
    )
    result = run(str(DATA / "mini-model.yaml"), "--catalog", str(bad))
    assert result.exit_code == 2
    assert re.search(r"bad\.yaml:15:11: error: .*unknown predicate 'knd'", result.stderr)
    assert "did you mean 'kind'?" in result.stderr


def test_text_summary_lists_every_diagnostic() -> None:
    """Info diagnostics (TM105 on the agent template) appear in the text summary, not only in JSON."""
    template = REPO / "threatmodel" / "templates" / "agent.yaml"
    data = json.loads(run(str(template), "--format", "json").stdout)
    codes = [d["code"] for d in data["diagnostics"]]
    assert codes, "the template is expected to carry diagnostics"
    out = run(str(template)).stdout
    assert f"Diagnostics ({len(codes)})" in out
    assert out.count("TM105") == codes.count("TM105")


def test_quickstart_shows_finding_explanation() -> None:
    assert "threatmodel analyze my-agent.yaml --finding ID" in (REPO / "README.md").read_text(encoding="utf-8")


def _wide_model(tmp_path: Path, copies: int) -> Path:
    """``copies`` internet-facing apps, each with its own users in front of its own LLM: three open
    findings a copy (one user population shared by every app would be one root cause, grouped)."""
    import yaml

    components: list[dict[str, object]] = []
    flows: list[dict[str, str]] = []
    for i in range(copies):
        components += [
            {"id": f"users-{i}", "kind": "human-user", "population": "public", "exposure": "internet"},
            # the app passes answers through as it got them and the model has no instructions
            {"id": f"app-{i}", "kind": "application", "exposure": "internet", "output_use": []},
            {"id": f"llm-{i}", "kind": "llm", "instructed": False, "hosting": "self-hosted"},
        ]
        flows += [
            {"source": f"users-{i}", "target": f"app-{i}"},
            {"source": f"app-{i}", "target": f"llm-{i}"},
            {"source": f"llm-{i}", "target": f"app-{i}"},
        ]
    path = tmp_path / "wide.yaml"
    model = {"schema_version": 1, "system": {"id": "wide", "name": "Wide"}, "components": components, "flows": flows}
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    return path


def _finding_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if re.match(r"^│ (critical|high|medium|low)\s", line))


def test_large_summary_shows_the_worst_and_counts_the_rest(tmp_path: Path) -> None:
    """Above SUMMARY_ROWS open findings the summary lists the worst, counts the rest and groups them by
    threat; --all lists every one."""
    from threatmodel.cli.analyze import SUMMARY_ROWS

    path = _wide_model(tmp_path, 30)
    listed = json.loads(run(str(path), "--as-of", "2026-12-01", "--format", "json").output)  # type: ignore[attr-defined]
    total = sum(1 for f in listed["findings"] if f["status"] in ("open", "in-progress"))
    assert total >= 90 and total % 30 == 0  # the same findings on each of the 30 copies
    short = run(str(path), "--as-of", "2026-12-01")
    assert short.exit_code == 0, short.output  # type: ignore[attr-defined]
    text = short.output  # type: ignore[attr-defined]
    assert _finding_rows(text) == SUMMARY_ROWS
    assert f"… and {total - SUMMARY_ROWS} more open findings" in text
    assert "Open findings by threat" in text
    full = run(str(path), "--as-of", "2026-12-01", "--all").output  # type: ignore[attr-defined]
    assert _finding_rows(full) == total
    assert "more open findings" not in full


def test_findings_table_gives_the_title_room_on_a_narrow_terminal() -> None:
    """At 80 columns the table fits and drops the catalog references (every report has them), so a
    threat's title is not folded one word a line; from 110 columns the references are listed too."""
    narrow = CliRunner().invoke(cli, ["analyze", *ARGS], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.stderr
    assert all(len(line) <= 80 for line in narrow.stdout.splitlines())
    header = next(line for line in narrow.stdout.splitlines() if "severity" in line and "threat" in line)
    assert "refs" not in header
    titled = [line for line in narrow.stdout.splitlines() if "Indirect prompt injection" in line]
    assert titled, narrow.stdout
    wide = CliRunner().invoke(cli, ["analyze", *ARGS], env={"COLUMNS": "140"})
    header = next(line for line in wide.stdout.splitlines() if "severity" in line and "threat" in line)
    assert "refs" in header
    assert "TM202" in wide.stdout

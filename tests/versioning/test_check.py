"""`threatmodel check`: the CI gate's exit codes, baselines, policies and output formats."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.versioning.conftest import COMMON, VERSIONS, invoke, version_text

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = REPO / "examples" / "policy.yaml"
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"

pytestmark = pytest.mark.usefixtures("without_builtin_threats")


def model(tmp_path: Path, name: str, text: str | None = None) -> str:
    """Write a version (or ``text``) into ``tmp_path`` and return its file name."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(text if text is not None else version_text(name), encoding="utf-8")
    return path.name


def check_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = invoke(cwd, "check", *args, "--format", "json", *COMMON)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("version", "fail_on", "code"),
    [
        ("v1", "high", 1),
        ("v2", "critical", 0),
        ("v2", "high", 1),
        ("v3", "high", 0),
        ("v3", "medium", 1),
        ("v3", "low", 1),
    ],
)
def test_exit_code_follows_the_threshold(tmp_path: Path, version: str, fail_on: str, code: int) -> None:
    """Exit 1 exactly when an open finding's residual severity reaches --fail-on, else 0."""
    result = invoke(tmp_path, "check", model(tmp_path, version), "--fail-on", fail_on, *COMMON)
    assert result.exit_code == code, result.output


def test_default_threshold_is_high(tmp_path: Path) -> None:
    """Without --fail-on the gate fails on high findings."""
    assert invoke(tmp_path, "check", model(tmp_path, "v1"), *COMMON).exit_code == 1
    assert invoke(tmp_path, "check", model(tmp_path, "v3"), *COMMON).exit_code == 0


def test_failures_are_located_and_explained(tmp_path: Path) -> None:
    """Each failing finding is printed as file:line:col of its element, with severity, id and status."""
    result = invoke(tmp_path, "check", model(tmp_path, "v1"), *COMMON)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL v1.yaml (Support assistant) — 2 open findings at or above high")
    assert any(
        ln.startswith("  v1.yaml:61:9: high")
        and "vt:indirect-prompt-injection@chat-llm" in ln
        and "(open, residual risk 12)" in ln
        for ln in lines
    )
    assert lines[-1] == "Gate failed: 1 of 1 model (--fail-on high)"


def test_lapsed_acceptance_fails_the_gate_again(history: Path) -> None:
    """An accepted high finding passes until its review-by date; afterwards it fails, pointing at the triage."""
    assert invoke(history, "check", "v4:model.yaml", *COMMON).exit_code == 0
    result = invoke(history, "check", "model.yaml", *COMMON)
    assert result.exit_code == 1
    assert "vt:excessive-agency@helpdesk-agent" in result.stdout
    assert "accepted until 2026-11-15, lapsed" in result.stdout
    triage_line = next(ln for ln in result.stdout.splitlines() if "TM202" in ln)
    assert triage_line.startswith("  model.yaml:145:3: warning")


def test_in_progress_counts_as_open(tmp_path: Path) -> None:
    """A finding triaged as in-progress still fails the gate."""
    text = version_text("v1").replace(
        "triage:\n",
        "triage:\n  vt:indirect-prompt-injection@chat-llm:\n    status: in-progress\n  vt:unsafe-output-rendering@web-app:\n    status: accepted\n",
    )
    code, data = check_json(tmp_path, model(tmp_path, "v1", text))
    assert code == 1
    assert [f["id"] for f in data["models"][0]["failures"]] == ["vt:indirect-prompt-injection@chat-llm"]


def test_many_models_at_once_and_progress(tmp_path: Path) -> None:
    """Several models are judged in one run; more than three show progress on stderr (plain when not a TTY)."""
    names = [model(tmp_path, v) for v in ("v1", "v2", "v3")]
    names.append(model(tmp_path, "v3b", version_text("v3")))
    result = invoke(tmp_path, "check", *names, *COMMON)
    assert result.exit_code == 1
    assert "checking [4/4] v3b.yaml" in result.stderr
    assert result.stdout.count("FAIL ") == 2 and result.stdout.count("ok   ") == 2
    assert result.stdout.splitlines()[-1] == "Gate failed: 2 of 4 models (--fail-on high)"
    few = invoke(tmp_path, "check", *names[:3], *COMMON)
    assert "checking" not in few.stderr


def test_invalid_model_exits_2_and_still_reports_the_others(tmp_path: Path) -> None:
    """A broken model is reported on stderr with its location; the others are still checked; exit 2."""
    bad = model(tmp_path, "bad", version_text("v3").replace("kind: vector-store", "kind: vectorstore"))
    result = invoke(tmp_path, "check", model(tmp_path, "v3"), bad, *COMMON)
    assert result.exit_code == 2
    assert "bad.yaml:52:11: error:" in result.stderr
    assert "ok   v3.yaml" in result.stdout
    assert "1 of 2 models could not be checked" in result.stdout


# ---------------------------------------------------------------------------
# Baselines


def test_write_baseline_then_gate_passes(tmp_path: Path) -> None:
    """A baseline records every open finding; checking against it passes and counts what it suppressed."""
    name = model(tmp_path, "v2")
    written = invoke(tmp_path, "check", name, "--write-baseline", "baseline.json", *COMMON)
    assert written.exit_code == 0
    assert "wrote baseline.json: 6 open findings and 0 policy errors in 1 model" in written.stderr
    baseline = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["format"] == "threatmodel-baseline" and baseline["version"] == 1
    findings = baseline["systems"]["support-assistant"]["findings"]
    assert findings["vt:excessive-agency@support-agent"] == "high"
    assert "vt:sensitive-data-to-provider@chat-llm" not in findings  # accepted, not open
    result = invoke(tmp_path, "check", name, "--baseline", "baseline.json", *COMMON)
    assert result.exit_code == 0, result.output
    assert "4 suppressed by the baseline" in result.stdout
    code, data = check_json(tmp_path, name, "--baseline", "baseline.json")
    assert code == 0 and data["summary"]["suppressed_by_baseline"] == 4


def test_baseline_is_deterministic(tmp_path: Path) -> None:
    """Writing the baseline twice gives the same bytes (no timestamps, sorted keys)."""
    name = model(tmp_path, "v2")
    invoke(tmp_path, "check", name, "--write-baseline", "a.json", *COMMON)
    invoke(tmp_path, "check", name, "--write-baseline", "b.json", *COMMON)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_baseline_does_not_cover_new_or_worse_findings(tmp_path: Path) -> None:
    """A finding missing from the baseline, or worse than recorded there, still fails the gate."""
    name = model(tmp_path, "v2")
    invoke(tmp_path, "check", name, "--write-baseline", "baseline.json", *COMMON)
    path = tmp_path / "baseline.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    findings = data["systems"]["support-assistant"]["findings"]
    findings["vt:indirect-prompt-injection@support-agent"] = "medium"  # recorded as less severe
    del findings["vt:excessive-agency@support-agent"]  # as if it were new
    path.write_text(json.dumps(data), encoding="utf-8")
    code, report = check_json(tmp_path, name, "--baseline", "baseline.json")
    assert code == 1
    failures = {f["id"] for f in report["models"][0]["failures"]}
    assert failures == {"vt:indirect-prompt-injection@support-agent", "vt:excessive-agency@support-agent"}
    text = invoke(tmp_path, "check", name, "--baseline", "baseline.json", *COMMON).stdout
    assert "worse than in the baseline (medium)" in text


def test_baseline_covers_policy_errors(tmp_path: Path) -> None:
    """Policy errors recorded in the baseline pass; the gate fails again once they are removed from it."""
    name = model(tmp_path, "v3")
    args = ("--policy", str(EXAMPLE_POLICY))
    assert invoke(tmp_path, "check", name, *args, *COMMON).exit_code == 1
    invoke(tmp_path, "check", name, *args, "--write-baseline", "baseline.json", *COMMON)
    data = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert data["systems"]["support-assistant"]["policy"] == ["policy:owners@support-agent"]
    assert invoke(tmp_path, "check", name, *args, "--baseline", "baseline.json", *COMMON).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"format": "threatmodel-baseline",\n "version": 1,\n "systems": {,}}',
            "baseline.json:3:14: error: the baseline is not valid JSON",
        ),
        ('{"format": "something-else"}', "not a threatmodel baseline"),
        ('{"format": "threatmodel-baseline", "version": 7, "systems": {}}', "unsupported baseline version 7"),
        (
            '{"format": "threatmodel-baseline", "version": 1, "systems": {"s": {"findings": {"x": "huge"}}}}',
            "systems.s.findings",
        ),
    ],
)
def test_bad_baseline_is_exit_2(tmp_path: Path, content: str, message: str) -> None:
    """A malformed baseline is refused with a located message before any model is judged."""
    (tmp_path / "baseline.json").write_text(content, encoding="utf-8")
    result = invoke(tmp_path, "check", model(tmp_path, "v3"), "--baseline", "baseline.json", *COMMON)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_baseline_is_exit_2(tmp_path: Path) -> None:
    """A baseline path that does not exist is a usage error with a hint to write one."""
    result = invoke(tmp_path, "check", model(tmp_path, "v3"), "--baseline", "nope.json", *COMMON)
    assert result.exit_code == 2
    assert "baseline file not found" in result.stderr and "--write-baseline" in result.stderr


# ---------------------------------------------------------------------------
# Policy


def test_example_policy_violations_fail_even_without_findings(tmp_path: Path) -> None:
    """Policy errors fail the gate even when no finding reaches --fail-on; each is located at its element."""
    result = invoke(
        tmp_path, "check", model(tmp_path, "v3"), "--fail-on", "critical", "--policy", str(EXAMPLE_POLICY), *COMMON
    )
    assert result.exit_code == 1
    line = next(ln for ln in result.stdout.splitlines() if "policy:" in ln)
    assert line.startswith(
        "  v3.yaml:71:9: error    policy:owners@support-agent  component 'support-agent' has no owner"
    )


def test_example_policy_passes_a_compliant_model(tmp_path: Path) -> None:
    """Once the agent has an owner, v3 passes both the severity gate and the example policy."""
    text = version_text("v3").replace("    kind: agent\n", "    kind: agent\n    owner: Agent team\n")
    result = invoke(tmp_path, "check", model(tmp_path, "v3", text), "--policy", str(EXAMPLE_POLICY), *COMMON)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok   v3.yaml")


def test_example_policy_on_every_version(tmp_path: Path) -> None:
    """The five example rules find what each version gets wrong."""
    expected = {
        "v1": {"policy:llm-output-handling@chat-llm"},
        "v2": {"policy:llm-output-handling@chat-llm", "policy:owners@support-agent"},
        "v3": {"policy:owners@support-agent"},
    }
    for version, ids in expected.items():
        _, data = check_json(tmp_path, model(tmp_path, version), "--policy", str(EXAMPLE_POLICY))
        got = {f["id"] for f in data["models"][0]["failures"] if f["type"] == "policy"}
        assert got == ids, version


def test_triage_policy_violations_point_at_the_triage_entry(tmp_path: Path) -> None:
    """A high acceptance approved by its own owner breaks the four-eyes rule, located at the triage key."""
    text = version_text("v3").replace("    approver: Priya Raman\n", "    approver: agent TEAM\n")
    _, data = check_json(tmp_path, model(tmp_path, "v3", text), "--policy", str(EXAMPLE_POLICY))
    failure = next(f for f in data["models"][0]["failures"] if f.get("rule") == "four-eyes-for-high")
    assert failure["id"] == "policy:four-eyes-for-high@vt:excessive-agency@support-agent"
    assert failure["finding"] == "vt:excessive-agency@support-agent"
    assert "approved by its own owner, Agent team" in failure["detail"]
    assert failure["location"] == {"path": "v3.yaml", "line": 145, "column": 3}


def test_warning_rules_do_not_fail(tmp_path: Path) -> None:
    """Violations of warning-level rules are printed but the gate passes."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        EXAMPLE_POLICY.read_text(encoding="utf-8").replace("level: error", "level: warning"), encoding="utf-8"
    )
    result = invoke(tmp_path, "check", model(tmp_path, "v3"), "--policy", str(policy), *COMMON)
    assert result.exit_code == 0, result.output
    assert "warning  policy:owners@support-agent" in result.stdout


def test_bad_policy_file_is_exit_2_with_location(tmp_path: Path) -> None:
    """A policy with a misspelt rule kind exits 2 with file:line:col and a suggestion."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - id: no-accepted-criticals\n    message: No.\n    sevrity_may_not_be: [accepted]\n    at_least: critical\n",
        encoding="utf-8",
    )
    result = invoke(tmp_path, "check", model(tmp_path, "v3"), "--policy", "policy.yaml", *COMMON)
    assert result.exit_code == 2
    assert "policy.yaml:4:5: error: rules.0: unknown rule kind 'sevrity_may_not_be'" in result.stderr
    assert "did you mean 'severity_may_not_be'?" in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------------
# Formats


def test_json_report_is_the_documented_contract(tmp_path: Path) -> None:
    """The JSON output carries every documented field, and docs/ci.md documents every field it carries."""
    code, data = check_json(tmp_path, model(tmp_path, "v2"), "--policy", str(EXAMPLE_POLICY))
    assert code == 1
    assert data["format"] == "threatmodel-check" and data["version"] == 1 and data["passed"] is False
    documented = set(
        re.findall(r"^\| `([a-z_]+)`", (REPO / "docs" / "ci.md").read_text(encoding="utf-8"), re.MULTILINE)
    )
    entry = data["models"][0]
    keys = set(data) | set(entry)
    for item in entry["failures"]:
        keys |= set(item)
    assert keys <= documented, keys - documented
    kinds = {f["type"] for f in entry["failures"]}
    assert kinds == {"finding", "policy"}


def test_sarif_is_valid_and_carries_policy_and_baseline(tmp_path: Path) -> None:
    """--format sarif is a valid SARIF 2.1.0 log: findings, policy results, baseline suppressions."""
    jsonschema = pytest.importorskip("jsonschema")
    names = [model(tmp_path, "v2"), model(tmp_path, "v3")]
    invoke(tmp_path, "check", names[0], "--write-baseline", "baseline.json", *COMMON)
    result = invoke(
        tmp_path,
        "check",
        *names,
        "--policy",
        str(EXAMPLE_POLICY),
        "--baseline",
        "baseline.json",
        "--format",
        "sarif",
        *COMMON,
    )
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert [run["automationDetails"]["id"] for run in log["runs"]] == ["threatmodel/support-assistant/"] * 2
    first = log["runs"][0]
    policy = [r for r in first["results"] if r["ruleId"].startswith("policy:")]
    assert {r["properties"]["violationId"] for r in policy} == {
        "policy:llm-output-handling@chat-llm",
        "policy:owners@support-agent",
    }
    owners = next(r for r in policy if r["ruleId"] == "policy:owners")
    assert owners["locations"][0]["physicalLocation"]["region"]["startLine"] == 71
    baselined = [
        r
        for r in first["results"]
        if any("pre-existing" in s.get("justification", "") for s in r.get("suppressions", []))
    ]
    assert {r["properties"]["findingId"] for r in baselined} >= {"vt:excessive-agency@support-agent"}
    assert first["properties"]["gate"]["passed"] is False


def test_text_output_to_file(tmp_path: Path) -> None:
    """--output writes the summary to a file, uncoloured, and keeps the exit code."""
    result = invoke(tmp_path, "check", model(tmp_path, "v1"), "-o", "gate.txt", *COMMON)
    assert result.exit_code == 1 and result.stdout == ""
    text = (tmp_path / "gate.txt").read_text(encoding="utf-8")
    assert text.startswith("FAIL v1.yaml") and "\x1b[" not in text


def test_versions_are_valid_models() -> None:
    """Every fixture version loads without problems (so a gate failure is never a load failure)."""
    from threatmodel.io.load import load_model

    for path in sorted(VERSIONS.glob("v*.yaml")):
        assert load_model(path).model.system.id == "support-assistant"

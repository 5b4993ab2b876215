"""`threatmodel discover` and `check --discover` from the command line: golden JSON and SARIF,
SARIF valid against the vendored schema, drafts the loader accepts whose unknowns `questions`
lists, drift both ways located at file:line, and a baseline that accepts known drift."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from tests.discover.conftest import DATA, MODELS, REPOS
from tests.export.reporting import sarif_errors
from tests.golden import assert_golden
from threatmodel.cli import cli
from threatmodel.export.discover import inventory_json, inventory_sarif, inventory_text
from threatmodel.io.discover.scan import scan_repository

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "discover"
TOOL_VERSION = "0.0.0-test"
MODEL = MODELS / "support-assistant.yaml"
AS_OF = ("--as-of", "2026-06-01")


def invoke(cwd: Path, *args: str) -> Result:
    with contextlib.chdir(cwd):
        return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("repo", REPOS)
def test_inventory_outputs_match_golden_files(repo: str) -> None:
    inventory = scan_repository(DATA / repo, repo)
    assert_golden(GOLDEN / f"{repo}.txt", inventory_text(inventory))
    assert_golden(GOLDEN / f"{repo}.json", inventory_json(inventory, tool_version=TOOL_VERSION))
    sarif = inventory_sarif(inventory, tool_version=TOOL_VERSION, uri_of=lambda rel: f"{repo}/{rel}")
    assert_golden(GOLDEN / f"{repo}.sarif", sarif)
    assert sarif_errors(sarif) == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_the_command_writes_each_format(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"inventory.{fmt}"
    result = invoke(DATA, "discover", "js-agent", "-f", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "mcp-server:filesystem" in text
    if fmt == "sarif":
        assert sarif_errors(text) == []
        results = json.loads(text)["runs"][0]["results"]
        first = results[0]["locations"][0]["physicalLocation"]
        assert first["artifactLocation"] == {"uri": "js-agent/package.json", "uriBaseId": "%SRCROOT%"}
        assert first["region"] == {"startLine": 12, "startColumn": 5}
    elif fmt == "json":
        data = json.loads(text)
        assert data["format"] == "threatmodel-discover" and data["summary"]["items"] == 8


def test_output_is_byte_identical_across_runs() -> None:
    runs = [invoke(DATA, "discover", "ml-pipeline", "-f", "sarif").stdout for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_missing_folder_is_exit_2_with_a_message() -> None:
    result = invoke(DATA, "discover", "no-such-repo")
    assert result.exit_code == 2
    assert "no-such-repo: error: no-such-repo is not a folder" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------
# --draft


@pytest.mark.parametrize("repo", ["rag-service", "ml-pipeline", "js-agent"])
def test_draft_loads_lists_open_questions_and_shows_no_drift(repo: str, tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    result = invoke(DATA, "discover", repo, "--draft", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert invoke(tmp_path, "validate", "model.yaml").exit_code == 0
    questions = invoke(tmp_path, "questions", "model.yaml", "-f", "json", *AS_OF)
    assert questions.exit_code == 0, questions.output
    assert json.loads(questions.stdout)["questions"], "a draft leaves facts unknown, so there are open questions"
    check = invoke(DATA, "check", str(out), "--discover", repo, "-f", "json", "--fail-on", "critical", *AS_OF)
    drift = json.loads(check.stdout)["drift"]
    undeclared = [d["id"] for m in drift["models"] for d in m["failures"]]
    libraries = {i["id"] for i in drift["inventory"]["items"] if i["category"] in ("ml-framework", "mcp-sdk")}
    # A draft declares everything but libraries, which are not components (the header lists them).
    assert set(undeclared) <= {f"undeclared:{x}" for x in libraries}


def test_draft_states_only_what_the_code_shows(tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    assert invoke(DATA, "discover", "ml-pipeline", "--draft", "-o", str(out)).exit_code == 0
    assert_golden(GOLDEN / "ml-pipeline.draft.yaml", out.read_text(encoding="utf-8"))
    model = yaml.safe_load(out.read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in model["components"]}
    assert by_id["old-model"]["weights_format"] == "pickle"
    assert by_id["all-minilm-l6-v2"]["kind"] == "embedding-model"
    assert by_id["all-minilm-l6-v2"]["provenance"] == "open-weights"
    for component in model["components"]:
        assert not {"exposure", "authentication", "side_effects", "credentials"} & set(component)
    assert "boundaries" not in model and "flows" not in model


def test_draft_never_overwrites_and_needs_an_output(tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    out.write_text("mine\n", encoding="utf-8")
    result = invoke(DATA, "discover", "rag-service", "--draft", "-o", str(out))
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    result = invoke(DATA, "discover", "rag-service", "--draft")
    assert result.exit_code == 2 and "--draft needs --output" in result.stderr


# ---------------------------------------------------------------------------
# check --discover

EXPECTED_DRIFT = {
    "undeclared:agent-framework:langchain": "rag-service/requirements.txt:6:1",
    "undeclared:mcp-server:docs-search": "rag-service/.vscode/mcp.json:10:5",
    "untraced:long-answer-llm": "models/support-assistant.yaml:26:9",
}


def check(*args: str) -> Result:
    return invoke(DATA, "check", "models/support-assistant.yaml", "--discover", "rag-service", *AS_OF, *args)


@pytest.mark.usefixtures("without_builtin_threats")
def test_drift_both_ways_fails_the_gate_at_file_line() -> None:
    result = check()
    assert result.exit_code == 1, result.output
    for drift_id, where in EXPECTED_DRIFT.items():
        direction = drift_id.split(":", 1)[0]
        assert f"{where}: {direction}" in result.stdout, (drift_id, result.stdout)
    assert "FAIL drift models/support-assistant.yaml" in result.stdout


@pytest.mark.usefixtures("without_builtin_threats")
def test_drift_json() -> None:
    result = check("-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False
    (model,) = data["drift"]["models"]
    got = {}
    for d in model["failures"]:
        loc = d["location"]
        got[d["id"]] = f"{loc['path']}:{loc['line']}:{loc['column']}" if isinstance(loc, dict) else loc
    assert got == EXPECTED_DRIFT


@pytest.mark.usefixtures("without_builtin_threats")
def test_drift_sarif_is_valid_and_located() -> None:
    result = check("-f", "sarif")
    assert result.exit_code == 1
    assert sarif_errors(result.stdout) == []
    runs = json.loads(result.stdout)["runs"]
    drift_run = runs[-1]
    assert drift_run["automationDetails"]["id"] == "threatmodel/support-assistant/drift/"
    located: dict[str, Any] = {}
    for r in drift_run["results"]:
        phys = r["locations"][0]["physicalLocation"]
        located[r["properties"]["driftId"]] = f"{phys['artifactLocation']['uri']}:{phys['region']['startLine']}"
        assert r["kind"] == "fail" and "suppressions" not in r
    assert located == {k: v.rsplit(":", 1)[0] for k, v in EXPECTED_DRIFT.items()}


@pytest.mark.usefixtures("without_builtin_threats")
def test_drift_markdown_is_escaped() -> None:
    result = check("-f", "md")
    assert "#### Drift against `rag-service`" in result.stdout
    assert "| `rag-service/.vscode/mcp.json:10:5` | `undeclared:mcp-server:docs-search` |" in result.stdout


@pytest.mark.usefixtures("without_builtin_threats")
def test_a_baseline_accepts_known_drift_and_new_drift_still_fails(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    written = check("--write-baseline", str(baseline))
    assert written.exit_code == 0, written.output
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["systems"]["support-assistant"]["drift"] == sorted(EXPECTED_DRIFT)

    accepted = check("--baseline", str(baseline), "-f", "sarif")
    assert accepted.exit_code == 0, accepted.output
    drift_run = json.loads(accepted.stdout)["runs"][-1]
    assert all(r["suppressions"][0]["status"] == "accepted" for r in drift_run["results"])
    assert check("--baseline", str(baseline)).exit_code == 0

    # A new MCP server appears in the code: it is not in the baseline, so the gate fails again.
    repo = tmp_path / "rag-service"
    import shutil

    shutil.copytree(DATA / "rag-service", repo)
    config = repo / ".vscode" / "mcp.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"docs-search"', '"docs-search": {}, "jira"'), encoding="utf-8"
    )
    again = invoke(
        DATA, "check", str(MODEL), "--discover", str(repo), "--baseline", str(baseline), "-f", "json", *AS_OF
    )
    assert again.exit_code == 1, again.output
    (model,) = json.loads(again.stdout)["drift"]["models"]
    assert [d["id"] for d in model["failures"]] == ["undeclared:mcp-server:jira"]


def test_a_bad_discover_path_is_exit_2_before_any_model_work() -> None:
    result = invoke(DATA, "check", "models/support-assistant.yaml", "--discover", "nowhere")
    assert result.exit_code == 2
    assert "nowhere is not a folder" in result.stderr


def test_a_malformed_drift_list_in_the_baseline_is_exit_2(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps(
            {"format": "threatmodel-baseline", "version": 1, "systems": {"support-assistant": {"drift": "all"}}}
        ),
        encoding="utf-8",
    )
    result = check("--baseline", str(baseline))
    assert result.exit_code == 2
    assert "systems.support-assistant.drift: expected a list of drift ids" in result.stderr

"""The shipped CI material: pre-commit hooks, the GitHub Actions example, and the documented JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import yaml

from tests.versioning.conftest import COMMON, invoke
from threatmodel.cli import cli

REPO = Path(__file__).resolve().parents[2]


def test_pre_commit_hooks_run_real_commands_on_model_files() -> None:
    """Both hooks exist, call existing commands, and match models/*.yaml but not other YAML."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"threatmodel-validate", "threatmodel-check"}
    for hook in hooks.values():
        program, command = hook["entry"].split()
        assert program == "threatmodel" and command in cli.list_commands(click.Context(cli))
        assert hook["language"] == "python"
        pattern = re.compile(hook["files"])
        assert pattern.search("models/rag.yaml") and pattern.search("models/sub/agent.yml")
        assert not pattern.search("docs/rag.yaml") and not pattern.search("models/README.md")
    assert hooks["threatmodel-check"]["args"] == ["--fail-on", "high"]


def test_github_actions_example_gates_uploads_and_comments() -> None:
    """The workflow runs the gate, uploads SARIF with the right permission, diffs against the base and comments."""
    workflow = yaml.safe_load((REPO / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["threatmodel"]
    assert job["permissions"]["security-events"] == "write" and job["permissions"]["pull-requests"] == "write"
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "threatmodel check models/*.yaml" in scripts and "--format sarif --output threatmodel.sarif" in scripts
    assert 'threatmodel diff "$BASE:$file" "$file" --format md' in scripts
    assert "gh pr comment" in scripts
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "threatmodel.sarif"
    assert steps[-1]["run"].startswith("exit ")


def test_docs_document_every_diff_json_field(history: Path) -> None:
    """docs/ci.md has a table row for every field the diff JSON carries."""
    result = invoke(history, "diff", "v2:model.yaml", "v3:model.yaml", "--format", "json", *COMMON)
    data = json.loads(result.stdout)
    documented = set(
        re.findall(r"^\| `([a-z_]+)`", (REPO / "docs" / "ci.md").read_text(encoding="utf-8"), re.MULTILINE)
    )
    keys = set(data)
    for group in data["findings"].values():
        for item in group:
            keys |= set(item)
    for item in data["elements"] + data["triage"]:
        keys |= set(item)
    assert keys <= documented, keys - documented


def test_example_policy_is_referenced_from_the_docs() -> None:
    """The policy and CI guides point at the shipped examples."""
    policy_doc = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    ci_doc = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "../examples/policy.yaml" in policy_doc
    assert "../examples/ci/github-actions.yml" in ci_doc and "../.pre-commit-hooks.yaml" in ci_doc

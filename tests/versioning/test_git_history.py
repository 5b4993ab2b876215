"""`threatmodel diff` across a real git history of an evolving model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.golden import assert_golden
from tests.versioning.conftest import (
    COMMON,
    GOLDEN,
    commit,
    git,
    init_repo,
    invoke,
    version_text,
)

STEPS = (
    # golden name, old side, new side
    ("v1-v2", "v1:model.yaml", "v2:model.yaml"),
    ("v2-v3", "v2:model.yaml", "v3:model.yaml"),
    ("v3-v4", "HEAD~2:model.yaml", "HEAD~1:model.yaml"),
    ("v4-v5", "HEAD~1:model.yaml", "model.yaml"),
)


def diff_json(cwd: Path, old: str, new: str) -> dict[str, Any]:
    result = invoke(cwd, "diff", old, new, "--format", "json", *COMMON)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def vt(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The changes of the test catalog's findings, by id (built-in threats may add more)."""
    return {f["id"]: f for f in items if f["id"].startswith("vt:")}


@pytest.mark.parametrize(("name", "old", "new"), STEPS, ids=[s[0] for s in STEPS])
def test_diff_markdown_matches_golden(history: Path, name: str, old: str, new: str) -> None:
    """The PR-comment Markdown of each step of the history is the reviewed golden file."""
    result = invoke(history, "diff", old, new, "--format", "md", *COMMON)
    assert result.exit_code == 0, result.output
    assert_golden(GOLDEN / f"{name}.md", result.stdout)


@pytest.mark.parametrize(("name", "old", "new"), STEPS, ids=[s[0] for s in STEPS])
def test_diff_json_matches_golden(history: Path, name: str, old: str, new: str) -> None:
    """The JSON diff of each step of the history is the reviewed golden file."""
    result = invoke(history, "diff", old, new, "--format", "json", *COMMON)
    assert result.exit_code == 0, result.output
    assert_golden(GOLDEN / f"{name}.json", result.stdout)


def test_adding_an_agent_raises_two_new_high_findings(history: Path) -> None:
    """v1 → v2: the agent with an e-mail tool brings two new open high findings and more open risk."""
    d = diff_json(history, "v1:model.yaml", "v2:model.yaml")
    new = vt(d["findings"]["new"])
    assert set(new) == {"vt:excessive-agency@support-agent", "vt:indirect-prompt-injection@support-agent"}
    assert {(f["new"]["residual_severity"], f["new"]["status"]) for f in new.values()} == {("high", "open")}
    assert d["verdict"] == "Risk increased" and d["risk"]["delta"] > 0
    assert "new high finding" in d["headline"]
    added = {(e["section"], e["id"], e["summary"]) for e in d["elements"] if e["change"] == "added"}
    assert ("components", "support-agent", "agent") in added
    assert ("flows", "support-agent-to-send-email", "support-agent → send-email") in added


def test_declaring_controls_rescores_and_mitigates(history: Path) -> None:
    """v2 → v3: controls re-score findings, mitigate one, triage accepts another, encryption resolves one."""
    d = diff_json(history, "v2:model.yaml", "v3:model.yaml")
    changed = vt(d["findings"]["changed"])
    llm = changed["vt:indirect-prompt-injection@chat-llm"]
    assert (llm["old"]["status"], llm["new"]["status"]) == ("open", "mitigated") and llm["rescored"]
    agent = changed["vt:indirect-prompt-injection@support-agent"]
    assert (agent["old"]["residual_severity"], agent["new"]["residual_severity"]) == ("high", "medium")
    agency = changed["vt:excessive-agency@support-agent"]
    assert agency["status_changed"] and not agency["rescored"] and agency["new"]["status"] == "accepted"
    assert set(vt(d["findings"]["resolved"])) == {"vt:unencrypted-crossing@web-app-to-chat-llm"}
    flow = next(e for e in d["elements"] if e["id"] == "web-app-to-chat-llm")
    assert flow["attributes"] == [{"name": "encrypted", "old": None, "new": True}]
    assert [t["finding"] for t in d["triage"]] == ["vt:excessive-agency@support-agent"]
    assert d["verdict"] == "Risk decreased"


def test_migrated_rename_keeps_open_risk_and_triage(history: Path) -> None:
    """v3 → v4: a rename done with migrate changes finding ids but not open risk; the triage follows."""
    d = diff_json(history, "v3:model.yaml", "v4:model.yaml")
    assert d["risk"]["delta"] == 0 and d["verdict"] == "Risk unchanged"
    assert d["stale_triage"] == []
    assert d["possible_renames"] == [
        {"section": "components", "old": "support-agent", "new": "helpdesk-agent", "triage_moved": 1, "triage_left": 0}
    ]
    moved = {f["old_id"]: f for f in d["findings"]["moved"]}
    agency = moved["vt:excessive-agency@support-agent"]
    assert agency["id"] == "vt:excessive-agency@helpdesk-agent"
    assert agency["old"] == agency["new"] and agency["new"]["status"] == "accepted"
    assert "vt:indirect-prompt-injection@support-agent" in moved
    assert vt(d["findings"]["new"]) == {} and vt(d["findings"]["resolved"]) == {}
    assert "moved with a rename" in d["headline"] and "new" not in d["headline"]


def test_lapsed_acceptance_reopens_the_finding(history: Path) -> None:
    """v4 → v5 (work tree): the acceptance's review-by date passes, so the finding is open again."""
    d = diff_json(history, "HEAD~1:model.yaml", "model.yaml")
    change = vt(d["findings"]["changed"])["vt:excessive-agency@helpdesk-agent"]
    assert (change["old"]["status"], change["new"]["status"]) == ("accepted", "open")
    assert change["new"]["triage_expired"] is True
    assert d["lapsed_triage"] == ["vt:excessive-agency@helpdesk-agent"]
    assert "1 reopened" in d["headline"]
    md = invoke(history, "diff", "HEAD~1:model.yaml", "model.yaml", "--format", "md", *COMMON).stdout
    assert "status accepted → open (triage lapsed)" in md


def test_diff_leaves_the_work_tree_untouched(history: Path) -> None:
    """Reading revisions never changes the work tree, the index or HEAD."""
    head = git(history, "rev-parse", "HEAD")
    before = (history / "model.yaml").read_bytes()
    for _, old, new in STEPS:
        assert invoke(history, "diff", old, new, *COMMON).exit_code == 0
    assert git(history, "status", "--porcelain", "--ignored") == ""
    assert git(history, "rev-parse", "HEAD") == head
    assert (history / "model.yaml").read_bytes() == before


def test_revision_sides_equal_file_sides(history: Path, tmp_path: Path) -> None:
    """Diffing two revisions gives the same result as diffing the same two files on disk."""
    (tmp_path / "old.yaml").write_text(version_text("v1"), encoding="utf-8")
    (tmp_path / "new.yaml").write_text(version_text("v2"), encoding="utf-8")
    from_git = diff_json(history, "v1:model.yaml", "v2:model.yaml")
    from_files = diff_json(tmp_path, "old.yaml", "new.yaml")
    for side in (from_git, from_files):
        side.pop("old"), side.pop("new")
    assert from_git == from_files


def test_diff_output_is_deterministic_under_reordering(history: Path, tmp_path: Path) -> None:
    """Shuffling the model's lists and triage gives a byte-identical Markdown and JSON diff."""
    data = yaml.safe_load(version_text("v3"))
    for section in ("data", "boundaries", "components", "flows", "controls"):
        data[section] = list(reversed(data[section]))
    data["triage"] = dict(reversed(list(data["triage"].items())))
    (tmp_path / "old.yaml").write_text(version_text("v2"), encoding="utf-8")
    (tmp_path / "new.yaml").write_text(version_text("v3"), encoding="utf-8")
    (tmp_path / "shuffled.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for fmt in ("md", "json"):
        plain = invoke(tmp_path, "diff", "old.yaml", "new.yaml", "--format", fmt, *COMMON).stdout
        shuffled = invoke(tmp_path, "diff", "old.yaml", "shuffled.yaml", "--format", fmt, *COMMON).stdout
        assert plain == invoke(tmp_path, "diff", "old.yaml", "new.yaml", "--format", fmt, *COMMON).stdout
        assert shuffled.replace("shuffled.yaml", "new.yaml") == plain


def test_rename_by_hand_orphans_triage(tmp_path: Path) -> None:
    """Renaming without migrate leaves the decision on the old id: TM201, and a hint to run migrate."""
    v3 = version_text("v3")
    head, triage = v3.split("\ntriage:\n")
    (tmp_path / "old.yaml").write_text(v3, encoding="utf-8")
    renamed = head.replace("support-agent", "helpdesk-agent") + "\ntriage:\n" + triage
    (tmp_path / "new.yaml").write_text(renamed, encoding="utf-8")
    d = diff_json(tmp_path, "old.yaml", "new.yaml")
    assert "vt:excessive-agency@support-agent" in d["stale_triage"]
    assert d["possible_renames"][0]["triage_left"] == 1
    agency = next(f for f in d["findings"]["moved"] if f["id"] == "vt:excessive-agency@helpdesk-agent")
    assert (agency["old"]["status"], agency["new"]["status"]) == ("accepted", "open")
    assert "1 reopened" in d["headline"]
    md = invoke(tmp_path, "diff", "old.yaml", "new.yaml", "--format", "md", *COMMON).stdout
    assert "threatmodel migrate --rename support-agent=helpdesk-agent" in md
    assert "matches no finding (TM201)" in md


def test_text_format_shows_headline_and_sections(history: Path) -> None:
    """The terminal format leads with the verdict and lists new findings and model changes."""
    result = invoke(history, "diff", "v1:model.yaml", "v2:model.yaml", *COMMON)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Support assistant  v1:model.yaml → v2:model.yaml · as of 2026-11-25")
    assert "Risk increased. Open risk" in out
    assert "New findings" in out and "Model changes" in out
    assert "vt:excessive-agency@support-agent" in out


def test_no_change_says_so(history: Path) -> None:
    """Diffing a revision with the identical work-tree file reports no changes."""
    result = invoke(history, "diff", "HEAD:model.yaml", "model.yaml", "--format", "md", *COMMON)
    assert result.exit_code == 0
    assert "No changes to the model, its findings or its triage." in result.stdout
    assert "(±0)" in result.stdout


def test_diff_writes_output_file(history: Path, tmp_path: Path) -> None:
    """--output writes the diff to a file instead of stdout."""
    target = tmp_path / "diff.md"
    result = invoke(history, "diff", "v1:model.yaml", "v2:model.yaml", "-f", "md", "-o", str(target), *COMMON)
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("### Threat model: Support assistant")


# ---------------------------------------------------------------------------
# Reading from git: errors and edge cases


def test_unknown_revision_is_a_usage_error(history: Path) -> None:
    """A revision git does not know exits 2 with the revision named and a hint."""
    result = invoke(history, "diff", "no-such-branch:model.yaml", "model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in result.stderr
    assert "hint:" in result.stderr


def test_missing_path_in_revision_is_a_usage_error(history: Path) -> None:
    """A path absent from the revision exits 2 and says where paths are relative to."""
    result = invoke(history, "diff", "v1:models/model.yaml", "model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "'models/model.yaml' does not exist in revision 'v1'" in result.stderr


def test_directory_in_revision_is_refused(history: Path) -> None:
    """Naming a directory (a tree) at a revision is refused, not read."""
    (history / "sub").mkdir(exist_ok=True)
    result = invoke(history / "sub", "diff", "v1:./..", "../model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "not a file" in result.stderr or "leaves the repository" in result.stderr


def test_revision_outside_a_repository(tmp_path: Path) -> None:
    """REV:path outside any git repository exits 2 with a clear message."""
    (tmp_path / "model.yaml").write_text(version_text("v1"), encoding="utf-8")
    result = invoke(tmp_path, "diff", "HEAD:model.yaml", "model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr


def test_existing_file_with_a_colon_is_a_file(tmp_path: Path) -> None:
    """An argument that names an existing file is read as that file even if it contains a colon."""
    (tmp_path / "v1:model.yaml").write_text(version_text("v1"), encoding="utf-8")
    (tmp_path / "model.yaml").write_text(version_text("v2"), encoding="utf-8")
    d = diff_json(tmp_path, "v1:model.yaml", "model.yaml")
    assert "vt:excessive-agency@support-agent" in vt(d["findings"]["new"])


def test_paths_follow_gits_rule(history: Path) -> None:
    """After the colon, ./ paths are relative to the current directory, others to the repository root."""
    sub = history / "sub"
    sub.mkdir(exist_ok=True)
    root_relative = diff_json(sub, "v1:model.yaml", "v2:model.yaml")
    cwd_relative = diff_json(sub, "v1:../model.yaml", "v2:./../model.yaml")
    assert root_relative["findings"] == cwd_relative["findings"]


def test_index_side_reads_staged_content(tmp_path: Path) -> None:
    """`:path` reads what is staged, so a staged change shows against HEAD."""
    repo = init_repo(tmp_path / "repo")
    (repo / "model.yaml").write_text(version_text("v1"), encoding="utf-8")
    commit(repo, "v1")
    (repo / "model.yaml").write_text(version_text("v2"), encoding="utf-8")
    git(repo, "add", "model.yaml")
    (repo / "model.yaml").write_text(version_text("v1"), encoding="utf-8")  # unstaged revert
    d = diff_json(repo, "HEAD:model.yaml", ":model.yaml")
    assert "vt:excessive-agency@support-agent" in vt(d["findings"]["new"])


INCLUDING = """\
schema_version: 1
system:
  id: split
  name: Split model
includes: [parts/agents.yaml]
boundaries:
  - id: app
    trust: internal
components:
  - id: web-app
    kind: application
    boundary: app
    exposure: internet
"""

AGENTS_V1 = """\
components:
  - id: helper
    kind: agent
    boundary: app
    tools: [mailer]
  - id: mailer
    kind: tool
    boundary: app
    side_effects: [send-external]
flows:
  - {source: web-app, target: helper}
  - {source: helper, target: mailer}
"""


def test_includes_are_read_from_the_same_revision(tmp_path: Path) -> None:
    """A git-side model's includes come from its revision, not from the work tree."""
    repo = init_repo(tmp_path / "repo")
    (repo / "parts").mkdir()
    (repo / "model.yaml").write_text(INCLUDING, encoding="utf-8")
    (repo / "parts" / "agents.yaml").write_text(AGENTS_V1, encoding="utf-8")
    commit(repo, "split model")
    approved = AGENTS_V1.replace("    tools: [mailer]\n", "    tools: [mailer]\n    human_approval: all\n")
    (repo / "parts" / "agents.yaml").write_text(approved, encoding="utf-8")
    d = diff_json(repo, "HEAD:model.yaml", "model.yaml")
    helper = next(e for e in d["elements"] if e["id"] == "helper")
    # unstated is unknown (null), no longer the 0.1 default "none"
    assert helper["attributes"] == [{"name": "human_approval", "old": None, "new": "all"}]
    assert "vt:excessive-agency@helper" in vt(d["findings"]["resolved"])


def test_errors_in_a_git_include_are_located_at_the_revision(tmp_path: Path) -> None:
    """A problem inside an included file at a revision is reported as REV:path:line:col."""
    repo = init_repo(tmp_path / "repo")
    (repo / "parts").mkdir()
    (repo / "model.yaml").write_text(INCLUDING, encoding="utf-8")
    (repo / "parts" / "agents.yaml").write_text(AGENTS_V1.replace("kind: tool", "kind: toool"), encoding="utf-8")
    commit(repo, "broken include")
    result = invoke(repo, "check", "HEAD:model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "HEAD:parts/agents.yaml:7:11: error:" in result.stderr
    assert "threatmodel-git-" not in result.stderr  # never the private mirror's path


def test_include_leaving_the_repository_is_refused(tmp_path: Path) -> None:
    """An include that points outside the repository cannot be read from a revision."""
    repo = init_repo(tmp_path / "repo")
    (repo / "model.yaml").write_text(INCLUDING.replace("parts/agents.yaml", "../../outside.yaml"), encoding="utf-8")
    commit(repo, "escaping include")
    result = invoke(repo, "diff", "HEAD:model.yaml", "HEAD:model.yaml", *COMMON)
    assert result.exit_code == 2
    assert "HEAD:model.yaml:5:" in result.stderr
    assert "outside the repository" in result.stderr


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("HEAD~1:models/x.yaml", ("HEAD~1", "models/x.yaml")),
        ("main:./x.yaml", ("main", "./x.yaml")),
        (":models/x.yaml", ("", "models/x.yaml")),
        ("models/x.yaml", None),
        ("C:\\models\\x.yaml", None),
        ("C:/models/x.yaml", None),
    ],
)
def test_rev_path_detection(argument: str, expected: tuple[str, str] | None) -> None:
    """Only non-existing arguments with a colon (and no drive letter) are read from git."""
    from threatmodel.io.git import parse_rev_path

    spec = parse_rev_path(argument)
    assert (None if spec is None else (spec.rev, spec.path)) == expected

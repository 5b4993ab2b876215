"""Fixtures for the versioning tests: a real git repository holding an evolving model."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from threatmodel.cli import cli

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VERSIONS = DATA / "versions"
CATALOG = DATA / "catalog.yaml"
GOLDEN = HERE.parents[0] / "golden" / "diff"
AS_OF = "2026-11-25"
COMMON = ("--catalog", str(CATALOG), "--as-of", AS_OF)
LAPSED_FROM = "review_by: 2027-02-28"
LAPSED_TO = "review_by: 2026-11-15"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a configuration independent of the machine's."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_DATE": "2026-11-20T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-11-20T12:00:00Z",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def init_repo(path: Path) -> Path:
    """An empty repository with a local identity."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Versioning Tests")
    git(path, "config", "user.email", "tests@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


def commit(repo: Path, message: str, tag: str | None = None) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    if tag:
        git(repo, "tag", tag)


def invoke(cwd: Path, *args: str) -> Result:
    """Run the CLI in-process with ``cwd`` as the working directory."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(cli, list(args))


def version_text(name: str) -> str:
    return (VERSIONS / f"{name}.yaml").read_text(encoding="utf-8")


def lapse(text: str) -> str:
    """v5: the acceptance of the agent's excessive agency ends before the evaluation date."""
    if LAPSED_FROM not in text:
        raise AssertionError("the acceptance to lapse is missing from the model")
    return text.replace(LAPSED_FROM, LAPSED_TO)


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with five commits of ``model.yaml`` (tags v1..v5); the work tree is v5.

    v1 a RAG app; v2 adds an agent with an e-mail tool; v3 declares controls and accepts the
    agent's excessive agency; v4 renames the agent with ``threatmodel migrate``; v5 lets
    that acceptance lapse.
    """
    repo = init_repo(tmp_path_factory.mktemp("history") / "repo")
    model = repo / "model.yaml"
    for name in ("v1", "v2", "v3"):
        model.write_text(version_text(name), encoding="utf-8")
        commit(repo, f"model {name}", name)
    result = invoke(
        repo, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", "--catalog", str(CATALOG)
    )
    if result.exit_code != 0:
        raise AssertionError(f"migrate failed while building the history: {result.output}")
    commit(repo, "model v4: rename the agent", "v4")
    model.write_text(lapse(model.read_text(encoding="utf-8")), encoding="utf-8")
    commit(repo, "model v5: the acceptance lapses", "v5")
    return repo


_THREATS = re.compile(r"^threats:", re.MULTILINE)


@pytest.fixture
def without_builtin_threats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load only the built-in *reference* catalogs, so gate outcomes depend on the test catalog alone.

    Exit-code tests must not change when the built-in threat library grows; the golden diffs
    use every built-in catalog on purpose.
    """
    from threatmodel.io import builtin, load

    files = tuple((name, text) for name, text in builtin.builtin_catalog_files() if not _THREATS.search(text))
    monkeypatch.setattr(load, "builtin_catalog_files", lambda: files)

"""The README's test command stops at the first failing gate (format, lint, types, layers).

Under ``set -e`` a failure before the last command of an ``a && b`` list does not stop a bash
script; that once let an unformatted file through CI. These tests run ``scripts/test.sh`` in a
scratch copy of the repository layout whose tools are stubs, one failing at a time."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GATES = ("ruff-format", "ruff-check", "mypy", "lint-imports")


def _stub(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def _scratch(tmp_path: Path, failing: str | None) -> Path:
    """A copy of scripts/test.sh beside stub tools that log each call; ``failing`` exits 1."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "test.sh", root / "scripts" / "test.sh")
    _stub(root / "scripts" / "setup.sh", "exit 0")
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    log = root / "calls.log"

    def tool(name: str, gate_of: str) -> None:
        _stub(
            venv / name,
            f'gate="{gate_of}"\n'
            f'if [ "$1" = format ]; then gate=ruff-format; elif [ "{name}" = ruff ]; then gate=ruff-check; fi\n'
            f'echo "$gate" >> "{log}"\n'
            f'[ "$gate" = "{failing}" ] && exit 1\nexit 0',
        )

    tool("ruff", "ruff")
    tool("mypy", "mypy")
    tool("lint-imports", "lint-imports")
    tool("python", "pytest")
    return root


def _run(root: Path) -> tuple[int, list[str]]:
    done = subprocess.run(["bash", str(root / "scripts" / "test.sh")], capture_output=True, text=True, cwd=root)
    log = root / "calls.log"
    return done.returncode, log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.mark.parametrize("failing", GATES)
def test_a_failing_gate_stops_the_suite(tmp_path: Path, failing: str) -> None:
    code, calls = _run(_scratch(tmp_path, failing))
    assert code != 0
    assert calls[-1] == failing and "pytest" not in calls


def test_with_every_gate_green_the_tests_run(tmp_path: Path) -> None:
    code, calls = _run(_scratch(tmp_path, None))
    assert code == 0
    assert calls == [*GATES, "pytest"]

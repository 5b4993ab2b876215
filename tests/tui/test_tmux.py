"""The TUI in a real terminal: tmux runs `threatmodel tui` on an example model and reads the screen."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.tmux
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed; the real-terminal check needs it")
def test_tui_in_tmux_draws_reacts_and_quits() -> None:
    """In a 120x36 tmux pane the TUI draws tree, findings and status, reacts to keys and quits cleanly."""
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "tui_tmux_check.py"),
            "models/rag-support-assistant.yaml",
            "--",
            "--as-of",
            "2026-11-25",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout

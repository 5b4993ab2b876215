"""Drive ``threatmodel tui`` in a real terminal (tmux) and check what it draws.

    python scripts/tui_tmux_check.py models/rag-support-assistant.yaml [--keep] [-- extra tui args]

Starts the TUI in a detached 120x36 tmux session, waits for the first screen, checks that
the tree (the system's name), the findings table and the status line are drawn, presses
keys (catalog browser, key help, a finding, back) and checks the screen reacts, then quits
with ctrl+q and checks the exit status. Exit 0 when every check passed; on failure the last
captured screen is printed. Needs tmux; the test suite runs this (tests/tui/test_tmux.py).

Textual draws on stderr, so stderr must stay attached to the terminal: only the exit
status is written to a file.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 36


class CheckFailed(Exception):
    pass


def tmux(*args: str, check: bool = True) -> str:
    result = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise CheckFailed(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def system_name(model: Path) -> str:
    """The model's display name, read with the project's own loader (what the tree shows first)."""
    sys.path.insert(0, str(REPO))
    from threatmodel.io.yaml_source import read_yaml

    data = read_yaml(model).data
    system = data.get("system", {}) if isinstance(data, dict) else {}
    return str(system.get("name") or system.get("id") or "")


def command(model: Path, extra: list[str]) -> list[str]:
    exe = Path(sys.executable).parent / "threatmodel"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "threatmodel"]
    return [*base, "tui", str(model), *extra]


def run(model: Path, extra: list[str], *, keep: bool, log: Callable[[str], None]) -> None:
    session = f"tmcheck{os.getpid()}"
    status_file = Path(tempfile.mkdtemp(prefix="tmcheck")) / "status"
    shell = f"{shlex.join(command(model, extra))}; echo $? > {shlex.quote(str(status_file))}"
    env_prefix = "env -u NO_COLOR TERM=xterm-256color"
    tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        str(WIDTH),
        "-y",
        str(HEIGHT),
        "-c",
        str(REPO),
        f"{env_prefix} sh -c {shlex.quote(shell)}",
    )
    screen = ""

    def capture() -> str:
        return tmux("capture-pane", "-t", session, "-p", check=False)

    def wait_for(what: str, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = capture()
            if predicate(screen):
                log(f"ok: {what}")
                return screen
            time.sleep(0.1)
        raise CheckFailed(f"timed out waiting for: {what}")

    def keys(*names: str) -> None:
        for name in names:
            tmux("send-keys", "-t", session, name)
            time.sleep(0.15)

    try:
        name = system_name(model)
        started = time.monotonic()
        wait_for("findings table drawn", lambda s: "Sev" in s and "Finding" in s and "findings" in s)
        log(f"first screen after {time.monotonic() - started:.1f}s")
        wait_for(f"tree shows the system '{name}'", lambda s: name[:20] in s)
        wait_for("status line counts open findings", lambda s: " open · open risk " in s)
        keys("c")
        wait_for("c opens the catalog browser", lambda s: "search catalogs" in s and "Cross-references" in s)
        keys("Escape")
        wait_for("escape returns to the overview", lambda s: "Sev" in s and "search catalogs" not in s)
        keys("F1")
        wait_for("F1 shows the key help", lambda s: "Keys — Overview" in s)
        keys("Escape")
        wait_for("escape closes the key help", lambda s: "Keys — Overview" not in s)
        keys("2", "Enter")
        wait_for(
            "enter opens the highlighted finding",
            lambda s: "Severity" in s and "Lifecycle" in s and "finding 1 of" in s,
        )
        keys("Escape")
        wait_for("escape returns from the finding", lambda s: "Sev" in s and "Attack scenario" not in s)
        keys("C-q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not status_file.exists():
            time.sleep(0.1)
        if not status_file.exists():
            screen = capture()
            raise CheckFailed("ctrl+q did not quit")
        code = status_file.read_text().strip()
        if code != "0":
            screen = capture()
            raise CheckFailed(f"threatmodel tui exited with status {code}")
        log("ok: ctrl+q quits with status 0")
    except CheckFailed:
        sys.stderr.write("--- last screen ---\n" + screen + "\n-------------------\n")
        raise
    finally:
        if not keep:
            tmux("kill-session", "-t", session, check=False)
        shutil.rmtree(status_file.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--keep", action="store_true", help="leave the tmux session running (for a look)")
    parser.add_argument("extra", nargs="*", help="more arguments for `threatmodel tui` (after --)")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    try:
        run(args.model.resolve(), args.extra, keep=args.keep, log=print)
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time from launching ``threatmodel tui MODEL`` to its first painted screen.

    python bench/tui_first_paint.py                    # the largest example model, 5 runs each way
    python bench/tui_first_paint.py --model models/x.yaml --runs 9
    python bench/tui_first_paint.py --model /tmp/pt/realshape-10000.yaml --runs 3 --code /tmp/base   # A/B

``--code DIR`` runs the TUI of another checkout (e.g. ``git archive main | tar -x -C /tmp/base``), so
the tree before a change and after it can be measured alternately in the same minutes.

Two measurements, each in fresh processes (imports included, nothing cached in memory):

* ``headless``: the real CLI entry point (``threatmodel.cli.main``) in a child process whose
  ``App.run`` is swapped for a headless run; the clock stops in the overview's first
  ``call_after_refresh`` callback, i.e. once the first frame has been composed, laid out and
  rendered; a second clock stops once the findings are on screen too (the same moment for a model
  analysed before the first frame; later for a large one, analysed in a worker thread). The child's
  start time is the parent's clock just before the spawn, so interpreter start-up counts; its CPU
  time (user + system, all threads) is the steadier figure on a loaded machine.
* ``tmux`` (when tmux is installed): the real program in a 120x36 tmux pane; the clock stops
  when the pane shows the findings table's header and the status line. The pane is polled
  every 20 ms, so this figure is up to 20 ms late.

Prints the median and the spread of each, plus the per-phase split of one headless run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHILD = r"""
import json, sys, time
T0 = float(sys.argv[1])
marks = {"interpreter": time.time() - T0}
import threatmodel.cli as cli
marks["cli imported"] = time.time() - T0
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.screens.overview import OverviewScreen
marks["tui imported"] = time.time() - T0

def run(self, *args, **kwargs):
    marks["app built (model loaded, analysed)"] = time.time() - T0
    return ThreatModelApp.__bases__[0].run(self, headless=True, size=(120, 36))

original_mount = OverviewScreen.on_mount

def on_mount(self):
    original_mount(self)
    def shown():
        marks["findings shown"] = time.time() - T0
        self.app.exit()
    def poll():
        if not getattr(self.app, "analysing", False):
            timer.stop()
            self.call_after_refresh(shown)
    def painted():
        global timer
        marks["first screen painted"] = time.time() - T0
        marks["process CPU s at first paint"] = time.process_time()
        if getattr(self.app, "analysing", False):
            timer = self.set_interval(0.01, poll)
        else:
            marks["findings shown"] = marks["first screen painted"]
            self.app.exit()
    self.call_after_refresh(painted)

ThreatModelApp.run = run
OverviewScreen.on_mount = on_mount
sys.argv = ["threatmodel", "tui", sys.argv[2], "--as-of", "2026-11-25"]
try:
    cli.main()
except SystemExit as exc:
    if exc.code:
        raise
print(json.dumps(marks))
"""


def largest_example() -> Path:
    from threatmodel.io.load import load_catalogs, load_model

    cats = load_catalogs()
    sizes = []
    for path in sorted((REPO / "models").glob("*.yaml")):
        model = load_model(path, known_controls=cats.control_refs).model
        sizes.append((len(model.components) + len(model.flows), path))
    return max(sizes)[1]


def headless_run(model: Path, code: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, repr(start), str(model)], capture_output=True, text=True, cwd=code, env=env
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    marks: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    marks["cpu s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return marks


def tmux_run(model: Path, run: int) -> float:
    session = f"tmpaint{os.getpid()}-{run}"
    exe = Path(sys.executable).parent / "threatmodel"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "threatmodel"]
    shell = f"env -u NO_COLOR TERM=xterm-256color {shlex.join([*argv, 'tui', str(model), '--as-of', '2026-11-25'])}"
    start = time.monotonic()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", "-c", str(REPO), shell], check=True
    )
    try:
        while time.monotonic() - start < 30:
            pane = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
            if "Sev" in pane and "Finding" in pane and " open · open risk " in pane:
                return time.monotonic() - start
            time.sleep(0.02)
        raise RuntimeError("the TUI did not paint within 30 s")
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        time.sleep(0.3)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="model file (default: the largest example model)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose TUI is measured (default: this one)")
    parser.add_argument("--no-tmux", action="store_true", help="skip the real-terminal measurement")
    args = parser.parse_args()
    model = (args.model or largest_example()).resolve()
    print(f"model: {model.relative_to(REPO) if model.is_relative_to(REPO) else model}; code: {args.code}")
    headless = [headless_run(model, args.code.resolve()) for _ in range(args.runs)]
    print(f"headless launch → first paint: {spread([h['first screen painted'] for h in headless])}")
    print(f"headless launch → findings shown: {spread([h['findings shown'] for h in headless])}")
    print(f"CPU s to first paint: {spread([h['process CPU s at first paint'] for h in headless])}")
    print(f"CPU s per run (user + system, all threads): {spread([h['cpu s'] for h in headless])}")
    typical = sorted(headless, key=lambda h: h["first screen painted"])[len(headless) // 2]
    for phase, at in typical.items():
        print(f"  {phase:<36} at {at:.2f} s")
    if shutil.which("tmux") and not args.no_tmux:
        with tempfile.TemporaryDirectory():
            real = [tmux_run(model, i) for i in range(args.runs)]
        print(f"tmux (real terminal) launch → findings visible: {spread(real)}")
    else:
        print("real-terminal measurement skipped (--no-tmux, or tmux not installed)")


if __name__ == "__main__":
    main()

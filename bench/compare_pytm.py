"""The same synthetic system in OWASP pytm and in threatmodel, end to end: model -> threats -> Markdown.

    python -m venv /tmp/pytm-venv && /tmp/pytm-venv/bin/pip install pytm==1.4.0
    PYTM_PYTHON=/tmp/pytm-venv/bin/python python bench/compare_pytm.py          # 1k and 10k
    python bench/compare_pytm.py --pytm-python /tmp/pytm-venv/bin/python --sizes 10,20,1000 --timeout 600

pytm lives in its own environment (it is not a dependency of this project); without one the pytm
side is skipped with the reason and threatmodel's times are still printed.

The system is bench/synth.py's: n components of every kind, 2n flows, sqrt(n) boundaries, n/50
data assets. threatmodel reads it as a YAML file (``threatmodel report --format md``); pytm builds
it from the same model as JSON with its own element classes (bench/pytm_driver.py: actors, LLMs,
agents, datastores, servers, processes, external entities, boundaries, data on flows), resolves its
threat library and renders bench/pytm_report_template.md (data flows and every finding). Each side
is one fresh process, timed from start to exit, one run each. pytm runs under a timeout and an
address-space cap (``--pytm-memory-gb``); a run stopped by either is reported as "> T s" with the
phase it reached, and the ratio as "> R x".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
AS_OF = "2026-11-25"


@dataclass
class Run:
    """One process run: wall seconds, peak RSS, whether it finished, and what it printed."""

    seconds: float
    peak_mb: float
    finished: bool
    note: str = ""
    phases: list[dict[str, object]] = field(default_factory=list)


def timed(
    argv: Sequence[str], *, cwd: Path, timeout: float | None = None, memory_bytes: int | None = None
) -> tuple[Run, str, str]:
    """Run ``argv`` once; on timeout it is killed and the run marked unfinished."""

    def limit() -> None:  # runs in the child before exec
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limit if memory_bytes else None
        )
        deadline = None if timeout is None else start + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    finished = not timed_out and proc.returncode == 0
    note = "timeout" if timed_out else ("" if finished else f"exit {proc.returncode}")
    if not finished and "MemoryError" in stderr:
        note = "out of memory"
    return Run(seconds, usage.ru_maxrss / 1024, finished, note), stdout, stderr


def pytm_problem(python: str | None) -> str | None:
    """Why pytm cannot run (None when it can)."""
    if not python:
        return "no pytm interpreter given (--pytm-python or PYTM_PYTHON; see this script's docstring to make one)"
    if not Path(python).is_file():
        return f"{python} does not exist"
    probe = subprocess.run(
        [python, "-c", "import pytm, importlib.metadata as m; print(m.version('pytm'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"{python} cannot import pytm: {probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else probe.returncode}"
    return None


def pytm_version(python: str) -> str:
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('pytm'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() or "?"


def threatmodel_argv() -> list[str]:
    script = Path(sys.executable).with_name("threatmodel")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "threatmodel"]


def write_models(folder: Path, n: int) -> tuple[Path, Path]:
    """The size-n synthetic model as YAML (threatmodel) and JSON (pytm), each made by bench/synth.py in its own process."""
    yaml_path, json_path = folder / f"synthetic-{n}.yaml", folder / f"synthetic-{n}.json"
    with open(yaml_path, "wb") as fh:
        subprocess.run([sys.executable, str(BENCH / "synth.py"), str(n)], stdout=fh, check=True)
    with open(json_path, "wb") as fh:
        subprocess.run([sys.executable, str(BENCH / "synth.py"), str(n), "--json"], stdout=fh, check=True)
    return yaml_path, json_path


def stopped(run: Run) -> bool:
    """Stopped by the timeout or the memory cap (still going), rather than failed."""
    return run.note in ("timeout", "out of memory")


def fmt_time(run: Run | None) -> str:
    if run is None:
        return "skipped"
    if run.finished:
        return f"{run.seconds:.2f}"
    return f"> {run.seconds:.0f}" if stopped(run) else "failed"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated component counts")
    parser.add_argument(
        "--pytm-python",
        default=os.environ.get("PYTM_PYTHON"),
        help="Python of an environment with pytm (or PYTM_PYTHON)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a pytm run is stopped")
    parser.add_argument("--pytm-memory-gb", type=float, default=4.0, help="address-space cap of a pytm run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    problem = pytm_problem(args.pytm_python)
    if problem:
        print(f"pytm: skipped: {problem}")
    else:
        print(f"pytm {pytm_version(args.pytm_python)} at {args.pytm_python}")
    tm = threatmodel_argv()
    folder = Path(tempfile.mkdtemp(prefix="tm-vs-pytm-"))
    rows = []
    try:
        for n in sizes:
            yaml_path, json_path = write_models(folder, n)
            ours, _, err = timed(
                [*tm, "report", "--format", "md", "--as-of", AS_OF, "-o", str(folder / f"tm-{n}.md"), str(yaml_path)],
                cwd=folder,
            )
            if not ours.finished:
                raise SystemExit(f"compare_pytm: threatmodel failed on {n} components ({ours.note}):\n{err[-2000:]}")
            theirs: Run | None = None
            if not problem:
                theirs, out, err = timed(
                    [
                        args.pytm_python,
                        str(BENCH / "pytm_driver.py"),
                        str(json_path),
                        str(BENCH / "pytm_report_template.md"),
                        str(folder / f"pytm-{n}.md"),
                    ],
                    cwd=folder,
                    timeout=args.timeout,
                    memory_bytes=int(args.pytm_memory_gb * 1024**3),
                )
                theirs.phases = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
                if not theirs.finished and not theirs.note.startswith(("timeout", "out of memory")):
                    theirs.note += ": " + (err.strip().splitlines() or ["no message"])[-1][:200]
            rows.append((n, ours, theirs))
            print(f"  {n} components done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"{'components':>10} {'flows':>6} {'threatmodel s':>13} {'MB':>5} {'pytm s':>8} {'MB':>5} {'ratio':>7}"
        f" {'pytm to threats s':>17} {'ratio':>6}  pytm phases"
    )
    for n, ours, theirs in rows:
        ratio = threats_s = threats_ratio = pytm_mb = "-"
        phases = ""
        if theirs is not None:
            if theirs.finished:
                ratio = f"{theirs.seconds / ours.seconds:.1f}x"
            elif stopped(theirs):
                ratio = f"> {theirs.seconds / ours.seconds:.0f}x"
            pytm_mb = f"{theirs.peak_mb:.0f}"
            by_name = {str(p["phase"]): float(str(p["s"])) for p in theirs.phases}
            if "resolve" in by_name:
                # pytm's own build + check + resolve, without interpreter start-up or the report:
                # a floor for its end-to-end time, against all of threatmodel's.
                to_threats = by_name["build"] + by_name["resolve"]
                threats_s = f"{to_threats:.2f}"
                threats_ratio = f"{to_threats / ours.seconds:.1f}x"
            done = ", ".join(
                f"{p['phase']} {p['s']} s" + (f" ({p['findings']} findings)" if "findings" in p else "")
                for p in theirs.phases
            )
            phases = done + ("" if theirs.finished else f"; the next phase ended: {theirs.note}")
        print(
            f"{n:>10} {2 * n:>6} {fmt_time(ours):>13} {ours.peak_mb:5.0f} {fmt_time(theirs):>8} {pytm_mb:>5} {ratio:>7}"
            f" {threats_s:>17} {threats_ratio:>6}  {phases}"
        )
    print(
        "(ratio: pytm's time over threatmodel's, '-' when pytm failed; 'pytm to threats' is its build + resolve,"
        " without start-up or report)"
    )


if __name__ == "__main__":
    main()

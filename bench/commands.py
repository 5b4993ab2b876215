"""Every command of issue 12's table, as a user runs it, on real-shaped models.

    python bench/commands.py                         # 1k and 10k components, 3 runs of each command
    python bench/commands.py --with-50k              # and 50k (the model is split into included parts)
    python bench/commands.py --sizes 1000 --repeats 5 --source all
    python bench/commands.py --profile --sizes 10000 # cProfile of analyze --format json and report md

Each run is a fresh process of the installed ``threatmodel`` command (startup, imports, loading,
evaluation and writing all count), its output written to a file in a scratch folder. The models are
built by bench/realshape.py (in its own process) from the example models; ``diff`` compares a model
with its next version (one copy fewer, one flow changed).

Times are wall-clock min and median over the runs, with the min of the child's CPU time (user +
system) beside them: on a shared machine CPU time moves less than wall time. Peak memory is the
``ru_maxrss`` that ``wait4`` returns for that one child (the largest of it and any process it ran,
such as Graphviz), not RUSAGE_CHILDREN (which keeps the maximum over every child so far). Linux
carries the parent's peak into a child that replaces itself with exec, so this script imports
nothing heavy and prints its own peak: figures at or below it are this script's, not the command's.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from io import StringIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "models" / "agent-with-tools.yaml"
AS_OF = "2026-11-25"
"""Fixed evaluation date: triage expiry never depends on the day the benchmark runs."""


@dataclass(frozen=True)
class Command:
    """One row of the table: a command line with ``{model}``, ``{next}`` and ``{out}`` placeholders."""

    name: str
    args: tuple[str, ...]
    goal: str
    per_size: bool = True
    exit_codes: tuple[int, ...] = (0,)
    stdout_to_out: bool = False
    """The command has no ``-o``: its standard output goes to the output file."""


COMMANDS: tuple[Command, ...] = (
    Command("threatmodel --help", ("--help",), "< 0.1 s", per_size=False, stdout_to_out=True),
    Command("validate (example)", ("validate", str(EXAMPLE)), "< 0.2 s", per_size=False, stdout_to_out=True),
    Command("validate", ("validate", "{model}"), "< 0.8 s", stdout_to_out=True),
    Command(
        "analyze --format json",
        ("analyze", "--format", "json", "--as-of", AS_OF, "-o", "{out}", "{model}"),
        "< 2.0 s, < 400 MB",
    ),
    Command("analyze (text)", ("analyze", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.0 s"),
    Command("report md", ("report", "--format", "md", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.5 s"),
    Command("report html", ("report", "--format", "html", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.5 s"),
    Command("report sarif", ("report", "--format", "sarif", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.5 s"),
    Command("report stix", ("report", "--format", "stix", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.5 s"),
    Command("check", ("check", "--as-of", AS_OF, "-o", "{out}", "{model}"), "< 2.5 s", exit_codes=(0, 1)),
    Command("diff", ("diff", "--as-of", AS_OF, "-o", "{out}", "{model}", "{next}"), "< 4 s"),
)
PROFILED = ("analyze --format json", "report md")
MEMORY_GOAL_50K_MB = 1024
"""Issue 12: peak memory under 1 GB at 50k components for analyze and every report."""


@dataclass
class Result:
    """The runs of one command on one model."""

    command: str
    size: str
    goal: str
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    out_mb: float = 0.0
    stopped: bool = False
    """A run was stopped at the timeout; its figures are lower bounds."""

    @property
    def min_s(self) -> float:
        return min(self.wall_s)

    @property
    def median_s(self) -> float:
        return statistics.median(self.wall_s)


class BenchError(Exception):
    """A command failed or a model could not be built."""


def threatmodel_argv(explicit: str | None) -> list[str]:
    """How to start threatmodel: ``--threatmodel``, the script beside this interpreter, or ``-m``."""
    if explicit:
        return [explicit]
    script = Path(sys.executable).with_name("threatmodel")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "threatmodel"]


def run_once(
    argv: Sequence[str],
    *,
    cwd: Path,
    out: Path,
    to_stdout: bool,
    exit_codes: Sequence[int],
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float, float, bool]:
    """Wall seconds, CPU seconds, peak RSS (MB) of one run of ``argv``, and whether it finished in ``timeout``."""
    err = out.with_suffix(".stderr")
    with open(out if to_stdout else os.devnull, "wb") as stdout, open(err, "wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env)
        finished = True
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if timeout else 0)
            if pid:
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                finished = False
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if finished and proc.returncode not in exit_codes:
        tail = err.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, finished


def build_models(folder: Path, sizes: Sequence[int], source: str) -> dict[int, tuple[Path, Path, str]]:
    """Each size's model and next version, built once in a separate process; with a line of counts."""
    models: dict[int, tuple[Path, Path, str]] = {}
    for n in sizes:
        sub = folder / f"{source}-{n}"
        model, nxt = sub / f"realshape-{n}.yaml", sub / f"realshape-{n}-next.yaml"
        stamp = sub / "counts.txt"
        if not stamp.is_file():
            done = subprocess.run(
                [
                    sys.executable,
                    str(REPO / "bench" / "realshape.py"),
                    "--components",
                    str(n),
                    "--source",
                    source,
                    "--out",
                    str(sub),
                    "--vary",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BenchError(f"realshape {n}: {done.stderr.strip() or done.stdout.strip()}")
            stamp.write_text(done.stdout.splitlines()[0], encoding="utf-8")
        models[n] = (model, nxt, stamp.read_text(encoding="utf-8").strip())
    return models


LARGE_MODEL_ENV = {**os.environ, "THREATMODEL_MAX_MODEL_SIZE": "64MiB"}
"""The 50k model reads 45 MB in four included parts: over the default 16 MiB limit of a model and
its includes, so its runs raise the limit (decision 0911)."""


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def measure(
    tm: list[str],
    models: dict[int, tuple[Path, Path, str]],
    repeats: int,
    scratch: Path,
    only: set[str] | None,
    timeout: float,
) -> list[Result]:
    results: list[Result] = []
    for cmd in COMMANDS:
        if only and cmd.name not in only:
            continue
        targets: list[tuple[str, Path | None, Path | None]] = (
            [(label(n), m, nx) for n, (m, nx, _) in models.items()] if cmd.per_size else [("-", None, None)]
        )
        for size, model, nxt in targets:
            result = Result(cmd.name, size, cmd.goal)
            out = scratch / f"{cmd.name.replace(' ', '_').replace('-', '')}-{size}.out"
            args = [a.format(model=model, next=nxt, out=out) for a in cmd.args]
            cwd = model.parent if model else REPO
            for _ in range(repeats):
                wall, cpu, peak, finished = run_once(
                    [*tm, *args],
                    cwd=cwd,
                    out=out,
                    to_stdout=cmd.stdout_to_out,
                    exit_codes=cmd.exit_codes,
                    timeout=timeout,
                    env=LARGE_MODEL_ENV if size == "50k" else None,
                )
                result.wall_s.append(wall)
                result.cpu_s.append(cpu)
                result.peak_mb.append(peak)
                if not finished:  # one stopped run says enough; the others would take as long
                    result.stopped = True
                    break
            result.out_mb = out.stat().st_size / 1e6 if out.exists() else 0.0
            results.append(result)
            print(f"  {cmd.name:<22} {size:>4}  {result.min_s:6.2f} s", file=sys.stderr, flush=True)
    return results


def table(results: Sequence[Result], repeats: int) -> str:
    lines = [
        f"{'command':<22} {'size':>4} {'min s':>7} {'median s':>8} {'cpu s':>7} {'peak MB':>8} {'out MB':>7}  goal",
        "-" * 86,
    ]
    for r in results:
        goal = r.goal
        if r.size == "50k" and (r.command.startswith("report") or r.command.startswith("analyze")):
            goal = f"< {MEMORY_GOAL_50K_MB} MB"
        if r.stopped:
            lines.append(
                f"{r.command:<22} {r.size:>4} {'> ' + format(r.wall_s[-1], '.0f'):>7} {'-':>8} "
                f"{'> ' + format(r.cpu_s[-1], '.0f'):>7} {'> ' + format(max(r.peak_mb), '.0f'):>8} {'-':>7}  {goal}"
            )
            continue
        lines.append(
            f"{r.command:<22} {r.size:>4} {r.min_s:7.2f} {r.median_s:8.2f} {min(r.cpu_s):7.2f} "
            f"{max(r.peak_mb):8.0f} {r.out_mb:7.2f}  {goal}"
        )
    lines.append(f"({repeats} runs each; peak MB is the largest of the runs; '> T': stopped at the timeout)")
    return "\n".join(lines)


def profile(tm: list[str], model: Path, scratch: Path, top: int) -> str:
    """The top of a cProfile (cumulative seconds) of each command in PROFILED on ``model``."""
    python = Path(tm[0]).with_name("python") if len(tm) == 1 else Path(tm[0])
    chunks: list[str] = []
    for cmd in COMMANDS:
        if cmd.name not in PROFILED:
            continue
        out = scratch / f"profile-{cmd.name.replace(' ', '_')}.out"
        prof = out.with_suffix(".prof")
        args = [a.format(model=model, next=model, out=out) for a in cmd.args]
        argv = [str(python), "-m", "cProfile", "-o", str(prof), "-m", "threatmodel", *args]
        wall, _, _, _ = run_once(argv, cwd=model.parent, out=out, to_stdout=False, exit_codes=cmd.exit_codes)
        text = StringIO()
        stats = pstats.Stats(str(prof), stream=text)
        stats.strip_dirs().sort_stats("cumulative").print_stats(top)
        body = text.getvalue()
        start = body.find("   ncalls")
        chunks.append(f"== {cmd.name} on {model.name} (profiled run: {wall:.1f} s)\n{body[start:].rstrip()}")
    return "\n\n".join(chunks)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated target component counts")
    parser.add_argument("--with-50k", action="store_true", help="also measure 50,000 components")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is stopped (shown as '> T')")
    parser.add_argument("--source", default="agent-with-tools", help="example model to replicate, or 'all'")
    parser.add_argument("--only", help="comma-separated command names (as in the table) to run")
    parser.add_argument("--threatmodel", help="the threatmodel executable (default: beside this Python)")
    parser.add_argument("--models", type=Path, help="keep the built models here and reuse them next time")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of analyze json and report md instead")
    parser.add_argument("--top", type=int, default=30, help="profile rows per command")
    args = parser.parse_args(argv)
    # Users' installs carry bytecode; a checkout run with PYTHONDONTWRITEBYTECODE set would compile
    # every module of the package again in each timed process (about 80 ms of a small `validate`).
    compileall.compile_dir(REPO / "threatmodel", quiet=1)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.with_50k and 50_000 not in sizes:
        sizes.append(50_000)
    tm = threatmodel_argv(args.threatmodel)
    only = {s.strip() for s in args.only.split(",")} if args.only else None

    scratch = Path(tempfile.mkdtemp(prefix="tm-bench-"))
    try:
        models = build_models(args.models or scratch, sizes, args.source)
        for n, (_, _, counts) in models.items():
            print(f"{label(n)}: {args.source}, {counts}")
        if args.profile:
            print(profile(tm, models[max(models)][0], scratch, args.top))
            return
        results = measure(tm, models, args.repeats, scratch, only, args.timeout)
        print(table(results, args.repeats))
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(this script's own peak: {own:.0f} MB; a command's figure at or below it is this script's)")
        if args.json:
            args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    except BenchError as exc:
        raise SystemExit(f"commands: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

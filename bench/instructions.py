"""Count the instructions one ``threatmodel`` command executes, in this tree and in others (A/B).

    python bench/instructions.py -- validate models/agent-with-tools.yaml
    python bench/instructions.py --code /tmp/base -- validate /tmp/rs/realshape-10000.yaml
    python bench/instructions.py --runs 3 --code /tmp/base -- --help

CPU seconds on a shared machine move with the load (other jobs, caches, hyper-threads) by more
than a 10 % change is worth. The number of instructions a run executes does not: each command runs
under ``valgrind --tool=cachegrind --cache-sim=no``, which counts them (about 30 to 50 times slower
than a normal run). ``--code DIR`` runs another checkout's package by putting DIR first on
``PYTHONPATH``; trees alternate when ``--runs`` is above one. Fewer instructions are not always
less time (memory-bound work such as building millions of objects is cheap in instructions), so
read the counts beside CPU seconds from ``bench/commands.py``.

Without valgrind the script says so and exits 2. Bytecode is compiled first
(``compileall``), so a tree that has never been imported is not charged for compiling itself.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNNER = "from threatmodel.cli import main\nmain()\n"
"""What the ``threatmodel`` console script runs (``sys.argv[1:]`` are the arguments), its way of
ending included: since decision 1867 ``main`` skips the interpreter's teardown."""
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(code: Path, args: list[str], timeout: float) -> int | None:
    """Instructions of one run of ``threatmodel ARGS`` with the package from ``code``; None if it failed."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-P",  # no working directory on sys.path: the package must come from PYTHONPATH
        "-c",
        RUNNER,
        *args,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    found = _REFS.search(done.stderr)
    if found is None or done.returncode not in (0, 1):
        return None
    return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", action="append", default=[], type=Path, help="another tree to compare (repeatable)")
    parser.add_argument("--runs", type=int, default=1, help="runs per tree (the counts barely move)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run under valgrind")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the threatmodel arguments")
    options = parser.parse_args()
    args = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not args:
        parser.error("give the threatmodel arguments after --")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: no instruction counts (apt-get install valgrind)", file=sys.stderr)
        return 2
    trees = [REPO, *options.code]
    for tree in trees:
        compileall.compile_dir(tree / "threatmodel", quiet=1)
    counts: dict[Path, list[int | None]] = {tree: [] for tree in trees}
    for run in range(options.runs):
        for tree in trees if run % 2 == 0 else reversed(trees):
            counts[tree].append(count(tree, args, options.timeout))
    print(f"threatmodel {' '.join(args)}")
    for tree in trees:
        shown = ", ".join("failed" if n is None else f"{n / 1e6:,.1f} M" for n in counts[tree])
        print(f"  {'this tree' if tree == REPO else str(tree):<30} {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

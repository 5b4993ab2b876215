"""CPU time of rule matching alone (``Matcher.holding``) inside one ``evaluate``, in this tree or another.

    python bench/match_bench.py --model /tmp/rs/realshape-10000.yaml           # 3 rounds, this tree
    python bench/match_bench.py --model /tmp/rs/realshape-10000.yaml --code /tmp/base   # another tree
    python bench/match_bench.py --components 10000 --source all --rounds 5
    python bench/match_bench.py --model /tmp/rs/realshape-2000.yaml --instructions --code /tmp/base

Each round builds the graph afresh and evaluates the model once, set-wise, with every outermost
call of ``Matcher.holding`` timed (process time; the searches and tables a call builds are charged to
it, as they are built on first use). Printed: the minimum over the rounds of the matching time and of
the whole ``evaluate``, and a digest of the assessment's JSON, so two trees can be shown to give the
same assessment (``--code DIR`` imports the package from DIR instead of this tree: an A/B in one
shell, alternating the trees, in the same minutes). Loading is left out. CPU time is the figure to
compare on a shared machine; ``--instructions`` counts the instructions executed inside matching
(one round under valgrind's callgrind, 50 to 100 times slower: use a 1k or 2k model), which the
machine's load does not move; ``bench/instructions.py`` counts those of a whole command.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import functools
import hashlib
import operator
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

AS_OF = dt.date(2026, 12, 4)


def timed_holding(holding: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    """``holding`` that adds the process time of each outermost call to ``spent[0]``. The call
    goes through ``operator.call``, a C function nothing else here calls, so that callgrind can
    count the instructions inside it alone (``--instructions``)."""
    depth = [0]

    @functools.wraps(holding)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if depth[0]:
            return holding(*args, **kwargs)
        depth[0] += 1
        start = time.process_time()
        try:
            return operator.call(holding, *args, **kwargs)
        finally:
            spent[0] += time.process_time() - start
            depth[0] -= 1

    return wrapper


def count_instructions(args: argparse.Namespace) -> None:
    """Instructions executed inside matching: one round of this script under callgrind, counting
    only inside ``operator.call`` (what the outermost ``holding`` calls run in)."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: no instruction counts (apt-get install valgrind)")
    compileall.compile_dir(args.code / "threatmodel", quiet=1)
    command = [
        "valgrind",
        "--tool=callgrind",
        "--toggle-collect=_operator_call",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--rounds",
        "1",
        "--code",
        str(args.code),
        "--components",
        str(args.components),
        "--source",
        args.source,
        *(["--model", str(args.model)] if args.model is not None else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the run under valgrind failed:\n{done.stderr[-2000:]}")
    print(done.stdout, end="")
    print(f"  matching (holding)  {int(found.group(1).replace(',', '')) / 1e6:,.1f} M instructions")


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, str(REPO))  # bench.realshape, from this tree (it imports threatmodel only when loading)
    from bench import realshape

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    realshape.model_arguments(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, default=REPO, help="the tree whose package is imported")
    parser.add_argument(
        "--instructions", action="store_true", help="count the instructions of matching under valgrind (one round)"
    )
    args = parser.parse_args(argv)
    if args.instructions:
        count_instructions(args)
        return
    sys.path.insert(0, str(args.code.resolve()))  # threatmodel, from the tree measured

    from threatmodel.engine import evaluate
    from threatmodel.engine.match import Matcher
    from threatmodel.graph import build_graph

    model, catalogs = realshape.load_for_bench(args.model, args.source, args.components)
    print(f"{args.code}: {len(model.components):,} components, {len(model.flows):,} flows")

    spent = [0.0]
    plain = Matcher.holding
    Matcher.holding = timed_holding(plain, spent)  # type: ignore[method-assign]
    best_match = best_total = float("inf")
    digest = ""
    try:
        for _ in range(args.rounds):
            graph = build_graph(model)
            spent[0] = 0.0
            start = time.process_time()
            assessment = evaluate(model, catalogs.cset, as_of=AS_OF, graph=graph)
            best_total = min(best_total, time.process_time() - start)
            best_match = min(best_match, spent[0])
            digest = hashlib.sha256(assessment.model_dump_json().encode()).hexdigest()[:16]
    finally:
        Matcher.holding = plain  # type: ignore[method-assign]
    print(f"  matching (holding)  {best_match:6.2f} s CPU (min of {args.rounds})")
    print(f"  evaluate            {best_total:6.2f} s CPU; {len(assessment.findings):,} findings, json {digest}")


if __name__ == "__main__":
    main()

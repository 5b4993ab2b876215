"""CPU time of ``evaluate`` alone on a real-shaped model: set-wise against the reference evaluation.

    python bench/evaluate_bench.py                          # 10k copies of agent-with-tools, 3 rounds
    python bench/evaluate_bench.py --components 10000 --source all --rounds 5
    python bench/evaluate_bench.py --model path/to/model.yaml --profile   # cProfile of one set-wise run
    python bench/evaluate_bench.py --unexplained    # explained against unexplained (check, diff)

Loading and building the graph are left out (they are the same for both); each round evaluates the
model set-wise and then element by element (``evaluate(..., reference=True)``), alternately, in
this one process, and checks the two assessments are identical. CPU time (user + system of this
process) is the figure to compare on a shared machine; the minimum of the rounds is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AS_OF = dt.date(2026, 12, 4)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    from bench import realshape

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    realshape.model_arguments(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one set-wise evaluation")
    parser.add_argument(
        "--unexplained",
        action="store_true",
        help="time the explained evaluation against the unexplained one (explain=False, what check and diff run)",
    )
    args = parser.parse_args(argv)

    from threatmodel.engine import evaluate
    from threatmodel.graph import build_graph

    model, catalogs = realshape.load_for_bench(args.model, args.source, args.components)
    print(f"{len(model.components):,} components, {len(model.flows):,} flows, {len(model.data):,} data assets")

    def run(reference: bool) -> tuple[float, str]:
        graph = build_graph(model)
        start = time.process_time()
        assessment = evaluate(model, catalogs.cset, as_of=AS_OF, graph=graph, reference=reference)
        return time.process_time() - start, assessment.model_dump_json()

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(False)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    if args.unexplained:
        compare_unexplained(model, catalogs.cset, args.rounds)
        return
    best = {False: float("inf"), True: float("inf")}
    for _ in range(args.rounds):
        fast, fast_json = run(False)
        slow, slow_json = run(True)
        if fast_json != slow_json:
            raise SystemExit("set-wise and reference assessments differ")
        best[False], best[True] = min(best[False], fast), min(best[True], slow)
    findings = fast_json.count('"threat":')
    print(f"evaluate, set-wise   {best[False]:6.2f} s CPU (min of {args.rounds})")
    print(f"evaluate, reference  {best[True]:6.2f} s CPU (min of {args.rounds}); identical, {findings:,} findings")
    print(f"process CPU {cpu():.1f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


def compare_unexplained(model: object, cset: object, rounds: int) -> None:
    """Explained and unexplained evaluation, alternately; the two must agree on ids and scores."""
    from threatmodel.engine import evaluate
    from threatmodel.graph import build_graph

    best = {True: float("inf"), False: float("inf")}
    decided: dict[bool, list[tuple[str, int, str]]] = {}
    for _ in range(rounds):
        for explain in (True, False):
            graph = build_graph(model)  # type: ignore[arg-type]
            start = time.process_time()
            assessment = evaluate(model, cset, as_of=AS_OF, graph=graph, explain=explain)  # type: ignore[arg-type]
            best[explain] = min(best[explain], time.process_time() - start)
            decided[explain] = [(f.id, f.residual_risk, f.status.value) for f in assessment.findings]
    if decided[True] != decided[False]:
        raise SystemExit("explained and unexplained findings differ in ids, scores or statuses")
    print(f"evaluate, explained    {best[True]:6.2f} s CPU (min of {rounds})")
    print(f"evaluate, unexplained  {best[False]:6.2f} s CPU (min of {rounds}); same {len(decided[True]):,} findings")
    print(f"process CPU {cpu():.1f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()

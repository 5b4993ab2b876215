"""Load + evaluate time and peak memory at 100 / 1,000 / 10,000 components (2 flows each).

    python bench/engine_bench.py            # all sizes, one process per size
    python bench/engine_bench.py --size 10000

Each size runs in a fresh process so peak memory (ru_maxrss) is that size's alone.
Catalog loading is measured separately (it is the same for every model).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def run_one(n: int, repeats: int) -> dict[str, float]:
    from bench.synth import synthetic_yaml
    from threatmodel.engine import evaluate
    from threatmodel.io.load import load_catalogs, load_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{n}.yaml"
        path.write_text(synthetic_yaml(n), encoding="utf-8")
        t0 = time.perf_counter()
        cats = load_catalogs()
        catalogs_s = time.perf_counter() - t0
        best_load = best_eval = float("inf")
        findings = 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            loaded = load_model(path, known_controls=cats.control_refs)
            t1 = time.perf_counter()
            assessment = evaluate(loaded.model, cats.catalogs, as_of=dt.date(2026, 11, 25))
            t2 = time.perf_counter()
            best_load, best_eval = min(best_load, t1 - t0), min(best_eval, t2 - t1)
            findings = len(assessment.findings)
        size_mb = path.stat().st_size / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "components": n,
        "flows": 2 * n,
        "file_mb": round(size_mb, 2),
        "catalogs_s": round(catalogs_s, 3),
        "load_s": round(best_load, 3),
        "evaluate_s": round(best_eval, 3),
        "total_s": round(best_load + best_eval, 3),
        "findings": findings,
        "peak_rss_mb": round(peak_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.size:
        print(json.dumps(run_one(args.size, args.repeats)))
        return
    rows = []
    for n in (100, 1_000, 10_000):
        out = subprocess.run(
            [sys.executable, __file__, "--size", str(n), "--repeats", str(args.repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout))
    header = f"{'components':>10} {'flows':>6} {'file MB':>7} {'load s':>7} {'eval s':>7} {'total s':>7} {'findings':>8} {'peak MB':>8}"
    print(header)
    for r in rows:
        print(
            f"{r['components']:>10} {r['flows']:>6} {r['file_mb']:>7} {r['load_s']:>7} {r['evaluate_s']:>7} "
            f"{r['total_s']:>7} {r['findings']:>8} {r['peak_rss_mb']:>8}"
        )
    print(f"(catalog loading, once per process: {rows[-1]['catalogs_s']} s)")


if __name__ == "__main__":
    main()

"""`threatmodel check` over a monorepo of example-sized models: in one process and in worker processes.

    python bench/check_monorepo.py                     # 204 models (34 copies of each example), 3 runs each way
    python bench/check_monorepo.py --copies 10 --repeats 5

Each run is a fresh process of the installed ``threatmodel``, as CI runs it, with the models as
relative paths from the folder that holds them. Prints min and median wall time and the CPU time
of the ``threatmodel`` process itself (workers started by the forkserver are not its children, so
their CPU time is not in it), and checks that both ways print the same bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25"


def run(argv: list[str], cwd: Path) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds of the process (not of forkserver workers) and stdout of one run."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:4])} ... exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=34, help="copies of each example model")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("threatmodel")
    tm = [str(exe)] if exe.is_file() else [sys.executable, "-m", "threatmodel"]
    examples = sorted((REPO / "models").glob("*.yaml"))
    with tempfile.TemporaryDirectory(prefix="tm-monorepo-") as tmp:
        root = Path(tmp)
        names = []
        for copy in range(1, args.copies + 1):
            for source in examples:
                name = f"models/{source.stem}-{copy}.yaml"
                (root / name).parent.mkdir(exist_ok=True)
                shutil.copyfile(source, root / name)
                names.append(name)
        print(f"{len(names)} models, {os.cpu_count()} CPUs")
        outputs = {}
        for label, jobs in (("one process (--jobs 1)", ["--jobs", "1"]), ("worker processes (default)", [])):
            walls, cpus = [], []
            for _ in range(args.repeats):
                wall, cpu, out = run([*tm, "check", "--as-of", AS_OF, *jobs, *names], root)
                walls.append(wall)
                cpus.append(cpu)
                outputs[label] = out
            print(
                f"  {label:<28} min {min(walls):6.2f} s  median {statistics.median(walls):6.2f} s  "
                f"cpu of the main process {min(cpus):6.2f} s"
            )
        same = len(set(outputs.values())) == 1
        print(f"  same output both ways: {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()

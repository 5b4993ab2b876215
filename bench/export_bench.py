"""Export time for every format on the synthetic 10,000-component model (2 flows each), or on a model file.

    python bench/export_bench.py [--size 10000]
    python bench/export_bench.py --model /tmp/rs/realshape-10000.yaml   # e.g. built by bench/realshape.py

Runs each exporter once on one evaluated assessment, as `threatmodel report` and
`threatmodel diagram` do (SARIF includes locating every element in the YAML file), and prints
wall and CPU seconds of each. To compare two trees, run this script with ``PYTHONPATH`` set to
each in turn (the figures in docs/performance.md were taken that way).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO))  # after PYTHONPATH: a tree to compare with can be put first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--model", type=Path, help="a model file to export instead of the synthetic model")
    args = parser.parse_args()

    from bench.synth import synthetic_yaml
    from threatmodel.errors import RenderError
    from threatmodel.export.diagram import render_dot, render_mermaid
    from threatmodel.export.html import render_html
    from threatmodel.export.json import render_json
    from threatmodel.export.markdown import render_markdown
    from threatmodel.export.sarif import render_sarif
    from threatmodel.export.stix import render_stix
    from threatmodel.io.analysis import analyze
    from threatmodel.io.graphviz import run_dot
    from threatmodel.io.load import load_catalogs

    with tempfile.TemporaryDirectory() as tmp:
        path = args.model or Path(tmp) / "synthetic.yaml"
        if args.model is None:
            path.write_text(synthetic_yaml(args.size), encoding="utf-8")
        cats = load_catalogs()
        analysis = analyze(path, cats, as_of=dt.date(2026, 11, 25))

        timings: list[tuple[str, float, float, int]] = []

        def timed(name: str, make: object) -> object:
            start, cpu = time.perf_counter(), time.process_time()
            out = make()  # type: ignore[operator]
            timings.append((name, time.perf_counter() - start, time.process_time() - cpu, len(out)))
            return out

        dot = timed("dot (overview)", lambda: render_dot(analysis))
        try:
            svg: Any = timed("svg (dot → graphviz)", lambda: run_dot(dot, "svg"))  # type: ignore[arg-type]
        except RenderError as exc:  # no Graphviz here: the HTML report goes without its diagram
            print(f"svg skipped: {exc.problems[0].message}")
            svg = None
        timed("mermaid (overview)", lambda: render_mermaid(analysis))
        timed("json", lambda: render_json(analysis, tool_version="bench"))
        timed("markdown", lambda: render_markdown(analysis, tool_version="bench"))
        timed("html", lambda: render_html(analysis, tool_version="bench", diagram_svg=svg.decode() if svg else None))
        timed("sarif", lambda: render_sarif(analysis, tool_version="bench"))
        timed("stix", lambda: render_stix(analysis, tool_version="bench"))
    m = analysis.model
    print(f"{len(m.components)} components, {len(m.flows)} flows, {len(analysis.assessment.findings)} findings")
    for name, seconds, cpu, size in timings:
        print(f"  {name:<22} {seconds:6.2f} s  {cpu:6.2f} s CPU  {size / 1e6:7.2f} MB")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

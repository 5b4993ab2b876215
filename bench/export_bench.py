"""Export time for every format on the synthetic 10,000-component model (2 flows each).

    python bench/export_bench.py [--size 10000]

Runs each exporter once on one evaluated assessment, as `threatmodel report` and
`threatmodel diagram` do (SARIF includes locating every element in the YAML file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()

    from bench.synth import synthetic_yaml
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
        path = Path(tmp) / "synthetic.yaml"
        path.write_text(synthetic_yaml(args.size), encoding="utf-8")
        cats = load_catalogs()
        analysis = analyze(path, cats, as_of=dt.date(2026, 11, 25))

        timings: list[tuple[str, float, int]] = []

        def timed(name: str, make: object) -> object:
            start = time.perf_counter()
            out = make()  # type: ignore[operator]
            timings.append((name, time.perf_counter() - start, len(out)))
            return out

        dot = timed("dot (overview)", lambda: render_dot(analysis))
        svg = timed("svg (dot → graphviz)", lambda: run_dot(dot, "svg"))  # type: ignore[arg-type]
        timed("mermaid (overview)", lambda: render_mermaid(analysis))
        timed("json", lambda: render_json(analysis, tool_version="bench"))
        timed("markdown", lambda: render_markdown(analysis, tool_version="bench"))
        timed("html", lambda: render_html(analysis, tool_version="bench", diagram_svg=svg.decode()))  # type: ignore[attr-defined]
        timed("sarif", lambda: render_sarif(analysis, tool_version="bench"))
        timed("stix", lambda: render_stix(analysis, tool_version="bench"))
    print(f"{args.size} components, {2 * args.size} flows, {len(analysis.assessment.findings)} findings")
    for name, seconds, size in timings:
        print(f"  {name:<22} {seconds:6.2f} s  {size / 1e6:7.2f} MB")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

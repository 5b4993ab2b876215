"""Calibrate the diagram layout budget: time Graphviz on synthetic models of growing size.

Usage: .venv/bin/python bench/diagram_budget.py [N ...]   (default 100 200 300 400 500)

For each N it builds a model of N services over sqrt(N) boundaries, each with a flow to a
pseudo-random other service (most flows cross boundaries, the slow case for dot), prints
the predicted cost (threatmodel.export.diagram.layout_cost) and the wall time of
``dot -Tsvg`` on the whole-model view, stopping at the first run over 60 s.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time

from threatmodel.engine.analysis import analyse
from threatmodel.errors import RenderError
from threatmodel.export.diagram import LAYOUT_BUDGET, DiagramView, build_scene, layout_cost, render_dot_scene
from threatmodel.io.graphviz import run_dot
from threatmodel.model.system import SystemModel


def model(n: int) -> SystemModel:
    k = max(1, int(math.sqrt(n)))
    return SystemModel.model_validate(
        {
            "system": {"id": "big", "name": "Big"},
            "data": [{"id": "d", "name": "Records"}],
            "boundaries": [{"id": f"b{i}", "trust": "internal"} for i in range(k)],
            "components": [{"id": f"c{i}", "kind": "application", "boundary": f"b{i % k}"} for i in range(n)],
            "flows": [
                {"source": f"c{i}", "target": f"c{(i * 7 + 3) % n}", "data": ["d"]}
                for i in range(n)
                if (i * 7 + 3) % n != i
            ],
        }
    )


def main(sizes: list[int]) -> None:
    print(f"budget {LAYOUT_BUDGET}")
    for n in sizes:
        a = analyse(model(n), (), as_of=dt.date(2026, 1, 1))
        scene = build_scene(a, DiagramView(overview=False, threshold=10**9))
        start = time.perf_counter()
        try:
            run_dot(render_dot_scene(scene), "svg", timeout=60)
            took = f"{time.perf_counter() - start:.1f} s"
        except RenderError as exc:
            took = f"failed after {time.perf_counter() - start:.1f} s: {exc.problems[0].message[:60]}"
        print(f"n={n:5} nodes={len(scene.nodes)} edges={len(scene.edges)} cost={layout_cost(scene):6} svg {took}")
        if "failed" in took:
            break


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 200, 300, 400, 500])

"""Diagram SVG in a real browser: every label Chromium draws stays inside the box Graphviz made for it.

Graphviz sizes boxes with the metrics of the font it is told; a browser draws with the font it has.
The page below inlines the SVG of every example model and measures, with ``getBBox``, each text of a
node or a boundary against the shapes of the same group, and the texts of one group against each
other on the same line. It writes what it finds into the page, and ``--dump-dom`` reads it back.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.export.reporting import REPO, example_models
from tests.helpers import FIXED_DATE
from threatmodel.engine import analyse
from threatmodel.export.diagram import render_dot, svg_fonts
from threatmodel.io.graphviz import find_dot, run_dot
from threatmodel.io.load import load_catalogs, load_model

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"headless Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)",
)
needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz (dot or the graphviz-pure wheel)")

TOLERANCE = 0.5
"""CSS pixels a glyph box may poke out (anti-aliasing, rounding of Graphviz coordinates)."""

MEASURE = """
const problems = [];
const box = (e) => { const b = e.getBBox(); return {x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height}; };
for (const svg of document.querySelectorAll('svg')) {
  const name = svg.getAttribute('data-model');
  for (const g of svg.querySelectorAll('g.node, g.cluster')) {
    const shapes = [...g.querySelectorAll('polygon, ellipse, path, rect, polyline')].map(box);
    const texts = [...g.querySelectorAll('text')].filter((t) => t.textContent.trim());
    const boxes = texts.map(box);
    texts.forEach((t, i) => {
      const b = boxes[i];
      const inside = shapes.some((s) => b.x0 >= s.x0 - TOL && b.x1 <= s.x1 + TOL && b.y0 >= s.y0 - TOL && b.y1 <= s.y1 + TOL);
      if (!inside) problems.push(`${name}: "${t.textContent}" overflows its shape`);
      boxes.forEach((o, j) => {
        if (j <= i) return;
        const sameLine = Math.min(b.y1, o.y1) - Math.max(b.y0, o.y0) > 0.6 * Math.min(b.y1 - b.y0, o.y1 - o.y0);
        const overlap = Math.min(b.x1, o.x1) - Math.max(b.x0, o.x0);
        if (sameLine && overlap > TOL) problems.push(`${name}: "${t.textContent}" runs into "${texts[j].textContent}"`);
      });
    });
  }
}
document.getElementById('result').textContent = JSON.stringify(problems);
"""


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_html_screenshot", REPO / "scripts" / "render_html_screenshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PLACEMENT = """
const problems = [];
const rect = (e) => e.getBoundingClientRect();
const gap = (a, b) => Math.max(0, a.left - b.right, b.left - a.right, a.top - b.bottom, b.top - a.bottom);
for (const svg of document.querySelectorAll('svg')) {
  const name = svg.getAttribute('data-model');
  const page = rect(svg);
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    const b = rect(t);
    if (b.left < page.left - TOL || b.right > page.right + TOL || b.top < page.top - TOL || b.bottom > page.bottom + TOL)
      problems.push(`${name}: "${t.textContent}" is cut off by the edge of the picture`);
  }
  for (const g of svg.querySelectorAll('g.edge')) {
    const line = g.querySelector('path');
    if (!line) continue;
    const l = rect(line);
    const texts = [...g.querySelectorAll('text')].filter((t) => t.textContent.trim());
    if (!texts.length) continue;
    const rs = texts.map(rect);
    const label = {left: Math.min(...rs.map((r) => r.left)), right: Math.max(...rs.map((r) => r.right)),
                   top: Math.min(...rs.map((r) => r.top)), bottom: Math.max(...rs.map((r) => r.bottom))};
    const words = texts.map((t) => t.textContent).join(' ');
    if (gap(label, l) > NEAR) problems.push(`${name}: flow label "${words}" stands ${Math.round(gap(label, l))} px from its arrow`);
  }
}
document.getElementById('result').textContent = JSON.stringify(problems);
"""
NEAR = 24
"""CSS pixels a flow label may stand from the bounding box of its arrow."""


def _page(svgs: dict[str, str], script: str = MEASURE) -> str:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"]
    for name, svg in svgs.items():
        inline = svg[svg.index("<svg") :]
        parts.append(inline.replace("<svg", f'<svg data-model="{html.escape(name)}"', 1))
    parts.append("<pre id='result'>not measured</pre>")
    parts.append(f"<script>const TOL = {TOLERANCE}; const NEAR = {NEAR};\n{script}</script></body></html>")
    return "\n".join(parts)


def overflowing_labels(svgs: dict[str, str], tmp_path: Path, script: str = MEASURE) -> list[str]:
    """Labels Chromium draws outside their shape, or over each other, in each SVG of ``svgs``
    (with :data:`PLACEMENT`: cut off by the picture's edge, or far from their arrow)."""
    page = tmp_path / "labels.html"
    page.write_text(_page(svgs, script), encoding="utf-8")
    dom = _script().dump_dom(page, width=1600, height=1200)
    found = re.search(r"<pre id=\"result\">(.*?)</pre>", dom, re.S)
    assert found is not None, "the measuring script did not run"
    text = html.unescape(found.group(1))
    assert text != "not measured", "the measuring script did not run"
    problems = json.loads(text)
    assert isinstance(problems, list)
    return [str(p) for p in problems]


def _example_svgs() -> dict[str, str]:
    cats = load_catalogs()
    out = {}
    for path in example_models():
        loaded = load_model(path, known_controls=cats.control_refs)
        a = analyse(loaded.model, cats.catalogs, as_of=FIXED_DATE)
        out[path.stem] = svg_fonts(run_dot(render_dot(a), "svg")).decode("utf-8")
    return out


@pytest.mark.chromium
@needs_chromium
@needs_dot
def test_no_label_overflows_its_box_in_chromium(tmp_path: Path) -> None:
    """Every node, legend cell and boundary label of every example model fits its shape as Chromium draws it."""
    svgs = _example_svgs()
    assert len(svgs) >= 6
    assert overflowing_labels(svgs, tmp_path) == []


@pytest.mark.chromium
@needs_chromium
@needs_dot
def test_measure_catches_a_label_laid_out_for_a_narrower_font(tmp_path: Path) -> None:
    """The check is not vacuous: a box sized for Helvetica, drawn in the wider DejaVu Sans, is reported."""
    dot = 'digraph { node [shape=box fontname="Helvetica" fontsize=11]; a [label="Customer support retrieval WWWW"]; }'
    svg = run_dot(dot, "svg").decode("utf-8").replace('font-family="Helvetica,sans-Serif"', 'font-family="DejaVu Sans"')
    problems = overflowing_labels({"narrow": svg}, tmp_path)
    assert problems == ['narrow: "Customer support retrieval WWWW" overflows its shape']


@pytest.mark.chromium
@needs_chromium
@needs_dot
def test_no_label_is_cut_off_or_strays_from_its_flow_in_chromium(tmp_path: Path) -> None:
    """Every text of every example lies inside the picture, and every flow label next to its arrow."""
    assert overflowing_labels(_example_svgs(), tmp_path, PLACEMENT) == []


@pytest.mark.chromium
@needs_chromium
@needs_dot
def test_placement_check_catches_a_stray_and_a_clipped_label(tmp_path: Path) -> None:
    """The placement check is not vacuous: a label moved far from its arrow and one past the edge are reported."""
    svg = run_dot('digraph { rankdir="LR"; a -> b [label="far away"]; c [label="cut"]; }', "svg").decode("utf-8")
    svg = re.sub(r'(<g id="edge1".*?<text[^>]*?) x="[-\d.]+"', r'\1 x="-300"', svg, count=1, flags=re.S)
    svg = re.sub(r'(<g id="node3".*?<text[^>]*?) x="[-\d.]+"', r'\1 x="5000"', svg, count=1, flags=re.S)
    problems = overflowing_labels({"moved": svg}, tmp_path, PLACEMENT)
    assert any('"far away" is cut off' in p for p in problems)
    assert any('flow label "far away" stands' in p for p in problems)
    assert any('"cut" is cut off' in p for p in problems)

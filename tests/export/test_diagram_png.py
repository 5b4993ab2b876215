"""PNG of every example model: fits a 1920-pixel slide, and its smallest text stays at 11 pixels or more."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from tests.helpers import analyse_file
from threatmodel.export.diagram import build_scene, render_dot_scene
from threatmodel.export.diagram.style import PNG_FONT, PNG_MAX_WIDTH
from threatmodel.io.graphviz import find_dot, run_dot
from threatmodel.io.load import LoadedCatalogs
from threatmodel.render import Options, render

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
SLIDE = 1920
LEGIBLE_PX = 11.0
PAD_PT = 4.0
"""Graphviz's default page padding on each side of the drawing, in points."""

needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz (dot or the graphviz-pure wheel) to draw PNG")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def smallest_font(dot: str) -> float:
    """The smallest font size (points) any text of ``dot`` is set in."""
    sizes = [float(v) for v in re.findall(r'(?:fontsize|POINT-SIZE)="([\d.]+)"', dot)]
    assert sizes
    return min(sizes)


@needs_dot
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_png_fits_a_slide_and_stays_legible(path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """`diagram -f png` of each example is at most 1920 px wide, and at the scale it was drawn the
    smallest font is at least 11 px (the layout is measured with -Tjson0, without the page size)."""
    analysis = analyse_file(path, builtin_catalogs)
    png = render("png", analysis, Options(tool_version="test")).data
    assert isinstance(png, bytes)
    width, _ = png_size(png)
    assert width <= SLIDE

    dot = render_dot_scene(build_scene(analysis), font=PNG_FONT, max_width=PNG_MAX_WIDTH)
    bb = json.loads(run_dot(dot, "json0"))["bb"]
    layout_pt = float(bb.split(",")[2]) + 2 * PAD_PT
    px_per_pt = width / layout_pt
    assert smallest_font(dot) * px_per_pt >= LEGIBLE_PX, f"{px_per_pt:.3f} px/pt: text below {LEGIBLE_PX} px"


@needs_dot
def test_the_width_check_is_not_vacuous() -> None:
    """A drawing laid out 60 inches wide is scaled to the 20-inch page, and its 10 pt text falls below 11 px."""
    boxes = " -> ".join(f'"step {i} with a long enough name"' for i in range(24))
    dot = f'digraph {{ graph [rankdir="LR", size="{PNG_MAX_WIDTH:g},1000"]; node [fontsize="10"]; {boxes}; }}'
    width, _ = png_size(run_dot(dot, "png"))
    assert width <= SLIDE
    layout_pt = float(json.loads(run_dot(dot, "json0"))["bb"].split(",")[2]) + 2 * PAD_PT
    assert smallest_font(dot) * width / layout_pt < LEGIBLE_PX

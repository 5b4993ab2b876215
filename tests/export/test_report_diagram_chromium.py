"""The HTML report's diagram in headless Chromium: zoom, pan and full screen from the keyboard, the
buttons and a drag (issue 13: "zoomable and pannable, keyboard accessible, with a full-screen view").

The report is rendered as the CLI renders it (real Graphviz SVG), then a copy gets a probe script
after the report's own: it focuses the figure, sends keys, clicks the buttons and drags, and writes
the viewBox after each step into the page, which ``--dump-dom`` reads back. ``requestFullscreen``
is replaced by a recorder (headless Chromium has no screen to fill).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import analyse_file
from threatmodel import __version__
from threatmodel.io.graphviz import find_dot
from threatmodel.io.load import LoadedCatalogs
from threatmodel.render import Options, render

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"headless Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)",
)
needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz (dot or the graphviz-pure wheel)")

PROBE = """
<script>
(function () {
  var fig = document.getElementById('d-figure');
  var svg = fig.querySelector('svg');
  var out = {tabindex: fig.getAttribute('tabindex'), toolsHidden: document.getElementById('d-tools').hidden, steps: {}};
  var fullscreen = 0;
  fig.requestFullscreen = function () { fullscreen += 1; return Promise.resolve(); };
  function vb() { return svg.getAttribute('viewBox').split(/[ ,]+/).map(Number); }
  function key(k) { fig.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true, cancelable: true})); }
  function click(which) { document.querySelector('button[data-zoom="' + which + '"]').click(); }
  fig.focus();
  out.focused = document.activeElement === fig;
  out.steps.home = vb();
  key('+'); out.steps.plus = vb();
  key('ArrowRight'); out.steps.right = vb();
  key('ArrowDown'); out.steps.down = vb();
  key('-'); out.steps.minus = vb();
  key('0'); out.steps.fit = vb();
  click('in'); out.steps.button_in = vb();
  click('reset'); out.steps.button_fit = vb();
  var r = svg.getBoundingClientRect();
  svg.dispatchEvent(new PointerEvent('pointerdown', {clientX: r.left + 200, clientY: r.top + 100, pointerId: 1, bubbles: true}));
  svg.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + 100, clientY: r.top + 100, pointerId: 1, bubbles: true}));
  svg.dispatchEvent(new PointerEvent('pointerup', {clientX: r.left + 100, clientY: r.top + 100, pointerId: 1, bubbles: true}));
  out.steps.dragged = vb();
  key('f'); click('full');
  out.fullscreen = fullscreen;
  document.getElementById('probe').textContent = JSON.stringify(out);
})();
</script>
"""


@pytest.mark.chromium
@needs_chromium
@needs_dot
def test_the_report_diagram_zooms_pans_and_goes_full_screen(builtin_catalogs: LoadedCatalogs, tmp_path: Path) -> None:
    analysis = analyse_file(REPO / "models" / "rag-support-assistant.yaml", builtin_catalogs)
    page = render("html", analysis, Options(tool_version=__version__)).text
    assert "</body>" in page
    probe_page = tmp_path / "report.html"
    probe_page.write_text(page.replace("</body>", '<pre id="probe">not run</pre>' + PROBE + "</body>", 1), "utf-8")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000",
         "--window-size=1280,2000", "--dump-dom", probe_page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None and found.group(1) != "not run", "the probe did not run"
    out = json.loads(html.unescape(found.group(1)))
    steps = {k: tuple(v) for k, v in out["steps"].items()}
    assert out["tabindex"] == "0" and out["focused"], "the diagram is reachable with Tab"
    assert out["toolsHidden"] is False, "the toolbar is shown once the script runs"
    x, y, w, h = steps["home"]
    assert w > 0 and h > 0
    px, py, pw, ph = steps["plus"]
    assert pw == pytest.approx(w / 1.5) and ph == pytest.approx(h / 1.5), "+ zooms in about the centre"
    assert px + pw / 2 == pytest.approx(x + w / 2)
    assert steps["right"][0] == pytest.approx(px + 0.1 * pw) and steps["right"][1] == pytest.approx(py)
    assert steps["down"][1] == pytest.approx(py + 0.1 * ph)
    assert steps["minus"][2] == pytest.approx(w), "- zooms back out"
    assert steps["fit"] == steps["home"], "0 fits the whole diagram again"
    assert steps["button_in"][2] == pytest.approx(w / 1.5), "the Zoom in button works like +"
    assert steps["button_fit"] == steps["home"], "the Fit button works like 0"
    assert steps["dragged"][0] > x and steps["dragged"][1] == pytest.approx(y), "dragging left pans right"
    assert out["fullscreen"] == 2, "f and the Full screen button ask for full screen"

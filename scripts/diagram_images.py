"""Regenerate the images of docs/diagrams.md (docs/img/diagram-*.png).

    python scripts/diagram_images.py

* ``diagram-rag.png``: ``threatmodel diagram models/rag-support-assistant.yaml -f png``, as a
  user gets it (the PNG is at most 1920 pixels wide);
* ``diagram-attack-path.png``: the HTML report of the same model opened in headless Chromium at
  ``#path:<finding>``, so the finding's untrusted paths are drawn on the diagram (a style sheet
  added to a temporary copy shows only the diagram and its toolbar, so the picture is the figure).

Needs Graphviz (the graphviz-pure wheel will do) and Chromium ($CHROMIUM or /usr/bin/chromium).
The evaluation date is fixed, so a rerun changes the images only when the drawing changed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from render_html_screenshot import TIMEOUT, chromium_args  # noqa: E402

MODEL = REPO / "models" / "rag-support-assistant.yaml"
FINDING = "tm:indirect-prompt-injection@chat-llm"
AS_OF = "2026-12-01"
OUT = REPO / "docs" / "img"
ONLY_THE_DIAGRAM = (
    "<style>body > header, nav, .card:not(#system), #system > :not(#d-tools):not(#d-figure)"
    " { display: none !important; } #d-figure { height: 860px !important; max-height: none !important; }</style>"
)


def threatmodel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "threatmodel", *args, "--as-of", AS_OF], check=True, cwd=REPO)


def main() -> None:
    threatmodel("diagram", str(MODEL), "-f", "png", "-o", str(OUT / "diagram-rag.png"))
    print("wrote docs/img/diagram-rag.png")
    with tempfile.TemporaryDirectory(prefix="tm-images-") as tmp:
        report = Path(tmp) / "report.html"
        threatmodel("report", str(MODEL), "-f", "html", "-o", str(report))
        html = report.read_text(encoding="utf-8")
        report.write_text(html.replace("</head>", ONLY_THE_DIAGRAM + "</head>", 1), encoding="utf-8")
        url = report.resolve().as_uri() + "#path:" + FINDING
        target = OUT / "diagram-attack-path.png"
        with tempfile.TemporaryDirectory(prefix="tm-chromium-") as profile:
            args = [*chromium_args(profile, 1600, 1000), "--virtual-time-budget=3000", f"--screenshot={target}", url]
            subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)
    print("wrote docs/img/diagram-attack-path.png")


if __name__ == "__main__":
    main()

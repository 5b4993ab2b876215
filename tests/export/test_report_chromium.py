"""The HTML report in a real browser: headless Chromium renders it, runs its script, and runs nothing injected."""

from __future__ import annotations

import importlib.util
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

from tests.export.reporting import DATA, REPO, load_case, render

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"headless Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)",
)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_html_screenshot", REPO / "scripts" / "render_html_screenshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _report(name: str, tmp_path: Path) -> Path:
    case = load_case(DATA / name)
    path = tmp_path / f"{Path(name).stem}.html"
    path.write_text(render("html", case.assessment, case.cset), encoding="utf-8")
    return path


@pytest.mark.chromium
@needs_chromium
@pytest.mark.parametrize("name", ["support-assistant.yaml", "hostile.yaml"])
def test_chromium_renders_and_runs_only_our_script(name: str, tmp_path: Path) -> None:
    """Chromium draws a real page (a non-trivial PNG), our script marks the body ready, and no injected element exists."""
    shots = _script()
    report = _report(name, tmp_path)
    png = tmp_path / "report.png"
    shots.screenshot(report, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000, "the screenshot is suspiciously small (blank page?)"

    dom = shots.dump_dom(report)
    doc = Elements()
    doc.feed(dom)
    body = [attrs for tag, attrs in doc.tags if tag == "body"]
    assert body and body[0].get("data-ready") == "1", "the report script did not run"
    tags = [tag for tag, _ in doc.tags]
    assert tags.count("script") == 2
    assert "img" not in tags and "iframe" not in tags
    assert not any(name.startswith("on") for _, attrs in doc.tags for name in attrs)
    rows = [attrs for tag, attrs in doc.tags if tag == "tr" and attrs.get("class") == "detail"]
    assert rows and all("hidden" in attrs for attrs in rows), "the script collapses every finding on load"
    boxes = [attrs for tag, attrs in doc.tags if attrs.get("id") == "f-box"]
    assert boxes and "hidden" not in boxes[0], "the script reveals the filter controls"


def test_screenshot_script_reports_a_missing_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script exits 2 with a clear message when Chromium is absent."""
    shots = _script()
    monkeypatch.setattr(shots, "CHROMIUM", str(tmp_path / "no-chromium"))
    assert shots.main([str(tmp_path / "r.html"), str(tmp_path / "r.png")]) == 2


@pytest.mark.chromium
@needs_chromium
def test_a_finding_link_draws_its_paths_on_the_diagram(tmp_path: Path) -> None:
    """Opening the report at #path:<finding id> (the "Show on the diagram" link) marks the target, every
    node and edge of the finding's untrusted paths, and dims the rest; the toolbar is shown."""
    import subprocess

    from threatmodel import __version__
    from threatmodel.render import Options
    from threatmodel.render import render as render_export

    case = load_case(REPO / "models" / "rag-support-assistant.yaml", fixture=False)
    finding = max((f for f in case.assessment.findings if len(f.paths) > 1), key=lambda f: f.id)
    page = tmp_path / "report.html"
    page.write_text(render_export("html", case.analysis, Options(tool_version=__version__)).text, encoding="utf-8")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom",
         f"{page.as_uri()}#path:{finding.id}"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    parsed = Elements()
    parsed.feed(dom)
    marked = {attrs.get("id") for tag, attrs in parsed.tags if "tm-hl" in (attrs.get("class") or "").split()}
    nodes = {f"tm-node-{e}" for path in finding.paths for e in path} | {f"tm-node-{finding.target}"}
    assert nodes <= marked
    edges = sum(len(path) - 1 for path in finding.paths)
    assert len(marked - nodes) >= min(edges, 1)  # the edges along the paths are marked too
    svg = next(attrs for tag, attrs in parsed.tags if tag == "svg")
    assert "tm-dimmed" in (svg.get("class") or "")
    tools = next(attrs for tag, attrs in parsed.tags if attrs.get("id") == "d-tools")
    assert "hidden" not in tools

"""`threatmodel diagram`: formats, -o, views, notes on stderr, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from threatmodel.cli import cli
from threatmodel.io.graphviz import find_dot

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = str(DATA / "diagram-fixture.yaml")
needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz available")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diagram", *args, "--as-of", "2026-11-25"])


def test_dot_to_stdout() -> None:
    """--format dot prints DOT with boundaries as clusters; nothing on stderr."""
    result = run(FIXTURE, "-f", "dot")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('digraph "threatmodel" {') and 'subgraph "cluster_corp"' in result.stdout
    assert result.stderr == ""


def test_mermaid_to_file(tmp_path: Path) -> None:
    """-o writes the output to the file and nothing to stdout."""
    target = tmp_path / "out" / "diagram.mmd"
    result = run(FIXTURE, "-f", "mermaid", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("flowchart LR\n")


@needs_dot
def test_svg_is_the_default(tmp_path: Path) -> None:
    """Without --format the diagram is SVG."""
    target = tmp_path / "d.svg"
    result = run(FIXTURE, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    svg = target.read_text(encoding="utf-8")
    assert "<svg" in svg and "Knowledge base" in svg
    # Laid out with DejaVu Sans (what Chromium on Linux draws), offered with narrower fallbacks.
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {"DejaVu Sans,Arial,Helvetica,sans-serif"}


@needs_dot
def test_png_to_file(tmp_path: Path) -> None:
    """--format png writes a PNG file."""
    target = tmp_path / "d.png"
    result = run(FIXTURE, "-f", "png", "--focus", "kb", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"\x89PNG")


@needs_dot
def test_text_with_focus_highlights() -> None:
    """--format text --focus draws the neighbourhood and double-lines the focused box."""
    result = run(FIXTURE, "-f", "text", "--focus", "kb")
    assert result.exit_code == 0, result.stderr
    assert "║ Knowledge base" in result.stdout and "Assistant agent" in result.stdout
    assert "Customer" not in result.stdout


@needs_dot
def test_text_width() -> None:
    """--width squeezes the text drawing."""
    wide = run(FIXTURE, "-f", "text")
    narrow = run(FIXTURE, "-f", "text", "--width", "100")
    assert wide.exit_code == narrow.exit_code == 0
    assert max(map(len, narrow.stdout.splitlines())) < max(map(len, wide.stdout.splitlines()))


def test_boundary_view() -> None:
    """--boundary draws one boundary and its outside neighbours."""
    result = run(FIXTURE, "-f", "dot", "--boundary", "secure-zone")
    assert result.exit_code == 0, result.stderr
    assert 'subgraph "cluster_secure-zone"' in result.stdout and 'subgraph "cluster_corp"' not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focus", "nope"], "unknown component 'nope' for --focus"),
        (["--boundary", "nope"], "unknown boundary 'nope' for --boundary"),
        (["--hops", "2"], "--hops only applies with --focus"),
        (["--boundary", "corp", "--focus", "kb"], "cannot be combined"),
        (["--overview", "--focus", "kb"], "whole-model view only"),
        (["-f", "dot", "--width", "80"], "--width only applies with --format text"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    """Bad view options are usage errors: exit 2 and a message on stderr."""
    result = run(FIXTURE, "-f", "dot", *args) if "-f" not in args else run(FIXTURE, *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_invalid_model_exits_2(tmp_path: Path) -> None:
    """An invalid model file is reported with its location and exit code 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("system: {id: x, name: X}\ncomponents:\n  - {id: a, kind: wizard}\n", encoding="utf-8")
    result = run(str(bad), "-f", "dot")
    assert result.exit_code == 2
    assert "bad.yaml:3" in result.stderr


def test_bad_format_is_rejected() -> None:
    """Unknown formats are refused by the option parser (exit 2)."""
    result = run(FIXTURE, "-f", "pdf")
    assert result.exit_code == 2


def test_missing_graphviz_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """svg without any Graphviz fails with exit 2 and the install hint; dot still works."""
    from threatmodel.io import graphviz

    monkeypatch.delenv("THREATMODEL_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(graphviz, "_from_wheel", lambda: None)
    result = run(FIXTURE, "-f", "svg")
    assert result.exit_code == 2
    assert "pip install graphviz-pure" in result.stderr
    assert run(FIXTURE, "-f", "dot").exit_code == 0


def test_overview_note_on_stderr(tmp_path: Path) -> None:
    """A model over the threshold gets the overview, and stderr says so and how to zoom in."""
    lines = ["system: {id: big, name: Big}", "boundaries:"]
    lines += [f"  - {{id: b{i}, trust: internal}}" for i in range(5)]
    lines.append("components:")
    lines += [f"  - {{id: c{i}, kind: application, boundary: b{i % 5}}}" for i in range(310)]
    model = tmp_path / "big.yaml"
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(str(model), "-f", "mermaid")
    assert result.exit_code == 0, result.stderr
    assert "note:" in result.stderr and "--boundary ID" in result.stderr
    assert result.stdout.count("components,") == 5
    forced = run(str(model), "-f", "mermaid", "--no-overview")
    assert forced.exit_code == 0 and forced.stderr == "" and forced.stdout.count("<i>application</i>") == 310


def test_no_overview_on_thousands_is_refused_fast(tmp_path: Path) -> None:
    """--no-overview on 3,000 components exits 2 at once with advice instead of running Graphviz."""
    import time

    lines = ["system: {id: big, name: Big}", "data: [{id: d}]", "boundaries:"]
    lines += [f"  - {{id: b{i}, trust: internal}}" for i in range(40)]
    lines.append("components:")
    lines += [f"  - {{id: c{i}, kind: application, boundary: b{i % 40}}}" for i in range(3000)]
    lines.append("flows:")
    lines += [f"  - {{source: c{i}, target: c{(i * 7 + 3) % 3000}, data: [d]}}" for i in range(3000)]
    model = tmp_path / "big.yaml"
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for fmt in ("svg", "png"):
        start = time.perf_counter()
        result = run(str(model), "-f", fmt, "--no-overview", "-o", str(tmp_path / f"out.{fmt}"))
        assert time.perf_counter() - start < 20  # loading and analysing 3,000 components, no layout
        assert result.exit_code == 2, result.output
        assert "Graphviz would take minutes" in result.stderr and "--boundary" in result.stderr
        assert "Traceback" not in result.output
        assert not (tmp_path / f"out.{fmt}").exists()
    assert run(str(model), "-f", "dot", "--no-overview").exit_code == 0


@needs_dot
def test_text_fits_120_columns_by_default() -> None:
    """Without --width, a text diagram keeps to 120 columns (the longest example pipeline was 385)."""
    result = run(str(DATA.parents[2] / "models" / "ml-fraud-pipeline.yaml"), "-f", "text")
    assert result.exit_code == 0, result.stderr
    assert max(map(len, result.stdout.splitlines())) <= 120
    assert "━━ core" in result.stdout

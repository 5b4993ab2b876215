"""run_dot: finding Graphviz, formats, and every way a run can fail with a RenderError."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from threatmodel.errors import RenderError
from threatmodel.io import graphviz
from threatmodel.io.graphviz import find_dot, run_dot

SIMPLE = 'digraph G { subgraph "cluster_a" { "x" } "x" -> "y" [label="f"]; }\n'
needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz available")


def fake_dot(tmp_path: Path, body: str) -> Path:
    """A stand-in ``dot`` program: a Python script with ``body`` as its code."""
    script = tmp_path / "fake-dot"
    script.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def no_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no dot on PATH and no graphviz-pure wheel."""
    monkeypatch.delenv("THREATMODEL_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(graphviz, "_from_wheel", lambda: None)


def test_missing_graphviz_is_a_render_error_with_install_hint(no_graphviz: None) -> None:
    """Without any Graphviz, run_dot raises RenderError naming both ways to install one."""
    assert find_dot() is None
    with pytest.raises(RenderError) as caught:
        run_dot(SIMPLE, "svg")
    message = str(caught.value)
    assert "no Graphviz" in message and "apt-get install graphviz" in message and "pip install graphviz-pure" in message


def test_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """$THREATMODEL_DOT wins, then dot on PATH, then the graphviz-pure wheel."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    system = fake_dot(bindir, "")
    system.rename(bindir / "dot")
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.setenv("THREATMODEL_DOT", "/opt/custom/dot")
    assert find_dot() == (Path("/opt/custom/dot"), "THREATMODEL_DOT")
    monkeypatch.delenv("THREATMODEL_DOT")
    assert find_dot() == (bindir / "dot", "dot on PATH")
    (bindir / "dot").unlink()
    wheel = graphviz._from_wheel()
    found = find_dot()
    if wheel is not None:
        assert found == (wheel, "graphviz-pure wheel")
    else:
        assert found is None


def test_the_wheel_binary_is_found_without_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In this venv the graphviz-pure executable is found through the wheel's file list, PATH empty."""
    if graphviz._from_wheel() is None:
        pytest.skip("graphviz-pure is not installed here")
    monkeypatch.delenv("THREATMODEL_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_dot()
    assert found is not None and found[1] == "graphviz-pure wheel"
    assert run_dot(SIMPLE, "svg").lstrip().startswith(b"<?xml")


def test_argv_is_fixed_and_passes_newrank(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The program gets exactly -Gnewrank=true and -T<fmt>, and the DOT text on stdin."""
    script = fake_dot(tmp_path, "sys.stdout.write(repr(sys.argv[1:]) + '|' + sys.stdin.read())")
    monkeypatch.setenv("THREATMODEL_DOT", str(script))
    out = run_dot("digraph {}", "svg").decode()
    assert out == "['-Gnewrank=true', '-Tsvg']|digraph {}"


def test_unknown_format_is_refused() -> None:
    """Only the documented output formats are accepted."""
    with pytest.raises(RenderError, match="unsupported Graphviz output format 'pdf'"):
        run_dot(SIMPLE, "pdf")


def test_failure_surfaces_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A non-zero exit becomes a RenderError carrying the program's stderr."""
    script = fake_dot(tmp_path, "sys.stdin.read(); sys.stderr.write('Error: trouble in init_rank'); sys.exit(1)")
    monkeypatch.setenv("THREATMODEL_DOT", str(script))
    with pytest.raises(RenderError, match="exit code 1: Error: trouble in init_rank"):
        run_dot(SIMPLE, "svg")


def test_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A layout that runs past the timeout is killed and reported with a hint to draw less."""
    script = fake_dot(tmp_path, "time.sleep(30)")
    monkeypatch.setenv("THREATMODEL_DOT", str(script))
    with pytest.raises(RenderError, match=r"did not finish the layout within 0\.5 s") as caught:
        run_dot(SIMPLE, "svg", timeout=0.5)
    assert "--focus" in str(caught.value)


def test_output_is_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A run that writes more than the limit is stopped rather than filling memory."""
    script = fake_dot(tmp_path, "sys.stdout.buffer.write(b'x' * 5_000_000); sys.stdout.flush()")
    monkeypatch.setenv("THREATMODEL_DOT", str(script))
    with pytest.raises(RenderError, match="more than 1000 bytes"):
        run_dot(SIMPLE, "svg", max_output=1000)


def test_unrunnable_program(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A configured program that cannot be executed is a RenderError, not a traceback."""
    monkeypatch.setenv("THREATMODEL_DOT", str(tmp_path / "missing-dot"))
    with pytest.raises(RenderError, match="cannot run Graphviz"):
        run_dot(SIMPLE, "svg")


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png", "json", "json0", "plain"])
def test_real_formats(fmt: str) -> None:
    """The real Graphviz produces each supported format."""
    out = run_dot(SIMPLE, fmt)
    if fmt == "svg":
        assert b"<svg" in out and b'class="cluster"' in out
    elif fmt == "png":
        assert out.startswith(b"\x89PNG\r\n\x1a\n")
    elif fmt.startswith("json"):
        doc = json.loads(out)
        assert doc["newrank"] == "true" and any(o.get("name") == "cluster_a" for o in doc["objects"])
    else:
        assert out.startswith(b"graph ")


@needs_dot
def test_real_dot_rejects_bad_input() -> None:
    """Syntax errors from the real Graphviz come back as a RenderError with its message."""
    with pytest.raises(RenderError, match="exit code"):
        run_dot("digraph { a -> }", "svg")


def test_no_shell_in_module() -> None:
    """The module never asks for a shell."""
    source = Path(graphviz.__file__).read_text(encoding="utf-8")
    assert "shell=True" not in source and "os.system" not in source

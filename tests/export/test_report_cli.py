"""``threatmodel report``: every format end to end, the HTML diagram fallback, and bad input."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.export.reporting import DATA, FIXTURE_CATALOG, REPO, load_case, sarif_errors
from threatmodel import __version__
from threatmodel.cli import cli
from threatmodel.errors import Problem, RenderError
from threatmodel.export.sarif import artifact_uri

MODEL = DATA / "support-assistant.yaml"
ARGS = ["--catalog", str(FIXTURE_CATALOG), "--as-of", "2026-11-25"]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, as CI does, so SARIF paths are repository-relative."""
    monkeypatch.chdir(REPO)
    return REPO


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["md", "html", "json", "sarif", "stix"])
def test_every_format_writes_to_stdout_and_to_a_file(in_repo: Path, tmp_path: Path, fmt: str) -> None:
    """Each format succeeds, prints to stdout, and -o writes the same bytes to a file."""
    rel = str(MODEL.relative_to(in_repo))
    code, out, _ = invoke(rel, "-f", fmt, *ARGS)
    assert code == 0 and out
    target = tmp_path / f"report.{fmt}"
    code, out2, _ = invoke(rel, "-f", fmt, "-o", str(target), *ARGS)
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8") == out


def test_markdown_is_the_default_and_uses_the_tool_version(in_repo: Path) -> None:
    """Without --format the report is Markdown stamped with the installed version."""
    code, out, _ = invoke(str(MODEL.relative_to(in_repo)), *ARGS)
    assert code == 0
    assert out.startswith("# Threat model review: Customer support assistant\n")
    assert f"threatmodel {__version__}" in out


def test_sarif_points_at_the_model_relative_to_the_repository(in_repo: Path) -> None:
    """SARIF from the CLI is schema-valid and locates results in the model file by repository-relative path."""
    code, out, _ = invoke(str(MODEL.relative_to(in_repo)), "-f", "sarif", *ARGS)
    assert code == 0
    assert sarif_errors(out) == []
    run = json.loads(out)["runs"][0]
    case = load_case(MODEL)
    result = next(r for r in run["results"] if r["properties"]["findingId"] == "fixture:excessive-agency@support-agent")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "tests/export/data/support-assistant.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == case.locate("support-agent")[0]


def test_artifact_uri() -> None:
    """Relative paths become slash-separated, percent-encoded URIs; absolute ones file: URIs."""
    assert artifact_uri(os.path.join("models", "my model.yaml")) == "models/my%20model.yaml"
    assert artifact_uri("/srv/models/m.yaml") == "file:///srv/models/m.yaml"


def test_html_without_graphviz_warns_and_still_renders(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When dot cannot run, the HTML report is written with a note in place of the diagram and a warning on stderr."""
    import threatmodel.io.graphviz as graphviz

    def no_dot(dot_text: str, fmt: str, **_: object) -> bytes:
        raise RenderError(Problem("no Graphviz `dot` program found to draw the diagram", hint="install graphviz"))

    monkeypatch.setattr(graphviz, "run_dot", no_dot)
    code, out, err = invoke(str(MODEL.relative_to(in_repo)), "-f", "html", *ARGS)
    assert code == 0
    assert "No diagram: Graphviz could not be run" in out
    assert "warning: the HTML report has no diagram: no Graphviz `dot` program found" in err
    assert "hint: install graphviz" in err


def test_html_embeds_the_graphviz_diagram_when_available(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI passes dot's SVG to the renderer, which inlines it."""
    import threatmodel.io.graphviz as graphviz

    calls: list[str] = []

    def fake_dot(dot_text: str, fmt: str, **_: object) -> bytes:
        calls.append(fmt)
        assert dot_text.lstrip().startswith(("digraph", "strict digraph"))
        return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g id="graph0"/></svg>'

    monkeypatch.setattr(graphviz, "run_dot", fake_dot)
    code, out, err = invoke(str(MODEL.relative_to(in_repo)), "-f", "html", *ARGS)
    assert code == 0 and err == ""
    assert calls == ["svg"]
    assert re.search(r'<figure class="diagram" id="d-figure" tabindex="0" aria-label="[^"]*"><svg', out)


def test_invalid_model_is_a_located_error(tmp_path: Path) -> None:
    """A broken model exits 2 with a file:line:col message and no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("system:\n  id: Bad Id\n  name: x\n", encoding="utf-8")
    code, out, err = invoke(str(bad), "-f", "sarif")
    assert code == 2 and out == ""
    assert "bad.yaml:2:" in err and "error:" in err and "Traceback" not in err


def test_unknown_format_is_a_usage_error() -> None:
    """An unsupported --format is rejected by click with exit code 2."""
    result = CliRunner().invoke(cli, ["report", str(MODEL), "-f", "pdf"])
    assert result.exit_code == 2
    assert "pdf" in result.stderr

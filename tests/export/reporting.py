"""Shared pieces of the report-export tests: loading a model with the export fixture catalog,
rendering every format the way the CLI does (minus the clock and the SVG), and validators."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.helpers import FIXED_DATE
from threatmodel.engine.analysis import Analysis, Source
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.errors import Problem, RenderError, SourceSpan
from threatmodel.graph import build_graph
from threatmodel.io.analysis import analyze_loaded
from threatmodel.io.load import LoadedCatalogs, LoadedModel, load_catalogs, load_model_text
from threatmodel.model.finding import Assessment
from threatmodel.render import BY_ID as EXPORT_BY_ID
from threatmodel.render import Options

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
FIXTURE_CATALOG = DATA / "catalog.yaml"
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
GOLDEN = REPO / "tests" / "golden" / "report"
AS_OF = FIXED_DATE
TOOL_VERSION = "0.0.0-test"
FORMATS = ("md", "html", "json", "sarif", "stix")
FIXTURE_SVG = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    "<!-- a stand-in for Graphviz output, so HTML goldens do not depend on the installed dot -->\n"
    '<svg width="120pt" height="40pt" viewBox="0.00 0.00 120.00 40.00" xmlns="http://www.w3.org/2000/svg" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
    '<g id="graph0" class="graph"><title>model</title>'
    '<polygon fill="white" stroke="none" points="-4,4 -4,-36 116,-36 116,4 -4,4"/>'
    '<g id="node1" class="node"><title>n0</title><ellipse fill="none" stroke="black" cx="56" cy="-18" rx="50" ry="18"/>'
    '<text text-anchor="middle" x="56" y="-14.3" font-family="Times,serif" font-size="14.00">diagram</text></g></g>\n'
    "</svg>\n"
)
"""A small Graphviz-shaped SVG: HTML goldens use it instead of running dot."""


THREAT_LIBRARY = "tm.yaml"
"""The built-in threat catalog; it grows, so the fixture tests leave it out."""


@cache
def catalogs(fixture: bool = True) -> LoadedCatalogs:
    """Loaded once. With ``fixture``: the built-in *reference* catalogs (OWASP, ATLAS, CoSAI, STRIDE)
    plus the export fixture catalog, so fixture findings do not change as catalogs/tm.yaml grows.
    Without: every built-in catalog, as a user gets them."""
    if not fixture:
        return load_catalogs()
    references = sorted(p for p in (REPO / "catalogs").glob("*.yaml") if p.name != THREAT_LIBRARY)
    return load_catalogs([*references, FIXTURE_CATALOG], builtin=False)


@dataclass(frozen=True)
class FixedSource:
    """A model source for tests: ``path`` as the file, elements placed by ``locate`` (default 1:1)."""

    path: str = "model.yaml"
    locate: Callable[[str], tuple[int, int]] | None = None

    def element_span(self, element: str) -> SourceSpan:
        line, column = self.locate(element) if self.locate is not None else (1, 1)
        return SourceSpan(self.path, line, column)

    def span(self, loc: tuple[str | int, ...], key: bool = False) -> SourceSpan:
        return SourceSpan(self.path, 1, 1)


@dataclass(frozen=True)
class Case:
    """A model analysed for the export tests."""

    loaded: LoadedModel
    analysis: Analysis

    @property
    def assessment(self) -> Assessment:
        return self.analysis.assessment

    @property
    def cset(self) -> CatalogSet:
        return self.analysis.catalogs

    @property
    def model_uri(self) -> str:
        return self.loaded.path

    def locate(self, element: str) -> tuple[int, int]:
        span = self.loaded.element_span(element)
        return span.line, span.column


def load_case(path: Path, as_of: dt.date = AS_OF, *, fixture: bool = True) -> Case:
    """Load and analyse ``path`` with the built-in catalogs and, unless ``fixture`` is false, the
    fixture catalog (example models are judged by the built-in catalogs alone). The model is shown
    by its path relative to the repository, whatever the working directory."""
    cats = catalogs(fixture)
    resolved = path.resolve()
    shown = resolved.relative_to(REPO).as_posix() if resolved.is_relative_to(REPO) else path.as_posix()
    loaded = load_model_text(
        resolved.read_text(encoding="utf-8"), shown, base_dir=resolved.parent, known_controls=cats.control_refs
    )
    return Case(loaded, analyze_loaded(loaded, cats, as_of=as_of))


def analysis_of(assessment: Assessment, cset: CatalogSet, source: Source | None = None) -> Analysis:
    """An :class:`Analysis` of an assessment a test built or changed (its graph rebuilt to match)."""
    return Analysis(assessment, cset, build_graph(assessment.model), source or FixedSource())


def _fixture_dot(dot: str, fmt: str) -> bytes:
    if fmt != "svg":
        raise AssertionError(f"the report tests draw only SVG, not {fmt}")
    return FIXTURE_SVG.encode("utf-8")


def render(
    fmt: str,
    assessment: Assessment | Analysis,
    cset: CatalogSet | None = None,
    *,
    model_uri: str = "model.yaml",
    locate: Callable[[str], tuple[int, int]] | None = None,
    svg: str | None = FIXTURE_SVG,
) -> str:
    """One format through the EXPORTS table, with the test tool version; the HTML diagram is
    ``svg`` instead of Graphviz output (``None``: as if Graphviz could not draw it)."""
    if isinstance(assessment, Analysis):
        analysis = assessment
    else:
        assert cset is not None
        analysis = analysis_of(assessment, cset, FixedSource(model_uri, locate))

    def run_dot(dot: str, out: str) -> bytes:
        if svg is None:
            raise RenderError(Problem("Graphviz is not installed (test stand-in)"))
        return svg.encode("utf-8") if out == "svg" else _fixture_dot(dot, out)

    return EXPORT_BY_ID[fmt].render(analysis, Options(tool_version=TOOL_VERSION, run_dot=run_dot)).text


def render_case(fmt: str, case: Case, svg: str | None = FIXTURE_SVG) -> str:
    return render(fmt, case.analysis, svg=svg)


@cache
def sarif_validator() -> Any:
    """A Draft-4 validator of the official SARIF 2.1.0 schema (the schema declares draft-04)."""
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif_errors(text: str) -> list[str]:
    """Schema violations of a SARIF log, as messages with their JSON paths."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator().iter_errors(json.loads(text))
    ]


def example_models() -> list[Path]:
    """Every example model shipped in models/."""
    return sorted((REPO / "models").glob("*.yaml"))


def fixture_models() -> list[Path]:
    """The export tests' own models."""
    return [DATA / "support-assistant.yaml", DATA / "hostile.yaml"]

"""A component with no boundary has an unknown trust level: ``boundary_trust`` reads it like an
unknown attribute (conservatively, and listed as an assumption), never as "internal"."""

from __future__ import annotations

from typing import Any

from tests.helpers import FIXED_DATE, catalog_of
from threatmodel.engine import evaluate
from threatmodel.engine.questions import open_questions
from threatmodel.graph import build_graph
from threatmodel.model.system import SystemModel

CATALOG: Any = catalog_of(
    {
        "id": "outside-registry",
        "title": "Registry run outside our zone",
        "summary": "s",
        "scenario": "s",
        "when": {"all": [{"kind": ["model-registry"]}, {"boundary_trust": ["partner", "untrusted"]}]},
        "likelihood": 3,
        "impact": 4,
        "lifecycle": ["deployment"],
    },
    {
        "id": "inside-only",
        "title": "A rule that needs the registry outside a partner zone",
        "summary": "s",
        "scenario": "s",
        "when": {"all": [{"kind": ["model-registry"]}, {"not": {"boundary_trust": ["partner"]}}]},
        "likelihood": 2,
        "impact": 2,
        "lifecycle": ["deployment"],
    },
)


def _model(boundary: str | None) -> SystemModel:
    registry: dict[str, Any] = {"id": "registry", "kind": "model-registry", "exposure": "internal"}
    if boundary is not None:
        registry["boundary"] = boundary
    return SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "boundaries": [{"id": "corp", "trust": "internal"}, {"id": "vendor", "trust": "partner"}],
            "components": [registry, {"id": "app", "kind": "application", "boundary": "corp", "exposure": "internal"}],
        }
    )


def _findings(boundary: str | None) -> dict[str, Any]:
    return {f.threat: f for f in evaluate(_model(boundary), [CATALOG], as_of=FIXED_DATE).findings}


def test_no_boundary_is_unknown_trust_not_internal() -> None:
    """The graph says "unknown" for a component with no boundary, and the stated level otherwise."""
    assert build_graph(_model(None)).trust("registry") is None
    assert str(build_graph(_model("corp")).trust("registry")) == "internal"


def test_unknown_boundary_raises_the_threat_and_says_so() -> None:
    """Read conservatively: the finding is raised, rests on the boundary, and the question asks it."""
    finding = _findings(None)["t:outside-registry"]
    assert [(a.element, a.attribute) for a in finding.assumes] == [("registry", "boundary")]
    assert any("which trust boundary registry runs in: not stated" in line for line in finding.why)
    asked = [q for q in open_questions([finding]) if q.attribute == "boundary"]
    assert [q.question for q in asked] == ["state which trust boundary registry runs in"]


def test_stated_boundaries_decide_without_assumptions() -> None:
    """A stated internal boundary rules the threat out; a stated partner one raises it on known facts."""
    assert "t:outside-registry" not in _findings("corp")
    partner = _findings("vendor")["t:outside-registry"]
    assert partner.assumes == ()


def test_negated_boundary_test_reads_unknown_against_itself() -> None:
    """Under ``not``, the conservative reading of an unknown boundary is "in a partner zone" failing,
    so the negation holds and the finding is raised, resting on the boundary."""
    finding = _findings(None)["t:inside-only"]
    assert [(a.element, a.attribute) for a in finding.assumes] == [("registry", "boundary")]
    assert "t:inside-only" not in _findings("vendor")


def test_the_diagnostic_says_unknown_not_internal() -> None:
    """TM102 tells the user what the rules do with the component: read its trust as unknown."""
    [diagnostic] = [d for d in evaluate(_model(None), [CATALOG], as_of=FIXED_DATE).diagnostics if d.code == "TM102"]
    assert diagnostic.element == "registry"
    assert "unknown" in diagnostic.message and "internal" not in diagnostic.message

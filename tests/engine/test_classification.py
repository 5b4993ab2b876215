"""An unstated data classification is unknown, never ``internal`` (issue 9 item 1, decision 1630).

The rules read it as possibly restricted: ``classification_at_least`` holds on it (and the finding
names the asset whose classification it assumed), the impact score takes the restricted step, and
``threatmodel questions`` asks for it. Stated classifications along an asset's lineage settle what
they can: data derived from restricted data is restricted whatever it says itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE
from tests.property.strategies import system_models
from threatmodel.cli import cli
from threatmodel.engine import evaluate
from threatmodel.engine.questions import open_questions
from threatmodel.graph import build_graph, lineage_of
from threatmodel.io.builtin import builtin_catalog_files
from threatmodel.io.load import load_catalogs
from threatmodel.model.base import Classification
from threatmodel.model.finding import Finding
from threatmodel.model.system import DataAsset, SystemModel
from threatmodel.model.unknowns import UNKNOWABLE

CATALOGS = load_catalogs([])


def _store_model(classification: str | None, *, derived: dict[str, Any] | None = None) -> SystemModel:
    """An ingestion job writing readings to a store in the clear, inside one zone; every other
    fact stated, so the readings' classification alone decides the plain-text-write finding."""
    readings: dict[str, Any] = {"id": "readings", "derived_from": []}
    if classification is not None:
        readings["classification"] = classification
    data = [readings]
    carried = "readings"
    if derived is not None:
        data.append({"id": "summary", **derived})
        carried = "summary"
    return SystemModel.model_validate(
        {
            "system": {"id": "plant", "name": "Plant"},
            "data": data,
            "boundaries": [{"id": "plant", "trust": "internal"}],
            "components": [
                {"id": "ingest", "kind": "application", "boundary": "plant", "exposure": "internal", "output_use": []},
                {
                    "id": "store",
                    "kind": "datastore",
                    "boundary": "plant",
                    "exposure": "internal",
                    "authentication": "mtls",
                    "encrypted_at_rest": True,
                    "access": "need-to-know",
                },
            ],
            "flows": [
                {
                    "id": "ingest-to-store",
                    "source": "ingest",
                    "target": "store",
                    "data": [carried],
                    "protocol": "jdbc",
                    "encrypted": False,
                    "authentication": "mtls",
                }
            ],
        }
    )


def _flow_finding(model: SystemModel) -> Finding | None:
    found = [
        f
        for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
        if f.threat == "tm:unprotected-sensitive-flow" and "ingest-to-store" in f.elements
    ]
    return found[0] if found else None


def test_classification_is_unknowable_and_unstated_means_unknown() -> None:
    """The field has no safe default: unstated and ``unknown`` both load as unknown, and it is asked."""
    assert DataAsset(id="x").classification is None
    assert DataAsset.model_validate({"id": "x", "classification": "unknown"}).classification is None
    assert "classification" in UNKNOWABLE


def test_unstated_classification_raises_the_finding_and_names_the_asset() -> None:
    """Unknown reads as possibly confidential: the finding is raised and rests on the readings' classification."""
    finding = _flow_finding(_store_model(None))
    assert finding is not None
    assert [(a.element, a.attribute) for a in finding.assumes] == [("readings", "classification")]
    assert any("how sensitive readings is: not stated" in line for line in finding.why)


def test_a_stated_classification_settles_it_either_way() -> None:
    """Stated internal: no finding; stated confidential: the finding, resting on nothing."""
    assert _flow_finding(_store_model("internal")) is None
    assert _flow_finding(_store_model("public")) is None
    stated = _flow_finding(_store_model("confidential"))
    assert stated is not None and stated.assumes == ()


def test_unknown_scores_as_restricted_data_and_says_so() -> None:
    """The impact step restricted data takes is taken for unknown data too, with its reason."""
    unknown, restricted = _flow_finding(_store_model(None)), _flow_finding(_store_model("restricted"))
    assert unknown is not None and restricted is not None
    assert (unknown.impact, unknown.risk) == (restricted.impact, restricted.risk)
    assert any("unknown classification: readings (read as restricted)" in f.reason for f in unknown.factors)


def test_an_unknown_source_leaves_derived_data_open_and_the_source_is_asked() -> None:
    """A summary stated internal but made from readings of unknown classification may inherit more:
    the finding is raised and the question goes to the readings, whose answer settles it."""
    model = _store_model(None, derived={"classification": "internal", "derived_from": ["readings"]})
    finding = _flow_finding(model)
    assert finding is not None
    assert [(a.element, a.attribute) for a in finding.assumes] == [("readings", "classification")]
    settled = _store_model("internal", derived={"classification": "internal", "derived_from": ["readings"]})
    assert _flow_finding(settled) is None


def test_stated_lineage_settles_what_it_can() -> None:
    """Made from restricted data, an unclassified asset is restricted: nothing is assumed. Made from
    confidential data it is at least confidential (a confidential test holds on stated facts), but
    whether it is restricted stays open (the score still reads it so)."""
    out, unsettled = lineage_of(
        [
            DataAsset(id="cards", classification="restricted"),
            DataAsset(id="notes", classification="confidential"),
            DataAsset(id="card-features", derived_from=("cards",)),
            DataAsset(id="note-summary", derived_from=("notes",)),
        ]
    )
    assert out["card-features"].classification is Classification.RESTRICTED
    assert "card-features" not in unsettled
    assert out["note-summary"].classification is None
    assert unsettled["note-summary"].floor is Classification.CONFIDENTIAL
    assert unsettled["note-summary"].unstated == ("note-summary",)
    # the rule holds on the stated floor; only the score's restricted step still rests on the unknown
    finding = _flow_finding(_store_model("confidential", derived={"derived_from": ["readings"]}))
    assert finding is not None
    assert not any("read as confidential or more" in line for line in finding.why)
    assert any("unknown classification: summary (read as restricted)" in f.reason for f in finding.factors)


def test_anonymised_data_does_not_inherit_an_unknown() -> None:
    """Anonymisation stops the lineage: a stated level is not reopened by an unknown source."""
    out, unsettled = lineage_of(
        [
            DataAsset(id="raw"),
            DataAsset(id="stats", classification="internal", derived_from=("raw",), minimisation="anonymised"),
        ]
    )
    assert out["stats"].classification is Classification.INTERNAL
    assert "stats" not in unsettled and "raw" in unsettled


def test_questions_rank_the_classification_with_the_findings_it_decides() -> None:
    """``open_questions`` (and the CLI) ask for the classification and count what it decides."""
    model = _store_model(None)
    findings = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
    asked = {(q.element, q.attribute): q for q in open_questions(findings)}
    question = asked[("readings", "classification")]
    assert "how sensitive readings is" in question.question
    assert len(question.findings) >= 1


def test_questions_command_lists_the_classification(tmp_path: Path) -> None:
    """``threatmodel questions`` on a model with unclassified data names the fact to state."""
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(_store_model(None).model_dump(mode="json", exclude_none=True)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["questions", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "state how sensitive readings is" in result.output


def test_the_lineage_is_bounded_work_when_nothing_is_classified() -> None:
    """A long chain of unclassified data names at most eight of its assets per asset."""
    assets = [DataAsset(id="d0")] + [DataAsset(id=f"d{i}", derived_from=(f"d{i - 1}",)) for i in range(1, 3000)]
    _, unsettled = lineage_of(assets)
    assert len(unsettled["d2999"].unstated) == 8


def test_the_graph_keeps_why_a_classification_is_open() -> None:
    """The graph the rules read holds the open classifications (what --why-not and scoring read)."""
    graph = build_graph(_store_model(None))
    assert graph.data["readings"].classification is None
    assert graph.open_classification["readings"].unstated == ("readings",)


def _pairs(model: SystemModel) -> dict[tuple[str, str], int]:
    """Each (threat, element) a finding covers, with the highest risk any finding gives it."""
    out: dict[tuple[str, str], int] = {}
    for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings:
        for e in f.elements:
            out[(f.threat, e)] = max(out.get((f.threat, e), 0), f.risk)
    return out


def _with_classification(model: SystemModel, asset: int, level: str | None) -> SystemModel:
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    entry = data["data"][asset]
    entry.pop("classification", None)
    if level is not None:
        entry["classification"] = level
    return SystemModel.model_validate(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models(max_components=8), st.integers(0, 10_000))
def test_an_unstated_classification_never_scores_lower_or_finds_less(model: SystemModel, pick: int) -> None:
    """Monotonicity of unknown: with one asset's classification unstated, every (threat, element)
    that any stated classification raises is raised too, at no lower risk (built-in catalogs)."""
    if not model.data:
        return
    asset = pick % len(model.data)
    unknown = _pairs(_with_classification(model, asset, None))
    for level in Classification:
        stated = _pairs(_with_classification(model, asset, level.value))
        missing = set(stated) - set(unknown)
        assert not missing, f"stated {level.value} raises {sorted(missing)} that unknown does not"
        lower = {k: (stated[k], unknown[k]) for k in stated if unknown[k] < stated[k]}
        assert not lower, f"stated {level.value} scores higher than unknown: {lower}"


def test_the_library_reads_classification_somewhere() -> None:
    """The property above tests something: the built-in library has classification tests."""
    assert "classification_at_least" in dict(builtin_catalog_files())["tm.yaml"]

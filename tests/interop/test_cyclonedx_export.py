"""`report --format cyclonedx`: valid CycloneDX 1.6 for every example model, golden, deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.golden import assert_golden
from tests.helpers import FIXED_DATE, analyse_file
from threatmodel.cli import cli
from threatmodel.engine import analyse
from threatmodel.export.cyclonedx import render_cyclonedx
from threatmodel.io.load import load_catalogs

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "models").glob("*.yaml"))
GOLDEN = REPO / "tests" / "golden" / "report"
VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


@pytest.fixture(scope="module")
def catalogs():  # type: ignore[no-untyped-def]
    return load_catalogs()


def bom_of(path: Path, catalogs) -> str:  # type: ignore[no-untyped-def]
    return render_cyclonedx(analyse_file(path, catalogs), tool_version="0.1.0")


@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_bom_is_valid_cyclonedx_and_matches_golden(model: Path, catalogs) -> None:  # type: ignore[no-untyped-def]
    text = bom_of(model, catalogs)
    assert VALIDATOR.validate_str(text) is None
    assert_golden(GOLDEN / f"{model.stem}.cdx.json", text)


def test_validator_rejects_a_broken_bom(catalogs) -> None:  # type: ignore[no-untyped-def]
    """The schema check above can fail: a model card with a dataset that is not a reference or a dataset is refused."""
    doc = json.loads(bom_of(REPO / "models" / "open-weights-fine-tuning.yaml", catalogs))
    model = next(c for c in doc["components"] if c["type"] == "machine-learning-model")
    model["modelCard"]["modelParameters"] = {"datasets": [{"nonsense": 1}]}
    assert VALIDATOR.validate_str(json.dumps(doc)) is not None


def test_models_data_services_and_dependencies(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Models carry model cards with their training data; tools are services; people are left out;
    every reference points at something in the BOM."""
    path = REPO / "models" / "open-weights-fine-tuning.yaml"
    assessment = analyse_file(path, catalogs)
    doc = json.loads(render_cyclonedx(assessment, tool_version="0.1.0"))
    refs = {c["bom-ref"] for c in doc["components"]} | {s["bom-ref"] for s in doc.get("services", [])}
    model = assessment.model
    for c in model.components:
        if c.kind == "human-user":
            assert c.id not in refs
        elif c.kind in ("llm", "ml-model", "embedding-model"):
            entry = next(e for e in doc["components"] if e["bom-ref"] == c.id)
            assert entry["type"] == "machine-learning-model"
            datasets = entry["modelCard"].get("modelParameters", {}).get("datasets", [])
            assert [d["ref"] for d in datasets] == [f"data/{d}" for d in c.trained_on or ()]
        elif c.kind in ("tool", "mcp-server", "external-service", "api-gateway", "model-serving"):
            assert c.id in {s["bom-ref"] for s in doc["services"]}
    assert {f"data/{a.id}" for a in model.data} <= refs
    trained = [c for c in model.components if getattr(c, "trained_on", ())]
    assert trained, "the example should exercise model cards with datasets"
    for dep in doc["dependencies"]:
        assert dep["ref"] in refs
        assert set(dep.get("dependsOn", [])) <= refs
    flows = {(f.source, f.target) for f in model.flows if f.source in refs and f.target in refs}
    edges = {(d["ref"], t) for d in doc["dependencies"] for t in d.get("dependsOn", [])}
    assert flows <= edges


def test_deterministic_and_serial_follows_content(catalogs) -> None:  # type: ignore[no-untyped-def]
    path = REPO / "models" / "rag-support-assistant.yaml"
    assessment = analyse_file(path, catalogs)
    first = render_cyclonedx(assessment, tool_version="0.1.0")
    assert render_cyclonedx(assessment, tool_version="0.1.0") == first
    renamed = assessment.model.model_copy(
        update={"system": assessment.model.system.model_copy(update={"name": "Another name"})}
    )
    other = render_cyclonedx(analyse(renamed, assessment.catalogs, as_of=FIXED_DATE), tool_version="0.1.0")
    assert json.loads(other)["serialNumber"] != json.loads(first)["serialNumber"]
    assert "timestamp" in json.loads(first)["metadata"]  # the model states system.updated


def test_cli_report_format_cyclonedx(tmp_path: Path) -> None:
    out = tmp_path / "bom.cdx.json"
    model = REPO / "models" / "agent-with-tools.yaml"
    result = CliRunner().invoke(
        cli, ["report", str(model), "--format", "cyclonedx", "-o", str(out), "--as-of", "2026-11-25"]
    )
    assert result.exit_code == 0, result.stderr
    assert VALIDATOR.validate_str(out.read_text()) is None

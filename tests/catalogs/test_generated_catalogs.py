"""The generated catalogs (``atlas.yaml``, ``cosai.yaml``) match their upstream data.

They run on the facts vendored in ``tests/data/reference`` (ids, titles, links and mappings
of the CoSAI Risk Map and MITRE ATLAS, no prose; written by ``scripts/vendor_reference.py``),
so they need nothing outside the repository. One more test checks that vendored copy against
the full upstream data where it sits beside the checkout (``../shared/reference``).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from threatmodel.model.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
REFERENCE = REPO / "tests" / "data" / "reference"
UPSTREAM = REPO.parent / "shared" / "reference"


def load_catalog(name: str) -> Catalog:
    with (REPO / "catalogs" / name).open(encoding="utf-8") as handle:
        return Catalog.model_validate(yaml.safe_load(handle))


def reference_yaml(*parts: str) -> Any:
    with REFERENCE.joinpath(*parts).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def script_module(name: str) -> ModuleType:
    """Import a generator script as a module (its helpers live beside it in scripts/)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


@pytest.mark.parametrize("script", ["import_atlas.py", "import_cosai.py"])
def test_committed_file_is_up_to_date(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--check", "--reference", str(REFERENCE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("module", "output"), [("import_atlas", "atlas.yaml"), ("import_cosai", "cosai.yaml")])
def test_check_reports_a_stale_file(module: str, output: str, tmp_path: Path) -> None:
    mod = script_module(module)
    stale = tmp_path / output
    stale.write_text((REPO / "catalogs" / output).read_text(encoding="utf-8").replace("\n", "\n\n", 1))
    gen = script_module("catalog_gen")
    args = ["--check", "--reference", str(REFERENCE)]
    assert gen.main("test", stale, mod.build, args) == 1
    stale.write_text(mod.build(REFERENCE), encoding="utf-8")
    assert gen.main("test", stale, mod.build, args) == 0


def test_generation_is_deterministic() -> None:
    for module in ("import_atlas", "import_cosai"):
        build = script_module(module).build
        assert build(REFERENCE) == build(REFERENCE)


def test_cosai_ids_and_titles_equal_upstream() -> None:
    cosai = load_catalog("cosai.yaml")
    base = ("cosai-risk-map", "yaml")
    for file, key, kind in (
        ("risks.yaml", "risks", "risk"),
        ("components.yaml", "components", "component"),
        ("personas.yaml", "personas", "persona"),
    ):
        upstream = [(item["id"], item["title"]) for item in reference_yaml(*base, file)[key]]
        ours = [(e.id, e.title) for e in cosai.entries if e.type == kind]
        assert ours == upstream, file
    upstream_controls = reference_yaml(*base, "controls.yaml")["controls"]
    assert [(c.id, c.title) for c in cosai.controls] == [(c["id"], c["title"]) for c in upstream_controls]


def test_cosai_facts_equal_upstream() -> None:
    cosai = load_catalog("cosai.yaml")
    base = ("cosai-risk-map", "yaml")
    risks = {r["id"]: r for r in reference_yaml(*base, "risks.yaml")["risks"]}
    for entry in (e for e in cosai.entries if e.type == "risk"):
        risk = risks[entry.id]
        assert entry.category == risk["category"]
        assert [str(v) for v in entry.lifecycle] == list(risk.get("lifecycleStage") or [])
        assert list(entry.impact) == list(risk.get("impactType") or [])
        assert list(entry.actor_access) == list(risk.get("actorAccess") or [])
        atlas = [r.removeprefix("atlas:") for r in entry.refs if r.startswith("atlas:")]
        mapped = [m.split("@")[0] for m in (risk.get("mappings") or {}).get("mitre-atlas", [])]
        assert atlas == mapped, entry.id
        llm = [r.removeprefix("owasp-llm:") for r in entry.refs if r.startswith("owasp-llm:")]
        assert llm == (risk.get("mappings") or {}).get("owasp-top10-llm", []), entry.id
        stride = [r for r in entry.refs if r.startswith("stride:")]
        assert len(stride) == len((risk.get("mappings") or {}).get("stride", [])), entry.id
    components = {c["id"]: c for c in reference_yaml(*base, "components.yaml")["components"]}
    for entry in (e for e in cosai.entries if e.type == "component"):
        assert entry.category == components[entry.id]["subcategory"]
    controls = {c["id"]: c for c in reference_yaml(*base, "controls.yaml")["controls"]}
    for control in cosai.controls:
        upstream = controls[control.id]
        assert control.category == upstream["category"]
        linked = [r.removeprefix("cosai:") for r in control.refs if r.startswith("cosai:")]
        expected = [] if upstream["risks"] == "all" else upstream["risks"]
        assert linked == expected, control.id


def test_atlas_ids_and_titles_equal_upstream() -> None:
    atlas = load_catalog("atlas.yaml")
    data = reference_yaml("atlas", "ATLAS.yaml")
    assert atlas.version == data["version"]
    matrix = data["matrices"][0]
    upstream = [(t["id"], t["name"]) for t in matrix["tactics"]] + [(t["id"], t["name"]) for t in matrix["techniques"]]
    assert [(e.id, e.title) for e in atlas.entries] == upstream
    assert [(c.id, c.title) for c in atlas.controls] == [(m["id"], m["name"]) for m in matrix["mitigations"]]
    parents = {t["id"]: t.get("subtechnique-of") for t in matrix["techniques"]}
    assert {e.id: e.parent for e in atlas.entries if e.type == "technique"} == parents


def test_atlas_recovers_misplaced_mitigation_links() -> None:
    """ATLAS 5.6.0 puts two AML.T0052.001 links inside ml-lifecycle; the importer keeps them."""
    atlas = load_catalog("atlas.yaml")
    by_id = {c.id: c for c in atlas.controls}
    for mitigation in ("AML.M0018", "AML.M0034"):
        assert "atlas:AML.T0052.001" in by_id[mitigation].refs
    for control in atlas.controls:
        assert len(set(control.refs)) == len(control.refs)
    assert sum(len(c.refs) for c in atlas.controls) == 246


def test_cosai_links_are_checked_both_ways() -> None:
    mod = script_module("import_cosai")
    risks = [{"id": "riskA", "controls": ["controlX"]}]
    controls = [{"id": "controlX", "risks": ["riskA"]}, {"id": "controlAll", "risks": "all"}]
    mod._check_links(risks, controls)
    with pytest.raises(ValueError, match="disagree"):
        mod._check_links(risks, [{"id": "controlX", "risks": []}])


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"the full upstream data is not beside this checkout ({UPSTREAM})")
def test_vendored_facts_match_upstream() -> None:
    """tests/data/reference is exactly what scripts/vendor_reference.py makes of the upstream data."""
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "vendor_reference.py"), "--check", "--reference", str(UPSTREAM)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_vendored_facts_carry_no_prose() -> None:
    """The vendored copy keeps facts only: no description-like key survives anywhere."""
    vendor = script_module("vendor_reference")
    for path in REFERENCE.rglob("*.yaml"):
        found: list[str] = []

        def walk(value: Any, found: list[str] = found) -> None:
            if isinstance(value, dict):
                found.extend(k for k in value if k in vendor.PROSE_KEYS)
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert not found, f"{path.name} carries prose keys {sorted(set(found))}"

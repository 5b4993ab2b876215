"""Start-up work is deferred without changing what users see: field docs, validators, catalogs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_python
from threatmodel.io.load import builtin_control_refs, load_catalogs

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "models" / "agent-with-tools.yaml"


def test_builtin_control_refs_are_the_validated_catalogs_controls() -> None:
    """What `validate` reads from the built-in catalogs' YAML is exactly what loading them yields."""
    refs = builtin_control_refs()
    assert refs == load_catalogs().control_refs
    assert len(refs) > 20


def test_validate_builds_no_catalog_or_rule_classes() -> None:
    """`validate` of a model imports neither the catalog and rule classes nor the evaluator."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom threatmodel.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['validate', {str(EXAMPLE)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "mods = ('threatmodel.model.catalog', 'threatmodel.model.rules', 'threatmodel.engine.evaluate')\n"
        "print(','.join(m for m in mods if m in sys.modules))\n"
    )
    assert run_python(code).strip() == ""


def test_field_docs_reach_the_schema_whatever_was_built_first() -> None:
    """The JSON Schema carries every field's docstring, also when models, catalogs and a policy were
    validated (and their validators built without docs) before it was asked for."""
    fresh = run_python(
        "from threatmodel.schema import schema_text\nprint(schema_text('model') + schema_text('catalog'))"
    )
    after_use = run_python(
        "from pathlib import Path\n"
        "from threatmodel.io.load import load_catalogs, load_model\n"
        "from threatmodel.io.policy import load_policy\n"
        "cats = load_catalogs()\n"
        f"load_model(Path({str(EXAMPLE)!r}), known_controls=cats.control_refs)\n"
        f"load_policy(Path({str(REPO / 'examples' / 'policy.yaml')!r}), known_controls=cats.control_refs)\n"
        "from threatmodel.schema import schema_text\nprint(schema_text('model') + schema_text('catalog'))"
    )
    assert after_use == fresh
    forms_first = run_python(
        "from pathlib import Path\n"
        "from threatmodel.model.system import System\n"
        "System.model_validate({'id': 's', 'name': 'S'})\n"  # built before any docs
        "from threatmodel.tui.forms import specs_for\n"
        "specs_for(System)\n"  # documents it without rebuilding
        "from threatmodel.io.load import load_catalogs, load_model\n"
        "cats = load_catalogs()\n"
        f"load_model(Path({str(EXAMPLE)!r}), known_controls=cats.control_refs)\n"  # reuses System's schema
        "from threatmodel.schema import schema_text\nprint(schema_text('model') + schema_text('catalog'))"
    )
    assert forms_first == fresh
    checked_in = (REPO / "docs" / "schema" / "model.schema.json").read_text(encoding="utf-8")
    assert fresh.startswith(checked_in)
    component = json.loads(checked_in)["$defs"]
    described = [
        name
        for d in component.values()
        for name, prop in d.get("properties", {}).items()
        if isinstance(prop, dict) and prop.get("description")
    ]
    assert len(described) > 100


def test_form_help_comes_from_field_docs() -> None:
    """The TUI's forms show the docstring under each field as its help, without a schema rebuild."""
    from threatmodel.model.system import Flow
    from threatmodel.tui.forms import specs_for

    helps = {spec.name: spec.help for spec in specs_for(Flow)}
    assert helps["source"] == "The component sending the data."
    assert helps["authentication"] == "How the sender authenticates; unset when unknown."

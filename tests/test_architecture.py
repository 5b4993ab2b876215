"""Architecture: layers stay one-way, the core stays pure, generated files stay fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", ["threatmodel.model.system", "threatmodel.engine", "threatmodel.graph"])
def test_core_imports_no_io_or_ui_libraries(module: str) -> None:
    """Importing the core loads no YAML, Textual, Rich, click, stix2 or graphviz (lazy imports included)."""
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in ('yaml', 'yaml_rs', 'ruamel', 'textual', 'rich', 'click', 'stix2', 'graphviz', 'subprocess')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == ""


def test_cli_help_does_not_import_the_tui_or_stix() -> None:
    """`threatmodel --help` stays fast: no Textual, no stix2 on the start path."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom threatmodel.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "print(','.join(m for m in ('textual', 'stix2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == ""


def test_generated_docs_and_schemas_are_up_to_date() -> None:
    """docs/schema/*.json and docs/reference/*.md match what scripts/gen_docs.py generates."""
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_docs.py"), "--check"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("flag", "name"), [("--model", "model"), ("--catalog", "catalog"), ("--policy", "policy")])
def test_schema_command_prints_the_checked_in_schema(flag: str, name: str) -> None:
    """`threatmodel schema` prints exactly the checked-in docs/schema/<name>.schema.json."""
    from click.testing import CliRunner

    from threatmodel.cli import cli

    result = CliRunner().invoke(cli, ["schema", flag])
    assert result.exit_code == 0
    assert result.stdout == (REPO / "docs" / "schema" / f"{name}.schema.json").read_text(encoding="utf-8")


def test_no_unsafe_calls_in_the_package() -> None:
    """No eval, exec, pickle or unsafe YAML loading anywhere in threatmodel/."""
    import re

    pattern = re.compile(r"(^|[^_a-zA-Z.])(eval|exec)\(|yaml\.load\(|yaml\.unsafe_load|pickle\.loads?\(|yaml\.Loader\b")
    offenders = [
        f"{path.relative_to(REPO)}:{i}"
        for path in (REPO / "threatmodel").rglob("*.py")
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []

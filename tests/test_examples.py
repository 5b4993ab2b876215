"""The example models in models/ and the `threatmodel init` templates: valid, sized, usable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXED_DATE
from threatmodel.cli import cli
from threatmodel.engine import evaluate
from threatmodel.io.builtin import template_files
from threatmodel.io.load import LoadedCatalogs, load_model, load_model_text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
TEMPLATES = sorted((REPO / "threatmodel" / "templates").glob("*.yaml"))
TEMPLATE_NAMES = ("agent", "fine-tuning", "ml-pipeline", "rag")
SCHEMA_LINE = "# yaml-language-server: $schema=../docs/schema/model.schema.json"
STRUCTURAL_DIAGNOSTICS = frozenset({"TM101", "TM102", "TM103", "TM104"})
"""Empty boundaries, components outside any boundary, components without flows, unused data."""


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_expected_examples_and_templates_exist() -> None:
    """The six example models and four templates the docs promise are all present."""
    assert set(ids(EXAMPLES)) >= {
        "rag-support-assistant",
        "agent-with-tools",
        "ml-fraud-pipeline",
        "open-weights-fine-tuning",
        "federated-learning",
        "multi-agent-research",
    }
    assert tuple(ids(TEMPLATES)) == TEMPLATE_NAMES
    assert tuple(name.removesuffix(".yaml") for name, _ in template_files()) == TEMPLATE_NAMES


# ---------------------------------------------------------------------------
# Example models


@pytest.mark.parametrize("path", EXAMPLES, ids=ids(EXAMPLES))
class TestExampleModel:
    """Each example model in models/."""

    def test_is_valid_with_builtin_controls(self, path: Path, builtin_catalogs: LoadedCatalogs) -> None:
        """It loads, passes every reference check and names only known catalog controls."""
        loaded = load_model(path, known_controls=builtin_catalogs.control_refs)
        assert loaded.model.system.id

    def test_has_between_10_and_30_components(self, path: Path) -> None:
        """It is a real system, neither a toy nor an unreadable wall."""
        count = len(load_model(path).model.components)
        assert 10 <= count <= 30, f"{path.name} has {count} components"

    def test_starts_with_schema_line_and_comments(self, path: Path) -> None:
        """Line 1 points editors at the schema and comments explain the system before any key."""
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == SCHEMA_LINE
        first_key = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
        assert sum(1 for line in lines[1:first_key] if line.startswith("# ") and len(line) > 10) >= 5

    def test_names_owner_and_fixed_update_date(self, path: Path) -> None:
        """The system has an owner and a fixed `updated` date, so exports never read the clock."""
        system = load_model(path).model.system
        assert system.owner
        assert system.updated is not None and system.updated <= FIXED_DATE

    def test_is_structurally_complete(self, path: Path) -> None:
        """Every boundary holds something, every component sits in a boundary and has flows, all data is used."""
        assessment = evaluate(load_model(path).model, (), as_of=FIXED_DATE)
        structural = [d for d in assessment.diagnostics if d.code in STRUCTURAL_DIAGNOSTICS]
        assert structural == []

    def test_triage_matches_live_findings(self, path: Path, builtin_catalogs: LoadedCatalogs) -> None:
        """Every triage entry names a finding the built-in catalogs raise, and none has lapsed."""
        loaded = load_model(path, known_controls=builtin_catalogs.control_refs)
        assessment = evaluate(loaded.model, builtin_catalogs.catalogs, as_of=FIXED_DATE)
        stale = [d.message for d in assessment.diagnostics if d.code in ("TM201", "TM202")]
        assert stale == []
        for key, entry in loaded.model.triage.items():
            assert entry.owner and entry.justification and entry.decided_on and entry.review_by, key


# ---------------------------------------------------------------------------
# Templates


@pytest.mark.parametrize("path", TEMPLATES, ids=ids(TEMPLATES))
class TestTemplate:
    """Each `init` template."""

    def test_is_valid_with_builtin_controls(self, path: Path, builtin_catalogs: LoadedCatalogs) -> None:
        """It loads as is, with every control known to the built-in catalogs."""
        text = path.read_text(encoding="utf-8")
        loaded = load_model_text(text, path.name, known_controls=builtin_catalogs.control_refs)
        assert loaded.model.system.id

    def test_is_small(self, path: Path) -> None:
        """It has 5 to 9 components: a start to edit, not a finished model."""
        count = len(load_model(path).model.components)
        assert 5 <= count <= 9, f"{path.name} has {count} components"

    def test_header_is_schema_line_then_description(self, path: Path) -> None:
        """Line 1 is the schema line `init` rewrites; line 2 is the description `init --list` shows."""
        first, second = path.read_text(encoding="utf-8").splitlines()[:2]
        assert first == SCHEMA_LINE
        assert second.startswith("# ") and len(second) > 20 and "schema" not in second

    def test_is_structurally_complete(self, path: Path) -> None:
        """A fresh model raises no structural diagnostic (empty boundary, loose component, unused data)."""
        assessment = evaluate(load_model(path).model, (), as_of=FIXED_DATE)
        assert [d for d in assessment.diagnostics if d.code in STRUCTURAL_DIAGNOSTICS] == []


# ---------------------------------------------------------------------------
# threatmodel init


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_init_writes_a_valid_model_and_its_schema(name: str, tmp_path: Path) -> None:
    """`init --template NAME` writes a model that `validate` accepts, and a schema file beside it."""
    target = tmp_path / "new" / f"{name}.yaml"
    target.parent.mkdir()
    result = CliRunner().invoke(cli, ["init", "--template", name, str(target)])
    assert result.exit_code == 0, result.output
    assert (
        target.read_text(encoding="utf-8").splitlines()[0] == "# yaml-language-server: $schema=threatmodel.schema.json"
    )
    assert (target.parent / "threatmodel.schema.json").is_file()
    validated = CliRunner().invoke(cli, ["validate", str(target)])
    assert validated.exit_code == 0, validated.output
    assert "valid" in validated.stdout


def test_init_never_overwrites(tmp_path: Path) -> None:
    """`init` on an existing file exits 2, says so on stderr, and leaves the file as it was."""
    target = tmp_path / "model.yaml"
    target.write_text("precious: true\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", "--template", "agent", str(target)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert target.read_text(encoding="utf-8") == "precious: true\n"
    assert not (tmp_path / "threatmodel.schema.json").exists()


def test_init_list_shows_each_template_with_its_description() -> None:
    """`init --list` prints one line per template: its name and the description from line 2."""
    result = CliRunner().invoke(cli, ["init", "--list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(TEMPLATE_NAMES)
    for line, path in zip(lines, TEMPLATES, strict=True):
        description = path.read_text(encoding="utf-8").splitlines()[1][2:]
        assert line.endswith(description)


def test_init_unknown_template_suggests_the_closest(tmp_path: Path) -> None:
    """A misspelt template name exits 2 with a "did you mean" hint and writes nothing."""
    target = tmp_path / "model.yaml"
    result = CliRunner().invoke(cli, ["init", "--template", "fine-tunning", str(target)])
    assert result.exit_code == 2
    assert "unknown template 'fine-tunning'" in result.stderr
    assert "did you mean 'fine-tuning'?" in result.stderr
    assert not target.exists()

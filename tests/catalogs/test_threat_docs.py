"""docs/threats.md and docs/rules.md stay true to the threat library and the rule language."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import assess_text
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.rules import PREDICATE_TAGS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gen_threat_docs.py"
RULES = REPO / "docs" / "rules.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_threat_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_threats_page_is_up_to_date(builtin_catalogs: LoadedCatalogs) -> None:
    """docs/threats.md is exactly what scripts/gen_threat_docs.py generates from the built-in catalogs."""
    expected = _generator().render(builtin_catalogs.catalogs)
    assert (REPO / "docs" / "threats.md").read_text(encoding="utf-8") == expected, (
        "docs/threats.md is stale: run `python scripts/gen_threat_docs.py`"
    )


def test_generator_check_flag_reports_a_stale_page() -> None:
    """`gen_threat_docs.py --check` exits 0 on the committed page (and the test above pins its content)."""
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_threats_page_lists_every_threat_once(builtin_catalogs: LoadedCatalogs) -> None:
    """Every library threat has exactly one anchor on the page."""
    page = _generator().render(builtin_catalogs.catalogs)
    library = next(c for c in builtin_catalogs.catalogs if c.id == "tm")
    for threat in library.threats:
        assert page.count(f'<a id="{threat.id}"></a>') == 1, threat.id


def test_markdown_cells_escape_special_characters() -> None:
    """Catalog text with pipes, brackets or HTML cannot break the generated tables."""
    gen = _generator()
    assert gen.md("a | b <script> [x](y)\nz") == r"a \| b \<script\> \[x\](y) z"
    assert gen.code("id`with`ticks") == "`id'with'ticks`"


def test_rules_page_documents_every_predicate() -> None:
    """docs/rules.md has a section for every predicate of the closed vocabulary."""
    text = RULES.read_text(encoding="utf-8")
    for tag in PREDICATE_TAGS:
        assert f"`{tag}`" in text, f"docs/rules.md does not mention predicate '{tag}'"


def _example_catalog() -> str:
    match = re.search(r"```yaml\n(# acme-threats\.yaml\n.*?)```", RULES.read_text(encoding="utf-8"), re.S)
    assert match, "the example catalog is missing from docs/rules.md"
    return match.group(1)


def test_rules_page_example_catalog_loads_and_fires(tmp_path: Path) -> None:
    """The user-catalog example in docs/rules.md loads with the built-ins and raises its threat."""
    path = tmp_path / "acme-threats.yaml"
    path.write_text(_example_catalog(), encoding="utf-8")
    catalogs = load_catalogs([path])
    model = """
system: {id: prompts, name: Prompt store}
components:
  - {id: prompt-store, kind: prompt-store}
  - {id: chat-llm, kind: llm}
flows:
  - {source: prompt-store, target: chat-llm}
"""
    found = {f.id for f in assess_text(model, catalogs).findings}
    assert "acme:unreviewed-prompt-template@prompt-store" in found


@pytest.mark.parametrize("cycle", [True, False])
def test_search_paths_without_seeds_end_at_a_seed(cycle: bool) -> None:
    """A seed reached again through a cycle does not make explanation paths loop (graph.search)."""
    from threatmodel.graph import search

    edges = {"s": ["a"], "a": ["b"], "b": ["s"] if cycle else []}
    reach = search(["s"], lambda n: edges.get(n, []), 16, include_seeds=False)
    assert reach.path("b") == ("b", "a", "s")
    if cycle:
        assert reach.path("s") == ("s", "b", "a", "s")

"""`discover` on realistic repositories: the items and their evidence equal the inventories
written by hand before the scanner existed (tests/data/discover/*.expected.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.discover.conftest import DATA, REPOS, expected, observed
from threatmodel.io.discover.scan import ScanOptions, scan_repository


@pytest.mark.parametrize("repo", REPOS)
def test_inventory_matches_the_hand_written_expectation(repo: str) -> None:
    inventory = scan_repository(DATA / repo, repo)
    assert observed(inventory) == expected(repo)
    assert inventory.limits == ()


def test_every_piece_of_evidence_is_located_in_a_real_line() -> None:
    for repo in REPOS:
        for item in scan_repository(DATA / repo).items:
            assert item.evidence == tuple(sorted(item.evidence))
            for e in item.evidence:
                path = DATA / repo / e.path
                assert path.is_file(), e
                if e.kind.value != "file":
                    lines = path.read_text(encoding="utf-8").splitlines()
                    assert 1 <= e.line <= len(lines) and e.column >= 1, e


def test_mentions_in_docs_comments_and_docstrings_are_not_evidence() -> None:
    """plain-web only talks about OpenAI and Anthropic; rag-service's README, comment and docstring do too."""
    assert scan_repository(DATA / "plain-web").items == ()
    rag = scan_repository(DATA / "rag-service")
    paths = {e.path for i in rag.items for e in i.evidence}
    assert "README.md" not in paths and "app/main.py" not in paths
    assert not any(i.id == "llm-provider:anthropic" for i in rag.items)


def test_default_excludes_can_be_turned_off() -> None:
    rag = scan_repository(DATA / "rag-service", options=ScanOptions(default_excludes=False))
    ids = {i.id for i in rag.items}
    assert "llm-provider:anthropic" in ids  # from .venv/ and node_modules/
    anthropic = next(i for i in rag.items if i.id == "llm-provider:anthropic")
    assert {e.path.split("/")[0] for e in anthropic.evidence} == {".venv", "node_modules"}


def test_excludes_leave_out_names_and_relative_paths() -> None:
    inv = scan_repository(DATA / "js-agent", options=ScanOptions(excludes=("claude_desktop_config.json", "src/tools")))
    ids = {i.id for i in inv.items}
    assert "mcp-server:postgres" not in ids
    assert not any(e.path.startswith("src/tools/") for i in inv.items for e in i.evidence)
    assert "mcp-server:linear" in ids


def test_facts_the_code_shows() -> None:
    ml = scan_repository(DATA / "ml-pipeline").by_id()
    assert ml["hub-model:sentence-transformers/all-MiniLM-L6-v2"].fact("kind") == "embedding-model"
    assert ml["hub-model:distilbert/distilbert-base-uncased"].fact("kind") == "ml-model"
    assert ml["model-file:legacy/old_model.pkl"].fact("weights_format") == "pickle"
    assert ml["model-file:weights/mistral-7b-instruct.Q4_K_M.gguf"].fact("weights_format") == "gguf"
    js = scan_repository(DATA / "js-agent").by_id()
    assert js["mcp-server:filesystem"].fact("transport") == "stdio"
    assert js["mcp-server:filesystem"].fact("clients") == "Claude Desktop, Cursor"
    assert js["mcp-server:filesystem"].fact("launch") == "npx @modelcontextprotocol/server-filesystem"
    assert js["mcp-server:linear"].fact("transport") is None  # a URL alone does not say SSE or HTTP
    assert js["mcp-server:linear"].fact("url_host") == "mcp.linear.app"
    assert js["llm-provider:anthropic"].fact("hosted") == "true"


def test_mcp_launch_never_carries_arguments_that_may_hold_secrets() -> None:
    postgres = scan_repository(DATA / "js-agent").by_id()["mcp-server:postgres"]
    text = repr(postgres)
    assert "postgresql://" not in text and "ops@db" not in text
    assert postgres.fact("launch") == "docker mcp/postgres"


def test_the_inventory_does_not_depend_on_where_or_in_what_order_files_were_written(tmp_path: Path) -> None:
    """A copy made in reverse order, in another folder, gives the same inventory (paths are relative)."""
    source = DATA / "js-agent"
    target = tmp_path / "elsewhere"
    files = sorted((p for p in source.rglob("*") if p.is_file()), reverse=True)
    for f in files:
        dest = target / f.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
    first = scan_repository(source, "repo")
    second = scan_repository(target, "repo")
    assert first == second


def test_fixture_data_folders_are_skipped_but_test_code_is_read(tmp_path: Path) -> None:
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "sample.py").write_text("import anthropic\n", encoding="utf-8")
    (tmp_path / "tests" / "test_llm.py").write_text("import openai\n", encoding="utf-8")
    assert [i.id for i in scan_repository(tmp_path).items] == ["llm-provider:openai"]

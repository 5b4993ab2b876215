"""The scanner's knowledge is data (threatmodel/io/discover/knowledge.yaml): it loads, it is
consistent, and a defect in it is a located error rather than a silently ignored entry."""

from __future__ import annotations

from importlib import resources

import pytest

from threatmodel.errors import CatalogError
from threatmodel.io.discover.knowledge import TECH_CATEGORIES, load_knowledge, normalise_pypi, parse_knowledge
from threatmodel.model.inventory import Category


def knowledge_text() -> str:
    return (resources.files("threatmodel.io.discover") / "knowledge.yaml").read_text(encoding="utf-8")


def test_the_builtin_knowledge_loads_and_covers_every_category() -> None:
    kb = load_knowledge()
    assert {t.category for t in kb.technologies.values()} == {c.value for c in TECH_CATEGORIES}
    assert {"openai", "anthropic", "chroma", "langchain", "mcp", "pytorch"} <= set(kb.technologies)
    assert kb.model_files and kb.load_calls and kb.mcp_configs
    assert {".git", "node_modules", ".venv"} <= kb.default_excludes


@pytest.mark.parametrize(
    ("lookup", "value", "tech"),
    [
        ("pypi", "OpenAI", "openai"),
        ("pypi", "langchain_openai", "openai"),
        ("pypi", "qdrant.client", "qdrant"),
        ("npm", "@anthropic-ai/sdk", "anthropic"),
        ("python", "llama_index.llms.openai.base", "openai"),
        ("python", "llama_index.core", "llamaindex"),
        ("python", "google.genai.types", "google-gemini"),
        ("js", "@modelcontextprotocol/sdk/server/stdio.js", "mcp"),
        ("js", "@langchain/openai", "openai"),
        ("js", "@langchain/core/prompts", "langchain"),
        ("host", "api.openai.com", "openai"),
        ("host", "myres.openai.azure.com", "azure-openai"),
        ("host", "bedrock-runtime.eu-west-1.amazonaws.com", "aws-bedrock"),
        ("host", "localhost:11434", "ollama"),
    ],
)
def test_lookups_name_the_right_technology(lookup: str, value: str, tech: str) -> None:
    kb = load_knowledge()
    found = {
        "pypi": lambda v: kb.pypi.get(normalise_pypi(v)),
        "npm": kb.npm.get,
        "python": kb.python_import,
        "js": kb.js_import,
        "host": kb.endpoint,
    }[lookup](value)
    assert found == tech


@pytest.mark.parametrize(
    "value", ["ai-tools", "openai-ish", "agents", "google", "localhost", "example.com", "api.openai.com.evil.test"]
)
def test_lookups_do_not_match_near_misses(value: str) -> None:
    kb = load_knowledge()
    assert kb.npm.get(value) is None or value == "ai"
    assert kb.python_import(value) is None
    assert kb.endpoint(value) is None


def test_load_calls_and_hub_kinds() -> None:
    kb = load_knowledge()
    assert kb.is_load_call("transformers.AutoModelForCausalLM.from_pretrained")
    assert kb.is_load_call("torch.load")
    assert not kb.is_load_call("torch.loads") and not kb.is_load_call("joblib.dump")
    assert kb.hub_kind(["AutoModelForCausalLM", "from_pretrained"]) == "llm"
    assert kb.hub_kind(["pipeline", "feature-extraction"]) == "embedding-model"
    assert kb.hub_kind(["AutoTokenizer", "from_pretrained"]) is None
    assert kb.model_file("models/pytorch_model.bin") is not None
    assert kb.model_file("data/train.bin") is None
    assert kb.model_file(".pkl") is None  # a name that is only the suffix is not a model file


def test_a_package_claimed_by_two_technologies_is_refused() -> None:
    text = knowledge_text().replace("pypi: [anthropic,", "pypi: [openai, anthropic,", 1)
    with pytest.raises(CatalogError, match="'openai' belongs to both"):
        parse_knowledge(text, "knowledge.yaml")


def test_an_unknown_category_is_a_located_error() -> None:
    text = knowledge_text().replace("category: vector-db", "category: vector-database", 1)
    with pytest.raises(CatalogError) as caught:
        parse_knowledge(text, "knowledge.yaml")
    problem = caught.value.problems[0]
    assert "category" in problem.message
    assert problem.source is not None and problem.source.line > 1


def test_every_category_has_a_title() -> None:
    from threatmodel.export.discover import CATEGORY_HELP
    from threatmodel.model.inventory import CATEGORY_TITLES

    assert set(CATEGORY_TITLES) == set(Category) == set(CATEGORY_HELP)

"""Each reader on small snippets: what counts as evidence and what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatmodel.io.discover.knowledge import load_knowledge
from threatmodel.io.discover.python import ModelPaths, scan_python
from threatmodel.io.discover.scan import scan_repository
from threatmodel.io.discover.sources import scan_js, scan_package_json, scan_pyproject, scan_requirements

KB = load_knowledge()


def lines(found) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return sorted((f.item, f.line) for f in found)


def test_requirements() -> None:
    text = "\n".join(
        [
            "openai[datalib]>=1; python_version > '3.8'",
            "-e git+https://github.com/x/openai.git#egg=openai",
            "--index-url https://api.openai.com/simple",
            "# anthropic",
            "  anthropic  # the Claude SDK",
            "langchain_openai==0.1",
            "git+https://github.com/x/cohere.git",
            "-r requirements-ml.txt",
        ]
    )
    assert lines(scan_requirements(KB, text)) == [
        ("llm-provider:anthropic", 5),
        ("llm-provider:openai", 1),
        ("llm-provider:openai", 6),
    ]


def test_pyproject_sections() -> None:
    text = """[build-system]
requires = ["hatchling", "openai"]

[project]
name = "openai-tools"
keywords = ["openai", "anthropic"]
dependencies = ["uvicorn[standard]>=0.30", "openai>=1",
  "chromadb"]

[project.urls]
openai = "https://example.com"

[project.optional-dependencies]
claude = ["anthropic"]

[dependency-groups]
dev = ["pytest", {include-group = "lint"}]
ml = ["torch"]

[tool.poetry.dependencies]
python = "^3.11"
cohere = {version = "^5", optional = true}

[tool.poetry.group.vec.dependencies]
qdrant-client = "^1.9"
"""
    assert lines(scan_pyproject(KB, text)) == [
        ("llm-provider:anthropic", 14),
        ("llm-provider:cohere", 22),
        ("llm-provider:openai", 7),
        ("ml-framework:pytorch", 18),
        ("vector-db:chroma", 8),
        ("vector-db:qdrant", 25),
    ]


def test_package_json_sections_only() -> None:
    text = """{
  "name": "x",
  "scripts": {"openai": "node x.js"},
  "overrides": {"ollama": "1.0.0"},
  "devDependencies": {"openai": "^4"},
  "peerDependencies": {
    "@anthropic-ai/sdk": "*"
  }
}"""
    assert lines(scan_package_json(KB, text, "package.json")) == [
        ("llm-provider:anthropic", 7),
        ("llm-provider:openai", 5),
    ]


def test_js_imports_and_what_is_not_one() -> None:
    text = """import type { ChatCompletion } from "openai";
export * from "@langchain/core";
const m = await import("ollama");
const a = require ( 'groq-sdk' );
const s = "openai";
// import x from "anthropic";
/* require("cohere-ai") */
const t = `${s} @mistralai/mistralai`;
const r = a / b / "openai".length;
import "@pinecone-database/pinecone";
"""
    assert lines(scan_js(KB, text)) == [
        ("agent-framework:langchain", 2),
        ("llm-provider:groq", 4),
        ("llm-provider:ollama", 3),
        ("llm-provider:openai", 1),
        ("vector-db:pinecone", 10),
    ]


def test_python_imports_aliases_and_what_is_not_one() -> None:
    source = b'''"""import openai"""
import openai as oa
from openai.types import Model
from . import anthropic
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import cohere
from torch import load
x = "openai"
y = load(path)
z = oa.OpenAI(base_url="http://localhost:11434/v1")
'''
    assert lines(scan_python(KB, source, "m.py", ModelPaths.of([]))) == [
        ("llm-provider:cohere", 7),
        ("llm-provider:ollama", 11),
        ("llm-provider:openai", 2),
        ("llm-provider:openai", 3),
        ("ml-framework:pytorch", 8),
        ("ml-framework:pytorch", 10),
    ]


@pytest.mark.parametrize(
    ("rel", "text", "ids"),
    [
        (
            ".vscode/settings.json",
            '{"mcp": {"servers": {"jira": {"url": "https://mcp.atlassian.com/v1/sse"}}}}',
            ["mcp-server:jira"],
        ),
        (".cursor/mcp.json", '{"servers": {"jira": {"command": "npx"}}}', []),
        (
            "nested/dir/.mcp.json",
            '{"mcpServers": {"fs": {"command": "uvx", "args": ["mcp-server-fs"]}}}',
            ["mcp-server:fs"],
        ),
        ("not.mcp.json", '{"mcpServers": {"fs": {"command": "uvx"}}}', []),
    ],
)
def test_mcp_configuration_files(tmp_path: Path, rel: str, text: str, ids: list[str]) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    assert [i.id for i in scan_repository(tmp_path).items] == ids

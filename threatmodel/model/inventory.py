"""What ``threatmodel discover`` found in a repository: AI in use, each piece with its evidence.

The scanner (:mod:`threatmodel.io.discover`) builds an :class:`Inventory`; the drift check
(:mod:`threatmodel.engine.drift`) compares it with a model and the renderers
(:mod:`threatmodel.export.discover`) print it. Everything here is plain, frozen and sorted:
the same repository gives the same inventory, byte for byte, whatever order the file system
lists it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What kind of AI an inventory item is."""

    LLM_PROVIDER = "llm-provider"
    """An LLM API (hosted by a vendor, or a local server such as Ollama)."""
    VECTOR_DB = "vector-db"
    """A vector database client."""
    AGENT_FRAMEWORK = "agent-framework"
    """An agent or LLM orchestration framework."""
    MCP_SDK = "mcp-sdk"
    """The Model Context Protocol SDK: the code implements an MCP server or client."""
    ML_FRAMEWORK = "ml-framework"
    """A library that trains, loads or runs models."""
    HUB_MODEL = "hub-model"
    """A model named by its public hub id (``org/name``) in a loading call."""
    MODEL_FILE = "model-file"
    """A file of model weights in the repository, or named by a loading call."""
    MCP_SERVER = "mcp-server"
    """An MCP server configured for an editor or agent."""


CATEGORY_TITLES: dict[Category, str] = {
    Category.LLM_PROVIDER: "LLM API",
    Category.VECTOR_DB: "Vector database",
    Category.AGENT_FRAMEWORK: "Agent framework",
    Category.MCP_SDK: "MCP SDK",
    Category.ML_FRAMEWORK: "ML library",
    Category.HUB_MODEL: "Hub model",
    Category.MODEL_FILE: "Model file",
    Category.MCP_SERVER: "MCP server",
}
"""A short title per category, for reports."""


class EvidenceKind(StrEnum):
    """How a piece of evidence shows the item."""

    DEPENDENCY = "dependency"
    """A dependency file lists its package."""
    IMPORT = "import"
    """Code imports it."""
    LOAD_CALL = "load-call"
    """Code calls a model-loading function with it (or with a value the scanner cannot read)."""
    ENDPOINT = "endpoint"
    """Code or configuration names its API host."""
    FILE = "file"
    """The file itself (model weights are listed, never read)."""
    MCP_CONFIG = "mcp-config"
    """An editor or agent configuration declares it."""


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """One place in the repository that shows an item; ``path`` is relative to the scanned root,
    with ``/`` separators; ``line`` and ``column`` are 1-based."""

    path: str
    line: int
    column: int
    kind: EvidenceKind
    detail: str
    """What is there, in a few words (``from openai import OpenAI``, ``requirements: openai``)."""

    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of AI the repository uses, with every place that shows it (sorted)."""

    id: str
    """``<category>:<name>``, e.g. ``llm-provider:openai``, ``model-file:models/clf.pkl``;
    never derived from an order or a line, so it is stable across runs and edits."""
    category: Category
    name: str
    """Display name (``OpenAI API``, a hub id, a file path, an MCP server's name)."""
    evidence: tuple[Evidence, ...]
    terms: tuple[str, ...] = ()
    """Words (lower-kebab) that name it in a model: a component whose id, name or tags say one of
    them declares it (for the categories that compare by name, see engine/drift.py)."""
    facts: tuple[tuple[str, str], ...] = ()
    """What the code shows about it, as sorted ``(name, value)`` pairs: ``kind``,
    ``weights_format``, ``transport``, ``hosted``, ``launch``, ``clients``..."""

    @property
    def location(self) -> Evidence:
        """The first place that shows it (evidence is sorted by path, then line)."""
        return self.evidence[0]

    def fact(self, name: str) -> str | None:
        for key, value in self.facts:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """A file the scanner did not read, and why (binary, too large, not UTF-8, a syntax error)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Inventory:
    """The AI found in one repository."""

    root: str
    """The scanned folder as the user named it (used to show paths, never to identify items)."""
    items: tuple[Item, ...]
    """Sorted by id."""
    skipped: tuple[Skipped, ...] = ()
    files_scanned: int = 0
    """Files read or listed (model files are listed, not read)."""
    limits: tuple[str, ...] = ()
    """Work budgets the scan reached, in words; empty when the whole tree was scanned."""

    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

"""Drift between a model and the code: AI the code uses that the model does not declare, and
declared AI components that leave no trace in the code.

Which component declares an inventory item depends on the item's category (docs/discover.md,
"How code is matched to the model"):

* an LLM API, a hub model or an MCP server is declared by a component of a fitting kind whose
  id, name or tags say one of the item's terms (``openai``, ``claude``, the server's name...),
  or whose name is the item's name;
  which vendor or which model matters, so the kind alone is not enough;
* a vector database by any ``vector-store``; an agent framework by any ``agent`` or
  ``retriever``; the MCP SDK by any ``mcp-server`` or ``agent``;
* an ML library by any self-hosted model, serving, training or fine-tuning component;
* a model file by a model component that states the file's weights format: a model whose
  format is unknown does not declare a pickle file (unknown is never secure).

The same relation, read the other way, decides whether a declared component has a trace (an
agent also counts an LLM API as its trace: agent loops are often written on a plain SDK). Only
kinds the scanner can see are expected to have one: LLMs, ML and embedding models, agents, MCP
servers and vector stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from threatmodel.model.inventory import CATEGORY_TITLES, Category, Inventory, Item
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import MODEL_KINDS, TRAINER_KINDS
from threatmodel.textsafe import visible

TRACEABLE_KINDS = frozenset({"llm", "ml-model", "embedding-model", "agent", "mcp-server", "vector-store"})
"""Component kinds whose presence in code the scanner can see."""

_KINDS: dict[Category, frozenset[str]] = {
    Category.LLM_PROVIDER: frozenset({"llm", "embedding-model"}),
    Category.HUB_MODEL: MODEL_KINDS,
    Category.MCP_SERVER: frozenset({"mcp-server", "tool"}),
    Category.VECTOR_DB: frozenset({"vector-store"}),
    Category.AGENT_FRAMEWORK: frozenset({"agent", "retriever"}),
    Category.MCP_SDK: frozenset({"mcp-server", "agent"}),
    Category.ML_FRAMEWORK: MODEL_KINDS | TRAINER_KINDS | {"model-serving"},
    Category.MODEL_FILE: MODEL_KINDS,
}
"""Component kinds that can declare an item of each category."""

BY_NAME = frozenset({Category.LLM_PROVIDER, Category.HUB_MODEL, Category.MCP_SERVER})
"""Categories whose items a component declares only when it names them."""

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Drift:
    """One difference between the model and the code."""

    id: str
    """``undeclared:<item id>`` or ``untraced:<component id>``; stable, for baselines."""
    direction: Literal["undeclared", "untraced"]
    message: str
    hint: str
    item: Item | None = None
    """The item the code shows (undeclared)."""
    component: str | None = None
    """The component the model declares (untraced)."""


def model_name(name: str) -> str:
    """An item's name as a model file can hold it: control and bidi characters shown as escapes
    (the loader refuses them raw), at most 200 characters."""
    return visible(name)[:200]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _says(component: BaseModel, term: str) -> bool:
    """True when the component's id, name or one of its tags contains ``term`` as whole words."""
    want = _words(term)
    if not want:
        return False
    texts = [getattr(component, "id", ""), getattr(component, "name", None) or "", *getattr(component, "tags", ())]
    for text in texts:
        words = _words(text)
        for i in range(len(words) - len(want) + 1):
            if words[i : i + len(want)] == want:
                return True
    return False


def declares(component: BaseModel, item: Item) -> bool:
    """Whether ``component`` declares ``item`` (see the module docstring)."""
    kind = str(getattr(component, "kind", ""))
    if kind not in _KINDS[item.category]:
        return False
    if item.category in BY_NAME:
        return getattr(component, "name", None) == model_name(item.name) or any(
            _says(component, term) for term in item.terms
        )
    if item.category is Category.ML_FRAMEWORK and kind in MODEL_KINDS:
        # A model whose hosting is unknown may be run by the code found here.
        return getattr(component, "hosting", None) != "provider-api"
    if item.category is Category.MODEL_FILE:
        fmt = getattr(component, "weights_format", None)
        return fmt is not None and str(fmt) == item.fact("weights_format")
    return True


def traces(item: Item, component: BaseModel) -> bool:
    """Whether ``item`` is a trace in the code of ``component``: it declares it, or the component
    is an agent and the item an LLM API (an agent loop is often written on a plain SDK)."""
    if declares(component, item):
        return True
    return str(getattr(component, "kind", "")) == "agent" and item.category is Category.LLM_PROVIDER


def _expected(component: BaseModel) -> str:
    kind = str(getattr(component, "kind", ""))
    if kind in MODEL_KINDS and getattr(component, "hosting", None) == "provider-api":
        return "an LLM API its id, name or tags name (openai, anthropic, gemini...)"
    titles = [
        CATEGORY_TITLES[c]
        for c, kinds in _KINDS.items()
        if kind in kinds or (kind == "agent" and c is Category.LLM_PROVIDER)
    ]
    return "a " + " or ".join(titles)


def compare(model: SystemModel, inventory: Inventory) -> tuple[Drift, ...]:
    """Every drift between ``model`` and ``inventory``, sorted by id."""
    out: list[Drift] = []
    components = list(model.components)
    for item in inventory.items:
        if any(declares(c, item) for c in components):
            continue
        kinds = "component of kind " + " or ".join(sorted(_KINDS[item.category]))
        if item.category in BY_NAME:
            hint = f"declare a {kinds} whose id, name or tags say '{item.terms[0] if item.terms else item.name}'"
        elif item.category is Category.MODEL_FILE:
            hint = f"declare a {kinds} with weights_format: {item.fact('weights_format')}"
        else:
            hint = f"declare a {kinds}"
        n = len({(e.path, e.line) for e in item.evidence})
        places = "1 place" if n == 1 else f"{n} places"
        out.append(
            Drift(
                id=f"undeclared:{item.id}",
                direction="undeclared",
                message=f"{CATEGORY_TITLES[item.category]} {item.name} is in the code ({places}) but not in the model",
                hint=hint + ", or accept it with a baseline",
                item=item,
            )
        )
    for c in components:
        if c.kind not in TRACEABLE_KINDS:
            continue
        if any(traces(item, c) for item in inventory.items):
            continue
        out.append(
            Drift(
                id=f"untraced:{c.id}",
                direction="untraced",
                message=f"component '{c.id}' ({c.kind}) is declared but the code shows no trace of it",
                hint=f"expected {_expected(c)} in the code; remove it, fix its name or tags, or accept it with a baseline",
                component=c.id,
            )
        )
    return tuple(sorted(out, key=lambda d: d.id))


@dataclass(frozen=True, slots=True)
class DriftVerdict:
    """The drift of one model, split into what fails and what a baseline accepts."""

    system: str
    failures: tuple[Drift, ...]
    accepted: tuple[Drift, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def judge_drift(system: str, drifts: tuple[Drift, ...], accepted: frozenset[str]) -> DriftVerdict:
    """Drift listed in ``accepted`` (a baseline's ids for this system) passes; the rest fails."""
    return DriftVerdict(
        system=system,
        failures=tuple(d for d in drifts if d.id not in accepted),
        accepted=tuple(d for d in drifts if d.id in accepted),
    )

"""``discover --draft``: a starting model from an inventory, stating only what the code shows.

Each LLM API, vector database, agent framework, hub model, model file and MCP server becomes a
component whose id, name or tags name it (so ``check --discover`` finds it declared). Facts the
code shows are filled in: a hosted vendor SDK calls the vendor's API (``hosting: provider-api``,
``provenance: third-party-api``), a hub model is open weights, a weights file has its format, an
MCP configuration states its transport. Everything else (exposure, authentication, side effects,
credentials, autonomy...) stays unset, which the engine reads as unknown and ``threatmodel
questions`` lists. Libraries (ML frameworks, the MCP SDK) are not components: they are listed in
the header for the reviewer to attach to the models and servers they build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from threatmodel.engine.drift import model_name
from threatmodel.errors import Problem, ThreatModelError, UsageError
from threatmodel.io.discover.knowledge import load_knowledge
from threatmodel.io.interop.common import IdAllocator, slugify
from threatmodel.model.inventory import Category, Inventory, Item
from threatmodel.textsafe import visible

_LIBRARIES = (Category.ML_FRAMEWORK, Category.MCP_SDK)


def _where(inv: Inventory, item: Item) -> str:
    e = item.location
    more = len(item.evidence) - 1
    return f"{e.path}:{e.line}" + (f" (+{more} more)" if more > 0 else "")


def _component(item: Item, ids: IdAllocator, notes: list[str], inv: Inventory) -> dict[str, Any]:
    kb = load_knowledge()
    where = _where(inv, item)
    c: dict[str, Any] = {}
    if item.category is Category.LLM_PROVIDER:
        tech = kb.technologies[item.id.split(":", 1)[1]]
        c = {"id": ids.take(tech.id, "llm"), "kind": "llm", "name": tech.name}
        if tech.hosted:
            c["hosting"] = "provider-api"
            c["provenance"] = "third-party-api"
            notes.append(f"{c['id']}: {tech.name} SDK or endpoint at {where}; its default endpoint is the vendor's API")
        else:
            notes.append(f"{c['id']}: {tech.name} at {where}; where it runs is not shown (hosting left unknown)")
    elif item.category is Category.VECTOR_DB:
        tech = kb.technologies[item.id.split(":", 1)[1]]
        c = {"id": ids.take(tech.id, "vector-store"), "kind": "vector-store", "name": tech.name}
        notes.append(f"{c['id']}: {tech.name} client at {where}")
    elif item.category is Category.AGENT_FRAMEWORK:
        tech = kb.technologies[item.id.split(":", 1)[1]]
        role = tech.draft_kind or "agent"
        c = {"id": ids.take(tech.id, role), "kind": role, "name": tech.name}
        notes.append(
            f"{c['id']}: {tech.name} at {where}; drafted as {role}, check the kind and wire its model and tools"
        )
    elif item.category is Category.HUB_MODEL:
        shown_kind = item.fact("kind")
        repo = item.name.split("/", 1)[1]
        c = {
            "id": ids.take(slugify(repo, "model"), "model"),
            "kind": shown_kind or "ml-model",
            "name": model_name(item.name),
        }
        c["provenance"] = "open-weights"
        c["tags"] = [slugify(item.name, "model")]
        shown = f"loaded at {where}"
        notes.append(
            f"{c['id']}: hub model {item.name} {shown}"
            + ("" if shown_kind else "; its kind is not shown, drafted as ml-model")
        )
    elif item.category is Category.MODEL_FILE:
        fmt = item.fact("weights_format")
        stem = item.name.rsplit("/", 1)[-1].split(".", 1)[0]
        model_kind = "llm" if fmt == "gguf" else "ml-model"
        c = {
            "id": ids.take(slugify(stem, "model"), "model"),
            "kind": model_kind,
            "name": model_name(item.name),
            "weights_format": fmt,
        }
        notes.append(
            f"{c['id']}: {fmt} weights {item.name} at {where}"
            + ("; drafted as llm (GGUF holds language models)" if model_kind == "llm" else "; drafted as ml-model")
        )
    elif item.category is Category.MCP_SERVER:
        c = {
            "id": ids.take(slugify(item.name, "mcp-server"), "mcp-server"),
            "kind": "mcp-server",
            "name": model_name(item.name),
        }
        transport = item.fact("transport")
        if transport in ("stdio", "http", "sse"):
            c["transport"] = transport
        launch = item.fact("launch") or item.fact("url_host")
        if launch:
            c["description"] = visible(f"Started or reached as: {launch} (configured for {item.fact('clients')}).")
        notes.append(f"{c['id']}: MCP server in {where}")
    return c


def draft_model(inv: Inventory, name: str) -> tuple[str, list[str]]:
    """The drafted model's text and the notes written at its top; validated like ``validate``."""
    from threatmodel.io.dump import dump_model
    from threatmodel.io.load import load_model_text

    ids = IdAllocator()
    system_id = ids.take(slugify(name, "system"), "system")
    notes: list[str] = []
    components = [_component(i, ids, notes, inv) for i in inv.items if i.category not in _LIBRARIES]
    libraries = [f"{i.name} at {_where(inv, i)}" for i in inv.items if i.category in _LIBRARIES]
    model: dict[str, Any] = {
        "schema_version": 1,
        "system": {
            "id": system_id,
            "name": model_name(name) or "Discovered system",
            "description": "Drafted by threatmodel discover from the code; describe what the system does and for whom.",
        },
    }
    if components:
        model["components"] = components
    try:
        loaded = load_model_text(json.dumps(model), f"<draft of {inv.root}>")
    except ThreatModelError as exc:
        raise UsageError(
            [Problem(f"the draft from {inv.root} is not a valid model (please report this)"), *exc.problems]
        ) from None
    header = [
        "# yaml-language-server: $schema=threatmodel.schema.json",
        "#",
        f"# Drafted by `threatmodel discover --draft` from {_one_line(inv.root)}.",
        "# Only what the code shows is filled in; every other fact is unknown until you state it",
        "# (`threatmodel questions` lists the ones findings rest on). Add boundaries, data and flows.",
    ]
    if notes:
        header += ["#", "# Where each component comes from:"]
        header += [f"#   - {_one_line(n)}" for n in notes]
    if libraries:
        header += ["#", "# Libraries found (not components; attach them to the models and servers they build):"]
        header += [f"#   - {_one_line(x)}" for x in libraries]
    if inv.limits:
        header += ["#", "# The scan stopped early, so this draft may be incomplete:"]
        header += [f"#   - {_one_line(x)}" for x in inv.limits]
    return "\n".join(header) + "\n\n" + dump_model(loaded.model), notes


def _one_line(text: str) -> str:
    from threatmodel.textsafe import visible

    return visible(" ".join(text.split()))


def default_name(root: Path) -> str:
    """The system's name: the scanned folder's name."""
    return root.resolve().name or "system"

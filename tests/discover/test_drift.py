"""How code is matched to the model (engine/drift.py): vendor-specific items need a component
that names them, generic ones a component of a fitting kind, model files a stated format; and a
draft is always valid and declares everything it drafts."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threatmodel.engine.drift import compare, declares
from threatmodel.io.discover.draft import draft_model
from threatmodel.io.load import load_model_text
from threatmodel.model.inventory import Category, Evidence, EvidenceKind, Inventory, Item
from threatmodel.model.system import SystemModel

EVIDENCE = (Evidence("app.py", 1, 1, EvidenceKind.IMPORT, "import x"),)
OPENAI = Item("llm-provider:openai", Category.LLM_PROVIDER, "OpenAI API", EVIDENCE, ("chatgpt", "gpt", "openai"))
TORCH = Item("ml-framework:pytorch", Category.ML_FRAMEWORK, "PyTorch", EVIDENCE, ("pytorch", "torch"))
PICKLE = Item("model-file:m.pkl", Category.MODEL_FILE, "m.pkl", EVIDENCE, ("m-pkl",), (("weights_format", "pickle"),))
CHROMA = Item("vector-db:chroma", Category.VECTOR_DB, "Chroma", EVIDENCE, ("chroma",))


def model(*components: dict[str, Any]) -> SystemModel:
    data = {"schema_version": 1, "system": {"id": "s", "name": "S"}, "components": list(components)}
    return load_model_text(json.dumps(data), "<test>").model


def only(component: dict[str, Any]) -> Any:
    return model(component).components[0]


def test_a_vendor_is_declared_only_by_a_component_that_names_it() -> None:
    assert declares(only({"id": "openai-gpt4o", "kind": "llm"}), OPENAI)
    assert declares(only({"id": "answer", "name": "GPT-4o mini", "kind": "llm"}), OPENAI)
    assert declares(only({"id": "answer", "kind": "llm", "tags": ["openai"]}), OPENAI)
    assert not declares(only({"id": "answer-llm", "kind": "llm"}), OPENAI)
    assert not declares(only({"id": "openaiish", "kind": "llm"}), OPENAI)  # whole words only
    assert not declares(only({"id": "openai-proxy", "kind": "application"}), OPENAI)  # wrong kind


def test_a_library_is_declared_by_a_self_hosted_model_only() -> None:
    assert declares(only({"id": "clf", "kind": "ml-model"}), TORCH)
    assert declares(only({"id": "trainer", "kind": "training-job"}), TORCH)
    assert not declares(only({"id": "gpt", "kind": "llm", "hosting": "provider-api"}), TORCH)


def test_an_unknown_weights_format_does_not_declare_a_pickle_file() -> None:
    assert declares(only({"id": "clf", "kind": "ml-model", "weights_format": "pickle"}), PICKLE)
    assert not declares(only({"id": "clf", "kind": "ml-model"}), PICKLE)
    assert not declares(only({"id": "clf", "kind": "ml-model", "weights_format": "safetensors"}), PICKLE)


def test_drift_both_ways_with_stable_ids() -> None:
    inv = Inventory("repo", (OPENAI, CHROMA))
    m = model(
        {"id": "gpt", "kind": "llm", "tags": ["openai"]},
        {"id": "scorer", "kind": "ml-model"},
        {"id": "web", "kind": "application"},
    )
    drifts = compare(m, inv)
    assert [d.id for d in drifts] == ["undeclared:vector-db:chroma", "untraced:scorer"]
    assert drifts[0].item == CHROMA and drifts[1].component == "scorer"


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
_hub = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}/[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
_file = st.from_regex(r"[a-z0-9_./ -]{1,30}\.(pkl|gguf|onnx|pt)", fullmatch=True)


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    from threatmodel.io.discover.sources import file_found, hub_found, slug

    items: dict[str, Item] = {}
    for name in draw(st.lists(_names, max_size=5)):
        terms = (slug(name),) if slug(name) else ()
        items[f"mcp-server:{name}"] = Item(f"mcp-server:{name}", Category.MCP_SERVER, name, EVIDENCE, terms)
    for hub in draw(st.lists(_hub, max_size=4)):
        f = hub_found(hub, draw(st.sampled_from([None, "llm", "embedding-model"])), 1, 1, "x")
        items[f.item] = Item(f.item, f.category, f.name, EVIDENCE, f.terms, f.facts)
    for path in draw(st.lists(_file, max_size=4)):
        f = file_found(
            path,
            {"pkl": "pickle", "gguf": "gguf", "onnx": "onnx", "pt": "pytorch"}[path.rsplit(".", 1)[1]],
            1,
            1,
            EvidenceKind.FILE,
            "x",
        )
        items[f.item] = Item(f.item, f.category, f.name, EVIDENCE, f.terms, f.facts)
    for item in draw(st.lists(st.sampled_from([OPENAI, CHROMA]), max_size=2)):
        items[item.id] = item
    return Inventory("repo", tuple(items[k] for k in sorted(items)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventories(), _names)
def test_a_draft_is_valid_and_declares_every_item_it_drafts(inv: Inventory, name: str) -> None:
    text, _ = draft_model(inv, name)
    loaded = load_model_text(text, "<draft>")
    drifts = compare(loaded.model, inv)
    assert [d.id for d in drifts if d.direction == "undeclared"] == []
    assert [d.id for d in drifts if d.direction == "untraced"] == []


def test_an_agent_written_on_a_plain_sdk_is_traced_by_its_llm_api() -> None:
    inv = Inventory("repo", (OPENAI,))
    m = model({"id": "gpt", "kind": "llm", "tags": ["openai"]}, {"id": "triage-agent", "kind": "agent", "model": "gpt"})
    assert compare(m, inv) == ()
    assert [d.id for d in compare(m, Inventory("repo", (CHROMA,)))] == [
        "undeclared:vector-db:chroma",
        "untraced:gpt",
        "untraced:triage-agent",
    ]

"""CycloneDX 1.6: the system's AI bill of materials (ML-BOM), documented in docs/cyclonedx.md.

What goes where:

* the system is ``metadata.component`` (type ``application``), its lifecycle status a
  ``metadata.lifecycles`` phase;
* every model (``llm``, ``ml-model``, ``embedding-model``) is a ``machine-learning-model``
  component with a model card: the data it was trained on (``modelParameters.datasets``), its
  output, and its intended use (``considerations.useCases``) where the model states ``task``;
  a fine-tuned model names its base model in ``pedigree.ancestors``;
* every data asset, and every ``dataset`` / ``data-source`` component, is a ``data`` component;
* tools, MCP servers, external services, API gateways and model serving are ``services``
  (they are called over an interface), with their trust zone (boundary), whether callers
  authenticate (only where the model says), and the data flowing in and out;
* the other components (applications, agents, guardrails, stores, pipelines) are
  ``application`` components; people (``human-user``) are not materials and are left out;
* ``dependencies``: a flow ``A -> B`` makes A depend on B; so do an agent's model, tools and
  memory, a serving component's models, a model's base model and training data.

Every element carries ``threatmodel:kind`` / ``threatmodel:id`` properties so that
``threatmodel import cyclonedx`` gets the model's own vocabulary back.

Deterministic: ``bom-ref`` values are the model's ids; the serial number is a uuid5 of the
document's own content; the only timestamp is ``system.updated`` (no clock). The JSON is built
by hand (see docs/decisions/0700-cyclonedx-by-hand.md).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from threatmodel.engine.analysis import Analysis
from threatmodel.jsontext import pretty
from threatmodel.model.levels import classification_word
from threatmodel.model.system import ComponentBase, DataAsset, Flow, SystemModel
from threatmodel.model.vocab import MODEL_KINDS

SPEC_VERSION = "1.6"
BOM_NAMESPACE = uuid.UUID("5d0e6f0c-6a43-5b1e-9b5f-3c1f0b7d2a61")
"""threatmodel's namespace for CycloneDX serial numbers (fixed forever)."""

SERVICE_KINDS = frozenset({"tool", "mcp-server", "external-service", "api-gateway", "model-serving"})
DATA_KINDS = frozenset({"dataset", "data-source"})
LEFT_OUT_KINDS = frozenset({"human-user"})

LIFECYCLE_PHASE = {
    "concept": "design",
    "design": "design",
    "development": "build",
    "production": "operations",
    "retired": "decommission",
}

DATA_TYPE_BY_TAG = (
    ("training-data", "dataset"),
    ("embeddings", "dataset"),
    ("system-prompt", "configuration"),
    ("source-code", "source-code"),
)


def data_ref(asset_id: str) -> str:
    """The bom-ref of a data asset (model ids of data and components may coincide)."""
    return f"data/{asset_id}"


def _props(*pairs: tuple[str, str | None]) -> list[dict[str, str]]:
    return [{"name": f"threatmodel:{name}", "value": value} for name, value in pairs if value is not None]


def _data_type(asset: DataAsset) -> str:
    for tag, kind in DATA_TYPE_BY_TAG:
        if tag in asset.tags:
            return kind
    return "other"


def _data_component(asset: DataAsset) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "data", "bom-ref": data_ref(asset.id), "name": asset.label}
    if asset.description:
        entry["description"] = asset.description
    item: dict[str, Any] = {"type": _data_type(asset), "name": asset.label}
    if asset.classification is not None:  # unknown: left out, as CycloneDX has no word for it
        item["classification"] = asset.classification.value
    if asset.owner:
        item["governance"] = {"owners": [{"organization": {"name": asset.owner}}]}
    entry["data"] = [item]
    props = _props(("id", asset.id), ("element", "data-asset"))
    props += _props(*(("tag", t) for t in asset.tags))
    entry["properties"] = props
    return entry


def _common_props(c: ComponentBase) -> list[dict[str, str]]:
    kind = getattr(c, "kind", "")
    provenance = c.provenance.value if c.provenance else None  # unknown stays out: never invented
    exposure = c.exposure.value if c.exposure else None
    props = _props(("id", c.id), ("kind", kind), ("provenance", provenance), ("exposure", exposure))
    props += _props(("owner", c.owner))
    if c.boundary:
        props += _props(("boundary", c.boundary))
    props += _props(*(("data", d) for d in c.data))
    if c.untrusted_content:
        props += _props(("untrusted-content", "true"))
    for name in ("hosting", "weights_format", "output"):
        value = getattr(c, name, None)
        if value is not None:
            props += _props((name.replace("_", "-"), str(getattr(value, "value", value))))
    return props


def _model_component(c: ComponentBase, names: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "machine-learning-model", "bom-ref": c.id, "name": c.label}
    if c.description:
        entry["description"] = c.description
    base = getattr(c, "base_model", None)
    if base:
        entry["pedigree"] = {
            "ancestors": [
                {"type": "machine-learning-model", "name": names.get(base, base), "properties": _props(("id", base))}
            ]
        }
    params: dict[str, Any] = {}
    trained_on = getattr(c, "trained_on", None)
    if trained_on:
        params["datasets"] = [{"ref": data_ref(d)} for d in trained_on]
    output = getattr(c, "output", None)
    if output is not None:
        params["outputs"] = [{"format": output.value}]
    card: dict[str, Any] = {"bom-ref": f"{c.id}/model-card"}
    if params:
        card["modelParameters"] = params
    task = getattr(c, "task", None)
    if task:
        card["considerations"] = {"useCases": [task]}
    entry["modelCard"] = card
    entry["properties"] = _common_props(c)
    return entry


def _application_component(c: ComponentBase) -> dict[str, Any]:
    kind = getattr(c, "kind", "")
    ctype = "data" if kind in DATA_KINDS else "application"
    entry: dict[str, Any] = {"type": ctype, "bom-ref": c.id, "name": c.label}
    if c.description:
        entry["description"] = c.description
    if ctype == "data":
        entry["data"] = [{"type": "dataset", "name": c.label}]
    entry["properties"] = _common_props(c)
    return entry


def _service(c: ComponentBase, model: SystemModel, in_bom: set[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"bom-ref": c.id, "name": c.label}
    if c.owner:
        entry["provider"] = {"name": c.owner}
    if c.description:
        entry["description"] = c.description
    if c.authentication is not None:
        entry["authenticated"] = c.authentication.value != "none"
    if c.boundary:
        entry["trustZone"] = c.boundary
    classification = {a.id: classification_word(a.classification) for a in model.data}
    flows: list[dict[str, Any]] = []
    for flow in model.flows:
        if c.id not in (flow.source, flow.target):
            continue
        for asset in flow.data:
            item: dict[str, Any] = {
                "flow": "inbound" if flow.target == c.id else "outbound",
                "classification": classification.get(asset, "unknown"),
                "name": asset,
            }
            other = flow.source if flow.target == c.id else flow.target
            if other in in_bom:
                item["source" if flow.target == c.id else "destination"] = [other]
            flows.append(item)
    if flows:
        entry["data"] = flows
    entry["properties"] = _common_props(c)
    return entry


def _dependencies(model: SystemModel, in_bom: set[str]) -> list[dict[str, Any]]:
    deps: dict[str, set[str]] = {ref: set() for ref in in_bom}

    def link(source: str, target: str) -> None:
        if source in in_bom and target in in_bom and source != target:
            deps[source].add(target)

    flow: Flow
    for flow in model.flows:
        link(flow.source, flow.target)
    for c in model.components:
        for name in ("model", "memory", "base_model"):
            value = getattr(c, name, None)
            if isinstance(value, str):
                link(c.id, value)
        for name in ("tools", "serves", "delegates_to"):
            for value in getattr(c, name, ()):
                link(c.id, value)
        for asset in getattr(c, "trained_on", None) or ():
            link(c.id, data_ref(asset))
    out = []
    for ref in sorted(deps):
        entry: dict[str, Any] = {"ref": ref}
        if deps[ref]:
            entry["dependsOn"] = sorted(deps[ref])
        out.append(entry)
    return out


def build_bom(model: SystemModel, *, tool_version: str) -> dict[str, Any]:
    """The BOM as JSON-ready data, without its serial number."""
    system = model.system
    names = {c.id: c.label for c in model.components}
    components: list[dict[str, Any]] = [_data_component(a) for a in model.data]
    services: list[dict[str, Any]] = []
    in_bom = {data_ref(a.id) for a in model.data}
    in_bom |= {c.id for c in model.components if c.kind not in LEFT_OUT_KINDS}
    for c in model.components:
        if c.kind in LEFT_OUT_KINDS:
            continue
        if c.kind in MODEL_KINDS:
            components.append(_model_component(c, names))
        elif c.kind in SERVICE_KINDS:
            services.append(_service(c, model, in_bom))
        else:
            components.append(_application_component(c))
    root: dict[str, Any] = {"type": "application", "bom-ref": f"system/{system.id}", "name": system.name}
    if system.version:
        root["version"] = system.version
    if system.description:
        root["description"] = system.description
    root["properties"] = _props(("id", system.id), ("status", system.status.value), ("owner", system.owner))
    metadata: dict[str, Any] = {}
    if system.updated is not None:
        metadata["timestamp"] = f"{system.updated.isoformat()}T00:00:00Z"
    metadata["lifecycles"] = [{"phase": LIFECYCLE_PHASE[system.status.value]}]
    metadata["tools"] = {"components": [{"type": "application", "name": "threatmodel", "version": tool_version}]}
    metadata["component"] = root
    bom: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata,
        "components": components,
    }
    if services:
        bom["services"] = services
    bom["dependencies"] = _dependencies(model, in_bom)
    return bom


def render_cyclonedx(analysis: Analysis, *, tool_version: str) -> str:
    """The AI-BOM as pretty-printed JSON; the serial number is derived from the rest of the document."""
    bom = build_bom(analysis.model, tool_version=tool_version)
    body = json.dumps(bom, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    serial = uuid.uuid5(BOM_NAMESPACE, hashlib.sha256(body.encode("utf-8")).hexdigest())
    ordered = {"$schema": bom.pop("$schema"), "bomFormat": bom.pop("bomFormat"), "specVersion": bom.pop("specVersion")}
    ordered["serialNumber"] = f"urn:uuid:{serial}"
    ordered.update(bom)
    return pretty(ordered)

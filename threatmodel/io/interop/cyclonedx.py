"""Draft a model from a CycloneDX (1.4-1.6) JSON AI-BOM: ``threatmodel import cyclonedx``.

Only stated facts are carried over (docs/import.md lists the mapping). A BOM says nothing
about trust boundaries' trust or about how callers authenticate, so those stay unset, and
whatever has no place in a model (libraries, licences, hashes, BOM timestamps) is listed in
the notes instead of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.interop.common import (
    IdAllocator,
    Notes,
    arr,
    expect_mapping,
    finish,
    fits_slug,
    name_of,
    obj,
    read_json_document,
    text_of,
)
from threatmodel.model.base import Classification
from threatmodel.model.vocab import ComponentKind, Exposure, LifecycleStatus, ModelOutput, Provenance, WeightsFormat

MODEL_KINDS = ("llm", "ml-model", "embedding-model")
PHASE_STATUS = {"design": "design", "build": "development", "operations": "production", "decommission": "retired"}
SOFTWARE_TYPES = frozenset(
    {"library", "framework", "container", "platform", "operating-system", "device", "device-driver", "firmware", "file"}
)
KINDS = frozenset(k.value for k in ComponentKind)


def _props(entry: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    props = entry.get("properties")
    if isinstance(props, list):
        for p in props:
            if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str):
                name = p["name"]
                if name.startswith("threatmodel:"):
                    out.setdefault(name.removeprefix("threatmodel:"), []).append(p["value"])
    return out


def _prop(props: dict[str, list[str]], name: str) -> str | None:
    values = props.get(name)
    return values[0] if values else None


def _walk(entries: Any, where: str, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """Components, nested ones included (depth is already bounded by the reader)."""
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        here = f"{where}[{i}]"
        yield here, entry
        yield from _walk(entry.get("components"), f"{here}.components", depth + 1)


def _label(entry: dict[str, Any], where: str) -> str:
    ref = entry.get("bom-ref")
    name = entry.get("name")
    shown = ref if isinstance(ref, str) else name if isinstance(name, str) else where
    return f"{where} '{' '.join(str(shown).split())[:80]}'"


def _original_key(entry: dict[str, Any], props: dict[str, list[str]], where: str) -> str:
    for value in (_prop(props, "id"), entry.get("bom-ref"), entry.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return where


def _owner(entry: dict[str, Any], props: dict[str, list[str]]) -> str | None:
    """Who owns it: our own property, or the provider of a service (authors and suppliers made it, they need not own it)."""
    owner = name_of(_prop(props, "owner"))
    if owner:
        return owner
    provider = entry.get("provider")
    return name_of(provider.get("name")) if isinstance(provider, dict) else None


def _enum_prop(props: dict[str, list[str]], name: str, allowed: set[str], out: dict[str, Any], key: str) -> None:
    value = _prop(props, name)
    if value in allowed:
        out[key] = value


def import_cyclonedx(path: Path, display: str) -> tuple[str, Notes]:
    """The drafted model file's text, and the notes on what it could not carry over."""
    doc = expect_mapping(read_json_document(path, display), "the BOM", display)
    if doc.get("bomFormat") != "CycloneDX":
        raise UsageError(
            Problem(
                "not a CycloneDX BOM: 'bomFormat' is not \"CycloneDX\"",
                SourceSpan(display),
                "only the JSON form of CycloneDX is read",
            )
        )
    notes = Notes(display)
    metadata = obj(doc.get("metadata"))
    root = obj(metadata.get("component"))
    system = _system(root, metadata, notes, path)

    ids = IdAllocator()
    candidates: list[tuple[str, str, str, dict[str, Any]]] = []  # (original key, where, section, entry)
    for where, entry in _walk(doc.get("components"), "components"):
        props = _props(entry)
        candidates.append((_original_key(entry, props, where), where, "component", entry))
    for where, entry in _walk(doc.get("services"), "services"):
        props = _props(entry)
        candidates.append((_original_key(entry, props, where), where, "service", entry))

    data: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    by_ref: dict[str, tuple[str, str]] = {}  # bom-ref -> (category, model id)
    drafts: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, list[str]]]] = []
    for key, where, section, entry in sorted(candidates, key=lambda c: (c[0], c[1])):
        props = _props(entry)
        ctype = entry.get("type")
        kind = _prop(props, "kind")
        if section == "component" and ctype in SOFTWARE_TYPES and kind is None:
            notes.add(_label(entry, where), f"a '{ctype}' is software inside a component, not a part of the system")
            continue
        if section == "component" and ctype not in ("machine-learning-model", "data", "application") and kind is None:
            notes.add(_label(entry, where), f"component type '{ctype}' has no counterpart in a model")
            continue
        is_asset = section == "component" and ctype == "data" and (kind is None or kind not in KINDS)
        if kind is not None and kind not in KINDS and not is_asset:
            notes.add(_label(entry, where), f"unknown threatmodel:kind '{kind}'")
            kind = None
        category = "data" if is_asset else "component"
        model_id = ids.take(key, "data" if is_asset else "component")
        ref = entry.get("bom-ref")
        if isinstance(ref, str):
            by_ref[ref] = (category, model_id)
        if is_asset:
            data.append(_asset(model_id, entry, props, where, notes))
        else:
            if kind is None:
                kind = _default_kind(section, ctype, entry, where, notes)
            item: dict[str, Any] = {"id": model_id, "kind": kind}
            components.append(item)
            drafts.append((where, entry, item, props))

    asset_ids = {a["id"] for a in data}
    component_ids = {c["id"] for c in components}
    for where, entry, item, props in drafts:
        _fill_component(item, entry, props, where, notes, by_ref, asset_ids, component_ids)

    flows = _flows(doc.get("dependencies"), by_ref, notes)
    model: dict[str, Any] = {"schema_version": 1, "system": system}
    if data:
        model["data"] = data
    if components:
        model["components"] = components
    if flows:
        model["flows"] = flows
    for key in ("vulnerabilities", "compositions", "formulation", "annotations", "declarations", "definitions"):
        if doc.get(key):
            notes.add(key, "not part of a system model")
    return finish(model, notes, "cyclonedx", display), notes


def _system(root: dict[str, Any], metadata: dict[str, Any], notes: Notes, path: Path) -> dict[str, Any]:
    props = _props(root)
    name = name_of(root.get("name"))
    if name is None:
        name = path.stem or "imported-system"
        notes.add("metadata.component", f"the BOM names no system; the draft uses the file name '{name}'")
    key = _prop(props, "id") or (root.get("bom-ref") if isinstance(root.get("bom-ref"), str) else None) or name
    sid = key if fits_slug(key) else IdAllocator().take(name, "system")
    system: dict[str, Any] = {"id": sid, "name": name}
    description = text_of(root.get("description"))
    if description:
        system["description"] = description
    owner = _owner(root, props)
    if owner:
        system["owner"] = owner
    version = root.get("version")
    if isinstance(version, str) and 0 < len(version) <= 64:
        system["version"] = version
    status = _prop(props, "status")
    if status in {s.value for s in LifecycleStatus}:
        system["status"] = status
    else:
        phases = metadata.get("lifecycles")
        phase = phases[0].get("phase") if isinstance(phases, list) and phases and isinstance(phases[0], dict) else None
        if phase in PHASE_STATUS:
            system["status"] = PHASE_STATUS[phase]
        elif phase is not None:
            notes.add("metadata.lifecycles", f"phase '{phase}' has no lifecycle status counterpart")
    if metadata.get("timestamp"):
        notes.add("metadata.timestamp", "when the BOM was made, not when the system changed; system.updated left unset")
    return system


def _asset(
    model_id: str, entry: dict[str, Any], props: dict[str, list[str]], where: str, notes: Notes
) -> dict[str, Any]:
    asset: dict[str, Any] = {"id": model_id}
    name = name_of(entry.get("name"))
    if name:
        asset["name"] = name
    items = entry.get("data")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    classification = first.get("classification")
    if classification in {c.value for c in Classification}:
        asset["classification"] = classification
    else:
        shown = f"'{classification}'" if isinstance(classification, str) else "none"
        notes.add(_label(entry, where), f"classification {shown} is not one of ours; left unknown")
    tags = sorted({t for t in props.get("tag", []) if fits_slug(t)})
    if tags:
        asset["tags"] = tags
    governance = first.get("governance") if isinstance(first.get("governance"), dict) else None
    owners = governance.get("owners") if governance else None
    if isinstance(owners, list) and owners and isinstance(owners[0], dict):
        org = owners[0].get("organization")
        owner = name_of(org.get("name")) if isinstance(org, dict) else None
        if owner:
            asset["owner"] = owner
    description = text_of(entry.get("description"))
    if description:
        asset["description"] = description
    return asset


def _default_kind(section: str, ctype: Any, entry: dict[str, Any], where: str, notes: Notes) -> str:
    if section == "service":
        notes.add(_label(entry, where), "a service of unstated kind; drafted as external-service")
        return "external-service"
    if ctype == "machine-learning-model":
        notes.add(_label(entry, where), "a model of unstated kind; drafted as ml-model (use llm for a language model)")
        return "ml-model"
    if ctype == "data":
        return "dataset"
    return "application"


def _fill_component(
    item: dict[str, Any],
    entry: dict[str, Any],
    props: dict[str, list[str]],
    where: str,
    notes: Notes,
    by_ref: dict[str, tuple[str, str]],
    asset_ids: set[str],
    component_ids: set[str],
) -> None:
    name = name_of(entry.get("name"))
    if name:
        item["name"] = name
    description = text_of(entry.get("description"))
    if description:
        item["description"] = description
    owner = _owner(entry, props)
    if owner:
        item["owner"] = owner
    _enum_prop(props, "provenance", {p.value for p in Provenance}, item, "provenance")
    _enum_prop(props, "exposure", {e.value for e in Exposure}, item, "exposure")
    if _prop(props, "untrusted-content") == "true":
        item["untrusted_content"] = True
    held = sorted({d for d in props.get("data", []) if d in asset_ids})
    if held:
        item["data"] = held
    boundary = _prop(props, "boundary") or (entry.get("trustZone") if isinstance(entry.get("trustZone"), str) else None)
    if boundary:
        notes.add(
            _label(entry, where),
            f"trust zone '{boundary}' not mapped: a boundary needs a trust level the BOM does not state",
        )
    if "authenticated" in entry:
        if entry["authenticated"] is False:
            item["authentication"] = "none"
        elif entry["authenticated"] is True:
            notes.add(
                _label(entry, where), "callers authenticate, but the BOM does not say how; authentication left unset"
            )
    if item["kind"] in MODEL_KINDS:
        _fill_model(item, entry, props, where, notes, by_ref, component_ids)


def _fill_model(
    item: dict[str, Any],
    entry: dict[str, Any],
    props: dict[str, list[str]],
    where: str,
    notes: Notes,
    by_ref: dict[str, tuple[str, str]],
    component_ids: set[str],
) -> None:
    hosting = _prop(props, "hosting")
    if hosting in ("self-hosted", "provider-api", "on-device"):
        item["hosting"] = hosting
    _enum_prop(props, "weights-format", {w.value for w in WeightsFormat}, item, "weights_format")
    card = obj(entry.get("modelCard"))
    params = obj(card.get("modelParameters"))
    trained: list[str] = []
    datasets = params.get("datasets")
    for i, ds in enumerate(datasets if isinstance(datasets, list) else []):
        ref = ds.get("ref") if isinstance(ds, dict) else None
        target = by_ref.get(ref) if isinstance(ref, str) else None
        if target is not None and target[0] == "data":
            trained.append(target[1])
        else:
            notes.add(
                f"{_label(entry, where)}.modelCard.modelParameters.datasets[{i}]",
                "not a reference to a data component of this BOM",
            )
    if trained:
        item["trained_on"] = sorted(set(trained))
    outputs = params.get("outputs")
    fmt = outputs[0].get("format") if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict) else None
    output = _prop(props, "output") or fmt
    if output in {o.value for o in ModelOutput}:
        item["output"] = output
    elif output is not None:
        notes.add(_label(entry, where), f"output format '{output}' is not one of ours")
    considerations = obj(card.get("considerations"))
    uses = considerations.get("useCases")
    task = name_of(uses[0]) if isinstance(uses, list) and uses else name_of(params.get("task"))
    if task:
        item["task"] = task
    pedigree = obj(entry.get("pedigree"))
    ancestors = pedigree.get("ancestors")
    for ancestor in ancestors if isinstance(ancestors, list) else []:
        if not isinstance(ancestor, dict):
            continue
        base = _prop(_props(ancestor), "id") or ancestor.get("bom-ref")
        if isinstance(base, str) and base in by_ref and by_ref[base][1] in component_ids:
            item["base_model"] = by_ref[base][1]
            break
        if isinstance(base, str) and base in component_ids:
            item["base_model"] = base
            break
        notes.add(_label(entry, where), "its base model is not a component of this BOM")
        break


def _flows(dependencies: Any, by_ref: dict[str, tuple[str, str]], notes: Notes) -> list[dict[str, Any]]:
    pairs: set[tuple[str, str]] = set()
    for i, dep in enumerate(dependencies if isinstance(dependencies, list) else []):
        if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
            continue
        source = by_ref.get(dep["ref"])
        targets = arr(dep.get("dependsOn"))
        for target_ref in targets:
            target = by_ref.get(target_ref) if isinstance(target_ref, str) else None
            if source is None or target is None:
                if source is not None or target is not None:
                    notes.add(f"dependencies[{i}]", f"'{dep['ref']}' -> '{target_ref}': an end is not in the draft")
                continue
            if source[0] == "component" and target[0] == "component" and source[1] != target[1]:
                pairs.add((source[1], target[1]))
    return [{"source": s, "target": t} for s, t in sorted(pairs)]

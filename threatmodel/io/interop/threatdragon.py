"""Draft a model from a Threat Dragon v2 JSON model: ``threatmodel import threat-dragon``.

Actors, processes and stores become components, flows become flows, trust-boundary boxes
become boundaries (a component belongs to the smallest box its centre lies in). Threat
Dragon's cell ids are generated UUIDs rather than names a person chose, so ids are made from
the cells' names (deterministically, collisions numbered in the order of the cells' ids).
Threat Dragon states no trust level for a boundary: drafted boundaries are ``untrusted`` and
a note asks for the real level. Its threats are not imported (threatmodel derives its own);
boundary curves cannot say what they enclose and are listed in the notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.interop.common import (
    IdAllocator,
    Notes,
    expect_mapping,
    finish,
    name_of,
    obj,
    read_json_document,
    slugify,
    text_of,
)

KIND = {"tm.Actor": "human-user", "tm.Process": "application", "tm.Store": "datastore"}
Box = tuple[float, float, float, float]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _box(cell: dict[str, Any]) -> Box | None:
    pos, size = cell.get("position"), cell.get("size")
    if not isinstance(pos, dict) or not isinstance(size, dict):
        return None
    x, y = _number(pos.get("x")), _number(pos.get("y"))
    w, h = _number(size.get("width")), _number(size.get("height"))
    if x is None or y is None or w is None or h is None:
        return None
    return (x, y, x + w, y + h)


def _contains(outer: Box, x: float, y: float) -> bool:
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


def _area(b: Box) -> float:
    return (b[2] - b[0]) * (b[3] - b[1])


def import_threat_dragon(path: Path, display: str) -> tuple[str, Notes]:
    doc = expect_mapping(read_json_document(path, display), "the model", display)
    detail = doc.get("detail")
    diagrams = detail.get("diagrams") if isinstance(detail, dict) else None
    if not isinstance(diagrams, list):
        raise UsageError(
            Problem(
                "not a Threat Dragon v2 model: no 'detail.diagrams'",
                SourceSpan(display),
                "Threat Dragon 1.x files are not supported; open and save them in Threat Dragon 2 first",
            )
        )
    notes = Notes(display)
    summary = obj(doc.get("summary"))
    title = name_of(summary.get("title")) or path.stem or "imported-system"
    system: dict[str, Any] = {"id": slugify(title, "system"), "name": title}
    description = text_of(summary.get("description"))
    if description:
        system["description"] = description
    owner = name_of(summary.get("owner"))
    if owner:
        system["owner"] = owner

    nodes: list[tuple[str, str, dict[str, Any]]] = []  # (cell id, where, cell)
    boxes: list[tuple[str, str, dict[str, Any]]] = []
    edges: list[tuple[str, str, dict[str, Any]]] = []
    for d, diagram in enumerate(diagrams):
        cells = diagram.get("cells") if isinstance(diagram, dict) else None
        for c, cell in enumerate(cells if isinstance(cells, list) else []):
            if not isinstance(cell, dict):
                continue
            where = f"diagrams[{d}].cells[{c}]"
            data = obj(cell.get("data"))
            ctype = data.get("type")
            cid = str(cell.get("id", where))
            if ctype in KIND:
                nodes.append((cid, where, cell))
            elif ctype == "tm.BoundaryBox":
                boxes.append((cid, where, cell))
            elif ctype == "tm.Flow":
                edges.append((cid, where, cell))
            elif ctype == "tm.Boundary":
                notes.add(f"{where} '{_shown(data)}'", "a boundary curve encloses nothing definite; not mapped")
            elif ctype == "tm.Text":
                continue
            else:
                notes.add(where, f"cell type '{ctype}' not mapped")
            threats = data.get("threats")
            if isinstance(threats, list) and threats:
                notes.add(f"{where} '{_shown(data)}'", f"{len(threats)} Threat Dragon threat(s) not imported")

    ids = IdAllocator()
    boundaries: list[dict[str, Any]] = []
    box_of: list[tuple[Box, str]] = []
    for _cell_id, where, cell in sorted(boxes, key=lambda b: b[0]):
        data = cell["data"]
        name = name_of(data.get("name"))
        bid = ids.take(name or "boundary", "boundary")
        boundary: dict[str, Any] = {"id": bid, "name": name or bid, "trust": "untrusted"}
        desc = text_of(data.get("description"))
        if desc:
            boundary["description"] = desc
        notes.add(
            f"{where} '{_shown(data)}'", "Threat Dragon states no trust level; drafted as untrusted, set the real one"
        )
        box = _box(cell)
        if box is None:
            notes.add(f"{where} '{_shown(data)}'", "has no position and size; nothing placed in it")
        else:
            box_of.append((box, bid))
        boundaries.append(boundary)

    def smallest(x: float, y: float, exclude: str | None = None) -> str | None:
        inside = [(_area(b), bid) for b, bid in box_of if bid != exclude and _contains(b, x, y)]
        return min(inside)[1] if inside else None

    for boundary in boundaries:
        own = next((b for b, bid in box_of if bid == boundary["id"]), None)
        if own is not None:
            corners = [(own[0], own[1]), (own[2], own[3])]
            parents = [
                (_area(b), bid)
                for b, bid in box_of
                if bid != boundary["id"] and _area(b) > _area(own) and all(_contains(b, x, y) for x, y in corners)
            ]
            if parents:
                boundary["parent"] = min(parents)[1]

    components: list[dict[str, Any]] = []
    by_cell: dict[str, str] = {}
    for cid, where, cell in sorted(nodes, key=lambda n: n[0]):
        data = cell["data"]
        kind = KIND[data["type"]]
        name = name_of(data.get("name"))
        mid = ids.take(name or kind, "component")
        by_cell[cid] = mid
        item: dict[str, Any] = {"id": mid, "kind": kind, "name": name or mid}
        desc = text_of(data.get("description"))
        if desc:
            item["description"] = desc
        box = _box(cell)
        if box is not None:
            inside = smallest((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            if inside:
                item["boundary"] = inside
        if kind == "human-user":
            notes.add(
                f"{where} '{_shown(data)}'", "an actor drafted as human-user; use external-service if it is a system"
            )
        if kind == "datastore" and data.get("isEncrypted") is True:
            item["encrypted_at_rest"] = True
        if data.get("outOfScope") is True:
            notes.add(f"{where} '{_shown(data)}'", "out of scope in Threat Dragon; drafted like the others")
        components.append(item)

    flows: list[dict[str, Any]] = []
    for _cell_id, where, cell in sorted(edges, key=lambda e: e[0]):
        data = cell["data"]
        ends = [cell.get(k) for k in ("source", "target")]
        refs = [e.get("cell") if isinstance(e, dict) else None for e in ends]
        source, target = (by_cell.get(r) if isinstance(r, str) else None for r in refs)
        if source is None or target is None:
            notes.add(f"{where} '{_shown(data)}'", "an end is not an actor, process or store; skipped")
            continue
        name = name_of(data.get("name"))
        flow: dict[str, Any] = {
            "id": ids.take(name or f"{source}-to-{target}", "flow"),
            "source": source,
            "target": target,
        }
        protocol = data.get("protocol")
        if isinstance(protocol, str) and 0 < len(protocol.strip()) <= 64:
            flow["protocol"] = protocol.strip()
        if data.get("isEncrypted") is True:
            flow["encrypted"] = True
        desc = text_of(data.get("description"))
        if desc:
            flow["description"] = desc
        if data.get("isPublicNetwork") is True:
            notes.add(f"{where} '{_shown(data)}'", "crosses a public network; say so with boundaries and exposure")
        flows.append(flow)
        if data.get("isBidirectional") is True:
            back = {k: v for k, v in flow.items() if k not in ("id", "source", "target", "description")}
            flows.append({"id": ids.take(f"{flow['id']}-back", "flow"), "source": target, "target": source, **back})

    model: dict[str, Any] = {"schema_version": 1, "system": system}
    if boundaries:
        model["boundaries"] = boundaries
    if components:
        model["components"] = components
    if flows:
        model["flows"] = flows
    return finish(model, notes, "threat-dragon", display), notes


def _shown(data: dict[str, Any]) -> str:
    name = data.get("name")
    return " ".join(name.split())[:80] if isinstance(name, str) else ""

"""Draft a model from a Threagile YAML model: ``threatmodel import threagile``.

Threagile's trust boundaries, technical assets, communication links and data assets become
boundaries, components, flows and data assets; ids are kept where they are valid model ids.
Threagile states no trust level for a boundary, so drafted boundaries are ``untrusted`` (the
level that hides no threat) and a note asks for the real one. Everything else Threagile holds
(CIA ratings, risk tracking, shared runtimes, abuse cases) is listed in the notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.interop.common import (
    IdAllocator,
    Notes,
    check_depth,
    finish,
    list_of_str,
    name_of,
    slugify,
    text_of,
)
from threatmodel.io.yaml_source import read_yaml

CLASSIFICATION = {
    "public": "public",
    "internal": "internal",
    "restricted": "confidential",
    "confidential": "confidential",
    "strictly-confidential": "restricted",
}
"""Threagile has five confidentiality levels to our four; the order is kept."""

AUTHENTICATION = {"none": "none", "credentials": "password", "client-certificate": "mtls"}
ENCRYPTED_PROTOCOLS = frozenset({"https", "wss", "ssh", "sftp", "ftps", "ldaps", "smtp-encrypted", "nfs-encrypted"})
PLAIN_PROTOCOLS = frozenset({"http", "ws", "ftp", "ldap", "smtp", "telnet", "nfs"})

DATASTORE_TECH = frozenset(
    {
        "database",
        "file-server",
        "local-file-system",
        "block-storage",
        "data-lake",
        "identity-store-ldap",
        "identity-store-database",
        "vault",
        "search-index",
    }
)
GATEWAY_TECH = frozenset({"gateway", "reverse-proxy", "load-balancer", "waf"})
PIPELINE_TECH = frozenset({"batch-processing", "stream-processing", "message-queue", "event-listener"})
TECH_KIND = {"ai": "ml-model", "llm": "llm", "monitoring": "monitoring", "tool": "tool", "cli": "tool"}

UNMAPPED_TOP = (
    "business_criticality",
    "management_summary_comment",
    "security_requirements",
    "abuse_cases",
    "questions",
    "risk_tracking",
    "shared_runtimes",
    "individual_risk_categories",
    "includes",
)
UNMAPPED_ASSET = ("integrity", "availability", "machine", "encryption", "justification_cia_rating", "multi_tenant")


def _entries(value: Any, where: str, notes: Notes) -> list[tuple[str, dict[str, Any]]]:
    """(title, body) pairs of a Threagile section, sorted by title; non-objects are noted."""
    if value is None:
        return []
    if not isinstance(value, dict):
        notes.add(where, "not a mapping of titles to entries; skipped")
        return []
    out = []
    for title, body in value.items():
        if isinstance(body, dict):
            out.append((str(title), body))
        else:
            notes.add(f"{where}.{title}", "not an object; skipped")
    return sorted(out, key=lambda e: (str(e[1].get("id", "")), e[0]))


def _kind(title: str, body: dict[str, Any], notes: Notes) -> str:
    tech = body.get("technology")
    ttype = body.get("type")
    if body.get("used_as_client_by_human") is True:
        return "human-user"
    if tech in TECH_KIND:
        kind = TECH_KIND[tech]
        if kind == "ml-model":
            notes.add(f"technical_assets.{title}", "technology 'ai' drafted as ml-model; use llm for a language model")
        return kind
    if ttype == "datastore" or tech in DATASTORE_TECH:
        return "datastore"
    if tech in GATEWAY_TECH:
        return "api-gateway"
    if tech in PIPELINE_TECH:
        return "data-pipeline"
    if ttype == "external-entity":
        return "external-service"
    return "application"


def import_threagile(path: Path, display: str) -> tuple[str, Notes]:
    doc = read_yaml(path, display, error=UsageError)
    data = doc.data
    if not isinstance(data, dict) or "technical_assets" not in data:
        raise UsageError(
            Problem(
                "not a Threagile model: no 'technical_assets'", SourceSpan(display, 1, 1), "pass a Threagile YAML file"
            )
        )
    check_depth(data, display)
    notes = Notes(display)
    ids = IdAllocator()

    title = name_of(data.get("title")) or path.stem or "imported-system"
    system: dict[str, Any] = {"id": slugify(title, "system"), "name": title}
    description = text_of(data.get("description"))
    if description:
        system["description"] = description
    author = data.get("author")
    if isinstance(author, dict) and name_of(author.get("name")):
        system["owner"] = name_of(author.get("name"))
    date = data.get("date")
    if isinstance(date, str) and len(date) == 10:
        import datetime as dt

        try:
            system["updated"] = dt.date.fromisoformat(date).isoformat()
        except ValueError:
            notes.add("date", f"'{date}' is not a date")
    for key in UNMAPPED_TOP:
        if data.get(key):
            notes.add(key, "has no counterpart in a model")

    assets: dict[str, str] = {}  # threagile id -> model id
    drafted_data: list[dict[str, Any]] = []
    for atitle, body in _entries(data.get("data_assets"), "data_assets", notes):
        original = str(body.get("id") or atitle)
        aid = ids.take(original, "data")
        assets[original] = aid
        asset: dict[str, Any] = {"id": aid, "name": name_of(atitle) or aid}
        conf = body.get("confidentiality")
        if conf in CLASSIFICATION:
            asset["classification"] = CLASSIFICATION[conf]
        else:
            notes.add(f"data_assets.{atitle}", "no confidentiality stated; classification left unknown")
        owner = name_of(body.get("owner"))
        if owner:
            asset["owner"] = owner
        desc = text_of(body.get("description"))
        if desc:
            asset["description"] = desc
        drafted_data.append(asset)

    comps: dict[str, str] = {}
    drafted: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for ctitle, body in _entries(data.get("technical_assets"), "technical_assets", notes):
        original = str(body.get("id") or ctitle)
        cid = ids.take(original, "component")
        comps[original] = cid
        item: dict[str, Any] = {"id": cid, "kind": _kind(ctitle, body, notes), "name": name_of(ctitle) or cid}
        desc = text_of(body.get("description"))
        if desc:
            item["description"] = desc
        owner = name_of(body.get("owner"))
        if owner:
            item["owner"] = owner
        if body.get("internet") is True:
            item["exposure"] = "internet"
        held = list_of_str(body.get("data_assets_processed")) + list_of_str(body.get("data_assets_stored"))
        known = sorted({assets[h] for h in held if h in assets})
        for h in sorted(set(held) - set(assets)):
            notes.add(f"technical_assets.{ctitle}", f"data asset '{h}' is not defined")
        if known:
            item["data"] = known
        if body.get("out_of_scope") is True:
            notes.add(f"technical_assets.{ctitle}", "out of scope in Threagile; drafted like the others")
        for key in UNMAPPED_ASSET:
            if body.get(key) not in (None, "", False):
                notes.add(f"technical_assets.*.{key}", "not mapped")
        drafted.append((ctitle, body, item))

    boundaries = _boundaries(data.get("trust_boundaries"), ids, comps, drafted, notes)
    flows = _flows(drafted, ids, comps, assets, notes)
    model: dict[str, Any] = {"schema_version": 1, "system": system}
    if drafted_data:
        model["data"] = drafted_data
    if boundaries:
        model["boundaries"] = boundaries
    model["components"] = [item for _, _, item in drafted]
    if flows:
        model["flows"] = flows
    return finish(model, notes, "threagile", display), notes


def _boundaries(
    section: Any,
    ids: IdAllocator,
    comps: dict[str, str],
    drafted: list[tuple[str, dict[str, Any], dict[str, Any]]],
    notes: Notes,
) -> list[dict[str, Any]]:
    entries = _entries(section, "trust_boundaries", notes)
    bids: dict[str, str] = {}
    for btitle, body in entries:
        original = str(body.get("id") or btitle)
        bids[original] = ids.take(original, "boundary")
    by_component = {item["id"]: item for _, _, item in drafted}
    out: list[dict[str, Any]] = []
    parent: dict[str, str] = {}
    for btitle, body in entries:
        original = str(body.get("id") or btitle)
        for nested in list_of_str(body.get("trust_boundaries_nested")):
            if nested in bids and bids[nested] not in parent and not _is_above(bids[nested], bids[original], parent):
                parent[bids[nested]] = bids[original]
            elif nested in bids:
                notes.add(
                    f"trust_boundaries.{btitle}",
                    f"nesting '{nested}' again would make a cycle or second parent; ignored",
                )

    def depth(bid: str) -> int:
        seen: set[str] = set()
        while bid in parent and bid not in seen:
            seen.add(bid)
            bid = parent[bid]
        return len(seen)

    innermost: dict[str, tuple[int, str]] = {}  # component -> (depth, boundary): the deepest boundary wins
    for btitle, body in entries:
        original = str(body.get("id") or btitle)
        bid = bids[original]
        for inside in list_of_str(body.get("technical_assets_inside")):
            cid = comps.get(inside)
            if cid is None:
                notes.add(f"trust_boundaries.{btitle}", f"technical asset '{inside}' is not defined")
            elif cid not in innermost or innermost[cid][0] < depth(bid):
                innermost[cid] = (depth(bid), bid)
    for cid, (_, bid) in innermost.items():
        by_component[cid]["boundary"] = bid
    for btitle, body in entries:
        original = str(body.get("id") or btitle)
        bid = bids[original]
        boundary: dict[str, Any] = {"id": bid, "name": name_of(btitle) or bid, "trust": "untrusted"}
        notes.add(
            f"trust_boundaries.{btitle}", "Threagile states no trust level; drafted as untrusted, set the real one"
        )
        if bid in parent:
            boundary["parent"] = parent[bid]
        desc = text_of(body.get("description"))
        if desc:
            boundary["description"] = desc
        out.append(boundary)
    return out


def _is_above(upper: str, lower: str, parent: dict[str, str]) -> bool:
    """True when ``upper`` is ``lower`` or one of its ancestors (so making it a child would loop)."""
    seen: set[str] = set()
    while lower not in seen:
        if lower == upper:
            return True
        seen.add(lower)
        if lower not in parent:
            return False
        lower = parent[lower]
    return False


def _flows(
    drafted: list[tuple[str, dict[str, Any], dict[str, Any]]],
    ids: IdAllocator,
    comps: dict[str, str],
    assets: dict[str, str],
    notes: Notes,
) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = []
    for ctitle, body, item in drafted:
        links = body.get("communication_links")
        if links is None:
            continue
        if not isinstance(links, dict):
            notes.add(f"technical_assets.{ctitle}.communication_links", "not a mapping; skipped")
            continue
        for ltitle, link in sorted(links.items(), key=lambda kv: str(kv[0])):
            where = f"technical_assets.{ctitle}.communication_links.{ltitle}"
            if not isinstance(link, dict):
                notes.add(where, "not an object; skipped")
                continue
            target = comps.get(str(link.get("target")))
            if target is None:
                notes.add(where, f"target '{link.get('target')}' is not a technical asset; skipped")
                continue
            flow: dict[str, Any] = {
                "id": ids.take(f"{item['id']}-{ltitle}", "flow"),
                "source": item["id"],
                "target": target,
            }
            _link_facts(flow, link, where, notes)
            sent = sorted({assets[a] for a in list_of_str(link.get("data_assets_sent")) if a in assets})
            if sent:
                flow["data"] = sent
            desc = text_of(link.get("description"))
            if desc:
                flow["description"] = desc
            flows.append(flow)
            received = sorted({assets[a] for a in list_of_str(link.get("data_assets_received")) if a in assets})
            if received:
                back: dict[str, Any] = {
                    "id": ids.take(f"{flow['id']}-response", "flow"),
                    "source": target,
                    "target": item["id"],
                    "data": received,
                }
                _link_facts(back, link, where, notes)
                flows.append(back)
    return flows


def _link_facts(flow: dict[str, Any], link: dict[str, Any], where: str, notes: Notes) -> None:
    protocol = link.get("protocol")
    if isinstance(protocol, str) and 0 < len(protocol) <= 64:
        flow["protocol"] = protocol
        if protocol in ENCRYPTED_PROTOCOLS or protocol.endswith("-encrypted"):
            flow["encrypted"] = True
        elif protocol in PLAIN_PROTOCOLS:
            flow["encrypted"] = False
    auth = link.get("authentication")
    if auth in AUTHENTICATION:
        flow["authentication"] = AUTHENTICATION[auth]
    elif auth is not None:
        notes.add(where, f"authentication '{auth}' has no exact counterpart; left unset")
    if link.get("authorization") not in (None, "", "none"):
        notes.add(where, "authorization is not part of a flow; not mapped")

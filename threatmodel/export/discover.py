"""``threatmodel discover`` and ``check --discover`` outputs: text, JSON and SARIF (pure).

SARIF follows the project's conventions (docs/decisions/0312-sarif-mapping.md): rules carry the
category, ``partialFingerprints["threatmodel/v1"]`` is the fingerprint of the item or drift id
(never a line, so an alert survives edits that move code), paths are relative to
``%SRCROOT%`` and nothing depends on the clock. An inventory item is ``informational`` (it is
not a defect); drift is a ``fail`` result, and drift a baseline accepts carries an external,
accepted suppression.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from threatmodel.engine.drift import Drift, DriftVerdict
from threatmodel.export.common import md_code, md_text
from threatmodel.export.sarif import FINGERPRINT_KEY, SARIF_SCHEMA, SRCROOT, artifact_uri
from threatmodel.model.inventory import CATEGORY_TITLES, Category, Evidence, Inventory, Item
from threatmodel.model.keys import fingerprint
from threatmodel.textsafe import visible

DISCOVER_FORMAT_VERSION = 1
MAX_RELATED = 50
"""Most related locations shown per SARIF result (the JSON output keeps every piece of evidence)."""

UriOf = Callable[[str], str]
"""Path relative to the scanned root -> SARIF artifact URI (relative to %SRCROOT%, or file:)."""

CATEGORY_HELP: dict[Category, str] = {
    Category.LLM_PROVIDER: "The code calls an LLM API (a hosted vendor or a local server): prompts and the data in them go there.",
    Category.VECTOR_DB: "The code uses a vector database client: a retrieval store whose contents reach a model.",
    Category.AGENT_FRAMEWORK: "The code uses an agent or LLM orchestration framework.",
    Category.MCP_SDK: "The code implements a Model Context Protocol server or client.",
    Category.ML_FRAMEWORK: "The code trains, loads or runs models with this library.",
    Category.HUB_MODEL: "The code loads a model from a public hub by its id.",
    Category.MODEL_FILE: "Model weights in the repository, or named by a loading call; pickle-based formats run code when loaded.",
    Category.MCP_SERVER: "An editor or agent configuration starts or connects to this MCP server.",
}


_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def dumps(data: Any) -> str:
    """Pretty JSON whose text cannot reorder or hide what a terminal shows: control characters are
    escaped by JSON itself, bidi controls and line separators here (as ``\\uXXXX``, still valid JSON)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


def uri_under(root: str) -> UriOf:
    """SARIF artifact URIs for paths under the scanned ``root``: relative ones stay relative (to
    ``%SRCROOT%``, ``/``-separated, percent-encoded), absolute ones become ``file:`` URIs (the same
    rule as the model paths of ``report --format sarif``)."""

    def uri(rel: str) -> str:
        return artifact_uri(shown_path(root, rel))

    return uri


def shown_path(root: str, rel: str) -> str:
    """A path as the user sees it: under the scanned root as they named it."""
    if root in ("", "."):
        return rel
    return f"{root.rstrip('/')}/{rel}"


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


# ---------------------------------------------------------------------------
# Inventory


def inventory_text(inv: Inventory) -> str:
    """The inventory for a terminal: one block per item, each piece of evidence at ``path:line:col``.

    Names, paths and details come from the scanned repository, so each is shown with control
    characters (newlines included) as escapes: a file name cannot forge a line of the report."""
    v = visible
    lines = [_headline(inv)]
    for item in inv.items:
        lines.append("")
        facts = ", ".join(f"{k}={v(value)}" for k, value in item.facts if k != "clients")
        lines.append(
            f"{CATEGORY_TITLES[item.category]}: {v(item.name)}  [{v(item.id)}]" + (f"  ({facts})" if facts else "")
        )
        for e in item.evidence:
            lines.append(f"  {v(shown_path(inv.root, e.path))}:{e.line}:{e.column}: {e.kind.value}: {v(e.detail)}")
    if inv.skipped:
        lines.append("")
        lines.append("Not read:")
        lines.extend(f"  {v(shown_path(inv.root, s.path))}: {v(s.reason)}" for s in inv.skipped)
    for limit in inv.limits:
        lines.append(f"warning: {limit}; the inventory may be incomplete")
    return "\n".join(lines) + "\n"


def _headline(inv: Inventory) -> str:
    n = len(inv.items)
    what = "no AI found" if n == 0 else f"{n} AI item{'s' if n != 1 else ''} found"
    counts: dict[str, int] = {}
    for item in inv.items:
        counts[CATEGORY_TITLES[item.category]] = counts.get(CATEGORY_TITLES[item.category], 0) + 1
    detail = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    files = f"{inv.files_scanned} file{'s' if inv.files_scanned != 1 else ''} scanned"
    skipped = f", {len(inv.skipped)} not read" if inv.skipped else ""
    return f"{visible(inv.root)}: {what}" + (f" ({detail})" if detail else "") + f"; {files}{skipped}"


def _evidence_json(e: Evidence) -> dict[str, Any]:
    return {"path": e.path, "line": e.line, "column": e.column, "kind": e.kind.value, "detail": e.detail}


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "category": item.category.value,
        "name": item.name,
        "terms": list(item.terms),
        "facts": dict(item.facts),
        "location": _evidence_json(item.location),
        "evidence": [_evidence_json(e) for e in item.evidence],
    }


def inventory_data(inv: Inventory) -> dict[str, Any]:
    by_category: dict[str, int] = {}
    for item in inv.items:
        by_category[item.category.value] = by_category.get(item.category.value, 0) + 1
    return {
        "root": inv.root,
        "summary": {
            "items": len(inv.items),
            "by_category": dict(sorted(by_category.items())),
            "files_scanned": inv.files_scanned,
            "not_read": len(inv.skipped),
        },
        "items": [item_json(i) for i in inv.items],
        "not_read": [{"path": s.path, "reason": s.reason} for s in inv.skipped],
        "limits_reached": list(inv.limits),
    }


def inventory_json(inv: Inventory, *, tool_version: str) -> str:
    """The inventory as JSON (docs/discover.md describes the fields); paths are relative to ``root``."""
    data = {
        "format": "threatmodel-discover",
        "version": DISCOVER_FORMAT_VERSION,
        "tool": {"name": "threatmodel", "version": tool_version},
        **inventory_data(inv),
    }
    return dumps(data)


def _artifact(uri: str) -> dict[str, Any]:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _physical(uri: str, line: int, column: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1)}
    if column > 0:
        region["startColumn"] = column
    return {"physicalLocation": {"artifactLocation": _artifact(uri), "region": region}}


def _rule(rule_id: str, name: str, short: str, full: str, level: str, tags: Sequence[str]) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": _pascal(name),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": sorted({"ai-inventory", *tags})},
    }


def _item_locations(item: Item, uri_of: UriOf) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first = item.location
    primary = _physical(uri_of(first.path), first.line, first.column)
    related = []
    for i, e in enumerate(item.evidence[1 : MAX_RELATED + 1], 1):
        loc = _physical(uri_of(e.path), e.line, e.column)
        loc["id"] = i
        loc["message"] = {"text": f"{e.kind.value}: {e.detail}"}
        related.append(loc)
    return primary, related


def inventory_sarif(inv: Inventory, *, tool_version: str, uri_of: UriOf) -> str:
    """The inventory as a SARIF 2.1.0 log: one informational result per item."""
    categories = sorted({i.category for i in inv.items}, key=lambda c: c.value)
    rules = [
        _rule(
            f"discover/{c.value}",
            f"discover {c.value}",
            f"{CATEGORY_TITLES[c]} in use",
            CATEGORY_HELP[c],
            "note",
            ("shadow-ai",),
        )
        for c in categories
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for item in inv.items:
        primary, related = _item_locations(item, uri_of)
        rule_id = f"discover/{item.category.value}"
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "kind": "informational",
            "level": "none",
            "message": {"text": f"{CATEGORY_TITLES[item.category]} in use: {item.name} ({item.location.detail})"},
            "locations": [primary],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(item.id)},
            "properties": {"itemId": item.id, "category": item.category.value, "facts": dict(item.facts)},
        }
        if related:
            result["relatedLocations"] = related
        results.append(result)
    notes = [
        {
            "descriptor": {"id": "not-read"},
            "level": "note",
            "message": {"text": f"not read: {s.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(uri_of(s.path))}}],
        }
        for s in inv.skipped
    ] + [{"descriptor": {"id": "limit"}, "level": "warning", "message": {"text": limit}} for limit in inv.limits]
    uris = sorted({uri_of(e.path) for i in inv.items for e in i.evidence})
    run = {
        "tool": {"driver": {"name": "threatmodel", "version": tool_version, "rules": rules}},
        "automationDetails": {"id": "threatmodel/discover/"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory the scanned paths are relative to."}}},
        "artifacts": [{"location": _artifact(u), "roles": ["analysisTarget"]} for u in uris],
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
        "results": results,
        "properties": {"root": inv.root, "filesScanned": inv.files_scanned},
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(log)


# ---------------------------------------------------------------------------
# Drift (check --discover)

Locate = Callable[[str], tuple[str, int, int]]
"""Component id -> (artifact URI of its model file, line, column)."""


def drift_location(d: Drift, root: str) -> str:
    """Where a drift is shown in text: the code for undeclared AI, the model for untraced components."""
    if d.item is not None:
        e = d.item.location
        return f"{visible(shown_path(root, e.path))}:{e.line}:{e.column}"
    return ""


def drift_json(d: Drift, root: str, model_where: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": d.id, "direction": d.direction, "message": d.message, "hint": d.hint}
    if d.item is not None:
        e = d.item.location
        data["item"] = d.item.id
        data["location"] = {"path": shown_path(root, e.path), "line": e.line, "column": e.column}
        data["evidence"] = [
            {"path": shown_path(root, x.path), "line": x.line, "column": x.column, "detail": x.detail}
            for x in d.item.evidence
        ]
    else:
        data["component"] = d.component
        data["location"] = model_where
    return data


DRIFT_RULES = {
    "undeclared": (
        "drift/undeclared",
        "AI in the code that the model does not declare",
        "The code uses AI (an SDK, a model, an MCP server, a vector database) that no component of the threat model declares: shadow AI, unreviewed.",
    ),
    "untraced": (
        "drift/untraced",
        "A declared AI component with no trace in the code",
        "The threat model declares an AI component the code does not show: the model is out of date, or the component lives elsewhere.",
    ),
}


def drift_sarif_run(
    verdict: DriftVerdict,
    *,
    root: str,
    tool_version: str,
    uri_of: UriOf,
    locate: Locate,
    baseline: str | None,
) -> dict[str, Any]:
    """One SARIF run with the drift of one model (``automationDetails.id`` ``threatmodel/<system>/drift/``)."""
    directions = sorted({d.direction for d in (*verdict.failures, *verdict.accepted)})
    rules = [
        _rule(
            DRIFT_RULES[x][0], DRIFT_RULES[x][0], DRIFT_RULES[x][1], DRIFT_RULES[x][2], "error", ("drift", "shadow-ai")
        )
        for x in directions
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    accepted = {d.id for d in verdict.accepted}
    for d in sorted((*verdict.failures, *verdict.accepted), key=lambda x: x.id):
        rule_id = DRIFT_RULES[d.direction][0]
        related: list[dict[str, Any]] = []
        if d.item is not None:
            primary, related = _item_locations(d.item, uri_of)
        else:
            uri, line, column = locate(d.component or "")
            primary = _physical(uri, line, column)
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "kind": "fail",
            "level": "error",
            "message": {"text": f"{d.message}; {d.hint}"},
            "locations": [primary],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f"{verdict.system}/{d.id}")},
            "properties": {"driftId": d.id, "direction": d.direction},
        }
        if related:
            result["relatedLocations"] = related
        if d.id in accepted:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"accepted: listed in the baseline {baseline}",
                }
            ]
        results.append(result)
    uris = sorted(
        {uri_of(e.path) for d in (*verdict.failures, *verdict.accepted) if d.item is not None for e in d.item.evidence}
        | {locate(d.component)[0] for d in (*verdict.failures, *verdict.accepted) if d.component is not None}
    )
    return {
        "tool": {"driver": {"name": "threatmodel", "version": tool_version, "rules": rules}},
        "automationDetails": {"id": f"threatmodel/{verdict.system}/drift/"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory the scanned paths are relative to."}}},
        "artifacts": [{"location": _artifact(u), "roles": ["analysisTarget"]} for u in uris],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"system": verdict.system, "root": root, "passed": verdict.passed},
    }


def drift_markdown(verdict: DriftVerdict, *, root: str, model_where: Callable[[str], str]) -> str:
    """The drift of one model as escaped GitHub Markdown (for ``check --format md``)."""
    out = [f"#### Drift against {md_code(root)}", ""]
    if not verdict.failures and not verdict.accepted:
        out.append(
            "No drift: every AI item in the code is declared, and every declared AI component shows in the code."
        )
        return "\n".join(out) + "\n"
    if verdict.failures:
        out.append("| where | drift | what |")
        out.append("| --- | --- | --- |")
        for d in verdict.failures:
            where = drift_location(d, root) or model_where(d.component or "")
            out.append(f"| {md_code(where)} | {md_code(d.id)} | {md_text(d.message)} |")
        out.append("")
    if verdict.accepted:
        out.append(f"- {len(verdict.accepted)} accepted by the baseline")
    return "\n".join(out) + "\n"

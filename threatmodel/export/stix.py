"""STIX 2.1: the system's threat picture for threat-intelligence platforms.

Objects (documented in docs/exports.md):

* ``identity`` threatmodel (the producer), the system (``identity_class: system``) and each
  component that has findings;
* ``attack-pattern`` per threat with findings, with ATLAS, OWASP, CoSAI and STRIDE external
  references and kill-chain phases (CoSAI lifecycle stages, ATLAS tactics);
* ``course-of-action`` per control a finding names (implemented or proposed);
* ``relationship``: ``course-of-action mitigates attack-pattern`` and
  ``attack-pattern targets identity`` (both in the STIX 2.1 relationship table);
* ``note`` per finding: status, risk, why, scenario and controls, pointing at its objects;
* one ``report`` for the system referring to every object.

Ids are uuid5 in threatmodel's namespace (:func:`threatmodel.model.keys.stix_id`) of stable
keys, so the same threat is the same attack-pattern in every bundle. Catalog objects are
stamped with their catalog's release date, system objects with ``system.updated`` (or the
newest catalog release): never the clock. No custom properties are used, so
``stix2-validator --strict`` has nothing to warn about. JSON is built directly (no ``stix2``
objects, whose pretty printer is quadratic).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.export.common import STATUS_LABELS, Labels, export_date, posture, ref_label, ref_links, representative
from threatmodel.jsontext import pretty
from threatmodel.model.finding import Finding
from threatmodel.model.keys import STIX_NAMESPACE, split_ref

PRODUCER_KEY = "threatmodel"
PRODUCER_CREATED = "2026-01-01T00:00:00.000Z"
"""Fixed: the producer identity is the same object in every bundle, so it never changes version."""
LIFECYCLE_KILL_CHAIN = "cosai-ai-lifecycle"
ATLAS_KILL_CHAIN = "mitre-atlas"

SOURCE_NAMES: dict[str, str] = {
    "atlas": "mitre-atlas",
    "owasp-llm": "owasp-llm-top10-{version}",
    "owasp-ml": "owasp-ml-top10-{version}",
    "owasp-agentic": "owasp-agentic-top10-{version}",
    "cosai": "cosai-risk-map",
    "stride": "stride",
}
"""``external_references[].source_name`` per catalog id (others use the catalog id)."""
SOURCE_NAMES_BY_TYPE: dict[tuple[str, str], str] = {("owasp-agentic", "threat"): "owasp-agentic-threats"}
"""Overrides for entry types that come from a different upstream publication than the catalog's main one."""

TYPE_ORDER = ("identity", "report", "attack-pattern", "course-of-action", "note", "relationship")
_BY_ID = itemgetter("id")


def stix_id(stix_type: str, key: str) -> str:
    """:func:`threatmodel.model.keys.stix_id` (uuid5 of the key in threatmodel's namespace) with the
    UUID version nibble set to 4.

    STIX 2.1 recommends UUIDv4 for every object that is not a cyber observable, and
    ``stix2-validator --strict`` rejects anything else. The 122 hash-derived bits are kept, so the
    id is still a pure function of the key, just as collision-resistant, and never random.
    """
    return _stix_id(stix_type, key)


@lru_cache(maxsize=1 << 16)
def _stix_id(stix_type: str, key: str) -> str:
    """:func:`stix_id` from the SHA-1 of the uuid5 recipe directly (a bundle of a large model asks
    for 40,000 ids, many of them more than once); tests check it against the ``uuid`` module's."""
    # the first 16 bytes of the digest as 32 hex digits; the version nibble (digit 12) is 4 (see
    # stix_id), and the variant (the top two bits of digit 16) RFC 4122's 10, as uuid5 sets it
    h = hashlib.sha1(_NAMESPACE + f"{stix_type}:{key}".encode()).hexdigest()  # noqa: S324 - uuid5 is SHA-1 by definition
    return f"{stix_type}--{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_NAMESPACE = STIX_NAMESPACE.bytes
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A hex digit with its top two bits set to RFC 4122's variant ``10``."""


def stix_timestamp(day: dt.date) -> str:
    """Midnight UTC of ``day`` with millisecond precision, as STIX producers conventionally write it."""
    return f"{day.isoformat()}T00:00:00.000Z"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def render_stix(analysis: Analysis, *, tool_version: str) -> str:
    """A STIX 2.1 bundle of the analysis (pretty JSON text ending with a newline)."""
    return pretty(stix_bundle(analysis, tool_version=tool_version))


def stix_bundle(analysis: Analysis, *, tool_version: str) -> dict[str, Any]:
    """:func:`render_stix` as a JSON-ready dict."""
    a, cset = analysis.assessment, analysis.catalogs
    labels = Labels.of(a.model)
    system = a.model.system
    when = stix_timestamp(export_date(a))
    producer = stix_id("identity", PRODUCER_KEY)
    system_ref = stix_id("identity", f"system:{system.id}")
    objects: dict[str, dict[str, Any]] = {}

    def add(obj: dict[str, Any]) -> str:
        objects[obj["id"]] = obj
        return str(obj["id"])

    def catalog_time(*refs: str) -> str:
        days = [cset.by_id[split_ref(r)[0]].published for r in refs if split_ref(r)[0] in cset.by_id]
        return stix_timestamp(max(days)) if days else when

    add(
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": producer,
            "created": PRODUCER_CREATED,
            "modified": PRODUCER_CREATED,
            "name": "threatmodel",
            "description": "Deterministic, catalog-backed threat modeling for AI systems.",
            "identity_class": "system",
        }
    )
    system_obj: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": system_ref,
        "created_by_ref": producer,
        "created": when,
        "modified": when,
        "name": system.name,
        "identity_class": "system",
    }
    if system.description.strip():
        system_obj["description"] = system.description.strip()
    if system.owner:
        system_obj["contact_information"] = f"Owner: {system.owner}"
    add(system_obj)

    components = {c.id: c for c in a.model.components}
    identities: dict[str, str] = {}  # element -> its identity's id, added once however often it is targeted

    def target_identity(element: str) -> str:
        known = identities.get(element)
        if known is None:
            known = identities[element] = _target_identity(element)
        return known

    def _target_identity(element: str) -> str:
        component = components.get(element)
        if component is None:
            return system_ref
        ident: dict[str, Any] = {
            "type": "identity",
            "spec_version": "2.1",
            "id": stix_id("identity", f"component:{system.id}/{component.id}"),
            "created_by_ref": producer,
            "created": when,
            "modified": when,
            "name": labels.name(component.id),
            "description": f"Component '{component.id}' ({component.kind}) of {system.name}."
            + (f" {component.description.strip()}" if component.description.strip() else ""),
            "identity_class": "system",
        }
        return add(ident)

    by_threat: dict[str, list[Finding]] = {}
    for f in a.findings:
        by_threat.setdefault(f.threat, []).append(f)

    patterns: dict[str, str] = {}
    for key, findings in sorted(by_threat.items()):
        patterns[key] = add(
            _attack_pattern(key, representative(key, findings, cset), cset, producer, catalog_time(key))
        )

    coas: dict[str, str] = {}
    for key, findings in sorted(by_threat.items()):
        for control in findings[0].controls:
            if control not in coas:
                coas[control] = add(_course_of_action(control, cset, producer, catalog_time(control)))
            rel_time = catalog_time(control, key)
            add(
                _relationship(
                    f"mitigates:{control}->{key}", "mitigates", coas[control], patterns[key], producer, rel_time
                )
            )

    # One pass over the findings: each finding's note, and the line it adds to the description of
    # each ``targets`` relationship it is part of (made once, however many elements it targets).
    # The order objects are added in does not matter: the bundle is sorted by type and id below.
    targets: dict[tuple[str, str], list[str]] = {}
    made: dict[tuple[int, tuple[str, ...]], Any] = {}  # control lines of the notes, see _control_lines
    for f in a.findings:
        # a finding grouped by root cause targets every element it lists, and those its threat also
        # affects (decision 1850)
        idents = [target_identity(e) for e in f.all_elements]
        residual = f.residual_severity.value
        line = f"{f.id}: {STATUS_LABELS[f.status]}, residual risk {f.residual_risk} ({residual})"
        for ident in idents:
            targets.setdefault((f.threat, ident), []).append(line)
        named = labels.targets(f)
        note_id = stix_id("note", f"{system.id}/{f.id}")
        objects[note_id] = {
            "type": "note",
            "spec_version": "2.1",
            "id": note_id,
            "created_by_ref": producer,
            "created": when,
            "modified": when,
            "abstract": f"{f.title} on {named} ({residual}, {STATUS_LABELS[f.status]})",
            "content": _note_content(f, labels, cset, made, named),
            "object_refs": sorted({patterns[f.threat], *idents, *[coas[c] for c in f.controls]}),
        }
    for (key, ident), lines in sorted(targets.items()):
        rel = _relationship(f"targets:{system.id}:{key}->{ident}", "targets", patterns[key], ident, producer, when)
        rel["description"] = "; ".join(lines)
        objects[rel["id"]] = rel

    p = posture(a)
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": stix_id("report", system.id),
        "created_by_ref": producer,
        "created": when,
        "modified": when,
        "name": f"Threat model: {system.name}",
        "description": f"{p.headline} {p.verdict} Assessed as of {a.as_of.isoformat()} by threatmodel {tool_version}.",
        "report_types": ["threat-report"],
        "published": when,
        "object_refs": sorted(objects),
    }
    # by TYPE_ORDER, the producer first, then by id: each type's objects sorted by id alone
    first = objects[producer]
    by_type: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TYPE_ORDER}
    by_type["report"].append(report)
    for obj in objects.values():
        if obj is not first:
            by_type[obj["type"]].append(obj)
    ordered = [first]  # an identity, and identities come first
    for kind in TYPE_ORDER:
        group = by_type[kind]
        group.sort(key=_BY_ID)
        ordered += group
    return {"type": "bundle", "id": stix_id("bundle", f"{system.id}:{bundle_digest(ordered)}"), "objects": ordered}


def bundle_digest(objects: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of ``json.dumps(objects, sort_keys=True)``, hashed a few hundred objects at a time:
    the standard library writes a list as ``[``, its items joined by ``, ``, then ``]``, so the text
    of each slice without its brackets, the slices joined by ``, ``, is the same text, and the whole
    bundle is never held as one string and its bytes (75 MB at 10,000 components)."""
    digest = hashlib.sha256(b"[")
    for start in range(0, len(objects), DIGEST_SLICE):
        if start:
            digest.update(b", ")
        digest.update(_DIGEST_TEXT.encode(objects[start : start + DIGEST_SLICE])[1:-1].encode("utf-8"))
    digest.update(b"]")
    return digest.hexdigest()


DIGEST_SLICE = 256
"""Objects written at a time for the bundle digest (one ``json.dumps`` call each)."""
_DIGEST_TEXT = json.JSONEncoder(sort_keys=True, check_circular=False)
"""``json.dumps(value, sort_keys=True)``'s encoder, made once, without the check for reference
cycles (which only turns a cycle's ``RecursionError`` into a ``ValueError``; a bundle is a tree of
fresh dicts and lists): the same text, a few per cent faster."""


def _source_name(ref: str, cset: CatalogSet) -> str:
    catalog_id, _ = split_ref(ref)
    catalog = cset.by_id.get(catalog_id)
    entry = cset.entries.get(ref)
    if entry is not None and (catalog_id, entry.type) in SOURCE_NAMES_BY_TYPE:
        return SOURCE_NAMES_BY_TYPE[(catalog_id, entry.type)]
    template = SOURCE_NAMES.get(catalog_id, catalog_id)
    return template.format(version=_slug(catalog.version) if catalog is not None else "")


def _external_refs(refs: Iterable[str], cset: CatalogSet) -> list[dict[str, Any]]:
    out = []
    for link in ref_links(refs, cset):
        ext: dict[str, Any] = {"source_name": _source_name(link.ref, cset), "external_id": link.item}
        if link.url:
            ext["url"] = link.url
        ext["description"] = ref_label(link)
        out.append(ext)
    return out


def _attack_pattern(key: str, f: Finding, cset: CatalogSet, producer: str, when: str) -> dict[str, Any]:
    catalog_id, threat_id = split_ref(key)
    own: dict[str, Any] = {"source_name": f"threatmodel-{catalog_id}", "external_id": threat_id}
    own_url = cset.url_of(key)
    if own_url:
        own["url"] = own_url
    phases = [{"kill_chain_name": LIFECYCLE_KILL_CHAIN, "phase_name": stage.value} for stage in f.lifecycle]
    tactics: set[str] = set()
    for r in f.refs:
        if split_ref(r)[0] != "atlas":
            continue
        entry = cset.entries.get(r)
        while entry is not None:
            for t in entry.refs:
                tactic = cset.entries.get(t)
                if tactic is not None and tactic.type == "tactic":
                    tactics.add(_slug(tactic.title))
            entry = cset.entries.get(f"atlas:{entry.parent}") if entry.parent else None
    phases += [{"kill_chain_name": ATLAS_KILL_CHAIN, "phase_name": t} for t in sorted(tactics)]
    obj: dict[str, Any] = {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": stix_id("attack-pattern", key),
        "created_by_ref": producer,
        "created": when,
        "modified": when,
        "name": f.title,
        "description": f.summary,
        "external_references": [own, *_external_refs(f.refs, cset)],
    }
    if phases:
        obj["kill_chain_phases"] = phases
    return obj


def _course_of_action(control: str, cset: CatalogSet, producer: str, when: str) -> dict[str, Any]:
    item = cset.controls.get(control)
    _, control_id = split_ref(control)
    own: dict[str, Any] = {"source_name": _source_name(control, cset), "external_id": control_id}
    url = cset.url_of(control)
    if url:
        own["url"] = url
    mitigations = [r for r in (item.refs if item is not None else ()) if r in cset.controls]
    obj: dict[str, Any] = {
        "type": "course-of-action",
        "spec_version": "2.1",
        "id": stix_id("course-of-action", control),
        "created_by_ref": producer,
        "created": when,
        "modified": when,
        "name": cset.title_of(control),
        "external_references": [own, *(_control_ref(r, cset) for r in sorted(mitigations))],
    }
    if item is not None and item.summary.strip():
        obj["description"] = item.summary.strip()
    return obj


def _control_ref(ref: str, cset: CatalogSet) -> dict[str, Any]:
    _, item = split_ref(ref)
    ext: dict[str, Any] = {"source_name": _source_name(ref, cset), "external_id": item}
    url = cset.url_of(ref)
    if url:
        ext["url"] = url
    ext["description"] = cset.title_of(ref)
    return ext


def _relationship(key: str, kind: str, source: str, target: str, producer: str, when: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", key),
        "created_by_ref": producer,
        "created": when,
        "modified": when,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }


def _control_lines(f: Finding, cset: CatalogSet, made: dict[tuple[int, tuple[str, ...]], Any]) -> list[str]:
    """A note's lines on implemented and proposed controls: the same for every finding with the same
    controls (its threat's, one tuple per threat) and the same implemented ones, so made once for
    those in ``made`` (which keeps each control tuple alive, so its identity is not reused)."""
    key = (id(f.controls), f.implemented_controls)
    known = made.get(key)
    if known is None:
        lines = []
        if f.implemented_controls:
            lines.append("Implemented controls: " + ", ".join(cset.title_of(c) for c in f.implemented_controls) + ".")
        proposed = [c for c in f.controls if c not in f.implemented_controls]
        if proposed:
            lines.append("Proposed controls: " + ", ".join(cset.title_of(c) for c in proposed) + ".")
        known = made[key] = (f.controls, lines)
    return known[1]


def _note_content(
    f: Finding,
    labels: Labels,
    cset: CatalogSet,
    made: dict[tuple[int, tuple[str, ...]], Any] | None = None,
    named: str | None = None,
) -> str:
    """A finding's note text; ``named`` is ``labels.targets(f)`` when the caller has it already."""
    d = f.__dict__  # its field values, read as ``json.finding_json`` reads them
    lines = [
        f"Finding {d['id']} on {labels.targets(f) if named is None else named} ({labels.kind(f)}).",
        *([f"Root cause: {d['root_cause']}."] if d["root_cause"] else []),
        f"Status: {STATUS_LABELS[d['status']]}. Risk: likelihood {d['likelihood']} x impact {d['impact']} = "
        f"{d['risk']} ({d['severity']._value_}); residual {d['residual_risk']} ({d['residual_severity']._value_}).",
        "Why it applies: " + ("; ".join(d["why"]) if d["why"] else "the rule matched this element") + ".",
        f"Scenario: {d['scenario']}",
    ]
    lines += _control_lines(f, cset, {} if made is None else made)
    if f.triage is not None:
        t = f.triage
        decision = f"Triage: {t.status.value}"
        if t.owner:
            decision += f" by {t.owner}"
        if t.review_by:
            decision += f", review by {t.review_by.isoformat()}" + (" (lapsed)" if f.triage_expired else "")
        if t.justification.strip():
            decision += f". {t.justification.strip()}"
        lines.append(decision)
    return "\n".join(lines)

"""The JSON machine contract (documented in docs/json.md, versioned by ``version``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.questions import open_questions
from threatmodel.jsontext import pretty, pretty_utf8_chunks_at
from threatmodel.model.base import SEVERITIES_WORST_FIRST
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import TriageEntry
from threatmodel.model.vocab import Status

JSON_FORMAT_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding as a JSON object."""
    # Read from the instance's field values directly (pydantic keeps every field of a model in its
    # ``__dict__``): an attribute read of a pydantic model is not specialised by the interpreter,
    # and the JSON writer reads 35 fields of every finding (10k: 28 ms less). An enum's ``_value_``
    # is what its ``value`` property returns, without the property call.
    d = f.__dict__
    return {
        "id": d["id"],
        "threat": d["threat"],
        "title": d["title"],
        "target": d["target"],
        "target_type": d["target_type"]._value_,
        "target_name": d["target_name"],
        "severity": d["severity"]._value_,
        "likelihood": d["likelihood"],
        "impact": d["impact"],
        "risk": d["risk"],
        "residual": {
            "likelihood": d["residual_likelihood"],
            "risk": d["residual_risk"],
            "severity": d["residual_severity"]._value_,
        },
        "status": d["status"]._value_,
        "refs": list(d["refs"]),
        "why": list(d["why"]),
        "path": list(d["path"]),
        "paths": [list(p) for p in d["paths"]],
        "scenario": d["scenario"],
        "summary": d["summary"],
        "factors": [{"axis": x.axis, "delta": x.delta, "reason": x.reason} for x in d["factors"]],
        "lifecycle": [s._value_ for s in d["lifecycle"]],
        "stride": [s._value_ for s in d["stride"]],
        "controls": list(d["controls"]),
        "implemented_controls": list(d["implemented_controls"]),
        "triage": _triage_json(d["triage"]) if d["triage"] else None,
        "triage_expired": d["triage_expired"],
        "risk_grew_from": d["risk_grew_from"],
        "assumes": [{"element": x.element, "attribute": x.attribute, "question": x.question} for x in d["assumes"]],
        "root": d["root"],
        "root_cause": d["root_cause"] or None,
        "affected": list(d["affected"]),
        "aliases": list(d["aliases"]),
        "triage_key": d["triage_key"],
        # where a finding sits (decision 1850): only when the threat names related elements
        **({"also_affects": list(d["also_affects"])} if d["also_affects"] else {}),
    }


def summary_json(a: Assessment) -> dict[str, Any]:
    """Counts for dashboards and gates."""
    open_by_severity = Counter(f.residual_severity.value for f in a.findings if f.status.is_open)
    by_status = Counter(f.status.value for f in a.findings)
    return {
        "findings": len(a.findings),
        "open": sum(1 for f in a.findings if f.status.is_open),
        "open_risk": a.open_risk,
        "open_by_severity": {s.value: open_by_severity.get(s.value, 0) for s in SEVERITIES_WORST_FIRST},
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
    }


def _triage_json(t: TriageEntry) -> dict[str, Any]:
    """A triage decision as the model states it; ``evidence`` only when there is some."""
    out = t.model_dump(mode="json", exclude_none=True)
    if not out["evidence"]:
        del out["evidence"]
    return out


def assessment_json(a: Assessment, *, tool_version: str, findings: bool = True) -> dict[str, Any]:
    """The whole assessment as a JSON-ready dict (``findings=False``: with an empty findings list,
    for :func:`assessment_json_chunks`, which writes them one at a time in its place)."""
    system = a.model.system
    return {
        "format": "threatmodel-assessment",
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "threatmodel", "version": tool_version},
        "system": {
            "id": system.id,
            "name": system.name,
            "owner": system.owner,
            "status": system.status.value,
            "version": system.version,
            "updated": system.updated.isoformat() if system.updated else None,
        },
        "as_of": a.as_of.isoformat(),
        "catalogs": [
            {
                "id": c.id,
                "title": c.title,
                "version": c.version,
                "published": c.published.isoformat(),
                "source": c.source,
            }
            for c in a.catalogs
        ],
        "summary": summary_json(a),
        "findings": [finding_json(f) for f in a.findings] if findings else [],
        "control_plan": [
            {
                "control": p.control,
                "title": p.title,
                "nist_csf": [n.value for n in p.nist_csf],
                "practices": [x.value for x in p.practices],
                "closes": list(p.closes),
                "risk_removed": p.risk_removed,
            }
            for p in a.proposals
        ],
        "questions": [q.model_dump(mode="json") for q in open_questions(a.findings)],
        "diagnostics": [
            {"code": d.code, "severity": d.severity, "element": d.element, "message": d.message} for d in a.diagnostics
        ],
    }


def assessment_json_chunks(a: Assessment, *, tool_version: str) -> Iterator[bytes]:
    """:func:`assessment_json` as pretty JSON (the bytes of ``jsontext.pretty``), UTF-8 chunks made
    as they are written: each finding's object is made and dumped alone, so neither the findings'
    objects nor the document's text is ever held whole."""
    document = assessment_json(a, tool_version=tool_version, findings=False)
    return pretty_utf8_chunks_at(document, "findings", (finding_json(f) for f in a.findings))


def render_json(analysis: Analysis, *, tool_version: str) -> str:
    """The assessment as pretty, deterministic JSON text."""
    return pretty(assessment_json(analysis.assessment, tool_version=tool_version))

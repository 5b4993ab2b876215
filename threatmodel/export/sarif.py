"""SARIF 2.1.0 for code scanning: one rule per threat, one result per finding, located in the YAML.

Mapping (documented in docs/exports.md):

* ``ruleId`` is the threat key (``tm:indirect-prompt-injection``); rules carry the threat's
  summary, its controls and references as help, and ``security-severity`` for GitHub.
* ``level`` comes from the residual severity: critical and high are ``error``, medium is
  ``warning``, low is ``note``.
* ``partialFingerprints["threatmodel/v1"]`` is :func:`threatmodel.model.keys.fingerprint` of the
  finding id, so an alert survives edits that move the element in the file.
* Accepted, transferred and false-positive findings carry an external, accepted suppression
  with the triage justification. Mitigated findings are not results at all (their alerts
  close as fixed); their ids are listed in ``run.properties.mitigatedFindings``.
* No timestamps, no absolute paths from the machine: the output depends only on the
  assessment, the catalogs, the tool version and the model's path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any, Literal
from urllib.parse import quote

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.errors import SourceSpan
from threatmodel.export.common import (
    SUPPRESSED,
    Labels,
    md_link,
    md_text,
    primary_url,
    ref_label,
    ref_links,
    representative,
)
from threatmodel.jsontext import pretty, pretty_utf8_chunks_within
from threatmodel.model.base import Severity
from threatmodel.model.finding import Finding
from threatmodel.model.keys import fingerprint
from threatmodel.model.vocab import Status

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "threatmodel/v1"
SRCROOT = "%SRCROOT%"

Level = Literal["error", "warning", "note", "none"]

LEVELS: dict[Severity, Level] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
"""SARIF level of a finding, from its residual severity."""

SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
"""CVSS-like score GitHub uses to band alerts (critical >= 9, high >= 7, medium >= 4, low > 0)."""


@dataclass(frozen=True, slots=True)
class SarifExtra:
    """A result that is not a finding, e.g. a policy violation, with the rule it belongs to.

    ``key`` identifies the result across runs (it is fingerprinted); ``element`` locates it at
    an element of the model, or at the top of the model file when ``None``.
    """

    rule_id: str
    rule_name: str
    rule_description: str
    level: Level
    message: str
    key: str
    element: str | None = None
    help_uri: str | None = None
    tags: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)


def _pascal(text: str) -> str:
    """``indirect-prompt-injection`` -> ``IndirectPromptInjection`` (SARIF rule names are identifiers)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


@lru_cache(maxsize=256)
def artifact_uri(path: str) -> str:
    """A SARIF artifact URI for a model path: relative paths stay relative (to ``%SRCROOT%``,
    with ``/`` separators and percent-encoding); absolute ones become ``file:`` URIs."""
    p = PurePath(path)
    if p.is_absolute():
        return Path(path).as_uri()
    return quote(path.replace(os.sep, "/"), safe="/")


def render_sarif(analysis: Analysis, *, tool_version: str, extra_results: Sequence[SarifExtra] = ()) -> str:
    """The analysis as a SARIF 2.1.0 log (pretty JSON text ending with a newline); see :func:`sarif_run`."""
    return pretty(sarif_log(analysis, tool_version=tool_version, extra_results=extra_results))


def sarif_log(analysis: Analysis, *, tool_version: str, extra_results: Sequence[SarifExtra] = ()) -> dict[str, Any]:
    """:func:`render_sarif` as a JSON-ready dict."""
    run = sarif_run(analysis, tool_version=tool_version, extra_results=extra_results)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def sarif_log_chunks(analysis: Analysis, *, tool_version: str) -> Iterator[bytes]:
    """:func:`render_sarif`'s text as UTF-8 chunks, the results made and written one at a time: the
    same bytes, without holding every result's objects and the whole text (at 50,000 components,
    63,000 results and 180 MB of JSON, about 240 MB at the writer's peak; decision 1866)."""
    run, results = _sarif_run(analysis, tool_version=tool_version, extra_results=())
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return pretty_utf8_chunks_within(log, ("runs", 0, "results"), results)


def sarif_run(analysis: Analysis, *, tool_version: str, extra_results: Sequence[SarifExtra] = ()) -> dict[str, Any]:
    """The analysis as one SARIF 2.1.0 run (a JSON-ready dict; ``check`` adds runs of several models).

    Locations come from ``analysis.source``: the file an element is declared in (relative paths
    resolve against ``%SRCROOT%``, so run from the repository root), with its line and column.
    ``extra_results`` adds results from other checks (policy violations).
    """
    run, results = _sarif_run(analysis, tool_version=tool_version, extra_results=extra_results)
    run["results"] = list(results)
    return run


def _sarif_run(
    analysis: Analysis, *, tool_version: str, extra_results: Sequence[SarifExtra]
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """:func:`sarif_run` with an empty ``results`` list, and its results, made as they are read."""
    a, cset, source = analysis.assessment, analysis.catalogs, analysis.source
    labels = Labels.of(a.model)

    located: dict[str, SourceSpan] = {}  # every element is located once, however often it is named
    uris: dict[str, str] = {}  # the artifact URI of each file, made once (a model has a few files)
    # Per element, the parts of its location: the same for every result naming it, so made once and
    # shared by those results (nothing changes them after; a location's own dict is made per use,
    # since related locations get an ``id`` and a ``message``). 10k: 16,864 locations, 6,851 elements.
    parts: dict[str | None, tuple[dict[str, Any], list[dict[str, Any]] | None]] = {}

    def span_of(element: str) -> SourceSpan:
        span = located.get(element)
        if span is None:
            span = located[element] = source.element_span(element)
        return span

    def uri_of(path: str) -> str:
        uri = uris.get(path)
        if uri is None:
            uri = uris[path] = artifact_uri(path)
        return uri

    def artifact(element: str | None) -> str:
        return uri_of(span_of(element).path if element is not None else source.path)

    def location_parts(element: str | None) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        span = span_of(element) if element is not None else None
        uri = uri_of(span.path if span is not None else source.path)
        physical: dict[str, Any] = {"artifactLocation": _artifact_location(uri)}
        line, column = (span.line, span.column) if span is not None else (1, 1)
        if line > 0:
            region: dict[str, Any] = {"startLine": line}
            if column > 0:
                region["startColumn"] = column
            physical["region"] = region
        logical = (
            None
            if element is None
            else [{"name": element, "fullyQualifiedName": f"{a.model.system.id}/{element}", "kind": "resource"}]
        )
        return physical, logical

    def location(element: str | None) -> dict[str, Any]:
        made = parts.get(element)
        if made is None:
            made = parts[element] = location_parts(element)
        physical, logical = made
        loc: dict[str, Any] = {"physicalLocation": physical}
        if logical is not None:
            loc["logicalLocations"] = logical
        return loc

    by_threat: dict[str, list[Finding]] = {}
    for f in a.findings:
        by_threat.setdefault(f.threat, []).append(f)

    rules: list[dict[str, Any]] = [_rule(key, fs, cset) for key, fs in sorted(by_threat.items())]
    extras = sorted(extra_results, key=lambda x: (x.rule_id, x.key))
    seen_extra_rules: set[str] = set(by_threat)
    for x in extras:
        if x.rule_id in seen_extra_rules:
            continue
        seen_extra_rules.add(x.rule_id)
        rule: dict[str, Any] = {
            "id": x.rule_id,
            "name": _pascal(x.rule_name),
            "shortDescription": {"text": x.rule_name},
            "fullDescription": {"text": x.rule_description or x.rule_name},
            "defaultConfiguration": {"level": x.level},
            "properties": {"tags": sorted({"threat-model", *x.tags})},
        }
        if x.help_uri:
            rule["helpUri"] = x.help_uri
        rules.append(rule)
    index = {r["id"]: i for i, r in enumerate(rules)}

    mitigated = [f.id for f in a.findings if f.status is Status.MITIGATED]

    def results() -> Iterator[dict[str, Any]]:
        yield from _results(a.findings, labels, index, location)
        for x in extras:
            res: dict[str, Any] = {
                "ruleId": x.rule_id,
                "ruleIndex": index[x.rule_id],
                "kind": "fail",
                "level": x.level,
                "message": {"text": x.message},
                "locations": [location(x.element)],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(x.key)},
            }
            if x.properties:
                res["properties"] = dict(x.properties)
            yield res

    artifacts = sorted(
        {
            artifact(None),
            *(artifact(e) for f in a.findings for e in (*f.all_elements, *([f.root] if f.root else []))),
            *(artifact(x.element) for x in extras if x.element),
        }
    )
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "threatmodel", "version": tool_version, "rules": rules}},
        "automationDetails": {"id": f"threatmodel/{a.model.system.id}/"},
        "originalUriBaseIds": {
            SRCROOT: {
                "description": {"text": "The directory the model path is relative to (run from the repository root)."}
            }
        },
        "artifacts": [{"location": _artifact_location(uri), "roles": ["analysisTarget"]} for uri in artifacts],
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(d, location) for d in a.diagnostics],
            }
        ],
        "results": [],
        "properties": {
            "system": {"id": a.model.system.id, "name": a.model.system.name},
            "asOf": a.as_of.isoformat(),
            "catalogs": [f"{c.id}@{c.version}" for c in a.catalogs],
            "openRisk": a.open_risk,
            "mitigatedFindings": mitigated,
        },
    }
    return run, results()


def _results(
    findings: Sequence[Finding],
    labels: Labels,
    index: dict[str, int],
    location: Callable[[str | None], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """The result of each finding that is not mitigated, in order."""
    for f in findings:
        if f.status is Status.MITIGATED:
            continue
        result = _result(f, labels, index[f.threat], location(f.target))
        if f.affected:
            # one finding per root cause: every affected element is a location (the scored one first),
            # the root cause a related location
            others = [location(e) for e in f.affected if e != f.target]
            result["locations"] = [result["locations"][0], *others]
            if f.root is not None:
                related = location(f.root)
                related["id"] = 1
                related["message"] = {"text": f"root cause: {f.root_cause}"}
                result["relatedLocations"] = [related]
        if f.also_affects:
            # elements the threat also harms or where its control goes (decision 1850): related, not
            # where the result sits
            also = []
            for n, e in enumerate(f.also_affects, start=len(result.get("relatedLocations", ())) + 1):
                loc = location(e)
                loc["id"] = n
                loc["message"] = {"text": f"also affects {labels.element(e)}"}
                also.append(loc)
            result["relatedLocations"] = [*result.get("relatedLocations", ()), *also]
        yield result


_URI_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def _artifact_location(uri: str) -> dict[str, Any]:
    if _URI_SCHEME.match(uri):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _rule(key: str, findings: Sequence[Finding], cset: CatalogSet) -> dict[str, Any]:
    first = representative(key, findings, cset)
    worst = max(f.residual_severity for f in findings)
    links = ref_links(first.refs, cset)
    controls = first.controls
    text = [first.summary, ""]
    markdown = [md_text(first.summary), ""]
    if controls:
        text.append("Controls that mitigate it:")
        markdown.append("**Controls that mitigate it**")
        markdown.append("")
        for c in controls:
            text.append(f"- {cset.title_of(c)} ({c})")
            markdown.append(f"- {md_link(cset.title_of(c), cset.url_of(c))} (`{c}`)")
        text.append("")
        markdown.append("")
    if links:
        text.append("References:")
        markdown.append("**References**")
        markdown.append("")
        for link in links:
            url = f" <{link.url}>" if link.url else ""
            text.append(f"- {link.catalog_title}: {ref_label(link)}{url}")
            markdown.append(f"- {md_text(link.catalog_title)}: {md_link(ref_label(link), link.url)}")
    rule: dict[str, Any] = {
        "id": key,
        "name": _pascal(key.split(":", 1)[-1]),
        "shortDescription": {"text": first.title},
        "fullDescription": {"text": first.summary},
        "help": {"text": "\n".join(text).strip(), "markdown": "\n".join(markdown).strip()},
        "defaultConfiguration": {"level": LEVELS[worst]},
        "properties": {
            "tags": _tags(first),
            "security-severity": SECURITY_SEVERITY[worst],
            "precision": "high",
        },
    }
    help_uri = primary_url(first, cset)
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _tags(f: Finding) -> list[str]:
    return sorted({"security", "threat-model", *f.refs, *(f"stride:{s.value}" for s in f.stride)})


def _result(f: Finding, labels: Labels, rule_index: int, loc: dict[str, Any]) -> dict[str, Any]:
    # the finding's field values read directly, as ``json.finding_json`` reads them (pydantic keeps
    # every field in ``__dict__``; its attribute reads are not specialised by the interpreter)
    d = f.__dict__
    why = "; ".join(d["why"])
    message = f"{d['title']} on {labels.targets(f)}" + (f": {why}." if why else ".")
    if d["root_cause"]:
        message += f" Root cause: {d['root_cause']}."
    residual_severity = d["residual_severity"]
    result: dict[str, Any] = {
        "ruleId": d["threat"],
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVELS[residual_severity],
        "rank": float(d["residual_risk"] * 4),
        "message": {"text": message},
        "locations": [loc],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d["id"])},
        "properties": {
            "findingId": d["id"],
            "target": d["target"],
            "targetType": d["target_type"]._value_,
            "status": d["status"]._value_,
            "likelihood": d["likelihood"],
            "impact": d["impact"],
            "risk": d["risk"],
            "severity": d["severity"]._value_,
            "residualLikelihood": d["residual_likelihood"],
            "residualRisk": d["residual_risk"],
            "residualSeverity": residual_severity._value_,
            "security-severity": SECURITY_SEVERITY[residual_severity],
            "refs": list(d["refs"]),
            "lifecycle": [s._value_ for s in d["lifecycle"]],
            "implementedControls": list(d["implemented_controls"]),
            "scenario": d["scenario"],
        },
    }
    if d["affected"]:
        result["properties"] |= {"root": d["root"], "rootCause": d["root_cause"], "affected": list(d["affected"])}
    if d["also_affects"]:
        result["properties"]["alsoAffects"] = list(d["also_affects"])
    if d["aliases"]:
        result["properties"]["aliases"] = list(d["aliases"])
    if f.status in SUPPRESSED:
        t = f.triage
        justification = f"{f.status.value}: " + (
            t.justification.strip() if t is not None and t.justification.strip() else "no justification given"
        )
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted", "justification": justification}
        if t is not None and (t.owner or t.ticket or t.review_by):
            props: dict[str, Any] = {}
            if t.owner:
                props["owner"] = t.owner
            if t.approver:
                props["approver"] = t.approver
            if t.ticket:
                props["ticket"] = t.ticket
            if t.decided_on:
                props["decidedOn"] = t.decided_on.isoformat()
            if t.review_by:
                props["reviewBy"] = t.review_by.isoformat()
            suppression["properties"] = props
        result["suppressions"] = [suppression]
    return result


def _notification(d: Any, location: Callable[[str | None], dict[str, Any]]) -> dict[str, Any]:
    note: dict[str, Any] = {
        "descriptor": {"id": d.code},
        "level": "warning" if d.severity == "warning" else "note",
        "message": {"text": d.message},
    }
    if d.element:
        note["locations"] = [location(d.element)]
    return note


def results_of(sarif_text: str) -> Iterable[dict[str, Any]]:
    """The results of every run of a SARIF log (for tests and tools that post-process)."""
    log = json.loads(sarif_text)
    for run in log.get("runs", []):
        yield from run.get("results", [])

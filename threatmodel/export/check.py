"""What ``threatmodel check`` writes: the gate's verdict as JSON (docs/ci.md), SARIF 2.1.0 and
Markdown for ``$GITHUB_STEP_SUMMARY``. The judgement itself is ``threatmodel.engine.gate``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from threatmodel.engine.gate import Item, ModelResult
from threatmodel.errors import Problem, SourceSpan
from threatmodel.export.common import md_code, md_text
from threatmodel.export.sarif import SARIF_SCHEMA, SarifExtra, sarif_run
from threatmodel.jsontext import pretty
from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.keys import triage_element

CHECK_FORMAT_VERSION = 1


def _span_json(span: SourceSpan) -> dict[str, Any]:
    return {"path": span.path, "line": span.line, "column": span.column}


def _item_json(item: Item) -> dict[str, Any]:
    if item.finding is not None:
        f = item.finding
        return {
            "type": "finding",
            "id": f.id,
            "title": f.title,
            "target": f.target,
            "residual_severity": f.residual_severity.value,
            "residual_risk": f.residual_risk,
            "status": f.status.value,
            "triage_expired": f.triage_expired,
            "location": _span_json(item.span),
        }
    v = item.violation
    assert v is not None  # noqa: S101 - an item is a finding or a violation
    return {
        "type": "policy",
        "id": v.id,
        "rule": v.rule,
        "level": v.level.value,
        "element": v.element,
        "finding": v.finding,
        "detail": v.detail,
        "message": v.message,
        "location": _span_json(item.span),
    }


@dataclass(frozen=True)
class CheckedModel:
    """One model's share of ``check``'s output, as plain data.

    ``section`` is the model's own part of the chosen format (its ``models[]`` entry in JSON, its
    SARIF run, its Markdown lines, its terminal lines); the other fields are what the totals and
    the baseline need. Everything here is JSON: a model checked in a worker process comes back as
    JSON text (see ``threatmodel.cli.versioning.pool``), never as pickled objects.
    """

    display: str
    system_id: str
    passed: bool
    failures: int
    suppressed: int
    open_findings: dict[str, str]
    """Finding id -> residual severity of every open finding (for ``--write-baseline``)."""
    policy_errors: tuple[str, ...]
    """Ids of the error-level policy violations (for ``--write-baseline``)."""
    section: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "display": self.display,
            "system_id": self.system_id,
            "passed": self.passed,
            "failures": self.failures,
            "suppressed": self.suppressed,
            "open_findings": self.open_findings,
            "policy_errors": list(self.policy_errors),
            "section": self.section,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckedModel:
        return cls(
            display=data["display"],
            system_id=data["system_id"],
            passed=data["passed"],
            failures=data["failures"],
            suppressed=data["suppressed"],
            open_findings=data["open_findings"],
            policy_errors=tuple(data["policy_errors"]),
            section=data["section"],
        )


def checked_model(r: ModelResult, section: Any) -> CheckedModel:
    """The plain-data share of one judged model, with its section of the output."""
    return CheckedModel(
        display=r.display,
        system_id=r.system_id,
        passed=r.passed,
        failures=len(r.failures),
        suppressed=len(r.suppressed),
        open_findings={f.id: f.residual_severity.value for f in r.assessment.open_findings},
        policy_errors=tuple(v.id for v in r.violations if v.is_error),
        section=section,
    )


def model_check_json(r: ModelResult) -> dict[str, Any]:
    """One model's entry in the ``models`` list of ``check --format json``."""
    counts = Counter(f.residual_severity for f in r.assessment.open_findings)
    return {
        "path": r.display,
        "system": {"id": r.system_id, "name": r.assessment.model.system.name},
        "passed": r.passed,
        "open_risk": r.assessment.open_risk,
        "open_by_severity": {s.value: counts.get(s, 0) for s in SEVERITIES_WORST_FIRST},
        "failures": [_item_json(i) for i in r.failures],
        "warnings": [_item_json(i) for i in r.warnings],
        "suppressed_by_baseline": [
            {"id": s.id, "severity": s.severity, "baseline_severity": s.baseline_severity} for s in r.suppressed
        ],
        "stale_triage": [{"id": fid, "location": _span_json(span)} for fid, span in r.stale],
        "lapsed_triage": [{"id": fid, "location": _span_json(span)} for fid, span in r.lapsed],
    }


def check_json(
    results: Sequence[CheckedModel],
    *,
    threshold: Severity,
    as_of: str,
    baseline: str | None,
    policy: str | None,
    tool_version: str,
    invalid: Sequence[tuple[str, Sequence[Problem]]] = (),
) -> dict[str, Any]:
    """The gate's result as a JSON-ready dict (schema in docs/ci.md); each result's section is
    its :func:`model_check_json`."""
    errors = [
        {
            "path": path,
            "problems": [
                {"message": p.message, "location": _span_json(p.source) if p.source else None, "hint": p.hint}
                for p in problems
            ],
        }
        for path, problems in invalid
    ]
    return {
        "format": "threatmodel-check",
        "version": CHECK_FORMAT_VERSION,
        "tool": {"name": "threatmodel", "version": tool_version},
        "fail_on": threshold.value,
        "as_of": as_of,
        "baseline": baseline,
        "policy": policy,
        "passed": all(r.passed for r in results) and not invalid,
        "summary": {
            "models": len(results) + len(invalid),
            "failed": sum(1 for r in results if not r.passed),
            "invalid": len(invalid),
            "failures": sum(r.failures for r in results),
            "suppressed_by_baseline": sum(r.suppressed for r in results),
        },
        "models": [r.section for r in results],
        "invalid": errors,
    }


def model_check_sarif_run(
    r: ModelResult,
    *,
    threshold: Severity,
    tool_version: str,
    policy_rules: dict[str, str],
    baseline: str | None,
) -> dict[str, Any]:
    """One model's SARIF run in ``check --format sarif``: its findings (as ``report --format
    sarif`` shows them) plus its policy violations, baseline-suppressed results marked as such."""
    extras = [
        SarifExtra(
            rule_id=f"policy:{v.rule}",
            rule_name=v.rule,
            rule_description=policy_rules.get(v.rule, v.message),
            level="error" if v.is_error else "warning",
            message=f"{v.detail}. {v.message}",
            key=v.id,
            element=triage_element(v.finding) if v.loc and v.loc[0] == "triage" and v.finding else v.element,
            tags=("policy",),
            properties={"violationId": v.id, "rule": v.rule, "element": v.element},
        )
        for v in r.violations
    ]
    run = sarif_run(r.analysis, tool_version=tool_version, extra_results=extras)
    suppressed = {s.id for s in r.suppressed}
    for result in run["results"]:
        props = result.get("properties", {})
        key = props.get("findingId") or props.get("violationId")
        if key in suppressed:
            result.setdefault("suppressions", []).append(
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"pre-existing: listed in the baseline {baseline}",
                }
            )
    run["properties"]["gate"] = {
        "failOn": threshold.value,
        "passed": r.passed,
        "failures": [i.id for i in r.failures],
    }
    return run


def check_sarif_log(results: Sequence[CheckedModel]) -> dict[str, Any]:
    """One SARIF 2.1.0 log with a run per model; each result's section is its
    :func:`model_check_sarif_run`."""
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [r.section for r in results]}


def render_check_sarif(results: Sequence[CheckedModel]) -> str:
    """:func:`check_sarif_log` as JSON text."""
    return pretty(check_sarif_log(results))


def headline_parts(r: ModelResult, threshold: Severity) -> list[str]:
    parts = []
    if r.count("finding"):
        n = r.count("finding")
        parts.append(f"{n} open finding{'s' if n != 1 else ''} at or above {threshold.value}")
    if r.count("policy"):
        n = r.count("policy")
        parts.append(f"{n} policy error{'s' if n != 1 else ''}")
    if not parts:
        parts.append(f"no open finding at or above {threshold.value}")
    return parts


def model_check_markdown(r: ModelResult, threshold: Severity) -> list[str]:
    """One model's lines of ``check --format md``.

    Everything a model, a policy or a path says goes through :func:`md_text` or
    :func:`md_code`: a hostile name cannot add a heading, a link, an image, HTML or a table
    row, and cannot make a ``FAIL`` read as ``PASS``.
    """
    out: list[str] = []
    verdict = "PASS" if r.passed else "FAIL"
    out.append(f"### {verdict} {md_code(r.display)} ({md_text(r.assessment.model.system.name)})")
    out.append("")
    out.append(md_text("; ".join(headline_parts(r, threshold)) + f"; open risk {r.assessment.open_risk}"))
    out.append("")
    items = (*r.failures, *r.warnings)
    if items:
        out.append("| where | severity | id | what |")
        out.append("| --- | --- | --- | --- |")
        for item in items:
            what = md_text(item.text) + (f" ({md_text(item.note)})" if item.kind == "finding" else "")
            out.append(f"| {md_code(str(item.span))} | {md_text(item.severity)} | {md_code(item.id)} | {what} |")
        out.append("")
    rules: dict[str, Item] = {}
    for item in items:
        if item.violation is not None:
            rules.setdefault(item.violation.rule, item)
    notes = [f"- rule {md_code(rule_id)}: {md_text(item.note)}" for rule_id, item in sorted(rules.items())]
    notes += [
        f"- {md_code(str(span))}: warning TM201 triage entry {md_code(fid)} matches no finding" for fid, span in r.stale
    ]
    notes += [
        f"- {md_code(str(span))}: warning TM202 triage of {md_code(fid)} lapsed; the finding is open again"
        for fid, span in r.lapsed
    ]
    if r.suppressed:
        n = len(r.suppressed)
        notes.append(f"- {n} suppressed by the baseline (pre-existing, not worse)")
    if notes:
        out.extend(notes)
        out.append("")
    return out


def render_check_markdown(results: Sequence[CheckedModel], *, threshold: Severity, invalid: int = 0) -> str:
    """The gate's summary as GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY``; each
    result's section is its :func:`model_check_markdown` (escaped there)."""
    out: list[str] = []
    for r in results:
        out.extend(r.section)
    failed = sum(1 for r in results if not r.passed)
    total = len(results) + invalid
    models = f"model{'s' if total != 1 else ''}"
    summary = []
    if invalid:
        summary.append(f"{invalid} of {total} {models} could not be checked (see the log)")
    if failed:
        summary.append(f"Gate failed: {failed} of {total} {models} (--fail-on {threshold.value})")
    elif not invalid:
        summary.append(f"Gate passed: {total} {models}, nothing open at or above {threshold.value}")
    suppressed = sum(r.suppressed for r in results)
    if suppressed:
        summary.append(f"{suppressed} suppressed by the baseline")
    out.append(f"**{md_text('; '.join(summary))}**")
    return "\n".join(out) + "\n"

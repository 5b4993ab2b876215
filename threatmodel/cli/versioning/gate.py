"""The CI gate behind ``threatmodel check``: judge assessments, baselines, and the gate's outputs.

A model fails the gate when an open finding (open or in progress, including findings
whose triage lapsed) has a residual severity at or above ``--fail-on``, or when a policy
rule of level ``error`` is violated. A baseline lists what already existed when the gate
was adopted; those findings pass until their residual severity gets worse.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from threatmodel.engine.diff import lapsed_triage, stale_triage
from threatmodel.engine.policy import Violation
from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.load import LoadedModel
from threatmodel.model.base import Severity
from threatmodel.model.finding import Assessment, Finding

BASELINE_FORMAT = "threatmodel-baseline"
BASELINE_VERSION = 1
CHECK_FORMAT_VERSION = 1
TRIAGE_ELEMENT = "triage:"
"""Prefix of the pseudo-element that locates a triage entry (``triage:<finding id>``)."""


# ---------------------------------------------------------------------------
# Baseline


@dataclass(frozen=True)
class Baseline:
    """Findings and policy violations accepted as pre-existing, per system id."""

    path: str
    findings: dict[str, dict[str, Severity]] = field(default_factory=dict)
    policy: dict[str, frozenset[str]] = field(default_factory=dict)


def _baseline_problem(path: str, message: str, hint: str | None = None, line: int = 1, column: int = 1) -> UsageError:
    return UsageError(Problem(message, SourceSpan(path, line, column), hint))


def read_baseline(path: Path) -> Baseline:
    """Read a baseline written by ``check --write-baseline``; any defect is a located error."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _baseline_problem(
            shown, "baseline file not found", "create one with `threatmodel check --write-baseline FILE MODEL...`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _baseline_problem(shown, f"cannot read the baseline: {exc}") from None
    from threatmodel.io.json_source import parse_json

    data = parse_json(text, shown, UsageError, "baseline")
    hint = "baselines are written by `threatmodel check --write-baseline FILE MODEL...`"
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise _baseline_problem(shown, f'not a threatmodel baseline (expected "format": "{BASELINE_FORMAT}")', hint)
    if data.get("version") != BASELINE_VERSION:
        raise _baseline_problem(
            shown,
            f"unsupported baseline version {data.get('version')!r} (this threatmodel reads {BASELINE_VERSION})",
            hint,
        )
    systems = data.get("systems")
    if not isinstance(systems, dict):
        raise _baseline_problem(shown, 'the baseline has no "systems" object', hint)
    findings: dict[str, dict[str, Severity]] = {}
    policy: dict[str, frozenset[str]] = {}
    valid = {s.value for s in Severity}
    for system, entry in systems.items():
        if not isinstance(entry, dict):
            raise _baseline_problem(shown, f"systems.{system}: expected an object", hint)
        raw_findings = entry.get("findings", {})
        raw_policy = entry.get("policy", [])
        if not isinstance(raw_findings, dict) or not all(
            isinstance(v, str) and v in valid for v in raw_findings.values()
        ):
            raise _baseline_problem(
                shown, f"systems.{system}.findings: expected an object of finding id to severity", hint
            )
        if not isinstance(raw_policy, list) or not all(isinstance(v, str) for v in raw_policy):
            raise _baseline_problem(shown, f"systems.{system}.policy: expected a list of violation ids", hint)
        findings[str(system)] = {str(k): Severity(v) for k, v in raw_findings.items()}
        policy[str(system)] = frozenset(raw_policy)
    return Baseline(shown, findings, policy)


def render_baseline(results: Sequence[ModelResult], *, as_of: str) -> str:
    """A baseline of every open finding and every policy error of ``results`` (deterministic JSON)."""
    systems: dict[str, dict[str, Any]] = {}
    for r in results:
        entry = systems.setdefault(r.system_id, {"findings": {}, "policy": []})
        for f in r.assessment.open_findings:
            entry["findings"][f.id] = f.residual_severity.value
        entry["policy"] = sorted(set(entry["policy"]) | {v.id for v in r.violations if v.is_error})
    data = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "note": "Pre-existing findings and policy errors; `threatmodel check --baseline` lets them pass until they get worse.",
        "as_of": as_of,
        "systems": {
            system: {"findings": dict(sorted(entry["findings"].items())), "policy": entry["policy"]}
            for system, entry in sorted(systems.items())
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------
# Judging one model


@dataclass(frozen=True)
class Item:
    """One line of the gate's report: a finding or a policy violation, with its location."""

    kind: Literal["finding", "policy"]
    id: str
    severity: str
    """Residual severity of a finding, or the level of a violation."""
    text: str
    """The finding's title, or what the violation found."""
    note: str
    """The finding's status, or the rule's message."""
    span: SourceSpan
    finding: Finding | None = None
    violation: Violation | None = None


@dataclass(frozen=True)
class Suppressed:
    """A finding or violation the baseline lets pass."""

    id: str
    severity: str
    baseline_severity: str | None


@dataclass(frozen=True)
class ModelResult:
    """The gate's verdict on one model."""

    display: str
    loaded: LoadedModel
    assessment: Assessment
    violations: tuple[Violation, ...]
    failures: tuple[Item, ...]
    warnings: tuple[Item, ...]
    suppressed: tuple[Suppressed, ...]
    stale: tuple[tuple[str, SourceSpan], ...]
    lapsed: tuple[tuple[str, SourceSpan], ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def system_id(self) -> str:
        return self.assessment.model.system.id

    def count(self, kind: str) -> int:
        return sum(1 for i in self.failures if i.kind == kind)


def violation_span(loaded: LoadedModel, v: Violation) -> SourceSpan:
    """Where a violation is best shown: the triage entry, or the element's declaration."""
    if v.loc and v.loc[0] == "triage":
        return loaded.span(v.loc)
    return loaded.element_span(v.element)


def locate_element(loaded: LoadedModel, element: str) -> SourceSpan:
    """An element's span; ``triage:<finding id>`` locates a triage entry."""
    if element.startswith(TRIAGE_ELEMENT):
        return loaded.span(("triage", element[len(TRIAGE_ELEMENT) :]))
    return loaded.element_span(element)


def judge(
    display: str,
    loaded: LoadedModel,
    assessment: Assessment,
    violations: Sequence[Violation],
    threshold: Severity,
    baseline: Baseline | None,
) -> ModelResult:
    """Apply the gate to one assessed model."""
    system = assessment.model.system.id
    known = baseline.findings.get(system, {}) if baseline is not None else {}
    known_policy = baseline.policy.get(system, frozenset()) if baseline is not None else frozenset()
    failures: list[Item] = []
    suppressed: list[Suppressed] = []
    over = sorted(
        (f for f in assessment.open_findings if f.residual_severity >= threshold),
        key=lambda f: (-f.residual_severity.rank, -f.residual_risk, f.id),
    )
    for f in over:
        before = known.get(f.id)
        if before is not None and f.residual_severity <= before:
            suppressed.append(Suppressed(f.id, f.residual_severity.value, before.value))
            continue
        note = f"{f.status.value}, residual risk {f.residual_risk}"
        if f.triage_expired and f.triage is not None and f.triage.review_by is not None:
            note += f"; {f.triage.status.value} until {f.triage.review_by.isoformat()}, lapsed"
        if f.risk_grew_from is not None and f.triage is not None:
            note += f"; {f.triage.status.value} at {f.risk_grew_from}, now {f.residual_risk}"
        if before is not None:
            note += f"; worse than in the baseline ({before.value})"
        failures.append(
            Item("finding", f.id, f.residual_severity.value, f.title, note, loaded.element_span(f.target), finding=f)
        )
    warnings: list[Item] = []
    for v in violations:
        item = Item("policy", v.id, v.level.value, v.detail, v.message, violation_span(loaded, v), violation=v)
        if not v.is_error:
            warnings.append(item)
        elif v.id in known_policy:
            suppressed.append(Suppressed(v.id, v.level.value, None))
        else:
            failures.append(item)
    return ModelResult(
        display=display,
        loaded=loaded,
        assessment=assessment,
        violations=tuple(violations),
        failures=tuple(failures),
        warnings=tuple(warnings),
        suppressed=tuple(suppressed),
        stale=tuple((fid, loaded.span(("triage", fid))) for fid in stale_triage(assessment)),
        lapsed=tuple((fid, loaded.span(("triage", fid))) for fid in lapsed_triage(assessment)),
    )


# ---------------------------------------------------------------------------
# Outputs


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


def check_json(
    results: Sequence[ModelResult],
    *,
    threshold: Severity,
    as_of: str,
    baseline: str | None,
    policy: str | None,
    tool_version: str,
    invalid: Sequence[tuple[str, Sequence[Problem]]] = (),
) -> dict[str, Any]:
    """The gate's result as a JSON-ready dict (schema in docs/ci.md)."""
    models = []
    for r in results:
        counts = Counter(f.residual_severity for f in r.assessment.open_findings)
        models.append(
            {
                "path": r.display,
                "system": {"id": r.system_id, "name": r.assessment.model.system.name},
                "passed": r.passed,
                "open_risk": r.assessment.open_risk,
                "open_by_severity": {s.value: counts.get(s, 0) for s in reversed(Severity) if s is not Severity.INFO},
                "failures": [_item_json(i) for i in r.failures],
                "warnings": [_item_json(i) for i in r.warnings],
                "suppressed_by_baseline": [
                    {"id": s.id, "severity": s.severity, "baseline_severity": s.baseline_severity} for s in r.suppressed
                ],
                "stale_triage": [{"id": fid, "location": _span_json(span)} for fid, span in r.stale],
                "lapsed_triage": [{"id": fid, "location": _span_json(span)} for fid, span in r.lapsed],
            }
        )
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
            "failures": sum(len(r.failures) for r in results),
            "suppressed_by_baseline": sum(len(r.suppressed) for r in results),
        },
        "models": models,
        "invalid": errors,
    }


def print_check(console: Any, results: Sequence[ModelResult], *, threshold: Severity, invalid: int = 0) -> None:
    """The concise terminal summary: per model, what failed, why and where."""
    from rich.text import Text

    from threatmodel.cli.versioning.render import SEVERITY_STYLE

    for r in results:
        head = Text()
        if r.passed:
            head.append("ok  ", style="bold green")
        else:
            head.append("FAIL", style="bold red")
        head.append(f" {r.display}", style="bold")
        head.append(f" ({r.assessment.model.system.name})")
        parts = _headline_parts(r, threshold)
        head.append(" — " + ", ".join(parts) + f"; open risk {r.assessment.open_risk}")
        console.print(head)
        for item in (*r.failures, *r.warnings):
            line = Text("  ")
            line.append(f"{item.span}: ")
            line.append(
                f"{item.severity:<8}",
                style=SEVERITY_STYLE.get(item.severity, "yellow" if item.severity == "warning" else "bold red"),
            )
            line.append(f" {item.id}", style="bold")
            line.append(f"  {item.text}")
            if item.kind == "finding":
                line.append(f" ({item.note})", style="dim")
            console.print(line)
        rules: dict[str, Item] = {}
        for item in (*r.failures, *r.warnings):
            if item.violation is not None:
                rules.setdefault(item.violation.rule, item)
        for rule_id, item in sorted(rules.items()):
            console.print(Text(f"  rule {rule_id}: ", style="bold") + Text(item.note))
        for fid, span in r.stale:
            console.print(
                Text(f"  {span}: ")
                + Text("warning ", style="yellow")
                + Text(
                    f" TM201 triage entry '{fid}' matches no finding (renamed element or threat? see `threatmodel migrate`)"
                )
            )
        for fid, span in r.lapsed:
            console.print(
                Text(f"  {span}: ")
                + Text("warning ", style="yellow")
                + Text(f" TM202 triage of '{fid}' lapsed; the finding is open again")
            )
        if r.suppressed:
            n = len(r.suppressed)
            console.print(
                Text(
                    f"  {n} suppressed by the baseline (pre-existing, not worse)",
                    style="dim",
                )
            )
    failed = sum(1 for r in results if not r.passed)
    total = len(results) + invalid
    summary = Text()
    if invalid:
        summary.append(
            f"{invalid} of {total} model{'s' if total != 1 else ''} could not be checked (see errors above); ",
            style="bold red",
        )
    if failed:
        summary.append(
            f"Gate failed: {failed} of {total} model{'s' if total != 1 else ''} (--fail-on {threshold.value})",
            style="bold red",
        )
    elif not invalid:
        summary.append(
            f"Gate passed: {total} model{'s' if total != 1 else ''}, nothing open at or above {threshold.value}",
            style="bold green",
        )
    suppressed = sum(len(r.suppressed) for r in results)
    if suppressed:
        summary.append(f"; {suppressed} suppressed by the baseline")
    if summary.plain:
        console.print(summary)


def render_check_sarif(
    results: Sequence[ModelResult],
    cset: Any,
    *,
    threshold: Severity,
    tool_version: str,
    policy_rules: dict[str, str],
    baseline: str | None,
) -> str:
    """One SARIF 2.1.0 log with a run per model: its findings (as ``report --format sarif``
    shows them) plus its policy violations, baseline-suppressed results marked as suppressed."""
    from threatmodel.export.sarif import SarifExtra, render_sarif
    from threatmodel.render import artifact_uri

    runs: list[Any] = []
    for r in results:
        loaded = r.loaded

        def locate(element: str, loaded: LoadedModel = loaded) -> tuple[int, int]:
            span = locate_element(loaded, element)
            return span.line, span.column

        def artifact_of(element: str, loaded: LoadedModel = loaded) -> str:
            return artifact_uri(locate_element(loaded, element).path)

        extras = [
            SarifExtra(
                rule_id=f"policy:{v.rule}",
                rule_name=v.rule,
                rule_description=policy_rules.get(v.rule, v.message),
                level="error" if v.is_error else "warning",
                message=f"{v.detail}. {v.message}",
                key=v.id,
                element=f"{TRIAGE_ELEMENT}{v.finding}" if v.loc and v.loc[0] == "triage" and v.finding else v.element,
                tags=("policy",),
                properties={"violationId": v.id, "rule": v.rule, "element": v.element},
            )
            for v in r.violations
        ]
        text = render_sarif(
            r.assessment,
            cset,
            tool_version=tool_version,
            model_uri=artifact_uri(loaded.path),
            locate=locate,
            artifact_of=artifact_of,
            extra_results=extras,
        )
        run = json.loads(text)["runs"][0]
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
        runs.append(run)
    from threatmodel.export.sarif import SARIF_SCHEMA

    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}, indent=2, ensure_ascii=False) + "\n"


def _headline_parts(r: ModelResult, threshold: Severity) -> list[str]:
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


def render_check_markdown(results: Sequence[ModelResult], *, threshold: Severity, invalid: int = 0) -> str:
    """The gate's summary as GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY``.

    Everything a model, a policy or a path says goes through :func:`md_text` or
    :func:`md_code`: a hostile name cannot add a heading, a link, an image, HTML or a table
    row, and cannot make a ``FAIL`` read as ``PASS``.
    """
    from threatmodel.export.common import md_code, md_text

    out: list[str] = []
    for r in results:
        verdict = "PASS" if r.passed else "FAIL"
        out.append(f"### {verdict} {md_code(r.display)} ({md_text(r.assessment.model.system.name)})")
        out.append("")
        out.append(md_text("; ".join(_headline_parts(r, threshold)) + f"; open risk {r.assessment.open_risk}"))
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
            f"- {md_code(str(span))}: warning TM201 triage entry {md_code(fid)} matches no finding"
            for fid, span in r.stale
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
    suppressed = sum(len(r.suppressed) for r in results)
    if suppressed:
        summary.append(f"{suppressed} suppressed by the baseline")
    out.append(f"**{md_text('; '.join(summary))}**")
    return "\n".join(out) + "\n"

"""The terminal summary of ``threatmodel check`` (Rich); the gate is ``threatmodel.engine.gate``,
its file outputs ``threatmodel.export.check``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from threatmodel.engine.gate import Item, ModelResult
from threatmodel.export.check import headline_parts
from threatmodel.model.base import Severity


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
        parts = headline_parts(r, threshold)
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

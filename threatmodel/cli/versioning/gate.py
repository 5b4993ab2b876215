"""The terminal summary of ``threatmodel check`` (Rich); the gate is ``threatmodel.engine.gate``,
its file outputs ``threatmodel.export.check``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from threatmodel.engine.gate import Item, ModelResult
from threatmodel.export.check import CheckedModel, headline_parts
from threatmodel.model.base import Severity
from threatmodel.textsafe import has_unsafe

Line = list[tuple[str, str]]
"""One terminal line as (text, style) pieces: plain data, so a worker process can send it back."""


def model_check_lines(r: ModelResult, threshold: Severity) -> list[Line]:
    """One model's lines of the terminal summary: what failed, why and where."""
    from threatmodel.cli.versioning.render import SEVERITY_STYLE

    lines: list[Line] = []
    head: Line = [("ok  ", "bold green") if r.passed else ("FAIL", "bold red")]
    head.append((f" {r.display}", "bold"))
    head.append((f" ({r.assessment.model.system.name})", ""))
    parts = headline_parts(r, threshold)
    head.append((" — " + ", ".join(parts) + f"; open risk {r.assessment.open_risk}", ""))
    lines.append(head)
    for item in (*r.failures, *r.warnings):
        style = SEVERITY_STYLE.get(item.severity, "yellow" if item.severity == "warning" else "bold red")
        line: Line = [("  ", ""), (f"{item.span}: ", ""), (f"{item.severity:<8}", style)]
        line.append((f" {item.id}", "bold"))
        line.append((f"  {item.text}", ""))
        if item.kind == "finding":
            line.append((f" ({item.note})", "dim"))
        lines.append(line)
    rules: dict[str, Item] = {}
    for item in (*r.failures, *r.warnings):
        if item.violation is not None:
            rules.setdefault(item.violation.rule, item)
    for rule_id, item in sorted(rules.items()):
        lines.append([(f"  rule {rule_id}: ", "bold"), (item.note, "")])
    for fid, span in r.stale:
        lines.append(
            [
                (f"  {span}: ", ""),
                ("warning ", "yellow"),
                (
                    f" TM201 triage entry '{fid}' matches no finding (renamed element or threat? see `threatmodel migrate`)",
                    "",
                ),
            ]
        )
    for fid, span in r.lapsed:
        lines.append(
            [
                (f"  {span}: ", ""),
                ("warning ", "yellow"),
                (f" TM202 triage of '{fid}' lapsed; the finding is open again", ""),
            ]
        )
    if r.suppressed:
        n = len(r.suppressed)
        lines.append([(f"  {n} suppressed by the baseline (pre-existing, not worse)", "dim")])
    return lines


def _draws_plain(console: Any) -> bool:
    """Whether ``console`` prints a Text's characters as they are: no colour or style codes
    and no wrapping (soft wrap), so its lines need not go through Rich."""
    return console.color_system is None and bool(console.soft_wrap) and not console.record and not console.quiet


def print_check(console: Any, results: Sequence[CheckedModel], *, threshold: Severity, invalid: int = 0) -> None:
    """The concise terminal summary; each result's section is its :func:`model_check_lines`."""
    from rich.text import Text

    plain = _draws_plain(console)
    for r in results:
        if not r.section:
            continue
        if plain:
            # Rich would draw these lines unchanged (no colour, no wrapping), one segment at a time:
            # at 10k components that was 0.35 s of `check` for 7,000 lines.
            lines = ["".join(piece for piece, _ in line) for line in r.section]
            if not has_unsafe("".join(lines)):
                # Rich expands tabs and drops some control characters before the console escapes
                # the rest: a section with any of them is left to Rich, so the output is the same
                console.file.write("\n".join(lines) + "\n")
                continue
        # one print per model, not per line: Rich's fixed cost per print was most of a large model's summary
        body = Text()
        for i, line in enumerate(r.section):
            if i:
                body.append("\n")
            for text, style in line:
                body.append(text, style or None)
        console.print(body)
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
    suppressed = sum(r.suppressed for r in results)
    if suppressed:
        summary.append(f"; {suppressed} suppressed by the baseline")
    if summary.plain:
        console.print(summary)

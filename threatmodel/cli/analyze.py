"""``analyze``: the readable summary, or the JSON contract."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatmodel import __version__
from threatmodel.cli.common import (
    Session,
    analysis_of,
    as_of_option,
    catalog_option,
    echo,
    handles_errors,
    parse_date,
    safe_console,
    write_output,
    write_rendered,
)
from threatmodel.model.levels import Severity

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from threatmodel.engine.analysis import Analysis
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.model.finding import Assessment, Finding

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


SUMMARY_ROWS = 40
"""Rows of each list the summary prints before it counts the rest (``--all`` prints them all)."""
WIDE_TABLE = 110
"""Terminal width from which the findings table also lists each finding's catalog references."""


@click.command()
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help=f"List every finding (not only the {SUMMARY_ROWS} worst open ones) and every diagnostic.",
)
@click.option(
    "--finding", "finding_id", metavar="ID", help="Explain one finding in full (why, scenario, score, controls)."
)
@click.option(
    "--why-not",
    "why_not_id",
    metavar="ID",
    help="Say which condition keeps THREAT@ELEMENT from applying (e.g. tm:model-inversion@fraud-model).",
)
@catalog_option
@as_of_option
@handles_errors
def analyze(
    model: Path,
    fmt: str,
    output: Path | None,
    show_all: bool,
    finding_id: str | None,
    why_not_id: str | None,
    catalog_paths: tuple[Path, ...],
    as_of: str | None,
) -> None:
    """Find, explain and score the threats of MODEL, and propose controls."""
    session = Session(catalog_paths, parse_date(as_of))
    analysis = analysis_of(model, session)
    assessment = analysis.assessment
    if why_not_id is not None:
        _print_why_not(analysis, why_not_id)
        return
    if finding_id is not None:
        finding = next((f for f in assessment.findings if f.id == finding_id), None)
        if finding is None:
            import difflib

            from threatmodel.errors import Problem, UsageError

            close = difflib.get_close_matches(finding_id, [f.id for f in assessment.findings], n=3, cutoff=0.4)
            raise UsageError(
                Problem(
                    f"no finding '{finding_id}' in {model}",
                    hint=f"did you mean: {', '.join(close)}" if close else "list ids with `threatmodel analyze --all`",
                )
            )
        print_finding(safe_console(), finding, analysis.catalogs)
        return
    if fmt == "json":
        from threatmodel.render import Options, render

        write_rendered(render("json", analysis, Options(tool_version=__version__)), output)
        return
    if output is not None:
        import io

        buffer = io.StringIO()
        print_summary(safe_console(file=buffer, width=120, color_system=None), assessment, show_all)
        write_output(buffer.getvalue(), output)
        return
    print_summary(safe_console(), assessment, show_all)


def _print_why_not(analysis: Analysis, finding: str) -> None:
    from threatmodel.engine.whynot import why_not
    from threatmodel.errors import Problem, UsageError

    try:
        answer = why_not(analysis, finding)
    except KeyError as exc:
        raise UsageError(
            Problem(str(exc.args[0]), hint="finding ids are THREAT@ELEMENT, e.g. tm:model-inversion@fraud-model")
        ) from None
    if answer.applies:
        shown = answer.raised_as or answer.finding
        grouped = f", as part of {shown} (one finding per root cause)" if answer.raised_as else ""
        echo(f"{answer.finding} applies{grouped}: see `threatmodel analyze MODEL --finding {shown}`")
        return
    echo(f"{answer.finding} does not apply:")
    for line in answer.reasons:
        echo(f"  {line}")


def print_summary(console: Console, a: Assessment, show_all: bool = False) -> None:
    """The human summary: posture, findings by severity, by component, top controls, diagnostics."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    m = a.model
    open_findings = [f for f in a.findings if f.status.is_open]
    by_sev = Counter(f.residual_severity for f in open_findings)
    header = Text()
    header.append(f"{m.system.name}", style="bold")
    header.append(f"  ({m.system.id}, {m.system.status.value})\n")
    header.append(
        f"{len(m.components)} components, {len(m.flows)} flows, {len(m.boundaries)} boundaries · "
        f"{len(a.findings)} findings, {len(open_findings)} open · open risk {a.open_risk}\n"
    )
    for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        header.append(f" {sev.value} {by_sev.get(sev, 0)} ", style=SEVERITY_STYLE[sev])
        header.append(" ")
    console.print(header)

    shown = a.findings if show_all else tuple(open_findings)
    hidden = 0 if show_all else max(0, len(shown) - SUMMARY_ROWS)
    # only the rows printed are ordered: the worst SUMMARY_ROWS (nsmallest is sorted()[:n])
    ordered = heapq.nsmallest(SUMMARY_ROWS, shown, key=_worst_first) if hidden else sorted(shown, key=_worst_first)
    if shown:
        title = "Findings" if show_all else "Open findings" + (f" (the {SUMMARY_ROWS} worst)" if hidden else "")
        # On a narrow terminal the threat's title gets the room: element ids fold at a quarter of
        # the width, and the catalog references (in every report) are left out below WIDE_TABLE.
        wide = console.width >= WIDE_TABLE
        table = Table(title=title, title_justify="left", expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("target", overflow="fold", max_width=max(16, console.width // 4))
        table.add_column("threat", min_width=24, ratio=2)
        table.add_column("status", no_wrap=True)
        if wide:
            table.add_column("refs", ratio=1)
        for f in ordered:
            threat = Text(f.title)
            if f.assumes:
                threat.append(" ?", style="bold yellow")
            row = [
                Text(f.residual_severity.value, style=SEVERITY_STYLE[f.residual_severity]),
                _target_cell(f),
                threat,
                Text(f.status.value),
            ]
            if wide:
                refs = ", ".join(r.split(":", 1)[1] for r in f.refs if not r.startswith(("stride:", "atlas:")))
                row.append(Text(refs, style="dim"))
            table.add_row(*row)
        console.print(table)
        if any(f.assumes for f in ordered):
            console.print(
                Text("? rests on unknown facts read in the threat's favour (see the open questions)", style="dim")
            )
        if hidden:
            console.print(
                Text(
                    f"… and {hidden} more open findings: --all lists every finding, "
                    "`threatmodel report` writes them all with their reasons",
                    style="dim",
                )
            )
            _print_by_threat(console, open_findings)
    else:
        console.print("No open findings.", style="green")

    per_target: Counter[str] = Counter()
    worst: dict[str, Severity] = {}
    for f in open_findings:
        for e in f.elements:
            per_target[e] += 1
            if e not in worst or f.residual_severity > worst[e]:
                worst[e] = f.residual_severity
    if per_target:
        by_comp = Table(title="By component", title_justify="left")
        by_comp.add_column("component")
        by_comp.add_column("open", justify="right")
        by_comp.add_column("worst")
        for target, count in heapq.nsmallest(
            15, per_target.items(), key=lambda kv: (-worst[kv[0]].rank, -kv[1], kv[0])
        ):
            by_comp.add_row(Text(target), str(count), Text(worst[target].value, style=SEVERITY_STYLE[worst[target]]))
        console.print(by_comp)

    if a.proposals:
        plan = Table(title="Top controls (most open risk removed first)", title_justify="left")
        plan.add_column("#", justify="right")
        plan.add_column("control")
        plan.add_column("closes", justify="right")
        plan.add_column("risk removed", justify="right")
        plan.add_column("NIST CSF")
        for i, p in enumerate(a.proposals[:8], 1):
            plan.add_row(
                str(i),
                f"{escape(p.title)}\n[dim]{escape(p.control)}[/dim]",
                str(len(p.closes)),
                str(p.risk_removed),
                ", ".join(n.value for n in p.nist_csf),
            )
        console.print(plan)

    from threatmodel.engine.questions import open_questions

    asked = open_questions(a.findings)
    if asked:
        console.print(Text("Open questions (unknown facts findings rest on; most open risk first)", style="italic"))
        for q in asked[:5]:
            console.print(Text(f"  • {q.summary}"), highlight=False)
        if len(asked) > 5:
            console.print(Text(f"  … and {len(asked) - 5} more: threatmodel questions MODEL", style="dim"))

    print_diagnostics(console, a, limit=None if show_all else SUMMARY_ROWS)


def _worst_first(f: Finding) -> tuple[int, int, str]:
    """The summary's order: worst residual severity, then highest residual risk, then id."""
    return (-f.residual_severity.rank, -f.residual_risk, f.id)


def _target_cell(f: Finding) -> Text:
    """A finding's element (``+N`` for the rest of a group), then, dim, the elements its threat
    also affects (decision 1850)."""
    from rich.text import Text  # rich is imported only when a table is printed

    cell = Text(f.target + (f" +{len(f.affected) - 1}" if f.affected else ""))
    if f.also_affects:
        cell.append(f" (also {', '.join(f.also_affects)})", style="dim")
    return cell


def _print_by_threat(console: Console, open_findings: Sequence[Finding]) -> None:
    """Open findings counted per threat: what a large model's summary shows instead of every row."""
    from rich.table import Table
    from rich.text import Text

    count = Counter(f.threat for f in open_findings)
    worst: dict[str, Finding] = {}
    for f in open_findings:
        best = worst.get(f.threat)
        if best is None or (f.residual_severity, f.residual_risk) > (best.residual_severity, best.residual_risk):
            worst[f.threat] = f
    table = Table(title="Open findings by threat", title_justify="left")
    table.add_column("threat")
    table.add_column("open", justify="right")
    table.add_column("worst")
    rows = sorted(count, key=lambda t: (-worst[t].residual_severity.rank, -count[t], t))
    for threat in rows[:SUMMARY_ROWS]:
        sev = worst[threat].residual_severity
        table.add_row(Text(worst[threat].title), str(count[threat]), Text(sev.value, style=SEVERITY_STYLE[sev]))
    console.print(table)


def print_diagnostics(console: Console, a: Assessment, *, limit: int | None = None) -> None:
    """The diagnostics, warnings first: the same list JSON, the reports and the TUI show; with
    ``limit``, the first ``limit`` and a count per code of the rest."""
    from rich.markup import escape

    if not a.diagnostics:
        return
    console.print(f"\n[bold]Diagnostics ({len(a.diagnostics)})[/bold]")
    ordered = sorted(a.diagnostics, key=lambda d: (d.severity != "warning", d.code, d.element or ""))
    rest = ordered[limit:] if limit is not None else []
    for d in ordered[:limit]:
        style = "yellow" if d.severity == "warning" else "dim"
        where = f" [dim]({escape(d.element)})[/dim]" if d.element else ""
        console.print(
            f"  [{style}]{d.severity:<7}[/{style}] {escape(d.code)}: {escape(d.message)}{where}", highlight=False
        )
    if rest:
        by_code = Counter(d.code for d in rest)
        counts = ", ".join(f"{code} × {n}" for code, n in sorted(by_code.items()))
        console.print(f"  [dim]… and {len(rest)} more ({escape(counts)}): --all lists every one[/dim]", highlight=False)


def print_finding(console: Console, f: Finding, cset: CatalogSet) -> None:
    """One finding in full: what, why, how an attack goes, the score, what to do, references."""
    from rich.markup import escape as e
    from rich.text import Text

    head = Text()
    head.append(f"{f.title}", style="bold")
    head.append(f"  on {f.target_name} ({f.target})\n")
    head.append(f"{f.id}\n", style="dim")
    head.append(f" {f.residual_severity.value} ", style=SEVERITY_STYLE[f.residual_severity])
    head.append(f"  status {f.status.value}  ·  risk {f.risk} → residual {f.residual_risk}")
    console.print(head)
    console.print(f"\n{e(f.summary)}", highlight=False)
    if f.affected:
        console.print("\n[bold]Root cause[/bold] (one finding for every element it affects)")
        console.print(f"  {e(f.root_cause)}", highlight=False)
        console.print(Text(f"  affects: {', '.join(f.affected)}"), highlight=False)
    console.print("\n[bold]Why it applies[/bold]")
    for fact in f.why:
        console.print(f"  • {e(fact)}", highlight=False)
    if len(f.paths) > 1:
        console.print("\n[bold]Every untrusted path[/bold] (one per source, shortest first)")
        for route in f.paths:
            console.print(Text("  " + " → ".join(route)), highlight=False)
    if f.assumes:
        console.print("\n[bold]Assumes[/bold] (unknown facts read in the threat's favour)")
        for assumption in f.assumes:
            console.print(Text(f"  ? {assumption.question}"), highlight=False)
    console.print("\n[bold]Attack scenario[/bold]")
    console.print(f"  {e(f.scenario)}", highlight=False)
    console.print("\n[bold]Score[/bold]")
    for factor in f.factors:
        sign = "" if factor.reason.startswith("base") else ("+" if factor.delta > 0 else "")
        console.print(f"  {factor.axis:<10} {sign}{factor.delta:<3} {e(factor.reason)}", highlight=False)
    console.print(
        f"  = likelihood {f.likelihood} × impact {f.impact} = {f.risk} ({f.severity.value}); "
        f"residual likelihood {f.residual_likelihood} → {f.residual_risk} ({f.residual_severity.value})",
        highlight=False,
    )
    console.print("\n[bold]Controls[/bold]")
    for control in f.controls:
        mark = "✓" if control in f.implemented_controls else "·"
        console.print(f"  {mark} {e(cset.title_of(control))} [dim]{e(control)}[/dim]", highlight=False)
    if f.triage is not None:
        t = f.triage
        lapsed = " (lapsed)" if f.triage_expired else ""
        if f.triage_key is not None:
            lapsed += f" (recorded under {e(f.triage_key)})"
        console.print(
            f"\n[bold]Triage[/bold]{lapsed}: {t.status.value} by {e(t.owner or '?')}: {e(t.justification)}",
            highlight=False,
        )
    console.print("\n[bold]References[/bold]")
    for ref in f.refs:
        url = cset.url_of(ref) or ""
        console.print(f"  {e(ref)}  {e(cset.title_of(ref))}  [dim]{e(url)}[/dim]", highlight=False)
    console.print(f"\n[dim]lifecycle: {', '.join(s.value for s in f.lifecycle)}[/dim]")

"""How ``diff`` draws a :class:`~threatmodel.engine.diff.ModelDiff` in a terminal (Rich); the
Markdown and JSON forms and the shared phrases are ``threatmodel.export.diff``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from threatmodel.engine.diff import FindingChange, ModelDiff
from threatmodel.export.diff import (
    SECTION_TITLES,
    attention_notes,
    element_detail,
    moved_phrase,
    state,
    transition,
    triage_detail,
)

# ---------------------------------------------------------------------------
# Terminal


SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def print_diff(console: Any, d: ModelDiff, *, old_label: str, new_label: str, as_of: str) -> None:
    """The diff for a terminal (rich): headline, counts, then each kind of change."""
    from rich.table import Table
    from rich.text import Text

    style = {"Risk increased": "bold red", "Risk decreased": "bold green"}.get(d.verdict, "bold")
    head = Text()
    head.append(f"{d.new_system[1]}", style="bold")
    head.append(f"  {old_label} → {new_label} · as of {as_of}\n")
    head.append(d.verdict + ". ", style=style)
    head.append(d.headline)
    console.print(head)
    if d.is_empty:
        console.print("No changes to the model, its findings or its triage.")
        return
    r = d.risk
    counts = Table(box=None, padding=(0, 2), show_edge=False)
    counts.add_column("open")
    for s in r.old_open:
        counts.add_column(s.value, justify="right")
    counts.add_column("open risk", justify="right")
    counts.add_row("before", *(str(n) for n in r.old_open.values()), str(r.old_open_risk))
    counts.add_row("after", *(str(n) for n in r.new_open.values()), str(r.new_open_risk))
    console.print(counts)

    def findings_table(title: str, rows: Sequence[FindingChange], detail: Any) -> None:
        if not rows:
            return
        table = Table(title=f"{title} ({len(rows)})", title_justify="left", expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("finding", overflow="fold")
        table.add_column("details")
        for f in rows:
            sev = f.current.residual_severity.value
            table.add_row(Text(sev, style=SEVERITY_STYLE[sev]), Text(f"{f.title}\n{f.id}"), Text(detail(f)))
        console.print(table)

    findings_table("New findings", d.findings_by("new"), state)
    findings_table("Re-scored or changed status", d.findings_by("changed"), lambda f: "\n".join(transition(f)))
    findings_table(
        "Moved with a rename or a regrouping by root cause",
        d.findings_by("moved"),
        lambda f: f"{moved_phrase(f)}\n" + ("\n".join(transition(f)) or f"unchanged ({f.current.status.value})"),
    )
    findings_table("Resolved findings", d.findings_by("resolved"), lambda f: f"was {state(f)}")
    if d.triage:
        table = Table(title=f"Triage changes ({len(d.triage)})", title_justify="left")
        table.add_column("finding")
        table.add_column("change", no_wrap=True)
        table.add_column("details")
        for t in d.triage:
            table.add_row(Text(t.finding), t.change, Text(triage_detail(t)))
        console.print(table)
    if d.elements:
        table = Table(title=f"Model changes ({len(d.elements)})", title_justify="left")
        table.add_column("section", no_wrap=True)
        table.add_column("element")
        table.add_column("change", no_wrap=True)
        table.add_column("details")
        for e in d.elements:
            table.add_row(SECTION_TITLES[e.section], Text(e.id), e.change, Text(element_detail(e, "\n")))
        console.print(table)
    for note in attention_notes(d):
        console.print(Text("note: ", style="yellow") + Text(note))

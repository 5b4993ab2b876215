"""``questions``: the facts a model leaves unknown, ranked by the open risk their answers decide."""

from __future__ import annotations

import json
from pathlib import Path

import click

from threatmodel.cli.common import (
    Session,
    analysis_of,
    as_of_option,
    catalog_option,
    echo,
    handles_errors,
    parse_date,
)


@click.command()
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the first N questions.")
@catalog_option
@as_of_option
@handles_errors
def questions(model: Path, fmt: str, limit: int | None, catalog_paths: tuple[Path, ...], as_of: str | None) -> None:
    """List the unknown facts of MODEL that findings rest on, most open risk first.

    Each line is what to state in the model, and what it decides: the findings that rest on it
    and the open risk they carry. Answer the first few and re-run `analyze`.
    """
    from threatmodel.engine.questions import open_questions

    session = Session(catalog_paths, parse_date(as_of))
    analysis = analysis_of(model, session)
    found = open_questions(analysis.assessment.findings)[:limit]
    # unstated facts that stated ones answer (decision 1720): not asked, but shown with their reason
    settled = list(analysis.graph.settled.values())
    if fmt == "json":
        items = [q.model_dump(mode="json") for q in found]
        answered = [
            {"element": s.element, "attribute": s.attribute, "value": s.value, "because": s.because} for s in settled
        ]
        echo(json.dumps({"questions": items, "settled": answered}, indent=2, ensure_ascii=False))
        return
    if not found:
        echo("No open questions: no finding rests on an unknown fact.")
    for i, q in enumerate(found, 1):
        echo(f"{i:>3}. {q.summary}  [{q.element}.{q.attribute}]")
    if settled:
        echo("")
        echo("Settled by stated facts (not asked):")
        for s in settled:
            echo(f"  - {s.summary}")

"""``catalogs list | show | search``."""

from __future__ import annotations

from pathlib import Path

import click

from threatmodel.cli.common import catalog_option, echo, handles_errors
from threatmodel.errors import Problem, UsageError


@click.group()
def catalogs() -> None:
    """Browse the threat catalogs: list them, show an entry, search."""


@catalogs.command("list")
@catalog_option
@handles_errors
def list_(catalog_paths: tuple[Path, ...]) -> None:
    """List loaded catalogs with their versions and sizes."""
    from threatmodel.io.load import load_catalogs

    loaded = load_catalogs(catalog_paths).catalogs
    width = max((len(c.id) for c in loaded), default=0)
    for c in loaded:
        counts = []
        if c.threats:
            counts.append(f"{len(c.threats)} threats")
        if c.entries:
            counts.append(f"{len(c.entries)} entries")
        if c.controls:
            counts.append(f"{len(c.controls)} controls")
        echo(f"{c.id:<{width}} {c.version:<8} {c.title} ({', '.join(counts)})")


@catalogs.command()
@click.argument("reference")
@catalog_option
@handles_errors
def show(reference: str, catalog_paths: tuple[Path, ...]) -> None:
    """Show a catalog (ID) or one of its items (CATALOG:ID), with cross-references."""
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.io.load import load_catalogs

    cset = CatalogSet(load_catalogs(catalog_paths).catalogs)
    if reference in cset.by_id:
        c = cset.by_id[reference]
        echo(f"{c.title} — {c.id} {c.version} (published {c.published.isoformat()})\n{c.source}\n{c.licence}\n")
        for e in c.entries:
            echo(f"  {c.id}:{e.id:<24} {e.title}")
        for k in c.controls:
            echo(f"  {c.id}:{k.id:<24} {k.title} (control)")
        for t in c.threats:
            echo(f"  {c.id}:{t.id:<24} {t.title} (threat)")
        return
    item = cset.entries.get(reference) or cset.controls.get(reference) or cset.threats.get(reference)
    if item is None:
        import difflib

        pool = sorted(set(cset.entries) | set(cset.controls) | set(cset.threats) | set(cset.by_id))
        close = difflib.get_close_matches(reference, pool, n=3)
        raise UsageError(
            Problem(
                f"no catalog item '{reference}'",
                hint=f"did you mean: {', '.join(close)}" if close else "try `threatmodel catalogs search TEXT`",
            )
        )
    echo(f"{reference}: {item.title}")
    summary = getattr(item, "summary", "")
    if summary:
        echo(f"\n{summary}")
    url = cset.url_of(reference)
    if url:
        echo(f"\n{url}")
    refs = getattr(item, "refs", ())
    if refs:
        echo("\nrefers to:")
        for r in refs:
            echo(f"  {r}  {cset.title_of(r)}")
    referring = sorted(
        key
        for key, other in (*cset.entries.items(), *cset.controls.items(), *cset.threats.items())
        if reference in getattr(other, "refs", ()) or reference in getattr(other, "controls", ())
    )
    if referring:
        echo("\nreferred to by:")
        for r in referring:
            echo(f"  {r}  {cset.title_of(r)}")


@catalogs.command()
@click.argument("text")
@catalog_option
@handles_errors
def search(text: str, catalog_paths: tuple[Path, ...]) -> None:
    """Find catalog items whose id, title or summary contains TEXT (case-insensitive)."""
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.io.load import load_catalogs

    cset = CatalogSet(load_catalogs(catalog_paths).catalogs)
    needle = text.lower()
    hits = 0
    items: list[tuple[str, str, str]] = sorted(
        [(key, e.title, e.summary) for key, e in cset.entries.items()]
        + [(key, c.title, c.summary) for key, c in cset.controls.items()]
        + [(key, t.title, t.summary) for key, t in cset.threats.items()]
    )
    for key, title, summary in items:
        if needle in f"{key} {title} {summary}".lower():
            echo(f"{key:<40} {title}")
            hits += 1
    if not hits:
        echo(f"no catalog item matches '{text}'", err=True)

"""``catalogs list | show | search``."""

from __future__ import annotations

import re
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
    referring = cset.referrers.get(reference, ())
    if referring:
        echo("\nreferred to by:")
        for r in referring:
            echo(f"  {r}  {cset.title_of(r)}")


@catalogs.command()
@click.argument("text")
@catalog_option
@handles_errors
def search(text: str, catalog_paths: tuple[Path, ...]) -> None:
    """Find catalog items with the words of TEXT in their id, title or summary.

    Words match whole words ("rate" finds "rate limit", not "generate"); an exact id comes
    first, then items whose title has the words, then those that match only in the summary.
    """
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.io.load import load_catalogs

    cset = CatalogSet(load_catalogs(catalog_paths).catalogs)
    items: list[tuple[str, str, str]] = sorted(
        [(key, e.title, e.summary) for key, e in cset.entries.items()]
        + [(key, c.title, c.summary) for key, c in cset.controls.items()]
        + [(key, t.title, t.summary) for key, t in cset.threats.items()]
    )
    ranked = sorted(
        (rank, key, title)
        for key, title, summary in items
        if (rank := search_rank(text, key, title, summary)) is not None
    )
    for _, key, title in ranked:
        echo(f"{key:<40} {title}")
    hits = len(ranked)
    if not hits:
        echo(f"no catalog item matches '{text}'", err=True)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _has_words(needle: list[str], text: str) -> bool:
    """True when the words of `needle` appear in `text` as consecutive whole words."""
    hay = _words(text)
    n = len(needle)
    return any(hay[i : i + n] == needle for i in range(len(hay) - n + 1))


def search_rank(text: str, key: str, title: str, summary: str) -> int | None:
    """0 exact id (or the id after its catalog prefix), 1 id or title words, 2 summary words;
    None when the item does not match."""
    query = text.strip().lower()
    needle = _words(query)
    if not needle:
        return None
    low_key = key.lower()
    if query == low_key or query == low_key.split(":", 1)[-1] or query == title.strip().lower():
        return 0
    if _has_words(needle, key) or _has_words(needle, title):
        return 1
    if _has_words(needle, summary):
        return 2
    return None

"""Shared helpers for the scripts that generate reference catalogs.

The generators (``import_atlas.py``, ``import_cosai.py``) build a validated
:class:`threatmodel.model.catalog.Catalog` and write it with :func:`render`, which
is deterministic: the same input always gives byte-identical YAML.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
CATALOG_DIR = REPO_ROOT / "catalogs"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from threatmodel.model.catalog import Catalog  # noqa: E402

__all__ = ["CATALOG_DIR", "DEFAULT_REFERENCE", "REPO_ROOT", "Catalog", "load_yaml", "main", "render"]


def load_yaml(path: Path) -> Any:
    """Read one YAML file with the safe loader."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render(catalog: Catalog, header: str) -> str:
    """The catalog as YAML, preceded by ``header`` (comment lines), in a stable layout.

    Fields equal to their defaults are left out, except ``schema_version``, which is
    always written first so a reader knows the format.
    """
    data: dict[str, Any] = {"schema_version": catalog.schema_version}
    data.update(catalog.model_dump(mode="json", exclude_defaults=True, by_alias=True))
    data["published"] = catalog.published  # a YAML date, not a quoted string
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    return "\n".join(lines) + "\n" + body


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(
    description: str,
    output: Path,
    build: Callable[[Path], str],
    argv: list[str] | None = None,
) -> int:
    """Command-line driver shared by the generators.

    ``build`` takes the reference directory and returns the file text. With
    ``--check`` nothing is written and the exit status is 1 when the committed file
    differs from what would be generated.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help=f"folder holding the upstream reference data (default: {DEFAULT_REFERENCE})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the committed file differs from the generated one",
    )
    args = parser.parse_args(argv)
    reference: Path = args.reference
    if not reference.is_dir():
        print(f"error: reference folder {reference} not found", file=sys.stderr)
        return 2
    try:
        text = build(reference)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current == text:
            print(f"{_shown(output)} is up to date")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{output.name} (committed)",
            tofile=f"{output.name} (generated)",
            n=1,
        )
        sys.stdout.writelines(list(diff)[:200])
        print(f"\n{_shown(output)} is stale: run {Path(sys.argv[0]).name} to regenerate")
        return 1
    output.write_text(text, encoding="utf-8")
    print(f"wrote {_shown(output)}")
    return 0

#!/usr/bin/env python3
"""Vendor the facts of the upstream reference data that the tests need into ``tests/data/reference``.

The catalog generators (``import_atlas.py``, ``import_cosai.py``) read the CoSAI Risk Map and
MITRE ATLAS from ``../shared/reference``, which sits beside a checkout in our sessions and CI
but not in a user's clone. The tests that check the generated catalogs must run everywhere, so
this script copies only the *facts* the generators read (ids, titles, categories, vocabularies,
dates, links between items, mappings) into ``tests/data/reference/`` and leaves every prose
field out. Both sources are Apache-2.0; the copies keep their licence and notice files.

The test that catalog summaries are our own words needs the upstream prose, which we do not
vendor: instead ``prose-runs.txt`` holds a truncated BLAKE2b digest of every run of eight
consecutive words of that prose (the same normalisation as the test), enough to detect a copy
and useless for reading the text back.

Usage: ``python scripts/vendor_reference.py [--reference DIR] [--check]``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
VENDORED = REPO_ROOT / "tests" / "data" / "reference"

COSAI_FILES = (
    "risks.yaml",
    "controls.yaml",
    "components.yaml",
    "personas.yaml",
    "lifecycle-stage.yaml",
    "impact-type.yaml",
    "actor-access.yaml",
)
LEGAL_FILES = (
    ("cosai-risk-map", "LICENSE.md"),
    ("cosai-risk-map", "NOTICE.md"),
    ("atlas", "LICENSE"),
    ("atlas", "NOTICE.md"),
)

PROSE_KEYS = frozenset(
    {
        "description",
        "shortDescription",
        "longDescription",
        "examples",
        "tourContent",
        "responsibilities",
        "identificationQuestions",
        "use",
        "externalReferences",
        "references",
    }
)
"""Keys whose values are upstream prose (or citations of it): never vendored."""

DROPPED_TOP_LEVEL = frozenset({"case-studies"})
"""ATLAS case studies are narrative; the generators do not read them."""

RUN = 8
"""Words in one run; must equal ``RUN`` in tests/catalogs/test_reference_catalogs.py."""
DIGEST_BYTES = 8


def strip_prose(value: Any) -> Any:
    """``value`` with every prose key removed at any depth (ids, titles and links stay)."""
    if isinstance(value, dict):
        return {k: strip_prose(v) for k, v in value.items() if k not in PROSE_KEYS and k not in DROPPED_TOP_LEVEL}
    if isinstance(value, list):
        return [strip_prose(v) for v in value]
    return value


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (lower case, apostrophes dropped)."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def run_digest(run: tuple[str, ...]) -> str:
    """The truncated digest that stands for one run of words."""
    return hashlib.blake2b(" ".join(run).encode(), digest_size=DIGEST_BYTES).hexdigest()


def runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + n]) for i in range(len(found) - n + 1)}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def upstream_prose(reference: Path) -> Iterator[str]:
    """The prose of the OWASP AI Exchange pages, the CoSAI Risk Map and ATLAS (what our summaries must not copy)."""
    for page in sorted((reference / "owasp-ai-exchange").glob("[0-9]_*.md")):
        yield page.read_text(encoding="utf-8")
    cosai = reference / "cosai-risk-map" / "yaml"
    prose_fields = {
        "risks.yaml": ("risks", ("shortDescription", "longDescription", "examples", "tourContent")),
        "controls.yaml": ("controls", ("description",)),
        "components.yaml": ("components", ("description",)),
        "personas.yaml": ("personas", ("description", "responsibilities", "identificationQuestions")),
    }
    for file, (key, fields) in prose_fields.items():
        data = yaml.safe_load((cosai / file).read_text(encoding="utf-8"))
        for item in data[key]:
            for field in fields:
                yield from _strings(item.get(field))
    atlas = yaml.safe_load((reference / "atlas" / "ATLAS.yaml").read_text(encoding="utf-8"))
    for matrix in atlas["matrices"]:
        for key in ("tactics", "techniques", "mitigations"):
            for item in matrix[key]:
                yield from _strings(item.get("description"))
                for link in item.get("techniques") or []:
                    if isinstance(link, dict):
                        yield from _strings(link.get("use"))


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


HEADER = (
    "# Facts only (ids, titles, categories, links, mappings, dates) of {source}, vendored by\n"
    "# scripts/vendor_reference.py for the catalog tests; every prose field is left out.\n"
    "# Licence: Apache-2.0, see LICENSE/NOTICE beside this file. Do not edit by hand.\n"
)


def build(reference: Path, out: Path) -> None:
    """Write the vendored tree for ``reference`` into ``out`` (which must be empty or absent)."""
    out.mkdir(parents=True, exist_ok=True)
    cosai_out = out / "cosai-risk-map" / "yaml"
    cosai_out.mkdir(parents=True, exist_ok=True)
    for file in COSAI_FILES:
        data = yaml.safe_load((reference / "cosai-risk-map" / "yaml" / file).read_text(encoding="utf-8"))
        text = HEADER.format(source=f"the CoSAI Risk Map ({file})") + _dump(strip_prose(data))
        (cosai_out / file).write_text(text, encoding="utf-8")
    (out / "atlas").mkdir(exist_ok=True)
    atlas = yaml.safe_load((reference / "atlas" / "ATLAS.yaml").read_text(encoding="utf-8"))
    text = HEADER.format(source="MITRE ATLAS (ATLAS.yaml)") + _dump(strip_prose(atlas))
    (out / "atlas" / "ATLAS.yaml").write_text(text, encoding="utf-8")
    for folder, name in LEGAL_FILES:
        shutil.copyfile(reference / folder / name, out / folder / name)
    digests: set[str] = set()
    for text in upstream_prose(reference):
        digests |= {run_digest(run) for run in runs(text)}
    lines = [
        f"# BLAKE2b-{DIGEST_BYTES * 8} digests of every {RUN}-word run of the AI Exchange, CoSAI and ATLAS prose",
        "# (scripts/vendor_reference.py); used to check that catalog summaries are our own words.",
        *sorted(digests),
    ]
    (out / "prose-runs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--check", action="store_true", help="exit 1 if tests/data/reference is out of date")
    args = parser.parse_args(argv)
    if not args.reference.is_dir():
        print(f"reference data not found at {args.reference}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "reference"
        build(args.reference, fresh)
        if args.check:
            stale = _tree(fresh) != (_tree(VENDORED) if VENDORED.is_dir() else {})
            if stale:
                print("tests/data/reference is out of date: run scripts/vendor_reference.py", file=sys.stderr)
                return 1
            return 0
        if VENDORED.exists():
            shutil.rmtree(VENDORED)
        shutil.copytree(fresh, VENDORED)
    print(f"wrote {VENDORED.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

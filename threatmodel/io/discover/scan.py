"""Walk a repository and build its :class:`~threatmodel.model.inventory.Inventory`; never import
or run anything in it.

The walk is bounded (docs/discover.md, "Limits"): at most :data:`MAX_ENTRIES` directory entries
and :data:`MAX_DEPTH` folders deep, files over :data:`MAX_FILE_BYTES` and binary files are not
read, :data:`MAX_TOTAL_BYTES` in all. Symbolic links are never followed, so nothing outside the
tree is read. Folders and files are visited in sorted order and every list in the result is
sorted, so the inventory does not depend on the file system.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.discover.knowledge import Knowledge, McpConfig, ModelFileRule, load_knowledge
from threatmodel.io.discover.python import ModelPaths, scan_notebook, scan_python
from threatmodel.io.discover.sources import (
    Found,
    Unreadable,
    file_found,
    scan_config,
    scan_js,
    scan_mcp_config,
    scan_package_json,
    scan_pyproject,
    scan_requirements,
)
from threatmodel.model.inventory import Category, Evidence, EvidenceKind, Inventory, Item, Skipped

MAX_ENTRIES = 100_000
"""Most directory entries (files and folders) looked at."""
MAX_DEPTH = 40
"""Deepest folder entered, counted from the scanned root."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest file read; larger source files are listed as skipped (model files are never read)."""
MAX_TOTAL_BYTES = 128 * 1024 * 1024
"""Most bytes read in one scan."""
MAX_EVIDENCE_PER_FILE = 500
"""Most pieces of evidence kept from one file (a generated file can repeat an import forever)."""
MAX_ITEMS = 5_000
"""Most items in one inventory."""

PYTHON_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
CONFIG_SUFFIXES = (".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".properties", ".json")
LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "pipfile.lock",
    }
)


@dataclass(frozen=True)
class ScanOptions:
    """What to leave out of a scan."""

    excludes: tuple[str, ...] = ()
    """Folder or file names (or relative paths) never entered, on top of the defaults."""
    default_excludes: bool = True
    """Leave out version control, dependency, virtual environment, cache and build folders."""


@dataclass
class _Budget:
    entries: int = 0
    bytes: int = 0
    limits: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Role:
    """Which reader a file needs, with the knowledge entry that chose it."""

    reader: str
    mcp: McpConfig | None = None
    weights: ModelFileRule | None = None


def _role(rel: str, kb: Knowledge) -> _Role | None:
    """What reader a file needs, from its path alone (``None``: not read at all)."""
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    for config in kb.mcp_configs:
        if rel == config.path or rel.endswith("/" + config.path):
            return _Role("mcp", mcp=config)
    rule = kb.model_file(lower)
    if rule is not None:
        return _Role("model-file", weights=rule)
    if lower.endswith(PYTHON_SUFFIXES):
        return _Role("python")
    if lower.endswith(".ipynb"):
        return _Role("notebook")
    if lower.endswith(JS_SUFFIXES) and not lower.endswith((".min.js", ".d.ts")):
        return _Role("js")
    if (lower.startswith("requirements") and lower.endswith((".txt", ".in"))) or (
        "/requirements/" in f"/{rel}" and lower.endswith(".txt")
    ):
        return _Role("requirements")
    if lower == "pyproject.toml":
        return _Role("pyproject")
    if lower == "package.json":
        return _Role("package")
    if lower in LOCK_FILES:
        return None
    if lower.endswith(CONFIG_SUFFIXES) or lower == ".env" or lower.startswith(".env."):
        return _Role("config")
    return None


def _walk(
    root: Path, options: ScanOptions, kb: Knowledge, budget: _Budget, skipped: list[Skipped]
) -> Iterator[tuple[str, Path, os.stat_result]]:
    """(relative path, path, stat) of every regular file to consider, in sorted order."""
    names = set(options.excludes)
    if options.default_excludes:
        names |= kb.default_excludes
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    while stack:
        folder, rel_folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = []
                for entry in it:
                    budget.entries += 1
                    if budget.entries > MAX_ENTRIES:
                        budget.limits.add(f"stopped after {MAX_ENTRIES:,} directory entries")
                        break
                    entries.append(entry)
        except OSError as exc:
            skipped.append(Skipped(rel_folder or ".", f"cannot list the folder: {exc.strerror or exc}"))
            continue
        entries.sort(key=lambda e: e.name)
        subfolders: list[tuple[Path, str, int]] = []
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            if entry.name in names or rel in names:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.append(Skipped(rel, f"cannot read: {exc.strerror or exc}"))
                continue
            if stat.S_ISLNK(info.st_mode):
                skipped.append(Skipped(rel, "symbolic link, not followed"))
            elif stat.S_ISDIR(info.st_mode):
                if depth + 1 > MAX_DEPTH:
                    budget.limits.add(f"folders deeper than {MAX_DEPTH} levels were not entered")
                    continue
                subfolders.append((Path(entry.path), rel, depth + 1))
            elif stat.S_ISREG(info.st_mode):
                yield rel, Path(entry.path), info
        stack.extend(reversed(subfolders))
        if budget.entries > MAX_ENTRIES:
            return


def _read(path: Path, info: os.stat_result, budget: _Budget) -> bytes:
    if info.st_size > MAX_FILE_BYTES:
        raise Unreadable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, not read")
    if budget.bytes + info.st_size > MAX_TOTAL_BYTES:
        budget.limits.add(f"stopped reading after {MAX_TOTAL_BYTES // (1024 * 1024)} MiB")
        raise Unreadable("not read: the scan's byte budget was spent")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    budget.bytes += len(data)
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, not read")
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file")
    return data


def _looks_like_text(path: Path) -> bool:
    """True when the first 512 bytes of ``path`` are UTF-8 text without NUL bytes (a peek, not a read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the end of the peek is still text
    return True


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unreadable(f"not UTF-8 text (line {line})") from None


def scan_repository(root: Path, display: str | None = None, options: ScanOptions | None = None) -> Inventory:
    """The inventory of AI in the folder ``root``; a missing or unreadable root is a UsageError."""
    shown = display if display is not None else str(root)
    if not root.is_dir():
        raise UsageError(Problem(f"{shown} is not a folder", SourceSpan(shown), "give the repository's folder"))
    kb = load_knowledge()
    options = options or ScanOptions()
    budget = _Budget()
    skipped: list[Skipped] = []
    files = list(_walk(root, options, kb, budget, skipped))
    roles = {rel: _role(rel, kb) for rel, _, _ in files}
    model_paths = ModelPaths.of(rel for rel, role in roles.items() if role is not None and role.weights is not None)
    found: list[tuple[str, Found]] = []
    scanned = 0
    for rel, path, info in files:
        role = roles[rel]
        if role is None:
            continue
        scanned += 1
        notes: list[str] = []
        try:
            records = _scan_file(kb, role, rel, path, info, budget, model_paths, notes)
        except Unreadable as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        skipped.extend(Skipped(rel, note) for note in notes)
        if len(records) > MAX_EVIDENCE_PER_FILE:
            budget.limits.add(f"kept the first {MAX_EVIDENCE_PER_FILE} pieces of evidence of a file")
            records = sorted(records, key=lambda f: (f.line, f.column, f.item))[:MAX_EVIDENCE_PER_FILE]
        found.extend((rel, f) for f in records)
    items = assemble(found)
    if len(items) > MAX_ITEMS:
        budget.limits.add(f"kept the first {MAX_ITEMS:,} items")
        items = items[:MAX_ITEMS]
    return Inventory(
        root=shown,
        items=tuple(items),
        skipped=tuple(sorted(set(skipped))),
        files_scanned=scanned,
        limits=tuple(sorted(budget.limits)),
    )


def _scan_file(
    kb: Knowledge,
    role: _Role,
    rel: str,
    path: Path,
    info: os.stat_result,
    budget: _Budget,
    model_paths: ModelPaths,
    notes: list[str],
) -> list[Found]:
    what = role.reader
    if role.weights is not None:
        fmt = role.weights.format.value
        if role.weights.binary_only and _looks_like_text(path):
            return []
        return [file_found(rel, fmt, 1, 1, EvidenceKind.FILE, f"{fmt} weights file ({info.st_size:,} bytes)")]
    data = _read(path, info, budget)
    if what == "python":
        if not kb.python_may_matter(data) and rel.rsplit("/", 1)[-1] != "setup.py":
            return []
        return scan_python(kb, data, rel, model_paths)
    if what == "notebook":
        if not kb.python_may_matter(data):
            return []
        return scan_notebook(kb, _text(data), rel, model_paths, notes)
    text = _text(data)
    if what == "js":
        return scan_js(kb, text) if kb.js_may_matter(text) else []
    if what == "requirements":
        return scan_requirements(kb, text)
    if what == "pyproject":
        return scan_pyproject(kb, text)
    if what == "package":
        return scan_package_json(kb, text, rel)
    if role.mcp is not None:
        return scan_mcp_config(kb, text, rel, role.mcp.key, role.mcp.client)
    return scan_config(kb, text)


def assemble(found: Iterable[tuple[str, Found]]) -> list[Item]:
    """Items from evidence records: one item per id, its evidence de-duplicated and sorted,
    facts merged (a fact seen with different values keeps them all, sorted and joined)."""
    evidence: dict[str, set[Evidence]] = {}
    first: dict[str, Found] = {}
    terms: dict[str, dict[str, None]] = {}
    facts: dict[str, dict[str, set[str]]] = {}
    for rel, f in found:
        evidence.setdefault(f.item, set()).add(Evidence(rel, f.line, f.column, f.kind, f.detail))
        first.setdefault(f.item, f)
        terms.setdefault(f.item, {}).update(dict.fromkeys(f.terms))
        for key, value in f.facts:
            facts.setdefault(f.item, {}).setdefault(key, set()).add(value)
    items = []
    for item_id in sorted(evidence):
        f = first[item_id]
        merged = tuple(sorted((k, ", ".join(sorted(v))) for k, v in facts.get(item_id, {}).items()))
        items.append(
            Item(
                id=item_id,
                category=Category(f.category),
                name=f.name,
                evidence=tuple(sorted(evidence[item_id])),
                terms=tuple(sorted(terms[item_id])),
                facts=merged,
            )
        )
    return items

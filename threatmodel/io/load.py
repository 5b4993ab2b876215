"""Load model and catalog files into validated objects, or fail with located problems."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from threatmodel.errors import CatalogError, ModelError, Problem, SourceSpan
from threatmodel.io.builtin import builtin_catalog_files
from threatmodel.io.errors import MAX_PROBLEMS, problems_from_validation, sort_problems
from threatmodel.io.yaml_document import YamlDocument
from threatmodel.io.yaml_source import parse_yaml, read_text, read_yaml
from threatmodel.model.base import TrustLevel, collector_paused
from threatmodel.model.check import Issue, check_references
from threatmodel.model.keys import TRIAGE_ELEMENT
from threatmodel.model.system import System, SystemModel

if TYPE_CHECKING:  # imported where used: validating a model needs neither (start-up time)
    from threatmodel.engine.catalogs import CatalogSet
    from threatmodel.model.catalog import Catalog

LIST_SECTIONS = ("data", "boundaries", "components", "flows", "controls")
FRAGMENT_KEYS = frozenset({*LIST_SECTIONS, "triage", "includes"})
ROOT_ONLY = frozenset({"schema_version", "system", "settings"})
MAX_INCLUDE_FILES = 64
MAX_INCLUDE_DEPTH = 8
MAX_TOTAL_BYTES = 16 * 1024 * 1024
"""Most bytes a model may read across its root file and every include together, by default."""
TOTAL_BYTES_CEILING = 64 * 1024 * 1024
"""The highest that limit may be raised (``threatmodel --max-model-size``): about 70,000
real-shaped components, whose reports need up to about 4 GB of memory today. Each file stays under ``MAX_FILE_BYTES`` whatever the limit."""
TOTAL_LIMIT_HINT = (
    "a model and its includes together are limited in size; whoever runs threatmodel can raise the limit "
    "with `threatmodel --max-model-size 64MiB COMMAND ...` (up to 64 MiB; see docs/security.md)"
)

_total_bytes_limit = MAX_TOTAL_BYTES


def total_bytes_limit() -> int:
    """The byte limit in force for a model and its includes together."""
    return _total_bytes_limit


def set_total_bytes_limit(limit: int) -> None:
    """Set the limit for this process (the command line's ``--max-model-size``); never above
    :data:`TOTAL_BYTES_CEILING`. A model file cannot raise it: only whoever runs the command."""
    global _total_bytes_limit
    if not 0 < limit <= TOTAL_BYTES_CEILING:
        raise ValueError(f"the model size limit must be between 1 byte and {TOTAL_BYTES_CEILING:,} bytes")
    _total_bytes_limit = limit


Loc = tuple[str | int, ...]


class Origins(Mapping[tuple[str, int], tuple[int, int]]):
    """``(section, merged index) -> (document index, index in that document)`` for the items of
    included files, kept as one run per included section rather than one entry per item.

    An included file's items are appended to a merged section together, so a run (first merged
    index, document, count) says where each of them came from: at 50,000 components an entry per
    item was 200,000 tuples and 34 MB held through the whole command. The root file's items come
    first in each section and are not listed (same index, document 0)."""

    def __init__(self) -> None:
        self._starts: dict[str, list[int]] = {}
        self._runs: dict[str, list[tuple[int, int]]] = {}  # (document index, count), parallel to _starts

    def add_run(self, section: str, start: int, document: int, count: int) -> None:
        """Items ``start`` to ``start + count - 1`` of ``section`` are items 0.. of ``document``'s
        ``section``; runs are added in merged order."""
        if count <= 0:
            return
        starts = self._starts.setdefault(section, [])
        if starts and start < starts[-1] + self._runs[section][-1][1]:
            raise ValueError("runs of a section must be added in order, without overlap")
        starts.append(start)
        self._runs.setdefault(section, []).append((document, count))

    def __getitem__(self, key: tuple[str, int]) -> tuple[int, int]:
        section, index = key
        starts = self._starts.get(section)
        if starts is not None and isinstance(index, int):
            at = bisect.bisect_right(starts, index) - 1
            if at >= 0:
                document, count = self._runs[section][at]
                offset = index - starts[at]
                if offset < count:
                    return document, offset
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for section, starts in self._starts.items():
            for start, (_document, count) in zip(starts, self._runs[section], strict=True):
                for index in range(start, start + count):
                    yield section, index

    def __len__(self) -> int:
        return sum(count for runs in self._runs.values() for _document, count in runs)


@dataclass
class LoadedModel:
    """A validated model plus what is needed to point back into its files."""

    model: SystemModel
    path: str
    documents: tuple[YamlDocument, ...]
    origins: Origins = field(default_factory=Origins)
    """Where each item of an included file comes from (see :class:`Origins`)."""
    triage_origins: dict[str, int] = field(default_factory=dict)
    _element_locs: dict[str, Loc] | None = field(default=None, repr=False)

    def span(self, loc: Loc, key: bool = False) -> SourceSpan:
        """Where ``loc`` of the merged model comes from."""
        if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
            origin = self.origins.get((loc[0], loc[1]))
            if origin is not None:
                doc, index = origin
                return self.documents[doc].span((loc[0], index, *loc[2:]), key=key)
        if len(loc) >= 2 and loc[0] == "triage" and isinstance(loc[1], str):
            doc = self.triage_origins.get(loc[1], 0)
            return self.documents[doc].span(loc, key=True if len(loc) == 2 else key)
        return self.documents[0].span(loc, key=key)

    def element_span(self, element: str) -> SourceSpan:
        """Where an element (component, flow, boundary, data asset, the system) is declared;
        ``triage:<finding id>`` (:func:`~threatmodel.model.keys.triage_element`) is its triage entry."""
        if element.startswith(TRIAGE_ELEMENT):
            return self.span(("triage", element[len(TRIAGE_ELEMENT) :]))
        if self._element_locs is None:
            m = self.model
            index: dict[str, Loc] = {}
            for i, flow in enumerate(m.flows):
                index.setdefault(flow.key, ("flows", i))
            for section, items in (("data", m.data), ("boundaries", m.boundaries), ("components", m.components)):
                for i, item in enumerate(items):
                    index[item.id] = (section, i, "id")
            self._element_locs = index
        loc = self._element_locs.get(element)
        if loc is not None:
            return self.span(loc)
        return self.span(("system", "id")) if element == self.model.system.id else SourceSpan(self.path, 1, 1)


def display_path(path: Path) -> str:
    """``path`` as shown to the user: relative to the working directory when inside it (short, and
    stable in tests and SARIF), else as given. The one definition, for every front end."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def work_tree_of(folder: Path) -> Path | None:
    """The git work tree holding ``folder`` (the nearest parent with a ``.git``), if any."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def include_home(base_dir: Path, include_root: Path | None = None) -> Path:
    """The folder includes must stay in: ``include_root`` if given, else the git work
    tree holding the model, else the model's own folder. Symlinks are resolved."""
    if include_root is not None:
        return include_root.resolve()
    here = base_dir.resolve()
    return work_tree_of(here) or here


def load_model(
    path: Path | str, *, known_controls: Collection[str] | None = None, include_root: Path | None = None
) -> LoadedModel:
    """Read, merge includes of, validate and reference-check a model file."""
    path = Path(path)
    with collector_paused():
        root = read_yaml(path, display_path(path))
        return _load_documents(root, path.parent, known_controls, include_root)


def load_model_text(
    text: str,
    display: str,
    *,
    base_dir: Path | None = None,
    known_controls: Collection[str] | None = None,
    include_root: Path | None = None,
) -> LoadedModel:
    """Like :func:`load_model`, from text already in memory (git revisions, the TUI)."""
    with collector_paused():
        root = parse_yaml(text, display)
        return _load_documents(root, base_dir, known_controls, include_root)


def _refused_include(rel: str, home: Path, here: Path) -> tuple[Path | None, str | None]:
    """The resolved include target, or why it is refused (nothing of it is read)."""
    if "\x00" in rel:
        return None, "an include path cannot contain a NUL character"
    if not rel.strip():
        return None, "an include path cannot be empty"
    if os.path.isabs(rel) or rel.startswith(("\\", "/", "~")) or (len(rel) > 1 and rel[1] == ":"):
        return None, f"include '{rel}' is an absolute path; includes are relative to the including file"
    try:
        target = (here / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None, f"include '{rel}' cannot be resolved"
    if not target.is_relative_to(home):
        return (
            None,
            f"include '{rel}' resolves outside {display_path(home) or '.'}; includes must stay in the model's folder or its git work tree",
        )
    return target, None


def _load_documents(
    root: YamlDocument, base_dir: Path | None, known_controls: Collection[str] | None, include_root: Path | None = None
) -> LoadedModel:
    if root.data is None:
        raise ModelError(
            Problem(
                "the file is empty",
                SourceSpan(root.path, 1, 1),
                "a model needs at least a `system:` with an id and a name; try `threatmodel init`",
            )
        )
    if not isinstance(root.data, dict):
        raise ModelError(
            Problem(
                "expected a mapping at the top level (system:, components:, flows: ...)", SourceSpan(root.path, 1, 1)
            )
        )

    documents: list[YamlDocument] = [root]
    problems: list[Problem] = []
    home = include_home(base_dir, include_root) if base_dir is not None else None
    limit = total_bytes_limit()
    # an ASCII text (CPython knows without scanning) is as many UTF-8 bytes as characters: no 9 MB
    # copy of a large model just to count them
    text = root.text
    budget = [limit - (len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass")))]
    merged: dict[str, Any] = {k: v for k, v in root.data.items() if k not in ("includes",)}
    origins = Origins()
    triage_origins: dict[str, int] = {}
    if isinstance(root.data.get("triage"), dict):
        triage_origins.update(dict.fromkeys(root.data["triage"], 0))

    # ``include`` recurses through this list, not through its own name: a function whose closure
    # holds itself is a reference cycle, and it would keep ``merged`` (all the parsed data) alive
    # after the load until the cyclic collector runs, at exit for a command-line run.
    recurse: list[Callable[[int, int, tuple[Path, ...]], None]] = []

    def include(doc_index: int, depth: int, chain: tuple[Path, ...]) -> None:
        doc = documents[doc_index]
        includes = doc.data.get("includes", [])
        if not includes:
            return
        if not isinstance(includes, list):
            problems.append(Problem("includes: expected a list of file paths", doc.span(("includes",))))
            return
        if base_dir is None and doc_index == 0:
            problems.append(
                Problem("includes cannot be resolved for a model read from memory", doc.span(("includes",)))
            )
            return
        here = chain[-1].parent if chain else (base_dir or Path("."))
        for i, rel in enumerate(includes):
            at = doc.span(("includes", i))
            if not isinstance(rel, str):
                problems.append(Problem("includes: each entry is a relative file path", at))
                continue
            if home is None:  # pragma: no cover - includes without a base_dir were refused above
                continue
            resolved, refusal = _refused_include(rel, home, here)
            if resolved is None:
                problems.append(
                    Problem(
                        refusal or "include refused",
                        at,
                        "move the file into the model's folder (or its git work tree) and include it from there",
                    )
                )
                continue
            target = resolved
            if depth >= MAX_INCLUDE_DEPTH:
                problems.append(Problem(f"includes nest deeper than {MAX_INCLUDE_DEPTH} files", at))
                continue
            if target in chain:
                problems.append(Problem(f"include cycle: '{rel}' includes itself again", at))
                continue
            if len(documents) >= MAX_INCLUDE_FILES:
                problems.append(Problem(f"more than {MAX_INCLUDE_FILES} included files", at))
                return
            try:
                size = target.stat().st_size if target.is_file() else 0
            except OSError:
                size = 0
            if size > budget[0]:
                problems.append(
                    Problem(
                        f"includes read more than {limit:,} bytes in total",
                        at,
                        TOTAL_LIMIT_HINT,
                    )
                )
                return
            budget[0] -= size
            try:
                text = read_text(target, display_path(target))
                child = parse_yaml(text, display_path(target))
            except ModelError as exc:
                if "no such file" in exc.problems[0].message:
                    problems.append(Problem(f"included file not found: {rel}", at))
                else:
                    problems.extend(exc.problems)
                continue
            if child.data is None:
                continue
            if not isinstance(child.data, dict):
                problems.append(Problem("an included file must be a mapping of sections", SourceSpan(child.path, 1, 1)))
                continue
            documents.append(child)
            child_index = len(documents) - 1
            for key in child.data:
                if key in ROOT_ONLY:
                    problems.append(
                        Problem(f"'{key}' may only appear in the root model file", child.span((key,), key=True))
                    )
                elif key not in FRAGMENT_KEYS:
                    problems.append(
                        Problem(
                            f"unknown key '{key}' in an included file",
                            child.span((key,), key=True),
                            f"included files may contain: {', '.join(sorted(FRAGMENT_KEYS))}",
                        )
                    )
            for section in LIST_SECTIONS:
                items = child.data.get(section)
                if items is None:
                    continue
                if not isinstance(items, list):
                    problems.append(Problem(f"{section}: expected a list", child.span((section,))))
                    continue
                target_list = merged.setdefault(section, [])
                if not isinstance(target_list, list):
                    continue
                origins.add_run(section, len(target_list), child_index, len(items))
                target_list.extend(items)
            triage = child.data.get("triage")
            if isinstance(triage, dict):
                target_triage = merged.setdefault("triage", {})
                if isinstance(target_triage, dict):
                    for key, entry in triage.items():
                        if key in target_triage:
                            first = documents[triage_origins[key]].span(("triage", key), key=True)
                            problems.append(
                                Problem(
                                    f"triage for '{key}' is given twice (first at {first})",
                                    child.span(("triage", key), key=True),
                                )
                            )
                            continue
                        target_triage[key] = entry
                        triage_origins[key] = child_index
            recurse[0](child_index, depth + 1, (*chain, target))

    root_path = (base_dir / Path(root.path).name).resolve() if base_dir is not None else Path(root.path).resolve()
    recurse.append(include)
    try:
        include(0, 0, (root_path,))
    finally:
        recurse.clear()
    if "includes" in root.data:
        merged["includes"] = root.data["includes"]

    loaded = LoadedModel(
        model=SystemModel.model_construct(system=System.model_construct(id="x", name="x")),  # replaced once valid
        path=root.path,
        documents=tuple(documents),
        origins=origins,
        triage_origins=triage_origins,
    )
    if problems:
        raise ModelError(sort_problems(problems))
    try:
        model = SystemModel.model_validate(merged)
    except ValidationError as exc:
        problems = problems_from_validation(exc, SystemModel, merged, loaded.span)
        if exc.error_count() <= MAX_PROBLEMS:  # past that, fixing the schema comes first
            problems.extend(_reference_problems_of_invalid(merged, loaded))
        raise ModelError(sort_problems(problems)) from None
    loaded.model = model
    problems.extend(_reference_problems(model, loaded))
    if known_controls is not None:
        for i, control in enumerate(model.controls):
            if control.control not in known_controls:
                problems.append(
                    Problem(
                        f"unknown control '{control.control}'",
                        loaded.span(("controls", i, "control")),
                        _control_hint(control.control, known_controls),
                    )
                )
    if problems:
        raise ModelError(sort_problems(problems))
    for doc in documents:  # valid: the parsed data is needed only to check the item reader's answers
        doc.keep_outline()
    return loaded


def _control_hint(value: str, known: Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    catalog = value.partition(":")[0]
    listing = f"`threatmodel catalogs show {catalog}` lists its controls" if catalog else "`threatmodel catalogs list`"
    return (f"did you mean '{close[0]}'? " if close else "") + listing


def _located(issue: Issue, loaded: LoadedModel) -> Problem:
    message = issue.message
    if issue.related is not None:
        message += f" (first declared at {loaded.span(issue.related)})"
    return Problem(message, loaded.span(issue.path), issue.hint)


def _reference_problems(model: SystemModel, loaded: LoadedModel) -> list[Problem]:
    return [_located(issue, loaded) for issue in check_references(model)]


def _reference_problems_of_invalid(merged: dict[str, Any], loaded: LoadedModel) -> list[Problem]:
    """Reference problems of a model that failed schema validation, so one run reports everything.

    Invalid items are replaced by inert placeholders that keep their position and id;
    problems about a placeholder's own fields or about ids of invalid items are dropped
    (the schema error already covers them).
    """
    from pydantic import TypeAdapter

    from threatmodel.model.system import (
        Application,
        Boundary,
        Component,
        DataAsset,
        Flow,
        ImplementedControl,
    )

    adapters: dict[str, Any] = {
        "data": TypeAdapter(DataAsset),
        "boundaries": TypeAdapter(Boundary),
        "components": TypeAdapter(Component),
        "flows": TypeAdapter(Flow),
        "controls": TypeAdapter(ImplementedControl),
    }
    placeholder_ids: set[str] = set()
    placeholder_paths: set[tuple[str, int]] = set()
    sections: dict[str, list[Any]] = {}
    for section, adapter in adapters.items():
        items = merged.get(section)
        if not isinstance(items, list):
            sections[section] = []
            continue
        valid: list[Any] = []
        for i, item in enumerate(items):
            try:
                valid.append(adapter.validate_python(item))
            except ValidationError:
                raw_id = item.get("id") if isinstance(item, dict) else None
                pid = raw_id if isinstance(raw_id, str) and raw_id else f"invalid-{section}-{i}"
                placeholder_ids.add(pid)
                placeholder_paths.add((section, i))
                if section == "flows":
                    valid.append(Flow.model_construct(id=pid, source=pid, target=pid, data=()))
                elif section == "components":
                    valid.append(Application.model_construct(id=pid, kind="application", data=(), boundary=None))
                elif section == "boundaries":
                    valid.append(Boundary.model_construct(id=pid, parent=None, trust=TrustLevel.INTERNAL))
                elif section == "data":
                    valid.append(DataAsset.model_construct(id=pid))
                else:
                    valid.append(ImplementedControl.model_construct(control="x:x", scope=()))
        sections[section] = valid
    partial = SystemModel.model_construct(
        system=System.model_construct(id="x", name="x"),
        data=tuple(sections["data"]),
        boundaries=tuple(sections["boundaries"]),
        components=tuple(sections["components"]),
        flows=tuple(sections["flows"]),
        controls=tuple(sections["controls"]),
    )
    problems = []
    for issue in check_references(partial):
        if (
            (str(issue.path[0]), int(issue.path[1])) in placeholder_paths
            if len(issue.path) > 1 and isinstance(issue.path[1], int)
            else False
        ):
            continue
        if issue.subject is not None and issue.subject in placeholder_ids:
            continue
        problems.append(_located(issue, loaded))
    return problems


# ---------------------------------------------------------------------------
# Catalogs


@dataclass
class LoadedCatalogs:
    catalogs: tuple[Catalog, ...]
    documents: dict[str, YamlDocument]

    @cached_property
    def control_refs(self) -> frozenset[str]:
        return frozenset(self.cset.controls)

    @cached_property
    def cset(self) -> CatalogSet:
        """The catalogs indexed by reference (built once per load)."""
        from threatmodel.engine.catalogs import CatalogSet

        return CatalogSet(self.catalogs)


def load_catalog_document(doc: YamlDocument) -> Catalog:
    from threatmodel.model.catalog import Catalog

    if not isinstance(doc.data, dict):
        raise CatalogError(
            Problem("a catalog file is a mapping (id:, title:, threats: ...)", SourceSpan(doc.path, 1, 1))
        )
    try:
        return Catalog.model_validate(doc.data)
    except ValidationError as exc:
        raise CatalogError(
            sort_problems(problems_from_validation(exc, Catalog, doc.data, lambda loc, key: doc.span(loc, key=key)))
        ) from None


def builtin_control_refs() -> frozenset[str]:
    """``catalog:control`` of every control of the built-in catalogs, read from their YAML without
    validating them into catalog objects: all that checking a model's ``controls`` needs, so
    ``validate`` need not build the catalog and rule classes. The built-in catalogs are validated by
    the test suite, which also checks this equals ``load_catalogs().control_refs``."""
    refs: set[str] = set()
    for name, text in builtin_catalog_files():
        display = f"<builtin>/catalogs/{name}"
        data = _catalog_controls(text, display)
        if data is None:
            data = parse_yaml(text, display, error=CatalogError).data
        if isinstance(data, dict):
            refs.update(f"{data['id']}:{control['id']}" for control in data.get("controls") or ())
    return frozenset(refs)


_TOP_LEVEL_LINE = re.compile(r"^[^\s#-].*$", re.MULTILINE)
"""A line starting in column 0 with something other than a comment or a block item: a top-level key."""


def _catalog_controls(text: str, display: str) -> dict[str, Any] | None:
    """The ``id`` and ``controls`` of a catalog written as block YAML, parsed from just those two
    top-level entries (the threats are most of a catalog's text); None when the text is laid out in
    any other way, and the caller parses the whole file."""
    tops = list(_TOP_LEVEL_LINE.finditer(text))
    id_lines = [match for match in tops if match.group(0).startswith("id:")]
    control_lines = [match for match in tops if match.group(0).lstrip("'\"").startswith("controls")]
    if len(id_lines) != 1 or len(control_lines) > 1 or any(m.group(0).rstrip() != "controls:" for m in control_lines):
        return None
    parts = [id_lines[0].group(0)]
    if control_lines:
        start = control_lines[0]
        following = _TOP_LEVEL_LINE.search(text, start.end())
        parts.append(text[start.start() : following.start() if following is not None else len(text)])
    data = parse_yaml("\n".join(parts) + "\n", display, error=CatalogError).data
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    return data


def load_catalogs(extra: Sequence[Path | str] = (), *, builtin: bool = True) -> LoadedCatalogs:
    """Load the built-in catalogs and any user catalogs, validated together."""
    from threatmodel.engine.catalogs import check_catalogs

    docs: list[YamlDocument] = []
    if builtin:
        for name, text in builtin_catalog_files():
            docs.append(parse_yaml(text, f"<builtin>/catalogs/{name}", error=CatalogError))
    for p in extra:
        path = Path(p)
        docs.append(read_yaml(path, display_path(path), error=CatalogError))
    problems: list[Problem] = []
    catalogs: list[Catalog] = []
    by_id: dict[str, YamlDocument] = {}
    for doc in docs:
        try:
            catalog = load_catalog_document(doc)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if catalog.id in by_id:
            problems.append(
                Problem(f"catalog id '{catalog.id}' is already used by {by_id[catalog.id].path}", doc.span(("id",)))
            )
            continue
        by_id[catalog.id] = doc
        catalogs.append(catalog)
    if problems:
        raise CatalogError(sort_problems(problems))
    for issue in check_catalogs(catalogs):
        doc = by_id[issue.catalog]
        problems.append(Problem(issue.message, doc.span(issue.path), issue.hint))
    if problems:
        raise CatalogError(sort_problems(problems))
    return LoadedCatalogs(tuple(catalogs), by_id)

"""Python sources and Jupyter notebooks, read with :func:`ast.parse` (a parser, not an interpreter):
imports, model-loading calls, hub ids, ``setup.py`` requirements and ``importlib`` with a stated name."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from threatmodel.io.discover.knowledge import Knowledge
from threatmodel.io.discover.sources import (
    HUB_ID,
    Found,
    Unreadable,
    cut,
    endpoints_in,
    file_found,
    hub_found,
    parse_json_or_skip,
    requirement_name,
    tech_found,
)
from threatmodel.model.inventory import EvidenceKind

# ---------------------------------------------------------------------------
# Python


class _PythonModule:
    """What a Python module imports and which names it binds to string constants."""

    def __init__(self, tree: ast.Module, nodes: list[ast.AST]) -> None:
        self.aliases: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        imports = sorted(
            (n for n in nodes if isinstance(n, ast.Import | ast.ImportFrom)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases.setdefault(alias.asname, alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases.setdefault(top, top)
            elif node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases.setdefault(alias.asname or alias.name, f"{node.module}.{alias.name}")
        for stmt in tree.body:
            target: ast.expr | None = None
            value: ast.expr | None = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                target, value = stmt.target, stmt.value
            if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                self.constants[target.id] = value.value

    def qualified(self, func: ast.expr) -> str | None:
        """``torch.load`` for ``t.load`` after ``import torch as t``; None for calls on values."""
        parts: list[str] = []
        node = func
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.aliases.get(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def string(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return None


def parse_python(source: bytes, path: str) -> ast.Module:
    """Parse (never run) Python source; honours a PEP 263 coding declaration. Text that is not
    in its declared encoding (UTF-8 by default) is refused, as Python itself refuses it."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        raise Unreadable("not UTF-8 and no coding declaration (Python would refuse it too)") from None
    try:
        # Top-level ``await`` is allowed: notebooks use it, and it names modules like any other code.
        tree = compile(
            source, path, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        assert isinstance(tree, ast.Module)  # noqa: S101 - PyCF_ONLY_AST in "exec" mode gives a Module
        return tree
    except SyntaxError as exc:
        reason = exc.msg or "syntax error"
        if "utf-8" in reason.lower() or "decode" in reason.lower() or "codec" in reason.lower():
            raise Unreadable("not UTF-8 and no coding declaration (Python would refuse it too)") from None
        where = f" at line {exc.lineno}" if exc.lineno else ""
        raise Unreadable(f"Python syntax error{where}: {cut(reason)}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Unreadable(f"cannot be parsed as Python: {cut(type(exc).__name__)}") from None


def _columns(lines: list[bytes], line: int, byte_col: int) -> int:
    """A 1-based column in characters, from the parser's 0-based byte offset."""
    if 0 < line <= len(lines):
        return len(lines[line - 1][:byte_col].decode("utf-8", "replace")) + 1
    return byte_col + 1


def scan_python(kb: Knowledge, source: bytes, path: str, model_paths: ModelPaths) -> list[Found]:
    """Imports, model-loading calls (with the hub ids and model files they name) and endpoints
    in string literals of one Python file. Docstrings and comments are documentation, not code."""
    tree = parse_python(source, path)
    nodes = list(ast.walk(tree))
    module = _PythonModule(tree, nodes)
    lines = source.splitlines()
    known_files = model_paths
    docstrings: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docstrings.add(id(node.value))
    out: list[Found] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                tech = kb.python_import(alias.name)
                if tech is not None:
                    col = _columns(lines, node.lineno, node.col_offset)
                    out.append(tech_found(kb, tech, node.lineno, col, EvidenceKind.IMPORT, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            techs: dict[str, None] = {}
            for alias in node.names:
                tech = kb.python_import(f"{node.module}.{alias.name}") or kb.python_import(node.module)
                if tech is not None:
                    techs.setdefault(tech)
            names = ", ".join(a.name for a in node.names)
            for tech in techs:
                col = _columns(lines, node.lineno, node.col_offset)
                out.append(
                    tech_found(kb, tech, node.lineno, col, EvidenceKind.IMPORT, f"from {node.module} import {names}")
                )
        elif isinstance(node, ast.Call):
            out.extend(_load_call(kb, module, node, lines, known_files))
            out.extend(_dynamic_import(kb, module, node, lines))
            if path.rsplit("/", 1)[-1] == "setup.py":
                out.extend(_setup_requirements(kb, module, node, lines))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            col = _columns(lines, node.lineno, node.col_offset)
            out.extend(endpoints_in(kb, node.value, node.lineno, col, "host "))
    return out


def _dynamic_import(kb: Knowledge, module: _PythonModule, call: ast.Call, lines: list[bytes]) -> list[Found]:
    """``importlib.import_module("cohere")`` and ``__import__("cohere")`` with a name the code states."""
    is_builtin = isinstance(call.func, ast.Name) and call.func.id == "__import__" and call.func.id not in module.aliases
    if not (is_builtin or module.qualified(call.func) == "importlib.import_module") or not call.args:
        return []
    name = module.string(call.args[0])
    tech = kb.python_import(name) if name else None
    if tech is None:
        return []
    column = _columns(lines, call.lineno, call.col_offset)
    return [tech_found(kb, tech, call.lineno, column, EvidenceKind.IMPORT, f"import_module({name!r})")]


def _setup_requirements(kb: Knowledge, module: _PythonModule, call: ast.Call, lines: list[bytes]) -> list[Found]:
    """``install_requires`` and ``extras_require`` of ``setup(...)`` in a ``setup.py`` (string literals only)."""
    if module.qualified(call.func) not in ("setuptools.setup", "distutils.core.setup"):
        return []
    out: list[Found] = []
    for kw in call.keywords:
        if kw.arg not in ("install_requires", "extras_require"):
            continue
        values: list[ast.expr] = []
        if isinstance(kw.value, ast.List | ast.Tuple):
            values = list(kw.value.elts)
        elif isinstance(kw.value, ast.Dict):
            for group in kw.value.values:
                if isinstance(group, ast.List | ast.Tuple):
                    values.extend(group.elts)
        for value in values:
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            requirement = requirement_name(value.value)
            tech = kb.pypi.get(requirement) if requirement else None
            if tech is not None:
                column = _columns(lines, value.lineno, value.col_offset)
                out.append(
                    tech_found(kb, tech, value.lineno, column, EvidenceKind.DEPENDENCY, f"{kw.arg}: {value.value}")
                )
    return out


def _load_call(
    kb: Knowledge, module: _PythonModule, call: ast.Call, lines: list[bytes], known_files: ModelPaths
) -> list[Found]:
    name = module.qualified(call.func)
    if name is None or not kb.is_load_call(name):
        return []
    line = call.lineno
    column = _columns(lines, call.lineno, call.col_offset)
    last = name.split(".")
    shown = ".".join(last[-2:]) if len(last) > 1 else name
    values: list[str] = []
    task: str | None = None
    for i, arg in enumerate(call.args):
        value = module.string(arg)
        if value is not None:
            values.append(value)
            if i == 0 and name.endswith(".pipeline"):
                task = value
    for kw in call.keywords:
        value = module.string(kw.value) if kw.arg else None
        if value is None:
            continue
        if kw.arg == "task":
            task = value
        if kw.arg in kb.hub_keywords or kb.model_file(value) is not None:
            values.append(value)
    out: list[Found] = []
    for value in dict.fromkeys(values):
        rule = kb.model_file(value)
        if rule is not None and "*" not in value:
            out.append(
                file_found(
                    _resolve_file(value, known_files),
                    rule.format.value,
                    line,
                    column,
                    EvidenceKind.LOAD_CALL,
                    f"{shown}({value!r})",
                )
            )
        elif HUB_ID.match(value) and not value.startswith((".", "/")):
            names = [n for n in (last[-2] if len(last) > 1 else "", last[-1], task or "") if n]
            out.append(hub_found(value, kb.hub_kind(names), line, column, f"{shown}({value!r})"))
    if not out:
        tech = kb.python_import(name)
        if tech is not None:
            out.append(
                tech_found(
                    kb,
                    tech,
                    line,
                    column,
                    EvidenceKind.LOAD_CALL,
                    f"{shown}(…): loads a model from a value the code computes",
                )
            )
    return out


def _resolve_file(literal: str, known: ModelPaths) -> str:
    """The repository file a path literal names: itself, or the one file whose path ends with it
    (a literal path is relative to a working directory the scanner cannot know)."""
    clean = literal.replace("\\", "/").removeprefix("./")[:300]
    if clean in known.paths:
        return clean
    ends = [p for p in known.by_name.get(clean.rsplit("/", 1)[-1], ()) if p.endswith("/" + clean)]
    return ends[0] if len(ends) == 1 else clean


@dataclass(frozen=True)
class ModelPaths:
    """The model files of the repository, indexed by path and by file name."""

    paths: frozenset[str]
    by_name: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, paths: Iterable[str]) -> ModelPaths:
        by_name: dict[str, list[str]] = {}
        for path in sorted(paths):
            by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        return cls(frozenset(p for group in by_name.values() for p in group), {k: tuple(v) for k, v in by_name.items()})


# ---------------------------------------------------------------------------
# Jupyter notebooks

_MAGIC = re.compile(r"^\s*[%!?]|\?\s*$")


def scan_notebook(kb: Knowledge, text: str, path: str, model_paths: ModelPaths, notes: list[str]) -> list[Found]:
    """Code cells of a Jupyter notebook, read like one Python module (cells share imports); evidence
    is located at the line of the notebook file that holds the cell's line. Markdown, outputs and
    IPython magics (``%``, ``!``) are not code. When the cells do not parse together, each is read
    on its own and one that Python cannot parse is noted and skipped."""
    data = parse_json_or_skip(text, path)
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise Unreadable("not a Jupyter notebook: no 'cells' list")
    file_lines = text.splitlines()
    cursor = 0
    code_cells: list[tuple[int, list[str], list[int]]] = []  # (cell number, lines, file line index of each)
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        parts = source if isinstance(source, list) else [source] if isinstance(source, str) else []
        lines: list[str] = []
        where: list[int] = []
        for part in (p for p in parts if isinstance(p, str)):
            cursor = _find_string_line(file_lines, part, cursor)
            for line in part.splitlines() or [""]:
                lines.append(line)
                where.append(cursor)
        if lines and lines[0].lstrip().startswith("%%"):
            continue  # a cell magic: the cell is not Python
        code_cells.append((number, ["" if _MAGIC.search(line) else line for line in lines], where))
    together = [line for _, lines, _ in code_cells for line in lines]
    where_all = [w for _, _, where in code_cells for w in where]
    try:
        return _remap(scan_python(kb, _source(together), path, model_paths), where_all)
    except Unreadable:
        pass
    out: list[Found] = []
    for number, lines, where in code_cells:
        try:
            out.extend(_remap(scan_python(kb, _source(lines), f"{path} cell {number}", model_paths), where))
        except Unreadable as exc:
            notes.append(f"cell {number} not read: {exc}")
    return out


def _source(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _remap(found: list[Found], where: list[int]) -> list[Found]:
    """Evidence at lines of the cells' code, moved to the notebook file's lines."""
    out = []
    for f in found:
        line = where[min(f.line, len(where)) - 1] + 1 if where else 1
        out.append(Found(f.item, f.category, f.name, line, f.column, f.kind, f.detail, f.terms, f.facts))
    return out


def _find_string_line(lines: list[str], part: str, start: int) -> int:
    """The index of the first line at or after ``start`` that is the JSON string ``part``
    (a notebook writes each source line of a cell on a line of its own); ``start`` if none."""

    for index in range(start, min(len(lines), start + 10_000)):
        candidate = lines[index].strip().rstrip(",")
        if candidate.startswith('"'):
            try:
                if json.loads(candidate) == part:
                    return index
            except ValueError:
                continue
    return start

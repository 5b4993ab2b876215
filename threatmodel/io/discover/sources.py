"""Readers for each kind of file the scanner understands; none of them imports or runs anything.

Each reader takes a file's text and returns :class:`Found` records (an item id plus one piece of
evidence) or raises :class:`Unreadable` with the reason the file is skipped. Python is read with
:func:`ast.parse` (a parser, not an interpreter), JavaScript and TypeScript with the lexer in
:mod:`threatmodel.io.discover.lexers`, dependency and configuration files with the standard
``tomllib`` and the project's bounded JSON reader.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from threatmodel.io.discover.knowledge import Knowledge, normalise_pypi
from threatmodel.io.discover.lexers import js_tokens, jsonc
from threatmodel.model.inventory import Category, EvidenceKind

MAX_DETAIL = 120
"""Longest evidence detail, in characters (a long line is cut, never copied whole)."""

_HOST = re.compile(
    r"(?<![\w.@-])(?:[a-z][a-z0-9+.-]{0,15}://)?"
    r"([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*)"
    r"(?::(\d{1,5}))?",
    re.IGNORECASE,
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_QUOTED = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'")
_TOML_KEY = re.compile(r"^\s*(\"[^\"]+\"|'[^']+'|[A-Za-z0-9_.-]+)\s*=\s*(.*)$")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


class Unreadable(Exception):
    """The file cannot be read as what its name says; the message says why."""


@dataclass(frozen=True, slots=True)
class Found:
    """One piece of evidence for one item."""

    item: str
    """``<category>:<name>``."""
    category: Category
    name: str
    line: int
    column: int
    kind: EvidenceKind
    detail: str
    terms: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = field(default=())


def cut(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= MAX_DETAIL else one[: MAX_DETAIL - 1] + "…"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def tech_found(kb: Knowledge, tech_id: str, line: int, column: int, kind: EvidenceKind, detail: str) -> Found:
    tech = kb.technologies[tech_id]
    facts = (("hosted", "true"),) if tech.hosted else ()
    return Found(
        f"{tech.category}:{tech.id}",
        Category(tech.category),
        tech.name,
        line,
        column,
        kind,
        cut(detail),
        tech.terms,
        facts,
    )


def hub_found(hub_id: str, kind: str | None, line: int, column: int, detail: str) -> Found:
    repo = hub_id.split("/", 1)[1]
    terms = tuple(dict.fromkeys(t for t in (slug(hub_id), slug(repo)) if t))
    facts = (("kind", kind),) if kind else ()
    return Found(
        f"hub-model:{hub_id}",
        Category.HUB_MODEL,
        hub_id,
        line,
        column,
        EvidenceKind.LOAD_CALL,
        cut(detail),
        terms,
        facts,
    )


def file_found(path: str, fmt: str, line: int, column: int, kind: EvidenceKind, detail: str) -> Found:
    stem = path.rsplit("/", 1)[-1]
    return Found(
        f"model-file:{path}",
        Category.MODEL_FILE,
        path,
        line,
        column,
        kind,
        cut(detail),
        (slug(stem),) if slug(stem) else (),
        (("weights_format", fmt),),
    )


# ---------------------------------------------------------------------------
# Endpoints


def endpoints_in(kb: Knowledge, value: str, line: int, column: int, detail_prefix: str) -> list[Found]:
    """API hosts named in ``value`` (a string literal or a configuration value)."""
    out: list[Found] = []
    if ("." not in value and ":" not in value) or not kb.may_name_a_host(value.lower()):
        return out
    for m in _HOST.finditer(value):
        host = m.group(1).lower()
        candidates = [f"{host}:{m.group(2)}", host] if m.group(2) else [host]
        for candidate in candidates:
            tech = kb.endpoint(candidate)
            if tech is not None:
                before = value[: m.start()]
                at_line = line + before.count("\n")
                at_col = (m.start() - before.rfind("\n")) if "\n" in before else column + m.start()
                out.append(tech_found(kb, tech, at_line, at_col, EvidenceKind.ENDPOINT, f"{detail_prefix}{candidate}"))
                break
    return out


_COMMENT_START = ("#", ";", "//")


def scan_config(kb: Knowledge, text: str) -> list[Found]:
    """Endpoints in a configuration file (YAML, TOML, INI, .env, JSON); comment lines and
    trailing ``#`` comments do not count."""
    out: list[Found] = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.lstrip()
        if not stripped or stripped.startswith(_COMMENT_START):
            continue
        line = re.sub(r"\s#.*$", "", raw) if "#" in raw else raw
        out.extend(endpoints_in(kb, line, number, 1, "host "))
    return out


# ---------------------------------------------------------------------------
# Dependency files


def scan_requirements(kb: Knowledge, text: str) -> list[Found]:
    """``requirements*.txt``: one requirement per line; options, comments and URLs skipped."""
    out: list[Found] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0]
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-")) or "://" in stripped.split("@", 1)[0]:
            continue
        m = _REQUIREMENT.match(line)
        if m is None:
            continue
        tech = kb.pypi.get(normalise_pypi(m.group(1)))
        if tech is not None:
            out.append(tech_found(kb, tech, number, m.start(1) + 1, EvidenceKind.DEPENDENCY, f"requirement {stripped}"))
    return out


def _requirement_name(spec: str) -> str | None:
    m = _REQUIREMENT.match(spec)
    return normalise_pypi(m.group(1)) if m else None


def _pyproject_sections(table: str) -> str | None:
    """How a TOML table lists dependencies: ``array`` values of some keys, ``keys`` naming
    packages (Poetry), or None when it lists none."""
    if table in ("project", "project.optional-dependencies", "dependency-groups"):
        return "array"
    if table.startswith("tool.poetry") and table.endswith("dependencies"):
        return "keys"
    return None


def scan_pyproject(kb: Knowledge, text: str) -> list[Found]:
    """``pyproject.toml``: PEP 621 dependencies and optional dependencies, PEP 735 dependency
    groups and Poetry dependency tables; the file must be valid TOML."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unreadable(f"not valid TOML: {exc}") from None
    out: list[Found] = []
    table = ""
    in_array = False
    for number, raw in enumerate(text.splitlines(), 1):
        header = _TOML_TABLE.match(raw)
        if header and not in_array:
            table = header.group(1).replace('"', "").replace("'", "")
            continue
        mode = _pyproject_sections(table)
        if mode is None:
            continue
        code = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
        strings = [
            (m.group(1) if m.group(1) is not None else m.group(2), m.start() + 1) for m in _QUOTED.finditer(code)
        ]
        unquoted = _QUOTED.sub('""', code)
        if mode == "keys" and not in_array:
            m = _TOML_KEY.match(code)
            if m:
                name = normalise_pypi(m.group(1).strip("\"'"))
                tech = kb.pypi.get(name)
                if tech is not None and name != "python":
                    out.append(
                        tech_found(
                            kb,
                            tech,
                            number,
                            code.index(m.group(1)) + 1,
                            EvidenceKind.DEPENDENCY,
                            f"dependency {cut(code.strip())}",
                        )
                    )
            continue
        starts_array = False
        if not in_array:
            m = _TOML_KEY.match(unquoted)
            key = m.group(1).strip("\"'") if m else None
            if m and m.group(2).lstrip().startswith("[") and (table != "project" or key == "dependencies"):
                starts_array = True
                in_array = True
            else:
                continue
        for value, column in strings:
            if starts_array and column - 1 < unquoted.find("["):
                continue  # a quoted key before the array
            requirement = _requirement_name(value)
            tech = kb.pypi.get(requirement) if requirement else None
            if tech is not None:
                out.append(tech_found(kb, tech, number, column, EvidenceKind.DEPENDENCY, f"dependency {value}"))
        rest = unquoted[unquoted.find("[") + 1 :] if starts_array else unquoted
        if "]" in rest:
            in_array = False
    return out


_JS_DEP_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def scan_package_json(kb: Knowledge, text: str, path: str) -> list[Found]:
    """``package.json``: the four dependency sections; each package located at its key."""
    data = parse_json_or_skip(text, path)
    if not isinstance(data, dict):
        raise Unreadable("not a package.json: the top level is not an object")
    lines = text.splitlines()
    out: list[Found] = []
    for section in _JS_DEP_SECTIONS:
        deps = data.get(section)
        if not isinstance(deps, dict):
            continue
        start = _find_key_line(lines, section, 0)
        for name in sorted(deps):
            tech = kb.npm.get(name)
            if tech is None:
                continue
            line, column = _find_key(lines, name, start)
            version = deps[name] if isinstance(deps[name], str) else ""
            out.append(
                tech_found(kb, tech, line, column, EvidenceKind.DEPENDENCY, f"{section}: {name} {version}".strip())
            )
    return out


def _find_key_line(lines: list[str], key: str, start: int) -> int:
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:')
    for index in range(start, len(lines)):
        if pattern.search(lines[index]):
            return index
    return start


def _find_key(lines: list[str], key: str, start: int) -> tuple[int, int]:
    """(line, column) of ``"key":`` at or after line index ``start`` (1-based result)."""
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:')
    for index in range(start, len(lines)):
        m = pattern.search(lines[index])
        if m:
            return index + 1, m.start() + 1
    return start + 1, 1


def parse_json_or_skip(text: str, path: str) -> Any:
    from threatmodel.errors import ThreatModelError, UsageError
    from threatmodel.io.json_source import parse_json

    try:
        return parse_json(text, path, UsageError, "file")
    except ThreatModelError as exc:
        problem = exc.problems[0]
        where = f" at {problem.source.line}:{problem.source.column}" if problem.source and problem.source.line else ""
        raise Unreadable(f"not valid JSON{where}: {problem.message}") from None


# ---------------------------------------------------------------------------
# MCP configuration


def scan_mcp_config(kb: Knowledge, text: str, path: str, key: str, client: str) -> list[Found]:
    """MCP servers of an editor or agent configuration (JSON with comments allowed)."""
    plain = jsonc(text)
    data = parse_json_or_skip(plain, path)
    node: Any = data
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return []
    lines = plain.splitlines()
    start = _find_key_line(lines, key.split(".")[-1], 0)
    out: list[Found] = []
    for name in sorted(node):
        settings = node[name]
        if not isinstance(settings, dict):
            continue
        line, column = _find_key(lines, name, start)
        facts = _mcp_facts(settings)
        launch = dict(facts).get("launch") or dict(facts).get("url_host") or "no command or url"
        detail = f"{client}: {name} ({launch})"
        out.append(
            Found(
                f"mcp-server:{name}",
                Category.MCP_SERVER,
                name,
                line,
                column,
                EvidenceKind.MCP_CONFIG,
                cut(detail),
                (slug(name),) if slug(name) else (),
                tuple(sorted((*facts, ("clients", client)))),
            )
        )
    return out


_LAUNCHERS_WITH_SUBCOMMAND = {"docker": ("run",), "pnpm": ("dlx",), "yarn": ("dlx",), "uv": ("run", "tool")}


def _mcp_facts(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """Transport and what is launched, never arguments that could carry secrets (URLs with
    credentials, tokens): only the command and the first package-like argument are kept."""
    facts: list[tuple[str, str]] = []
    kind = settings.get("type") or settings.get("transport")
    command = settings.get("command")
    url = settings.get("url") or settings.get("serverUrl")
    if isinstance(kind, str) and kind.lower() in ("stdio", "sse", "http", "streamable-http", "streamablehttp"):
        facts.append(
            ("transport", {"streamable-http": "http", "streamablehttp": "http"}.get(kind.lower(), kind.lower()))
        )
    elif isinstance(command, str):
        facts.append(("transport", "stdio"))
    if isinstance(command, str) and command.strip():
        program = command.strip().split()[0].rsplit("/", 1)[-1][:60]
        args = settings.get("args")
        package = _package_argument(program, args if isinstance(args, list) else [])
        facts.append(("launch", f"{program} {package}" if package else program))
    if isinstance(url, str):
        m = re.match(r"^[a-z][a-z0-9+.-]*://(?:[^/@]*@)?([^/:?#]+)", url.strip(), re.IGNORECASE)
        if m:
            facts.append(("url_host", m.group(1).lower()[:200]))
    return facts


def _package_argument(program: str, args: list[Any]) -> str | None:
    skip = set(_LAUNCHERS_WITH_SUBCOMMAND.get(program, ()))
    for arg in args:
        if not isinstance(arg, str) or arg.startswith("-") or arg in skip:
            continue
        if "://" in arg or "=" in arg or len(arg) > 100:
            return None
        if re.match(r"^@?[A-Za-z0-9][A-Za-z0-9._/@:-]*$", arg) and not arg.startswith("/"):
            return arg
        return None
    return None


# ---------------------------------------------------------------------------
# JavaScript / TypeScript


def scan_js(kb: Knowledge, text: str) -> list[Found]:
    """Imports (``import … from``, ``import "…"``, ``import("…")``, ``require("…")``,
    ``export … from``) and endpoints in string literals; comments are not code."""
    out: list[Found] = []
    for s in js_tokens(text):
        before = s.before
        if _is_import_context(before):
            tech = kb.js_import(s.value)
            if tech is not None:
                out.append(tech_found(kb, tech, s.line, s.column, EvidenceKind.IMPORT, f"import {s.value}"))
            continue
        out.extend(endpoints_in(kb, s.value, s.line, s.column + 1, "host "))
    return out


def _is_import_context(before: str) -> bool:
    b = before.rstrip()
    for word in ("from", "import"):
        if b.endswith(word) and (
            len(b) == len(word) or not (b[-len(word) - 1].isalnum() or b[-len(word) - 1] in "_$.")
        ):
            return True
    compact = b.replace(" ", "")
    return compact.endswith(("require(", "import("))


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
            requirement = _requirement_name(value.value)
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
        elif _HUB_ID.match(value) and not value.startswith((".", "/")):
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
    import json

    for index in range(start, min(len(lines), start + 10_000)):
        candidate = lines[index].strip().rstrip(",")
        if candidate.startswith('"'):
            try:
                if json.loads(candidate) == part:
                    return index
            except ValueError:
                continue
    return start

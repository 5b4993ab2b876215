"""Readers for each kind of file the scanner understands; none of them imports or runs anything.

Each reader takes a file's text and returns :class:`Found` records (an item id plus one piece of
evidence) or raises :class:`Unreadable` with the reason the file is skipped. Python is read with
:func:`ast.parse` (a parser, not an interpreter), JavaScript and TypeScript with the lexer in
:mod:`threatmodel.io.discover.lexers`, dependency and configuration files with the standard
``tomllib`` and the project's bounded JSON reader.
"""

from __future__ import annotations

import re
import tomllib
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
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}\Z")
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


def requirement_name(spec: str) -> str | None:
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
            requirement = requirement_name(value)
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

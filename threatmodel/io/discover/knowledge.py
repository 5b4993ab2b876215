"""The scanner's knowledge: packages, imports, endpoints, model files and MCP configuration files.

It lives as data in ``knowledge.yaml`` next to this module, read with the project's safe YAML
loader and validated here: an entry that does not fit (an unknown category, a package claimed by
two technologies) is a located error, never skipped.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from threatmodel.errors import CatalogError, Problem, SourceSpan
from threatmodel.model.inventory import Category
from threatmodel.model.vocab import WeightsFormat

KNOWLEDGE_FILE = "knowledge.yaml"
TECH_CATEGORIES = (
    Category.LLM_PROVIDER,
    Category.VECTOR_DB,
    Category.AGENT_FRAMEWORK,
    Category.MCP_SDK,
    Category.ML_FRAMEWORK,
)

_SLUG = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Names(_Strict):
    pypi: tuple[str, ...] = ()
    npm: tuple[str, ...] = ()


class _Imports(_Strict):
    python: tuple[str, ...] = ()
    js: tuple[str, ...] = ()


class Technology(_Strict):
    """A library or API the scanner recognises."""

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=80)
    category: Literal["llm-provider", "vector-db", "agent-framework", "mcp-sdk", "ml-framework"]
    terms: tuple[str, ...] = Field(min_length=1)
    hosted: bool = False
    draft_kind: Literal["agent", "retriever"] | None = None
    packages: _Names = _Names()
    imports: _Imports = _Imports()
    endpoints: tuple[str, ...] = ()


class ModelFileRule(_Strict):
    suffix: str = Field(min_length=2)
    format: WeightsFormat
    binary_only: bool = False
    """Only a binary file with this suffix is weights (``.pth`` is also Python's path-file suffix)."""


class HubKind(_Strict):
    pattern: str
    kind: Literal["llm", "ml-model", "embedding-model"]


class McpConfig(_Strict):
    path: str
    key: str
    client: str


class _Document(_Strict):
    version: Literal[1]
    technologies: tuple[Technology, ...]
    model_files: tuple[ModelFileRule, ...]
    load_calls: tuple[str, ...]
    hub_keywords: tuple[str, ...]
    hub_kinds: tuple[HubKind, ...]
    mcp_configs: tuple[McpConfig, ...]
    default_excludes: tuple[str, ...]


def normalise_pypi(name: str) -> str:
    """PEP 503 normalisation: case-folded, runs of ``-``, ``_`` and ``.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Knowledge:
    """The validated knowledge, indexed for the scanner."""

    technologies: dict[str, Technology]
    pypi: dict[str, str]
    """Normalised PyPI name -> technology id."""
    npm: dict[str, str]
    python_imports: dict[str, str]
    """Dotted import name -> technology id."""
    js_imports: dict[str, str]
    endpoints: tuple[tuple[str, str], ...]
    """(host pattern, technology id), most specific first."""
    model_files: tuple[ModelFileRule, ...]
    load_calls: tuple[str, ...]
    hub_keywords: frozenset[str]
    hub_kinds: tuple[HubKind, ...]
    mcp_configs: tuple[McpConfig, ...]
    default_excludes: frozenset[str]
    _load_call_re: re.Pattern[str] = field(repr=False, default=re.compile(r"(?!)"))
    _exact_hosts: dict[str, str] = field(repr=False, default_factory=dict)
    _wild_hosts: re.Pattern[str] = field(repr=False, default=re.compile(r"(?!)"))
    _host_words: re.Pattern[str] = field(repr=False, default=re.compile(r"(?!)"))
    _python_names: frozenset[bytes] = field(repr=False, default=frozenset())
    _python_hosts: re.Pattern[bytes] = field(repr=False, default=re.compile(rb"(?!)"))
    _js_words: re.Pattern[str] = field(repr=False, default=re.compile(r"(?!)"))

    def python_import(self, dotted: str) -> str | None:
        """The technology a dotted Python import belongs to (the longest known prefix wins)."""
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            tech = self.python_imports.get(".".join(parts[:n]))
            if tech is not None:
                return tech
        return None

    def js_import(self, specifier: str) -> str | None:
        """The technology a JavaScript module specifier belongs to (``pkg`` or ``pkg/sub/path``)."""
        parts = specifier.split("/")
        scoped = 2 if specifier.startswith("@") else 1
        for n in range(len(parts), scoped - 1, -1):
            tech = self.js_imports.get("/".join(parts[:n]))
            if tech is not None:
                return tech
        return None

    def endpoint(self, host: str) -> str | None:
        """The technology whose API host (``host`` or ``host:port``, lower case) this is."""
        exact = self._exact_hosts.get(host)
        if exact is not None:
            return exact
        m = self._wild_hosts.fullmatch(host)
        if m is None or m.lastgroup is None:
            return None
        return self.endpoints[int(m.lastgroup[1:])][1]

    def python_may_matter(self, source: bytes) -> bool:
        """False when a Python file cannot show anything: it names no known module, loader or API
        host anywhere (a cheap test that spares parsing most files of a repository)."""
        return (
            not self._python_names.isdisjoint(_IDENTIFIER.findall(source))
            or self._python_hosts.search(source) is not None
        )

    def js_may_matter(self, text: str) -> bool:
        """False when JS/TS source quotes no known module specifier and names no known API host."""
        return self._js_words.search(text) is not None or self.may_name_a_host(text.lower())

    def may_name_a_host(self, text: str) -> bool:
        """A cheap first test: False when ``text`` (lower case) holds no word of any known API host."""
        return self._host_words.search(text) is not None

    def model_file(self, path: str) -> ModelFileRule | None:
        """The weights format of a file, from the end of its name."""
        lower = path.lower()
        for rule in self.model_files:
            if lower.endswith(rule.suffix.lower()) and len(lower) > len(rule.suffix):
                return rule
        return None

    def is_load_call(self, qualified: str) -> bool:
        return bool(self._load_call_re.fullmatch(qualified))

    def hub_kind(self, names: list[str]) -> str | None:
        """The model kind a loading class or pipeline task implies (first rule that matches any name)."""
        for rule in self.hub_kinds:
            if any(fnmatch.fnmatchcase(n, rule.pattern) for n in names):
                return rule.kind
        return None


def _problem(message: str, hint: str | None = None) -> CatalogError:
    return CatalogError(Problem(message, SourceSpan(f"threatmodel/io/discover/{KNOWLEDGE_FILE}", 1, 1), hint))


def parse_knowledge(text: str, display: str) -> Knowledge:
    """Validate the knowledge document ``text``; every defect is a :class:`CatalogError`."""
    from threatmodel.io.yaml_source import parse_yaml

    doc = parse_yaml(text, display, error=CatalogError)
    try:
        data = _Document.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise CatalogError(Problem(f"{'.'.join(map(str, loc))}: {first['msg']}", doc.span(loc))) from None
    techs: dict[str, Technology] = {}
    pypi: dict[str, str] = {}
    npm: dict[str, str] = {}
    py_imports: dict[str, str] = {}
    js_imports: dict[str, str] = {}
    endpoints: list[tuple[str, str]] = []
    for tech in data.technologies:
        if tech.id in techs:
            raise _problem(f"technology '{tech.id}' is listed twice")
        techs[tech.id] = tech
        for table, names, normal in (
            (pypi, tech.packages.pypi, normalise_pypi),
            (npm, tech.packages.npm, str),
            (py_imports, tech.imports.python, str),
            (js_imports, tech.imports.js, str),
        ):
            for name in names:
                key = normal(name)
                if key in table and table[key] != tech.id:
                    raise _problem(f"'{name}' belongs to both '{table[key]}' and '{tech.id}'")
                table[key] = tech.id
        for term in tech.terms:
            if not re.match(_SLUG, term):
                raise _problem(f"technology '{tech.id}': term '{term}' is not lower-kebab")
        endpoints.extend((host.lower(), tech.id) for host in tech.endpoints)
    # Literal hosts before wildcard ones, longer before shorter: the most specific pattern wins.
    endpoints.sort(key=lambda e: ("*" in e[0], -len(e[0]), e[0]))
    load_re = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in data.load_calls) or r"(?!)")
    exact = {host: tech for host, tech in reversed(endpoints) if "*" not in host}
    wild = "|".join(f"(?P<e{i}>{fnmatch.translate(h)[4:-3]})" for i, (h, _) in enumerate(endpoints) if "*" in h)
    words = sorted({max(re.split(r"[.*:]", h), key=len) for h, _ in endpoints}, key=lambda w: (-len(w), w))
    py_words = sorted({name.split(".")[0] for name in py_imports} | {c.split(".")[0] for c in data.load_calls})
    host_bytes = b"|".join(re.escape(w.encode()) for w in words) or rb"(?!)"
    js_names = sorted(js_imports, key=lambda n: (-len(n), n))
    js_pattern = "[\"'`](?:" + "|".join(re.escape(n) for n in js_names) + ")[\"'`/]" if js_names else r"(?!)"
    return Knowledge(
        technologies=techs,
        pypi=pypi,
        npm=npm,
        python_imports=py_imports,
        js_imports=js_imports,
        endpoints=tuple(endpoints),
        model_files=tuple(sorted(data.model_files, key=lambda r: -len(r.suffix))),
        load_calls=data.load_calls,
        hub_keywords=frozenset(data.hub_keywords),
        hub_kinds=data.hub_kinds,
        mcp_configs=data.mcp_configs,
        default_excludes=frozenset(data.default_excludes),
        _load_call_re=load_re,
        _exact_hosts=exact,
        _wild_hosts=re.compile(wild or r"(?!)"),
        _host_words=re.compile("|".join(re.escape(w) for w in words) or r"(?!)"),
        _python_names=frozenset(w.encode() for w in py_words),
        _python_hosts=re.compile(host_bytes),
        _js_words=re.compile(js_pattern),
    )


@cache
def load_knowledge() -> Knowledge:
    """The built-in knowledge (read once per process)."""
    text = (resources.files("threatmodel.io.discover") / KNOWLEDGE_FILE).read_text(encoding="utf-8")
    return parse_knowledge(text, f"threatmodel/io/discover/{KNOWLEDGE_FILE}")

"""Safe, bounded YAML reading with ``file:line:col`` locations for every problem.

Parsing uses ``yaml_rs`` (Rust, YAML 1.2 core schema: ``no`` and ``on`` stay strings,
duplicate keys are errors, alias expansion is capped). When it is unavailable,
PyYAML's safe C loader is used with the same rules enforced by hand. Line and column
marks come from PyYAML's composer, run only when a location is needed, so valid files
pay nothing for error reporting (PyYAML is not even imported for them).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatmodel.errors import ModelError, Problem, SourceSpan, ThreatModelError
from threatmodel.io.yaml_document import YamlDocument
from threatmodel.textsafe import first_unsafe, visible

if TYPE_CHECKING:
    import yaml

yaml_rs: Any
try:  # pragma: no cover - exercised by whichever branch is installed
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest model or catalog file read; larger files are refused before parsing."""
MAX_EXPANDED_NODES = 1_000_000
"""Most nodes a document may expand to through aliases (guards against alias bombs)."""
MAX_DEPTH = 64
"""Deepest nesting of collections accepted."""
MAX_INT = 2**63 - 1
"""Largest integer magnitude accepted anywhere in a file (a signed 64-bit integer)."""

# A block collection nested N deep starts its innermost line at column >= N (every
# level indents, or adds a compact "- " / "? "), so a line whose leading run of
# spaces and indicators is short cannot be deep. Only lines with a long run are
# tokenised to measure the real depth, before any parser builds a tree: yaml_rs
# recurses per level and crashes the process (SIGSEGV) at a few thousand levels.
_LONG_LEAD = re.compile(rf"\n[ \t?:-]{{{MAX_DEPTH}}}")

_RS_LOCATION = re.compile(r"at line (\d+), column (\d+)")


def _loader() -> Any:
    """PyYAML's safe loader (the C one when built with libyaml): for scanning and composing with
    marks. PyYAML is imported on first need: a valid file parsed by ``yaml_rs`` never needs it."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _yaml12_loader() -> Any:
    """PyYAML's safe loader restricted to YAML 1.2 core booleans and no implicit timestamps."""
    base = _loader()

    class Yaml12Loader(base):  # type: ignore[misc, valid-type]
        pass

    Yaml12Loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    Yaml12Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return Yaml12Loader


def _problem(path: str, line: int, column: int, message: str, hint: str | None = None) -> Problem:
    return Problem(message, SourceSpan(path, line, column), hint)


def _first_alias(text: str) -> tuple[int, int]:
    import yaml

    try:
        for event in yaml.parse(text, Loader=_loader()):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return event.start_mark.line + 1, event.start_mark.column + 1
    except yaml.YAMLError:
        pass
    return 1, 1


def _duplicate_key(text: str, path: str) -> Problem | None:
    import yaml

    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None
    stack = [root] if root is not None else []
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        # An alias is the very node its anchor names: walking it again would expand
        # an alias bomb (a 538-byte file with one duplicate key used to hang here).
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        mark = key_node.start_mark
                        return _problem(
                            path,
                            mark.line + 1,
                            mark.column + 1,
                            f"duplicate key '{key_node.value}' (first at line {seen[key_node.value]})",
                            "YAML keeps only one of them; remove or rename one",
                        )
                    seen[key_node.value] = key_node.start_mark.line + 1
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _check_tree(root: yaml.Node, path: str, text: str) -> Problem | None:
    """Linear, memoised count of what aliases expand to, plus depth and duplicate keys."""
    import yaml

    sizes: dict[int, int] = {}
    depth_of: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        known = sizes.get(id(node))
        if known is not None and depth_of[id(node)] >= depth:
            return known
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        sizes[id(node)] = total
        depth_of[id(node)] = depth
        if total > MAX_EXPANDED_NODES:
            raise _TooLarge(node)
        return total

    try:
        size(root, 0)
    except _TooDeep as exc:
        mark = exc.node.start_mark
        return _problem(path, mark.line + 1, mark.column + 1, f"nesting deeper than {MAX_DEPTH} levels")
    except _TooLarge:
        line, column = _first_alias(text)
        return _problem(path, line, column, _BOMB_MESSAGE, _BOMB_HINT)
    return None


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _TooLarge(Exception):
    pass


_BOMB_MESSAGE = f"the document expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (an alias bomb?)"
_BOMB_HINT = "model files do not need deeply repeated anchors; write the values out"


_STANDARD_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq"))


def _foreign_tag_problem(text: str, path: str) -> Problem | None:
    """Refuse explicit tags other than YAML's own core ones (``!!python/...``, ``!Ref``...)."""
    import yaml

    try:
        for token in yaml.scan(text, Loader=_loader()):
            if isinstance(token, yaml.TagToken):
                handle, suffix = token.value
                tag = (handle or "") + (suffix or "")
                if tag not in ("!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq"):
                    mark = token.start_mark
                    return _problem(
                        path,
                        mark.line + 1,
                        mark.column + 1,
                        f"YAML tag '{tag}' is not allowed",
                        "model files are plain YAML; language-specific tags (!!python/...) are refused",
                    )
    except yaml.YAMLError:
        return None
    return None


def _foreign_tag(text: str) -> tuple[int, int]:
    import yaml

    try:
        stack = [yaml.compose(text, Loader=_loader())]
    except yaml.YAMLError:
        return 1, 1
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            return node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return 1, 1


def _offset_problem(text: str, path: str, offset: int, message: str, hint: str | None = None) -> Problem:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return _problem(path, line, column, message, hint)


def _block_depth_problem(text: str, path: str) -> Problem | None:
    """Refuse block nesting deeper than :data:`MAX_DEPTH` without building a tree."""
    if _LONG_LEAD.search(text) is None and _LONG_LEAD.match("\n" + text[:MAX_DEPTH]) is None:
        return None
    import yaml

    depth = 0
    try:
        for token in yaml.scan(text, Loader=_loader()):
            if isinstance(
                token,
                yaml.BlockSequenceStartToken
                | yaml.BlockMappingStartToken
                | yaml.FlowSequenceStartToken
                | yaml.FlowMappingStartToken,
            ):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = token.start_mark
                    return _problem(path, mark.line + 1, mark.column + 1, f"nesting deeper than {MAX_DEPTH} levels")
            elif isinstance(token, yaml.BlockEndToken | yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken):
                depth -= 1
    except yaml.YAMLError as exc:
        # Not YAML libyaml can read: refuse rather than hand a parser that may crash
        # a deeply indented text we could not measure.
        where: Any = getattr(exc, "problem_mark", None)
        line, column = (where.line + 1, where.column + 1) if where is not None else (1, 1)
        return _problem(path, line, column, f"invalid YAML: {getattr(exc, 'problem', None) or exc}")
    return None


def _unsafe_character_problem(text: str, path: str, offset: int) -> Problem:
    char = visible(text[offset])
    return _offset_problem(
        text,
        path,
        offset,
        f"control or bidi character '{char}' is not allowed",
        "model files are plain text: terminal escapes and bidi overrides could disguise what a reader sees",
    )


def _escaped_unsafe_problem(doc: YamlDocument) -> Problem | None:
    """A control character written as an escape (``"\\x1b"``) in a double-quoted string."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc.data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            if first_unsafe(value) is not None:
                char = visible(value[first_unsafe(value) or 0])
                return Problem(
                    f"control or bidi character '{char}' is not allowed",
                    doc.span(loc),
                    "remove the escape: terminal escapes and bidi overrides could disguise what a reader sees",
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and first_unsafe(key) is not None:
                    return Problem(
                        f"control or bidi character '{visible(key[first_unsafe(key) or 0])}' is not allowed in a key",
                        doc.span((*loc, key), key=True),
                    )
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, i)) for i, item in enumerate(value))
    return None


def parse_yaml(text: str, path: str, *, error: type[ThreatModelError] = ModelError) -> YamlDocument:
    """Parse ``text`` safely; raise ``error`` with a located problem on any failure."""
    if "\x00" in text:
        raise error(_offset_problem(text, path, text.index("\x00"), "the file contains NUL bytes; is it YAML?"))
    unsafe = first_unsafe(text)
    if unsafe is not None:
        raise error(_unsafe_character_problem(text, path, unsafe))
    deep = _block_depth_problem(text, path)
    if deep is not None:
        raise error(deep)
    if "!" in text:
        tagged = _foreign_tag_problem(text, path)
        if tagged is not None:
            raise error(tagged)
    if yaml_rs is not None:
        try:
            data = yaml_rs.loads(
                text,
                parse_datetime=False,
                alias_limits=yaml_rs.AliasLimits(
                    max_total_replayed_events=MAX_EXPANDED_NODES, max_replay_stack_depth=MAX_DEPTH
                ),
            )
        except yaml_rs.YAMLDecodeError as exc:
            raise error(_from_rs_error(str(exc), text, path)) from None
        except RecursionError:
            raise error(_problem(path, 1, 1, f"nesting deeper than {MAX_DEPTH} levels")) from None
        doc = YamlDocument(path, text, data)
        depth = _max_depth(data)
        if depth > MAX_DEPTH:
            raise error(_problem(path, 1, 1, f"nesting deeper than {MAX_DEPTH} levels"))
        if depth < 0:
            raise error(_huge_int_problem(doc))
        if "\\" in text:
            escaped = _escaped_unsafe_problem(doc)
            if escaped is not None:
                raise error(escaped)
        return doc
    return _parse_with_pyyaml(text, path, error)  # pragma: no cover


_PLAIN_SCALARS = frozenset({str, bool, float, type(None)})
"""Types of parsed values that hold nothing and are no integer (``bool`` is its own type here)."""


def _max_depth(data: Any) -> int:
    """Deepest nesting in ``data``; -1 if it holds an integer beyond :data:`MAX_INT`.

    Level by level: only non-empty containers go to the next level, integers are checked where
    they are found, and the walk stops as soon as a level lies deeper than :data:`MAX_DEPTH`. The
    values that can be neither (strings, booleans, floats, nulls: nine in ten of a model's) are
    passed over after one look-up of their type.
    """
    if type(data) is int and not -MAX_INT <= data <= MAX_INT:
        return -1
    if not isinstance(data, dict | list) or not data:
        return 0
    level: list[Any] = [data]
    depth = 0
    plain = _PLAIN_SCALARS
    while level:
        depth += 1  # the children of this level's containers sit this deep
        if depth > MAX_DEPTH:
            return depth
        deeper: list[Any] = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                kind = type(child)
                if kind in plain:
                    continue
                if kind is dict or kind is list:
                    if child:
                        deeper.append(child)
                elif kind is int and not -MAX_INT <= child <= MAX_INT:
                    return -1
        level = deeper
    return depth


def _huge_int_problem(doc: YamlDocument) -> Problem:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc.data, ())]
    where = SourceSpan(doc.path, 1, 1)
    while stack:
        value, loc = stack.pop()
        if type(value) is int and not -MAX_INT <= value <= MAX_INT:
            where = doc.span(loc)
            break
        if isinstance(value, dict):
            stack.extend((item, (*loc, key)) for key, item in value.items() if isinstance(key, str | int))
        elif isinstance(value, list):
            stack.extend((item, (*loc, i)) for i, item in enumerate(value))
    return Problem(
        f"number out of range (more than {MAX_INT:,} in size)",
        where,
        "quote it if it is meant as text",
    )


def _bad_tagged_value(text: str, line: int, column: int) -> tuple[int, int]:
    """Where the first explicitly tagged scalar that does not fit its tag is."""
    import yaml

    checks: dict[str, Any] = {"!!int": int, "!!float": float}
    try:
        tag = None
        for token in yaml.scan(text, Loader=_loader()):
            if isinstance(token, yaml.TagToken):
                tag = (token.value[0] or "") + (token.value[1] or "")
                mark = token.start_mark
                continue
            if isinstance(token, yaml.ScalarToken) and tag is not None:
                check = checks.get(tag)
                if tag == "!!bool" and token.value not in ("true", "false"):
                    return mark.line + 1, mark.column + 1
                if check is not None:
                    try:
                        check(token.value.replace("_", ""))
                    except ValueError:
                        return mark.line + 1, mark.column + 1
            tag = None
    except yaml.YAMLError:
        pass
    return line, column


def _from_rs_error(message: str, text: str, path: str) -> Problem:
    if "alias replay limit" in message or "replay stack" in message:
        line, column = _first_alias(text)
        return _problem(path, line, column, _BOMB_MESSAGE, _BOMB_HINT)
    if message.startswith("duplicate mapping key"):
        located = _duplicate_key(text, path)
        if located is not None:
            return located
    found = _RS_LOCATION.search(message)
    line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
    lines = [ln for ln in message.splitlines() if ln.strip()]
    reason = lines[-1].strip() if lines else message
    hint = None
    if "tab" in reason.lower():
        reason = "a tab character is used for indentation"
        hint = "YAML indents with spaces only; replace the tab with spaces"
    elif "for '!!" in reason and "Invalid value" in reason:
        line, column = _bad_tagged_value(text, line, column)
        hint = "remove the tag, or give a value of that type"
    elif "Invalid tag" in reason:
        line, column = _foreign_tag(text)
        hint = "model files are plain YAML; language-specific tags (!!python/...) are refused"
    return _problem(path, line, column, f"invalid YAML: {reason}", hint)


def _parse_with_pyyaml(text: str, path: str, error: type[ThreatModelError]) -> YamlDocument:  # pragma: no cover
    import yaml

    loader = _yaml12_loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(path, text, None)
        problem = _check_tree(root, path, text) or _duplicate_key(text, path)
        if problem is not None:
            raise error(problem)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark: Any = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise error(_problem(path, line, column, f"invalid YAML: {exc.problem}")) from None
    except yaml.YAMLError as exc:
        raise error(_problem(path, 1, 1, f"invalid YAML: {exc}")) from None
    finally:
        loader.dispose()
    return YamlDocument(path, text, data)


def read_text(path: Path, display: str, *, error: type[ThreatModelError] = ModelError) -> str:
    """Read a UTF-8 file with a size cap; every failure is a located ``error``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(Problem(f"no such file: {display}", SourceSpan(display))) from None
    except OSError as exc:
        raise error(Problem(f"cannot read {display}: {exc.strerror}", SourceSpan(display))) from None
    if not path.is_file():
        raise error(Problem(f"{display} is not a file", SourceSpan(display)))
    if size > MAX_FILE_BYTES:
        raise error(
            Problem(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                SourceSpan(display),
                "split a large model with `includes:`",
            )
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(Problem(f"cannot read {display}: {exc.strerror}", SourceSpan(display))) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(_problem(display, line, column, "the file is not valid UTF-8")) from None


def read_yaml(path: Path, display: str | None = None, *, error: type[ThreatModelError] = ModelError) -> YamlDocument:
    """Read and parse a YAML file safely."""
    shown = display if display is not None else str(path)
    return parse_yaml(read_text(path, shown, error=error), shown, error=error)

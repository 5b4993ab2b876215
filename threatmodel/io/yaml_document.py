"""A parsed YAML file that can point back into its text: where a key or value is written.

Locations come from PyYAML's node tree (with marks), composed only when a location is asked for;
a large file answers its first few questions from growing prefixes instead (see ``span``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threatmodel.errors import SourceSpan

if TYPE_CHECKING:
    import yaml

COMPLEX_KEY = "<complex key>"
"""A location part naming the first key of a mapping that is not a scalar."""


def marks_loader() -> Any:
    """PyYAML's base loader (C when available), imported on first need: only marks and key text are
    read from its nodes, and it skips implicit tag resolution, most of the cost on a large file."""
    import yaml

    return getattr(yaml, "CBaseLoader", yaml.BaseLoader)


_NON_TEXT_KEY = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.inf|\.nan)|true|false|True|False|null|Null|~"
)


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, and its node tree on demand for locations."""

    path: str
    text: str
    data: Any
    _nodes: Any = field(default=None, repr=False)
    _composed: bool = field(default=False, repr=False)
    _prefixes: dict[int, Any] = field(default_factory=dict, repr=False)
    _prefix_lookups: int = field(default=0, repr=False)
    _prefix_start: int = field(default=1 << 16, repr=False)
    _items: dict[str, list[tuple[int, int, str, int]]] | None = field(default=None, repr=False)

    def keep_outline(self) -> None:
        """Replace :attr:`data` by what locating needs of it once the model is valid: of each item of
        a top-level list, its first key and its ``id`` (``_item_span`` checks the text against them),
        as a :class:`SectionOutline` per list.

        The validated model holds everything else, and the full data of a 50,000-component model
        is over 150 MB. Any other location is composed from the text, as before."""
        data = self.data
        if not isinstance(data, dict):
            return
        outline: dict[Any, Any] = {}
        for section, items in data.items():
            if isinstance(items, list):
                outline[section] = SectionOutline.of(items)
        self.data = outline

    def nodes(self) -> yaml.Node | None:
        """The composed node tree with marks, or None if PyYAML cannot compose this text."""
        if not self._composed:
            import yaml

            self._composed = True
            try:
                self._nodes = yaml.compose(self.text, Loader=marks_loader())
            except yaml.YAMLError:
                self._nodes = None
        return self._nodes  # type: ignore[no-any-return]

    def span(self, loc: Sequence[str | int], *, key: bool = False) -> SourceSpan:
        """Where ``loc`` (a path of keys and indexes) is in the file.

        Path parts that do not exist in the document (tags of unions, missing keys)
        are skipped, so a missing key points at the mapping that lacks it. With
        ``key=True`` the last part points at the key rather than its value.
        """
        if not key and self._nodes is None:
            quick = self._item_span(loc)
            if quick is not None:
                return quick
        if len(self.text) > PREFIX_LOCATING_FROM and self._prefix_lookups < PREFIX_LOOKUPS and not self._composed:
            self._prefix_lookups += 1
            found = self._span_from_prefix(loc, key)
            if found is not None:
                return found
        node = self.nodes()
        if node is None:
            return SourceSpan(self.path, 1, 1)
        node = _walk(node, loc, key)
        mark = node.start_mark
        return SourceSpan(self.path, mark.line + 1, mark.column + 1)

    def _item_span(self, loc: Sequence[str | int]) -> SourceSpan | None:
        """Where the ``i``-th item of a top-level list (``(section, i)``), or its ``id`` value
        (``(section, i, "id")``), is written, read from the lines of a block-style file without
        composing a node tree: how SARIF and ``check`` locate thousands of elements.

        Every answer is checked against the parsed data (the item's first key, or its id, must be
        what the text says at that place); anything unusual returns None and the caller composes.
        """
        if not (2 <= len(loc) <= 3 and isinstance(loc[0], str) and isinstance(loc[1], int)):
            return None
        if len(loc) == 3 and loc[2] != "id":
            return None
        section, index = loc[0], loc[1]
        items = self._scan_items().get(section)
        data = self.data.get(section) if isinstance(self.data, dict) else None
        if isinstance(data, list):
            data = SectionOutline.of(data)  # before keep_outline (a problem of a valid file: rare)
        if not items or not isinstance(data, SectionOutline) or len(items) != len(data.firsts):
            return None
        if not 0 <= index < len(items):
            return None
        line, column, first, offset = items[index]
        if data.firsts[index] != first:  # None (not a mapping, or empty) never equals a key's text
            return None
        if len(loc) == 2:
            return SourceSpan(self.path, line, column)
        found = self._id_value(line, column, offset, data.ids[index])
        return SourceSpan(self.path, *found) if found is not None else None

    def _scan_items(self) -> dict[str, list[tuple[int, int, str, int]]]:
        """Top-level list sections -> (line, column, first key, offset of its line) of each block
        item; line and column 1-based."""
        if self._items is None:
            items: dict[str, list[tuple[int, int, str, int]]] = {}
            section: str | None = None
            dash: int | None = None
            text = self.text
            number, counted = 1, 0
            # only the lines that are a top-level key or a block item, found by one scan of the text
            for found, begins in _lines_of_items(text):
                number += text.count("\n", counted, begins)
                counted = begins
                top = found.group(1)
                if top is not None:
                    section, dash = top, None
                    items[section] = []
                    continue
                if section is None:
                    continue
                indent = len(found.group(2))
                if dash is None:
                    dash = indent
                if indent == dash:
                    items[section].append((number, indent + 3, found.group(3), counted))
            self._items = items
        return self._items

    def _id_value(self, line: int, column: int, offset: int, expected: object) -> tuple[int, int] | None:
        """(line, column) of the ``id:`` value of the item whose first key sits at ``column`` of the
        line starting at ``offset``; read line by line from there (no table of every line is kept)."""
        if not isinstance(expected, str):
            return None
        text = self.text
        start = offset
        for number in range(line, line + 200):  # an item's id is near its start
            end = text.find("\n", start)
            last = end < 0
            current = text[start:] if last else text[start:end]
            if number > line and (len(current) - len(current.lstrip(" ")) < column - 1 and current.strip()):
                return None  # left the item
            if current[column - 1 : column + 2] == "id:" and (number == line or not current[: column - 1].strip()):
                value = _ID_VALUE.match(current, column + 2)
                if value is None:
                    return None
                word = value.group(2)
                if word.strip("\"'") != expected:
                    return None
                return number, value.start(2) + 1
            if last:
                break
            start = end + 1
        return None

    def _span_from_prefix(self, loc: Sequence[str | int], key: bool) -> SourceSpan | None:
        """``span`` from the shortest growing prefix of a large file that holds the whole answer.

        Composing a 16 MiB file to point at its first problems cost tens of seconds; most
        problems sit early, so prefixes of 64 KiB, 256 KiB, 1 MiB… (cut at a line end) are composed
        in turn. An answer counts only if the node it lands on ends before the cut: a node cut
        off (or a list missing the wanted item) grows the prefix. At worst, a third more work.
        """
        import yaml

        size = self._prefix_start  # never smaller than a prefix an earlier lookup had to reach
        while size < len(self.text):
            cut = self.text.rfind("\n", 0, size) + 1
            root = self._prefixes.get(cut)
            if root is None and cut not in self._prefixes:
                try:
                    root = yaml.compose(self.text[:cut], Loader=marks_loader())
                except yaml.YAMLError:
                    root = None
                self._prefixes.clear()  # keep one prefix tree at a time
                self._prefixes[cut] = root
            if root is not None:
                node = _walk(root, loc, key)
                if node is not root and node.end_mark.index < cut - 1:
                    mark = node.start_mark
                    return SourceSpan(self.path, mark.line + 1, mark.column + 1)
            size *= 4
            self._prefix_start = size
        return None


@dataclass(frozen=True, slots=True)
class SectionOutline:
    """Of each item of a top-level list, what :meth:`YamlDocument._item_span` checks the text against:
    its first key (None when the item is not a non-empty mapping) and its ``id`` value (None when it
    has none). Two flat lists rather than a small mapping per item: a tenth of the memory."""

    firsts: list[Any]
    ids: list[Any]

    @classmethod
    def of(cls, items: list[Any]) -> SectionOutline:
        keys: dict[Any, Any] = {}  # one copy of each key's text, not one per item
        firsts: list[Any] = []
        ids: list[Any] = []
        for item in items:
            if isinstance(item, dict) and item:
                first = next(iter(item))
                firsts.append(keys.setdefault(first, first))
                ids.append(item.get("id"))
            else:
                firsts.append(None)
                ids.append(None)
        return cls(firsts, ids)


_KEY_OR_ITEM = re.compile(
    r"^(?:([A-Za-z_][A-Za-z0-9_-]*):[ \t]*(?:#.*)?$|( *)- ([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]|$))", re.MULTILINE
)
"""A line that is a top-level key alone (``components:``, group 1) or a block item that starts with a
key (``  - id: x``: indent, group 2, and key, group 3), found anywhere in a text."""
_AFTER_NEWLINE = re.compile("\n" + _KEY_OR_ITEM.pattern[1:], re.MULTILINE)
""":data:`_KEY_OR_ITEM` on the line after a newline: the same lines but the first, found about twice
as fast (the search jumps from newline to newline instead of trying ``^`` at every character)."""


def _lines_of_items(text: str) -> Iterator[tuple[re.Match[str], int]]:
    """Each match of :data:`_KEY_OR_ITEM` in ``text`` with the offset of the line it starts (a match
    never spans lines, so the newline before a line is never part of the match before it)."""
    first = _KEY_OR_ITEM.match(text)
    if first is not None:
        yield first, 0
    for found in _AFTER_NEWLINE.finditer(text):
        yield found, found.start() + 1


_ID_VALUE = re.compile(r"([ \t]+)(\"[a-z0-9-]+\"|'[a-z0-9-]+'|[a-z0-9][a-z0-9-]*)[ \t]*(?:#.*)?$")

PREFIX_LOCATING_FROM = 1 << 20
"""Files larger than this (1 MiB) are located from growing prefixes (``YamlDocument._span_from_prefix``)."""

PREFIX_LOOKUPS = 16
"""Locations one large document answers from prefixes: enough for the problems of a broken file.
Past that (SARIF and ``check`` locate every element) the whole file is composed once, instead of
composing prefixes again for each lookup, which grew with the number of elements times the file."""


def _walk(node: Any, loc: Sequence[str | int], key: bool) -> Any:
    """The node at ``loc`` under ``node``, skipping parts that do not exist (see ``YamlDocument.span``)."""
    import yaml

    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    node = key_node if (key and last) else value_node
                    break
            else:
                if part == COMPLEX_KEY:  # a key that is a list or mapping (`? [a]`): point at it
                    for key_node, _value in node.value:
                        if not isinstance(key_node, yaml.ScalarNode) or (
                            key_node.style in (None, "") and _NON_TEXT_KEY.fullmatch(key_node.value)
                        ):
                            node = key_node
                            break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
    return node

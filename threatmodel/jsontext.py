"""Pretty JSON text, the same bytes as ``json.dumps(value, indent=2, ensure_ascii=False)``, written
by orjson (about 8x faster on a 10,000-component assessment).

orjson refuses what the standard library would write differently or not at all (lone surrogates
from a ``\\ud800`` escape in a YAML string, integers beyond 64 bits, non-string keys); those fall
back to the standard library, so the output never depends on which writer ran.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

import orjson


def pretty(value: Any) -> str:
    """``value`` as indented JSON text ending with a newline."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def pretty_utf8(value: Any) -> bytes | None:
    """:func:`pretty` as UTF-8 bytes without the final newline, straight from orjson (a large export
    is then never decoded into a string only to be encoded again); ``None`` when orjson refuses the
    value and :func:`pretty`'s fallback must write it."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except (TypeError, orjson.JSONEncodeError):
        return None


def compact_sorted(value: Any) -> str:
    """``value`` as one line of JSON with sorted keys, the same text as ``json.dumps(value,
    ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` (what the HTML report embeds for
    its script), written by orjson when it accepts the value."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _pretty_item(value: Any) -> bytes:
    """One value as :func:`pretty` writes it, as UTF-8 without the final newline."""
    data = pretty_utf8(value)
    return data if data is not None else json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")


def _pretty_list_item(value: Any) -> bytes:
    """One value as an item of a list that is itself the value of a top-level key: :func:`_pretty_item`
    with every line indented by four spaces, dumped inside two lists with no pass shifting its
    lines (:func:`_pretty_nested_item`; 10k: about 10 ms less for the JSON findings or the STIX objects)."""
    return _pretty_nested_item(value, 4)


def pretty_utf8_chunks(value: dict[str, Any]) -> Iterator[bytes]:
    """:func:`pretty` of ``value`` plus its newline as UTF-8, one item at a time when its last key
    holds a non-empty list: each item is dumped alone and indented one level further (JSON text
    holds no raw newline inside a string, so shifting each line is exact). The same bytes as the
    whole document at once, without ever holding them all (a STIX bundle of a 50,000-component
    model is about 150 MB)."""
    keys = list(value)
    items = value[keys[-1]] if keys else None
    if not isinstance(items, list) or not items:
        yield _pretty_item(value) + b"\n"
        return
    head = _pretty_item({k: value[k] for k in keys[:-1]})
    # "{\n  ...\n}" without its closing line, or "{" alone when no other key precedes the list
    opening = head[:-2] + b",\n" if len(keys) > 1 else b"{\n"
    name = json.dumps(keys[-1], ensure_ascii=False).encode("utf-8")
    yield opening + b"  " + name + b": [\n"
    for i, item in enumerate(items):
        yield (b",\n" + _pretty_list_item(item)) if i else _pretty_list_item(item)
    yield b"\n  ]\n}\n"


def pretty_utf8_chunks_at(value: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[bytes]:
    """:func:`pretty` of ``value`` with ``items`` as the list under ``key`` (whatever ``value``
    holds there), plus its newline, as UTF-8 chunks: the keys before it, each item dumped alone and
    indented one level further (as :func:`pretty_utf8_chunks` does), then the keys after it. The
    same bytes as the whole document at once, without holding the items' text, or the items
    themselves when ``items`` makes them as it goes (the assessment's findings: 210 MB of JSON at
    50,000 components)."""
    keys = list(value)
    at = keys.index(key)
    before, after = keys[:at], keys[at + 1 :]
    head = _pretty_item({k: value[k] for k in before}) if before else b""
    # "{\n  ...\n}" without its closing line, or "{" alone when no key precedes the list
    opening = head[:-2] + b",\n" if before else b"{\n"
    name = json.dumps(key, ensure_ascii=False).encode("utf-8")
    count = 0
    for item in items:
        text = _pretty_list_item(item)
        if count:
            yield b",\n" + text
        else:
            yield opening + b"  " + name + b": [\n" + text
        count += 1
    if not count:
        yield opening + b"  " + name + b": []"
    else:
        yield b"\n  ]"
    if after:
        # "{\n  ...\n}": its lines after the opening brace continue the document
        yield b",\n" + _pretty_item({k: value[k] for k in after})[2:] + b"\n"
    else:
        yield b"\n}\n"


def _pretty_nested_item(value: Any, indent: int) -> bytes:
    """One value as :func:`pretty` writes it inside a document where its first line is indented by
    ``indent`` spaces (even): dumped inside ``indent // 2`` lists, orjson writes its lines indented
    by that much, between those lists' opening and closing lines, with no pass shifting them."""
    depth = indent // 2
    edge = depth * (depth + 1)  # the lists' opening lines, "[\n" then "  [\n" ..., and as long their closing ones
    wrapped: Any = value
    for _ in range(depth):
        wrapped = [wrapped]
    try:
        return orjson.dumps(wrapped, option=orjson.OPT_INDENT_2)[edge:-edge] if depth else _pretty_item(value)
    except (TypeError, orjson.JSONEncodeError):
        return b" " * indent + _pretty_item(value).replace(b"\n", b"\n" + b" " * indent)


def pretty_utf8_chunks_within(value: Any, path: tuple[str | int, ...], items: Iterable[Any]) -> Iterator[bytes]:
    """:func:`pretty` of ``value`` plus its newline, as UTF-8 chunks, with ``items`` as the list at
    ``path`` (keys and list indexes from the top; whatever ``value`` holds there is replaced): the
    text around that list dumped once, and each item dumped alone, indented to its depth, as it is
    read. The same bytes as the whole document at once, without holding the items' text, or the
    items themselves when ``items`` makes them as it goes (a SARIF log's results)."""
    # The list's place is marked by a string no value can hold by chance (a new random token), so
    # the text before and after it is found exactly; orjson writes the NUL as ``\\u0000``, like json.
    marker = "\x00" + os.urandom(16).hex()
    holder = copy.copy(value)
    parent: Any = holder
    for step in path[:-1]:
        child = copy.copy(parent[step])
        parent[step] = child
        parent = child
    parent[path[-1]] = marker
    head = pretty_utf8(holder)
    if head is None:
        head = json.dumps(holder, indent=2, ensure_ascii=False).encode("utf-8")
    quoted = json.dumps(marker).encode("ascii")
    at = head.index(quoted)
    line_start = head.rfind(b"\n", 0, at) + 1
    indent = 0  # the spaces starting the list's line
    while head[line_start + indent] == 0x20:
        indent += 1
    before, after = head[:at], head[at + len(quoted) :] + b"\n"
    count = 0
    for item in items:
        text = _pretty_nested_item(item, indent + 2)
        if count:
            yield b",\n" + text
        else:
            yield before + b"[\n" + text
        count += 1
    if not count:
        yield before + b"[]" + after
    else:
        yield b"\n" + b" " * indent + b"]" + after

"""``jsontext.pretty`` and ``jsontext.compact_sorted`` write exactly what the standard library writes,
whichever writer runs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.jsontext import (
    compact_sorted,
    pretty,
    pretty_utf8_chunks,
    pretty_utf8_chunks_at,
    pretty_utf8_chunks_within,
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text()  # includes control characters, bidi marks and lone surrogates
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_pretty_is_the_standard_library_text(value: Any) -> None:
    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_escapes_match_for_awkward_strings() -> None:
    for text in ("\x00\x1f\x7f", "\u2028\u2029", "\ud800", "é\u202eabc", '"\\/'):
        assert pretty({"k": text}) == json.dumps({"k": text}, indent=2, ensure_ascii=False) + "\n"


def _compact_reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@settings(max_examples=400, deadline=None)
@given(values)
def test_compact_sorted_is_the_standard_library_text(value: Any) -> None:
    assert compact_sorted(value) == _compact_reference(value)


def test_compact_sorted_orders_keys_by_code_point_and_keeps_awkward_strings() -> None:
    value = {"\u00e9": 1, "z": "\x00\x1f\x7f\u2028\u2029", "A": ["\ud800", "\U0001f600"], "a": 2**70}
    assert compact_sorted(value) == _compact_reference(value)
    assert compact_sorted({"b": 1, "a": {"d": 2, "c": 3}}) == '{"a":{"c":3,"d":2},"b":1}'


def _whole(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), values, max_size=4), st.text(max_size=8), st.lists(values, max_size=5))
def test_pretty_chunks_are_the_whole_document(head: dict[str, Any], key: str, items: list[Any]) -> None:
    """Written item by item, the document is byte for byte the standard library's whole text."""
    value = {**{k: v for k, v in head.items() if k != key}, key: items}
    try:
        expected = _whole(value)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 in either writer
        return
    assert b"".join(pretty_utf8_chunks(value)) == expected


def test_pretty_chunks_of_a_bundle_like_document() -> None:
    """A STIX-shaped bundle comes out as its opening, one chunk per object, and its closing."""
    value = {"type": "bundle", "id": "b--1", "objects": [{"a": [], "b": {}, "c": [1, {"d": "é\n"}]}, {}, []]}
    assert b"".join(pretty_utf8_chunks(value)) == _whole(value)
    assert len(list(pretty_utf8_chunks(value))) == 5
    for other in ({}, {"objects": []}, {"x": 1}, {"objects": [1]}):
        assert b"".join(pretty_utf8_chunks(other)) == _whole(other)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(max_size=8), values, max_size=4),
    st.text(max_size=8),
    st.lists(values, max_size=5),
    st.dictionaries(st.text(max_size=8), values, max_size=4),
)
def test_pretty_chunks_at_a_key_are_the_whole_document(
    head: dict[str, Any], key: str, items: list[Any], tail: dict[str, Any]
) -> None:
    """The list written item by item at any place among the keys (first, last, between, alone),
    from items made as it goes: byte for byte the standard library's whole text."""
    value = {**{k: v for k, v in head.items() if k != key}, key: items}
    value.update({k: v for k, v in tail.items() if k not in value})
    try:
        expected = _whole(value)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 in either writer
        return
    placeholder = {**value, key: "ignored"}
    assert b"".join(pretty_utf8_chunks_at(placeholder, key, iter(items))) == expected


def test_pretty_chunks_at_the_findings_of_an_assessment_like_document() -> None:
    value = {"format": "x", "findings": [{"id": "a", "why": ["é\n"]}, {}], "control_plan": [], "questions": [1]}
    chunks = list(pretty_utf8_chunks_at(value, "findings", iter(value["findings"])))
    assert b"".join(chunks) == _whole(value)
    assert len(chunks) == 4  # the opening with the first finding, the second, the list's end, the rest
    for other in ({"findings": []}, {"findings": [1]}, {"a": 1, "findings": []}, {"findings": [], "b": [2]}):
        assert b"".join(pretty_utf8_chunks_at(other, "findings", iter(other["findings"]))) == _whole(other)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.dictionaries(st.text(max_size=6), values, max_size=3), st.text(max_size=6), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    st.lists(values, max_size=5),
    st.lists(values, max_size=2),
)
def test_pretty_chunks_within_are_the_whole_document(
    levels: list[tuple[dict[str, Any], str, bool]], items: list[Any], siblings: list[Any]
) -> None:
    """The list at any depth (under keys and list items, among other keys and items), written item
    by item from items made as it goes: byte for byte the standard library's whole text, and the
    value it was given is left as it was."""
    inner: Any = items
    path: list[str | int] = []
    for others, key, in_list in reversed(levels):
        node = {**{k: v for k, v in others.items() if k != key}, key: inner}
        path[:0] = [key]
        if in_list:
            node_list: list[Any] = [*siblings, node]
            path[:0] = [len(siblings)]
            inner = node_list
        else:
            inner = node
    value = inner if isinstance(inner, dict) else {"top": inner}
    if not isinstance(inner, dict):
        path[:0] = ["top"]
    try:
        expected = _whole(value)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 in either writer
        return
    before = json.dumps(value)
    assert b"".join(pretty_utf8_chunks_within(value, tuple(path), iter(items))) == expected
    assert json.dumps(value) == before


def test_pretty_chunks_within_a_sarif_like_log() -> None:
    value = {"$schema": "s", "runs": [{"tool": {}, "results": [{"a": ["é\n", {}], "b": []}, {}, 2**70], "p": 1}]}
    chunks = list(pretty_utf8_chunks_within(value, ("runs", 0, "results"), iter(value["runs"][0]["results"])))
    assert b"".join(chunks) == _whole(value)
    assert len(chunks) == 4  # the opening with the first result, the second, the third, the list's end and the rest
    for results in ([], [1]):
        other = {"runs": [{"results": results}]}
        assert b"".join(pretty_utf8_chunks_within(other, ("runs", 0, "results"), iter(results))) == _whole(other)

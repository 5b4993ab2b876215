"""Indexes over one model graph that the set-wise rules of :mod:`.match` read instead of scanning.

Each index gives the same answer as the per-element test in :mod:`.conditions` it stands for
(``tests/engine/test_index.py`` checks that on generated graphs): the component ids of some kinds
(``KindIs``), each element's attribute value interned as a small code with one verdict per
distinct value and test (``attr_matches``), and the data assets that pass a data test
(``data_matches`` leaving the recipient aside) as set algebra over per-graph tables of assets by
classification, by tag and by personal status. All are built on first use and kept on the graph
(:meth:`ModelGraph.memo`), so both matchers of an evaluation and every rule that asks the same
question share them; an edit rebuilds the graph and with it every index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from threatmodel.engine.conditions import (
    MISSING,
    KeyTest,
    ValueKey,
    attr_matches,
    data_matches,
    is_personal,
    stated_tags,
    unknown_lineage_senders,
    value_key,
)
from threatmodel.graph import ModelGraph
from threatmodel.model.levels import Classification
from threatmodel.model.rules import AttrTest, DataTest

Element = str


def kind_members(graph: ModelGraph, kinds: Iterable[Any]) -> frozenset[Element]:
    """The components whose kind is one of ``kinds`` (``KindIs``: ``component.kind in kinds``)."""
    wanted = tuple(kinds)

    def build() -> frozenset[Element]:
        # by_kind groups the components by their ``kind`` exactly, so a group is in or out whole
        return frozenset(cid for kind, ids in graph.by_kind.items() if kind in wanted for cid in ids)

    return graph.memo(("kind-members", wanted), build)


class AttrIndex:
    """One attribute's value over the elements asked so far, each value interned as a small code.

    A test is decided once per distinct value (:class:`~.conditions.KeyTest`), and an element's
    answer is then a list look-up by its code: a rule over 10,000 elements that share a handful of
    values makes a handful of decisions. Elements are read on first use, from ``tables`` (the
    component, flow or data asset an id names, in that order, or only data assets)."""

    __slots__ = ("_absent", "_codes", "_name", "_raw", "_tables", "_verdicts", "code_of", "keys")

    def __init__(self, name: str, tables: Sequence[Mapping[Element, Any]]) -> None:
        self._name = name
        if not 1 <= len(tables) <= 3:
            raise ValueError("an attribute index reads one to three tables")
        self._tables = tuple(tables)
        """Where an element is read, first hit wins (components, flows, data assets; or data only)."""
        self._raw: dict[object, int] = {}
        """Codes by raw value, for values whose key their type and equality decide (see ``_fill``)."""
        self.code_of: dict[Element, int] = {}
        self.keys: list[ValueKey | None] = []
        """The distinct value keys met so far, by code (``None``: the element has no such attribute)."""
        self._codes: dict[ValueKey | None, int] = {}
        self._verdicts: dict[KeyTest, list[bool]] = {}
        self._absent: dict[type, bool] = {}
        """Per model class met: whether it cannot have this attribute (:func:`_lacks`)."""

    def _fill(self, elements: Iterable[Element]) -> None:
        code_of, raw, absent, name = self.code_of, self._raw, self._absent, self._name
        # the tables' look-ups in their order, the last repeated up to three (a model item is
        # never falsy): one expression per element instead of a loop over the tables
        first, second, third = (*(t.get for t in self._tables), *(self._tables[-1].get,) * 2)[:3]
        for e in [e for e in elements if e not in code_of]:
            target = first(e) or second(e) or third(e)
            if target is None:
                code_of[e] = self._code(None)
                continue
            # an attribute its class cannot have is missing without asking (pydantic's
            # fallback for a missing name raises an error, about 50 times a read)
            kind = type(target)
            lacking = absent.get(kind)
            if lacking is None:
                lacking = absent[kind] = _lacks(kind, name)
            value = MISSING if lacking else getattr(target, name, MISSING)
            # a str, a bool, no value or an enum member: its key is decided by its type and
            # equality alone, so equal values of one type share a code without making the key again
            # (an int or float is not: 0.0 == -0.0 are written differently); likewise a list of
            # such items, by the type of each item and the items (decision 1869: making a list's
            # key writes out every item, and most of a model's lists repeat a few values)
            kind = type(value)
            how = _HOW.get(kind)
            if how is None:
                how = _how(kind)
            if how is _RAW:
                found: tuple[object, ...] = (kind, value)
            elif how is _ITEMS and _all_raw(types := tuple(map(type, value))):
                found = (kind, types, value)
            else:
                code_of[e] = self._code(value_key(value))
                continue
            code = raw.get(found)
            if code is None:
                code = raw[found] = self._code(value_key(value))
            code_of[e] = code

    def _code(self, key: ValueKey | None) -> int:
        """The code of value key ``key`` (given the next one when it is new)."""
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = len(self.keys)
            self.keys.append(key)
        return code

    def _verdict(self, test: KeyTest) -> list[bool]:
        """Whether each distinct value met so far passes ``test``, by code (extended as values appear)."""
        verdict = self._verdicts.get(test)
        if verdict is None:
            verdict = self._verdicts[test] = []
        if len(verdict) < len(self.keys):
            verdict.extend(test.passes(key) for key in self.keys[len(verdict) :])
        return verdict

    def holding(self, test: KeyTest, elements: Sequence[Element]) -> list[Element]:
        """The elements of ``elements`` whose value passes ``test``, in their order."""
        code_of = self.code_of
        try:  # every element read before (the common case): one look-up each
            verdict = self._verdict(test)
            return [e for e in elements if verdict[code_of[e]]]
        except KeyError:  # some element not read yet: read them, then decide
            pass
        self._fill(elements)
        verdict = self._verdict(test)
        return [e for e in elements if verdict[code_of[e]]]


def _lacks(kind: type, name: str) -> bool:
    """Whether no instance of model class ``kind`` can have attribute ``name``: not a field, nothing
    of the class, not a private attribute, and the class takes no extra fields."""
    config = getattr(kind, "model_config", None)
    return (
        isinstance(config, dict)
        and config.get("extra") != "allow"
        and name not in getattr(kind, "model_fields", {})
        and name not in (getattr(kind, "__private_attributes__", None) or {})
        and not hasattr(kind, name)
    )


_RAW_SAFE = frozenset({str, bool, type(None)})
"""Value types whose :func:`~.conditions.value_key` follows from the type and equality of the value."""

_RAW = "raw"
"""A value type of :data:`_RAW_SAFE`, or an enumeration: values of it are coded by type and value."""
_ITEMS = "items"
"""A tuple (a list attribute): coded by its items' types and the items when every item is :data:`_RAW`."""
_OTHER = "other"
_HOW: dict[type, str] = {}
"""How values of each type met are coded (:func:`_how`); a model has a few dozen value types."""


def _all_raw(types: tuple[type, ...]) -> bool:
    """Whether every type of ``types`` is coded by type and value (:data:`_RAW`)."""
    return all((_HOW.get(t) or _how(t)) is _RAW for t in types)


def _how(kind: type) -> str:
    """:data:`_RAW`, :data:`_ITEMS` or :data:`_OTHER` for values of type ``kind`` (kept per type)."""
    how = _RAW if kind in _RAW_SAFE or issubclass(kind, Enum) else _ITEMS if kind is tuple else _OTHER
    if len(_HOW) >= 256:
        _HOW.clear()
    _HOW[kind] = how
    return how


def attr_index(graph: ModelGraph, name: str) -> AttrIndex:
    """The index of attribute ``name`` over components, flows and data assets (an id that names
    more than one is read as a component first, then as a flow, as ``Matcher.holds`` reads it)."""
    return graph.memo(("attr-index", name), lambda: AttrIndex(name, (graph.components, graph.flows, graph.data)))


def _data_attr_index(graph: ModelGraph, name: str) -> AttrIndex:
    """The index of attribute ``name`` over data assets only (what a data test reads)."""
    return graph.memo(("data-attr-index", name), lambda: AttrIndex(name, (graph.data,)))


def attr_holding(graph: ModelGraph, test: AttrTest, elements: Sequence[Element]) -> list[Element]:
    """The elements on which ``attr_matches(test, ...)`` holds, in their order."""
    compiled = KeyTest.of(test)
    if compiled is None:  # is_set looks at the value itself
        comps, flows, data = graph.components, graph.flows, graph.data
        return [
            e
            for e in elements
            if (target := comps.get(e) or flows.get(e) or data.get(e)) is not None
            and attr_matches(test, getattr(target, test.name, MISSING))
        ]
    return attr_index(graph, test.name).holding(compiled, elements)


# -- data tests ------------------------------------------------------------------------------

INDEXED_DATA_PARTS = frozenset(
    {
        "classification_at_least",
        "classification_unknown",
        "tags_any",
        "tags_own",
        "personal",
        "unknown",
        "attr",
        "unless",
    }
)
"""The parts of a :class:`DataTest` that :func:`data_passing` reads (with ``unknown`` as ``personal``
reads it); ``data_matches`` reads no other part without a recipient."""
ELSEWHERE_DATA_PARTS = frozenset({"new_to_recipient", "made_by_sender", "at_runtime", "kept", "learnt"})
"""The parts the matcher applies itself: which assets of an element are asked, and the recipient check."""
_INDEXABLE = frozenset(DataTest.model_fields) <= INDEXED_DATA_PARTS | ELSEWHERE_DATA_PARTS
"""False when a data test has grown a part the index does not know: :func:`data_passing` then asks
``data_matches`` of every asset (correct, only slower) until the index learns it."""


def _classified(graph: ModelGraph, wanted: Classification, unknown_matches: bool) -> frozenset[str]:
    """The assets that pass ``classification_at_least: wanted`` (``conditions.classified_at_least``)."""

    def build() -> frozenset[str]:
        by_level = _by_classification(graph)
        out: set[str] = set()
        for level, ids in by_level.items():
            if level is not None and level >= wanted:
                out |= ids
        unstated = by_level.get(None, frozenset())
        if unknown_matches:
            out |= unstated
        else:
            # settled by the stated classifications along the lineage (``_left_open`` is None)
            open_ = graph.open_classification
            for d in unstated:
                entry = open_.get(d)
                if entry is not None and entry.floor is not None and entry.floor >= wanted:
                    out.add(d)
        return frozenset(out)

    return graph.memo(("data-classified", wanted, unknown_matches), build)


def _by_classification(graph: ModelGraph) -> Mapping[Classification | None, frozenset[str]]:
    def build() -> dict[Classification | None, frozenset[str]]:
        groups: dict[Classification | None, set[str]] = {}
        for d, asset in graph.data.items():
            groups.setdefault(asset.classification, set()).add(d)
        return {level: frozenset(ids) for level, ids in groups.items()}

    return graph.memo(("data-by-classification",), build)


def _tagged(graph: ModelGraph, tags: Iterable[str], *, own: bool = False) -> frozenset[str]:
    """The assets with any of ``tags`` (``own``: stated on the asset itself, not inherited)."""
    by_tag = graph.memo(("data-by-tag", own), lambda: _group_by_tag(graph, own=own))
    out: set[str] = set()
    for tag in tags:
        out |= by_tag.get(tag, frozenset())
    return frozenset(out)


def _group_by_tag(graph: ModelGraph, *, own: bool = False) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    stated = stated_tags(graph) if own else None
    for d, asset in graph.data.items():
        for tag in asset.tags if stated is None else stated[d]:
            groups.setdefault(tag, set()).add(d)
    return {tag: frozenset(ids) for tag, ids in groups.items()}


def _personal(graph: ModelGraph, unknown_matches: bool) -> frozenset[str]:
    """The assets that pass ``personal: true``: personal data, or (read as a match) an asset of
    unknown lineage a sender of personal data sends."""

    def build() -> frozenset[str]:
        if not unknown_matches:
            return frozenset(d for d, asset in graph.data.items() if is_personal(asset))
        stated = _personal(graph, False)
        return stated | {d for d in unknown_lineage_senders(graph) if d not in stated}

    return graph.memo(("data-personal", unknown_matches), build)


def _attr_passing(graph: ModelGraph, test: AttrTest) -> frozenset[str]:
    """The assets whose own attribute passes ``test``."""
    compiled = KeyTest.of(test)

    def build() -> frozenset[str]:
        ids = list(graph.data)
        if compiled is None:
            data = graph.data
            return frozenset(d for d in ids if attr_matches(test, getattr(data[d], test.name, MISSING)))
        return frozenset(_data_attr_index(graph, test.name).holding(compiled, ids))

    # keyed by what the test decides on (the compiled test tells ``true`` from ``1``; value
    # equality of the tests themselves would not)
    decides = compiled if compiled is not None else ("is_set", test.is_set)
    return graph.memo(("data-attr-passing", test.name, decides), build)


def _attr_among(graph: ModelGraph, test: AttrTest, ids: Iterable[str]) -> set[str]:
    """The assets of ``ids`` whose own attribute passes ``test`` (:func:`_attr_passing` on them alone)."""
    compiled = KeyTest.of(test)
    if compiled is None:
        data = graph.data
        return {d for d in ids if attr_matches(test, getattr(data[d], test.name, MISSING))}
    return set(_data_attr_index(graph, test.name).holding(compiled, list(ids)))


def data_passing(graph: ModelGraph, test: DataTest) -> frozenset[str]:
    """The data assets that pass ``test`` leaving the recipient aside: exactly
    ``{d for d in graph.data if data_matches(test, graph, d)}``, shared by every equal test."""

    def build() -> frozenset[str]:
        if not _INDEXABLE:
            return frozenset(d for d in graph.data if data_matches(test, graph, d))
        parts: list[frozenset[str]] = []
        if test.classification_at_least is not None:
            parts.append(_classified(graph, test.classification_at_least, test.classification_unknown == "match"))
        if test.tags_any:
            parts.append(_tagged(graph, test.tags_any, own=bool(test.tags_own)))
        if test.personal:
            parts.append(_personal(graph, test.unknown == "match"))
        parts.sort(key=len)
        if parts:
            passing = set(parts[0])
            for part in parts[1:]:
                passing &= part
            # an attribute of the asset is read only on the assets the other parts left
            if test.attr is not None and passing:
                passing = _attr_among(graph, test.attr, passing)
        else:
            passing = set(_attr_passing(graph, test.attr)) if test.attr is not None else set(graph.data)
        for unless in test.unless:
            if not passing:
                break
            passing -= _attr_among(graph, unless, passing)
        return frozenset(passing)

    # keyed by the test as JSON: equal tests share the set (and ``true`` is not ``1`` there)
    return graph.memo(("data-passing", test.model_dump_json()), build)


__all__ = [
    "ELSEWHERE_DATA_PARTS",
    "INDEXED_DATA_PARTS",
    "AttrIndex",
    "attr_holding",
    "attr_index",
    "data_passing",
    "kind_members",
]

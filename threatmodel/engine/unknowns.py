"""How a rule reads facts the model leaves unknown (docs/rules.md, "Unknown facts").

Every attribute test on an attribute of :data:`~threatmodel.model.unknowns.UNKNOWABLE` is given a
definite reading of "unknown" before evaluation, so the matcher never meets an open question:

* the **conservative** reading (the default of every test) is the one that keeps the threat: a
  match where the test says the threat is present, no match under an odd number of ``not``;
* the **optimistic** reading is its mirror image.

A threat that holds under the conservative reading but not under the optimistic one rests on
unknown facts: the finding is raised and says which facts it assumed. Tests that spell out their
own reading (``unknown: match`` or ``unknown: no-match``) keep it in both. Rules are monotone in
every test once polarity is accounted for (``all``, ``any`` and the graph predicates only combine
conditions positively), so the two readings bound every possible answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import assert_never

from threatmodel.model.rules import (
    AllOf,
    AnyOf,
    Artifacts,
    Attr,
    AttrTest,
    BoundaryTrust,
    Condition,
    CrossesBoundary,
    DataHandled,
    DataTest,
    Endpoint,
    Exists,
    KindIs,
    Linked,
    Neighbour,
    Not,
    ReachedFrom,
    Reaches,
    Tainted,
    UntrustedSource,
    conditions_on_others,
)
from threatmodel.model.unknowns import UNKNOWABLE


def resolve(cond: Condition, *, conservative: bool, positive: bool = True) -> Condition:
    """``cond`` with a definite reading of "unknown" on every test that leaves it open."""

    def again(inner: Condition, flip: bool = False) -> Condition:
        return resolve(inner, conservative=conservative, positive=positive != flip)

    match cond:
        case Attr(attr=test):
            if test.unknown is not None or test.op == "is_set" or test.name not in UNKNOWABLE:
                return cond
            match_it = positive == conservative
            return cond.model_copy(
                update={"attr": test.model_copy(update={"unknown": "match" if match_it else "no-match"})}
            )
        case AllOf(all=parts):
            return cond.model_copy(update={"all": tuple(again(p) for p in parts)})
        case AnyOf(any=parts):
            return cond.model_copy(update={"any": tuple(again(p) for p in parts)})
        case Not(not_=inner):
            return cond.model_copy(update={"not_": again(inner, flip=True)})
        case Neighbour(neighbour=test):
            sides: dict[str, object] = {"where": again(test.where)}
            if test.data is not None:
                # the flows' data read as a data test of the same polarity
                sides["data"] = _resolve_data(test.data, keep=positive == conservative)
            return cond.model_copy(update={"neighbour": test.model_copy(update=sides)})
        case Reaches(reaches=test):
            return cond.model_copy(update={"reaches": test.model_copy(update={"where": again(test.where)})})
        case ReachedFrom(reached_from=test):
            return cond.model_copy(update={"reached_from": test.model_copy(update={"where": again(test.where)})})
        case Linked(linked=test):
            side: dict[str, object] = {"where": again(test.where)}
            read = test.via == "loads_weights_of" and test.unknown is None
            if read:
                # weights reached through a relayed file of unstated lineage (decision 1934)
                side["unknown"] = "match" if positive == conservative else "no-match"
            link = test.model_copy(update=side)
            if read:
                link._read = True
            return cond.model_copy(update={"linked": link})
        case Artifacts(artifacts=test):
            sides = {
                name: again(inner) for name, inner in (("where", test.where), ("peer", test.peer)) if inner is not None
            }
            return cond.model_copy(update={"artifacts": test.model_copy(update=sides)})
        case Exists(exists=test):
            return cond.model_copy(update={"exists": test.model_copy(update={"where": again(test.where)})})
        case Endpoint(endpoint=test):
            return cond.model_copy(update={"endpoint": test.model_copy(update={"where": again(test.where)})})
        case DataHandled(data=test):
            # ``attr``, ``personal`` and ``new_to_recipient`` count the asset when their unknown
            # (for the last two: unknown lineage) reads as a match;
            # ``unless`` counts it when its unknown reads as no match.
            resolved = _resolve_data(test, keep=positive == conservative)
            return cond if resolved is test else cond.model_copy(update={"data": resolved})
        case BoundaryTrust():
            if cond.unknown is not None:
                return cond
            return cond.model_copy(update={"unknown": "match" if positive == conservative else "no-match"})
        case KindIs() | UntrustedSource() | Tainted() | CrossesBoundary():
            return cond
        case _:
            assert_never(cond)


def _resolve_data(test: DataTest, *, keep: bool) -> DataTest:
    """``test`` with a definite reading of every unknown it leaves open (itself when none):
    ``keep`` counts an asset whose unknown is open, the reading in the threat's favour."""
    update: dict[str, object] = {}
    if test.attr is not None and _open(test.attr):
        update["attr"] = test.attr.model_copy(update={"unknown": "match" if keep else "no-match"})
    if any(_open(u) for u in test.unless):
        update["unless"] = tuple(
            u.model_copy(update={"unknown": "no-match" if keep else "match"}) if _open(u) else u for u in test.unless
        )
    if (test.personal or test.new_to_recipient or test.learnt) and test.unknown is None:
        update["unknown"] = "match" if keep else "no-match"
    if test.classification_at_least is not None and test.classification_unknown is None:
        update["classification_unknown"] = "match" if keep else "no-match"
    return test.model_copy(update=update) if update else test


def _open(test: AttrTest, names: Iterable[str] = UNKNOWABLE) -> bool:
    """The test leaves its reading of an unknown value open (and the attribute can be unknown)."""
    return test.unknown is None and test.op != "is_set" and test.name in names


def reads_unknowns(cond: Condition, unknown: frozenset[str] | None = None, *, assumed_sources: bool = True) -> bool:
    """True when some test of ``cond`` leaves its reading of an unknown attribute open.

    ``unknown`` narrows the question to the attributes some element of the model leaves unknown
    (``None``: any attribute of UNKNOWABLE). Taint also depends on unknowns (a human user whose
    population is unknown is read as an outsider), so ``tainted`` and ``untrusted_source`` count
    while the model has such assumed sources.
    """

    def again(inner: Condition) -> bool:
        return reads_unknowns(inner, unknown, assumed_sources=assumed_sources)

    match cond:
        case Attr(attr=test):
            names = UNKNOWABLE if unknown is None else unknown
            return test.unknown is None and test.op != "is_set" and test.name in names
        case AllOf(all=parts) | AnyOf(any=parts):
            return any(again(p) for p in parts)
        case Not(not_=inner):
            return again(inner)
        case Neighbour(neighbour=test):
            data = test.data
            return again(test.where) or (
                data is not None and _data_open(data, UNKNOWABLE if unknown is None else unknown)
            )
        case Linked(linked=test):
            names = UNKNOWABLE if unknown is None else unknown
            lineage = test.via == "loads_weights_of" and test.unknown is None and "derived_from" in names
            return lineage or again(test.where)
        case Exists() | Endpoint() | Reaches() | ReachedFrom() | Artifacts():
            return any(again(inner) for inner in conditions_on_others(cond))
        case Tainted() | UntrustedSource():
            return assumed_sources
        case DataHandled(data=test):
            return _data_open(test, UNKNOWABLE if unknown is None else unknown)
        case BoundaryTrust():
            return cond.unknown is None and (unknown is None or "boundary" in unknown)
        case KindIs() | CrossesBoundary():
            return False
        case _:
            assert_never(cond)


def _data_open(test: DataTest, names: Collection[str]) -> bool:
    """Whether a data test reads one of the unknown facts ``names`` (attributes of the assets,
    their lineage, their classification)."""
    return (
        (test.attr is not None and _open(test.attr, names))
        or any(_open(u, names) for u in test.unless)
        or (
            bool(test.personal or test.new_to_recipient or test.learnt)
            and test.unknown is None
            and "derived_from" in names
        )
        or (
            test.classification_at_least is not None
            and test.classification_unknown is None
            and "classification" in names
        )
    )


@dataclass(frozen=True, slots=True)
class Readings:
    """A condition under both readings of unknowns; ``doubt`` is ``None`` when they cannot differ."""

    keep: Condition
    """Unknowns read in the threat's favour: decides whether the condition holds."""
    doubt: Condition | None
    """Unknowns read against the threat: when this holds too, no unknown fact mattered."""

    @classmethod
    def of(
        cls,
        cond: Condition,
        *,
        favour: bool = True,
        unknown: frozenset[str] | None = None,
        assumed_sources: bool = True,
    ) -> Readings:
        """Both readings of ``cond``; ``favour=False`` for conditions that lower a score (read the other way).

        ``unknown`` and ``assumed_sources`` describe the model (see :func:`unknown_in`): when the
        rule reads no fact the model leaves unknown, the two readings agree and only one is made.

        The readings depend on nothing else, so they are kept per catalog condition and reused by
        every evaluation that reads the same unknowns: a re-analysis after an edit (the TUI) no
        longer rebuilds every rule's two readings (about 11 ms a run). The cache holds the
        condition itself, so an id is never reused while its entry lives, and it is bounded.
        """
        key = (id(cond), favour, unknown, assumed_sources)
        hit = _READINGS.get(key)
        if hit is not None and hit[0] is cond:
            return hit[1]
        keep = resolve(cond, conservative=favour)
        doubt = (
            resolve(cond, conservative=not favour)
            if reads_unknowns(cond, unknown, assumed_sources=assumed_sources)
            else None
        )
        readings = cls(keep, doubt)
        if len(_READINGS) >= READINGS_KEPT:
            _READINGS.clear()  # another catalog set, or many unknown sets: start again
        _READINGS[key] = (cond, readings)
        return readings


READINGS_KEPT = 8192
"""How many (condition, reading) pairs :meth:`Readings.of` keeps; the built-in catalogs need about
1,000 per set of unknowns."""
_READINGS: dict[tuple[int, bool, frozenset[str] | None, bool], tuple[Condition, Readings]] = {}


def unknown_in(elements: Iterable[object]) -> frozenset[str]:
    """The attributes of UNKNOWABLE (and ``boundary``) that at least one of ``elements`` has and leaves unknown."""
    found: set[str] = set()
    fields: dict[
        type, tuple[tuple[str, ...], bool]
    ] = {}  # per class: its unknowable names, and whether it has a boundary
    for element in elements:
        kind = type(element)
        known = fields.get(kind)
        if known is None:
            declared = getattr(kind, "model_fields", {})
            known = fields[kind] = (tuple(n for n in UNKNOWABLE if n in declared), "boundary" in declared)
        names, bounded = known
        for name in names:
            if name not in found and getattr(element, name) is None:
                found.add(name)
        if bounded and getattr(element, "boundary", None) is None:
            found.add("boundary")  # GRAPH_FACTS: a component with no boundary has an unknown trust level
    return frozenset(found)


__all__ = ["Readings", "reads_unknowns", "resolve", "unknown_in"]

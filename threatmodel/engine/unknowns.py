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

from dataclasses import dataclass
from typing import assert_never

from threatmodel.model.catalog import (
    AllOf,
    AnyOf,
    Attr,
    BoundaryTrust,
    Condition,
    CrossesBoundary,
    DataHandled,
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
            return cond.model_copy(update={"neighbour": test.model_copy(update={"where": again(test.where)})})
        case Reaches(reaches=test):
            return cond.model_copy(update={"reaches": test.model_copy(update={"where": again(test.where)})})
        case ReachedFrom(reached_from=test):
            return cond.model_copy(update={"reached_from": test.model_copy(update={"where": again(test.where)})})
        case Linked(linked=test):
            return cond.model_copy(update={"linked": test.model_copy(update={"where": again(test.where)})})
        case Exists(exists=test):
            return cond.model_copy(update={"exists": test.model_copy(update={"where": again(test.where)})})
        case Endpoint(endpoint=test):
            return cond.model_copy(update={"endpoint": test.model_copy(update={"where": again(test.where)})})
        case KindIs() | DataHandled() | BoundaryTrust() | UntrustedSource() | Tainted() | CrossesBoundary():
            return cond
        case _:
            assert_never(cond)


def reads_unknowns(cond: Condition) -> bool:
    """True when some test of ``cond`` leaves its reading of an unknown attribute open.

    Taint also depends on unknowns (a human user whose population is unknown is read as an
    outsider), so every ``tainted`` and ``untrusted_source`` counts.
    """
    match cond:
        case Attr(attr=test):
            return test.unknown is None and test.op != "is_set" and test.name in UNKNOWABLE
        case AllOf(all=parts) | AnyOf(any=parts):
            return any(reads_unknowns(p) for p in parts)
        case Not(not_=inner):
            return reads_unknowns(inner)
        case Neighbour(neighbour=test) | Linked(linked=test) | Exists(exists=test) | Endpoint(endpoint=test):
            return reads_unknowns(test.where)
        case Reaches(reaches=test) | ReachedFrom(reached_from=test):
            return reads_unknowns(test.where)
        case Tainted() | UntrustedSource():
            return True
        case KindIs() | DataHandled() | BoundaryTrust() | CrossesBoundary():
            return False
        case _:
            assert_never(cond)


@dataclass(frozen=True, slots=True)
class Readings:
    """A condition under both readings of unknowns; ``doubt`` is ``None`` when they cannot differ."""

    keep: Condition
    """Unknowns read in the threat's favour: decides whether the condition holds."""
    doubt: Condition | None
    """Unknowns read against the threat: when this holds too, no unknown fact mattered."""

    @classmethod
    def of(cls, cond: Condition, *, favour: bool = True) -> Readings:
        """Both readings of ``cond``; ``favour=False`` for conditions that lower a score (read the other way)."""
        keep = resolve(cond, conservative=favour)
        doubt = resolve(cond, conservative=not favour) if reads_unknowns(cond) else None
        return cls(keep, doubt)


__all__ = ["Readings", "reads_unknowns", "resolve"]

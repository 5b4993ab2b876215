"""``through`` and ``not_through`` on ``tainted``, ``reaches`` and ``reached_from`` (decisions 1899, 1900)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from threatmodel.model.rules import PathTest, ReachedFrom, Tainted, TaintTest
from threatmodel.model.vocab import ComponentKind


@pytest.mark.parametrize("test_class", [TaintTest, PathTest])
def test_not_through_is_every_other_kind_of_the_vocabulary(test_class: type[TaintTest] | type[PathTest]) -> None:
    """Derived from the vocabulary, not written out: a kind added later is passed through."""
    extra = {"where": {"kind": ["agent"]}} if test_class is PathTest else {}
    test = test_class.model_validate({**extra, "not_through": ["data-source"]})
    assert set(test.through) == set(ComponentKind) - {ComponentKind.DATA_SOURCE}
    with pytest.raises(ValidationError, match="not both"):
        test_class.model_validate({**extra, "not_through": ["data-source"], "through": ["agent"]})


def test_not_through_is_said_as_written() -> None:
    tainted = Tainted.model_validate({"tainted": {"not_through": ["data-source"]}})
    assert tainted.describe() == "receives untrusted content not through data-source"
    path = ReachedFrom.model_validate(
        {"reached_from": {"where": {"kind": ["agent"]}, "max_hops": 3, "not_through": ["data-source"]}}
    )
    assert path.describe() == "receives data from an agent within 3 flows not through data-source"


def test_stopping_at_sources_is_said() -> None:
    """``stop_at_sources`` reads as a direct path in words, not as the option's name."""
    cond = Tainted.model_validate({"tainted": {"source_kinds": ["human-user"], "stop_at_sources": True}})
    assert cond.describe() == "receives untrusted content directly, not from content others left for later"

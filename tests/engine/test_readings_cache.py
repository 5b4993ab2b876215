"""Both readings of a rule are made once per (condition, unknowns) and reused (issue 12): a warm
cache changes no finding, and a cache entry never answers for another condition."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import MODEL_FILES
from threatmodel.engine import evaluate, unknowns
from threatmodel.engine.unknowns import Readings
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.model.rules import Attr, AttrTest

CATALOGS = load_catalogs()
AS_OF = dt.date(2026, 12, 4)


def test_a_warm_cache_gives_the_same_assessment_as_a_cold_one() -> None:
    for path in MODEL_FILES:
        model = load_model(path, known_controls=CATALOGS.control_refs).model
        unknowns._READINGS.clear()
        cold = evaluate(model, CATALOGS.catalogs, as_of=AS_OF).model_dump_json()
        assert unknowns._READINGS, "the evaluation kept no readings"
        warm = evaluate(model, CATALOGS.catalogs, as_of=AS_OF).model_dump_json()
        assert warm == cold, path.name


def test_readings_are_kept_per_condition_and_unknowns() -> None:
    cond = Attr(attr=AttrTest(name="hosting", equals="provider-api"))
    some = frozenset({"hosting"})
    first = Readings.of(cond, unknown=some)
    assert Readings.of(cond, unknown=some) is first
    # other unknowns, another reading direction, or an equal but distinct condition: made afresh
    assert Readings.of(cond, unknown=frozenset()) is not first
    assert Readings.of(cond, unknown=frozenset()).doubt is None and first.doubt is not None
    assert Readings.of(cond, unknown=some, favour=False) is not first
    twin = Attr(attr=AttrTest(name="hosting", equals="provider-api"))
    assert Readings.of(twin, unknown=some) is not first


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unknowns, "READINGS_KEPT", 3)
    unknowns._READINGS.clear()
    conds = [Attr(attr=AttrTest(name="hosting", equals=v)) for v in ("provider-api", "self-hosted", "on-device", "x")]
    for c in conds:
        Readings.of(c, unknown=frozenset({"hosting"}))
        assert len(unknowns._READINGS) <= 3

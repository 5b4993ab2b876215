"""One finding per root cause (docs/rules.md): properties of the grouping on generated models.

Models are drawn so that untrusted sources often reach several models, agents, guardrails and
tools, which is where the built-in threats with ``group_by: source`` form groups.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE
from tests.property.strategies import system_models
from tests.property.test_invariants import shuffled
from threatmodel.engine import evaluate
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.catalog import Catalog, GroupBy
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel

CATALOGS: LoadedCatalogs = load_catalogs()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GROUPED = {f"{c.id}:{t.id}" for c in CATALOGS.catalogs for t in c.threats if t.group_by is not None}
PLACED = {f"{c.id}:{t.id}" for c in CATALOGS.catalogs for t in c.threats if t.group_by is GroupBy.PRODUCER}
"""Threats whose finding sits on the producer of the output people rely on (decision 1510): the
producer is listed with the elements the per-element rule matched."""


def ungrouped_catalogs() -> list[Catalog]:
    """The built-in catalogs with every ``group_by`` removed: one finding per element, as before."""
    return [
        c.model_copy(update={"threats": tuple(t.model_copy(update={"group_by": None}) for t in c.threats)})
        for c in CATALOGS.catalogs
    ]


UNGROUPED = ungrouped_catalogs()

SOURCES = ("human-user", "data-source", "tool", "application")
SINKS = ("llm", "llm", "agent", "agent", "input-guardrail", "tool", "mcp-server", "vector-store", "training-job")


@st.composite
def fan_out_models(draw: st.DrawFn) -> SystemModel:
    """Untrusted sources wired at random to several injection-prone components."""
    n_sources = draw(st.integers(1, 3))
    n_sinks = draw(st.integers(2, 6))
    components: list[dict[str, Any]] = []
    for i in range(n_sources):
        kind = draw(st.sampled_from(SOURCES))
        entry: dict[str, Any] = {"id": f"src-{i}", "kind": kind}
        if kind == "human-user":
            entry["population"] = draw(st.sampled_from(["public", "customers", "employees"]))
        else:
            entry["untrusted_content"] = draw(st.booleans())
            entry["exposure"] = draw(st.sampled_from(["internet", "internal"]))
        components.append(entry)
    for i in range(n_sinks):
        kind = draw(st.sampled_from(SINKS))
        components.append({"id": f"sink-{i}", "kind": kind, "exposure": "internal"})
    ids = [c["id"] for c in components]
    pairs = [(a, b) for a in ids for b in ids if a != b and not b.startswith("src-")]
    flows = draw(st.lists(st.sampled_from(pairs), min_size=3, max_size=12, unique=True))
    return SystemModel.model_validate(
        {
            "system": {"id": "fan-out", "name": "Fan out"},
            "components": components,
            "flows": [{"source": a, "target": b, "encrypted": True} for a, b in flows],
        }
    )


MODELS = st.one_of(fan_out_models(), system_models())


def _pairs(findings: tuple[Finding, ...]) -> Counter[tuple[str, str]]:
    return Counter((f.threat, e) for f in findings for e in f.elements)


@SETTINGS
@given(MODELS, st.integers(0, 10_000))
def test_grouping_is_order_independent(model: SystemModel, seed: int) -> None:
    """Shuffling every list of the model gives the same groups, ids, affected lists and scores."""
    before = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
    after = evaluate(shuffled(model, seed), CATALOGS.catalogs, as_of=FIXED_DATE).findings
    assert before == after


@SETTINGS
@given(MODELS)
def test_every_affected_element_appears_exactly_once(model: SystemModel) -> None:
    """Grouping neither loses nor repeats a (threat, element) pair the per-element evaluation raises."""
    grouped = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
    per_element = evaluate(model, UNGROUPED, as_of=FIXED_DATE).findings
    pairs = _pairs(grouped)
    expected = _pairs(per_element)
    # a finding placed on its producer lists the producer too, once (decision 1510)
    for f in grouped:
        if f.threat in PLACED and f.root is not None and (f.threat, f.root) not in expected:
            expected[(f.threat, f.root)] = 1
    assert pairs == expected
    assert set(pairs.values()) <= {1}
    ids = [f.id for f in grouped]
    assert len(ids) == len(set(ids))
    for f in grouped:
        if f.affected:
            assert f.threat in GROUPED
            assert len(f.affected) >= 2 and list(f.affected) == sorted(set(f.affected))
            assert f.target in f.affected and f.root is not None and f.id == f"{f.threat}@{f.root}"
            assert {f"{f.threat}@{e}" for e in f.affected} - {f.id} <= set(f.aliases)
            if f.threat in PLACED:
                assert f.target == f.root


@SETTINGS
@given(MODELS)
def test_ungrouped_threats_are_unchanged(model: SystemModel) -> None:
    """Findings of threats without ``group_by``, and groups of one, are exactly the per-element ones."""
    grouped = {f.id: f for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}
    for f in evaluate(model, UNGROUPED, as_of=FIXED_DATE).findings:
        kept_alone = f.id in grouped and not grouped[f.id].affected
        if f.threat not in GROUPED:
            assert grouped[f.id] == f
        elif kept_alone:
            # a finding placed on its own producer names who relies on it in its scenario
            assert grouped[f.id].model_copy(update={"scenario": f.scenario}) == f


@SETTINGS
@given(fan_out_models(), st.integers(0, 10_000))
def test_ids_survive_renaming_an_unrelated_element(model: SystemModel, seed: int) -> None:
    """Renaming a component that no finding of a grouped threat names (as root, affected, or on one
    of its paths) changes no grouped id. A source on a path is a candidate root: when two sources
    reach one element the root is the first by id, so renaming one may rightly move the element to
    the other's group (hypothesis found that case: it is not an unrelated rename)."""
    findings = evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
    named = {e for f in findings if f.affected for e in (*f.affected, f.root or "")}
    named |= {e for f in findings if f.threat in GROUPED for p in (*f.paths, f.path) for e in p}
    # a grouped flow's id is made from its ends' ids, so its ends are named too (group_by: link)
    named |= {end for flow in model.flows if flow.key in named for end in (flow.source, flow.target)}
    free = sorted(c.id for c in model.components if c.id not in named)
    if not free:
        return
    old = random.Random(seed).choice(free)
    new = f"zz-renamed-{old}"
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    for c in data["components"]:
        c["id"] = new if c["id"] == old else c["id"]
    for flow in data["flows"]:
        flow["source"] = new if flow["source"] == old else flow["source"]
        flow["target"] = new if flow["target"] == old else flow["target"]
    renamed = evaluate(SystemModel.model_validate(data), CATALOGS.catalogs, as_of=FIXED_DATE).findings
    assert {(f.id, f.affected) for f in findings if f.affected} == {(f.id, f.affected) for f in renamed if f.affected}

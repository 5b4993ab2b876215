"""The loader's shortcuts give exactly the answers of the long way round, and leave nothing behind."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.errors import CatalogError, ModelError
from threatmodel.io.load import _catalog_controls, builtin_control_refs, load_model, load_model_text
from threatmodel.io.yaml_source import parse_yaml
from threatmodel.textsafe import REFUSED, first_unsafe

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "agent-with-tools.yaml"

# Refused characters (C0, DEL, C1, bidi) and allowed ones (tab, newline, CR, printable, non-ASCII).
_ODD = "\x00\x07\x08\t\n\x0b\x0c\r\x0e\x1b\x1f\x7f\x80\x85\x9f\xa0\u200b\u200e\u200f\u202a\u202e\u2066\u2069\u2028é—😀"


def _reference(text: str) -> int | None:
    found = REFUSED.search(text)
    return found.start() if found is not None else None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ODD) | st.characters(max_codepoint=0x7F), max_size=60))
def test_first_unsafe_equals_the_regular_expression(text: str) -> None:
    """The ASCII and printable fast paths answer what searching for a refused character answers."""
    assert first_unsafe(text) == _reference(text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200), st.integers(min_value=0, max_value=0x7F))
def test_first_unsafe_finds_every_ascii_control(prefix: str, code: int) -> None:
    """One control character anywhere in an ASCII text is found, at its offset if it comes first."""
    text = prefix + chr(code) + "tail"
    assert first_unsafe(text) == _reference(text)
    if REFUSED.fullmatch(chr(code)) is not None and _reference(prefix) is None:
        assert first_unsafe(text) == len(prefix)


def test_catalog_controls_read_from_the_controls_block_alone() -> None:
    """The id line and the `controls:` block are parsed without the rest, and give what the whole file gives."""
    text = (
        "schema_version: 1\nid: demo\ntitle: Demo\nentries:\n- id: T1\n  title: 'controls: not this'\n"
        "controls:\n- id: C1\n  title: One\n  refs:\n  - demo:T1\n# a comment\n- id: C2\n  title: Two\n"
        "published: 2026-01-01\n"
    )
    whole = parse_yaml(text, "demo.yaml").data
    part = _catalog_controls(text, "demo.yaml")
    assert part is not None
    assert part["id"] == whole["id"] == "demo"
    assert part["controls"] == whole["controls"]
    assert _catalog_controls("id: demo\ntitle: Demo\n", "demo.yaml") == {"id": "demo"}


def test_catalog_controls_decline_other_layouts() -> None:
    """Flow-style or quoted control sections, or no single top-level id, go back to parsing the whole file."""
    assert _catalog_controls("id: demo\ncontrols: [{id: C1}]\n", "d.yaml") is None
    assert _catalog_controls("id: demo\n'controls':\n- id: C1\n", "d.yaml") is None
    assert _catalog_controls("id: demo\ncontrols:\n- id: C1\ncontrols:\n- id: C2\n", "d.yaml") is None
    assert _catalog_controls("title: no id\ncontrols:\n- id: C1\n", "d.yaml") is None
    assert _catalog_controls('"id": demo\ncontrols:\n- id: C1\n', "d.yaml") is None


def test_catalog_controls_refuse_what_the_whole_file_refuses() -> None:
    """The part parsed is checked like any YAML: a control character in it is a located error."""
    with pytest.raises(CatalogError) as caught:
        _catalog_controls("id: demo\ncontrols:\n- id: C\x1b1\n", "d.yaml")
    source = caught.value.problems[0].source
    assert source is not None and (source.line, source.column) == (3, 8)


def test_builtin_control_refs_are_stable() -> None:
    """Reading the refs twice gives the same set, of both catalogs that define controls."""
    refs = builtin_control_refs()
    assert refs == builtin_control_refs()
    assert {ref.partition(":")[0] for ref in refs} >= {"atlas", "cosai"}


def test_loading_leaves_no_reference_cycle_holding_the_parsed_data() -> None:
    """Once a load returns, its parsed YAML is freed by reference counting: nothing waits for the
    cyclic collector (which a command-line run defers, so the data would stay in memory)."""
    load_model(EXAMPLE)  # first use builds validators; their one-off garbage is collected here
    gc.collect()
    gc.disable()
    try:
        loaded = load_model(EXAMPLE)
        assert loaded.model.components
        del loaded
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_loading_pauses_the_cyclic_collector_and_restores_its_state() -> None:
    """The collector is off while a model is parsed and validated (collections there find nothing
    and rescan a growing heap), and is left as it was found, also when the load fails."""
    import threatmodel.io.load as load_module

    seen: list[bool] = []
    real = load_module._load_documents

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    load_module._load_documents = spy  # type: ignore[assignment]
    try:
        assert gc.isenabled()
        load_model(EXAMPLE)
        assert seen == [False] and gc.isenabled()
        with pytest.raises(ModelError):
            load_model_text("system: {id: s}\ncomponents: [{id: x, kind: nonsense}]\n", "bad.yaml")
        assert gc.isenabled()
        gc.disable()
        try:
            load_model(EXAMPLE)
            assert not gc.isenabled()  # a caller that turned it off keeps it off
        finally:
            gc.enable()
    finally:
        load_module._load_documents = real


def _reference_depth(value: object) -> tuple[int, bool]:
    """Depth of ``value`` as the loader counts it (a non-empty container adds a level), and whether it
    holds an integer beyond MAX_INT: the plain recursive definition."""
    from threatmodel.io.yaml_source import MAX_INT

    if isinstance(value, dict | list):
        children = list(value.values()) if isinstance(value, dict) else value
        if not children:
            return 0, False
        below = [_reference_depth(child) for child in children]
        return 1 + max(depth for depth, _ in below), any(huge for _, huge in below)
    return 0, isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT


_SCALARS = st.none() | st.booleans() | st.text(max_size=3) | st.integers(min_value=-(2**65), max_value=2**65)
_NESTED = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_NESTED, st.integers(min_value=1, max_value=6))
def test_depth_and_integer_bounds_match_the_recursive_definition(data: object, limit: int) -> None:
    """Too deep (under a lowered limit) or an out-of-range integer is reported exactly when the plain
    recursive definition says so; a valid value gets its exact depth."""
    from unittest import mock

    from threatmodel.io import yaml_source

    depth, huge = _reference_depth(data)
    with mock.patch.object(yaml_source, "MAX_DEPTH", limit):
        found = yaml_source._max_depth(data)
    if depth > limit or huge:
        assert found > limit or found == -1
        if not huge:
            assert found > limit
        if depth <= limit:
            assert found == -1
    else:
        assert found == depth


def test_items_stating_the_same_fields_share_one_field_set() -> None:
    """After indexing, items of a class whose stated fields are the same share one set, with
    the same contents as before; a copy that changes a field gets a set of its own."""
    from threatmodel.graph import build_graph

    loaded = load_model(EXAMPLE)
    model = loaded.model
    items = [*model.data, *model.boundaries, *model.components, *model.flows, *model.controls]
    before = [set(item.model_fields_set) for item in items]
    build_graph(model)
    assert [item.model_fields_set for item in items] == before
    groups: dict[tuple[type, frozenset[str]], set[int]] = {}
    for item in items:
        groups.setdefault((type(item), frozenset(item.model_fields_set)), set()).add(id(item.model_fields_set))
    assert all(len(ids) == 1 for ids in groups.values())
    assert len(groups) < len(items)
    flow = model.flows[0]
    shared = flow.model_fields_set
    copy = flow.model_copy(update={"name": "renamed"})
    assert "name" in copy.model_fields_set and copy.model_fields_set is not shared
    assert flow.model_fields_set == before[items.index(flow)]


def test_set_wise_reference_checks_still_report_each_item_in_document_order() -> None:
    """Components' and flows' references are first checked as whole sets; a no walks the items
    and reports each problem where it is, in document order, as the item-by-item checks did."""
    components = "".join(
        f"  - {{id: c{i}, kind: application{', boundary: nowhere' if i == 5 else ''}"
        f"{', data: [ghost]' if i == 7 else ''}}}\n"
        for i in range(30)
    )
    flows = "".join(
        f"  - {{source: c{i}, target: {'c-missing' if i == 17 else f'c{i}' if i == 23 else f'c{(i + 1) % 30}'}"
        f"{', data: [ghost]' if i == 25 else ''}}}\n"
        for i in range(30)
    )
    text = f"system: {{id: s, name: S}}\ncomponents:\n{components}flows:\n{flows}"
    with pytest.raises(ModelError) as failure:
        load_model_text(text, "m.yaml")
    found = [(p.source.line if p.source else 0, p.message) for p in failure.value.problems]
    assert found == [
        (8, "unknown boundary 'nowhere'"),
        (10, "unknown data asset 'ghost'"),
        (51, "unknown component 'c-missing'"),
        (57, "flow 'c23-to-c23' starts and ends at 'c23'"),
        (59, "unknown data asset 'ghost'"),
    ]

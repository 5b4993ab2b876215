"""Locating many elements of a large file composes it a bounded number of times (SARIF and
``check`` locate every element; the prefix search is for the first problems of a broken file)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.io import yaml_document
from threatmodel.io.yaml_document import PREFIX_LOCATING_FROM, PREFIX_LOOKUPS
from threatmodel.io.yaml_source import parse_yaml


def test_many_lookups_compose_the_file_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [f"  - id: c{i}\n    kind: application\n    description: {'x' * 60}\n" for i in range(20_000)]
    text = "schema_version: 1\nsystem: {id: s, name: S}\ncomponents:\n" + "".join(items)
    assert len(text) > PREFIX_LOCATING_FROM
    doc = parse_yaml(text, "big.yaml")
    composed: list[int] = []
    real = yaml.compose

    def counting(stream: Any, Loader: Any = None) -> Any:
        composed.append(len(stream))
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "compose", counting)  # the module yaml_document imports when it composes
    lookups = list(range(0, 20_000, 97))
    spans = [doc.span(("components", i, "id")) for i in lookups]
    assert [s.line for s in spans] == [4 + 3 * i for i in lookups]
    assert len(lookups) > PREFIX_LOOKUPS
    # growing prefixes at most once up to the whole file, then one full composition
    assert len(composed) <= 8, composed
    assert sum(composed) <= 3 * len(text)


def _composed(text: str, loc: tuple[str | int, ...]) -> tuple[int, int]:
    from threatmodel.io.yaml_document import _walk, marks_loader

    node = _walk(yaml.compose(text, Loader=marks_loader()), loc, False)
    return node.start_mark.line + 1, node.start_mark.column + 1


def _model_files() -> list[str]:
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    files = [*(repo / "models").glob("*.yaml"), *(repo / "tests" / "export" / "data").glob("*.yaml")]
    files += (repo / "tests" / "corpus").rglob("*.yaml")
    return sorted(str(f) for f in files)


@pytest.mark.parametrize("path", _model_files())
def test_reading_items_from_lines_agrees_with_composing(path: str) -> None:
    """Where the line reader answers (block-style items), it answers exactly what PyYAML's node
    marks say, on every example, fixture and corpus model (hostile names included)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    doc = parse_yaml(text, path)
    if not isinstance(doc.data, dict):
        return
    for section in ("components", "flows", "data", "boundaries", "controls"):
        for i, _ in enumerate(doc.data.get(section) or []):
            for loc in ((section, i), (section, i, "id")):
                quick = doc._item_span(loc)
                if quick is not None:
                    assert (quick.line, quick.column) == _composed(text, loc), (path, loc)


@pytest.mark.parametrize(
    "text",
    [
        # nested lists of mappings, and a block scalar whose lines look like items
        "components:\n- id: a\n  kind: agent\n  tools:\n  - id: nested\n- id: b\n  notes: |\n   - id: fake\n",
        # flow-style items, and an item whose first line holds no key
        "components: [{id: a, kind: llm}]\n",
        "components:\n-\n  id: a\n  kind: llm\n- id: b\n  kind: llm\n",
        # an id written as a tagged or anchored value
        "components:\n- id: &x a\n  kind: llm\n",
    ],
)
def test_unusual_layouts_are_composed_not_guessed(text: str) -> None:
    doc = parse_yaml(text, "odd.yaml")
    for loc in (("components", 0), ("components", 0, "id")):
        quick = doc._item_span(loc)
        assert quick is None or (quick.line, quick.column) == _composed(text, loc)


_TOP = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):[ \t]*(?:#.*)?$")
_ITEM = re.compile(r"^( *)- ([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]|$)")


def _items_line_by_line(text: str) -> dict[str, list[tuple[int, int, str]]]:
    """The item reader's rule applied to one line at a time: what the single scan must find."""
    items: dict[str, list[tuple[int, int, str]]] = {}
    section: str | None = None
    dash: int | None = None
    for number, line in enumerate(text.split("\n"), 1):
        top = _TOP.match(line)
        if top is not None:
            section, dash = top.group(1), None
            items[section] = []
            continue
        entry = _ITEM.match(line) if section is not None else None
        if entry is None or section is None:
            continue
        indent = len(entry.group(1))
        dash = indent if dash is None else dash
        if indent == dash:
            items[section].append((number, indent + 3, entry.group(2)))
    return items


LINES = st.sampled_from(
    [
        "components:",
        "flows:  # the flows",
        "data:\r",
        "system: {id: s}",
        "- id: a",
        "  - id: b",
        "- kind: llm",
        "-   id: c",
        "- id:",
        "\t- id: d",
        "    name: x",
        "  - - id: e",
        "# - id: f",
        "",
        "   ",
        "- 'id': g",
        "components :",
    ]
)


@given(st.lists(LINES, max_size=40), st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=300, deadline=None)
def test_one_scan_finds_the_items_a_line_by_line_reading_finds(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    doc = yaml_document.YamlDocument("t.yaml", text, None)
    found = doc._scan_items()
    assert {k: [i[:3] for i in v] for k, v in found.items()} == _items_line_by_line(text)
    lines = text.split("\n")
    for items in found.values():
        for number, _, _, offset in items:  # each item carries where its line starts
            assert text[offset:].split("\n", 1)[0] == lines[number - 1]


@pytest.mark.parametrize("path", [p for p in _model_files() if "/models/" in p])
def test_a_loaded_model_keeps_an_outline_that_locates_as_the_data_did(path: str) -> None:
    """Once a model is valid its documents keep only each item's first key and id, and every
    element is still located where PyYAML's node marks say."""
    from threatmodel.io.load import builtin_control_refs, load_model

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    full = parse_yaml(text, path).data
    loaded = load_model(path, known_controls=builtin_control_refs())
    outline = loaded.documents[0].data
    located = 0
    for section in ("components", "flows", "data", "boundaries", "controls"):
        items = full.get(section) or []
        assert len(outline[section].firsts if section in outline else []) == len(items)
        for i, item in enumerate(items):
            assert outline[section].firsts[i] == next(iter(item))
            assert outline[section].ids[i] == item.get("id")
            for loc in ((section, i), (section, i, "id")):
                if loc[-1] == "id" and "id" not in item:
                    continue
                span = loaded.documents[0].span(loc)
                assert (span.line, span.column) == _composed(text, loc), (path, loc)
                located += 1
    assert located > 10

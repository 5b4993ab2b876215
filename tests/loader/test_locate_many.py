"""Locating many elements of a large file composes it a bounded number of times (SARIF and
``check`` locate every element; the prefix search is for the first problems of a broken file)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

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

    monkeypatch.setattr(yaml_document.yaml, "compose", counting)
    lookups = list(range(0, 20_000, 97))
    spans = [doc.span(("components", i, "id")) for i in lookups]
    assert [s.line for s in spans] == [4 + 3 * i for i in lookups]
    assert len(lookups) > PREFIX_LOOKUPS
    # growing prefixes at most once up to the whole file, then one full composition
    assert len(composed) <= 8, composed
    assert sum(composed) <= 3 * len(text)

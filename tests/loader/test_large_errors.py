"""Errors in a large file are located from growing prefixes: same places, a fraction of the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatmodel.errors import ModelError
from threatmodel.io import yaml_document
from threatmodel.io.load import load_model

ITEMS = 40_000


def _big_model(tmp_path: Path, bad: set[int]) -> Path:
    lines = ["system: {id: s, name: S}", "components:"]
    for i in range(ITEMS):
        kind = "nosuchkind" if i in bad else "application"
        lines.append(f"  - id: c{i}\n    kind: {kind}")
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > yaml_document.PREFIX_LOCATING_FROM
    return path


def _located(path: Path) -> list[str]:
    with pytest.raises(ModelError) as caught:
        load_model(path)
    return [f"{p.source.line}:{p.source.column}" for p in caught.value.problems if p.source is not None]


def test_prefix_and_whole_file_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Early, middle and last items: the prefixes point where composing the whole file points."""
    path = _big_model(tmp_path, {0, 7, ITEMS // 2, ITEMS - 1})
    fast = _located(path)
    monkeypatch.setattr(yaml_document, "PREFIX_LOCATING_FROM", 1 << 40)
    assert fast == _located(path)
    # item i's kind sits on line 2 + 2 * i + 2 (1-based), column 11
    assert fast == [f"{2 + 2 * i + 2}:11" for i in (0, 7, ITEMS // 2, ITEMS - 1)]

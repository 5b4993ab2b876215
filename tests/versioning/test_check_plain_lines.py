"""``check``'s terminal lines skip Rich where Rich would draw them unchanged (no colour, soft wrap,
no tab or control character); the output must be the very bytes Rich draws, whatever the text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.cli.common import safe_console
from threatmodel.cli.versioning import gate
from threatmodel.export.check import CheckedModel
from threatmodel.model.base import Severity

PIECE = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\t", "\r", "\x1b", "\x07", "\u202e", "\u2028", "\x85", "é", "界", "🙂"]),
    ),
    max_size=12,
)
LINES = st.lists(st.lists(st.tuples(PIECE, st.sampled_from(["", "bold", "dim", "bold red"])), max_size=4), max_size=5)


def _drawn(section: list[Any], *, plain: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    result = CheckedModel("m.yaml", "m", False, 1, 0, {}, (), section)
    buffer = io.StringIO()
    console = safe_console(file=buffer, width=120, color_system=None, soft_wrap=True)
    with monkeypatch.context() as m:
        if not plain:
            m.setattr(gate, "_draws_plain", lambda console: False)
        gate.print_check(console, [result], threshold=Severity.HIGH)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(section=LINES)
def test_lines_written_as_they_are_equal_what_rich_draws(section: list[Any]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        section = [[list(p) for p in line] for line in section]
        assert _drawn(section, plain=True, monkeypatch=monkeypatch) == _drawn(
            section, plain=False, monkeypatch=monkeypatch
        )


def test_a_styled_or_wrapping_console_is_not_drawn_plain() -> None:
    assert gate._draws_plain(safe_console(file=io.StringIO(), color_system=None, soft_wrap=True))
    assert not gate._draws_plain(safe_console(file=io.StringIO(), color_system="truecolor", soft_wrap=True))
    assert not gate._draws_plain(safe_console(file=io.StringIO(), color_system=None, soft_wrap=False))

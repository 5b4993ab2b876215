"""The writers' fast paths give the bytes of the full paths they skip (decision 0970)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.export.common import _md_code_escaped, _md_text_escaped, md_code, md_text

# plain characters, the ones the escapes act on, and whitespace, so both paths are taken often
ALPHABET = "abZw019 ,'()-_.:@/+=#|`*[]~$&<>\\\t\n\u202e"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=14) | st.from_regex(r"[A-Za-z][A-Za-z0-9,'() -]{0,12}", fullmatch=True))
def test_md_text_fast_path_is_the_escape(text: str) -> None:
    assert md_text(text) == _md_text_escaped(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=14) | st.from_regex(r"[A-Za-z0-9_.:@/+=#-]{1,12}", fullmatch=True))
def test_md_code_fast_path_is_the_escape(text: str) -> None:
    assert md_code(text) == _md_code_escaped(text)


def test_fast_paths_leave_markup_escaped() -> None:
    assert md_text("Web app") == "Web app"
    assert md_text("- item") == "\\- item"
    assert md_text("1. one") == "1\\. one"
    assert md_text("a  b") == "a b"
    assert md_code("tm:x@y") == "`tm:x@y`"
    assert md_code("a|b") == "`a\\|b`"

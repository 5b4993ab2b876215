"""``jsontext.pretty`` writes exactly what the standard library writes, whichever writer runs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel.jsontext import pretty

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text()  # includes control characters, bidi marks and lone surrogates
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_pretty_is_the_standard_library_text(value: Any) -> None:
    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_escapes_match_for_awkward_strings() -> None:
    for text in ("\x00\x1f\x7f", "\u2028\u2029", "\ud800", "é\u202eabc", '"\\/'):
        assert pretty({"k": text}) == json.dumps({"k": text}, indent=2, ensure_ascii=False) + "\n"

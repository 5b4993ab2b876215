"""The HTML report's pieces written as they are made are the text they replace (session 14,
decision 1861): the one-pass SVG writer is ElementTree's cleaned tree, the script data a finding at
a time is :func:`script_json` of the whole list, and a table row by row is :func:`table`."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.export.reporting import FIXTURE_SVG
from threatmodel.export.htmlkit import (
    SVG_NS,
    XLINK_NS,
    _inline_svg_tree,
    inline_svg,
    script_json,
    script_json_list,
    table,
    table_pieces,
)

# -- the SVG sanitiser ----------------------------------------------------------------------

_text = st.text(alphabet=st.sampled_from("ab <>&\"'\t\r\n#:()é\u2192"), max_size=12)
_attr_names = st.sampled_from(
    [
        "id",
        "class",
        "fill",
        "d",
        "role",
        "style",
        "onload",
        "href",
        "xlink:href",
        "xlink:title",
        "xlink:show",
        "transform",
        "font-size",
    ]
)
_attr_values = st.one_of(
    _text,
    st.sampled_from(["#n1", "javascript:alert(1)", "url(#g)", "URL(http://x)", "url(x)", "img", "JavaScript:x"]),
)
_tags = st.sampled_from(["g", "text", "title", "a", "path", "polygon", "script", "foreignObject", "tspan", "image"])


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("\t", "&#9;").replace("\r", "&#13;").replace("\n", "&#10;")
    return text.replace("\r", "&#13;")


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_tags)
    names = draw(st.lists(_attr_names, max_size=4, unique=True))
    attrs = "".join(f' {n}="{_escape(draw(_attr_values), quote=True)}"' for n in names)
    children = draw(st.lists(_element(depth + 1), max_size=3)) if depth < 3 else []
    text = _escape(draw(_text))
    tails = [c + _escape(draw(_text)) for c in children]
    if draw(st.booleans()) and not children and not text:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{text}{''.join(tails)}</{tag}>"


@st.composite
def _svgs(draw: st.DrawFn) -> str:
    declared = draw(
        st.sampled_from(
            [
                f'xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"',
                f'xmlns="{SVG_NS}"',
                f'xmlns:xlink="{XLINK_NS}"',
                f'xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" xmlns:x="urn:other"',
            ]
        )
    )
    names = draw(st.lists(_attr_names, max_size=3, unique=True))
    attrs = "".join(f' {n}="{_escape(draw(_attr_values), quote=True)}"' for n in names)
    body = "".join(draw(st.lists(_element(), max_size=4)))
    other = draw(
        st.sampled_from(["", '<x:rect xmlns:x="urn:other" x:fill="1"/>', "<svg:g xmlns:svg='" + SVG_NS + "'/>"])
    )
    return f'<?xml version="1.0"?>\n<!-- c -->\n<svg {declared}{attrs}>{_escape(draw(_text))}{body}{other}</svg>\n'


@settings(max_examples=400, deadline=None)
@given(_svgs())
def test_one_pass_svg_is_elementtrees_cleaned_tree(svg: str) -> None:
    assert inline_svg(svg) == _inline_svg_tree(svg)


def test_one_pass_svg_on_graphviz_output_and_refusals() -> None:
    assert inline_svg(FIXTURE_SVG) == _inline_svg_tree(FIXTURE_SVG)
    for refused in (
        "<svg><g></svg>",
        '<html xmlns="http://www.w3.org/1999/xhtml"/>',
        '<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>',
    ):
        assert inline_svg(refused) is None and _inline_svg_tree(refused) is None
    # a role of the root's own is replaced where it stands; a dropped one is appended
    assert inline_svg(f'<svg xmlns="{SVG_NS}" role="x" id="a"/>') == _inline_svg_tree(
        f'<svg xmlns="{SVG_NS}" role="x" id="a"/>'
    )
    assert inline_svg('<svg role="javascript:x" id="a"><g/></svg>') == _inline_svg_tree(
        '<svg role="javascript:x" id="a"><g/></svg>'
    )


# -- the script data and the tables -----------------------------------------------------------

_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_values, max_size=5), st.sampled_from(["findings", "k", "<&>\u2028"]))
def test_script_data_a_finding_at_a_time_is_script_json_of_the_list(items: list[Any], key: str) -> None:
    assert "".join(script_json_list(key, iter(items))) == script_json({key: items})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=5), st.sampled_from(["", "num", "w-s"])), min_size=1, max_size=4),
    st.lists(st.text(max_size=8), max_size=5),
    st.sampled_from(["", "coverage"]),
)
def test_table_row_by_row_is_the_table(head: list[tuple[str, str]], rows: list[str], cls: str) -> None:
    assert "".join(table_pieces(head, iter(rows), cls)) == table(head, rows, cls)

"""Markup primitives of the HTML report: escaping, table cells, badges, links, the inline
script's JSON, the bundled assets, and the allow-list that makes Graphviz SVG safe to inline.

Every string from a model or a catalog reaches the page through :func:`esc` (attribute values
too) or through :func:`script_json`; the SVG is parsed and reduced to drawing elements and
attributes (:func:`inline_svg`) before it is inlined.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

from threatmodel.export.common import STATUS_LABELS
from threatmodel.jsontext import compact_sorted
from threatmodel.model.vocab import Status


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML (quotes included)."""
    if type(value) is str:
        return _esc_text(value)
    return html.escape(str(value), quote=True)


@lru_cache(maxsize=1 << 16)
def _esc_text(text: str) -> str:
    """:func:`esc` of a string, remembered: a large report escapes the same titles, ids and names
    hundreds of thousands of times."""
    return html.escape(text, quote=True)


def script_json(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``,
    U+2028 or U+2029 appears literally, so the text cannot end the element or confuse a parser."""
    return _script_safe(compact_sorted(value))


def _script_safe(text: str) -> str:
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        if char in text:
            text = text.replace(char, code)
    return text


def script_json_list(key: str, items: Iterable[Any]) -> Iterator[str]:
    """:func:`script_json` of ``{key: [*items]}`` as pieces, each item written alone as it is made:
    the compact text of a one-key object is its key, then its items joined by ``,``, and the escapes
    replace single characters, so escaping each piece gives the same text. The script data of a
    large report (one entry per finding, 16 M characters at 10,000 components) is never held whole,
    as values or as text."""
    yield _script_safe(compact_sorted({key: []})[:-2])
    for i, item in enumerate(items):
        text = _script_safe(compact_sorted(item))
        yield "," + text if i else text
    yield "]}"


def table_pieces(head: Sequence[tuple[str, str]], rows: Iterable[str], cls: str = "") -> Iterator[str]:
    """:func:`table` as pieces (its opening, each row, its closing), the rows read as they come."""
    th = "".join(f'<th class="{c}">{esc(label)}</th>' if c else f"<th>{esc(label)}</th>" for label, c in head)
    attr = f' class="{cls}"' if cls else ""
    yield f'<div class="table-scroll"><table{attr}><thead><tr>{th}</tr></thead><tbody>\n'
    for i, row in enumerate(rows):
        yield "\n" + row if i else row
    yield "\n</tbody></table></div>"


@cache
def asset(name: str) -> str:
    return (resources.files("threatmodel.export") / "assets" / name).read_text(encoding="utf-8")


def link(text: str, url: str | None) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def sev_badge(severity: object) -> str:
    value = getattr(severity, "value", str(severity))
    return f'<span class="badge sev-{esc(value)}">{esc(value)}</span>'


def status_badge(status: Status) -> str:
    return f'<span class="status st-{esc(status.value)}">{esc(STATUS_LABELS[status])}</span>'


def table(head: Sequence[tuple[str, str]], rows: Iterable[str], cls: str = "") -> str:
    """A table: ``head`` is (label, css class) pairs; ``rows`` are ready ``<tr>`` strings."""
    th = "".join(f'<th class="{c}">{esc(label)}</th>' if c else f"<th>{esc(label)}</th>" for label, c in head)
    body = "\n".join(rows)
    attr = f' class="{cls}"' if cls else ""
    return f'<div class="table-scroll"><table{attr}><thead><tr>{th}</tr></thead><tbody>\n{body}\n</tbody></table></div>'


def tr(*cells: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<tr{attr}>" + "".join(cells) + "</tr>"


def td(content: str, cls: str = "") -> str:
    return f'<td class="{cls}">{content}</td>' if cls else f"<td>{content}</td>"


def date_cell(value: object) -> str:
    return esc(value.isoformat()) if hasattr(value, "isoformat") else "—"


# ---------------------------------------------------------------------------


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line",
        "text", "tspan", "a", "defs", "linearGradient", "radialGradient", "stop", "clipPath",
    }
)  # fmt: skip
_SVG_ATTRIBUTES = frozenset(
    {
        "id", "class", "width", "height", "viewBox", "preserveAspectRatio", "transform", "x", "y", "x1", "y1",
        "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "fill", "fill-opacity", "stroke", "stroke-width",
        "stroke-dasharray", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "opacity", "font-family",
        "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "text-decoration",
        "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "clip-path",
        "clipPathUnits", "role", "aria-label", "target",
    }
)  # fmt: skip


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def inline_svg(svg_text: str) -> str | None:
    """The SVG reduced to drawing elements and presentation attributes, ready to inline in HTML.

    The XML prolog, DOCTYPE and comments are dropped; scripts, event handlers, foreign
    objects, external references and styles are removed. Returns ``None`` when the text is not
    a well-formed SVG document (or declares entities), so a broken diagram is reported
    instead of pasted.

    The kept tree is written in one pass (:func:`_svg_markup`), as ``ElementTree.tostring`` writes
    it after :func:`_clean` and ``role="img"`` on the root (:func:`_inline_svg_tree`, which a test
    compares it with): cleaning, then a namespace pass and a write pass of ElementTree's own, cost
    0.5 s for the 25,000 elements of the 10,000-component report's diagram."""
    root = _svg_root(svg_text)
    return None if root is None else _svg_markup(root)


def _svg_root(svg_text: str) -> ET.Element | None:
    text = re.sub(r"<\?xml[^>]*\?>", "", svg_text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", "", text, flags=re.S | re.I)
    if "<!" in text:
        return None
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD is left, so no entity can expand
    except ET.ParseError:
        return None
    ns, local = _local(root.tag)
    if local != "svg" or ns not in ("", SVG_NS):
        return None
    return root


def _inline_svg_tree(svg_text: str) -> str | None:
    """:func:`inline_svg` the way it was first written: clean the tree in place, then let
    ElementTree write it. The reference the one-pass writer is tested against."""
    root = _svg_root(svg_text)
    if root is None:
        return None
    _clean(root)
    root.set("role", "img")
    return ET.tostring(root, encoding="unicode")


def _clean(element: ET.Element) -> None:
    for child in list(element):
        ns, local = _local(child.tag)
        if ns not in ("", SVG_NS) or local not in _SVG_ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        if not _keeps(name, element.attrib[name]):
            del element.attrib[name]


def _keeps(name: str, value: str) -> bool:
    """Whether :func:`_clean` keeps attribute ``name`` with ``value``."""
    ns, local = _local(name)
    if local == "href" and ns in ("", XLINK_NS):
        return value.startswith("#")
    if ns == XLINK_NS and local == "title":
        return True
    if ns == "" and local in _SVG_ATTRIBUTES:
        return "javascript:" not in value.lower() and "url(" not in value.lower().replace("url(#", "")
    return False


_QUALIFIED = {SVG_NS: "", XLINK_NS: "xlink"}
"""The prefixes ElementTree writes for the only namespaces a cleaned tree keeps (registered above)."""


def _qualified(name: str) -> str:
    """How ElementTree writes a tag or attribute name of a cleaned tree (``{SVG_NS}g`` -> ``g``,
    ``{XLINK_NS}title`` -> ``xlink:title``)."""
    ns, local = _local(name)
    prefix = _QUALIFIED.get(ns, "")
    return f"{prefix}:{local}" if prefix else local


def _escape_cdata(text: str) -> str:
    """ElementTree's escaping of text."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attrib(text: str) -> str:
    """ElementTree's escaping of an attribute value."""
    text = _escape_cdata(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


_DROP, _HREF, _KEEP, _CHECK = range(4)
"""How :func:`_keeps` decides an attribute name: never kept, kept when the value is a fragment
(``#id``), always kept, kept unless the value holds a script or an external ``url(``."""


def _rule(name: str) -> int:
    ns, local = _local(name)
    if local == "href" and ns in ("", XLINK_NS):
        return _HREF
    if ns == XLINK_NS and local == "title":
        return _KEEP
    return _CHECK if ns == "" and local in _SVG_ATTRIBUTES else _DROP


class _SvgWriter:
    """One cleaned SVG written as ElementTree writes it: the namespace declarations on the root
    (sorted by prefix, only those the kept names use), then each element with its kept attributes
    in their order, ``<x />`` when it has neither text nor children, and each kept element's tail.
    Names are classified once per distinct tag or attribute name of the document."""

    __slots__ = ("attrs", "out", "tags", "used")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.tags: dict[str, tuple[str, str] | None] = {}
        """Tag -> (its namespace, how it is written), or ``None`` when the element is dropped."""
        self.attrs: dict[str, tuple[int, str, str]] = {}
        """Attribute name -> (:func:`_rule`, its namespace, how it is written)."""
        self.used: set[str] = set()
        """Namespaces the kept tags and attributes use."""

    def tag(self, tag: str) -> tuple[str, str] | None:
        try:
            return self.tags[tag]
        except KeyError:
            ns, local = _local(tag)
            kept = self.tags[tag] = (ns, _qualified(tag)) if ns in ("", SVG_NS) and local in _SVG_ELEMENTS else None
            return kept

    def attributes(self, element: ET.Element, root: bool = False) -> str:
        parts = []
        role = False
        attrs = self.attrs
        for name, value in element.attrib.items():
            known = attrs.get(name)
            if known is None:
                known = attrs[name] = (_rule(name), _local(name)[0], _qualified(name))
            rule = known[0]
            if rule == _CHECK:
                # a value without ':' and '(' holds neither "javascript:" nor "url(" in any case
                # (most do: coordinates, colours, path data), so only the others are lowered
                if ":" in value or "(" in value:
                    lower = value.lower()
                    if "javascript:" in lower or "url(" in lower.replace("url(#", ""):
                        continue
            elif rule == _HREF:
                if not value.startswith("#"):
                    continue
            elif rule == _DROP:
                continue
            if known[1]:
                self.used.add(known[1])
            if root and name == "role":
                role, value = True, "img"
            parts.append(f' {known[2]}="{_escape_attrib(value)}"')
        if root and not role:
            parts.append(' role="img"')
        return "".join(parts)

    def body(self, element: ET.Element, written: str) -> None:
        out = self.out
        text = element.text
        children = [(child, kept) for child in element if (kept := self.tag(child.tag)) is not None]
        if text or children:  # what is left once the dropped children are removed
            out.append(">")
            if text:
                out.append(_escape_cdata(text))
            for child, (ns, tag) in children:
                if ns:
                    self.used.add(ns)
                out.append(f"<{tag}{self.attributes(child)}")
                self.body(child, tag)
                if child.tail:
                    out.append(_escape_cdata(child.tail))
            out.append(f"</{written}>")
        else:
            out.append(" />")


def _svg_markup(root: ET.Element) -> str:
    """:func:`_inline_svg_tree`'s text for ``root``, written in one pass over the kept elements."""
    w = _SvgWriter()
    written = _qualified(root.tag)
    if _local(root.tag)[0]:
        w.used.add(SVG_NS)
    attributes = w.attributes(root, root=True)
    w.body(root, written)
    declared = "".join(
        f' xmlns{":" + _QUALIFIED[ns] if _QUALIFIED[ns] else ""}="{_escape_attrib(ns)}"'
        for ns in sorted(w.used, key=lambda ns: _QUALIFIED[ns])
    )
    tail = _escape_cdata(root.tail) if root.tail else ""
    return f"<{written}{declared}{attributes}{''.join(w.out)}{tail}"

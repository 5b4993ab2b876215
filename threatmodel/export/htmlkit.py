"""Markup primitives of the HTML report: escaping, table cells, badges, links, the inline
script's JSON, the bundled assets, and the allow-list that makes Graphviz SVG safe to inline.

Every string from a model or a catalog reaches the page through :func:`esc` (attribute values
too) or through :func:`script_json`; the SVG is parsed and reduced to drawing elements and
attributes (:func:`inline_svg`) before it is inlined.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
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
    text = compact_sorted(value)
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


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
    """
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
        ns, local = _local(name)
        value = element.attrib[name]
        keep = False
        if local == "href" and ns in ("", XLINK_NS):
            keep = value.startswith("#")
        elif ns == XLINK_NS and local == "title":
            keep = True
        elif ns == "" and local in _SVG_ATTRIBUTES:
            keep = "javascript:" not in value.lower() and "url(" not in value.lower().replace("url(#", "")
        if not keep:
            del element.attrib[name]

"""The self-contained HTML report: structure, escaping, the embedded data and the SVG sanitiser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.export.reporting import DATA, FIXTURE_SVG, load_case, render
from threatmodel.export.html import CSP
from threatmodel.export.htmlkit import inline_svg, script_json


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(text: str) -> Collector:
    c = Collector()
    c.feed(text)
    c.close()
    return c


@pytest.fixture(scope="module")
def support():  # type: ignore[no-untyped-def]
    return load_case(DATA / "support-assistant.yaml")


@pytest.fixture(scope="module")
def hostile_html() -> str:
    case = load_case(DATA / "hostile.yaml")
    return render("html", case.assessment, case.cset)


class TestHostileInput:
    def test_only_our_scripts_exist(self, hostile_html: str) -> None:
        """Names containing </script><script> add no script element: exactly the data block and the report script remain."""
        doc = parse(hostile_html)
        scripts = [attrs for tag, attrs in doc.tags if tag == "script"]
        assert scripts == [{"type": "application/json", "id": "tm-data"}, {}]

    def test_no_injected_elements_or_handlers(self, hostile_html: str) -> None:
        """No img, iframe or extra style element appears, and no attribute is an event handler or a javascript: URL."""
        doc = parse(hostile_html)
        tags = [tag for tag, _ in doc.tags]
        assert "img" not in tags and "iframe" not in tags and "a" in tags
        assert tags.count("style") == 1
        assert tags.count("title") == 3  # the page title and the two in the fixture SVG
        for tag, attrs in doc.tags:
            for name, value in attrs.items():
                assert not name.startswith("on"), (tag, name)
                if name in ("href", "src"):
                    assert value is not None and value.startswith(("#", "https://", "http://")), (tag, name, value)
        assert "<img src=x" not in hostile_html
        assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_html

    def test_embedded_data_round_trips_hostile_names(self, hostile_html: str) -> None:
        """The JSON block contains no '<' at all yet decodes back to the exact hostile strings."""
        doc = parse(hostile_html)
        raw = doc.scripts[0]
        assert "<" not in raw and ">" not in raw and "&" not in raw
        data = json.loads(raw)
        targets = {f["target"] for f in data["findings"]}
        assert "chat-llm" in targets
        assert any("</script><script>alert('llm')</script>" in f["text"] for f in data["findings"])

    def test_script_json_escapes_every_dangerous_character(self) -> None:
        """<, >, &, U+2028 and U+2029 are written as \\u escapes and the value survives."""
        value = {"k": "</script><!-- & \u2028\u2029"}
        out = script_json(value)
        assert not re.search("[<>&\u2028\u2029]", out)
        assert json.loads(out) == value


class TestStructure:
    def test_self_contained_and_locked_down(self, support) -> None:  # type: ignore[no-untyped-def]
        """One file: the strict CSP is set, and nothing is loaded from anywhere (no link, no src)."""
        text = render("html", support.assessment, support.cset)
        doc = parse(text)
        metas = [a for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert metas == [{"http-equiv": "Content-Security-Policy", "content": CSP}]
        assert CSP == "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        assert not any(t == "link" or "src" in a for t, a in doc.tags)
        assert "@import" not in text and "url(" not in text

    def test_findings_table_rows_and_data_agree(self, support) -> None:  # type: ignore[no-untyped-def]
        """Each finding is one tbody with a summary row and a detail row, in the order of the embedded data."""
        text = render("html", support.assessment, support.cset)
        doc = parse(text)
        bodies = [a for t, a in doc.tags if t == "tbody" and a.get("class") == "finding"]
        data = json.loads(doc.scripts[0])["findings"]
        assert [b["data-index"] for b in bodies] == [str(i) for i in range(len(data))]
        assert [b["id"] for b in bodies] == [f"f-{f['id']}" for f in data]
        assert len(data) == len(support.assessment.findings)
        details = [a for t, a in doc.tags if t == "tr" and a.get("class") == "detail"]
        assert len(details) == len(data)

    def test_filters_offer_what_the_findings_have(self, support) -> None:  # type: ignore[no-untyped-def]
        """The catalog and element filters list exactly the catalogs and targets present in the findings."""
        text = render("html", support.assessment, support.cset)
        catalog_select = re.search(r'<select id="f-catalog">(.*?)</select>', text, re.S)
        assert catalog_select is not None
        values = re.findall(r'value="([^"]*)"', catalog_select.group(1))
        assert values == ["", "atlas", "cosai", "fixture", "owasp-agentic", "owasp-llm", "owasp-ml", "stride"]
        target_select = re.search(r'<select id="f-target">(.*?)</select>', text, re.S)
        assert target_select is not None
        targets = set(re.findall(r'value="([^"]+)"', target_select.group(1)))
        assert targets == {f.target for f in support.assessment.findings}

    def test_print_stylesheet(self, support) -> None:  # type: ignore[no-untyped-def]
        """The print rules expand every finding, hide the controls and keep findings on one page."""
        text = render("html", support.assessment, support.cset)
        media = text[text.index("@media print") :]
        assert "tr.detail[hidden] { display: table-row !important; }" in media
        assert ".filters" in media and "display: none !important" in media
        assert "tbody.finding { break-inside: avoid; }" in media
        assert "@page { size: A4;" in text

    def test_missing_diagram_is_explained(self, support) -> None:  # type: ignore[no-untyped-def]
        """Without an SVG the report says the diagram could not be drawn, and has no svg element."""
        text = render("html", support.assessment, support.cset, svg=None)
        assert "No diagram: Graphviz could not be run" in text
        assert not any(t == "svg" for t, _ in parse(text).tags)

    def test_assets_cannot_close_their_elements(self) -> None:
        """The inline CSS and JS contain no closing tag or comment opener that could end their element early."""
        from threatmodel.export.htmlkit import asset as _asset

        for name, closer in (("report.css", "</style"), ("report.js", "</script")):
            body = _asset(name).lower()
            assert closer not in body and "<!--" not in body and "<script" not in body


class TestInlineSvg:
    def test_prolog_doctype_and_comments_are_dropped(self) -> None:
        """The inlined diagram starts at <svg and keeps its viewBox."""
        out = inline_svg(FIXTURE_SVG)
        assert out is not None
        assert out.startswith("<svg ") and "<?xml" not in out and "DOCTYPE" not in out and "<!--" not in out
        assert 'viewBox="0.00 0.00 120.00 40.00"' in out

    def test_active_content_is_removed(self) -> None:
        """Scripts, foreign objects, handlers, external links and style attributes do not survive."""
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
            "<script>alert(1)</script>"
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
            '<a xlink:href="javascript:alert(1)" href="https://evil.example"><text style="x" onclick="alert(1)">t</text></a>'
            '<a xlink:href="#n1"><text>&lt;/svg&gt;&lt;script&gt;</text></a>'
            '<image href="https://evil.example/x.png"/>'
            "</svg>"
        )
        out = inline_svg(svg)
        assert out is not None
        for needle in (
            "script>",
            "foreignObject",
            "onload",
            "onclick",
            "javascript",
            "evil.example",
            "style=",
            "<image",
        ):
            assert needle not in out
        assert 'xlink:href="#n1"' in out
        assert "&lt;/svg&gt;&lt;script&gt;" in out

    def test_entities_and_garbage_are_refused(self) -> None:
        """An SVG declaring entities, or text that is not SVG, is refused rather than pasted."""
        bomb = '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
        assert inline_svg(bomb) is None
        assert inline_svg("<svg><g></svg>") is None
        assert inline_svg('<html xmlns="http://www.w3.org/1999/xhtml"/>') is None

    def test_broken_svg_is_reported_in_the_page(self, support) -> None:  # type: ignore[no-untyped-def]
        """A malformed SVG yields a visible note instead of raw markup."""
        text = render("html", support.assessment, support.cset, svg="<svg><script>alert(1)</svg>")
        assert "its SVG was not well-formed" in text
        assert "<script>alert(1)" not in text

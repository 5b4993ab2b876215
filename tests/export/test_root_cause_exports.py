"""A finding grouped by root cause in every output: SARIF locations, JSON, Markdown, HTML, STIX, TUI text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.test_root_cause import BASE, DPI
from tests.export.reporting import TOOL_VERSION, sarif_errors
from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import Analysis, analyse
from threatmodel.export.html import render_html
from threatmodel.export.json import render_json
from threatmodel.export.markdown import render_markdown
from threatmodel.export.sarif import render_sarif
from threatmodel.export.stix import render_stix
from threatmodel.io.load import load_catalogs
from threatmodel.model.system import SystemModel
from threatmodel.tui.text import finding_detail

GROUP = f"{DPI}@visitors"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    cats = load_catalogs()
    return analyse(SystemModel.model_validate(stated(BASE)), cats.catalogs, as_of=FIXED_DATE)


def _result(log: dict[str, Any]) -> dict[str, Any]:
    (found,) = [r for r in log["runs"][0]["results"] if r["properties"].get("findingId") == GROUP]
    return found


def test_sarif_lists_every_affected_element_and_the_root_cause(analysis: Analysis) -> None:
    text = render_sarif(analysis, tool_version=TOOL_VERSION)
    assert sarif_errors(text) == []
    result = _result(json.loads(text))
    names = [loc["logicalLocations"][0]["name"] for loc in result["locations"]]
    assert names == ["sales-llm", "faq-llm"]  # the scored element first, then the others
    (related,) = result["relatedLocations"]
    assert related["logicalLocations"][0]["name"] == "visitors" and "root cause" in related["message"]["text"]
    assert result["properties"]["affected"] == ["faq-llm", "sales-llm"]
    assert f"{DPI}@faq-llm" in result["properties"]["aliases"]


def test_json_carries_root_affected_and_aliases(analysis: Analysis) -> None:
    doc = json.loads(render_json(analysis, tool_version=TOOL_VERSION))
    (f,) = [f for f in doc["findings"] if f["id"] == GROUP]
    assert (f["root"], f["affected"]) == ("visitors", ["faq-llm", "sales-llm"])
    assert f["root_cause"] and f["triage_key"] is None


def test_markdown_and_html_name_the_root_cause_and_every_element(analysis: Analysis) -> None:
    md = render_markdown(analysis, tool_version=TOOL_VERSION)
    assert "| Root cause |" in md and "`faq-llm`, `sales-llm`" in md
    html = render_html(analysis, tool_version=TOOL_VERSION, diagram_svg=None)
    assert "<h4>Root cause</h4>" in html and "<code>faq-llm</code>, <code>sales-llm</code>" in html


def test_stix_relates_the_threat_to_each_affected_element(analysis: Analysis) -> None:
    import stix2

    text = render_stix(analysis, tool_version=TOOL_VERSION)
    stix2.parse(text, allow_custom=False)
    objects = json.loads(text)["objects"]
    names = {o["id"]: o["name"] for o in objects if o["type"] == "identity"}
    pattern = next(o["id"] for o in objects if o["type"] == "attack-pattern" and o["name"].startswith("Direct prompt"))
    targeted = {
        names[o["target_ref"]]
        for o in objects
        if o["type"] == "relationship" and o["relationship_type"] == "targets" and o["source_ref"] == pattern
    }
    assert targeted == {"faq-llm", "sales-llm"}


def test_tui_finding_screen_shows_the_root_cause(analysis: Analysis) -> None:
    finding = next(f for f in analysis.assessment.findings if f.id == GROUP)
    text = finding_detail(finding, analysis.catalogs, analysis.model).plain
    assert "Root cause" in text and "faq-llm, sales-llm" in text and "root cause 'visitors'" in text

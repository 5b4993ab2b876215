"""The Markdown design-review document: content, escaping, and the shared report helpers."""

from __future__ import annotations

import re

import pytest

from tests.export.reporting import DATA, REPO, analysis_of, load_case, render
from threatmodel.export.common import (
    md_code,
    md_fence,
    md_link,
    md_text,
    posture,
    triage_log,
)
from threatmodel.export.review import coverage
from threatmodel.graph import build_graph
from threatmodel.model.vocab import Status


@pytest.fixture(scope="module")
def support():  # type: ignore[no-untyped-def]
    return load_case(DATA / "support-assistant.yaml")


@pytest.fixture(scope="module")
def hostile():  # type: ignore[no-untyped-def]
    return load_case(DATA / "hostile.yaml")


def _cells(row: str) -> int:
    """Number of cells in a Markdown table row, counting only unescaped pipes."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


class TestEscaping:
    def test_html_becomes_entities(self) -> None:
        """Tags in user text are entities, so GitHub shows them as text."""
        assert md_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"

    def test_markup_characters_are_escaped(self) -> None:
        """Links, emphasis, code, tables, strike-through and maths cannot be opened by user text."""
        out = md_text("[x](javascript:alert(1)) *a* _b_ `c` | ~d~ $e$")
        assert out == r"\[x\](javascript:alert(1)) \*a\* \_b\_ \`c\` \| \~d\~ \$e\$"

    def test_newlines_collapse_to_spaces(self) -> None:
        """A newline cannot end a table row or start a block."""
        assert md_text("a\n\n| b |\n# c") == r"a \| b \| # c"

    def test_block_starts_are_escaped(self) -> None:
        """Text that would start a heading, list or rule at the beginning of a line is escaped."""
        assert md_text("# h") == r"\# h"
        assert md_text("- item") == r"\- item"
        assert md_text("12. item") == r"12\. item"
        assert md_text("1.4") == "1.4"

    def test_code_span_survives_backticks_and_pipes(self) -> None:
        """A code span uses a longer fence than any backtick run inside it and escapes pipes."""
        assert md_code("a`b") == "`` a`b ``"
        assert md_code("x|y") == r"`x\|y`"

    def test_fence_is_longer_than_any_inner_fence(self) -> None:
        """A fenced block cannot be closed by the text it contains."""
        block = md_fence("````\nx", "mermaid")
        assert block.startswith("`````mermaid\n")
        assert block.endswith("\n`````")

    def test_link_only_for_web_urls(self) -> None:
        """A non-http URL is never turned into a link; parentheses in URLs are encoded."""
        assert md_link("x", "javascript:alert(1)") == "x"
        assert md_link("t", "https://e.org/a(b)") == "[t](https://e.org/a%28b%29)"

    def test_hostile_model_stays_text(self, hostile) -> None:  # type: ignore[no-untyped-def]
        """No raw HTML, no link to javascript:, no image and no broken table row come out of hostile names."""
        text = render("md", hostile.assessment, hostile.cset)
        for needle in ("<img", "<script", "<svg", "<iframe", "<style", "<a ", "![x]"):
            assert needle not in text
        assert not re.search(r"(?<!\\)\]\(javascript", text)
        assert r"\[click\](javascript:alert(1))" in text
        table: list[int] = []
        for line in text.splitlines():
            if line.startswith("|"):
                table.append(_cells(line))
                assert table[0] == table[-1], f"row has {table[-1]} cells, header {table[0]}: {line}"
            else:
                table = []


class TestDocument:
    def test_sections_in_order(self, support) -> None:  # type: ignore[no-untyped-def]
        """The document has every review section, in reading order."""
        text = render("md", support.assessment, support.cset)
        headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
        assert headings == [
            "Summary",
            "System",
            "Findings",
            "Control plan",
            "Open questions",
            "Coverage",
            "Triage log",
            "By lifecycle stage",
            "Diagnostics",
            "Catalogs",
        ]

    def test_summary_counts_and_verdict(self, support) -> None:  # type: ignore[no-untyped-def]
        """The summary states the verdict and the open risk the assessment computed."""
        text = render("md", support.assessment, support.cset)
        assert "**Not ready for sign-off.**" in text
        assert f"**{support.assessment.open_risk}**" in text

    def test_every_finding_has_its_block(self, support) -> None:  # type: ignore[no-untyped-def]
        """Each finding appears with its id, why-bullets, scenario, scoring and references."""
        text = render("md", support.assessment, support.cset)
        for f in support.assessment.findings:
            assert f"`{f.id}`" in text
            assert md_text(f.scenario) in text
        assert text.count("**Why it applies here**") == len(support.assessment.findings)
        assert text.count("**Scoring**") == len(support.assessment.findings)
        assert "[LLM01:2025 Prompt Injection](https://genai.owasp.org/llmrisk/llm01-prompt-injection/)" in text

    def test_implemented_and_planned_controls_are_distinguished(self, support) -> None:  # type: ignore[no-untyped-def]
        """Implemented controls are ticked; a planned one is proposed and marked as not yet counted."""
        text = render("md", support.assessment, support.cset)
        assert "✅ implemented: [Input Validation and Sanitization]" in text
        assert "(`cosai:controlAgentExecutionBounds`) — declared planned, not yet counted" in text

    def test_mermaid_block(self, support) -> None:  # type: ignore[no-untyped-def]
        """The System section embeds the Mermaid diagram from the diagram module."""
        text = render("md", support.assessment, support.cset)
        assert "```mermaid\nflowchart" in text

    def test_output_is_stable(self, support) -> None:  # type: ignore[no-untyped-def]
        """Two renders of the same assessment are identical and end with one newline."""
        a = render("md", support.assessment, support.cset)
        assert a == render("md", support.assessment, support.cset)
        assert a.endswith("\n") and not a.endswith("\n\n")


class TestHelpers:
    def test_coverage_counts_by_status(self, support) -> None:  # type: ignore[no-untyped-def]
        """Coverage rows count the findings that reference each entry, by status."""
        tables = {t.catalog: t for t in coverage(support.analysis)}
        assert list(tables) == ["owasp-llm", "owasp-ml", "owasp-agentic", "cosai", "owasp-ai-exchange"]
        exchange = {r.item: r for r in tables["owasp-ai-exchange"].rows}
        assert "evasion" not in exchange  # groups are not rows, only threats
        assert len(exchange) == 25  # its 25 leaf threats (groups are categories)
        llm = {r.item: r for r in tables["owasp-llm"].rows}
        assert (llm["LLM01:2025"].findings, llm["LLM01:2025"].open, llm["LLM01:2025"].verdict) == (2, 2, "open")
        assert (llm["LLM02:2025"].mitigated, llm["LLM02:2025"].accepted, llm["LLM02:2025"].verdict) == (
            1,
            1,
            "accepted",
        )
        # The fixture set leaves out the threat library: no rule realises LLM09, so nothing is known.
        assert llm["LLM09:2025"].verdict == "not assessed"
        assert [r.item for r in tables["owasp-agentic"].rows] == [f"ASI{i:02d}" for i in range(1, 11)]

    def test_coverage_tells_assessed_from_not_applicable(self) -> None:
        """With the threat library: an entry whose rules target kinds the model has, and that no
        finding realises, is "assessed, no finding"; one whose rules target only kinds the model
        lacks is "not applicable"; disabling its only rules makes it "not assessed"."""
        case = load_case(REPO / "models" / "rag-support-assistant.yaml", fixture=False)
        kinds = set(build_graph(case.assessment.model).by_kind)
        assert not kinds & {"agent", "tool"}  # a RAG assistant without agency
        rows = {r.ref: r for t in coverage(case.analysis) for r in t.rows}
        assert rows["owasp-llm:LLM06:2025"].verdict == "not applicable"  # Excessive Agency
        assessed = [r for r in rows.values() if r.verdict == "assessed, no finding"]
        assert assessed and all(r.findings == 0 for r in assessed)
        target = assessed[0]
        rules = [key for key, threat in case.cset.all_threats() if target.ref in threat.refs]
        assert rules
        settings = case.assessment.model.settings.model_copy(update={"disabled_threats": tuple(rules)})
        model = case.assessment.model.model_copy(update={"settings": settings})
        without = case.assessment.model_copy(update={"model": model})
        after = {r.ref: r for t in coverage(analysis_of(without, case.cset)) for r in t.rows}
        assert after[target.ref].verdict == "not assessed"
        # Every catalog of the report counts the entries that apply: realised or assessed.
        for t in coverage(case.analysis):
            assert t.applicable == sum(1 for r in t.rows if r.verdict not in ("not applicable", "not assessed"))

    def test_triage_log_flags_lapsed_decisions(self, support) -> None:  # type: ignore[no-untyped-def]
        """Every triage entry is listed; the one past its review date is lapsed and its finding open again."""
        log = {r.finding_id: r for r in triage_log(support.assessment)}
        assert len(log) == len(support.assessment.model.triage)
        lapsed = log["fixture:feedback-label-poisoning@feedback-set"]
        assert lapsed.lapsed and lapsed.finding is not None and lapsed.finding.status is Status.OPEN
        assert not log["fixture:unsafe-weights-format@intent-classifier"].lapsed

    def test_posture_verdicts(self, support) -> None:  # type: ignore[no-untyped-def]
        """The verdict is 'not ready' with open high findings, and 'ready' once nothing is open."""
        assert posture(support.assessment).headline == "Not ready for sign-off."
        closed = tuple(f.model_copy(update={"status": Status.MITIGATED}) for f in support.assessment.findings)
        done = support.assessment.model_copy(update={"findings": closed})
        assert posture(done).headline == "Ready for sign-off."
        empty = support.assessment.model_copy(update={"findings": (), "proposals": ()})
        assert posture(empty).headline == "No threat applies."


def test_high_findings_with_a_path_draw_it() -> None:
    """Every high or critical finding raised along an untrusted path gets a Mermaid drawing of its
    paths (source dashed, target filled, display names); names in it are escaped like the diagram's."""
    from threatmodel.export.diagram.mermaid import render_mermaid_paths
    from threatmodel.model.base import Severity

    case = load_case(REPO / "models" / "rag-support-assistant.yaml", fixture=False)
    text = render("md", case.analysis)
    drawn = [f for f in case.assessment.findings if f.path and f.residual_severity >= Severity.HIGH]
    assert drawn, "the example should have a high finding with a path"
    assert text.count("**Attack path**") == len(drawn)
    for f in drawn:
        paths = f.paths or (f.path,)
        names = {e: case.analysis.graph.name(e) for p in paths for e in p}
        block = render_mermaid_paths(paths, names, f.target, f.residual_severity)
        assert f"```mermaid\n{block}```" in text
        assert "class p" in block and " target" in block
    hostile = render_mermaid_paths([("a", "b")], {"a": 'x"]) --> evil[("', "b": "<script>"}, "b", Severity.HIGH)
    labels = [line for line in hostile.splitlines() if line.startswith("  p")][:2]
    assert all(line.count('"') == 2 for line in labels), labels
    assert "<script>" not in hostile

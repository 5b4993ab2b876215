"""The open-questions section of the Markdown and HTML reports and the ``questions`` list of the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.export.reporting import Case, example_models, load_case, render_case
from threatmodel.engine.questions import open_questions
from threatmodel.export.common import report_order
from threatmodel.export.review import QUESTION_LIMIT, QuestionList, QuestionRow, open_question_list

SPARSE = """\
system: {id: helpdesk, name: Helpdesk}
data:
  - {id: tickets, classification: confidential}
components:
  - {id: staff, kind: human-user}
  - {id: "desk", name: "<b>Desk</b> *bot* | `x`", kind: agent, model: desk-llm, tools: [mailer]}
  - {id: desk-llm, kind: llm, hosting: provider-api}
  - {id: mailer, kind: tool}
flows:
  - {source: staff, target: desk, data: [tickets]}
  - {source: desk, target: desk-llm, data: [tickets]}
  - {source: desk, target: mailer, data: [tickets]}
"""


@pytest.fixture(scope="module")
def sparse(tmp_path_factory: pytest.TempPathFactory) -> Case:
    path: Path = tmp_path_factory.mktemp("q") / "helpdesk.yaml"
    path.write_text(SPARSE, encoding="utf-8")
    return load_case(path, fixture=False)


def test_the_list_follows_the_questions_command(sparse: Case) -> None:
    asked = open_questions(sparse.assessment.findings)
    listed = open_question_list(sparse.analysis)
    assert len(asked) > 3
    assert listed.total == len(asked)
    assert [(r.element, r.attribute, r.risk) for r in listed.rows] == [(q.element, q.attribute, q.risk) for q in asked]
    assert [r.rank for r in listed.rows] == list(range(1, len(listed.rows) + 1))
    resting = {f.id: f.residual_risk for f in sparse.assessment.findings if f.assumes and f.status.is_open}
    assert listed.risk == sum(resting.values())
    for row in listed.rows:
        assert {f.id for f in row.findings} == set(
            next(q.findings for q in asked if q.element == row.element and q.attribute == row.attribute)
        )


def test_the_report_lists_at_most_the_limit(sparse: Case) -> None:
    short = open_question_list(sparse.analysis, limit=2)
    assert len(short.rows) == 2 and short.total > 2
    assert QUESTION_LIMIT == 25


def test_markdown_section(sparse: Case) -> None:
    md = render_case("md", sparse)
    section = md.split("## Open questions\n", 1)[1].split("\n## ", 1)[0]
    first = open_questions(sparse.assessment.findings)[0]
    assert (
        f"| 1 | State {first.question.removeprefix('state ')}".replace("<", "&lt;").replace(">", "&gt;")[:20] in section
    )
    assert f"`{first.element}.{first.attribute}`" in section
    assert "<b>" not in md  # the element's name is text, not markup
    assert r"&lt;b&gt;Desk&lt;/b&gt; \*bot\* \| \`x\`" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert len(rows) - 1 == len(open_questions(sparse.assessment.findings))  # minus the separator row
    assert "[Open questions](#open-questions)" in md


def test_html_section_links_the_findings(sparse: Case) -> None:
    html = render_case("html", sparse)
    section = html.split('<section class="card" id="questions">', 1)[1].split("</section>", 1)[0]
    first = open_questions(sparse.assessment.findings)[0]
    assert f"<code>{first.element}.{first.attribute}</code>" in section
    for fid in first.findings:
        assert f'href="#f-{fid}"' in section
    assert "&lt;b&gt;Desk&lt;/b&gt;" in section and "<b>Desk" not in html
    assert '<a href="#questions">Open questions</a>' in html


def test_json_lists_the_questions(sparse: Case) -> None:
    data = json.loads(render_case("json", sparse))
    assert data["questions"] == [q.model_dump(mode="json") for q in open_questions(sparse.assessment.findings)]
    assert list(data)[-2:] == ["questions", "diagnostics"]


def test_a_model_that_states_everything_says_so() -> None:
    from tests.export.reporting import REPO

    case = load_case(REPO / "models" / "agent-with-tools.yaml", fixture=False)
    assert not open_questions(case.assessment.findings)
    assert "No finding rests on an unknown fact" in render_case("md", case)
    assert "No finding rests on an unknown fact" in render_case("html", case)


def _made_from_every_question(case: Case, limit: int) -> QuestionList:
    """How the list was made before decision 1866: every question, then the first ``limit``."""
    findings = case.assessment.findings
    asked = open_questions(findings)
    by_id = {f.id: f for f in findings}
    order = {f.id: i for i, f in enumerate(report_order(findings))}
    rows = tuple(
        QuestionRow(
            rank=rank,
            question=q.question,
            element=q.element,
            attribute=q.attribute,
            findings=tuple(sorted((by_id[fid] for fid in q.findings), key=lambda f: order[f.id])),
            open_findings=q.open_findings,
            risk=q.risk,
        )
        for rank, q in enumerate(asked[:limit], 1)
    )
    risk = sum(f.residual_risk for f in findings if f.assumes and f.status.is_open)
    return QuestionList(rows=rows, total=len(asked), risk=risk)


@pytest.mark.parametrize("path", example_models(), ids=lambda p: p.stem)
def test_the_first_questions_are_those_of_the_whole_list(path: Path) -> None:
    """Ranking only the first ``limit`` gives the rows, total and risk that listing every question gave."""
    case = load_case(path, fixture=False)
    for limit in (1, 3, QUESTION_LIMIT, 10_000):
        assert open_question_list(case.analysis, limit) == _made_from_every_question(case, limit)

"""One finding per root cause: grouping, scores, wording, triage carried over from per-element ids."""

from __future__ import annotations

from typing import Any

from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.finding import Assessment
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()

# Anonymous visitors reach two self-hosted LLMs through one public web app; employees reach a third.
BASE: dict[str, Any] = {
    "system": {"id": "two-bots", "name": "Two bots"},
    "data": [{"id": "kb", "name": "Knowledge base", "classification": "confidential"}],
    "components": [
        {"id": "visitors", "kind": "human-user", "population": "public", "exposure": "internal"},
        {"id": "staff", "kind": "human-user", "population": "employees", "exposure": "internal"},
        {"id": "web", "kind": "application", "exposure": "internet", "multi_tenant": False},
        {"id": "intranet", "kind": "application", "exposure": "internal", "multi_tenant": False},
        {"id": "faq-llm", "kind": "llm", "exposure": "internal", "output": "text"},
        {"id": "sales-llm", "kind": "llm", "exposure": "internal", "output": "text", "data": ["kb"]},
        {"id": "hr-llm", "kind": "llm", "exposure": "internal", "output": "text"},
    ],
    "flows": [
        {"source": "visitors", "target": "web"},
        {"source": "web", "target": "faq-llm"},
        {"source": "web", "target": "sales-llm"},
        {"source": "staff", "target": "intranet"},
        {"source": "intranet", "target": "hr-llm"},
    ],
}
DPI = "tm:direct-prompt-injection"


def _assess(data: dict[str, Any], triage: dict[str, Any] | None = None) -> Assessment:
    doc = stated(data)
    if triage:
        doc["triage"] = triage
    return evaluate(SystemModel.model_validate(doc), CATALOGS.catalogs, as_of=FIXED_DATE)


def _by_id(a: Assessment) -> dict[str, Any]:
    return {f.id: f for f in a.findings}


def test_one_source_reaching_two_models_is_one_finding() -> None:
    findings = _by_id(_assess(BASE))
    group = findings[f"{DPI}@visitors"]
    assert group.affected == ("faq-llm", "sales-llm")
    assert group.root == "visitors"
    assert "Visitors" in group.root_cause or "visitors" in group.root_cause
    assert f"{DPI}@faq-llm" not in findings and f"{DPI}@sales-llm" not in findings
    assert group.aliases == (f"{DPI}@faq-llm", f"{DPI}@sales-llm")
    # the scenario names every affected model, not one of them
    assert "faq-llm" in group.scenario and "sales-llm" in group.scenario


def test_a_group_scenario_reads_right_for_several_elements() -> None:
    """The sentence names every member, says its path is one of several, and never talks about
    "the model" as if there were one."""
    group = _by_id(_assess(BASE))[f"{DPI}@visitors"]
    assert "(one of 2 paths)" in group.scenario
    assert "The model " not in group.scenario and "its instructions" not in group.scenario
    # a source reaching one model keeps the plain wording
    one = {**BASE, "flows": [f for f in BASE["flows"] if f["target"] != "sales-llm"]}
    single = _by_id(_assess(one))[f"{DPI}@faq-llm"]
    assert "paths)" not in single.scenario and "faq-llm" in single.scenario


def test_the_group_carries_its_worst_members_score() -> None:
    """sales-llm sees confidential data (impact +1), so the group scores as sales-llm does."""
    per_element = {
        f.target: f
        for f in evaluate(
            SystemModel.model_validate(stated(BASE)),
            [
                c.model_copy(update={"threats": tuple(t.model_copy(update={"group_by": None}) for t in c.threats)})
                for c in CATALOGS.catalogs
            ],
            as_of=FIXED_DATE,
        ).findings
        if f.threat == DPI
    }
    group = _by_id(_assess(BASE))[f"{DPI}@visitors"]
    assert per_element["sales-llm"].risk > per_element["faq-llm"].risk
    assert group.target == "sales-llm"
    assert (group.likelihood, group.impact, group.risk) == (
        per_element["sales-llm"].likelihood,
        per_element["sales-llm"].impact,
        per_element["sales-llm"].risk,
    )


def test_a_source_reaching_one_model_keeps_the_per_element_id() -> None:
    """The employees' path reaches only hr-llm: nothing to group, the id is as before."""
    data = {
        **BASE,
        "components": [{**c, "population": "public"} if c["id"] == "staff" else c for c in BASE["components"]],
    }
    findings = _by_id(_assess(data))
    single = findings[f"{DPI}@hr-llm"]
    assert single.affected == () and single.root is None and single.aliases == ()


DECISION = {"status": "accepted", "justification": "Both bots only answer from public pages.", "owner": "Ana"}


def test_a_decision_on_every_member_carries_over_to_the_group() -> None:
    a = _assess(BASE, {f"{DPI}@faq-llm": DECISION, f"{DPI}@sales-llm": DECISION})
    group = _by_id(a)[f"{DPI}@visitors"]
    assert group.status.value == "accepted"
    assert group.triage_key == f"{DPI}@faq-llm"
    codes = [(d.code, d.triage) for d in a.diagnostics]
    assert ("TM201", f"{DPI}@faq-llm") not in codes
    assert ("TM204", f"{DPI}@faq-llm") in codes and ("TM204", f"{DPI}@sales-llm") in codes


def test_a_decision_on_one_member_does_not_cover_the_others() -> None:
    """Unknown is never secure: nobody decided about sales-llm, so the group stays open."""
    a = _assess(BASE, {f"{DPI}@faq-llm": DECISION})
    group = _by_id(a)[f"{DPI}@visitors"]
    assert group.status.value == "open" and group.triage is None
    (diag,) = [d for d in a.diagnostics if d.code == "TM204"]
    assert "sales-llm" in diag.message and f"{DPI}@visitors" in diag.message


def test_differing_member_decisions_leave_the_group_open() -> None:
    other = {**DECISION, "status": "false-positive"}
    a = _assess(BASE, {f"{DPI}@faq-llm": DECISION, f"{DPI}@sales-llm": other})
    assert _by_id(a)[f"{DPI}@visitors"].status.value == "open"


def test_a_decision_on_the_group_id_wins_and_supersedes_member_entries() -> None:
    a = _assess(BASE, {f"{DPI}@visitors": DECISION, f"{DPI}@faq-llm": {**DECISION, "status": "false-positive"}})
    group = _by_id(a)[f"{DPI}@visitors"]
    assert group.status.value == "accepted" and group.triage_key is None
    (diag,) = [d for d in a.diagnostics if d.code == "TM204"]
    assert "supersedes" in diag.message


# An agent that reads web pages through a fetch tool; its only user is an employee.
AGENT: dict[str, Any] = {
    "system": {"id": "reader", "name": "Reader"},
    "components": [
        {"id": "analyst", "kind": "human-user", "population": "employees", "exposure": "internal"},
        {"id": "reader-agent", "kind": "agent", "tools": ["fetch"], "exposure": "internal"},
        {
            "id": "fetch",
            "kind": "tool",
            "untrusted_content": True,
            "side_effects": ["read-only"],
            "exposure": "internal",
        },
    ],
    "flows": [
        {"source": "analyst", "target": "reader-agent"},
        {"source": "reader-agent", "target": "fetch"},
        {"source": "fetch", "target": "reader-agent"},
    ],
}


def test_indirect_injection_on_an_agent_is_its_own_finding() -> None:
    findings = _by_id(_assess(AGENT))
    assert "tm:agent-indirect-prompt-injection@reader-agent" in findings
    assert "tm:agent-goal-hijack@reader-agent" not in findings


def test_direct_and_indirect_injection_on_one_agent_are_separate_findings() -> None:
    data = {
        **AGENT,
        "components": [{**c, "population": "public"} if c["id"] == "analyst" else c for c in AGENT["components"]],
    }
    findings = _by_id(_assess(data))
    direct = findings["tm:agent-goal-hijack@reader-agent"]
    indirect = findings["tm:agent-indirect-prompt-injection@reader-agent"]
    assert direct.path[0] == "analyst" and indirect.path[0] == "fetch"
    assert "atlas:AML.T0051.000" in direct.refs and "atlas:AML.T0051.001" in indirect.refs


def test_a_decision_recorded_before_the_split_carries_over() -> None:
    """Before the split the agent's only finding was agent-goal-hijack; that decision still applies."""
    a = _assess(AGENT, {"tm:agent-goal-hijack@reader-agent": DECISION})
    finding = _by_id(a)["tm:agent-indirect-prompt-injection@reader-agent"]
    assert finding.status.value == "accepted"
    assert finding.triage_key == "tm:agent-goal-hijack@reader-agent"
    assert [d.code for d in a.diagnostics if d.triage == "tm:agent-goal-hijack@reader-agent"] == ["TM204"]


def test_diff_pairs_a_finding_that_joined_a_group() -> None:
    """One public app reaching one model, then two: the per-element finding moves into the group."""
    from threatmodel.engine.diff import diff_assessments

    one = {**BASE, "flows": [f for f in BASE["flows"] if f["target"] != "sales-llm"]}
    changes = diff_assessments(_assess(one), _assess(BASE)).findings
    moved = [c for c in changes if c.change == "moved"]
    assert [(c.id, c.old_id) for c in moved] == [(f"{DPI}@visitors", f"{DPI}@faq-llm")]
    assert not [c for c in changes if c.change == "resolved"]


def test_the_gate_reads_a_baseline_written_before_grouping() -> None:
    from threatmodel.engine.gate import baseline_severity
    from threatmodel.model.base import Severity

    group = _by_id(_assess(BASE))[f"{DPI}@visitors"]
    both = {f"{DPI}@faq-llm": Severity.MEDIUM, f"{DPI}@sales-llm": Severity.HIGH}
    assert baseline_severity(group, both) is Severity.HIGH
    assert baseline_severity(group, {f"{DPI}@faq-llm": Severity.HIGH}) is None  # sales-llm is new to it
    assert baseline_severity(group, {f"{DPI}@visitors": Severity.LOW}) is Severity.LOW


def test_why_not_points_at_the_group_an_element_belongs_to() -> None:
    from threatmodel.engine import analyse
    from threatmodel.engine.whynot import why_not

    analysis = analyse(SystemModel.model_validate(stated(BASE)), CATALOGS.catalogs, as_of=FIXED_DATE)
    answer = why_not(analysis, f"{DPI}@faq-llm")
    assert answer.applies and answer.raised_as == f"{DPI}@visitors"
    assert why_not(analysis, f"{DPI}@hr-llm").raised_as is None


def test_policy_judges_a_decision_recorded_under_an_alias_with_its_finding() -> None:
    """A severity-scoped triage rule still sees an acceptance recorded under a per-element id."""
    from threatmodel.engine.policy import evaluate_policy
    from threatmodel.model.policy import Policy

    a = _assess(BASE, {f"{DPI}@faq-llm": DECISION, f"{DPI}@sales-llm": DECISION})
    policy = Policy.model_validate(
        {
            "rules": [
                {
                    "id": "approve-accepted",
                    "message": "Accepted risks need a second person.",
                    "needs_approver_other_than_owner": {"status": "accepted", "at_least": "medium"},
                }
            ]
        }
    )
    flagged = sorted(v.finding for v in evaluate_policy(policy, a))
    assert flagged == [f"{DPI}@faq-llm", f"{DPI}@sales-llm"]

"""Policy files: loading with located errors, and every rule kind's evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXED_DATE
from tests.versioning.conftest import CATALOG, version_text
from threatmodel.engine import evaluate
from threatmodel.engine.policy import Violation, evaluate_policy
from threatmodel.errors import ThreatModelError
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model_text
from threatmodel.io.policy import load_policy, load_policy_text
from threatmodel.model.finding import Assessment
from threatmodel.model.policy import RULE_KINDS

REPO = Path(__file__).resolve().parents[2]
AS_OF = FIXED_DATE


@pytest.fixture(scope="module")
def catalogs() -> LoadedCatalogs:
    return load_catalogs([CATALOG])


def assess(text: str, catalogs: LoadedCatalogs) -> Assessment:
    loaded = load_model_text(text, "model.yaml", known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=AS_OF)


def violations(policy: str, text: str, catalogs: LoadedCatalogs) -> dict[str, Violation]:
    loaded = load_policy_text(policy, "policy.yaml", known_controls=catalogs.control_refs)
    return {v.id: v for v in evaluate_policy(loaded.policy, assess(text, catalogs))}


def rule(body: str) -> str:
    return "rules:\n  - id: r\n    message: Fix it.\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())


def with_triage(entry: str, key: str = "vt:excessive-agency@support-agent") -> str:
    """v2 plus one triage entry (indented body lines)."""
    return (
        version_text("v2").rstrip("\n") + f"\n  {key}:\n" + "".join(f"    {ln}\n" for ln in entry.strip().splitlines())
    )


# ---------------------------------------------------------------------------
# Triage rules


def test_status_forbidden_at_or_above_a_severity(catalogs: LoadedCatalogs) -> None:
    """Accepting a high finding breaks a rule for high and above, not one for critical only."""
    text = with_triage("status: accepted\nowner: A")
    high = violations(rule("severity_may_not_be: [accepted]\nat_least: high"), text, catalogs)
    assert list(high) == ["policy:r@vt:excessive-agency@support-agent"]
    assert high["policy:r@vt:excessive-agency@support-agent"].detail == (
        "'vt:excessive-agency@support-agent' is triaged as accepted but its residual severity is high"
    )
    assert violations(rule("severity_may_not_be: [accepted]\nat_least: critical"), text, catalogs) == {}
    assert violations(rule("severity_may_not_be: [false-positive]\nat_least: high"), text, catalogs) == {}


def test_critical_findings_may_not_be_accepted(catalogs: LoadedCatalogs) -> None:
    """The example's first rule catches an accepted critical finding (a code-execution tool fed by customers)."""
    text = version_text("v2").replace("side_effects: [send-external]", "side_effects: [send-external, execute-code]")
    text = (
        text.rstrip("\n")
        + "\n  vt:code-execution-tool@send-email:\n    status: accepted\n    owner: A\n    approver: B\n"
    )
    policy = (REPO / "examples" / "policy.yaml").read_text(encoding="utf-8")
    found = violations(policy, text, catalogs)
    assert "policy:no-accepted-criticals@vt:code-execution-tool@send-email" in found


@pytest.mark.parametrize(
    ("entry", "detail"),
    [
        ("status: accepted\nowner: Agent team", "without an approver"),
        ("status: accepted\nowner: Agent team\napprover: '  agent   TEAM '", "approved by its own owner, Agent team"),
        ("status: accepted\nowner: Agent team\napprover: Priya Raman", None),
        ("status: false-positive\nowner: Agent team", None),
    ],
)
def test_needs_approver_other_than_owner(catalogs: LoadedCatalogs, entry: str, detail: str | None) -> None:
    """Four eyes: an approver is required and must not be the owner (ignoring case and spacing)."""
    found = violations(
        rule("needs_approver_other_than_owner: {status: accepted, at_least: high}"), with_triage(entry), catalogs
    )
    if detail is None:
        assert found == {}
    else:
        assert detail in found["policy:r@vt:excessive-agency@support-agent"].detail


def test_needs_approver_ignores_lower_severities(catalogs: LoadedCatalogs) -> None:
    """A medium acceptance without approver passes a rule for high and above."""
    text = with_triage("status: accepted\nowner: A", key="vt:vector-store-poisoning@kb-store")
    assert violations(rule("needs_approver_other_than_owner: {at_least: high}"), text, catalogs) == {}
    assert len(violations(rule("needs_approver_other_than_owner: {at_least: medium}"), text, catalogs)) == 1


@pytest.mark.parametrize(
    ("entry", "detail"),
    [
        ("status: accepted", "with no review_by date"),
        (
            "status: accepted\ndecided_on: 2026-01-01\nreview_by: 2026-12-31",
            "364 days after decided_on (2026-01-01); at most 180 allowed",
        ),
        ("status: accepted\nreview_by: 2027-06-01", "188 days after today (2026-11-25)"),
        ("status: accepted\ndecided_on: 2026-11-01\nreview_by: 2027-04-30", None),
        ("status: in-progress", None),
    ],
)
def test_max_review_days(catalogs: LoadedCatalogs, entry: str, detail: str | None) -> None:
    """review_by must be within N days of decided_on, or of the evaluation date without one."""
    found = violations(rule("max_review_days: 180"), with_triage(entry), catalogs)
    if detail is None:
        assert found == {}
    else:
        assert detail in found["policy:r@vt:excessive-agency@support-agent"].detail


def test_requires_fields(catalogs: LoadedCatalogs) -> None:
    """Missing or empty fields are listed in the violation, in the rule's order."""
    text = with_triage("status: false-positive\nowner: A\njustification: ''")
    found = violations(rule("requires: [owner, justification, review_by]"), text, catalogs)
    assert found["policy:r@vt:excessive-agency@support-agent"].detail.endswith("has no justification, review_by")


def test_triage_rules_judge_stale_entries_only_without_a_severity_floor(catalogs: LoadedCatalogs) -> None:
    """An entry whose finding is gone is judged by rules without at_least, and skipped by rules with one."""
    text = with_triage("status: accepted", key="vt:excessive-agency@gone")
    assert list(violations(rule("requires: [owner]"), text, catalogs)) == ["policy:r@vt:excessive-agency@gone"]
    assert violations(rule("requires: [owner]\nat_least: low"), text, catalogs) == {}


# ---------------------------------------------------------------------------
# Model rules


def test_require_control_counts_scope_boundaries_and_system_wide(catalogs: LoadedCatalogs) -> None:
    """A control satisfies the rule when scoped to the element, to its boundary, or system-wide."""
    policy = rule(
        "for_each: {all: [{kind: [llm]}, {tainted: {}}]}\nrequire_control: [cosai:controlOutputValidationAndSanitization]"
    )
    base = version_text("v1")
    found = violations(policy, base, catalogs)
    assert list(found) == ["policy:r@chat-llm"]
    violation = found["policy:r@chat-llm"]
    assert violation.loc == ("components", 3, "id")
    assert any("untrusted content reaches" in fact for fact in violation.why)

    def declare(scope: str, status: str = "implemented") -> str:
        control = f"controls:\n  - control: cosai:controlOutputValidationAndSanitization\n    scope: {scope}\n    status: {status}\n\n"
        return base.replace("triage:\n", control + "triage:\n")

    assert violations(policy, declare("[chat-llm]"), catalogs) == {}
    assert violations(policy, declare("[provider]"), catalogs) == {}
    assert violations(policy, declare("[]"), catalogs) == {}
    assert list(violations(policy, declare("[web-app]"), catalogs)) == ["policy:r@chat-llm"]
    assert list(violations(policy, declare("[chat-llm]", "planned"), catalogs)) == ["policy:r@chat-llm"]
    lenient = policy + "    control_status: [implemented, planned]\n"
    assert violations(lenient, declare("[chat-llm]", "planned"), catalogs) == {}


def test_require_condition_on_agents(catalogs: LoadedCatalogs) -> None:
    """Agents with send-external tools must not run without human approval."""
    policy = rule(
        """
for_each: {all: [{kind: [agent]}, {linked: {via: tools, where: {attr: {name: side_effects, contains_any: [send-external]}}}}]}
require: {not: {attr: {name: human_approval, equals: none}}}
"""
    )
    found = violations(policy, version_text("v2"), catalogs)
    assert found["policy:r@support-agent"].detail == "support-agent does not satisfy: not (human approval is none)"
    approved = version_text("v2").replace("human_approval: none", "human_approval: high-impact")
    assert violations(policy, approved, catalogs) == {}


def test_require_condition_on_flows(catalogs: LoadedCatalogs) -> None:
    """With target: flow, the rule selects flows; the violation is located at the flow."""
    policy = rule("target: flow\nfor_each: {crosses_boundary: true}\nrequire: {attr: {name: encrypted, equals: true}}")
    found = violations(policy, version_text("v1"), catalogs)
    assert set(found) == {"policy:r@web-app-to-chat-llm"}
    assert found["policy:r@web-app-to-chat-llm"].loc == ("flows", 3)


def test_require_owner(catalogs: LoadedCatalogs) -> None:
    """Missing owners are reported for the system, components and data assets as asked."""
    text = version_text("v2").replace("  owner: Support Platform team\n  status", "  status", 1)
    found = violations(rule("require_owner: [system, components, data]"), text, catalogs)
    assert "policy:r@support-assistant" in found and found["policy:r@support-assistant"].loc == ("system", "id")
    assert "policy:r@support-agent" in found
    assert "policy:r@question" in found and found["policy:r@question"].detail == "data asset 'question' has no owner"
    only_components = violations(rule("require_owner: [components]"), text, catalogs)
    assert set(only_components) == {"policy:r@support-agent"}


def test_violations_are_sorted_and_deterministic(catalogs: LoadedCatalogs) -> None:
    """The same policy on the same model gives the same violations in id order."""
    policy = (REPO / "examples" / "policy.yaml").read_text(encoding="utf-8")
    first = list(violations(policy, version_text("v2"), catalogs))
    assert first == sorted(first) == list(violations(policy, version_text("v2"), catalogs))


# ---------------------------------------------------------------------------
# Loading


def test_example_policy_loads_with_builtin_catalogs() -> None:
    """examples/policy.yaml is valid against the built-in catalogs and has the five rules of the issue."""
    loaded = load_policy(REPO / "examples" / "policy.yaml", known_controls=load_catalogs().control_refs)
    assert [r.id for r in loaded.policy.rules] == [
        "no-accepted-criticals",
        "four-eyes-for-high",
        "llm-output-handling",
        "review-within-180-days",
        "owners",
    ]
    assert loaded.rule_span("owners").line > 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            rule("sevrity_may_not_be: [accepted]\nat_least: high"),
            "policy.yaml:4:5: error: rules.0: unknown rule kind 'sevrity_may_not_be'",
        ),
        (
            rule("requires: [owner]\nmax_review_days: 9"),
            "a rule has exactly one kind key, found 2 (max_review_days, requires)",
        ),
        (rule("max_review_days: 10\nstatus: [accepted]"), "policy.yaml:5:5: error: unknown key 'status' in rules.0"),
        (
            rule("max_review_days: 0"),
            "policy.yaml:4:22: error: rules.0.max_review_days: input should be greater than or equal to 1",
        ),
        (
            rule("level: fatal\nmax_review_days: 10"),
            "policy.yaml:4:12: error: rules.0.level: 'fatal' is not one of: error, warning",
        ),
        (
            rule("for_each: {kind: [llm]}\nrequire: {attr: {name: outptu_use, equals: x}}"),
            "unknown attribute 'outptu_use' for a component",
        ),
        (
            rule("target: flow\nfor_each: {kind: [llm]}\nrequire: {crosses_boundary: true}"),
            "predicate 'kind' cannot be used on a flow",
        ),
        (rule("for_each: {knd: [llm]}\nrequire_control: [x:y]"), "unknown predicate 'knd'"),
        (
            rule("for_each: {kind: [llm]}\nrequire_control: [cosai:controlOutputValidation]"),
            "unknown control 'cosai:controlOutputValidation'",
        ),
        (
            rule("require_owner: [system]") + "  - id: r\n    message: again\n    require_owner: [data]\n",
            "policy.yaml:5:9: error: rule id 'r' is already used by rule 1",
        ),
        ("rules: []\n", "policy.yaml:1:8: error: rules: tuple should have at least 1 item"),
        ("", "the policy file is empty"),
        ("- a\n", "expected a mapping at the top level"),
    ],
)
def test_bad_policies_are_located(catalogs: LoadedCatalogs, text: str, expected: str) -> None:
    """Every kind of mistake in a policy is a ThreatModelError with a location and a clear message."""
    with pytest.raises(ThreatModelError) as info:
        load_policy_text(text, "policy.yaml", known_controls=catalogs.control_refs)
    rendered = info.value.render()
    assert expected in rendered
    assert rendered.startswith("policy.yaml:")


def test_unknown_kind_hint_names_the_likely_kind(catalogs: LoadedCatalogs) -> None:
    """A misspelt kind key gets a did-you-mean hint; a rule with no kind lists the kinds."""
    with pytest.raises(ThreatModelError) as info:
        load_policy_text(rule("require_ownr: [system]"), "policy.yaml")
    assert "did you mean 'require_owner'?" in info.value.render()
    with pytest.raises(ThreatModelError) as info:
        load_policy_text(rule("level: warning"), "policy.yaml")
    assert all(kind in info.value.render() for kind in RULE_KINDS)


def test_docs_describe_every_rule_kind() -> None:
    """docs/policy.md documents each rule kind key."""
    text = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    for kind in RULE_KINDS:
        assert f"`{kind}" in text, kind


def test_an_invalid_single_rule_gets_one_located_problem(tmp_path: Path) -> None:
    """A policy whose only rule is invalid gets that rule's problem, not a spurious 'at least 1 item'."""
    from click.testing import CliRunner

    from threatmodel.cli import cli

    policy = tmp_path / "p.yaml"
    policy.write_text("rules:\n  - {id: x, kind: bogus}\n", encoding="utf-8")
    model = Path(__file__).resolve().parents[2] / "models" / "rag-support-assistant.yaml"
    result = CliRunner().invoke(cli, ["check", str(model), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "at least 1 item" not in result.stderr
    assert "p.yaml:2:5: error: rules.0:" in result.stderr

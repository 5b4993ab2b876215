"""Evaluation: scoring, controls, triage, the control plan and diagnostics."""

from __future__ import annotations

from typing import Any

import yaml

from tests.helpers import FIXED_DATE, stated
from threatmodel.engine import evaluate
from threatmodel.model.base import Severity
from threatmodel.model.catalog import Catalog
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import Status

AS_OF = FIXED_DATE

CATALOG = Catalog.model_validate(
    {
        "id": "t",
        "title": "test",
        "version": "1",
        "published": "2026-01-01",
        "source": "https://example.org/t",
        "licence": "test data",
        "controls": [
            {
                "id": "filter",
                "title": "Filter input",
                "nist_csf": ["protect"],
                "practices": ["prompt-injection-defence"],
            },
            {"id": "test", "title": "Adversarial testing", "nist_csf": ["identify"]},
            {"id": "approve", "title": "Human approval", "nist_csf": ["protect"], "practices": ["human-oversight"]},
        ],
        "threats": [
            {
                "id": "injection",
                "title": "Injection",
                "summary": "s",
                "scenario": "{source} steers {target} via {path}, exposing {data} in {system}.",
                "when": {"all": [{"kind": ["llm"]}, {"tainted": {}}]},
                "likelihood": 4,
                "impact": 3,
                "factors": [
                    {
                        "when": {"attr": {"name": "provenance", "equals": "third-party-api"}},
                        "impact": -1,
                        "reason": "the provider isolates tenants",
                    },
                ],
                "lifecycle": ["runtime"],
                "stride": ["tampering"],
                "controls": ["t:filter", "t:test"],
            },
            {
                "id": "agency",
                "title": "Agency",
                "summary": "s",
                "scenario": "{target} does harm.",
                "when": {"kind": ["agent"]},
                "likelihood": 2,
                "impact": 4,
                "lifecycle": ["runtime"],
                "controls": ["t:approve"],
            },
        ],
    }
)

MODEL: dict[str, Any] = stated(
    yaml.safe_load(
        """
system: {id: demo, name: Demo}
data:
  - {id: crm, classification: restricted, tags: [pii]}
boundaries:
  - {id: internet, trust: untrusted}
components:
  - {id: user, kind: human-user, boundary: internet}
  - {id: app, kind: application, exposure: internet}
  - {id: llm, kind: llm, data: [crm]}
  - {id: helper, kind: agent, autonomy: autonomous}
flows:
  - {source: user, target: app}
  - {source: app, target: llm}
"""
    )
)


def run(**changes: Any) -> Any:
    data = {**MODEL, **changes}
    return evaluate(SystemModel.model_validate(data), [CATALOG], as_of=AS_OF)


def test_scores_show_every_factor() -> None:
    """Likelihood and impact are the base values plus listed adjustments, and severity follows risk."""
    finding = next(f for f in run().findings if f.threat == "t:injection")
    assert finding.id == "t:injection@llm"
    assert [(x.axis, x.delta) for x in finding.factors] == [("likelihood", 4), ("impact", 3), ("impact", 1)]
    assert (finding.likelihood, finding.impact, finding.risk, finding.severity) == (4, 4, 16, Severity.HIGH)
    assert "handles restricted data: crm" in [x.reason for x in finding.factors]


def test_scenario_is_filled_from_the_model() -> None:
    """The attack scenario names this system's own elements and path."""
    finding = next(f for f in run().findings if f.threat == "t:injection")
    assert finding.scenario == "user steers llm via user → app → llm, exposing crm in Demo."
    assert finding.path == ("user", "app", "llm")


def test_threat_factors_apply_only_when_their_condition_holds() -> None:
    """A threat's own factor adjusts the score, with its reason shown."""
    comps = [dict(c) for c in MODEL["components"]]
    comps[2]["provenance"] = "third-party-api"
    finding = next(f for f in run(components=comps).findings if f.threat == "t:injection")
    assert ("impact", -1, "the provider isolates tenants") in [(x.axis, x.delta, x.reason) for x in finding.factors]
    assert finding.impact == 3


def test_autonomous_agents_without_approval_score_higher() -> None:
    """An autonomous agent with no human approval gets +1 impact, with the reason."""
    finding = next(f for f in run().findings if f.threat == "t:agency")
    assert finding.impact == 5
    assert any("acts autonomously" in x.reason for x in finding.factors)


def test_declared_controls_lower_residual_risk() -> None:
    """Each implemented control of the threat lowers residual likelihood by one; planned ones do not."""
    controls = [{"control": "t:filter", "scope": ["llm"]}, {"control": "t:test", "status": "planned"}]
    finding = next(f for f in run(controls=controls).findings if f.threat == "t:injection")
    assert finding.implemented_controls == ("t:filter",)
    assert (finding.residual_likelihood, finding.residual_risk, finding.residual_severity) == (3, 12, Severity.HIGH)
    assert finding.status is Status.OPEN


def test_enough_controls_mitigate() -> None:
    """When declared controls bring residual risk to low, the finding is mitigated."""
    comps = [dict(c) for c in MODEL["components"]]
    comps[2] = {**comps[2], "provenance": "third-party-api", "data": []}
    controls = [{"control": "t:filter"}, {"control": "t:test"}]
    finding = next(f for f in run(components=comps, controls=controls).findings if f.threat == "t:injection")
    assert finding.residual_severity is Severity.LOW
    assert finding.status is Status.MITIGATED


def test_controls_scoped_elsewhere_do_not_count() -> None:
    """A control scoped to another element does not lower this finding's risk."""
    finding = next(
        f for f in run(controls=[{"control": "t:filter", "scope": ["app"]}]).findings if f.threat == "t:injection"
    )
    assert finding.implemented_controls == ()


def test_triage_sets_status_until_review_by() -> None:
    """A current triage decision sets the status; a lapsed one reopens the finding with a diagnostic."""
    current = run(triage={"t:agency@helper": {"status": "accepted", "owner": "a", "review_by": "2027-01-01"}})
    assert next(f for f in current.findings if f.id == "t:agency@helper").status is Status.ACCEPTED
    lapsed = run(triage={"t:agency@helper": {"status": "accepted", "owner": "a", "review_by": "2026-11-24"}})
    finding = next(f for f in lapsed.findings if f.id == "t:agency@helper")
    assert finding.status is Status.OPEN and finding.triage_expired
    assert [d.element for d in lapsed.diagnostics if d.code == "TM202"] == ["helper"]


def test_triage_for_no_finding_is_reported() -> None:
    """A triage entry that matches no finding is reported, never dropped silently."""
    result = run(triage={"t:injection@app": {"status": "false-positive"}})
    assert any(d.code == "TM201" and "t:injection@app" in d.message for d in result.diagnostics)


def test_control_plan_ranks_by_risk_removed() -> None:
    """Proposed controls are ordered by the open risk they would remove, each listing what it closes."""
    plan = run().proposals
    assert [p.control for p in plan] == ["t:approve", "t:filter", "t:test"]
    assert plan[0].closes == ("t:agency@helper",) and plan[0].risk_removed == 5
    assert plan[1].risk_removed == 4 and plan[1].nist_csf[0].value == "protect"


def test_accepted_findings_leave_the_control_plan() -> None:
    """Only open findings drive the plan."""
    plan = run(triage={"t:agency@helper": {"status": "accepted"}}).proposals
    assert "t:approve" not in [p.control for p in plan]


def test_settings_disable_threats_and_silence_diagnostics() -> None:
    """Model settings can disable a threat and silence a diagnostic code."""
    result = run(settings={"disabled_threats": ["t:agency"], "ignore_diagnostics": ["TM102"]})
    assert all(f.threat != "t:agency" for f in result.findings)
    assert all(d.code != "TM102" for d in result.diagnostics)


def test_diagnostics_point_at_elements() -> None:
    """Components outside any boundary and unconnected components are diagnosed."""
    codes = {(d.code, d.element) for d in run().diagnostics}
    assert ("TM102", "app") in codes
    assert ("TM103", "helper") in codes

"""SARIF 2.1.0: schema validity, rule and result mapping, locations, fingerprints, suppressions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.export.reporting import DATA, TOOL_VERSION, FixedSource, analysis_of, load_case, render_case, sarif_errors
from threatmodel.export.sarif import LEVELS, SECURITY_SEVERITY, SarifExtra, render_sarif
from threatmodel.model.base import Severity
from threatmodel.model.keys import fingerprint
from threatmodel.model.vocab import Status


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    return load_case(DATA / "support-assistant.yaml")


@pytest.fixture(scope="module")
def log(case) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(render_case("sarif", case))


def _results(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["properties"]["findingId"]: r for r in log["runs"][0]["results"] if "findingId" in r.get("properties", {})
    }


def test_valid_against_the_official_schema(case) -> None:  # type: ignore[no-untyped-def]
    """The log validates against the OASIS SARIF 2.1.0 JSON schema (draft-04)."""
    assert sarif_errors(render_case("sarif", case)) == []


def test_the_validator_catches_invalid_logs(case) -> None:  # type: ignore[no-untyped-def]
    """The schema check is real: a result with a bad level is rejected."""
    log = json.loads(render_case("sarif", case))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert sarif_errors(json.dumps(log)) != []


def test_one_rule_per_threat_and_indices_match(log) -> None:  # type: ignore[no-untyped-def]
    """Rules are the threats that produced findings; every result points at its rule by id and index."""
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["id"] for r in rules})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    rule = next(r for r in rules if r["id"] == "fixture:excessive-agency")
    assert rule["shortDescription"]["text"] == "Agent can take consequential actions unchecked"
    assert rule["helpUri"] == "https://genai.owasp.org/llmrisk/llm062025-excessive-agency/"
    assert rule["properties"]["security-severity"] == "8.0"
    assert {"security", "owasp-llm:LLM06:2025", "atlas:AML.T0053", "stride:elevation-of-privilege"} <= set(
        rule["properties"]["tags"]
    )
    assert "[Agent Permissions](" in rule["help"]["markdown"]


def test_levels_follow_residual_severity(case, log) -> None:  # type: ignore[no-untyped-def]
    """critical/high -> error, medium -> warning, low -> note, from the residual severity."""
    assert LEVELS[Severity.CRITICAL] == LEVELS[Severity.HIGH] == "error"
    assert (LEVELS[Severity.MEDIUM], LEVELS[Severity.LOW]) == ("warning", "note")
    assert SECURITY_SEVERITY[Severity.CRITICAL] == "9.5"
    results = _results(log)
    for f in case.assessment.findings:
        if f.id in results:
            assert results[f.id]["level"] == LEVELS[f.residual_severity]


def test_results_are_located_at_the_element_in_the_yaml(case, log) -> None:  # type: ignore[no-untyped-def]
    """Each result points at the model file and the element's line and column, with the element as logical location."""
    for fid, result in _results(log).items():
        f = next(x for x in case.assessment.findings if x.id == fid)
        loc = result["locations"][0]
        span = case.loaded.element_span(f.target)
        assert loc["physicalLocation"]["artifactLocation"] == {
            "uri": "tests/export/data/support-assistant.yaml",
            "uriBaseId": "%SRCROOT%",
        }
        assert loc["physicalLocation"]["region"] == {"startLine": span.line, "startColumn": span.column}
        assert loc["logicalLocations"][0]["name"] == f.target
    agent = _results(log)["fixture:excessive-agency@support-agent"]
    text = (DATA / "support-assistant.yaml").read_text(encoding="utf-8").splitlines()
    line = agent["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "support-agent" in text[line - 1]


def test_fingerprints_are_stable_keys(log) -> None:  # type: ignore[no-untyped-def]
    """partialFingerprints carry the fingerprint of the finding id, never a line number."""
    for fid, result in _results(log).items():
        assert result["partialFingerprints"] == {"threatmodel/v1": fingerprint(fid)}


def test_triage_decisions_become_suppressions(case, log) -> None:  # type: ignore[no-untyped-def]
    """Accepted, transferred and false-positive findings are suppressed with their justification; open ones are not."""
    results = _results(log)
    for f in case.assessment.findings:
        if f.status is Status.MITIGATED:
            continue
        result = results[f.id]
        if f.status in (Status.ACCEPTED, Status.TRANSFERRED, Status.FALSE_POSITIVE):
            (sup,) = result["suppressions"]
            assert sup["kind"] == "external" and sup["status"] == "accepted"
            assert f.triage is not None and f.triage.justification in sup["justification"]
        else:
            assert "suppressions" not in result
    accepted = results["fixture:unsafe-weights-format@intent-classifier"]["suppressions"][0]
    assert accepted["properties"] == {
        "owner": "Kofi Mensah",
        "approver": "Dana Lee",
        "ticket": "SEC-481",
        "decidedOn": "2026-10-01",
        "reviewBy": "2027-04-01",
    }
    lapsed = results["fixture:feedback-label-poisoning@feedback-set"]
    assert "suppressions" not in lapsed and lapsed["properties"]["status"] == "open"


def test_mitigated_findings_are_not_results(case, log) -> None:  # type: ignore[no-untyped-def]
    """A mitigated finding produces no result (its alert closes) and is listed in the run properties."""
    mitigated = [f.id for f in case.assessment.findings if f.status is Status.MITIGATED]
    assert mitigated == ["fixture:cleartext-boundary-flow@web-chat-to-intent-classifier"]
    assert not set(mitigated) & set(_results(log))
    assert log["runs"][0]["properties"]["mitigatedFindings"] == mitigated
    assert len(_results(log)) == len(case.assessment.findings) - 1


def test_no_timestamps_and_deterministic(case) -> None:  # type: ignore[no-untyped-def]
    """The log has no clock values and two renders are byte-identical."""
    text = render_case("sarif", case)
    assert text == render_case("sarif", case)
    for key in ("startTimeUtc", "endTimeUtc", "timeUtc"):
        assert key not in text
    run = json.loads(text)["runs"][0]
    assert run["invocations"] == [
        {
            "executionSuccessful": True,
            "toolExecutionNotifications": run["invocations"][0]["toolExecutionNotifications"],
        }
    ]
    assert {n["descriptor"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]} == {"TM105", "TM202"}
    assert run["automationDetails"] == {"id": "threatmodel/support-assistant/"}


def test_extra_results_extension_point(case) -> None:  # type: ignore[no-untyped-def]
    """Extra results (policy violations) get their own rule, a location, a fingerprint, and stay schema-valid."""
    extra = SarifExtra(
        rule_id="policy:no-pickle",
        rule_name="no pickle weights",
        rule_description="Policy: model weights must not be pickle-based.",
        level="error",
        message="Intent classifier uses pickle weights, which the policy forbids.",
        key="policy:no-pickle@intent-classifier",
        element="intent-classifier",
        properties={"policy": "org-baseline"},
    )
    analysis = analysis_of(case.assessment, case.cset, FixedSource("models/x y.yaml", case.locate))
    text = render_sarif(analysis, tool_version=TOOL_VERSION, extra_results=[extra])
    assert sarif_errors(text) == []
    run = json.loads(text)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    (result,) = [r for r in run["results"] if r["ruleId"] == "policy:no-pickle"]
    assert rules[result["ruleIndex"]]["name"] == "NoPickleWeights"
    assert result["partialFingerprints"]["threatmodel/v1"] == fingerprint("policy:no-pickle@intent-classifier")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == case.locate("intent-classifier")[0]
    assert result["properties"] == {"policy": "org-baseline"}


def test_absolute_file_uri_has_no_base(case) -> None:  # type: ignore[no-untyped-def]
    """A model outside the repository is referenced by an absolute file: URI without %SRCROOT%."""
    analysis = analysis_of(case.assessment, case.cset, FixedSource("/srv/models/m.yaml", case.locate))
    text = render_sarif(analysis, tool_version=TOOL_VERSION)
    assert sarif_errors(text) == []
    loc = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "file:///srv/models/m.yaml"}

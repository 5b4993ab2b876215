"""`require_test_evidence`: mitigated decisions need a recent passing adversarial test run."""

from __future__ import annotations

import pytest

from tests.versioning.conftest import CATALOG
from tests.versioning.test_policy import rule, violations, with_triage
from threatmodel.io.load import LoadedCatalogs, load_catalogs

KEY = "policy:r@vt:excessive-agency@support-agent"
"""The one finding the entries below triage; its residual severity is high (as of 2026-11-25)."""
RULE = rule("require_test_evidence: {max_age_days: 90, at_least: high, statuses: [mitigated]}")


@pytest.fixture(scope="module")
def catalogs() -> LoadedCatalogs:
    return load_catalogs([CATALOG])


def run(tool: str, run_id: str, date: str, outcome: str) -> str:
    return f"  - {{tool: {tool}, run_id: {run_id}, date: {date}, outcome: {outcome}}}"


def mitigated(*runs: str) -> str:
    evidence = ("evidence:\n" + "\n".join(runs)) if runs else ""
    return f"status: mitigated\nowner: A\n{evidence}"


@pytest.mark.parametrize(
    ("runs", "detail"),
    [
        ((), "is mitigated with no passing test run on record"),
        ((run("garak", "n1", "2026-11-01", "failed"),), "is mitigated with no passing test run on record"),
        ((run("garak", "n1", "2026-11-01", "inconclusive"),), "is mitigated with no passing test run on record"),
        (
            (run("garak", "n1", "2026-08-26", "passed"),),
            "last passing test run (garak n1, 2026-08-26) is 91 days old; at most 90 allowed",
        ),
        ((run("garak", "n1", "2026-08-27", "passed"),), None),
        (
            (run("garak", "n1", "2026-11-01", "passed"), run("promptfoo", "e7", "2026-11-20", "failed")),
            "a test run failed after its last pass: promptfoo e7 on 2026-11-20",
        ),
        ((run("promptfoo", "e7", "2026-11-01", "failed"), run("garak", "n2", "2026-11-20", "passed")), None),
        # a run dated after --as-of had not happened on the day judged
        ((run("garak", "n9", "2026-12-01", "passed"),), "is mitigated with no passing test run on record"),
    ],
)
def test_require_test_evidence(catalogs: LoadedCatalogs, runs: tuple[str, ...], detail: str | None) -> None:
    found = violations(RULE, with_triage(mitigated(*runs)), catalogs)
    if detail is None:
        assert found == {}
    else:
        assert list(found) == [KEY]
        assert detail in found[KEY].detail
        assert "(high)" in found[KEY].detail


def test_other_statuses_and_lower_severities_are_not_judged(catalogs: LoadedCatalogs) -> None:
    """Accepted risk needs no test; a rule for critical findings only skips this high one."""
    assert violations(RULE, with_triage("status: accepted\nowner: A\napprover: B"), catalogs) == {}
    critical = rule("require_test_evidence: {max_age_days: 90, at_least: critical}")
    assert violations(critical, with_triage(mitigated()), catalogs) == {}
    every_status = rule("require_test_evidence: {max_age_days: 30, statuses: [accepted, mitigated]}")
    assert KEY in violations(every_status, with_triage("status: accepted\nowner: A"), catalogs)


def test_bad_options_are_refused(catalogs: LoadedCatalogs) -> None:
    from threatmodel.errors import ThreatModelError
    from threatmodel.io.policy import load_policy_text

    for bad in ("{max_age_days: 0}", "{at_least: high}", "{max_age_days: 90, statuses: []}", "{max_age_days: 9, x: 1}"):
        with pytest.raises(ThreatModelError) as exc:
            load_policy_text(rule(f"require_test_evidence: {bad}"), "policy.yaml", known_controls=catalogs.control_refs)
        rendered = exc.value.render()
        assert rendered.startswith("policy.yaml:4:"), rendered
        assert "require_test_evidence" in rendered

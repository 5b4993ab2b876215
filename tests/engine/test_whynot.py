"""`--why-not`: the failing conditions of a rule, named on the element the reviewer asked about."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXED_DATE
from threatmodel.cli import cli
from threatmodel.engine.analysis import analyse
from threatmodel.engine.whynot import why_not
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model

REPO = Path(__file__).resolve().parents[2]
FRAUD = REPO / "models" / "ml-fraud-pipeline.yaml"
CATALOGS: LoadedCatalogs = load_catalogs()


def _ask(finding: str):  # type: ignore[no-untyped-def]
    model = load_model(FRAUD, known_controls=CATALOGS.control_refs).model
    return why_not(analyse(model, CATALOGS.catalogs, as_of=FIXED_DATE), finding)


def test_a_raised_finding_applies() -> None:
    answer = _ask("tm:model-inversion@fraud-model")
    assert answer.applies and answer.reasons == ()


def test_every_option_of_a_failing_any_is_named_with_the_value_seen() -> None:
    """A first-party joblib model: each way the pickle threat could apply is listed with what the model says."""
    answer = _ask("tm:pickle-deserialization@fraud-model")
    assert not answer.applies
    assert answer.reasons[0] == "none of these holds:"
    # the model branch, one level down under the branches for models and for components that load artefacts
    assert (
        "    provenance is open-weights or community; who builds or supplies Fraud model: first-party" in answer.reasons
    )
    assert (
        "    untrusted content is true; whether outsiders can write what Fraud model carries or returns: no"
        in answer.reasons
    )
    # a model loads the artefacts delivered to it (decision 1890), unless it states its own weights'
    # format, which the model branch judges (review mend of 1892): the loader branch says so, with
    # the value seen
    assert "    not (weights format is stated) fails, because:" in answer.reasons
    assert "      • how the weights of Fraud model are serialised: joblib" in answer.reasons


def test_a_kind_the_threat_never_targets_says_so() -> None:
    answer = _ask("tm:indirect-prompt-injection@fraud-model")
    assert answer.reasons == ("Fraud model is of kind ml-model; the threat applies to llm",)


@pytest.mark.parametrize(
    ("finding", "message"),
    [
        ("tm:no-such-threat@fraud-model", "no threat 'tm:no-such-threat'"),
        ("tm:model-inversion@no-such-element", "no component, flow or system 'no-such-element'"),
    ],
)
def test_unknown_ids_are_usage_errors(finding: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(FRAUD), "--why-not", finding])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_prints_the_reasons() -> None:
    result = CliRunner().invoke(cli, ["analyze", str(FRAUD), "--why-not", "tm:indirect-prompt-injection@fraud-model"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "tm:indirect-prompt-injection@fraud-model does not apply:",
        "  Fraud model is of kind ml-model; the threat applies to llm",
    ]


def test_a_finding_placed_on_its_producer_applies_there_and_on_who_relies_on_it() -> None:
    """Decision 1510: the rule matches on the engineers, the finding sits on the agent."""
    model = load_model(REPO / "models" / "agent-with-tools.yaml", known_controls=CATALOGS.control_refs).model
    analysis = analyse(model, CATALOGS.catalogs, as_of=FIXED_DATE)
    on_agent = why_not(analysis, "tm:agent-output-overtrust@ops-agent")
    assert on_agent.applies and on_agent.raised_as is None
    on_people = why_not(analysis, "tm:agent-output-overtrust@ops-engineers")
    assert on_people.applies and on_people.raised_as == "tm:agent-output-overtrust@ops-agent"
    # an element that neither produces nor relies on the output still gets the failing conditions
    assert not why_not(analysis, "tm:agent-output-overtrust@ticketing-mcp").applies


def test_a_condition_on_a_flows_end_is_judged_on_that_component() -> None:
    """A flow threat whose target must be another party's service: the answer names the flow's
    target and what it lacks, and the options needing other kinds share one line (the condition
    worded whole ran to hundreds of words)."""
    answer = _ask("tm:sensitive-data-to-third-party-service@card-network-switch-to-authorisation-service")
    assert not answer.applies
    assert answer.reasons[:2] == ("its target Authorisation service does not fit:", "  none of these holds:")
    kinds = [line for line in answer.reasons if line.startswith("    kind is one of ")]
    assert len(kinds) == 1
    assert kinds[0].endswith(": Authorisation service is of kind application")
    assert "external-service" in kinds[0] and "llm" in kinds[0]
    assert (
        "    provenance is vendor or third-party-api; who builds or supplies Authorisation service: not stated"
        in answer.reasons
    )
    assert all(len(line) < 400 for line in answer.reasons)

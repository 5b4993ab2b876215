"""People and oversight facts (issue 9, gaps 2 and 5; decision 1220): how each rule reads them
stated and unknown, with the built-in catalogs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.engine.questions import open_questions
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.finding import Finding
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import HumanReview, LimitScope, SubjectInfluence, ToolApproval

CATALOGS: LoadedCatalogs = load_catalogs()
KNOWN = {"provenance": "first-party", "exposure": "internal"}


def _findings(components: list[dict[str, Any]], flows: list[dict[str, str]], data: Any = ()) -> dict[str, Finding]:
    """Findings on a small model whose components run in one internal boundary unless they say otherwise
    (a component in no boundary has an unknown trust level, which some rules read in the threat's favour)."""
    placed = [{"boundary": "corp", **c} for c in components]
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "data": list(data),
            "boundaries": [{"id": "corp", "trust": "internal"}],
            "components": placed,
            "flows": flows,
        }
    )
    return {f.id: f for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}


def _assumed(finding: Finding) -> set[tuple[str, str]]:
    return {(a.element, a.attribute) for a in finding.assumes}


# -- generated answers people act on --------------------------------------------------------------


def _answers(**app: Any) -> dict[str, Finding]:
    return _findings(
        [
            {"id": "staff", "kind": "human-user", "population": "employees"},
            {"id": "chat", "kind": "application", "output_use": ["display-text"], **KNOWN, **app},
            {"id": "llm", "kind": "llm", **KNOWN, "output": "text", "weights_format": "safetensors"},
        ],
        [
            {"source": "staff", "target": "chat"},
            {"source": "chat", "target": "llm"},
            {"source": "llm", "target": "chat"},
            {"source": "chat", "target": "staff"},
        ],
    )


def test_unknown_review_of_generated_answers_raises_llm09_on_the_model_and_asks_about_it() -> None:
    finding = _answers()["tm:generated-answer-reliance@llm"]
    assert ("chat", "human_review") in _assumed(finding)
    assert "owasp-llm:LLM09:2025" in finding.refs
    questions = [q.question for q in open_questions([finding])]
    assert any("how a person checks the output of chat" in q for q in questions)


def test_every_answer_reviewed_settles_it_and_sampling_lowers_the_score() -> None:
    assert "tm:generated-answer-reliance@llm" not in _answers(human_review="every")
    none = _answers(human_review="none")["tm:generated-answer-reliance@llm"]
    sampled = _answers(human_review="sampled")["tm:generated-answer-reliance@llm"]
    assert not none.assumes
    assert sampled.likelihood == none.likelihood - 1


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(list(HumanReview)))
def test_reviewing_every_answer_never_adds_a_finding(review: HumanReview) -> None:
    """Whatever else is stated, `every` raises a subset of what any other review level raises."""
    assert set(_answers(human_review="every")) <= set(_answers(human_review=review.value))


# -- scores people defer to -----------------------------------------------------------------------


def test_score_reliance_lands_on_the_application_that_shows_the_score_not_also_on_the_model() -> None:
    found = _findings(
        [
            {"id": "model", "kind": "ml-model", "output": "scores", **KNOWN},
            {"id": "screen", "kind": "application", "output_use": ["display-text"], **KNOWN},
            {"id": "nurses", "kind": "human-user", "population": "employees"},
        ],
        [
            {"source": "screen", "target": "model"},
            {"source": "model", "target": "screen"},
            {"source": "screen", "target": "nurses"},
        ],
    )
    assert "tm:unreviewed-score-reliance@screen" in found
    assert "tm:unreviewed-score-reliance@model" not in found


# -- the people being scored ------------------------------------------------------------------------


def _scored(**model: Any) -> dict[str, Finding]:
    return _findings(
        [
            {"id": "batch", "kind": "application", **KNOWN},
            {"id": "scorer", "kind": "ml-model", "output": "label", **KNOWN, **model},
        ],
        [{"source": "batch", "target": "scorer", "data": ["claims"]}, {"source": "scorer", "target": "batch"}],
        data=[{"id": "claims", "classification": "confidential", "tags": ["pii"]}],
    )


def test_people_scored_by_an_internal_batch_can_still_evade_it() -> None:
    finding = _scored()["tm:adversarial-evasion@scorer"]
    assert {("scorer", "subjects"), ("scorer", "subject_influence")} <= _assumed(finding)
    assert "tm:adversarial-evasion@scorer" in _scored(subjects=["customers"], subject_influence="indirect")


@pytest.mark.parametrize("stated", [{"subjects": []}, {"subject_influence": "none"}])
def test_no_subjects_or_no_influence_leaves_an_internal_scorer_alone(stated: dict[str, Any]) -> None:
    assert "tm:adversarial-evasion@scorer" not in _scored(**stated)


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(list(SubjectInfluence)))
def test_stating_influence_never_raises_more_than_leaving_it_unknown(influence: SubjectInfluence) -> None:
    assert set(_scored(subject_influence=influence.value)) <= set(_scored())


# -- approval thresholds that split calls pass under ----------------------------------------------


def _gated(**tool: Any) -> dict[str, Finding]:
    return _findings(
        [
            {"id": "shoppers", "kind": "human-user", "population": "public"},
            {
                "id": "agent",
                "kind": "agent",
                **KNOWN,
                "autonomy": "supervised",
                "human_approval": "none",
                "identity": "own",
                "tools": ["refund"],
            },
            {"id": "refund", "kind": "tool", **KNOWN, "side_effects": ["move-money"], "credentials": "scoped", **tool},
        ],
        [{"source": "shoppers", "target": "agent"}, {"source": "agent", "target": "refund"}],
    )


def test_a_per_call_threshold_on_a_tool_a_steered_agent_calls_is_split_action_risk() -> None:
    stated = _gated(approval="above-limit", limit_scope="per-call")["tm:approval-manipulation@refund"]
    assert not stated.assumes
    assert stated.path[0] == "shoppers"
    unknown = _gated()["tm:approval-manipulation@refund"]
    assert {("refund", "approval"), ("refund", "limit_scope")} <= _assumed(unknown)


@pytest.mark.parametrize(
    "tool", [{"approval": "none"}, {"approval": "always"}, {"approval": "above-limit", "limit_scope": "cumulative"}]
)
def test_no_threshold_or_cumulative_limits_leave_the_tool_alone(tool: dict[str, str]) -> None:
    assert "tm:approval-manipulation@refund" not in _gated(**tool)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(list(ToolApproval)), st.sampled_from(list(LimitScope)))
def test_stated_gates_never_raise_more_than_unknown_ones(approval: ToolApproval, scope: LimitScope) -> None:
    assert set(_gated(approval=approval.value, limit_scope=scope.value)) <= set(_gated())


# -- impersonation on voice and video -----------------------------------------------------------------


def _callers(**person: Any) -> dict[str, Finding]:
    return _findings(
        [
            {"id": "callers", "kind": "human-user", "population": "customers", **person},
            {"id": "line", "kind": "external-service", **KNOWN},
            {"id": "bookings", "kind": "application", **KNOWN, "data": ["appointments"]},
        ],
        [{"source": "callers", "target": "line"}, {"source": "line", "target": "bookings"}],
        data=[{"id": "appointments", "classification": "confidential", "tags": ["pii"]}],
    )


def test_a_phone_channel_with_a_weak_identity_check_raises_impersonation() -> None:
    finding = _callers(channel=["phone"], identity_check="caller-id")["tm:voice-or-video-impersonation@callers"]
    assert "atlas:AML.T0073" in finding.refs
    assert "atlas:AML.M0034" in finding.controls
    assert ("callers", "identity_check") in _assumed(
        _callers(channel=["phone"])["tm:voice-or-video-impersonation@callers"]
    )


def test_impersonation_needs_a_known_voice_or_video_channel_and_yields_to_out_of_band_codes() -> None:
    assert "tm:voice-or-video-impersonation@callers" not in _callers()
    assert "tm:voice-or-video-impersonation@callers" not in _callers(channel=["web"])
    assert "tm:voice-or-video-impersonation@callers" not in _callers(channel=["phone"], identity_check="one-time-code")


def test_a_voice_print_check_is_the_easiest_to_fool() -> None:
    weak = _callers(channel=["phone"], identity_check="knowledge")["tm:voice-or-video-impersonation@callers"]
    voice = _callers(channel=["phone"], identity_check="voice-print")["tm:voice-or-video-impersonation@callers"]
    assert voice.likelihood == weak.likelihood + 1


# -- staff querying a model trained on personal data ------------------------------------------------


def test_employees_querying_a_model_trained_on_personal_data_can_infer_membership() -> None:
    def found(tags: list[str]) -> dict[str, Finding]:
        return _findings(
            [
                {"id": "staff", "kind": "human-user", "population": "employees"},
                {"id": "app", "kind": "application", **KNOWN},
                {"id": "model", "kind": "ml-model", "output": "scores", "trained_on": ["history"], **KNOWN},
            ],
            [{"source": "staff", "target": "app"}, {"source": "app", "target": "model"}],
            data=[{"id": "history", "classification": "confidential", "tags": tags}],
        )

    finding = found(["pii"])["tm:membership-inference@model"]
    assert finding.path == ("staff", "app", "model")
    assert "tm:membership-inference@model" not in found(["financial"])

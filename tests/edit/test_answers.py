"""Answering an open question: the values an unknown attribute accepts, and the edit that states one."""

from __future__ import annotations

import typing

import pytest

from tests.helpers import FIXED_DATE
from threatmodel.edit.answers import _references, _values, answer_change, choices
from threatmodel.edit.changes import Upsert, apply_change
from threatmodel.errors import UsageError
from threatmodel.io.load import load_catalogs, load_model_text
from threatmodel.model.refs import REF_FIELDS
from threatmodel.model.system import Component, Flow, SystemModel
from threatmodel.model.unknowns import UNKNOWABLE

MODEL = """\
system: {id: shop, name: Shop}
data:
  - {id: orders, classification: confidential}
components:
  - id: web
    kind: application
    name: Web shop   # the author's comment
  - {id: bot, kind: agent, tools: [refund]}
  - {id: refund, kind: tool}
flows:
  - {source: web, target: bot, data: [orders]}
  - {source: bot, target: refund}
"""


@pytest.fixture(scope="module")
def model() -> SystemModel:
    return load_model_text(MODEL, "shop.yaml", known_controls=load_catalogs().control_refs).model


def test_every_unknowable_attribute_offers_its_values(model: SystemModel) -> None:
    """A new attribute of UNKNOWABLE is answerable in the TUI without a line of code for it: its
    type's values, or for a reference field the ids of the model it may name."""
    classes = [*typing.get_args(typing.get_args(Component)[0]), Flow]
    checked = 0
    for cls in classes:
        for name, field in cls.model_fields.items():
            if name in UNKNOWABLE:
                found = _values(field.annotation)
                if found is None and name in REF_FIELDS:
                    found = _references(model, "", field.annotation, REF_FIELDS[name])
                assert found is not None, f"{cls.__name__}.{name}"
                assert found[0] and len(set(found[0])) == len(found[0])
                checked += 1
    assert checked >= len(UNKNOWABLE)


def test_choices_by_type(model: SystemModel) -> None:
    assert choices(model, "bot", "autonomy").values == ("assistive", "supervised", "autonomous")
    assert choices(model, "web-to-bot", "encrypted").values == ("true", "false")
    assert choices(model, "web-to-bot", "encrypted").section == "flows"
    effects = choices(model, "refund", "side_effects")
    assert effects.multiple and "move-money" in effects.values
    with pytest.raises(UsageError, match="no element 'nope'"):
        choices(model, "nope", "exposure")
    with pytest.raises(UsageError, match="fixed set of values"):
        choices(model, "web", "name")


def test_answer_writes_one_key_and_keeps_what_the_author_wrote(model: SystemModel) -> None:
    written = {"id": "web", "kind": "application", "name": "Web shop"}
    change = answer_change(model, "web", "exposure", "internet", written=written)
    assert change.label == "State exposure of web: internet"
    (edit,) = change.edits
    assert isinstance(edit, Upsert)
    assert edit.key == "web"
    assert dict(edit.item) == {**written, "exposure": "internet"}
    after = apply_change(model, change)
    assert next(c for c in after.components if c.id == "web").exposure == "internet"


def test_answers_are_typed(model: SystemModel) -> None:
    flow = apply_change(model, answer_change(model, "web-to-bot", "encrypted", "false"))
    assert next(f for f in flow.flows if f.key == "web-to-bot").encrypted is False
    tool = apply_change(model, answer_change(model, "refund", "side_effects", ["send-external", "move-money"]))
    effects = next(c for c in tool.components if c.id == "refund").side_effects  # type: ignore[union-attr]
    assert effects is not None and {str(e) for e in effects} == {"send-external", "move-money"}


@pytest.mark.parametrize(
    ("element", "attribute", "answer"),
    [
        ("bot", "autonomy", "reckless"),
        ("web-to-bot", "encrypted", "yes"),
        ("bot", "autonomy", ["assistive", "autonomous"]),
        ("bot", "autonomy", []),
        ("refund", "side_effects", ["send-external", "teleport"]),
    ],
)
def test_a_value_the_attribute_does_not_accept_is_refused(
    model: SystemModel, element: str, attribute: str, answer: str | list[str]
) -> None:
    with pytest.raises(UsageError, match="not an answer"):
        answer_change(model, element, attribute, answer)


def test_no_values_states_none_for_a_list(model: SystemModel) -> None:
    """'No side effects' is an answer of its own: it writes ``[]``, which is a fact, not unknown."""
    change = answer_change(model, "refund", "side_effects", [])
    assert change.label == "State side_effects of refund: none"
    tool = next(c for c in apply_change(model, change).components if c.id == "refund")
    assert tool.side_effects == ()  # type: ignore[union-attr]


def test_answering_settles_the_question(model: SystemModel) -> None:
    """Stating the fact a finding rests on removes it from the open questions."""
    from threatmodel.engine.evaluate import evaluate
    from threatmodel.engine.questions import open_questions

    cset = load_catalogs().cset
    before = open_questions(evaluate(model, cset, as_of=FIXED_DATE).findings)
    top = before[0]
    allowed = choices(model, top.element, top.attribute)
    after_model = apply_change(model, answer_change(model, top.element, top.attribute, allowed.values[-1]))
    after = open_questions(evaluate(after_model, cset, as_of=FIXED_DATE).findings)
    assert (top.element, top.attribute) not in {(q.element, q.attribute) for q in after}


VOICE = """
system: {id: voice, name: Voice}
data:
  - {id: text-in, classification: internal, tags: [user-content]}
  - {id: readings, classification: public, tags: [training-data]}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: cloud, trust: internal}
components:
  - {id: listeners, kind: human-user, boundary: internet, population: public}
  - {id: speech-api, kind: application, boundary: cloud, exposure: internet}
  - {id: speech-model, kind: ml-model, boundary: cloud, provenance: first-party, hosting: self-hosted, output: media}
flows:
  - {source: listeners, target: speech-api, data: [text-in]}
  - {source: speech-api, target: speech-model, data: [text-in]}
"""


def test_a_reference_question_offers_the_models_ids_and_settles() -> None:
    """What a first-party model learnt from is asked (decision 1928); the answer picks data assets
    of the model, and naming a public corpus settles the question and the finding it decided."""
    from threatmodel.engine.evaluate import evaluate
    from threatmodel.engine.questions import open_questions

    voice = load_model_text(VOICE, "voice.yaml").model
    cset = load_catalogs().cset
    asked = {(q.element, q.attribute) for q in open_questions(evaluate(voice, cset, as_of=FIXED_DATE).findings)}
    assert ("speech-model", "trained_on") in asked
    allowed = choices(voice, "speech-model", "trained_on")
    assert allowed.values == ("text-in", "readings") and allowed.multiple
    with pytest.raises(UsageError, match="not an answer"):
        answer_change(voice, "speech-model", "trained_on", ["nope"])
    after = apply_change(voice, answer_change(voice, "speech-model", "trained_on", ["readings"]))
    findings = evaluate(after, cset, as_of=FIXED_DATE).findings
    assert "tm:training-data-extraction@speech-model" not in {f.id for f in findings}
    assert ("speech-model", "trained_on") not in {(q.element, q.attribute) for q in open_questions(findings)}


def test_an_empty_training_set_states_nothing() -> None:
    """``trained_on: []`` is as unknown as leaving it out (review 23): asked, and not an answer."""
    from threatmodel.engine.evaluate import evaluate
    from threatmodel.engine.questions import open_questions

    empty = load_model_text(VOICE.replace("output: media}", "output: media, trained_on: []}"), "voice.yaml").model
    cset = load_catalogs().cset
    asked = {(q.element, q.attribute) for q in open_questions(evaluate(empty, cset, as_of=FIXED_DATE).findings)}
    assert ("speech-model", "trained_on") in asked
    with pytest.raises(UsageError, match="an empty 'trained_on' states nothing"):
        answer_change(empty, "speech-model", "trained_on", [])


def test_a_reference_with_nothing_to_name_says_so() -> None:
    """A model with no data assets cannot answer what a model learnt from: the refusal says why."""
    bare = load_model_text(
        "system: {id: bare, name: Bare}\ncomponents:\n  - {id: m, kind: llm, provenance: first-party}\n", "bare.yaml"
    ).model
    with pytest.raises(UsageError, match="there are no data assets in the model for 'trained_on' of 'm' to name"):
        choices(bare, "m", "trained_on")

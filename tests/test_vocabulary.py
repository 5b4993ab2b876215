"""Each vocabulary is defined once: the typed unions agree with their tables, and the front ends
read the tables instead of spelling the values again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest
import yaml

from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.keys import control_key, flow_key
from threatmodel.model.policy import RULE_CLASSES, RULE_KINDS, RULES, Rule
from threatmodel.model.rules import PREDICATE_TAGS, PREDICATES, Condition
from threatmodel.model.system import Flow, ImplementedControl
from threatmodel.model.vocab import MODEL_KINDS, Capture, Channel, Status, TriageStatus
from threatmodel.render import BY_ID, DIAGRAM_FORMATS, EXPORTS, REPORT_FORMATS


def _members(union: object) -> list[tuple[type, str]]:
    """(class, discriminator tag) of each member of an ``Annotated[A | B | ..., Discriminator]``."""
    inner = get_args(union)[0]
    out = []
    for member in get_args(inner):
        assert get_origin(member) is Annotated
        cls, tag = get_args(member)
        out.append((cls, tag.tag))
    return out


def test_condition_union_is_the_predicate_table() -> None:
    members = _members(Condition)
    assert [cls for cls, _ in members] == list(PREDICATES)
    assert [tag for _, tag in members] == list(PREDICATE_TAGS)
    assert len(set(PREDICATE_TAGS)) == len(PREDICATE_TAGS)


def test_rule_union_is_the_rule_table() -> None:
    members = _members(Rule)
    assert [cls for cls, _ in members] == list(RULES)
    assert [tag for _, tag in members] == list(RULE_KINDS)
    assert {r.KIND: r for r in RULES} == RULE_CLASSES
    for rule in RULES:
        assert rule.KIND in rule.model_fields or any(f.alias == rule.KIND for f in rule.model_fields.values())


def test_triage_and_finding_status_are_one_vocabulary() -> None:
    assert TriageStatus is Status
    assert [s for s in Status if s.is_open] == [Status.OPEN, Status.IN_PROGRESS]


def test_severities_worst_first_cover_every_scored_severity() -> None:
    assert list(SEVERITIES_WORST_FIRST) == sorted(set(Severity) - {Severity.INFO}, reverse=True)


@pytest.mark.parametrize(
    ("flow", "key"),
    [({"id": "f1", "source": "a", "target": "b"}, "f1"), ({"source": "a", "target": "b"}, "a-to-b")],
)
def test_flow_key_is_one_rule(flow: dict[str, str], key: str) -> None:
    assert Flow.model_validate(flow).key == key == flow_key(flow.get("id"), flow["source"], flow["target"])


def test_control_key_spells_scope_one_way() -> None:
    control = ImplementedControl.model_validate({"control": "tm:x", "status": "implemented", "scope": ["a", "b"]})
    assert control_key(control.control, control.scope) == "tm:x@a,b"
    assert control_key("tm:x", ()) == "tm:x@"


def test_export_table_feeds_both_commands() -> None:
    assert set(REPORT_FORMATS) | set(DIAGRAM_FORMATS) == set(BY_ID)
    assert not set(REPORT_FORMATS) & set(DIAGRAM_FORMATS)
    assert len({e.suffix for e in EXPORTS}) == len(EXPORTS)
    assert all(e.summary and e.title for e in EXPORTS)


def test_every_predicate_words_itself() -> None:
    """Adding a predicate is four places (docs/contributing.md): its class must say itself in words."""
    for predicate in PREDICATES:
        assert "describe" in vars(predicate), f"{predicate.__name__} has no describe()"


class _AnchorsKept(yaml.SafeLoader):
    """A safe loader that keeps each anchor's node (the composer forgets them at the document's end)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.kept: dict[str, Any] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        node = super().compose_node(parent, index)
        if not isinstance(event, yaml.AliasEvent) and event.anchor:
            self.kept[event.anchor] = node
        return node


# Lists in the threat catalog that mean "every value but ..." of a vocabulary: a value added to
# the vocabulary must be placed on one side or the other, by whoever adds it (decision 1940).
_WHOLE_LISTS = {
    "every-capture": set(Capture),
    "remote-channels": set(Channel) - {Channel.IN_PERSON},
    "model-kinds": set(MODEL_KINDS),
}


def test_catalog_lists_of_every_value_follow_their_vocabulary() -> None:
    path = Path(__file__).parents[1] / "catalogs" / "tm.yaml"
    loader = _AnchorsKept(path.read_text(encoding="utf-8"))
    try:
        loader.get_single_node()
    finally:
        loader.dispose()
    for anchor, values in _WHOLE_LISTS.items():
        assert {item.value for item in loader.kept[anchor].value} == values, anchor

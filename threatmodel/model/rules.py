"""The rule language: a closed, declarative vocabulary of predicates.

Every predicate is a small pydantic model in one discriminated union (``Condition``), so an
unknown predicate or a misspelt key is an error when a catalog or policy loads, and no rule can
run code. Each predicate also says itself in words (``describe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, PrivateAttr, StrictBool, Tag, field_validator, model_validator

from threatmodel.model.base import Classification, Frozen, Slug, TrustLevel
from threatmodel.model.unknowns import fact_question
from threatmodel.model.vocab import Artifact, ComponentKind

Scalar = str | int | float | bool | None
MAX_HOPS = 64


class TargetType(StrEnum):
    """What a threat is raised on."""

    COMPONENT = "component"
    FLOW = "flow"
    SYSTEM = "system"


def fmt_value(value: object) -> str:
    """A model value as rules and explanations show it (``unset``, ``true``, ``[a, b]``)."""
    if isinstance(value, tuple):
        return "[" + ", ".join(fmt_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "unset"
    if isinstance(value, Frozen):  # a stated group of limits (execution bounds): the parts stated
        parts = [f"{attr_words(k)} {fmt_value(v)}" for k, v in value if v is not None]
        return ", ".join(parts) if parts else "none"
    return str(value)


# ---------------------------------------------------------------------------
# Words: attribute names, kinds and value lists as explanations say them (decision 1901)


def attr_words(name: str) -> str:
    """An attribute name as a sentence says it: ``weights_format`` -> ``weights format``."""
    return name.replace("_", " ")


_KIND_NOUNS: dict[str, str] = {
    "llm": "LLM",
    "ml-model": "ML model",
    "api-gateway": "API gateway",
    "mcp-server": "MCP server",
    "model-serving": "model server",
    "monitoring": "monitoring component",
    "evaluation": "evaluation job",
    "agent-memory": "agent memory store",
    "fine-tuning-job": "fine-tuning job",
}


def kind_noun(kind: object) -> str:
    """A component kind as a noun: ``model-serving`` -> ``model server``, ``llm`` -> ``LLM``."""
    text = str(kind)
    return _KIND_NOUNS.get(text, text.replace("-", " "))


def with_article(noun: str) -> str:
    """``a tool``, ``an agent``, ``an LLM``, ``an MCP server``."""
    first = noun.split(" ", 1)[0]
    vowel_sound = first[:1].lower() in "aeiou" or (first.isupper() and first[:1] in "AEFHILMNORSX")
    return ("an " if vowel_sound else "a ") + noun


def kinds_noun(kinds: Sequence[object]) -> str:
    """Kinds as one noun phrase: ``tool or MCP server``, ``training or fine-tuning job``,
    ``API gateway, application or model server``."""
    nouns = list(dict.fromkeys(kind_noun(k) for k in kinds))
    if len(nouns) == 1:
        return nouns[0]
    tails = {n.rsplit(" ", 1)[-1] for n in nouns}
    if len(tails) == 1 and all(" " in n for n in nouns):
        tail = tails.pop()
        heads = [n.rsplit(" ", 1)[0] for n in nouns]
        return _or(heads) + " " + tail
    return _or(nouns)


def name_list(names: Sequence[str], shown: int = 3) -> str:
    """``A``, ``A and B``, ``A, B and C``, ``A, B, C and 2 more``."""
    if len(names) <= 1:
        return "".join(names)
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def _or(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _one_of(values: Sequence[object]) -> str:
    """``a``, ``a or b``, ``one of a, b, c``: any value of a list, in words."""
    shown = [fmt_value(v) for v in values]
    if len(shown) <= 2:
        return " or ".join(shown)
    return "one of " + ", ".join(shown)


def _not_one_of(values: Sequence[object]) -> str:
    """``not a``, ``neither a nor b``, ``not one of a, b, c``: the reading of an unknown against a list."""
    return _none_of(values, many="not one of")


def stated_value(value: object) -> str:
    """A stated value as a sentence gives it: a list without brackets (``read-only, write``), a
    yes-or-no attribute as ``yes`` or ``no`` (it answers a whether-question, :func:`fact_question`)."""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, tuple):
        return ", ".join(fmt_value(v) for v in value) if value else "none"
    return fmt_value(value)


def unknown_reading(test: AttrTest, holds: bool) -> str:
    """How an unstated attribute was read, in words: ``read as provider-api``, ``read as not one of
    safetensors, pickle, onnx``, ``read as including render-html``. Empty for ``is_set`` (an unstated
    attribute is what that test asks about: there is no reading to add)."""
    op = test.operator()
    if op == "is_set":
        return ""
    if op == "equals":
        if isinstance(test.equals, bool):  # a yes-or-no attribute: read as the other value
            return f"read as {_yes_no(test.equals == holds)}"
        shown = fmt_value(test.equals)
        return f"read as {shown}" if holds else f"read as not {shown}"
    if op == "in":
        values = test.in_ or ()
        return "read as " + (_one_of(values) if holds else _not_one_of(values))
    values = test.contains_any or ()
    if holds:
        return "read as including " + _one_of(values)
    if len(values) == 1:
        return f"read as not including {fmt_value(values[0])}"
    return "read as including " + _none_of(values)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def stated_fact(attribute: str, subject: str, value: object, *, flow: bool = False) -> str:
    """``how the weights of chat-llm are serialised: safetensors``: a stated attribute as the answer
    to its question (decision 1938)."""
    return f"{fact_question(attribute, subject, flow=flow)}: {stated_value(value)}"


def unstated_fact(attribute: str, subject: str, reading: str = "", *, flow: bool = False) -> str:
    """``how the weights of chat-llm are serialised: not stated, read as not one of ...`` (or
    without a reading)."""
    said = f"{fact_question(attribute, subject, flow=flow)}: not stated"
    return f"{said}, {reading}" if reading else said


BY_DEFAULT = " by default (not stated)"
"""Appended to a stated fact whose attribute holds its schema default (the model does not write it)."""


def says_unstated(fact: str) -> bool:
    """Whether an explanation line rests on what the model leaves unstated: an attribute worded by
    :func:`unstated_fact`, a schema default (:data:`BY_DEFAULT`), or a reach the graph reads as
    unknown ("who can reach X is unknown: ..."). A test of the wording these write: a new way of
    saying "unstated" must be added here (tests/engine/test_wording.py)."""
    return ": not stated" in fact or fact.endswith(BY_DEFAULT) or " is unknown: " in fact


# ---------------------------------------------------------------------------
# The predicate vocabulary


class _Predicate(Frozen):
    TAG: ClassVar[str]
    CONTEXTS: ClassVar[frozenset[TargetType]] = frozenset(TargetType)

    def describe(self) -> str:
        """A short phrase for the condition; every predicate words itself."""
        raise NotImplementedError(type(self).__name__)

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """The condition not holding on ``subject`` (an element's name), as an explanation states
        it; ``flow`` when the subject is a flow, of which an attribute is asked differently (``Attr``;
        the rest ignore it). Predicates with a plain negative word it themselves; the rest say
        ``<subject>: not (<phrase>)``."""
        return f"{subject}: not ({self.describe()})"


class KindIs(_Predicate):
    """The component is of one of these kinds."""

    TAG = "kind"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    kind: tuple[ComponentKind, ...] = Field(min_length=1)

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "kind is " + " or ".join(str(k) for k in self.kind)

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``X is not a tool``, ``X is neither a tool nor an MCP server``, ``X is not a datastore,
        vector store or retriever``."""
        nouns = [kind_noun(k) for k in dict.fromkeys(self.kind)]
        if len(nouns) == 2:
            return f"{subject} is neither {with_article(nouns[0])} nor {with_article(nouns[1])}"
        return f"{subject} is not {with_article(_or(nouns))}"


class AttrTest(Frozen):
    """A test of one attribute; exactly one of the operators is given."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    """Attribute name as written in the model file (e.g. ``weights_format``)."""
    equals: Scalar = Field(default=None)
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    contains_any: tuple[Scalar, ...] | None = None
    is_set: StrictBool | None = None
    unknown: Literal["match", "no-match"] | None = None
    """How the test reads an attribute the model leaves unknown: as a match or not. Unset: the
    conservative reading, the one that keeps the threat (a match, or no match under ``not``)."""

    model_config = Frozen.model_config | {"populate_by_name": True}

    @field_validator("equals", mode="before")
    @classmethod
    def _no_lists(cls, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            raise ValueError("'equals' takes one value; use 'in' for a list of values")
        return value

    @cached_property
    def op(self) -> str:
        """The operator, computed once (tests are immutable)."""
        return self.operator()

    def operator(self) -> str:
        given = [
            name
            for name, value in (
                ("equals", self.equals),
                ("in", self.in_),
                ("contains_any", self.contains_any),
                ("is_set", self.is_set),
            )
            if value is not None or (name == "equals" and "equals" in self.model_fields_set)
        ]
        if len(given) != 1:
            raise ValueError("an attribute test takes exactly one of: equals, in, contains_any, is_set")
        return given[0]


class Attr(_Predicate):
    """An attribute of the component (or flow) passes a test."""

    TAG = "attr"
    CONTEXTS = frozenset({TargetType.COMPONENT, TargetType.FLOW})
    attr: AttrTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return attr_phrase(self.attr)

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``where X runs: not provider-api``, ``what calling X can do: neither a nor b``: the
        question of the attribute (decision 1938), answered by what the test did not find."""
        return _attr_negated(self.attr, fact_question(self.attr.name, subject, flow=flow))


class DataTest(Frozen):
    """A test over data assets; every given part must hold for one asset."""

    classification_at_least: Classification | None = None
    tags_any: tuple[Slug, ...] = ()
    tags_own: Literal[True] | None = None
    """``tags_any`` reads the tags the model states on the asset itself, not those it inherits
    through ``derived_from`` (a voice sample, not the reply text made from what someone said;
    decision 1919)."""
    personal: Literal[True] | None = None
    """The asset is personal data: tagged pii, phi, pci, biometric or children, itself or through
    what it is derived from. An asset whose lineage is unknown also counts when a component that
    sends it handles personal data (it may repeat it), under the reading given by ``unknown``."""
    attr: AttrTest | None = None
    """An attribute of the asset itself passes this test (``retention``, ``purpose``…)."""
    unless: tuple[AttrTest, ...] = ()
    """The asset counts only when none of these tests of its own attributes passes."""
    new_to_recipient: Literal[True] | None = None
    """On a flow: the asset does not go back to the party that supplied it, that is the receiving
    component did not send this asset, or one it is derived from, on to the flow's sender (directly
    or through others). A component that only relays what the sender gave it is not the supplier."""
    made_by_sender: Literal[True] | None = None
    """On a flow: no flow brings the asset to the flow's source, which makes it there (a
    voiceprint made from callers' speech) rather than passing on what it was given (a recording it
    stores as it came). Ignored on a component (decision 1930, review 23)."""
    unknown: Literal["match", "no-match"] | None = None
    """How ``personal``, ``new_to_recipient`` and ``learnt`` read an asset of unknown lineage:
    ``personal`` one sent by a component that handles personal data (it may repeat it),
    ``new_to_recipient`` one sent back to a component that sent the sender a flow of its own (it
    may be made from that), ``learnt`` the records of a federation's participants reaching the
    model through updates whose lineage is unstated (they may be made from them, decision 1934).
    Unset: the conservative reading (personal, new and learnt, or none of them under ``not``)."""
    # -- issue 9, the last unknowns read as safe (decision 1630) --------------------------------
    classification_unknown: Literal["match", "no-match"] | None = None
    """How ``classification_at_least`` reads an asset whose classification is unknown (unstated,
    its own or one it inherits) and not settled by the stated ones along its lineage. Unset: the
    conservative reading (it may be restricted: a match, or none under ``not``)."""
    at_runtime: bool = False
    """Only data the component handles at runtime (holds, receives, sends, is instructed with), not
    data a model was only trained on: for attacks on a running model, which cannot reach its training set."""
    # -- element-kind coverage (issue 9, kind pass, decision 1610)
    kept: Literal[True] | None = None
    """Only data the component itself keeps: the assets in its own ``data``, not those that merely
    pass through it on flows (a record system, not a front end that relays records). Components only."""
    # -- issue 9, rules narrower than their threat (session narrow)
    learnt: Literal[True] | None = None
    """Only data a model learnt from: the assets in its ``trained_on`` (a vendor's model that names
    its training data), and what the training or fine-tuning jobs that produce it receive or keep,
    leaving out what they load (weights, adapters, libraries, images) and sign in with
    (credentials, secrets) (decision 1900). On a training or fine-tuning job, what it learns from
    itself: what it receives or keeps, leaving those out the same way, not the weights it writes.
    Components only; holds on nothing for a component that is neither."""

    def describe(self) -> str:
        """The data the test selects, in words."""
        parts = []
        if self.personal:
            parts.append("personal data")
        if self.classification_at_least is not None:
            parts.append(f"{self.classification_at_least.value} or more sensitive data")
        if self.tags_any:
            parts.append(("data itself tagged " if self.tags_own else "data tagged ") + " or ".join(self.tags_any))
        text = " that is ".join(parts) if parts else "any data"
        if self.attr is not None:
            text += " whose " + attr_phrase(self.attr)
        if self.new_to_recipient:
            text += " that the recipient did not supply"
        if self.made_by_sender:
            text += " that the sender makes itself"
        # what it keeps or learns from before the exceptions: "personal data that it learns from
        # unless its purpose includes training" (review 28)
        if self.kept:
            text += " that it keeps"
        if self.learnt:
            text += " that it learns from"
        if self.unless:
            text += " unless its " + " or its ".join(attr_phrase(u) for u in self.unless)
        return f"{text} at runtime" if self.at_runtime else text


def _none_of(values: Sequence[object], *, many: str = "none of") -> str:
    """``not a``, ``neither a nor b``, ``none of a, b, c`` (or ``many`` a, b, c): no value of a
    list, in words."""
    shown = [fmt_value(v) for v in values]
    if len(shown) == 1:
        return f"not {shown[0]}"
    if len(shown) == 2:
        return f"neither {shown[0]} nor {shown[1]}"
    return f"{many} " + ", ".join(shown)


def attr_phrase(test: AttrTest) -> str:
    """``retention is indefinite``, ``side effects includes write or delete``: an attribute test in words."""
    op = test.operator()
    words = attr_words(test.name)
    if op == "is_set":
        return f"{words} is {'stated' if test.is_set else 'not stated'}"
    if op == "equals":
        return f"{words} is {fmt_value(test.equals)}"
    if op == "in":
        return f"{words} is {_one_of(test.in_ or ())}"
    return f"{words} includes {_one_of(test.contains_any or ())}"


class DataHandled(_Predicate):
    """The component handles (holds, receives, sends, was trained on) matching data;
    for a flow, the flow carries it."""

    TAG = "data"
    CONTEXTS = frozenset({TargetType.COMPONENT, TargetType.FLOW})
    data: DataTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "handles " + self.data.describe()

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``X handles no personal data``."""
        return f"{subject} handles no " + self.data.describe().removeprefix("any ")


class BoundaryTrust(_Predicate):
    """The component sits in a boundary with one of these trust levels."""

    TAG = "boundary_trust"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    boundary_trust: tuple[TrustLevel, ...] = Field(min_length=1)
    unknown: Literal["match", "no-match"] | None = None
    """How the test reads a component with no boundary (its trust is unknown). Set by the engine's
    two readings of unknowns (a condition is a one-key mapping, so a catalog cannot write it);
    unset, as in policies, it does not match."""

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "runs in " + self._levels()

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``X does not run in an untrusted boundary``."""
        return f"{subject} does not run in " + self._levels()

    def _levels(self) -> str:
        levels = " or ".join(str(v) for v in self.boundary_trust)
        return ("an " if levels[0] in "aeiou" else "a ") + levels + " boundary"


class UntrustedSource(_Predicate):
    """The component is itself a source of untrusted content (see docs/rules.md)."""

    TAG = "untrusted_source"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    untrusted_source: StrictBool = True

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "is a source of untrusted content" if self.untrusted_source else "is not a source of untrusted content"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``X is not a source of untrusted content`` (and, of ``untrusted_source: false``, that it is one)."""
        if self.untrusted_source:
            return f"{subject} is not a source of untrusted content"
        return f"{subject} is a source of untrusted content"


def _through_all_but(data: Any) -> Any:
    """``not_through: [kinds]`` read as ``through`` every other kind, derived here once, so a kind
    added to the vocabulary later is passed through rather than silently left out of a list."""
    if isinstance(data, dict) and data.get("not_through"):
        if data.get("through"):
            raise ValueError("give 'through' or 'not_through', not both")
        avoided = {str(k) for k in data["not_through"]}
        data = {**data, "through": tuple(k for k in ComponentKind if k.value not in avoided)}
    return data


def _through_phrase(through: Sequence[str], not_through: Sequence[str]) -> str:
    """`` through a or b only`` / `` not through c`` for a restricted path, else nothing."""
    if not_through:
        return " not through " + " or ".join(not_through)
    return " through " + " or ".join(through) + " only" if through else ""


class TaintTest(Frozen):
    """Options of the ``tainted`` predicate."""

    @model_validator(mode="before")
    @classmethod
    def _derive_through(cls, data: Any) -> Any:
        return _through_all_but(data)

    source_kinds: tuple[ComponentKind, ...] = ()
    """Only count untrusted sources of these kinds."""
    exclude_source_kinds: tuple[ComponentKind, ...] = ()
    """Ignore untrusted sources of these kinds."""
    via: tuple[ComponentKind, ...] = ()
    """The path must pass through a component of one of these kinds."""
    max_hops: Annotated[int, Field(ge=1, le=MAX_HOPS)] = 16
    """Longest path considered, in flows."""
    content_only: StrictBool = False
    """Follow only links that carry content a component reads: a flow whose data are all model
    weights, adapters, ML libraries or container images delivers something to load, not to read,
    and is skipped (datasets, other data and flows that list no data count as content)."""
    through: tuple[ComponentKind, ...] = ()
    """Every component between the source and this one is of one of these kinds: content a person
    sends through front ends and agents, not content left in a store or fetched by a tool for
    someone else to read later (decision 1899). Empty: any component."""
    not_through: tuple[ComponentKind, ...] = ()
    """No component between the source and this one is of these kinds (``through`` every other
    kind): a person photographed by a capture device does not call the model (decision 1900)."""
    stop_at_sources: StrictBool = False
    """The path does not pass a component that is itself a source of untrusted content (stated to
    carry outsiders' content, or in an untrusted zone): what people leave there is read later by
    whatever pulls it in, from that source (decision 1902: a ticket in a tracker is not its writer
    talking to the model; a queue of the organisation's own passes the prompt on)."""


class Tainted(_Predicate):
    """Content from an untrusted source reaches the component along flows."""

    TAG = "tainted"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    tainted: TaintTest = TaintTest()

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        if self.tainted.content_only:
            text = "receives untrusted content (not counting weights, libraries or images it only loads)"
        else:
            text = "receives untrusted content"
        text += _through_phrase(self.tainted.through, self.tainted.not_through)
        return text + (" directly, not from content others left for later" if self.tainted.stop_at_sources else "")

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``no untrusted content reaches X`` (`` not through …`` or `` directly`` where the test
        says so: otherwise it contradicts the path a finding names beside it)."""
        if self.tainted.not_through:
            return f"untrusted content reaches {subject} only through " + " or ".join(self.tainted.not_through)
        text = f"no untrusted content reaches {subject}" + _through_phrase(self.tainted.through, ())
        return text + (" directly" if self.tainted.stop_at_sources else "")


class NeighbourTest(Frozen):
    """Options of the ``neighbour`` predicate."""

    direction: Literal["in", "out", "any"] = "any"
    where: Condition
    data: DataTest | None = None
    """Only a neighbour joined by a flow, in the tested direction, that carries data passing this
    test (its listed assets: a flow that lists none carries nothing known). An agent that sends a
    store its instructions writes them there; one that only sends it a query does not (review 13)."""
    flow: AttrTest | None = None
    """Only a neighbour joined by a flow, in the tested direction, whose own attribute passes this
    test, read as stated: an unstated attribute passes no test but ``is_set: false`` (on an
    attribute that may be ``unknown`` the test must say how it reads one, ``unknown: match`` or
    ``no-match``). With ``protocol: in-process``, the caller that loads the component into its own
    process (decision 1920). A link the model implies but does not draw (an agent's named tool)
    has no flow to test."""
    every_flow: Literal[True] | None = None
    """With ``flow``: every flow in the tested direction, whatever the neighbour, passes the flow
    test (and there is one): the component is reached only in-process, not also over a network
    (review 21)."""


class Neighbour(_Predicate):
    """A component directly connected by a flow satisfies ``where``."""

    TAG = "neighbour"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    neighbour: NeighbourTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        test = self.neighbour
        found = with_article(noun_phrase(test.where, "component"))
        over = f" over a flow whose {attr_phrase(test.flow)}" if test.flow is not None else ""
        if test.every_flow and test.flow is not None:
            ways = {"in": "every flow into it", "out": "every flow out of it", "any": "every flow it has"}
            over = f", {ways[test.direction]} being one whose {attr_phrase(test.flow)}"
        if test.data is not None:
            data = test.data.describe()
            return {"in": f"receives {data} from", "out": f"sends {data} to", "any": f"exchanges {data} with"}[
                test.direction
            ] + f" {found}{over}"
        verb = {"in": "receives from", "out": "sends to", "any": "is connected to"}[test.direction]
        return f"{verb} {found}{over}"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``no agent or application sends to X``, ``X sends to no monitoring component``,
        ``everything that sends to X is a source of untrusted content``."""
        direction, where = self.neighbour.direction, self.neighbour.where
        opposite = _opposite_predicate(where)
        if opposite is not None:
            who = {"in": f"that sends to {subject}", "out": f"{subject} sends to", "any": f"connected to {subject}"}
            return f"everything {who[direction]} {opposite}"
        found = noun_phrase(where, "component")
        if self.neighbour.flow is not None:
            over = f"over a flow whose {attr_phrase(self.neighbour.flow)}"
            if self.neighbour.every_flow:
                over = f"with every such flow one whose {attr_phrase(self.neighbour.flow)}"
            which = {"in": "sends to", "out": "receives from", "any": "is connected to"}[direction]
            return f"no {found} {which} {subject} {over}"
        if self.neighbour.data is not None:
            data = self.neighbour.data.describe()
            if direction == "in":
                return f"no {found} sends {data} to {subject}"
            if direction == "out":
                return f"{subject} sends {data} to no {found}"
            return f"{subject} exchanges {data} with no {found}"
        if direction == "in":
            return f"no {found} sends to {subject}"
        if direction == "out":
            return f"{subject} sends to no {found}"
        return f"{subject} is connected to no {found}"


class PathTest(Frozen):
    """Options of the ``reaches`` and ``reached_from`` predicates."""

    where: Condition
    max_hops: Annotated[int, Field(ge=1, le=MAX_HOPS)] = 16
    through: tuple[ComponentKind, ...] = ()
    """Every component between the two ends is of one of these kinds: updates relayed by the
    service that collects them, not passed on by another participant (decision 1900). Empty: any."""
    not_through: tuple[ComponentKind, ...] = ()
    """No component between the two ends is of these kinds (``through`` every other kind)."""

    @model_validator(mode="before")
    @classmethod
    def _derive_through(cls, data: Any) -> Any:
        return _through_all_but(data)


def _limits(test: PathTest) -> str:
    """`` within N flows`` and the kinds the path may pass, in words; nothing for an open path."""
    return _within(test.max_hops) + _through(test)


def _through(test: PathTest) -> str:
    """`` through a or b only`` / `` not through c`` for a path restricted by kind, else nothing."""
    return _through_phrase(test.through, test.not_through)


class Reaches(_Predicate):
    """Data from the component flows, directly or not, to a component satisfying ``where``."""

    TAG = "reaches"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    reaches: PathTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        found = with_article(noun_phrase(self.reaches.where, "component"))
        return f"sends data to {found}{_limits(self.reaches)}"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``no data from X reaches a model server`` (``X sends to no retriever`` for one hop)."""
        found = noun_phrase(self.reaches.where, "component")
        if self.reaches.max_hops == 1:
            return f"{subject} sends to no {found}"
        return f"no data from {subject} reaches {with_article(found)}{_limits(self.reaches)}"


class ReachedFrom(_Predicate):
    """Data from a component satisfying ``where`` flows, directly or not, to the component."""

    TAG = "reached_from"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    reached_from: PathTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        found = with_article(noun_phrase(self.reached_from.where, "component"))
        return f"receives data from {found}{_limits(self.reached_from)}"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``no data from an agent reaches X`` (``no vector store sends to X`` for one hop)."""
        found = noun_phrase(self.reached_from.where, "component")
        if self.reached_from.max_hops == 1:
            return f"no {found} sends to {subject}"
        return f"no data from {with_article(found)} reaches {subject}{_limits(self.reached_from)}"


LinkRelation = Literal[
    "tools",
    "delegates_to",
    "memory",
    "model",
    "base_model",
    "serves",
    "produces",
    "trained_on_by",
    "used_by",
    "served_by",
    "beside",
    "loads_weights_of",
]
"""A declared relation the ``linked`` predicate follows, also one a finding can name as affected.
``beside``: the other components stated in the same innermost boundary (decision 1902).
``loads_weights_of``: the models whose weights or adapters it loads, as they leave the model, the jobs
that produce it, and the stores, pipelines and gateways that hand the same file on, when the file is
known to be the model's (decision 1933)."""

LINK_NOUNS: dict[str, str] = {
    "tools": "tool",
    "delegates_to": "agent",
    "memory": "memory store",
    "model": "model",
    "base_model": "model",
    "serves": "model",
    "produces": "model",
    "trained_on_by": "job",
    "used_by": "agent",
    "served_by": "server",
    "beside": "component",
    "loads_weights_of": "model",
}
"""What each relation links to, named when the condition on it names no kind."""

LINK_NONE: dict[str, str] = {
    "tools": "{subject} has no {found} among its tools",
    "delegates_to": "{subject} delegates to no {found}",
    "memory": "{subject} uses no {found} as memory",
    "model": "{subject} uses no {found} as its model",
    "base_model": "{subject} is built on no {found}",
    "serves": "{subject} serves no {found}",
    "produces": "{subject} produces no {found}",
    "trained_on_by": "no {found} trains {subject}",
    "used_by": "no {found} uses {subject}",
    "served_by": "no {found} serves {subject}",
    "beside": "no {found} sits in the same boundary as {subject}",
    "loads_weights_of": "{subject} loads the weights of no {found}",
}
"""A ``not: {linked: ...}`` in words: nothing linked so passes the condition."""

LINK_SOME: dict[str, str] = {
    "tools": "{subject} has {found} among its tools",
    "delegates_to": "{subject} delegates to {found}",
    "memory": "{subject} uses {found} as memory",
    "model": "{subject} uses {found} as its model",
    "base_model": "{subject} is built on {found}",
    "serves": "{subject} serves {found}",
    "produces": "{subject} produces {found}",
    "trained_on_by": "{found} trains {subject}",
    "used_by": "{found} uses {subject}",
    "served_by": "{found} serves {subject}",
    "beside": "{found} sits in the same boundary as {subject}",
    "loads_weights_of": "{subject} loads the weights of {found}",
}
"""A ``linked`` that holds, in words, ``found`` being the linked component's name."""


class LinkTest(Frozen):
    """Options of the ``linked`` predicate."""

    via: LinkRelation
    """Which declared relation to follow: an agent's tools, delegates, memory or model; a model's
    base model; the models a server serves; the model a job produces; the jobs that train a model;
    the agents that use a tool; the servers that serve a model; the components stated in the same
    innermost boundary (``beside``); the models whose weights a component loads
    (``loads_weights_of``)."""
    where: Condition
    same_boundary: Literal[True] | None = None
    """Only a related component in the same innermost boundary as this one (neither stating one
    counts as the same): a tool started beside its agent runs in the agent's environment, one in a
    sandbox boundary of its own does not (decision 1900)."""
    unknown: Literal["match", "no-match"] | None = None
    """How a link resting on an unstated fact counts (``loads_weights_of`` only: weights reached
    through a file a registry, store or pipeline hands on whose ``derived_from`` is unstated, which
    may be the model's). Unset: the conservative reading (a link, or none under ``not``), and the
    finding asks what the file is made from (decision 1934)."""
    _read: bool = PrivateAttr(default=False)
    """Set on the copy :func:`~threatmodel.engine.unknowns.resolve` gives a reading: the finding
    rests on that reading, where one the rule spells out itself is the rule's choice (review 27)."""


class Linked(_Predicate):
    """A component related through a declared attribute satisfies ``where``."""

    TAG = "linked"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    linked: LinkTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        found = with_article(noun_phrase(self.linked.where, LINK_NOUNS[self.linked.via]))
        return LINK_SOME[self.linked.via].format(subject="it", found=found) + _beside(self.linked)

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``no training or fine-tuning job trains X``, ``X serves no model that states a weights format``."""
        via = self.linked.via
        found = noun_phrase(self.linked.where, LINK_NOUNS[via])
        return LINK_NONE[via].format(subject=subject, found=found) + _beside(self.linked)


def _beside(test: LinkTest) -> str:
    """`` in the same boundary`` for a link restricted to one, else nothing."""
    return " in the same boundary" if test.same_boundary else ""


class ArtifactTest(Frozen):
    """Options of the ``artifacts`` predicate."""

    direction: Literal["in", "out"] = "in"
    """``in``: artefacts the component loads (carried on its inbound flows, or held in its data);
    ``out``: artefacts it ships on its outbound flows."""
    kinds: tuple[Artifact, ...] = ()
    """Only artefacts of these kinds (see ``artifact`` on data assets); empty: any artefact."""
    where: Condition | None = None
    """A condition on the artefact itself (a data asset): ``attr`` tests of its fields, combined
    with ``all``, ``any`` and ``not``."""
    peer: Condition | None = None
    """A condition on the component at the other end of the flow (where the artefact came from, or
    where it goes). An artefact held in the component's own data has no peer and fails it."""


class Artifacts(_Predicate):
    """The component loads (or ships) an artefact whose facts, and whose origin (or destination), pass the tests."""

    TAG = "artifacts"
    CONTEXTS = frozenset({TargetType.COMPONENT})
    artifacts: ArtifactTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        test = self.artifacts
        what = " or ".join(str(k) for k in test.kinds) if test.kinds else "an artefact"
        text = ("loads " if test.direction == "in" else "ships ") + what
        if test.where is not None:
            text += " " + relative_clause(test.where)
        if test.peer is not None:
            peer = with_article(noun_phrase(test.peer, "component"))
            text += (" from " if test.direction == "in" else " to ") + peer
        return text


class ExistsTest(Frozen):
    """Options of the ``exists`` predicate."""

    where: Condition


class Exists(_Predicate):
    """Some component of the system satisfies ``where``."""

    TAG = "exists"
    exists: ExistsTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return f"the system has {with_article(noun_phrase(self.exists.where, 'component'))}"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``the system has no monitoring component``."""
        return f"the system has no {noun_phrase(self.exists.where, 'component')}"


class CrossesBoundary(_Predicate):
    """The flow crosses a trust boundary (its ends sit in different boundaries)."""

    TAG = "crosses_boundary"
    CONTEXTS = frozenset({TargetType.FLOW})
    crosses_boundary: StrictBool = True

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "crosses a trust boundary" if self.crosses_boundary else "stays inside one boundary"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """``X stays inside one boundary``."""
        return f"{subject} {'stays inside one boundary' if self.crosses_boundary else 'crosses a trust boundary'}"


class Endpoint(_Predicate):
    """The flow's source (``from``) or target (``to``) component satisfies a condition."""

    TAG = "endpoint"
    CONTEXTS = frozenset({TargetType.FLOW})
    endpoint: EndpointTest

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return f"its {self.endpoint.end} is {with_article(noun_phrase(self.endpoint.where, 'component'))}"


class EndpointTest(Frozen):
    """Options of the ``endpoint`` predicate."""

    end: Literal["source", "target"]
    where: Condition


class AllOf(_Predicate):
    """Every condition holds."""

    TAG = "all"
    all: tuple[Condition, ...] = Field(min_length=1)

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return " and ".join(p.describe() for p in self.all)


class AnyOf(_Predicate):
    """At least one condition holds."""

    TAG = "any"
    any: tuple[Condition, ...] = Field(min_length=1)

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return "(" + " or ".join(p.describe() for p in self.any) + ")"


class Not(_Predicate):
    """The condition does not hold."""

    TAG = "not"
    not_: Condition = Field(alias="not")
    defers_to: Slug | None = None
    """Id of the threat (of the same catalog) that takes the case this negation leaves out, when
    the negation only keeps one finding per root cause (one finding per chain, a case another
    threat covers) rather than deciding whether there is a threat at all. The unknown facts it
    reads are then not the finding's questions: stating them moves the finding, it does not
    remove it (decision 1932)."""

    model_config = Frozen.model_config | {"populate_by_name": True}

    def describe(self) -> str:
        """A short phrase for the condition (explanations of a negation, --why-not)."""
        return f"not ({self.not_.describe()})"

    def describe_negated(self, subject: str, *, flow: bool = False) -> str:
        """Two negations cancel: the inner condition holds."""
        return f"{subject}: {self.not_.describe()}"


def _within(hops: int) -> str:
    return "" if hops >= 16 else f" within {hops} flows"


def _kinds_of(cond: Condition) -> tuple[ComponentKind, ...] | None:
    """The kinds a condition names outright (a ``kind`` test, or an ``any`` of them only)."""
    if isinstance(cond, KindIs):
        return cond.kind
    if isinstance(cond, AnyOf) and all(isinstance(o, KindIs) for o in cond.any):
        return tuple(k for o in cond.any for k in o.kind)  # type: ignore[union-attr]
    return None


def noun_phrase(cond: Condition, default: str) -> str:
    """What a condition on a component selects, as a noun phrase without an article:
    ``training or fine-tuning job``, ``model that states a weights format``, ``data pipeline whose
    labelling is user-feedback``. ``default`` names it when the condition names no kind."""
    parts = cond.all if isinstance(cond, AllOf) else (cond,)
    kinds: tuple[ComponentKind, ...] | None = None
    clauses: list[str] = []
    for part in parts:
        named = _kinds_of(part) if kinds is None else None
        if named is not None:
            kinds = named
        else:
            clauses.append(relative_clause(part))
    noun = kinds_noun(kinds) if kinds is not None else default
    return " ".join([noun, " and ".join(clauses)]) if clauses else noun


def worded_as_noun(cond: Condition) -> bool:
    """Whether :func:`noun_phrase` words ``cond`` in relative clauses alone, with no ``such that``
    fallback (a link, or a negation with no clause of its own), at any depth: an explanation that
    would have to say ``no component such that ...`` names the neighbours instead (decision 1938)."""
    match cond:
        case AllOf(all=parts):
            return all(worded_as_noun(part) for part in parts)
        case AnyOf(any=options):
            return all(worded_as_noun(option) for option in options)
        case Linked():
            return False
        case Not(not_=inner):
            return isinstance(inner, KindIs | UntrustedSource | Attr)
        case _:
            return all(worded_as_noun(other) for other in conditions_on_others(cond))


def conditions_on_others(cond: Condition) -> tuple[Condition, ...]:
    """The conditions a predicate tests on elements other than its own (a neighbour's, a path
    end's, a link's, a flow end's, an artefact's and its peer's ``where``); none for the rest."""
    match cond:
        case (
            Neighbour(neighbour=test)
            | Reaches(reaches=test)
            | ReachedFrom(reached_from=test)
            | Exists(exists=test)
            | Endpoint(endpoint=test)
            | Linked(linked=test)
        ):
            return (test.where,)
        case Artifacts(artifacts=test):
            return tuple(part for part in (test.where, test.peer) if part is not None)
        case _:
            return ()


def relative_clause(cond: Condition) -> str:
    """A condition on a component as a relative clause: ``whose hosting is provider-api``, ``that
    states a weights format``, ``that is connected to a human user``."""
    match cond:
        case KindIs():
            return "that is " + _kinds_phrase(cond.kind)
        case Attr(attr=test):
            op = test.operator()
            if op == "is_set":
                words = attr_words(test.name)
                return f"that states {with_article(words)}" if test.is_set else f"that states no {words}"
            return "whose " + attr_phrase(test)
        case Neighbour():
            return "that " + cond.describe()
        case Reaches(reaches=test):
            return f"that sends data to {with_article(noun_phrase(test.where, 'component'))}{_through(test)}"
        case ReachedFrom(reached_from=test):
            return f"that receives data from {with_article(noun_phrase(test.where, 'component'))}{_through(test)}"
        case Linked(linked=test):
            found = with_article(noun_phrase(test.where, LINK_NOUNS[test.via]))
            return "such that " + LINK_SOME[test.via].format(subject="it", found=found) + _beside(test)
        case AllOf(all=parts):
            return " and ".join(relative_clause(p) for p in parts)
        case AnyOf(any=options):
            return " or ".join(relative_clause(o) for o in options)
        case Not(not_=inner):
            # what the negation says of the component itself, not its opposite (which is for
            # "everything that ... <opposite>", review 17)
            if isinstance(inner, KindIs):
                return "that is not " + _kinds_phrase(inner.kind)
            if isinstance(inner, UntrustedSource):
                return "that is " + ("not " if inner.untrusted_source else "") + "a source of untrusted content"
            if isinstance(inner, Attr):  # a clause, not a fact line's question and answer
                return _attr_negated(inner.attr, None)
            return "such that " + inner.describe_negated("it")
        case _:
            return "that " + cond.describe()


def _attr_negated(test: AttrTest, asked: str | None) -> str:
    """A negated attribute test: with ``asked``, a fact line answering that question (``where X
    runs: not provider-api``, decision 1938); without, a relative clause about the component
    (``whose hosting is not provider-api``, ``that states no base model``), as a noun phrase needs
    it (the question form reads badly there). One choice of negative per operator, two frames."""
    op = test.operator()
    words = attr_words(test.name)
    if op == "is_set":
        if asked is not None:
            return f"{asked}: not stated" if test.is_set else f"{asked}: stated"
        return f"that states no {words}" if test.is_set else f"that states {with_article(words)}"
    if asked is None:
        is_, lacks, includes = (f"whose {words} {verb} " for verb in ("is", "does not include", "includes"))
    else:
        is_, lacks, includes = (f"{asked}: {verb}" for verb in ("", "not including ", "including "))
    if op == "equals":
        if isinstance(test.equals, bool):  # stated, so the other value (unstated is said so)
            return is_ + (_yes_no(not test.equals) if asked is not None else fmt_value(not test.equals))
        return f"{is_}not {fmt_value(test.equals)}"
    if op == "in":
        return is_ + _none_of(test.in_ or ())
    values = test.contains_any or ()
    if len(values) == 1:
        return lacks + fmt_value(values[0])
    return includes + _none_of(values)


def _kinds_phrase(kinds: Sequence[str]) -> str:
    """``a human user``, ``an agent or a tool``: the kinds a ``kind`` test names, each once."""
    return _or([with_article(kind_noun(k)) for k in dict.fromkeys(kinds)])


def _opposite_predicate(cond: Condition) -> str | None:
    """A condition that is a negation, as a verb phrase of what holds instead (``is a source of
    untrusted content`` for ``untrusted_source: false``), or ``None``: for ``everything that ...``."""
    if isinstance(cond, UntrustedSource) and not cond.untrusted_source:
        return "is a source of untrusted content"
    if isinstance(cond, Not):
        inner = cond.not_
        if isinstance(inner, UntrustedSource):
            return "is a source of untrusted content" if inner.untrusted_source else None
        if isinstance(inner, KindIs):
            return "is " + _kinds_phrase(inner.kind)
    return None


def _condition_tag(value: Any) -> str | None:
    """A condition is a one-key mapping; its key names the predicate."""
    if isinstance(value, dict):
        if len(value) == 1:
            return str(next(iter(value)))
        if value.keys() == {"not", "defers_to"}:  # the one predicate with an option beside its key
            return "not"
        return None
    return getattr(value, "TAG", None)


PREDICATES: tuple[type[_Predicate], ...] = (
    KindIs,
    Attr,
    DataHandled,
    BoundaryTrust,
    UntrustedSource,
    Tainted,
    Neighbour,
    Reaches,
    ReachedFrom,
    Linked,
    Artifacts,
    Exists,
    CrossesBoundary,
    Endpoint,
    AllOf,
    AnyOf,
    Not,
)
"""The closed rule vocabulary: every predicate class, in the order the docs list them. ``Condition``
below is the same union written out for the type checker; a test checks the two agree."""

PREDICATE_TAGS: tuple[str, ...] = tuple(p.TAG for p in PREDICATES)
"""The key that names each predicate in a catalog file."""

Condition = Annotated[
    Annotated[KindIs, Tag(KindIs.TAG)]
    | Annotated[Attr, Tag(Attr.TAG)]
    | Annotated[DataHandled, Tag(DataHandled.TAG)]
    | Annotated[BoundaryTrust, Tag(BoundaryTrust.TAG)]
    | Annotated[UntrustedSource, Tag(UntrustedSource.TAG)]
    | Annotated[Tainted, Tag(Tainted.TAG)]
    | Annotated[Neighbour, Tag(Neighbour.TAG)]
    | Annotated[Reaches, Tag(Reaches.TAG)]
    | Annotated[ReachedFrom, Tag(ReachedFrom.TAG)]
    | Annotated[Linked, Tag(Linked.TAG)]
    | Annotated[Artifacts, Tag(Artifacts.TAG)]
    | Annotated[Exists, Tag(Exists.TAG)]
    | Annotated[CrossesBoundary, Tag(CrossesBoundary.TAG)]
    | Annotated[Endpoint, Tag(Endpoint.TAG)]
    | Annotated[AllOf, Tag(AllOf.TAG)]
    | Annotated[AnyOf, Tag(AnyOf.TAG)]
    | Annotated[Not, Tag(Not.TAG)],
    Discriminator(
        _condition_tag,
        custom_error_type="unknown_predicate",
        custom_error_message=f"a condition is a mapping with exactly one key, one of: {', '.join(PREDICATE_TAGS)}",
    ),
]
"""One predicate of the closed rule vocabulary."""

# The classes above that name ``Condition`` before it exists are completed on first use (the
# base configuration defers building validators: see threatmodel.model.base.Frozen).

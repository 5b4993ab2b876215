"""Conditions of the rule language read as data: what they say in words, which element kinds
they can hold on, how costly they are to test, and whether a single value satisfies a leaf test.

Nothing here looks at the graph beyond one element's own values; :mod:`.match` evaluates
conditions over the graph and uses these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmodel.graph import ModelGraph
from threatmodel.model.levels import Classification
from threatmodel.model.rules import (
    AllOf,
    AnyOf,
    Attr,
    AttrTest,
    BoundaryTrust,
    Condition,
    CrossesBoundary,
    DataHandled,
    DataTest,
    Endpoint,
    KindIs,
    Not,
    UntrustedSource,
)
from threatmodel.model.rules import fmt_value as fmt_value
from threatmodel.model.system import DataAsset
from threatmodel.model.unknowns import UNKNOWABLE
from threatmodel.model.vocab import PERSONAL_TAGS, Minimisation

MISSING: Any = object()
"""What ``getattr`` returns for an attribute the element does not have (another kind of element)."""


def describe(cond: Condition) -> str:
    """A short phrase for a condition, used when explaining a negation (each predicate words itself)."""
    return cond.describe()


_STATIC: dict[tuple[str, int], tuple[Condition, Any]] = {}
"""What :func:`candidate_kinds` and :func:`cost` found per condition (by identity, holding the
condition so its id is never reused while the entry lives): both depend on the condition alone,
and every evaluation (each edit in the TUI, decision 1864) asks them of every rule again."""
STATIC_KEPT = 16384


def _static(name: str, cond: Condition, make: Callable[[Condition], Any]) -> Any:
    key = (name, id(cond))
    hit = _STATIC.get(key)
    if hit is not None and hit[0] is cond:
        return hit[1]
    value = make(cond)
    if len(_STATIC) >= STATIC_KEPT:
        _STATIC.clear()
    _STATIC[key] = (cond, value)
    return value


def candidate_kinds(cond: Condition) -> frozenset[str] | None:
    """Kinds a component must have for ``cond`` to hold, or ``None`` when any kind may."""
    return _static("kinds", cond, _candidate_kinds)  # type: ignore[no-any-return]


def _candidate_kinds(cond: Condition) -> frozenset[str] | None:
    match cond:
        case KindIs(kind=kinds):
            return frozenset(str(k) for k in kinds)
        case AllOf(all=parts):
            found: frozenset[str] | None = None
            for part in parts:
                narrowed = candidate_kinds(part)
                if narrowed is not None:
                    found = narrowed if found is None else found & narrowed
            return found
        case AnyOf(any=options):
            union: set[str] = set()
            for option in options:
                allowed = candidate_kinds(option)
                if allowed is None:
                    return None
                union |= allowed
            return frozenset(union)
        case _:
            return None


def cost(cond: Condition) -> int:
    """A rough, static evaluation cost: attribute tests are cheap, graph searches dear."""
    return _static("cost", cond, _cost)  # type: ignore[no-any-return]


def _cost(cond: Condition) -> int:
    match cond:
        case KindIs() | Attr():
            return 1
        case DataHandled() | BoundaryTrust() | UntrustedSource() | CrossesBoundary():
            return 2
        case Endpoint(endpoint=test):
            return 2 + cost(test.where)
        case AllOf(all=parts):
            return sum(cost(p) for p in parts)
        case AnyOf(any=options):
            return sum(cost(o) for o in options)
        case Not(not_=inner):
            return cost(inner)
        case _:
            return 20


def endpoint_kinds(cond: Condition) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """Kinds a flow's source and target must have for ``cond`` to hold (``None``: any kind)."""
    match cond:
        case Endpoint(endpoint=test):
            kinds = candidate_kinds(test.where)
            return (kinds, None) if test.end == "source" else (None, kinds)
        case AllOf(all=parts):
            source: frozenset[str] | None = None
            target: frozenset[str] | None = None
            for part in parts:
                s, t = endpoint_kinds(part)
                if s is not None:
                    source = s if source is None else source & s
                if t is not None:
                    target = t if target is None else target & t
            return source, target
        case AnyOf(any=options):
            found = [endpoint_kinds(option) for option in options]
            sources = [s for s, _ in found]
            targets = [t for _, t in found]
            # a side is constrained only when every alternative constrains it
            return _union_if_all(sources), _union_if_all(targets)
        case _:
            return None, None


def _union_if_all(sides: Sequence[frozenset[str] | None]) -> frozenset[str] | None:
    """The union of the kinds every alternative allows, or None when one alternative allows any."""
    known = [side for side in sides if side is not None]
    return frozenset().union(*known) if len(known) == len(sides) else None


def attr_matches(test: AttrTest, value: Any) -> bool:
    """Apply an attribute test to a value (``MISSING`` when the element has no such attribute)."""
    op = test.op
    if op == "is_set":
        present = value is not MISSING and value is not None and value != () and value != ""
        return present == test.is_set
    if value is MISSING:
        return False
    if value is None and test.unknown is not None and test.name in UNKNOWABLE:
        return test.unknown == "match"
    if op == "equals":
        return _same(value, test.equals)
    if op == "in":
        return any(_same(value, v) for v in test.in_ or ())
    if op == "contains_any":
        items = value if isinstance(value, tuple) else (value,)
        return any(_same(item, v) for item in items for v in test.contains_any or ())
    return False


def _identity(value: Any) -> tuple[int, Any]:
    """What :func:`_same` compares: booleans and ``None`` by identity, everything else as text."""
    if isinstance(value, bool):
        return 1, value
    if value is None:
        return 2, None
    return 0, str(value)


ValueKey = tuple[tuple[int, Any], frozenset[tuple[int, Any]] | None]
"""An attribute value as :func:`attr_matches` compares it: its :func:`_identity`, and for a list
value the identities of its items (what ``contains_any`` looks at)."""

NONE_KEY = _identity(None)


def value_key(value: Any) -> ValueKey | None:
    """The :data:`ValueKey` of an element's attribute value; ``None`` for ``MISSING`` (no such attribute)."""
    if value is MISSING:
        return None
    items = frozenset(_identity(item) for item in value) if isinstance(value, tuple) else None
    return _identity(value), items


@dataclass(frozen=True, slots=True)
class KeyTest:
    """An attribute test (other than ``is_set``) as a set look-up over value keys: the same
    answer as :func:`attr_matches` on the value the key was made from."""

    wanted: frozenset[tuple[int, Any]]
    many: bool
    """``contains_any``: any item of a list value (or the value itself) is wanted."""
    settled: bool | None
    """The answer for an unknown (``None``) value when the test gives its own reading, else ``None``."""

    @classmethod
    def of(cls, test: AttrTest) -> KeyTest | None:
        """The test compiled, or ``None`` for ``is_set`` (which looks at the value itself)."""
        op = test.op
        if op not in ("equals", "in", "contains_any"):
            return None
        expected = (test.equals,) if op == "equals" else (test.in_ if op == "in" else test.contains_any) or ()
        settled = test.unknown == "match" if test.unknown is not None and test.name in UNKNOWABLE else None
        return cls(frozenset(_identity(v) for v in expected), op == "contains_any", settled)

    def passes(self, key: ValueKey | None) -> bool:
        if key is None:
            return False
        identity, items = key
        if self.settled is not None and identity == NONE_KEY:
            return self.settled
        if self.many and items is not None:
            return not self.wanted.isdisjoint(items)
        return identity in self.wanted


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    if value is None or expected is None:
        return value is expected
    return str(value) == str(expected)


def data_matches(
    test: DataTest, graph: ModelGraph, data_id: str, recipient: str | None = None, sender: str | None = None
) -> bool:
    """Whether one asset passes every part of ``test``; on a flow, ``recipient`` is its target and
    ``sender`` its source."""
    asset = graph.data.get(data_id)
    if asset is None:
        return False
    if (
        test.new_to_recipient
        and recipient is not None
        and not new_to_recipient(test, graph, data_id, recipient, sender)
    ):
        return False
    if test.made_by_sender and sender is not None and data_id in received(graph, sender):
        return False
    if test.classification_at_least is not None and not classified_at_least(test, graph, data_id):
        return False
    if test.tags_any and not set(test.tags_any) & (stated_tags(graph)[data_id] if test.tags_own else set(asset.tags)):
        return False
    if test.personal and not (
        is_personal(asset) or (test.unknown == "match" and personal_by_unknown_lineage(graph, data_id) is not None)
    ):
        return False
    if test.attr is not None and not attr_matches(test.attr, getattr(asset, test.attr.name, MISSING)):
        return False
    return not any(attr_matches(u, getattr(asset, u.name, MISSING)) for u in test.unless)


def stated_tags(graph: ModelGraph) -> dict[str, frozenset[str]]:
    """Each asset's tags as the model states them, before its lineage adds any (``tags_own``)."""
    return graph.memo(("stated-tags",), lambda: {a.id: frozenset(a.tags) for a in graph.model.data})


def classified_at_least(test: DataTest, graph: ModelGraph, data_id: str) -> bool:
    """The ``classification_at_least`` part of a data test: the asset's classification as the rules
    see it (with its lineage) is at least the level, or it is unknown, the stated classifications
    along its lineage do not settle it, and the test reads an unknown as a match (decision 1630)."""
    wanted = test.classification_at_least
    if wanted is None:
        return True
    level = graph.data[data_id].classification
    if level is not None:
        return level >= wanted
    return _left_open(graph, data_id, wanted) is None or test.classification_unknown == "match"


def classification_assumed(test: DataTest, graph: ModelGraph, data_id: str) -> tuple[str, ...]:
    """The assets whose unstated classification made the asset pass ``classification_at_least``
    (none when its stated facts settle the test)."""
    wanted = test.classification_at_least
    if wanted is None or graph.data[data_id].classification is not None:
        return ()
    return _left_open(graph, data_id, wanted) or ()


def _left_open(graph: ModelGraph, data_id: str, wanted: Classification) -> tuple[str, ...] | None:
    """For an asset of unknown classification: ``None`` when the stated classifications along its
    lineage already reach ``wanted``, else the assets whose unstated classification leaves it open."""
    unsettled = graph.open_classification.get(data_id)
    if unsettled is None:
        return ()
    if unsettled.floor is not None and unsettled.floor >= wanted:
        return None
    return unsettled.unstated


def new_to_recipient(test: DataTest, graph: ModelGraph, data_id: str, recipient: str, sender: str | None) -> bool:
    """The ``new_to_recipient`` part of a data test on a flow to ``recipient`` (from ``sender``): the
    asset does not go back to whoever supplied it. Apart from :func:`data_matches` so that the rest
    of a test can be judged once per asset and this part once per flow."""
    if sender is None:
        return not supplied_by(graph, recipient) & lineage(graph, data_id)
    return not (
        sender in returned_from(graph, recipient, data_id)
        or (test.unknown == "no-match" and answers_unknown_lineage(graph, recipient, sender, data_id))
    )


_FlowDataIndex = tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]], dict[str, frozenset[str]]]


def _flow_data_index(graph: ModelGraph) -> _FlowDataIndex:
    """Per component, the data it sends on its flows; per data asset, the components that send it
    (sorted); per component, the data flows bring it. One pass over the flows, cached on the graph:
    the per-element questions below are asked for every asset and component, and a scan per
    question is quadratic on large models."""

    def build() -> _FlowDataIndex:
        sent: dict[str, set[str]] = {}
        senders: dict[str, set[str]] = {}
        brought: dict[str, set[str]] = {}
        for f in graph.flows.values():
            brought.setdefault(f.target, set()).update(f.data)
            for d in f.data:
                sent.setdefault(f.source, set()).add(d)
                if f.source in graph.components:
                    senders.setdefault(d, set()).add(f.source)
        return (
            {c: frozenset(ds) for c, ds in sent.items()},
            {d: tuple(sorted(cs)) for d, cs in senders.items()},
            {c: frozenset(ds) for c, ds in brought.items()},
        )

    return graph.memo(("flow-data-index",), build)


def supplied_by(graph: ModelGraph, component: str) -> frozenset[str]:
    """Ids of the data assets a component sends on its flows (cached on the graph)."""
    return _flow_data_index(graph)[0].get(component, frozenset())


def received(graph: ModelGraph, node: str) -> frozenset[str]:
    """Ids of the data assets flows bring to ``node`` (``made_by_sender``: what it does not make
    itself; cached on the graph with :func:`supplied_by`)."""
    return _flow_data_index(graph)[2].get(node, frozenset())


def returned_from(graph: ModelGraph, recipient: str, data_id: str) -> frozenset[str]:
    """The components that ``recipient`` passes the asset (or one it is derived from) to, directly
    or through others that pass it on: a flow of the asset from one of them back to ``recipient``
    returns what it supplied, which is not a disclosure. A component that only relays the asset it
    received from the flow's sender is not its supplier. Linear in the flows, cached per pair."""

    def build() -> frozenset[str]:
        carried = lineage(graph, data_id)
        outflows = _outflows_by_source(graph)
        seen: set[str] = set()
        stack = [recipient]
        while stack:
            node = stack.pop()
            for target, data in outflows.get(node, ()):
                if target not in seen and not carried.isdisjoint(data):
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    return graph.memo(("returned-from", recipient, data_id), build)


def answers_unknown_lineage(graph: ModelGraph, recipient: str, sender: str, data_id: str) -> bool:
    """The asset's lineage is unknown, the sender makes it (no flow brings it to the sender) and
    ``recipient`` sends the sender a flow of its own: the asset may be an answer made from what the
    recipient sent (a transcript of the audio it sent), which the mirror reading of
    ``new_to_recipient`` does not count as new. An asset the sender only passes on is not an answer."""
    asset = graph.data.get(data_id)
    if asset is None or asset.derived_from is not None:
        return False
    if data_id in _received_by(graph).get(sender, frozenset()):
        return False
    return any(target == sender for target, _ in _outflows_by_source(graph).get(recipient, ()))


def _received_by(graph: ModelGraph) -> dict[str, frozenset[str]]:
    """Per component, the data assets flows bring to it (one pass over the flows, cached)."""

    def build() -> dict[str, frozenset[str]]:
        received: dict[str, set[str]] = {}
        for f in graph.flows.values():
            received.setdefault(f.target, set()).update(f.data)
        return {c: frozenset(ds) for c, ds in received.items()}

    return graph.memo(("received-by",), build)


def _outflows_by_source(graph: ModelGraph) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Per component, the (target, data carried) of each flow it sends (cached on the graph; the
    flow's own tuple of data ids, not a set of them: a flow carries a few)."""

    def build() -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for f in graph.flows.values():
            out.setdefault(f.source, []).append((f.target, f.data))
        return {c: tuple(v) for c, v in out.items()}

    return graph.memo(("outflows-by-source",), build)


def lineage(graph: ModelGraph, data_id: str) -> frozenset[str]:
    """The asset and every asset it is derived from, as stated (``derived_from``, transitively)."""

    def build() -> frozenset[str]:
        seen = {data_id}
        stack = [data_id]
        while stack:
            asset = graph.data.get(stack.pop())
            for parent in (asset.derived_from or ()) if asset is not None else ():
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)

    return graph.memo(("lineage", data_id), build)


def is_personal(asset: DataAsset) -> bool:
    """The asset (as the graph holds it: lineage applied) is personal data: a personal tag, and not
    stated to be anonymised or aggregated."""
    if asset.minimisation in (Minimisation.ANONYMISED, Minimisation.AGGREGATED):
        return False
    return not PERSONAL_TAGS.isdisjoint(asset.tags)


def personal_by_unknown_lineage(graph: ModelGraph, data_id: str) -> str | None:
    """A non-personal asset whose lineage is unknown, sent on some flow by a component that handles
    other, personal data: it may repeat that data. Returns that component (the first in id order),
    or ``None``. The same for every element that handles or carries the asset, so every asset's
    answer is found in one pass and kept on the graph (:func:`unknown_lineage_senders`)."""
    if data_id not in graph.data:  # an id that names no asset is an error, as it always was
        raise KeyError(data_id)
    return unknown_lineage_senders(graph).get(data_id)


def unknown_lineage_senders(graph: ModelGraph) -> Mapping[str, str]:
    """:func:`personal_by_unknown_lineage` of every asset that has an answer, in one pass over the
    assets (cached on the graph): an asset of unknown lineage (no ``derived_from``), not stated to
    be anonymised or aggregated and not a system prompt (instructions the organisation writes do
    not repeat what its components receive), with the first of its senders in id order that
    handles personal data."""

    def build() -> dict[str, str]:
        senders_of = _flow_data_index(graph)[1]
        handlers = _personal_handlers(graph)
        out: dict[str, str] = {}
        for data_id, asset in graph.data.items():
            if asset.derived_from is not None or asset.minimisation in (
                Minimisation.ANONYMISED,
                Minimisation.AGGREGATED,
            ):
                continue
            if "system-prompt" in asset.tags:
                continue
            sender = next((s for s in senders_of.get(data_id, ()) if s in handlers), None)
            if sender is not None:
                out[data_id] = sender
        return out

    return graph.memo(("unknown-lineage-senders",), build)


def _personal_handlers(graph: ModelGraph) -> frozenset[str]:
    """The components that handle personal data (some asset they handle is :func:`is_personal`),
    found in one pass over what every component handles and cached on the graph."""

    def build() -> frozenset[str]:
        personal = {d for d, asset in graph.data.items() if is_personal(asset)}
        return frozenset(c for c, handled in graph.handled_data.items() if not personal.isdisjoint(handled))

    return graph.memo(("personal-handlers",), build)

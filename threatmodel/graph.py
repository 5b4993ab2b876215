"""Layer 1: a graph view of a system model and the graph queries rules need.

Built once per evaluation; every query is linear in the size of the model
(breadth-first searches with hop limits), so hostile or huge models cannot make
the engine do quadratic work through a single predicate.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from threatmodel.model.base import Classification, TrustLevel, share_field_sets
from threatmodel.model.system import (
    Agent,
    Boundary,
    ComponentBase,
    DataAsset,
    Flow,
    HumanUser,
    ImplementedControl,
    Model,
    Serving,
    Store,
    SystemModel,
    Training,
)
from threatmodel.model.unknowns import fact_question
from threatmodel.model.vocab import (
    INHERITED_TAGS,
    MODEL_KINDS,
    PERSONAL_TAGS,
    RELAY_KINDS,
    TOOL_KINDS,
    TRAINER_KINDS,
    Artifact,
    ComponentKind,
    Exposure,
    LawfulBasis,
    Minimisation,
    Population,
    Provenance,
)

WEIGHT_ARTIFACTS = frozenset({Artifact.MODEL_WEIGHTS, Artifact.ADAPTER})
"""A model's own parameters, whole or as an adapter: what leaves with it and what a relay may hand on."""

LOADED_ONLY = frozenset({Artifact.MODEL_WEIGHTS, Artifact.ADAPTER, Artifact.ML_LIBRARY, Artifact.CONTAINER_IMAGE})
"""Artefacts a component loads (parameters and code) rather than reads: a flow carrying only these
is not a channel for content (``ModelGraph.content_successors``). Datasets are content."""
UNTRUSTED_POPULATIONS = frozenset({Population.PUBLIC, Population.CUSTOMERS})

T = TypeVar("T")


_Shipped = tuple[str, str | None, str]
"""An artefact shipped: ``(data, peer, holder)`` (:meth:`ModelGraph.artifacts`)."""
_RelayTable = tuple[dict[str, list[_Shipped]], dict[tuple[Artifact | None, str | None], list[_Shipped]]]
"""What a relay ships, by asset id and by (kind, lineage) of what it makes (:meth:`ModelGraph._relay_table`)."""


@dataclass(frozen=True, slots=True)
class Reach:
    """Result of a multi-source search: for each reached node, the next node toward a seed."""

    hops: Mapping[str, int]
    toward_seed: Mapping[str, str | None]
    seeds: frozenset[str] = frozenset()
    """The seeds of a search run with ``include_seeds=False``; a path ends at the first one it meets
    (a seed reached again through a cycle has a pointer of its own, which would loop)."""

    def path(self, node: str) -> tuple[str, ...]:
        """The path from ``node`` back to the seed that reached it (node first)."""
        out = [node]
        cursor = self.toward_seed.get(node)
        guard = len(self.hops) + 1
        while cursor is not None and guard:
            out.append(cursor)
            if cursor in self.seeds:
                break
            cursor = self.toward_seed.get(cursor)
            guard -= 1
        return tuple(out)


def search(
    seeds: Iterable[str],
    step: Callable[[str], Iterable[str]],
    max_hops: int,
    *,
    include_seeds: bool = True,
) -> Reach:
    """Breadth-first search from every seed at once, following ``step``, up to ``max_hops``.

    ``step`` must return neighbours in a deterministic order (ModelGraph's are sorted),
    so that the path recorded for each node never depends on insertion order.

    With ``include_seeds=False`` the seeds themselves are only reached if some other
    seed reaches them through at least one step.
    """
    hops: dict[str, int] = {}
    toward: dict[str, str | None] = {}
    level: list[str] = []
    starts = frozenset(seeds)
    for seed in sorted(starts):
        if include_seeds:
            hops[seed] = 0
            toward[seed] = None
            level.append(seed)
        else:
            for nxt in step(seed):
                if nxt not in hops:
                    hops[nxt] = 1
                    toward[nxt] = seed
                    level.append(nxt)
    # a level at a time: the queue of a breadth-first search holds one level after another, in
    # the order they were found, so the levels are that queue cut at each depth
    depth = 0 if include_seeds else 1
    while level and depth < max_hops:
        depth += 1
        found: list[str] = []
        for node in level:
            for nxt in step(node):
                if nxt not in hops:
                    hops[nxt] = depth
                    toward[nxt] = node
                    found.append(nxt)
        level = found
    return Reach(hops, toward, frozenset() if include_seeds else starts)


_UNBUILT = object()
"""What :meth:`ModelGraph.memo` finds for a key whose value is not built yet (``None`` is a value)."""


@dataclass
class ModelGraph:
    """A :class:`SystemModel` indexed for rule evaluation."""

    model: SystemModel
    components: dict[str, ComponentBase]
    flows: dict[str, Flow]
    data: dict[str, DataAsset]
    boundaries: dict[str, Boundary]
    by_kind: dict[str, tuple[str, ...]]
    handled_data: dict[str, tuple[str, ...]]
    untrusted_reasons: dict[str, str]
    """Why each untrusted source is one."""
    primary_sources: frozenset[str]
    """Sources that are untrusted in themselves (outsiders' content, untrusted zones, public users),
    as opposed to components that are merely reachable from the internet."""
    trained_only: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per model: data it was trained on and handles no other way (not held, sent, received or
    instructed with): what only an attack on what the model learnt can reach."""
    assumed_sources: Mapping[str, str] = field(default_factory=dict)
    """Sources only because a fact is unknown (who a human user stands for, who can reach a
    component), mapped to that attribute; the optimistic reading of unknowns leaves them out."""
    succ: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each component's flow targets, sorted (every component has an entry)."""
    pred: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each component's flow sources, sorted."""
    content_succ: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each component's targets along links that carry content it reads (``content_successors``);
    components with none have no entry."""
    content_pred: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The reverse of ``content_succ``."""
    open_classification: Mapping[str, OpenClassification] = field(default_factory=dict)
    """The data assets whose classification the rules see as unknown, and why (decision 1630)."""
    implied: frozenset[tuple[str, str]] = frozenset()
    """Links the graph draws where the model draws no flow in that direction, as ``(from, to)``:
    between a server and a model it ``serves`` (``served_pairs``) and between an agent and a tool
    or agent it names in ``tools`` or ``delegates_to`` (``call_pairs``)."""
    # -- issue 9, settled by stated trust (decision 1720)
    settled: Mapping[tuple[str, str], Settlement] = field(default_factory=dict)
    """Unstated facts that stated facts already answer, keyed by ``(element, attribute)``: the
    rules read the settled value (``components`` carries it) and nobody asks the question."""
    _cache: dict[object, object] = field(default_factory=dict)
    _kinds: dict[str, str] = field(default_factory=dict)
    _runtime_data: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _names: dict[str, str] | None = None
    _inner: dict[str, str | None] | None = None
    """Each component's innermost existing boundary (``boundary_of``), built on first use: the
    rules ask it of both ends of every flow and of every element whose trust they read."""
    _links: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """``linked`` by relation, then by component (asked per element by the rules: one table each)."""

    def __post_init__(self) -> None:
        self._kinds = {cid: c.kind for cid, c in self.components.items()}

    # -- structure --------------------------------------------------------
    def kind(self, node: str) -> str:
        return self._kinds[node]

    def name(self, element: str) -> str:
        """How an element is shown: a component's, boundary's or data asset's label (in that order
        when ids coincide), else the id itself. Read from one table built on first use."""
        names = self._names
        if names is None:
            names = {d: a.label for d, a in self.data.items()}
            names.update((b, boundary.label) for b, boundary in self.boundaries.items())
            names.update((c, component.label) for c, component in self.components.items())
            self._names = names
        return names.get(element, element)

    def successors(self, node: str) -> tuple[str, ...]:
        """Targets of the node's outgoing flows, sorted."""
        return self.succ.get(node, ())

    def content_successors(self, node: str) -> tuple[str, ...]:
        """Targets of the node's links that carry content, sorted: every flow target except those
        its flows only hand model weights, adapters, ML libraries or container images (artefacts
        the target loads, not content it reads), plus the models a server hosts (``served_pairs``).
        The step of ``tainted`` with ``content_only``."""
        return self.content_succ.get(node, ())

    def implied_steps(self, path: Sequence[str]) -> list[str]:
        """One sentence for each step of ``path`` that follows an implied link (``serves``, ``tools``,
        ``delegates_to``) rather than a drawn flow, so an explanation says why the path goes that way."""
        out: list[str] = []
        for a, b in itertools.pairwise(path):
            if (a, b) not in self.implied:
                continue
            calls = self._call_links
            if (a, b) in calls or (b, a) in calls:
                # Read from the call link itself, not from kinds: an agent may name a model server
                # among its tools, and that step is a tool call, not a server hosting a model.
                caller, callee = (b, a) if (b, a) in calls else (a, b)
                agent = self.components[caller]
                if isinstance(agent, Agent) and callee in agent.tools:
                    out.append(
                        f"{self.name(caller)} names {self.name(callee)} among its tools: its calls reach "
                        "the tool, and what the tool returns reaches it"
                    )
                else:
                    out.append(
                        f"{self.name(caller)} delegates to {self.name(callee)}: its tasks reach that "
                        "agent, and what the agent returns reaches it"
                    )
            else:
                server, hosted = (a, b) if self.kind(a) == "model-serving" else (b, a)
                out.append(
                    f"{self.name(server)} serves {self.name(hosted)}: what reaches the server reaches "
                    "the model, and the model's output leaves through it"
                )
        return list(dict.fromkeys(out))

    @property
    def _call_links(self) -> frozenset[tuple[str, str]]:
        """``(agent, callee)`` for every tool or agent an agent names (``call_pairs``), read once."""
        return self.memo("call-links", lambda: frozenset(call_pairs(self.components)))

    def content_predecessors(self, node: str) -> tuple[str, ...]:
        """Sources of the node's links that carry content, sorted (the reverse of ``content_successors``)."""
        return self.content_pred.get(node, ())

    def data_handled(self, node: str, *, at_runtime: bool = False) -> tuple[str, ...]:
        """Data ids a component handles, sorted; ``at_runtime`` leaves out what a model was only trained on."""
        handled = self.handled_data.get(node, ())
        only = self.trained_only.get(node) if at_runtime else None
        if not only:
            return handled
        found = self._runtime_data.get(node)
        if found is None:
            found = self._runtime_data[node] = tuple(d for d in handled if d not in only)
        return found

    def data_kept(self, node: str) -> tuple[str, ...]:
        """Data ids the component keeps itself (its own ``data``, declared assets only), sorted."""
        component = self.components.get(node)
        if component is None:
            return ()
        return tuple(sorted(d for d in set(component.data) if d in self.data))

    def data_learnt(self, node: str) -> tuple[str, ...]:
        """Data ids a model was trained or fine-tuned on, sorted (declared assets only): its
        ``trained_on``, and what the training or fine-tuning jobs that produce it receive or keep,
        leaving out the artefacts they load rather than learn from (weights, adapters, libraries,
        images) and the credentials they sign in with. For such a job, what it learns from itself
        (:meth:`learns_from`), not the weights it writes (held-out 34). Empty for any other component."""
        component = self.components.get(node)
        if component is not None and component.kind in TRAINER_KINDS:
            return self.memo(("data-learnt", node), lambda: tuple(sorted(self.learns_from(node))))
        if component is None or component.kind not in MODEL_KINDS:
            return ()

        def build() -> tuple[str, ...]:
            learnt = {d for d in getattr(component, "trained_on", None) or () if d in self.data}
            fed = self._fed_to_jobs()
            for job in self._trainers().get(node, ()):
                learnt.update(fed.get(job, ()))
            return tuple(sorted(learnt))

        return self.memo(("data-learnt", node), build)

    def data_learnt_by_unknown_lineage(self, node: str) -> dict[str, tuple[str, str]]:
        """Assets a model may have learnt only through federated updates whose lineage is unstated
        (not in :meth:`data_learnt`): asset -> (the update, the participant's job that sends it and
        learns from the asset). An update a participant's training job sends the aggregator is read
        as made from what that job learns from until its ``derived_from`` says otherwise, and the
        finding resting on it asks (decision 1934). For a training or fine-tuning job, what it may
        learn that way itself (:meth:`learns_by_unknown_lineage`). Empty for any other component."""
        component = self.components.get(node)
        if component is not None and component.kind in TRAINER_KINDS:
            return self.learns_by_unknown_lineage(node)
        if component is None or component.kind not in MODEL_KINDS:
            return {}

        def build() -> dict[str, tuple[str, str]]:
            known = set(self.data_learnt(node))
            found: dict[str, tuple[str, str]] = {}
            for job in self._trainers().get(node, ()):
                for d, why in self.learns_by_unknown_lineage(job).items():
                    if d not in known:
                        found.setdefault(d, why)
            return dict(sorted(found.items()))

        return self.memo(("data-learnt-doubted", node), build)

    def learns_by_unknown_lineage(self, job: str) -> dict[str, tuple[str, str]]:
        """What a federated job may learn only through updates of unstated lineage: asset ->
        (the update, the participant's job that sends it); empty for any other component."""
        return self._fed_tables()[1].get(job, {})

    def learns_from(self, job: str) -> frozenset[str]:
        """The declared assets a training or fine-tuning job receives or keeps and learns from
        (not what it loads or signs in with); empty for any other component."""
        return self._fed_to_jobs().get(job, frozenset())

    def _fed_to_jobs(self) -> dict[str, frozenset[str]]:
        """Per training or fine-tuning job: the declared assets it receives on its flows or keeps
        itself that it learns from (see :meth:`_fed_tables`)."""
        return self._fed_tables()[0]

    def _fed_tables(self) -> tuple[dict[str, frozenset[str]], dict[str, dict[str, tuple[str, str]]]]:
        """Per training or fine-tuning job: the declared assets it receives on its flows or keeps
        itself that it learns from: not weights, adapters, libraries or images it only loads, nor
        the credentials and secrets it signs in with (review 14). Then, per federated job, what it
        may learn through updates of unstated lineage (:meth:`data_learnt_by_unknown_lineage`)."""

        def build() -> tuple[dict[str, frozenset[str]], dict[str, dict[str, tuple[str, str]]]]:
            jobs = {job for kind in TRAINER_KINDS for job in self.by_kind.get(kind, ())}
            fed: dict[str, set[str]] = {job: set(self.components[job].data) for job in jobs}
            for flow in self.flows.values():
                if flow.target in jobs:
                    fed[flow.target].update(flow.data)
            signs_in = frozenset(("credentials", "secrets"))

            def learnable(d: str) -> bool:
                return (
                    d in self.data
                    and self.artifact_kind(d) not in LOADED_ONLY
                    and signs_in.isdisjoint(self.data[d].tags)
                )

            learnt = {job: {d for d in assets if learnable(d)} for job, assets in fed.items()}
            # A federated job learns from the sites' records through the updates they send it:
            # weights or adapters it receives whose stated lineage names records bring those
            # records into what it learnt (decision 1933: Flower's aggregator), through any
            # number of weights stated made from others (review 27: an update made from the
            # site's local weights, made from its records). Only updates: weights a participant's
            # own training job sends out, directly or through a relay that participants' jobs
            # send weights to (a secure-aggregation service), not a base checkpoint from a hub, a
            # vendor or a registry, which is loaded as by any job; and not stated to be a
            # vendor's, a hub's or a community's (review 26).
            weights = WEIGHT_ARTIFACTS
            made_by: dict[str, set[str]] = {}
            into_relays: dict[str, set[str]] = {}
            for flow in self.flows.values():
                if flow.source in jobs:
                    for d in flow.data:
                        made_by.setdefault(d, set()).add(flow.source)
                    if self.kind(flow.target) in RELAY_KINDS and any(
                        self.artifact_kind(d) in weights for d in flow.data
                    ):
                        into_relays.setdefault(flow.target, set()).add(flow.source)
            records: dict[str, frozenset[str]] = {}

            def records_of(d: str) -> frozenset[str]:
                """The records ``d``'s stated lineage reaches, through weights and adapters that
                are no other party's (each asset walked once per graph). Iterative: a closure that
                calls itself is a reference cycle, which only the collector frees."""
                # (asset, the weights its lineage passes through once walked, else None)
                stack: list[tuple[str, list[str] | None]] = [(d, None)]
                while stack:
                    at, through = stack.pop()
                    asset = self.data.get(at)
                    lineage = (asset.derived_from or ()) if asset is not None else ()
                    if through is None:
                        if at in records:
                            continue
                        records[at] = frozenset()  # a cycle (a load error) ends here
                        through = [
                            src
                            for src in lineage
                            if not learnable(src)
                            and self.artifact_kind(src) in weights
                            and self.data[src].provenance not in OUTSIDE_PROVENANCE
                        ]
                        stack.append((at, through))
                        stack.extend((src, None) for src in through if src not in records)
                        continue
                    found = {src for src in lineage if learnable(src)}
                    for src in through:
                        found |= records.get(src, frozenset())
                    records[at] = frozenset(found)
                return records[d]

            def participants(d: str, job: str) -> set[str]:
                """The jobs that send update ``d`` out: its own senders, or the jobs sending weights
                to the relay that hands it to ``job``."""
                senders = set(made_by.get(d, ()))
                if not senders:
                    for relay in self.predecessors(job):
                        if self.kind(relay) in RELAY_KINDS and any(
                            d in self.flows[f].data for f in self.flows_between(relay, job)
                        ):
                            senders |= into_relays.get(relay, set())
                return senders - {job}

            # Models a job produces that state what they were trained on: the job learns that too.
            for job in jobs:
                for produced in self.linked(job, "produces"):
                    learnt[job].update(
                        d for d in getattr(self.components[produced], "trained_on", None) or () if learnable(d)
                    )
            federated = sorted(j for j in jobs if getattr(self.components[j], "federated", None) is True)
            updates = {
                job: [
                    (d, sorted(found))
                    for d in sorted(fed[job])
                    if (asset := self.data.get(d)) is not None
                    and self.artifact_kind(d) in weights
                    and asset.provenance not in OUTSIDE_PROVENANCE
                    and (found := participants(d, job))
                ]
                for job in federated
            }
            for job in federated:
                for d, _ in updates[job]:
                    if self.data[d].derived_from is not None:
                        learnt[job] |= records_of(d)
            # An update whose lineage is unstated is read as made from what the participant's job
            # that sends it learns, surely or possibly, up a hierarchy of aggregators (a regional
            # one's aggregate sent on to a global one): a guess the finding states and asks about
            # (decision 1934). Repeated until nothing changes, at most once per federated job.
            doubted: dict[str, dict[str, tuple[str, str]]] = {}
            for _ in range(len(federated)):
                changed = False
                for job in federated:
                    for d, senders in updates[job]:
                        if self.data[d].derived_from is not None:
                            continue
                        for sender in senders:
                            for src in sorted(learnt[sender] | doubted.get(sender, {}).keys()):
                                if src not in learnt[job] and src not in doubted.get(job, {}):
                                    doubted.setdefault(job, {})[src] = (d, sender)
                                    changed = True
                if not changed:
                    break
            fed_learnt = {job: frozenset(assets) for job, assets in learnt.items()}
            return fed_learnt, {job: dict(sorted(found.items())) for job, found in doubted.items() if found}

        return self.memo("fed-tables", build)

    def predecessors(self, node: str) -> tuple[str, ...]:
        """Sources of the node's incoming flows, sorted."""
        return self.pred.get(node, ())

    def flows_between(self, source: str, target: str) -> tuple[str, ...]:
        """Ids of the flows from ``source`` to ``target``, sorted (drawn flows only, not implied links)."""

        def build() -> dict[tuple[str, str], tuple[str, ...]]:
            pairs: dict[tuple[str, str], list[str]] = {}
            for fid, flow in self.flows.items():
                pairs.setdefault((flow.source, flow.target), []).append(fid)
            return {pair: tuple(sorted(ids)) for pair, ids in pairs.items()}

        return self.memo("flows-between", build).get((source, target), ())

    def degree(self, node: str) -> int:
        """How many other components the node exchanges flows with (either direction)."""
        return len(set(self.successors(node)) | set(self.predecessors(node)))

    def boundary_chain(self, node: str) -> tuple[str, ...]:
        """The component's boundary and its ancestors, innermost first."""
        return self.enclosing(self.boundary_of(node))

    def enclosing(self, boundary: str | None) -> tuple[str, ...]:
        """``boundary`` and the boundaries it is nested in, innermost first (cycle-safe)."""
        chain: list[str] = []
        cursor = boundary
        while cursor is not None and cursor in self.boundaries and cursor not in chain:
            chain.append(cursor)
            cursor = self.boundaries[cursor].parent
        return tuple(chain)

    def boundary_of(self, node: str) -> str | None:
        """The component's innermost boundary, when it names one that exists."""
        inner = self._inner
        if inner is None:
            boundaries = self.boundaries
            inner = self._inner = {
                cid: (c.boundary if c.boundary in boundaries else None) for cid, c in self.components.items()
            }
        return inner[node]

    def trust(self, node: str) -> TrustLevel | None:
        """Trust level of the component's innermost boundary; ``None`` (unknown) when it names none.

        An unstated boundary is not read as internal: each use decides what unknown means for it
        (``boundary_trust`` reads it conservatively, docs/rules.md)."""
        boundary = self.boundary_of(node)
        return None if boundary is None else self.boundaries[boundary].trust

    def trust_table(self) -> Mapping[str, TrustLevel | None]:
        """:meth:`trust` of every component, as one table (the set-wise ``boundary_trust`` rule
        reads it per element)."""
        return self.memo(("trust-table",), lambda: {cid: self.trust(cid) for cid in self.components})

    def crosses(self, flow: Flow) -> bool:
        """True when the flow's ends sit in different innermost boundaries: the one definition
        of "crosses a trust boundary" (rules, diagrams and reports all ask here)."""
        return self.boundary_of(flow.source) != self.boundary_of(flow.target)

    def controls_for(self, element: str) -> tuple[ImplementedControl, ...]:
        """Declared controls that cover ``element``: scoped to it, to one of its boundaries, or system-wide.

        The one definition of control scope, used by scoring, policy and the reports.
        """

        def build() -> tuple[ImplementedControl, ...]:
            scopes = {element}
            if element in self.components:
                scopes.update(self.boundary_chain(element))
            by_scope, everywhere = self._control_index()
            hits = {i for scope in scopes for i in by_scope.get(scope, ())} | set(everywhere)
            controls = self.model.controls
            return tuple(controls[i] for i in sorted(hits))  # declaration order

        return self.memo(("controls-for", element), build)

    def _control_index(self) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
        """Declared controls by the element or boundary they scope (positions in the model), and the system-wide ones."""

        def build() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
            by_scope: dict[str, list[int]] = {}
            everywhere: list[int] = []
            for i, control in enumerate(self.model.controls):
                if not control.scope:
                    everywhere.append(i)
                for scope in control.scope:
                    by_scope.setdefault(scope, []).append(i)
            return {k: tuple(v) for k, v in by_scope.items()}, tuple(everywhere)

        return self.memo("control-index", build)

    # -- data ------------------------------------------------------------
    # -- artefacts (issue 9, gap 3) -------------------------------------------
    def artifact_kind(self, data_id: str) -> Artifact | None:
        """What the data asset is as an artefact: its ``artifact``, else what its tags say
        (``model-weights`` → model weights, ``training-data`` → dataset), else ``None``."""
        return _artifact_of(self.data.get(data_id))

    def artifacts(self, node: str, direction: Literal["in", "out"]) -> tuple[tuple[str, str | None, str], ...]:
        """The artefacts ``node`` loads (``in``) or ships (``out``), as ``(data, peer, holder)``, sorted.

        This is the one place where artefacts propagate. An artefact listed on a flow is loaded by
        the flow's target and shipped by its source (``peer`` is the other end, ``holder`` the
        component itself). An artefact a component holds in its own ``data`` is loaded from an
        origin the model does not show (``peer`` is ``None``). A model's weights leave with the
        jobs that produce it: the weights and adapters those jobs ship count as shipped by the
        model, with the job as ``holder``, and so does every onward hop of the same asset through
        the stores and pipelines that hand it on (``RELAY_KINDS``), with that relay as ``holder``.
        """
        own = self._artifact_index(direction).get(node, ())
        if direction == "in" or self.kind(node) not in MODEL_KINDS:
            return own

        def build() -> tuple[_Shipped, ...]:
            weights = WEIGHT_ARTIFACTS
            shipped = self._artifact_index("out")
            inherited = [
                item
                for job in self.linked(node, "trained_on_by")
                for item in shipped.get(job, ())
                if self.artifact_kind(item[0]) in weights
            ]
            relayed = self._relayed([(item[1], item[0]) for item in inherited if item[1] is not None], shipped)
            return tuple(sorted({*own, *inherited, *relayed}, key=_artifact_order))

        return self.memo(("model-artifacts", node), build)

    def _relayed(self, starts: list[tuple[str, str]], shipped: dict[str, tuple[_Shipped, ...]]) -> list[_Shipped]:
        """Where stores and pipelines hand each ``(first, data_id)`` of ``starts`` on, all in one walk
        (each relay and asset visited once, however many the jobs shipped): a registry
        or a bucket that publishes the weights a job wrote ships them as surely as the job does
        (decision 1892). Followed through relay kinds only, each once: the same asset, or an artefact
        of the same kind that the relay ships, that no flow brings it and whose lineage is unknown
        or names the one handed on (made from it: a checkpoint store publishing ``model-weights``
        after a job wrote ``checkpoints``, decision 1928; an adapter is not made from full weights)."""
        onward: list[_Shipped] = []
        seen: set[tuple[str, str]] = set()
        made_seen: set[tuple[str, Artifact | None]] = set()
        frontier = list(starts)
        while frontier:
            relay, carried = frontier.pop()
            if (relay, carried) in seen or self.kind(relay) not in RELAY_KINDS:
                continue
            seen.add((relay, carried))
            same, made = self._relay_table(relay, shipped)
            kind = self.artifact_kind(carried)
            hits = [*same.get(carried, ()), *made.get((kind, carried), ())]
            if (relay, kind) not in made_seen:  # of unknown lineage: the same whatever was handed on
                made_seen.add((relay, kind))
                hits += made.get((kind, None), ())
            for item in hits:
                onward.append(item)
                if item[1] is not None:
                    frontier.append((item[1], item[0]))
        return onward

    def _relay_table(self, relay: str, shipped: dict[str, tuple[tuple[str, str | None, str], ...]]) -> _RelayTable:
        """What ``relay`` ships, looked up for :meth:`_relayed` in one step instead of a scan per
        asset handed on (a hostile model hands thousands on): by asset id, and the artefacts no flow
        brings it by (their kind, an asset their stated lineage names, or ``None`` when unknown)."""

        def build() -> _RelayTable:
            same: dict[str, list[_Shipped]] = {}
            made: dict[tuple[Artifact | None, str | None], list[_Shipped]] = {}
            brought = self._brought(relay)
            for item in shipped.get(relay, ()):
                same.setdefault(item[0], []).append(item)
                # stated someone else's (a vendor's base, a hub's checkpoint): not made from any
                # model of the system, whatever its lineage (review 27)
                if item[0] in brought or self.data[item[0]].provenance in OUTSIDE_PROVENANCE:
                    continue
                kind = self.artifact_kind(item[0])
                derived = self.data[item[0]].derived_from
                for source in (None,) if derived is None else derived:
                    made.setdefault((kind, source), []).append(item)
            return same, made

        return self.memo(("relay-table", relay), build)

    def relayed_by_unknown_lineage(self, data_id: str, holder: str) -> bool:
        """Whether ``holder``, a relay, counts as shipping ``data_id`` as a model's weights only
        because no flow brings it there and its lineage is unstated (:meth:`_relayed`): an
        assumption the explanation states and ``questions`` asks (decision 1928, review 23)."""
        if holder not in self.components or self.kind(holder) not in RELAY_KINDS:
            return False
        return self.data[data_id].derived_from is None and data_id not in self._brought(holder)

    def _brought(self, node: str) -> frozenset[str]:
        """The artefacts flows bring to ``node`` (not those it holds from an unshown origin), kept
        per node: :meth:`relayed_by_unknown_lineage` asks it for every relayed shipment of every
        model (:meth:`_weight_loaders`) and of every explained finding."""
        return self.memo(
            ("brought", node),
            lambda: frozenset(d for d, peer, _ in self._artifact_index("in").get(node, ()) if peer is not None),
        )

    def _artifact_index(self, direction: Literal["in", "out"]) -> dict[str, tuple[tuple[str, str | None, str], ...]]:
        def build() -> dict[str, tuple[tuple[str, str | None, str], ...]]:
            found: dict[str, set[tuple[str, str | None, str]]] = {}
            for flow in self.flows.values():
                if flow.source not in self.components or flow.target not in self.components:
                    continue
                here, peer = (flow.target, flow.source) if direction == "in" else (flow.source, flow.target)
                for d in flow.data:
                    if self.artifact_kind(d) is not None:
                        found.setdefault(here, set()).add((d, peer, here))
            if direction == "in":
                for cid, component in self.components.items():
                    for d in component.data:
                        if self.artifact_kind(d) is not None:
                            found.setdefault(cid, set()).add((d, None, cid))
            return {k: tuple(sorted(v, key=_artifact_order)) for k, v in found.items()}

        return self.memo(("artifact-index", direction), build)

    # -- relations ----------------------------------------------------------
    def linked(self, node: str, via: str) -> tuple[str, ...]:
        """Components related to ``node`` through a declared attribute (or an equivalent flow)."""
        table = self._links.get(via)
        if table is None:
            table = self._links[via] = {}
        found = table.get(node)
        if found is None:
            found = table[node] = self._linked(node, via)
        return found

    def _linked(self, node: str, via: str) -> tuple[str, ...]:
        component = self.components[node]
        out: set[str] = set()
        succ = set(self.successors(node))
        if via == "tools" and isinstance(component, Agent):
            out |= set(component.tools) | {n for n in succ if self.kind(n) in TOOL_KINDS}
        elif via == "delegates_to" and isinstance(component, Agent):
            out |= set(component.delegates_to) | {n for n in succ if self.kind(n) == "agent"}
        elif via == "memory" and isinstance(component, Agent):
            related = {n for n in succ | set(self.predecessors(node)) if self.kind(n) == "agent-memory"}
            out |= related | ({component.memory} if component.memory else set())
        elif via == "model" and isinstance(component, Agent):
            related = {n for n in succ | set(self.predecessors(node)) if self.kind(n) == "llm"}
            out |= related | ({component.model} if component.model else set())
        elif via == "base_model" and isinstance(component, Model) and component.base_model:
            out.add(component.base_model)
        elif via == "serves" and isinstance(component, Serving):
            out |= set(component.serves) | {n for n in succ if self.kind(n) in MODEL_KINDS}
        elif via == "produces" and isinstance(component, Training):
            out |= {n for n in succ if self.kind(n) in MODEL_KINDS}
            if component.produces:
                out.add(component.produces)
        elif via == "trained_on_by" and component.kind in MODEL_KINDS:
            out |= set(self._trainers().get(node, ()))
        elif via == "used_by" and component.kind in TOOL_KINDS:
            out |= set(self._reverse("tools").get(node, ()))
        elif via == "served_by" and component.kind in MODEL_KINDS:
            out |= set(self._reverse("serves").get(node, ()))
        elif via == "loads_weights_of":
            out |= set(self._weight_loaders().get(node, ()))
        elif via == "beside":
            # the components stated in the same innermost boundary: a model beside the customers
            # who use it runs on hardware they hold (decision 1902); no boundary, no neighbours
            inner = self.boundary_of(node)
            if inner is not None:
                out |= set(self._members().get(inner, ())) - {node}
        return tuple(sorted(n for n in out if n in self.components))

    def _trainers(self) -> dict[str, tuple[str, ...]]:
        def build() -> dict[str, tuple[str, ...]]:
            trainers: dict[str, set[str]] = {}
            for cid in (job for kind in TRAINER_KINDS for job in self.by_kind.get(kind, ())):
                for produced in self.linked(cid, "produces"):
                    trainers.setdefault(produced, set()).add(cid)
            return {k: tuple(sorted(v)) for k, v in trainers.items()}

        return self.memo("trainers", build)

    def _weight_loaders(self) -> dict[str, tuple[str, ...]]:
        """Per component: the models whose weights or adapters it is known to load (see
        :meth:`_weight_tables`)."""
        return self._weight_tables()[0]

    def weights_by_unknown_lineage(self, node: str) -> dict[str, tuple[str, str]]:
        """The models whose weights ``node`` may load only through a file of unstated lineage that
        a relay hands on (not known to load otherwise): model -> (that file, the relay), the
        assumption a ``loads_weights_of`` link resting on it states and asks about (decision 1934)."""
        return self._weight_tables()[1].get(node, {})

    def _weight_tables(self) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, tuple[str, str]]]]:
        """Per component: the models whose weights or adapters it loads, as :meth:`artifacts`
        follows them out of each model (its own flows, the jobs that produce it, and the relays that
        hand the same file on, ``RELAY_KINDS``): an evaluation reading a checkpoint from the registry
        its training job wrote it to loads that model (decision 1933). Known links are those of
        files known to be the model's: the same asset, or one stated made from it. A relay's own
        file of unstated lineage, which :meth:`artifacts` reads as possibly the model's, and the
        same file wherever it goes next, make a second table: the link may hold, and the rule
        reading it says so and asks the file's ``derived_from`` (review 25: a registry's approved
        base weights may not be the tuned model written beside them; decision 1934: nor may they
        be read as surely not). Built once per graph."""

        def build() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, tuple[str, str]]]]:
            weights = WEIGHT_ARTIFACTS
            loaders: dict[str, set[str]] = {}
            doubted_links: dict[str, dict[str, tuple[str, str]]] = {}
            for kind in sorted(MODEL_KINDS):
                for model in self.by_kind.get(kind, ()):
                    shipped = self.artifacts(model, "out")
                    makers = {model, *self.linked(model, "trained_on_by")}
                    # an asset a relay passes as the model's only because its lineage is unstated is
                    # not known to be the model's there, nor wherever the same asset goes next: per
                    # such asset, the first relay that hands it on unexplained
                    doubted: dict[str, str] = {}
                    for d, _, holder in shipped:
                        if d not in doubted and self.relayed_by_unknown_lineage(d, holder):
                            doubted[d] = holder
                    for d, _, holder in shipped:
                        if holder in makers:
                            doubted.pop(d, None)
                    for data_id, peer, _ in shipped:
                        if peer is None or peer == model or self.artifact_kind(data_id) not in weights:
                            continue
                        relay = doubted.get(data_id)
                        if relay is None:
                            loaders.setdefault(peer, set()).add(model)
                        else:
                            doubted_links.setdefault(peer, {}).setdefault(model, (data_id, relay))
            known = {k: tuple(sorted(v)) for k, v in loaders.items()}
            maybe = {
                peer: {m: found for m, found in sorted(models.items()) if m not in loaders.get(peer, ())}
                for peer, models in doubted_links.items()
            }
            return known, {peer: models for peer, models in maybe.items() if models}

        return self.memo("weight-tables", build)

    def _members(self) -> dict[str, tuple[str, ...]]:
        """The components of each boundary, by innermost boundary (built once per graph)."""

        def build() -> dict[str, tuple[str, ...]]:
            members: dict[str, list[str]] = {}
            for cid in self.components:
                inner = self.boundary_of(cid)
                if inner is not None:
                    members.setdefault(inner, []).append(cid)
            return {b: tuple(sorted(ids)) for b, ids in members.items()}

        return self.memo("members", build)

    def _reverse(self, via: str) -> dict[str, tuple[str, ...]]:
        """For ``tools`` (from agents) or ``serves`` (from model servers): who links to each component."""

        def build() -> dict[str, tuple[str, ...]]:
            kind = "agent" if via == "tools" else "model-serving"
            back: dict[str, set[str]] = {}
            for cid in self.by_kind.get(kind, ()):
                for linked in self.linked(cid, via):
                    back.setdefault(linked, set()).add(cid)
            return {k: tuple(sorted(v)) for k, v in back.items()}

        return self.memo(("reverse", via), build)

    def forget_tables(self) -> None:
        """Drop every table :meth:`memo` keeps; a later question builds again what it needs.

        For a command that evaluates once and then only writes (``analyze``, ``report``): the
        tables matching built (paths, per-condition answers, attribute indexes) are 46 MB at
        10,000 components and about 230 MB at 50,000, and the writers ask for a few of them at
        most. The TUI keeps them: a re-evaluation reads them warm."""
        self._cache.clear()

    def memo(self, key: object, build: Callable[[], T]) -> T:
        """Cache a derived value for the lifetime of this graph. A key names one derivation, so
        the value stored under it is always of the type ``build`` returns."""
        cache = self._cache
        found = cache.get(key, _UNBUILT)
        if found is _UNBUILT:
            found = cache[key] = build()
        return found  # type: ignore[return-value]  # the value ``build`` made for this key


@dataclass(frozen=True, slots=True)
class OtherReach:
    """Nodes that reach a seed *other than themselves*, with the path to the nearest such seed."""

    hops: Mapping[str, int]
    origin: Mapping[str, str]
    first: Mapping[str, tuple[str, str | None]]
    """node -> (first origin, previous node on its path)"""
    second: Mapping[str, tuple[str, str | None]]
    """node -> (second origin, previous node on its path)"""

    def path(self, node: str) -> tuple[str, ...]:
        """From ``node`` to the seed it reaches (node first)."""
        seed = self.origin[node]
        out = [node]
        cursor: str | None = node
        while cursor is not None and cursor != seed and len(out) <= len(self.first) + 1:
            label = self.first.get(cursor)
            if label is None or label[0] != seed:
                label = self.second.get(cursor)
            cursor = label[1] if label is not None and label[0] == seed else None
            if cursor is not None:
                out.append(cursor)
        return tuple(out)


def search_others(seeds: Iterable[str], step: Callable[[str], Iterable[str]], max_hops: int) -> OtherReach:
    """Like :func:`search` from every seed at once, but a node only counts when it is reached
    from a seed that is not itself: a component on a request/response cycle does not "reach"
    itself. Each node keeps at most two origins (one of which is then foreign), so the search
    stays linear in the size of the graph.
    """
    first: dict[str, tuple[str, str | None]] = {}
    second: dict[str, tuple[str, str | None]] = {}
    hops1: dict[str, int] = {}
    hops2: dict[str, int] = {}
    # a level at a time: the queue of a breadth-first search holds one level after another, in
    # the order they were found, so the levels are that queue cut at each depth
    level: list[tuple[str, str]] = []
    for seed in sorted(set(seeds)):
        first[seed] = (seed, None)
        hops1[seed] = 0
        level.append((seed, seed))
    get = first.get
    for depth in range(1, max_hops + 1):
        if not level:
            break
        found: list[tuple[str, str]] = []
        for node, origin in level:
            for nxt in step(node):
                known = get(nxt)
                if known is None:
                    first[nxt] = (origin, node)
                    hops1[nxt] = depth
                elif known[0] != origin and nxt not in second:
                    second[nxt] = (origin, node)
                    hops2[nxt] = depth
                else:
                    continue
                found.append((nxt, origin))
        level = found
    hops: dict[str, int] = {}
    origin_of: dict[str, str] = {}
    for node, (origin, _) in first.items():
        if origin != node:
            origin_of[node], hops[node] = origin, hops1[node]
        elif node in second:
            origin_of[node], hops[node] = second[node][0], hops2[node]
    return OtherReach(hops, origin_of, first, second)


OUTSIDE_PROVENANCE = frozenset(
    (Provenance.VENDOR, Provenance.OPEN_WEIGHTS, Provenance.COMMUNITY, Provenance.THIRD_PARTY_API)
)
"""Provenance stating an artefact is another party's: a vendor's, a hub's, a community's or a
provider's, never made from a model of the system."""


def _artifact_order(item: tuple[str, str | None, str]) -> tuple[str, str, str]:
    data, peer, holder = item
    return data, peer or "", holder


def merge_reach(primary: Reach, secondary: Reach) -> Reach:
    """Both searches' nodes; where both reached a node, the primary search's path wins."""
    hops = {**secondary.hops, **primary.hops}
    toward = {**secondary.toward_seed, **primary.toward_seed}
    return Reach(hops, toward, primary.seeds | secondary.seeds)


def _untrusted_reason(component: ComponentBase, boundaries: Mapping[str, Boundary]) -> tuple[str, bool] | None:
    """Why the component is a source of untrusted content, and whether it is untrusted in itself."""
    label = component.label
    if component.untrusted_content:
        return f"{label} carries content outsiders can write", True
    boundary = boundaries.get(component.boundary) if component.boundary is not None else None
    if boundary is not None and boundary.trust is TrustLevel.UNTRUSTED:
        return f"{label} sits in the untrusted boundary '{boundary.label}'", True
    if isinstance(component, HumanUser) and component.population in UNTRUSTED_POPULATIONS:
        return f"{label} stands for {component.population.value} users, who are untrusted", True
    if isinstance(component, HumanUser) and component.population is None:
        return f"who {label} stands for is unknown: read as outside users, who are untrusted", True
    if component.exposure is Exposure.INTERNET and not isinstance(component, HumanUser):
        return f"{label} is reachable from the internet", False
    if component.exposure is None and not isinstance(component, HumanUser):
        return f"who can reach {label} is unknown: read as reachable from the internet", False
    return None


def _assumed_source(component: ComponentBase, reason: str) -> str | None:
    """The unknown attribute that alone makes ``component`` an untrusted source (see ``_untrusted_reason``)."""
    if isinstance(component, HumanUser) and component.population is None and reason.startswith("who "):
        return "population"
    if component.exposure is None and reason.startswith("who can reach"):
        return "exposure"
    return None


_STOPS_LINEAGE = frozenset({Minimisation.ANONYMISED, Minimisation.AGGREGATED})


def with_lineage(assets: Iterable[DataAsset]) -> dict[str, DataAsset]:
    """Each asset as the rules see it (:func:`lineage_of`, without the open classifications)."""
    return lineage_of(assets)[0]


@dataclass(frozen=True, slots=True)
class OpenClassification:
    """Why an asset's classification is unknown to the rules (decision 1630): its own, or one it
    inherits through ``derived_from``, is unstated."""

    floor: Classification | None
    """The highest level the stated classifications along its lineage guarantee (``None``: none stated)."""
    unstated: tuple[str, ...]
    """The assets along its lineage (itself included) whose classification is unstated, sorted
    (the first :data:`_UNSTATED_NAMED` of them: a long chain of unclassified data is bounded work)."""


_UNSTATED_NAMED = 8
"""How many unclassified assets along a lineage are named (and asked about) per asset."""


def _carries_words(asset: DataAsset, source_level: Classification | None) -> bool:
    """Whether ``asset`` carries the words of a source holding what people wrote (``user-content``,
    decision 1902): not weights or another artefact made from them (what a model learnt is the
    memorisation threats' question), and not an asset its author classified below its source (a
    label, a score or a count of the text, said to be less sensitive than the text itself)."""
    if asset.artifact is not None:
        return False
    own = asset.classification
    return own is None or source_level is None or own >= source_level


def lineage_of(assets: Iterable[DataAsset]) -> tuple[dict[str, DataAsset], dict[str, OpenClassification]]:
    """:func:`lineage_with_bases` without the assets it finds impersonal by derivation."""
    out, open_, _ = lineage_with_bases(assets)
    return out, open_


def lineage_with_bases(
    assets: Iterable[DataAsset],
) -> tuple[dict[str, DataAsset], dict[str, OpenClassification], frozenset[str]]:
    """Each asset as the rules see it: with the classification and personal-data tags of the
    assets it is derived from (``derived_from``, followed transitively), unless it is anonymised
    or aggregated; a redacted asset inherits the personal-data tags but keeps its own
    classification. Unknown ids and cycles (rejected by the reference checks) are ignored.

    An unstated classification, the asset's own or an inherited one, leaves the asset's
    classification unknown (``None``) unless a stated one along the lineage is already
    ``restricted`` (nothing is higher); the second mapping says, for each asset left unknown,
    the level its stated lineage guarantees and which assets leave it open.

    The third value names the assets that state no lawful basis but are made only from assets
    stated ``not-personal`` and inherit no personal-data tag: a stated fact answers their basis
    (settled by :func:`build_graph`, decision 1902, review 15), the assets themselves unchanged.

    Iterative post-order search: linear in assets and links, whatever the length of a chain.
    """
    raw = {a.id: a for a in assets}
    top: dict[str, Classification | None] = {}
    unstated: dict[str, frozenset[str]] = {}
    tags: dict[str, frozenset[str]] = {}
    impersonal: dict[str, bool] = {}

    def parents_of(node: str) -> tuple[str, ...]:
        asset = raw[node]
        if asset.minimisation in _STOPS_LINEAGE:
            return ()
        return tuple(p for p in asset.derived_from or () if p in raw)

    def higher(a: Classification | None, b: Classification | None) -> Classification | None:
        return b if a is None else a if b is None else max(a, b)

    started: set[str] = set()
    for start in raw:
        if start in started:
            continue
        started.add(start)
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, i = stack[-1]
            parents = parents_of(node)
            if i < len(parents):
                stack[-1] = (node, i + 1)
                if parents[i] not in started:  # in progress (a cycle) or done: nothing to do
                    started.add(parents[i])
                    stack.append((parents[i], 0))
                continue
            stack.pop()
            asset = raw[node]
            level = asset.classification
            blind = {node} if level is None else set()
            inherited = set(asset.tags) & INHERITED_TAGS
            for parent in parents:
                if parent in top:
                    if asset.minimisation is not Minimisation.REDACTED:  # redaction removed the sensitive fields
                        level = higher(level, top[parent])
                        blind |= unstated[parent]
                    inherited |= tags[parent] & PERSONAL_TAGS
                    if _carries_words(asset, top[parent]):
                        inherited |= tags[parent] & INHERITED_TAGS
            top[node] = level
            unstated[node] = frozenset(sorted(blind)[:_UNSTATED_NAMED])
            tags[node] = frozenset(inherited)
            # made only from assets stated to hold no personal data, and tagged as none: it holds
            # none either (review 15: a summary of comments stated not personal)
            basis = asset.lawful_basis
            impersonal[node] = basis is LawfulBasis.NOT_PERSONAL or (
                basis is None
                and bool(parents)
                and not inherited & PERSONAL_TAGS
                and all(impersonal.get(p, False) for p in parents)
            )
    out: dict[str, DataAsset] = {}
    open_: dict[str, OpenClassification] = {}
    for did, asset in raw.items():
        extra = tuple(sorted(tags[did] - set(asset.tags)))
        floor = top[did]
        level = floor if floor is Classification.RESTRICTED or not unstated[did] else None
        if level is None:
            open_[did] = OpenClassification(floor, tuple(sorted(unstated[did])))
        if level is asset.classification and not extra:
            out[did] = asset
        else:
            out[did] = asset.model_copy(update={"classification": level, "tags": (*asset.tags, *extra)})
    derived = frozenset(did for did, asset in raw.items() if asset.lawful_basis is None and impersonal[did])
    return out, open_, derived


def _settle_bases(data: dict[str, DataAsset], impersonal: frozenset[str]) -> dict[tuple[str, str], Settlement]:
    """Read the assets made only from ``not-personal`` ones as ``not-personal`` (replacing them in
    ``data``), each settled with the stated facts that answer it."""
    settled: dict[tuple[str, str], Settlement] = {}
    for did in sorted(impersonal):
        asset = data[did]
        sources = ", ".join(data[p].label for p in asset.derived_from or () if p in data)
        because = f"{asset.label} is made only from {sources}, stated to hold no personal data"
        data[did] = asset.model_copy(update={"lawful_basis": LawfulBasis.NOT_PERSONAL})
        settled[(did, "lawful_basis")] = Settlement(did, "lawful_basis", LawfulBasis.NOT_PERSONAL.value, because)
    return settled


def _tag_instructions(data: dict[str, DataAsset], components: Iterable[ComponentBase]) -> None:
    """Tag ``system-prompt`` on every asset a model or agent names as its ``system_prompt``: being
    an instruction set is what the model says of the asset, whether or not its tags repeat it
    (decision 1894). Replaces those assets in ``data``."""
    named = {c.system_prompt for c in components if isinstance(c, (Model, Agent)) and c.system_prompt}
    for did in sorted(named):
        asset = data.get(did)
        if asset is not None and "system-prompt" not in asset.tags:
            data[did] = asset.model_copy(update={"tags": (*asset.tags, "system-prompt")})


def _artifact_of(asset: DataAsset | None) -> Artifact | None:
    """What an asset is as an artefact (``ModelGraph.artifact_kind`` for an asset not yet in a graph)."""
    if asset is None:
        return None
    if asset.artifact is not None:
        return asset.artifact
    if "model-weights" in asset.tags:
        return Artifact.MODEL_WEIGHTS
    if "training-data" in asset.tags:
        return Artifact.DATASET
    return None


def _reverse_links(links: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
    back: dict[str, set[str]] = {}
    for source, targets in links.items():
        for target in targets:
            back.setdefault(target, set()).add(source)
    return {k: tuple(sorted(v)) for k, v in back.items()}


def served_pairs(components: Mapping[str, ComponentBase]) -> tuple[tuple[str, str], ...]:
    """``(server, model)`` for every model a ``model-serving`` component declares it ``serves``
    (ids that name a model component of the system), sorted.

    The graph joins each pair in both directions as if flows linked them, whether or not the model
    draws those flows: a request that reaches the server reaches the model it hosts, and the
    model's answers leave through the server. Rules therefore follow ``serves`` in one place (taint,
    ``reaches``, ``reached_from``, ``neighbour``), and paths and ``--why-not`` name the server as a
    step. No data asset moves on these links: what the model handles is still what its own flows,
    ``data`` and ``trained_on`` say.
    """
    pairs: set[tuple[str, str]] = set()
    for cid, component in components.items():
        if isinstance(component, Serving):
            for served in component.serves:
                target = components.get(served)
                if target is not None and served != cid and target.kind in MODEL_KINDS:
                    pairs.add((cid, served))
    return tuple(sorted(pairs))


def call_pairs(components: Mapping[str, ComponentBase]) -> tuple[tuple[str, str], ...]:
    """``(agent, callee)`` for every component an agent names in ``tools`` or ``delegates_to``
    (ids that name another component of the system), sorted.

    Like ``served_pairs``, the graph joins each pair in both directions as if flows linked them
    (decision 1880): the agent's calls and tasks reach the callee, and what the callee returns (a
    page a tool read, a file, a search result, a sub-agent's findings) reaches the agent's context,
    whether or not the model draws the return flow. No data asset moves on these links.
    """
    pairs: set[tuple[str, str]] = set()
    for cid, component in components.items():
        if isinstance(component, Agent):
            callees = (*component.tools, *component.delegates_to)
            pairs.update((cid, callee) for callee in callees if callee != cid and callee in components)
    return tuple(sorted(pairs))


# -- issue 9, settled by stated trust (decision 1720) ------------------------------------------


@dataclass(frozen=True, slots=True)
class Settlement:
    """An unstated fact that facts the model does state already answer (decision 1720)."""

    element: str
    """Id of the component (or data asset) whose fact is settled."""
    attribute: str
    """``exposure`` (who can reach it over a network), ``writers`` (who writes what it holds) or,
    for a data asset, ``lawful_basis`` (made only from assets stated to hold no personal data)."""
    value: str
    """The settled answer, in words (``internal``; the writers' names)."""
    because: str
    """The stated facts that settle it."""

    @property
    def summary(self) -> str:
        """``who can reach snapshot-store over a network: internal, from ...``."""
        return f"{fact_question(self.attribute, self.element)}: {self.value}, {self.because}"


_OUTSIDE_TRUST = frozenset({TrustLevel.UNTRUSTED, TrustLevel.PARTNER})
_INSIDE_POPULATIONS = frozenset({Population.EMPLOYEES, Population.ADMINISTRATORS})


def _chain(boundary: str | None, boundaries: Mapping[str, Boundary]) -> list[Boundary]:
    """``boundary`` and the boundaries it sits in, innermost first (cycle-safe)."""
    chain: list[Boundary] = []
    seen: set[str] = set()
    while boundary is not None and boundary in boundaries and boundary not in seen:
        seen.add(boundary)
        chain.append(boundaries[boundary])
        boundary = boundaries[boundary].parent
    return chain


def _inside(component: ComponentBase, boundaries: Mapping[str, Boundary]) -> bool:
    """The component is stated to sit in the organisation's own zone and, if a person, to be staff."""
    zone = boundaries.get(component.boundary) if component.boundary is not None else None
    if zone is None or zone.trust in _OUTSIDE_TRUST:
        return False
    return not isinstance(component, HumanUser) or component.population in _INSIDE_POPULATIONS


def _settle_exposure(
    components: dict[str, ComponentBase], boundaries: Mapping[str, Boundary], pred: Mapping[str, set[str]]
) -> dict[tuple[str, str], Settlement]:
    """Settle (in ``components``) the unstated exposure of every component inside a restricted zone.

    A restricted boundary is an enclave the organisation keeps to itself: what sits in it is
    reached from inside the organisation only, so its exposure is ``internal``, never ``none``
    (insiders still reach it). Not settled when the component's own zone is partner or untrusted,
    or when the model draws a flow into it from outside the organisation's zones or from people
    who are not staff: the drawing then contradicts the enclave, and the unknown stays open."""
    settled: dict[tuple[str, str], Settlement] = {}
    enclaves: dict[str | None, Boundary | None] = {}  # per boundary: one walk up its chain each
    inside: dict[str, bool] = {}
    for cid in sorted(components):
        component = components[cid]
        if component.exposure is not None or isinstance(component, HumanUser):
            continue
        if component.boundary not in enclaves:
            chain = _chain(component.boundary, boundaries)
            enclaves[component.boundary] = (
                next((b for b in chain if b.trust is TrustLevel.RESTRICTED), None)
                if chain and chain[0].trust not in _OUTSIDE_TRUST
                else None
            )
        enclave = enclaves[component.boundary]
        if enclave is None:
            continue
        senders = [p for p in pred.get(cid, ()) if p in components]
        for p in senders:
            if p not in inside:
                inside[p] = _inside(components[p], boundaries)
        if not all(inside[p] for p in senders):
            continue
        components[cid] = component.model_copy(update={"exposure": Exposure.INTERNAL})
        settled[(cid, "exposure")] = Settlement(
            cid, "exposure", Exposure.INTERNAL.value, f"from the restricted boundary '{enclave.label}'"
        )
    return settled


def _kept_closure(
    component: ComponentBase, data: Mapping[str, DataAsset], carried_in: frozenset[str]
) -> tuple[frozenset[str], bool]:
    """The assets the component keeps and, for those made inside it (no flow brings them), the
    assets they are made from; ``True`` when the lineage of something made inside it is unknown
    (then anything sent to it may end up in what it keeps)."""
    seen: set[str] = set()
    stack = [d for d in component.data if d in data]
    open_lineage = False
    while stack:
        did = stack.pop()
        if did in seen:
            continue
        seen.add(did)
        if did in carried_in:  # brought as is: what it was made from was made elsewhere
            continue
        parents = data[did].derived_from
        if parents is None:
            open_lineage = True
            continue
        stack.extend(p for p in parents if p in data and p not in seen)
    return frozenset(seen), open_lineage


def _settle_writers(
    components: Mapping[str, ComponentBase],
    data: Mapping[str, DataAsset],
    flows: Iterable[Flow],
    content: Mapping[str, set[str]],
    reasons: Mapping[str, str],
    assumed: Mapping[str, str],
    boundaries: Mapping[str, Boundary],
) -> dict[tuple[str, str], Settlement]:
    """The stores (and data pipelines, which hold what they are sent while they work: decision
    1937) whose unknown reach alone made them sources of outsiders' content, where the model
    states who writes what they hold and every writer is trusted (decision 1720).

    A writer is the sender of a flow carrying what the store keeps (its ``data`` or an asset that
    data is made from; any flow when the store keeps nothing stated or some lineage is unknown):
    a query sent to an index is not a write. Settled when every writer is itself no source of
    untrusted content and reached by none (other than through the store's own answers), or, with
    no writer drawn, when the store states ``provenance: first-party`` (the organisation supplies
    what it holds) and states what it holds: a store that says nothing of its content says
    nothing of who writes it, and its reach stays the question. A writer that turns out to
    be tainted unsettles the stores it writes, and so on (a worklist: linear in the model)."""
    inbound: dict[str, list[Flow]] = {}
    for flow in flows:
        if flow.target in components and flow.source in components and flow.source != flow.target:
            inbound.setdefault(flow.target, []).append(flow)
    writers: dict[str, tuple[str, ...]] = {}
    for cid in sorted(assumed):
        component = components[cid]
        if assumed[cid] != "exposure" or component.untrusted_content:
            continue
        pipeline = component.kind == ComponentKind.DATA_PIPELINE
        if not isinstance(component, Store) and not pipeline:
            continue
        # A data pipeline holds what it is sent while it processes it: its drawn senders are its
        # writers (held-out 37's article indexing between the paper's archive and its index).
        # Only one stated in the organisation's own zone (one in a vendor's zone writes what it
        # hands on itself) and with its senders drawn: one with no sender drawn (a crawler) says
        # nothing of where its content comes from, and `provenance: first-party` is who wrote
        # its code (review 29). Its supplier does not decide it, so that forgetting a stated
        # supplier never settles what stating it left open.
        if pipeline and not _inside(component, boundaries):
            continue
        arriving = inbound.get(cid, ())
        kept, open_lineage = _kept_closure(component, data, frozenset(d for f in arriving for d in f.data))
        loose = open_lineage or not kept
        found = sorted({f.source for f in arriving if loose or not f.data or any(d in kept for d in f.data)})
        if found or (not pipeline and kept and component.provenance is Provenance.FIRST_PARTY):
            writers[cid] = tuple(found)
    if not writers:
        return {}
    writes: dict[str, list[str]] = {}
    for store, names in writers.items():
        for writer in names:
            writes.setdefault(writer, []).append(store)
    unsettled: set[str] = set()
    tainted: set[str] = set()
    queue: deque[str] = deque()

    def mark(node: str) -> None:
        if node not in tainted:
            tainted.add(node)
            queue.append(node)

    for source in sorted(reasons):
        if source not in writers:
            mark(source)
    while queue:
        node = queue.popleft()
        for store in writes.get(node, ()):
            if store not in unsettled:
                unsettled.add(store)
                mark(store)
        for nxt in sorted(content.get(node, ())):
            mark(nxt)
    settled: dict[tuple[str, str], Settlement] = {}
    for store, names in writers.items():
        if store in unsettled:
            continue
        label = components[store].label
        if names:
            who = ", ".join(components[w].label for w in names)
            because = f"the model draws who writes what {label} holds, and no writer is or relays an untrusted source"
        else:
            who = "the organisation"
            because = f"{label} states provenance first-party and the model draws nobody else writing it"
        settled[(store, "writers")] = Settlement(store, "writers", who, because)
    return settled


def build_graph(model: SystemModel, *, settle: bool = True) -> ModelGraph:
    """Index ``model`` for evaluation. Assumes the model passed its reference checks.

    ``settle=False`` leaves every unstated fact unknown, even where stated facts answer it
    (decision 1720); only the properties that compare both readings use it."""
    share_field_sets(itertools.chain(model.data, model.boundaries, model.components, model.flows, model.controls))
    components: dict[str, ComponentBase] = {c.id: c for c in model.components}
    boundaries = {b.id: b for b in model.boundaries}
    data, open_classification, impersonal = lineage_with_bases(model.data)
    bases = _settle_bases(data, impersonal) if settle else {}
    _tag_instructions(data, model.components)
    flows = {f.key: f for f in model.flows}
    handled: dict[str, set[str]] = {cid: set(c.data) for cid, c in components.items()}
    succ: dict[str, set[str]] = {cid: set() for cid in components}
    pred: dict[str, set[str]] = {cid: set() for cid in components}
    content: dict[str, set[str]] = {}
    # the assets that are artefacts a component only loads, judged once each rather than per flow
    # carrying them (an id that names no asset is not one)
    loaded_only = {d for d, asset in data.items() if _artifact_of(asset) in LOADED_ONLY}
    for flow in model.flows:
        if flow.source not in components or flow.target not in components:
            continue
        if not flow.data or not loaded_only.issuperset(flow.data):
            content.setdefault(flow.source, set()).add(flow.target)
        succ[flow.source].add(flow.target)
        pred[flow.target].add(flow.source)
        handled[flow.source].update(flow.data)
        handled[flow.target].update(flow.data)
    # An agent calls the tools and agents it names and reads what they return (decision 1880); a
    # served model runs inside its server: what reaches the server reaches the model, and what the
    # model answers leaves through it (decision 1520). Both are joined both ways, drawn or not.
    implied: set[tuple[str, str]] = set()
    for one, other in (*call_pairs(components), *served_pairs(components)):
        implied.update(link for link in ((one, other), (other, one)) if link[1] not in succ[link[0]])
        succ[one].add(other)
        pred[other].add(one)
        succ[other].add(one)
        pred[one].add(other)
        content.setdefault(one, set()).add(other)
        content.setdefault(other, set()).add(one)
    settled = _settle_exposure(components, boundaries, pred) if settle else {}
    by_kind: dict[str, list[str]] = {}
    trained_only: dict[str, frozenset[str]] = {}
    for cid, component in components.items():
        by_kind.setdefault(component.kind, []).append(cid)
        if isinstance(component, Model):
            trained_on = component.trained_on or ()
            only = frozenset(
                d for d in trained_on if d in data and d not in handled[cid] and d != component.system_prompt
            )
            if only:
                trained_only[cid] = only
            handled[cid].update(trained_on)
            if component.system_prompt:
                handled[cid].add(component.system_prompt)
        if isinstance(component, Agent) and component.system_prompt:
            handled[cid].add(component.system_prompt)
    judged = {cid: _untrusted_reason(component, boundaries) for cid, component in components.items()}
    reasons = {cid: verdict[0] for cid, verdict in judged.items() if verdict is not None}
    assumed = {
        cid: attribute
        for cid, reason in reasons.items()
        if (attribute := _assumed_source(components[cid], reason)) is not None
    }
    primary = frozenset(cid for cid, verdict in judged.items() if verdict is not None and verdict[1])
    by_writers = _settle_writers(components, data, model.flows, content, reasons, assumed, boundaries) if settle else {}
    for store, _ in by_writers:
        del reasons[store], assumed[store]
    settled.update(by_writers)
    settled.update(bases)
    return ModelGraph(
        model=model,
        succ={cid: tuple(sorted(v)) for cid, v in succ.items()},
        pred={cid: tuple(sorted(v)) for cid, v in pred.items()},
        content_succ={cid: tuple(sorted(v)) for cid, v in content.items()},
        content_pred=_reverse_links(content),
        implied=frozenset(implied),
        components=components,
        flows=flows,
        data=data,
        boundaries=boundaries,
        by_kind={k: tuple(sorted(v)) for k, v in by_kind.items()},
        handled_data={k: tuple(sorted(d for d in v if d in data)) for k, v in handled.items()},
        untrusted_reasons=reasons,
        trained_only=trained_only,
        primary_sources=primary,
        assumed_sources=assumed,
        open_classification=open_classification,
        settled=dict(sorted(settled.items())),
    )

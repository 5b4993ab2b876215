"""The design-review document as data: what each section of the Markdown and HTML reports shows,
in which order, computed once from an :class:`Analysis`.

The two report writers (``markdown.py``, ``html.py``) only turn these rows into markup and choose
their wording; sorting, counting, name look-ups, "crosses a boundary" and the declared state of a
proposed control are decided here, so the two documents cannot drift apart.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import Literal, NamedTuple

from threatmodel.engine.analysis import Analysis
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.engine.evaluate import has_candidates
from threatmodel.engine.questions import risk_resting_on_unknowns
from threatmodel.export.common import DECLARED_RANK, Labels, RefLink, in_report_order, proposed_controls, ref_links
from threatmodel.model.finding import Finding, ScoreFactor
from threatmodel.model.levels import classification_rank, classification_word
from threatmodel.model.system import TriageEntry
from threatmodel.model.vocab import ControlStatus, Status

# ---------------------------------------------------------------------------
# The system section
#
# The rows and each finding's view are named tuples, not frozen dataclasses: a report builds one per
# component, flow and finding (40,000 at 10,000 components), and a frozen dataclass's constructor sets
# each field through ``object.__setattr__``, several times the cost of building a tuple.


class BoundaryRow(NamedTuple):
    id: str
    name: str
    trust: str
    parent: str | None
    """Display name of the enclosing boundary."""
    components: tuple[str, ...]
    """Display names of the components inside, by component id."""


class ComponentRow(NamedTuple):
    id: str
    name: str
    kind: str
    boundary: str | None
    exposure: str
    """The stated exposure, or ``unknown``."""
    provenance: str
    owner: str | None
    open_findings: int
    findings: int


class DataRow(NamedTuple):
    id: str
    name: str
    classification: str
    tags: tuple[str, ...]
    owner: str | None


class FlowRow(NamedTuple):
    key: str
    source: str
    target: str
    data: tuple[str, ...]
    """Display names of the data carried."""
    protocol: str | None
    encrypted: str
    """``yes``, ``no`` or ``unknown``."""
    crosses_boundary: bool


class ControlRow(NamedTuple):
    control: str
    status: str
    scope: tuple[str, ...]
    """Sorted element and boundary ids; empty for the whole system."""
    owner: str | None
    evidence: str | None


@dataclass(frozen=True, slots=True)
class SystemView:
    boundaries: tuple[BoundaryRow, ...]
    """Most trusted first, then by id."""
    components: tuple[ComponentRow, ...]
    """By id."""
    data: tuple[DataRow, ...]
    """Most sensitive first, then by id."""
    flows: tuple[FlowRow, ...]
    """By key."""
    controls: tuple[ControlRow, ...]
    """By control, scope, status."""


def _known(value: object) -> str:
    return str(getattr(value, "value", value)) if value is not None else "unknown"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def system_view(analysis: Analysis) -> SystemView:
    """The system section's tables."""
    m, g, a = analysis.model, analysis.graph, analysis.assessment
    open_by = Counter(e for f in a.findings if f.status.is_open for e in f.elements)
    all_by = Counter(e for f in a.findings for e in f.elements)
    members: dict[str, list[str]] = {}
    for c in sorted(m.components, key=lambda c: c.id):
        if c.boundary is not None:
            members.setdefault(c.boundary, []).append(c.label)
    return SystemView(
        boundaries=tuple(
            BoundaryRow(
                b.id,
                b.label,
                b.trust.value,
                g.name(b.parent) if b.parent else None,
                tuple(members.get(b.id, ())),
            )
            for b in sorted(m.boundaries, key=lambda b: (-b.trust.rank, b.id))
        ),
        components=tuple(
            ComponentRow(
                c.id,
                c.label,
                c.kind,
                g.name(c.boundary) if c.boundary else None,
                _known(c.exposure),
                _known(c.provenance),
                c.owner,
                open_by.get(c.id, 0),
                all_by.get(c.id, 0),
            )
            for c in sorted(m.components, key=lambda c: c.id)
        ),
        data=tuple(
            DataRow(d.id, d.label, classification_word(d.classification), tuple(d.tags), d.owner)
            for d in sorted(m.data, key=lambda d: (-classification_rank(d.classification), d.id))
        ),
        flows=_flow_rows(analysis),
        controls=tuple(
            ControlRow(c.control, c.status.value, tuple(sorted(c.scope)), c.owner, c.evidence)
            for c in sorted(m.controls, key=lambda c: (c.control, ",".join(sorted(c.scope)), c.status.value))
        ),
    )


def _flow_rows(analysis: Analysis) -> tuple[FlowRow, ...]:
    """The data-flow table's rows, by key (the largest table of a large model)."""
    m, g = analysis.model, analysis.graph
    name, components = g.name, g.components
    return tuple(
        [
            FlowRow(
                f.key,
                name(f.source),
                name(f.target),
                tuple([name(d) for d in f.data]),
                f.protocol,
                _yes_no(f.encrypted),
                f.source in components and f.target in components and g.crosses(f),
            )
            for f in sorted(m.flows, key=lambda f: f.key)
        ]
    )


# ---------------------------------------------------------------------------
# One finding


@dataclass(frozen=True, slots=True)
class ScoreStep:
    axis: str
    step: str
    """The base value (``3``) or the adjustment (``+1``)."""
    reason: str


@dataclass(frozen=True, slots=True)
class ControlLine:
    ref: str
    title: str
    url: str | None
    state: Literal["implemented", "proposed"]
    declared: ControlStatus | None = None
    """For a proposed control: ``planned`` or ``partial`` when the model declares it so (not yet counted)."""


class FindingView(NamedTuple):
    finding: Finding
    target: str
    """How the target is named (a flow as ``source → target``)."""
    kind: str
    path: tuple[str, ...]
    """Display names along the untrusted path, when there is one."""
    names: dict[str, str]
    """Display names by element id (read as ``names.get(e, e)``): the report's one table
    (:attr:`Labels.names`), not a dict per finding."""
    steps: tuple[ScoreStep, ...]
    controls: tuple[ControlLine, ...]
    """Implemented first, then proposed, each in the finding's order."""
    threat: ControlLine
    """The threat itself, as a titled link (state unused)."""
    refs: tuple[RefLink, ...]
    triage: TriageEntry | None
    triage_lapsed: bool
    control_key: tuple[object, ...] = ()
    """What ``controls`` is made of (the implemented controls, then each proposed control with the
    declared state shown): findings with equal keys have equal control lists, so a writer renders
    the list once per key."""

    @property
    def implemented(self) -> int:
        return sum(1 for c in self.controls if c.state == "implemented")


def confidence(f: Finding) -> str:
    """How sure the finding is, in words: it holds on stated facts, or rests on unknown ones."""
    n = len(f.assumes)
    if not n:
        return "certain: holds on the facts the model states"
    return f"assumed: rests on {n} unknown fact{'' if n == 1 else 's'} read in the threat's favour"


def finding_view(analysis: Analysis, labels: Labels, f: Finding) -> FindingView:
    """Everything the reports show about one finding (a report of many findings uses one
    :class:`FindingViews`, which shares what findings have in common)."""
    return FindingViews(analysis, labels)(f)


class FindingViews:
    """:func:`finding_view` for every finding of one report. Findings of one threat share their
    references, controls and score steps, so each of those is built once per report, not once per
    finding (10,540 findings of 19 threats on the 10,000-component benchmark model)."""

    def __init__(self, analysis: Analysis, labels: Labels) -> None:
        self.cset, self.graph, self.labels = analysis.catalogs, analysis.graph, labels
        self._refs: dict[tuple[str, ...], tuple[RefLink, ...]] = {}
        self._lines: dict[tuple[str, str, ControlStatus | None], ControlLine] = {}
        self._steps: dict[tuple[ScoreFactor, ...], tuple[ScoreStep, ...]] = {}
        self._declared: dict[str, dict[str, ControlStatus]] = {}
        self._controls: dict[tuple[object, ...], tuple[ControlLine, ...]] = {}
        self._made_controls: dict[
            tuple[str, int, tuple[str, ...]], tuple[tuple[str, ...], tuple[object, ...], tuple[ControlLine, ...]]
        ] = {}
        """Per (element, identity of the threat's control tuple, implemented controls): that tuple
        (kept alive, so its identity is not reused), the control key and the control list."""

    def _line(
        self, ref: str, state: Literal["implemented", "proposed"], declared: ControlStatus | None = None
    ) -> ControlLine:
        key = (ref, state, declared)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = ControlLine(ref, self.cset.title_of(ref), self.cset.url_of(ref), state, declared)
        return line

    def _declared_status(self, control: str, element: str) -> ControlStatus | None:
        """:func:`~threatmodel.export.common.declared_status`, from one pass over the element's controls."""
        best = self._declared.get(element)
        if best is None:
            best = {}
            for d in self.graph.controls_for(element):
                known = best.get(d.control)
                if known is None or DECLARED_RANK[d.status] < DECLARED_RANK[known]:
                    best[d.control] = d.status
            self._declared[element] = best
        return best.get(control)

    def __call__(self, f: Finding) -> FindingView:
        labels = self.labels
        name = labels.name
        steps = self._steps.get(f.factors)
        if steps is None:
            steps = self._steps[f.factors] = tuple(
                ScoreStep(
                    factor.axis,
                    str(factor.delta) if factor.reason.startswith("base ") else f"{factor.delta:+d}",
                    factor.reason,
                )
                for factor in f.factors
            )
        # the control list depends on the element and on which of its threat's controls it has:
        # made once per (element, threat's controls, implemented ones), not once per finding
        made = self._made_controls.get((f.target, id(f.controls), f.implemented_controls))
        if made is None:
            proposed = []
            for c in proposed_controls(f):
                declared = self._declared_status(c, f.target)
                proposed.append((c, declared if declared in (ControlStatus.PLANNED, ControlStatus.PARTIAL) else None))
            control_key: tuple[object, ...] = (f.implemented_controls, *proposed)
            controls = self._controls.get(control_key)
            if controls is None:
                controls = self._controls[control_key] = (
                    *(self._line(c, "implemented") for c in f.implemented_controls),
                    *(self._line(c, "proposed", shown) for c, shown in proposed),
                )
            made = self._made_controls[(f.target, id(f.controls), f.implemented_controls)] = (
                f.controls,
                control_key,
                controls,
            )
        _, control_key, controls = made
        refs = self._refs.get(f.refs)
        if refs is None:
            refs = self._refs[f.refs] = tuple(ref_links(f.refs, self.cset))
        return FindingView(
            finding=f,
            target=labels.targets(f),
            kind=labels.kind(f),
            path=tuple([name(p) for p in f.path]) if f.path else (),
            names=labels.names,
            steps=steps,
            controls=controls,
            threat=self._line(f.threat, "proposed"),
            refs=refs,
            triage=f.triage,
            triage_lapsed=f.triage_expired,
            control_key=control_key,
        )


def triage_bits(t: TriageEntry) -> list[tuple[str, str]]:
    """The facts of a triage decision, in the order the reports list them: (what, value); the
    writers mark a lapsed ``review by`` their own way. Test evidence comes last, newest run first."""
    bits = [("status", t.status.value)]
    if t.owner:
        bits.append(("owner", t.owner))
    if t.approver:
        bits.append(("approved by", t.approver))
    if t.decided_on:
        bits.append(("decided", t.decided_on.isoformat()))
    if t.review_by:
        bits.append(("review by", t.review_by.isoformat()))
    if t.ticket:
        bits.append(("ticket", t.ticket))
    for e in sorted(t.evidence, key=lambda e: (e.date, e.tool, e.run_id), reverse=True):
        where = f" ({e.url})" if e.url else ""
        bits.append(("test", f"{e.tool} run {e.run_id} on {e.date.isoformat()}: {e.outcome.value}{where}"))
    return bits


COVERAGE_CATALOGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("owasp-llm", frozenset({"item"})),
    ("owasp-ml", frozenset({"item"})),
    ("owasp-agentic", frozenset({"item"})),
    ("cosai", frozenset({"risk"})),
    ("owasp-ai-exchange", frozenset({"threat"})),
)
"""Catalogs that get a coverage matrix, and which of their entry types are rows
(the OWASP Top 10 items, the Agentic ASI items, the CoSAI risks, the AI Exchange threats)."""


# ---------------------------------------------------------------------------
# Coverage matrix


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One catalog entry and the findings that realise it."""

    ref: str
    item: str
    title: str
    url: str | None
    findings: int
    open: int
    mitigated: int
    accepted: int
    """Accepted or transferred."""
    false_positive: int
    assessed: bool = False
    """An enabled threat realising the entry targets a kind of element the model has."""
    ruled: bool = False
    """Some enabled threat realises the entry (whether or not the model has its targets)."""

    @property
    def verdict(self) -> str:
        """``open``, ``accepted``, ``mitigated`` or ``false positive`` when findings realise the
        entry; otherwise ``assessed, no finding`` (a rule was tried on elements of this model and
        did not fire), ``not applicable`` (the model has no element any rule for it targets) or
        ``not assessed`` (no enabled threat realises the entry, so nothing is known about it)."""
        if not self.findings:
            if self.assessed:
                return "assessed, no finding"
            return "not applicable" if self.ruled else "not assessed"
        if self.open:
            return "open"
        if self.accepted:
            return "accepted"
        if self.mitigated:
            return "mitigated"
        return "false positive"


@dataclass(frozen=True, slots=True)
class CoverageTable:
    """The coverage matrix of one catalog."""

    catalog: str
    title: str
    version: str
    rows: tuple[CoverageRow, ...]

    @property
    def applicable(self) -> int:
        """Entries that apply to the system: realised by a finding or assessed on its elements."""
        return sum(1 for r in self.rows if r.findings or r.assessed)


def coverage(analysis: Analysis) -> tuple[CoverageTable, ...]:
    """For each coverage catalog that is loaded: every entry, with counts of the findings
    that reference it directly, by status, and whether a rule for it was tried on this model.
    Entries keep their catalog's (upstream) order."""
    a, cset, g = analysis.assessment, analysis.catalogs, analysis.graph
    by_ref: dict[str, list[Finding]] = {}
    for f in a.findings:
        for r in f.refs:
            by_ref.setdefault(r, []).append(f)
    disabled = set(a.model.settings.disabled_threats)
    ruled: set[str] = set()
    assessed: set[str] = set()
    for key, threat in cset.all_threats():
        if key in disabled:
            continue
        ruled.update(threat.refs)
        if has_candidates(g, threat):
            assessed.update(threat.refs)
    tables = []
    for catalog_id, types in COVERAGE_CATALOGS:
        cat = cset.by_id.get(catalog_id)
        if cat is None:
            continue
        rows = []
        for entry in cat.entries:
            if entry.type not in types:
                continue
            ref = f"{catalog_id}:{entry.id}"
            found = by_ref.get(ref, [])
            rows.append(
                CoverageRow(
                    ref=ref,
                    item=entry.id,
                    title=entry.title,
                    url=cset.url_of(ref),
                    findings=len(found),
                    open=sum(1 for f in found if f.status.is_open),
                    mitigated=sum(1 for f in found if f.status is Status.MITIGATED),
                    accepted=sum(1 for f in found if f.status in (Status.ACCEPTED, Status.TRANSFERRED)),
                    false_positive=sum(1 for f in found if f.status is Status.FALSE_POSITIVE),
                    assessed=ref in assessed,
                    ruled=ref in ruled,
                )
            )
        if rows:
            tables.append(CoverageTable(catalog=catalog_id, title=cat.title, version=cat.version, rows=tuple(rows)))
    return tuple(tables)


EXCHANGE = "owasp-ai-exchange"


def exchange_controls(cset: CatalogSet, control: str) -> tuple[RefLink, ...]:
    """The OWASP AI Exchange controls that ``control`` puts into practice (their entries refer to it)."""
    refs = [r for r in cset.referrers.get(control, ()) if r.startswith(EXCHANGE + ":")]
    return tuple(link for link in ref_links(refs, cset) if cset.entries[link.ref].type == "control")


# ---------------------------------------------------------------------------
# Open questions

QUESTION_LIMIT = 25
"""Reports list this many open questions; ``threatmodel questions`` lists them all."""


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One unknown fact, what to state, and the findings its answer decides."""

    rank: int
    question: str
    element: str
    attribute: str
    findings: tuple[Finding, ...]
    """The findings that rest on it, in report order."""
    open_findings: int
    risk: int


@dataclass(frozen=True, slots=True)
class QuestionList:
    rows: tuple[QuestionRow, ...]
    total: int
    """How many questions there are in all (``rows`` holds at most :data:`QUESTION_LIMIT`)."""
    risk: int
    """Open risk that rests on at least one unknown fact (each finding counted once)."""


def open_question_list(analysis: Analysis, limit: int = QUESTION_LIMIT) -> QuestionList:
    """The open questions of the model, most open risk first (the order of ``threatmodel questions``),
    the first ``limit`` of them in full.

    :func:`~threatmodel.engine.questions.open_questions` made (and validated) every question, with
    its sorted finding ids, to list the first 25: at 50,000 components that was the Markdown
    report's peak (decision 1866). Here each question is ranked by the same key, the risk and count
    of the findings resting on it then its element and attribute (unique per question, so any sort
    gives one order), and only the first ``limit`` are made."""
    findings = analysis.assessment.findings
    grouped: dict[tuple[str, str], list[Finding]] = {}
    wording: dict[tuple[str, str], str] = {}
    for finding in findings:
        for assumption in finding.assumes:
            key = (assumption.element, assumption.attribute)
            found = grouped.get(key)
            if found is None:
                grouped[key] = [finding]
                wording[key] = assumption.question
            else:
                found.append(finding)
    ranked = heapq.nsmallest(
        limit,
        (
            (-sum(f.residual_risk for f in found if f.status.is_open), -len(found), element, attribute)
            for (element, attribute), found in grouped.items()
        ),
    )
    ids = {
        (element, attribute): sorted(f.id for f in grouped[(element, attribute)]) for *_, element, attribute in ranked
    }
    needed = {fid for listed in ids.values() for fid in listed}
    by_id = {f.id: f for f in findings if f.id in needed}
    order = {f.id: i for i, f in enumerate(in_report_order(analysis.assessment)) if f.id in needed}
    rows = tuple(
        QuestionRow(
            rank=rank,
            question=wording[(element, attribute)],
            element=element,
            attribute=attribute,
            findings=tuple(sorted((by_id[fid] for fid in ids[(element, attribute)]), key=lambda f: order[f.id])),
            open_findings=sum(1 for f in grouped[(element, attribute)] if f.status.is_open),
            risk=-negative_risk,
        )
        for rank, (negative_risk, _, element, attribute) in enumerate(ranked, 1)
    )
    return QuestionList(rows=rows, total=len(grouped), risk=risk_resting_on_unknowns(findings))

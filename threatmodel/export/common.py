"""Pure helpers shared by the exports: ordering, counts, names, references, triage, dates, Markdown escaping.

Every function here is a function of the assessment (and the catalogs) only, so the
Markdown, HTML, SARIF and STIX renderers agree on what they show and in which order.
Nothing depends on the order of the model's lists: findings are ordered by severity,
risk and id; elements, catalogs and entries by id or by their catalog's own order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.graph import ModelGraph
from threatmodel.model.base import SEVERITIES_WORST_FIRST, Severity
from threatmodel.model.catalog import Lifecycle
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.keys import split_ref
from threatmodel.model.rules import TargetType, name_list
from threatmodel.model.system import SystemModel, TriageEntry
from threatmodel.model.vocab import ControlStatus, Status
from threatmodel.textsafe import visible

"""The severities a finding can have, most severe first (``info`` is never a finding's band)."""

STATUS_LABELS: dict[Status, str] = {
    Status.OPEN: "open",
    Status.IN_PROGRESS: "in progress",
    Status.MITIGATED: "mitigated",
    Status.ACCEPTED: "accepted",
    Status.TRANSFERRED: "transferred",
    Status.FALSE_POSITIVE: "false positive",
}

SUPPRESSED: frozenset[Status] = frozenset({Status.ACCEPTED, Status.TRANSFERRED, Status.FALSE_POSITIVE})
"""Statuses where a person decided the finding needs no (further) work: shown as suppressed."""


def report_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings as a reader wants them: worst residual severity, then highest residual risk, then id."""
    return sorted(findings, key=lambda f: (-f.residual_severity.rank, -f.residual_risk, f.id))


def in_report_order(a: Assessment) -> tuple[Finding, ...]:
    """``report_order(a.findings)``, sorted once per assessment: a report asks for it in four or five
    sections (summary, findings, lifecycle, open questions, the HTML table's data)."""
    try:
        ordered: tuple[Finding, ...] = _REPORT_ORDER.__get__(a, Assessment)
    except AttributeError:
        ordered = tuple(report_order(a.findings))
        _REPORT_ORDER.__set__(a, ordered)
    return ordered


_REPORT_ORDER: Any = Assessment.__dict__["_report_order"]
"""The slot :func:`in_report_order` keeps its answer in (set through its descriptor: the class is frozen)."""


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 finding`` / ``3 findings``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def join_and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------
# Posture: counts and the verdict


@dataclass(frozen=True, slots=True)
class Posture:
    """The risk posture of an assessment, for the summary of every report."""

    total: int
    open: int
    open_risk: int
    open_by_severity: tuple[tuple[Severity, int], ...]
    """Open findings per residual severity, most severe first."""
    by_status: tuple[tuple[Status, int], ...]
    """Findings per status, in the order of :class:`Status`."""
    lapsed: int
    """Triage decisions whose review-by date has passed (their findings reopened)."""
    accepted_high: int
    """Accepted or transferred findings whose residual severity is high or critical."""
    ready: bool
    """No open finding is high or critical."""
    headline: str
    """One short sentence: the verdict."""
    verdict: str
    """The rest of the verdict paragraph (plain text, tool-written apart from control titles)."""


def posture(a: Assessment) -> Posture:
    """Counts, open risk and a one-paragraph verdict for ``a``."""
    open_findings = [f for f in a.findings if f.status.is_open]
    sev = Counter(f.residual_severity for f in open_findings)
    status = Counter(f.status for f in a.findings)
    lapsed = sum(1 for f in a.findings if f.triage_expired)
    accepted_high = sum(
        1
        for f in a.findings
        if f.status in (Status.ACCEPTED, Status.TRANSFERRED) and f.residual_severity >= Severity.HIGH
    )
    serious = sev[Severity.CRITICAL] + sev[Severity.HIGH]
    parts: list[str] = []
    if not a.findings:
        headline = "No threat applies."
        parts.append(
            "No threat of the loaded catalogs matched this model. That is only assurance if the model "
            "describes every component, data flow and trust boundary of the system."
        )
    elif serious:
        headline = "Not ready for sign-off."
        counts = [
            plural(sev[s], f"{s.value} finding", f"{s.value} findings")
            for s in (Severity.CRITICAL, Severity.HIGH)
            if sev[s]
        ]
        parts.append(
            f"{join_and(counts)} {'is' if serious == 1 else 'are'} open, out of {len(a.findings)} in total; "
            f"the open risk is {a.open_risk}."
        )
    elif open_findings:
        headline = "Ready for sign-off with conditions."
        parts.append(
            f"No critical or high finding is open; {plural(len(open_findings), 'medium or low finding', 'medium and low findings')} "
            f"{'remains' if len(open_findings) == 1 else 'remain'} open (open risk {a.open_risk}) and each needs an owner and a date."
        )
    else:
        headline = "Ready for sign-off."
        parts.append(
            f"All {plural(len(a.findings), 'finding')} are mitigated by declared controls, accepted, transferred or "
            "marked false positives."
        )
    if a.proposals and open_findings:
        top = a.proposals[0]
        parts.append(
            f"Start with the control plan: {top.title} alone addresses {plural(len(top.closes), 'open finding')}."
        )
    if lapsed:
        parts.append(
            f"{plural(lapsed, 'triage decision')} lapsed past {'its' if lapsed == 1 else 'their'} review date, "
            f"so {'its finding is' if lapsed == 1 else 'their findings are'} open again."
        )
    if accepted_high:
        parts.append(
            f"{plural(accepted_high, 'accepted or transferred finding carries', 'accepted or transferred findings carry')} "
            "high or critical residual risk; the risk owner should confirm the decision at each review."
        )
    return Posture(
        total=len(a.findings),
        open=len(open_findings),
        open_risk=a.open_risk,
        open_by_severity=tuple((s, sev[s]) for s in SEVERITIES_WORST_FIRST),
        by_status=tuple((s, status[s]) for s in Status),
        lapsed=lapsed,
        accepted_high=accepted_high,
        ready=not serious,
        headline=headline,
        verdict=" ".join(parts),
    )


# ---------------------------------------------------------------------------
# Elements of the model


def element_names(model: SystemModel) -> dict[str, str]:
    """Display name of every element id (system, data, boundaries, components, flows)."""
    names: dict[str, str] = {model.system.id: model.system.name}
    for d in model.data:
        names[d.id] = d.label
    for b in model.boundaries:
        names[b.id] = b.label
    for c in model.components:
        names[c.id] = c.label
    for f in model.flows:
        names[f.key] = f.key
    return names


@dataclass(frozen=True, slots=True)
class Labels:
    """Display names of a model's elements, built once per render (lookups are O(1))."""

    names: dict[str, str]
    flow_ends: dict[str, tuple[str, str]]
    kinds: dict[str, str]

    @classmethod
    def of(cls, model: SystemModel) -> Labels:
        return cls(
            names=element_names(model),
            flow_ends={f.key: (f.source, f.target) for f in model.flows},
            kinds={c.id: c.kind for c in model.components},
        )

    def name(self, element: str) -> str:
        """Display name of an element id (the id itself when unknown)."""
        return self.names.get(element, element)

    def target(self, f: Finding) -> str:
        """How a finding's target is named: a flow as ``source → target`` by display name."""
        ends = self.flow_ends.get(f.target) if f.target_type is TargetType.FLOW else None
        if ends is not None:
            return f"{self.name(ends[0])} → {self.name(ends[1])}"
        return f.target_name

    def targets(self, f: Finding) -> str:
        """Every element a finding applies to by display name: a group by root cause lists them all."""
        if not f.affected:
            return self.target(f)
        return name_list([self.element(e) for e in f.affected], shown=len(f.affected))

    def element(self, element: str) -> str:
        """Display name of an element id; a flow as ``source → target`` by display name."""
        ends = self.flow_ends.get(element)
        return f"{self.name(ends[0])} → {self.name(ends[1])}" if ends is not None else self.name(element)

    def kind(self, f: Finding) -> str:
        """A component's kind, or ``flow`` / ``system``."""
        return (
            self.kinds.get(f.target, f.target_type.value)
            if f.target_type is TargetType.COMPONENT
            else f.target_type.value
        )


def ref_label(link: RefLink) -> str:
    """``LLM01:2025 Prompt Injection``; just the title when the id is the title as a slug (STRIDE)."""
    if link.item.lower() == link.title.lower().replace(" ", "-"):
        return link.title
    return f"{link.item} {link.title}"


DECLARED_RANK = {ControlStatus.IMPLEMENTED: 0, ControlStatus.PARTIAL: 1, ControlStatus.PLANNED: 2}
"""Which declared status wins when a control is declared more than once for an element (lowest)."""


def declared_status(graph: ModelGraph, control: str, element: str) -> ControlStatus | None:
    """How the model declares ``control`` for ``element`` (best status wins), or ``None``."""
    found = [d.status for d in graph.controls_for(element) if d.control == control]
    return min(found, key=lambda s: DECLARED_RANK[s]) if found else None


# ---------------------------------------------------------------------------
# References


@dataclass(frozen=True, slots=True)
class RefLink:
    """A catalog reference ready to print: its catalog, upstream id, title and link."""

    ref: str
    catalog: str
    catalog_title: str
    item: str
    title: str
    url: str | None


def ref_title(cset: CatalogSet, ref: str) -> str:
    """Title of a referenced entry; a sub-entry (an ATLAS sub-technique) is prefixed by its parent's."""
    entry = cset.entries.get(ref)
    if entry is not None and entry.parent:
        catalog, _ = split_ref(ref)
        parent = cset.entries.get(f"{catalog}:{entry.parent}")
        if parent is not None:
            return f"{parent.title}: {entry.title}"
    return cset.title_of(ref)


def ref_links(refs: Iterable[str], cset: CatalogSet) -> list[RefLink]:
    """References grouped by catalog (catalogs in id order), each group in the given order."""
    out = []
    for r in refs:
        catalog, item = split_ref(r)
        cat = cset.by_id.get(catalog)
        out.append(
            RefLink(
                ref=r,
                catalog=catalog,
                catalog_title=cat.title if cat is not None else catalog,
                item=item,
                title=ref_title(cset, r),
                url=cset.url_of(r),
            )
        )
    return sorted(out, key=lambda x: x.catalog)


def catalogs_of(f: Finding) -> tuple[str, ...]:
    """Ids of the catalogs a finding belongs to: its threat's catalog and every referenced one."""
    return _catalogs_of(f.threat, f.refs)


@lru_cache(maxsize=1 << 12)
def _catalogs_of(threat: str, refs: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`catalogs_of`, once per threat and reference list (the findings of a threat share both)."""
    return tuple(sorted({split_ref(threat)[0], *(split_ref(r)[0] for r in refs)}))


PRIMARY_CATALOGS = ("owasp-llm", "owasp-ml", "owasp-agentic")
"""Catalogs whose item pages make the best first link for a finding, in order of preference."""


def primary_url(f: Finding, cset: CatalogSet) -> str | None:
    """The page a reader should open first: the first OWASP reference (LLM, then ML, then
    Agentic Top 10), else any other OWASP reference, else the threat's catalog."""
    owasp = [r for r in f.refs if r.startswith("owasp-")]
    ranked = sorted(
        owasp,
        key=lambda r: (
            PRIMARY_CATALOGS.index(split_ref(r)[0]) if split_ref(r)[0] in PRIMARY_CATALOGS else len(PRIMARY_CATALOGS),
            r,
        ),
    )
    for r in ranked:
        url = cset.url_of(r)
        if url:
            return url
    return cset.url_of(f.threat)


def proposed_controls(f: Finding) -> tuple[str, ...]:
    """Controls that would mitigate ``f`` and are not implemented for its element."""
    return tuple(c for c in f.controls if c not in f.implemented_controls)


# ---------------------------------------------------------------------------
# Triage log and lifecycle view


@dataclass(frozen=True, slots=True)
class TriageRow:
    """One triage entry of the model and what became of it."""

    finding_id: str
    entry: TriageEntry
    finding: Finding | None
    """``None`` when the entry matches no finding (a renamed element or a changed catalog)."""
    lapsed: bool
    """The review-by date is before the assessment date, so the decision no longer applies."""


def triage_log(a: Assessment) -> tuple[TriageRow, ...]:
    """Every triage entry of the model, sorted by finding id."""
    by_id = {f.id: f for f in a.findings}
    return tuple(
        TriageRow(
            finding_id=fid,
            entry=entry,
            finding=by_id.get(fid),
            lapsed=entry.review_by is not None and entry.review_by < a.as_of,
        )
        for fid, entry in sorted(a.model.triage.items())
    )


def by_lifecycle(a: Assessment) -> tuple[tuple[Lifecycle, tuple[Finding, ...]], ...]:
    """Every lifecycle stage (in lifecycle order) with its findings in report order."""
    ordered = in_report_order(a)
    return tuple((stage, tuple(f for f in ordered if stage in f.lifecycle)) for stage in Lifecycle)


def closes_by_control(a: Assessment) -> dict[str, tuple[str, ...]]:
    """Control ref -> ids of the findings it is implemented against."""
    out: dict[str, list[str]] = {}
    for f in a.findings:
        for c in f.implemented_controls:
            out.setdefault(c, []).append(f.id)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


# ---------------------------------------------------------------------------
# Dates


def export_date(a: Assessment) -> dt.date:
    """The date exports are stamped with: the model's ``system.updated``, else the newest
    catalog release among those used, else the assessment date. Never the clock."""
    if a.model.system.updated is not None:
        return a.model.system.updated
    if a.catalogs:
        return max(c.published for c in a.catalogs)
    return a.as_of


# ---------------------------------------------------------------------------
# Markdown escaping

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_MD_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-=]{3,}\s*$)")
_WS = re.compile(r"\s+")
# what GitHub's autolinker turns into a link: a scheme's ``://`` and a leading ``www.``
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9+.-]):(?=//)|(?<![A-Za-z0-9])(www)\\?\.", re.IGNORECASE)


_MD_PLAIN_TEXT = re.compile(r"[A-Za-z](?:[A-Za-z0-9,'()-]| (?! ))*")
"""Text :func:`md_text` leaves as it is: starts with a letter (no heading, list or number), one
space at a time, and none of the characters it escapes, breaks or collapses."""
_MD_PLAIN_CODE = re.compile(r"[A-Za-z0-9_.:@/+=#-]+")
"""Text :func:`md_code` wraps in single backticks as it is: no space, backtick, pipe or unsafe character."""


@lru_cache(maxsize=1 << 16)
def md_text(text: str) -> str:
    """``text`` as inert inline Markdown (GitHub flavour): one line, every markup character
    backslash-escaped and HTML-significant characters as entities, so nothing a user wrote
    can open a link, an image, a table cell, a code span, raw HTML or maths. Control and bidi
    characters are shown as escapes, and a bare URL stays text: its ``://`` (or ``www.``) is
    broken with a backslash escape, so the autolinker does not fire."""
    if _MD_PLAIN_TEXT.fullmatch(text) and not text.endswith(" "):
        return text  # most names and titles: nothing to escape (tested against the full path)
    return _md_text_escaped(text)


def _md_text_escaped(text: str) -> str:
    """:func:`md_text` without its fast path for plain text."""
    flat = visible(_WS.sub(" ", text).strip())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _AUTOLINK.sub(lambda m: "\\:" if m.group(1) is None else m.group(1) + "\\.", flat)
    # what would start a heading, list item or rule if the text begins a line
    return _MD_LINE_START.sub(
        lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1] if m.group(0)[0].isdigit() else "\\" + m.group(0), flat
    )


def md_paragraphs(text: str) -> list[str]:
    """Paragraphs (split on blank lines) of ``text``, each escaped with :func:`md_text`."""
    return [md_text(p) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


@lru_cache(maxsize=1 << 16)
def md_code(text: str) -> str:
    """``text`` as an inline code span that its own backticks cannot close; HTML stays text
    because code spans are literal. ``|`` is escaped so the span is safe inside a table cell."""
    if _MD_PLAIN_CODE.fullmatch(text):
        return f"`{text}`"  # ids: nothing to escape (tested against the full path)
    return _md_code_escaped(text)


def _md_code_escaped(text: str) -> str:
    """:func:`md_code` without its fast path for plain ids."""
    flat = visible(_WS.sub(" ", text).strip()).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_url(url: str) -> str:
    """A URL safe inside ``[text](url)``: spaces, parentheses, angle brackets and quotes encoded."""
    return quote(url, safe="/:@!$&'*+,;=?#%~-._")


@lru_cache(maxsize=1 << 14)
def md_link(text: str, url: str | None) -> str:
    """An escaped link, or the escaped text alone when there is no http(s) URL."""
    if url and url.startswith(("https://", "http://")):
        return f"[{md_text(text)}]({md_url(url)})"
    return md_text(text)


def md_fence(text: str, info: str) -> str:
    """A fenced code block that no backtick run inside ``text`` can close."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{fence}{info}\n{body}{fence}"


def representative(key: str, findings: Sequence[Finding], cset: CatalogSet) -> Finding:
    """The first of a threat's findings, worded as the threat (not as one finding's variant) and
    carrying every reference its findings realise: what a per-threat rule or attack pattern shows."""
    first = findings[0]
    threat = cset.threats.get(key)
    refs = tuple(sorted({r for f in findings for r in f.refs}))
    if threat is None:
        return first
    return first.model_copy(update={"title": threat.title, "refs": refs})

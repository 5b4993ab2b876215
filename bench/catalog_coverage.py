"""Catalog-entry coverage, derived from the threat library itself (issue 9, decision 1710).

    .venv/bin/python bench/catalog_coverage.py            # the tables as Markdown, on stdout
    .venv/bin/python bench/catalog_coverage.py --write    # refresh the tables in docs/coverage-catalogs.md
    .venv/bin/python bench/catalog_coverage.py --check    # exit 1 when the doc is stale or a judgement is missing

For every entry of the reference catalogs in ``catalogs/`` that names an attack or a risk (MITRE
ATLAS techniques and sub-techniques, the OWASP LLM, ML and Agentic lists, CoSAI risks, the OWASP
AI Exchange threats and the STRIDE categories) the script lists the library threats whose refs
carry it (a variant's refs count) and the element kinds a finding of each can sit on, read from the
rules by ``bench/kind_coverage.py``. STRIDE categories are carried through a threat's ``stride:``.

An entry no threat carries needs a judgement, kept in ``JUDGEMENTS`` below (or, for the ATLAS
tactics that happen wholly outside the modelled system, in ``TACTIC_JUDGEMENTS``). A parent ATLAS
technique whose sub-techniques are carried is judged covered by their threats, because a finding
that carries a sub-technique realises its parent (``bench/quality.py`` reads expectations the same
way). ``--check`` fails when an uncovered entry has no judgement, when a judgement names an entry
that a threat now carries (the judgement is stale), or when the doc differs from the tables.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.kind_coverage import _names, doc_arguments, possible_kinds, refresh_doc  # noqa: E402
from threatmodel.io.load import LoadedCatalogs, load_catalogs  # noqa: E402
from threatmodel.model.catalog import Catalog, Entry, Threat  # noqa: E402
from threatmodel.model.rules import TargetType  # noqa: E402

DOC = REPO / "docs" / "coverage-catalogs.md"
BEGIN = "<!-- catalog-coverage:begin (bench/catalog_coverage.py --write) -->"
END = "<!-- catalog-coverage:end -->"

SECTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("atlas", frozenset({"technique"})),
    ("owasp-llm", frozenset({"item"})),
    ("owasp-ml", frozenset({"item"})),
    ("owasp-agentic", frozenset({"item", "threat"})),
    ("cosai", frozenset({"risk"})),
    ("owasp-ai-exchange", frozenset({"threat"})),
    ("stride", frozenset({"item"})),
)
"""The catalogs whose entries name an attack or a risk, and which entry types of each count
(ATLAS tactics, CoSAI components and personas and AI Exchange controls and categories are not
things a finding realises)."""

_OUTSIDE = "out of scope for a system model: "

TACTIC_JUDGEMENTS: dict[str, str] = {
    "AML.TA0002": _OUTSIDE + "reconnaissance of public sources or of the victim happens before, and outside, "
    "any element a data-flow model shows",
    "AML.TA0003": _OUTSIDE + "the attacker acquires or builds resources of their own; no element of the "
    "modelled system is touched until they are used",
}
"""Judgements for every otherwise unjudged technique whose first tactic is one of these."""

JUDGEMENTS: dict[str, str] = {
    # --- ATLAS: staging on the attacker's side -------------------------------------------------
    "atlas:AML.T0005.000": _OUTSIDE + "a proxy model is trained on the attacker's side; the extraction that "
    "feeds it is carried by model-extraction-via-scores",
    "atlas:AML.T0005.001": _OUTSIDE + "a proxy model is trained on the attacker's side; the extraction that "
    "feeds it is carried by model-extraction-via-scores",
    "atlas:AML.T0005.002": _OUTSIDE + "a pre-trained proxy is the attacker's own; the evasion it prepares is "
    "carried by adversarial-evasion",
    "atlas:AML.T0042": _OUTSIDE + "the attacker checks their attack offline; the attack itself is carried by "
    "the threat for its effect",
    "atlas:AML.T0043.000": "covered by adversarial-evasion (it carries AML.T0043; how the perturbation is "
    "optimised is the attacker's method, not a fact of the system)",
    "atlas:AML.T0043.001": "covered by adversarial-evasion (it carries AML.T0043; the black-box search is "
    "what its score factor for returned scores weighs)",
    "atlas:AML.T0043.002": "covered by adversarial-evasion (it carries AML.T0043; transfer from a proxy is "
    "the attacker's method)",
    "atlas:AML.T0043.003": "covered by adversarial-evasion (it carries AML.T0043; manual edits are the "
    "attacker's method)",
    "atlas:AML.T0065": _OUTSIDE + "crafting a prompt happens on the attacker's side; its use is carried by "
    "direct-prompt-injection and the indirect injection threats",
    "atlas:AML.T0008.002": _OUTSIDE + "buying a lapsed or look-alike domain is the attacker's preparation; "
    "that an allow-list of image or link hosts still names it is not a fact the format states (the "
    "exfiltration it enables is carried by markdown-image-exfiltration)",
    # --- ATLAS: discovery inside a system the attacker already reaches ------------------------
    "atlas:AML.T0007": _OUTSIDE + "an attacker already inside looks for AI artefacts; the exposure that lets "
    "them read the artefacts is carried by model-registry-compromise and exposed-data-store",
    "atlas:AML.T0013": _OUTSIDE + "probing a model for its ontology is query behaviour, not a fact a model "
    "states; the extraction it prepares is carried by model-extraction-via-scores",
    "atlas:AML.T0014": _OUTSIDE + "identifying the model family is query behaviour; the extraction and "
    "evasion it prepares are carried by their threats",
    "atlas:AML.T0062": _OUTSIDE + "finding hallucinated names is done on the attacker's side; publishing "
    "them (AML.T0060) is carried by unpinned-tool-supply-chain",
    "atlas:AML.T0063": _OUTSIDE + "observing outputs is query behaviour; what it enables is carried by "
    "model-extraction-via-scores and membership-inference",
    "atlas:AML.T0069": "covered by system-prompt-leakage (the system information an attacker discovers is "
    "what it protects)",
    "atlas:AML.T0069.000": "covered by system-prompt-leakage (special characters are one probing method)",
    "atlas:AML.T0069.001": "covered by system-prompt-leakage (instruction keywords are one probing method)",
    "atlas:AML.T0075": _OUTSIDE + "enumerating cloud services is generic post-compromise discovery; a model "
    "states which services exist, not who enumerates them",
    "atlas:AML.T0084": "covered by system-prompt-leakage (an agent's configuration is carried in its instructions)",
    "atlas:AML.T0084.000": "covered by system-prompt-leakage",
    "atlas:AML.T0084.001": "covered by mcp-tool-poisoning and system-prompt-leakage (tool definitions are "
    "part of the agent's context)",
    "atlas:AML.T0084.002": "covered by system-prompt-leakage",
    "atlas:AML.T0084.003": "covered by delegation-chain-opacity (call chains are what it leaves unrecorded)",
    "atlas:AML.T0089": _OUTSIDE + "process discovery on a host is generic post-compromise behaviour",
    # --- ATLAS: access and execution that a model states no fact for --------------------------
    "atlas:AML.T0010.000": _OUTSIDE + "tampered accelerators or devices are hardware supply chain; the "
    "format states no hardware origin",
    "atlas:AML.T0011": "covered by pickle-deserialization (the unsafe artefact a user runs) and "
    "unpinned-tool-supply-chain",
    "atlas:AML.T0011.001": "covered by ml-framework-supply-chain and unpinned-tool-supply-chain (a package "
    "installed from a public index)",
    "atlas:AML.T0011.002": "covered by mcp-tool-poisoning and unpinned-tool-supply-chain",
    "atlas:AML.T0011.003": "covered by markdown-image-exfiltration and insecure-output-handling (links an "
    "answer renders)",
    "atlas:AML.T0018.001": "covered by backdoored-open-weights and model-registry-compromise (an altered "
    "architecture travels with the weights)",
    "atlas:AML.T0021": _OUTSIDE + "opening accounts on a service is the attacker's preparation",
    "atlas:AML.T0035": "covered by model-registry-compromise and exposed-data-store (collecting artefacts "
    "needs read access to where they are kept)",
    "atlas:AML.T0046": "covered by model-denial-of-service (chaff that floods a model's review or alerts)",
    "atlas:AML.T0047": _OUTSIDE + "using a product as any customer does is the access every model-level "
    "threat already assumes",
    "atlas:AML.T0061": "covered by agent-memory-poisoning and cascading-agent-failure (a prompt that copies "
    "itself spreads through memory and between agents)",
    "atlas:AML.T0067.000": "covered by generated-answer-reliance (a citation makes a wrong answer look sourced)",
    "atlas:AML.T0072": _OUTSIDE + "a reverse shell is generic command and control after code execution, "
    "which agent-code-execution and credentials-exposed-to-untrusted-code carry",
    "atlas:AML.T0074": "covered by mcp-tool-poisoning and zombie-mcp-server (a look-alike tool or server)",
    "atlas:AML.T0076": "covered by model-registry-compromise and unverified-model-deployment",
    "atlas:AML.T0078": _OUTSIDE + "a drive-by compromise of a user's browser is endpoint security, not a "
    "fact of the AI system",
    "atlas:AML.T0082": "covered by credentials-exposed-to-untrusted-code and rag-entitlement-bypass "
    "(secrets indexed where retrieval reaches them)",
    "atlas:AML.T0085": "covered by lethal-trifecta-exfiltration and confused-deputy (data read through the "
    "agent's services)",
    "atlas:AML.T0085.001": "covered by lethal-trifecta-exfiltration and confused-deputy",
    "atlas:AML.T0090": _OUTSIDE + "dumping operating-system credentials is host compromise; the model "
    "states credentials only as held by tools and jobs (credentials-exposed-to-untrusted-code)",
    "atlas:AML.T0091": "covered by overprivileged-tool-credentials and stale-agent-identity",
    "atlas:AML.T0091.000": "covered by overprivileged-tool-credentials and stale-agent-identity",
    "atlas:AML.T0092": "covered by cross-session-memory-leak and agent-memory-poisoning (chat history is "
    "the memory the agent keeps)",
    "atlas:AML.T0096": _OUTSIDE + "using an AI service's API as a command channel is the attacker's "
    "infrastructure choice",
    "atlas:AML.T0097": _OUTSIDE + "detecting a sandbox is the attacker's code's behaviour; the sandbox is "
    "carried by agent-code-execution",
    "atlas:AML.T0099": "covered by rag-corpus-poisoning and mcp-tool-poisoning (data a tool returns)",
    "atlas:AML.T0100": "covered by agent-indirect-prompt-injection (content written to lure an agent into acting)",
    "atlas:AML.T0103": _OUTSIDE + "deploying an agent of one's own is the attacker's action after access",
    "atlas:AML.T0104": "covered by mcp-tool-poisoning and unpinned-tool-supply-chain",
    "atlas:AML.T0106": _OUTSIDE + "exploiting a software flaw for credentials is conventional application security",
    "atlas:AML.T0107": _OUTSIDE + "exploiting a software flaw to evade defences is conventional application security",
    "atlas:AML.T0108": _OUTSIDE + "an agent used as the attacker's command channel is their "
    "infrastructure; hijacking the victim's agent is carried by agent-goal-hijack",
    "atlas:AML.T0111": "covered by unpinned-tool-supply-chain and backdoored-open-weights (popularity is "
    "not provenance)",
    "atlas:AML.T0112": "covered by its sub-techniques' threats",
    "atlas:AML.T0112.000": "covered by agent-code-execution and credentials-exposed-to-untrusted-code (what "
    "a local agent's tools can run and reach with the user's rights)",
    "atlas:AML.T0112.001": "covered by model-registry-compromise and pickle-deserialization",
    # --- ATLAS: impact ------------------------------------------------------------------------
    "atlas:AML.T0031": "covered by training-data-poisoning and label-poisoning-feedback-loop (integrity "
    "eroded over time)",
    "atlas:AML.T0048.001": "covered by generated-answer-reliance and direct-prompt-injection (an answer "
    "given under the organisation's name)",
    "atlas:AML.T0048.002": "covered by unreviewed-score-reliance (decisions about people at scale)",
    # --- OWASP AI Exchange --------------------------------------------------------------------
    "owasp-ai-exchange:zeroknowledgeevasion": "covered by adversarial-evasion (it carries the parent "
    "`evasion`; the attacker's knowledge is their method)",
    "owasp-ai-exchange:perfectknowledgeevasion": "covered by adversarial-evasion (white-box knowledge is "
    "the attacker's method)",
    "owasp-ai-exchange:transferattack": "covered by adversarial-evasion (transfer from a proxy is the "
    "attacker's method)",
    "owasp-ai-exchange:partialknowledgeevasion": "covered by adversarial-evasion",
    "owasp-ai-exchange:evasionafterpoison": "covered by training-data-poisoning (the backdoor is planted "
    "there) and adversarial-evasion",
    "owasp-ai-exchange:devcodeleak": "covered by sensitive-data-to-third-party-service (source code sent "
    "out) and exposed-data-store",
}
"""One line per entry no threat carries: "covered by <threat>" when an existing threat means it
(without a ref, because its method or preparation is not a fact of the system), or "out of scope
for a system model: <why>"."""


def _short(ref: str) -> str:
    return ref.split(":", 1)[1]


def where(threat: Threat) -> str:
    """Where a finding of ``threat`` can sit: the kinds for a component threat, else flow or system."""
    if threat.target is TargetType.SYSTEM:
        return "system"
    if threat.target is TargetType.FLOW:
        return "flows"
    return _names(possible_kinds(threat.when))


def carriers(tm: Catalog) -> dict[str, list[Threat]]:
    """Catalog ref -> the threats whose refs (or a variant's refs) carry it, in library order;
    ``stride:<category>`` from each threat's ``stride``."""
    found: dict[str, list[Threat]] = {}
    for threat in tm.threats:
        refs = set(threat.refs) | {f"stride:{s.value}" for s in threat.stride}
        for variant in threat.variants:
            refs |= set(variant.refs or ())
        for ref in sorted(refs):
            found.setdefault(ref, []).append(threat)
    return found


def entries(cats: LoadedCatalogs) -> list[tuple[str, Entry]]:
    """(catalog id, entry) for every entry that names an attack or a risk, in catalog order."""
    by_id = {c.id: c for c in cats.catalogs}
    return [(cid, e) for cid, types in SECTIONS if cid in by_id for e in by_id[cid].entries if e.type in types]


def judge(
    cid: str, entry: Entry, carried: dict[str, list[Threat]], all_refs: dict[str, Entry]
) -> tuple[list[Threat], str]:
    """The threats carrying ``entry`` and, when there are none, its judgement ("" when unjudged)."""
    ref = f"{cid}:{entry.id}"
    threats = carried.get(ref, [])
    if threats:
        return threats, ""
    if ref in JUDGEMENTS:
        return [], JUDGEMENTS[ref]
    if cid == "atlas":
        children = [r for r, e in all_refs.items() if r.startswith("atlas:") and e.parent == entry.id]
        via = sorted({t.id for r in children for t in carried.get(r, [])})
        if via:
            return [], "covered by " + ", ".join(via) + " (through its sub-techniques)"
        if entry.category in TACTIC_JUDGEMENTS:
            return [], TACTIC_JUDGEMENTS[entry.category]
    return [], ""


def covering(judgement: str) -> list[str]:
    """The threat ids a "covered by a, b and c (why)" judgement names (none for other judgements)."""
    if not judgement.startswith("covered by ") or judgement.startswith("covered by its "):
        return []
    names = judgement.removeprefix("covered by ").split("(", 1)[0]
    return [n for n in re.split(r",\s*|\s+and\s+", names.strip()) if n]


def problems(cats: LoadedCatalogs) -> list[str]:
    """Unjudged uncovered entries and stale or unknown judgements."""
    tm = next(c for c in cats.catalogs if c.id == "tm")
    carried = carriers(tm)
    listed = entries(cats)
    all_refs = {f"{cid}:{e.id}": e for cid, e in listed}
    found = []
    for cid, entry in listed:
        threats, judgement = judge(cid, entry, carried, all_refs)
        if not threats and not judgement:
            found.append(f"{cid}:{entry.id} is carried by no threat and has no judgement")
    known = {t.id for t in tm.threats}
    for ref, judgement in sorted(JUDGEMENTS.items()):
        for name in covering(judgement):
            if name not in known:
                found.append(f"judgement for {ref} names {name}, which is not a library threat")
        if ref not in all_refs:
            found.append(f"judgement for {ref}, which is not a catalog entry")
        elif ref in carried:
            found.append(f"judgement for {ref}, which a threat now carries: remove it")
    return found


def tables(cats: LoadedCatalogs | None = None) -> str:
    """One Markdown table per catalog, then a count line per catalog."""
    cats = cats or load_catalogs()
    by_id = {c.id: c for c in cats.catalogs}
    tm = by_id["tm"]
    carried = carriers(tm)
    listed = entries(cats)
    all_refs = {f"{cid}:{e.id}": e for cid, e in listed}
    out: list[str] = []
    counts: list[str] = []
    for cid, _ in SECTIONS:
        if cid not in by_id:
            continue
        rows = [(c, e) for c, e in listed if c == cid]
        out += [f"### {by_id[cid].title} (`{cid}` {by_id[cid].version})", ""]
        out += ["| entry | title | carried by (kinds a finding sits on) | judgement when none |", "|---|---|---|---|"]
        direct = covered = 0
        for _, entry in rows:
            threats, judgement = judge(cid, entry, carried, all_refs)
            direct += bool(threats)
            covered += judgement.startswith("covered by ")
            if cid == "stride":
                by = f"{len(threats)} threats" if threats else ""
            else:
                by = "; ".join(f"`{t.id}` ({where(t)})" for t in threats)
            title = entry.title.replace("|", "/")
            note = "" if threats else judgement or "**no judgement**"
            out.append(f"| `{entry.id}` | {title} | {by} | {note} |")
        out.append("")
        counts.append(f"| `{cid}` | {len(rows)} | {direct} | {covered} | {len(rows) - direct - covered} |")
    head = [
        "| catalog | entries | carried by a threat | covered by an existing threat's meaning | out of scope |",
        "|---|---|---|---|---|",
    ]
    return "\n".join([*head, *counts, "", *out])


def main(argv: list[str] | None = None) -> int:
    args = doc_arguments(argv, __doc__, DOC)
    cats = load_catalogs()
    body = tables(cats)
    if not (args.write or args.check):
        sys.stdout.write(body)
        return 0
    wrong = problems(cats)
    for line in wrong:
        print(line, file=sys.stderr)
    status = refresh_doc(DOC, body, check=args.check, script="bench/catalog_coverage.py", begin=BEGIN, end=END)
    return status or (1 if wrong else 0)


if __name__ == "__main__":
    raise SystemExit(main())

"""Generate docs/threats.md: every threat of the built-in library (catalogs/tm.yaml) and its coverage.

python scripts/gen_threat_docs.py          # write docs/threats.md
python scripts/gen_threat_docs.py --check  # exit 1 if the committed file is stale

The page lists, for each threat, its id, title, summary, target, base score, lifecycle, STRIDE
categories, the catalog entries it realises and the controls that mitigate it, and for each
reference catalog which threats cover which entry. Output is deterministic: threats appear in
library order, entries in catalog order.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from threatmodel.engine.catalogs import CatalogSet  # noqa: E402
from threatmodel.engine.match import candidate_kinds  # noqa: E402
from threatmodel.io.load import load_catalogs  # noqa: E402
from threatmodel.model.catalog import Catalog, Entry, GroupBy, Threat  # noqa: E402
from threatmodel.model.rules import TargetType  # noqa: E402

OUTPUT = REPO / "docs" / "threats.md"
LIBRARY = "tm"
CASES = "tests/catalogs/cases"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")

COVERAGE: tuple[tuple[str, str, Callable[[Entry], bool]], ...] = (
    ("owasp-llm", "OWASP Top 10 for LLM Applications 2025", lambda e: True),
    ("owasp-ml", "OWASP Machine Learning Security Top 10 2023", lambda e: True),
    ("owasp-agentic", "OWASP Top 10 for Agentic Applications 2026", lambda e: e.id.startswith("ASI")),
    ("owasp-agentic", "OWASP Agentic AI threats T1-T17", lambda e: not e.id.startswith("ASI")),
    ("cosai", "CoSAI Risk Map risks", lambda e: e.type == "risk"),
)


def md(text: str) -> str:
    """Text safe inside a Markdown paragraph or table cell: one line, special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """An inline code span; backticks inside are replaced, since code spans cannot escape them."""
    return "`" + " ".join(text.split()).replace("`", "'") + "`"


def anchor(threat_id: str) -> str:
    """The anchor of a threat's heading (its id, which is already a lower-kebab slug)."""
    return threat_id


def _applies_to(threat: Threat) -> str:
    if threat.target is TargetType.SYSTEM:
        return "the system"
    if threat.target is TargetType.FLOW:
        return "flows"
    kinds = candidate_kinds(threat.when)
    return ", ".join(f"`{k}`" for k in sorted(kinds)) if kinds else "any component"


def _threat_link(threat: Threat) -> str:
    return f"[{md(threat.title)}](#{anchor(threat.id)})"


def _coverage(library: Catalog, cset: CatalogSet) -> list[str]:
    out = ["## Coverage", ""]
    out.append(
        "Which threats realise each entry of the reference catalogs. The tests require every entry of "
        "the OWASP LLM, OWASP ML and OWASP Agentic (ASI) lists and every CoSAI risk to be covered by a "
        "threat with positive and negative fixtures; the Agentic T1-T17 threats are covered where a "
        "library threat fits them."
    )
    out.append("")
    for catalog_id, heading, selects in COVERAGE:
        catalog = cset.by_id.get(catalog_id)
        if catalog is None:
            continue
        entries = [e for e in catalog.entries if selects(e)]
        covered = 0
        rows = []
        for entry in entries:
            ref = f"{catalog_id}:{entry.id}"
            threats = [t for t in library.threats if ref in t.refs]
            covered += bool(threats)
            cell = ", ".join(_threat_link(t) for t in threats) or "—"
            rows.append(f"| {code(entry.id)} | {md(entry.title)} | {cell} |")
        out += [f"### {md(heading)}", "", f"{covered} of {len(entries)} entries covered.", ""]
        out += ["| id | title | threats |", "|---|---|---|", *rows, ""]
    return out


_GROUPED = {
    GroupBy.SOURCE: "untrusted source (the elements it reaches are listed on one finding)",
    GroupBy.LINK: "trust zone a flow delivers into (its unprotected links are listed on one finding)",
    GroupBy.RECEIVER: "receiving component (the flows handing it data are listed on one finding)",
    GroupBy.CREDENTIAL: "credential or secret (the elements holding that one are listed on one finding)",
    GroupBy.ARTEFACT: "library or image (the jobs and servers loading that one are listed on one finding)",
    GroupBy.PRODUCER: "element whose output people act on (filed there; who relies on it is listed on the finding)",
}


def _threat_section(threat: Threat, cset: CatalogSet) -> list[str]:
    refs = "<br>".join(f"{code(r)} {md(cset.title_of(r))}" for r in threat.refs) or "—"
    controls = "<br>".join(f"{code(c)} {md(cset.title_of(c))}" for c in threat.controls) or "—"
    return [
        f"### {md(threat.title)}",
        "",
        f'<a id="{anchor(threat.id)}"></a>{code(f"{LIBRARY}:{threat.id}")}',
        "",
        md(threat.summary),
        "",
        "| | |",
        "|---|---|",
        f"| applies to | {_applies_to(threat)} |",
        *([f"| one finding per | {_GROUPED[threat.group_by]} |"] if threat.group_by is not None else []),
        *(
            [f"| split from | {', '.join(code(f'{LIBRARY}:{t}') for t in threat.formerly)} |"]
            if threat.formerly
            else []
        ),
        f"| base likelihood × impact | {threat.likelihood} × {threat.impact} |",
        f"| lifecycle | {', '.join(s.value for s in threat.lifecycle)} |",
        f"| STRIDE | {', '.join(s.value for s in threat.stride) or '—'} |",
        f"| realises | {refs} |",
        f"| controls | {controls} |",
        f"| fixtures | [`{CASES}/{threat.id}/`](../{CASES}/{threat.id}/) |",
        "",
    ]


def render(catalogs: Sequence[Catalog]) -> str:
    """The whole page for the given loaded catalogs (the built-in ones in practice)."""
    cset = CatalogSet(tuple(catalogs))
    library = cset.by_id[LIBRARY]
    out = [
        "# Threat library",
        "",
        "<!-- generated by scripts/gen_threat_docs.py from catalogs/tm.yaml; do not edit -->",
        "",
        f"The built-in threat library ({code(LIBRARY)}, version {md(library.version)}) has "
        f"{len(library.threats)} threats. Each is one attack on one kind of element, with a rule that "
        "decides where it applies ([rules.md](rules.md)), a base score, the controls that mitigate it "
        "and the reference-catalog entries it realises. Findings are keyed "
        f"`{LIBRARY}:<threat-id>@<element-id>`; threat ids never change.",
        "",
        "## Threats",
        "",
        "| threat | id | applies to | refs |",
        "|---|---|---|---|",
    ]
    for threat in library.threats:
        out.append(f"| {_threat_link(threat)} | {code(threat.id)} | {_applies_to(threat)} | {len(threat.refs)} |")
    out.append("")
    out += _coverage(library, cset)
    out += ["## Details", ""]
    for threat in library.threats:
        out += _threat_section(threat, cset)
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/threats.md is stale")
    args = parser.parse_args()
    text = render(load_catalogs().catalogs)
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
    if args.check:
        if current != text:
            print("docs/threats.md is stale (run `python scripts/gen_threat_docs.py`)", file=sys.stderr)
            return 1
        return 0
    if current != text:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

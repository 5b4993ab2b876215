"""Threat x element-kind coverage, derived from the threat library itself (issue 9, decision 1610).

    .venv/bin/python bench/kind_coverage.py            # the matrix as Markdown, on stdout
    .venv/bin/python bench/kind_coverage.py --write    # refresh the table in docs/coverage-kinds.md
    .venv/bin/python bench/kind_coverage.py --check    # exit 1 when the doc's table is stale

For every threat of ``catalogs/tm.yaml`` the script reads the rule (never a hand-kept list) and
works out on which kinds of element a finding can be placed:

* ``flow`` and ``system`` threats sit on flows or on the system; for a flow threat the kinds its
  ``endpoint`` tests require of the source and target are given;
* a component threat can sit on a kind when the rule's own ``kind:`` tests allow it **and** the
  kind can state every attribute the rule requires of the element itself (an ``attr`` test that
  must hold is false on a kind without that field, so the rule can never fire there).

The second column, "listed but unstatable", names kinds the ``kind:`` clause admits that cannot
carry a required attribute: those are rules silently skipping a kind because a fact is missing
from the format (issue 9, item 3 of the kind pass). The judgement of which kinds a reviewer
expects sits beside the table in docs/coverage-kinds.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import get_args

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from threatmodel.engine.catalogs import _children  # noqa: E402
from threatmodel.io.load import load_catalogs  # noqa: E402
from threatmodel.model.catalog import Threat  # noqa: E402
from threatmodel.model.rules import (  # noqa: E402
    AllOf,
    AnyOf,
    Artifacts,
    Attr,
    Condition,
    DataHandled,
    Endpoint,
    KindIs,
    TargetType,
)
from threatmodel.model.system import COMPONENT_CLASSES  # noqa: E402
from threatmodel.model.vocab import ComponentKind  # noqa: E402

DOC = REPO / "docs" / "coverage-kinds.md"
BEGIN = "<!-- kind-coverage:begin (bench/kind_coverage.py --write) -->"
END = "<!-- kind-coverage:end -->"

ALL_KINDS: frozenset[str] = frozenset(k.value for k in ComponentKind)
FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset(cls.model_fields)
    for cls in COMPONENT_CLASSES
    for kind in get_args(cls.model_fields["kind"].annotation)
}
"""The attributes each component kind can state (its model class's fields)."""


def _attr_kinds(test: Attr) -> frozenset[str]:
    """Kinds on which an attribute test can hold: those with the field, or any when the test is
    ``is_set: false`` (which holds on a missing attribute)."""
    if test.attr.is_set is False:
        return ALL_KINDS
    return frozenset(k for k, fields in FIELDS.items() if test.attr.name in fields)


def possible_kinds(cond: Condition) -> frozenset[str]:
    """Component kinds on which ``cond`` can hold, judged on the element itself (graph predicates,
    data tests and negations restrict nothing: they are judged on other elements or can hold anywhere)."""
    return _kinds(cond, attributes=True)


def listed_kinds(cond: Condition) -> frozenset[str]:
    """Kinds the rule's ``kind:`` tests alone admit (attributes ignored)."""
    return _kinds(cond, attributes=False)


def _kinds(cond: Condition, *, attributes: bool) -> frozenset[str]:
    match cond:
        case KindIs(kind=kinds):
            return frozenset(str(k) for k in kinds)
        case Attr() if attributes:
            return _attr_kinds(cond)
        case AllOf(all=parts):
            found = ALL_KINDS
            for part in parts:
                found &= _kinds(part, attributes=attributes)
            return found
        case AnyOf(any=options):
            return frozenset().union(*(_kinds(o, attributes=attributes) for o in options))
        case _:
            return ALL_KINDS


def endpoint_kinds(cond: Condition) -> tuple[frozenset[str], frozenset[str]]:
    """Kinds a flow threat requires of the flow's source and target."""
    match cond:
        case Endpoint(endpoint=test):
            kinds = possible_kinds(test.where)
            return (kinds, ALL_KINDS) if test.end == "source" else (ALL_KINDS, kinds)
        case AllOf(all=parts):
            source, target = ALL_KINDS, ALL_KINDS
            for part in parts:
                s, t = endpoint_kinds(part)
                source, target = source & s, target & t
            return source, target
        case AnyOf(any=options):
            found = [endpoint_kinds(o) for o in options]
            return frozenset().union(*(s for s, _ in found)), frozenset().union(*(t for _, t in found))
        case _:
            return ALL_KINDS, ALL_KINDS


WEIGHTS = frozenset({"model-weights", "adapter"})
"""Artefact kinds that are a model's weights (decision 1200: stated as ``artifact``, or tagged)."""


def weights_reading(cond: Condition) -> str:
    """How the rule recognises model weights carried as data: by the ``model-weights`` tag, by the
    stated ``artifact`` (a data test on ``artifact`` or an ``artifacts`` predicate), both, or not at
    all ("tag only" is the gap: weights stated as an artefact without the tag are missed)."""
    tag = artifact = False
    stack = [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, DataHandled):
            tag |= "model-weights" in c.data.tags_any
            test = c.data.attr
            if test is not None and test.name == "artifact":
                values = {test.equals, *(test.in_ or ()), *(test.contains_any or ())}
                artifact |= bool(WEIGHTS & {str(v) for v in values})
        if isinstance(c, Artifacts):
            artifact |= not c.artifacts.kinds or bool(WEIGHTS & {str(k) for k in c.artifacts.kinds})
        stack.extend(_children(c))
    if tag and artifact:
        return "tag and artefact"
    return "tag only" if tag else "artefact" if artifact else ""


def _names(kinds: frozenset[str]) -> str:
    if kinds == ALL_KINDS:
        return "any kind"
    # vocabulary order, so the table reads the same way every time
    return ", ".join(k.value for k in ComponentKind if k.value in kinds) or "none"


def row(threat: Threat) -> tuple[str, str, str, str, str]:
    """(threat id, target, kinds it can sit on, kinds listed but unstatable, how it reads weights)."""
    weights = weights_reading(threat.when)
    if threat.target is TargetType.SYSTEM:
        return threat.id, "system", "the system", "", weights
    if threat.target is TargetType.FLOW:
        source, target = endpoint_kinds(threat.when)
        return threat.id, "flow", f"flows from {_names(source)} to {_names(target)}", "", weights
    can = possible_kinds(threat.when)
    blocked = listed_kinds(threat.when) - can
    where = _names(can)
    # decisions 1430 and 1510: a grouped finding may be moved onto a related element
    if threat.place_on is not None:
        where += (
            f"; placed on the {threat.place_on.via} element that is {_names(possible_kinds(threat.place_on.where))}"
        )
    if threat.producer:
        where += f"; or on the nearest producer: {_names(frozenset(k.value for k in threat.producer))}"
    return threat.id, "component", where, _names(blocked) if blocked else "", weights


def table() -> str:
    """The matrix as a Markdown table, one row per threat in library order."""
    tm = next(c for c in load_catalogs().catalogs if c.id == "tm")
    lines = [
        "| threat | on | kinds a finding can sit on today | listed but cannot state a required fact | weights as data read by |",
        "|---|---|---|---|---|",
    ]
    for threat in tm.threats:
        tid, target, can, blocked, weights = row(threat)
        lines.append(f"| `{tid}` | {target} | {can} | {blocked} | {weights} |")
    return "\n".join(lines) + "\n"


def _splice(doc: str, body: str, begin: str, end: str) -> str:
    head, _, rest = doc.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{body}{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    args = doc_arguments(argv, __doc__, DOC)
    body = table()
    if not (args.write or args.check):
        sys.stdout.write(body)
        return 0
    return refresh_doc(DOC, body, check=args.check, script="bench/kind_coverage.py")


def doc_arguments(argv: list[str] | None, description: str | None, doc_path: Path) -> argparse.Namespace:
    """The options of a script that prints a table kept in ``doc_path``: ``--write`` puts it in the
    doc, ``--check`` fails when the doc is stale (or, for some scripts, a judgement is missing)."""
    doc = doc_path.relative_to(REPO)
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"refresh the tables in {doc}")
    group.add_argument("--check", action="store_true", help=f"exit 1 when {doc} is stale")
    return parser.parse_args(argv)


def refresh_doc(doc_path: Path, body: str, *, check: bool, script: str, begin: str = BEGIN, end: str = END) -> int:
    """Put ``body`` between the table markers of ``doc_path`` (``check``: only compare). 0 when
    the file is (now) current, 1 when ``check`` finds it stale, 2 when it has no markers."""
    doc = doc_path.read_text(encoding="utf-8")
    if begin not in doc or end not in doc:
        print(f"{doc_path.relative_to(REPO)}: no table markers", file=sys.stderr)
        return 2
    fresh = _splice(doc, body, begin, end)
    if check:
        if fresh != doc:
            print(f"{doc_path.relative_to(REPO)} is stale: run {script} --write", file=sys.stderr)
            return 1
        return 0
    doc_path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

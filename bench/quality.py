"""Quality benchmark: recall and false-alarm rate of the engine on an evaluation corpus.

    .venv/bin/python bench/quality.py                          # tests/corpus, text report
    .venv/bin/python bench/quality.py --corpus tests/holdout   # the held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout2  # the second held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout3  # the third held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout4  # the fourth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout5  # the fifth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout6  # the sixth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout7  # the seventh held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout8  # the eighth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout9  # the ninth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout10 # the tenth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout11 # the eleventh held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout12 # the twelfth held-out corpus
    .venv/bin/python bench/quality.py --corpus tests/holdout13 # the thirteenth held-out corpus
    .venv/bin/python bench/quality.py --all                    # all fourteen, separate and combined totals
    .venv/bin/python bench/quality.py --json                   # machine-readable (with any of the above)

Each ``<corpus>/<system>.yaml`` has a ``<system>.expected.yaml`` written before the engine
was run on it (docs/quality.md). ``tests/corpus`` is the working corpus; ``tests/holdout``,
``tests/holdout2``, ``tests/holdout3``, ``tests/holdout4``, ``tests/holdout5``, ``tests/holdout6``,
``tests/holdout7`` to ``tests/holdout13`` are held out: nobody tunes rules on them (``tests/holdout2`` was written when
rules were being widened on the misses of the other two, ``tests/holdout3`` when they were being
widened on the misses of all three, ``tests/holdout4`` on the misses of all four,
``tests/holdout5`` on the misses of all five, ``tests/holdout6`` on the misses of all six,
``tests/holdout7`` after session 10 had tuned on ``tests/holdout6``, ``tests/holdout8`` after
session 11 had tuned on ``tests/holdout7``, ``tests/holdout9`` after session 11 had tuned on
``tests/holdout8``, ``tests/holdout10`` after session 12 had tuned on ``tests/holdout9``, ``tests/holdout11`` after it
had tuned on ``tests/holdout10``, ``tests/holdout12``, the second written by an outside reviewer, after
session 13 had worked on an outside review, and ``tests/holdout13``, by an outside reviewer too,
after session 13 had tuned on ``tests/holdout12``). A
positive names ``tm:<threat>`` (satisfied by that finding on the element) or a catalog reference
such as ``owasp-llm:LLM03`` or ``atlas:AML.T0024`` (satisfied by any finding on the element whose
refs contain it, version suffixes and sub-techniques included). A negative names the same way
what must not be raised.
Recall = positives raised / positives; false-alarm rate = negatives raised / negatives.
The report also counts all findings on the example models in models/ (noise measure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from threatmodel.engine import evaluate  # noqa: E402
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model  # noqa: E402

CORPUS = REPO / "tests" / "corpus"
HOLDOUT = REPO / "tests" / "holdout"
LAST_HELD_OUT = 47
"""Held-out corpora are ``tests/holdout`` and ``tests/holdout2`` to ``tests/holdout<LAST_HELD_OUT>``."""
CORPORA = {
    "corpus": CORPUS,
    "holdout": HOLDOUT,
    **{f"holdout{n}": REPO / "tests" / f"holdout{n}" for n in range(2, LAST_HELD_OUT + 1)},
}
# what each section of ``--all`` is called in the report
LABELS = {
    "corpus": "working corpus",
    "holdout": "held-out",
    **{f"holdout{n}": f"held-out {n}" for n in range(2, LAST_HELD_OUT + 1)},
}
# the corpora nobody tunes on (every one but the working corpus); ``--all`` also totals them together
HELD_OUT = tuple(name for name in CORPORA if name != "corpus")
EXAMPLES = REPO / "models"
AS_OF = dt.date(2026, 12, 1)
GAPS = ("unknowns", "insiders", "provenance", "lifecycle", "oversight", "root-cause", "none")


class CorpusError(Exception):
    """The directory given as a corpus holds no expectations."""


@dataclass(frozen=True)
class Expectation:
    expect: str
    element: str
    reason: str
    gap: str = "none"
    also: tuple[str, ...] = ()
    """Other threat ids that meet it: those that carry on an id which is still a live threat too."""


@dataclass
class ModelResult:
    name: str
    positives: list[Expectation] = field(default_factory=list)
    negatives: list[Expectation] = field(default_factory=list)
    misses: list[Expectation] = field(default_factory=list)
    false_alarms: list[Expectation] = field(default_factory=list)
    findings: int = 0
    asked: list[Expectation] = field(default_factory=list)
    """The false alarms that every finding raising them rests on unknown facts of their own: a
    finding on that one element whose ``assumes`` is not empty, so stating those facts as the
    writer meant them can remove it, and the report asks them. A group's or a related element's
    finding carries other elements' assumptions too, so a false alarm it raises is not counted
    here: the rest are raised on stated facts alone or cannot be told apart (an upper bound)."""
    next_door: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """For a miss (expect, element): the neighbouring elements the same threat is raised on (a
    flow into or out of the element, the element at either end of a flow, or the flow between two
    components). Reported beside the recall, never counted in it: the figure stays exact."""


def ref_matches(expected: str, refs: Iterable[str]) -> bool:
    """True when a finding ref realises the expected catalog ref (``LLM03`` matches ``LLM03:2025``)."""
    prefixes = (expected + ":", expected + ".")
    return any(ref == expected or ref.startswith(prefixes) for ref in refs)


def raised(exp: Expectation, findings: dict[str, list[tuple[str, tuple[str, ...]]]]) -> bool:
    on_element = findings.get(exp.element, [])
    if exp.expect.startswith("tm:"):
        return any(threat == exp.expect or threat in exp.also for threat, _ in on_element)
    return any(ref_matches(exp.expect, refs) for _, refs in on_element)


def load_expectations(path: Path) -> tuple[str, list[Expectation], list[Expectation]]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    pos = [Expectation(**item) for item in doc.get("positives") or []]
    neg = [Expectation(**item) for item in doc.get("negatives") or []]
    return str(doc["model"]), pos, neg


def expectation_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted(corpus.glob("*.expected.yaml"))


def renamed(cats: LoadedCatalogs) -> dict[str, str]:
    """``<catalog>:<old id>`` -> ``<catalog>:<id>`` for every threat merged into or split from
    another (its ``formerly``) whose old id is no longer a threat: an expectation written with the
    old id is met by the threat that carries it on, as a triage decision recorded under it is."""
    live = {f"{c.id}:{t.id}" for c in cats.catalogs for t in c.threats}
    return {
        f"{c.id}:{old}": f"{c.id}:{t.id}"
        for c in cats.catalogs
        for t in c.threats
        for old in t.formerly
        if f"{c.id}:{old}" not in live
    }


def split_from(cats: LoadedCatalogs) -> dict[str, tuple[str, ...]]:
    """``<catalog>:<id>`` -> the threats split from it, for an id that is still a live threat and
    is also in another's ``formerly`` (decision 1240 split direct from indirect agent injection and
    kept the old id for one half). An expectation naming it may have been written before the split,
    when the id meant both halves, or after it: it is met by either, and a negative naming it is
    raised by either."""
    live = {f"{c.id}:{t.id}" for c in cats.catalogs for t in c.threats}
    split: dict[str, list[str]] = {}
    for c in cats.catalogs:
        for t in c.threats:
            for old in t.formerly:
                if f"{c.id}:{old}" in live:
                    split.setdefault(f"{c.id}:{old}", []).append(f"{c.id}:{t.id}")
    return {old: tuple(sorted(ids)) for old, ids in split.items()}


def run_model(expected_path: Path, cats: LoadedCatalogs) -> ModelResult:
    model_file, pos, neg = load_expectations(expected_path)
    now, split = renamed(cats), split_from(cats)
    pos = [replace(e, expect=now.get(e.expect, e.expect), also=split.get(e.expect, ())) for e in pos]
    neg = [replace(e, expect=now.get(e.expect, e.expect), also=split.get(e.expect, ())) for e in neg]
    loaded = load_model(expected_path.parent / model_file, known_controls=cats.control_refs)
    assessment = evaluate(loaded.model, cats.catalogs, as_of=AS_OF)
    by_element: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    # findings that rest on no unknown of the element's own (or cannot be told to)
    on_stated: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for f in assessment.findings:
        # a finding counts on every element it applies to (a root cause's group) and on every element
        # its threat says it also affects (decision 1850): a negative there is a false alarm
        # and on its root, the element its id names (``<threat>@<root>``) when it groups several:
        # that is where a reader of the report finds it filed
        root = (f.root,) if f.root is not None and f.root not in f.all_elements else ()
        for element in (*f.all_elements, *root):
            by_element.setdefault(element, []).append((f.threat, f.refs))
            if not f.assumes or f.elements != (element,):
                on_stated.setdefault(element, []).append((f.threat, f.refs))
    result = ModelResult(name=model_file.removesuffix(".yaml"), positives=pos, negatives=neg)
    result.findings = len(assessment.findings)
    result.misses = [e for e in pos if not raised(e, by_element)]
    result.false_alarms = [e for e in neg if raised(e, by_element)]
    result.asked = [e for e in result.false_alarms if not raised(e, on_stated)]
    around = neighbours(loaded.model.flows)
    for miss in result.misses:
        near = tuple(n for n in sorted(around.get(miss.element, ())) if raised(replace(miss, element=n), by_element))
        if near:
            result.next_door[(miss.expect, miss.element)] = near
    return result


def neighbours(flows: Iterable[Any]) -> dict[str, set[str]]:
    """Element id -> the ids one step away: a component's flows and the components at their other
    ends, a flow's two ends."""
    around: dict[str, set[str]] = {}
    for flow in flows:
        key, source, target = flow.key, flow.source, flow.target
        around.setdefault(source, set()).update((key, target))
        around.setdefault(target, set()).update((key, source))
        around.setdefault(key, set()).update((source, target))
    return around


def example_noise(cats: LoadedCatalogs) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        loaded = load_model(path, known_controls=cats.control_refs)
        counts[path.stem] = len(evaluate(loaded.model, cats.catalogs, as_of=AS_OF).findings)
    return counts


def pct(num: int, den: int) -> float:
    return round(100.0 * num / den, 1) if den else 0.0


def _row(e: Expectation, near: tuple[str, ...] = ()) -> dict[str, Any]:
    row: dict[str, Any] = {"expect": e.expect, "element": e.element, "gap": e.gap, "reason": e.reason}
    if near:
        row["next_door"] = list(near)
    return row


def _totals(results: list[ModelResult]) -> dict[str, Any]:
    tp = sum(len(r.positives) for r in results)
    tm = sum(len(r.misses) for r in results)
    tn = sum(len(r.negatives) for r in results)
    tf = sum(len(r.false_alarms) for r in results)
    asked = sum(len(r.asked) for r in results)
    misses_by_gap: dict[str, int] = dict.fromkeys(GAPS, 0)
    next_door = sum(len(r.next_door) for r in results)
    for r in results:
        for m in r.misses:
            misses_by_gap[m.gap] = misses_by_gap.get(m.gap, 0) + 1
    return {
        "models": len(results),
        "positives": tp,
        "raised": tp - tm,
        "recall_pct": pct(tp - tm, tp),
        "negatives": tn,
        "false_alarms": tf,
        "false_alarm_pct": pct(tf, tn),
        "false_alarms_on_unknowns": asked,
        "false_alarms_not_asked_pct": pct(tf - asked, tn),
        "misses_by_gap": misses_by_gap,
        "missed_but_next_door": next_door,
    }


def _summary(results: list[ModelResult]) -> dict[str, Any]:
    return {
        "models": [
            {
                "model": r.name,
                "positives": len(r.positives),
                "raised": len(r.positives) - len(r.misses),
                "recall_pct": pct(len(r.positives) - len(r.misses), len(r.positives)),
                "negatives": len(r.negatives),
                "false_alarms": len(r.false_alarms),
                "false_alarm_pct": pct(len(r.false_alarms), len(r.negatives)),
                "findings": r.findings,
                "misses": [_row(e, r.next_door.get((e.expect, e.element), ())) for e in r.misses],
                "false_alarm_list": [_row(e) | {"rests_on_unknowns": e in r.asked} for e in r.false_alarms],
            }
            for r in results
        ],
        "total": _totals(results),
    }


def _corpus_results(corpus: Path, cats: LoadedCatalogs) -> list[ModelResult]:
    paths = expectation_files(corpus)
    if not paths:
        raise CorpusError(f"{corpus}: no *.expected.yaml files (not an evaluation corpus)")
    return [run_model(p, cats) for p in paths]


def _noise(cats: LoadedCatalogs) -> dict[str, Any]:
    noise = example_noise(cats)
    return {"per_model": noise, "total": sum(noise.values())}


def run(corpus: Path = CORPUS) -> dict[str, Any]:
    """Recall and false alarms on one corpus directory, plus the noise on the example models."""
    cats = load_catalogs()
    report = _summary(_corpus_results(corpus, cats))
    report["corpus"] = _display(corpus)
    report["example_findings"] = _noise(cats)
    return report


def run_all(corpora: dict[str, Path] = CORPORA) -> dict[str, Any]:
    """Each corpus separately, the held-out ones together, then the totals over all of them."""
    cats = load_catalogs()
    sections: dict[str, Any] = {}
    everything: list[ModelResult] = []
    held_out: list[ModelResult] = []
    for name, path in corpora.items():
        results = _corpus_results(path, cats)
        everything.extend(results)
        if name in HELD_OUT:
            held_out.extend(results)
        sections[name] = _summary(results) | {"corpus": _display(path), "label": LABELS.get(name, name)}
    report = {"corpora": sections, "combined": _totals(everything), "example_findings": _noise(cats)}
    if held_out:
        report["held_out_combined"] = _totals(held_out)
    return report


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return path.as_posix()


def _total_line(label: str, t: dict[str, Any]) -> str:
    return (
        f"{label:32} {t['raised']:>3}/{t['positives']:<3} {t['recall_pct']:>5.1f}%"
        f" {t['false_alarms']:>3}/{t['negatives']:<3} {t['false_alarm_pct']:>5.1f}%"
    )


def _gap_line(t: dict[str, Any]) -> str:
    return (
        "misses by gap: "
        + ", ".join(f"{g} {n}" for g, n in t["misses_by_gap"].items())
        + f"; of the misses, raised next door: {t['missed_but_next_door']}"
        + (
            f"\nfalse alarms resting on unknown facts (asked): {t['false_alarms_on_unknowns']}/{t['false_alarms']};"
            f" on stated facts alone, or not told apart: {t['false_alarms'] - t['false_alarms_on_unknowns']}/{t['negatives']}"
            f" ({t['false_alarms_not_asked_pct']:.1f} %)"
            if t["false_alarms"]
            else ""
        )
    )


def _table(summary: dict[str, Any]) -> list[str]:
    lines = [f"{'model':32} {'recall':>14} {'false alarms':>14} {'findings':>9}"]
    for m in summary["models"]:
        lines.append(
            f"{m['model']:32} {m['raised']:>3}/{m['positives']:<3} {m['recall_pct']:>5.1f}%"
            f" {m['false_alarms']:>3}/{m['negatives']:<3} {m['false_alarm_pct']:>5.1f}% {m['findings']:>9}"
        )
    lines.append(_total_line("TOTAL", summary["total"]))
    lines.append("")
    lines.append(_gap_line(summary["total"]))
    return lines


def _details(summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for m in summary["models"]:
        if m["misses"] or m["false_alarm_list"]:
            lines.append("")
            lines.append(f"## {m['model']}")
            for e in m["misses"]:
                near = f" (raised next door on {', '.join(e['next_door'])})" if "next_door" in e else ""
                lines.append(f"  miss        {e['expect']}@{e['element']} [{e['gap']}]{near}: {e['reason']}")
            for e in m["false_alarm_list"]:
                asked = " [rests on unknowns]" if e["rests_on_unknowns"] else ""
                lines.append(f"  false alarm {e['expect']}@{e['element']}{asked}: {e['reason']}")
    return lines


def _noise_line(noise: dict[str, Any]) -> str:
    return (
        f"findings on example models: {noise['total']} ("
        + ", ".join(f"{k} {v}" for k, v in noise["per_model"].items())
        + ")"
    )


def render_text(report: dict[str, Any]) -> str:
    """One corpus (``run``) or all of them (``run_all``) as a plain-text report."""
    if "corpora" in report:
        lines: list[str] = []
        for name, summary in report["corpora"].items():
            lines.append(f"# {name} ({summary['corpus']}): {summary['label']}")
            lines.extend(_table(summary))
            lines.append("")
        if "held_out_combined" in report:
            lines.append(_total_line("HELD-OUT COMBINED", report["held_out_combined"]))
            lines.append(_gap_line(report["held_out_combined"]))
        lines.append(_total_line("COMBINED", report["combined"]))
        lines.append(_gap_line(report["combined"]))
        lines.append(_noise_line(report["example_findings"]))
        for name, summary in report["corpora"].items():
            detail = _details(summary)
            if detail:
                lines.append("")
                lines.append(f"# {name}: misses and false alarms")
                lines.extend(detail)
        return "\n".join(lines) + "\n"
    lines = _table(report)
    lines.append(_noise_line(report["example_findings"]))
    lines.extend(_details(report))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        metavar="DIR",
        help="corpus directory of <system>.yaml and <system>.expected.yaml (default: tests/corpus)",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="tests/corpus, tests/holdout, tests/holdout2, tests/holdout3, tests/holdout4, tests/holdout5,"
        " tests/holdout6 to tests/holdout13, each with"
        " its own totals, then the held-out ones together and all combined",
    )
    args = parser.parse_args(argv)
    try:
        report = run_all() if args.all else run(args.corpus)
    except CorpusError as exc:
        sys.stderr.write(f"quality: {exc}\n")
        return 2
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

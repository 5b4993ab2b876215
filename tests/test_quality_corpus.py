"""The evaluation corpora and their quality benchmark (bench/quality.py) stay usable.

Fourteen corpora: tests/corpus (the working one), tests/holdout and tests/holdout2 to
tests/holdout13 (held out: nobody tunes rules on them). Every
model of each validates, every expectation names an element of its model and a threat or catalog entry that exists in catalogs/, no two corpora share a system or a
source, and the harness runs end to end on each corpus and on all of them together.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from threatmodel.io.load import load_catalogs, load_model

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import quality  # noqa: E402

EXPECTED = quality.expectation_files()
HELD_OUT_NAMES = ("holdout", *(f"holdout{n}" for n in range(2, 48)))
"""The held-out corpora in the order they were written (each is checked against all before it),
written out here, not read from the harness: a corpus dropped from it must fail these tests."""
FOLDERS = {name: quality.CORPORA[name] for name in HELD_OUT_NAMES}
FILES = {name: quality.expectation_files(folder) for name, folder in FOLDERS.items()}
HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4, HOLDOUT5 = (FILES[n] for n in HELD_OUT_NAMES[:5])
HELD_OUT_FILES = [FILES[name] for name in HELD_OUT_NAMES]


def _systems(paths: list[Path]) -> dict[str, str]:
    """System id -> description of every model the expectation files name."""
    cats = load_catalogs()
    out = {}
    for p in paths:
        model = load_model(p.parent / quality.load_expectations(p)[0], known_controls=cats.control_refs).model
        out[model.system.id] = model.system.description
    return out


def _source_titles(description: str) -> set[str]:
    """The cited titles: every corpus description starts its citation as ``Source: "<title>",
    <publisher>`` (or ``Sources:`` and several such, each with its URL, the last URL closing the
    list)."""
    marker = "Sources:" if "Sources:" in description else "Source:"
    after = description.split(marker, 1)[1]
    last_url = after.rfind("https://")
    if last_url < 0:
        return {after.split('"')[1].casefold()}
    return {title.casefold() for title in after[:last_url].split('"')[1::2]}


def test_corpus_has_at_least_twelve_systems() -> None:
    assert len(EXPECTED) >= 12
    models = {p.name for p in quality.CORPUS.glob("*.yaml")} - {p.name for p in EXPECTED}
    assert {quality.load_expectations(p)[0] for p in EXPECTED} == models


@pytest.mark.parametrize(
    ("held", "folder", "earlier", "systems", "least_positives"),
    [
        # the first held-out corpus has 8 or more systems and no rule on positives per system
        pytest.param(HOLDOUT, FOLDERS["holdout"], [EXPECTED], 8, None, id="holdout"),
        pytest.param(HOLDOUT2, FOLDERS["holdout2"], [EXPECTED, HOLDOUT], 12, 4, id="holdout2"),
        # three positives on the systems whose source says very little
        pytest.param(HOLDOUT3, FOLDERS["holdout3"], [EXPECTED, HOLDOUT, HOLDOUT2], 12, 3, id="holdout3"),
        # from sources that say very little, five positives are the fewest
        pytest.param(HOLDOUT4, FOLDERS["holdout4"], [EXPECTED, HOLDOUT, HOLDOUT2, HOLDOUT3], 12, 5, id="holdout4"),
        # five positives are the fewest here too (the face unlock, whose source states its defences)
        pytest.param(
            HOLDOUT5, FOLDERS["holdout5"], [EXPECTED, HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4], 12, 5, id="holdout5"
        ),
        # from held-out 6 on, twelve systems and five positives at the fewest (the exam grading and
        # the care management score, whose sources say little, are the closest to it)
        *(
            pytest.param(files, folder, [EXPECTED, *HELD_OUT_FILES[: n - 1]], 12, 5, id=f"holdout{n}")
            for n, files, folder in ((n, FILES[f"holdout{n}"], FOLDERS[f"holdout{n}"]) for n in range(6, 48))
        ),
    ],
)
def test_held_out_corpus_shares_no_system_or_source_with_the_earlier_ones(
    held: list[Path], folder: Path, earlier: list[list[Path]], systems: int, least_positives: int | None
) -> None:
    """Held out means disjoint: no system id and no cited source title is shared with an earlier
    corpus; every model has its expectations, cites its source with a URL, and (from the second
    corpus on) has a few positives and exactly three negatives."""
    assert len(held) >= systems
    models = {p.name for p in folder.glob("*.yaml")} - {p.name for p in held}
    assert {quality.load_expectations(p)[0] for p in held} == models
    before: dict[str, str] = {}
    for corpus in earlier:
        before |= _systems(corpus)
    mine = _systems(held)
    assert not set(before) & set(mine)
    earlier_titles = set().union(*(_source_titles(d) for d in before.values()))
    for system_id, description in mine.items():
        assert "Source:" in description or "Sources:" in description, (
            f"{system_id}: the description must cite its source"
        )
        assert any(w.startswith("https://") for w in description.split()), f"{system_id}: the source's URL is missing"
        shared = _source_titles(description) & earlier_titles
        assert not shared, f"{system_id}: source {shared} shared with an earlier corpus"
    if least_positives is None:
        return
    for p in held:
        _, positives, negatives = quality.load_expectations(p)
        assert len(positives) >= least_positives and len(negatives) == 3, p.name


@pytest.mark.parametrize(
    "expected_path",
    [
        pytest.param(p, id=f"{p.parent.name}/{p.name.removesuffix('.expected.yaml')}")
        for p in EXPECTED + [p for files in HELD_OUT_FILES for p in files]
    ],
)
def test_expectations_name_real_elements_and_threats(expected_path: Path) -> None:
    cats = load_catalogs()
    model_file, positives, negatives = quality.load_expectations(expected_path)
    # load_model raises on any schema or reference error, so loading is validation
    loaded = load_model(expected_path.parent / model_file, known_controls=cats.control_refs)
    model = loaded.model
    elements = {c.id for c in model.components} | {f.key for f in model.flows} | {model.system.id}
    # a threat merged into another keeps its id in the other's `formerly` (the benchmark reads it so)
    threats = {f"{c.id}:{t.id}" for c in cats.catalogs for t in c.threats} | set(quality.renamed(cats))
    entries = {f"{c.id}:{e.id}" for c in cats.catalogs for e in c.entries}
    assert positives and negatives
    for exp in positives + negatives:
        assert exp.element in elements, f"{expected_path.name}: unknown element {exp.element}"
        assert exp.gap in quality.GAPS, f"{expected_path.name}: unknown gap {exp.gap}"
        assert exp.reason.strip(), f"{expected_path.name}: {exp.expect}@{exp.element} has no reason"
        if exp.expect.startswith("tm:"):
            assert exp.expect in threats, f"{expected_path.name}: unknown threat {exp.expect}"
        else:
            assert quality.ref_matches(exp.expect, entries), f"{expected_path.name}: unknown ref {exp.expect}"
    pairs = [(e.expect, e.element) for e in positives + negatives]
    assert len(pairs) == len(set(pairs)), f"{expected_path.name}: a pair is both expected and forbidden, or repeated"


def test_ref_matching_is_version_agnostic_but_exact_on_ids() -> None:
    assert quality.ref_matches("owasp-llm:LLM03", ["owasp-llm:LLM03:2025"])
    assert quality.ref_matches("atlas:AML.T0024", ["atlas:AML.T0024.001"])
    assert not quality.ref_matches("atlas:AML.T0024", ["atlas:AML.T00240"])
    assert not quality.ref_matches("owasp-llm:LLM0", ["owasp-llm:LLM03:2025"])


def test_harness_runs_and_reports_consistent_figures(capsys: pytest.CaptureFixture[str]) -> None:
    report = quality.run()
    total = report["total"]
    assert total["models"] == len(EXPECTED)
    assert total["positives"] == sum(m["positives"] for m in report["models"])
    assert total["raised"] == total["positives"] - sum(len(m["misses"]) for m in report["models"])
    assert sum(total["misses_by_gap"].values()) == total["positives"] - total["raised"]
    assert report["example_findings"]["total"] > 0
    assert quality.main(["--json"]) == 0
    assert '"recall_pct"' in capsys.readouterr().out
    assert quality.main([]) == 0
    assert "TOTAL" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("folder", "files", "three_negatives"),
    [pytest.param(FOLDERS[name], FILES[name], name != "holdout", id=name) for name in HELD_OUT_NAMES],
)
def test_harness_takes_a_corpus_directory(
    folder: Path, files: list[Path], three_negatives: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--corpus DIR` runs one held-out corpus: its models, its totals, and its name in the JSON."""
    held = quality.run(folder)
    name = f"tests/{folder.name}"
    assert held["corpus"] == name
    assert {m["model"] for m in held["models"]} == {
        quality.load_expectations(p)[0].removesuffix(".yaml") for p in files
    }
    assert held["total"]["positives"] == sum(len(quality.load_expectations(p)[1]) for p in files)
    if three_negatives:
        assert held["total"]["negatives"] == 3 * len(files)
    assert quality.main(["--corpus", str(folder), "--json"]) == 0
    assert f'"corpus": "{name}"' in capsys.readouterr().out


def test_all_reports_each_corpus_and_combined_totals_that_add_up(capsys: pytest.CaptureFixture[str]) -> None:
    report = quality.run_all()
    held_out_names = HELD_OUT_NAMES
    assert list(report["corpora"]) == ["corpus", *held_out_names]
    assert [s["label"] for s in report["corpora"].values()] == [
        "working corpus",
        "held-out",
        *(f"held-out {i}" for i in range(2, 48)),
    ]

    def adds_up(total: dict[str, Any], names: tuple[str, ...]) -> None:
        parts = [report["corpora"][name]["total"] for name in names]
        for key in ("models", "positives", "raised", "negatives", "false_alarms", "missed_but_next_door"):
            assert total[key] == sum(t[key] for t in parts), key
        for gap in quality.GAPS:
            assert total["misses_by_gap"][gap] == sum(t["misses_by_gap"][gap] for t in parts)

    adds_up(report["combined"], ("corpus", *held_out_names))
    adds_up(report["held_out_combined"], held_out_names)
    held_out = sum(len(c) for c in HELD_OUT_FILES)
    assert report["combined"]["models"] == len(EXPECTED) + held_out
    assert report["held_out_combined"]["models"] == held_out
    assert quality.main(["--all"]) == 0
    out = capsys.readouterr().out
    assert "# corpus (tests/corpus): working corpus" in out
    assert "# holdout (tests/holdout): held-out" in out
    assert "# holdout2 (tests/holdout2): held-out 2" in out
    assert "# holdout3 (tests/holdout3): held-out 3" in out
    assert "# holdout4 (tests/holdout4): held-out 4" in out
    assert "# holdout5 (tests/holdout5): held-out 5" in out
    assert "# holdout6 (tests/holdout6): held-out 6" in out
    assert "# holdout7 (tests/holdout7): held-out 7" in out
    assert "# holdout8 (tests/holdout8): held-out 8" in out
    assert "# holdout9 (tests/holdout9): held-out 9" in out
    assert "# holdout10 (tests/holdout10): held-out 10" in out
    assert "# holdout11 (tests/holdout11): held-out 11" in out
    assert "# holdout12 (tests/holdout12): held-out 12" in out
    assert "HELD-OUT COMBINED" in out and "\nCOMBINED" in out


def test_a_directory_without_expectations_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "system.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    assert quality.main(["--corpus", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "no *.expected.yaml" in captured.err and captured.out == ""
    with pytest.raises(SystemExit):
        quality.main(["--all", "--corpus", str(tmp_path)])


def _judge_on_case(tmp_path: Path, threat: str, expectations: str) -> quality.ModelResult:
    """Judge ``expectations`` (the positives and negatives of an expected file) on the library's
    positive fixture of ``threat``."""
    case = Path(__file__).parent / "catalogs" / "cases" / threat / "positive.yaml"
    (tmp_path / "case.yaml").write_text(case.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "case.expected.yaml").write_text("model: case.yaml\n" + expectations, encoding="utf-8")
    return quality.run_model(tmp_path / "case.expected.yaml", load_catalogs())


def test_an_expectation_under_a_former_threat_id_is_met_by_the_threat_that_carries_it_on(tmp_path: Path) -> None:
    """A threat merged into another (listed in its `formerly`) still answers expectations written
    with its old id, on the same element; on an element where the threat is not raised it does not."""
    cats = load_catalogs()
    assert quality.renamed(cats).get("tm:unreviewed-automated-decision") == "tm:unreviewed-score-reliance"
    result = _judge_on_case(
        tmp_path,
        "unreviewed-score-reliance",
        "positives:\n"
        "  - {expect: tm:unreviewed-automated-decision, element: scheduler, reason: applied with no one looking}\n"
        "  - {expect: tm:unreviewed-automated-decision, element: nurses, reason: not where it is raised}\n"
        "negatives: []\n",
    )
    assert [(e.expect, e.element) for e in result.misses] == [("tm:unreviewed-score-reliance", "nurses")]


def test_an_id_still_live_after_a_split_is_met_by_either_half(tmp_path: Path) -> None:
    """`agent-goal-hijack` is a live threat (direct injection) and also in the indirect threat's
    `formerly`: an expectation naming it is met by either half, and a negative naming it is raised
    by either, while an id that is no longer a threat is simply read as its successor."""
    cats = load_catalogs()
    assert "tm:agent-goal-hijack" not in quality.renamed(cats)
    assert quality.split_from(cats)["tm:agent-goal-hijack"] == ("tm:agent-indirect-prompt-injection",)
    result = _judge_on_case(
        tmp_path,
        "agent-indirect-prompt-injection",
        "positives:\n"
        "  - {expect: tm:agent-goal-hijack, element: mail-agent, reason: mail steers the agent}\n"
        "negatives:\n"
        "  - {expect: tm:agent-goal-hijack, element: mail-agent, reason: raised by the indirect half}\n"
        "  - {expect: tm:agent-goal-hijack, element: read-inbox, reason: not raised on the tool}\n",
    )
    assert result.misses == []
    assert [(e.expect, e.element) for e in result.false_alarms] == [("tm:agent-goal-hijack", "mail-agent")]


def test_a_miss_raised_next_door_is_named_but_not_counted(tmp_path: Path) -> None:
    """A threat raised on a neighbour of the expected element (a flow to or from it, or the
    component at a flow's other end) stays a miss; the report names where it was raised instead.
    The fixture raises it on the scheduler, with the ward board among the affected elements; the
    risk model whose score is relied on is named as also affected (decision 1850), so it counts."""
    result = _judge_on_case(
        tmp_path,
        "unreviewed-score-reliance",
        "positives:\n"
        "  - {expect: tm:unreviewed-score-reliance, element: risk-model, reason: also affected}\n"
        "  - {expect: tm:unreviewed-score-reliance, element: risk-model-to-scheduler, reason: the flow in}\n"
        "  - {expect: tm:unreviewed-score-reliance, element: doctors, reason: one step from the board}\n"
        "  - {expect: tm:unreviewed-score-reliance, element: vitals, reason: a data asset is no flow end}\n"
        "negatives: []\n",
    )
    assert [e.element for e in result.misses] == ["risk-model-to-scheduler", "doctors", "vitals"]
    assert result.next_door == {
        ("tm:unreviewed-score-reliance", "risk-model-to-scheduler"): ("risk-model", "scheduler"),
        ("tm:unreviewed-score-reliance", "doctors"): ("ward-board",),
    }
    summary = quality._summary([result])
    assert summary["total"]["raised"] == 1
    assert summary["total"]["missed_but_next_door"] == 2
    details = "\n".join(quality._details(summary))
    assert "risk-model-to-scheduler [none] (raised next door on risk-model, scheduler)" in details
    assert "vitals [none]: a data asset" in details


def test_a_grouped_finding_counts_on_the_root_its_id_names(tmp_path: Path) -> None:
    """One untrusted helpdesk reaching two models is one finding, `tm:indirect-prompt-injection@helpdesk`:
    an expectation filed on the helpdesk (where the report files it, by its id) is met, as are the
    models it lists; a component on its path that the finding does not name stays a miss."""
    result = _judge_on_case(
        tmp_path,
        "indirect-prompt-injection",
        "positives:\n"
        "  - {expect: tm:indirect-prompt-injection, element: helpdesk, reason: the root its id names}\n"
        "  - {expect: tm:indirect-prompt-injection, element: support-llm, reason: an element it lists}\n"
        "  - {expect: tm:indirect-prompt-injection, element: indexer, reason: on the path but not named}\n"
        "negatives: []\n",
    )
    assert [e.element for e in result.misses] == ["indexer"]


def _judge_on_widened(tmp_path: Path, case: str, expectations: str) -> quality.ModelResult:
    """Judge ``expectations`` on the positive fixture of a widened rule (tests/catalogs/widened)."""
    fixture = Path(__file__).parent / "catalogs" / "widened" / case / "positive.yaml"
    (tmp_path / "case.yaml").write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "case.expected.yaml").write_text("model: case.yaml\n" + expectations, encoding="utf-8")
    return quality.run_model(tmp_path / "case.expected.yaml", load_catalogs())


def test_a_false_alarm_resting_on_unknowns_is_told_from_one_on_stated_facts(tmp_path: Path) -> None:
    """The speaker's over-collection rests on its audio's unstated lawful basis (asked); the
    callers' impersonation rests on stated facts alone (decision 1939). Only the first is counted
    as asked, in the result, the totals and the JSON rows."""
    asked = _judge_on_widened(
        tmp_path,
        "speaker-recording-the-room",
        "positives: []\n"
        "negatives:\n"
        "  - {expect: tm:personal-data-over-collection, element: kitchen-speaker, reason: consent given}\n",
    )
    assert [e.element for e in asked.false_alarms] == [e.element for e in asked.asked] == ["kitchen-speaker"]
    stated = _judge_on_widened(
        tmp_path,
        "callers-nobody-tells-apart",
        "positives: []\n"
        "negatives:\n"
        "  - {expect: tm:voice-or-video-impersonation, element: callers, reason: nobody would bother}\n",
    )
    assert [e.element for e in stated.false_alarms] == ["callers"] and stated.asked == []
    summary = quality._summary([asked, stated])
    assert summary["total"]["false_alarms"] == 2 and summary["total"]["false_alarms_on_unknowns"] == 1
    assert [row["rests_on_unknowns"] for m in summary["models"] for row in m["false_alarm_list"]] == [True, False]

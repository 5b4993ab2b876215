"""Live re-analysis in the TUI on a 500-component model: evaluate + table refresh after an edit.

    python bench/tui_reanalysis.py                  # 500 components, 20 edits of each kind
    python bench/tui_reanalysis.py --size 1000 --edits 40
    python bench/tui_reanalysis.py --model /tmp/rs/realshape-500.yaml   # a real-shaped model

The model comes from bench/synth.py (n components, 2n flows, deterministic), or is the file given
with ``--model`` (build a real-shaped one with ``bench/realshape.py --components 500``; it must
hold an application component, whose exposure the attribute edits switch). The app runs
headless at 120x36 with the built-in catalogs. Two kinds of edit are timed, alternating so
that every edit really changes the assessment:

* triage: record / remove an "accepted" decision on one finding (status changes);
* attribute: switch one component's exposure between internet and internal (findings and
  scores change).

For each edit the phases are timed separately:

* evaluate: ``threatmodel.engine.evaluate`` alone (the pure analysis);
* apply: ``EditSession.apply`` (validate the item, the loader's reference checks, write the
  change into the round-trip document, evaluate);
* table: ``FindingsTable.apply`` right after the change (the findings table refresh);
* views: the table refresh plus ``ThreatModelApp.model_changed`` (tree, filters, status,
  detail; the diagram's layout runs in a worker thread and is not waited for).

The first edit also parses the file with ruamel (the round-trip document is built lazily);
that one-off cost is reported on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AS_OF = dt.date(2026, 11, 25)


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"median {statistics.median(values):6.1f} ms   p90 {p90:6.1f} ms"


async def run(size: int, edits: int, model_file: Path | None = None) -> None:
    from bench.synth import synthetic_yaml
    from threatmodel.edit.changes import Change, SetTriage, Upsert, item_document
    from threatmodel.engine import evaluate
    from threatmodel.io.load import load_catalogs
    from threatmodel.model.vocab import Exposure
    from threatmodel.tui.app import make_app
    from threatmodel.tui.widgets.findings_table import FindingsTable

    cats = load_catalogs()
    with tempfile.TemporaryDirectory() as tmp:
        # A copy, so the edits never write into the file given.
        path = Path(tmp) / (model_file.name if model_file else f"synthetic-{size}.yaml")
        path.write_bytes(model_file.read_bytes() if model_file else synthetic_yaml(size).encode("utf-8"))
        app = make_app(path, cats, as_of=AS_OF)
        # Every edit analysed on the event loop, as on a small model: this times the analysis,
        # not the worker thread a model of this size would otherwise get (see tui_first_paint.py).
        app.background_from = 10**9
        session = app.session
        if session is None:
            raise SystemExit(f"could not open {path}")
        model = session.model
        print(
            f"model: {len(model.components)} components, {len(model.flows)} flows; "
            f"{sum(len(c.threats) for c in cats.catalogs)} threats in {len(cats.catalogs)} catalogs; "
            f"{len(session.assessment.findings)} findings"
        )
        finding = session.assessment.findings[0].id
        component = next((c for c in model.components if str(c.kind) == "application"), None)
        if component is None:
            raise SystemExit(f"{path.name}: no application component for the attribute edits")

        def triage(i: int) -> Change:
            entry = {"status": "accepted", "justification": "benchmark"} if i % 2 == 0 else None
            return Change("triage", (SetTriage(finding, entry),))

        def attribute(i: int) -> Change:
            current = session.element("components", component.id)
            changed = current.model_copy(update={"exposure": Exposure.INTERNET if i % 2 == 0 else Exposure.INTERNAL})
            return Change("exposure", (Upsert("components", item_document(changed), component.id),))

        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(FindingsTable)
            started = time.perf_counter()
            session.apply(triage(0))
            first = (time.perf_counter() - started) * 1000
            app.model_changed("warm-up")
            session.apply(triage(1))
            app.model_changed("warm-up")
            await pilot.pause()
            print(f"first edit (parses the file for round-trip saving): {first:.0f} ms")
            for name, make in (("triage", triage), ("attribute", attribute)):
                t_eval: list[float] = []
                t_apply: list[float] = []
                t_table: list[float] = []
                t_views: list[float] = []
                for i in range(edits):
                    change = make(i)
                    t0 = time.perf_counter()
                    session.apply(change)
                    _ = session.assessment  # a session that analyses when first asked does it here
                    t1 = time.perf_counter()
                    table.apply(session.assessment.findings, table._last_filter)
                    t2 = time.perf_counter()
                    app.model_changed(change.label)
                    t3 = time.perf_counter()
                    evaluate(session.model, cats.catalogs, as_of=AS_OF)
                    t4 = time.perf_counter()
                    t_apply.append((t1 - t0) * 1000)
                    t_table.append((t2 - t1) * 1000)
                    t_views.append((t3 - t1) * 1000)
                    t_eval.append((t4 - t3) * 1000)
                    await pilot.pause()
                total = [a + v for a, v in zip(t_apply, t_views, strict=True)]
                print(f"\n{name} edits (n={edits}):")
                print(f"  evaluate                      {summary(t_eval)}")
                print(f"  apply (validate+check+evaluate) {summary(t_apply)}")
                print(f"  findings table refresh        {summary(t_table)}")
                print(f"  all views refresh             {summary(t_views)}")
                print(f"  edit → every view updated    {summary(total)}")
                evaluate_and_table = [e + t for e, t in zip(t_eval, t_table, strict=True)]
                print(f"  evaluate + table refresh      {summary(evaluate_and_table)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--model", type=Path, help="time edits on this model file (a copy) instead of a synthetic one")
    args = parser.parse_args()
    asyncio.run(run(args.size, args.edits, args.model))


if __name__ == "__main__":
    main()

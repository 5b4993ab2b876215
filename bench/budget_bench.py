"""The work budget against a hostile user catalog: 100 graph rules on a 10,000-component model.

Before the budget this raised 875,222 findings in 179 s; now the evaluation stops with
"work budget exceeded" before building any finding. Run: `.venv/bin/python bench/budget_bench.py`.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import synthetic_yaml
from threatmodel.engine import evaluate
from threatmodel.errors import WorkBudgetError
from threatmodel.io.load import load_model_text
from threatmodel.model.catalog import Catalog

KINDS = [
    "llm",
    "agent",
    "tool",
    "datastore",
    "vector-store",
    "retriever",
    "application",
    "data-source",
    "ml-model",
    "mcp-server",
]


def hostile_catalog(rules: int = 100) -> Catalog:
    """``rules`` threats, each an `any` of two reach searches with distinct hop limits (no shared work)."""
    threats = [
        {
            "id": f"r{i}",
            "title": "t",
            "summary": "s",
            "scenario": "s",
            "likelihood": 3,
            "impact": 3,
            "lifecycle": ["runtime"],
            "when": {
                "any": [
                    {"reaches": {"where": {"kind": [KINDS[i % 10]]}, "max_hops": 1 + i % 16}},
                    {"reached_from": {"where": {"kind": [KINDS[(i + 3) % 10]]}, "max_hops": 1 + (i * 7) % 16}},
                ]
            },
        }
        for i in range(rules)
    ]
    data = {"id": "h", "title": "h", "version": "1", "published": "2026-01-01", "source": "https://example.org"}
    return Catalog.model_validate({**data, "licence": "bench data", "threats": threats})


def main() -> None:
    model = load_model_text(synthetic_yaml(10_000), "bench.yaml").model
    start = time.perf_counter()
    try:
        findings = len(evaluate(model, [hostile_catalog()], as_of=dt.date(2026, 11, 25)).findings)
        outcome = f"{findings} findings"
    except WorkBudgetError as exc:
        outcome = "refused: " + exc.problems[0].message
    print(f"{time.perf_counter() - start:.1f} s  {outcome}")


if __name__ == "__main__":
    main()

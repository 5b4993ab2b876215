"""Synthetic AI-system models for benchmarks: n components, 2n flows, deterministic for a seed.

python bench/synth.py 10000 > /tmp/big.yaml
python bench/synth.py 10000 --json > /tmp/big.json
"""

from __future__ import annotations

import json
import math
import random
import sys

import yaml

KINDS = [
    ("human-user", 3),
    ("application", 8),
    ("api-gateway", 2),
    ("input-guardrail", 1),
    ("output-guardrail", 1),
    ("llm", 4),
    ("ml-model", 3),
    ("embedding-model", 2),
    ("agent", 3),
    ("tool", 5),
    ("mcp-server", 2),
    ("agent-memory", 1),
    ("vector-store", 2),
    ("retriever", 2),
    ("prompt-store", 1),
    ("data-source", 3),
    ("data-pipeline", 2),
    ("dataset", 2),
    ("feature-store", 1),
    ("training-job", 1),
    ("fine-tuning-job", 1),
    ("evaluation", 1),
    ("model-registry", 1),
    ("model-serving", 2),
    ("datastore", 6),
    ("cache", 1),
    ("tool-registry", 1),
    ("external-service", 3),
    ("monitoring", 1),
]


def synthetic_model(n: int, seed: int = 7) -> dict[str, object]:
    """A valid model dict with ``n`` components and ``2n`` flows, mostly within boundaries."""
    rng = random.Random(seed)
    n_boundaries = max(2, int(math.sqrt(n)))
    trust = ["untrusted", "partner", "internal", "internal", "restricted"]
    boundaries = [{"id": f"zone-{b}", "trust": trust[b % len(trust)]} for b in range(n_boundaries)]
    data = [
        {
            "id": f"data-{d}",
            "classification": ["public", "internal", "confidential", "restricted"][d % 4],
            "tags": [["pii"], ["credentials"], ["system-prompt"], ["model-weights"], []][d % 5],
        }
        for d in range(max(4, n // 50))
    ]
    kinds = [k for k, w in KINDS for _ in range(w)]
    components: list[dict[str, object]] = []
    for i in range(n):
        kind = rng.choice(kinds)
        comp: dict[str, object] = {"id": f"c-{i}", "kind": kind, "boundary": f"zone-{i % n_boundaries}"}
        if rng.random() < 0.3:
            comp["data"] = [rng.choice(data)["id"]]
        if rng.random() < 0.05:
            comp["untrusted_content"] = True
        if kind in ("llm", "ml-model", "embedding-model"):
            comp["weights_format"] = rng.choice(["safetensors", "pickle", "onnx"])
            comp["provenance"] = rng.choice(["first-party", "open-weights", "third-party-api"])
        if kind in ("tool", "mcp-server"):
            comp["side_effects"] = rng.sample(["read-only", "write", "send-external", "execute-code"], 2)
        components.append(comp)
    flows = set()
    while len(flows) < 2 * n:
        a = rng.randrange(n)
        if rng.random() < 0.7:
            b = a + rng.choice([-n_boundaries, n_boundaries, 2 * n_boundaries])
            b %= n
        else:
            b = rng.randrange(n)
        if a != b:
            flows.add((a, b))
    flow_list = [
        {
            "source": f"c-{a}",
            "target": f"c-{b}",
            **({"data": [data[(a + b) % len(data)]["id"]]} if (a + b) % 3 == 0 else {}),
        }
        for a, b in sorted(flows)
    ]
    return {
        "system": {"id": "synthetic", "name": f"Synthetic {n}", "updated": "2026-11-01"},
        "data": data,
        "boundaries": boundaries,
        "components": components,
        "flows": flow_list,
    }


def synthetic_yaml(n: int, seed: int = 7) -> str:
    return yaml.safe_dump(synthetic_model(n, seed), sort_keys=False, default_flow_style=None, width=200)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if sys.argv[2:] == ["--json"]:  # the same model as JSON, for tools without a YAML reader (pytm)
        json.dump(synthetic_model(size), sys.stdout)
    else:
        sys.stdout.write(synthetic_yaml(size))

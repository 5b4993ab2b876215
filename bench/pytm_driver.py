"""Build one system in OWASP pytm from a JSON spec, find its threats and write its Markdown report.

Run by bench/compare_pytm.py with the interpreter of a separate environment that has pytm:

    /tmp/pytm-venv/bin/python bench/pytm_driver.py SPEC.json TEMPLATE.md REPORT.md

SPEC.json is a model dict as bench/synth.py makes it (system, data, boundaries, components, flows).
Prints one JSON line per phase (build, resolve, report) with its seconds and counts, as it ends.
Standard library and pytm only: this file never runs in the project's environment.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

STORE_KINDS = {
    "vector-store",
    "agent-memory",
    "prompt-store",
    "data-source",
    "dataset",
    "feature-store",
    "model-registry",
    "datastore",
    "cache",
}
SERVER_KINDS = {"application", "api-gateway", "model-serving"}
# threatmodel's four classifications onto pytm's ordered scale.
CLASSIFICATION = {"public": "PUBLIC", "internal": "RESTRICTED", "confidential": "SENSITIVE", "restricted": "SECRET"}


def build(spec: dict[str, Any]) -> Any:
    """The pytm TM for ``spec``: each component as the closest pytm element kind, in its boundary."""
    import pytm

    pytm.TM.reset()
    tm = pytm.TM(spec["system"]["name"], description=f"Synthetic system {spec['system']['id']} for a benchmark.")
    boundaries = {b["id"]: pytm.Boundary(b["id"]) for b in spec["boundaries"]}
    data = {
        d["id"]: pytm.Data(
            d["id"],
            classification=pytm.Classification[CLASSIFICATION[d["classification"]]],
            isPII="pii" in d.get("tags", ()),
            isCredentials="credentials" in d.get("tags", ()),
        )
        for d in spec["data"]
    }
    elements: dict[str, Any] = {}
    for c in spec["components"]:
        kind = c["kind"]
        common: dict[str, Any] = {"inBoundary": boundaries[c["boundary"]]} if c.get("boundary") else {}
        if kind == "human-user":
            element = pytm.Actor(c["id"], **common)
        elif kind == "llm":
            element = pytm.LLM(c["id"], processesUntrustedInput=bool(c.get("untrusted_content")), **common)
        elif kind == "agent":
            element = pytm.Agent(c["id"], **common)
        elif kind in STORE_KINDS:
            element = pytm.Datastore(c["id"], **common)
        elif kind == "external-service":
            element = pytm.ExternalEntity(c["id"], **common)
        elif kind in SERVER_KINDS:
            element = pytm.Server(c["id"], **common)
        else:
            element = pytm.Process(c["id"], **common)
        elements[c["id"]] = element
    for f in spec["flows"]:
        pytm.Dataflow(
            elements[f["source"]],
            elements[f["target"]],
            f"{f['source']} to {f['target']}",
            protocol="HTTPS",
            data=[data[d] for d in f.get("data", ())],
        )
    return tm


def phase(name: str, seconds: float, **counts: int) -> None:
    """One JSON line per finished phase, flushed: a run stopped later still tells how far it got."""
    print(json.dumps({"phase": name, "s": round(seconds, 3), **counts}), flush=True)


def main() -> None:
    spec_path, template, report = (Path(a) for a in sys.argv[1:4])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    tm = build(spec)
    t1 = time.perf_counter()
    phase("build", t1 - t0, elements=len(spec["components"]), flows=len(spec["flows"]))
    tm.check()
    tm.resolve()
    t2 = time.perf_counter()
    phase("resolve", t2 - t1, findings=len(tm.findings))
    # pytm 1.4.0's report deep-copies every element and finding. Data -> carriedBy -> flow -> data is a
    # cycle through a set, and copying a set whose member is still being copied hashes a Data with
    # no fields yet: AttributeError on all but tiny models. The back-links are not used once threats
    # are resolved (the template does not show them), so they are cleared first. This leaves pytm
    # less to copy: if anything it makes pytm faster here.
    for item in type(tm)._data:
        item.carriedBy = []
        item.processedBy = []
    text = tm.report(str(template))
    report.write_text(text, encoding="utf-8")
    phase("report", time.perf_counter() - t2, report_bytes=len(text.encode("utf-8")))


if __name__ == "__main__":
    main()

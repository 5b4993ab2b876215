"""Scan time of `threatmodel discover` on a synthetic repository, and on a folder you name.

    python bench/discover_bench.py [--files 5000] [--path DIR]

The synthetic tree has --files source files spread over nested packages: Python modules with
imports, model-loading calls and endpoints, TypeScript modules, requirements and package.json
files, MCP configurations and small weight files, about 2.5 KiB each. Prints the wall time and
peak memory of the scan (and of the text/JSON/SARIF rendering), and the inventory's size.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PY_HEAD = '''"""Module {i}."""
import os
import {lib}
from transformers import AutoModelForCausalLM

URL = "https://api.openai.com/v1"
MODEL = "org{i}/model-{i}"


def load():
    # torch.load("weights/{i}.pt") is in a comment and does not count
    return AutoModelForCausalLM.from_pretrained(MODEL)


def helper_{i}(x):
    return [x * n for n in range(100)]
'''
PY_BODY = "\n".join(f"def f{n}(a, b):\n    return a + b + {n}\n" for n in range(40))

TS_HEAD = """import OpenAI from "openai";
import {{ Pinecone }} from "@pinecone-database/pinecone";
// import Anthropic from "@anthropic-ai/sdk";
const re = /["']/g;
export const url = `https://api.anthropic.com/v1/{i}`;
"""
TS_BODY = "\n".join(f"export function g{n}(a: number): number {{ return a * {n}; }}" for n in range(60))


def build(root: Path, files: int) -> None:
    libs = ["chromadb", "torch", "langchain", "anthropic", "sklearn", "requests", "numpy"]
    for i in range(files):
        folder = root / f"pkg{i % 50}" / f"sub{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 10
        if kind < 6:
            (folder / f"m{i}.py").write_text(PY_HEAD.format(i=i, lib=libs[i % len(libs)]) + PY_BODY, encoding="utf-8")
        elif kind < 9:
            (folder / f"m{i}.ts").write_text(TS_HEAD.format(i=i) + TS_BODY, encoding="utf-8")
        elif i % 20 == 9:
            (folder / "requirements.txt").write_text("openai\nchromadb\nflask\n", encoding="utf-8")
            (folder / f"w{i}.safetensors").write_bytes(b"\x00" * 64)
        else:
            (folder / ".vscode").mkdir(exist_ok=True)
            config = {"servers": {f"srv{i}": {"command": "npx", "args": ["-y", f"pkg{i}"]}}}
            (folder / ".vscode" / "mcp.json").write_text(json.dumps(config), encoding="utf-8")


def measure(path: Path) -> None:
    from threatmodel.export.discover import inventory_json, inventory_sarif, inventory_text
    from threatmodel.io.discover.knowledge import load_knowledge
    from threatmodel.io.discover.scan import scan_repository

    load_knowledge()
    started = time.perf_counter()
    inv = scan_repository(path, "repo")
    scanned = time.perf_counter() - started
    started = time.perf_counter()
    inventory_text(inv)
    inventory_json(inv, tool_version="bench")
    inventory_sarif(inv, tool_version="bench", uri_of=lambda rel: rel)
    rendered = time.perf_counter() - started
    evidence = sum(len(i.evidence) for i in inv.items)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{path}: {inv.files_scanned} files read or listed, {len(inv.items)} items, {evidence} pieces of evidence, "
        f"{len(inv.skipped)} not read; scan {scanned:.2f} s, render text+json+sarif {rendered:.2f} s, "
        f"peak RSS {peak:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--path", type=Path, help="Scan this folder instead of a synthetic one.")
    args = parser.parse_args()
    if args.path is not None:
        measure(args.path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.files)
        measure(root)


if __name__ == "__main__":
    main()

"""Structure-aware fuzzing of the CLI with mutated real models (issue #10).

Each example takes a model from models/, mutates it (wrong types, deleted or
duplicated keys, deep nesting, huge scalars, control characters, anchors and aliases,
duplicate keys, byte corruption) and runs commands on it in-process. Invariants:
the exit code is 0, 1 or 2; no traceback; no raw control or bidi character in what is
printed (colour is off, so Rich adds none); each run is quick.

CI runs 12 examples per property (about 200 CLI invocations in all, under a minute on one
core). For a long campaign (10,000+ examples per property; derandomisation is off past 100):

    THREATMODEL_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/fuzz -n 0 -q -p no:cacheprovider
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threatmodel.cli import cli
from threatmodel.render import BY_ID, DIAGRAM_FORMATS, REPORT_FORMATS

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "models").glob("*.yaml"))
EXAMPLES = int(os.environ.get("THREATMODEL_FUZZ_EXAMPLES", "12"))
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SECONDS_PER_RUN = 20.0  # generous: the invariant is "no hang", not a timing

settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # CI runs are reproducible; long campaigns explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("fuzz")

_BASES = {path.name: path.read_text(encoding="utf-8") for path in MODELS}

HOSTILE_STRINGS = st.sampled_from(
    [
        "\x1b[2J\x1b]0;owned\x07",
        "PASS\u202eLIAF",
        "a\u2066b",
        "\x9b31m",
        "x" * 30_000,
        "9" * 400,
        "- - - - x",
        "*undefined",
        "&a [*a]",
        "!!python/object:os.system",
        "yes",
        "",
        "\x00",
    ]
)
SCALARS = st.one_of(
    HOSTILE_STRINGS,
    st.integers(),
    st.integers(min_value=10**18, max_value=10**60),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_paths(value, (*prefix, i)))
    return found


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def structural(draw: st.DrawFn) -> str:
    """Parse a real model, change one place in its tree, write it back as YAML."""
    name = draw(st.sampled_from(sorted(_BASES)))
    data = yaml.safe_load(_BASES[name])
    paths = [p for p in _paths(data) if p]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "nest", "wrap"]))
        try:
            if action == "replace":
                parent[key] = draw(SCALARS)
            elif action == "delete":
                del parent[key]
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(parent[key])
            elif action == "nest":
                value: Any = parent[key]
                for _ in range(draw(st.integers(1, 80))):
                    value = [value]
                parent[key] = value
            elif action == "wrap":
                parent[key] = {draw(HOSTILE_STRINGS): parent[key]}
        except (KeyError, IndexError, TypeError):
            continue
        paths = [p for p in _paths(data) if p]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


@st.composite
def textual(draw: st.DrawFn) -> str:
    """Edit a real model's text: insert YAML syntax, duplicate a line, corrupt bytes."""
    text = _BASES[draw(st.sampled_from(sorted(_BASES)))]
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["dupkey", "insert", "alias", "corrupt", "control", "drop"]))
        if action == "dupkey":
            lines.insert(i, lines[i])
        elif action == "insert":
            lines.insert(i, draw(st.sampled_from(["? ? ? x\n", "a: &a [1]\n", "b: *a\n", "- [\n", "key: !!int z\n"])))
        elif action == "alias":
            lines.insert(
                0,
                "x0: &x0 [a, a, a, a, a, a, a, a]\n"
                + "".join(
                    f"x{k}: &x{k} [*x{k - 1}, *x{k - 1}, *x{k - 1}, *x{k - 1}, *x{k - 1}, *x{k - 1}, *x{k - 1}, *x{k - 1}]\n"
                    for k in range(1, 8)
                ),
            )
        elif action == "corrupt":
            line = lines[i]
            at = draw(st.integers(0, max(0, len(line) - 1)))
            lines[i] = (
                line[:at] + draw(st.sampled_from(["\t", ":", "'", '"', "{", "]", "#", "&", "*", "|"])) + line[at + 1 :]
            )
        elif action == "control":
            line = lines[i]
            at = draw(st.integers(0, max(0, len(line) - 1)))
            lines[i] = line[:at] + draw(HOSTILE_STRINGS) + line[at:]
        elif action == "drop" and len(lines) > 1:
            del lines[i]
    return "".join(lines)


def _check(result: Any, started: float) -> None:
    output = result.stdout + (result.stderr if result.stderr_bytes is not None else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1, 2), output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    found = RAW_CONTROL.search(output)
    assert found is None, (
        f"raw control character {found.group()!r} in output: {output[max(0, found.start() - 200) : found.start() + 50]!r}"
    )
    assert time.perf_counter() - started < SECONDS_PER_RUN


COMMANDS = [
    ["validate"],
    ["analyze"],
    ["analyze", "--format", "json"],
    ["questions"],
    ["analyze", "--why-not", "tm:indirect-prompt-injection@chat-llm"],
    # a flow threat: the answer judges the flow's end part by part, naming its target (decision 1943)
    ["analyze", "--why-not", "tm:sensitive-data-to-third-party-service@crm-to-orchestrator"],
    ["check"],
]


def _run_all(text: str, tmp: Path) -> None:
    path = tmp / "model.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "120", "TERM": "dumb"})
    for command in COMMANDS:
        started = time.perf_counter()
        _check(runner.invoke(cli, [*command, str(path)], catch_exceptions=True), started)
    started = time.perf_counter()
    _check(runner.invoke(cli, ["diff", str(REPO / "models" / "agent-with-tools.yaml"), str(path)]), started)
    started = time.perf_counter()
    _check(runner.invoke(cli, ["migrate", "--rename", "agent=agent-2", str(path)]), started)  # a temp copy


@FUZZ
@given(text=structural())
def test_structural_mutations_keep_the_invariants(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _run_all(text, tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(text=textual())
def test_textual_mutations_keep_the_invariants(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _run_all(text, tmp_path_factory.mktemp("fuzz"))


EXPORTS = [["report", "--format", f] for f in REPORT_FORMATS] + [
    ["diagram", "--format", f]
    for f in DIAGRAM_FORMATS
    if not BY_ID[f].binary and f != "svg"  # svg: as text, via dot
]


@settings(FUZZ, max_examples=max(5, EXAMPLES // 4))
@given(text=st.one_of(structural(), textual()), export=st.sampled_from(EXPORTS))
def test_exports_and_migrate_keep_the_invariants(
    text: str, export: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "model.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "120", "TERM": "dumb"})
    started = time.perf_counter()
    result = runner.invoke(cli, [*export, str(path), "-o", str(tmp / "out")])
    _check(result, started)
    if result.exit_code == 0 and export[-1] == "md":
        markdown = (tmp / "out").read_text(encoding="utf-8")
        assert RAW_CONTROL.search(markdown) is None


@settings(FUZZ, max_examples=max(3, EXAMPLES // 10))
@given(indicator=st.sampled_from(["- ", "? ", "- ? ", "[", "{a: "]), depth=st.integers(70, 30_000))
def test_deep_nesting_never_crashes_the_process(
    indicator: str, depth: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """In a subprocess: a parser crash here would be a signal, not an exception."""
    tmp = tmp_path_factory.mktemp("deep")
    (tmp / "deep.yaml").write_text("system: {id: s, name: S}\nx: " + indicator * depth + "x\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "threatmodel", "validate", "deep.yaml"],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert "Traceback" not in proc.stderr
    assert re.search(r"deep\.yaml:\d+:\d+: error", proc.stderr), proc.stderr[-500:]

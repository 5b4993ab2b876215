"""Structure-aware fuzzing of `discover` and `check --discover` with mutated fixture repositories.

Each example copies a fixture repository, corrupts some of its files (bytes flipped, cut,
control and bidi characters, deep nesting, huge lines, NUL bytes) and runs the commands in
process. Invariants: exit code 0, 1 or 2; no traceback; no raw control or bidi character in
what is printed; SARIF valid against the vendored schema; each run quick. CI runs a few
examples; `THREATMODEL_FUZZ_EXAMPLES=2000` runs a campaign.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.discover.conftest import DATA, MODELS
from tests.export.reporting import sarif_errors
from threatmodel.cli import cli

EXAMPLES = int(os.environ.get("THREATMODEL_FUZZ_EXAMPLES", "10"))
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
REPOS = ("rag-service", "ml-pipeline", "js-agent", "notebook-lab")
FILES = {
    repo: sorted(p.relative_to(DATA / repo).as_posix() for p in (DATA / repo).rglob("*") if p.is_file())
    for repo in REPOS
}

SNIPPETS = st.sampled_from(
    [
        b"\x00\x00\x00",
        b"\xff\xfe\xfd",
        "\x1b[31mimport openai\u202e\n".encode(),
        b"import torch as t\nt.load('models/\x07x.pt')\n",
        b"[" * 3000,
        b"(" * 3000,
        b"/*",
        b'"',
        b"`${",
        b"# -*- coding: latin-1 -*-\n",
        b'{"mcpServers": {"\\u001b\\u202e": {"command": "npx", "args": ["-y", "@x/y"]}}}',
        b"https://api.openai.com" * 2000,
        b"x" * 200_000,
    ]
)


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, bytes, int]]]:
    repo = draw(st.sampled_from(REPOS))
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        rel = draw(st.sampled_from(FILES[repo]))
        size = (DATA / repo / rel).stat().st_size
        at = draw(st.integers(0, max(size, 0)))
        cut = draw(st.integers(0, 64))
        edits.append((rel, at, draw(SNIPPETS), cut))
    return repo, edits


def apply(target: Path, edits: list[tuple[str, int, bytes, int]]) -> None:
    for rel, at, snippet, cut in edits:
        path = target / rel
        data = path.read_bytes()
        path.write_bytes(data[:at] + snippet + data[at + cut :])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutation())
def test_mutated_repositories_never_crash_or_leak_control_characters(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, list[tuple[str, int, bytes, int]]]
) -> None:
    repo, edits = case
    target = tmp_path_factory.mktemp("fuzz") / repo
    shutil.copytree(DATA / repo, target, symlinks=True)
    apply(target, edits)
    runner = CliRunner()
    for args in (
        ["discover", str(target)],
        ["discover", str(target), "-f", "json"],
        ["discover", str(target), "-f", "sarif"],
        [
            "check",
            str(MODELS / "support-assistant.yaml"),
            "--discover",
            str(target),
            "-f",
            "sarif",
            "--as-of",
            "2026-06-01",
        ],
    ):
        started = time.monotonic()
        result = runner.invoke(cli, args)
        assert time.monotonic() - started < 20
        assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert not RAW_CONTROL.search(result.stdout.replace("\n", "").replace("\t", ""))
        if "sarif" in args:
            assert sarif_errors(result.stdout) == []
        elif "json" in args:
            json.loads(result.stdout)

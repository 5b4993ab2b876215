"""`threatmodel check` over many models: worker processes give the serial run's output, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from tests.versioning.conftest import invoke
from threatmodel.cli.versioning.pool import PARALLEL_FROM, available_cpus, choose_jobs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "models").glob("*.yaml"))
POLICY = REPO / "examples" / "policy.yaml"
AS_OF = ("--as-of", "2026-11-25")


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Two copies of every example model, one invalid model among them, and a baseline of the first copies."""
    root = tmp_path_factory.mktemp("monorepo")
    names: list[str] = []
    for copy in (1, 2):
        for source in EXAMPLES:
            name = f"models/{source.stem}-{copy}.yaml"
            (root / name).parent.mkdir(exist_ok=True)
            shutil.copyfile(source, root / name)
            names.append(name)
    (root / "models" / "broken.yaml").write_text("schema_version: 1\nsystem: {id: broken\n", encoding="utf-8")
    names.insert(3, "models/broken.yaml")
    first = [n for n in names if n.endswith("-1.yaml")]
    written = invoke(root, "check", *first, "--write-baseline", "baseline.json", *AS_OF)
    assert written.exit_code == 0, written.output
    return root, names


def _run(root: Path, names: list[str], *args: str) -> Result:
    return invoke(root, "check", *names, "--policy", str(POLICY), "--baseline", "baseline.json", *AS_OF, *args)


@pytest.mark.parametrize("fmt", ["text", "md", "json", "sarif"])
def test_workers_give_the_serial_output(monorepo: tuple[Path, list[str]], fmt: str) -> None:
    """The same stdout, stderr and exit code with two worker processes as in this process, in argument order."""
    root, names = monorepo
    serial = _run(root, names, "--format", fmt, "--jobs", "1")
    pooled = _run(root, names, "--format", fmt, "--jobs", "2")
    assert serial.exit_code == pooled.exit_code == 2  # the broken model
    assert pooled.stdout == serial.stdout
    assert pooled.stderr == serial.stderr
    assert "models/broken.yaml:2:" in pooled.stderr
    if fmt == "json":
        data = json.loads(pooled.stdout)
        assert [m["path"] for m in data["models"]] == [n for n in names if n != "models/broken.yaml"]
        assert data["invalid"][0]["path"] == "models/broken.yaml"
        assert data["summary"]["suppressed_by_baseline"] > 0  # the baseline reached the workers
        assert any(f["type"] == "policy" for m in data["models"] for f in m["failures"])  # so did the policy


def test_workers_write_the_serial_baseline(monorepo: tuple[Path, list[str]]) -> None:
    """--write-baseline from worker processes records the same findings and policy errors."""
    root, names = monorepo
    for jobs in ("1", "2"):
        result = invoke(
            root, "check", *names, "--policy", str(POLICY), "--write-baseline", f"b{jobs}.json", "--jobs", jobs, *AS_OF
        )
        assert result.exit_code == 2, result.output  # written, but the broken model is still reported
    assert (root / "b1.json").read_bytes() == (root / "b2.json").read_bytes()
    systems = json.loads((root / "b2.json").read_text(encoding="utf-8"))["systems"]
    assert len(systems) == len(EXAMPLES)  # each example is its own system; its two copies share an entry
    assert sum(len(entry["findings"]) for entry in systems.values()) > 0
    assert sum(len(entry["policy"]) for entry in systems.values()) > 0


def test_workers_resolve_paths_from_the_callers_folder(monorepo: tuple[Path, list[str]], tmp_path: Path) -> None:
    """Relative model paths are read from the folder check was started in, even when the worker
    processes were started earlier from another folder."""
    root, names = monorepo
    first = invoke(tmp_path, "check", *(str(root / n) for n in names if n != "models/broken.yaml"), "-j", "2", *AS_OF)
    assert first.exit_code == 1, first.output
    again = invoke(root, "check", *names[:2], "-j", "2", "--format", "json", *AS_OF)
    assert [m["path"] for m in json.loads(again.stdout)["models"]] == names[:2]


def test_job_count() -> None:
    """One model or an explicit --jobs 1 is serial; --jobs never exceeds the models; the automatic
    choice stays serial below PARALLEL_FROM models and uses every CPU from there."""
    assert choose_jobs(None, 1) == 1
    assert choose_jobs(8, 1) == 1
    assert choose_jobs(1, 200) == 1
    assert choose_jobs(4, 3) == 3
    assert choose_jobs(None, PARALLEL_FROM - 1) == 1
    assert choose_jobs(None, 200) == min(available_cpus(), 200, 32)
    assert choose_jobs(None, PARALLEL_FROM) == min(available_cpus(), PARALLEL_FROM)


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    """--jobs 0 is a usage error (exit 2), not a hang or a traceback."""
    result = invoke(tmp_path, "check", str(EXAMPLES[0]), "--jobs", "0", *AS_OF)
    assert result.exit_code == 2
    assert "--jobs" in result.output

"""`threatmodel diff` with the new side analysed in a forked process: the serial run's output, byte
for byte (decision 0930), and the digest the child sends back loses nothing the diff reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import FIXED_DATE
from tests.versioning.conftest import CATALOG, COMMON, invoke, lapse, version_text
from threatmodel.cli.versioning.pool import PARALLEL_DIFF_FROM, analyse_sides, can_fork, diff_jobs
from threatmodel.engine import evaluate
from threatmodel.engine.diff import SideFindings, diff_assessments, diff_models
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model_text

needs_fork = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")

PAIRS = (
    ("v1:model.yaml", "v2:model.yaml"),
    ("v2:model.yaml", "v3:model.yaml"),
    ("HEAD~2:model.yaml", "HEAD~1:model.yaml"),  # a rename: findings move
    ("HEAD~1:model.yaml", "model.yaml"),  # a lapsed acceptance: a finding reopens
)


@needs_fork
@pytest.mark.parametrize("fmt", ["text", "md", "json"])
@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_a_forked_side_gives_the_serial_output(history: Path, old: str, new: str, fmt: str) -> None:
    serial = invoke(history, "diff", old, new, "--format", fmt, "--jobs", "1", *COMMON)
    forked = invoke(history, "diff", old, new, "--format", fmt, "--jobs", "2", *COMMON)
    assert serial.exit_code == forked.exit_code == 0, forked.output
    assert forked.stdout == serial.stdout
    assert forked.stderr == serial.stderr


@needs_fork
def test_an_invalid_side_is_reported_before_any_process_starts(history: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nsystem: {id: broken\n", encoding="utf-8")
    result = invoke(history, "diff", "model.yaml", str(broken), "--jobs", "2", *COMMON)
    assert result.exit_code == 2
    assert "broken.yaml:2:" in result.stderr


@pytest.fixture(scope="module")
def catalogs() -> LoadedCatalogs:
    return load_catalogs([CATALOG])


def _assess(text: str, catalogs: LoadedCatalogs):  # type: ignore[no-untyped-def]
    loaded = load_model_text(text, "m.yaml", known_controls=catalogs.control_refs)
    return evaluate(loaded.model, catalogs.catalogs, as_of=FIXED_DATE)


@pytest.mark.parametrize("text", [version_text("v2"), version_text("v3"), lapse(version_text("v3"))])
def test_the_digest_survives_json(text: str, catalogs: LoadedCatalogs) -> None:
    """What a child sends (JSON text) reads back as the very digest it was made from."""
    side = SideFindings.of(_assess(text, catalogs))
    assert side.findings, "the version raises findings"
    again = SideFindings.from_data(json.loads(json.dumps(side.to_data())))
    assert again == side


def test_diffing_digests_is_diffing_assessments(catalogs: LoadedCatalogs) -> None:
    """``diff_models`` on the two digests gives what ``diff_assessments`` gives on the assessments."""
    v1, v2, v3 = (version_text(v) for v in ("v1", "v2", "v3"))
    for old, new in ((v1, v2), (v2, v3), (v3, lapse(v3)), (v3, v1)):
        a, b = _assess(old, catalogs), _assess(new, catalogs)
        assert diff_models(a.model, SideFindings.of(a), b.model, SideFindings.of(b)) == diff_assessments(a, b)


@needs_fork
def test_a_child_that_fails_is_replaced_by_the_serial_work(catalogs: LoadedCatalogs) -> None:
    """Anything going wrong in the child (here: an exception only there) leaves the result the serial one."""
    parent = os.getpid()
    a, b = _assess(version_text("v2"), catalogs), _assess(version_text("v3"), catalogs)
    calls: list[str] = []

    def new() -> SideFindings:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        calls.append("new, in the parent")
        return SideFindings.of(b)

    before, after = analyse_sides(lambda: SideFindings.of(a), new)
    assert (before, after) == (SideFindings.of(a), SideFindings.of(b))
    assert calls == ["new, in the parent"]


@needs_fork
def test_a_child_that_succeeds_does_the_new_side(catalogs: LoadedCatalogs) -> None:
    parent = os.getpid()
    b = _assess(version_text("v3"), catalogs)

    def new() -> SideFindings:
        if os.getpid() == parent:
            raise AssertionError("the new side ran in the parent")
        return SideFindings.of(b)

    before, after = analyse_sides(lambda: SideFindings.of(b), new)
    assert before == after == SideFindings.of(b)


@needs_fork
def test_process_count() -> None:
    assert diff_jobs(1, 10**6) == 1
    assert diff_jobs(2, 1) == 2
    assert diff_jobs(None, PARALLEL_DIFF_FROM - 1) == 1
    assert diff_jobs(None, PARALLEL_DIFF_FROM) == (2 if len(os.sched_getaffinity(0)) >= 2 else 1)


def test_jobs_is_one_or_two(history: Path) -> None:
    result = invoke(history, "diff", "v1:model.yaml", "model.yaml", "--jobs", "3", *COMMON)
    assert result.exit_code == 2
    assert "--jobs" in result.output


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_identical_sides_are_analysed_once(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes on both sides: one analysis serves both (decision 0970), and the output is
    what two analyses of an equal model give (the same text with a comment added is not the same
    bytes, so it is analysed twice)."""
    from threatmodel.io import analysis

    text = version_text("v3")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(text + "# the same model, other bytes\n", encoding="utf-8")
    calls: list[str] = []
    real = analysis.analyze_loaded

    def counted(loaded, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(loaded.path)
        return real(loaded, *args, **kwargs)

    monkeypatch.setattr(analysis, "analyze_loaded", counted)
    once = invoke(tmp_path, "diff", "a.yaml", "b.yaml", "--format", fmt, "--jobs", "1", *COMMON)
    assert once.exit_code == 0, once.output
    assert len(calls) == 1
    calls.clear()
    twice = invoke(tmp_path, "diff", "a.yaml", "c.yaml", "--format", fmt, "--jobs", "1", *COMMON)
    assert twice.exit_code == 0, twice.output
    assert len(calls) == 2
    assert once.stdout == twice.stdout.replace("c.yaml", "b.yaml")

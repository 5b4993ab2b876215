"""Loader error messages: every mistake gets a precise file:line:col message and a hint.

Each ``cases/<name>.yaml`` is a broken model; ``cases/<name>.expected`` is exactly what
``threatmodel validate <name>.yaml`` prints on stderr. Cases are discovered, not listed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.golden import assert_golden
from threatmodel.cli import cli

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.yaml"))


def test_there_are_at_least_fifteen_distinct_mistakes() -> None:
    """The suite covers the breadth of mistakes people make in model files."""
    assert len(CASE_FILES) >= 15


@pytest.mark.parametrize("case", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_validate_reports_the_mistake_exactly(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`validate` exits 2 and prints the golden message for the mistake, without a traceback."""
    monkeypatch.chdir(CASES)
    result = CliRunner().invoke(cli, ["validate", case.name])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert_golden(case.with_suffix(".expected"), result.stderr)


def test_every_message_is_located() -> None:
    """Every golden message starts with `<file>:<line>:<col>: error:`."""
    for expected in CASES.glob("*.expected"):
        for line in expected.read_text(encoding="utf-8").splitlines():
            if line.startswith(("  hint:", "  ")) or line.endswith("problems"):
                continue
            name, line_no, col, rest = line.split(":", 3)
            assert name == expected.with_suffix(".yaml").name
            assert int(line_no) >= 1 and int(col) >= 1
            assert rest.startswith(" error: ")


def test_alias_bomb_is_refused_quickly() -> None:
    """A billion-laughs document is rejected within seconds, before anything walks it."""
    from threatmodel.errors import ModelError
    from threatmodel.io.load import load_model

    start = time.perf_counter()
    with pytest.raises(ModelError, match="alias bomb"):
        load_model(CASES / "alias_bomb.yaml")
    assert time.perf_counter() - start < 10.0  # a hang guard, not a benchmark: the guard itself takes ~0.1 s


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over the size limit is refused with the limit in the message."""
    from threatmodel.errors import ModelError
    from threatmodel.io import yaml_source
    from threatmodel.io.load import load_model

    monkeypatch.setattr(yaml_source, "MAX_FILE_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("system: {id: a, name: A}\n" + "# padding\n" * 20, encoding="utf-8")
    with pytest.raises(ModelError, match="the limit is 100"):
        load_model(big)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """Pathologically deep nesting is refused with a clear message instead of a recursion error."""
    from threatmodel.errors import ModelError
    from threatmodel.io.load import load_model

    deep = tmp_path / "deep.yaml"
    deep.write_text("system: {id: a, name: A}\nx: " + "[" * 200 + "]" * 200 + "\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model(deep)
    assert info.value.problems[0].source is not None
    assert info.value.problems[0].source.line >= 1


def test_yaml_11_booleans_stay_strings(tmp_path: Path) -> None:
    """`no`, `on` and `yes` are strings (YAML 1.2), so a name like `no` is not silently a boolean."""
    from threatmodel.io.load import load_model

    path = tmp_path / "m.yaml"
    path.write_text("system: {id: norway, name: no}\n", encoding="utf-8")
    assert load_model(path).model.system.name == "no"


def test_unreadable_utf8_is_located(tmp_path: Path) -> None:
    """Invalid UTF-8 is reported at the line and column of the bad byte."""
    from threatmodel.errors import ModelError
    from threatmodel.io.load import load_model

    path = tmp_path / "m.yaml"
    path.write_bytes(b"system: {id: a, name: A}\ncomponents: \xff\n")
    with pytest.raises(ModelError) as info:
        load_model(path)
    source = info.value.problems[0].source
    assert source is not None and (source.line, source.column) == (2, 13)


def test_missing_file_exits_2(tmp_path: Path) -> None:
    """A model path that does not exist is a usage error with exit code 2."""
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_valid_model_exits_0(tmp_path: Path) -> None:
    """A valid model prints a one-line summary on stdout and exits 0."""
    path = tmp_path / "ok.yaml"
    path.write_text("system: {id: a, name: A}\ncomponents:\n  - {id: chat, kind: llm}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "valid (1 component, 0 flows, 0 boundaries, 0 data assets)" in result.stdout


def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    """With several files, every file is checked and the exit code reflects any failure."""
    good = tmp_path / "good.yaml"
    good.write_text("system: {id: a, name: A}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(CASES / "empty.yaml"), str(good)])
    assert result.exit_code == 2
    assert "valid" in result.stdout and "the file is empty" in result.stderr

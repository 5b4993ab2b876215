"""`--max-model-size`: the one way to load a model (with includes) over 16 MiB, with its own bound."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from threatmodel.cli import cli
from threatmodel.cli.common import parse_size
from threatmodel.io import load

PART = "components:\n" + "".join(f"  - {{id: c{i}, kind: application}}\n" for i in range(400))


@pytest.fixture(autouse=True)
def default_limit() -> Iterator[None]:
    yield
    load.set_total_bytes_limit(load.MAX_TOTAL_BYTES)


@pytest.fixture
def split_model(tmp_path: Path) -> Path:
    """A root (about 100 bytes) including two parts of about 14 KiB each."""
    (tmp_path / "a.yaml").write_text(PART, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(PART.replace("id: c", "id: d"), encoding="utf-8")
    root = tmp_path / "m.yaml"
    root.write_text("schema_version: 1\nsystem: {id: s, name: S}\nincludes: [a.yaml, b.yaml]\n", encoding="utf-8")
    return root


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_a_model_over_the_limit_is_refused_at_the_include(split_model: Path) -> None:
    """Over the limit: exit 2, located at the include that crosses it, and the hint names the flag."""
    result = _run("--max-model-size", "20KiB", "validate", str(split_model))
    assert result.exit_code == 2
    assert f"{split_model}:3:" in result.stderr
    assert "includes read more than 20,480 bytes in total" in result.stderr
    assert "--max-model-size" in result.stderr


def test_raising_the_limit_loads_it(split_model: Path) -> None:
    """The same model loads once whoever runs the command raises the limit (flag or environment)."""
    assert _run("--max-model-size", "64KiB", "validate", str(split_model)).exit_code == 0
    assert _run("validate", str(split_model), env={"THREATMODEL_MAX_MODEL_SIZE": "64KiB"}).exit_code == 0
    refused = _run("validate", str(split_model), env={"THREATMODEL_MAX_MODEL_SIZE": "20KiB"})
    assert refused.exit_code == 2


def test_each_run_starts_from_the_default(split_model: Path) -> None:
    """A raised limit does not outlive its command (in-process runs, the TUI, tests)."""
    _run("--max-model-size", "20KiB", "validate", str(split_model))
    assert _run("validate", str(split_model)).exit_code == 0
    assert load.total_bytes_limit() == load.MAX_TOTAL_BYTES


def test_check_workers_get_the_limit(split_model: Path, tmp_path: Path) -> None:
    """`check` in worker processes judges with the caller's limit, exactly as serially."""
    models = [str(split_model)] * 2
    serial = _run("--max-model-size", "20KiB", "check", "--jobs", "1", *models)
    pooled = _run("--max-model-size", "20KiB", "check", "--jobs", "2", *models)
    assert serial.exit_code == pooled.exit_code == 2
    assert pooled.stderr == serial.stderr
    assert pooled.stderr.count("bytes in total") == 2
    assert _run("--max-model-size", "64KiB", "check", "--jobs", "2", "--fail-on", "critical", *models).exit_code == 0


@pytest.mark.parametrize("value", ["65MiB", "1GiB", "0", "0MiB"])
def test_the_limit_has_its_own_bound(split_model: Path, value: str) -> None:
    """Nobody raises it past 64 MiB (nor to nothing): a usage error, exit 2."""
    result = _run("--max-model-size", value, "validate", str(split_model))
    assert result.exit_code == 2
    assert "--max-model-size" in result.output
    with pytest.raises(ValueError, match="between"):
        load.set_total_bytes_limit(load.TOTAL_BYTES_CEILING + 1)


@pytest.mark.parametrize(
    ("text", "size"),
    [("16777216", 16 * 1024 * 1024), ("64MiB", 64 * 1024 * 1024), ("512 kib", 512 * 1024), ("1GiB", 1024**3)],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "64MB", "-1", "1.5MiB", "64 MiB extra", "9" * 13])
def test_bad_sizes_are_usage_errors(split_model: Path, text: str) -> None:
    result = _run("--max-model-size", text, "validate", str(split_model))
    assert result.exit_code == 2
    assert "Traceback" not in result.output

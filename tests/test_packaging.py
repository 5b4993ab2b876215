"""Packaging: the wheel carries the catalogs and example models and works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("threatmodel-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_catalogs_models_and_templates(wheel: Path) -> None:
    """Catalogs, example models and init templates are package data inside the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for catalog in ("tm", "cosai", "atlas", "owasp-llm", "owasp-ml", "owasp-agentic", "stride"):
        assert f"threatmodel/catalogs/{catalog}.yaml" in names
    assert any(n.startswith("threatmodel/models/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("threatmodel/templates/") and n.endswith(".yaml") for n in names)
    assert "threatmodel/cli/__init__.py" in names


@pytest.mark.slow
def test_installed_wheel_works_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    """Installed elsewhere, the package finds its catalogs through importlib.resources, not the checkout."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run(
        [sys.executable, "-c", "import threatmodel, sys; print(threatmodel.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=workdir,
        env=env,
    )
    assert probe.stdout.startswith(str(target))
    result = subprocess.run(
        [sys.executable, "-m", "threatmodel", "catalogs", "list"],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "cosai" in result.stdout and "owasp-llm" in result.stdout
    model = workdir / "m.yaml"
    init = subprocess.run(
        [sys.executable, "-m", "threatmodel", "init", "--template", "rag", str(model)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
    )
    assert init.returncode == 0, init.stderr
    analyzed = subprocess.run(
        [sys.executable, "-m", "threatmodel", "analyze", str(model), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
    )
    assert analyzed.returncode == 0, analyzed.stderr

"""Built-in catalogs, example models and templates, read through importlib.resources.

In a wheel they live inside the package (``threatmodel/catalogs``, ``threatmodel/models``);
in a source checkout they are the top-level ``catalogs/`` and ``models/`` folders.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def _folder(name: str) -> Traversable:
    packaged = resources.files("threatmodel") / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


def _yaml_files(folder: Traversable) -> list[tuple[str, str]]:
    if not folder.is_dir():
        return []
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".yaml")
    )


@cache
def builtin_catalog_files() -> tuple[tuple[str, str], ...]:
    """``(file name, text)`` of every built-in catalog, sorted by name."""
    return tuple(_yaml_files(_folder("catalogs")))


def example_model_files() -> list[tuple[str, str]]:
    """``(file name, text)`` of every example model."""
    return _yaml_files(_folder("models"))


def template_files() -> list[tuple[str, str]]:
    """``(file name, text)`` of every ``init`` template."""
    return _yaml_files(_folder("templates"))

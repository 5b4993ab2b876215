"""Shared helpers for the `discover` tests: the fixture repositories and their expected inventories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "discover"
REPOS = ("rag-service", "ml-pipeline", "js-agent", "plain-web", "notebook-lab")
MODELS = DATA / "models"


def expected(repo: str) -> dict[str, Any]:
    """The hand-written inventory of ``repo``: item id -> ["path:line", ...], and skipped paths."""
    data = yaml.safe_load((DATA / f"{repo}.expected.yaml").read_text(encoding="utf-8"))
    return {"items": {k: list(v) for k, v in (data["items"] or {}).items()}, "skipped": sorted(data["skipped"] or [])}


def observed(inventory: Any) -> dict[str, Any]:
    """The same shape, from a scanned inventory."""
    return {
        "items": {i.id: list(dict.fromkeys(f"{e.path}:{e.line}" for e in i.evidence)) for i in inventory.items},
        "skipped": sorted(s.path for s in inventory.skipped),
    }


from tests.versioning.conftest import without_builtin_threats  # noqa: E402, F401 - the fixture, shared

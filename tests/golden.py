"""Golden files: exact expected outputs kept in the repository, compared as bytes.

Run ``UPDATE_GOLDEN=1 pytest ...`` to rewrite them, then review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def assert_golden(path: Path, actual: str | bytes) -> None:
    """Fail unless ``actual`` equals the golden file at ``path`` byte for byte."""
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; run with UPDATE_GOLDEN=1 to create it, then review it")
    expected = path.read_bytes()
    if expected != data:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.decode("utf-8", "replace").splitlines(keepends=True),
                data.decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=str(path),
                tofile="actual",
                n=2,
            )
        )
        pytest.fail(f"output differs from golden file {path} (UPDATE_GOLDEN=1 rewrites it):\n{diff[:6000]}")

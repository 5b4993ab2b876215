"""Layer 2: pure evaluation of a model against catalogs.

``Analysis``, ``analyse`` and ``evaluate`` are imported on first use: loading a model only needs
``engine.catalogs``, and importing this package must not pull in the whole evaluator (start-up
time of ``validate``).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from threatmodel.engine.analysis import Analysis, analyse
    from threatmodel.engine.evaluate import evaluate

__all__ = ["Analysis", "analyse", "evaluate"]


class _Engine(types.ModuleType):
    """The package, with ``evaluate`` naming the function (as it always has), not its submodule."""

    @property
    def evaluate(self) -> Any:
        from threatmodel.engine.evaluate import evaluate

        return evaluate

    @evaluate.setter
    def evaluate(self, value: Any) -> None:
        """Importing the submodule binds it here; the name keeps meaning the function."""


def __getattr__(name: str) -> Any:
    if name in ("Analysis", "analyse"):
        from threatmodel.engine import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


sys.modules[__name__].__class__ = _Engine

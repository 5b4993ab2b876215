"""Layer 2: pure evaluation of a model against catalogs."""

from threatmodel.engine.analysis import Analysis, analyse
from threatmodel.engine.evaluate import evaluate

__all__ = ["Analysis", "analyse", "evaluate"]

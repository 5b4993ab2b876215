"""Layer 2: pure evaluation of a model against catalogs."""

from threatmodel.engine.evaluate import evaluate

__all__ = ["evaluate"]

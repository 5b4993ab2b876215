"""The analysis of one model: everything an export or a front end reads, computed once.

:func:`analyse` evaluates a model and keeps what the evaluation built (the graph, the catalog
set) next to its result, so nothing downstream rebuilds or re-indexes them. Front ends get an
:class:`Analysis` from ``threatmodel.io.analysis.analyze`` (which also loads the files); the
exporters take one and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.engine.evaluate import evaluate
from threatmodel.errors import SourceSpan
from threatmodel.graph import ModelGraph, build_graph
from threatmodel.model.catalog import Catalog
from threatmodel.model.finding import Assessment
from threatmodel.model.system import SystemModel


class Source(Protocol):
    """Where a model came from: its file and where each element is written in it."""

    @property
    def path(self) -> str:
        """The model file as shown to the user (relative where possible)."""
        ...

    def element_span(self, element: str) -> SourceSpan:
        """Where ``element`` (a component, flow, boundary, data asset, the system, or
        ``triage:<finding id>``) is declared."""
        ...

    def span(self, loc: tuple[str | int, ...], key: bool = False) -> SourceSpan:
        """Where the value at ``loc`` (a path into the merged model) is written."""
        ...


@dataclass(frozen=True, slots=True)
class Unlocated:
    """The source of a model built in memory: every element is placed at line 1 of ``path``."""

    path: str = "model.yaml"

    def element_span(self, element: str) -> SourceSpan:
        return SourceSpan(self.path, 1, 1)

    def span(self, loc: tuple[str | int, ...], key: bool = False) -> SourceSpan:
        return SourceSpan(self.path, 1, 1)


@dataclass(frozen=True, slots=True)
class Analysis:
    """One model, evaluated: its assessment, the catalogs it was judged by, the graph the rules ran
    on, and the source that locates its elements."""

    assessment: Assessment
    catalogs: CatalogSet
    graph: ModelGraph
    source: Source

    @property
    def model(self) -> SystemModel:
        return self.assessment.model


def analyse(
    model: SystemModel,
    catalogs: Sequence[Catalog] | CatalogSet,
    *,
    as_of: dt.date,
    source: Source | None = None,
    explain: bool = True,
) -> Analysis:
    """Evaluate ``model`` against ``catalogs`` as of ``as_of`` and keep what the evaluation built
    (``explain=False``: findings without their explanation, see ``Assessment.explained``)."""
    cset = catalogs if isinstance(catalogs, CatalogSet) else CatalogSet(tuple(catalogs))
    graph = build_graph(model)
    assessment = evaluate(model, cset.catalogs, as_of=as_of, graph=graph, explain=explain)
    return Analysis(assessment, cset, graph, source if source is not None else Unlocated())

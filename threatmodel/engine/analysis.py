"""The analysis of one model: everything an export or a front end reads, computed once.

:func:`analyse` evaluates a model and keeps what the evaluation built (the graph, the catalog
set) next to its result, so nothing downstream rebuilds or re-indexes them. Front ends get an
:class:`Analysis` from ``threatmodel.io.analysis.analyze`` (which also loads the files); the
exporters take one and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.engine.evaluate import PartialRun, evaluate_untriaged, retriage
from threatmodel.errors import SourceSpan
from threatmodel.graph import ModelGraph, build_graph
from threatmodel.model.catalog import Catalog
from threatmodel.model.finding import Assessment, Finding
from threatmodel.model.system import SystemModel

if TYPE_CHECKING:
    from threatmodel.engine.incremental import IncrementalState


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
    untriaged: tuple[Finding, ...] | None = None
    """The findings before triage was applied, so another set of triage decisions can be applied
    without matching again (:func:`retriaged`); None where they were not kept."""
    incremental: IncrementalState | None = None
    """What the next attribute edit is evaluated incrementally from (decision 1864); None where
    it was not kept (every command but the editing session)."""

    @property
    def model(self) -> SystemModel:
        return self.assessment.model


def retriaged(analysis: Analysis, model: SystemModel) -> Analysis:
    """The analysis of ``model``, which differs from ``analysis.model`` in its triage only: the
    same findings settled against the new decisions, with their
    diagnostics and proposals, and nothing matched again (decision 1887)."""
    if analysis.untriaged is None:
        raise ValueError("the analysis did not keep its findings before triage")
    graph = replace(analysis.graph, model=model)
    a = analysis.assessment
    assessment = retriage(model, analysis.untriaged, analysis.catalogs, graph=graph, as_of=a.as_of, explain=a.explained)
    # triage decides no draft: the kept drafts describe the new model as well
    return Analysis(assessment, analysis.catalogs, graph, analysis.source, analysis.untriaged, analysis.incremental)


def analyse(
    model: SystemModel,
    catalogs: Sequence[Catalog] | CatalogSet,
    *,
    as_of: dt.date,
    source: Source | None = None,
    explain: bool = True,
    incremental: bool = False,
    forget_tables: bool = False,
) -> Analysis:
    """Evaluate ``model`` against ``catalogs`` as of ``as_of`` and keep what the evaluation built
    (``explain=False``: findings without their explanation, see ``Assessment.explained``).
    ``incremental``: also keep what the next attribute edit is re-evaluated from (decision 1864).
    ``forget_tables``: for a caller that evaluates once, drop what matching built as soon as every
    finding is drafted (the peak of a 50,000-component model, decision 1866)."""
    cset = catalogs if isinstance(catalogs, CatalogSet) else CatalogSet(tuple(catalogs))
    graph = build_graph(model)
    run = PartialRun() if incremental else None
    assessment, untriaged = evaluate_untriaged(
        model, cset.catalogs, as_of=as_of, graph=graph, explain=explain, partial=run, forget_tables=forget_tables
    )
    state = None
    if run is not None:
        from threatmodel.engine.incremental import IncrementalState

        state = IncrementalState.of(model, cset, run)
    return Analysis(assessment, cset, graph, source if source is not None else Unlocated(), untriaged, state)

"""``analyze``: load a model and its catalogs, evaluate, and hand back one :class:`Analysis`.

The only way the CLI, the TUI, ``check``/``diff`` and the tests turn a file into something to
report on; the engine's :func:`~threatmodel.engine.analysis.analyse` does the pure half.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from threatmodel.engine.analysis import Analysis, analyse
from threatmodel.io.load import LoadedCatalogs, LoadedModel, load_model, load_model_text


def analyze_loaded(
    loaded: LoadedModel, catalogs: LoadedCatalogs, *, as_of: dt.date, explain: bool = True, once: bool = False
) -> Analysis:
    """The analysis of a model already loaded against ``catalogs`` (located by ``loaded``);
    ``explain=False`` leaves the findings unexplained (``Assessment.explained``). ``once``: the
    caller evaluates this model once, so what matching built is dropped as soon as it is done
    (``analyse(forget_tables=True)``)."""
    return analyse(loaded.model, catalogs.cset, as_of=as_of, source=loaded, explain=explain, forget_tables=once)


def analyze(
    path: Path | str,
    catalogs: LoadedCatalogs,
    *,
    as_of: dt.date,
    include_root: Path | None = None,
    once: bool = False,
) -> Analysis:
    """Load ``path`` (includes, schema, references, the catalogs' control ids) and analyse it
    (``once``: see :func:`analyze_loaded`)."""
    loaded = load_model(path, known_controls=catalogs.control_refs, include_root=include_root)
    return analyze_loaded(loaded, catalogs, as_of=as_of, once=once)


def analyze_text(
    text: str, display: str, catalogs: LoadedCatalogs, *, as_of: dt.date, base_dir: Path | None = None
) -> Analysis:
    """Like :func:`analyze`, for model text in memory (a git revision, the TUI's unsaved edits)."""
    loaded = load_model_text(text, display, base_dir=base_dir, known_controls=catalogs.control_refs)
    return analyze_loaded(loaded, catalogs, as_of=as_of)

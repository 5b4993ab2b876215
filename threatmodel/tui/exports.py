"""Exports from the TUI: the rows of ``threatmodel.render.EXPORTS``, rendered like ``report`` and
``diagram`` do. Exports describe the model as it is in the editor, unsaved edits included; SARIF
locations come from the text that would be saved.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from threatmodel import __version__
from threatmodel.edit.session import EditSession
from threatmodel.io.load import display_path, load_model_text
from threatmodel.render import Export, Options, render


def suggested_path(session: EditSession, fmt: Export) -> Path:
    """``<model stem><suffix>`` beside the model file."""
    stem = session.path.name.removesuffix(".yaml").removesuffix(".yml")
    return session.path.with_name(stem + fmt.suffix)


def render_export(session: EditSession, fmt_id: str) -> str | bytes:
    """The export of the session's current analysis; raises RenderError (e.g. no Graphviz for SVG)."""
    analysis = session.analysis
    if fmt_id == "sarif":
        # locations come from the text that would be saved, unsaved edits included
        source = load_model_text(session.text(), display_path(session.path), base_dir=session.path.parent)
        analysis = dataclasses.replace(analysis, source=source)
    return render(fmt_id, analysis, Options(tool_version=__version__)).data

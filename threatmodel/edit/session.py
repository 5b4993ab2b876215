"""The editing session behind the TUI: one model file, its analysis, undo/redo and saving.

No Textual here: scripts and tests drive it headless. A session holds three things that always agree:

* the current :class:`SystemModel` (immutable; every edit makes a new one),
* the :class:`ModelDocument` the edits are also written into (ruamel round trip, so a save
  keeps comments, key order and formatting of everything the user did not touch),
* the :class:`Assessment` of the current model, recomputed after every edit.

The analysis is computed when first asked for (``analysis``), or by a front end in a worker thread
(:meth:`EditSession.analysis_job`, then :meth:`EditSession.offer_analysis`): a large model is shown
before it is analysed. Every change of the model bumps ``version``; an analysis of an older version
is refused, so a result that arrives after an edit never replaces the current one.

Undo keeps a stack of steps ``(change, model before, model after)``. The model side of an
undo is the snapshot; the document side is rebuilt from the text as opened plus a replay of
the changes still applied, which restores the document byte for byte (comments included)
without having to invert ruamel edits. See docs/decisions/0501-tui-edit-session.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from threatmodel.edit.changes import (
    SECTIONS,
    Change,
    Delete,
    SetTriage,
    Step,
    Upsert,
    apply_change,
    element_key,
    reference_problems,
)
from threatmodel.engine.analysis import Analysis, analyse, retriaged
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.engine.incremental import reevaluated
from threatmodel.errors import ModelError, Problem, SourceSpan, UsageError
from threatmodel.io.load import LoadedCatalogs, LoadedModel, display_path, load_model_text
from threatmodel.model.finding import Assessment
from threatmodel.model.system import SystemModel

if TYPE_CHECKING:
    from threatmodel.io.roundtrip import ModelDocument


def _apply_to_document(doc: ModelDocument, change: Change) -> None:
    for edit in change.edits:
        if isinstance(edit, Upsert):
            doc.upsert(edit.section, edit.item, key=edit.key)
        elif isinstance(edit, Delete):
            doc.delete(edit.section, edit.key)
        else:
            doc.set_triage(edit.finding_id, edit.entry)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def summarize(model: SystemModel) -> str:
    """One line saying what a model contains (for the conflict dialog)."""
    counts = (
        (len(model.components), "component", "components"),
        (len(model.flows), "flow", "flows"),
        (len(model.boundaries), "boundary", "boundaries"),
        (len(model.data), "data asset", "data assets"),
        (len(model.controls), "control", "controls"),
        (len(model.triage), "triage decision", "triage decisions"),
    )
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


# ---------------------------------------------------------------------------
# The session


@dataclass
class EditSession:
    """A model file opened for editing, with its live analysis and undo history."""

    path: Path
    catalogs: LoadedCatalogs
    as_of: dt.date
    loaded: LoadedModel
    _base_text: str
    _digest: str
    _doc: ModelDocument | None = None
    """The round-trip document, parsed on first need (an edit, a save): ruamel is slow to load."""
    model: SystemModel = field(init=False)
    _analysis: Analysis | None = field(init=False, default=None)
    """The current model's analysis, None until computed (after opening and after every edit)."""
    _latest: Analysis | None = field(init=False, default=None)
    """The latest analysis made, of whichever version: the next one is made from it when the
    models differ in one element's attributes (decision 1864)."""
    version: int = field(init=False, default=0)
    """Bumped on every change of the model (edit, undo, redo, reload): names what an analysis is of."""
    evaluate_ms: float = field(init=False, default=0.0)
    """How long the last re-analysis took, in milliseconds."""
    _undo: list[Step] = field(init=False, default_factory=list)
    _redo: list[Step] = field(init=False, default_factory=list)
    _saved_depth: int = field(init=False, default=0)
    _included: frozenset[tuple[str, str]] = field(init=False, default=frozenset())
    _included_triage: frozenset[str] = field(init=False, default=frozenset())
    _stat_seen: tuple[tuple[int, int], str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._set_loaded(self.loaded)

    @property
    def analysis(self) -> Analysis:
        """The current model, analysed; computed here (in the caller's thread) when not done yet."""
        if self._analysis is None:
            version, job = self.analysis_job()
            self.offer_analysis(version, *job())
        assert self._analysis is not None  # noqa: S101 - just computed for this version
        return self._analysis

    @property
    def analysed(self) -> bool:
        """True when the current model's analysis is at hand (reading ``analysis`` costs nothing)."""
        return self._analysis is not None

    @property
    def assessment(self) -> Assessment:
        return self.analysis.assessment

    @property
    def cset(self) -> CatalogSet:
        return self.catalogs.cset

    def analysis_job(self) -> tuple[int, Callable[[], tuple[Analysis, float]]]:
        """The current version and a function that analyses it, safe to run in another thread (it
        reads only immutable values captured here); it returns the analysis and its time in ms."""
        model, cset, as_of, source = self.model, self.catalogs.cset, self.as_of, self.loaded
        latest = self._latest

        def job() -> tuple[Analysis, float]:
            started = time.perf_counter()
            # an attribute edit away from the latest analysis: only what it can change is evaluated
            # again (decision 1864); anything else, the whole model
            analysis = reevaluated(latest, model, source) if latest is not None else None
            if analysis is None:
                analysis = analyse(model, cset, as_of=as_of, source=source, incremental=True)
            return analysis, (time.perf_counter() - started) * 1000

        return self.version, job

    def offer_analysis(self, version: int, analysis: Analysis, evaluate_ms: float) -> bool:
        """Keep ``analysis`` when it is of the current version; False (discarded) when the model
        changed since the job was made."""
        if version != self.version or self._analysis is not None:
            return False
        self._analysis = self._latest = analysis
        self.evaluate_ms = evaluate_ms
        return True

    # -- opening --------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, catalogs: LoadedCatalogs, as_of: dt.date) -> EditSession:
        """Open ``path``; raises ModelError (located problems) when it is not a valid model."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise UsageError(Problem(f"{path}: no such file", SourceSpan(str(path)))) from None
        except OSError as exc:
            raise UsageError(Problem(f"cannot read {path}: {exc.strerror}", SourceSpan(str(path)))) from None
        text = raw.decode("utf-8-sig")
        loaded = load_model_text(text, display_path(path), base_dir=path.parent, known_controls=catalogs.control_refs)
        return cls(path=path, catalogs=catalogs, as_of=as_of, loaded=loaded, _base_text=text, _digest=_digest(raw))

    def _set_loaded(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.model = loaded.model
        included: set[tuple[str, str]] = set()
        for (section, index), (doc_index, _) in loaded.origins.items():
            if doc_index != 0 and section in SECTIONS:
                items = getattr(loaded.model, section)
                if index < len(items):
                    included.add((section, element_key(section, items[index])))
        self._included = frozenset(included)
        self._included_triage = frozenset(k for k, doc_index in loaded.triage_origins.items() if doc_index != 0)
        self._reassess()

    def _reassess(self, change: Change | None = None) -> None:
        """The model changed: a new version, analysed when next asked for. A change that only
        records or removes triage decisions is settled on the spot from the analysis at hand, with
        nothing matched again (decision 1887). The analysis of any other change is made by
        :meth:`analysis_job`: for an edit of one element's attributes, from the latest analysis
        (decision 1864)."""
        previous = self._analysis
        self.version += 1
        self._analysis = None
        if (
            change is not None
            and previous is not None
            and previous.untriaged is not None
            and all(isinstance(edit, SetTriage) for edit in change.edits)
        ):
            started = time.perf_counter()
            self._analysis = self._latest = retriaged(previous, self.model)
            self.evaluate_ms = (time.perf_counter() - started) * 1000

    # -- state ------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        """True when the model differs from what was last opened or saved."""
        return len(self._undo) != self._saved_depth

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].change.label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].change.label if self._redo else None

    def read_only_reason(self, section: str, key: str) -> str | None:
        """Why an element cannot be edited here (it comes from an included file), or None."""
        if (section, key) in self._included:
            return f"'{key}' is declared in an included file; edit that file instead"
        return None

    def triage_read_only_reason(self, finding_id: str) -> str | None:
        if finding_id in self._included_triage:
            return f"the triage of '{finding_id}' is kept in an included file; edit that file instead"
        return None

    def problems(self, candidate: SystemModel) -> list[tuple[tuple[str | int, ...], str]]:
        """Reference problems ``candidate`` would have (the loader's checks, same wording)."""
        return reference_problems(candidate, self.catalogs.control_refs)

    # -- editing ------------------------------------------------------------
    def preview(self, change: Change) -> SystemModel:
        """The model ``change`` would produce; raises ValidationError for a bad item."""
        return apply_change(self.model, change)

    def apply(self, change: Change) -> None:
        """Apply ``change`` to the model and the document, then re-analyse.

        Raises ModelError (nothing applied) when the result would not pass the loader's
        reference checks; the forms check the same thing while the user types.
        """
        for edit in change.edits:
            section = edit.section if isinstance(edit, (Upsert, Delete)) else None
            if isinstance(edit, SetTriage):
                reason = self.triage_read_only_reason(edit.finding_id)
            elif isinstance(edit, Upsert) and edit.key is None:
                reason = None
            else:
                key = edit.key if isinstance(edit, (Upsert, Delete)) else ""
                reason = self.read_only_reason(section or "", key or "")
            if reason:
                raise UsageError(Problem(reason))
        before = self.model
        try:
            after = apply_change(before, change)
        except ValidationError as exc:
            raise ModelError(
                [Problem(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}") for e in exc.errors(include_url=False)]
            ) from None
        problems = self.problems(after)
        if problems:
            raise ModelError([Problem(message) for _, message in problems])
        _apply_to_document(self.document, change)
        if self._saved_depth > len(self._undo):
            self._saved_depth = -1  # the saved state was undone and is now unreachable
        self._undo.append(Step(change, before, after))
        self._redo.clear()
        self.model = after
        self._reassess(change)

    def undo(self) -> Change | None:
        """Revert the last change; returns it (None when there is nothing to undo)."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        self.model = step.before
        self._doc = None  # rebuilt from the opened text and the remaining changes when next needed
        self._reassess(step.change)
        return step.change

    def redo(self) -> Change | None:
        """Re-apply the last undone change; returns it (None when there is nothing to redo)."""
        if not self._redo:
            return None
        step = self._redo.pop()
        _apply_to_document(self.document, step.change)
        self._undo.append(step)
        self.model = step.after
        self._reassess(step.change)
        return step.change

    @property
    def document(self) -> ModelDocument:
        """The document the edits are written into (built from the opened text plus the applied changes)."""
        if self._doc is None:
            self._rebuild_document()
        assert self._doc is not None  # noqa: S101 - just built
        return self._doc

    def _rebuild_document(self) -> None:
        from threatmodel.io.roundtrip import ModelDocument

        doc = ModelDocument.from_text(self._base_text, self.path, disk_digest=self._digest)
        for step in self._undo:
            _apply_to_document(doc, step.change)
        self._doc = doc

    # -- files ---------------------------------------------------------------
    def text(self) -> str:
        """The model file as it would be saved now."""
        if self._doc is None and not self._undo:
            return self._base_text
        return self.document.text()

    def changed_on_disk(self) -> bool:
        return self.disk_digest() != self._digest

    def disk_digest(self) -> str | None:
        """Digest of the file on disk now (None when it cannot be read); reads only when it was touched."""
        try:
            stat = self.path.stat()
        except OSError:
            return None
        signature = (stat.st_mtime_ns, stat.st_size)
        if self._stat_seen is not None and self._stat_seen[0] == signature:
            return self._stat_seen[1]
        try:
            digest = _digest(self.path.read_bytes())
        except OSError:
            return None
        self._stat_seen = (signature, digest)
        return digest

    def save(self, path: Path | None = None) -> Path:
        """Write the file atomically; raises ConflictError when it changed on disk since opened.

        With ``path`` (Save as...), the session continues on the new file.
        """
        document = self.document
        target = document.save(path)
        self._digest = _digest(document.text().encode("utf-8"))
        self.path = target
        self._saved_depth = len(self._undo)
        return target

    def disk_text(self) -> str | None:
        """What is on disk now (None when the file is gone)."""
        try:
            return self.path.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError:
            return None

    def disk_summary(self) -> str:
        """What the file on disk holds now, or why it cannot be read."""
        text = self.disk_text()
        if text is None:
            return "the file no longer exists"
        try:
            loaded = load_model_text(text, display_path(self.path), base_dir=self.path.parent)
        except ModelError as exc:
            return f"not a valid model: {exc.problems[0].message}"
        return summarize(loaded.model)

    def disk_diff(self, context: int = 2) -> list[str]:
        """Unified diff from the file on disk to this session's version."""
        ours = self.text().splitlines(keepends=False)
        theirs = (self.disk_text() or "").splitlines(keepends=False)
        return list(
            difflib.unified_diff(theirs, ours, fromfile="on disk", tofile="yours (unsaved)", lineterm="", n=context)
        )

    def reload(self) -> None:
        """Discard every edit and the undo history; read the file again from disk."""
        fresh = EditSession.open(self.path, self.catalogs, self.as_of)
        self._base_text, self._digest, self._doc = fresh._base_text, fresh._digest, fresh._doc
        self._undo.clear()
        self._redo.clear()
        self._saved_depth = 0
        self._set_loaded(fresh.loaded)

    # -- lookups --------------------------------------------------------------
    def element(self, section: str, key: str) -> Any | None:
        for item in getattr(self.model, section):
            if element_key(section, item) == key:
                return item
        return None

    def document_item(self, section: str, key: str) -> Mapping[str, Any] | None:
        """The element as written in the file (to keep the author's explicit keys)."""
        for item_key, item in self.document.items(section):
            if item_key == key:
                return item
        return None

    def history(self) -> Sequence[str]:
        """Labels of the applied changes, oldest first."""
        return [step.change.label for step in self._undo]

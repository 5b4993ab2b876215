"""Messages that cross screens. Messages that belong to one widget are nested in its class."""

from __future__ import annotations

from textual.message import Message


class ModelChanged(Message):
    """The model was edited, undone, redone or reloaded (a large model's analysis may still be running:
    :class:`AnalysisDone` follows when it is shown)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        """What happened, e.g. ``add component 'chat-llm'`` or ``reload``."""


class AnalysisDone(Message):
    """A worker's analysis of the model was accepted and every screen shows it."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version
        """The session version analysed (:attr:`EditSession.version`)."""


class Saved(Message):
    """The model file was written."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class TriageChanged(Message):
    """A finding's triage decision was recorded (or removed, ``status`` None)."""

    def __init__(self, finding_id: str, status: str | None) -> None:
        super().__init__()
        self.finding_id = finding_id
        self.status = status


class JumpTo(Message):
    """Show one element or finding on the overview (from the palette or another screen)."""

    def __init__(self, section: str, key: str) -> None:
        super().__init__()
        self.section = section
        """``components``, ``boundaries``, ``flows``, ``data``, ``controls`` or ``findings``."""
        self.key = key

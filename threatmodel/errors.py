"""Errors a user can cause, each carrying where it happened and what to do about it.

Only :class:`ThreatModelError` (and subclasses) are caught at the CLI and TUI
edges; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from threatmodel.textsafe import visible


@dataclass(frozen=True, slots=True, order=True)
class SourceSpan:
    """A position in a source file; line and column are 1-based."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        path = visible(self.path)
        if self.line <= 0:
            return path
        return f"{path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem: ``path:line:col: error: message`` plus an optional hint."""

    message: str
    source: SourceSpan | None = None
    hint: str | None = None
    severity: str = "error"

    def __post_init__(self) -> None:
        # Messages quote user keys and values: never let a control character through.
        object.__setattr__(self, "message", visible(self.message, keep_newlines=True))
        if self.hint is not None:
            object.__setattr__(self, "hint", visible(self.hint, keep_newlines=True))

    def render(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ThreatModelError(Exception):
    """Base class of every error a user can cause. Carries one or more problems."""

    title = "threatmodel error"

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class ModelError(ThreatModelError):
    """The model file is unreadable, invalid or inconsistent."""

    title = "invalid model"


class CatalogError(ThreatModelError):
    """A catalog is invalid: bad schema, unknown predicate or attribute, dangling reference."""

    title = "invalid catalog"


class WorkBudgetError(ThreatModelError):
    """The rules would take more work on this model than the engine allows (docs/security.md)."""

    title = "work budget exceeded"


class RenderError(ThreatModelError):
    """An export could not be produced, e.g. Graphviz's ``dot`` is missing."""

    title = "render failed"


class UsageError(ThreatModelError):
    """The command was called in a way that cannot work (bad revision, unknown template...)."""

    title = "usage error"

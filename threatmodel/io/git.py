"""Read model files from git revisions without touching the work tree.

``REV:path`` arguments (``HEAD~1:models/rag.yaml``, ``main:models/x.yaml``) are read
with ``git cat-file``: fixed argument lists, never a shell, a timeout on every call,
and a clear :class:`UsageError` for a bad revision, a missing path or a missing git.
Paths follow git's own rule: relative to the repository root, unless they start with
``./`` or ``../`` (then relative to the current directory).
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from threatmodel.errors import ModelError, Problem, SourceSpan, ThreatModelError, UsageError
from threatmodel.io.load import (
    MAX_INCLUDE_DEPTH,
    MAX_INCLUDE_FILES,
    TOTAL_LIMIT_HINT,
    LoadedModel,
    load_model_text,
    total_bytes_limit,
)
from threatmodel.io.yaml_source import MAX_FILE_BYTES, parse_yaml

GIT_TIMEOUT_SECONDS = 30
"""Longest a single git call may take."""
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True, slots=True)
class RevPath:
    """A file at a git revision, as the user wrote it."""

    rev: str
    path: str

    def __str__(self) -> str:
        return f"{self.rev}:{self.path}"


MAX_ARGUMENT_CHARS = 4096
"""Longest model path or ``REV:path`` accepted on the command line (PATH_MAX on Linux)."""


def parse_rev_path(argument: str) -> RevPath | None:
    """``REV:path`` when ``argument`` is not an existing file and has a colon, else ``None``.

    An empty revision (``:models/x.yaml``) means the index (what is staged), as in git.
    """
    if len(argument) > MAX_ARGUMENT_CHARS or "\x00" in argument:
        raise UsageError(
            Problem(
                f"a model path or REV:path must be at most {MAX_ARGUMENT_CHARS:,} characters without NUL",
                SourceSpan(argument[:80] + ("..." if len(argument) > 80 else "")),
            )
        )
    try:
        exists = Path(argument).exists()
    except (OSError, ValueError):
        exists = False
    if exists or ":" not in argument or _DRIVE.match(argument):
        return None
    rev, _, path = argument.partition(":")
    return RevPath(rev, path)


def _git(args: Sequence[str], cwd: Path | None, what: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            env=env,
        )
    except FileNotFoundError:
        raise UsageError(
            Problem(
                f"cannot read {what}: git is not installed or not on PATH",
                hint="install git, or pass file paths instead of REV:path",
            )
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError(Problem(f"cannot read {what}: git did not answer within {GIT_TIMEOUT_SECONDS} s")) from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


@dataclass(frozen=True)
class GitRepo:
    """The repository around a directory."""

    top: Path
    prefix: str
    """The directory's path below the top, with a trailing slash (empty at the top)."""
    cwd: Path | None

    @classmethod
    def find(cls, cwd: Path | None, what: str) -> GitRepo:
        result = _git(["rev-parse", "--show-toplevel", "--show-prefix"], cwd, what)
        if result.returncode != 0:
            raise UsageError(
                Problem(
                    f"cannot read {what}: not inside a git repository",
                    hint=_first_line(result.stderr) or "run the command inside the repository, or pass file paths",
                )
            )
        lines = result.stdout.decode("utf-8", "replace").splitlines()
        top = Path(lines[0]) if lines else Path(".")
        prefix = lines[1] if len(lines) > 1 else ""
        return cls(top, prefix, cwd)

    def verify(self, rev: str, what: str) -> None:
        """Fail unless ``rev`` names a commit (the empty revision, the index, is accepted)."""
        if rev == "":
            return
        if rev.startswith("-") or any(c in rev for c in "\x00\n\r"):
            raise UsageError(
                Problem(f"'{rev}' is not a git revision", hint="e.g. HEAD~1:models/x.yaml or main:models/x.yaml")
            )
        result = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], self.cwd, what)
        if result.returncode != 0:
            raise UsageError(
                Problem(
                    f"cannot read {what}: unknown git revision '{rev}'",
                    hint="use a branch, tag or commit, e.g. HEAD~1, main, origin/main, v1.2 (`git log --oneline` lists commits)",
                )
            )

    def repo_path(self, path: str) -> str:
        """``path`` relative to the repository root, by git's rule for ``REV:path``."""
        if path.startswith(("./", "../")) or path in (".", ".."):
            joined = posixpath.normpath(posixpath.join(self.prefix, path))
        else:
            joined = posixpath.normpath(path)
        return "" if joined == "." else joined

    def read(self, rev: str, repo_path: str, what: str) -> str:
        """The text of ``repo_path`` at ``rev`` (the index when ``rev`` is empty)."""
        if repo_path.startswith("../") or repo_path == ".." or posixpath.isabs(repo_path):
            raise UsageError(Problem(f"cannot read {what}: the path leaves the repository"))
        spec = f"{rev}:{repo_path}"
        kind = _git(["cat-file", "-t", spec], self.top, what)
        if kind.returncode != 0:
            where = f"revision '{rev}'" if rev else "the index"
            raise UsageError(
                Problem(
                    f"cannot read {what}: '{repo_path}' does not exist in {where}",
                    hint=f"`git ls-tree -r --name-only {rev or 'HEAD'}` lists its files; paths are relative to the "
                    "repository root unless they start with ./",
                )
            )
        if kind.stdout.strip() != b"blob":
            raise UsageError(
                Problem(f"cannot read {what}: '{repo_path}' is a {kind.stdout.decode().strip()}, not a file")
            )
        size = _git(["cat-file", "-s", spec], self.top, what)
        if size.returncode == 0 and int(size.stdout.strip() or 0) > MAX_FILE_BYTES:
            raise ModelError(
                Problem(
                    f"file is {int(size.stdout):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                    SourceSpan(f"{rev}:{repo_path}"),
                )
            )
        blob = _git(["cat-file", "blob", spec], self.top, what)
        if blob.returncode != 0:
            raise UsageError(Problem(f"cannot read {what}: {_first_line(blob.stderr) or 'git cat-file failed'}"))
        try:
            return blob.stdout.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ModelError(
                Problem(f"the file is not UTF-8 text (byte {exc.start})", SourceSpan(f"{rev}:{repo_path}"))
            ) from None


def read_revision_text(spec: RevPath, *, cwd: Path | None = None) -> str:
    """The text of one file at a revision."""
    repo = GitRepo.find(cwd, str(spec))
    repo.verify(spec.rev, str(spec))
    return repo.read(spec.rev, repo.repo_path(spec.path), str(spec))


def load_model_at_revision(
    spec: RevPath, *, known_controls: Collection[str] | None = None, cwd: Path | None = None
) -> LoadedModel:
    """Load a model as it was at a revision, its relative includes read from the same revision.

    The files are copied from git into a private temporary directory that mirrors the
    repository layout (never the work tree), loaded from there, and every location is
    reported as ``REV:path``.
    """
    what = str(spec)
    repo = GitRepo.find(cwd, what)
    repo.verify(spec.rev, what)
    root = repo.repo_path(spec.path)
    text = repo.read(spec.rev, root, what)
    if not _has_includes(text, what):
        return load_model_text(text, what, known_controls=known_controls)
    includes = _include_closure(repo, spec.rev, root, text)
    with tempfile.TemporaryDirectory(prefix="threatmodel-git-") as tmp:
        base = Path(tmp).resolve()
        for rel, body in includes.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
        root_dir = (base / root).parent
        display = {str(base / rel): f"{spec.rev}:{rel}" for rel in includes}
        try:
            # The mirror's top is the repository's top: includes may use any path in the
            # repository at that revision, as a work-tree model may use its work tree.
            loaded = load_model_text(text, what, base_dir=root_dir, known_controls=known_controls, include_root=base)
        except ThreatModelError as exc:
            raise type(exc)([_relocate(p, base, display, spec.rev) for p in exc.problems]) from None
    for doc in loaded.documents[1:]:
        doc.path = _display_path(doc.path, base, display, spec.rev)
    return loaded


def _display_path(path: str, base: Path, display: dict[str, str], rev: str) -> str:
    absolute = str((Path.cwd() / path).resolve()) if not os.path.isabs(path) else path
    if absolute in display:
        return display[absolute]
    try:
        return f"{rev}:{Path(absolute).relative_to(base).as_posix()}"
    except ValueError:
        return path


def _relocate(problem: Problem, base: Path, display: dict[str, str], rev: str) -> Problem:
    if problem.source is None:
        return problem
    source = SourceSpan(
        _display_path(problem.source.path, base, display, rev), problem.source.line, problem.source.column
    )
    return Problem(problem.message, source, problem.hint, problem.severity)


def _include_closure(repo: GitRepo, rev: str, root: str, text: str) -> dict[str, str]:
    """The root file and every file it includes (transitively) at ``rev``, by repository path.

    Includes that do not exist at ``rev`` are left out, so the loader reports them at the
    include's line as it does for files on disk. Includes that are absolute or leave the
    repository are refused here: they would name files outside the revision.
    """
    found: dict[str, str] = {root: text}
    problems: list[Problem] = []
    queue: list[tuple[str, str, int]] = [(root, text, 0)]
    total = len(text)
    while queue:
        path, body, depth = queue.pop(0)
        try:
            doc = parse_yaml(body, f"{rev}:{path}")
        except ThreatModelError:
            continue  # the loader reports it with a location
        includes = doc.data.get("includes") if isinstance(doc.data, dict) else None
        if not isinstance(includes, list) or depth >= MAX_INCLUDE_DEPTH:
            continue
        for i, rel in enumerate(includes):
            if not isinstance(rel, str) or "\x00" in rel:
                continue  # the loader reports it at the include's line
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), rel))
            if (
                posixpath.isabs(rel)
                or rel.startswith("\\")
                or _DRIVE.match(rel)
                or target == ".."
                or target.startswith("../")
            ):
                problems.append(
                    Problem(
                        f"include '{rel}' is outside the repository, so it cannot be read from revision '{rev}'",
                        doc.span(("includes", i)),
                        "includes of a model read from git must stay inside the repository",
                    )
                )
                continue
            if target in found or len(found) > MAX_INCLUDE_FILES:
                continue  # cycles and the file limit are reported by the loader
            try:
                child = repo.read(rev, target, f"{rev}:{target}")
            except ThreatModelError:
                continue
            total += len(child)
            if total > total_bytes_limit():
                problems.append(
                    Problem(
                        f"includes read more than {total_bytes_limit():,} bytes in total",
                        doc.span(("includes", i)),
                        TOTAL_LIMIT_HINT,
                    )
                )
                break
            found[target] = child
            queue.append((target, child, depth + 1))
    if problems:
        raise ModelError(problems)
    return found


def _has_includes(text: str, display: str) -> bool:
    try:
        data = parse_yaml(text, display).data
    except ThreatModelError:
        return False
    return isinstance(data, dict) and bool(data.get("includes"))


__all__ = ["GIT_TIMEOUT_SECONDS", "RevPath", "load_model_at_revision", "parse_rev_path", "read_revision_text"]

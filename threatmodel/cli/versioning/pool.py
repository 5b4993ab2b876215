"""Checking many models: ``threatmodel check`` judges each model on its own, so a monorepo's models
are spread over worker processes (see docs/decisions/0910-check-process-pool.md).

A worker gets only the settings (paths and plain values) and the model arguments; it loads the
catalogs, policy and baseline itself, once, and sends each model back as JSON text of a
:class:`~threatmodel.export.check.CheckedModel` (or of its located problems). Nothing crosses
between processes as pickled objects of ours, and results are taken in argument order, so the
output is the serial run's, byte for byte. Workers are started by ``forkserver`` where there is
one and ``spawn`` elsewhere: never by forking a parent that may run a progress-bar thread.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from threatmodel.errors import Problem, SourceSpan, ThreatModelError

PARALLEL_FROM = 8
"""Without ``--jobs``, check this many models or more in worker processes (fewer: starting the
workers costs more than it saves)."""

MAX_AUTO_JOBS = 32
"""The most workers the automatic choice starts."""


@dataclass(frozen=True)
class CheckSettings:
    """What every model of one ``check`` run is judged with: plain values only."""

    catalog_paths: tuple[str, ...]
    as_of: str
    threshold: str
    policy_path: str | None
    baseline_path: str | None
    fmt: str
    tool_version: str
    cwd: str
    max_model_bytes: int


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def choose_jobs(requested: int | None, models: int) -> int:
    """Worker processes for ``models`` models: ``--jobs`` when given (never more than the models),
    else one per CPU from :data:`PARALLEL_FROM` models up, else 1 (serial, in this process)."""
    if models <= 1:
        return 1
    if requested is not None:
        return max(1, min(requested, models))
    if models < PARALLEL_FROM:
        return 1
    return max(1, min(available_cpus(), models, MAX_AUTO_JOBS))


class Checker:
    """Judges one model at a time with catalogs, policy and baseline loaded once."""

    def __init__(self, settings: CheckSettings, *, catalogs: Any = None, policy: Any = None, baseline: Any = None):
        from pathlib import Path

        from threatmodel.io.baseline import read_baseline
        from threatmodel.io.load import load_catalogs
        from threatmodel.io.policy import load_policy
        from threatmodel.model.base import Severity

        self.settings = settings
        self.day = dt.date.fromisoformat(settings.as_of)
        self.threshold = Severity(settings.threshold)
        self.catalogs = (
            catalogs if catalogs is not None else load_catalogs(tuple(Path(p) for p in settings.catalog_paths))
        )
        if policy is None and settings.policy_path is not None:
            policy = load_policy(Path(settings.policy_path), known_controls=self.catalogs.control_refs)
        if baseline is None and settings.baseline_path is not None:
            baseline = read_baseline(Path(settings.baseline_path))
        self.policy = policy
        self.baseline = baseline
        self.policy_rules = {r.id: r.message for r in policy.policy.rules} if policy is not None else {}

    def judge(self, argument: str) -> Any:
        """The gate's :class:`~threatmodel.engine.gate.ModelResult` for one model argument;
        a model that does not load raises its :class:`ThreatModelError`."""
        from threatmodel.cli.versioning.commands import load_side
        from threatmodel.engine.gate import judge
        from threatmodel.engine.policy import evaluate_policy
        from threatmodel.io.analysis import analyze_loaded

        loaded = load_side(argument, self.catalogs.control_refs)
        # the gate reads ids, scores, status and triage only: the findings need no explanation
        analysis = analyze_loaded(loaded, self.catalogs, as_of=self.day, explain=False)
        violations = evaluate_policy(self.policy.policy, analysis.assessment) if self.policy is not None else ()
        return judge(argument, analysis, violations, self.threshold, self.baseline)

    def share(self, result: Any) -> Any:
        """The plain-data share of a judged model, with its section of the chosen format."""
        from threatmodel.export.check import (
            checked_model,
            model_check_json,
            model_check_markdown,
            model_check_sarif_run,
        )

        fmt = self.settings.fmt
        section: Any
        if fmt == "json":
            section = model_check_json(result)
        elif fmt == "md":
            section = model_check_markdown(result, self.threshold)
        elif fmt == "sarif":
            section = model_check_sarif_run(
                result,
                threshold=self.threshold,
                tool_version=self.settings.tool_version,
                policy_rules=self.policy_rules,
                baseline=self.settings.baseline_path,
            )
        else:
            from threatmodel.cli.versioning.gate import model_check_lines

            section = model_check_lines(result, self.threshold)
        return checked_model(result, section)


# ---------------------------------------------------------------------------
# The worker side: module-level state and functions, so spawn and forkserver can reach them.

_worker: Checker | None = None
_worker_problems: tuple[Problem, ...] = ()


def _start_worker(settings_json: str) -> None:
    """Pool initializer: the parent's folder, then catalogs, policy and baseline, once."""
    global _worker, _worker_problems
    from threatmodel.io.load import set_total_bytes_limit

    settings = CheckSettings(**json.loads(settings_json))
    os.chdir(settings.cwd)
    set_total_bytes_limit(settings.max_model_bytes)
    try:
        _worker = Checker(settings)
    except ThreatModelError as exc:  # a file changed after the parent read it: report, don't crash
        _worker_problems = tuple(exc.problems)


def _problem_json(p: Problem) -> dict[str, Any]:
    source = None if p.source is None else [p.source.path, p.source.line, p.source.column]
    return {"message": p.message, "source": source, "hint": p.hint, "severity": p.severity}


def _problem_from_json(data: dict[str, Any]) -> Problem:
    source = data["source"]
    span = None if source is None else SourceSpan(source[0], source[1], source[2])
    return Problem(data["message"], span, data["hint"], data["severity"])


def _dumps(value: Any) -> bytes:
    import orjson

    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # lone surrogates and the like: escaped by json
        return json.dumps(value, ensure_ascii=True).encode("ascii")


def _loads(data: bytes) -> Any:
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _check_in_worker(argument: str) -> bytes:
    """One model, judged in a worker: JSON text of its share or of its problems."""
    if _worker is None:
        return _dumps({"problems": [_problem_json(p) for p in _worker_problems]})
    try:
        result = _worker.judge(argument)
    except ThreatModelError as exc:
        return _dumps({"problems": [_problem_json(p) for p in exc.problems]})
    return _dumps({"model": _worker.share(result).to_json()})


# ---------------------------------------------------------------------------
# The parent side


def _context() -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload([__name__, "threatmodel.io.analysis", "threatmodel.export.check"])
    return ctx


def check_in_pool(settings: CheckSettings, arguments: Sequence[str], jobs: int) -> Iterator[tuple[str, Any]]:
    """``(argument, CheckedModel or tuple of Problems)`` for each argument, in argument order,
    judged by ``jobs`` worker processes."""
    from concurrent.futures import ProcessPoolExecutor

    from threatmodel.export.check import CheckedModel

    chunk = max(1, len(arguments) // (jobs * 4))
    settings_json = json.dumps(asdict(settings))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=_context(), initializer=_start_worker, initargs=(settings_json,)
    ) as pool:
        for argument, payload in zip(arguments, pool.map(_check_in_worker, arguments, chunksize=chunk), strict=True):
            data = _loads(payload)
            if "model" in data:
                yield argument, CheckedModel.from_json(data["model"])
            else:
                yield argument, tuple(_problem_from_json(p) for p in data["problems"])


# ---------------------------------------------------------------------------
# diff: the two sides of one comparison analysed side by side (decision 0930)

PARALLEL_DIFF_FROM = 1_000
"""Without ``--jobs``, ``diff`` analyses the new side in a second process when the two models have
this many components together (fewer: the fork and the hand-back cost more than they save)."""


def diff_jobs(requested: int | None, components: int) -> int:
    """Processes for one ``diff``: ``--jobs`` when given (at most 2, one per side), else 2 for large
    models on a machine with 2 CPUs or more that can fork, else 1."""
    if not can_fork():
        return 1
    if requested is not None:
        return min(requested, 2)
    return 2 if components >= PARALLEL_DIFF_FROM and available_cpus() >= 2 else 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _side_in_child(analyse: Any, send: Any) -> None:
    """The forked child: analyse, send the side's digest as JSON, never raise (the parent falls back)."""
    try:
        payload = _dumps({"side": analyse().to_data()})
    except BaseException as exc:  # the parent analyses in-process instead, and shows any error
        payload = _dumps({"failed": type(exc).__name__})
    try:
        send.send_bytes(payload)
    finally:
        send.close()


def analyse_sides(old: Any, new: Any) -> tuple[Any, Any]:
    """``(old(), new())``, the two :class:`~threatmodel.engine.diff.SideFindings` builders run at once:
    ``new`` in a forked child process (which inherits the loaded models, so nothing is loaded or
    imported again) and ``old`` here. The child sends its digest back as JSON; if it fails in any
    way, ``new`` runs here as well, so the result (and any error) is the serial run's."""
    import multiprocessing
    import sys

    from threatmodel.engine.diff import SideFindings

    for stream in (sys.stdout, sys.stderr):  # the child flushes what it inherits: nothing may be pending
        stream.flush()
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_side_in_child, args=(new, send), daemon=True)
    child.start()
    send.close()
    try:
        before = old()
        try:
            data = _loads(receive.recv_bytes())
        except (EOFError, OSError):
            data = {}
    finally:
        receive.close()
        child.join()
    after = SideFindings.from_data(data["side"]) if "side" in data else new()
    return before, after

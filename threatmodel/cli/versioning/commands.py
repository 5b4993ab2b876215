"""``diff``, ``check`` and ``migrate``: models versioned alongside code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import click

from threatmodel import __version__
from threatmodel.cli.common import (
    ExitCode,
    as_of_option,
    catalog_option,
    echo,
    handles_errors,
    parse_date,
    plural,
    print_error,
    safe_console,
    write_output,
)
from threatmodel.cli.versioning.pool import PARALLEL_DIFF_FROM, PARALLEL_FROM
from threatmodel.errors import Problem, SourceSpan, ThreatModelError, UsageError
from threatmodel.model.levels import SEVERITIES_WORST_FIRST, Severity

PROGRESS_ABOVE = 3
"""Show progress on stderr when checking more models than this."""


def load_side(argument: str, known_controls: Any) -> Any:
    """A model from a file path, or from git when the argument is ``REV:path``."""
    from threatmodel.io.git import load_model_at_revision, parse_rev_path
    from threatmodel.io.load import load_model

    spec = parse_rev_path(argument)
    if spec is not None:
        return load_model_at_revision(spec, known_controls=known_controls)
    return load_model(Path(argument), known_controls=known_controls)


def same_text(old: Any, new: Any) -> bool:
    """Both sides were loaded from the same text: every file (the model and each file it includes,
    in the order they were read) holds the same characters. Equal texts load to equal models, and
    the analysis reads nothing else of a side, so its findings are the same too."""
    return len(old.documents) == len(new.documents) and all(
        a.text == b.text for a, b in zip(old.documents, new.documents, strict=True)
    )


def _render_text(output: Path | None, draw: Any, *, soft_wrap: bool = False) -> None:
    """Draw rich text to stdout, or plain text to ``output`` (written atomically).

    ``soft_wrap`` keeps each printed line whole (for ``file:line:col`` lines that editors
    and CI logs parse); tables still fit the width.
    """
    if output is None:
        draw(safe_console(soft_wrap=soft_wrap))
        return
    import io

    buffer = io.StringIO()
    draw(safe_console(file=buffer, width=120, color_system=None, soft_wrap=soft_wrap))
    write_output(buffer.getvalue(), output)


# ---------------------------------------------------------------------------
# diff


DIFF_HELP_EPILOG = """\b
Each side is a model file, or REV:path to read it from git without touching the
work tree (HEAD~1:models/rag.yaml, main:models/x.yaml, :models/x.yaml for the index).
Paths after the colon are relative to the repository root, as in `git show`.
Findings are matched by id (threat@element): a renamed element shows up as removed +
added (its findings as moved when the rename is unambiguous); only
`threatmodel migrate --rename OLD=NEW` carries its triage decisions along."""


@click.command(epilog=DIFF_HELP_EPILOG)
@click.argument("old")
@click.argument("new")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1, max=2),
    default=None,
    help="Processes: 2 analyses the new side in a second process, 1 both here. "
    f"Default: 2 from {PARALLEL_DIFF_FROM:,} components with 2 CPUs or more.",
)
@catalog_option
@as_of_option
@handles_errors
def diff(
    old: str,
    new: str,
    fmt: str,
    output: Path | None,
    jobs: int | None,
    catalog_paths: tuple[Path, ...],
    as_of: str | None,
) -> None:
    """Compare two versions of a model: elements, findings, triage and open risk."""
    from threatmodel.cli.versioning.pool import analyse_sides, diff_jobs
    from threatmodel.cli.versioning.render import print_diff
    from threatmodel.engine.diff import SideFindings, diff_models
    from threatmodel.export.diff import render_diff_json, render_diff_markdown
    from threatmodel.io.analysis import analyze_loaded
    from threatmodel.io.load import load_catalogs

    day = parse_date(as_of)
    cats = load_catalogs(catalog_paths)
    problems: list[Problem] = []
    sides = []
    for argument in (old, new):
        try:
            sides.append(load_side(argument, cats.control_refs))
        except ThreatModelError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ThreatModelError(problems)
    cats.cset  # noqa: B018 - index the catalogs once, before a second process is forked

    def side(loaded: Any) -> SideFindings:
        # the diff reads ids, titles, scores and triage only: the findings need no explanation
        return SideFindings.of(analyze_loaded(loaded, cats, as_of=day, explain=False).assessment)

    if same_text(sides[0], sides[1]):
        # the same files, byte for byte (a revision diffed against an untouched work tree): one
        # analysis is both sides, since the analysis is a function of the text (decision 0970)
        before = after = side(sides[0])
    elif diff_jobs(jobs, sum(len(s.model.components) for s in sides)) == 2:
        before, after = analyse_sides(partial(side, sides[0]), partial(side, sides[1]))
    else:
        before, after = side(sides[0]), side(sides[1])
    result = diff_models(sides[0].model, before, sides[1].model, after)
    labels = {"old_label": old, "new_label": new, "as_of": day.isoformat()}
    if fmt == "json":
        write_output(render_diff_json(result, tool_version=__version__, **labels), output)
    elif fmt == "md":
        write_output(render_diff_markdown(result, **labels), output)
    else:
        _render_text(output, lambda console: print_diff(console, result, **labels))


# ---------------------------------------------------------------------------
# check


CHECK_HELP_EPILOG = """\b
Exit codes:
  0  nothing open at or above --fail-on and no policy error (or --write-baseline)
  1  an open finding at or above --fail-on, or a policy error
  2  a model, catalog, policy or baseline file is invalid, or bad usage
Open means open or in progress; accepted, mitigated, transferred and false-positive
decisions whose review_by date has passed count as open again (judged --as-of)."""


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """Call ``step(label)`` as each model starts (or, from worker processes, as its result is taken in
    order); a bar on a terminal, plain lines otherwise, silent for few models."""
    if total <= PROGRESS_ABOVE:
        yield lambda label: None
        return
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),
            console=safe_console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("", total=total)
            started = [False]

            def step(label: str) -> None:
                """Mark the previous model done and show the one starting now."""
                bar.update(task, advance=1 if started[0] else 0, description=label)
                started[0] = True

            yield step
            bar.update(task, completed=total)
        return
    done = [0]

    def plain(label: str) -> None:
        done[0] += 1
        echo(f"checking [{done[0]}/{total}] {label}", err=True)

    yield plain


@click.command(epilog=CHECK_HELP_EPILOG)
@click.argument("models", nargs=-1, required=True)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in SEVERITIES_WORST_FIRST]),
    default="high",
    show_default=True,
    help="Fail when an open finding's residual severity is at least this.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy file whose error-level rules also fail the gate (docs/policy.md).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Let findings listed in this baseline pass unless they got worse.",
)
@click.option(
    "--write-baseline",
    "write_baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record every open finding and policy error as pre-existing in FILE, and exit 0.",
)
@click.option(
    "--discover",
    "discover_path",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Also fail on drift between each model and the code at PATH (docs/discover.md).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "md", "json", "sarif"]),
    default="text",
    show_default=True,
    help="md: an escaped Markdown summary for $GITHUB_STEP_SUMMARY.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help=f"Worker processes (1 = in this process). Default: one per CPU from {PARALLEL_FROM} models up.",
)
@catalog_option
@as_of_option
@handles_errors
def check(
    models: tuple[str, ...],
    fail_on: str,
    policy_path: Path | None,
    baseline_path: Path | None,
    write_baseline: Path | None,
    discover_path: Path | None,
    fmt: str,
    output: Path | None,
    jobs: int | None,
    catalog_paths: tuple[Path, ...],
    as_of: str | None,
) -> None:
    """Gate MODELS in CI: exit 1 on open findings at or above --fail-on, or policy errors."""
    from threatmodel.cli.versioning.pool import Checker, CheckSettings, check_in_pool, choose_jobs
    from threatmodel.export.check import CheckedModel, check_json, check_sarif_log, render_check_markdown
    from threatmodel.io.baseline import baseline_data, read_baseline, render_baseline
    from threatmodel.io.load import load_catalogs, total_bytes_limit
    from threatmodel.io.policy import load_policy
    from threatmodel.jsontext import pretty

    day = parse_date(as_of)
    threshold = Severity(fail_on)
    cats = load_catalogs(catalog_paths)
    # Bad policy or baseline files are usage errors: report them before any model work.
    problems: list[Problem] = []
    policy = baseline = None
    if policy_path is not None:
        try:
            policy = load_policy(policy_path, known_controls=cats.control_refs)
        except ThreatModelError as exc:
            problems.extend(exc.problems)
    if baseline_path is not None:
        try:
            baseline = read_baseline(baseline_path)
        except ThreatModelError as exc:
            problems.extend(exc.problems)
    if discover_path is not None and not discover_path.is_dir():
        problems.append(
            Problem(
                f"{discover_path} is not a folder",
                SourceSpan(str(discover_path)),
                "--discover takes the repository's folder",
            )
        )
    if problems:
        raise ThreatModelError(problems)

    settings = CheckSettings(
        catalog_paths=tuple(str(p) for p in catalog_paths),
        as_of=day.isoformat(),
        threshold=threshold.value,
        policy_path=str(policy_path) if policy_path else None,
        baseline_path=str(baseline_path) if baseline_path else None,
        fmt=fmt,
        tool_version=__version__,
        cwd=os.getcwd(),
        max_model_bytes=total_bytes_limit(),
    )
    # Drift is judged against each whole model, so --discover keeps the models in this process.
    workers = 1 if discover_path is not None else choose_jobs(jobs, len(models))
    results: list[CheckedModel] = []
    judged = []
    invalid: list[tuple[str, Sequence[Problem]]] = []
    with _progress(len(models)) as step:
        if workers == 1:
            checker = Checker(settings, catalogs=cats, policy=policy, baseline=baseline)
            for argument in models:
                step(argument)
                try:
                    result = checker.judge(argument)
                except ThreatModelError as exc:
                    print_error(exc)
                    invalid.append((argument, exc.problems))
                    continue
                judged.append(result)
                results.append(checker.share(result))
        else:
            for argument, outcome in check_in_pool(settings, models, workers):
                step(argument)
                if isinstance(outcome, tuple):
                    print_error(ThreatModelError(list(outcome)))
                    invalid.append((argument, outcome))
                else:
                    results.append(outcome)
    drift = None
    if discover_path is not None:
        from threatmodel.cli import discover as drift_cli

        drift = drift_cli.check_drift(discover_path, judged, baseline_path)

    if write_baseline is not None:
        from threatmodel.io.write import write_atomic

        shares = [(r.system_id, r.open_findings, r.policy_errors) for r in results]
        if drift is not None:
            baseline_text = drift_cli.add_drift_baseline(baseline_data(shares, as_of=day.isoformat()), drift)
        else:
            baseline_text = render_baseline(shares, as_of=day.isoformat())
        write_atomic(write_baseline, baseline_text)
        findings = sum(len(r.open_findings) for r in results)
        errors = sum(len(r.policy_errors) for r in results)
        echo(
            f"wrote {write_baseline}: {plural(findings, 'open finding')} and {plural(errors, 'policy error')} "
            f"in {plural(len(results), 'model')} recorded as pre-existing",
            err=True,
        )

    if fmt == "json":
        data = check_json(
            results,
            threshold=threshold,
            as_of=day.isoformat(),
            baseline=str(baseline_path) if baseline_path else None,
            policy=str(policy_path) if policy_path else None,
            tool_version=__version__,
            invalid=invalid,
        )
        if drift is not None:
            data["drift"] = drift_cli.drift_check_json(drift)
            data["passed"] = data["passed"] and drift.passed
            write_output(drift_cli.json_text(data), output)
        else:
            write_output(pretty(data), output)
    elif fmt == "md":
        markdown = render_check_markdown(results, threshold=threshold, invalid=len(invalid))
        write_output(markdown + ("\n" + drift_cli.drift_markdown(drift) if drift is not None else ""), output)
    elif fmt == "sarif":
        log = check_sarif_log(results)
        write_output(drift_cli.add_drift_sarif(log, drift) if drift is not None else pretty(log), output)
    else:
        _render_text(
            output,
            lambda console: _print_check_and_drift(console, results, threshold, len(invalid), drift),
            soft_wrap=True,
        )

    if invalid:
        sys.exit(ExitCode.INVALID)
    drifted = drift is not None and not drift.passed
    if write_baseline is None and (not all(r.passed for r in results) or drifted):
        sys.exit(ExitCode.FINDINGS)


def _print_check_and_drift(console: Any, results: Any, threshold: Severity, invalid: int, drift: Any) -> None:
    from threatmodel.cli.versioning.gate import print_check

    print_check(console, results, threshold=threshold, invalid=invalid)
    if drift is not None:
        from threatmodel.cli.discover import print_drift

        print_drift(console, drift)


# ---------------------------------------------------------------------------
# migrate


MIGRATE_HELP_EPILOG = """\b
Examples:
  threatmodel migrate models/rag.yaml --rename chat-llm=support-llm
  threatmodel migrate models/rag.yaml --rename tm:old-threat=tm:new-threat --dry-run
An element rename rewrites its id, every reference to it (flows, boundaries, tools,
data lists, control scopes, base_model, serves, ...) and every triage key ...@OLD.
A threat rename (catalog:id) rewrites triage keys and settings.disabled_threats.
A finding id rename (catalog:threat@element) re-keys that one triage entry, e.g. onto the
finding that now groups it by root cause (diagnostic TM204):
  threatmodel migrate models/rag.yaml --rename tm:direct-prompt-injection@faq-llm=tm:direct-prompt-injection@visitors
The file is validated before it is written, atomically; comments and layout are kept."""


@click.command(epilog=MIGRATE_HELP_EPILOG)
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rename",
    "renames",
    multiple=True,
    required=True,
    metavar="OLD=NEW",
    help="An element id, threat key or finding id (triage key) to rename (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Print the change as a unified diff; write nothing.")
@catalog_option
@handles_errors
def migrate(model: Path, renames: tuple[str, ...], dry_run: bool, catalog_paths: tuple[Path, ...]) -> None:
    """Rename ids in MODEL and carry its triage decisions along."""
    from threatmodel.io.load import load_catalogs
    from threatmodel.io.migrate import parse_renames, plan_migration

    parsed = parse_renames(renames)
    if not model.is_file():
        raise UsageError(Problem(f"no such file: {model}", SourceSpan(str(model))))
    cats = load_catalogs(catalog_paths)
    threats = {f"{c.id}:{t.id}" for c in cats.catalogs for t in c.threats}
    plan = plan_migration(model, parsed, known_controls=cats.control_refs, known_threats=threats)
    for warning in plan.warnings:
        echo(f"warning: {warning}", err=True)
    if dry_run:
        write_output(plan.unified_diff(), None)
        for line in plan.summary:
            echo(f"would rename {line}", err=True)
        echo(f"dry run: {model} was not changed", err=True)
        return
    plan.write()
    echo(f"migrated {model}:")
    for line in plan.summary:
        echo(f"  renamed {line}")

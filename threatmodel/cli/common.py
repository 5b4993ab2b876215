"""Shared pieces of the command line: exit codes, error printing, loading with catalogs."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from threatmodel.errors import ThreatModelError
from threatmodel.textsafe import UNSAFE, visible, visible_lines

if TYPE_CHECKING:
    from threatmodel.engine.analysis import Analysis
    from threatmodel.render import Rendered


class ExitCode(IntEnum):
    """Process exit codes, documented in ``threatmodel --help`` and docs/cli.md."""

    OK = 0
    """Success; for ``check``, no open finding at or above the threshold."""
    FINDINGS = 1
    """``check`` found open findings at or above ``--fail-on`` (or policy violations)."""
    INVALID = 2
    """Invalid input (model, catalog, policy) or usage."""


F = TypeVar("F", bound=Callable[..., Any])


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for text that carries anything a user, a catalog or git wrote: every
    control and bidi character is shown as an escape (see :mod:`threatmodel.textsafe`)."""
    click.echo(visible_lines(text), err=err, nl=nl)


def safe_console(**kwargs: Any) -> Any:
    """A Rich console whose output never carries a control character it did not put there
    itself: text segments are passed through :func:`visible_lines`, Rich's own styling
    (and control segments such as cursor moves it emits) are left alone."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def render(self, renderable: Any, options: Any = None) -> Any:
            for segment in super().render(renderable, options):
                if segment.control is None and segment.text and UNSAFE.search(segment.text):
                    yield Segment(visible_lines(segment.text), segment.style, None)
                else:
                    yield segment

    return SafeConsole(**kwargs)


def print_error(error: ThreatModelError) -> None:
    """Compiler-style problems on stderr, one per line, with hints."""
    for problem in error.problems:
        echo(problem.render(), err=True)
    count = len(error.problems)
    if count > 1:
        click.echo(f"{count} problems", err=True)


def handles_errors(func: F) -> F:
    """Turn a :class:`ThreatModelError` into stderr output and exit code 2; nothing else is caught."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ThreatModelError as exc:
            print_error(exc)
            sys.exit(ExitCode.INVALID)

    return wrapper  # type: ignore[return-value]


@dataclass
class Session:
    """What a command needs: loaded catalogs and the evaluation date."""

    catalog_paths: tuple[Path, ...]
    as_of: dt.date

    def catalogs(self) -> Any:
        from threatmodel.io.load import load_catalogs

        return load_catalogs(self.catalog_paths)


_SIZE = re.compile(r"(\d{1,12})\s*(b|kib|mib|gib)?", re.IGNORECASE)
_UNITS = {None: 1, "b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(value: str) -> int:
    """``16777216``, ``64MiB``, ``512 KiB``, ``1GiB`` as a number of bytes."""
    match = _SIZE.fullmatch(value.strip())
    if match is None:
        raise click.BadParameter(
            f"'{visible(value)}' is not a size (bytes, or a number with KiB, MiB or GiB)", param_hint="--max-model-size"
        )
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _UNITS[unit]


def apply_model_size(value: str | None) -> None:
    """Set the byte limit of a model and its includes for this run (default when ``value`` is None)."""
    if value is None and "threatmodel.io.load" not in sys.modules:
        return  # the default is in force until the loader is imported (start-up time of --help)
    from threatmodel.io.load import MAX_TOTAL_BYTES, TOTAL_BYTES_CEILING, set_total_bytes_limit

    limit = MAX_TOTAL_BYTES if value is None else parse_size(value)
    if not 0 < limit <= TOTAL_BYTES_CEILING:
        raise click.BadParameter(
            f"{limit:,} bytes is outside 1 byte .. {TOTAL_BYTES_CEILING:,} bytes (64 MiB)",
            param_hint="--max-model-size",
        )
    set_total_bytes_limit(limit)


def parse_date(value: str | None) -> dt.date:
    """``--as-of`` value, or today (the only place the CLI reads the clock)."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


catalog_option = click.option(
    "--catalog",
    "catalog_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load an extra catalog file (repeatable); validated like the built-in ones.",
)
as_of_option = click.option(
    "--as-of",
    metavar="DATE",
    help="Judge triage review-by dates as of this day (YYYY-MM-DD); default today.",
)


def write_output(data: str | bytes, output: Path | None) -> None:
    """Write to ``output`` (see :func:`threatmodel.io.write.write_atomic`: atomic for files,
    through symlinks, streamed into devices and FIFOs, directories refused), or to stdout
    when ``output`` is None or ``-``."""
    if output is None or str(output) == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    from threatmodel.io.write import write_atomic

    write_atomic(output, data)


def analysis_of(model_path: Path, session: Session) -> Analysis:
    """The analysis of one model file with the session's catalogs and date."""
    from threatmodel.io.analysis import analyze

    # evaluated once: what matching built is not asked again (decisions 1862, 1866), dropped as soon
    # as every finding is drafted, and what grouping and the writers built after it too
    analysis = analyze(model_path, session.catalogs(), as_of=session.as_of, once=True)
    analysis.graph.forget_tables()
    return analysis


def write_rendered(rendered: Rendered, output: Path | None) -> None:
    """An export to ``output`` (or stdout), its notes and warnings to stderr first."""
    for note in rendered.notes:
        echo(f"note: {note}", err=True)
    for warning in rendered.warnings:
        echo(f"warning: {warning}", err=True)
    if output is None or str(output) == "-":
        write_output(rendered.data, output)
        return
    from threatmodel.io.write import write_atomic_chunks

    write_atomic_chunks(output, rendered.chunks())


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def join(items: Sequence[str]) -> str:
    return ", ".join(items)

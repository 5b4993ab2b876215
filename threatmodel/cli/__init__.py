"""Layer 4: the ``threatmodel`` command.

Results go to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 findings at or
above the gate (``check``), 2 invalid input or usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import FrameType

import click

from threatmodel import __version__

EPILOG = """\b
Exit codes:
  0  success
  1  `check`: open findings at or above --fail-on, or policy violations
  2  invalid model, catalog or policy file, or bad usage

Docs: docs/index.md in the repository; `threatmodel COMMAND --help` for each command.
"""

COMMANDS: Mapping[str, tuple[str, str, str]] = {
    "analyze": (
        "threatmodel.cli.analyze",
        "analyze",
        "Find, explain and score the threats of MODEL, and propose controls.",
    ),
    "catalogs": (
        "threatmodel.cli.catalogs",
        "catalogs",
        "Browse the threat catalogs: list them, show an entry, search.",
    ),
    "check": (
        "threatmodel.cli.versioning.commands",
        "check",
        "Gate MODELS in CI: exit 1 on open findings at or above --fail-on, or policy errors.",
    ),
    "diagram": (
        "threatmodel.cli.diagram",
        "diagram",
        "Draw MODEL's data flows with trust boundaries, coloured by the worst open finding.",
    ),
    "diff": (
        "threatmodel.cli.versioning.commands",
        "diff",
        "Compare two versions of a model: elements, findings, triage and open risk.",
    ),
    "discover": (
        "threatmodel.cli.discover",
        "discover",
        "List the AI that the repository at PATH uses: LLM SDKs and endpoints, agent frameworks, vector databases,"
        " ML libraries, hub models, model files and MCP servers, each at file:line.",
    ),
    "import": (
        "threatmodel.cli.interop",
        "import_",
        "Draft a model file from a CycloneDX AI-BOM, a Threagile model or a Threat Dragon model.",
    ),
    "init": (
        "threatmodel.cli.model_cmds",
        "init",
        "Write a commented, valid starting model to PATH (never overwrites a file).",
    ),
    "migrate": (
        "threatmodel.cli.versioning.commands",
        "migrate",
        "Rename ids in MODEL and carry its triage decisions along.",
    ),
    "questions": (
        "threatmodel.cli.questions",
        "questions",
        "List the unknown facts of MODEL that findings rest on, most open risk first.",
    ),
    "report": (
        "threatmodel.cli.report",
        "report",
        "Write MODEL's threat report as Markdown, HTML, JSON, SARIF or STIX, or its CycloneDX AI-BOM.",
    ),
    "schema": (
        "threatmodel.cli.model_cmds",
        "schema",
        "Print the JSON Schema of model files (or catalog or policy files) to stdout.",
    ),
    "tui": (
        "threatmodel.cli.tui",
        "tui",
        "Browse, edit and triage MODEL in the terminal; saves back to the same YAML file.",
    ),
    "validate": (
        "threatmodel.cli.model_cmds",
        "validate",
        "Check MODEL files: YAML, schema, every reference. Reports every problem at once.",
    ),
}
"""Every subcommand: the module defining it, its name there, and the start of its help (what
``threatmodel --help`` lists). A command's module is imported only when that command runs or is
asked for its own help, so ``threatmodel validate`` does not import the report writers, the git
and diff code or the analysis tables; ``tests/cli/test_lazy_commands.py`` checks this table
against the commands themselves."""


class LazyGroup(click.Group):
    """A command group whose subcommands (:data:`COMMANDS`) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, attribute, _summary = COMMANDS[cmd_name]
            command = getattr(import_module(module), attribute)
            self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from :data:`COMMANDS` for the commands not imported yet
        (click's own layout and shortening, applied to the same first paragraph)."""
        stand_ins: dict[str, click.Command] = {
            name: click.Command(name, help=summary)
            for name, (_module, _attribute, summary) in COMMANDS.items()
            if name not in self.commands
        }
        rows = [(name, self.commands.get(name) or stand_ins[name]) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in rows if not command.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _command in shown)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])


@click.group(
    cls=LazyGroup,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="threatmodel")
@click.option(
    "--max-model-size",
    "max_model_size",
    metavar="SIZE",
    envvar="THREATMODEL_MAX_MODEL_SIZE",
    show_envvar=True,
    help="Most a model and its includes may read together (e.g. 64MiB; default 16MiB, at most 64MiB).",
)
def cli(max_model_size: str | None) -> None:
    """Threat modeling for AI systems: YAML data-flow models in, explained threats out."""
    from threatmodel.cli.common import apply_model_size

    apply_model_size(max_model_size)


GC_THRESHOLDS = (50_000, 20, 10)
"""The cyclic garbage collector's thresholds for a command-line run. A command builds a few
million long-lived objects (the parsed YAML, the validated model, the graph, the findings) and
frees little before it exits; with Python's default first threshold (700 allocations) the
collector scans the growing heap again and again, about a sixth of a 10,000-component ``report``
(docs/performance.md). Collections still run, less often; memory is freed by reference counting
as before."""


def main() -> None:
    """Console-script entry point."""
    import gc
    import sys

    gc.set_threshold(*GC_THRESHOLDS)
    alone = _the_program(sys._getframe(1))
    try:
        cli(prog_name="threatmodel")
    except SystemExit as done:
        if alone:
            exit_without_teardown(done.code)
        raise


def _the_program(caller: FrameType | None) -> bool:
    """Whether ``main`` was called by the program itself, with nothing of anyone else's below that
    could run after it returns: the console script's module, or ``threatmodel/__main__.py`` run by
    ``python -m`` (runpy's two frames). A wrapper (``runpy.run_module`` in a ``try``, ``python -m
    cProfile``, a test harness) adds frames of its own, and its run ends as Python ends it."""
    if caller is None or caller.f_code.co_name != "<module>":
        return False
    below = caller.f_back
    while below is not None:
        if below.f_globals.get("__name__") != "runpy" or below.f_code.co_name not in (
            "_run_code",
            "_run_module_as_main",
        ):
            return False
        below = below.f_back
    return True


def exit_without_teardown(code: object) -> None:
    """End the process now with ``code`` as ``sys.exit(code)`` would, without the interpreter's
    teardown; return (and let the caller exit as usual) when that could differ.

    A command has written its output and freed its model by the time it returns; what Python does
    after that (clear every module and collect the cycles that leaves, 0.05-0.15 s of a
    10,000-component command, decision 1867) changes nothing anyone sees. So: run the ``atexit``
    handlers (coverage, pools, logging register theirs there; each runs once), flush stdout and
    stderr, and ``os._exit``. ``main`` asks only when it was called by the program itself
    (:func:`_the_program`). Not when another thread is still running (Python would wait for it),
    when the code is not an int or ``None`` (Python prints it), or when flushing fails (Python
    reports that and exits 120)."""
    import atexit
    import os
    import sys
    import threading

    if not (code is None or type(code) is int) or threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)

"""Layer 4: the ``threatmodel`` command.

Results go to stdout, diagnostics to stderr. Exit codes: 0 ok, 1 findings at or
above the gate (``check``), 2 invalid input or usage.
"""

from __future__ import annotations

import click

from threatmodel import __version__
from threatmodel.cli.analyze import analyze
from threatmodel.cli.catalogs import catalogs
from threatmodel.cli.model_cmds import init, schema, validate
from threatmodel.cli.questions import questions

EPILOG = """\b
Exit codes:
  0  success
  1  `check`: open findings at or above --fail-on, or policy violations
  2  invalid model, catalog or policy file, or bad usage

Docs: docs/index.md in the repository; `threatmodel COMMAND --help` for each command.
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


for command in (init, validate, schema, analyze, questions, catalogs):
    cli.add_command(command)


def _register_optional() -> None:
    """Commands whose modules are imported only when present (they pull heavier deps lazily)."""
    from importlib import import_module

    for module, names in (
        ("threatmodel.cli.report", ("report",)),
        ("threatmodel.cli.diagram", ("diagram",)),
        ("threatmodel.cli.versioning", ("diff", "check", "migrate")),
        ("threatmodel.cli.tui", ("tui",)),
        ("threatmodel.cli.interop", ("import_",)),
        ("threatmodel.cli.discover", ("discover",)),
    ):
        try:
            mod = import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        for name in names:
            command = getattr(mod, name, None)
            if command is not None:
                cli.add_command(command)


_register_optional()


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

    gc.set_threshold(*GC_THRESHOLDS)
    cli(prog_name="threatmodel")

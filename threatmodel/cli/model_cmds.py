"""``validate``, ``init`` and ``schema``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from threatmodel.cli.common import ExitCode, catalog_option, echo, handles_errors, plural, print_error
from threatmodel.errors import Problem, SourceSpan, ThreatModelError, UsageError


@click.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@catalog_option
@handles_errors
def validate(models: tuple[Path, ...], catalog_paths: tuple[Path, ...]) -> None:
    """Check MODEL files: YAML, schema, every reference. Reports every problem at once.

    Exit 0 when all are valid, 2 otherwise.
    """
    from threatmodel.io.load import builtin_control_refs, load_catalogs, load_model

    # Extra catalogs must be validated; the built-in ones are, by the test suite, so only their
    # control ids are read (start-up time: no catalog or rule classes are built).
    known_controls = load_catalogs(catalog_paths).control_refs if catalog_paths else builtin_control_refs()
    failed = 0
    for path in models:
        try:
            loaded = load_model(path, known_controls=known_controls)
        except ThreatModelError as exc:
            print_error(exc)
            failed += 1
            continue
        m = loaded.model
        echo(
            f"{loaded.path}: valid ({plural(len(m.components), 'component')}, {plural(len(m.flows), 'flow')}, "
            f"{plural(len(m.boundaries), 'boundary').replace('boundarys', 'boundaries')}, "
            f"{plural(len(m.data), 'data asset')})"
        )
    if failed:
        sys.exit(ExitCode.INVALID)


@click.command()
@click.option("--catalog", "which", flag_value="catalog", help="Print the catalog file schema instead.")
@click.option("--policy", "which", flag_value="policy", help="Print the policy file schema instead.")
@click.option("--model", "which", flag_value="model", default=True, help="Print the model file schema (default).")
def schema(which: str) -> None:
    """Print the JSON Schema of model files (or catalog or policy files) to stdout."""
    from threatmodel.schema import schema_text

    click.echo(schema_text(which), nl=False)


TEMPLATE_HELP = "Template to start from; `threatmodel init --list` shows them."


@click.command()
@click.option("--template", "-t", "template", default="rag", show_default=True, help=TEMPLATE_HELP)
@click.option("--list", "list_templates", is_flag=True, help="List the templates and exit.")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handles_errors
def init(template: str, list_templates: bool, path: Path | None) -> None:
    """Write a commented, valid starting model to PATH (never overwrites a file)."""
    from threatmodel.io.builtin import template_files
    from threatmodel.io.write import write_atomic

    templates = {name.removesuffix(".yaml"): text for name, text in template_files()}
    if list_templates:
        for name, text in sorted(templates.items()):
            first = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ") and "schema" not in ln), "")
            echo(f"{name:<14} {first}")
        return
    if path is None:
        raise click.UsageError("PATH is required (or use --list)")
    if template not in templates:
        import difflib

        close = difflib.get_close_matches(template, list(templates), n=1)
        raise UsageError(
            Problem(
                f"unknown template '{template}'",
                hint=(f"did you mean '{close[0]}'? " if close else "") + f"templates: {', '.join(sorted(templates))}",
            )
        )
    if path.exists():
        raise UsageError(
            Problem(
                f"{path} already exists; init never overwrites a file", SourceSpan(str(path)), "choose another path"
            )
        )
    text = templates[template].replace("../docs/schema/model.schema.json", SCHEMA_FILE)
    write_atomic(path, text)
    schema_path = path.parent / SCHEMA_FILE
    if not schema_path.exists():
        from threatmodel.schema import schema_text

        write_atomic(schema_path, schema_text("model"))
        echo(f"wrote {schema_path} so editors can complete and check the model", err=True)
    echo(f"wrote {path} from template '{template}'; next: threatmodel analyze {path}", err=True)


SCHEMA_FILE = "threatmodel.schema.json"
"""Written beside a new model (once) so that the model's `$schema` line resolves."""

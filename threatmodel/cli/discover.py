"""``discover``: the AI a repository uses, read statically; and the drift half of ``check --discover``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from threatmodel import __version__
from threatmodel.cli.common import echo, handles_errors, write_output
from threatmodel.errors import Problem, SourceSpan, UsageError

DISCOVER_EPILOG = """\b
Examples:
  threatmodel discover .                       list the AI in use, with file:line evidence
  threatmodel discover . -f sarif -o ai.sarif  the same as SARIF for code scanning
  threatmodel discover . --draft -o model.yaml a starting model; unknown facts stay unknown
  threatmodel check model.yaml --discover .    fail on drift between the model and the code
Nothing in PATH is imported or run. Version control, dependency, virtual environment, cache
and build folders are skipped (--no-default-excludes reads them too)."""


def _uri_of(root: str) -> Any:
    from threatmodel.export.discover import uri_under

    return uri_under(root)


def scan(path: Path, display: str, excludes: Sequence[str] = (), default_excludes: bool = True) -> Any:
    from threatmodel.io.discover.scan import ScanOptions, scan_repository

    return scan_repository(path, display, ScanOptions(tuple(excludes), default_excludes))


@click.command(epilog=DISCOVER_EPILOG)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of stdout; with --draft, the model file to write (never overwritten).",
)
@click.option("--draft", is_flag=True, help="Write a starting model to --output instead of the inventory.")
@click.option("--name", help="With --draft: the system's name (default: the folder's name).")
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="NAME",
    help="A folder or file name, or a path relative to PATH, to leave out (repeatable).",
)
@click.option("--no-default-excludes", is_flag=True, help="Also read .git, node_modules, .venv, build output...")
@handles_errors
def discover(
    path: Path,
    fmt: str,
    output: Path | None,
    draft: bool,
    name: str | None,
    excludes: tuple[str, ...],
    no_default_excludes: bool,
) -> None:
    """List the AI that the repository at PATH uses: LLM SDKs and endpoints, agent frameworks,
    vector databases, ML libraries, hub models, model files and MCP servers, each at file:line."""
    display = str(path)
    if draft:
        if output is None:
            raise UsageError(
                Problem("--draft needs --output FILE: the model file to write", None, "e.g. --draft -o model.yaml")
            )
        if output.exists() or output.is_symlink():
            raise UsageError(
                Problem(
                    f"{output} already exists; discover never overwrites a file",
                    SourceSpan(str(output)),
                    "choose another path",
                )
            )
    inventory = scan(path, display, excludes, not no_default_excludes)
    if draft:
        from threatmodel.io.discover.draft import default_name, draft_model
        from threatmodel.io.write import write_atomic

        assert output is not None  # noqa: S101 - checked above
        text, notes = draft_model(inventory, name or default_name(path))
        write_atomic(output, text)
        echo(
            f"wrote {output}: {len(notes)} component{'s' if len(notes) != 1 else ''} from {len(inventory.items)} "
            f"item{'s' if len(inventory.items) != 1 else ''}; next: threatmodel questions {output}",
            err=True,
        )
        return
    from threatmodel.export.discover import inventory_json, inventory_sarif, inventory_text

    if fmt == "json":
        write_output(inventory_json(inventory, tool_version=__version__), output)
    elif fmt == "sarif":
        write_output(inventory_sarif(inventory, tool_version=__version__, uri_of=_uri_of(display)), output)
    elif output is None:
        echo(inventory_text(inventory), nl=False)
    else:
        write_output(inventory_text(inventory), output)


# ---------------------------------------------------------------------------
# check --discover


@dataclass(frozen=True)
class ModelDrift:
    """The drift of one checked model."""

    display: str
    locator: Any
    """Locates the model's elements (``element_span``): the loaded model or the analysis's source."""
    verdict: Any


@dataclass(frozen=True)
class DriftCheck:
    """``check --discover``: the inventory of PATH and each model's drift against it."""

    root: str
    inventory: Any
    models: tuple[ModelDrift, ...]
    baseline: str | None

    @property
    def passed(self) -> bool:
        return all(m.verdict.passed for m in self.models)

    def where(self, m: ModelDrift, component: str) -> str:
        return str(m.locator.element_span(component))


def read_accepted_drift(path: Path) -> dict[str, frozenset[str]]:
    """``systems.<id>.drift`` of a baseline ``check`` has already read and validated."""
    from threatmodel.io.json_source import parse_json

    shown = str(path)
    data = parse_json(path.read_text(encoding="utf-8"), shown, UsageError, "baseline")
    out: dict[str, frozenset[str]] = {}
    for system, entry in data.get("systems", {}).items():
        drift = entry.get("drift", []) if isinstance(entry, dict) else []
        if not isinstance(drift, list) or not all(isinstance(d, str) for d in drift):
            raise UsageError(
                Problem(
                    f"systems.{system}.drift: expected a list of drift ids",
                    SourceSpan(shown, 1, 1),
                    "baselines are written by `threatmodel check --write-baseline FILE --discover PATH MODEL...`",
                )
            )
        out[str(system)] = frozenset(drift)
    return out


def check_drift(path: Path, results: Sequence[Any], baseline_path: Path | None) -> DriftCheck:
    """Scan ``path`` and compare it with every checked model; baseline-listed drift passes."""
    from threatmodel.engine.drift import compare, judge_drift

    inventory = scan(path, str(path))
    accepted = read_accepted_drift(baseline_path) if baseline_path is not None else {}
    models = []
    for r in results:
        system = r.assessment.model.system.id
        drifts = compare(r.assessment.model, inventory)
        locator = r.analysis.source
        models.append(ModelDrift(r.display, locator, judge_drift(system, drifts, accepted.get(system, frozenset()))))
    return DriftCheck(str(path), inventory, tuple(models), str(baseline_path) if baseline_path else None)


def print_drift(console: Any, dc: DriftCheck) -> None:
    """The drift section of ``check``'s terminal output: one ``file:line:col`` line per drift."""
    from rich.text import Text

    from threatmodel.export.discover import drift_location
    from threatmodel.textsafe import visible

    for m in dc.models:
        v = m.verdict
        head = Text()
        head.append("ok  " if v.passed else "FAIL", style="bold green" if v.passed else "bold red")
        head.append(f" drift {m.display} ↔ {visible(dc.root)}", style="bold")
        n = len(v.failures)
        head.append(f" — {'no drift' if n == 0 else f'{n} drift item' + ('s' if n != 1 else '')}")
        console.print(head)
        for d in v.failures:
            where = drift_location(d, dc.root) or dc.where(m, d.component or "")
            message, hint = visible(d.message), visible(d.hint)  # names from the repository: one line each
            console.print(Text(f"  {where}: ") + Text(f"{d.direction:<10}", style="bold red") + Text(f" {message}"))
            console.print(Text(f"    hint: {hint}", style="dim"))
        if v.accepted:
            console.print(Text(f"  {len(v.accepted)} accepted by the baseline", style="dim"))
    for limit in dc.inventory.limits:
        console.print(Text(f"  warning: {limit}; the inventory may be incomplete", style="yellow"))


def drift_check_json(dc: DriftCheck) -> dict[str, Any]:
    from threatmodel.export.discover import drift_json, inventory_data

    return {
        "root": dc.root,
        "passed": dc.passed,
        "inventory": inventory_data(dc.inventory),
        "models": [
            {
                "path": m.display,
                "system": m.verdict.system,
                "passed": m.verdict.passed,
                "failures": [
                    drift_json(d, dc.root, dc.where(m, d.component) if d.component else None)
                    for d in m.verdict.failures
                ],
                "accepted_by_baseline": [d.id for d in m.verdict.accepted],
            }
            for m in dc.models
        ],
    }


def json_text(data: Any) -> str:
    """``check``'s JSON with drift: text from the scanned repository cannot hide in it (see export.discover.dumps)."""
    from threatmodel.export.discover import dumps

    return dumps(data)


def add_drift_sarif(log: dict[str, Any], dc: DriftCheck) -> str:
    """``check``'s SARIF log with one more run per model, its drift, as JSON text."""
    from threatmodel.export.discover import drift_sarif_run, uri_under

    for m in dc.models:

        def locate(component: str, locator: Any = m.locator) -> tuple[str, int, int]:
            span = locator.element_span(component)
            return uri_under(".")(span.path), span.line, span.column

        log["runs"].append(
            drift_sarif_run(
                m.verdict,
                root=dc.root,
                tool_version=__version__,
                uri_of=_uri_of(dc.root),
                locate=locate,
                baseline=dc.baseline,
            )
        )
    from threatmodel.export.discover import dumps

    return dumps(log)


def drift_markdown(dc: DriftCheck) -> str:
    from threatmodel.export.discover import drift_markdown as one

    parts = []
    for m in dc.models:

        def where(component: str, m: ModelDrift = m) -> str:
            return dc.where(m, component)

        parts.append(one(m.verdict, root=dc.root, model_where=where))
    return "\n".join(parts)


def add_drift_baseline(data: dict[str, Any], dc: DriftCheck) -> str:
    """``check``'s baseline with every model's drift ids added as ``systems.<id>.drift``, as JSON text."""
    systems = data.setdefault("systems", {})
    for m in dc.models:
        entry = systems.setdefault(m.verdict.system, {"findings": {}, "policy": []})
        ids = {d.id for d in (*m.verdict.failures, *m.verdict.accepted)} | set(entry.get("drift", []))
        entry["drift"] = sorted(ids)
    data["systems"] = dict(sorted(systems.items()))
    from threatmodel.jsontext import pretty

    return pretty(data)

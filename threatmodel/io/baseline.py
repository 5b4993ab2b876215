"""The baseline file of ``threatmodel check``: what already existed when the gate was adopted.

``check --write-baseline`` writes it (deterministic JSON), ``check --baseline`` reads it back; a
hostile or broken file is a located error, never a traceback (bounded by ``io.json_source``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from threatmodel.engine.gate import Baseline
from threatmodel.errors import Problem, SourceSpan, UsageError
from threatmodel.io.json_source import parse_json
from threatmodel.jsontext import pretty
from threatmodel.model.base import Severity

BASELINE_FORMAT = "threatmodel-baseline"
BASELINE_VERSION = 1


def _baseline_problem(path: str, message: str, hint: str | None = None, line: int = 1, column: int = 1) -> UsageError:
    return UsageError(Problem(message, SourceSpan(path, line, column), hint))


def read_baseline(path: Path) -> Baseline:
    """Read a baseline written by ``check --write-baseline``; any defect is a located error."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _baseline_problem(
            shown, "baseline file not found", "create one with `threatmodel check --write-baseline FILE MODEL...`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _baseline_problem(shown, f"cannot read the baseline: {exc}") from None
    data = parse_json(text, shown, UsageError, "baseline")
    hint = "baselines are written by `threatmodel check --write-baseline FILE MODEL...`"
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise _baseline_problem(shown, f'not a threatmodel baseline (expected "format": "{BASELINE_FORMAT}")', hint)
    if data.get("version") != BASELINE_VERSION:
        raise _baseline_problem(
            shown,
            f"unsupported baseline version {data.get('version')!r} (this threatmodel reads {BASELINE_VERSION})",
            hint,
        )
    systems = data.get("systems")
    if not isinstance(systems, dict):
        raise _baseline_problem(shown, 'the baseline has no "systems" object', hint)
    findings: dict[str, dict[str, Severity]] = {}
    policy: dict[str, frozenset[str]] = {}
    valid = {s.value for s in Severity}
    for system, entry in systems.items():
        if not isinstance(entry, dict):
            raise _baseline_problem(shown, f"systems.{system}: expected an object", hint)
        raw_findings = entry.get("findings", {})
        raw_policy = entry.get("policy", [])
        if not isinstance(raw_findings, dict) or not all(
            isinstance(v, str) and v in valid for v in raw_findings.values()
        ):
            raise _baseline_problem(
                shown, f"systems.{system}.findings: expected an object of finding id to severity", hint
            )
        if not isinstance(raw_policy, list) or not all(isinstance(v, str) for v in raw_policy):
            raise _baseline_problem(shown, f"systems.{system}.policy: expected a list of violation ids", hint)
        findings[str(system)] = {str(k): Severity(v) for k, v in raw_findings.items()}
        policy[str(system)] = frozenset(raw_policy)
    return Baseline(shown, findings, policy)


def render_baseline(models: Sequence[tuple[str, Mapping[str, str], Sequence[str]]], *, as_of: str) -> str:
    """:func:`baseline_data` as deterministic JSON text."""
    return pretty(baseline_data(models, as_of=as_of))


def baseline_data(models: Sequence[tuple[str, Mapping[str, str], Sequence[str]]], *, as_of: str) -> dict[str, Any]:
    """A baseline of every open finding and every policy error of the checked ``models``, each given
    as (system id, open finding id -> residual severity, error-level violation ids)."""
    systems: dict[str, dict[str, Any]] = {}
    for system_id, open_findings, policy_errors in models:
        entry = systems.setdefault(system_id, {"findings": {}, "policy": []})
        entry["findings"].update(open_findings)
        entry["policy"] = sorted(set(entry["policy"]) | set(policy_errors))
    return {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "note": "Pre-existing findings and policy errors; `threatmodel check --baseline` lets them pass until they get worse.",
        "as_of": as_of,
        "systems": {
            system: {"findings": dict(sorted(entry["findings"].items())), "policy": entry["policy"]}
            for system, entry in sorted(systems.items())
        },
    }

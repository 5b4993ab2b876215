"""Adversarial test plan: the open findings as attacks to simulate, with the configuration of the
red-team tools that exercise them (documented in docs/redteam.md).

For every open finding (``open`` or ``in-progress``) the plan names the attack: the element it
targets, the untrusted path an attacker enters by when the finding has one, the catalog ids it
realises, and the scenario in the finding's own words. From the finding's OWASP LLM Top 10 and
OWASP Agentic ids it picks, through ``threatmodel/data/redteam-tools.yaml``, the promptfoo
plugins and strategies, the garak probes and the PyRIT scenarios that test it. A finding with no
such id, or whose ids no tool covers, is listed under ``manual``: unknown is never tested.

The plan then gathers one configuration per tool: a promptfoo ``redteam`` section, the garak
``--probes`` value, and the PyRIT scenario names to pass to ``pyrit_scan``; each name is
traced back to the findings that asked for it, so a failed probe points at its finding.

Deterministic: findings sorted worst first then by id, names in the data file's order, no clock.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from threatmodel.engine.analysis import Analysis
from threatmodel.export.common import Labels
from threatmodel.jsontext import pretty
from threatmodel.model.base import SEVERITIES_WORST_FIRST
from threatmodel.model.finding import Finding

FORMAT = "threatmodel-redteam"
FORMAT_VERSION = 1
TOOLS_FILE = "redteam-tools.yaml"
MAPPED_CATALOGS = ("owasp-llm", "owasp-agentic")
"""The catalogs whose ids choose the tests (the tools publish their names against these)."""

Name = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Tool(_Strict):
    title: str
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    source: str
    url: str


class Promptfoo(_Tool):
    plugins: tuple[Name, ...]
    strategies: tuple[Name, ...]


class Garak(_Tool):
    probes: tuple[Name, ...]


class Pyrit(_Tool):
    scenarios: tuple[Name, ...]


class Tools(_Strict):
    promptfoo: Promptfoo
    garak: Garak
    pyrit: Pyrit


class PromptfooChoice(_Strict):
    plugins: tuple[Name, ...] = ()
    strategies: tuple[Name, ...] = ()


class Mapping(_Strict):
    promptfoo: PromptfooChoice = PromptfooChoice()
    garak: tuple[Name, ...] = ()
    pyrit: tuple[Name, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.promptfoo.plugins or self.garak or self.pyrit)


class RedteamTools(_Strict):
    """The tool versions and the catalog-id -> test-name mapping, as the data file states them."""

    schema_version: Literal[1]
    tools: Tools
    mappings: dict[Annotated[str, Field(pattern=r"^(owasp-llm|owasp-agentic):[A-Z0-9:]+$")], Mapping]

    @model_validator(mode="after")
    def _names_exist(self) -> RedteamTools:
        t = self.tools
        for ref, m in self.mappings.items():
            for kind, used, known in (
                ("promptfoo plugin", m.promptfoo.plugins, t.promptfoo.plugins),
                ("promptfoo strategy", m.promptfoo.strategies, t.promptfoo.strategies),
                ("garak probe", m.garak, t.garak.probes),
                ("PyRIT scenario", m.pyrit, t.pyrit.scenarios),
            ):
                unknown = [n for n in used if n not in known]
                if unknown:
                    raise ValueError(f"{ref}: {kind} {', '.join(unknown)} is not in the tool's list")
        return self


def parse_tools(text: str) -> RedteamTools:
    """Read a red-team tools file (safe YAML loader; the schema rejects unknown keys and names)."""
    return RedteamTools.model_validate(yaml.safe_load(text))


@functools.cache
def redteam_tools() -> RedteamTools:
    """The packaged tool data (read once)."""
    text = (resources.files("threatmodel") / "data" / TOOLS_FILE).read_text(encoding="utf-8")
    return parse_tools(text)


def _ordered(names: dict[str, None], known: tuple[str, ...]) -> list[str]:
    """``names`` in the data file's order (stable whatever order findings asked for them)."""
    return [n for n in known if n in names]


def _mapped_refs(f: Finding, data: RedteamTools) -> list[str]:
    return [r for r in f.refs if r.split(":", 1)[0] in MAPPED_CATALOGS and r in data.mappings]


def _severity_rank(f: Finding) -> int:
    order = {s: i for i, s in enumerate(SEVERITIES_WORST_FIRST)}
    return order.get(f.residual_severity, len(order))


def plan_findings(analysis: Analysis) -> list[Finding]:
    """The findings the plan covers: open ones, worst residual severity first, then by id."""
    return sorted(analysis.assessment.open_findings, key=lambda f: (_severity_rank(f), f.id))


def redteam_plan(analysis: Analysis, *, tool_version: str, data: RedteamTools | None = None) -> dict[str, Any]:
    """The plan as a JSON-ready dict."""
    data = data if data is not None else redteam_tools()
    t = data.tools
    model = analysis.model
    labels = Labels.of(model)
    attacks: list[dict[str, Any]] = []
    manual: list[dict[str, Any]] = []
    plugins: dict[str, dict[str, None]] = {}
    strategies: dict[str, None] = {}
    probes: dict[str, dict[str, None]] = {}
    scenarios: dict[str, dict[str, None]] = {}
    for f in plan_findings(analysis):
        refs = _mapped_refs(f, data)
        f_plugins: dict[str, None] = {}
        f_strategies: dict[str, None] = {}
        f_probes: dict[str, None] = {}
        f_scenarios: dict[str, None] = {}
        for ref in refs:
            m = data.mappings[ref]
            f_plugins.update(dict.fromkeys(m.promptfoo.plugins))
            f_strategies.update(dict.fromkeys(m.promptfoo.strategies))
            f_probes.update(dict.fromkeys(m.garak))
            f_scenarios.update(dict.fromkeys(m.pyrit))
        entry: dict[str, Any] = {
            "finding": f.id,
            "title": f.title,
            "severity": f.severity.value,
            "residual_severity": f.residual_severity.value,
            "status": f.status.value,
            "target": {"id": f.target, "type": f.target_type.value, "name": labels.target(f)},
        }
        if f.affected:  # one finding per root cause: test every element it lists
            entry["also_targets"] = [
                {"id": e, "type": f.target_type.value, "name": labels.name(e)} for e in f.affected if e != f.target
            ]
        if f.path:
            entry["entry_path"] = [{"id": p, "name": labels.name(p)} for p in f.path]
        entry["catalog_ids"] = list(f.refs)
        entry["attack"] = f.scenario
        if not (f_plugins or f_probes or f_scenarios):
            entry["reason"] = (
                "none of its catalog ids has an automated test in these tools"
                if any(r.split(":", 1)[0] in MAPPED_CATALOGS for r in f.refs)
                else "it has no OWASP LLM or Agentic id to choose an automated test by"
            )
            manual.append(entry)
            continue
        entry["tests"] = {
            "promptfoo": {
                "plugins": _ordered(f_plugins, t.promptfoo.plugins),
                "strategies": _ordered(f_strategies, t.promptfoo.strategies),
            },
            "garak": _ordered(f_probes, t.garak.probes),
            "pyrit": _ordered(f_scenarios, t.pyrit.scenarios),
            "by": refs,
        }
        attacks.append(entry)
        for name in f_plugins:
            plugins.setdefault(name, {})[f.id] = None
        strategies.update(f_strategies)
        for name in f_probes:
            probes.setdefault(name, {})[f.id] = None
        for name in f_scenarios:
            scenarios.setdefault(name, {})[f.id] = None

    def traced(chosen: dict[str, dict[str, None]], known: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{"id": n, "findings": sorted(chosen[n])} for n in _ordered(dict.fromkeys(chosen), known)]

    probe_names = _ordered(dict.fromkeys(probes), t.garak.probes)
    purpose = model.system.description or model.system.name
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "tool": {"name": "threatmodel", "version": tool_version},
        "system": {"id": model.system.id, "name": model.system.name},
        "as_of": analysis.assessment.as_of.isoformat(),
        "summary": {
            "open_findings": len(attacks) + len(manual),
            "automated": len(attacks),
            "manual": len(manual),
        },
        "tools": {
            name: {"title": tool.title, "version": tool.version, "source": tool.source, "url": tool.url}
            for name, tool in (("promptfoo", t.promptfoo), ("garak", t.garak), ("pyrit", t.pyrit))
        },
        "attacks": attacks,
        "manual": manual,
        "promptfoo": {
            "description": f"Red team of {model.system.name} from its threat model",
            "redteam": {
                "purpose": purpose,
                "plugins": [{"id": p["id"]} for p in traced(plugins, t.promptfoo.plugins)],
                "strategies": [{"id": s} for s in _ordered(strategies, t.promptfoo.strategies)],
            },
            "traceability": traced(plugins, t.promptfoo.plugins),
        },
        "garak": {
            "probes": ",".join(probe_names),
            "traceability": traced(probes, t.garak.probes),
        },
        "pyrit": {
            "scenarios": traced(scenarios, t.pyrit.scenarios),
        },
    }


def render_redteam(analysis: Analysis, *, tool_version: str) -> str:
    """The adversarial test plan as pretty JSON (also valid YAML)."""
    return pretty(redteam_plan(analysis, tool_version=tool_version))

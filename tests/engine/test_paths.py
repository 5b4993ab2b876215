"""Every distinct untrusted path to a finding's target is listed, so an indirect one is never hidden."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.engine.match import MAX_PATHS
from threatmodel.io.load import load_catalogs, load_model

REPO = Path(__file__).resolve().parents[2]
CATALOGS = load_catalogs()


def _findings(name: str):  # type: ignore[no-untyped-def]
    loaded = load_model(REPO / "models" / f"{name}.yaml", known_controls=CATALOGS.control_refs)
    return {f.id: f for f in evaluate(loaded.model, CATALOGS.catalogs, as_of=FIXED_DATE).findings}


def test_indirect_path_through_a_tool_is_listed_beside_the_direct_one() -> None:
    """The ops agent reads web pages and customer tickets: both routes show, the nearest first."""
    finding = _findings("agent-with-tools")["tm:agent-indirect-prompt-injection@ops-agent"]
    assert finding.paths[0] == finding.path
    assert ("ticketing-saas", "ticketing-mcp", "ops-agent") in finding.paths


def test_routes_through_another_source_are_not_repeated() -> None:
    """public-web reaches the agent only through web-fetch, itself a source: web-fetch's route covers it."""
    finding = _findings("agent-with-tools")["tm:agent-indirect-prompt-injection@ops-agent"]
    assert not any(route[0] == "public-web" for route in finding.paths)
    assert len(finding.paths) <= MAX_PATHS
    assert [len(r) for r in finding.paths[1:]] == sorted(len(r) for r in finding.paths[1:])


def test_one_path_lists_nothing_extra() -> None:
    findings = _findings("rag-support-assistant")
    assert all(len(f.paths) != 1 for f in findings.values())

"""`report --format redteam`: the adversarial test plan from the open findings (docs/redteam.md).

The tool names the plan can emit are checked against the upstream lists vendored in
tests/data/redteam/ (garak's plugin cache at v0.16.0, promptfoo's plugin and strategy
constants, PyRIT's scenario modules), so a name that does not exist in the named tool version
fails here, not in a practitioner's CI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from tests.golden import assert_golden
from tests.helpers import FIXED_DATE, analyse_file
from threatmodel.cli import cli
from threatmodel.engine import analyse
from threatmodel.export.redteam import parse_tools, redteam_plan, redteam_tools, render_redteam
from threatmodel.io.load import load_catalogs
from threatmodel.model.system import TriageEntry
from threatmodel.model.vocab import Status

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "models").glob("*.yaml"))
GOLDEN = REPO / "tests" / "golden" / "report"
UPSTREAM = REPO / "tests" / "data" / "redteam"
TOOLS_FILE = REPO / "threatmodel" / "data" / "redteam-tools.yaml"


def upstream(name: str) -> tuple[str, set[str]]:
    """(the attribution header, the names) of a vendored upstream list."""
    lines = (UPSTREAM / name).read_text(encoding="utf-8").splitlines()
    header = " ".join(line for line in lines if line.startswith("#"))
    return header, {line for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def catalogs():  # type: ignore[no-untyped-def]
    return load_catalogs()


def plan_of(path: Path, catalogs) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return redteam_plan(analyse_file(path, catalogs), tool_version="0.1.0")


# -- the data ------------------------------------------------------------------------------


def test_tool_data_loads_and_names_exist_upstream() -> None:
    """Every name the data lists exists in the tool version it names."""
    data = redteam_tools()
    tools = data.tools
    for list_name, names, version in (
        ("promptfoo-plugins.txt", tools.promptfoo.plugins, tools.promptfoo.version),
        ("promptfoo-strategies.txt", tools.promptfoo.strategies, tools.promptfoo.version),
        ("garak-probes.txt", tools.garak.probes, tools.garak.version),
        ("pyrit-scenarios.txt", tools.pyrit.scenarios, tools.pyrit.version),
    ):
        header, known = upstream(list_name)
        assert version in header, f"{list_name} was not taken from version {version}"
        assert set(names) <= known, f"{list_name}: {sorted(set(names) - known)} do not exist upstream"
        assert len(names) == len(set(names)), f"{list_name}: duplicates"


def test_every_mapped_catalog_id_exists_in_the_catalogs(catalogs) -> None:  # type: ignore[no-untyped-def]
    """A mapping keyed by a mistyped id would never fire."""
    known = {f"{c.id}:{e.id}" for c in catalogs.catalogs for e in c.entries}
    assert set(redteam_tools().mappings) <= known


def test_a_name_outside_the_tool_list_is_refused() -> None:
    raw = yaml.safe_load(TOOLS_FILE.read_text(encoding="utf-8"))
    raw["mappings"]["owasp-llm:LLM07:2025"]["garak"] = ["sysprompt_extraction.MadeUpProbe"]
    with pytest.raises(ValidationError, match=r"garak probe sysprompt_extraction\.MadeUpProbe"):
        parse_tools(yaml.safe_dump(raw))
    raw = yaml.safe_load(TOOLS_FILE.read_text(encoding="utf-8"))
    raw["tools"]["pyrit"]["surprise"] = 1
    with pytest.raises(ValidationError):
        parse_tools(yaml.safe_dump(raw))


# -- the plan ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_plan_matches_golden_and_emits_only_known_names(model: Path, catalogs) -> None:  # type: ignore[no-untyped-def]
    text = render_redteam(analyse_file(model, catalogs), tool_version="0.1.0")
    assert_golden(GOLDEN / f"{model.stem}.redteam.json", text)
    plan = json.loads(text)
    tools = redteam_tools().tools
    emitted_plugins = {p["id"] for p in plan["promptfoo"]["redteam"]["plugins"]}
    emitted_strategies = {s["id"] for s in plan["promptfoo"]["redteam"]["strategies"]}
    emitted_probes = set(filter(None, plan["garak"]["probes"].split(",")))
    emitted_scenarios = {s["id"] for s in plan["pyrit"]["scenarios"]}
    for attack in plan["attacks"]:
        emitted_plugins |= set(attack["tests"]["promptfoo"]["plugins"])
        emitted_strategies |= set(attack["tests"]["promptfoo"]["strategies"])
        emitted_probes |= set(attack["tests"]["garak"])
        emitted_scenarios |= set(attack["tests"]["pyrit"])
    assert emitted_plugins <= set(tools.promptfoo.plugins)
    assert emitted_strategies <= set(tools.promptfoo.strategies)
    assert emitted_probes <= set(tools.garak.probes)
    assert emitted_scenarios <= set(tools.pyrit.scenarios)


def test_only_open_findings_appear(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Mitigated, transferred and accepted findings are not re-tested by the plan; open and
    in-progress ones are, and triaging one as mitigated takes it out."""
    analysis = analyse_file(REPO / "models" / "rag-support-assistant.yaml", catalogs)
    findings = analysis.assessment.findings
    assert {f.status for f in findings} >= {Status.OPEN, Status.IN_PROGRESS, Status.MITIGATED, Status.TRANSFERRED}
    plan = redteam_plan(analysis, tool_version="0.1.0")
    planned = [a["finding"] for a in plan["attacks"] + plan["manual"]]
    assert sorted(planned) == sorted(f.id for f in findings if f.status in (Status.OPEN, Status.IN_PROGRESS))
    assert {a["status"] for a in plan["attacks"] + plan["manual"]} <= {"open", "in-progress"}

    victim = next(a["finding"] for a in plan["attacks"])
    model = analysis.model
    triaged = model.model_copy(
        update={"triage": {**model.triage, victim: TriageEntry(status=Status.MITIGATED, justification="fixed")}}
    )
    after = redteam_plan(analyse(triaged, analysis.catalogs, as_of=FIXED_DATE), tool_version="0.1.0")
    assert victim not in [a["finding"] for a in after["attacks"] + after["manual"]]
    assert after["summary"]["open_findings"] == plan["summary"]["open_findings"] - 1


def test_attack_names_target_entry_path_and_ids(catalogs) -> None:  # type: ignore[no-untyped-def]
    """A prompt-injection finding reached from outside becomes an attack on its element, entered
    along its untrusted path, with the LLM01 tests of every tool and a trace back to the finding."""
    plan = plan_of(REPO / "models" / "rag-support-assistant.yaml", catalogs)
    attack = next(a for a in plan["attacks"] if a["finding"] == "tm:direct-prompt-injection@chat-llm")
    assert attack["target"] == {"id": "chat-llm", "type": "component", "name": "Chat LLM"}
    assert attack["entry_path"][0]["id"] == "customers" and attack["entry_path"][-1]["id"] == "chat-llm"
    assert "owasp-llm:LLM01:2025" in attack["catalog_ids"]
    assert attack["tests"]["by"] == ["owasp-llm:LLM01:2025"]
    assert "promptinject.HijackHateHumans" in attack["tests"]["garak"]
    assert "prompt-injection" in attack["tests"]["promptfoo"]["strategies"]
    assert "airt.jailbreak" in attack["tests"]["pyrit"]
    trace = {t["id"]: t["findings"] for t in plan["garak"]["traceability"]}
    assert attack["finding"] in trace["promptinject.HijackHateHumans"]
    assert plan["garak"]["probes"].split(",") == [t["id"] for t in plan["garak"]["traceability"]]


def test_findings_without_a_tool_are_listed_for_manual_testing(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Unknown is never tested: a finding no tool covers is listed with the reason, not dropped."""
    plan = plan_of(REPO / "models" / "federated-learning.yaml", catalogs)
    assert plan["manual"], "the federated model has classic-ML findings no LLM red-team tool covers"
    for entry in plan["manual"]:
        assert "tests" not in entry
        assert entry["reason"]
        assert not any(r.startswith(("owasp-llm:LLM01", "owasp-llm:LLM07")) for r in entry["catalog_ids"])
    assert plan["summary"]["manual"] == len(plan["manual"])
    assert plan["summary"]["automated"] == len(plan["attacks"])


def test_plan_is_deterministic_and_ordered_worst_first(catalogs) -> None:  # type: ignore[no-untyped-def]
    analysis = analyse_file(REPO / "models" / "agent-with-tools.yaml", catalogs)
    first = render_redteam(analysis, tool_version="0.1.0")
    assert render_redteam(analysis, tool_version="0.1.0") == first
    order = ["critical", "high", "medium", "low", "info"]
    ranks = [order.index(a["residual_severity"]) for a in json.loads(first)["attacks"]]
    assert ranks == sorted(ranks)


def test_cli_report_format_redteam(tmp_path: Path) -> None:
    out = tmp_path / "plan.redteam.json"
    model = REPO / "models" / "agent-with-tools.yaml"
    result = CliRunner().invoke(
        cli, ["report", str(model), "--format", "redteam", "-o", str(out), "--as-of", "2026-11-25"]
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["format"] == "threatmodel-redteam"
    assert plan["as_of"] == "2026-11-25"
    # the promptfoo part is a loadable promptfoo config section (JSON is YAML)
    assert yaml.safe_load(json.dumps(plan["promptfoo"]))["redteam"]["plugins"]


def _contained(part: Any, whole: Any) -> bool:
    """``part`` is ``whole`` with some dict keys left out (lists and values compare exactly)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _contained(v, whole[k]) for k, v in part.items())
    return bool(part == whole)


def test_docs_worked_example_is_real_output() -> None:
    """Every JSON block of docs/redteam.md is part of the golden plan of the RAG example."""
    import re

    plan = json.loads((GOLDEN / "rag-support-assistant.redteam.json").read_text(encoding="utf-8"))
    text = (REPO / "docs" / "redteam.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]
    assert len(blocks) >= 4
    candidates = [plan, plan["summary"], plan["garak"], plan["pyrit"], *plan["attacks"]]
    for block in blocks:
        assert any(_contained(block, c) for c in candidates), block

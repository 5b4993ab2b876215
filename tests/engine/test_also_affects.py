"""Where a finding sits: the related elements a threat's ``affects`` names (decision 1850).

A finding stays on the element its rule matched (its id is unchanged) and also names, in
``also_affects``, the elements its threat says are harmed too or where the control goes: the
service receiving the data, the model whose score is relied on, the store the loaded weights come
from. These tests pin the relation per threat on its own case fixtures, a near miss for each
relation, and, over every model file, that the named elements exist, are near the finding, and
never change a finding's id, score or triage.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
import yaml

from tests.helpers import FIXED_DATE, MODEL_FILES
from threatmodel.engine import evaluate
from threatmodel.engine.evaluate import related
from threatmodel.graph import build_graph
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model
from threatmodel.model.finding import Assessment
from threatmodel.model.system import SystemModel

CATALOGS: LoadedCatalogs = load_catalogs()
CASES = Path(__file__).resolve().parents[1] / "catalogs" / "cases"


def assess(model: SystemModel, catalogs: LoadedCatalogs = CATALOGS) -> Assessment:
    return evaluate(model, catalogs.catalogs, as_of=FIXED_DATE)


def case(threat: str, name: str = "positive") -> dict[tuple[str, ...], tuple[str, ...]]:
    """For the threat's findings on one of its case fixtures: elements -> also_affects."""
    model = load_model(CASES / threat / f"{name}.yaml", known_controls=CATALOGS.control_refs).model
    return {f.elements: f.also_affects for f in assess(model).findings if f.threat == f"tm:{threat}"}


def without_affects() -> LoadedCatalogs:
    """The shipped catalogs with every threat's ``affects`` removed."""
    catalogs = tuple(
        c.model_copy(update={"threats": tuple(t.model_copy(update={"affects": ()}) for t in c.threats)})
        for c in CATALOGS.catalogs
    )
    return LoadedCatalogs(catalogs=catalogs, documents=CATALOGS.documents)


@pytest.mark.parametrize(
    ("threat", "expected"),
    [
        # the flow's receiving service holds the data once it is sent, and the sender is where it
        # is minimised before it leaves (decision 1906), staff pasting it by hand included
        (
            "sensitive-data-to-third-party-service",
            {
                ("kiosk-to-analytics-api",): ("analytics-api", "kiosk"),
                ("kiosk-to-vision-api",): ("kiosk", "vision-api"),
                ("store-staff-to-hosted-store",): ("hosted-store", "store-staff"),
            },
        ),
        # people act on the score of the model behind the application; a finding on the model itself
        # names nothing more
        ("unreviewed-score-reliance", {("scheduler", "ward-board"): ("risk-model",), ("triage-model",): ()}),
        # the flood exhausts the model the server runs, and the public API in front of it is where
        # a per-caller limit goes (decision 1941, as decision 1903 for denial-of-wallet)
        ("model-denial-of-service", {("gpu-serving",): ("public-api", "tagger")}),
        # the server loading unsigned weights names the registry they can be swapped in; the hub
        # model loaded by no stated server names nothing
        ("pickle-deserialization", {("scorer",): ("registry",), ("sentiment-model",): ()}),
        # the agent that follows the copied instructions
        ("third-party-agent-instructions", {("prompt-hub",): ("support-agent",)}),
        # the application answering people from the poisoned cache
        ("shared-response-cache-poisoning", {("answer-cache",): ("chat-app",)}),
        # the agents that read a tool's descriptions or run its upgrades
        ("mcp-tool-poisoning", {("jira-mcp",): ("issue-agent",)}),
        ("unpinned-tool-supply-chain", {("crm-mcp",): ("agent",)}),
        # the agents that install from a tampered registry
        ("tool-registry-tampering", {("tool-catalog",): ("agent",)}),
        # the server loading what a compromised model registry holds
        ("model-registry-compromise", {("model-store",): ("serving",)}),
        # the model an open server API lets anyone pull or replace
        ("exposed-model-server-api", {("inference-server",): ("lab-llm",)}),
        # the agent acting on poisoned memories
        ("agent-memory-poisoning", {("agent-notes",): ("agent",)}),
        # the model billed through an open gateway; the model's own finding names the application
        # the visitors send to and the gateway in front of it, where a per-caller limit goes
        # (decisions 1903, 1904)
        ("denial-of-wallet", {("api-llm",): ("key-gateway", "web-app"), ("key-gateway",): ("api-llm",)}),
        # the job that loads the public base and trains on it, where the base is vetted (decision 1939)
        ("transfer-learning-backdoor", {("tuned-model",): ("tuning-job",)}),
        # the tool the agent acts through without approval, where the gate goes (decision 1902)
        ("excessive-agency", {("ops-agent",): ("purge-records",)}),
        # the index a retriever searches, whose chunks must carry their access lists; an index
        # queried directly carries the finding and names nothing more (decision 1904)
        ("rag-entitlement-bypass", {("mail-index",): (), ("retriever",): ("case-index",)}),
    ],
)
def test_a_finding_names_the_elements_its_threat_also_affects(
    threat: str, expected: dict[tuple[str, ...], tuple[str, ...]]
) -> None:
    assert case(threat) == expected


NEAR_MISS = """
system: {id: near, name: Near miss}
data:
  - {id: weights, classification: internal, artifact: model-weights, provenance: first-party, format: pickle, integrity: none}
boundaries:
  - {id: cloud, trust: internal}
components:
  - {id: server, kind: model-serving, boundary: cloud, provenance: first-party, exposure: internal, data: [weights]}
  - {id: app, kind: application, boundary: cloud, provenance: first-party, exposure: internal}
flows:
  - {source: app, target: server}
"""


def test_no_related_element_no_also_affects(tmp_path: Path) -> None:
    """Near miss: the server loads pickled weights it holds itself, from no element the model shows,
    and serves no stated model: the finding stays on the server and names nothing more."""
    path = tmp_path / "near.yaml"
    path.write_text(NEAR_MISS, encoding="utf-8")
    a = assess(load_model(path, known_controls=CATALOGS.control_refs).model)
    pickle = [f for f in a.findings if f.threat == "tm:pickle-deserialization"]
    assert [(f.elements, f.also_affects) for f in pickle] == [(("server",), ())]


PRODUCED_AND_SERVED = """
system: {id: produced, name: Produced and served}
data:
  - {id: chats, classification: confidential, tags: [pii], derived_from: []}
  - {id: weights, classification: internal, artifact: model-weights, provenance: first-party, format: safetensors, integrity: none}
boundaries:
  - {id: cloud, trust: internal}
components:
  - {id: chat-store, kind: datastore, boundary: cloud, exposure: internal, data: [chats]}
  - {id: tuning, kind: fine-tuning-job, boundary: cloud, method: peft, produces: tuned-model}
  - {id: tuned-model, kind: llm, boundary: cloud, hosting: self-hosted, provenance: first-party, trained_on: [chats]}
  - {id: registry, kind: model-registry, boundary: cloud, exposure: internal, data: [weights]}
  - {id: server, kind: model-serving, boundary: cloud, serves: [tuned-model]}
flows:
  - {source: chat-store, target: tuning, data: [chats]}
  - {source: registry, target: server, data: [weights]}
"""


def test_training_and_deployment_findings_name_the_model_they_make(tmp_path: Path) -> None:
    """Decision 1890: personal data trained on by a job names the model the job produces; weights
    loaded unverified by a server name the model it serves."""
    path = tmp_path / "produced.yaml"
    path.write_text(PRODUCED_AND_SERVED, encoding="utf-8")
    a = assess(load_model(path, known_controls=CATALOGS.control_refs).model)
    named = {(f.threat, f.elements, f.also_affects) for f in a.findings}
    assert ("tm:personal-data-in-training", ("tuning",), ("tuned-model",)) in named
    assert ("tm:unverified-model-deployment", ("server",), ("tuned-model",)) in named


def _declared(component: object) -> set[str]:
    """The components a component names in its declared relations."""
    out: set[str] = set()
    for attr in ("serves", "tools", "delegates_to"):
        out |= set(getattr(component, attr, ()) or ())
    for attr in ("model", "memory", "base_model", "produces"):
        if value := getattr(component, attr, None):
            out.add(value)
    return out


def _near(model: SystemModel, start: set[str], goal: str, hops: int) -> bool:
    """``goal`` lies within ``hops`` steps of an element of ``start``, a step being a flow (either
    way) or a declared relation (either way); a flow counts as both its ends."""
    ends = {fid: (f.source, f.target) for fid, f in build_graph(model).flows.items()}
    adjacent: dict[str, set[str]] = {}
    pairs = [*ends.values(), *((c.id, n) for c in model.components for n in _declared(c))]
    for one, other in pairs:
        adjacent.setdefault(one, set()).add(other)
        adjacent.setdefault(other, set()).add(one)
    frontier = deque((n, 0) for e in start for n in ends.get(e, (e,)))
    seen = {n for n, _ in frontier}
    while frontier:
        node, depth = frontier.popleft()
        if node == goal:
            return True
        if depth < hops:
            for n in sorted(adjacent.get(node, ())):
                if n not in seen:
                    seen.add(n)
                    frontier.append((n, depth + 1))
    return False


FINDINGS = {
    path: (model, assess(model))
    for path in MODEL_FILES
    for model in [load_model(path, known_controls=CATALOGS.control_refs).model]
}
PLAIN = without_affects()


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_also_affected_elements_exist_and_are_connected(path: Path) -> None:
    model, a = FINDINGS[path]
    components = {c.id for c in model.components}
    for f in a.findings:
        assert list(f.also_affects) == sorted(set(f.also_affects)), f.id
        for e in f.also_affects:
            assert e in components, (f.id, e)
            assert e not in f.elements, (f.id, e)
            # a finding on the system holds every element; any other lies within four steps (the
            # farthest relation, a model's front ends, looks four flows upstream)
            assert f.target_type == "system" or _near(model, set(f.elements), e, 4), (f.id, e)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_naming_affected_elements_changes_no_id_score_or_triage(path: Path) -> None:
    model, a = FINDINGS[path]
    plain = assess(model, PLAIN)
    assert [f.model_copy(update={"also_affects": ()}) for f in a.findings] == list(plain.findings)
    assert a.proposals == plain.proposals
    assert a.diagnostics == plain.diagnostics


def test_some_model_files_name_affected_elements() -> None:
    """The properties above are not vacuous: the corpora hold findings that name related elements."""
    named = sum(1 for _, a in FINDINGS.values() for f in a.findings if f.also_affects)
    assert named >= 20


SCORE_THROUGH_A_STORE = """
system: {id: hiring, name: Hiring}
data:
  - {id: answers, classification: confidential, tags: [pii]}
  - {id: scores, classification: confidential, tags: [pii]}
components:
  - {id: transcriber, kind: ml-model, output: text}
  - {id: scorer, kind: ml-model, output: scores, subjects: [public]}
  - {id: score-store, kind: datastore, data: [scores]}
  - {id: dashboard, kind: application}
  - {id: recruiters, kind: human-user, population: employees}
flows:
  - {source: transcriber, target: score-store, data: [answers]}
  - {source: scorer, target: score-store, data: [scores]}
  - {source: score-store, target: dashboard, data: [scores]}
  - {source: dashboard, target: recruiters, data: [scores]}
"""


def test_a_score_relied_on_through_a_store_names_the_scorer(tmp_path: Path) -> None:
    """Decision 1896: the dashboard where people act on a score names the scorer whose output
    reaches it through a store (``scored_by``), not the transcriber beside it, which writes text."""
    path = tmp_path / "hiring.yaml"
    path.write_text(SCORE_THROUGH_A_STORE, encoding="utf-8")
    a = assess(load_model(path, known_controls=CATALOGS.control_refs).model)
    reliance = [f for f in a.findings if f.threat == "tm:unreviewed-score-reliance"]
    assert [(f.elements, f.also_affects) for f in reliance] == [(("dashboard",), ("scorer",))]


MIXED_TOOLS = """
system: {id: mixed, name: Mixed tools}
boundaries:
  - {id: corp, trust: internal}
components:
  - {id: clerk, kind: human-user, population: employees, boundary: corp}
  - {id: desk-agent, kind: agent, tools: [lookup, refund, notify], human_approval: none, boundary: corp}
  - {id: lookup, kind: tool, side_effects: [read-only], boundary: corp}
  - {id: refund, kind: tool, side_effects: [move-money], boundary: corp}
  - {id: notify, kind: tool, boundary: corp}
flows:
  - {source: clerk, target: desk-agent}
"""


def test_an_unapproved_agent_names_only_the_tools_it_acts_through() -> None:
    """Excessive agency names the tools stated to act (here the refund tool), not a read-only
    lookup, and not a tool whose side effects are unstated (decision 1902)."""
    model = SystemModel.model_validate(yaml.safe_load(MIXED_TOOLS))
    found = {f.elements: f.also_affects for f in assess(model).findings if f.threat == "tm:excessive-agency"}
    assert found == {("desk-agent",): ("refund",)}


FRONT_ENDS = """
system: {id: game, name: Prompt game}
data:
  - {id: prompts, classification: public, tags: [user-content]}
  - {id: answers, classification: public}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: cloud, trust: internal}
  - {id: provider, trust: partner}
components:
  - {id: players, kind: human-user, population: public, boundary: internet}
  - {id: game-app, kind: application, exposure: internet, boundary: cloud}
  - {id: judge, kind: input-guardrail, blocking: true, boundary: cloud}
  - {id: game-llm, kind: llm, hosting: provider-api, provenance: third-party-api, boundary: provider}
  - {id: ops-console, kind: application, boundary: cloud}
  - {id: batch-job, kind: data-pipeline, boundary: cloud}
flows:
  - {source: players, target: game-app, data: [prompts]}
  - {source: game-app, target: judge, data: [prompts]}
  - {source: judge, target: game-llm, data: [prompts]}
  - {source: game-llm, target: game-app, data: [answers]}
  - {source: game-app, target: players, data: [answers]}
  - {source: ops-console, target: batch-job}
  - {source: batch-job, target: game-llm}
"""


def test_a_billed_model_names_the_front_end_people_send_to() -> None:
    """Decision 1903: the provider model's denial-of-wallet finding names the application the
    players send to, two flows upstream behind a guardrail, where a per-player limit goes; not
    the console no person is drawn sending to, nor the batch job between."""
    model = SystemModel.model_validate(yaml.safe_load(FRONT_ENDS))
    found = {f.elements: f.also_affects for f in assess(model).findings if f.threat == "tm:denial-of-wallet"}
    assert found == {("game-llm",): ("game-app",)}


BACK_ENDS = """
system: {id: voice, name: Voice shop assistant}
data:
  - {id: speech, classification: internal, tags: [user-content]}
  - {id: session, classification: restricted, tags: [credentials]}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: cloud, trust: internal}
  - {id: provider, trust: partner}
components:
  - {id: shoppers, kind: human-user, population: public, boundary: internet}
  - {id: web-client, kind: application, boundary: internet}
  - {id: token-server, kind: application, exposure: internet, boundary: cloud}
  - {id: ops-console, kind: application, boundary: cloud}
  - {id: nightly-batch, kind: application, boundary: cloud}
  - {id: orders, kind: datastore, boundary: cloud}
  - {id: voice-llm, kind: llm, hosting: provider-api, provenance: third-party-api, boundary: provider}
flows:
  - {source: shoppers, target: web-client, data: [speech]}
  - {source: web-client, target: token-server}
  - {source: token-server, target: voice-llm, data: [session]}
  - {source: token-server, target: web-client, data: [session]}
  - {source: web-client, target: voice-llm, data: [speech, session]}
  - {source: ops-console, target: voice-llm}
  - {source: voice-llm, target: ops-console}
  - {source: orders, target: nightly-batch}
  - {source: nightly-batch, target: voice-llm}
"""


def test_a_billed_model_names_the_back_end_that_calls_it() -> None:
    """The server that mints the provider's sessions for every visitor (held-out 25's token
    server) holds the key the model is billed to: the finding names it beside the browser client
    people talk to, where per-caller limits go; not a console that only the model's replies reach,
    nor a nightly batch fed by a store (review 31)."""
    model = SystemModel.model_validate(yaml.safe_load(BACK_ENDS))
    found = {f.elements: f.also_affects for f in assess(model).findings if f.threat == "tm:denial-of-wallet"}
    assert found == {("voice-llm",): ("token-server", "web-client")}


MESSAGING_BOT = """
system: {id: farm-bot, name: Farm advice bot}
data:
  - {id: questions, classification: internal, tags: [user-content]}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: platforms, trust: partner}
  - {id: cloud, trust: internal}
  - {id: provider, trust: partner}
components:
  - {id: farmers, kind: human-user, population: public, boundary: internet}
  - {id: messaging, kind: external-service, boundary: platforms}
  - {id: bot-backend, kind: application, boundary: cloud}
  - {id: retriever, kind: retriever, boundary: cloud}
  - {id: answer-llm, kind: llm, hosting: provider-api, provenance: third-party-api, boundary: provider}
flows:
  - {source: farmers, target: messaging, data: [questions]}
  - {source: messaging, target: bot-backend, data: [questions]}
  - {source: bot-backend, target: retriever, data: [questions]}
  - {source: retriever, target: answer-llm, data: [questions]}
"""


def test_a_billed_model_names_the_back_end_a_messaging_platform_relays_to() -> None:
    """People write to a messaging platform, which relays each message to the bot's back end
    (held-out 40's farm-advice bot): the back end is where a per-person limit goes, two flows
    before the model, though no person sends to it directly and it does not call the model."""
    model = SystemModel.model_validate(yaml.safe_load(MESSAGING_BOT))
    found = {f.elements: f.also_affects for f in assess(model).findings if f.threat == "tm:denial-of-wallet"}
    assert found == {("answer-llm",): ("bot-backend",)}


STORES_BEHIND = """
system: {id: behind, name: What stands behind a model}
data:
  - {id: questions, classification: internal, tags: [user-content]}
  - {id: chunks, classification: confidential}
  - {id: groups, classification: internal}
  - {id: posts, classification: public, tags: [user-content]}
  - {id: weights, classification: internal, artifact: model-weights, provenance: first-party}
  - {id: key, classification: restricted, tags: [credentials]}
  - {id: records, classification: internal}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: corp, trust: internal}
  - {id: provider, trust: partner}
components:
  - {id: visitors, kind: human-user, population: public, boundary: internet}
  - {id: staff, kind: human-user, population: employees, boundary: corp}
  - {id: chat-web, kind: application, exposure: internet, boundary: corp}
  - {id: crm-app, kind: application, boundary: corp}
  - {id: crm-db, kind: datastore, data: [records], boundary: corp}
  - {id: retriever, kind: retriever, boundary: corp}
  - {id: index, kind: vector-store, data: [chunks], boundary: corp}
  - {id: directory, kind: datastore, data: [groups], boundary: corp}
  - {id: llm, kind: llm, hosting: provider-api, provenance: third-party-api, boundary: provider}
  - {id: forum, kind: data-source, untrusted_content: true, boundary: internet}
  - {id: registry, kind: model-registry, data: [weights], boundary: corp}
  - {id: vault, kind: datastore, data: [key], boundary: corp}
  - {id: tuning, kind: fine-tuning-job, boundary: corp}
flows:
  - {source: visitors, target: chat-web, data: [questions]}
  - {source: chat-web, target: retriever, data: [questions]}
  - {source: index, target: retriever, data: [chunks]}
  - {source: directory, target: retriever, data: [groups]}
  - {source: retriever, target: llm, data: [questions, chunks]}
  - {source: llm, target: chat-web, data: [chunks]}
  - {source: staff, target: crm-app, data: [records]}
  - {source: crm-app, target: crm-db, data: [records]}
  - {source: crm-db, target: retriever, data: [records]}
  - {source: forum, target: tuning, data: [posts]}
  - {source: registry, target: tuning, data: [weights]}
  - {source: vault, target: tuning, data: [key]}
"""


def test_related_elements_follow_requests_chunks_and_records() -> None:
    """Review 16 on decision 1904's relations: a wallet's front ends are found along the way
    requests travel (the staff CRM that only writes records a store hands on is none); a
    retriever's searched stores are those whose data it passes on (the chunks), not the directory
    it consults or a store whose records it keeps to itself; a job's training sources send it
    records to learn from, not the weights it loads or the key it signs in with."""
    model = SystemModel.model_validate(yaml.safe_load(STORES_BEHIND))
    g = build_graph(model)
    assert related(g, "llm", "front_ends") == ("chat-web",)
    assert related(g, "retriever", "searched_stores") == ("index",)
    assert related(g, "index", "searched_stores") == ()
    assert related(g, "tuning", "training_sources") == ("forum",)
    assert related(g, "retriever", "training_sources") == ()


DELEGATED = """
system: {id: coder, name: Coding agent}
data:
  - {id: issues, classification: internal, tags: [user-content]}
  - {id: diff, classification: confidential, tags: [source-code]}
boundaries:
  - {id: internet, trust: untrusted}
  - {id: cloud, trust: internal}
components:
  - {id: issue-tracker, kind: data-source, untrusted_content: true, boundary: internet, data: [issues]}
  - {id: code-agent, kind: agent, autonomy: supervised, boundary: cloud, tools: [repo-push, shell, tracker-read]}
  - {id: repo-push, kind: tool, side_effects: [write], credentials: user-delegated, boundary: cloud}
  - {id: shell, kind: tool, side_effects: [execute-code], credentials: scoped, boundary: cloud}
  - {id: tracker-read, kind: tool, side_effects: [read-only], boundary: cloud}
flows:
  - {source: issue-tracker, target: tracker-read, data: [issues]}
  - {source: tracker-read, target: code-agent, data: [issues]}
  - {source: code-agent, target: repo-push, data: [diff]}
  - {source: code-agent, target: shell, data: [diff]}
"""


def test_outsiders_acting_with_a_delegated_grant_name_the_tool_that_holds_it() -> None:
    """delegated-rights-hijack sits on the agent and names the tool stated to hold the person's
    grant (where it is narrowed), not a tool with its own scoped credentials nor one whose
    credentials are unstated (decision 1911)."""
    model = SystemModel.model_validate(yaml.safe_load(DELEGATED))
    found = {f.elements: f.also_affects for f in assess(model).findings if f.threat == "tm:delegated-rights-hijack"}
    assert found == {("code-agent",): ("repo-push",)}
    assert related(build_graph(model), "repo-push", "delegated_tools") == ()  # an agent's relation

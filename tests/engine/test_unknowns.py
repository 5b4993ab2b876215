"""Unknown is never secure: unstated facts can raise findings (with the assumption shown), never hide them."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXED_DATE, catalog_of
from tests.property.strategies import system_models
from threatmodel.engine import evaluate
from threatmodel.engine.questions import open_questions
from threatmodel.engine.unknowns import reads_unknowns, resolve
from threatmodel.graph import build_graph
from threatmodel.io.builtin import builtin_catalog_files
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model
from threatmodel.model.catalog import Catalog
from threatmodel.model.rules import Condition
from threatmodel.model.system import SystemModel
from threatmodel.model.unknowns import UNKNOWABLE

REPO = Path(__file__).resolve().parents[2]
CATALOGS: LoadedCatalogs = load_catalogs()


def _engine_readings_only(folder: Path) -> LoadedCatalogs:
    """The built-in catalogs with every explicit ``unknown: no-match`` (and data tests'
    ``classification_unknown: no-match``) removed, so every test reads unknowns the engine's way. A rule may opt one test out (docs/rules.md, "Unknown facts": only
    where the threat needs the fact known, with a comment saying why); the property below checks
    the engine's two readings, which must hold for every rule once those opt-outs are left out."""
    paths = []
    for name, text in builtin_catalog_files():
        path = folder / name
        path.write_text(re.sub(r",\s*(?:classification_)?unknown: no-match", "", text), encoding="utf-8")
        paths.append(path)
    return load_catalogs(paths, builtin=False)


WHEN: Any = catalog_of(
    {
        "id": "open-registry",
        "title": "Registry anyone can write",
        "summary": "s",
        "scenario": "s",
        "when": {"all": [{"kind": ["model-registry"]}, {"attr": {"name": "authentication", "equals": "none"}}]},
        "likelihood": 3,
        "impact": 4,
        "lifecycle": ["deployment"],
    },
    {
        "id": "unapproved-agent",
        "title": "Agent acting without approval",
        "summary": "s",
        "scenario": "s",
        "when": {"all": [{"kind": ["agent"]}, {"not": {"attr": {"name": "human_approval", "equals": "all"}}}]},
        "likelihood": 3,
        "impact": 4,
        "lifecycle": ["runtime"],
    },
    {
        "id": "trusting-rule",
        "title": "A rule that reads unknown as safe on purpose",
        "summary": "s",
        "scenario": "s",
        "when": {
            "all": [
                {"kind": ["agent"]},
                {"attr": {"name": "identity", "equals": "shared-service-account", "unknown": "no-match"}},
            ]
        },
        "likelihood": 2,
        "impact": 2,
        "lifecycle": ["runtime"],
    },
)


def _model(**attrs: Any) -> SystemModel:
    """A registry and an agent whose reachability and autonomy are stated (those also move scores)."""
    registry = {"id": "registry", "kind": "model-registry", "exposure": "internal", **attrs.get("registry", {})}
    agent = {"id": "agent", "kind": "agent", "exposure": "internal", "autonomy": "supervised", **attrs.get("agent", {})}
    return SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "components": [registry, agent],
            "flows": [{"source": "agent", "target": "registry"}],
        }
    )


def _ids(model: SystemModel) -> set[str]:
    return {f.id for f in evaluate(model, [WHEN], as_of=FIXED_DATE).findings}


def _conditions() -> list[Condition]:
    return [t.when for t in WHEN.threats]


def test_resolution_reads_unknown_in_the_threats_favour_by_polarity() -> None:
    """A plain test matches an unknown value; under `not` it does not; the optimistic reading is the mirror."""
    plain, negated, explicit = _conditions()
    assert resolve(plain, conservative=True).all[1].attr.unknown == "match"  # type: ignore[union-attr]
    assert resolve(plain, conservative=False).all[1].attr.unknown == "no-match"  # type: ignore[union-attr]
    assert resolve(negated, conservative=True).all[1].not_.attr.unknown == "no-match"  # type: ignore[union-attr]
    assert resolve(negated, conservative=False).all[1].not_.attr.unknown == "match"  # type: ignore[union-attr]
    for conservative in (True, False):
        assert resolve(explicit, conservative=conservative) == explicit
    assert reads_unknowns(plain) and reads_unknowns(negated) and not reads_unknowns(explicit)


def test_an_unstated_fact_raises_the_finding_and_says_so() -> None:
    """Registry authentication unstated: the finding is raised, assumes the fact, and asks for it."""
    findings = {f.id: f for f in evaluate(_model(), [WHEN], as_of=FIXED_DATE).findings}
    finding = findings["t:open-registry@registry"]
    assert [(a.element, a.attribute) for a in finding.assumes] == [("registry", "authentication")]
    assert finding.assumes[0].question.startswith("state how callers of registry prove who they are")
    assert any("how callers of registry prove who they are: not stated" in fact for fact in finding.why)


def test_stating_the_fact_settles_it_either_way() -> None:
    """Stated safe, the finding goes; stated unsafe, it stays without any assumption."""
    assert "t:open-registry@registry" not in _ids(_model(registry={"authentication": "mtls"}))
    unsafe = evaluate(_model(registry={"authentication": "none"}), [WHEN], as_of=FIXED_DATE).findings
    assert [f.assumes for f in unsafe if f.id == "t:open-registry@registry"] == [()]


def test_unknown_under_not_is_read_in_the_threats_favour() -> None:
    """`not human_approval equals all` with approval unknown: raised, assuming the approval is not universal."""
    finding = next(f for f in evaluate(_model(), [WHEN], as_of=FIXED_DATE).findings if f.threat == "t:unapproved-agent")
    assert [(a.element, a.attribute) for a in finding.assumes] == [("agent", "human_approval")]
    assert "t:unapproved-agent@agent" not in _ids(_model(agent={"human_approval": "all"}))


def test_a_rule_may_read_unknown_as_no_match() -> None:
    """`unknown: no-match` is the rule author's explicit choice, and it holds."""
    assert "t:trusting-rule@agent" not in _ids(_model())
    assert "t:trusting-rule@agent" in _ids(_model(agent={"identity": "shared-service-account"}))


def test_unknown_can_be_written_explicitly() -> None:
    """`unknown` in the file is the same as leaving the attribute out."""
    assert _ids(_model(registry={"authentication": "unknown"}, agent={"human_approval": "unknown"})) == _ids(_model())


def test_questions_rank_by_open_risk() -> None:
    """A question gathers one unknown fact across findings and says how much open risk it decides."""
    assessment = evaluate(_model(), [WHEN], as_of=FIXED_DATE)
    asked = open_questions(assessment.findings)
    assert [(q.element, q.attribute) for q in asked] == [("agent", "human_approval"), ("registry", "authentication")]
    assert asked[0].risk == next(f.residual_risk for f in assessment.findings if f.threat == "t:unapproved-agent")
    assert asked[1].summary.endswith("decides 1 finding, up to 12 risk points")


def _agent_rule(rule_id: str, title: str, out_neighbour: dict[str, Any]) -> Any:
    """A one-rule catalog: an agent none of whose out-neighbours meets ``out_neighbour``."""
    return catalog_of(
        {
            "id": rule_id,
            "title": title,
            "summary": "s",
            "scenario": "s",
            "when": {
                "all": [
                    {"kind": ["agent"]},
                    {"not": {"neighbour": {"direction": "out", "where": out_neighbour}}},
                ]
            },
            "likelihood": 3,
            "impact": 3,
            "lifecycle": ["runtime"],
        }
    )


REVIEWED: Any = _agent_rule(
    "unreviewed-output", "Output no person checks", {"attr": {"name": "human_review", "equals": "every"}}
)


def _reviewed(**app: Any) -> list[Any]:
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "components": [
                {"id": "agent", "kind": "agent", "exposure": "internal", "autonomy": "supervised"},
                {"id": "app", "kind": "application", **app},
            ],
            "flows": [{"source": "agent", "target": "app"}],
        }
    )
    return list(evaluate(model, [REVIEWED], as_of=FIXED_DATE).findings)


def test_a_finding_resting_on_a_neighbours_unknown_asks_it() -> None:
    """A negated neighbour test that read a neighbour's unstated fact as failing rests on it
    (decision 1931): the fact is in the finding's assumptions, so ``questions`` asks it, and
    stating it settles the finding either way."""
    (finding,) = _reviewed()
    assert [(a.element, a.attribute) for a in finding.assumes] == [("app", "human_review")]
    assert "how a person checks the output of app before people act on it: not stated, read as not every" in finding.why
    assert [(q.element, q.attribute) for q in open_questions([finding])] == [("app", "human_review")]
    assert _reviewed(human_review="every") == []
    (stated,) = _reviewed(human_review="none")
    assert stated.assumes == ()


CAPPED: Any = _agent_rule(
    "uncapped-caller",
    "Caller with no cap",
    {
        "any": [
            {"attr": {"name": "rate_limited", "equals": True}},
            {"all": [{"kind": ["api-gateway"]}, {"attr": {"name": "budget_limited", "equals": True}}]},
            {"all": [{"reaches": {"where": {"kind": ["llm"]}}}, {"attr": {"name": "human_review", "equals": "every"}}]},
        ]
    },
)


def _capped_questions(kind: str) -> list[tuple[str, str]]:
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "components": [
                {"id": "agent", "kind": "agent", "exposure": "internal", "autonomy": "supervised"},
                {"id": "front", "kind": kind},
            ],
            "flows": [{"source": "agent", "target": "front"}],
        }
    )
    (finding,) = evaluate(model, [CAPPED], as_of=FIXED_DATE).findings
    return sorted((a.element, a.attribute) for a in finding.assumes)


def test_an_unknown_beside_a_part_the_elements_own_facts_fail_is_not_asked() -> None:
    """An ``all`` whose part fails on the element's own stated facts (its kind) cannot hold
    whatever its unknowns are: an application is not asked a gateway's budget, a gateway is
    (decision 1936). A part that fails through a graph test (nothing the front end reaches is a
    model) is no such fact: the unknown beside it is still asked (review 28)."""
    assert _capped_questions("application") == [("front", "human_review"), ("front", "rate_limited")]
    assert _capped_questions("api-gateway") == [
        ("front", "budget_limited"),
        ("front", "human_review"),
        ("front", "rate_limited"),
    ]


def _deferring(defers_to: str | None) -> Any:
    """REVIEWED's threat with its negation marked as handing the case to another threat."""
    data = REVIEWED.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["threats"].append({**copy.deepcopy(data["threats"][0]), "id": "reviewed-output"})
    if defers_to is not None:
        data["threats"][0]["when"]["all"][1]["defers_to"] = defers_to
    return Catalog.model_validate(data)


def test_a_negation_that_defers_to_another_threat_asks_nothing() -> None:
    """A negation marked ``defers_to`` only keeps one finding per root cause: the unknown facts
    it reads stay in the explanation but are not the finding's questions (answering them moves
    the finding, decision 1932). Unmarked, the same negation asks them."""
    model = SystemModel.model_validate(
        {
            "system": {"id": "s", "name": "S"},
            "components": [
                {"id": "agent", "kind": "agent", "exposure": "internal", "autonomy": "supervised"},
                {"id": "app", "kind": "application"},
            ],
            "flows": [{"source": "agent", "target": "app"}],
        }
    )
    for marked, asked in ((None, [("app", "human_review")]), ("reviewed-output", [])):
        findings = evaluate(model, [_deferring(marked)], as_of=FIXED_DATE).findings
        finding = next(f for f in findings if f.threat == "t:unreviewed-output")
        assert [(a.element, a.attribute) for a in finding.assumes] == asked
        assert (
            "how a person checks the output of app before people act on it: not stated, read as not every"
            in finding.why
        )


def test_defers_to_must_name_a_threat_of_the_catalog() -> None:
    """The catalog check refuses a negation deferring to a threat the catalog does not have."""
    from threatmodel.engine.catalogs import check_catalogs

    assert not [i for i in check_catalogs([_deferring("reviewed-output")]) if "defers_to" in i.path]
    (issue,) = [i for i in check_catalogs([_deferring("reviewed-outptu")]) if "defers_to" in i.path]
    assert "names no threat of this catalog: 'reviewed-outptu'" in issue.message
    assert issue.hint == "did you mean 'reviewed-output'?"


@pytest.mark.parametrize("path", sorted((REPO / "models").glob("*.yaml")), ids=lambda p: p.stem)
def test_example_models_state_what_they_know(path: Path) -> None:
    """The shipped examples leave no finding resting on an unknown fact (they are reference models)."""
    loaded = load_model(path, known_controls=CATALOGS.control_refs)
    assessment = evaluate(loaded.model, CATALOGS.catalogs, as_of=FIXED_DATE)
    assert open_questions(assessment.findings) == ()


def _forget(model: SystemModel, picks: list[int]) -> SystemModel:
    """``model`` with some stated unknowable attributes removed again."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    stated = [
        (section, i, key)
        for section in ("components", "flows", "data")
        for i, item in enumerate(data[section])
        for key in item
        if key in UNKNOWABLE
    ]
    gone: dict[tuple[str, str], object] = {}
    for pick in picks:
        if stated:
            section, i, key = stated[pick % len(stated)]
            value = data[section][i].pop(key, None)
            if section == "components" and value is not None:
                gone[(data[section][i]["id"], key)] = value
    forgotten = SystemModel.model_validate(data)
    # A forgotten fact that stated ones settle is not unknown (decision 1720): it reads as what they
    # say, which may differ from what was forgotten (tests/engine/test_settled.py checks that
    # settling only removes findings that rested on unknowns). Such facts are kept here.
    settled = build_graph(forgotten).settled
    kept = [fact for fact in gone if fact in settled or (fact[1] == "exposure" and (fact[0], "writers") in settled)]
    if not kept:
        return forgotten
    where = {item["id"]: item for item in data["components"]}
    for cid, key in kept:
        where[cid][key] = gone[(cid, key)]
    return SystemModel.model_validate(data)


ENGINE_READINGS = _engine_readings_only(Path(tempfile.mkdtemp(prefix="tm-readings-")))


def test_opt_outs_are_few_and_said_once_per_test() -> None:
    """Explicit no-match readings stay the exception: each one is a single test in the library.

    The budget was 30 until session 5 put six of them on ``output_use: automated-decision``: an
    application whose output use is unknown is read as showing the output to people, which
    generated-answer-reliance raises (decision 1410), so the automated-decision threats need the
    use stated rather than reading the same unknown both ways. Session 6 made ``hosting`` unknowable
    (decision 1530) and added one more, in the ``&model-at-a-provider`` condition every provider test
    reuses: a stated ``provider-api`` is read as stated, and an unknown one by a second branch that
    keeps the threat unless a stated fact places the model on the organisation's own stack, so an
    unknown is never read as the safe answer there either. The same session added three where a wider rule needs the fact stated so that one
    unknown raises one finding, not two (decisions 1520-1521): tool poisoning needs a supplier
    stated ``community`` (an unknown one is read by the unpinned-supply-chain threat), evasion of an
    embedding model needs its ``subjects`` stated (an unstated one usually embeds documents), and the
    boundary-less variant of the unprotected flow needs an end stated internet-facing (unknown
    exposure is read by the boundary variant). Session 7's kind pass (decision 1610) added two
    where a rule widened to a new kind claims the fact itself: a tool is said to run the code its
    agent writes only when ``execute-code`` is stated (an unstated one is read by the agent's own
    findings), and a tool that reads outsiders' content is a sender in someone's name only when it
    is stated to hold credentials (every web fetch tool reads outsiders' content and sends
    requests). The same session (issue 9, reasone) added one to
    ``exposed-data-store``: "anyone on the internet can open this store" needs the store stated
    internet-facing, because every store of a sparse model has an unstated exposure and that silence
    is already asked (and read conservatively) by the store threats that need reach; its unknown
    authentication is still read conservatively. The same session added ``vendor-model-supply-chain``,
    which needs ``provenance: vendor`` stated because an unknown supplier is already read (as a
    possible public hub) by backdoored-open-weights: one unknown fact, one finding, as for tools.
    Session 8 (decision 1721) added two, each because another threat already reads the same
    unknown: the trifecta's rendered-answer leg needs the rendering stated (an unstated one is read
    by markdown-image-exfiltration on the application), and a fine-tune counts as an outsider's
    only on training data stated community or hub (an unknown supplier is read by
    training-data-poisoning).
    Session 8's catalog coverage (decision 1710) added four, each where a new threat's very
    premise is a fact that, unstated, would raise it on nearly every model: a person physically
    before a sensor (``channel: in-person``) for physical-environment input and for an AI-built
    history kept on the person's own device (one shared condition), a supplier stated third-party
    for instructions taken from a collection (an unknown one is read by agent-instructions-tampering
    on the agent), and a model server stated internet-facing, as for ``exposed-data-store`` (its
    unknown authentication is still read conservatively).
    Session narrow (issue 9, rules narrower than their threat) added three, each where the widened
    clause's premise is the fact: a send tool that reads outsiders' content is an irreversible
    sender for excessive-agency only when it is stated to hold credentials (as for
    open-recipient-send-tool: every fetch tool reads outsiders' content and sends requests); a
    tool's own code counts as outsiders' only when it is stated community (an unknown supplier is
    read by unpinned-tool-supply-chain); and a collector captures passers-by only when someone is
    stated to reach it in person (as for physical-environment input). Its new
    ``vulnerable-integrated-component`` added one: the component must be stated open-source
    (``community``), because every component has an unstated supplier that the provenance threats
    already ask about; one unknown fact, one finding (decision 1820). And
    ``model-on-uncontrolled-devices`` reads the new ``hosting: on-device`` only when stated: an
    unknown hosting is nearly always a server and is already asked by the provider threats.
    Session 10 (decision 1881) added one to ``unprotected-sensitive-flow``: on a flow stated
    encrypted, the sender's authentication counts only where it is stated ``none``. The threat's
    attacker sits on the path, which stated encryption keeps out; an unstated encryption is still
    read as none, so the silence of an unstated flow is still asked. And one to ``confused-deputy``
    (decision 1884): a tool in front of a store counts as serving several customers' confidential
    data only when the store states its tenants share it (``tenant_isolation`` none or logical);
    every store has an unstated isolation, and reading it as shared would make every tool that reads
    a confidential store a deputy between customers that may not exist.
    Session 12 (decision 1894) added one to ``third-party-agent-instructions``: the instructions'
    own supplier counts as well as the collection's (a configuration published to a public hub),
    and, as for the collection, only when stated; every instruction asset has an unstated
    provenance, and the unknown is already read by agent-instructions-tampering on the agent.
    And one to ``training-data-extraction``: an ``ml-model`` is a generator that can repeat what it
    learnt only when its output is stated ``text`` or ``media``; an unstated output is read as a
    score by the classifier threats, and reading it both ways would raise two findings on one
    unknown.
    And one to ``transfer-learning-backdoor`` (decision 1895): a model inherits a public base
    carried as data only when the weights its training job loads are stated open-weights or
    community; every weights flow into a job (a federation's updates, the job's own checkpoints)
    has an unstated provenance, which backdoored-open-weights and the provenance questions
    already ask about.
    Session 13 (decision 1898) added four that read an unknown *for* the threat, inside a
    ``not``, where two rules or a rule and its wording must read it the same way: an MCP server
    in an untrusted zone whose transport or supplier is unstated is read as remote and anonymous
    by mcp-tool-poisoning's wording and by unpinned-tool-supply-chain's exclusion of it (one
    shared condition, two tests), so one server raises one finding; an outsiders' relay of
    unstated supplier is read as an outsider's by both branches of model-route-hijacking (the
    client's, and the gateway's exclusion of it); and third-party-agent-instructions words a store
    of unstated supplier as holding copied instructions, not as publishing them.
    Session 14 (decision 1900) added four. Two in unprotected-sensitive-flow's foothold discount:
    a flow with outside people takes it only when the service they use is *stated* to face an
    inside network; read there, an unstated exposure withholds the discount (the conservative
    reading, inside a ``not``). Two in adversarial-evasion's partner branch: a caller counts as a
    partner by its stated population or exposure only; an unstated one is already read by the
    tainted branches beside it (a source of unknown reach, asked there), and read here it made a
    partner of every person whose exposure, an attribute people do not have, was unstated.
    Session 15 (decision 1902) added five. Three in denial-of-wallet's branch for an open endpoint
    to a model the organisation runs: the endpoint stated internet-facing (every front end has an
    unstated exposure, already read conservatively by model-denial-of-service on the same
    element), the model's output stated text or media (as for training-data-extraction: an
    unstated output is read as a score) and its hosting stated self-hosted (an unknown hosting is
    read as a provider's by the provider branch: one unknown, one finding). One in
    model-extraction-via-scores, where a stated internet or partner exposure keeps the finding
    and an unstated one is routed to its own branch (outsiders' requests through front ends
    only), so the unknown is still read, by the narrower test. And one in
    model-on-uncontrolled-devices: a model counts as beside its customers only for a person
    stated to be a customer or of the public; staff with an unstated population drawn in a
    server's zone do not put the server in anyone's hands. Later the same session, one in
    multi-tenant-serving-escape's branch for models that arrive as data: the stack must be stated
    to serve several tenants, since the weights it loads (their supplier unknown, read as
    possibly a tenant's) are the weaker evidence; an unknown tenancy is still read
    conservatively by the branch for the models it is stated to serve. After review 15, one more
    in model-on-uncontrolled-devices: a zone is a server's (its users drawn in it) only when a
    service in it is stated to face the internet or partners; every component's exposure is
    unstated in a sparse model, and read as internet-facing it would turn every phone or car zone
    holding an app into a server room.
    Session 16 (decision 1903) added one, in credentials-exposed-to-untrusted-code's branch for a
    library or image installed beside the keys: its source counts as a public index only when
    stated community (or open-weights) or drawn in an untrusted zone; every package flow has a
    source of unstated supplier, which ml-framework-supply-chain already reads on the same
    component (one unknown, one finding), while the artefact's unstated integrity is still read
    as none. After review 16, two more in the same branch, both inside a ``not`` so that they read
    the unknown *for* the threat where the branch is also a wording (a wording reads stated facts
    only): an artefact counts as unchecked unless stated signature-verified or hash-pinned, and a
    component as unpinned unless it states ``pinned_dependencies: true``; read the default way, a
    signed image from a public registry took the library wording and a stated lock file was
    ignored.
    Session 17 (decisions 1905 and review 17) added three, in sensitive-data-to-third-party-service's
    branch for another party's annotators. People of unstated population count as a vendor's
    workforce only in a zone stated a partner's; in an untrusted zone the same silence is read as
    the public by the threats that need outsiders, and read here it made shoppers rating answers
    into annotators (the stated-partners test beside it says ``no-match``, its partner-zone twin
    ``match``). A dataset counts as labelled by a vendor or a crowd only when stated so: every
    dataset has an unstated labelling, and the labels' own tag or artefact is the branch's main
    evidence. And, inside a ``not`` (so it reads the unknown *for* the threat), a partner's own
    system counts as sending personal records only when they are personal by their tags or stated
    lineage: an asset of unknown lineage does not turn a labelling vendor into a partner using
    the service.
    The same session (decision 1908) added one to credentials-exposed-to-untrusted-code's branch
    for a job running code that people of another organisation wrote: the people must be stated
    partners, customers or the public; an unstated population is the organisation's own staff as
    likely as not, and its own engineers' code is what its jobs run by design (every person drawn
    has an unstated population, already asked by the threats that need outsiders).
    Session 18 (decision 1912) added one to adversarial-evasion's branch for the people a model
    judges: input that is not personal counts as theirs to shape only where they are stated to
    write it (``subject_influence: authored``); every model has an unstated influence, and read
    as "authored" it would make every classifier of unknown subjects evadable by them. And one
    (decision 1914) in embedding-inversion: a vector store of unstated supplier drawn in one of
    the organisation's own zones holds its vectors there, so the branch for a store supplied from
    outside, which holds in internal zones too, needs the supplier stated (read unknown, every
    store drawn inside would be a provider's, the reading eleven findings and four false alarms
    over ten corpora refuted, no reviewer expecting one of them); outside those zones the unknown
    supplier still counts and is asked.
    Session 19 (decision 1916) added one, in credentials-exposed-to-untrusted-code's path for a
    federation site running partners' job code with no keys drawn: the job must be stated
    federated, since a member signs in to the federation by construction; read the default way,
    every training job's unstated ``federated`` would make it a site holding such keys.
    Session 20 (decision 1919) added four. In unprotected-sensitive-flow, a flow between two
    components inside a zone counts as unencrypted only when stated so: every flow of a sparse
    model has an unstated encryption, which the branches for stores and plaintext protocols
    already read (read the default way, every internal call would be a finding). In
    likeness-cloning-misuse, the generator must be stated to make media, as for
    training-data-extraction (an unstated output is read as a score by the classifier threats).
    In exposed-model-server-api's branch for a server of unstated reach, the missing
    authentication must be stated (both unstated is every sparse server, read by the serving
    threats that need reach), and, inside a ``not`` so the unknown is read *for* the threat,
    only a stated partner, internal or unreachable exposure takes the server out.
    The same session (decision 1921) added three to the wording and rule for instructions the
    public publishes. Their authors must be people of a stated outside population (as in 1908: an
    unstated population is the organisation's own staff as likely as not). And, after review 21,
    two inside a ``not``: a store is each person's own (not run for others) only when stated not
    shared or caller-scoped; read the default way, every marketplace finding would ask both,
    though the store's writers and readers are already drawn.
    The same session (decision 1922) added two to tool-transport-hijacking: over a connection
    stated encrypted, only a stated ``authentication: none`` counts (an unstated one is who may
    call the tool, which the agent threats ask, not who can intercept it), and the conjunction that
    keeps the conservative reading elsewhere needs the encryption stated to drop out.
    Session 21 (decisions 1924-1927, review 22) added ten. Two read a provider's retention as
    abuse monitoring only when stated (the factor that lowers the likelihood and its wording: read
    the default way, an unknown retention would lower the risk). Unverified-output-reliance's
    action branch reads an application's ``call-api`` use and a neighbour's money-moving side
    effect as stated (as 1410 reads ``automated-decision``: an unstated use is showing text, an
    unstated side effect is not every tool moving money), and its wording keeps the rule's reading
    of ``automated-decision``; sensitive-attribute inference's wording does the same. A backend a
    read-only tool writes requests to counts only with a stated confidential classification
    (``classification_unknown``: every web search's index would be a confidential backend). The
    tenants'-images wording of multi-tenant-serving-escape reads ``multi_tenant`` as its rule does,
    and an image of unstated provenance is not community-built (every image would be a tenant's).
    And inside a ``not``, weights are public only when stated so (an unstated classification is
    read as not public, for the threat).
    Session 22 (decisions 1928-1930) added four. Training-data extraction of a model whose
    training data is unstated needs the model stated first-party: read the default way, every
    vendor and provider model of unstated provenance would be asked what it learnt (its supplier's
    training set). One keeps the conservative reading inside a ``not``, where it must be spelled
    out: prompt leakage is waived only where a person is stated to check every output. And the
    biometric enrolment branch of over-collection reads an unstated lawful basis as missing, in
    its rule and (the same test, by anchor) its wording: variants read unknowns against the
    threat unless told.
    Session 23 (decision 1931) added two. Excessive agency through a tool stated to ask no one
    needs the tool's approval stated: read the default way, every tool of unstated approval would
    overrule an agent stated to ask before high-impact actions (the agent's unknown approval is
    read by the rule's other test). And an application counts as a third party's service, for
    sensitive data sent to one, only when stated a vendor's: in a partner's zone, one of unstated
    provenance is as often the platform the whole system runs on. Review 24 added one: a tool of
    unstated approval is read as not holding every call, in excessive agency's variants and its
    factor as in its rule, where the conservative reading inside a ``not`` must be spelled out.
    Session 24 (decision 1933) added four. Three read ``provenance`` as a community's or a hub's
    only when stated, where an unstated supplier is already asked by the provenance threats
    (backdoored open weights, pickled weights, unpinned supply chains): an outside service whose
    content strangers write (it is also read so when stated to carry outsiders' content or placed
    in an untrusted zone), and weights, or the model they belong to, that a component holding
    credentials loads. One only chooses wording: membership inference on shared weights is titled
    "learnt from data of unstated sensitivity" only when no classification is stated (a stated
    confidential one has its own title); the rule itself reads the unknown conservatively.
    Session 25 (decision 1935) added three. A vendor's model counts as shipped onto devices others
    hold only when the vendor is stated (an unstated supplier is read as the organisation's own by
    the same rule's first test, with every placement), and, in a zone stated untrusted, only when
    it is stated to run on the organisation's own machines (an unstated hosting there is a vendor's
    hosted API, asked by the provider threats). And the release evaluation's endpoint branch reads
    only known weight links in its ``not`` (review 27): a file of unstated lineage is read by the
    rule's own link branch, and read in both places the finding rested on a fact whose every
    answer keeps it.
    Session 26 (decision 1936) added four, all in label poisoning's open-crowd branch: labels count
    as the public's behaviour only when the labelling is stated crowdsourced and the crowd stated
    public. Read the default way, every dataset of unstated labelling near any person of unstated
    population would be a crowd the public steers, where paid annotators are training-data
    poisoning's insiders (held-out 33's Scale AI negative) and an unstated labelling is already
    read as user feedback by the branch beside it. After review 28, paid or staff labellers take
    the branch out only when stated so, and the branch defers to a job learning the votes only
    when the labelling is stated crowdsourced (an unstated one keeps its own reading).
    Session 28 (decision 1939) added one: a device records the room only where its capture of
    video or audio is stated. Read the default way, every application of unstated capture that
    sends personal data on would be a camera or a microphone collecting bystanders.
    Session 29 (decision 1940, review 31) added one: a dataset stated labelled by its users or a
    crowd keeps label poisoning when all it feeds is pretraining. Read the default way, every
    dataset of unstated labelling that feeds only a stated pretraining job would be read as
    labelled by users again, and pretraining's exemption would never hold.
    Session 31 (decision 1943, review 33) added two. Text an ML model wrote counts as what people
    rely on only when the model's output is stated ``text``: an unstated output is read as a score
    by the classifier threats, and read both ways one unknown would raise two findings (as for
    training-data extraction). And a build runs outsiders' code only when its code source is stated
    to carry outsiders' content: where a repository is hosted says nothing of who writes in it, and
    read the default way every build of the organisation's own code that holds a token would raise
    it. The vendor-supplied test the new store branch and its exclusion share is the application
    branch's, said once (``&vendor-supplied``).
    Session 32 (decision 1944) added none: a language model judges people, for sensitive-attribute
    inference, only where its ``subjects`` are stated (most language models judge nobody), the
    test three rules already wrote out; it is now written once (``&judges-stated-people``) and the
    count falls from 123 to 121. Its rule's reach to an automated decision is the one its variants
    test, written once too (``&decided-within-three``): 120.
    Raise it again only with such a reason, said here."""
    text = dict(builtin_catalog_files())["tm.yaml"]
    assert 0 < text.count("unknown: no-match") <= 120
    dumped = "".join(c.model_dump_json() for c in ENGINE_READINGS.catalogs)
    assert "no-match" not in dumped and "no-match" in "".join(c.model_dump_json() for c in CATALOGS.catalogs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models(), st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_forgetting_a_fact_never_hides_a_finding(model: SystemModel, picks: list[int]) -> None:
    """Unknown is never secure: removing stated facts keeps every finding (and may add assumed ones)."""
    catalogs = ENGINE_READINGS.catalogs
    # Compared as (threat, element) pairs: forgetting a fact may let one untrusted source reach a
    # second element, and the two findings then become one grouped by root cause (a new id, the old
    # one an alias), which hides nothing.
    findings = evaluate(model, catalogs, as_of=FIXED_DATE).findings
    known = {(f.threat, e) for f in findings for e in f.elements}
    forgotten = evaluate(_forget(model, picks), catalogs, as_of=FIXED_DATE).findings
    after = {(f.threat, e) for f in forgotten for e in f.elements}
    # A finding placed on a related element (``place_on``, decision 1510) is placed on stated facts
    # only: forgetting the fact that placed it leaves it where it matched. Its anchor may then go,
    # never the elements it matched.
    placing = {f"{c.id}:{t.id}" for c in catalogs for t in c.threats if t.place_on is not None}
    placed = {(f.threat, f.target): set(f.elements) - {f.target} for f in findings if f.threat in placing}
    for pair in known - after:
        assert placed.get(pair), pair
        assert {(pair[0], e) for e in placed[pair]} <= after, pair


def test_forgetting_what_placed_a_finding_leaves_it_where_it_matched() -> None:
    """The case hypothesis found once agents were joined to their tools (decision 1880): code
    execution matched on the agent is placed on its code tool (decision 1510); with the tool's side
    effects forgotten, nothing stated places it, and it stays on the agent, where it matched."""
    from threatmodel.io.load import load_model_text

    text = """
schema_version: 1
system: {id: g, name: G}
boundaries:
  - {id: outside, trust: untrusted}
components:
  - {id: agent, kind: agent, boundary: outside, exposure: internet, tools: [runner]}
  - {id: runner, kind: tool, exposure: internet, side_effects: [read-only, execute-code]}
"""
    model = load_model_text(text, "g.yaml").model
    catalogs = ENGINE_READINGS.catalogs

    def code_execution(m: SystemModel) -> set[tuple[str, tuple[str, ...]]]:
        found = evaluate(m, catalogs, as_of=FIXED_DATE).findings
        return {(f.target, f.elements) for f in found if f.threat == "tm:agent-code-execution"}

    assert code_execution(model) == {("runner", ("agent", "runner"))}
    data = model.model_dump(mode="json", exclude_none=True)
    del data["components"][1]["side_effects"]
    assert code_execution(SystemModel.model_validate(data)) == {("agent", ("agent",))}


def test_the_property_sees_unknowable_attributes() -> None:
    """The strategy behind the property states unknowable attributes at all (else it tests nothing)."""
    sample = yaml.safe_dump(_model(registry={"authentication": "none"}).model_dump(mode="json", exclude_none=True))
    assert "authentication: none" in sample
    assert any(name in SystemModel.model_json_schema()["$defs"]["Tool"]["properties"] for name in UNKNOWABLE)


def test_accepted_risk_that_grows_reopens_the_finding() -> None:
    """Accepted at 9, now 12: the acceptance covered less, so the finding is open again (TM203)."""
    model = _model(registry={"authentication": "none"})
    fid = "t:open-registry@registry"
    now = next(f for f in evaluate(model, [WHEN], as_of=FIXED_DATE).findings if f.id == fid).residual_risk
    for recorded, reopened in ((now - 3, True), (now, False)):
        triage = {fid: {"status": "accepted", "owner": "o", "justification": "j", "risk": recorded}}
        decided = model.model_copy(
            update={"triage": SystemModel.model_validate({"system": {"id": "s", "name": "S"}, "triage": triage}).triage}
        )
        assessment = evaluate(decided, [WHEN], as_of=FIXED_DATE)
        finding = next(f for f in assessment.findings if f.id == fid)
        assert (finding.status.value == "open") is reopened
        assert finding.risk_grew_from == (recorded if reopened else None)
        assert (
            any(
                d.code == "TM203" and f"at residual risk {recorded}; it is {now} now" in d.message
                for d in assessment.diagnostics
            )
            is reopened
        )

"""The ``beside`` relation of ``linked`` (decision 1902): the other components stated in the same
innermost boundary, none for a component that states no boundary, and how it reads in words."""

from __future__ import annotations

import yaml

from threatmodel.graph import build_graph
from threatmodel.model.rules import Linked
from threatmodel.model.system import SystemModel

MODEL = """
system: {id: beside, name: Beside}
boundaries:
  - {id: car, trust: internal}
  - {id: cabin, trust: internal, parent: car}
  - {id: cloud, trust: internal}
components:
  - {id: driver, kind: human-user, population: customers, boundary: car}
  - {id: lane-model, kind: ml-model, boundary: car}
  - {id: cabin-mic, kind: data-source, boundary: cabin}
  - {id: fleet-model, kind: ml-model, boundary: cloud}
  - {id: loose-model, kind: ml-model}
  - {id: loose-app, kind: application}
"""


def test_beside_is_the_same_innermost_boundary_and_nothing_without_one() -> None:
    graph = build_graph(SystemModel.model_validate(yaml.safe_load(MODEL)))
    assert graph.linked("lane-model", "beside") == ("driver",)
    assert graph.linked("driver", "beside") == ("lane-model",)
    # a nested boundary is a zone of its own; a parent zone's members are not beside it
    assert graph.linked("cabin-mic", "beside") == ()
    assert graph.linked("fleet-model", "beside") == ()
    # two components that state no boundary are not drawn together by anything
    assert graph.linked("loose-model", "beside") == ()


def test_beside_in_words() -> None:
    cond = Linked.model_validate({"linked": {"via": "beside", "where": {"kind": ["human-user"]}}})
    assert cond.describe() == "a human user sits in the same boundary as it"
    assert cond.describe_negated("lane-model") == "no human user sits in the same boundary as lane-model"


SERVER_ZONE = """
system: {id: recipe-recs, name: Recipe recommendations}
boundaries:
  - {id: production, trust: internal}
components:
  - {id: shoppers, kind: human-user, population: customers, boundary: production}
  - {id: recipe-site, kind: application, boundary: production, exposure: internet}
  - {id: recommender, kind: ml-model, output: label, provenance: first-party, hosting: self-hosted, boundary: production}
flows:
  - {source: shoppers, target: recipe-site}
  - {source: recipe-site, target: recommender}
"""


def test_customers_drawn_in_a_server_zone_do_not_put_its_model_on_a_device() -> None:
    """A zone that also holds a service stated internet-facing is a server's zone with its users
    drawn in it (review 15): its model is not on hardware the customers hold. Without that
    service, the same zone reads as the customers' device."""
    from tests.helpers import FIXED_DATE
    from threatmodel.engine import evaluate
    from threatmodel.io.load import load_catalogs

    catalogs = load_catalogs().catalogs
    as_server = yaml.safe_load(SERVER_ZONE)
    as_device = yaml.safe_load(SERVER_ZONE.replace(", exposure: internet", ""))
    for raw, expected in ((as_server, set()), (as_device, {"recommender"})):
        found = evaluate(SystemModel.model_validate(raw), catalogs, as_of=FIXED_DATE).findings
        assert {e for f in found if f.threat == "tm:model-on-uncontrolled-devices" for e in f.elements} == expected

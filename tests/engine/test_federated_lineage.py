"""A federated job learns from the sites' records through the updates they send it, and a gateway
forwards the weights it is handed (decision 1933, held-out 18's Flower federation)."""

from __future__ import annotations

import yaml

from threatmodel.graph import build_graph
from threatmodel.model.system import SystemModel

MODEL = """
system: {id: fed, name: Federation}
data:
  - {id: site-records, tags: [training-data]}
  - {id: updates, artifact: model-weights, derived_from: [site-records]}
  - {id: relayed-updates, artifact: model-weights, derived_from: [updates]}
  - {id: global-weights, artifact: model-weights}
  - {id: web-crawl, tags: [training-data, pii]}
  - {id: base-checkpoint, artifact: model-weights, derived_from: [web-crawl]}
boundaries:
  - {id: coordinator, trust: internal}
  - {id: sites, trust: partner}
components:
  - {id: site-data, kind: dataset, boundary: sites, data: [site-records]}
  - {id: site-client, kind: training-job, boundary: sites}
  - {id: link, kind: api-gateway, boundary: coordinator}
  - {id: aggregator, kind: training-job, boundary: coordinator, federated: true, produces: global-model}
  - {id: central, kind: training-job, boundary: coordinator, produces: central-model}
  - {id: global-model, kind: ml-model, boundary: coordinator}
  - {id: central-model, kind: ml-model, boundary: coordinator}
  - {id: hub, kind: external-service}
flows:
  - {source: site-data, target: site-client, data: [site-records]}
  - {source: site-client, target: link, data: [updates]}
  - {source: link, target: aggregator, data: [updates]}
  - {source: link, target: central, data: [relayed-updates]}
  - {source: aggregator, target: link, data: [global-weights]}
  - {source: link, target: site-client, data: [global-weights]}
  - {source: hub, target: aggregator, data: [base-checkpoint]}
"""


def test_a_federated_job_learns_the_records_its_updates_are_made_from() -> None:
    graph = build_graph(SystemModel.model_validate(yaml.safe_load(MODEL)))
    # the updates' stated lineage names the sites' records; the base checkpoint it starts from
    # (sent by a hub, not by a participant's training job) is loaded, not learnt (review 26)
    assert graph.data_learnt("global-model") == ("site-records",)
    # a job not stated federated loads weights it is sent; it does not learn their lineage, and
    # weights made from other weights bring no records
    assert graph.data_learnt("central-model") == ()


def test_a_gateway_forwards_the_weights_it_is_handed() -> None:
    graph = build_graph(SystemModel.model_validate(yaml.safe_load(MODEL)))
    shipped = graph.artifacts("global-model", "out")
    assert ("global-weights", "site-client", "link") in shipped
    assert graph.linked("site-client", "loads_weights_of") == ("global-model",)

"""The ``loads_weights_of`` relation of ``linked`` (decision 1933): the models whose weights or
adapters a component loads, followed out of the model, the jobs that produce it and the stores that
hand the same file on; not any flow out of a store the weights were written to."""

from __future__ import annotations

import yaml

from threatmodel.graph import build_graph
from threatmodel.model.rules import Linked
from threatmodel.model.system import SystemModel

MODEL = """
system: {id: lab, name: Lab}
data:
  - {id: weights, artifact: model-weights}
  - {id: adapter, artifact: adapter}
  - {id: scores, classification: internal}
  - {id: eval-set, artifact: dataset}
  - {id: repacked, artifact: model-weights}
  - {id: converted, artifact: model-weights, derived_from: [weights]}
components:
  - {id: pretraining, kind: training-job, produces: base}
  - {id: base, kind: llm}
  - {id: tuning, kind: fine-tuning-job, produces: tuned}
  - {id: tuned, kind: llm, base_model: base}
  - {id: registry, kind: model-registry}
  - {id: mirror, kind: datastore}
  - {id: release-eval, kind: evaluation}
  - {id: adapter-eval, kind: evaluation}
  - {id: report-reader, kind: application}
  - {id: dataset-reader, kind: evaluation}
  - {id: edge-app, kind: application}
  - {id: packer, kind: data-pipeline}
  - {id: repacked-eval, kind: evaluation}
  - {id: converted-eval, kind: evaluation}
flows:
  - {source: pretraining, target: registry, data: [weights]}
  - {source: registry, target: mirror, data: [weights]}
  - {source: mirror, target: release-eval, data: [weights]}
  - {source: tuning, target: registry, data: [adapter]}
  - {source: registry, target: adapter-eval, data: [adapter]}
  - {source: registry, target: report-reader, data: [scores]}
  - {source: registry, target: dataset-reader, data: [eval-set]}
  - {source: base, target: edge-app, data: [weights]}
  - {source: registry, target: packer, data: [weights]}
  - {source: packer, target: repacked-eval, data: [repacked]}
  - {source: packer, target: converted-eval, data: [converted]}
"""


def test_weights_followed_from_the_job_through_the_stores_that_hand_them_on() -> None:
    graph = build_graph(SystemModel.model_validate(yaml.safe_load(MODEL)))
    # two hops of the same file: registry, then a mirror
    assert graph.linked("release-eval", "loads_weights_of") == ("base",)
    # an adapter is a model's too
    assert graph.linked("adapter-eval", "loads_weights_of") == ("tuned",)
    # the registry is a relay the job writes to, so it loads the model as well
    assert graph.linked("registry", "loads_weights_of") == ("base", "tuned")
    # a flow out of the same store carrying something else loads no model
    assert graph.linked("report-reader", "loads_weights_of") == ()
    assert graph.linked("dataset-reader", "loads_weights_of") == ()
    # a model that sends its own weights on a flow
    assert graph.linked("edge-app", "loads_weights_of") == ("base",)
    # the job that writes the weights does not load them
    assert graph.linked("pretraining", "loads_weights_of") == ()
    # a file a pipeline sends on whose lineage is unstated may be the model's (artifacts reads it
    # so, and asks); it is not taken as a fact here (review 25) but kept as a possible link whose
    # rule asks the file's lineage (decision 1934); one stated made from it is a fact
    assert graph.linked("repacked-eval", "loads_weights_of") == ()
    assert graph.weights_by_unknown_lineage("repacked-eval") == {"base": ("repacked", "packer")}
    assert graph.linked("converted-eval", "loads_weights_of") == ("base",)


def test_loads_weights_of_in_words() -> None:
    cond = Linked.model_validate({"linked": {"via": "loads_weights_of", "where": {"kind": ["llm"]}}})
    assert cond.describe() == "it loads the weights of an LLM"
    assert cond.describe_negated("release-eval") == "release-eval loads the weights of no LLM"

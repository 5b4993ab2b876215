"""The why line of a ``neighbour`` test that filters by data names the data that made it count
(decision 1903; capped after review 16): the assets on the flows between the two, in the model's
order, at most four, then how many more."""

from __future__ import annotations

import yaml

from tests.helpers import FIXED_DATE
from threatmodel.engine import evaluate
from threatmodel.io.load import load_catalogs
from threatmodel.model.system import SystemModel

CATALOGS = load_catalogs()

MODEL = """
system: {id: sql-tool, name: SQL tool}
data:
  - {id: question, classification: internal, tags: [user-content]}
  - {id: q1, name: Query one, classification: internal, tags: [source-code]}
  - {id: q2, name: Query two, classification: internal, tags: [source-code]}
  - {id: q3, name: Query three, classification: internal, tags: [source-code]}
  - {id: q4, name: Query four, classification: internal, tags: [source-code]}
  - {id: q5, name: Query five, classification: internal, tags: [source-code]}
  - {id: q6, name: Query six, classification: internal, tags: [source-code]}
  - {id: rows, classification: confidential}
components:
  - {id: analysts, kind: human-user, population: employees}
  - {id: app, name: Analytics app, kind: application, output_use: [display-text]}
  - {id: llm, name: SQL model, kind: llm, hosting: self-hosted}
  - {id: warehouse, name: Warehouse, kind: datastore, data: [rows]}
flows:
  - {source: analysts, target: app, data: [question]}
  - {source: app, target: llm, data: [question]}
  - {source: llm, target: app, data: [q1]}
  - {source: app, target: warehouse, data: [q1, q2, q3, q4, q5, q6]}
  - {source: warehouse, target: app, data: [rows]}
  - {source: app, target: analysts, data: [rows]}
"""


def _why(model_text: str) -> tuple[str, ...]:
    model = SystemModel.model_validate(yaml.safe_load(model_text))
    found = [
        f
        for f in evaluate(model, CATALOGS.catalogs, as_of=FIXED_DATE).findings
        if f.id == "tm:insecure-output-handling@app"
    ]
    assert len(found) == 1
    return tuple(found[0].why)


def test_carried_data_is_named_in_both_directions_and_capped() -> None:
    why = _why(MODEL)
    assert "SQL model sends Query one to Analytics app" in why
    assert "Analytics app sends Query one, Query two, Query three, Query four and 2 more to Warehouse" in why

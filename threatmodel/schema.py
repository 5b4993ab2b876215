"""JSON Schemas of the model and catalog files, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from threatmodel.model.catalog import Catalog
from threatmodel.model.system import SystemModel

MODEL_SCHEMA_ID = "urn:threatmodel:schema:model:1"
CATALOG_SCHEMA_ID = "urn:threatmodel:schema:catalog:1"


def _schema(model: type[SystemModel] | type[Catalog], schema_id: str, title: str) -> dict[str, Any]:
    body = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **body, "title": title}


def model_schema() -> dict[str, Any]:
    return _schema(SystemModel, MODEL_SCHEMA_ID, "threatmodel model file (schema_version 1)")


def catalog_schema() -> dict[str, Any]:
    return _schema(Catalog, CATALOG_SCHEMA_ID, "threatmodel catalog file (schema_version 1)")


def schema_text(which: str = "model") -> str:
    """The schema as deterministic JSON text."""
    data = model_schema() if which == "model" else catalog_schema()
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"

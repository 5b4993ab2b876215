"""JSON Schemas of the model and catalog files, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from threatmodel.model.base import document_fields
from threatmodel.model.catalog import Catalog
from threatmodel.model.policy import Policy
from threatmodel.model.system import SystemModel

MODEL_SCHEMA_ID = "urn:threatmodel:schema:model:1"
CATALOG_SCHEMA_ID = "urn:threatmodel:schema:catalog:1"
POLICY_SCHEMA_ID = "urn:threatmodel:schema:policy:1"


def _schema(model: type[SystemModel] | type[Catalog] | type[Policy], schema_id: str, title: str) -> dict[str, Any]:
    document_fields()
    body = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **body, "title": title}


def model_schema() -> dict[str, Any]:
    return _schema(SystemModel, MODEL_SCHEMA_ID, "threatmodel model file (schema_version 1)")


def catalog_schema() -> dict[str, Any]:
    return _schema(Catalog, CATALOG_SCHEMA_ID, "threatmodel catalog file (schema_version 1)")


def policy_schema() -> dict[str, Any]:
    return _schema(Policy, POLICY_SCHEMA_ID, "threatmodel policy file (schema_version 1)")


def schema_text(which: str = "model") -> str:
    """The schema (``model``, ``catalog`` or ``policy``) as deterministic JSON text."""
    data = {"model": model_schema, "catalog": catalog_schema, "policy": policy_schema}[which]()
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"

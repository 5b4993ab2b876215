"""Write a SystemModel back out as plain YAML (for generated models; edits use io/roundtrip.py)."""

from __future__ import annotations

from typing import Any

import yaml

from threatmodel.model.system import SystemModel


def model_to_data(model: SystemModel) -> dict[str, Any]:
    """The model as plain data, omitting defaults (ids and kinds always kept)."""
    data = model.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data.setdefault("system", {})
    for dumped, boundary in zip(data.get("boundaries", []), model.boundaries, strict=False):
        dumped["id"] = boundary.id
    for dumped, asset in zip(data.get("data", []), model.data, strict=False):
        dumped["id"] = asset.id
    for dumped, component in zip(data.get("components", []), model.components, strict=False):
        dumped["id"] = component.id
        dumped["kind"] = component.kind
    return data


def dump_model(model: SystemModel) -> str:
    """YAML text that loads back to an equal model."""
    return yaml.safe_dump(model_to_data(model), sort_keys=False, allow_unicode=True, width=100)

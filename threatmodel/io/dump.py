"""Write a SystemModel back out as plain YAML (for generated models; edits use io/roundtrip.py)."""

from __future__ import annotations

from typing import Any

import yaml

from threatmodel.model.system import SystemModel


def model_to_data(model: SystemModel) -> dict[str, Any]:
    """The model as plain data, omitting defaults (ids and kinds always kept)."""
    data = model.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data.setdefault("system", {})
    for section, items in (("components", model.components), ("boundaries", model.boundaries), ("data", model.data)):
        for dumped, item in zip(data.get(section, []), items, strict=False):
            dumped["id"] = item.id
            if section == "components":
                dumped["kind"] = item.kind  # type: ignore[attr-defined]
    return data


def dump_model(model: SystemModel) -> str:
    """YAML text that loads back to an equal model."""
    return yaml.safe_dump(model_to_data(model), sort_keys=False, allow_unicode=True, width=100)

"""Write a SystemModel back out as plain YAML (for generated models; edits use io/roundtrip.py)."""

from __future__ import annotations

import re
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


_YAML12_NOT_A_STRING = re.compile(
    r"""^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE
    |[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+
    |[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)


class _Dumper(yaml.SafeDumper):
    """Quotes strings that a YAML 1.2 reader (our loader) would take for numbers, booleans or null.

    PyYAML resolves by YAML 1.1 rules, so it leaves e.g. ``0E0`` unquoted, which YAML 1.2 reads as a float.
    """


_YAML_LINE_BREAKS = frozenset("\x85\u2028\u2029")
"""Characters YAML reads as line breaks: written raw (``allow_unicode``) in a plain or block
scalar, they come back as a break plus the next line's indentation."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if value == "" or _YAML12_NOT_A_STRING.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    if not _YAML_LINE_BREAKS.isdisjoint(value):
        # double quotes are the one style that escapes them (\N, \L, \P)
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def dump_model(model: SystemModel) -> str:
    """YAML text that loads back to an equal model."""
    return yaml.dump(model_to_data(model), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

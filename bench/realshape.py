"""Real-shaped benchmark models: the example models in models/ replicated to a target size.

    python bench/realshape.py --components 10000 --out /tmp/rs            # agent-with-tools copies
    python bench/realshape.py --components 10000 --source all --out /tmp/rs  # every example in turn

The synthetic models of bench/synth.py are thin (no controls, no triage, few data assets). Real
models are denser, so this builds large ones from the hand-written examples: copy k of a model gets
``-r<k>`` appended to every id it declares (data, boundaries, components, explicit flow ids) and
every reference is rewritten to match (boundary parents, a component's boundary, data, model,
memory, system prompt, tools, delegates, base model, training data, produced and served models;
flow ends and data; control scopes; triage keys, including those on derived flow ids). Enum values,
names and descriptions are untouched, so each copy raises the same findings as its original.
``includes`` of a source model are inlined first, by the documented merge rules.

Copies are independent subsystems joined by nothing, as separate teams' systems are in one
monorepo model. The root keeps the first source's ``system``; ``settings`` are merged.

A file larger than the loader's limit (16 MiB) is refused, so a model over ``--max-file-mb`` is
written as a root that includes parts (``<name>.parts/part-NN.yaml``), as a real monorepo model
would be split. The loader also caps a model and its includes at 16 MiB in total, so today a
real-shaped model of the agent example above about 18,000 components (50k is 45 MB) is refused
by every command; it is still written, for when that limit moves.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"
DEFAULT_SOURCE = "agent-with-tools"

MAX_INCLUDE_DEPTH = 8
MAX_INCLUDE_FILES = 64
MAX_SLUG = 64
"""Longest id the schema accepts; a copy whose suffixed id would be longer is refused."""
DEFAULT_MAX_FILE_MB = 12.0
"""Split above this (the loader refuses files over 16 MiB)."""

LIST_SECTIONS = ("data", "boundaries", "components", "flows", "controls")
COMPONENT_REFS = ("boundary", "model", "memory", "system_prompt", "base_model", "produces")
"""Component keys whose value is one id."""
COMPONENT_LIST_REFS = ("data", "tools", "delegates_to", "trained_on", "serves")
"""Component keys whose value is a list of ids."""


class ReplicationError(Exception):
    """A source model cannot be replicated (bad includes, ids too long, not a model)."""


# ---------------------------------------------------------------------------
# Reading: YAML 1.2 scalars, so `no`, `on` and dates stay the strings the project reads


_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BASE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """Safe loader with YAML 1.2 core booleans and no implicit dates (as threatmodel reads files)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

# Strings a YAML 1.2 reader would take for something else are written quoted.
_NOT_A_STRING_IN_12 = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Dumper(_BASE_DUMPER):  # type: ignore[misc]
    """Block-style YAML writer that keeps every string a string for a YAML 1.2 reader.

    Copies share unchanged lists (tags, side effects) with their source; they are written out in
    full each time, as a person would write them, never as anchors and aliases.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: Any, value: str) -> Any:
    if value == "" or _NOT_A_STRING_IN_12.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def read_yaml(path: Path) -> Any:
    """One YAML document, read safely."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except (OSError, yaml.YAMLError) as exc:
        raise ReplicationError(f"{path}: {exc}") from exc


def dump_yaml(data: Mapping[str, Any]) -> str:
    """Block-style YAML text of ``data``, keys in their given order."""
    return str(yaml.dump(dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))


def inline_includes(path: Path) -> dict[str, Any]:
    """The model at ``path`` with its ``includes`` merged in and removed.

    Lists are concatenated (the including file's entries first, then each included file's,
    depth-first in ``includes`` order) and triage mappings joined, as the loader does; a cycle,
    a repeated triage key, more than 8 levels or more than 64 files is an error.
    """
    files = 0

    def visit(file: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
        nonlocal files
        files += 1
        if files > MAX_INCLUDE_FILES:
            raise ReplicationError(f"{chain[0]}: more than {MAX_INCLUDE_FILES} files in its includes")
        if len(chain) > MAX_INCLUDE_DEPTH:
            raise ReplicationError(f"{file}: includes nest more than {MAX_INCLUDE_DEPTH} deep")
        doc = read_yaml(file)
        if not isinstance(doc, dict):
            raise ReplicationError(f"{file}: not a mapping")
        merged = {key: value for key, value in doc.items() if key != "includes"}
        for rel in doc.get("includes") or ():
            child = (file.parent / str(rel)).resolve()
            if child in chain or child == file.resolve():
                raise ReplicationError(f"{file}: includes {rel}, which includes it back")
            part = visit(child, (*chain, file.resolve()))
            for key, value in part.items():
                if key in LIST_SECTIONS:
                    merged[key] = [*(merged.get(key) or ()), *(value or ())]
                elif key == "triage":
                    triage = dict(merged.get("triage") or {})
                    for finding, entry in (value or {}).items():
                        if finding in triage:
                            raise ReplicationError(f"{child}: triage key {finding!r} repeats one of an including file")
                        triage[finding] = entry
                    merged["triage"] = triage
                else:
                    raise ReplicationError(f"{child}: an included file may not declare {key!r}")
        return merged

    return visit(path.resolve(), ())


# ---------------------------------------------------------------------------
# One copy


def _flow_key(flow: Mapping[str, Any]) -> str:
    explicit = flow.get("id")
    return str(explicit) if explicit is not None else f"{flow['source']}-to-{flow['target']}"


def id_map(model: Mapping[str, Any], suffix: str) -> dict[str, str]:
    """Every id ``model`` declares or derives (flow keys), mapped to its name in the copy."""
    declared: dict[str, str] = {}
    for section in ("data", "boundaries", "components"):
        for item in model.get(section) or ():
            declared[str(item["id"])] = f"{item['id']}{suffix}"
    derived: dict[str, str] = {}
    for flow in model.get("flows") or ():
        if flow.get("id") is not None:
            declared[str(flow["id"])] = f"{flow['id']}{suffix}"
        else:
            # A derived key is rebuilt from the renamed ends, never suffixed at its end.
            derived[_flow_key(flow)] = f"{flow['source']}{suffix}-to-{flow['target']}{suffix}"
    too_long = sorted(new for new in declared.values() if len(new) > MAX_SLUG)
    if too_long:
        raise ReplicationError(f"id {too_long[0]!r} would be longer than {MAX_SLUG} characters")
    return {**derived, **declared}


def _renamed(value: Any, mapping: Mapping[str, str], suffix: str) -> str:
    # An id the model does not declare (a bad reference) is suffixed too: the copy stays as wrong
    # as its source instead of silently pointing into the first copy.
    return mapping.get(str(value), f"{value}{suffix}")


def replicate_once(
    model: Mapping[str, Any], suffix: str, *, system_id: str | None = None, keep_system_triage: bool = True
) -> dict[str, Any]:
    """The copy of ``model``'s sections with ``suffix`` on every id and every reference rewritten.

    Triage on the system itself (``@<system id>``) cannot be copied: there is one system. It is
    kept only when ``keep_system_triage`` is true.
    """
    mapping = id_map(model, suffix)

    def ref(value: Any) -> str:
        return _renamed(value, mapping, suffix)

    out: dict[str, Any] = {}
    out["data"] = [
        {
            **item,
            "id": ref(item["id"]),
            **(
                {"derived_from": [ref(v) for v in item["derived_from"]]}
                if isinstance(item.get("derived_from"), list)
                else {}
            ),
        }
        for item in model.get("data") or ()
    ]
    boundaries = []
    for item in model.get("boundaries") or ():
        copy = {**item, "id": ref(item["id"])}
        if item.get("parent") is not None:
            copy["parent"] = ref(item["parent"])
        boundaries.append(copy)
    out["boundaries"] = boundaries
    components = []
    for item in model.get("components") or ():
        copy = {**item, "id": ref(item["id"])}
        for key in COMPONENT_REFS:
            if item.get(key) is not None:
                copy[key] = ref(item[key])
        for key in COMPONENT_LIST_REFS:
            if item.get(key) is not None:
                copy[key] = [ref(value) for value in item[key]]
        components.append(copy)
    out["components"] = components
    flows = []
    for item in model.get("flows") or ():
        copy = {**item, "source": ref(item["source"]), "target": ref(item["target"])}
        if item.get("id") is not None:
            copy["id"] = ref(item["id"])
        if item.get("data") is not None:
            copy["data"] = [ref(value) for value in item["data"]]
        flows.append(copy)
    out["flows"] = flows
    controls = []
    for item in model.get("controls") or ():
        copy = dict(item)
        if item.get("scope") is not None:
            copy["scope"] = [ref(value) for value in item["scope"]]
        controls.append(copy)
    out["controls"] = controls
    triage: dict[str, Any] = {}
    for key, entry in (model.get("triage") or {}).items():
        threat, _, element = str(key).rpartition("@")
        if element == system_id:
            if keep_system_triage:
                triage[str(key)] = entry
            continue
        triage[f"{threat}@{ref(element)}"] = entry
    out["triage"] = triage
    return out


# ---------------------------------------------------------------------------
# A whole model


@dataclass(frozen=True)
class Counts:
    """How many of each element a model holds."""

    components: int
    flows: int
    data: int
    boundaries: int
    controls: int
    triage: int

    @staticmethod
    def of(sections: Mapping[str, Any]) -> Counts:
        """The counts of a model's (merged) sections."""
        return Counts(
            components=len(sections.get("components") or ()),
            flows=len(sections.get("flows") or ()),
            data=len(sections.get("data") or ()),
            boundaries=len(sections.get("boundaries") or ()),
            controls=len(sections.get("controls") or ()),
            triage=len(sections.get("triage") or {}),
        )


def source_paths(source: str) -> list[Path]:
    """The example models named by ``source``: one name (or path) or ``all`` (sorted by file name)."""
    if source == "all":
        return sorted(MODELS.glob("*.yaml"))
    path = Path(source)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return [path]
    named = MODELS / f"{source}.yaml"
    if not named.is_file():
        known = ", ".join(p.stem for p in sorted(MODELS.glob("*.yaml")))
        raise ReplicationError(f"no example model {source!r} (known: {known}, or all)")
    return [named]


@dataclass(frozen=True)
class RealShaped:
    """A replicated model: its root mapping and its copies' sections, one mapping per copy."""

    root: dict[str, Any]
    copies: tuple[dict[str, Any], ...]
    sources: tuple[str, ...]
    """The source model of each copy (file stem)."""

    @property
    def counts(self) -> Counts:
        """Element counts of the whole model."""
        total: dict[str, Any] = {section: [] for section in LIST_SECTIONS}
        total["triage"] = {}
        for copy in self.copies:
            for section in LIST_SECTIONS:
                total[section].extend(copy[section])
            total["triage"].update(copy["triage"])
        return Counts.of(total)


def replicate(paths: Sequence[Path], components: int) -> RealShaped:
    """Copies of ``paths`` in turn until the model holds at least ``components`` components."""
    if not paths:
        raise ReplicationError("no source model")
    sources = [(path.stem, inline_includes(path)) for path in paths]
    for stem, model in sources:
        if not model.get("components"):
            raise ReplicationError(f"{stem}: declares no components")
    first = sources[0][1]
    system = dict(first.get("system") or {})
    system_id = system.get("id")
    copies: list[dict[str, Any]] = []
    stems: list[str] = []
    total = 0
    k = 0
    while total < components:
        stem, model = sources[k % len(sources)]
        copies.append(replicate_once(model, f"-r{k}", system_id=system_id, keep_system_triage=k == 0))
        stems.append(stem)
        total += len(model["components"])
        k += 1
    settings: dict[str, list[Any]] = {}
    for _, model in sources:
        for key, values in (model.get("settings") or {}).items():
            merged = settings.setdefault(key, [])
            merged.extend(v for v in values if v not in merged)
    label = sources[0][0] if len(sources) == 1 else "all example models"
    system["name"] = f"{system.get('name', system_id)} (real-shaped: {label} x{len(copies)})"[:200]
    root: dict[str, Any] = {"schema_version": 1, "system": system}
    if settings:
        root["settings"] = settings
    return RealShaped(root=root, copies=tuple(copies), sources=tuple(stems))


def _merged(copies: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {section: [] for section in LIST_SECTIONS}
    out["triage"] = {}
    for copy in copies:
        for section in LIST_SECTIONS:
            out[section].extend(copy[section])
        out["triage"].update(copy["triage"])
    return {key: value for key, value in out.items() if value}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def model_arguments(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--components`` and ``--source``: what :func:`load_for_bench` reads."""
    parser.add_argument("--model", type=Path, help="a model file (default: build a real-shaped one)")
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--source", default="agent-with-tools", help="example to replicate, or all")


def load_for_bench(path: Path | None, source: str, components: int) -> tuple[Any, Any]:
    """The loaded model at ``path``, or a real-shaped one of ``components`` built from ``source``
    when ``path`` is None, with the built-in catalogs: ``(model, catalogs)``. ``threatmodel`` is
    imported here, when called, so a bench that put another tree first on ``sys.path`` measures
    that tree's package."""
    import tempfile

    from threatmodel.io.load import load_catalogs, load_model, set_total_bytes_limit

    set_total_bytes_limit(64 * 1024 * 1024)
    catalogs = load_catalogs()
    with tempfile.TemporaryDirectory() as tmp:
        if path is None:
            path = write(replicate(source_paths(source), components), Path(tmp) / "model.yaml")[0]
        model = load_model(path, known_controls=catalogs.control_refs).model
    return model, catalogs


def write(model: RealShaped, path: Path, *, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> list[Path]:
    """Write ``model`` to ``path`` (split into included parts above ``max_file_mb``); the files written."""
    limit = int(max_file_mb * 1024 * 1024)
    # The size is estimated from one round of the sources (with a tenth to spare) so that a large
    # model is written once, not written whole and then again in parts.
    cycle = max(1, len(set(model.sources)))
    sample = len(dump_yaml(_merged(model.copies[:cycle])).encode("utf-8"))
    estimate = sample * len(model.copies) / min(cycle, len(model.copies)) * 1.1
    if estimate <= limit:
        path.write_text(dump_yaml({**model.root, **_merged(model.copies)}), encoding="utf-8")
        return [path]
    parts_n = math.ceil(estimate / limit)
    if parts_n > MAX_INCLUDE_FILES - 1:
        raise ReplicationError(f"{parts_n} parts of {max_file_mb} MB exceed the {MAX_INCLUDE_FILES}-file limit")
    per_part = math.ceil(len(model.copies) / parts_n)
    folder = path.with_name(f"{path.stem}.parts")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    includes: list[str] = []
    for i, group in enumerate(_chunks(model.copies, per_part), start=1):
        part = folder / f"part-{i:02d}.yaml"
        part.write_text(dump_yaml(_merged(group)), encoding="utf-8")
        includes.append(f"{folder.name}/{part.name}")
        written.append(part)
    path.write_text(dump_yaml({**model.root, "includes": includes}), encoding="utf-8")
    return [path, *written]


def vary(model: RealShaped) -> RealShaped:
    """The next version of ``model`` for ``diff``: its last copy removed, one flow made unencrypted.

    The first copy's first flow stated as encrypted is stated as unencrypted instead; the last copy
    (and with it its components, flows and findings) is gone. Both kinds of change show in a diff.
    """
    if len(model.copies) < 2:
        raise ReplicationError("a model of one copy cannot lose its last copy")
    first = dict(model.copies[0])
    flows = [dict(flow) for flow in first["flows"]]
    for flow in flows:
        if flow.get("encrypted") is True:
            flow["encrypted"] = False
            break
    first["flows"] = flows
    return RealShaped(root=model.root, copies=(first, *model.copies[1:-1]), sources=model.sources[:-1])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--components", type=int, default=10_000, help="target component count (at least)")
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="example model name or path, or 'all'")
    parser.add_argument("--out", type=Path, required=True, help="folder to write realshape-<n>.yaml into")
    parser.add_argument("--max-file-mb", type=float, default=DEFAULT_MAX_FILE_MB)
    parser.add_argument("--vary", action="store_true", help="also write realshape-<n>-next.yaml for diff")
    args = parser.parse_args(argv)
    try:
        model = replicate(source_paths(args.source), args.components)
        args.out.mkdir(parents=True, exist_ok=True)
        written = write(model, args.out / f"realshape-{args.components}.yaml", max_file_mb=args.max_file_mb)
        if args.vary:
            written += write(
                vary(model), args.out / f"realshape-{args.components}-next.yaml", max_file_mb=args.max_file_mb
            )
    except ReplicationError as exc:
        raise SystemExit(f"realshape: {exc}") from None
    c = model.counts
    print(
        f"{len(model.copies)} copies: {c.components} components, {c.flows} flows, {c.data} data assets, "
        f"{c.boundaries} boundaries, {c.controls} controls, {c.triage} triage entries"
    )
    for path in written:
        print(f"  {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

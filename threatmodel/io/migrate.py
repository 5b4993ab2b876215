"""Rename element ids and threat keys in a model file, with its triage, keeping comments.

Finding ids are ``<threat>@<element>``, so renaming an element or moving to a catalog
edition that renamed a threat would orphan the triage decisions keyed on the old id.
:func:`plan_migration` rewrites the id, every reference to it and every triage key,
through :class:`~threatmodel.io.roundtrip.ModelDocument` (comments and layout survive),
then proves the result is safe before anything is written: it must load without
problems, its data must equal the old data with exactly the planned renames applied,
and every comment line must still be there.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from threatmodel.errors import ModelError, Problem, SourceSpan, ThreatModelError, UsageError
from threatmodel.io.load import load_model_text
from threatmodel.io.roundtrip import ModelDocument
from threatmodel.model import keys
from threatmodel.model.base import SLUG_PATTERN

THREAT_KEY = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9.:_-]+\Z")
FINDING_KEY = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9.:_-]+@[a-z][a-z0-9-]*\Z")
_SLUG = re.compile(SLUG_PATTERN)

Loc = tuple[str | int, ...]

# Fields that hold one element id, and fields that hold a list of them, per section.
_REF_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "data": (("id",), ("derived_from",)),
    "boundaries": (("id", "parent"), ()),
    "components": (
        ("id", "boundary", "system_prompt", "base_model", "model", "memory", "produces"),
        ("data", "trained_on", "tools", "delegates_to", "serves"),
    ),
    "flows": (("id", "source", "target"), ("data",)),
    "controls": ((), ("scope",)),
}
_SECTION_NOUN = {"data": "data asset", "boundaries": "boundary", "components": "component", "flows": "flow"}


@dataclass(frozen=True, slots=True)
class Rename:
    """One ``OLD=NEW`` from the command line."""

    old: str
    new: str
    kind: Literal["element", "threat", "finding"]


def parse_renames(values: Sequence[str]) -> tuple[Rename, ...]:
    """Parse ``OLD=NEW`` arguments: element ids (slugs) or threat keys (``catalog:id``)."""
    renames: list[Rename] = []
    for value in values:
        old, sep, new = value.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise UsageError(
                Problem(
                    f"--rename '{value}' is not OLD=NEW",
                    hint="e.g. --rename chat-llm=support-llm or --rename tm:old-threat=tm:new-threat",
                )
            )
        if old == new:
            raise UsageError(Problem(f"--rename '{value}' renames '{old}' to itself"))
        if "@" in old or "@" in new:
            # a triage key: re-key a decision to the finding that now covers it (TM204)
            for part in (old, new):
                if not FINDING_KEY.match(part):
                    raise UsageError(
                        Problem(
                            f"'{part}' is not a finding id",
                            hint="finding ids are <catalog>:<threat>@<element>, e.g. tm:direct-prompt-injection@visitors",
                        )
                    )
            renames.append(Rename(old, new, "finding"))
        elif ":" in old or ":" in new:
            for part in (old, new):
                if not THREAT_KEY.match(part):
                    raise UsageError(
                        Problem(
                            f"'{part}' is not a threat key",
                            hint="threat keys are <catalog>:<threat id>, e.g. tm:indirect-prompt-injection",
                        )
                    )
            renames.append(Rename(old, new, "threat"))
        else:
            for part in (old, new):
                if not _SLUG.match(part) or len(part) > 64:
                    raise UsageError(
                        Problem(
                            f"'{part}' is not a valid element id",
                            hint="ids are lower-kebab-case: letters, digits and single hyphens, starting with a letter",
                        )
                    )
            renames.append(Rename(old, new, "element"))
    olds = Counter(r.old for r in renames)
    news = Counter(r.new for r in renames)
    for name in sorted(set(olds) | set(news)):
        if olds[name] > 1:
            raise UsageError(Problem(f"'{name}' is renamed more than once"))
        if news[name] > 1:
            raise UsageError(Problem(f"two renames produce '{name}'"))
        if olds[name] and news[name]:
            raise UsageError(Problem(f"'{name}' is both renamed and a rename target; run migrate once per step"))
    return tuple(renames)


@dataclass
class Migration:
    """A planned, validated migration of one file; nothing is written until :meth:`write`."""

    path: Path
    document: ModelDocument
    old_text: str
    new_text: str
    summary: tuple[str, ...]
    """One line per rename: what changed and how many references."""
    warnings: tuple[str, ...] = ()
    edits: int = 0

    def unified_diff(self) -> str:
        """What :meth:`write` would change, as a unified diff."""
        name = self.path.as_posix()
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )

    def write(self) -> None:
        """Save atomically; refuses when the file changed on disk since it was read."""
        self.document.save()


@dataclass
class _Plan:
    edits: list[tuple[Loc, str, str]] = field(default_factory=list)
    triage_keys: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, subject: str, what: str) -> None:
        self.counts.setdefault(subject, Counter())[what] += 1


def _ids(data: Mapping[str, Any]) -> dict[str, str]:
    """Every element id of the document (flows by their key) -> its section."""
    out: dict[str, str] = {}
    for section in ("data", "boundaries", "components"):
        for item in data.get(section) or []:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                out.setdefault(item["id"], section)
    for item in data.get("flows") or []:
        if isinstance(item, Mapping):
            out.setdefault(_flow_key(item), "flows")
    return out


def _flow_key(item: Mapping[str, Any], renames: Mapping[str, str] | None = None) -> str:
    source, target = str(item.get("source")), str(item.get("target"))
    if renames:
        source, target = renames.get(source, source), renames.get(target, target)
    return keys.flow_key(str(item["id"]) if item.get("id") else None, source, target)


def _system_id(data: Mapping[str, Any]) -> str | None:
    system = data.get("system")
    return str(system["id"]) if isinstance(system, Mapping) and isinstance(system.get("id"), str) else None


def plan_migration(
    path: Path,
    renames: Sequence[Rename],
    *,
    known_controls: Collection[str] | None = None,
    known_threats: Collection[str] | None = None,
) -> Migration:
    """Plan and validate renames in the model at ``path``. Raises on anything unsafe."""
    document = ModelDocument.open(path)
    old_text = document.text()
    data = document.data()
    display = str(path)
    # The model must be valid before: a migration is judged by comparing before and after.
    load_model_text(old_text, display, base_dir=path.parent, known_controls=known_controls)
    if data.get("includes"):
        raise UsageError(
            Problem(
                f"{path} includes other files; migrate rewrites one file and would leave references in the included ones",
                SourceSpan(display),
                "merge the included files into the model first, or rename by hand in every file of the model",
            )
        )

    ids = _ids(data)
    system_id = _system_id(data)
    element_renames = {r.old: r.new for r in renames if r.kind == "element"}
    threat_renames = {r.old: r.new for r in renames if r.kind == "threat"}
    for old, new in element_renames.items():
        if old not in ids and old != system_id:
            known = sorted(set(ids) | ({system_id} if system_id else set()))
            close = difflib.get_close_matches(old, known, n=1)
            raise UsageError(
                Problem(
                    f"{path} has no element '{old}'",
                    SourceSpan(display),
                    f"did you mean '{close[0]}'?" if close else None,
                )
            )
        if new in ids or new == system_id:
            what = "the system" if new == system_id else _SECTION_NOUN[ids[new]]
            raise UsageError(
                Problem(
                    f"cannot rename '{old}' to '{new}': {what} '{new}' already exists",
                    SourceSpan(display),
                    "ids share one namespace; pick another id",
                )
            )

    plan = _Plan()
    flow_renames = _derived_flow_renames(data, element_renames, ids, path)
    all_elements = {**element_renames, **flow_renames}
    _plan_references(data, element_renames, flow_renames, plan)
    if system_id in element_renames:
        plan.edits.append((("system", "id"), system_id, element_renames[system_id]))
        plan.count(system_id, "system.id")
    _plan_threats(data, threat_renames, plan, path)
    raw_triage = data.get("triage")
    triage: Mapping[str, Any] = raw_triage if isinstance(raw_triage, Mapping) else {}
    for key in triage:
        threat, _, element = str(key).rpartition("@")
        new_key = f"{threat_renames.get(threat, threat)}@{all_elements.get(element, element)}"
        if new_key != key:
            if new_key in triage and new_key not in plan.triage_keys:
                raise UsageError(
                    Problem(
                        f"cannot re-key triage '{key}' to '{new_key}': that entry already exists",
                        SourceSpan(display),
                        "merge the two entries by hand first",
                    )
                )
            plan.triage_keys[str(key)] = new_key
            if element in all_elements:
                plan.count(element, "triage")
            if threat in threat_renames:
                plan.count(threat, "triage")
    finding_renames = {r.old: r.new for r in renames if r.kind == "finding"}
    for old, new in finding_renames.items():
        if old not in triage:
            raise UsageError(Problem(f"{path} has no triage entry '{old}'", SourceSpan(display)))
        if old in plan.triage_keys:
            raise UsageError(
                Problem(f"triage entry '{old}' is already re-keyed by another rename; run migrate once per step")
            )
        if new in triage or new in plan.triage_keys.values():
            raise UsageError(
                Problem(
                    f"cannot re-key triage '{old}' to '{new}': that entry already exists",
                    SourceSpan(display),
                    "keep one decision: remove the entry you no longer want first",
                )
            )
        plan.triage_keys[old] = new
        plan.count(old, "triage")
    for old in threat_renames:
        if not plan.counts.get(old):
            raise UsageError(
                Problem(
                    f"nothing in {path} refers to threat '{old}' (no triage entry, no disabled_threats)",
                    SourceSpan(display),
                )
            )

    for loc, _, new in plan.edits:
        document.set_path(loc, new)
    if plan.triage_keys:
        document.replace_strings(plan.triage_keys)
    new_text = document.text()
    try:
        load_model_text(new_text, display, base_dir=path.parent, known_controls=known_controls)
    except ThreatModelError as exc:
        raise UsageError(
            [Problem("the migrated model would not be valid; nothing was written", SourceSpan(display)), *exc.problems]
        ) from None
    _prove_nothing_else_changed(data, document.data(), plan, old_text, new_text, display)

    summary: list[str] = []
    for old, new in element_renames.items():
        noun = "system" if old == system_id and old not in ids else _SECTION_NOUN[ids[old]]
        summary.append(f"{noun} '{old}' → '{new}': {_describe(plan.counts.get(old))}")
    for old, new in flow_renames.items():
        summary.append(f"flow '{old}' → '{new}' (derived from its ends): {_describe(plan.counts.get(old))}")
    for old, new in threat_renames.items():
        summary.append(f"threat '{old}' → '{new}': {_describe(plan.counts.get(old))}")
    for old, new in finding_renames.items():
        summary.append(f"triage entry '{old}' → '{new}'")
    warnings = tuple(
        f"threat '{new}' is not in the loaded catalogs; its triage entries will match no finding (TM201)"
        for new in threat_renames.values()
        if known_threats is not None and new not in known_threats
    )
    return Migration(
        path, document, old_text, new_text, tuple(summary), warnings, len(plan.edits) + len(plan.triage_keys)
    )


def _derived_flow_renames(
    data: Mapping[str, Any], renames: Mapping[str, str], ids: Mapping[str, str], path: Path
) -> dict[str, str]:
    """Flows without an explicit id are keyed ``<source>-to-<target>``; renaming an end re-keys them."""
    out: dict[str, str] = {}
    for item in data.get("flows") or []:
        if not isinstance(item, Mapping) or item.get("id"):
            continue
        old, new = _flow_key(item), _flow_key(item, renames)
        if old != new:
            if new in ids and new not in renames:
                raise UsageError(
                    Problem(
                        f"renaming would give flow '{old}' the key '{new}', which is already used",
                        SourceSpan(str(path)),
                        "give the flow an explicit `id:` first",
                    )
                )
            out[old] = new
    return out


def _plan_references(
    data: Mapping[str, Any], renames: Mapping[str, str], flow_renames: Mapping[str, str], plan: _Plan
) -> None:
    for section, (single, multiple) in _REF_FIELDS.items():
        for i, item in enumerate(data.get(section) or []):
            if not isinstance(item, Mapping):
                continue
            for name in single:
                value = item.get(name)
                if isinstance(value, str) and value in renames:
                    plan.edits.append(((section, i, name), value, renames[value]))
                    plan.count(value, f"{section}.{name}")
            for name in multiple:
                values = item.get(name)
                if not isinstance(values, list):
                    continue
                for j, value in enumerate(values):
                    if not isinstance(value, str):
                        continue
                    target = renames.get(value)
                    if target is None and section == "controls":
                        target = flow_renames.get(value)
                    if target is not None:
                        plan.edits.append(((section, i, name, j), value, target))
                        plan.count(value, f"{section}.{name}")


def _plan_threats(data: Mapping[str, Any], renames: Mapping[str, str], plan: _Plan, path: Path) -> None:
    settings = data.get("settings")
    disabled = settings.get("disabled_threats") if isinstance(settings, Mapping) else None
    if not isinstance(disabled, list):
        return
    for j, value in enumerate(disabled):
        if isinstance(value, str) and value in renames:
            if renames[value] in disabled:
                raise UsageError(
                    Problem(f"'{renames[value]}' is already in settings.disabled_threats", SourceSpan(str(path)))
                )
            plan.edits.append((("settings", "disabled_threats", j), value, renames[value]))
            plan.count(value, "settings.disabled_threats")


def _describe(counts: Counter[str] | None) -> str:
    if not counts:
        return "no references"
    total = sum(counts.values())
    parts = ", ".join(f"{name} ×{n}" if n > 1 else name for name, n in sorted(counts.items()))
    return f"{total} change{'s' if total != 1 else ''} ({parts})"


def _prove_nothing_else_changed(
    before: dict[str, Any], after: dict[str, Any], plan: _Plan, old_text: str, new_text: str, display: str
) -> None:
    """The new data must be the old data with exactly the planned edits, and keep every comment."""
    expected = copy.deepcopy(before)
    for loc, _, new in plan.edits:
        node: Any = expected
        for part in loc[:-1]:
            node = node[part]
        node[loc[-1]] = new
    if plan.triage_keys:
        expected["triage"] = {plan.triage_keys.get(k, k): v for k, v in expected["triage"].items()}
    problems: list[Problem] = []
    if expected != after:
        problems.append(
            Problem("internal check failed: the rewritten file differs from the planned renames", SourceSpan(display))
        )
    old_comments = [ln.strip() for ln in old_text.splitlines() if ln.lstrip().startswith("#")]
    new_comments = [ln.strip() for ln in new_text.splitlines() if ln.lstrip().startswith("#")]
    if old_comments != new_comments:
        problems.append(Problem("internal check failed: a comment line would be lost or changed", SourceSpan(display)))
    if problems:
        raise ModelError([*problems, Problem("nothing was written; please report this with the model file")])


__all__ = ["Migration", "Rename", "parse_renames", "plan_migration"]

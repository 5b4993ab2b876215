"""A set of loaded catalogs, with lookups and the checks that span catalogs.

The checks are pure: they return ``(catalog id, path, message, hint)`` issues that
the loader locates in the catalog's YAML file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatmodel.model.catalog import Catalog, Control, Entry, GroupBy, Threat
from threatmodel.model.keys import split_ref
from threatmodel.model.rules import (
    AllOf,
    AnyOf,
    Artifacts,
    Attr,
    AttrTest,
    Condition,
    DataHandled,
    Endpoint,
    Exists,
    Linked,
    Neighbour,
    Not,
    ReachedFrom,
    Reaches,
    TargetType,
)
from threatmodel.model.system import COMPONENT_CLASSES, DataAsset, Flow
from threatmodel.model.unknowns import UNKNOWABLE

MAX_DEPTH = 12
PLACEHOLDERS = frozenset({"target", "kind", "source", "path", "data", "system", "relying"})
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

COMPONENT_ATTRIBUTES: frozenset[str] = frozenset(name for cls in COMPONENT_CLASSES for name in cls.model_fields)
FLOW_ATTRIBUTES: frozenset[str] = frozenset(Flow.model_fields) | {"key"}
DATA_ATTRIBUTES: frozenset[str] = frozenset(DataAsset.model_fields)
"""What ``attr`` can test inside ``artifacts: {where: ...}``, which is judged on a data asset."""

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class CatalogIssue:
    catalog: str
    path: Path
    message: str
    hint: str | None = None


@dataclass
class CatalogSet:
    """Catalogs by id, with every entry, control and threat addressable by reference."""

    catalogs: tuple[Catalog, ...]
    by_id: dict[str, Catalog] = field(init=False)
    entries: dict[str, Entry] = field(init=False)
    controls: dict[str, Control] = field(init=False)
    threats: dict[str, Threat] = field(init=False)
    referrers: dict[str, tuple[str, ...]] = field(init=False)
    """Reference -> the entries, controls and threats that refer to it (refs, or a threat's
    controls), sorted: what `catalogs show` lists and how reports find counterparts."""

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.catalogs}
        self.entries = {f"{c.id}:{e.id}": e for c in self.catalogs for e in c.entries}
        self.controls = {f"{c.id}:{k.id}": k for c in self.catalogs for k in c.controls}
        self.threats = {f"{c.id}:{t.id}": t for c in self.catalogs for t in c.threats}
        back: dict[str, set[str]] = {}
        links: list[tuple[str, tuple[str, ...]]] = [(k, e.refs) for k, e in self.entries.items()]
        links += [(k, c.refs) for k, c in self.controls.items()]
        links += [(k, (*t.refs, *t.controls)) for k, t in self.threats.items()]
        for key, targets in links:
            for target in targets:
                back.setdefault(target, set()).add(key)
        self.referrers = {target: tuple(sorted(keys)) for target, keys in back.items()}

    def all_threats(self) -> Iterator[tuple[str, Threat]]:
        for key in sorted(self.threats):
            yield key, self.threats[key]

    def title_of(self, reference: str) -> str:
        item = self.entries.get(reference) or self.controls.get(reference) or self.threats.get(reference)
        return item.title if item is not None else reference

    def url_of(self, reference: str) -> str | None:
        item: Any = self.entries.get(reference) or self.controls.get(reference)
        if item is not None and item.url:
            return str(item.url)
        catalog = self.by_id.get(split_ref(reference)[0])
        return catalog.source if catalog is not None else None


def _children(cond: Condition) -> tuple[Condition, ...]:
    match cond:
        case AllOf(all=parts) | AnyOf(any=parts):
            return parts
        case Not(not_=inner):
            return (inner,)
        case Neighbour(neighbour=t) | Linked(linked=t) | Exists(exists=t) | Endpoint(endpoint=t):
            return (t.where,)
        case Reaches(reaches=t) | ReachedFrom(reached_from=t):
            return (t.where,)
        case Artifacts(artifacts=t):
            return tuple(c for c in (t.where, t.peer) if c is not None)
        case _:
            return ()


def _context_of_children(cond: Condition, context: TargetType) -> TargetType:
    """Conditions under a graph predicate are judged on components."""
    if isinstance(cond, (AllOf, AnyOf, Not)):
        return context
    return TargetType.COMPONENT


def check_rule(
    cond: Condition, context: TargetType, path: Path, threats: frozenset[str] | None = None
) -> list[tuple[Path, str, str | None]]:
    """Problems in one rule: predicates used out of context, unknown attributes, nesting too deep,
    and (given the catalog's ``threats``) a negation deferring to a threat the catalog lacks."""
    problems: list[tuple[Path, str, str | None]] = []

    def attr_test(where: Path, test: AttrTest, known: frozenset[str], what: str) -> None:
        """An attribute test names an attribute of ``what`` and uses one operator."""
        if test.name not in known:
            close = difflib.get_close_matches(test.name, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known attributes: {', '.join(sorted(known))}"
            problems.append(((*where, "name"), f"unknown attribute '{test.name}' for {what}", hint))
        try:
            test.operator()
        except ValueError as exc:
            problems.append((where, str(exc), None))

    def visit(c: Condition, ctx: TargetType, at: Path, depth: int, on_data: bool = False) -> None:
        if depth > MAX_DEPTH:
            problems.append((at, f"condition nested deeper than {MAX_DEPTH} levels", None))
            return
        if on_data and not isinstance(c, (Attr, AllOf, AnyOf, Not)):
            problems.append((at, f"predicate '{c.TAG}' cannot test an artefact (only attr, all, any, not)", None))
        elif not on_data and ctx not in c.CONTEXTS:
            allowed = ", ".join(sorted(str(x) for x in c.CONTEXTS))
            problems.append((at, f"predicate '{c.TAG}' cannot be used on a {ctx} (only on: {allowed})", None))
        if isinstance(c, Not) and c.defers_to is not None and threats is not None and c.defers_to not in threats:
            close = difflib.get_close_matches(c.defers_to, sorted(threats), n=1)
            problems.append(
                (
                    (*at, "defers_to"),
                    f"'defers_to' names no threat of this catalog: '{c.defers_to}'",
                    f"did you mean '{close[0]}'?" if close else None,
                )
            )
        if isinstance(c, Linked) and c.linked.unknown is not None and c.linked.via != "loads_weights_of":
            problems.append(
                (
                    (*at, "linked", "unknown"),
                    f"'unknown' reads an unstated link of 'loads_weights_of' only, not of '{c.linked.via}'",
                    None,
                )
            )
        if isinstance(c, Attr):
            known = DATA_ATTRIBUTES if on_data else FLOW_ATTRIBUTES if ctx is TargetType.FLOW else COMPONENT_ATTRIBUTES
            attr_test((*at, "attr"), c.attr, known, "a data asset" if on_data else f"a {ctx}")
        if isinstance(c, DataHandled):
            if c.data.kept and ctx is not TargetType.COMPONENT:
                problems.append(
                    ((*at, "data", "kept"), f"'kept' can only be tested on a component, not on a {ctx}", None)
                )
            if c.data.learnt and ctx is not TargetType.COMPONENT:
                problems.append(
                    ((*at, "data", "learnt"), f"'learnt' can only be tested on a component, not on a {ctx}", None)
                )
            if c.data.learnt and (c.data.kept or c.data.at_runtime):
                problems.append(
                    ((*at, "data", "learnt"), "'learnt' cannot be combined with 'kept' or 'at_runtime'", None)
                )
            if c.data.attr is not None:
                attr_test((*at, "data", "attr"), c.data.attr, DATA_ATTRIBUTES, "a data asset")
            for j, u in enumerate(c.data.unless):
                attr_test((*at, "data", "unless", j), u, DATA_ATTRIBUTES, "a data asset")
        # every data test of the condition (its own, a neighbour's flows'): the options they share
        data_tests = [((*at, "data"), c.data)] if isinstance(c, DataHandled) else []
        if isinstance(c, Neighbour):
            near = c.neighbour
            if near.data is not None:
                data_tests.append(((*at, "neighbour", "data"), near.data))
            if near.every_flow and near.flow is None:
                problems.append(((*at, "neighbour", "every_flow"), "'every_flow' needs a 'flow' test", None))
            if near.flow is not None:
                attr_test((*at, "neighbour", "flow"), near.flow, FLOW_ATTRIBUTES, "a flow")
                if near.flow.name in UNKNOWABLE and near.flow.unknown is None and near.flow.op != "is_set":
                    problems.append(
                        (
                            (*at, "neighbour", "flow"),
                            f"a flow test of '{near.flow.name}' must say how it reads an unstated value",
                            "add unknown: match or unknown: no-match (decision 1920)",
                        )
                    )
        for where, test in data_tests:
            if test.tags_own and not test.tags_any:
                problems.append(((*where, "tags_own"), "'tags_own' needs 'tags_any'", None))
        if isinstance(c, Artifacts):
            artifact = c.artifacts
            if artifact.where is not None:
                visit(artifact.where, ctx, (*at, c.TAG, "where"), depth + 1, on_data=True)
            if artifact.peer is not None:
                visit(artifact.peer, TargetType.COMPONENT, (*at, c.TAG, "peer"), depth + 1)
            return
        child_ctx = _context_of_children(c, ctx)
        for i, child in enumerate(_children(c)):
            step = (*at, c.TAG, i) if isinstance(c, (AllOf, AnyOf)) else (*at, c.TAG)
            visit(child, child_ctx, step, depth + 1, on_data)

    visit(cond, context, path, 1)
    return problems


def check_catalogs(catalogs: Sequence[Catalog]) -> list[CatalogIssue]:
    """Everything wrong within and across catalogs: ids, rules, placeholders, references, versions."""
    issues: list[CatalogIssue] = []
    seen_catalogs: set[str] = set()
    for cat in catalogs:
        if cat.id in seen_catalogs:
            issues.append(CatalogIssue(cat.id, ("id",), f"catalog '{cat.id}' is loaded twice"))
        seen_catalogs.add(cat.id)
    cset = CatalogSet(tuple(catalogs))
    known_refs = set(cset.entries) | set(cset.controls) | set(cset.threats)

    for cat in catalogs:
        for section in ("entries", "controls", "threats"):
            seen: dict[str, int] = {}
            for i, item in enumerate(getattr(cat, section)):
                if item.id in seen:
                    issues.append(
                        CatalogIssue(
                            cat.id,
                            (section, i, "id"),
                            f"duplicate id '{item.id}' in {section} (also at index {seen[item.id]})",
                        )
                    )
                seen.setdefault(item.id, i)

        def check_ref(value: str, at: Path, cat: Catalog = cat) -> None:
            target_catalog, _ = split_ref(value)
            if target_catalog not in cset.by_id:
                issues.append(
                    CatalogIssue(
                        cat.id, at, f"reference '{value}' names catalog '{target_catalog}', which is not loaded"
                    )
                )
                return
            if value not in known_refs:
                pool = [r for r in known_refs if r.startswith(target_catalog + ":")]
                close = difflib.get_close_matches(value, pool, n=1)
                hint = f"did you mean '{close[0]}'?" if close else None
                issues.append(CatalogIssue(cat.id, at, f"reference '{value}' does not resolve", hint))
                return
            pinned = cat.requires.get(target_catalog)
            actual = cset.by_id[target_catalog].version
            if target_catalog != cat.id and pinned is not None and pinned != actual:
                issues.append(
                    CatalogIssue(
                        cat.id, at, f"'{value}' is pinned to {target_catalog} {pinned}, but {actual} is loaded"
                    )
                )

        for i, entry in enumerate(cat.entries):
            for j, r in enumerate(entry.refs):
                check_ref(r, ("entries", i, "refs", j))
        for i, control in enumerate(cat.controls):
            for j, r in enumerate(control.refs):
                check_ref(r, ("controls", i, "refs", j))
        threat_ids = frozenset(t.id for t in cat.threats)
        for i, threat in enumerate(cat.threats):
            base: Path = ("threats", i)
            for j, r in enumerate(threat.refs):
                check_ref(r, (*base, "refs", j))
            for j, r in enumerate(threat.controls):
                if r not in cset.controls:
                    close = difflib.get_close_matches(r, sorted(cset.controls), n=1)
                    issues.append(
                        CatalogIssue(
                            cat.id,
                            (*base, "controls", j),
                            f"unknown control '{r}'",
                            f"did you mean '{close[0]}'?" if close else None,
                        )
                    )
            for path, message, hint in check_rule(threat.when, threat.target, (*base, "when"), threat_ids):
                issues.append(CatalogIssue(cat.id, path, message, hint))
            for k, factor in enumerate(threat.factors):
                for path, message, hint in check_rule(
                    factor.when, threat.target, (*base, "factors", k, "when"), threat_ids
                ):
                    issues.append(CatalogIssue(cat.id, path, message, hint))
            if (threat.group_by is GroupBy.PRODUCER) != bool(threat.producer or threat.place_on):
                issues.append(
                    CatalogIssue(
                        cat.id,
                        (*base, "producer"),
                        "'producer' (or 'place_on') and 'group_by: producer' go together",
                        "list the kinds whose output people rely on, e.g. producer: [agent]",
                    )
                )
            if threat.place_on is not None:
                for path, message, hint in check_rule(
                    threat.place_on.where, TargetType.COMPONENT, (*base, "place_on", "where")
                ):
                    issues.append(CatalogIssue(cat.id, path, message, hint))
            scenarios: list[tuple[str, Path]] = [(threat.scenario, (*base, "scenario"))]
            for k, variant in enumerate(threat.variants):
                at: Path = (*base, "variants", k)
                if variant.when is not None:
                    for path, message, hint in check_rule(variant.when, threat.target, (*at, "when"), threat_ids):
                        issues.append(CatalogIssue(cat.id, path, message, hint))
                for j, r in enumerate(variant.refs or ()):
                    check_ref(r, (*at, "refs", j))
                if variant.scenario is not None:
                    scenarios.append((variant.scenario, (*at, "scenario")))
            if threat.grouped is not None:
                if threat.group_by is None or not threat.variants:
                    issues.append(
                        CatalogIssue(
                            cat.id,
                            (*base, "grouped"),
                            "'grouped' words a finding whose elements took different variants: it needs 'group_by' and 'variants'",
                            "remove it, or give the threat both",
                        )
                    )
                scenarios.append((threat.grouped.scenario, (*base, "grouped", "scenario")))
            for text, where in scenarios:
                for name in _PLACEHOLDER.findall(text):
                    if name == "relying" and threat.group_by is not GroupBy.PRODUCER:
                        issues.append(
                            CatalogIssue(
                                cat.id,
                                where,
                                "placeholder '{relying}' needs 'group_by: producer'",
                                "only a finding placed on a producer names who relies on it",
                            )
                        )
                    elif name not in PLACEHOLDERS:
                        issues.append(
                            CatalogIssue(
                                cat.id,
                                where,
                                f"unknown placeholder '{{{name}}}' in scenario",
                                f"placeholders: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}",
                            )
                        )
    return issues


UNNAMED: dict[str, str] = {"data": "its data"}
"""What a placeholder given as empty (nothing to name) says in running text. In brackets, ``({data})``
with no data, the brackets go instead: "(its data)" names nothing."""


def fill(template: str, values: dict[str, str]) -> str:
    """Fill ``{name}`` placeholders from ``values``; nothing else is interpreted."""
    return Template.of(template).fill(values)


@dataclass(frozen=True, slots=True)
class Template:
    """A scenario template split once at its placeholders, so the findings of one threat share its
    parsing: :meth:`fill` gives what :func:`fill` gives for the same template and values."""

    parts: tuple[str, ...]
    """Text and placeholder names alternately: text, name, text, ..., text."""
    names: frozenset[str]
    """The placeholder names the template uses (the only values :meth:`fill` reads)."""

    @classmethod
    def of(cls, template: str) -> Template:
        parts = tuple(_PLACEHOLDER.split(template))
        return cls(parts, frozenset(parts[1::2]))

    def fill(self, values: dict[str, str]) -> str:
        parts = self.parts
        if len(parts) == 1:
            return parts[0]
        out = list(parts)
        for i in range(1, len(parts), 2):
            name = parts[i]
            value = values.get(name, f"{{{name}}}")
            if not value:  # nothing to name: drop a bracketed mention, else say it in words
                if out[i - 1].endswith(" (") and out[i + 1].startswith(")"):
                    out[i - 1], out[i + 1] = out[i - 1][:-2], out[i + 1][1:]
                else:
                    value = UNNAMED.get(name, "")
            out[i] = value
        return "".join(out)

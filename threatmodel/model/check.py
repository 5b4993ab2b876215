"""Reference checks a model must pass beyond its schema.

Pure: returns located issues as ``(path, message, hint)``; the loader turns the
path into ``file:line:col``.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from threatmodel.model.system import (
    Agent,
    ComponentBase,
    Model,
    Serving,
    SystemModel,
    Training,
)
from threatmodel.model.vocab import MODEL_KINDS, TOOL_KINDS

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    """A reference problem at a path inside the model document."""

    path: Path
    message: str
    hint: str | None = None
    subject: str | None = None
    """The id the problem is about (an unknown or mismatched reference), when there is one."""
    related: Path | None = None
    """Another place the message refers to (the first declaration of a duplicate id)."""


def suggest(word: str, known: Iterable[str], what: str) -> str:
    """A hint listing what is known, with a close match first when there is one."""
    names = sorted(set(known))
    if not names:
        return f"the model declares no {what} yet"
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
    text = f"known {what}: {shown}"
    if close:
        text += f" (did you mean '{close[0]}'?)"
    return text


def check_references(model: SystemModel) -> list[Issue]:
    """Every problem with ids and references in ``model``, in document order.

    Each check first asks a question about a whole set at once (are all ids distinct, are all of
    these data ids known), and walks the items to build located issues only when the answer is no:
    a valid model of 10,000 components builds no path tuple at all.
    """
    issues: list[Issue] = []
    flow_keys = [f.key for f in model.flows]
    data_ids = {a.id for a in model.data}
    boundary_ids = {b.id for b in model.boundaries}
    components: dict[str, ComponentBase] = {c.id: c for c in model.components}
    flow_ids = set(flow_keys)
    declared = len(data_ids) + len(boundary_ids) + len(components) + len(flow_ids)
    count = len(model.data) + len(model.boundaries) + len(model.components) + len(flow_keys)
    if declared != count or len(data_ids | boundary_ids | components.keys() | flow_ids) != count:
        issues += _duplicates(model, flow_keys)

    def need(value: str, known: set[str] | dict[str, ComponentBase], what: str, path: Path) -> None:
        if value not in known:
            singular = what[:-3] + "y" if what.endswith("ies") else what[:-1] if what.endswith("s") else what
            issues.append(Issue(path, f"unknown {singular} '{value}'", suggest(value, known, what), subject=value))

    def need_kind(value: str | None, kinds: frozenset[str], what: str, path: Path) -> None:
        if value is None:
            return
        if value not in components:
            need(value, components, "components", path)
            return
        kind = components[value].kind
        if kind not in kinds:
            issues.append(
                Issue(
                    path,
                    f"'{value}' is a {kind}, but {what} must be one of: {', '.join(sorted(kinds))}",
                    subject=value,
                )
            )

    def need_data(values: Sequence[str], path: Path) -> None:
        for j, value in enumerate(values):
            if value not in data_ids:
                need(value, data_ids, "data assets", (*path, j))

    known_data = data_ids.issuperset
    for i, asset in enumerate(model.data):
        if asset.derived_from and not known_data(asset.derived_from):
            need_data(asset.derived_from, ("data", i, "derived_from"))
    issues += _lineage_cycles(model)

    for i, boundary in enumerate(model.boundaries):
        if boundary.parent is not None:
            need(boundary.parent, boundary_ids, "boundaries", ("boundaries", i, "parent"))
    where = {b.id: i for i, b in enumerate(model.boundaries)}
    for ring in _rings({b.id: b.parent for b in model.boundaries if b.parent is not None}):
        issues.append(
            Issue(
                ("boundaries", where[ring[0]], "parent"),
                f"boundary '{ring[0]}' is nested inside itself ({' -> '.join(ring)})",
            )
        )

    # Every component's boundary and data known? Then only the kinds with more references are walked.
    placed = boundary_ids.issuperset([c.boundary for c in model.components if c.boundary is not None])
    handled = known_data(itertools.chain.from_iterable([c.data for c in model.components]))
    for i, component in enumerate(model.components):
        if not placed and component.boundary is not None and component.boundary not in boundary_ids:
            need(component.boundary, boundary_ids, "boundaries", ("components", i, "boundary"))
        if not handled and component.data and not known_data(component.data):
            need_data(component.data, ("components", i, "data"))
        if isinstance(component, Model):
            base: Path = ("components", i)
            if component.trained_on and not known_data(component.trained_on):
                need_data(component.trained_on, (*base, "trained_on"))
            if component.system_prompt is not None:
                need(component.system_prompt, data_ids, "data assets", (*base, "system_prompt"))
            need_kind(component.base_model, MODEL_KINDS, "base_model", (*base, "base_model"))
            if component.base_model == component.id:
                issues.append(Issue((*base, "base_model"), "a model cannot be its own base model"))
        elif isinstance(component, Agent):
            base = ("components", i)
            for j, tool in enumerate(component.tools):
                need_kind(tool, TOOL_KINDS, "an agent's tools", (*base, "tools", j))
            for j, other in enumerate(component.delegates_to):
                need_kind(other, frozenset({"agent"}), "delegates_to", (*base, "delegates_to", j))
            need_kind(component.memory, frozenset({"agent-memory"}), "memory", (*base, "memory"))
            need_kind(component.model, frozenset({"llm"}), "an agent's model", (*base, "model"))
            if component.system_prompt is not None:
                need(component.system_prompt, data_ids, "data assets", (*base, "system_prompt"))
        elif isinstance(component, Serving):
            for j, served in enumerate(component.serves):
                need_kind(served, MODEL_KINDS, "serves", ("components", i, "serves", j))
        elif isinstance(component, Training):
            need_kind(component.produces, MODEL_KINDS, "produces", ("components", i, "produces"))

    issues += _base_model_cycles(model)

    flows_fine = (
        components.keys() >= {f.source for f in model.flows}
        and components.keys() >= {f.target for f in model.flows}
        and all(f.source != f.target for f in model.flows)
        and known_data(itertools.chain.from_iterable([f.data for f in model.flows]))
    )
    for i, flow in enumerate(() if flows_fine else model.flows):
        source, target = flow.source, flow.target
        if source not in components:
            need(source, components, "components", ("flows", i, "source"))
        if target not in components:
            need(target, components, "components", ("flows", i, "target"))
        if source == target:
            issues.append(Issue(("flows", i, "target"), f"flow '{flow_keys[i]}' starts and ends at '{source}'"))
        if flow.data and not known_data(flow.data):
            need_data(flow.data, ("flows", i, "data"))

    scopes = components.keys() | flow_ids | boundary_ids
    for i, control in enumerate(model.controls):
        if scopes.issuperset(control.scope):
            continue
        for j, element in enumerate(control.scope):
            if element not in scopes:
                issues.append(
                    Issue(
                        ("controls", i, "scope", j),
                        f"control scope names unknown element '{element}'",
                        suggest(element, scopes, "components, flows and boundaries"),
                        subject=element,
                    )
                )
    return issues


def _duplicates(model: SystemModel, flow_keys: Sequence[str]) -> list[Issue]:
    """An issue for each declaration of an id already declared, pointing back at the first one."""
    issues: list[Issue] = []
    seen: dict[str, Path] = {}
    declarations: list[tuple[str, Path]] = [
        *((a.id, ("data", i, "id")) for i, a in enumerate(model.data)),
        *((b.id, ("boundaries", i, "id")) for i, b in enumerate(model.boundaries)),
        *((c.id, ("components", i, "id")) for i, c in enumerate(model.components)),
        *(
            (key, ("flows", i, "id" if f.id is not None else "source"))
            for i, (f, key) in enumerate(zip(model.flows, flow_keys, strict=True))
        ),
    ]
    for element_id, path in declarations:
        if element_id in seen:
            issues.append(
                Issue(
                    path,
                    f"duplicate id '{element_id}'",
                    "ids share one namespace across data, boundaries, components and flows",
                    subject=element_id,
                    related=seen[element_id],
                )
            )
        else:
            seen[element_id] = path
    return issues


def _rings(step: dict[str, str], *, shortest: int = 1) -> list[tuple[str, ...]]:
    """The rings of a single-successor relation (a boundary's ``parent``, a model's ``base_model``):
    each once, as the walk from its smallest id back to it (``a -> b -> a``), in the order of those
    smallest ids in ``step``; rings of fewer than ``shortest`` ids are left out. Linear: every id
    is walked once, whatever the chains (a hostile file nests thousands)."""
    state: dict[str, int] = {}  # 1: on the walk in progress, 2: done
    found: dict[str, tuple[str, ...]] = {}
    for start in step:
        if start in state:
            continue
        path: list[str] = []
        at: dict[str, int] = {}
        cursor: str | None = start
        while cursor is not None and cursor not in state:
            state[cursor] = 1
            at[cursor] = len(path)
            path.append(cursor)
            cursor = step.get(cursor)
        if cursor is not None and state[cursor] == 1:  # back on this walk: a ring
            ring = path[at[cursor] :]
            if len(ring) >= shortest:
                k = ring.index(min(ring))
                ring = ring[k:] + ring[:k]
                found[ring[0]] = (*ring, ring[0])
        for node in path:
            state[node] = 2
    return [found[i] for i in step if i in found]


def _base_model_cycles(model: SystemModel) -> list[Issue]:
    """Models built on each other in a ring (a -> b -> a): each ring once, at its smallest id (a
    model that is its own base is reported where its ``base_model`` is checked)."""
    bases = {c.id: c.base_model for c in model.components if isinstance(c, Model) and c.base_model}
    index = {c.id: i for i, c in enumerate(model.components)}
    return [
        Issue(
            ("components", index[ring[0]], "base_model"), f"model '{ring[0]}' is built on itself ({' -> '.join(ring)})"
        )
        for ring in _rings(dict(sorted(bases.items())), shortest=2)
    ]


def _lineage_cycles(model: SystemModel) -> list[Issue]:
    """Data assets derived, through ``derived_from``, from themselves: one issue per cycle found.

    One iterative depth-first search over all assets (linear in assets and links, no recursion):
    a link back to an asset still on the search path closes a cycle, reported at that asset.
    """
    # an asset derived from nothing cannot be on a cycle: only the others are searched
    sources = {a.id: tuple(d for d in a.derived_from if d) for a in model.data if a.derived_from}
    index = {a.id: i for i, a in enumerate(model.data)}
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    reported: set[frozenset[str]] = set()
    issues: list[Issue] = []
    for start in sorted(sources):
        if start in state:
            continue
        path: list[str] = [start]
        state[start] = 1
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, i = stack[-1]
            nexts = sources.get(node, ())
            if i == len(nexts):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, i + 1)
            nxt = nexts[i]
            if nxt not in sources:
                continue  # an unknown id: reported by the reference check
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    issues.append(
                        Issue(
                            ("data", index[nxt], "derived_from"),
                            f"data asset '{nxt}' is derived from itself ({' -> '.join([*cycle, nxt])})",
                        )
                    )
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, 0))
    return issues

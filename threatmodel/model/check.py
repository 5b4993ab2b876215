"""Reference checks a model must pass beyond its schema.

Pure: returns located issues as ``(path, message, hint)``; the loader turns the
path into ``file:line:col``.
"""

from __future__ import annotations

import difflib
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

Path = tuple[str | int, ...]
MODEL_KINDS = frozenset({"llm", "ml-model", "embedding-model"})
TOOL_KINDS = frozenset({"tool", "mcp-server"})


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
    """Every problem with ids and references in ``model``, in document order."""
    issues: list[Issue] = []
    seen: dict[str, Path] = {}

    def declare(element_id: str, path: Path) -> None:
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

    for i, asset in enumerate(model.data):
        declare(asset.id, ("data", i, "id"))
    for i, boundary in enumerate(model.boundaries):
        declare(boundary.id, ("boundaries", i, "id"))
    for i, component in enumerate(model.components):
        declare(component.id, ("components", i, "id"))
    for i, flow in enumerate(model.flows):
        declare(flow.key, ("flows", i, "id" if flow.id is not None else "source"))

    data_ids = {a.id for a in model.data}
    boundary_ids = {b.id for b in model.boundaries}
    components: dict[str, ComponentBase] = {c.id: c for c in model.components}
    flow_ids = {f.key for f in model.flows}

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
            if value not in data_ids:  # the path is built only for a problem (tens of thousands of values)
                need(value, data_ids, "data assets", (*path, j))

    for i, asset in enumerate(model.data):
        need_data(asset.derived_from or (), ("data", i, "derived_from"))
    issues += _lineage_cycles(model)

    for i, boundary in enumerate(model.boundaries):
        if boundary.parent is not None:
            need(boundary.parent, boundary_ids, "boundaries", ("boundaries", i, "parent"))
    parents = {b.id: b.parent for b in model.boundaries}
    for i, boundary in enumerate(model.boundaries):
        chain, cursor = [boundary.id], parents.get(boundary.id)
        while cursor is not None and cursor in parents:
            if cursor in chain:
                cycle = chain[chain.index(cursor) :]
                if boundary.id != min(cycle):
                    break  # report each cycle once, at its smallest id
                issues.append(
                    Issue(
                        ("boundaries", i, "parent"),
                        f"boundary '{boundary.id}' is nested inside itself ({' -> '.join([*chain, cursor])})",
                    )
                )
                break
            chain.append(cursor)
            cursor = parents[cursor]

    for i, component in enumerate(model.components):
        base: Path = ("components", i)
        if component.boundary is not None:
            need(component.boundary, boundary_ids, "boundaries", (*base, "boundary"))
        need_data(component.data, (*base, "data"))
        if isinstance(component, Model):
            need_data(component.trained_on, (*base, "trained_on"))
            if component.system_prompt is not None:
                need(component.system_prompt, data_ids, "data assets", (*base, "system_prompt"))
            need_kind(component.base_model, MODEL_KINDS, "base_model", (*base, "base_model"))
            if component.base_model == component.id:
                issues.append(Issue((*base, "base_model"), "a model cannot be its own base model"))
        elif isinstance(component, Agent):
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
                need_kind(served, MODEL_KINDS, "serves", (*base, "serves", j))
        elif isinstance(component, Training):
            need_kind(component.produces, MODEL_KINDS, "produces", (*base, "produces"))

    for i, flow in enumerate(model.flows):
        if flow.source not in components:
            need(flow.source, components, "components", ("flows", i, "source"))
        if flow.target not in components:
            need(flow.target, components, "components", ("flows", i, "target"))
        if flow.source == flow.target:
            issues.append(Issue(("flows", i, "target"), f"flow '{flow.key}' starts and ends at '{flow.source}'"))
        if flow.data:
            need_data(flow.data, ("flows", i, "data"))

    scopes = set(components) | flow_ids | boundary_ids
    for i, control in enumerate(model.controls):
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


def _lineage_cycles(model: SystemModel) -> list[Issue]:
    """Data assets derived, through ``derived_from``, from themselves: one issue per cycle found.

    One iterative depth-first search over all assets (linear in assets and links, no recursion):
    a link back to an asset still on the search path closes a cycle, reported at that asset.
    """
    sources = {a.id: tuple(d for d in a.derived_from or () if d) for a in model.data}
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

"""Model diagnostics: things worth a look that are not threats."""

from __future__ import annotations

from threatmodel.graph import ModelGraph
from threatmodel.model.finding import Diagnostic
from threatmodel.model.system import SystemModel

CODES: dict[str, str] = {
    "TM101": "a boundary holds no component",
    "TM102": "a component sits in no boundary",
    "TM103": "a component has no flows",
    "TM104": "a data asset is used nowhere",
    "TM105": "a declared control is planned or partial, so it does not lower residual risk",
    "TM201": "a triage entry matches no finding",
    "TM202": "a triage decision lapsed (review-by date passed)",
    "TM203": "an accepted or transferred risk grew after the decision (the finding is open again)",
    "TM204": "a triage entry is keyed by an earlier id of a finding (grouped by root cause, or a split threat)",
}
"""Every diagnostic code, with what it means. Silence codes in ``settings.ignore_diagnostics``."""


def model_diagnostics(model: SystemModel, g: ModelGraph) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    used_boundaries = {c.boundary for c in model.components if c.boundary} | {
        b.parent for b in model.boundaries if b.parent
    }
    for boundary in model.boundaries:
        if boundary.id not in used_boundaries:
            out.append(
                Diagnostic(code="TM101", message=f"boundary '{boundary.id}' holds no component", element=boundary.id)
            )
    for component in model.components:
        if component.boundary is None and model.boundaries:
            out.append(
                Diagnostic(
                    code="TM102",
                    message=f"component '{component.id}' sits in no boundary; its trust is unknown and read conservatively",
                    element=component.id,
                )
            )
        if not g.successors(component.id) and not g.predecessors(component.id):  # degree 0
            out.append(
                Diagnostic(
                    code="TM103",
                    message=f"component '{component.id}' has no flows",
                    element=component.id,
                    severity="info",
                )
            )
    used_data = {d for ids in g.handled_data.values() for d in ids}
    for asset in model.data:
        if asset.id not in used_data:
            out.append(
                Diagnostic(
                    code="TM104", message=f"data asset '{asset.id}' is used nowhere", element=asset.id, severity="info"
                )
            )
    for control in model.controls:
        if control.status.value != "implemented":
            out.append(
                Diagnostic(
                    code="TM105",
                    message=f"control '{control.control}' is {control.status.value}; it does not lower residual risk yet",
                    element=control.scope[0] if control.scope else None,
                    severity="info",
                )
            )
    return out

"""The control plan: which controls remove the most open risk."""

from __future__ import annotations

from collections.abc import Sequence

from threatmodel.engine.catalogs import CatalogSet
from threatmodel.model.finding import Finding, Proposal


def risk_removed(finding: Finding) -> int:
    """Risk one more implemented control would remove from ``finding`` (one likelihood step)."""
    lowered = max(1, finding.residual_likelihood - 1)
    return finding.residual_risk - lowered * finding.impact


def propose_controls(findings: Sequence[Finding], cset: CatalogSet) -> tuple[Proposal, ...]:
    """Controls not yet in place, ranked by the open risk they would remove, then by id."""
    closes: dict[str, list[Finding]] = {}
    removed: dict[str, int] = {}
    for finding in findings:
        if not finding.status.is_open:
            continue
        gain: int | None = None  # the same for every control the finding lacks: computed once
        for ref in finding.controls:
            if ref not in finding.implemented_controls:
                closes.setdefault(ref, []).append(finding)
                if gain is None:
                    gain = risk_removed(finding)
                removed[ref] = removed.get(ref, 0) + gain
    proposals = []
    for control_ref, addressed in closes.items():
        found = cset.controls.get(control_ref)
        if found is None:
            continue
        control = found
        proposals.append(
            Proposal(
                control=control_ref,
                title=control.title,
                summary=control.summary,
                nist_csf=control.nist_csf,
                practices=control.practices,
                closes=tuple(sorted(f.id for f in addressed)),
                risk_removed=removed[control_ref],
                refs=control.refs,
            )
        )
    proposals.sort(key=lambda p: (-p.risk_removed, -len(p.closes), p.control))
    return tuple(proposals)

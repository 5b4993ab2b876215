"""Open questions: the unknown facts of a model, ranked by how much open risk their answers decide.

Every finding that rests on unknown facts lists them (:attr:`Finding.assumes`). A question gathers
one fact (an attribute of one element) across findings: answering it may remove those findings, or
lower their scores, so it is ranked by the residual risk of the open findings it decides, then by
how many findings, then by element and attribute (a stable order for diffs).
"""

from __future__ import annotations

from collections.abc import Iterable

from threatmodel.model.base import Frozen
from threatmodel.model.finding import Finding


class Question(Frozen):
    """One unknown fact and what it decides."""

    element: str
    """Id of the element whose attribute is unknown."""
    attribute: str
    """The attribute to state, as written in model files."""
    question: str
    """What to state, in words."""
    findings: tuple[str, ...]
    """Ids of the findings that rest on it, sorted."""
    open_findings: int
    """How many of them are open."""
    risk: int
    """Sum of the residual risk of the open findings it decides: up to this much open risk may go."""

    @property
    def summary(self) -> str:
        """``state …: decides 2 findings, up to 24 risk points``."""
        n = len(self.findings)
        return f"{self.question}: decides {n} finding{'' if n == 1 else 's'}, up to {self.risk} risk points"


def open_questions(findings: Iterable[Finding]) -> tuple[Question, ...]:
    """The questions behind ``findings``, most open risk first."""
    # one pass over the findings, each read once (a model full of unstated facts has tens of
    # thousands of questions, each resting on several findings): per question the ids of its
    # findings, how many are open and their open residual risk, and the first wording seen
    tally: dict[tuple[str, str], tuple[list[str], list[int], str]] = {}
    for finding in findings:
        if not finding.assumes:
            continue
        fid = finding.id
        is_open = finding.status.is_open
        risk = finding.residual_risk if is_open else 0
        for assumption in finding.assumes:
            key = (assumption.element, assumption.attribute)
            entry = tally.get(key)
            if entry is None:
                entry = tally[key] = ([], [0, 0], assumption.question)
            entry[0].append(fid)
            if is_open:
                entry[1][0] += 1
                entry[1][1] += risk
    questions = [
        Question(
            element=element,
            attribute=attribute,
            question=wording,
            findings=tuple(sorted(ids)),
            open_findings=counts[0],
            risk=counts[1],
        )
        for (element, attribute), (ids, counts, wording) in tally.items()
    ]
    questions.sort(key=lambda q: (-q.risk, -len(q.findings), q.element, q.attribute))
    return tuple(questions)


def risk_resting_on_unknowns(findings: Iterable[Finding]) -> int:
    """Residual risk of the open findings that rest on at least one unknown fact (each counted once)."""
    return sum(f.residual_risk for f in findings if f.assumes and f.status.is_open)


__all__ = ["Question", "open_questions", "risk_resting_on_unknowns"]

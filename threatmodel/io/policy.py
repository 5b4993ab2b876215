"""Load a policy file into a validated :class:`Policy`, or fail with located problems."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from threatmodel.engine.policy import check_policy
from threatmodel.errors import Problem, SourceSpan, ThreatModelError
from threatmodel.io.errors import problems_from_validation, sort_problems
from threatmodel.io.yaml_document import YamlDocument
from threatmodel.io.yaml_source import parse_yaml, read_yaml
from threatmodel.model.policy import RULE_CLASSES, RULE_KINDS, Policy


class PolicyError(ThreatModelError):
    """The policy file is unreadable, invalid or names things that do not exist."""

    title = "invalid policy"


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy and the document it came from (for locating rules)."""

    policy: Policy
    document: YamlDocument

    @property
    def path(self) -> str:
        return self.document.path

    def rule_span(self, rule_id: str) -> SourceSpan:
        """Where the rule with ``rule_id`` is declared."""
        for i, rule in enumerate(self.policy.rules):
            if rule.id == rule_id:
                return self.document.span(("rules", i, "id"))
        return SourceSpan(self.document.path, 1, 1)


def load_policy(path: Path | str, *, known_controls: Collection[str] | None = None) -> LoadedPolicy:
    """Read and validate a policy file; every problem is reported with ``file:line:col``."""
    path = Path(path)
    return _load(read_yaml(path, str(path), error=PolicyError), known_controls)


def load_policy_text(text: str, display: str, *, known_controls: Collection[str] | None = None) -> LoadedPolicy:
    """Like :func:`load_policy`, from text already in memory."""
    return _load(parse_yaml(text, display, error=PolicyError), known_controls)


def _load(doc: YamlDocument, known_controls: Collection[str] | None) -> LoadedPolicy:
    if doc.data is None:
        raise PolicyError(
            Problem(
                "the policy file is empty", SourceSpan(doc.path, 1, 1), "a policy needs `rules:`; see docs/policy.md"
            )
        )
    if not isinstance(doc.data, dict):
        raise PolicyError(Problem("expected a mapping at the top level (rules: ...)", SourceSpan(doc.path, 1, 1)))
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(sort_problems(_validation_problems(exc, doc))) from None
    issues = check_policy(policy, known_controls)
    if issues:
        raise PolicyError(sort_problems([Problem(message, doc.span(loc), hint) for loc, message, hint in issues]))
    return LoadedPolicy(policy, doc)


class _UntaggedErrors:
    """pydantic's errors with the rule-kind tag taken out of every location.

    pydantic puts the chosen union member into an error's location
    (``rules.0.max_review_days.level``); in the document that level does not exist, and
    since our tags are also real keys it would point at the wrong node.
    """

    def __init__(self, errors: list[Any]) -> None:
        self._errors = errors

    def errors(self, include_url: bool = False) -> list[Any]:
        return self._errors


def _rule_kind_in(loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 3 and loc[0] == "rules" and isinstance(loc[1], int) and loc[2] in RULE_CLASSES:
        return str(loc[2])
    return None


def _validation_problems(exc: ValidationError, doc: YamlDocument) -> list[Problem]:
    """Located problems for a policy that fails its schema, with rule-aware hints."""
    raw = exc.errors(include_url=False)
    # A rule that fails its own schema is dropped from the list before the list's length is
    # checked, which adds "rules: at least 1 item" beside the real error: leave that one out.
    if any(tuple(e["loc"])[:1] == ("rules",) and len(e["loc"]) > 1 for e in raw):
        raw = [e for e in raw if not (e["type"] == "too_short" and tuple(e["loc"]) == ("rules",))]
    stripped = []
    for err in raw:
        loc = tuple(err["loc"])
        if _rule_kind_in(loc) is not None:
            err = {**err, "loc": (*loc[:2], *loc[3:])}
        stripped.append(err)
    shim = cast(ValidationError, _UntaggedErrors(stripped))
    problems = problems_from_validation(shim, Policy, doc.data, lambda loc, key: doc.span(loc, key=key))
    out: list[Problem] = []
    for err, problem in zip(raw, problems, strict=True):
        loc = tuple(err["loc"])
        kind = _rule_kind_in(loc)
        if err["type"] == "extra_forbidden" and kind is not None and len(loc) == 4:
            allowed = [info.alias or name for name, info in RULE_CLASSES[kind].model_fields.items()]
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"a '{kind}' rule takes: {', '.join(allowed)}"
            problem = Problem(problem.message, problem.source, hint)
        elif err["type"] == "unknown_rule_kind":
            problem = _unknown_kind(problem, err.get("input"), doc, tuple(err["loc"]))
        out.append(problem)
    return out


def _unknown_kind(problem: Problem, value: Any, doc: YamlDocument, loc: tuple[Any, ...]) -> Problem:
    """Say which kind keys were found (none, or several) and suggest the likely one."""
    kinds = ", ".join(RULE_KINDS)
    if not isinstance(value, dict):
        return problem
    where = problem.message.split(":", 1)[0]
    present = [k for k in RULE_KINDS if k in value]
    if len(present) > 1:
        return Problem(
            f"{where}: a rule has exactly one kind key, found {len(present)} ({', '.join(present)})",
            problem.source,
            "split it into one rule per kind",
        )
    common = {"id", "level", "message", "description", "at_least", "statuses", "target", "for_each", "control_status"}
    for key in value:
        if str(key) in common:
            continue
        close = difflib.get_close_matches(str(key), RULE_KINDS, n=1, cutoff=0.6)
        if close:
            at = doc.span((*loc, str(key)), key=True)
            return Problem(f"{where}: unknown rule kind '{key}'", at, f"did you mean '{close[0]}'?")
    return Problem(
        f"{where}: the rule says what it checks with none of the kind keys",
        problem.source,
        f"rule kinds: {kinds} (docs/policy.md)",
    )

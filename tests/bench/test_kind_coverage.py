"""bench/kind_coverage.py reads threat x element-kind coverage from the rules (decision 1610).

The matrix in docs/coverage-kinds.md is generated, so it must match the library; the derivation
itself is checked on small rules whose answer is known.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import TypeAdapter

from threatmodel.model.rules import Condition

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import kind_coverage  # noqa: E402


def rule(when: object) -> Condition:
    """A rule condition read from its YAML shape."""
    adapter: TypeAdapter[Condition] = TypeAdapter(Condition)
    return adapter.validate_python(when)


def test_the_doc_matrix_is_current() -> None:
    """docs/coverage-kinds.md holds the matrix the library gives today (run --write after a rule change)."""
    assert kind_coverage.main(["--check"]) == 0


def test_an_attribute_only_some_kinds_have_narrows_the_kinds() -> None:
    """`rate_limited` exists on serving and applications only, `side_effects` on tools only, so a
    rule listing more kinds can fire only where the fact can be stated."""
    when = rule(
        {
            "all": [
                {"kind": ["model-serving", "application", "llm"]},
                {"attr": {"name": "rate_limited", "equals": False}},
            ]
        }
    )
    assert kind_coverage.possible_kinds(when) == {"model-serving", "application"}
    assert kind_coverage.listed_kinds(when) - kind_coverage.possible_kinds(when) == {"llm"}
    tools = rule({"attr": {"name": "side_effects", "contains_any": ["execute-code"]}})
    assert kind_coverage.possible_kinds(tools) == {"tool", "mcp-server"}


def test_negations_and_unset_tests_do_not_narrow() -> None:
    """`not` and `is_set: false` hold on kinds without the field, so they restrict nothing."""
    assert kind_coverage.possible_kinds(rule({"not": {"kind": ["llm"]}})) == kind_coverage.ALL_KINDS
    unset = rule({"attr": {"name": "rate_limited", "is_set": False}})
    assert kind_coverage.possible_kinds(unset) == kind_coverage.ALL_KINDS


def test_weights_reading_tells_tag_from_artefact() -> None:
    """A rule that reads only the model-weights tag is reported as such (the gap of decision 1610)."""
    tag = rule({"data": {"tags_any": ["model-weights"]}})
    both = rule({"any": [tag, {"data": {"attr": {"name": "artifact", "in": ["model-weights"]}}}]})
    assert kind_coverage.weights_reading(tag) == "tag only"
    assert kind_coverage.weights_reading(both) == "tag and artefact"
    assert kind_coverage.weights_reading(rule({"kind": ["llm"]})) == ""


def test_no_library_rule_reads_weights_by_the_tag_only() -> None:
    """After the kind pass every rule that recognises weights carried as data also reads `artifact`."""
    assert "| tag only |" not in kind_coverage.table()

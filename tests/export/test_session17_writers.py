"""Session 17's writer shortcuts give what the code they replace gave (decision 1865).

* ``finding_json`` and SARIF's results read a finding's field values from its ``__dict__`` and enum
  values from ``_value_``: compared here, field by field, with the attribute reads they replace.
* SARIF shares the parts of an element's location between the results naming it: every result
  still gets a location dict of its own, and only related locations carry an ``id``.
* The STIX digest's encoder is ``json.dumps(..., sort_keys=True)``'s, made once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import MODEL_FILES, analyse_file
from threatmodel.export.json import _triage_json, finding_json
from threatmodel.export.sarif import sarif_run
from threatmodel.export.stix import bundle_digest, stix_bundle
from threatmodel.model.finding import Finding

EXAMPLES = [p for p in MODEL_FILES if p.parent.name == "models"]


def _finding_json_by_attributes(f: Finding) -> dict[str, Any]:
    """``finding_json`` as it was written before session 17: every field read as an attribute."""
    return {
        "id": f.id,
        "threat": f.threat,
        "title": f.title,
        "target": f.target,
        "target_type": f.target_type.value,
        "target_name": f.target_name,
        "severity": f.severity.value,
        "likelihood": f.likelihood,
        "impact": f.impact,
        "risk": f.risk,
        "residual": {
            "likelihood": f.residual_likelihood,
            "risk": f.residual_risk,
            "severity": f.residual_severity.value,
        },
        "status": f.status.value,
        "refs": list(f.refs),
        "why": list(f.why),
        "path": list(f.path),
        "paths": [list(p) for p in f.paths],
        "scenario": f.scenario,
        "summary": f.summary,
        "factors": [{"axis": x.axis, "delta": x.delta, "reason": x.reason} for x in f.factors],
        "lifecycle": [s.value for s in f.lifecycle],
        "stride": [s.value for s in f.stride],
        "controls": list(f.controls),
        "implemented_controls": list(f.implemented_controls),
        "triage": _triage_json(f.triage) if f.triage else None,
        "triage_expired": f.triage_expired,
        "risk_grew_from": f.risk_grew_from,
        "assumes": [{"element": x.element, "attribute": x.attribute, "question": x.question} for x in f.assumes],
        "root": f.root,
        "root_cause": f.root_cause or None,
        "affected": list(f.affected),
        "aliases": list(f.aliases),
        "triage_key": f.triage_key,
        **({"also_affects": list(f.also_affects)} if f.also_affects else {}),
    }


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.stem)
def analysis(request: pytest.FixtureRequest, builtin_catalogs: Any) -> Any:
    path: Path = request.param
    return analyse_file(path, builtin_catalogs)


def test_every_field_of_a_finding_is_in_its_dict(analysis: Any) -> None:
    # what the direct reads rely on: pydantic keeps each field's value under its name
    for f in analysis.assessment.findings:
        assert all(f.__dict__[name] is getattr(f, name) for name in Finding.model_fields)


def test_finding_json_is_the_attribute_reading(analysis: Any) -> None:
    findings = analysis.assessment.findings
    assert findings
    for f in findings:
        made = finding_json(f)
        expected = _finding_json_by_attributes(f)
        assert made == expected
        assert list(made) == list(expected)  # the same keys in the same order
        assert repr(made) == repr(expected)  # and the same types (an enum member's repr is not its value's)


def test_sarif_locations_are_their_own_dicts(analysis: Any) -> None:
    run = sarif_run(analysis, tool_version="test")
    outer = [loc for r in run["results"] for loc in (*r["locations"], *r.get("relatedLocations", ()))]
    assert len({id(loc) for loc in outer}) == len(outer)  # a location's own dict is never shared
    for result in run["results"]:
        assert all("id" not in loc and "message" not in loc for loc in result["locations"])
        related = result.get("relatedLocations", [])
        assert [loc["id"] for loc in related] == list(range(1, len(related) + 1))
    # the shared parts serialise as separate copies would
    assert json.loads(json.dumps(run)) == run


def test_stix_digest_is_the_sorted_dump(analysis: Any) -> None:
    objects = stix_bundle(analysis, tool_version="test")["objects"]
    text = json.dumps(objects, sort_keys=True)
    assert bundle_digest(objects) == hashlib.sha256(text.encode("utf-8")).hexdigest()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=6), _JSON, max_size=5), max_size=600))
def test_digest_of_any_objects_is_the_sorted_dump(objects: list[dict[str, Any]]) -> None:
    # slices of DIGEST_SLICE objects joined as one list would be, whatever the objects hold
    text = json.dumps(objects, sort_keys=True)
    assert bundle_digest(objects) == hashlib.sha256(text.encode("utf-8")).hexdigest()


_PRETTY = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits orjson refuses: the fallback
    | st.floats(allow_nan=False)
    | st.text(max_size=8),  # any code point, lone surrogates included (orjson refuses those too)
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_PRETTY)
def test_a_list_item_is_the_item_shifted_four_spaces(value: Any) -> None:
    from threatmodel.jsontext import _pretty_item, _pretty_list_item

    assert _pretty_list_item(value) == b"    " + _pretty_item(value).replace(b"\n", b"\n    ")

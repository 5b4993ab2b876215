"""Hypothesis strategies that build valid, reference-consistent system models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from threatmodel.model.base import Classification, TrustLevel
from threatmodel.model.system import SystemModel
from threatmodel.model.vocab import ComponentKind

SLUG = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}\Z")
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@st.composite
def system_models(draw: st.DrawFn, max_components: int = 12) -> SystemModel:
    """A valid model: unique ids, every reference resolving, random kinds and attributes."""
    ids = draw(st.lists(SLUG, min_size=3, max_size=max_components + 8, unique=True))
    n_data = draw(st.integers(0, 3))
    n_boundaries = draw(st.integers(0, 3))
    data_ids, rest = ids[:n_data], ids[n_data:]
    boundary_ids, comp_ids = rest[:n_boundaries], rest[n_boundaries:][:max_components]
    if not comp_ids:
        comp_ids = ["only-one"]
    data = [
        {
            "id": d,
            "name": draw(TEXT) or None,
            "classification": draw(st.sampled_from(list(Classification))).value,
            "tags": draw(
                st.lists(
                    st.sampled_from(["pii", "credentials", "system-prompt", "model-weights", "training-data"]),
                    unique=True,
                )
            ),
            # artefact facts (issue 9, gap 3), each stated or left unknown
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "artifact": st.sampled_from(["model-weights", "adapter", "dataset", "ml-library"]),
                        "provenance": st.sampled_from(["first-party", "open-weights", "community", "vendor"]),
                        "format": st.sampled_from(["pickle", "pytorch", "safetensors", "parquet"]),
                        "integrity": st.sampled_from(["none", "hash-pinned", "signature-verified"]),
                    },
                )
            ),
        }
        for d in data_ids
    ]
    boundaries = []
    for i, b in enumerate(boundary_ids):
        entry = {"id": b, "trust": draw(st.sampled_from(list(TrustLevel))).value}
        if i and draw(st.booleans()):
            entry["parent"] = boundary_ids[i - 1]
        boundaries.append(entry)
    components = []
    for c in comp_ids:
        kind = draw(st.sampled_from([k.value for k in ComponentKind]))
        entry = {"id": c, "kind": kind, "name": draw(TEXT) or None}
        if boundary_ids and draw(st.booleans()):
            entry["boundary"] = draw(st.sampled_from(boundary_ids))
        if data_ids and draw(st.booleans()):
            entry["data"] = draw(st.lists(st.sampled_from(data_ids), unique=True, max_size=2))
        entry["untrusted_content"] = draw(st.booleans())
        entry["exposure"] = draw(st.sampled_from(["internet", "partner", "internal", "none"]))
        if kind in ("llm", "ml-model", "embedding-model"):
            entry["weights_format"] = draw(st.sampled_from(["safetensors", "pickle", "onnx"]))
            entry["provenance"] = draw(st.sampled_from(["first-party", "open-weights", "third-party-api"]))
        if kind in ("tool", "mcp-server", "llm") and draw(st.booleans()):
            entry["pinned_version"] = draw(st.booleans())
        if kind in ("training-job", "fine-tuning-job", "model-serving") and draw(st.booleans()):
            entry["pinned_dependencies"] = draw(st.booleans())
        if kind in ("tool", "mcp-server"):
            entry["side_effects"] = draw(
                st.lists(
                    st.sampled_from(["read-only", "write", "send-external", "execute-code"]), min_size=1, unique=True
                )
            )
        components.append(entry)
    tool_ids = [c["id"] for c in components if c["kind"] in ("tool", "mcp-server")]
    for entry in components:
        if entry["kind"] == "agent" and tool_ids:
            entry["tools"] = draw(st.lists(st.sampled_from(tool_ids), unique=True, max_size=3))
            entry["autonomy"] = draw(st.sampled_from(["assistive", "supervised", "autonomous"]))
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(comp_ids), st.sampled_from(comp_ids)).filter(lambda p: p[0] != p[1]),
            unique=True,
            max_size=2 * len(comp_ids),
        )
    )
    flows = [
        {
            "source": s,
            "target": t,
            **({"data": [draw(st.sampled_from(data_ids))]} if data_ids and draw(st.booleans()) else {}),
        }
        for s, t in pairs
    ]
    triage = {}
    if draw(st.booleans()):
        triage[f"tm:indirect-prompt-injection@{comp_ids[0]}"] = {
            "status": "accepted",
            "owner": "sec",
            "review_by": draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31))).isoformat(),
        }
    return SystemModel.model_validate(
        {
            "system": {"id": "generated", "name": draw(TEXT) or "Generated", "updated": "2026-11-01"},
            "data": data,
            "boundaries": boundaries,
            "components": components,
            "flows": flows,
            "triage": triage,
        }
    )


@st.composite
def attr_test_options(draw: st.DrawFn, values: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """The options of an ``attr`` test: any operator on one of ``values``' attribute names, with
    values drawn from what that name may hold, and any ``unknown`` reading (none, match, no-match)."""
    name = draw(st.sampled_from(sorted(values)))
    op = draw(st.sampled_from(["equals", "in", "contains_any", "is_set"]))
    test: dict[str, Any] = {"name": name}
    if op == "equals":
        test["equals"] = draw(st.sampled_from(values[name]))
    elif op == "is_set":
        test["is_set"] = draw(st.booleans())
    else:
        test[op] = draw(st.lists(st.sampled_from(values[name]), min_size=1, max_size=3))
    if op != "is_set" and (unknown := draw(st.sampled_from([None, "match", "no-match"]))) is not None:
        test["unknown"] = unknown
    return test

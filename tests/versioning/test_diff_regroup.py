"""The diff's "Moved" section says how a finding moved: renamed, regrouped into a finding per root
cause, or split from one (issue 9, noise). Goldens: tests/golden/diff/regroup-*.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.golden import assert_golden
from tests.versioning.conftest import AS_OF, GOLDEN, invoke

USF = "tm:unprotected-sensitive-flow"


def _model(flows: list[tuple[str, str]], *, renamed: bool = False) -> dict[str, Any]:
    """Patient records moving unencrypted inside one clinic network (group_by: link)."""
    store = "records-db" if renamed else "ehr"
    return {
        "system": {"id": "clinic", "name": "Clinic"},
        "data": [{"id": "records", "name": "Patient records", "classification": "restricted", "tags": ["phi"]}],
        "boundaries": [{"id": "clinic-net", "name": "Clinic network", "trust": "internal"}],
        "components": [
            {
                "id": store,
                "name": "Records store",
                "kind": "datastore",
                "boundary": "clinic-net",
                "exposure": "internal",
            },
            {
                "id": "intake",
                "name": "Intake app",
                "kind": "application",
                "boundary": "clinic-net",
                "exposure": "internal",
            },
            {
                "id": "coder",
                "name": "Coding job",
                "kind": "data-pipeline",
                "boundary": "clinic-net",
                "exposure": "none",
            },
        ],
        "flows": [
            {
                "source": store if s == "ehr" else s,
                "target": store if t == "ehr" else t,
                "data": ["records"],
                "encrypted": False,
            }
            for s, t in flows
        ],
    }


ONE = [("intake", "ehr")]
THREE = [("intake", "ehr"), ("ehr", "coder"), ("coder", "ehr")]


def _diff(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], fmt: str) -> str:
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(old, sort_keys=False), encoding="utf-8")
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new, sort_keys=False), encoding="utf-8")
    result = invoke(tmp_path, "diff", "old.yaml", "new.yaml", "--format", fmt, "--as-of", AS_OF)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_joining_a_group_is_regrouped_not_renamed(tmp_path: Path) -> None:
    md = _diff(tmp_path, _model(ONE), _model(THREE), "md")
    assert "Regrouped: the element's finding joined one finding per root cause" in md
    assert "The element was renamed" not in md and "Renamed:" not in md
    assert f"| regrouped into this finding from | `{USF}@intake-to-ehr` |" in md
    assert_golden(GOLDEN / "regroup-joined.md", md)
    moved = json.loads(_diff(tmp_path, _model(ONE), _model(THREE), "json"))["findings"]["moved"]
    assert [(m["id"], m["old_id"], m["moved_how"]) for m in moved] == [
        (f"{USF}@clinic-net", f"{USF}@intake-to-ehr", "regrouped")
    ]


def test_leaving_a_group_is_split_from(tmp_path: Path) -> None:
    md = _diff(tmp_path, _model(THREE), _model(ONE), "md")
    assert "Split: the element left a finding grouped by root cause" in md
    assert f"| split from | `{USF}@clinic-net` |" in md
    assert_golden(GOLDEN / "regroup-split.md", md)


def test_a_renamed_element_still_says_renamed(tmp_path: Path) -> None:
    md = _diff(tmp_path, _model(ONE), _model(ONE, renamed=True), "md")
    assert "Renamed: the element was renamed" in md
    assert f"| renamed from | `{USF}@intake-to-ehr` |" in md
    text = _diff(tmp_path, _model(ONE), _model(ONE, renamed=True), "text")
    assert "renamed from" in text and "3 moved with a rename" in text

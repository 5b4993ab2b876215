"""bench/realshape.py builds models `threatmodel validate` accepts, with every copy a faithful copy.

Timings belong to bench/commands.py; these tests check only shape: counts, references, findings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import assess_file
from threatmodel.cli import cli
from threatmodel.io.load import LoadedCatalogs, load_model

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import realshape  # noqa: E402

AGENT = REPO / "models" / "agent-with-tools.yaml"


def validate(*paths: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", *map(str, paths)])
    assert result.exit_code == 0, result.output


def counts_of(path: Path, catalogs: LoadedCatalogs) -> realshape.Counts:
    model = load_model(path, known_controls=catalogs.control_refs).model
    return realshape.Counts(
        components=len(model.components),
        flows=len(model.flows),
        data=len(model.data),
        boundaries=len(model.boundaries),
        controls=len(model.controls),
        triage=len(model.triage),
    )


def scaled(counts: realshape.Counts, k: int) -> realshape.Counts:
    return realshape.Counts(*(k * getattr(counts, f) for f in realshape.Counts.__dataclass_fields__))


def test_replicated_example_validates_with_the_expected_counts(
    tmp_path: Path, builtin_catalogs: LoadedCatalogs
) -> None:
    """60 components of the 19-component agent example take 4 copies: 4x every count, and valid."""
    model = realshape.replicate([AGENT], 60)
    assert len(model.copies) == 4
    written = realshape.write(model, tmp_path / "rs.yaml")
    assert written == [tmp_path / "rs.yaml"]
    validate(tmp_path / "rs.yaml")
    original = counts_of(AGENT, builtin_catalogs)
    assert original.components == 19 and original.controls > 0 and original.triage > 0
    assert counts_of(tmp_path / "rs.yaml", builtin_catalogs) == scaled(original, 4) == model.counts
    text = (tmp_path / "rs.yaml").read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text  # written out in full, no anchors or aliases


@pytest.mark.parametrize("example", sorted((REPO / "models").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_copy_raises_its_sources_findings_with_its_triage(
    example: Path, tmp_path: Path, builtin_catalogs: LoadedCatalogs
) -> None:
    """Enum values untouched and references rewritten: copy k has the original's findings on renamed elements.

    Findings on derived flow ids (``a-to-b`` becomes ``a-r1-to-b-r1``) and triage on them move too,
    so each copy's findings carry the original's statuses, residual risks and triage decisions.
    """
    original = assess_file(example, builtin_catalogs)
    data: Any = realshape.inline_includes(example)
    model = realshape.replicate([example], 2 * len(data["components"]))
    assert len(model.copies) == 2
    realshape.write(model, tmp_path / "rs.yaml")
    copied = {f.id: f for f in assess_file(tmp_path / "rs.yaml", builtin_catalogs).findings}
    expected: dict[str, Any] = {}
    for k in range(2):
        mapping = realshape.id_map(data, f"-r{k}")
        for finding in original.findings:
            keyed = finding.root or finding.target  # a finding grouped by root cause is keyed by its root
            expected[f"{finding.threat}@{mapping.get(keyed, keyed)}"] = finding
    assert original.findings and set(copied) == set(expected)
    for finding_id, source in expected.items():
        assert (copied[finding_id].status, copied[finding_id].residual_risk) == (source.status, source.residual_risk)
        assert (copied[finding_id].triage is None) == (source.triage is None)
    assert sum(1 for f in copied.values() if f.triage is not None) == 2 * sum(1 for f in original.findings if f.triage)
    if example.stem == "multi-agent-research":  # its findings on derived flow ids moved with their flows
        assert "tm:tool-transport-hijacking@researcher-agent-r1-to-web-browser-r1" in copied


def test_all_examples_in_turn(tmp_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """``--source all`` cycles through every example; the model is their sum and valid."""
    paths = realshape.source_paths("all")
    assert len(paths) >= 6
    per_source = {p.stem: counts_of(p, builtin_catalogs) for p in paths}
    target = sum(c.components for c in per_source.values()) + 1  # one whole round and one more copy
    model = realshape.replicate(paths, target)
    assert model.sources == (*(p.stem for p in paths), paths[0].stem)
    realshape.write(model, tmp_path / "mixed.yaml")
    validate(tmp_path / "mixed.yaml")
    total = counts_of(tmp_path / "mixed.yaml", builtin_catalogs)
    assert total.components == sum(per_source[s].components for s in model.sources)
    assert total.flows == sum(per_source[s].flows for s in model.sources)
    assert total.controls == sum(per_source[s].controls for s in model.sources)


def test_split_into_included_parts_validates(tmp_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """Above --max-file-mb the model is a root that includes parts; loaded, it is the same model."""
    model = realshape.replicate([AGENT], 5 * 19)
    written = realshape.write(model, tmp_path / "big.yaml", max_file_mb=0.05)
    assert len(written) > 2 and all(p.parent.name == "big.parts" for p in written[1:])
    assert all(p.stat().st_size <= 0.05 * 1024 * 1024 for p in written)
    validate(tmp_path / "big.yaml")
    assert counts_of(tmp_path / "big.yaml", builtin_catalogs) == model.counts


def test_includes_of_a_source_are_inlined(tmp_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """A source split across files is merged first (nested includes, triage in a part), then copied."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "root.yaml").write_text(
        "schema_version: 1\n"
        "system: {id: split-system, name: Split, updated: 2026-11-01}\n"
        "includes: [parts/tools.yaml]\n"
        "boundaries:\n  - {id: corp, trust: internal}\n"
        "components:\n  - {id: app, kind: application, boundary: corp}\n"
        "flows:\n  - {source: app, target: llm, protocol: https}\n",
        encoding="utf-8",
    )
    (tmp_path / "parts" / "tools.yaml").write_text(
        "includes: [models.yaml]\n"
        "data:\n  - {id: prompt, classification: internal, tags: [system-prompt]}\n"
        "components:\n  - {id: store, kind: datastore, boundary: corp, data: [prompt]}\n"
        "controls:\n  - {control: 'cosai:controlAgentObservability', scope: [app-to-llm]}\n"
        'triage:\n  "tm:provider-prompt-retention@llm": {status: accepted, justification: no retention}\n'
        '  "tm:tool-transport-hijacking@app-to-llm": {status: open}\n',
        encoding="utf-8",
    )
    (tmp_path / "parts" / "models.yaml").write_text(
        "components:\n  - {id: llm, kind: llm, boundary: corp, system_prompt: prompt, hosting: provider-api}\n",
        encoding="utf-8",
    )
    validate(tmp_path / "root.yaml")
    merged = realshape.inline_includes(tmp_path / "root.yaml")
    assert "includes" not in merged
    assert [c["id"] for c in merged["components"]] == ["app", "store", "llm"]
    model = realshape.replicate([tmp_path / "root.yaml"], 9)
    assert len(model.copies) == 3
    realshape.write(model, tmp_path / "out.yaml")
    validate(tmp_path / "out.yaml")
    out = load_model(tmp_path / "out.yaml", known_controls=builtin_catalogs.control_refs).model
    assert [c.id for c in out.components][:3] == ["app-r0", "store-r0", "llm-r0"]
    assert [c.scope for c in out.controls] == [(f"app-r{k}-to-llm-r{k}",) for k in range(3)]
    assert sorted(out.triage) == sorted(
        [f"tm:provider-prompt-retention@llm-r{k}" for k in range(3)]
        + [f"tm:tool-transport-hijacking@app-r{k}-to-llm-r{k}" for k in range(3)]
    )


def test_include_cycle_and_long_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("schema_version: 1\nsystem: {id: s}\nincludes: [b.yaml]\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("includes: [a.yaml]\n", encoding="utf-8")
    with pytest.raises(realshape.ReplicationError, match="includes it back"):
        realshape.inline_includes(tmp_path / "a.yaml")
    long_id = "x" * 62
    with pytest.raises(realshape.ReplicationError, match="longer than 64"):
        realshape.id_map({"components": [{"id": long_id, "kind": "application"}]}, "-r10")


def test_next_version_for_diff(tmp_path: Path, builtin_catalogs: LoadedCatalogs) -> None:
    """``vary`` drops the last copy and states one encrypted flow as unencrypted; it stays valid."""
    model = realshape.replicate([AGENT], 3 * 19)
    nxt = realshape.vary(model)
    realshape.write(nxt, tmp_path / "next.yaml")
    validate(tmp_path / "next.yaml")
    assert counts_of(tmp_path / "next.yaml", builtin_catalogs) == scaled(counts_of(AGENT, builtin_catalogs), 2)
    before = [f.get("encrypted") for f in model.copies[0]["flows"]]
    after = [f.get("encrypted") for f in nxt.copies[0]["flows"]]
    changed = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b != a]
    assert len(changed) == 1 and before[changed[0]] is True and after[changed[0]] is False


def test_yaml_12_scalars_survive(tmp_path: Path) -> None:
    """Strings a YAML 1.1 writer would leave bare (``no``, dates, ``1.4``) come back as the same strings."""
    (tmp_path / "m.yaml").write_text(
        "schema_version: 1\nsystem: {id: s, name: 'no', version: '1.4', updated: 2026-11-01}\n"
        "components:\n  - {id: on, kind: application, description: yes}\n",
        encoding="utf-8",
    )
    model = realshape.replicate([tmp_path / "m.yaml"], 1)
    realshape.write(model, tmp_path / "out.yaml")
    again = realshape.read_yaml(tmp_path / "out.yaml")
    assert again["system"]["updated"] == "2026-11-01" and again["system"]["version"] == "1.4"
    assert again["components"] == [{"id": "on-r0", "kind": "application", "description": "yes"}]
    assert again["system"]["name"].startswith("no (real-shaped")

"""`threatmodel migrate`: renames that carry references and triage along, and refuse anything unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import assert_golden
from tests.versioning.conftest import CATALOG, GOLDEN, invoke, version_text
from threatmodel.errors import UsageError
from threatmodel.io import migrate as migrate_module
from threatmodel.io.load import load_catalogs, load_model
from threatmodel.io.migrate import parse_renames, plan_migration
from threatmodel.io.roundtrip import ConflictError

CAT = ("--catalog", str(CATALOG))


@pytest.fixture
def v3(tmp_path: Path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(version_text("v3"), encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.lstrip().startswith("#")]


def test_rename_matches_golden_and_keeps_comments(v3: Path) -> None:
    """Renaming the agent rewrites exactly its references and triage; comments and layout stay."""
    before = v3.read_text(encoding="utf-8")
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", *CAT)
    assert result.exit_code == 0, result.output
    after = v3.read_text(encoding="utf-8")
    assert_golden(GOLDEN / "migrated-v3.yaml", after)
    assert comments(after) == comments(before)
    assert "support-agent" not in after.split("\n# ", 1)[-1].replace("# New in v2", "")
    assert after.count("helpdesk-agent") == before.count("support-agent")
    model = load_model(v3).model
    assert "vt:excessive-agency@helpdesk-agent" in model.triage
    assert {f.key for f in model.flows} >= {"web-app-to-helpdesk-agent", "helpdesk-agent-to-send-email"}
    assert result.stdout.splitlines()[1] == (
        "  renamed component 'support-agent' → 'helpdesk-agent': 8 changes "
        "(components.id, controls.scope ×2, flows.source ×2, flows.target ×2, triage)"
    )


def test_only_changed_lines_differ(v3: Path) -> None:
    """Every line of the file is kept byte for byte except the lines holding the renamed id."""
    before = v3.read_text(encoding="utf-8").splitlines()
    invoke(v3.parent, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", *CAT)
    after = v3.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        if old != new:
            assert (
                "support-agent" in old
                and old.replace("support-agent", "helpdesk-agent").split("#")[0].rstrip() == new.split("#")[0].rstrip()
            )


def test_dry_run_prints_a_diff_and_writes_nothing(v3: Path) -> None:
    """--dry-run shows the unified diff on stdout and leaves the file as it was."""
    before = v3.read_bytes()
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "kb-store=knowledge-base", "--dry-run", *CAT)
    assert result.exit_code == 0, result.output
    assert v3.read_bytes() == before
    assert result.stdout.startswith("--- a/model.yaml\n+++ b/model.yaml\n")
    assert "-  - id: kb-store\n+  - id: knowledge-base\n" in result.stdout
    assert "dry run: model.yaml was not changed" in result.stderr


def test_data_and_boundary_renames_follow_every_reference(v3: Path) -> None:
    """Renaming a data asset rewrites flows' and components' data lists; a boundary, every component in it."""
    result = invoke(
        v3.parent, "migrate", "model.yaml", "--rename", "question=customer-question", "--rename", "app=app-vpc", *CAT
    )
    assert result.exit_code == 0, result.output
    model = load_model(v3).model
    assert all("question" not in f.data for f in model.flows)
    assert sum("customer-question" in f.data for f in model.flows) == 5
    assert {c.boundary for c in model.components} == {"internet", "app-vpc", "provider"}


def test_system_id_rename(v3: Path) -> None:
    """The system id can be renamed too."""
    assert invoke(v3.parent, "migrate", "model.yaml", "--rename", "support-assistant=helpdesk", *CAT).exit_code == 0
    assert load_model(v3).model.system.id == "helpdesk"


def test_threat_rename_rekeys_triage_and_disabled_threats(v3: Path) -> None:
    """A catalog-edition rename moves triage keys and disabled_threats, warning when the new key is unknown."""
    v3.write_text(
        v3.read_text(encoding="utf-8") + "\nsettings:\n  disabled_threats: [vt:excessive-agency]\n", encoding="utf-8"
    )
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "vt:excessive-agency=vt:agent-overreach", *CAT)
    assert result.exit_code == 0, result.output
    model = load_model(v3).model
    assert "vt:agent-overreach@support-agent" in model.triage
    assert model.settings.disabled_threats == ("vt:agent-overreach",)
    assert "threat 'vt:agent-overreach' is not in the loaded catalogs" in result.stderr


def test_refuses_when_new_id_exists(v3: Path) -> None:
    """NEW must not already be an id (ids share one namespace): exit 2, file untouched."""
    before = v3.read_bytes()
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "support-agent=kb-store", *CAT)
    assert result.exit_code == 2
    assert "cannot rename 'support-agent' to 'kb-store': component 'kb-store' already exists" in result.stderr
    assert v3.read_bytes() == before


def test_refuses_unknown_old_id_with_suggestion(v3: Path) -> None:
    """A typo in OLD is refused with a did-you-mean hint."""
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "suport-agent=helpdesk-agent", *CAT)
    assert result.exit_code == 2
    assert "has no element 'suport-agent'" in result.stderr and "did you mean 'support-agent'?" in result.stderr


def test_refuses_unreferenced_threat(v3: Path) -> None:
    """A threat rename that matches nothing in the model is refused rather than silently doing nothing."""
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "vt:nothing=vt:else", *CAT)
    assert result.exit_code == 2
    assert "nothing in model.yaml refers to threat 'vt:nothing'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rename", "oops"], "is not OLD=NEW"),
        (["--rename", "a=a"], "renames 'a' to itself"),
        (["--rename", "Bad_Id=x"], "'Bad_Id' is not a valid element id"),
        (["--rename", "vt:x=plain"], "'plain' is not a threat key"),
        (["--rename", "kb-store=a", "--rename", "web-app=a"], "two renames produce 'a'"),
        (["--rename", "kb-store=web-app", "--rename", "web-app=kb-store"], "is both renamed and a rename target"),
    ],
)
def test_bad_renames_are_usage_errors(v3: Path, args: list[str], message: str) -> None:
    """Malformed, self, colliding and chained renames exit 2 before touching the file."""
    before = v3.read_bytes()
    result = invoke(v3.parent, "migrate", "model.yaml", *args, *CAT)
    assert result.exit_code == 2
    assert message in result.stderr
    assert v3.read_bytes() == before


def test_refuses_to_write_an_invalid_result(v3: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If a rename would leave a dangling reference, the loader catches it and nothing is written."""
    fields = dict(migrate_module._REF_FIELDS)
    single, multiple = fields["components"]
    fields["components"] = (single, tuple(f for f in multiple if f != "tools"))
    monkeypatch.setattr(migrate_module, "_REF_FIELDS", fields)
    before = v3.read_bytes()
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", "send-email=mailer", *CAT)
    assert result.exit_code == 2
    assert "the migrated model would not be valid; nothing was written" in result.stderr
    assert "unknown component 'send-email'" in result.stderr
    assert v3.read_bytes() == before


def test_refuses_an_invalid_model(tmp_path: Path) -> None:
    """A model that does not load is refused before any rename is planned."""
    path = tmp_path / "model.yaml"
    path.write_text(version_text("v3").replace("target: send-email", "target: nowhere"), encoding="utf-8")
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "kb-store=kb", *CAT)
    assert result.exit_code == 2
    assert "model.yaml:" in result.stderr and "unknown component 'nowhere'" in result.stderr


def test_refuses_models_with_includes(tmp_path: Path) -> None:
    """References in included files would be missed, so models with includes are refused."""
    (tmp_path / "part.yaml").write_text("data:\n  - id: extra\n", encoding="utf-8")
    text = version_text("v1").replace("schema_version: 1\n", "schema_version: 1\nincludes: [part.yaml]\n")
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "kb-store=kb", *CAT)
    assert result.exit_code == 2
    assert "includes other files" in result.stderr


def test_refuses_a_derived_flow_key_collision(tmp_path: Path) -> None:
    """When re-keying a flow without id would collide with an existing id, migrate asks for an explicit id."""
    text = version_text("v1").replace(
        "  - source: customer\n    target: web-app\n",
        "  - id: web-to-chat-llm\n    source: customer\n    target: web-app\n",
    )
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "web-app=web", *CAT)
    assert result.exit_code == 2
    assert "would give flow 'web-app-to-chat-llm' the key 'web-to-chat-llm', which is already used" in result.stderr
    assert "give the flow an explicit `id:` first" in result.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    """A model path that does not exist exits 2 without a traceback."""
    result = invoke(tmp_path, "migrate", "absent.yaml", "--rename", "a=b", *CAT)
    assert result.exit_code == 2 and "no such file: absent.yaml" in result.stderr


def test_refuses_to_overwrite_a_file_changed_meanwhile(v3: Path) -> None:
    """If the file changes between planning and writing, the write is refused (no lost edits)."""
    cats = load_catalogs([CATALOG])
    plan = plan_migration(v3, parse_renames(["kb-store=kb"]), known_controls=cats.control_refs)
    v3.write_text(v3.read_text(encoding="utf-8") + "# edited by someone else\n", encoding="utf-8")
    with pytest.raises(ConflictError):
        plan.write()
    assert v3.read_text(encoding="utf-8").endswith("# edited by someone else\n")


def test_parse_renames_distinguishes_threats_and_elements() -> None:
    """OLD=NEW with a colon is a threat-key rename, otherwise an element rename."""
    renames = parse_renames(["a=b", "tm:x=tm:y", "owasp-llm:LLM06=owasp-llm:LLM06:2025"])
    assert [(r.old, r.new, r.kind) for r in renames] == [
        ("a", "b", "element"),
        ("tm:x", "tm:y", "threat"),
        ("owasp-llm:LLM06", "owasp-llm:LLM06:2025", "threat"),
    ]
    with pytest.raises(UsageError):
        parse_renames(["a=b", "a=c"])


def test_migrate_keeps_a_symlinked_model_linked(tmp_path: Path) -> None:
    """The rename lands in the file the link points at; the link stays a link."""
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "model.yaml"
    real.write_text(version_text("v3"), encoding="utf-8")
    link = tmp_path / "model.yaml"
    link.symlink_to(Path("shared") / "model.yaml")
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", *CAT)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert "helpdesk-agent" in real.read_text(encoding="utf-8")


def test_document_save_keeps_a_symlinked_model_linked(tmp_path: Path) -> None:
    """What the TUI's save does: ModelDocument.save writes through the link."""
    from threatmodel.io.roundtrip import ModelDocument

    real = tmp_path / "real.yaml"
    real.write_text(version_text("v3"), encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to("real.yaml")
    doc = ModelDocument.open(link)
    doc.set_path(("system", "name"), "Renamed")
    doc.save()
    assert link.is_symlink()
    assert "name: Renamed" in real.read_text(encoding="utf-8")
    assert real.read_text(encoding="utf-8") == doc.text()


# ---------------------------------------------------------------------------
# fidelity: migrate changes the renamed ids and nothing else, byte for byte


def _hostile_layout(text: str) -> str:
    """v3 with what users write and migrate must keep: anchors nobody aliases (on a mapping,
    a list and a scalar), a quoted triage key (docs/ci.md tells users to quote them), quoted
    ids and a ``!!str`` tag."""
    edits = [
        ("system:\n", "system: &sys\n"),
        ("  - id: kb-store\n", "  - &kb\n    id: kb-store\n"),
        ("    scope: [support-agent]\n", "    scope: &sc [support-agent]\n"),
        ("    status: accepted\n    owner: Priya Raman\n", "    status: &st accepted\n    owner: !!str Priya Raman\n"),
        ("  vt:excessive-agency@support-agent:\n", '  "vt:excessive-agency@support-agent":\n'),
        ("    target: support-agent\n", "    target: 'support-agent'\n"),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _renamed(text: str) -> str:
    """``text`` with support-agent renamed on every line that is not a comment."""
    lines = text.split("\n")
    return "\n".join(
        ln if ln.lstrip().startswith("#") else ln.replace("support-agent", "helpdesk-agent") for ln in lines
    )


@pytest.mark.parametrize(
    ("bom", "newline"),
    [(False, "\n"), (True, "\n"), (False, "\r\n"), (True, "\r\n")],
    ids=["lf", "bom-lf", "crlf", "bom-crlf"],
)
def test_migrate_changes_only_the_renamed_ids(tmp_path: Path, bom: bool, newline: str) -> None:
    body = _hostile_layout(version_text("v3"))
    prefix = "\ufeff" if bom else ""
    before = (prefix + body.replace("\n", newline)).encode("utf-8")
    expected = (prefix + _renamed(body).replace("\n", newline)).encode("utf-8")
    path = tmp_path / "model.yaml"
    path.write_bytes(before)
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", *CAT)
    assert result.exit_code == 0, result.output
    assert "internal check failed" not in result.output
    assert path.read_bytes() == expected
    if not bom and newline == "\n":
        assert_golden(GOLDEN / "migrated-v3-layout.yaml", path.read_bytes())


def test_migrate_accepts_a_str_tag_on_a_renamed_value(tmp_path: Path) -> None:
    """A ``!!str`` on a value that is renamed keeps its tag; the check does not fail."""
    text = version_text("v3").replace("  - source: support-agent\n", "  - source: !!str support-agent\n", 1)
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "migrate", "model.yaml", "--rename", "support-agent=helpdesk-agent", *CAT)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == _renamed(text)


def test_a_finding_id_rename_rekeys_one_triage_entry(v3: Path) -> None:
    """--rename OLD@EL=NEW@ROOT moves one decision (e.g. onto a finding grouped by root cause), comments kept."""
    before = v3.read_text(encoding="utf-8")
    old, new = "vt:sensitive-data-to-provider@chat-llm", "vt:sensitive-data-to-provider@customers"
    result = invoke(v3.parent, "migrate", "model.yaml", "--rename", f"{old}={new}", *CAT)
    assert result.exit_code == 0, result.output
    after = v3.read_text(encoding="utf-8")
    assert comments(after) == comments(before)
    triage = load_model(v3).model.triage
    assert old not in triage and triage[new].justification.startswith("Zero-retention")
    assert f"triage entry '{old}' → '{new}'" in result.stdout


def test_a_finding_id_rename_refuses_to_overwrite_or_invent(v3: Path) -> None:
    with pytest.raises(UsageError, match="no triage entry"):
        plan_migration(v3, parse_renames(["vt:x@chat-llm=vt:x@customers"]))
    with pytest.raises(UsageError, match="not a finding id"):
        parse_renames(["vt:x@chat-llm=customers"])

"""The pure model diff (engine/diff.py) and its Markdown rendering, on small hand-made changes."""

from __future__ import annotations

import pytest

from tests.helpers import FIXED_DATE
from tests.versioning.conftest import CATALOG, version_text
from threatmodel.engine import evaluate
from threatmodel.engine.diff import AttrChange, ModelDiff, diff_assessments
from threatmodel.export.diff import format_change, render_diff_markdown
from threatmodel.io.load import LoadedCatalogs, load_catalogs, load_model_text

AS_OF = FIXED_DATE


@pytest.fixture(scope="module")
def catalogs() -> LoadedCatalogs:
    return load_catalogs([CATALOG])


def diff(old: str, new: str, catalogs: LoadedCatalogs) -> ModelDiff:
    def assess(text: str):  # type: ignore[no-untyped-def]
        loaded = load_model_text(text, "m.yaml", known_controls=catalogs.control_refs)
        return evaluate(loaded.model, catalogs.catalogs, as_of=AS_OF)

    return diff_assessments(assess(old), assess(new))


def md(d: ModelDiff) -> str:
    return render_diff_markdown(d, old_label="old.yaml", new_label="new.yaml", as_of="2026-11-25")


def test_identical_models_have_an_empty_diff(catalogs: LoadedCatalogs) -> None:
    """The same model on both sides is an empty diff with a ±0 headline."""
    d = diff(version_text("v2"), version_text("v2"), catalogs)
    assert d.is_empty and d.verdict == "Risk unchanged"
    assert d.headline.startswith(f"Open risk {d.risk.old_open_risk} → {d.risk.new_open_risk} (±0)")
    assert "No changes to the model, its findings or its triage." in md(d)


def test_system_and_settings_changes_are_dotted(catalogs: LoadedCatalogs) -> None:
    """Nested system attributes and settings show as dotted names with old and new values."""
    new = (
        version_text("v1").replace(
            "  status: development\n",
            "  status: production\n  review:\n    reviewed_on: 2026-11-01\n",
        )
        + "\nsettings:\n  disabled_threats: [vt:vector-store-poisoning]\n"
    )
    d = diff(version_text("v1"), new, catalogs)
    system = next(e for e in d.elements if e.section == "system")
    changes = {a.name: (a.old, a.new) for a in system.attributes}
    assert changes["status"] == ("development", "production")
    assert changes["review.reviewed_on"] == (None, "2026-11-01")
    assert changes["settings.disabled_threats"] == ([], ["vt:vector-store-poisoning"])
    assert [f.id for f in d.findings_by("resolved") if f.id.startswith("vt:")] == ["vt:vector-store-poisoning@kb-store"]


def test_controls_declared_twice_are_keyed_by_scope(catalogs: LoadedCatalogs) -> None:
    """A control id declared for two scopes is told apart by its scope; a single one by its id."""
    controls = (
        "controls:\n"
        "  - control: cosai:controlInputValidationAndSanitization\n    scope: [chat-llm]\n"
        "  - control: cosai:controlInputValidationAndSanitization\n    scope: [web-app]\n"
        "  - control: cosai:controlUserDataManagement\n\n"
    )
    old = version_text("v1").replace("triage:\n", controls + "triage:\n")
    new = old.replace("    scope: [web-app]\n", "    scope: [web-app]\n    status: planned\n").replace(
        "  - control: cosai:controlUserDataManagement\n",
        "  - control: cosai:controlUserDataManagement\n    evidence: DPA signed\n",
    )
    d = diff(old, new, catalogs)
    changed = {e.id: e.attributes for e in d.elements if e.section == "controls"}
    assert set(changed) == {"cosai:controlInputValidationAndSanitization@web-app", "cosai:controlUserDataManagement"}
    assert changed["cosai:controlUserDataManagement"] == (AttrChange("evidence", None, "DPA signed"),)


def test_derived_flow_findings_move_with_a_renamed_component(catalogs: LoadedCatalogs) -> None:
    """Renaming a component re-keys its unnamed flows; their findings are paired as moved too."""
    old = version_text("v1")
    new = old.replace("web-app", "portal")
    d = diff(old, new, catalogs)
    moved = {f.old_id: f.id for f in d.findings_by("moved")}
    assert moved["vt:unencrypted-crossing@web-app-to-chat-llm"] == "vt:unencrypted-crossing@portal-to-chat-llm"
    assert moved["vt:unsafe-output-rendering@web-app"] == "vt:unsafe-output-rendering@portal"
    assert not [f for f in d.findings_by("new") if f.id.startswith("vt:")]
    assert d.risk.delta == 0


def test_rename_with_other_edits_is_not_guessed(catalogs: LoadedCatalogs) -> None:
    """A rename that also changes the component's attributes shows as resolved and new findings."""
    old = version_text("v1")
    new = old.replace("web-app", "portal").replace("owner: Web team", "owner: Portal team")
    d = diff(old, new, catalogs)
    assert d.possible_renames == () and d.findings_by("moved") == ()
    assert "vt:unsafe-output-rendering@portal" in {f.id for f in d.findings_by("new")}


def test_headline_plurals_and_order(catalogs: LoadedCatalogs) -> None:
    """The headline counts new open findings from the most severe down, with singular and plural forms."""
    d = diff(version_text("v1"), version_text("v2"), catalogs)
    vt_new = [f for f in d.new_open if f.id.startswith("vt:")]
    assert len(vt_new) == 2
    assert d.headline.startswith(f"Open risk {d.risk.old_open_risk} → {d.risk.new_open_risk} (+{d.risk.delta}): ")
    parts = d.headline.split(": ", 1)[1].split(", ")
    severities = [p.split()[2] for p in parts if " new " in p]
    ranks = ["critical", "high", "medium", "low"]
    assert severities == sorted(severities, key=ranks.index)
    assert all(p.endswith("finding") == p.startswith("1 ") for p in parts if " new " in p)


def test_markdown_escapes_what_the_model_says(catalogs: LoadedCatalogs) -> None:
    """Names and values from the model cannot break the Markdown table or inject HTML or links."""
    hostile = (
        version_text("v1")
        .replace(
            "  name: Support assistant\n", "  name: 'Evil | <img src=x onerror=alert(1)> [click](https://x.example)'\n"
        )
        .replace("owner: Web team", "owner: 'a|b `c` <script>'")
    )
    text = md(diff(version_text("v1"), hostile, catalogs))
    assert "<img" not in text and "<script>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\[click\\](https\\://x.example)" in text
    row = next(ln for ln in text.splitlines() if "owner:" in ln)
    assert row.count(" | ") == 3  # four cells: the user's pipes are escaped
    assert "a\\|b \\`c\\` &lt;script&gt;" in row


def test_long_list_changes_show_additions_and_removals() -> None:
    """Lists longer than three items are shown as +added/−removed rather than in full."""
    change = AttrChange("tags", ["a", "b", "c", "d"], ["a", "c", "d", "e"])
    assert format_change(change) == "tags: +e, −b"
    assert format_change(AttrChange("tools", ["x"], ["x", "y"])) == "tools: [x] → [x, y]"
    assert format_change(AttrChange("description", "", "x" * 200)).endswith("…")


def test_text_diff_keeps_semicolons_inside_values(catalogs: LoadedCatalogs) -> None:
    """The terminal table puts one attribute per line without splitting a value at its own '; '."""
    import io

    from rich.console import Console

    from threatmodel.cli.versioning.render import print_diff

    changed = version_text("v1").replace("owner: Web team", "owner: 'needs approval; below the line'")
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    print_diff(console, diff(version_text("v1"), changed, catalogs), old_label="a", new_label="b", as_of="2026-11-25")
    text = out.getvalue()
    assert "needs approval; below the line" in text
    assert not any(line.rstrip(" │").endswith("approval") for line in text.splitlines())

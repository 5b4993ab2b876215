"""The TUI shows control and bidi characters from a catalog or a file name as escapes:
nothing in the title, the tree, the findings table, the detail pane or a toast can drive
the terminal."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
from pathlib import Path

import pytest
from rich.text import Text as RichText

from tests.tui.conftest import AS_OF, DATA, SIZE
from tests.tui.helpers import settle
from threatmodel.io.load import load_catalogs
from threatmodel.tui.app import make_app
from threatmodel.tui.safetext import Text, safe

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SPOOF = "\x1b]0;owned\x07\x1b]52;c;aGk=\x07\u202e"


def test_safe_text_escapes_what_is_put_into_it() -> None:
    text = Text("a\x1b[2Jb")
    text.append("\x1b]52;c;x\x07", style="bold")
    text.append(RichText("\u202eflip", style="red"))
    text.append(RichText("kept", style="green"))
    assert text.plain == "a\\x1b[2Jb\\x1b]52;c;x\\x07\\u202eflipkept"
    assert not RAW.search(text.plain)
    assert Text("two\nlines\tok").plain == "two\nlines\tok"
    assert safe("plain") == "plain"


@pytest.mark.asyncio
async def test_hostile_catalog_and_file_name_are_shown_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The loader refuses control characters in catalog files, so the hostile title is put into
    # the loaded catalog directly: this checks the TUI's own escaping (defence in depth).
    loaded = load_catalogs([DATA / "demo-top.yaml", DATA / "demo-threats.yaml"], builtin=False)
    spoofed = tuple(
        c.model_copy(
            update={
                "controls": tuple(
                    k.model_copy(update={"title": f"Screen {SPOOF}"}) if k.id == "input-filter" else k
                    for k in c.controls
                )
            }
        )
        for c in loaded.catalogs
    )
    catalogs = dataclasses.replace(loaded, catalogs=spoofed)
    name = "model\x1b[8m.yaml"
    shutil.copyfile(DATA / "model.yaml", tmp_path / name)
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path / name, catalogs, as_of=AS_OF, watch_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.sub_title == "model\\x1b[8m.yaml"
        app.notify(f"Wrote {name}")
        await settle(pilot)
        screen = app.export_screenshot()
        assert not RAW.search(screen)
        shown = re.sub(r"<[^>]+>", "", html.unescape(screen)).replace("\xa0", " ")
        assert "model\\x1b[8m.yaml" in shown  # the header, escaped
        ids = [f.id for f in app.session.assessment.findings if "demo:input-filter" in f.controls]  # type: ignore[union-attr]
        assert ids, "no finding proposes the control with the hostile title"
        app.open_finding(ids[0])
        await settle(pilot)
        detail = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")
        assert not RAW.search(detail)
        assert "\\x1b]0;owned" in detail

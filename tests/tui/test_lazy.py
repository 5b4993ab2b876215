"""Large models paint fast because the overview builds only what is on screen (issue 12): the
findings table adds rows a page at a time, and folded tree groups get their rows when unfolded.
The page is made tiny here so the demo model's findings span several pages."""

from __future__ import annotations

import pytest

from tests.tui.conftest import SIZE
from tests.tui.helpers import select_in_tree, settle, table, tm, tree
from threatmodel.tui.app import ThreatModelApp
from threatmodel.tui.widgets import findings_table


@pytest.fixture
def tiny_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(findings_table, "PAGE", 3)
    return 3


async def test_rows_are_added_as_the_cursor_moves(app: ThreatModelApp, tiny_pages: int) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        t = table(pilot)
        order = t.visible_ids
        assert len(order) > 2 * tiny_pages
        assert t.row_count == tiny_pages  # only the first page is built
        t.focus()
        for row in range(1, len(order)):
            await pilot.press("down")
            assert t.current_id == order[row]
            assert t.row_count > row  # the row under the cursor always exists
        assert t.row_count == len(order)
        assert [t.get_row_at(i)[3].plain for i in range(len(order))] == [t.findings[fid].title for fid in order]


async def test_last_row_and_a_far_finding_are_reachable(app: ThreatModelApp, tiny_pages: int) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        t = table(pilot)
        order = t.visible_ids
        t.focus()
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert t.current_id == order[-1] and t.row_count == len(order)
        await pilot.press("s")  # a new sort rebuilds the first page and keeps the cursor on the finding
        await pilot.pause()
        assert t.current_id == order[-1]
        assert t.row_count > t.visible_ids.index(order[-1])
        t.sort_by("id")
        far = t.visible_ids[-1]
        assert t.select_finding(far) and t.current_id == far


async def test_folded_groups_are_built_when_unfolded(app: ThreatModelApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tr = tree(pilot)
        session = tm(pilot).session
        assert session is not None
        flow_refs = {("flows", f.key) for f in session.model.flows}
        assert flow_refs <= set(tr.refs())  # known to the tree…
        assert not flow_refs & set(tr.nodes_by_ref)  # …but not built while folded
        group = tr.nodes_by_ref[("group", "flows")]
        group.expand()
        await pilot.pause()
        built = tr.nodes_by_ref
        assert flow_refs <= set(built)
        first = session.model.flows[0]
        names = {c.id: c.label for c in session.model.components}
        assert str(built[("flows", first.key)].label).startswith(f"{names[first.source]} → {names[first.target]}")


async def test_selecting_a_folded_element_builds_its_group(app: ThreatModelApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session = tm(pilot).session
        assert session is not None
        data = session.model.data[-1].id
        await select_in_tree(pilot, "data", data)
        assert tree(pilot).current == ("data", data)

"""Command-palette provider: jump to a component, flow, boundary or finding; export; catalogs; plan.

App-wide commands (save, undo, help...) come from ``ThreatModelApp.get_system_commands``;
this provider adds what depends on the open model. Names come from the model file, so
every string shown is built as plain ``Content`` (never parsed as markup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from threatmodel.model.levels import classification_word
from threatmodel.tui.shared import UsesApp

Candidate = tuple[str, str, Callable[[], object]]
"""``(label, help, callback)``."""


class ModelCommands(UsesApp, Provider):
    """Everything in the open model the palette can jump to, plus exports and catalog views."""

    def candidates(self) -> Iterator[Candidate]:
        app = self.tm
        session = app.session
        if session is None:
            return
        model = session.model
        for c in model.components:
            yield (f"Go to component: {c.label} ({c.id})", f"{c.kind}", partial(app.jump_to, "components", c.id))
        for b in model.boundaries:
            yield (
                f"Go to boundary: {b.label} ({b.id})",
                f"trust {b.trust}",
                partial(app.jump_to, "boundaries", b.id),
            )
        for f in model.flows:
            yield (f"Go to flow: {f.key}", f"{f.source} → {f.target}", partial(app.jump_to, "flows", f.key))
        for d in model.data:
            yield (
                f"Go to data: {d.label} ({d.id})",
                classification_word(d.classification),
                partial(app.jump_to, "data", d.id),
            )
        findings = () if app.analysing else session.assessment.findings  # never analyse on the event loop
        for finding in findings:
            yield (
                f"Go to finding: {finding.title} @ {finding.target_name}",
                f"{finding.severity} · {finding.status} · {finding.id}",
                partial(app.jump_to, "findings", finding.id),
            )
        from threatmodel.render import EXPORTS

        for fmt in EXPORTS:
            yield (f"Export: {fmt.title}", f"write a {fmt.id} file", partial(app.action_export, fmt.id))
        for catalog in session.cset.catalogs:
            yield (
                f"Catalog: {catalog.title}",
                f"browse {catalog.id} {catalog.version}",
                partial(app.open_catalogs, ("catalog", catalog.id)),
            )
        yield ("Control plan", "proposed controls ranked by the risk they remove", app.open_plan)
        yield ("Open questions", "unknown facts findings rest on, most open risk first", app.open_questions)
        yield ("Catalog browser", "entries, controls and threats with cross-references", app.open_catalogs)

    async def discover(self) -> Hits:
        app = self.tm
        if app.session is None:
            return
        yield DiscoveryHit("Control plan", app.open_plan, help="proposed controls ranked by the risk they remove")
        yield DiscoveryHit(
            "Open questions", app.open_questions, help="unknown facts findings rest on, most open risk first"
        )
        yield DiscoveryHit(
            "Catalog browser", app.open_catalogs, help="entries, controls and threats with cross-references"
        )
        for label, help_text, callback in self.candidates():
            if label.startswith("Go to component: "):
                yield DiscoveryHit(Content(label), callback, text=label, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self.candidates():
            score = matcher.match(label)
            if score > 0:
                _, offsets = matcher.fuzzy_search.match(matcher.query, label)
                display = Content(label)
                for offset in offsets:
                    if not label[offset].isspace():
                        display = display.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, display, callback, text=label, help=escape(help_text))

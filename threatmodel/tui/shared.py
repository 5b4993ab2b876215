"""What several screens share: typed access to the app, and the triage keys (one table for the
overview's findings table and the finding screen)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App

    from threatmodel.tui.app import ThreatModelApp


class _HasApp(Protocol):
    @property
    def app(self) -> App[Any]: ...


class UsesApp:
    """Mixin for screens, widgets and command providers that need the threatmodel app."""

    @property
    def tm(self: _HasApp) -> ThreatModelApp:
        from threatmodel.tui.app import ThreatModelApp

        app = self.app
        assert isinstance(app, ThreatModelApp)  # noqa: S101 - narrows the type; always true
        return app


TRIAGE_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("a", "accepted", "Accept", "Accept the residual risk (asks for a justification)."),
    ("f", "false-positive", "False +", "Mark as a false positive (asks why)."),
    ("m", "mitigated", "Mitigated", "Record that the risk is mitigated."),
    ("t", "transferred", "Transferred", "Record that someone else carries the risk."),
    ("i", "in-progress", "In progress", "Record that work on it has started."),
)
"""(key, status, footer label, tooltip) of each triage decision a key records."""


def triage_bindings(scope: str, shown: frozenset[str]) -> list[Binding]:
    """One binding per triage key, with ids ``<scope>.<status>``; ``shown`` lists the statuses
    whose key the footer shows."""
    ids = {"accepted": "accept"}
    return [
        Binding(
            key,
            f"triage('{status}')",
            label,
            tooltip=tip,
            id=f"{scope}.{ids.get(status, status)}",
            show=status in shown,
        )
        for key, status, label, tip in TRIAGE_KEYS
    ]

"""``hosting`` is an unknowable fact (decision 1530): unstated, a model may run at a provider.

The provider threats read a stated ``hosting`` as stated; an unstated one keeps the threat, marked
as resting on it, unless a stated fact puts the model on the organisation's own stack (it is
``first-party``, its weights file has a stated format, or a training or fine-tuning job in the
model produces it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import assess_text
from threatmodel.io.load import LoadedCatalogs

WIDENED = Path(__file__).parents[1] / "catalogs" / "widened"
RETENTION = "tm:provider-prompt-retention"


def _model(extra: str) -> str:
    return f"""
system: {{id: claims-help, name: Claims help}}
data:
  - {{id: claim-details, classification: confidential, tags: [pii]}}
components:
  - {{id: claims-app, kind: application, exposure: internal, output_use: [display-text]}}
  - {{id: assistant-llm, kind: llm, output: text{extra}}}
flows:
  - {{source: claims-app, target: assistant-llm, data: [claim-details]}}
"""


def _retention(extra: str, catalogs: LoadedCatalogs) -> list[tuple[str, tuple[str, ...]]]:
    found = assess_text(_model(extra), catalogs).findings
    return [(f.target, tuple(f"{a.element}.{a.attribute}" for a in f.assumes)) for f in found if f.threat == RETENTION]


def test_unstated_hosting_keeps_the_provider_threat_and_says_it_rests_on_it(builtin_catalogs: LoadedCatalogs) -> None:
    ((target, assumes),) = _retention("", builtin_catalogs)
    assert target == "assistant-llm"
    assert "assistant-llm.hosting" in assumes


def test_unstated_hosting_is_asked_about(builtin_catalogs: LoadedCatalogs) -> None:
    found = assess_text(_model(""), builtin_catalogs).findings
    questions = {a.question for f in found for a in f.assumes if a.attribute == "hosting"}
    assert questions == {
        "state where assistant-llm runs (self-hosted on the organisation's own infrastructure, on-device in what customers or users hold, or provider-api)"
    }


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (", hosting: provider-api", [("assistant-llm", ())]),
        (", hosting: unknown", [("assistant-llm", ("assistant-llm.hosting", "assistant-llm.provenance"))]),
        (", hosting: self-hosted", []),
        # first-party and unstated hosting: the organisation's own model, on its own stack
        (", provenance: first-party", []),
        # a weights file the organisation holds (stated format): it runs the model itself
        (", weights_format: pytorch", []),
        # weights that never leave a provider say nothing of the kind
        (", weights_format: proprietary", [("assistant-llm", ("assistant-llm.hosting", "assistant-llm.provenance"))]),
        # first-party but stated to run at a provider (a model the organisation had a provider host)
        (", provenance: first-party, hosting: provider-api", [("assistant-llm", ())]),
    ],
)
def test_what_settles_hosting(
    extra: str, expected: list[tuple[str, tuple[str, ...]]], builtin_catalogs: LoadedCatalogs
) -> None:
    got = [
        (t, tuple(sorted(a for a in assumes if a.endswith((".hosting", ".provenance")))))
        for t, assumes in _retention(extra, builtin_catalogs)
    ]
    assert got == expected

"""Scenario text names the data the rule matched (issue 13: model weights were listed as "personal data")."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import analyse_file
from threatmodel.io.load import LoadedCatalogs

REPO = Path(__file__).resolve().parents[2]


def test_personal_data_scenario_names_only_the_personal_data(builtin_catalogs: LoadedCatalogs) -> None:
    """The fine-tuning job of the open-weights example handles base weights (tagged model-weights)
    and tenant training data (tagged pii): its personal-data-in-training scenario names the second
    and never the first."""
    analysis = analyse_file(REPO / "models" / "open-weights-fine-tuning.yaml", builtin_catalogs)
    data = analysis.graph.data
    handled = analysis.graph.handled_data["fine-tuning-job"]
    weights = [d for d in handled if "model-weights" in data[d].tags]
    personal = [d for d in handled if {"pii", "phi", "pci", "biometric"} & set(data[d].tags)]
    assert weights and personal, "the example no longer has both kinds of data on the job"
    finding = next(f for f in analysis.assessment.findings if f.id == "tm:personal-data-in-training@fine-tuning-job")
    for d in personal:
        assert data[d].label in finding.scenario
    for d in weights:
        assert data[d].label not in finding.scenario, f"{data[d].label} is model weights, not personal data"

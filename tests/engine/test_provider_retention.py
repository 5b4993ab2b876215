"""What a model provider keeps (decision 1924): stated, it settles or lowers provider-prompt-retention;
unstated, it is read as the worst answer and asked."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import assess_text
from threatmodel.io.load import LoadedCatalogs, load_catalogs
from threatmodel.model.finding import Finding

CATALOGS: LoadedCatalogs = load_catalogs()
FIXTURE = (
    Path(__file__).resolve().parents[1] / "catalogs" / "widened" / "provider-with-zero-retention" / "positive.yaml"
)
FINDING = "tm:provider-prompt-retention@hosted-llm"


def _finding(retention: str | None) -> Finding | None:
    text = FIXTURE.read_text(encoding="utf-8")
    stated = ", provider_retention: abuse-monitoring}"
    assert stated in text
    text = text.replace(stated, "}" if retention is None else f", provider_retention: {retention}}}")
    return next((f for f in assess_text(text, CATALOGS).findings if f.id == FINDING), None)


def test_unstated_retention_is_read_as_the_worst_and_asked() -> None:
    unstated, training = _finding(None), _finding("training")
    assert unstated is not None and training is not None
    assert (unstated.likelihood, unstated.impact, unstated.scenario) == (
        training.likelihood,
        training.impact,
        training.scenario,
    )
    assert any(a.attribute == "provider_retention" for a in unstated.assumes)
    assert not any(a.attribute == "provider_retention" for a in training.assumes)


def test_abuse_monitoring_lowers_the_likelihood_one_step_with_its_own_wording() -> None:
    kept, unstated = _finding("abuse-monitoring"), _finding(None)
    assert kept is not None and unstated is not None
    assert kept.likelihood == unstated.likelihood - 1
    assert "abuse" in kept.scenario and "train" not in kept.scenario
    assert "train" in unstated.scenario


def test_zero_retention_settles_it() -> None:
    assert _finding("none") is None

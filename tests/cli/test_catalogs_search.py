"""`threatmodel catalogs search`: whole words, exact ids and titles first."""

from __future__ import annotations

import re

from click.testing import CliRunner

from threatmodel.cli import cli
from threatmodel.cli.catalogs import search_rank
from threatmodel.engine.catalogs import CatalogSet
from threatmodel.io.load import load_catalogs


def test_words_match_whole_words_only() -> None:
    assert search_rank("rate", "x:a", "Rate limiting", "") == 1
    assert search_rank("rate", "x:a", "Text generation", "it can generate integrated federated output") is None
    assert search_rank("rate limit", "x:a", "Other", "apply a rate limit per user") == 2
    assert search_rank("limit rate", "x:a", "Other", "apply a rate limit per user") is None


def test_exact_id_and_title_rank_first() -> None:
    assert search_rank("LLM10:2025", "owasp-llm:LLM10:2025", "Unbounded Consumption", "") == 0
    assert search_rank("owasp-llm:llm10:2025", "owasp-llm:LLM10:2025", "Unbounded Consumption", "") == 0
    assert search_rank("unbounded consumption", "owasp-llm:LLM10:2025", "Unbounded Consumption", "") == 0
    assert search_rank("", "x:a", "Title", "summary") is None


def test_search_rate_on_shipped_catalogs() -> None:
    result = CliRunner().invoke(cli, ["catalogs", "search", "rate"])
    assert result.exit_code == 0
    keys = [ln.split()[0] for ln in result.stdout.splitlines()]
    cset = CatalogSet(load_catalogs(()).catalogs)
    texts = {k: f"{v.title} {v.summary}" for k, v in {**cset.entries, **cset.controls, **cset.threats}.items()}
    assert keys
    assert all(re.search(r"\brate\b", texts[k], re.IGNORECASE) for k in keys)
    missed = [k for k, t in texts.items() if re.search(r"\brate\b", t, re.IGNORECASE) and k not in keys]
    assert not missed

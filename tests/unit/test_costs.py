"""The draft estimate: calls and tokens at most, priced by litellm's map, free for local models."""

import litellm
import pytest

from pipelines.costs import DRAFT_CALLS, RETRIES, draft_estimate, estimate_line, price, spent_text


def test_local_models_are_free(settings) -> None:
    assert price("local/smollm2", 1000, 500) == 0.0
    assert draft_estimate(settings, research=True)["usd"] == 0.0
    assert "free (local models)" in estimate_line(settings, research=True)


def test_a_provider_model_is_priced_from_litellms_map_as_an_upper_bound(settings, monkeypatch) -> None:
    monkeypatch.setattr(settings, "lm", "openai/gpt-4.1-mini")
    estimate = draft_estimate(settings, research=False)
    steps = [v for k, v in DRAFT_CALLS.items() if k != "research notes"]
    assert estimate["calls"] == RETRIES * sum(n for _, n, _ in steps) == 28
    assert estimate["completion_tokens"] == estimate["calls"] * settings.lm_max_tokens
    expected = sum(RETRIES * n * sum(litellm.cost_per_token(model="openai/gpt-4.1-mini", prompt_tokens=p,
                                                            completion_tokens=settings.lm_max_tokens))
                   for _, n, p in steps)
    assert estimate["usd"] == pytest.approx(expected, abs=1e-4) and estimate["usd"] > 0
    monkeypatch.setattr(settings, "max_cost_usd", 0.05)
    line = estimate_line(settings, research=False)
    assert line.startswith("Estimate: at most 28 model calls") and f"at most ${estimate['usd']:.4f}" in line
    assert "once it has cost $0.05 (SCRIPTWRIGHT_MAX_COST_USD)" in line


def test_a_model_litellm_cannot_price_says_so(settings, monkeypatch) -> None:
    monkeypatch.setattr(settings, "lm_writer", "openai/my-own-model")
    assert draft_estimate(settings, research=False)["usd"] is None
    assert "price unknown for openai/my-own-model" in estimate_line(settings, research=False)


def test_the_spent_line_counts_calls_in_words() -> None:
    figures = {"calls": 1, "cache_hits": 0, "prompt_tokens": 1200, "completion_tokens": 40, "unpriced": [],
               "models": ["local/smollm2"], "usd": 0.0}
    assert spent_text(figures) == "Spent: 1 model call, 1,200 prompt + 40 answer tokens, free (local models)."
    figures.update(calls=3, cache_hits=2)
    assert spent_text(figures).startswith("Spent: 3 model calls (2 answered from the cache), 1,200 prompt")

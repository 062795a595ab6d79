"""The embedded SmolLM2 really runs: a tiny structured request through dspy and llama.cpp."""

from pipelines.lm import ask_structured, ledger_summary
from pipelines.store.duckdb import connect, rows


def test_embedded_model_answers_a_structured_request_and_is_ledgered(settings) -> None:
    answer = ask_structured(settings)
    assert answer["model"] == "local/smollm2"
    assert isinstance(answer["colour"], str) and answer["colour"].strip()
    assert isinstance(answer["confidence"], float)

    again = ask_structured(settings)  # same request: DSPy's disk cache under the data dir answers
    assert again["colour"] == answer["colour"]
    assert any(settings.dspy_cache_dir.rglob("*")), "the DSPy cache lives under the data dir"

    with connect(settings.duckdb_path) as conn:
        calls = rows(conn, "SELECT * FROM lm_calls ORDER BY created_at")
    assert len(calls) == 2
    first, second = calls
    assert first["model"] == "local/smollm2" and first["role"] == "judge"
    assert first["prompt_tokens"] > 0 and first["completion_tokens"] > 0
    assert first["cost_usd"] == 0.0 and first["latency_ms"] > 0 and not first["cache_hit"]
    assert second["cache_hit"]
    summary = ledger_summary(settings)
    assert summary[0]["calls"] == 2 and summary[0]["cache_hits"] == 1

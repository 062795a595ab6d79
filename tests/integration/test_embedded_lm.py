"""The embedded SmolLM2 really runs: a tiny structured request through dspy and llama.cpp."""

import shutil

import pytest

from pipelines.errors import ScriptwrightError
from pipelines.lm import ask_structured, embedded_model_path, ledger_summary
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


def test_any_gguf_file_runs_in_process_under_the_grammar(settings, monkeypatch, tmp_path) -> None:
    model = tmp_path / "models" / "my-model.gguf"
    model.parent.mkdir()
    shutil.copyfile(embedded_model_path(), model)  # another file: its own engine, loaded from this path
    monkeypatch.setattr(settings, "lm", f"local/{model}")
    answer = ask_structured(settings)
    assert answer["model"] == f"local/{model}" and isinstance(answer["confidence"], float)
    [call] = ledger_summary(settings)
    assert call["model"] == f"local/{model}" and call["cost_usd"] == 0.0 and call["completion_tokens"] > 0


@pytest.mark.parametrize("damage,needle", [
    (lambda gguf: gguf.replace(b"tokenizer.chat_template", b"tokenizer.chat_templatX", 1), "has no chat template"),
    (lambda gguf: gguf[:4] + bytes(256), "llama.cpp could not load it"),
])
def test_a_gguf_that_cannot_chat_is_one_line(settings, monkeypatch, tmp_path, damage, needle) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(damage(embedded_model_path().read_bytes()))
    monkeypatch.setattr(settings, "lm", f"local/{model}")
    with pytest.raises(ScriptwrightError, match=needle) as err:
        ask_structured(settings)
    assert str(model) in str(err.value) and "\n" not in str(err.value)

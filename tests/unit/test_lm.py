import os

import dspy
import pytest

from pipelines.errors import ScriptwrightError
from pipelines.lm import (LedgerLM, LlamaEngine, bound_schema, embedded_model_path, lm_for_role, lm_summary,
                          lm_threads, local_engine, user_facing_lm_errors)
from pipelines.lm_failures import redact
from pipelines.programs.channel_summary import SummarizeChannel
from pipelines.settings import get_settings


def test_roles_build_ledger_lms_with_their_models(settings, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-unit-0000")
    monkeypatch.setattr(settings, "lm_judge", "openai/gpt-4.1-mini")
    judge = lm_for_role(settings, "judge")
    writer = lm_for_role(settings, "writer")
    assert isinstance(judge, LedgerLM) and judge.model == "openai/gpt-4.1-mini" and judge.role == "judge"
    assert judge.engine == "litellm" and judge.kwargs["timeout"] == settings.lm_timeout_s and judge.num_retries == 0
    assert writer.model == "local/smollm2" and writer.role == "writer"


def test_a_provider_model_without_its_key_is_one_line_before_any_call(settings, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr(settings, "lm", "anthropic/claude-sonnet-4-5")
    with pytest.raises(ScriptwrightError, match="needs an API key: paste ANTHROPIC_API_KEY on the Settings page") as err:
        lm_for_role(settings, "writer")
    assert "\n" not in str(err.value)


def test_base_url_per_role_and_for_all(settings, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(settings, "lm", "openai/qwen2.5-7b-instruct")
    monkeypatch.setattr(settings, "lm_api_base", "http://127.0.0.1:8080/v1")
    monkeypatch.setattr(settings, "lm_judge", "ollama_chat/llama3.1")
    monkeypatch.setattr(settings, "lm_judge_api_base", "http://127.0.0.1:11434")
    writer, judge = lm_for_role(settings, "writer"), lm_for_role(settings, "judge")
    assert writer.api_base == writer.kwargs["api_base"] == "http://127.0.0.1:8080/v1"
    assert judge.api_base == judge.kwargs["api_base"] == "http://127.0.0.1:11434"
    assert writer.kwargs["api_key"] == "no-key-set"  # a server of one's own takes any key
    assert lm_summary(settings)["research"] == "openai/qwen2.5-7b-instruct at http://127.0.0.1:8080/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-unit-0000")
    assert "api_key" not in lm_for_role(settings, "writer").kwargs  # a real key comes from the environment


def test_a_local_model_is_any_gguf_file_with_one_engine_per_file(settings, monkeypatch, tmp_path) -> None:
    model = tmp_path / "my model.gguf"
    model.symlink_to(embedded_model_path())
    monkeypatch.setattr(settings, "lm", f"local/{model}")
    writer, judge = lm_for_role(settings, "writer"), lm_for_role(settings, "judge")
    assert writer.engine is judge.engine and writer.engine.model_path == model.resolve()
    assert writer.engine is local_engine(embedded_model_path())  # the same file: the same weights in memory
    assert lm_summary(settings)["writer"] == f"local/{model}"


@pytest.mark.parametrize("content,needle", [(None, "no file at"), (b"not a model at all", "is not a GGUF model file")])
def test_a_local_model_that_is_no_gguf_file_is_one_line(settings, monkeypatch, tmp_path, content, needle) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(settings, "lm", f"local/{path}")
    with pytest.raises(ScriptwrightError, match=needle) as err:
        lm_for_role(settings, "writer")
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_redact_hides_keys_from_the_environment_and_key_shaped_text(monkeypatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", "plain-looking-secret-value")
    text = "Incorrect API key provided: sk-proj-abc123def456ghi. Also plain-looking-secret-value.\nBye"
    assert redact(text) == "Incorrect API key provided: [key hidden]. Also [key hidden]. Bye"


def test_bound_schema_caps_strings_and_arrays() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"},
                                               "b": {"type": "array", "items": {"type": "string"}}}}
    bounded = bound_schema(schema)
    assert bounded["properties"]["a"]["maxLength"] > 0
    assert bounded["properties"]["b"]["maxItems"] > 0
    assert bounded["properties"]["b"]["items"]["maxLength"] > 0
    assert "maxLength" not in schema["properties"]["a"]  # the original is untouched


def test_unparseable_lm_output_becomes_one_readable_line() -> None:
    lm = dspy.utils.DummyLM([{"nonsense": "x"}] * 4)
    with pytest.raises(ScriptwrightError) as err, dspy.context(lm=lm):
        with user_facing_lm_errors("Channel summary", "dummy"):
            dspy.Predict(SummarizeChannel)(creator="Pip", excerpts="[1] primes")
    message = str(err.value)
    assert message.startswith("Channel summary: the answer from dummy did not match")
    assert "\n" not in message and "nothing was saved" in message


def test_program_reads_fields_through_dummy_lm() -> None:
    lm = dspy.utils.DummyLM([{"topics": ["primes", "probability"], "pitch": "Math with friends."}])
    with dspy.context(lm=lm):
        pred = dspy.Predict(SummarizeChannel)(creator="Pip", excerpts="[1] primes")
    assert pred.topics == ["primes", "probability"]
    assert "Pip" in lm.history[-1]["messages"][-1]["content"]


def test_a_server_of_ones_own_gets_the_bounded_schema_in_llama_cpps_dialect(settings, monkeypatch) -> None:
    import pydantic

    class Outputs(pydantic.BaseModel):
        title: str
        beats: list[str]

    monkeypatch.setattr(settings, "lm", "openai/my-own-model")
    monkeypatch.setattr(settings, "lm_api_base", "http://127.0.0.1:8080/v1")
    lm = lm_for_role(settings, "writer")
    assert lm.supports_response_schema  # so DSPy hands over the signature's schema, not bare JSON mode
    sent = lm._for_server({"response_format": Outputs})["response_format"]
    assert sent["type"] == "json_object" and sent["schema"]["properties"]["title"]["maxLength"] > 0
    assert sent["schema"]["properties"]["beats"]["maxItems"] > 0
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-unit-0000")
    monkeypatch.setattr(settings, "lm_api_base", None)
    monkeypatch.setattr(settings, "lm", "openai/gpt-4.1-mini")  # a provider that takes OpenAI's own schema form
    assert lm_for_role(settings, "writer")._for_server({"response_format": Outputs})["response_format"] is Outputs


def test_the_embedded_model_runs_on_the_threads_it_is_given(monkeypatch) -> None:
    monkeypatch.delenv("SCRIPTWRIGHT_LM_THREADS", raising=False)
    get_settings.cache_clear()
    assert lm_threads(get_settings()) == os.cpu_count()
    monkeypatch.setenv("SCRIPTWRIGHT_LM_THREADS", "1")
    get_settings.cache_clear()
    engine = LlamaEngine(embedded_model_path())
    try:
        assert engine._model().n_threads == 1
    finally:
        engine.close()

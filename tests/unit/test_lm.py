import dspy
import pytest

from pipelines.errors import ScriptwrightError
from pipelines.lm import LedgerLM, bound_schema, lm_for_role, user_facing_lm_errors
from pipelines.programs.channel_summary import SummarizeChannel


def test_roles_build_ledger_lms_with_their_models(settings, monkeypatch) -> None:
    monkeypatch.setattr(settings, "lm_judge", "openai/gpt-4.1-mini")
    judge = lm_for_role(settings, "judge")
    writer = lm_for_role(settings, "writer")
    assert isinstance(judge, LedgerLM) and judge.model == "openai/gpt-4.1-mini" and judge.role == "judge"
    assert writer.model == "local/smollm2" and writer.role == "writer"


def test_unknown_local_model_is_a_user_error(settings, monkeypatch) -> None:
    monkeypatch.setattr(settings, "lm", "local/gpt-nano")
    with pytest.raises(ScriptwrightError, match="Unknown local model"):
        lm_for_role(settings, "writer")


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

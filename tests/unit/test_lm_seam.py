"""`scripted_lms`, the one way to hand `lm_for_role` scripted LMs: per role or for all, in every thread
(jobs run in threads the app starts), and undone when the block ends."""

from __future__ import annotations

import threading
from typing import Any

import dspy
import pytest

from pipelines import jobs
from pipelines.job_params import Params
from pipelines.lm import LedgerLM, lm_for_role, scripted_lms
from pipelines.settings import Settings

REAL = "openai/gpt-4o-mini"  # a litellm model: building its LM calls nothing


@pytest.fixture
def real_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose roles all resolve to REAL, with a fake key so the LM can be built."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-unit-0000")
    monkeypatch.setattr(settings, "lm", REAL)
    return settings


def scripted(name: str) -> dspy.utils.DummyLM:
    lm = dspy.utils.DummyLM([{"answer": name}])
    lm.model = name
    return lm


def is_real(lm: Any, role: str) -> bool:
    return isinstance(lm, LedgerLM) and lm.model == REAL and lm.role == role


class ProbeParams(Params):
    role: str


@jobs.job_kind("lm-seam-probe", ProbeParams)
def _probe(ctx: jobs.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"model": lm_for_role(ctx.settings, params["role"]).model}


def test_one_lm_answers_for_every_role_and_the_real_one_is_back_after(real_settings) -> None:
    lm = scripted("everyone")
    with scripted_lms(lm) as given:
        assert given is lm
        assert all(lm_for_role(real_settings, role) is lm for role in ("writer", "research", "judge"))
    assert is_real(lm_for_role(real_settings, "writer"), "writer")


def test_a_mapping_scripts_its_roles_and_leaves_the_others_to_the_settings(real_settings) -> None:
    writer = scripted("writer")
    with scripted_lms({"writer": writer}):
        assert lm_for_role(real_settings, "writer") is writer
        assert is_real(lm_for_role(real_settings, "judge"), "judge")


def test_a_function_gets_settings_and_role_and_none_means_the_usual_lm(real_settings) -> None:
    judge, asked = scripted("judge"), []

    def by_role(settings: Settings, role: str) -> dspy.BaseLM | None:
        asked.append((settings, role))
        return judge if role == "judge" else None

    with scripted_lms(by_role):
        assert lm_for_role(real_settings, "judge") is judge
        assert is_real(lm_for_role(real_settings, "research"), "research")
    assert asked == [(real_settings, "judge"), (real_settings, "research")]


def test_a_job_run_in_its_own_thread_sees_the_scripted_lm(real_settings) -> None:
    with scripted_lms({"writer": scripted("in-the-job")}):
        job_id, _ = jobs.create(real_settings, "lm-seam-probe", {"role": "writer"})
        jobs.start_in_thread(real_settings, job_id).join()
    job = jobs.get(real_settings, job_id)
    assert job["status"] == "succeeded", job["error"]
    assert job["result"] == {"model": "in-the-job"}


def test_a_thread_started_before_the_block_sees_it_too(real_settings) -> None:
    """Process-wide, not a context variable: the app's threads are already running when a test scripts."""
    go, seen = threading.Event(), []

    def worker() -> None:
        go.wait()
        seen.append(lm_for_role(real_settings, "writer"))

    thread = threading.Thread(target=worker)
    thread.start()
    lm = scripted("late")
    with scripted_lms(lm):
        go.set()
        thread.join()
    assert seen == [lm]


def test_nesting_restores_the_outer_lms_and_an_error_still_undoes_the_block(real_settings) -> None:
    outer, inner = scripted("outer"), scripted("inner")
    with scripted_lms(outer):
        with scripted_lms({"writer": inner}):
            assert lm_for_role(real_settings, "writer") is inner
            assert is_real(lm_for_role(real_settings, "judge"), "judge"), "the inner mapping alone decides"
        assert lm_for_role(real_settings, "writer") is outer
        with pytest.raises(RuntimeError), scripted_lms(inner):
            raise RuntimeError("a failing test")
        assert lm_for_role(real_settings, "judge") is outer
    assert is_real(lm_for_role(real_settings, "writer"), "writer")


def test_the_fixture_scripts_until_the_test_ends(real_settings, script_lm) -> None:
    first, second = scripted("first"), scripted("second")
    assert script_lm(first) is first
    script_lm({"writer": second})
    assert lm_for_role(real_settings, "writer") is second
    assert is_real(lm_for_role(real_settings, "judge"), "judge")

"""The embedded LM in the real jobs: how much a draft costs beyond generating its tokens, and
how many LM calls an identical eval re-run makes (it must be 0: the DSPy disk cache answers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines import jobs
from pipelines.demo import DEMO_DRAFT
from pipelines.lm import ask_structured, embedded_engine
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from tests.bench.report import Row
from tests.conftest import REPO

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]  # a loaded machine is slow, not broken
BIN = Path(sys.executable).parent / "scriptwright"


def test_draft_wall_time_vs_raw_generation(sample_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                           bench_record: Callable[[Row], None]) -> None:
    ask_structured(sample_settings)  # load the weights before the clock starts
    engine = embedded_engine()
    generating: list[float] = []
    complete = engine.complete

    def timed_complete(request):
        start = time.perf_counter()
        try:
            return complete(request)
        finally:
            generating.append(time.perf_counter() - start)

    monkeypatch.setattr(engine, "complete", timed_complete)
    started = time.perf_counter()
    job = jobs.submit_and_run(sample_settings, "draft", {
        "creator": DEMO_DRAFT["creator"], "idea": DEMO_DRAFT["idea"],
        "sources": [str(sample_settings.sample_dir / DEMO_DRAFT["source"])]})
    wall = time.perf_counter() - started
    assert job["status"] == "succeeded", job["error"]
    with connect(sample_settings.duckdb_path) as conn:
        calls, tokens, ledger_ms = conn.execute(
            "SELECT count(*), sum(completion_tokens), sum(latency_ms) FROM lm_calls WHERE job_id = ?",
            [job["id"]]).fetchone()
    raw = sum(generating)
    bench_record(Row.of(
        "draft wall time", wall, "s", raw,
        f"the demo draft for {DEMO_DRAFT['creator']} (research, outline, hooks, script, checks): {calls} LM calls, "
        f"{tokens:,} tokens generated ({tokens / raw:.0f} tok/s); ledger latency {ledger_ms / 1000:.1f} s; "
        "baseline: time inside llama.cpp for the same calls"))


def test_eval_rerun_makes_no_lm_calls(sample_settings: Settings, bench_record: Callable[[Row], None]) -> None:
    params = {"creator": "pip-halloran", "variant": "stable", "split": "test"}
    started = time.perf_counter()
    first = jobs.submit_and_run(sample_settings, "eval-run", params)
    first_s = time.perf_counter() - started
    assert first["status"] == "succeeded", first["error"]

    started = time.perf_counter()  # the re-run in a new process: only the DSPy disk cache can answer
    cli = subprocess.run([str(BIN), "eval", "run", "-c", params["creator"], "-v", params["variant"],
                          "--split", params["split"], "--json"], env=os.environ.copy(), cwd=REPO,
                         capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    rerun_s = time.perf_counter() - started
    assert cli.returncode == 0, cli.stderr
    again = json.loads(cli.stdout)[0]
    assert again["lm_calls"] == 0 and again["cached_calls"] == first["result"]["lm_calls"] >= 1
    assert again["mean"] == first["result"]["mean"]
    bench_record(Row.of(
        "eval rerun LM calls", again["lm_calls"], "calls", first["result"]["lm_calls"],
        f"eval-run stable on {params['creator']}'s test split ({first['result']['n']} examples) twice: first "
        f"{first_s:.1f} s, the re-run in a new process (`scriptwright eval run`) {rerun_s:.1f} s with "
        f"{again['cached_calls']} cached calls; baseline: the first run's LM calls"))

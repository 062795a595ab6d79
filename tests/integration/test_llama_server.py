"""A real provider over loopback: llama-cpp-python's own OpenAI-compatible server runs the embedded GGUF
on 127.0.0.1, and every role reaches it the way a paid provider is reached (litellm `openai/<name>` →
HTTP → JSON, with a key from the environment). Doctor, an evidence step and a whole draft run through it
as a creator runs them, and the ledger keeps the provider's own token counts and each call's latency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from dspy.clients.base_lm import GLOBAL_HISTORY

from pipelines import corpus
from pipelines.lm import ask_structured, embedded_model_path, lm_threads
from pipelines.settings import Settings, get_settings
from pipelines.store.duckdb import connect, rows
from tests.integration.test_cli import run

pytestmark = [pytest.mark.usefixtures("no_proxies"), pytest.mark.slow]

MODEL = "openai/smollm2"
START_CEILING_S = 300.0  # measured: ready in about 5 s on an idle machine; the ceiling is for a busy one
DUMMY_KEY = "sk-loopback-dummy-key"
BEES = ("Honeybees tell each other where flowers are with the waggle dance. The angle of the waggle run "
        "shows the direction of the food relative to the sun, and its length shows the distance: about "
        "one second of waggling for each kilometre.")


@dataclass
class LoopbackServer:
    base_url: str
    log: Path
    start_s: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/models", timeout=5, trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    """`python -m llama_cpp.server` on the embedded GGUF, ready once /v1/models answers."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    threads = lm_threads(get_settings())
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()), "--model_alias",
           MODEL.split("/", 1)[1], "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
           # as many threads as the in-process engine uses (the server's default is half the cores)
           "--n_threads", str(threads), "--n_threads_batch", str(threads)]
    started = time.perf_counter()
    with log.open("w") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        while not _answers(base_url):
            try:  # the pause between checks doubles as the check that the server is still alive
                code = server.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None:
                pytest.fail(f"llama.cpp's server exited with {code}:\n{log.read_text()[-3000:]}")
            if time.perf_counter() - started > START_CEILING_S:
                pytest.fail(f"llama.cpp's server did not answer within {START_CEILING_S:g} s:\n"
                            f"{log.read_text()[-3000:]}")
        yield LoopbackServer(base_url, log, time.perf_counter() - started)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def provider_env(server: LoopbackServer) -> dict[str, str]:
    """Every role on the loopback server; a busy 2-core machine can take minutes for one long answer."""
    return {"SCRIPTWRIGHT_LM": MODEL, "SCRIPTWRIGHT_LM_API_BASE": server.base_url, "OPENAI_API_KEY": DUMMY_KEY,
            "SCRIPTWRIGHT_LM_TIMEOUT_S": "1800"}


def ledger(settings: Settings, job_id: str | None = None) -> list[dict]:
    with connect(settings.duckdb_path) as conn:
        if job_id:
            return rows(conn, "SELECT * FROM lm_calls WHERE job_id = ? ORDER BY created_at", [job_id])
        return rows(conn, "SELECT * FROM lm_calls ORDER BY created_at")


def test_the_ledger_holds_the_servers_own_token_count(settings, llama_server, monkeypatch) -> None:
    for name, value in provider_env(llama_server).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    s = get_settings()
    started = time.perf_counter()
    answer = ask_structured(s)
    wall_ms = (time.perf_counter() - started) * 1000
    assert answer["model"] == MODEL and isinstance(answer["confidence"], float)
    [call] = ledger(s)
    assert call["model"] == MODEL and call["role"] == "judge" and not call["cache_hit"]
    assert 0 < call["latency_ms"] <= wall_ms and 0 < call["completion_tokens"] <= s.lm_max_tokens
    # the same messages, asked of the server directly: its own tokenizer's count is what the ledger holds
    messages = GLOBAL_HISTORY[-1]["messages"]
    direct = httpx.post(f"{llama_server.base_url}/chat/completions", trust_env=False, timeout=1800,
                        json={"model": "smollm2", "messages": messages, "max_tokens": 1}).json()
    assert call["prompt_tokens"] == direct["usage"]["prompt_tokens"]


def test_doctor_and_an_evidence_step_through_the_server(settings, data_dir, llama_server) -> None:
    env = provider_env(llama_server)
    out = run(["doctor"], data_dir, timeout=1800, **env)
    assert out.returncode == 0, out.stderr
    flat = out.stdout.replace("\n", "")
    assert f"{MODEL} at {llama_server.base_url}" in flat and "LM answers" in flat
    [ping] = ledger(settings)
    assert (ping["role"], ping["model"]) == ("judge", MODEL)
    assert ping["prompt_tokens"] > 0 and ping["completion_tokens"] > 0 and ping["latency_ms"] > 0

    corpus.ensure_creator(settings, "Bee Teacher")
    out = run(["research", "--project", "How honeybees talk", "--creator", "Bee Teacher", "--text", BEES, "--json"],
              data_dir, timeout=1800, **env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["project"] == "how-honeybees-talk"
    job = json.loads(run(["jobs", "list", "--json"], data_dir).stdout)[0]
    calls = ledger(settings, job["id"])
    assert job["kind"] == "research" and calls and {c["role"] for c in calls} == {"research"}
    assert all(c["model"] == MODEL and c["prompt_tokens"] > 0 and c["completion_tokens"] > 0 and c["latency_ms"] > 0
               for c in calls)


@pytest.mark.timeout(3600)
def test_a_whole_draft_through_the_server(sample_settings, data_dir, llama_server) -> None:
    started = time.perf_counter()
    out = run(["draft", "--creator", "pip-halloran", "--idea", "Monty Hall with a hundred doors", "--minutes", "1",
               "--no-export"], data_dir, timeout=3300, **provider_env(llama_server))
    seconds = time.perf_counter() - started
    assert out.returncode == 0, out.stderr
    job = next(j for j in json.loads(run(["jobs", "list", "--json"], data_dir).stdout) if j["kind"] == "draft")
    assert job["status"] == "succeeded" and job["result"]["versions"], job
    calls = ledger(sample_settings, job["id"])
    fresh = [c for c in calls if not c["cache_hit"]]
    # the outline, four hooks, one call per section (a hook is rated only when it is usable: the judge's
    # calls depend on what the 135M model writes, and doctor's test covers that role)
    assert len(fresh) >= 10 and {"research", "writer"} <= {c["role"] for c in fresh}
    assert all(c["model"] == MODEL and c["prompt_tokens"] > 0 and c["completion_tokens"] > 0 and c["latency_ms"] > 0
               for c in fresh)
    print(f"\nllama.cpp server ready in {llama_server.start_s:.1f} s; draft: {len(fresh)} calls, "
          f"{sum(c['prompt_tokens'] for c in fresh)} prompt + {sum(c['completion_tokens'] for c in fresh)} completion "
          f"tokens, {seconds:.0f} s")

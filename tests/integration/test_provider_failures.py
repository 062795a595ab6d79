"""A provider that fails, as a creator meets it: a loopback server answers like OpenAI does when a key is
wrong, a model unknown, a rate limit hit, the server down or slow, the input too long, or the answer is
no model response at all. The real path runs (lm_for_role → LedgerLM → DSPy → litellm → HTTP): each
failure is one readable line in the CLI and on the failed job, the key never shows, the versions and
research already stored stay as they were, and the same step works again once the server behaves."""

from __future__ import annotations

import json
import re
import socket
import sys
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from pipelines import cli, jobs
from pipelines.costs import draft_estimate, price
from pipelines.drafting import drafts
from pipelines.evidence import projects
from pipelines.settings import Settings, get_settings
from pipelines.store.duckdb import connect, rows
from tests.fake_provider import PLANTED_KEY, USAGE, ScriptedProvider
from tests.integration.test_cli import run
from tests.integration.test_drafting import ANSWERS, IDEA, SOURCE

pytestmark = pytest.mark.usefixtures("no_proxies")

MODEL = "openai/gpt-4.1-mini"
RETRIES = 2
TIMEOUT_S = 1.0
PING = {"[[ ## question ## ]]": {"colour": "blue", "confidence": 0.9}}
# mode → (what the line says, requests the failing call made: transient failures are retried)
FAILURES = {
    "bad key": ("refused the API key. Check OPENAI_API_KEY", 1),
    "unknown model": ("does not know the model 'gpt-4.1-mini'. Check the model name", 1),
    "rate limit": (f"rate limit) and still was after the retries ({RETRIES + 1} attempts). Wait a minute", RETRIES + 1),
    "server error": (f"failed on its side ({RETRIES + 1} attempts)", RETRIES + 1),
    "overloaded": (f"failed on its side ({RETRIES + 1} attempts)", RETRIES + 1),
    "slow": (f"did not answer within {TIMEOUT_S:g} s ({RETRIES + 1} attempts)", RETRIES + 1),
    "context window": ("the input is longer than openai/gpt-4.1-mini can read at once", 1),
    "not json": ("sent an answer that is not a model response Scriptwright can read", 1),
}


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    """Threaded, so a request the client gave up on (the slow mode) does not hold up its retry."""
    httpd = HTTPServer(host="127.0.0.1", threaded=True)
    httpd.start()
    yield httpd
    httpd.clear()
    httpd.stop()


@pytest.fixture
def provider(server: HTTPServer) -> ScriptedProvider:
    scripted = ScriptedProvider({**ANSWERS, **PING}, slow_s=TIMEOUT_S * 3)
    server.clear()
    server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(scripted.handle)
    return scripted


def provider_env(server: HTTPServer) -> dict[str, str]:
    return {"SCRIPTWRIGHT_LM": MODEL, "SCRIPTWRIGHT_LM_API_BASE": server.url_for("/v1"),
            "OPENAI_API_KEY": PLANTED_KEY, "SCRIPTWRIGHT_LM_RETRIES": str(RETRIES),
            "SCRIPTWRIGHT_LM_RETRY_BACKOFF_S": "0.05", "SCRIPTWRIGHT_LM_TIMEOUT_S": str(TIMEOUT_S)}


@pytest.fixture
def workspace(sample_settings: Settings, server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The demo workspace with every role on the loopback provider."""
    for name, value in provider_env(server).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


def stored(settings: Settings, project: str) -> dict:
    """Every draft version (with its content) and research result of a project."""
    research = projects.result(settings, project, "research")
    return {"versions": [drafts.get(settings, project, v["version"]) for v in drafts.versions(settings, project)],
            "research": research}


def submit(settings: Settings, kind: str, **params) -> dict:
    return jobs.submit_and_run(settings, kind, params)


@pytest.mark.parametrize("mode", [*FAILURES, "prose"])
def test_a_failing_provider_fails_the_step_in_one_line_and_keeps_what_was_stored(workspace, provider, mode) -> None:
    project = projects.ensure_project(workspace, "pip-halloran", IDEA)["id"]
    assert submit(workspace, "research", project=project, sources=[str(SOURCE)])["status"] == "succeeded"
    assert submit(workspace, "draft-outline", project=project)["status"] == "succeeded"
    before, calls_before = stored(workspace, project), len(provider.requests)

    provider.mode = mode
    job = submit(workspace, "draft-hooks", project=project)
    needle, attempts = FAILURES.get(mode, ("did not match the expected fields", 2))  # prose: parsed twice
    assert job["status"] == "failed"
    error = job["error"]
    assert error.startswith("Hook: ") and needle in error, error
    assert "\n" not in error and PLANTED_KEY not in error and "Traceback" not in error
    assert len(provider.requests) - calls_before == attempts
    assert stored(workspace, project) == before

    provider.mode = "ok"
    again = submit(workspace, "draft-hooks", project=project)
    assert again["status"] == "succeeded", again["error"]
    assert [v["version"] for v in drafts.versions(workspace, project)] == [2, 1]
    assert drafts.get(workspace, project, 2)["content"].hook.text == ANSWERS["[[ ## style ## ]]"]["hook"]


def test_the_ledger_keeps_the_providers_own_counts_and_never_the_key(workspace, provider) -> None:
    project = projects.ensure_project(workspace, "pip-halloran", IDEA)["id"]
    job = submit(workspace, "research", project=project, sources=[str(SOURCE)])
    assert job["status"] == "succeeded", job["error"]
    assert provider.requests[0]["authorization"] == f"Bearer {PLANTED_KEY}"  # the key came from the environment
    with connect(workspace.duckdb_path) as conn:
        calls = rows(conn, "SELECT * FROM lm_calls WHERE job_id = ?", [job["id"]])
        everything = json.dumps(rows(conn, "SELECT * FROM lm_calls"), default=str) + \
            json.dumps(rows(conn, "SELECT * FROM jobs"), default=str)
    assert [(c["model"], c["role"], c["prompt_tokens"], c["completion_tokens"]) for c in calls] == \
        [(MODEL, "research", USAGE["prompt_tokens"], USAGE["completion_tokens"])]
    assert calls[0]["latency_ms"] > 0 and calls[0]["cost_usd"] > 0  # litellm's price for gpt-4.1-mini
    assert PLANTED_KEY not in everything


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def doctor(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """`scriptwright doctor` in this process (the command's own entry point, argv and all): exit code,
    stdout, stderr. The subprocess case below proves the same path from the installed command."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["scriptwright", "doctor"])
    get_settings.cache_clear()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out = capsys.readouterr()
    return exited.value.code or 0, out.out, out.err


def one_error_line(code: int, stdout: str, stderr: str, needle: str) -> None:
    assert code == 1
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in stderr.replace("\n", " "), stderr
    assert "Traceback" not in stderr + stdout and PLANTED_KEY not in stderr + stdout


@pytest.mark.parametrize("mode", [*FAILURES, "unreachable"])
def test_doctor_says_what_is_wrong_in_one_line(data_dir, server, provider, mode, monkeypatch, capsys) -> None:
    env = provider_env(server)
    if mode == "unreachable":
        env["SCRIPTWRIGHT_LM_API_BASE"] = base = f"http://127.0.0.1:{free_port()}/v1"
        needle = f"could not reach {MODEL} at {base} ({RETRIES + 1} attempts). Check that the server is running"
    else:
        provider.mode = mode
        needle = FAILURES[mode][0]
    one_error_line(*doctor(env, monkeypatch, capsys), needle)


def test_the_installed_command_says_it_in_one_line_too(data_dir, server, provider) -> None:
    provider.mode = "bad key"
    out = run(["doctor"], data_dir, timeout=300, **provider_env(server))
    one_error_line(out.returncode, out.stdout, out.stderr, FAILURES["bad key"][0])


def test_doctor_answers_through_the_provider(data_dir, server, provider, monkeypatch, capsys) -> None:
    code, stdout, stderr = doctor(provider_env(server), monkeypatch, capsys)
    assert code == 0, stderr
    assert f"{MODEL} at {server.url_for('/v1')}" in stdout.replace("\n", "")
    assert "colour='blue'" in stdout and "OPENAI_API_KEY" in stdout and PLANTED_KEY not in stdout


def test_a_spending_cap_stops_the_job_before_its_next_call(workspace, provider, monkeypatch) -> None:
    per_call = price(MODEL, USAGE["prompt_tokens"], USAGE["completion_tokens"])
    monkeypatch.setattr(workspace, "max_cost_usd", per_call * 1.5)  # reached after the second call
    job = submit(workspace, "draft", creator="pip-halloran", idea=IDEA, sources=[str(SOURCE)])
    assert job["status"] == "failed" and len(provider.requests) == 2  # research notes, outline; no hook asked
    assert job["error"] == (f"Hook: this job's model calls have cost ${2 * per_call:.4f}, which reaches its cap of "
                            f"${per_call * 1.5:g} (SCRIPTWRIGHT_MAX_COST_USD), so it stopped before its next call. "
                            "What it saved so far is kept; raise the cap to go on.")
    project = projects.get_project(workspace, "monty-hall-with-a-hundred-doors")["id"]
    assert [v["step"] for v in drafts.versions(workspace, project)] == ["outline"]


def test_draft_shows_its_estimate_and_then_what_it_spent(sample_settings, data_dir, server, provider) -> None:
    out = run(["draft", "--creator", "pip-halloran", "--idea", IDEA, "--minutes", "1", "--no-export"], data_dir,
              timeout=900, **provider_env(server))
    assert out.returncode == 0, out.stderr
    estimate = draft_estimate(sample_settings.model_copy(update={"lm": MODEL}), research=False)
    assert f"Estimate: at most {estimate['calls']} model calls" in out.stdout
    assert f"at most ${estimate['usd']:.4f}" in out.stdout
    n = len(provider.requests)  # the four ratings of one same hook are one request: the cache answers three
    spent = re.search(r"Spent: (\d+) model calls? \((\d+) answered from the cache\), (.*)", out.stdout)
    assert spent and int(spent[1]) - int(spent[2]) == n >= 10, out.stdout
    assert spent[3] == (f"{n * USAGE['prompt_tokens']:,} prompt + {n * USAGE['completion_tokens']:,} answer tokens, "
                        f"${n * price(MODEL, USAGE['prompt_tokens'], USAGE['completion_tokens']):.4f}.")

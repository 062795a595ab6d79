"""What a failed model call means for a creator: one line that says what went wrong and what to do.

DSPy reaches providers through litellm and raises its own error class per failure (a refused key, an
unknown model, a rate limit, ...); litellm's classes and Python's connection errors can surface too.
All of them are mapped here, in one place, to `LMCallError`. Transient failures are retried by the LM
first (`pipelines.lm.LedgerLM`); a message never carries an API key.
"""

from __future__ import annotations

import os
import re

from pipelines.errors import ScriptwrightError

_KEY_SHAPED = re.compile(r"\b(?:sk|pk|key|gsk|xai|AIza)[-_A-Za-z0-9]{8,}[A-Za-z0-9*]*")
_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
                  "groq": "GROQ_API_KEY", "mistral": "MISTRAL_API_KEY", "together_ai": "TOGETHER_API_KEY",
                  "openrouter": "OPENROUTER_API_KEY", "xai": "XAI_API_KEY", "deepseek": "DEEPSEEK_API_KEY"}


class LMCallError(ScriptwrightError):
    """A model call that failed in a way the creator can act on; `step` names where, once known."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.step = step


def key_variable(model: str) -> str:
    """The environment variable that holds the key for a litellm model string's provider."""
    provider = model.split("/", 1)[0] if "/" in model else "openai"
    return _KEY_VARIABLES.get(provider, f"{provider.upper()}_API_KEY")


def require_key(model: str) -> None:
    """One clear line before any call when the provider's key is not in the environment."""
    import litellm

    found = litellm.validate_environment(model)
    missing = [name for name in found.get("missing_keys") or [] if name.endswith("_KEY")]
    if missing and not found.get("keys_in_environment"):
        raise ScriptwrightError(f"{model} needs an API key: paste {' or '.join(missing)} on the Settings page "
                                "(it is saved in the workspace's .env) or set it in the environment scriptwright runs "
                                "in, or point the role at a server of your own with SCRIPTWRIGHT_LM_API_BASE.")


def redact(text: str) -> str:
    """`text` on one line, without any API key from the environment or anything shaped like one."""
    secrets = [v for k, v in os.environ.items() if k.endswith(("_API_KEY", "_TOKEN", "_SECRET")) and len(v) >= 6]
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "[key hidden]")
    return " ".join(_KEY_SHAPED.sub("[key hidden]", text).split())


# what DSPy and litellm put before a provider's own words: "[model] ", "litellm.X: X: OpenAIException - "
_WRAPPING = re.compile(r"^(\[[^\]]*\]\s*)?(litellm\.\w+:\s*)?(\w+Error:\s*)?(\w+Exception - )?")
# litellm reports a 200 answer that is no JSON (an HTML page at a wrong URL) as a server error, in these words
_NOT_A_RESPONSE = "invalid response from LLM endpoint"


def _detail(exc: BaseException, limit: int = 160) -> str:
    message = _WRAPPING.sub("", str(getattr(exc, "message", None) or exc))
    message = redact(message)
    return message if len(message) <= limit else message[: limit - 1].rstrip() + "…"


def _classes() -> list[tuple[str, tuple[type[BaseException], ...]]]:
    """Failure kinds, most specific first, each with the DSPy and litellm classes that mean it."""
    import httpx
    import litellm
    import openai
    from dspy.utils import exceptions as dspy_errors

    return [
        ("context", (dspy_errors.ContextWindowExceededError, litellm.ContextWindowExceededError)),
        ("billing", (dspy_errors.LMBillingError, litellm.BudgetExceededError)),
        ("auth", (dspy_errors.LMAuthError, litellm.AuthenticationError, litellm.PermissionDeniedError)),
        ("rate", (dspy_errors.LMRateLimitError, litellm.RateLimitError)),
        ("model", (dspy_errors.LMUnsupportedModelError, litellm.NotFoundError)),
        ("timeout", (dspy_errors.LMTimeoutError, litellm.Timeout, openai.APITimeoutError, httpx.TimeoutException,
                     TimeoutError)),
        ("unreachable", (dspy_errors.LMTransportError, litellm.APIConnectionError, openai.APIConnectionError,
                         httpx.TransportError, ConnectionError)),
        ("server", (dspy_errors.LMServerError, litellm.InternalServerError, litellm.ServiceUnavailableError,
                    litellm.BadGatewayError)),
        ("config", (dspy_errors.LMConfigurationError,)),
        ("rejected", (dspy_errors.LMInvalidRequestError, litellm.BadRequestError)),
        ("unusable", (dspy_errors.LMError, litellm.APIError, litellm.APIResponseValidationError)),
    ]


def failure_kind(exc: BaseException) -> str | None:
    """What kind of model failure `exc` is, or None when it is none. A timeout or a refused connection
    anywhere in its chain of causes wins: litellm reports both as a server error (HTTP 500)."""
    if _NOT_A_RESPONSE in str(exc):
        return "unusable"
    classes = _classes()
    kinds = []
    seen: BaseException | None = exc
    while seen is not None and len(kinds) < 20:
        kinds.append(next((kind for kind, types in classes if isinstance(seen, types)), None))
        seen = seen.__cause__ or seen.__context__
    return next((k for k in ("timeout", "unreachable") if k in kinds), None) or next(filter(None, kinds), None)


TRANSIENT = frozenset({"rate", "server", "timeout", "unreachable"})


def model_failure(exc: BaseException, model: str, api_base: str | None, *, attempts: int = 1,
                  timeout_s: float | None = None) -> LMCallError | None:
    """The one readable line for a failed call to `model` (None when `exc` is not a model failure)."""
    kind = failure_kind(exc)
    if kind is None:
        return None
    where = f"{model} at {api_base}" if api_base else model
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    detail = _detail(exc)
    messages = {
        "context": f"the input is longer than {model} can read at once (its context window). Shorten the input "
                   "(fewer or shorter sources or notes) or pick a model with a larger context window.",
        "billing": f"{where} refused the call for billing: the account has no credit or quota left. "
                   "Add credit with the provider or pick another model.",
        "auth": f"{where} refused the API key. Check {key_variable(model)} (Settings page, or the environment "
                "scriptwright runs in), then retry.",
        "rate": f"{where} is limiting how often it may be called (rate limit) and still was after the retries"
                f"{tries}. Wait a minute and retry the step.",
        "model": f"{where} does not know the model '{model.split('/', 1)[-1]}'. Check the model name in "
                 "SCRIPTWRIGHT_LM or SCRIPTWRIGHT_LM_<ROLE> (e.g. openai/gpt-4.1-mini), or the server's model list.",
        "timeout": f"{where} did not answer within {timeout_s:g} s{tries}. Retry later; for a slow local server "
                   "raise SCRIPTWRIGHT_LM_TIMEOUT_S." if timeout_s else
                   f"{where} did not answer in time{tries}. Retry later.",
        "unreachable": f"could not reach {where}{tries}. Check that the server is running and the address is "
                       "right (SCRIPTWRIGHT_LM_API_BASE or SCRIPTWRIGHT_LM_<ROLE>_API_BASE).",
        "server": f"{where} failed on its side{tries} ({detail}). Nothing is wrong with your input: retry later "
                  "or pick another model.",
        "config": f"{where} is not set up: {detail}",
        "rejected": f"{where} rejected the request ({detail}).",
        "unusable": f"{where} sent an answer that is not a model response Scriptwright can read ({detail}). "
                    "If it is a server of your own, check that the base URL points at its API (often ending in "
                    "/v1).",
    }
    return LMCallError(messages[kind])

"""An OpenAI-compatible chat endpoint on loopback that answers like a real provider, including the
ways real providers fail (status codes and error bodies as OpenAI sends them)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

PLANTED_KEY = "sk-test-planted-4f9c2e7a1b"  # must never appear in a message, a log line or the ledger
USAGE = {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}


def _error(status: int, message: str, kind: str, code: str | None) -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Response(json.dumps(body), status=status, content_type="application/json")


FAILURES = {
    "bad key": lambda: _error(401, f"Incorrect API key provided: {PLANTED_KEY}. You can find your API key at "
                                   "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                              "invalid_api_key"),
    "unknown model": lambda: _error(404, "The model `gpt-nope` does not exist or you do not have access to it.",
                                    "invalid_request_error", "model_not_found"),
    "rate limit": lambda: _error(429, "Rate limit reached for requests per min. Please try again in 20ms.",
                                 "requests", "rate_limit_exceeded"),
    "server error": lambda: _error(500, "The server had an error while processing your request.", "server_error",
                                   None),
    "overloaded": lambda: _error(503, "The engine is currently overloaded, please try again later.", "server_error",
                                 None),
    "context window": lambda: _error(400, "This model's maximum context length is 8192 tokens. However, your "
                                          "messages resulted in 9120 tokens. Please reduce the length of the messages.",
                                     "invalid_request_error", "context_length_exceeded"),
    "not json": lambda: Response("<html><body><h1>Welcome to nginx!</h1></body></html>", status=200,
                                 content_type="text/html"),
}


@dataclass
class ScriptedProvider:
    """Answers each chat request with the JSON of the first `answers` key found in its last message,
    or fails as `mode` says ("ok", a FAILURES key, "slow" or "prose")."""

    answers: dict[str, dict[str, Any]]
    mode: str = "ok"
    slow_s: float = 3.0
    requests: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True))
        self.requests.append({"body": body, "authorization": request.headers.get("Authorization", "")})
        if self.mode in FAILURES:
            return FAILURES[self.mode]()
        if self.mode == "slow":
            time.sleep(self.slow_s)
        last = body["messages"][-1]["content"]
        last = last if isinstance(last, str) else " ".join(part.get("text", "") for part in last)
        answer = next((value for key, value in self.answers.items() if key in last), None)
        content = "Sure! Here is what you asked for." if self.mode == "prose" or answer is None else json.dumps(answer)
        return Response(json.dumps({
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": USAGE,
        }), status=200, content_type="application/json")

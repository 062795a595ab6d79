"""Sending a creator's message to a tool by meaning, before the model guesses.

Each tool has example requests in prompts/assistant/routes.yaml. The request part of a message
(the words before a pasted passage) is embedded with the packaged MiniLM embedder and compared
with every example; when the nearest example is close enough, and its tool clearly ahead of
every other tool, that tool is called without asking the model which one to use. Small talk,
vague or mixed requests are left to the model.

MiniLM's similarity is dominated by a request's topic ("where did I talk about prime numbers"
is only 0.36 from "where did I talk about black holes"), so the request and the examples are
also compared with their topic replaced by "this"; the closer of the two comparisons counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings

ROUTES_FILE = Path("assistant") / "routes.yaml"
# Cosine similarity between the request and its nearest example, on the 93 requests and 25 unclear
# messages of tests/data/assistant_routes_heldout.yaml. Measured: nearest example of the right tool
# 0.26-0.91, of a wrong tool 0.27-0.85 (8 of 17 at or above 0.45, all stopped by the margin or the
# passage rule), unclear 0.21-0.43. At 0.42 one unclear message is routed; 0.48 routes 2 requests fewer.
THRESHOLD = 0.45
# How far the nearest tool must be ahead of the runner-up. Measured above THRESHOLD: right tool 0.00-0.61
# ahead (3 of 62 under 0.05), wrong tool 0.03-0.04 ahead, or 0.02-0.14 when the message pastes a passage
# for a tool that takes no text (those are left to the model whatever the margin).
MARGIN = 0.05
# Words after a request's first sentence that make the rest a pasted passage (shorter: one request).
MIN_PASSAGE_WORDS = 6
# Words after which a request names its topic, and the small words a topic may start with.
TOPIC_CUES = frozenset({"about", "on", "that", "for", "called", "explained", "mentioned", "say"})
TOPIC_ARTICLES = frozenset({"a", "an", "the", "my", "of", "in"})


@dataclass(frozen=True)
class Route:
    """The tool nearest to a message: its nearest example and how far it is ahead of the next tool."""

    tool: str
    similarity: float
    example: str
    runner_up: str
    margin: float
    message: str
    passage: str

    def reason(self) -> str:
        """Why the router chose this tool, in words a creator can read."""
        return (f"Routed by meaning: the request is closest to \"{self.example}\" (similarity {self.similarity:.2f}; "
                f"next tool {self.runner_up}, {self.margin:.2f} behind).")


def _at_colon(text: str) -> tuple[str, str] | None:
    """(before, after) a colon (not "3:45") or a line break with text on both sides, else None."""
    found = re.search(r":\s|\n", text)
    if found and text[:found.start()].strip() and text[found.end():].strip():
        return text[:found.start()].strip(), text[found.end():].strip()
    return None


def split_request(message: str) -> tuple[str, str]:
    """(the request, a passage pasted after it): the passage follows a colon or a line break, or the
    first sentence when more than a few words follow it; '' when there is none."""
    text = message.strip()
    if found := _at_colon(text):
        return found
    parts = re.split(r"(?<=[?.!])\s+", text, maxsplit=1)
    if len(parts) == 2 and len(parts[1].split()) >= MIN_PASSAGE_WORDS:
        return parts[0].strip(), parts[1].strip()
    return text, ""


def subject(message: str) -> str:
    """What a request names (to search for, an idea, a claim): the text after its colon or line break,
    else the whole message ("Thinking of a video on X. Fit for the channel?" names X in its first sentence)."""
    found = _at_colon(message.strip())
    return found[1] if found else message.strip()


def load_routes(settings: Settings, tools: Collection[str]) -> dict[str, tuple[str, ...]]:
    """Tool -> its example requests, from the prompts folder; a tool the assistant lacks is an error."""
    path = settings.prompts_root / ROUTES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScriptwrightError(f"{path}: the assistant's routes file is missing.") from exc
    except yaml.YAMLError as exc:
        raise ScriptwrightError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(data, dict) or not data:
        raise ScriptwrightError(f"{path}: expected a mapping of tool name -> list of example requests.")
    routes: dict[str, tuple[str, ...]] = {}
    for tool, examples in data.items():
        if tool not in tools:
            raise ScriptwrightError(f"{path}: '{tool}' is not one of the assistant's tools ({', '.join(tools)}).")
        if not isinstance(examples, list) or not examples or not all(isinstance(e, str) and e.strip()
                                                                     for e in examples):
            raise ScriptwrightError(f"{path}: '{tool}' needs a list of example requests (non-empty text).")
        routes[tool] = tuple(e.strip() for e in examples)
    return routes


def _tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+|[^\sA-Za-z0-9']", text)


def shared_words(examples: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased words used by at least two examples: the wording of requests rather than their topics."""
    counts = Counter(w.lower() for e in examples for w in {t for t in _tokens(e) if t[0].isalnum()})
    return frozenset(w for w, n in counts.items() if n >= 2)


def without_topic(text: str, shared: frozenset[str]) -> str:
    """The text with each topic replaced by "this": the words after a cue ("about", "on", "that"...)
    up to the next word the examples share ("where did I talk about prime numbers before" ->
    "where did I talk about this before")."""
    out: list[str] = []
    in_topic = False
    for token in _tokens(text):
        word = token.lower()
        if in_topic and token[0].isalnum() and (word not in shared or word in TOPIC_ARTICLES):
            if out[-1] != "this":
                out.append("this")
            continue
        in_topic = word in TOPIC_CUES
        out.append(token)
    return " ".join(out)


@lru_cache(maxsize=4)
def _vectors(examples: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The examples' embeddings as written and without their topics, computed once per process."""
    shared = shared_words(examples)
    return embed(list(examples)), embed([without_topic(e, shared) for e in examples])


class Router:
    """Routes a message to a tool when its meaning is clearly one tool's; `argument_free` tools take no
    text, so a message that pastes a passage is not routed to them (it wants something done with it)."""

    def __init__(self, routes: dict[str, tuple[str, ...]], argument_free: Collection[str] = ()) -> None:
        if len(routes) < 2:
            raise ScriptwrightError("The router needs example requests for at least two tools.")
        self.examples = tuple(e for examples in routes.values() for e in examples)
        self.tools = np.array([tool for tool, examples in routes.items() for _ in examples])
        self.shared = shared_words(self.examples)
        self.argument_free = frozenset(argument_free)

    def nearest(self, message: str) -> Route:
        """The tool whose example is nearest to the message's request, whether or not it is clear enough."""
        request, passage = split_request(message)
        as_written, topic_free = embed([request, without_topic(request, self.shared)])
        examples, examples_topic_free = _vectors(self.examples)
        similarities = np.maximum(examples @ as_written, examples_topic_free @ topic_free)
        best: dict[str, int] = {}
        for i in np.argsort(-similarities):
            best.setdefault(str(self.tools[i]), int(i))
        (tool, i), (runner_up, j) = list(best.items())[:2]
        return Route(tool, float(similarities[i]), self.examples[i], runner_up,
                     float(similarities[i] - similarities[j]), message, passage)

    def route(self, message: str) -> Route | None:
        """The tool to call for this message, or None when the model should decide."""
        found = self.nearest(message)
        if found.similarity < THRESHOLD or found.margin < MARGIN:
            return None
        if found.passage and found.tool in self.argument_free:
            return None
        return found

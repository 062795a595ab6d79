"""Spotting text in a research source that tries to instruct the model reading it.

Each sentence (split on . ! ? and line breaks) is checked against a few narrow rules;
a flagged sentence can be withheld from the model while the rest stays byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

WITHHELD = "[instruction-like text withheld from the model]"

_SENTENCE = re.compile(r"[^.!?\r\n]+")
_AI = (r"(?:ai|llm|(?:large\s+)?language\s+model|chatbot|chatgpt|ai\s+(?:assistant|model|agent|system)"
       r"|(?:virtual\s+)?assistant)")
# a command addressed to the reader: at the start of a sentence or clause, or after "you will", "please", ...
_COMMAND = (r"(?:^|[,;:]\s*|\b(?:please|you\s+(?:will|must|should|shall|are\s+to|are\s+going\s+to)"
            r"|i\s+(?:want|need)\s+you\s+to|your\s+(?:job|task|role)\s+is\s+to)\s+)")

_RULE_PATTERNS = (
    ("ignore-instructions",
     r"\b(?:ignore|disregard|forget)\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:(?:the|your|my|these|those)\s+)?"
     r"(?:previous|prior|above|earlier|preceding)\s+(?:instructions?|prompts?|rules|directions)\b"),
    ("role-override",
     r"\byou\s+are\s+now\s+(?:(?:a|an|the|my)\s+(?:[\w-]+\s+){0,3}?"
     r"(?:ai|assistant|bot|chatbot|model|llm|gpt|agent|persona|character)\b|in\s+[\w-]+\s+mode\b|dan\b"
     r"|no\s+longer\s+(?:an?\s+(?:ai|assistant|language\s+model)|bound|restricted|limited)\b"
     r"|(?:unrestricted|unfiltered|uncensored|jailbroken)\b)"
     r"|\bfrom\s+now\s+on,?\s+you\s+(?:are\s+(?:an?|my|no\s+longer|dan)\b"
     r"|(?:will|must|shall)\s+(?:act|respond|answer|reply|only|always|ignore|pretend)\b)"
     rf"|{_COMMAND}(?:act|roleplay|role-play)\s+as\s+(?:an?|the|my)\b|{_COMMAND}pretend\s+to\s+be\b"),
    ("new-instructions",
     r"\b(?:new|updated|revised|additional|real|actual)\s+(?:system\s+)?instructions?\s*:"),
    ("system-prompt",
     r"\bsystem\s+prompt\b|\b(?:reveal|show|print|repeat|output|leak|disclose|tell\s+me)\s+(?:me\s+)?"
     r"your\s+(?:\w+\s+){0,2}?(?:instructions|prompt)\b"),
    ("hide-from-user",
     r"\b(?:do\s+not|don['’]?t|never)\s+(?:tell|mention|reveal|inform|say|disclose|show)\s+"
     r"(?:\w+\s+){0,3}?(?:to\s+)?the\s+user\b"),
    ("chat-markup",
     r"<\|\s*[a-z_]{2,30}\s*\|>|\[/?inst\]|<<\s*/?sys\s*>>|</?\s*(?:system|assistant|user)\s*>"
     r"|^#{2,}\s*(?:instruction|system|response)\s*(?::|$)"),
    ("tool-call",
     r"</?\s*(?:tool_call|tool_use|function_calls?|invoke)\b|[\"'](?:tool_calls?|function_call)[\"']\s*:"),
    ("addressed-to-ai",
     rf"\bas\s+an?\s+{_AI}\s*,?\s+you\s+(?:must|should|will|need\s+to|have\s+to|are\s+(?:required|instructed))\b"
     rf"|\bif\s+you\s+are\s+an?\s+{_AI}\s*(?:[,:]|\b(?:reading|processing|summari[sz]ing|and|then|you)\b)"
     rf"|\b{_AI}s?\s+(?:reading|processing|summari[sz]ing|analy[sz]ing|parsing|ingesting)\s+this\b"
     rf"|^(?:note|message|instructions?|attention)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?{_AI}s?\b"
     rf"|^(?:hey|dear|hello|hi)\s+{_AI}\b|^assistant\s*:"),
)
_RULES = tuple((name, re.compile(pattern, re.I)) for name, pattern in _RULE_PATTERNS)


@dataclass(frozen=True)
class Flag:
    """One sentence that reads like an instruction to a model."""

    rule: str  # e.g. "ignore-instructions", "role-override", "system-prompt", "chat-markup", "tool-call"
    excerpt: str  # the sentence, at most 200 characters
    start: int  # offset of the sentence in the text


def _flagged(text: str) -> Iterator[tuple[str, int, str]]:
    """(rule, start, sentence) for every sentence that matches a rule."""
    for match in _SENTENCE.finditer(text):
        raw = match.group()
        sentence = raw.strip()
        rule = next((name for name, pattern in _RULES if pattern.search(sentence)), None) if sentence else None
        if rule:
            yield rule, match.start() + len(raw) - len(raw.lstrip()), sentence


def find_instructions(text: str) -> list[Flag]:
    """Every sentence that tries to instruct the model, with the first rule it matches."""
    return [Flag(rule, sentence[:200], start) for rule, start, sentence in _flagged(text)]


def redact(text: str) -> str:
    """The text with each flagged sentence replaced by WITHHELD; everything else unchanged."""
    parts, last = [], 0
    for _rule, start, sentence in _flagged(text):
        parts += [text[last:start], WITHHELD]
        last = start + len(sentence)
    return "".join(parts) + text[last:]

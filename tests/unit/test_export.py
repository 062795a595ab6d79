"""Markdown, teleprompter and bundle exports of a hand-made draft; an empty script is refused and
empty sections are left out by name."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipelines.drafting.export import missing_note, timeline, to_bundle, to_markdown, to_teleprompter, write_exports
from pipelines.errors import ScriptwrightError

PRIMES = {"chunk_id": "c1", "title": "Primes [part 1]\nthe proof", "uri": "https://example.org/primes"}
SIEVE = {"chunk_id": "c2", "title": "The sieve", "uri": "https://example.org/sieve"}
HOOK = " ".join(["word"] * 24) + " primes."  # 25 words at 150 wpm: 10 seconds
META = {"project": "primes", "version": 3, "pipeline_tag": "stable", "prompt_versions": {"outline": "v1"},
        "lm": {"writer": "local/smollm2"}, "created_at": "2025-01-01T00:00:00"}
LONG = ("If you multiply every prime you know together and add one, the result leaves a remainder of one "
        "when divided by each of them.")


def _finding(check: str, severity: str, message: str) -> dict[str, Any]:
    return {"check": check, "kind": "k", "severity": severity, "section": "s1", "sentence": 0,
            "text": "Primes never end.", "message": message, "fix": "Say why."}


def _draft() -> dict[str, Any]:
    return {
        "idea": "Why primes never run out", "creator": "pip", "creator_name": "Pip", "audience_level": "beginner",
        "target_words": 400, "wpm": 150.0,
        "framework": {"id": "problem-first", "name": "Problem first", "why": "It starts from a puzzle."},
        "outline": [{"id": "s1", "title": "The puzzle", "goal": "g", "beats": ["b"], "words": 200, "duration_s": 95.5}],
        "hooks": [{"id": "h1", "style": "question", "text": HOOK, "voice": 0.7, "score": 0.8}],
        "hook": {"id": "h1", "style": "question", "text": HOOK},
        "sections": [
            {"id": "s1", "title": "The puzzle", "duration_s": 95.5, "sentences": [
                {"text": "Primes never end.", "cites": [PRIMES]},
                {"text": "A sieve finds them.", "cites": [SIEVE, PRIMES]},
                {"text": "Nobody needs a computer for this.", "cites": []}]},
            {"id": "s2", "title": "Why primes never end", "duration_s": 80.0, "sentences": [
                {"text": LONG, "cites": [PRIMES, PRIMES]},
                {"text": "See **this** [link](https://example.org/x) at https://example.org/y now.", "cites": []}]},
        ],
        "checks": {"coherence": [_finding("coherence", "warn", "The jump to sieves is abrupt.")],
                   "simplification": {"reading_grade": 9.4, "target_grade": 8, "findings": []},
                   "safety": [], "voice": {"fidelity": 0.81, "profile_z": -0.4, "probability": 0.7},
                   "counts": {"high": 0, "warn": 1, "info": 0}},
    }


def _empty() -> dict[str, Any]:
    return {"idea": "Nothing yet", "creator": "pip", "creator_name": "Pip", "audience_level": "beginner",
            "target_words": 400, "wpm": 150.0, "framework": None, "outline": [], "hooks": [], "hook": None,
            "sections": [], "checks": None}


def test_timeline_is_cumulative() -> None:
    assert timeline(_draft()) == [("Hook", 0.0), ("The puzzle", 10.0), ("Why primes never end", 105.5)]


def test_markdown_has_hook_sections_footnotes_sources_and_checks() -> None:
    md = to_markdown(_draft(), META)
    assert md.startswith("# Why primes never run out\n")
    assert ("Creator: Pip · Framework: Problem first · Version: v3 · Tag: stable · "
            "Estimated runtime: 3:05") in md  # 10 + 95.5 + 80 seconds
    assert f"## Hook [0:00]\n\n{HOOK}\n" in md
    assert "## The puzzle [0:10]" in md
    assert "## Why primes never end [1:45]" in md
    assert "Primes never end.[^1] A sieve finds them.[^2][^1] Nobody needs a computer for this.\n" in md
    assert f"{LONG}[^1] See" in md  # the same chunk keeps its number and is marked once per sentence
    sources = md.split("## Sources\n", 1)[1].split("## Checks", 1)[0]
    assert sources.strip().splitlines() == ["[^1]: [Primes part 1 the proof](https://example.org/primes)",
                                            "[^2]: [The sieve](https://example.org/sieve)"]
    checks = md.split("## Checks\n", 1)[1]
    assert "0 high · 1 warn · 0 info" in checks
    assert "### Coherence" in checks and "- **warn** (The puzzle): The jump to sieves is abrupt." in checks
    assert "Reading grade 9.4 vs target 8.0." in checks
    assert "### Safety\n\nNo findings." in checks
    assert "Voice fidelity 0.81 (profile z -0.40, probability 0.70)." in checks


def test_unchecked_voice_says_so() -> None:
    draft = _draft()
    draft["checks"]["voice"] = None
    assert "Voice fidelity: not checked." in to_markdown(draft, META)


def test_teleprompter_is_plain_text() -> None:
    text = to_teleprompter(_draft())
    for forbidden in ("[^", "#", "http", "**", "]("):
        assert forbidden not in text
    lines = text.splitlines()
    assert lines[0].startswith("word word")
    assert "\n\n— The puzzle —\nPrimes never end.\nA sieve finds them.\n" in text
    assert "\n\n— Why primes never end —\nIf you multiply" in text
    assert all(len(line) <= 60 for line in lines)
    assert "See this link at now." in text


def test_bundle_round_trips() -> None:
    extras = {"notes": "research notes", "verification": [{"claim": "x", "verdict": "supported"}],
              "sources": [SIEVE], "feedback": []}
    bundle = json.loads(to_bundle(_draft(), META, extras))
    assert bundle["meta"] == META
    assert bundle["draft"] == _draft()
    assert {k: bundle[k] for k in extras} == extras


def test_write_exports_writes_three_files(tmp_path: Path) -> None:
    paths = write_exports(tmp_path / "exports", _draft(), META, {"notes": ""})
    assert {k: p.name for k, p in paths.items()} == {"markdown": "primes-v3.md", "teleprompter": "primes-v3.txt",
                                                     "bundle": "primes-v3.json"}
    assert paths["markdown"].read_text(encoding="utf-8") == to_markdown(_draft(), META)
    assert json.loads(paths["bundle"].read_text(encoding="utf-8"))["notes"] == ""


def test_an_empty_draft_is_not_exported(tmp_path: Path) -> None:
    draft = _empty()
    assert timeline(draft) == []
    with pytest.raises(ScriptwrightError, match="Nothing to export: the script has no sentences yet"):
        write_exports(tmp_path, draft, META, {})
    assert not list(tmp_path.iterdir())


def test_a_script_whose_sections_are_all_empty_is_not_exported(tmp_path: Path) -> None:
    draft = _draft()
    for section in draft["sections"]:
        section["sentences"] = []  # what the embedded model gave: titles, a hook, and no sentence
    with pytest.raises(ScriptwrightError, match="no sentences yet"):
        write_exports(tmp_path, draft, META, {})


def test_empty_sections_are_left_out_and_named(tmp_path: Path) -> None:
    draft = _draft()
    draft["sections"][0]["sentences"] = [{"text": "  ", "cites": []}]
    assert missing_note(draft) == "1 of 2 sections have no text yet and are left out: The puzzle."
    assert missing_note(_draft()) is None
    paths = write_exports(tmp_path, draft, META, {})
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "> 1 of 2 sections have no text yet and are left out: The puzzle." in md
    assert "## The puzzle" not in md and "## Why primes never end [" in md
    assert "no text yet.)" not in md and "(This section" not in md
    teleprompter = paths["teleprompter"].read_text(encoding="utf-8")
    assert "The puzzle" not in teleprompter and "— Why primes never end —" in teleprompter

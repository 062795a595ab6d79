"""Markdown, teleprompter and bundle exports of a hand-made draft; an empty script is refused and
empty sections are left out by name."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipelines.drafting.content import Draft
from pipelines.drafting.export import (missing_note, runtime, timeline, to_bundle, to_markdown, to_teleprompter,
                                       write_exports)
from pipelines.drafting.description import DESCRIPTION_MAX, NOTHING_TO_PASTE, TITLE_MAX, description_text
from pipelines.drafting.kit import choose_title, export_description, script_sha256
from pipelines.errors import ScriptwrightError
from pipelines.usable import placeholder_in

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


def _draft() -> Draft:
    return Draft.model_validate({
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
    })


def _empty() -> Draft:
    return Draft(idea="Nothing yet", creator="pip", creator_name="Pip", audience_level="beginner",
                 target_words=400, wpm=150.0, framework=None, outline=[], hooks=[], hook=None, sections=[],
                 checks=None)


def test_timeline_is_cumulative() -> None:
    # each part timed from its words at 150 wpm: hook 25 words, the puzzle 13
    assert timeline(_draft()) == [("Hook", 0.0), ("The puzzle", 10.0), ("Why primes never end", 15.2)]


def test_the_runtime_comes_from_the_sentences_at_the_creators_pace_not_the_stored_durations() -> None:
    draft = _draft()
    assert runtime(draft) == pytest.approx(27.2)  # 25 + 13 + 30 words at 150 wpm
    for section in draft.sections:
        section.duration_s = 999.0  # the outline's planned length, stale once the text is written or edited
    assert runtime(draft) == pytest.approx(27.2)
    draft.wpm = 75.0
    assert runtime(draft) == pytest.approx(54.4)
    draft.sections[1].sentences = [{"text": "Short now.", "cites": []}]
    assert runtime(draft) == pytest.approx(32.0) and "Estimated runtime: 0:32" in to_markdown(draft, META)


def test_markdown_has_hook_sections_footnotes_sources_and_checks() -> None:
    md = to_markdown(_draft(), META)
    assert md.startswith("# Why primes never run out\n")
    assert ("Creator: Pip · Framework: Problem first · Version: v3 · Tag: stable · "
            "Estimated runtime: 0:27") in md  # 10 + 5.2 + 12 seconds
    assert f"## Hook [0:00]\n\n{HOOK}\n" in md
    assert "## The puzzle [0:10]" in md
    assert "## Why primes never end [0:15]" in md
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
    draft.checks["voice"] = None
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
    assert bundle["meta"] == {**META, "placeholder_parts": ["hooks", "script"]}
    assert bundle["draft"] == _draft().stored()
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
    for section in draft.sections:
        section.sentences = []  # what the embedded model gave: titles, a hook, and no sentence
    with pytest.raises(ScriptwrightError, match="no sentences yet"):
        write_exports(tmp_path, draft, META, {})


def test_empty_sections_are_left_out_and_named(tmp_path: Path) -> None:
    draft = _draft()
    draft.sections[0].sentences = [{"text": "  ", "cites": []}]
    assert missing_note(draft) == "1 of 2 sections have no text yet and are left out: The puzzle."
    assert missing_note(_draft()) is None
    paths = write_exports(tmp_path, draft, META, {})
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "> 1 of 2 sections have no text yet and are left out: The puzzle." in md
    assert "## The puzzle" not in md and "## Why primes never end [" in md
    assert "no text yet.)" not in md and "(This section" not in md
    teleprompter = paths["teleprompter"].read_text(encoding="utf-8")
    assert "The puzzle" not in teleprompter and "— Why primes never end —" in teleprompter


# ---------------------------------------------------------------- the publish kit in the exports

def _published(summary: str = "Why the primes never run out, with a sieve and one clever proof.",
               chapters: list[dict[str, Any]] | None = None, sources: int = 1) -> Draft:
    """The hand-made draft with a publish kit made from its current script."""
    draft = _draft()
    made = {"script_sha256": script_sha256(draft), "lm": "local/smollm2"}
    chapters = chapters if chapters is not None else [{"title": "Intro", "start_s": 0, "duration_s": 10.0},
                                                      {"title": "The puzzle", "start_s": 10, "duration_s": 60.0},
                                                      {"title": "Why primes never end", "start_s": 70,
                                                       "duration_s": 50.0}]
    draft.publish = {
        "titles": {**made, "candidates": [
            {"id": "t1", "style": "question", "text": "Do the Primes Ever Run Out?", "chars": 27, "closeness": 0.61,
             "nearest": "Why Primes Never End", "in_range": True},
            {"id": "t2", "style": "plain", "text": "Euclid's Proof That Primes Never End", "chars": 36,
             "closeness": 0.72, "nearest": "Why Primes Never End", "in_range": True}],
            "chosen": {"id": "t2", "style": "plain", "text": "Euclid's Proof That Primes Never End"},
            "range": [20, 50], "past_titles": 7},
        "description": {**made, "summary": summary, "chapters": chapters, "chapters_note": None,
                        "duration_s": 120.0, "wpm": 150.0,
                        "sources": [{"title": f"Source number {i} " + "with a long title " * 4,
                                     "url": f"https://example.org/{i}/" + "path/" * 10} for i in range(sources)],
                        "unlinked_sources": 0, "footer": ["Join the maths club: https://pip.example/club"],
                        "footer_from": 3},
        "short": {**made, "hook": "Can you count every prime?", "text": "Multiply them all and add one.",
                  "tightened": True, "words": 11, "seconds": 4.4, "max_seconds": 60, "wpm": 150.0, "passage": {}},
        "post": {**made, "text": "New video: why the primes never run out. Bring a pencil!",
                 "title": "Euclid's Proof That Primes Never End"},
    }
    return draft


def test_markdown_and_bundle_carry_the_publish_kit() -> None:
    draft = _published()
    md = to_markdown(draft, META)
    kit = md.split("## Publish kit\n", 1)[1]
    assert "### Title\n\n**Euclid's Proof That Primes Never End** (36 characters)" in kit
    assert "- Do the Primes Ever Run Out? (question; 27 characters; closeness 0.61 to your titles)" in kit
    assert "```text\nWhy the primes never run out" in kit and "0:00 Intro\n0:10 The puzzle\n1:10 Why primes" in kit
    assert "### Short (about 4 s of 60)\n\n**Can you count every prime?**\n\nMultiply them all and add one." in kit
    assert "### Community post\n\nNew video: why the primes never run out." in kit
    assert "Made from an earlier script" not in md and not placeholder_in(md)
    bundle = json.loads(to_bundle(draft, META, {}))
    assert bundle["draft"]["publish"] == draft.publish
    assert bundle["publish_kit"] == {"titles": "Euclid's Proof That Primes Never End",
                                     "description": description_text(draft.publish["description"]),
                                     "short": "Can you count every prime?\nMultiply them all and add one.",
                                     "post": "New video: why the primes never run out. Bring a pencil!",
                                     "stale": []}
    assert json.loads(to_bundle(_draft(), META, {}))["publish_kit"] is None
    assert "## Publish kit" not in to_markdown(_draft(), META)


def test_unusable_and_stale_parts_are_said_in_the_markdown_never_shown_as_done() -> None:
    draft = _published(summary="")
    draft.publish["post"]["text"] = ""
    draft.publish["short"].update(hook=None, tightened=False)
    draft.publish["titles"].update(candidates=[], chosen=None)
    draft.sections[0].sentences[0].text = "Primes go on forever."  # the script changed since
    kit = to_markdown(draft, META).split("## Publish kit\n", 1)[1]
    assert "> Made from an earlier script: titles, description, Short, community post." in kit
    assert "No usable title: write your own." in kit and "No usable post: write your own." in kit
    assert "No usable summary" in kit and "```text\n0:00 Intro" in kit
    assert "No hook line of its own yet" in kit
    assert json.loads(to_bundle(draft, META, {}))["publish_kit"]["post"] is None


def test_description_txt_is_written_beside_the_exports_within_youtubes_limits(tmp_path: Path) -> None:
    paths = write_exports(tmp_path, _published(sources=200), META, {})
    assert paths["description"].name == "primes-v3-description.txt"
    text = paths["description"].read_text(encoding="utf-8")
    assert len(text) <= DESCRIPTION_MAX and text.endswith("Join the maths club: https://pip.example/club\n")
    assert re.search(r"^- and \d+ more$", text, re.M), "the sources that did not fit are counted, not cut mid-line"
    assert text.splitlines()[2:5] == ["0:00 Intro", "0:10 The puzzle", "1:10 Why primes never end"]
    assert "description" not in write_exports(tmp_path / "bare", _draft(), META, {}), "no kit, no description.txt"


@pytest.mark.parametrize("chapters", [
    [{"title": "Intro", "start_s": 0}, {"title": "The puzzle", "start_s": 60}],  # two: YouTube needs three
    [{"title": "Intro", "start_s": 0}, {"title": "Tiny", "start_s": 5}, {"title": "Also tiny", "start_s": 9},
     {"title": "End", "start_s": 115}],  # merged, fewer than three of 10 s are left
])
def test_chapters_youtube_would_not_show_are_never_exported(tmp_path: Path, chapters: list[dict]) -> None:
    text = write_exports(tmp_path, _published(chapters=chapters), META, {})["description"].read_text()
    assert not re.search(r"^\d+:\d\d ", text, re.M), text
    assert text.startswith("Why the primes never run out")


def test_an_invalid_chapter_list_is_fixed_when_it_can_be(tmp_path: Path) -> None:
    chapters = [{"title": "Intro", "start_s": 3}, {"title": "The puzzle", "start_s": 30},
                {"title": "Why primes <never> end", "start_s": 70}]  # not from 0:00, and an angle bracket
    text = write_exports(tmp_path, _published(chapters=chapters), META, {})["description"].read_text()
    assert re.findall(r"^\d+:\d\d .+$", text, re.M) == ["0:00 Intro", "0:30 The puzzle", "1:10 Why primes never end"]


def test_a_chosen_title_over_youtubes_limit_cannot_be_set() -> None:
    draft = _published()
    assert len(choose_title(draft, "t1", "A" * TITLE_MAX).publish["titles"]["chosen"]["text"]) == TITLE_MAX
    with pytest.raises(ScriptwrightError, match="1 to 100 characters"):
        choose_title(draft, "t1", "A" * (TITLE_MAX + 1))


def test_a_description_with_nothing_in_it_is_said_never_pasted_empty(tmp_path: Path) -> None:
    """No summary, too few parts for chapters, no linked source, no footer: nothing to paste, and every
    place that shows or writes description.txt says so instead of offering an empty file."""
    draft = _published(summary="", chapters=[], sources=0)
    draft.publish["description"]["footer"] = []
    assert description_text(draft.publish["description"]) == ""
    md = to_markdown(draft, META)
    assert "### Description\n\n" + NOTHING_TO_PASTE in md and "```text\n\n```" not in md
    assert "description" not in write_exports(tmp_path, draft, META, {})
    with pytest.raises(ScriptwrightError, match="nothing to paste yet"):
        export_description(tmp_path / "kit", "primes", draft)
    assert not (tmp_path / "kit" / "description.txt").exists()


def test_passages_of_one_source_share_a_footnote_and_files_are_named_not_linked() -> None:
    notes = "/home/pip/data/downloads/sources/monty/monty-hall-notes.md"
    first, second = ({"chunk_id": c, "title": "monty-hall-notes", "uri": notes} for c in ("f1", "f2"))
    page = {"chunk_id": "w1", "title": "Monty Hall problem", "uri": "https://example.org/monty hall"}
    draft = _draft()
    draft.sections[0].sentences = [{"text": "Switching wins two times in three.", "cites": [first]},
                                   {"text": "The host knows.", "cites": [second, page]}]
    draft.sections[1].sentences = [{"text": "A hundred doors make it plain.", "cites": [second]}]
    md = to_markdown(draft, META, consulted=[first, page])
    assert "Switching wins two times in three.[^1] The host knows.[^1][^2]\n" in md
    assert "A hundred doors make it plain.[^1]\n" in md
    sources = md.split("## Sources\n", 1)[1].split("## Sources consulted", 1)[0]
    assert sources.strip().splitlines() == ["[^1]: monty-hall-notes (file monty-hall-notes.md)",
                                            "[^2]: [Monty Hall problem](https://example.org/monty%20hall)"]
    consulted = md.split("## Sources consulted\n", 1)[1].split("## Checks", 1)[0]
    assert consulted.strip().splitlines() == ["- monty-hall-notes (file monty-hall-notes.md)",
                                              "- [Monty Hall problem](https://example.org/monty%20hall)"]
    assert "/home/pip" not in md

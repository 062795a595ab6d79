"""YouTube's chapter rules and description limits, and the footer learned from past descriptions."""

from __future__ import annotations

import pytest

from pipelines.drafting.content import Draft
from pipelines.drafting.chapters import (chapter_lines, chapter_problems, chapters_from_parts, draft_parts,
                                         fix_chapters, no_chapters_note)
from pipelines.drafting.description import (DESCRIPTION_MAX, clean_title, description_text, learned_footer,
                                            source_links)


def starts(chapters: list[dict]) -> list[int]:
    return [c["start_s"] for c in chapters]


def test_chapters_are_timed_from_the_parts_and_add_up_to_the_runtime() -> None:
    parts = [("Intro", 14.2), ("The tempting answer", 40.6), ("A hundred doors", 55.4), ("Try it", 30.3)]
    chapters = chapters_from_parts(parts)
    assert starts(chapters) == [0, 14, 55, 110]  # rounded from the running total: 14.2, 54.8, 110.2
    assert sum(c["duration_s"] for c in chapters) == pytest.approx(140.5, abs=0.05)
    assert chapter_problems(chapters, 140.5) == []
    assert fix_chapters(chapters, 140.5) == chapters
    assert chapter_lines(chapters) == ["0:00 Intro", "0:14 The tempting answer", "0:55 A hundred doors",
                                       "1:50 Try it"]


def test_a_short_intro_merges_into_the_first_section_which_then_starts_at_zero() -> None:
    chapters = chapters_from_parts([("Intro", 6), ("Two doors", 40), ("A hundred doors", 55), ("Try it", 30)])
    assert "1 chapter(s) shorter than 10 s: Intro" in chapter_problems(chapters, 131)
    fixed = fix_chapters(chapters, 131)
    assert [(c["title"], c["start_s"]) for c in fixed] == [("Two doors", 0), ("A hundred doors", 46), ("Try it", 101)]
    assert sum(c["duration_s"] for c in fixed) == pytest.approx(131)
    assert chapter_problems(fixed, 131) == []


def test_a_short_middle_chapter_merges_into_the_one_before_keeping_the_longer_title() -> None:
    chapters = [{"title": "Setup", "start_s": 0}, {"title": "Aside", "start_s": 30}, {"title": "Proof", "start_s": 34},
                {"title": "Wrap-up", "start_s": 90}]
    fixed = fix_chapters(chapters, 120)
    assert [(c["title"], c["start_s"]) for c in fixed] == [("Setup", 0), ("Proof", 34), ("Wrap-up", 90)]
    # an "Aside" of 4 s next to "Proof" of 56 s: the Setup absorbs it and keeps its own (longer) title
    assert fixed[0]["duration_s"] == 34


def test_a_list_not_starting_at_zero_or_out_of_order_is_fixed() -> None:
    chapters = [{"title": "B", "start_s": 40}, {"title": "A", "start_s": 5}, {"title": "C", "start_s": 80}]
    problems = chapter_problems(chapters, 120)
    assert "the first chapter starts at 0:40, not 0:00" in problems and "the chapters do not ascend" in problems
    fixed = fix_chapters(chapters, 120)
    assert [(c["title"], c["start_s"]) for c in fixed] == [("A", 0), ("B", 40), ("C", 80)]


def test_a_list_that_cannot_make_three_chapters_of_ten_seconds_is_dropped() -> None:
    assert fix_chapters(chapters_from_parts([("Intro", 8), ("Only", 25), ("Tail", 4)]), 37) == []
    assert fix_chapters(chapters_from_parts([("A", 12), ("B", 12)]), 24) == []
    assert fix_chapters([], 300) == []
    assert "2 chapters; YouTube needs at least 3" in chapter_problems([{"title": "A", "start_s": 0},
                                                                      {"title": "B", "start_s": 60}], 120)


def test_titles_are_one_line_and_an_untitled_chapter_gets_a_name() -> None:
    fixed = fix_chapters([{"title": "Why <b>it</b>\nworks", "start_s": 0}, {"title": "  ", "start_s": 20},
                          {"title": "End", "start_s": 40}], 60)
    assert [c["title"] for c in fixed] == ["Why bit/b works", "Part 2", "End"]


def test_draft_parts_time_the_hook_and_each_section_from_its_words_at_the_pace() -> None:
    content = Draft.model_validate({"hook": {"text": "one two three four five"},
                                    "sections": [{"id": "s1", "title": "First",
                                                  "sentences": [{"text": "a b c d e f g h i j"}]},
                                                 {"id": "s2", "title": "Empty", "sentences": []}]})
    assert draft_parts(content, 150) == [("Intro", 2.0), ("First", 4.0), ("Empty", 0.0)]


DESCRIPTION = {"summary": "Three doors, one car. Here is why switching wins two times in three.",
               "duration_s": 131.0,
               "chapters": [{"title": "Two doors", "start_s": 0, "duration_s": 46},
                            {"title": "A hundred doors", "start_s": 46, "duration_s": 55},
                            {"title": "Try it", "start_s": 101, "duration_s": 30}],
               "sources": [{"title": "Monty Hall notes", "url": "https://example.org/monty"}],
               "footer": ["Support the channel: https://example.org/pip", "#maths"]}


def test_description_text_is_summary_chapters_sources_then_footer() -> None:
    assert description_text(DESCRIPTION) == (
        "Three doors, one car. Here is why switching wins two times in three.\n\n"
        "0:00 Two doors\n0:46 A hundred doors\n1:41 Try it\n\n"
        "Sources:\n- Monty Hall notes: https://example.org/monty\n\n"
        "Support the channel: https://example.org/pip\n#maths\n")


def test_a_broken_stored_chapter_list_is_never_exported() -> None:
    two = {**DESCRIPTION, "chapters": DESCRIPTION["chapters"][:2], "duration_s": 101}
    text = description_text(two)
    assert "0:00" not in text and "0:46" not in text
    late = {**DESCRIPTION, "chapters": [{**DESCRIPTION["chapters"][0], "start_s": 3}, *DESCRIPTION["chapters"][1:]]}
    assert "0:00 Two doors" in description_text(late)  # fixed: the first chapter moved to 0:00


def test_description_text_stays_within_youtubes_limit() -> None:
    many = {**DESCRIPTION, "sources": [{"title": f"Source number {i}", "url": f"https://example.org/{i}" * 3}
                                       for i in range(200)]}
    text = description_text(many)
    assert len(text) <= DESCRIPTION_MAX and text.endswith("#maths\n")
    assert "0:46 A hundred doors" in text and "- and " in text and " more" in text
    wordy = {**DESCRIPTION, "summary": "A sentence that goes on for a while. " * 300}
    text = description_text(wordy)
    assert len(text) <= DESCRIPTION_MAX
    assert text.split("\n\n")[0].endswith("while.") and "1:41 Try it" in text


def test_angle_brackets_youtube_refuses_are_removed() -> None:
    text = description_text({**DESCRIPTION, "summary": "Switch > stay <3"})
    assert "<" not in text and ">" not in text
    assert clean_title(' "Switch > Stay?" ') == "Switch Stay?"


def test_only_web_sources_are_links() -> None:
    sources = [{"kind": "url", "uri": "https://example.org/a b", "title": "A\npage"},
               {"kind": "file", "uri": "/home/pip/notes.md", "title": "notes"},
               {"kind": "text", "uri": "pasted text 1", "title": "pasted"}]
    assert source_links(sources) == [{"title": "A page", "url": "https://example.org/a%20b"}]


PAST = [
    "Today: why ice floats.\n\n0:00 Intro\n1:10 Density\n\nSources:\n- Paper one\n\nMy book: https://ex.org/book\n"
    "Newsletter: https://ex.org/news\n#science #water",
    "Enzymes get faster, then collapse.\n\n0:00 Intro\n2:00 Heat\n\nSources:\n- Paper two\n\n"
    "My book: https://ex.org/book\nNewsletter: https://ex.org/news\n#science #enzymes",
    "A vaccine is a rehearsal.\n\n0:00 Intro\n\nSources:\n- Paper three\n\nMy book: https://ex.org/book\n"
    "Newsletter:   https://ex.org/news\n#science",
    "A short with no footer at all.",
]


def test_the_footer_is_the_lines_most_descriptions_share() -> None:
    footer = learned_footer(PAST)
    assert footer == ["My book: https://ex.org/book", "Newsletter: https://ex.org/news"]
    # in 3 of 4 too, but a chapter line and a heading over lines that change from video to video
    assert "0:00 Intro" not in footer and "Sources:" not in footer


def test_a_shared_line_on_its_own_is_footer_and_too_few_descriptions_teach_nothing() -> None:
    past = ["Intro one.\n\nPatreon: https://ex.org/p\n#maths", "Intro two.\n\nPatreon: https://ex.org/p\n#maths",
            "Intro three.\n\n#maths"]
    assert learned_footer(past) == ["Patreon: https://ex.org/p", "#maths"]
    assert learned_footer(past[:1]) == []
    assert learned_footer(["", "  "]) == []


def test_the_chapters_of_a_draft_add_up_to_the_runtime_its_export_shows() -> None:
    from pipelines.drafting.chapters import draft_seconds, draft_wpm
    from pipelines.drafting.export import runtime, timeline

    words = " ".join(["word"] * 60)  # 24 s at 150 wpm
    draft = Draft.model_validate({"wpm": 150.0, "hook": {"text": " ".join(["hook"] * 30)},
                                  "sections": [{"id": f"s{i}", "title": f"Part {i}",
                                                "duration_s": 500.0,  # stale planned length
                                                "sentences": [{"text": words, "cites": []}] * i} for i in (1, 2, 3)]})
    parts = draft_parts(draft, draft_wpm(draft))
    chapters = fix_chapters(chapters_from_parts(parts), draft_seconds(draft))
    assert starts(chapters) == [0, 12, 36, 84]
    assert sum(c["duration_s"] for c in chapters) == pytest.approx(runtime(draft)) == pytest.approx(156)
    assert [round(start) for _, start in timeline(draft)] == starts(chapters), "the export's headings agree"


def test_why_there_are_no_chapters_names_the_empty_parts() -> None:
    """Seen in the wizard: one written section and four empty ones read 'the chapters do not ascend'."""
    parts = [("The innocent question", 18.0), ("The first answer", 0.0), ("Going deeper", 0.0), ("Looking back", 0.0)]
    note = no_chapters_note(parts, 18.0)
    assert note.startswith("No chapters: 1 of the script's 4 parts have text (The first answer, Going deeper, "
                           "Looking back are empty)")
    assert "ascend" not in note and "at least 3 of at least 10 s each" in note
    short = no_chapters_note([("Intro", 4.0), ("Middle", 5.0), ("End", 30.0)], 39.0)
    assert short.startswith("No chapters: the script's 3 parts do not make them (2 chapter(s) shorter than 10 s")

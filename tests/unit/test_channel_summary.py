"""What of a channel summary `make demo` shows: the embedded model's loops, echoes and copies are named, not printed."""

from pipelines.programs.channel_summary import usable_summary

EXCERPTS = ["The pieces showed up on site like a giant kit. You just had to bolt it together. Well, not bolt. Rivet.",
            "Gustave Eiffel's engineers drew every one of the eighteen thousand parts before a single one was made."]


def test_a_good_summary_is_kept_and_the_pitch_is_its_first_sentence() -> None:
    shown = usable_summary(["Engineering history", "**Bridges**", "engineering history", "Paris"],
                           "Big structures and the people who built them, one rivet at a time. Subscribe!",
                           "Rex Moreno", EXCERPTS)
    assert shown == {"topics": ["Engineering history", "Bridges", "Paris"],
                     "pitch": "Big structures and the people who built them, one rivet at a time.", "unusable": {}}


def test_the_creators_name_over_and_over_is_named_not_shown() -> None:
    shown = usable_summary(["### Dr. Amara Okafor"] * 4, "### Dr. Amara Okafor, " * 11, "Dr. Amara Okafor", EXCERPTS)
    assert shown["topics"] == [] and shown["pitch"] == ""
    assert shown["unusable"] == {"topics": "none was a subject of a few words other than the creator's name",
                                 "pitch": "it says “dr amara okafor” over and over"}


def test_a_pitch_copied_from_the_transcripts_and_no_topics() -> None:
    shown = usable_summary([], "The pieces showed up on site like a giant kit. You just had to", "Rex Moreno", EXCERPTS)
    assert shown["unusable"] == {"pitch": "it copies the transcripts (“the pieces showed up on site like a giant kit”)",
                                 "topics": "it named none"}


def test_sentences_are_not_topics_and_a_few_words_are_no_pitch() -> None:
    shown = usable_summary(["How the Eiffel Tower was riveted together by hand in 1888"], "Rex Moreno's channel.",
                           "Rex Moreno", EXCERPTS)
    assert shown["topics"] == [] and set(shown["unusable"]) == {"topics", "pitch"}

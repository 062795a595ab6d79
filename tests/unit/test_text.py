"""The package's one sentence splitter (pipelines.text.split_sentences) on hand-made texts."""

from __future__ import annotations

from pipelines.text import split_sentences


def test_titles_abbreviations_and_initialisms_do_not_end_a_sentence():
    text = ("Dr. Smith ran 3.5 million games in the U.S. and the U.K. Switching won, e.g. two in three. "
            "Prof. Jones disagreed, i.e. she said 50/50 vs. 2/3 (\"a coin flip,\" she said.) She was wrong. "
            "The answer is no. No. 1 on the list was fairness, etc. Then came tone etc. and style.")
    assert split_sentences(text) == [
        "Dr. Smith ran 3.5 million games in the U.S. and the U.K.",
        "Switching won, e.g. two in three.",
        "Prof. Jones disagreed, i.e. she said 50/50 vs. 2/3 (\"a coin flip,\" she said.)",
        "She was wrong.",
        "The answer is no.",
        "No. 1 on the list was fairness, etc.",
        "Then came tone etc. and style.",
    ]


def test_line_breaks_end_sentences_only_where_lines_are_sentences_or_items():
    # a script written a sentence a line: every break ends one, even after a line with no end mark
    assert split_sentences("The host knows\nwhere the car is.\nSwitch!") == ["The host knows", "where the car is.",
                                                                            "Switch!"]
    # hard-wrapped prose (a source, a PDF) and caption cues over two lines: breaks are spaces
    wrapped = "The Monty Hall problem is a puzzle named after the\nhost of a game show. A contestant faces\nthree doors."
    assert split_sentences(wrapped) == ["The Monty Hall problem is a puzzle named after the\nhost of a game show.",
                                        "A contestant faces\nthree doors."]
    # blank lines, headings and list items always end one; "1." starting an item is no sentence
    text = "# Why it feels wrong\n\nHere is the plan:\n- pick a door\n- switch\n1. Count the doors. 2. Count goats."
    assert split_sentences(text) == ["# Why it feels wrong", "Here is the plan:", "- pick a door", "- switch",
                                     "1. Count the doors.", "2. Count goats."]
    assert split_sentences("One.\r\n\r\nTwo\r\nthree.") == ["One.", "Two\r\nthree."]


def test_sentences_are_verbatim_pieces_of_the_text():
    text = "It  wins  two times in three.\tThe host\nknows!  ---  Really?"
    for s in split_sentences(text):
        assert s in text and s == s.strip()
    assert split_sentences("—\n\n...") == []  # no word, no sentence


def test_unpunctuated_runs_stay_whole_unless_capped():
    run = " ".join(f"w{i}" for i in range(90))
    assert split_sentences(run) == [run]
    assert [len(s.split()) for s in split_sentences(run + ". Next one.", max_words=40)] == [40, 40, 10, 2]
    # a numeral right after a cut is a word, not a list number
    assert split_sentences("a " * 40 + "0. Any time", max_words=40)[1:] == ["0.", "Any time"]

"""Choosing the passage of a script a Short is cut from."""

from __future__ import annotations

from pipelines.drafting.shorts import candidates, max_short_words, pick_passage, points_back


def sentences(*texts: str) -> list[dict]:
    return [{"text": t, "section": f"s{i // 2 + 1}", "title": ""} for i, t in enumerate(texts)]


def test_a_short_fits_a_minute_at_the_creators_pace() -> None:
    assert max_short_words(150) == 150 and max_short_words(165.4) == 165


def test_runs_are_as_long_as_fit_and_never_shorter_than_asked() -> None:
    s = sentences("one two three", "four five six seven", "eight nine", "ten eleven twelve thirteen fourteen")
    assert candidates(s, max_words=7, min_words=5) == [(0, 1), (1, 2), (2, 3), (3, 3)]
    assert candidates(s, max_words=7, min_words=6) == [(0, 1), (1, 2), (2, 3)]
    assert candidates(s[:1], max_words=150, min_words=37) == [(0, 0)], "a script shorter than a Short is all of it"


def test_an_opening_that_points_back_is_not_chosen_when_another_stands_alone() -> None:
    assert points_back("And that is why the host matters.") and points_back("“This changes everything.”")
    assert not points_back("Thirty people in a room share a birthday more often than not.")
    s = sentences("It wins two times out of three, because the host knows where the car is hidden.",
                  "Switching doors wins the car two times out of three in the Monty Hall game.",
                  "My gran once won a kettle on a quiz show.")
    picked = pick_passage(s, "Monty Hall: why switching doors wins", wpm=60)  # 60 words a minute: one or two fit
    assert picked["first"] == 1 and picked["stands_alone"] and picked["sections"] == ["s1", "s2"]
    assert pick_passage([], "anything", 150) is None

"""Comment kinds by rule, and clustering hand-made comments with the real MiniLM embedder."""

from __future__ import annotations

import json

import pytest

from pipelines.errors import ScriptwrightError
from pipelines.evidence.audience import KINDS, RELATED, Comment, classify, cluster_comments


@pytest.mark.parametrize("text, kind", [
    ("Why does the far side of the Earth bulge?", "question"),
    ("how do tides work on Mars", "question"),
    ("What if the host doesn't know where the car is", "question"),
    ("Is this the same as the birthday paradox", "question"),
    ("I'm so confused by the second half.", "confusion"),
    ("I don't understand the part about logs.", "confusion"),
    ("The bit at 4:10 lost me completely", "confusion"),
    ("This doesn\u2019t make sense to me", "confusion"),
    ("I don't get the pizza analogy", "confusion"),
    ("Can you make a video about prime gaps?", "request"),
    ("Please do a video on imaginary numbers", "request"),
    ("Next video: the Collatz conjecture!", "request"),
    ("Would love a video on Bayes' theorem", "request"),
    ("Thank you so much for this", "praise"),
    ("I love this channel", "praise"),
    ("Great explanation, very calm", "praise"),
    ("Best explanation on the internet", "praise"),
    ("Amazing work", "praise"),
    ("\U0001f525\U0001f525\U0001f525", "praise"),
    ("First", "other"),
    ("Check out my channel for daily surf reports", "other"),
    ("<b>hi</b> from Lisbon", "other"),
    ("", "other"),
])
def test_classify_each_kind(text: str, kind: str):
    assert classify(text) == kind


@pytest.mark.parametrize("text, kind", [
    ("I'm confused, why does switching win?", "confusion"),  # confusion beats question
    ("Why is it two thirds? I don't understand", "confusion"),
    ("Love your videos! Can you make one about logarithms?", "request"),  # request beats praise
    ("Thanks! Please do a video on negative numbers next", "request"),
    ("Can you do a video on Simpson's paradox?", "request"),  # a request phrased as a question
    ("Great video, but why does the host always open a goat door?", "question"),
    ("@pip_fan do a video on it, Pip!", "request"),  # a reply's @handle does not hide its start
    ("@pip_fan how come the odds change", "question"),
])
def test_classify_precedence(text: str, kind: str):
    assert classify(text) == kind


def _comments(texts: list[str], likes: list[int] | None = None) -> list[Comment]:
    return [Comment(f"c{i}", 1 + i % 2, f"Video {1 + i % 2}", t, (likes or [0] * len(texts))[i],
                    f"https://www.youtube.com/watch?v=abcdefghijk&lc=c{i}") for i, t in enumerate(texts)]


TEXTS = [
    # doors and switching
    "Why does switching doors win two times out of three?",
    "Why should I switch doors after the host opens one?",
    "Why does switching give better odds than staying with my door?",
    # pizza fractions
    "How do you add fractions with different denominators?",
    "How do I add two fractions like a third and a quarter?",
    # confusion
    "I'm confused about why the odds are not fifty-fifty.",
    "The fifty-fifty part lost me.",
    # requests
    "Can you make a video about logarithms?",
    "Please do a video on logarithm tables.",
    "Would love a video on imaginary numbers.",
    # praise
    "Thank you, the teacup experiment was great.",
    "Best explanation of probability I have seen.",
    "Great video!",
    # other
    "First",
    "Watching from the train",
    "<script>alert('x')</script> hello",
]


def test_counts_add_up_and_quotes_are_verbatim():
    comments = _comments(TEXTS)
    report = cluster_comments(comments)
    assert report["total"] == len(TEXTS)
    assert list(report["by_kind"]) == list(KINDS)
    assert sum(report["by_kind"].values()) == len(TEXTS)
    assert report["by_kind"] == {"question": 5, "confusion": 2, "request": 3, "praise": 3, "other": 3}
    clusters = report["clusters"]
    assert sum(c["count"] for c in clusters) == len(TEXTS)
    ids = [i for c in clusters for i in c["comment_ids"]]
    assert sorted(ids) == sorted(c.comment_id for c in comments)  # each comment in exactly one cluster
    by_id = {c.comment_id: c for c in comments}
    for c in clusters:
        assert c["count"] == len(c["comment_ids"]) and 1 <= len(c["quotes"]) <= 3
        assert c["label"] and c["relevance"] is None
        for q in c["quotes"]:
            source = by_id[q["comment_id"]]
            assert q["comment_id"] in c["comment_ids"]
            assert q["text"] == source.text and q["link"] == source.link and q["likes"] == source.likes
            assert q["video_title"] == source.video_title
    # sorted by kind order, then count; ids number clusters within their kind
    order = [(KINDS.index(c["kind"]), -c["count"]) for c in clusters]
    assert order == sorted(order)
    for kind in KINDS:
        of_kind = [c["id"] for c in clusters if c["kind"] == kind]
        assert of_kind == [f"{kind}-{n}" for n in range(1, len(of_kind) + 1)]
    assert report["related"] == []
    json.dumps(report)


def test_similar_questions_share_a_cluster_with_distinctive_keywords():
    report = cluster_comments(_comments(TEXTS))
    questions = [c for c in report["clusters"] if c["kind"] == "question"]
    assert [sorted(c["comment_ids"]) for c in questions] == [["c0", "c1", "c2"], ["c3", "c4"]]
    doors, fractions = questions
    assert "doors" in doors["keywords"] and "fractions" in fractions["keywords"]
    for c in questions:
        assert 2 <= len(c["keywords"]) <= 3 and c["label"] == ", ".join(c["keywords"])
        assert not {"does", "video", "why", "how"} & set(c["keywords"])


def test_markup_stays_plain_text():
    report = cluster_comments(_comments(TEXTS))
    (markup,) = [c for c in report["clusters"] if "c15" in c["comment_ids"]]
    assert markup["kind"] == "other"
    assert markup["quotes"][0]["text"] == "<script>alert('x')</script> hello"


def test_clustering_is_deterministic():
    comments = _comments(TEXTS, likes=[i % 4 for i in range(len(TEXTS))])
    assert cluster_comments(comments, "switching doors") == cluster_comments(comments, "switching doors")


def test_no_comments():
    report = cluster_comments([], "an idea")
    assert report == {"total": 0, "by_kind": dict.fromkeys(KINDS, 0), "clusters": [], "related": []}


def test_one_comment():
    (c,) = _comments(["Why is zero not a prime number?"])
    report = cluster_comments([c], "prime numbers")
    assert report["total"] == 1 and report["by_kind"]["question"] == 1
    (cluster,) = report["clusters"]
    assert cluster["id"] == "question-1" and cluster["count"] == 1 and cluster["comment_ids"] == [c.comment_id]
    assert cluster["quotes"][0]["text"] == c.text and cluster["label"]
    assert isinstance(cluster["relevance"], float)


def test_a_capped_kind_pools_its_smallest_clusters():
    texts = ["Why do cats purr?", "How do volcanoes erupt?", "Why is the sky blue?", "How do bees make honey?",
             "What is a black hole?", "Why do we dream?"]
    report = cluster_comments(_comments(texts), max_clusters_per_kind=3)
    clusters = report["clusters"]
    assert len(clusters) == 3 and sum(c["count"] for c in clusters) == 6
    pool = [c for c in clusters if c["label"] == "more questions"]
    assert len(pool) == 1 and pool[0]["count"] >= 4
    with pytest.raises(ScriptwrightError):
        cluster_comments(_comments(texts), max_clusters_per_kind=0)


def test_quotes_break_ties_by_likes_and_skip_repeated_text():
    texts = ["Great video!", "Great video!", "Great explanation, thank you!"]
    report = cluster_comments(_comments(texts, likes=[1, 50, 7]))
    quotes = [q for c in report["clusters"] for q in c["quotes"]]
    assert [q["comment_id"] for q in quotes if q["text"] == "Great video!"] == ["c1"]  # the one with 50 likes


def test_idea_ranks_the_related_cluster_first():
    report = cluster_comments(_comments(TEXTS), "The Monty Hall problem: should you switch doors?")
    assert all(isinstance(c["relevance"], float) for c in report["clusters"])
    assert report["related"], report["clusters"]
    best = next(c for c in report["clusters"] if c["id"] == report["related"][0])
    assert "c0" in best["comment_ids"]
    relevance = {c["id"]: c["relevance"] for c in report["clusters"]}
    assert [relevance[i] for i in report["related"]] == sorted((relevance[i] for i in report["related"]),
                                                               reverse=True)
    assert all(r >= RELATED for r in (relevance[i] for i in report["related"]))
    fractions = next(c for c in report["clusters"] if "c3" in c["comment_ids"])
    assert fractions["id"] not in report["related"]

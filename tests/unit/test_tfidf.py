"""The voice models' TF-IDF (pipelines.voice.tfidf) gives scikit-learn's TfidfVectorizer's matrices
and feature names, however the process's n-gram index was filled before, and survives pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from pipelines.voice import tfidf
from pipelines.voice.background import load_background
from pipelines.voice.ngrams import masked, plain, scoring_windows
from tests.conftest import REPO


def reference() -> FeatureUnion:
    """The vectorizer the voice models used before: scikit-learn's, re-analysing every text."""
    common = {"sublinear_tf": True, "min_df": 2, "dtype": np.float32}
    return FeatureUnion([
        ("style", TfidfVectorizer(analyzer="char", ngram_range=(1, 4), preprocessor=masked, lowercase=False, **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=plain, lowercase=False, **common)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), preprocessor=plain, lowercase=False,
                                 token_pattern=r"[a-z0-9]+(?:'[a-z]+)*", **common)),
    ])


@pytest.fixture(scope="module")
def windows() -> list[str]:
    docs = load_background(REPO / "data" / "background")[:12]
    return [w for d in docs for w in scoring_windows(d.text)]


def assert_same(ours, theirs) -> None:
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32
    assert abs(ours - theirs).max() < 1e-6


def test_fit_and_transform_equal_scikit_learns(windows) -> None:
    train, test = windows[: len(windows) // 2], windows[len(windows) // 2:] + ["Brand-new words: zyzzyva’s quokkas!"]
    ref, ours = reference(), tfidf.NgramTfidf()
    assert_same(ours.fit_transform(train), ref.fit_transform(train))
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    assert_same(ours.transform(test), ref.transform(test))
    # a second fit on an overlapping set (as every cross-validation fold does) reuses the counts
    again, ref_again = tfidf.NgramTfidf(), reference()
    assert_same(again.fit_transform(windows[5:40]), ref_again.fit_transform(windows[5:40]))
    assert_same(again.transform(train), ref_again.transform(train))


def test_a_pickled_vectorizer_transforms_in_a_fresh_index(windows, monkeypatch) -> None:
    ours, ref = tfidf.NgramTfidf(), reference()
    ours.fit_transform(windows[:20])
    ref.fit_transform(windows[:20])
    blob = pickle.dumps(ours)
    monkeypatch.setattr(tfidf, "_INDEXES", {})  # another process: nothing numbered yet
    loaded = pickle.loads(blob)
    assert_same(loaded.transform(windows[20:30]), ref.transform(windows[20:30]))
    assert_same(loaded.transform(windows[:3]), ref.transform(windows[:3]))  # n-grams numbered after the first call


def test_counts_are_dropped_and_the_numbering_restarts_past_their_limits(windows, monkeypatch) -> None:
    monkeypatch.setattr(tfidf, "_INDEXES", {})
    monkeypatch.setattr(tfidf, "MAX_COUNTS", 1_000)
    ours, ref = tfidf.NgramTfidf(), reference()
    assert_same(ours.fit_transform(windows[:10]), ref.fit_transform(windows[:10]))
    assert all(len(tfidf._index(v).rows) == 10 for v in ("style", "char", "word"))
    assert_same(ours.transform(windows[10:12]), ref.transform(windows[10:12]))
    assert all(len(tfidf._index(v).rows) == 2 for v in ("style", "char", "word"))
    monkeypatch.setattr(tfidf, "MAX_TERMS", 100)
    assert_same(ours.transform(windows[12:15]), ref.transform(windows[12:15]))
    assert all(tfidf._index(v).generation == 1 for v in ("style", "char", "word"))


def test_too_few_texts_for_any_shared_ngram_is_an_error() -> None:
    with pytest.raises(ValueError, match="no terms remain"):
        tfidf.NgramTfidf().fit_transform(["only one text here"])


"""How long scoring a 2,000-word script takes once the voice model is loaded (opt-in: -m bench).

Records the time and its ratio to a bare `vectorizer.transform` of a text as long, measured in
the same run (every text scored or transformed is new: nothing comes from the n-gram cache), so the figure means something on any machine; asserts nothing about time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.voice.attribution import VoiceModel
from pipelines.voice.background import load_background
from pipelines.voice.documents import documents_from_folder
from tests.bench.report import Row
from tests.conftest import REPO, SAMPLE


def _best_of(fn: Callable[[int], object], repeats: int = 5) -> float:
    best = float("inf")
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.bench
def test_scoring_a_2000_word_script(tmp_path: Path, bench_record: Callable[[Row], None]) -> None:
    docs = []
    for folder in sorted(p for p in SAMPLE.iterdir() if p.is_dir()):
        docs += documents_from_folder(folder, folder.name)
    background = load_background(REPO / "data" / "background")
    path = VoiceModel().fit(docs, background=background).save(tmp_path / "voice.joblib")
    model = VoiceModel.load(path)

    words = " ".join(d.text for d in docs if d.creator == "pip-and-the-primes").split()
    # a new text every time: the vectorizer keeps the n-gram counts of texts it has seen (pipelines/voice/tfidf.py)
    scripts = [" ".join((words * 5)[i * 101:i * 101 + 2000]) for i in range(11)]
    creator = "pip-and-the-primes"
    model.score_text(scripts[10], creator)  # warm-up

    score_s = _best_of(lambda i: model.score_text(scripts[i], creator))
    transform_s = _best_of(lambda i: model.verifier.part.vectorizer.transform([scripts[5 + i]]))
    score = model.score_text(scripts[0], creator)
    assert score.fidelity is not None
    bench_record(Row.of(
        "voice scoring per 2,000 words", score_s * 1000, "ms", transform_s * 1000,
        f"best of 5, {score.n_windows} windows, 3 creators + background (open-set fidelity and attribution); "
        "baseline: a bare vectorizer.transform of a text of the same length, each text new"))

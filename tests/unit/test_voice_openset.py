"""The shipped background of real voices and open-set validation of the voice verifier.

The background tests work on a private copy of `data/background/`. The open-set tests use
the small hand-written voices of `test_voice_attribution` (a formal lecturer as the creator
under test, an excitable show host as the workspace's other creator, a storytelling
grandmother as the voice never seen) against a slice of the real shipped background, and spy
on what each fold trains on and what it scores, so that a leak would show.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipelines.errors import ScriptwrightError
from pipelines.voice import openset
from pipelines.voice.background import BACKGROUND_PREFIX, load_background
from pipelines.voice.documents import Document
from pipelines.voice.openset import protocol_check, validate_open_set
from tests.unit.test_voice_attribution import HELD_OUT, VOICES, make_docs

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "background"
N_BACKGROUND = 89


def _key(text: str) -> str:
    """A text's identity, whitespace-insensitive (as the protocol check compares texts)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


# ---------------------------------------------------------------- load_background


@pytest.fixture
def background_copy(tmp_path: Path) -> Path:
    load_background.cache_clear()
    root = tmp_path / "background"
    shutil.copytree(SHIPPED, root)
    yield root
    load_background.cache_clear()


def _manifest_rows(root: Path) -> list[dict[str, str]]:
    with (root / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_shipped_background_loads_every_listed_video(background_copy: Path) -> None:
    docs = load_background(background_copy)
    rows = _manifest_rows(background_copy)
    assert len(docs) == len(rows) == N_BACKGROUND
    assert all(d.creator.startswith(BACKGROUND_PREFIX) for d in docs)
    assert {d.creator for d in docs} == {BACKGROUND_PREFIX + r["creator"] for r in rows}
    assert sorted(d.video_id for d in docs) == sorted(r["video_id_or_slug"] for r in rows)
    assert all(d.text.strip() and d.n_words >= 50 for d in docs)


def test_a_changed_background_file_is_reported_as_damaged(background_copy: Path) -> None:
    row = _manifest_rows(background_copy)[3]
    path = background_copy / row["file"]
    path.write_bytes(path.read_bytes() + b" banana")
    with pytest.raises(ScriptwrightError) as exc:
        load_background(background_copy)
    assert str(path) in str(exc.value)
    assert "damaged" in str(exc.value)


def test_a_deleted_background_file_is_reported_as_missing(background_copy: Path) -> None:
    row = _manifest_rows(background_copy)[-1]
    path = background_copy / row["file"]
    path.unlink()
    with pytest.raises(ScriptwrightError) as exc:
        load_background(background_copy)
    assert str(path) in str(exc.value)
    assert "missing" in str(exc.value)


def test_a_missing_manifest_is_a_clear_error(background_copy: Path) -> None:
    (background_copy / "MANIFEST.csv").unlink()
    with pytest.raises(ScriptwrightError) as exc:
        load_background(background_copy)
    message = str(exc.value)
    assert "MANIFEST.csv" in message and "missing" in message
    assert "\n" not in message


# ---------------------------------------------------------------- protocol_check


def _doc(creator: str, video_id: str, text: str) -> Document:
    return Document(creator, creator.title(), video_id, video_id, text, ((0.0, text),))


TRAIN = [_doc("hale", f"hale-{topic}", text) for topic, text in VOICES["hale"][1]]
BACKGROUND_DOCS = [_doc(BACKGROUND_PREFIX + "sparks", f"bg-{topic}", text) for topic, text in VOICES["sparks"][1]]
UNSEEN = [_doc("june", f"june-{topic}", text) for topic, text in VOICES["june"][1]]


def test_protocol_check_passes_when_everything_is_disjoint() -> None:
    protocol_check(TRAIN, BACKGROUND_DOCS, UNSEEN)
    protocol_check(TRAIN[1:], BACKGROUND_DOCS, UNSEEN, held_out=TRAIN[:1])


def test_an_unseen_creator_that_is_also_trained_on_would_leak() -> None:
    impostor = _doc("hale", "hale-tides", HELD_OUT["hale"])  # a new text, but a training creator
    with pytest.raises(ScriptwrightError, match="would leak"):
        protocol_check(TRAIN, BACKGROUND_DOCS, UNSEEN + [impostor])


def test_an_unseen_text_that_is_in_the_background_would_leak() -> None:
    text = BACKGROUND_DOCS[2].text
    respaced = "  " + text.replace(" ", "\n  ", 5) + " \t"  # the same words, other whitespace
    assert respaced != text
    copy = _doc("someone-new", "copied", respaced)
    with pytest.raises(ScriptwrightError, match="would leak"):
        protocol_check(TRAIN, BACKGROUND_DOCS, [copy])


def test_a_held_out_text_that_is_also_trained_on_would_leak() -> None:
    again = _doc("hale", "hale-volcanoes-reupload", TRAIN[0].text)  # another id, the same text
    with pytest.raises(ScriptwrightError, match="would leak"):
        protocol_check(TRAIN, BACKGROUND_DOCS, UNSEEN, held_out=[again])


# ---------------------------------------------------------------- validate_open_set


def _background_slice() -> list[Document]:
    """One video of every shipped background channel: the real voices, small enough for a unit test."""
    load_background.cache_clear()
    seen: dict[str, Document] = {}
    for d in load_background(SHIPPED):
        seen.setdefault(d.creator, d)
    return list(seen.values())


@pytest.fixture(scope="module")
def spied_run() -> dict:
    """One open-set validation of "hale" with "sparks" as the other creator, "june" unseen and the
    background's channels held out in turn, recording every fit and every scored document."""
    docs = make_docs()
    own = [d for d in docs if d.creator == "hale"]
    others = [d for d in docs if d.creator == "sparks"]
    unseen = [d for d in docs if d.creator == "june"]
    background = _background_slice()
    fits: list[tuple[object, list[Document], list[Document]]] = []
    scored: list[tuple[object, Document]] = []
    progress: list[tuple[float, str]] = []
    original_fit, original_scores = openset.Verifier.fit, openset._scores

    def fit(self, documents, background):
        fits.append((self, list(documents), list(background)))
        return original_fit(self, documents, background)

    def scores(verifier, creator, d):
        scored.append((verifier, d))
        return original_scores(verifier, creator, d)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(openset.Verifier, "fit", fit)
        mp.setattr(openset, "_scores", scores)
        report = validate_open_set(own, unseen, background, others=others, folds=3, seed=0,
                                   hold_out_background=True, progress=lambda f, m: progress.append((f, m)))
    return {"report": report, "own": own, "others": others, "unseen": unseen, "background": background,
            "fits": fits, "scored": scored, "progress": progress}


def test_the_report_has_the_open_set_figures(spied_run: dict) -> None:
    report, own = spied_run["report"], spied_run["own"]
    for key in ("video_auc", "window_auc", "eer", "far_at_90", "window_far_at_90", "hook_window_auc",
                "n_own_videos", "n_unseen_videos", "by_source", "protocol"):
        assert key in report, key
    assert report["n_own_videos"] == len(own) == 5
    for key in ("video_auc", "window_auc", "hook_window_auc", "eer", "far_at_90", "window_far_at_90"):
        assert report[key] is not None and 0.0 <= report[key] <= 1.0, key
    assert set(report["by_source"]) == {"june", "background (held out)"}
    assert report["folds"] == 3 and report["creator"] == "hale"
    assert "hale" in report["protocol"] and "3-fold" in report["protocol"]


def test_clearly_different_voices_are_told_apart(spied_run: dict) -> None:
    report = spied_run["report"]
    assert report["video_auc"] >= 0.9
    assert report["by_source"]["june"]["median_fidelity"] < 0.5


def test_n_unseen_videos_counts_each_video_once(spied_run: dict) -> None:
    # june's 5 videos (scored in every fold) and the background slice (each channel held out in one fold)
    expected = len(spied_run["unseen"]) + len(spied_run["background"])
    assert spied_run["report"]["n_unseen_videos"] == expected


def test_by_source_counts_each_unseen_video_once(spied_run: dict) -> None:
    by_source = spied_run["report"]["by_source"]
    assert by_source["june"]["n_videos"] == len(spied_run["unseen"])
    assert by_source["background (held out)"]["n_videos"] == len(spied_run["background"])


def test_progress_is_reported_once_per_fold(spied_run: dict) -> None:
    progress = spied_run["progress"]
    assert len(progress) == 3
    assert all(0.0 <= f < 1.0 for f, _ in progress)
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)


def test_no_fold_trains_on_what_it_scores(spied_run: dict) -> None:
    """The leak test: in every fold, nothing scored (held-out own videos, unseen voices, held-out
    background channels) is among the documents or the background that fold's verifier was fit on."""
    own, others, unseen, background = (spied_run[k] for k in ("own", "others", "unseen", "background"))
    fits, scored = spied_run["fits"], spied_run["scored"]
    assert len(fits) == 3
    own_keys = {_key(d.text) for d in own}
    unseen_keys = {_key(d.text) for d in unseen}
    held_out_count: Counter[str] = Counter()
    held_channels: Counter[str] = Counter()
    for verifier, documents, fold_background in fits:
        trained = {_key(d.text) for d in documents} | {_key(d.text) for d in fold_background}
        mine = [d for v, d in scored if v is verifier]
        assert mine, "a fitted verifier scored nothing"
        held_own = [d for d in mine if d.creator == "hale"]
        held_bg = [d for d in mine if d.creator.startswith(BACKGROUND_PREFIX)]
        scored_unseen = [d for d in mine if d.creator == "june"]
        assert {d.creator for d in mine} <= {"hale", "june"} | {d.creator for d in background}
        # nothing this fold scores was trained on or in its background
        assert not {_key(d.text) for d in mine} & trained
        assert not unseen_keys & trained
        assert not {d.creator for d in documents} & {"june"}
        # the fold trains on the rest of the creator's videos and on every other creator
        assert {_key(d.text) for d in documents if d.creator == "hale"} == own_keys - {_key(d.text) for d in held_own}
        assert [d for d in documents if d.creator == "sparks"] == others
        assert {d.creator for d in documents} == {"hale", "sparks"}
        # every unseen video is scored in every fold
        assert sorted(d.video_id for d in scored_unseen) == sorted(d.video_id for d in unseen)
        # background channels scored as unseen are absent from this fold's background
        fold_channels = {d.creator for d in fold_background}
        scored_channels = {d.creator for d in held_bg}
        assert scored_channels and not scored_channels & fold_channels
        assert sorted(d.video_id for d in fold_background + held_bg) == sorted(d.video_id for d in background)
        held_out_count.update(d.video_id for d in held_own)
        held_channels.update(scored_channels)
    # each own video is held out exactly once; each background channel in exactly one fold
    assert held_out_count == Counter({d.video_id: 1 for d in own})
    assert held_channels == Counter({d.creator: 1 for d in background})


def test_without_held_out_background_every_fold_uses_the_whole_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the spies run here (fit and scoring are replaced), so this checks the protocol in a second."""
    docs = make_docs()
    own = [d for d in docs if d.creator == "hale"]
    unseen = [d for d in docs if d.creator == "june"]
    background = _background_slice()
    fits: list[tuple[list[Document], list[Document]]] = []
    scored: list[Document] = []

    class FakeVerifier:
        def __init__(self, seed: int = 0) -> None:
            pass

        def fit(self, documents, background):
            fits.append((list(documents), list(background)))
            return self

    def scores(verifier, creator, d):
        scored.append(d)
        import numpy as np

        return {"video": np.array([0.5]), "window": np.array([0.5]), "hook": np.array([0.5])}

    monkeypatch.setattr(openset, "Verifier", FakeVerifier)
    monkeypatch.setattr(openset, "_scores", scores)
    report = validate_open_set(own, unseen, background, folds=3)
    assert len(fits) == 3
    for documents, fold_background in fits:
        assert fold_background == background
        assert {d.creator for d in documents} == {"hale"}
    assert not any(d.creator.startswith(BACKGROUND_PREFIX) for d in scored)
    assert Counter(d.video_id for d in scored if d.creator == "hale") == Counter({d.video_id: 1 for d in own})
    assert report["n_own_videos"] == len(own) and report["n_unseen_videos"] == len(unseen)


def test_an_own_creator_with_two_videos_is_an_error() -> None:
    docs = make_docs()
    own = [d for d in docs if d.creator == "hale"][:2]
    unseen = [d for d in docs if d.creator == "june"]
    with pytest.raises(ScriptwrightError, match="at least 3 videos"):
        validate_open_set(own, unseen, _background_slice(), folds=3)


def test_own_videos_of_two_creators_are_an_error() -> None:
    docs = make_docs()
    own = [d for d in docs if d.creator in ("hale", "sparks")]
    unseen = [d for d in docs if d.creator == "june"]
    with pytest.raises(ScriptwrightError, match="one creator"):
        validate_open_set(own, unseen, _background_slice(), folds=3)


def test_an_unseen_creator_that_is_a_workspace_creator_is_refused_before_training(
        monkeypatch: pytest.MonkeyPatch) -> None:
    docs = make_docs()
    own = [d for d in docs if d.creator == "hale"]
    others = [d for d in docs if d.creator == "sparks"]
    called = []
    monkeypatch.setattr(openset.Verifier, "fit", lambda self, *a: called.append(a) or self)
    with pytest.raises(ScriptwrightError, match="would leak"):
        validate_open_set(own, others, _background_slice(), others=others, folds=3)
    assert not called

"""The voice model on real corpora: the demo creators from the workspace, and the shared
third-party corpora read straight from their folder (never copied into the repository)."""

from __future__ import annotations

import pytest

from pipelines.corpus import slugify
from pipelines.settings import Settings
from pipelines.voice.attribution import VoiceModel
from pipelines.voice.background import load_background
from pipelines.voice.documents import Document, documents_from_folder, load_documents
from pipelines.voice.validation import validate
from pipelines.voice.openset import validate_open_set
from tests.conftest import REPO, SHARED_CORPORA

BACKGROUND = REPO / "data" / "background"

SHARED_CREATORS = ("3b1b", "kurzgesagt", "nerdwriter", "crashcourse-astronomy")

# Written for this test: an Okafor topic (why ice floats) in an energetic, Rex-like voice.
ICE_THE_REX_WAY = (
    "What's up, builders! Rex here. Today you're standing on a frozen lake in the middle of January, and "
    "there's a guy out there drilling a hole to go fishing. Just him, a bucket and a stool. And here's the "
    "crazy part. The ice he's standing on? It's floating. No joke. Solid stuff, sitting on top of the liquid "
    "stuff. Almost nothing else in the world does that. So how does it pull it off? Let me tell you how. "
    "Picture every water molecule as a tiny little builder with two arms. When the water is warm, those guys "
    "are running around, bumping into each other, packed in tight like a crowd at a concert. But cool them "
    "down and they start grabbing hands. Hydrogen bonds, that's the grip. And when they freeze, they lock "
    "into this big open honeycomb, like scaffolding with tons of empty space inside. More space, less stuff "
    "per bucket. Boom, the ice is lighter than the water under it, so up it goes. And that matters, big time. "
    "If ice sank, lakes would freeze from the bottom up, solid, every single winter, and the fish would be "
    "toast. Instead you get a lid on top, and the water down below stays just warm enough to live in. So next "
    "time you drop an ice cube in your drink, give it a little respect. That cube is a tiny engineering "
    "miracle. Keep building, and I'll catch you next time!"
)


def _by_name(docs: list[Document], name: str) -> str:
    return next(d.creator for d in docs if d.creator_name == name)


def test_demo_creators_validate_and_a_real_video_outranks_an_imitation(sample_settings: Settings) -> None:
    docs = load_documents(sample_settings)
    assert len({d.creator for d in docs}) == 3 and len(docs) == 20
    report = validate(docs, folds=5, seed=0)
    assert report["n_test_videos"] == 20
    assert report["accuracy"] >= 0.9 and report["window_accuracy"] >= 0.85 and report["auc"] >= 0.95
    assert report["warnings"] == []

    okafor = _by_name(docs, "Dr. Amara Okafor")
    rex = _by_name(docs, "Rex Moreno")
    held_out = next(d for d in docs if d.creator == okafor and "Ice" in d.title)
    model = VoiceModel().fit([d for d in docs if d is not held_out], background=load_background(BACKGROUND))
    real = model.score_text(held_out.text, okafor)
    imitation = model.score_text(ICE_THE_REX_WAY, okafor)
    assert real.best_match == okafor and imitation.best_match == rex
    assert real.fidelity > imitation.fidelity
    assert real.probability > imitation.probability
    assert real.profile_z < imitation.profile_z

    # A Rex passage spliced into the real video is among the passages flagged off-voice.
    spliced = held_out.text + " " + ICE_THE_REX_WAY[:400] + " " + held_out.text[:600]
    worst = model.off_voice_sentences(spliced, okafor, top=3)
    assert any(p.text in ICE_THE_REX_WAY for p in worst)


@pytest.fixture(scope="module")
def shared_documents() -> list[Document]:
    """The four shared creators, parsed from their caption files exactly as ingest parses them
    (documents_from_folder uses the ingest job's collect/doc_from_group), without embedding."""
    docs = []
    for creator in SHARED_CREATORS:
        folder = SHARED_CORPORA / creator
        if not folder.is_dir():
            pytest.skip(f"shared corpus {folder} not present")
        docs += documents_from_folder(folder, slugify(creator))
    return docs


@pytest.mark.slow
def test_shared_corpora_meet_the_bar(shared_documents: list[Document]) -> None:
    report = validate(shared_documents, folds=5, seed=0, n_jobs=2)
    assert report["n_test_videos"] == 100
    assert sorted(report["fold_of"]) == sorted(f"{d.creator}/{d.video_id}" for d in shared_documents)
    assert report["accuracy"] >= 0.95, report["per_creator"]
    assert report["window_accuracy"] >= 0.90, report["per_creator"]
    assert report["auc"] >= 0.99, report["per_creator"]


@pytest.mark.slow
def test_one_real_creator_against_voices_it_never_saw(shared_documents: list[Document]) -> None:
    """Issue 18's bar: 3b1b alone in the workspace (4 folds of 30 training videos, 10 held out) against
    the other three shared creators' 60 videos, which are in neither the training set nor the background."""
    own = [d for d in shared_documents if d.creator == "3b1b"]
    unseen = [d for d in shared_documents if d.creator != "3b1b"]
    report = validate_open_set(own, unseen, load_background(BACKGROUND), folds=4, seed=0)
    assert report["n_own_videos"] == 40 and report["n_unseen_videos"] == 60
    assert report["n_unseen_scores"] == 60 * 4  # each fold's model scores every unseen video
    assert report["video_auc"] >= 0.99, report
    assert report["far_at_90"] <= 0.05, report
    assert report["window_auc"] >= 0.95, report

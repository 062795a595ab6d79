"""Issue 18's probe: a passage that imitates a creator's spoken manner must score above neutral
prose carrying the same facts. The pairs (tests/data/voice_probe.yaml) were written for this
test; the creators' own videos are read from ../shared/corpora and data/sample, never copied."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.voice.attribution import VoiceModel
from pipelines.voice.background import load_background
from pipelines.voice.documents import Document, documents_from_folder
from tests.conftest import REPO, SAMPLE, SHARED_CORPORA

PROBE = Path(__file__).resolve().parent.parent / "data" / "voice_probe.yaml"
SHARED = ("3b1b", "kurzgesagt", "nerdwriter", "crashcourse-astronomy")
DEMO = ("pip-and-the-primes", "dr-okafor-labs", "rex-builds-history")


def probe_pairs() -> list[dict]:
    return yaml.safe_load(PROBE.read_text(encoding="utf-8"))["pairs"]


def probe_scores(creators: tuple[str, ...] = SHARED + DEMO) -> list[dict]:
    """Each pair's fidelity, neutral and imitation, under one model of all these creators."""
    docs: list[Document] = []
    for slug in creators:
        folder = SHARED_CORPORA / slug if slug in SHARED else SAMPLE / slug
        if not folder.is_dir():
            pytest.skip(f"corpus {folder} not present")
        docs += documents_from_folder(folder, slug)
    model = VoiceModel().fit(docs, background=load_background(REPO / "data" / "background"))
    out = []
    for pair in probe_pairs():
        if pair["creator"] in creators:
            neutral = model.score_text(pair["neutral"], pair["creator"])
            imitation = model.score_text(pair["imitation"], pair["creator"])
            out.append({"creator": pair["creator"], "topic": pair["topic"], "neutral": neutral.fidelity,
                        "imitation": imitation.fidelity})
    return out


def test_the_probe_is_balanced() -> None:
    pairs = probe_pairs()
    assert {p["creator"] for p in pairs} == set(SHARED + DEMO)
    for p in pairs:
        n, i = len(p["neutral"].split()), len(p["imitation"].split())
        assert 150 <= n <= 300 and 150 <= i <= 300, p["topic"]


@pytest.mark.slow
def test_imitations_outscore_neutral_prose_on_the_same_content() -> None:
    scores = probe_scores()
    for s in scores:
        print(f"{s['creator']:24s} {s['topic'][:44]:44s} neutral {s['neutral']:.3f} imitation {s['imitation']:.3f}")
    wins = [s for s in scores if s["imitation"] > s["neutral"]]
    assert len(scores) == 21
    assert len(wins) == len(scores), [s for s in scores if s not in wins]

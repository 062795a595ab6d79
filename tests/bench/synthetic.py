"""A deterministic synthetic channel for the scale benchmark: sentences of the shipped demo
transcripts recombined by a seeded RNG into `.srt` captions with a yt-dlp `.info.json` each.

Nothing is copied from outside the repository; the files go wherever the caller says (a tmp dir).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pipelines.ingest.parse import parse_caption_file
from pipelines.text import split_sentences
from pipelines.voice.features import MAX_SENTENCE_WORDS
from tests.conftest import SAMPLE

WORDS_PER_MINUTE = 150
LINE_WORDS = 12  # words per caption cue, about what YouTube auto-captions show


@dataclass(frozen=True)
class SyntheticCorpus:
    folder: Path
    videos: int
    words: int
    text_bytes: int  # UTF-8 bytes of the transcript text alone (no timings, no metadata)


def sentence_pool(sample: Path = SAMPLE) -> list[str]:
    """Every sentence of the demo transcripts, in a stable order."""
    pool: list[str] = []
    for path in sorted([*sample.glob("*/*.srt"), *sample.glob("*/*.vtt")]):
        pool += split_sentences(" ".join(seg.text for seg in parse_caption_file(path)), MAX_SENTENCE_WORDS)
    return pool


def _clock(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def _srt(words: list[str]) -> tuple[str, float]:
    """SubRip cues of LINE_WORDS words spoken at WORDS_PER_MINUTE; returns the text and duration."""
    cues, t = [], 0.0
    for n, start in enumerate(range(0, len(words), LINE_WORDS), 1):
        line = words[start:start + LINE_WORDS]
        end = t + len(line) * 60 / WORDS_PER_MINUTE
        cues.append(f"{n}\n{_clock(t)} --> {_clock(end)}\n{' '.join(line)}\n")
        t = end
    return "\n".join(cues), t


def write_corpus(folder: Path, videos: int, mean_words: int = 1500, seed: int = 0) -> SyntheticCorpus:
    """`videos` videos of about `mean_words` words each (± a third), the same files for the same arguments."""
    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    first_day = date(2015, 1, 5)
    total_words = total_bytes = 0
    for i in range(videos):
        target = max(50, int(rng.uniform(mean_words * 2 / 3, mean_words * 4 / 3)))
        picked: list[str] = []
        n_words = 0
        while n_words < target:
            sentence = rng.choice(pool)
            picked.append(sentence)
            n_words += len(sentence.split())
        text = " ".join(picked)
        captions, duration = _srt(text.split())
        stem = f"video-{i:05d}"
        (folder / f"{stem}.srt").write_text(captions, encoding="utf-8")
        info = {"id": f"synthetic-{seed}-{i:05d}", "title": f"Episode {i + 1}: {' '.join(picked[0].split()[:6])}",
                "upload_date": (first_day + timedelta(days=3 * i)).strftime("%Y%m%d"),
                "duration": round(duration, 1), "view_count": rng.randint(1_000, 2_000_000)}
        (folder / f"{stem}.info.json").write_text(json.dumps(info), encoding="utf-8")
        total_words += n_words
        total_bytes += len(text.encode("utf-8"))
    return SyntheticCorpus(folder, videos, total_words, total_bytes)

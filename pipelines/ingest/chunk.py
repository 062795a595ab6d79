"""Sentence-aligned, timestamped chunks of ~150–300 words with a one-sentence overlap."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.ingest.model import Segment

MIN_WORDS = 150
MAX_WORDS = 300
MAX_SENTENCE = 60  # ASR text without punctuation is cut into pseudo-sentences


@dataclass(frozen=True)
class Chunk:
    idx: int
    start_s: float | None
    end_s: float | None
    text: str

    @property
    def n_words(self) -> int:
        return len(self.text.split())


def timed_words(segments: list[Segment]) -> list[tuple[str, float | None, float | None]]:
    """Every word with a time interpolated inside its segment."""
    out = []
    for seg in segments:
        words = seg.text.split()
        n = len(words)
        for i, w in enumerate(words):
            if seg.start_s is not None and seg.end_s is not None and n:
                span = seg.end_s - seg.start_s
                out.append((w, seg.start_s + span * i / n, seg.start_s + span * (i + 1) / n))
            else:
                out.append((w, seg.start_s, seg.end_s))
    return out


def sentence_spans(words: list[str]) -> list[tuple[int, int]]:
    """[start, end) word ranges of sentences, cutting run-ons at MAX_SENTENCE words."""
    spans, start = [], 0
    for i, w in enumerate(words):
        if w.endswith((".", "!", "?", ".\"", "?\"", "!\"", ".'", "…")) or i - start + 1 >= MAX_SENTENCE:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(words):
        spans.append((start, len(words)))
    return spans


def chunk_segments(segments: list[Segment], min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Group sentences into chunks; each chunk after the first repeats the previous chunk's
    last sentence so a passage cut at a boundary is still found whole."""
    timed = timed_words(segments)
    words = [w for w, _, _ in timed]
    spans = sentence_spans(words)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        first = i
        n = 0
        while i < len(spans) and (n < min_words or first == i):
            length = spans[i][1] - spans[i][0]
            if n and n + length > max_words:
                break
            n += length
            i += 1
        a, b = spans[first][0], spans[i - 1][1]
        chunks.append(Chunk(len(chunks), timed[a][1], timed[b - 1][2], " ".join(words[a:b])))
        if i < len(spans) and i - first > 1:
            i -= 1  # overlap: the next chunk starts with this chunk's last sentence
    # a tiny tail joins the chunk before it
    if len(chunks) > 1 and chunks[-1].n_words < min_words // 3:
        prev, last = chunks[-2], chunks[-1]
        merged = f"{prev.text} {_drop_overlap(prev.text, last.text)}".strip()
        chunks[-2:] = [Chunk(prev.idx, prev.start_s, last.end_s, merged)]
    return chunks


def _drop_overlap(prev: str, nxt: str) -> str:
    p, n = prev.split(), nxt.split()
    for k in range(min(len(p), len(n)), 0, -1):
        if p[-k:] == n[:k]:
            return " ".join(n[k:])
    return nxt

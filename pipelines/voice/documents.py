"""A creator's videos as plain documents for voice modelling, and fixed-size word windows.

Voice models train and test on windows of a fixed number of words, not on whole videos:
videos differ in length by more than ten times, and a window is a unit of text the size of
a script passage, so scores on windows mean the same thing for every creator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows

WINDOW_WORDS = 300


@dataclass(frozen=True)
class Document:
    """One video's transcript: who made it, which video, and its text with segment starts."""

    creator: str  # the creator's slug
    creator_name: str
    video_id: str  # a stable id, unique across creators (the database id as text)
    title: str
    text: str
    segments: tuple[tuple[float | None, str], ...] = ()

    @property
    def n_words(self) -> int:
        return len(self.text.split())


def load_documents(settings: Settings, creators: list[str] | None = None) -> list[Document]:
    """Every stored video (of these creators, by slug or name, when given) as a Document,
    ordered by creator then video id; videos without transcript text are left out."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        known = rows(conn, "SELECT id, slug, name FROM creators ORDER BY slug")
        if creators is not None:
            wanted = []
            for name in creators:
                match = [c for c in known if c["slug"] == name or c["name"].lower() == name.lower()]
                if not match:
                    hint = ", ".join(c["slug"] for c in known) or "none yet; ingest some videos first"
                    raise ScriptwrightError(f"No creator named '{name}'. Known creators: {hint}.")
                wanted.append(match[0])
            known = [c for c in known if c in wanted]
        if not known:
            return []
        by_id = {c["id"]: c for c in known}
        videos = rows(conn, "SELECT id, creator_id, title FROM videos WHERE creator_id IN (SELECT unnest(?))"
                            " ORDER BY creator_id, id", [list(by_id)])
        segs = rows(conn, "SELECT video_id, start_s, text FROM segments WHERE video_id IN (SELECT unnest(?))"
                          " ORDER BY video_id, idx", [[v["id"] for v in videos]])
    grouped: dict[int, list[tuple[float | None, str]]] = {}
    for s in segs:
        grouped.setdefault(s["video_id"], []).append((s["start_s"], s["text"]))
    docs = []
    for v in videos:
        parts = tuple(grouped.get(v["id"], ()))
        text = " ".join(t for _, t in parts).strip()
        if not text:
            continue
        c = by_id[v["creator_id"]]
        docs.append(Document(c["slug"], c["name"], str(v["id"]), v["title"] or "", text, parts))
    docs.sort(key=lambda d: (d.creator, int(d.video_id)))
    return docs


def windows(text: str, size: int = WINDOW_WORDS, min_last: int | None = None) -> list[str]:
    """Consecutive, non-overlapping windows of `size` whitespace words.

    The last, partial window is kept only when it has at least `min_last` words (half a
    window by default), so every window holds between size/2 and size words; a shorter
    tail is dropped rather than merged, which would make one window twice as long as the
    others. A text shorter than `min_last` words yields no windows at all (callers that
    must score short texts use the whole text as one window).
    """
    if size < 1:
        raise ScriptwrightError("The window size must be at least one word.")
    min_last = size // 2 if min_last is None else min_last
    words = text.split()
    out = [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
    if out and len(words) % size and len(words) % size < min_last:
        out.pop()
    return out


def documents_from_folder(path: Path, creator: str, creator_name: str | None = None,
                          scratch: Path | None = None) -> list[Document]:
    """Documents straight from caption files (a file, folder or zip), parsed exactly as the
    ingest job parses them but without storing or embedding anything: for evaluating the
    voice model on a corpus that need not enter the workspace. Video ids are the file stems."""
    import tempfile

    from pipelines.ingest.files import collect, doc_from_group

    with tempfile.TemporaryDirectory() as tmp:
        groups, _ = collect(Path(path).expanduser(), scratch or Path(tmp))
        docs = []
        for g in groups:
            video, _ = doc_from_group(g)
            parts = tuple((s.start_s, s.text) for s in video.segments)
            text = " ".join(t for _, t in parts).strip()
            if text:
                docs.append(Document(creator, creator_name or creator, g.key, video.title, text, parts))
    return docs

"""The background of real voices that ships with Scriptwright (`data/background/`).

Open-data ASR transcripts of many speakers (see that folder's README and MANIFEST.csv for
their source and terms). The voice scorer compares a creator with these voices, so that
"sounds like this creator" means "rather than like anyone else", even in a workspace that
holds a single channel. Each video is one background document; the folders are source
channels, not creators, and are never used as labels.
"""

from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from pathlib import Path

from pipelines.errors import ScriptwrightError
from pipelines.ingest.parse import parse_caption_bytes
from pipelines.voice.documents import Document

BACKGROUND_PREFIX = "background:"
MANIFEST = "MANIFEST.csv"


def is_background(creator: str) -> bool:
    return creator.startswith(BACKGROUND_PREFIX)


@lru_cache(maxsize=4)
def load_background(root: Path) -> tuple[Document, ...]:
    """Every background transcript listed in `root/MANIFEST.csv`, checked against its sha256.

    A missing, damaged or unreadable file is a ScriptwrightError that names it: a scorer
    compared with a silently shrunken background would report figures it cannot back."""
    manifest = Path(root) / MANIFEST
    if not manifest.is_file():
        raise ScriptwrightError(f"The voice background is missing: {manifest} not found. "
                                "Restore data/background/ from the Scriptwright repository.")
    with manifest.open(newline="", encoding="utf-8") as fh:
        entries = list(csv.DictReader(fh))
    if not entries or not {"creator", "video_id_or_slug", "file", "sha256"} <= set(entries[0]):
        raise ScriptwrightError(f"{manifest}: not a background manifest (needs creator, video_id_or_slug, file "
                                "and sha256 columns).")
    docs = []
    for row in entries:
        path = Path(root) / row["file"]
        if not path.is_file():
            raise ScriptwrightError(f"Voice background file {path} is listed in {MANIFEST} but missing; "
                                    "restore data/background/ from the Scriptwright repository.")
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != row["sha256"]:
            raise ScriptwrightError(f"Voice background file {path} is damaged: its checksum does not match "
                                    f"{MANIFEST}. Restore it from the Scriptwright repository.")
        try:
            segments = parse_caption_bytes(raw, path.name)
        except ScriptwrightError as exc:
            raise ScriptwrightError(f"Voice background file {path} cannot be read: {exc}") from exc
        parts = tuple((s.start_s, s.text) for s in segments)
        text = " ".join(t for _, t in parts).strip()
        docs.append(Document(BACKGROUND_PREFIX + row["creator"], f"background voice ({row['creator']})",
                             row["video_id_or_slug"], row["video_id_or_slug"], text, parts))
    return tuple(docs)


def background_key(root: Path) -> str:
    """Identifies the background's content (its manifest names every file's checksum)."""
    manifest = Path(root) / MANIFEST
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16] if manifest.is_file() else "none"

"""Local sources: caption files, folders and zips of them, yt-dlp `.info.json` sidecars.

Files in one folder sharing a stem (`talk.srt`, `talk.txt`, `talk.en.vtt`,
`talk.info.json`) are one video: timings from the caption file, metadata from the
info.json, and the plain transcript as a check on the caption text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pipelines.errors import ScriptwrightError
from pipelines.ingest.model import UNTITLED, YOUTUBE_WATCH, Segment, VideoDoc
from pipelines.ingest.parse import CAPTION_EXTS, parse_caption_file

TIMED_ORDER = (".srt", ".vtt", ".json3", ".txt")
# `talk.en.vtt`, `talk.pt-BR.srt`, `talk.en-orig.vtt`; not `part.one.srt`
_LANG_SUFFIX = re.compile(r"\.[a-z]{2}(?:[-_][A-Za-z0-9]{2,8})?$")


def stem_key(path: Path) -> str:
    """The video a file belongs to: `talk.en.vtt`, `talk.info.json` and `talk.txt` share `talk`."""
    name = path.name
    if name.lower().endswith(".info.json"):
        return name[: -len(".info.json")]
    base = name[: -len(path.suffix)] if path.suffix else name
    code = caption_language(path)
    return base[: -len(code) - 1] if code else base


def caption_language(path: Path) -> str | None:
    """The language tag in a caption file's name (`talk.pt-BR.srt` -> `pt-BR`), or None."""
    if path.suffix.lower() not in {".srt", ".vtt", ".json3"}:
        return None
    found = _LANG_SUFFIX.search(path.name[: -len(path.suffix)])
    return found.group(0)[1:] if found else None


def _language_rank(path: Path, lang: str) -> tuple[int, str]:
    """Which of a video's caption files of one type to use: the wanted language, then its
    variants (`en-US`, `en-orig`), then a file without a language tag, then any other."""
    code = caption_language(path)
    if code is None:
        return 2, path.name
    if code.lower() == lang.lower():
        return 0, path.name
    return (1 if _primary(code) == _primary(lang) else 3), path.name


def _primary(code: str) -> str:
    """`pt-BR` -> `pt`, `en_orig` -> `en`."""
    return re.split(r"[-_]", code)[0].lower()


def is_ingestable(path: Path) -> bool:
    return path.name.lower().endswith(".info.json") or path.suffix.lower() in CAPTION_EXTS


@dataclass
class FileGroup:
    """The files of one video in one folder."""

    key: str
    files: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ", ".join(sorted(p.name for p in self.files))


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack a zip (once per content hash) and return the folder."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    target = into / f"zip-{digest}"
    if not target.exists():
        try:
            with zipfile.ZipFile(path) as zf:
                for member in zf.infolist():
                    dest = (target / member.filename).resolve()
                    if not str(dest).startswith(str(target.resolve())):
                        raise ScriptwrightError(f"{path.name}: refuses a zip entry outside its folder ({member.filename}).")
                zf.extractall(target)
        except zipfile.BadZipFile as exc:
            raise ScriptwrightError(f"{path.name}: not a valid zip file.") from exc
    return target


def group_files(paths: list[Path]) -> list[FileGroup]:
    """Group ingestable files by (folder, stem key), in a stable order."""
    groups: dict[tuple[Path, str], FileGroup] = {}
    for path in sorted(paths):
        key = (path.parent, stem_key(path))
        groups.setdefault(key, FileGroup(key[1])).files.append(path)
    return list(groups.values())


def collect(path: Path, scratch: Path) -> tuple[list[FileGroup], list[Path]]:
    """File groups under a file, folder or zip; and the files skipped for their type."""
    if not path.exists():
        raise ScriptwrightError(f"{path}: no such file or folder.")
    if path.is_file() and path.suffix.lower() == ".zip":
        path = extract_zip(path, scratch)
    if path.is_file():
        if not is_ingestable(path):
            raise ScriptwrightError(
                f"{path.name}: unsupported file type '{path.suffix or 'none'}'; "
                "use .srt, .vtt, .json3, .txt, .info.json or a .zip of them."
            )
        return group_files([path]), []
    files = [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")]
    nested_zips = [p for p in files if p.suffix.lower() == ".zip"]
    ok = [p for p in files if is_ingestable(p)]
    skipped = [p for p in files if not is_ingestable(p) and p not in nested_zips]
    groups = group_files(ok)
    for z in nested_zips:
        more, more_skipped = collect(z, scratch)
        groups += more
        skipped += more_skipped
    return groups, skipped


def youtube_id(key: str) -> str | None:
    """A file stem that is a YouTube video id (11 characters of A-Z a-z 0-9 - _, with a capital, which a
    slug such as "eigenvalues" lacks; 0.3% of real ids have none and keep a title from the file name)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]{11}", key) and re.search(r"[A-Z]", key) else None


def _doc_from_key(key: str, segments: list[Segment]) -> VideoDoc:
    """A video known only by its file name: a YouTube id gives a link and an honest "untitled"; a slug, a title."""
    if vid := youtube_id(key):
        return VideoDoc(source="file", source_id=key, title=f"{UNTITLED} ({vid})", segments=segments,
                        url=f"{YOUTUBE_WATCH}{vid}")
    words = re.sub(r"[-_]+", " ", key).strip()
    return VideoDoc(source="file", source_id=key, title=words[:1].upper() + words[1:], segments=segments)


def _date(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc).date().isoformat()
    return value if isinstance(value, str) and value else None


def comments_from_info(info: dict[str, Any], cap: int | None = None) -> list[dict[str, Any]]:
    """yt-dlp comment dicts as rows; authors are hashed, never stored by name."""
    out = []
    for c in (info.get("comments") or [])[: cap if cap is not None else None]:
        if not c.get("text"):
            continue
        author = c.get("author_id") or c.get("author") or ""
        out.append({
            "comment_id": str(c.get("id") or hashlib.sha256(c["text"].encode()).hexdigest()[:16]),
            "parent_id": None if c.get("parent") in (None, "root") else str(c.get("parent")),
            "author_hash": hashlib.sha256(author.encode()).hexdigest()[:12] if author else None,
            "text": c["text"],
            "likes": c.get("like_count"),
            "published_at": datetime.fromtimestamp(c["timestamp"], tz=timezone.utc).replace(tzinfo=None)
            if isinstance(c.get("timestamp"), (int, float)) else None,
        })
    return out


def doc_from_info(info: dict[str, Any], segments: list[Segment], comments_cap: int | None = None) -> VideoDoc:
    """A VideoDoc from yt-dlp metadata and parsed segments."""
    extractor = (info.get("extractor_key") or info.get("extractor") or "").lower()
    source = "youtube" if extractor.startswith("youtube") else (extractor or "web")
    return VideoDoc(
        source=source,
        source_id=str(info.get("id") or info.get("display_id") or info.get("webpage_url")),
        title=info.get("title") or info.get("fulltitle") or str(info.get("id")),
        segments=segments,
        url=info.get("webpage_url") or info.get("original_url"),
        description=info.get("description"),
        published_at=_date(info.get("upload_date") or info.get("release_date") or info.get("timestamp")),
        duration_s=info.get("duration"),
        view_count=info.get("view_count"),
        like_count=info.get("like_count"),
        chapters=info.get("chapters"),
        comments=comments_from_info(info, comments_cap),
    )


def _checked(doc: VideoDoc) -> VideoDoc:
    """The doc when its metadata has the types the store takes; a ValueError naming the field otherwise."""
    expected = {"title": (str,), "url": (str,), "description": (str,), "published_at": (str,),
                "duration_s": (int, float), "view_count": (int,), "like_count": (int,)}
    values = [(name, getattr(doc, name)) for name in expected]
    values += [(f"comment {c['comment_id']} likes", c["likes"]) for c in doc.comments]
    for name, value in values:
        kinds = expected.get(name, (int,))
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)
                                  or (isinstance(value, float) and not math.isfinite(value))):
            raise ValueError(f"{name} is {str(value)[:40]!r}")
    if doc.published_at:
        date.fromisoformat(doc.published_at)
    return doc


def _word_overlap(a: str, b: str) -> float:
    wa, wb = set(re.findall(r"[a-z']+", a.lower())), set(re.findall(r"[a-z']+", b.lower()))
    return len(wa & wb) / max(1, len(wa | wb))


def doc_from_group(group: FileGroup, overrides: dict[str, Any] | None = None,
                   comments_cap: int | None = None, lang: str = "en") -> tuple[VideoDoc, list[str]]:
    """Parse one file group into a VideoDoc; returns it with any notes worth showing. When a video
    has captions in several languages (`talk.en.vtt`, `talk.fr.vtt`), `lang` picks the one used."""
    notes: list[str] = []
    by_ext: dict[str, Path] = {}
    for path in sorted((p for p in group.files if not p.name.lower().endswith(".info.json")),
                       key=lambda p: _language_rank(p, lang)):
        by_ext.setdefault(path.suffix.lower(), path)
    info_file = next((p for p in group.files if p.name.lower().endswith(".info.json")), None)
    timed = next((by_ext[e] for e in TIMED_ORDER if e in by_ext), None)
    info: dict[str, Any] = {}
    if info_file:
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise ScriptwrightError(f"{info_file.name}: not a valid yt-dlp .info.json ({exc}).") from exc
        if not isinstance(info, dict):
            raise ScriptwrightError(f"{info_file.name}: not a valid yt-dlp .info.json (expected a JSON object).")
    if timed is None:
        raise ScriptwrightError(f"{group.name}: no caption or transcript file for this video.")
    segments = parse_caption_file(timed)
    if timed.suffix.lower() != ".txt" and ".txt" in by_ext:
        plain = " ".join(s.text for s in parse_caption_file(by_ext[".txt"]))
        caption_text = " ".join(s.text for s in segments)
        overlap = _word_overlap(caption_text, plain)
        if overlap < 0.8:
            notes.append(f"{timed.name} and {by_ext['.txt'].name} differ (word overlap {overlap:.0%}).")
    if info:
        try:
            doc = _checked(doc_from_info(info, segments, comments_cap))
        except (AttributeError, TypeError, ValueError, OverflowError, OSError) as exc:
            detail = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
            raise ScriptwrightError(f"{info_file.name}: not a valid yt-dlp .info.json ({detail}).") from exc
    else:
        doc = _doc_from_key(group.key, segments)
    for key, value in (overrides or {}).items():
        setattr(doc, key, value)
    if doc.duration_s is None and segments and segments[-1].end_s:
        doc.duration_s = segments[-1].end_s
    code = caption_language(timed)
    if code and not doc.language:
        doc.language = _primary(code)
    others = sorted(p.name for p in group.files if p.suffix.lower() == timed.suffix.lower() and p != timed)
    if others:
        notes.append(f"used {timed.name}; other languages not ingested: {', '.join(others)}.")
    return doc, notes


def save_uploads(folder: Path, uploads: list[tuple[str, bytes]]) -> list[Path]:
    """Write uploaded files (name, bytes) into a folder under their base names only."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, data in uploads:
        safe = Path(name).name.lstrip(".") or "upload"
        path = folder / safe
        path.write_bytes(data)
        saved.append(path)
    return saved

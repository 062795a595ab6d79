"""The workspace's voice scorer: which creators it knows, training it once per corpus state,
scoring texts, and the validation report ("scorer card") shown beside every score.

The model is trained on every creator with enough videos. When the workspace has fewer
than three such creators, the fictional demo creators join as background voices, so a
score is always a choice among several voices, never a coin flip between two.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipelines.errors import ScriptwrightError
from pipelines.ingest.parse import CAPTION_EXTS, parse_caption_file
from pipelines.jobs import JobContext, job_kind
from pipelines.settings import Settings
from pipelines.voice.attribution import MIN_VIDEOS, VoiceModel, VoiceScore
from pipelines.voice.documents import Document, load_documents
from pipelines.voice.validation import corpus_warnings, validate

MIN_CREATORS = 3
BACKGROUND_PREFIX = "demo:"
_models: dict[Path, VoiceModel] = {}
_lock = threading.Lock()


def _background(exclude_texts: set[str]) -> list[Document]:
    from pipelines.voice.phrases import sample_docs

    out = []
    for slug, docs in sample_docs().items():
        for d in docs:
            text = " ".join(t for _, t in d.segments)
            if text not in exclude_texts:
                out.append(Document(BACKGROUND_PREFIX + slug, f"{slug} (demo background)", str(d.video_id),
                                    d.title, text, tuple(d.segments)))
    return out


def training_documents(settings: Settings, creators: list[str] | None = None) -> list[Document]:
    """The workspace's creators with enough videos, plus demo background voices if needed."""
    docs = load_documents(settings, creators)
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.creator] = counts.get(d.creator, 0) + 1
    usable = [d for d in docs if counts[d.creator] >= MIN_VIDEOS]
    if len({d.creator for d in usable}) < MIN_CREATORS:
        usable += _background({d.text for d in docs})
    return usable


def corpus_key(documents: list[Document]) -> str:
    """Identifies a training set: changes whenever a video is added, removed or edited."""
    h = hashlib.sha256()
    for d in sorted(documents, key=lambda d: (d.creator, d.video_id)):
        h.update(f"{d.creator}|{d.video_id}|{hashlib.sha256(d.text.encode()).hexdigest()}\n".encode())
    return h.hexdigest()[:16]


def _model_file(settings: Settings, key: str) -> Path:
    return settings.root / "models" / f"voice-{key}.joblib"


def _report_file(settings: Settings, key: str, folds: int) -> Path:
    return settings.root / "models" / f"voice-{key}-cv{folds}.json"


def current_model(settings: Settings, train_if_missing: bool = True,
                  documents: list[Document] | None = None) -> VoiceModel | None:
    """The model for the workspace as it is now (loaded, or trained and saved); pass the
    training documents when the caller already has them."""
    docs = training_documents(settings) if documents is None else documents
    path = _model_file(settings, corpus_key(docs))
    with _lock:
        if path in _models:
            return _models[path]
        if path.exists():
            try:
                _models[path] = VoiceModel.load(path)
                return _models[path]
            except ScriptwrightError:  # saved by another version, or damaged: retrain below
                path.unlink()
        if train_if_missing:
            _models[path] = VoiceModel().fit(docs)
            _models[path].save(path)
        else:
            return None
        return _models[path]


def creator_slug(settings: Settings, name: str) -> str:
    from pipelines import corpus

    return corpus.get_creator(settings, name)["slug"]


def read_text(path: Path) -> str:
    """A script to score: plain text or Markdown as is, caption files as their spoken text."""
    if not path.exists():
        raise ScriptwrightError(f"{path}: no such file.")
    if not path.is_file():
        raise ScriptwrightError(f"{path}: is a folder, not a script; name the files to score.")
    if path.suffix.lower() in CAPTION_EXTS - {".txt"}:
        return " ".join(s.text for s in parse_caption_file(path))
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ScriptwrightError(f"{path.name}: looks like a binary file, not a script.")
    return raw.decode("utf-8", errors="replace")


def score_to_dict(score: VoiceScore) -> dict[str, Any]:
    out = asdict(score)
    out["pulls_away"] = [asdict(p) for p in score.pulls_away]
    out["off_voice_sentences"] = [asdict(s) for s in score.off_voice_sentences]
    return out


def score_texts(settings: Settings, creator: str, texts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Score named texts against one creator; each result carries the scorer card if known."""
    slug = creator_slug(settings, creator)
    docs = training_documents(settings)
    model = current_model(settings, documents=docs)
    if slug not in model.classes:
        raise ScriptwrightError(f"{creator} has fewer than {MIN_VIDEOS} videos with transcripts, so there is no "
                                "voice profile to score against yet. Ingest more of their videos.")
    card = scorer_card(settings, docs)
    return [{"name": name, **score_to_dict(model.score_text(text, slug)), "scorer": card} for name, text in texts]


def scorer_card(settings: Settings, documents: list[Document] | None = None) -> dict[str, Any] | None:
    """The latest validation figures for the workspace as it is now, or None if not run yet."""
    key = corpus_key(training_documents(settings) if documents is None else documents)
    found = sorted((settings.root / "models").glob(f"voice-{key}-cv*.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        return None
    report = json.loads(found[-1].read_text())
    return {k: report[k] for k in ("accuracy", "window_accuracy", "auc", "n_test_videos", "n_test_windows",
                                   "warnings", "folds") if k in report}


@job_kind("voice-train")
def run_voice_train(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0.1, "Training the voice model")
    model = current_model(ctx.settings)
    return {"creators": list(map(str, model.classes)), "videos": model.n_videos}


@job_kind("voice-validate")
def run_voice_validate(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Grouped k-fold validation by video on the workspace's creators (or a chosen subset)."""
    settings = ctx.settings
    folds = int(params.get("folds") or 5)
    creators = params.get("creators") or None
    docs = load_documents(settings, creators) if creators else training_documents(settings)
    ctx.progress(0.05, f"Cross-validating on {len(docs)} videos, {folds} folds")
    report = validate(docs, folds=folds)
    report["warnings"] = report.get("warnings") or corpus_warnings(docs)
    if not creators:
        path = _report_file(settings, corpus_key(docs), folds)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, default=str, indent=2))
    return report

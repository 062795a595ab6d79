"""The workspace's voice scorer: which creators it knows, training it once per corpus state,
scoring texts, and the validation report ("scorer card") shown beside every score.

Fidelity is open-set: every creator with enough videos is compared with the workspace's other
creators and with the background of real voices shipped in `data/background/`, so a
workspace with a single creator gets a meaningful score. With two or more creators the model
also says which of them a text is closest to.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipelines.errors import ScriptwrightError
from pipelines.ingest.parse import CAPTION_EXTS, parse_caption_file
from pipelines.job_params import NoParams, VoiceValidateParams
from pipelines.jobs import JobContext, job_kind
from pipelines.settings import Settings
from pipelines.voice.attribution import MIN_VIDEOS, VoiceModel, VoiceScore
from pipelines.voice.background import background_key, load_background
from pipelines.voice.documents import Document, documents_from_folder, load_documents
from pipelines.voice.openset import validate_open_set
from pipelines.voice.validation import corpus_warnings, validate

_models: dict[str, VoiceModel] = {}
_lock = threading.Lock()


def background_documents(settings: Settings, exclude: list[Document] = ()) -> list[Document]:
    """The shipped background voices, minus any video that is also in the workspace."""
    texts = {d.text for d in exclude}
    return [d for d in load_background(settings.background_dir) if d.text not in texts]


def training_documents(settings: Settings, creators: list[str] | None = None) -> list[Document]:
    """The workspace's creators with enough videos for a voice profile."""
    docs = load_documents(settings, creators)
    counts: dict[str, int] = {}
    for d in docs:
        counts[d.creator] = counts.get(d.creator, 0) + 1
    return [d for d in docs if counts[d.creator] >= MIN_VIDEOS]


def corpus_key(settings: Settings, documents: list[Document]) -> str:
    """Identifies a training set: changes whenever a video is added, removed or edited, or the background changes."""
    h = hashlib.sha256(background_key(settings.background_dir).encode())
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
    key = corpus_key(settings, docs)
    path = _model_file(settings, key)
    with _lock:
        if key in _models:
            return _models[key]
        if path.exists():
            try:
                _models[key] = VoiceModel.load(path)
                return _models[key]
            except ScriptwrightError:  # saved by another version, or damaged: retrain below
                path.unlink()
        if not train_if_missing:
            return None
        if not docs:
            raise ScriptwrightError(f"No creator has {MIN_VIDEOS} or more videos with transcripts, so there is no "
                                    "voice profile yet. Ingest more of their videos.")
        model = VoiceModel().fit(docs, background=background_documents(settings, docs))
        model.save(path)
        _models[key] = model
        return model


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
    if slug not in {d.creator for d in docs}:
        raise ScriptwrightError(f"{creator} has fewer than {MIN_VIDEOS} videos with transcripts, so there is no "
                                "voice profile to score against yet. Ingest more of their videos.")
    model = current_model(settings, documents=docs)
    card = scorer_card(settings, docs, slug)
    return [{"name": name, **score_to_dict(model.score_text(text, slug)), "scorer": card} for name, text in texts]


def scorer_card(settings: Settings, documents: list[Document] | None = None,
                creator: str | None = None) -> dict[str, Any] | None:
    """The latest validation figures for the workspace as it is now, or None if not run yet:
    closed-set attribution figures (2+ creators) and open-set figures per creator (only
    `creator`'s under "open_set" when one is named)."""
    key = corpus_key(settings, training_documents(settings) if documents is None else documents)
    found = sorted((settings.root / "models").glob(f"voice-{key}-cv*.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        return None
    report = json.loads(found[-1].read_text())
    closed = report.get("closed_set") or {}
    card = {k: closed.get(k) for k in ("accuracy", "window_accuracy", "auc", "n_test_videos", "n_test_windows")}
    card.update({"warnings": report.get("warnings") or [], "folds": report.get("folds")})
    open_set = report.get("open_set") or {}
    card["open_set"] = open_set.get(creator) if creator else open_set
    return card


def unseen_documents(folder: Path) -> list[Document]:
    """Voices the workspace has never seen: one subfolder per creator, read as ingest reads files."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ScriptwrightError(f"{folder}: no such folder of unseen creators.")
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subs:
        raise ScriptwrightError(f"{folder} has no subfolders: put each unseen creator's files in a folder of its own.")
    docs = [d for sub in subs for d in documents_from_folder(sub, f"unseen:{sub.name}", sub.name)]
    if not docs:
        raise ScriptwrightError(f"{folder}: no caption or transcript files with text were found in its subfolders.")
    return docs


@job_kind("voice-train", NoParams)
def run_voice_train(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0.1, "Training the voice model against the background of other voices")
    model = current_model(ctx.settings)
    return {"creators": list(map(str, model.classes)), "videos": model.n_videos}


def _progress(ctx: JobContext, start: float, end: float, label: str) -> Callable[[float, str], None]:
    return lambda f, msg: ctx.progress(start + (end - start) * f, f"{label}: {msg}")


@job_kind("voice-validate", VoiceValidateParams)
def run_voice_validate(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Closed-set cross-validation by video among the workspace's creators (2+), and open-set
    validation of each creator against voices in neither its training set nor its background.
    With `unseen` (a folder, one subfolder per creator) and `creator`: that creator against those voices."""
    settings = ctx.settings
    folds = int(params.get("folds") or 5)
    if params.get("unseen"):
        if not params.get("creator"):
            raise ScriptwrightError("Name the creator to test against the unseen voices (--creator).")
        slug = creator_slug(settings, params["creator"])
        unseen = unseen_documents(Path(params["unseen"]))
        docs = training_documents(settings)
        own = [d for d in docs if d.creator == slug]
        ctx.progress(0.02, f"Open-set validation of {slug} against {len({d.creator for d in unseen})} unseen voices")
        report = validate_open_set(own, unseen, background_documents(settings, docs),
                                   others=[d for d in docs if d.creator != slug], folds=folds,
                                   progress=_progress(ctx, 0.02, 1.0, slug))
        return {"creator": slug, "open_set": report}
    creators = params.get("creators") or None
    docs = training_documents(settings, creators)
    background = background_documents(settings, docs)
    names = sorted({d.creator for d in docs})
    if not names:
        raise ScriptwrightError(f"No creator has {MIN_VIDEOS} or more videos with transcripts; ingest more videos.")
    report: dict[str, Any] = {"folds": folds, "closed_set": None, "open_set": {}, "warnings": corpus_warnings(docs)}
    share = 0.3 if len(names) > 1 else 0.0
    if len(names) > 1:
        ctx.progress(0.02, f"Closed set: cross-validating attribution on {len(docs)} videos, {folds} folds")
        report["closed_set"] = validate(docs, folds=folds)
    for i, slug in enumerate(names):
        start = share + (1 - share) * i / len(names)
        ctx.progress(start, f"Open set: {slug} against voices it has never seen")
        report["open_set"][slug] = validate_open_set(
            [d for d in docs if d.creator == slug], [d for d in docs if d.creator != slug], background,
            folds=folds, hold_out_background=True,
            progress=_progress(ctx, start, share + (1 - share) * (i + 1) / len(names), slug))
    if not creators:
        path = _report_file(settings, corpus_key(settings, docs), folds)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, default=str, indent=2))
    return report

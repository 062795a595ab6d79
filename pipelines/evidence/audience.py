"""Audience research: a creator's comments sorted into questions, confusions, requests,
praise and the rest, clustered by meaning within each kind, related to an idea for a new
video, and checked against the corpus for questions no video has answered yet.

Kinds come from plain rules, clusters from MiniLM embeddings (agglomerative, cosine),
labels from TF-IDF keywords: no language model, so a report is cheap and repeatable.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from pipelines import corpus
from pipelines.embed import embed, embed_one
from pipelines.errors import ScriptwrightError
from pipelines.job_params import AudienceParams
from pipelines.jobs import JobContext, job_kind
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows

KINDS = ("question", "confusion", "request", "praise", "other")
_PLURAL = {"question": "questions", "confusion": "confusions", "request": "requests", "praise": "praise",
           "other": "other comments"}

# Comments join a cluster while their average cosine distance stays below this. On the
# tides test fixture MiniLM put rephrasings of one request at 0.23 on average and requests
# on different topics at 0.52 (questions: 0.30 and 0.47). Against the fixture's topics the
# adjusted Rand index, averaged over the five kinds, was 0.39 at 0.25, 0.51 at 0.3, 0.55
# at 0.35 and 0.47 at 0.4; at 0.5 its tide questions collapse into two clusters.
MERGE_DISTANCE = 0.35
# A cluster relates to an idea at cosine >= 0.35 between the idea and the cluster centroid.
# The best cluster scored 0.45-0.78 for ideas on the comments' own subject (demo: "the
# Monty Hall problem" 0.66, "Bayes' theorem" 0.78; tides fixture: "tidal power" 0.71) and
# at most 0.33 for unrelated ideas (vaccines, the Panama Canal, pizza fractions, sourdough).
RELATED = 0.35
# A question cluster is a knowledge gap when the creator's best chunk scores below this in
# vector search (score = 2*cos - 1). Tides fixture: the answered "fifty minutes later"
# cluster scored 0.40; the unanswered harbours, lakes, planets and drifting-moon ones 0.19,
# 0.12, 0.09, -0.08. Demo: answered clusters 0.36 ("staying wins one in three"), but also
# 0.06 and -0.42; unanswered ones -0.51 (Bayes' theorem), 0.05, and 0.51 (a host who does
# not know: it shares every word with the video). So this finds subjects the videos never
# cover, not every unanswered detail. Confusions name their doubt more than their subject
# (-0.57-0.12 on both corpora) and are left under the very video that covered the subject,
# so they are not gaps: they are reported apart, as confusions left after that video.
GAP_SCORE = 0.25

_RULES = (
    ("confusion", re.compile(
        r"\bconfus(?:ed|ing)\b|\b(?:do not|don'?t|didn'?t) (?:understand|follow)\b|\bi (?:still )?(?:don'?t|do not)"
        r" get\b|\blost me\b|\bi'?m lost\b|\b(?:doesn'?t|does not|didn'?t) make (?:any )?sense\b|\bmakes no sense\b"
        r"|\bnot clear\b|\bunclear\b|\bcan'?t (?:follow|wrap my head)")),
    ("request", re.compile(
        r"\b(?:can|could|would|will) you (?:please )?(?:make|do|cover)\b|\bplease (?:do|make|cover)\b|\bnext video\b"
        r"|\b(?:would|i'?d) love (?:a|an|to see a|to see an) (?:video|episode|follow)|\bpart (?:2|two)\b"
        r"|\bfollow[- ]up video\b|\byou should (?:make|do|cover)\b|^(?:please )?(?:do|make) (?:a|one)\b")),
    ("question", re.compile(
        r"\?|^(?:who|what|when|where|why|how|which|is|are|does|do|did|can|could|should)\b"
        r"|\b(?:how (?:do|does|did|come|can|is)|why (?:does|do|is|are|did|would)|what (?:if|happens)|i wonder"
        r"|wondering)\b")),
    ("praise", re.compile(
        r"\bthank|\blov(?:e|ed|ing|ely)\b|\bgreat\b|\bbest (?:explanation|video|channel)\b|\bamazing\b|\bawesome\b"
        r"|\bbrilliant\b|\bexcellent\b|\bfantastic\b|\bwonderful\b|\bbeautiful(?:ly)?\b|\bgorgeous\b|\bclearest\b"
        r"|\bfinally (?:get|understand|understood|makes sense)\b|\bhelped\b|[❤♥👏🙏😍🔥]")),
)
_MENTIONS = re.compile(r"^(?:@\S+\s+)+")  # a reply's leading @handles say nothing about its subject
_STOP_WORDS = sorted(ENGLISH_STOP_WORDS | {
    "video", "videos", "vid", "just", "really", "like", "does", "did", "doing", "don", "doesn", "didn", "isn",
    "aren", "shouldn", "gonna", "lol", "okay", "hmm", "wow", "yes", "yeah", "thing", "things", "make", "pls",
    "please"})


@dataclass(frozen=True)
class Comment:
    """One analysed comment and where it lives."""

    comment_id: str
    video_id: int
    video_title: str
    text: str
    likes: int
    link: str | None


def classify(text: str) -> str:
    """The comment's kind by rule: confusion, then request, question, praise; else other."""
    norm = _MENTIONS.sub("", text.casefold().replace("\u2019", "'").strip())
    return next((kind for kind, rule in _RULES if rule.search(norm)), "other")


def _link(source: str, source_id: str, url: str | None, comment_id: str) -> str | None:
    if source == "youtube":
        return f"https://www.youtube.com/watch?v={source_id}&lc={quote(comment_id, safe='.-_')}"
    return url


def load_comments(settings: Settings, creator: str) -> list[Comment]:
    """A creator's non-empty comments and replies, one per (video, text), oldest video first."""
    found = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        stored = rows(conn, """
            SELECT m.comment_id, m.video_id, v.title, v.source, v.source_id, v.url, m.text,
                   coalesce(m.likes, 0) AS likes
            FROM comments m JOIN videos v ON v.id = m.video_id
            WHERE v.creator_id = ? AND trim(m.text) <> ''
            ORDER BY v.published_at NULLS LAST, v.id, coalesce(m.likes, 0) DESC, m.published_at NULLS LAST,
                     m.comment_id
        """, [found["id"]])
    seen: set[tuple[int, str]] = set()
    out = []
    for r in stored:
        key = (r["video_id"], " ".join(r["text"].split()).casefold())
        if key in seen:
            continue
        seen.add(key)
        out.append(Comment(r["comment_id"], r["video_id"], r["title"] or "", r["text"], int(r["likes"]),
                           _link(r["source"], r["source_id"], r["url"], r["comment_id"])))
    return out


def _groups(vectors: np.ndarray, cap: int) -> tuple[list[list[int]], bool]:
    """Row indexes per cluster, biggest first; past the cap the smallest are pooled last."""
    if len(vectors) == 1:
        return [[0]], False
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=MERGE_DISTANCE).fit_predict(vectors)
    by_label: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(int(label), []).append(i)
    groups = sorted(by_label.values(), key=lambda g: (-len(g), g[0]))
    if len(groups) <= cap:
        return groups, False
    return groups[:cap - 1] + [sorted(i for g in groups[cap - 1:] for i in g)], True


def _keywords(texts: list[str], groups: list[list[int]], n: int = 3) -> list[list[str]]:
    """Per group, the terms whose mean TF-IDF inside most exceeds the mean outside."""
    vectorizer = TfidfVectorizer(stop_words=_STOP_WORDS, token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no usable words at all (emoji, links)
        return [[] for _ in groups]
    terms = vectorizer.get_feature_names_out()
    total = np.asarray(matrix.sum(axis=0)).ravel()
    out = []
    for g in groups:
        inside = np.asarray(matrix[g].sum(axis=0)).ravel()
        n_rest = matrix.shape[0] - len(g)
        score = inside / len(g) - ((total - inside) / n_rest if n_rest else 0.0)
        ranked = sorted((i for i in np.flatnonzero(inside) if score[i] > 0), key=lambda i: (-score[i], terms[i]))
        out.append([str(terms[i]) for i in ranked[:n]])
    return out


def _quotes(members: list[int], comments: list[Comment], vectors: np.ndarray, centroid: np.ndarray,
            n: int) -> list[dict[str, Any]]:
    """The members nearest the centroid (more likes first on a tie), distinct texts only."""
    order = sorted(members, key=lambda i: (-round(float(vectors[i] @ centroid), 4), -comments[i].likes, i))
    quotes: list[dict[str, Any]] = []
    for i in order:
        c = comments[i]
        if len(quotes) == n:
            break
        if all(q["text"] != c.text for q in quotes):
            quotes.append({"text": c.text, "comment_id": c.comment_id, "video_title": c.video_title,
                           "link": c.link, "likes": c.likes})
    return quotes


def cluster_comments(comments: list[Comment], idea: str | None = None, *, max_clusters_per_kind: int = 6,
                     quotes_per_cluster: int = 3) -> dict[str, Any]:
    """Comments grouped by kind, then by meaning; each cluster labelled, quoted and scored against the idea."""
    if max_clusters_per_kind < 1 or quotes_per_cluster < 1:
        raise ScriptwrightError("Ask for at least one cluster per kind and one quote per cluster.")
    kinds = [classify(c.text) for c in comments]
    by_kind = {k: kinds.count(k) for k in KINDS}
    vectors = embed([c.text for c in comments])
    idea_vec = embed_one(idea) if idea and idea.strip() and comments else None
    plan: list[tuple[str, list[int], bool]] = []
    for kind in KINDS:
        rows_of_kind = [i for i, k in enumerate(kinds) if k == kind]
        if not rows_of_kind:
            continue
        groups, pooled = _groups(vectors[rows_of_kind], max_clusters_per_kind)
        plan += [(kind, [rows_of_kind[j] for j in g], pooled and n == len(groups) - 1) for n, g in enumerate(groups)]
    keywords = _keywords([c.text for c in comments], [members for _, members, _ in plan])
    clusters = []
    for (kind, members, is_pool), words in zip(plan, keywords):
        centroid = vectors[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        quotes = _quotes(members, comments, vectors, centroid, quotes_per_cluster)
        label = f"more {_PLURAL[kind]}" if is_pool else ", ".join(words) or quotes[0]["text"][:60]
        clusters.append({
            "kind": kind, "label": label, "keywords": words, "count": len(members), "quotes": quotes,
            "comment_ids": [comments[i].comment_id for i in members],
            "relevance": round(float(idea_vec @ centroid), 4) if idea_vec is not None else None,
        })
    clusters.sort(key=lambda c: (KINDS.index(c["kind"]), -c["count"]))
    per_kind = dict.fromkeys(KINDS, 0)
    numbered = []
    for c in clusters:
        per_kind[c["kind"]] += 1
        numbered.append({"id": f"{c['kind']}-{per_kind[c['kind']]}", **c})
    related = sorted((c for c in numbered if c["relevance"] is not None and c["relevance"] >= RELATED),
                     key=lambda c: -c["relevance"])
    return {"total": len(comments), "by_kind": by_kind, "clusters": numbered, "related": [c["id"] for c in related]}


def knowledge_gaps(settings: Settings, creator: str, report: dict[str, Any], *,
                   threshold: float = GAP_SCORE) -> list[dict[str, Any]]:
    """Question clusters whose best matching passage in the creator's videos scores below threshold."""
    gaps = []
    for c in report["clusters"]:
        if c["kind"] != "question":
            continue
        quote_text = c["quotes"][0]["text"]
        query = _MENTIONS.sub("", quote_text).strip() or quote_text
        hits = corpus.search(settings, query, creator, k=1, mode="vector")
        best = hits[0] if hits else None
        score = round(float(best["score"]), 4) if best else None
        if score is None or score < threshold:
            gaps.append({"cluster_id": c["id"], "label": c["label"], "count": c["count"], "quote": quote_text,
                         "best_video_title": best["title"] if best else None, "best_score": score})
    return sorted(gaps, key=lambda g: -g["count"])


def lingering_confusions(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Confusion clusters with the video most of their comments were left under: what a video left unclear."""
    found = []
    for c in report["clusters"]:
        if c["kind"] != "confusion":
            continue
        titles = Counter(q["video_title"] for q in c["quotes"] if q.get("video_title"))
        found.append({"cluster_id": c["id"], "label": c["label"], "count": c["count"], "quote": c["quotes"][0]["text"],
                      "video_title": titles.most_common(1)[0][0] if titles else None})
    return sorted(found, key=lambda g: -g["count"])


def audience_report(settings: Settings, creator: str, idea: str | None = None) -> dict[str, Any]:
    """Comments loaded, clustered and checked for gaps, as one JSON-serialisable report."""
    found = corpus.get_creator(settings, creator)
    comments = load_comments(settings, found["slug"])
    report = {"creator": found["slug"], "idea": idea, **cluster_comments(comments, idea)}
    report["gaps"] = knowledge_gaps(settings, found["slug"], report)
    report["confusions"] = lingering_confusions(report)
    if not comments:
        report["note"] = (f"{found['name']} has no comments stored yet: ingest videos with --comments N, or add "
                          "an .info.json carrying comments next to each transcript.")
    return report


@job_kind("audience", AudienceParams)
def run_audience(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Cluster a creator's comments; the report is the job's result and, with a project, a new version on it."""
    from pipelines.evidence import projects

    ctx.progress(0.1, "Clustering comments")
    report = audience_report(ctx.settings, params["creator"], params.get("idea"))
    version = None
    if params.get("project"):
        project = projects.get_project(ctx.settings, params["project"])["id"]
        version = projects.save_result(ctx.settings, project, "audience", report, job_id=ctx.job_id)
    return {"report": report, "project": params.get("project"), "version": version}

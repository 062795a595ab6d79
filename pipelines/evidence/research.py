"""Research notes for a project: every point cites the source passages it came from.

Sources the user gives (URLs, files, pasted text) and, when configured, web search results
are stored and indexed; the passages closest to the topic (at least one per source) plus a
few from the creator's own videos go to the research LM. Citations are checked in code: a
point whose citations name no given passage is re-grounded to its closest passage when
that one clearly says the same thing, and dropped otherwise. When the model gives no usable
point at all, the source sentences closest to the topic stand in, marked as extracted, and the
job says so (partial); with no sentence to stand in either, it fails and saves nothing.
"""

from __future__ import annotations

from typing import Any

from pipelines import corpus
from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.injection import find_instructions
from pipelines.evidence.search import web_search
from pipelines.evidence.sources import (add_sources, best_match, cited_ids, list_sources, passages_block,
                                        search_sources)
from pipelines.job_params import ResearchParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.lm import lm_for_role, run_module
from pipelines.programs.evidence import NoteWriter
from pipelines.programs.registry import step as registered
from pipelines.settings import Settings
from pipelines.text import split_sentences
from pipelines.usable import SET_A_MODEL, usable_items, usable_text

N_PASSAGES = 8
N_CORPUS = 2
REGROUND_MIN = 0.6  # cosine to the closest sentence: a paraphrase scores ~0.7-0.9, another fact on the topic ~0.3-0.5
WEB_RESULTS = 3
N_EXTRACTED = 5


def gather_passages(settings: Settings, project: str, topic: str, creator: str | None,
                    n: int = N_PASSAGES, n_corpus: int = N_CORPUS) -> list[dict[str, Any]]:
    """The passages the notes are written from: the best chunk of every source, then the best
    of the rest, then a few passages from the creator's own videos."""
    picked: dict[str, dict[str, Any]] = {}
    for source in list_sources(settings, project):
        for hit in search_sources(settings, project, topic, k=1, source_id=source["id"]):
            picked.setdefault(hit["chunk_id"], hit)
    for hit in search_sources(settings, project, topic, k=n):
        if len(picked) >= n:
            break
        picked.setdefault(hit["chunk_id"], hit)
    passages = sorted(picked.values(), key=lambda h: -h["similarity"])
    if creator and n_corpus:
        for hit in corpus.search(settings, topic, creator, k=n_corpus):
            passages.append({"chunk_id": f"video-{hit['video_id']}@{int(hit['start_s'] or 0)}", "source_id": None,
                             "title": f"{hit['creator']}: {hit['title']} at {corpus.clock(hit['start_s'])}",
                             "uri": hit["link"], "kind": "corpus", "text": hit["text"], "flagged": False})
    return passages


def ground(items: list[Any], passages: list[dict[str, Any]], text_of) -> tuple[list[dict[str, Any]], list[str]]:
    """Each item with the passages it cites (checked, or re-grounded); items with none are dropped."""
    kept, dropped = [], []
    for item in items:
        text = text_of(item)
        if not usable_text(text):
            continue
        idx, how = cited_ids(item.cites, len(passages)), "cited"
        if not idx:
            sentences = [(i, s) for i, p in enumerate(passages) for s in split_sentences(p["text"])]
            best, sim = best_match(text, [s for _, s in sentences])
            idx, how = ([sentences[best][0]], "matched") if best >= 0 and sim >= REGROUND_MIN else ([], "")
        if not idx:
            dropped.append(text)
            continue
        cites = [{"chunk_id": passages[i]["chunk_id"], "title": passages[i]["title"], "uri": passages[i]["uri"],
                  "n": i + 1} for i in idx]
        kept.append({**item.model_dump(exclude={"cites"}), "cites": cites, "grounding": how})
    return kept, dropped


def extracted_points(topic: str, passages: list[dict[str, Any]], n: int = N_EXTRACTED) -> list[dict[str, Any]]:
    """When the model gives no usable point: the source sentences closest to the topic, each
    citing its passage (marked as extracted, so nobody mistakes them for the model's notes)."""
    sentences = [(i, s) for i, p in enumerate(passages) if p["kind"] != "corpus"
                 for s in split_sentences(p["text"])
                 if len(s.split()) >= 6 and s.endswith((".", "!", "?")) and not find_instructions(s)]
    if not sentences:
        return []
    vecs = embed([topic] + [s for _, s in sentences])
    order = (vecs[1:] @ vecs[0]).argsort()[::-1][:n]
    return [{"text": sentences[k][1], "grounding": "extracted",
             "cites": [{"chunk_id": passages[i]["chunk_id"], "title": passages[i]["title"], "uri": passages[i]["uri"],
                        "n": i + 1} for i in [sentences[k][0]]]} for k in sorted(order)]


@job_kind("research", ResearchParams)
def run_research(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add the given sources to the project, then write cited notes on its topic."""
    settings = ctx.settings
    project = projects.get_project(settings, params["project"])
    topic = (params.get("topic") or project["idea"] or project["working_title"]).strip()
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    writer = NoteWriter(selection.signature("research_notes"))

    specs = list(params.get("sources") or [])
    if params.get("web"):
        provider = web_search(settings)
        if provider is None:
            raise ScriptwrightError("Web search is off; set SCRIPTWRIGHT_WEB_SEARCH to a SearxNG URL, "
                                    "or give sources with --source.")
        ctx.progress(0.02, f"Searching the web with {provider.name}")
        specs += [h.url for h in provider.search(topic, WEB_RESULTS)]
    add_sources(settings, project["id"], specs, params.get("texts"), on_item=ctx.item,
                on_progress=lambda f, m: ctx.progress(0.05 + 0.4 * f, m))
    stored = list_sources(settings, project["id"])
    if specs or params.get("texts"):
        if not any(i["status"] != "failed" for i in ctx.items) and not stored:
            raise ScriptwrightError("None of the sources could be read: " +
                                    "; ".join(i["detail"] for i in ctx.items if i["status"] == "failed"))

    ctx.progress(0.5, "Finding the passages that matter")
    passages = gather_passages(settings, project["id"], topic,
                               project["creator"] if params.get("corpus", True) else None)
    if not passages:
        raise ScriptwrightError(f"Project {project['id']} has no sources yet; add some with --source URL|FILE "
                                "or --text.")
    lm = lm_for_role(settings, registered("research_notes").role)
    ctx.progress(0.6, f"Writing notes with {lm.model}")
    pred = run_module("Research notes", lm, writer, topic=topic, passages=passages_block(passages))

    ctx.progress(0.85, "Checking citations")
    key_points, dropped = ground(pred.key_points, passages, lambda n: n.text)
    numbers, dropped_numbers = ground(pred.numbers, passages, lambda n: n.text)
    definitions, dropped_defs = ground(pred.definitions, passages, lambda d: f"{d.term}: {d.meaning}")
    problems = []
    if not key_points:
        key_points = extracted_points(topic, passages)
        if not key_points:
            raise ScriptwrightError(f"Research notes: {lm.model} gave no usable point that cites a passage, and the "
                                    "sources have no sentence to stand in; nothing was saved. Write the notes again, "
                                    f"add other sources, or {SET_A_MODEL}.")
        problems.append(f"Research notes: no point from {lm.model} was usable and cited a passage; the "
                        f"{len(key_points)} source sentences closest to the topic stand in, marked extracted. Write "
                        f"the notes again, or {SET_A_MODEL}.")
    content = {
        "topic": topic,
        "key_points": key_points, "definitions": definitions, "numbers": numbers,
        "open_questions": usable_items(pred.open_questions),
        "dropped_uncited": dropped + dropped_numbers + dropped_defs,
        "passages": [{"n": i + 1, **{k: p[k] for k in ("chunk_id", "title", "uri", "kind", "text", "flagged")}}
                     for i, p in enumerate(passages)],
        "flags": [{"source": s["title"] or s["uri"], "uri": s["uri"], **f} for s in stored for f in s["flags"]],
        "problems": problems,
    }
    version = projects.save_result(settings, project["id"], "research", content, job_id=ctx.job_id,
                                   prompt_versions=selection.record, lm=lm.model)
    return partial({"project": project["id"], "version": version, "sources": len(stored),
                    "key_points": len(key_points), "definitions": len(definitions), "numbers": len(numbers),
                    "dropped_uncited": len(content["dropped_uncited"]), "flagged": len(content["flags"])}, problems)

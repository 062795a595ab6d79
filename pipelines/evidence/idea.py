"""Idea validation: fit with the creator's corpus, audience demand, competition, and a verdict.

Everything but the verdict is measured: similarity to past videos (title and best passage,
MiniLM cosine), the creator's comments that ask for the topic, competing videos from a
search provider when one is configured, and the audience questions never answered in a
video. The LM weighs those facts and proposes sharper angles.
"""

from __future__ import annotations

from typing import Any, get_args

from pipelines import corpus
from pipelines.embed import embed
from pipelines.evidence import audience, projects
from pipelines.evidence.injection import redact
from pipelines.evidence.search import video_search
from pipelines.job_params import IdeaParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.lm import lm_for_role, predict
from pipelines.settings import Settings
from pipelines.usable import SET_A_MODEL, usable_items

# Measured on the demo creators (MiniLM cosine, max of title and best passage):
# the same topic reworded 0.69-0.94, a neighbouring topic 0.40-0.46, another field 0.04-0.15.
REPEAT = 0.65
RELATED = 0.45
OFF_CHANNEL = 0.2
DEMAND_MIN = 0.45  # a comment at least this close to the idea asks about it
N_VIDEOS = 5
N_COMPETITORS = 8


def corpus_fit(settings: Settings, creator: str, idea: str) -> dict[str, Any]:
    """The creator's past videos closest to the idea, and what that says (repeat, related, new, off-channel)."""
    hits = corpus.search(settings, idea, creator, k=40, mode="vector")
    if not hits:
        return {"videos": [], "verdict": "no videos yet", "best": 0.0}
    titles = list(dict.fromkeys(h["title"] or "" for h in hits))
    vecs = embed([idea] + [h["text"] for h in hits] + titles)
    passage_sims = vecs[1:1 + len(hits)] @ vecs[0]
    title_sims = dict(zip(titles, (vecs[1 + len(hits):] @ vecs[0]).tolist()))
    best: dict[int, dict[str, Any]] = {}
    for h, sim in zip(hits, passage_sims.tolist()):
        row = best.setdefault(h["video_id"], {"video_id": h["video_id"], "title": h["title"], "passage": 0.0,
                                               "title_similarity": round(title_sims.get(h["title"] or "", 0.0), 3)})
        if sim > row["passage"]:
            row.update(passage=sim, link=h["link"], start_s=h["start_s"], excerpt=h["text"][:240])
    for row in best.values():
        row["passage"] = round(row["passage"], 3)
        row["similarity"] = round(max(row["passage"], row["title_similarity"]), 3)
    videos = sorted(best.values(), key=lambda r: -r["similarity"])[:N_VIDEOS]
    top = videos[0]["similarity"]
    verdict = ("already covered" if top >= REPEAT else "related to past videos" if top >= RELATED
               else "new for the channel" if top >= OFF_CHANNEL else "outside the channel's topics")
    return {"videos": videos, "verdict": verdict, "best": top}


def demand(comments: list[audience.Comment], idea: str, n_quotes: int = 5) -> dict[str, Any]:
    """The comments close to the idea: how many, how many ask for it, and the closest ones."""
    if not comments:
        return {"comments": 0, "matching": 0, "asking": 0, "quotes": []}
    vecs = embed([idea] + [c.text for c in comments])
    sims = vecs[1:] @ vecs[0]
    matching = sorted(((float(s), c) for s, c in zip(sims, comments) if s >= DEMAND_MIN), key=lambda t: -t[0])
    asking = [c for _, c in matching if audience.classify(c.text) in {"question", "request", "confusion"}]
    return {"comments": len(comments), "matching": len(matching), "asking": len(asking),
            "quotes": [{"text": c.text, "similarity": round(s, 3), "kind": audience.classify(c.text),
                        "video_title": c.video_title, "link": c.link, "likes": c.likes} for s, c in matching[:n_quotes]]}


def competition(settings: Settings, idea: str) -> dict[str, Any]:
    """Competing videos from the configured search provider; says so when none is configured."""
    provider = video_search(settings)
    if provider is None:
        return {"configured": False, "videos": [],
                "note": "No video search configured (SCRIPTWRIGHT_VIDEO_SEARCH=youtube or a SearxNG URL)."}
    hits = provider.search(idea, N_COMPETITORS)
    views = [h.views for h in hits if h.views is not None]
    return {"configured": True, "provider": provider.name, "videos": [h.as_dict() for h in hits],
            "count": len(hits), "top_views": max(views) if views else None}


def evidence_text(fit: dict[str, Any], wanted: dict[str, Any], rivals: dict[str, Any], gaps: list[dict]) -> str:
    """The measured facts, as the verdict step reads them (instructions in titles and comments withheld)."""
    lines = [f"Closest past videos ({fit['verdict']}):"]
    lines += [f"- {redact(v['title'])} (similarity {v['similarity']:.2f})" for v in fit["videos"][:3]] or ["- none"]
    lines.append(f"Audience: {wanted['matching']} of {wanted['comments']} comments are about this; "
                 f"{wanted['asking']} ask or request it.")
    lines += [f'- "{redact(q["text"])[:140]}"' for q in wanted["quotes"][:3]]
    if rivals["configured"]:
        lines.append(f"Competing videos found: {rivals['count']}" +
                     (f", most viewed {rivals['top_views']:,} views" if rivals.get("top_views") else ""))
        lines += [f"- {redact(v['title'])}" for v in rivals["videos"][:3]]
    else:
        lines.append("Competing videos: not searched.")
    if gaps:
        lines.append("Audience questions never answered in a video: " + "; ".join(g["label"] for g in gaps[:3]))
    return "\n".join(lines)


@job_kind("idea-validate", IdeaParams)
def run_idea_validation(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Measure fit, demand and competition, ask for a verdict, and store it on the project."""
    settings = ctx.settings
    idea = params["idea"].strip()
    project = projects.ensure_project(settings, params["creator"], params.get("title") or idea, idea)
    creator = corpus.get_creator(settings, project["creator"])
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    signature = selection.signature("idea_validation")

    ctx.progress(0.1, "Comparing with past videos")
    fit = corpus_fit(settings, creator["slug"], idea)
    ctx.progress(0.3, "Reading the audience's comments")
    report = audience.audience_report(settings, creator["slug"], idea)
    wanted = demand(audience.load_comments(settings, creator["slug"]), idea)
    ctx.progress(0.45, "Looking for competing videos")
    rivals = competition(settings, idea)

    lm = lm_for_role(settings, "research")
    ctx.progress(0.6, f"Weighing it with {lm.model}")
    about = f"{creator['name']}" + (f" — {creator['description']}" if creator.get("description") else "")
    gaps = report.get("gaps", [])
    inputs = {"creator": about, "idea": idea, "evidence": evidence_text(fit, wanted, rivals, gaps)}
    # reasons that only repeat the options ("make it", "sharpen it") or the idea explain nothing
    echoes = (*get_args(signature.output_fields["verdict"].annotation), idea)
    pred = predict("Idea validation", lm, signature, **inputs)
    if not usable_items(pred.reasons, echoes):
        ctx.progress(0.8, f"Asking {lm.model} again: its reasons were unusable")
        pred = predict("Idea validation", lm, signature, fresh=True, **inputs)
    reasons = usable_items(pred.reasons, echoes)
    problems = [] if reasons else [
        f"Idea check: the verdict from {lm.model} came with no usable reason (none, or only the options repeated), so "
        f"treat it as a guess; the measured fit, demand and competition stand. Validate again, or {SET_A_MODEL}."]
    content = {"idea": idea, "fit": fit, "demand": wanted, "competition": rivals, "knowledge_gaps": gaps,
               "related_clusters": [c for c in report.get("clusters", []) if c["id"] in report.get("related", [])],
               "verdict": pred.verdict, "reasons": reasons, "angles": usable_items(pred.angles, echoes)[:3],
               "problems": problems}
    version = projects.save_result(settings, project["id"], "idea", content, job_id=ctx.job_id,
                                   prompt_versions=selection.record, lm=lm.model)
    return partial({"project": project["id"], "version": version, "verdict": pred.verdict, "fit": fit["verdict"],
                    "best_similarity": fit["best"], "matching_comments": wanted["matching"]}, problems)


"""The walking skeleton of the main job: ingest the shipped demo corpus, search it, and ask
the writer LM to summarise each channel — storage, embedder, LM and jobs end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dspy
import yaml

from pipelines import corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.job_params import DemoParams, NoParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.lm import lm_for_role, user_facing_lm_errors
from pipelines.settings import Settings


def sample_creators(sample_dir: Path) -> list[dict[str, Any]]:
    """The demo creators described in data/sample/creators.yaml."""
    manifest = sample_dir / "creators.yaml"
    if not manifest.exists():
        raise ScriptwrightError(f"The demo corpus is missing: {manifest} not found.")
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
    return [e for e in entries if (sample_dir / e["slug"]).is_dir()]


def ingest_params(sample_dir: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Params of the ingest job for one demo creator (titles and dates from the manifest)."""
    return {
        "creator": entry["name"],
        "handle": entry.get("handle"),
        "channel_url": entry.get("channel_url"),
        "description": entry.get("description"),
        "sources": [str(sample_dir / entry["slug"])],
        "lang": "en",
        "overrides": {stem: {"title": meta.get("title"), "published_at": str(meta.get("published_at") or "") or None}
                      for stem, meta in (entry.get("videos") or {}).items()},
    }


# How much of seeding's progress bar the ingests fill; measuring the DNA fills the rest. On 2 busy
# cores the three demo ingests took 62 s and measuring their DNA 12 s (3.5-4.5 s per creator).
INGEST_SHARE = 0.85


def _run_child(settings: Settings, ctx: JobContext | None, kind: str, params: dict[str, Any],
               span: tuple[float, float], doing: str) -> dict[str, Any]:
    """Run a child job of `ctx` (when there is one) whose progress fills `span` of the parent's; returns its result."""
    child, _ = jobs.create(settings, kind, params, initiating_job_id=ctx.job_id if ctx else None)

    def forward(fraction: float, message: str) -> None:
        if ctx:
            ctx.progress(span[0] + (span[1] - span[0]) * fraction, f"{doing}: {message}")

    done = jobs.run(settings, child, forward)
    if done["status"] != "succeeded":
        raise ScriptwrightError(f"{doing} failed: {done['error']}")
    return done["result"]


def load_sample(settings: Settings, ctx: JobContext | None = None, share: float = 1.0) -> list[dict[str, Any]]:
    """Ingest every demo creator, then build the measured part of each one's Creator DNA (no LM, so
    seeding stays fast), each as a child job; returns the ingest jobs' results."""
    entries = sample_creators(settings.sample_dir)
    n = len(entries)
    ingested = [_run_child(settings, ctx, "ingest", ingest_params(settings.sample_dir, entry),
                           (share * INGEST_SHARE * i / n, share * INGEST_SHARE * (i + 1) / n),
                           f"Ingesting demo creator {entry['name']}") for i, entry in enumerate(entries)]
    dna_share = share * (1 - INGEST_SHARE)
    for i, (entry, result) in enumerate(zip(entries, ingested)):
        _run_child(settings, ctx, "dna-build", {"creator": result["creator"], "part": "measured"},
                   (share * INGEST_SHARE + dna_share * i / n, share * INGEST_SHARE + dna_share * (i + 1) / n),
                   f"Measuring the Creator DNA of demo creator {entry['name']}")
    return ingested


def sample_needed(settings: Settings) -> bool:
    """A fresh workspace (no creators yet) gets the demo creators, as `make app` promises."""
    return not corpus.list_creators(settings)


@job_kind("load-sample", NoParams)
def run_load_sample(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"creators": load_sample(ctx.settings, ctx)}


# Where the demo's progress bar hands over from the draft to the publish kit.
PUBLISH_FROM = 0.8
DEMO_DRAFT = {"creator": "pip-halloran", "idea": "Monty Hall with a hundred doors",
              "source": "sources/monty-hall-notes.md"}


@job_kind("demo", DemoParams)
def run_demo(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Ingest the demo corpus; per creator a corpus search and an LM channel summary; then a
    whole draft (research, outline, hooks, script, checks) for Pip from the demo source, and its
    publish kit as a child job (when the script has a sentence to make it from)."""
    from pipelines.drafting import drafts
    from pipelines.drafting.steps import run_draft
    from pipelines.usable import has_script
    from pipelines.programs.channel_summary import summarize_channel, usable_summary

    settings = ctx.settings
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    selection.signature("channel_summary")  # a broken prompt stops the job before any work
    ingested = load_sample(settings, ctx, share=0.5)
    writer = lm_for_role(settings, "writer")
    summaries = []
    for i, result in enumerate(ingested):
        creator = corpus.get_creator(settings, result["creator"])
        ctx.progress(0.5 + 0.1 * i / len(ingested), f"Summarising {creator['name']} with {writer.model}")
        hits = corpus.search(settings, params.get("query") or "how does this work", creator["slug"], k=4)
        with user_facing_lm_errors("Channel summary", writer.model), \
                dspy.context(lm=writer, adapter=dspy.JSONAdapter()):
            pred = summarize_channel(selection, creator["name"], [h["text"] for h in hits])
        summaries.append({
            "creator": creator["name"], "videos": result["added"] + result["updated"] + result["unchanged"],
            "words": result["words"], "top_passage": hits[0]["title"] if hits else None,
            **usable_summary(list(pred.topics), pred.pitch, creator["name"], [h["text"] for h in hits]),
        })
    drafted = run_draft(ctx.part(0.6, PUBLISH_FROM), {"creator": DEMO_DRAFT["creator"], "idea": DEMO_DRAFT["idea"],
                                                      "sources": [str(settings.sample_dir / DEMO_DRAFT["source"])],
                                                      "tag": params.get("tag"), "prompts": params.get("prompts")})
    problems, published = list(drafted.get("problems", [])), None
    if has_script(drafts.get(settings, drafted["project"])["content"]):
        published = _run_child(settings, ctx, "publish", {"project": drafted["project"], "tag": params.get("tag"),
                                                          "prompts": params.get("prompts")},
                               (PUBLISH_FROM, 1.0), "Making the publish kit")
        problems += published.get("problems", [])
    return partial({"lm": writer.model, "prompts": selection.record, "creators": summaries, "draft": drafted,
                    "publish": published}, problems)

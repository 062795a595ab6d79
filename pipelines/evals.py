"""Evaluating and compiling programs against a creator's own transcripts.

An eval set is built once per creator, program and seed from the creator's videos and
split **by video** into train/dev/test (the video ids are stored, so a split is
reproducible). For the script program an example is one video's opening passage: inputs
are its title, its key points (the passage's most central sentences, extracted once and
stored) and its length; the label is the real passage. For the title program an example is
one video's key points and opening, and the label its real title (drafting/titles.py). For the
hook program the inputs are a video's title and key points and the label its real opening
(drafting/openings.py); for the outline program, its title and central sentences as notes, and
the label its segments found by topic shift over its chunks (drafting/structure.py).
Variants are pipeline tags (`stable`, `experimental`), a prompt version (`prompt:v2`) or a
compiled program (`compiled:latest`, `compiled:v3`). Runs store one result per example with
the metric's parts; an identical re-run is answered by the LM cache and reports zero LM
calls. Wizard feedback on script sections can join a set's train split (never dev or test).
With SCRIPTWRIGHT_MLFLOW_URI set, eval and optimize jobs trace their DSPy calls to MLflow.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dspy
import numpy as np

from pipelines import compiled, corpus
from pipelines.compare import compare_scores
from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.evidence.injection import redact
from pipelines.ingest.model import titled
from pipelines.job_params import EvalRunParams, OptimizeParams
from pipelines.jobs import JobContext, job_kind
from pipelines.lm import lm_for_role
from pipelines.metrics import HookMetric, OutlineMetric, ScriptMetric, TitleMetric
from pipelines.programs import registry
from pipelines.prompts import PromptService
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction
from pipelines.text import split_sentences
from pipelines.voice.documents import load_documents

PASSAGE_WORDS = 220
N_POINTS = 3
MIN_VIDEOS = 5
OPTIMIZERS = ("bootstrap", "random-search", "mipro", "gepa")
# The fewest training examples each optimizer works with, checked before any LM call. Every
# optimizer here fills 2 demo slots; random-search and MIPROv2 also need examples left out of a
# candidate's demos for the candidates to differ (4); GEPA reflects on minibatches of 3.
MIN_TRAIN = {"bootstrap": 2, "random-search": 4, "mipro": 4, "gepa": 3}


# ---------------------------------------------------------------- eval sets

def _centrality(sentences: list[str]) -> np.ndarray:
    """Each sentence's mean cosine similarity to all of them (the embedder's vectors are unit length)."""
    vecs = embed(sentences)
    return (vecs @ vecs.T).mean(axis=1)


def key_points(text: str, n: int = N_POINTS, max_words: int = 30) -> list[str]:
    """The n most central sentences of a passage (mean similarity to the others), in text order."""
    sentences = [s for s in split_sentences(text) if len(s.split()) >= 4]
    if len(sentences) <= n:
        return [" ".join(s.split()[:max_words]) for s in sentences]
    centrality = _centrality(sentences)
    picked = sorted(sorted(range(len(sentences)), key=lambda i: -centrality[i])[:n])
    return [" ".join(sentences[i].split()[:max_words]) for i in picked]


QUESTION_BONUS = 0.05
# words a sentence that stands alone does not open on: ones pointing back to what came before, and fillers
_NOT_AN_OPENING = re.compile(r"(?:and|but|or|it|its|it's|they|them|their|this|that|these|those|he|she|which|oh|yeah"
                             r"|well|okay|ok|um|uh)\b", re.I)


def idea_of(title: str | None, text: str) -> str:
    """What an eval example built from a video asks for: the video's title, or, for a video known only by its
    id ("Untitled video (id)" would ask a program for nothing), a sentence of its own that can stand alone
    (6-25 words, not opening on a filler or a word that points back): the one closest to the whole video, a question
    ahead of a statement by QUESTION_BONUS (a video often says its topic as the question it answers)."""
    if titled(title):
        return str(title)
    alone = [s for s in split_sentences(text) if 6 <= len(s.split()) <= 25 and not _NOT_AN_OPENING.match(s)]
    if not alone:
        return " ".join(text.split()[:20])
    closeness = _centrality(alone) + np.array([QUESTION_BONUS * s.endswith("?") for s in alone])
    return alone[int(closeness.argmax())]


def split_videos(video_ids: list[str], seed: int) -> dict[str, list[str]]:
    """Train/dev/test by video: 60/20/20 with at least one video in dev and test."""
    ids = sorted(video_ids)
    random.Random(seed).shuffle(ids)
    n_test = max(1, round(0.2 * len(ids)))
    n_dev = max(1, round(0.2 * len(ids)))
    return {"test": sorted(ids[:n_test]), "dev": sorted(ids[n_test:n_test + n_dev]),
            "train": sorted(ids[n_test + n_dev:])}


def build_eval_set(settings: Settings, creator: str, program: str = "script", seed: int = 0) -> dict[str, Any]:
    """The creator's eval set for a program (stored once; the same corpus and seed return the same set)."""
    registry.program(program)
    c = corpus.get_creator(settings, creator)
    if program == "assistant":
        from pipelines.assistant.tasks import build_tasks

        tasks = [{**t, "split": "test"} for t in build_tasks(settings, c["slug"])]
        splits = {"train": [], "dev": [], "test": [t["id"] for t in tasks]}
        return _stored_eval_set(settings, c, program, seed, splits, tasks)
    from pipelines.drafting.titles import title_eval_examples

    docs = [d for d in load_documents(settings, [c["slug"]]) if d.n_words >= 80
            and (program != "title" or titled(d.title))]
    if len(docs) < MIN_VIDEOS:
        which = "titled videos" if program == "title" else "videos"
        raise ScriptwrightError(f"{c['name']} has {len(docs)} {which} with transcripts; an eval set split by video "
                                f"needs at least {MIN_VIDEOS}.")
    # a title set also changes when a video is retitled
    digest = hashlib.sha256(json.dumps([(d.video_id, hashlib.sha256(d.text.encode()).hexdigest(),
                                         *([d.title] if program == "title" else [])) for d in docs])
                            .encode()).hexdigest()[:10]
    found = get_eval_set(settings, f"{c['slug']}-{program}-s{seed}-{digest}", missing_ok=True)
    if found:
        return found
    splits = split_videos([d.video_id for d in docs], seed)
    if program == "title":
        return _stored_eval_set(settings, c, program, seed, splits, title_eval_examples(docs, splits), digest)
    if program == "hook":
        from pipelines.drafting.openings import hook_eval_examples

        return _stored_eval_set(settings, c, program, seed, splits, hook_eval_examples(docs, splits), digest)
    if program == "outline":
        from pipelines.drafting.structure import outline_eval_examples

        return _stored_eval_set(settings, c, program, seed, splits, outline_eval_examples(settings, docs, splits),
                                digest)
    where = {vid: name for name, ids in splits.items() for vid in ids}
    examples = []
    for d in docs:
        passage = " ".join(d.text.split()[:PASSAGE_WORDS])
        examples.append({"id": d.video_id, "split": where[d.video_id], "title": idea_of(d.title, d.text),
                         "key_points": key_points(passage), "target_words": len(passage.split()),
                         "reference": passage})
    return _stored_eval_set(settings, c, program, seed, splits, examples, digest)


def _stored_eval_set(settings: Settings, c: dict[str, Any], program: str, seed: int, splits: dict[str, list[str]],
                     items: list[dict[str, Any]], digest: str | None = None) -> dict[str, Any]:
    """The eval set with these examples, stored once under an id naming the creator, program, seed and data."""
    digest = digest or hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:10]
    set_id = f"{c['slug']}-{program}-s{seed}-{digest}"
    if get_eval_set(settings, set_id, missing_ok=True) is None:
        with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
            conn.execute("INSERT INTO eval_sets (id, creator_id, program, seed, splits, examples)"
                         " VALUES (?, ?, ?, ?, ?, ?)", [set_id, c["id"], program, seed, json.dumps(splits),
                                                        json.dumps(items)])
    return get_eval_set(settings, set_id)


def get_eval_set(settings: Settings, set_id: str, missing_ok: bool = False) -> dict[str, Any] | None:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT e.*, c.slug AS creator, c.name AS creator_name FROM eval_sets e"
                           " JOIN creators c ON c.id = e.creator_id WHERE e.id = ?", [set_id])
    if not found:
        if missing_ok:
            return None
        raise ScriptwrightError(f"No eval set '{set_id}'.")
    row = found[0]
    row["splits"], row["examples"] = json.loads(row["splits"]), json.loads(row["examples"])
    return row


def split_summary(eval_set: dict[str, Any]) -> str:
    """What each split holds, e.g. 'train 5 videos + 2 from feedback, dev 1 video, test 1 video'."""
    parts = []
    for name in ("train", "dev", "test"):
        held = [e for e in eval_set["examples"] if e["split"] == name]
        feedback = sum(1 for e in held if e.get("source") == "feedback")
        videos = len(held) - feedback
        parts.append(f"{name} {videos} video{'' if videos == 1 else 's'}"
                     + (f" + {feedback} from feedback" if feedback else ""))
    return ", ".join(parts)


def examples(eval_set: dict[str, Any], split: str, voice: str) -> list[dspy.Example]:
    """One split as DSPy examples; `sentences` (the real passage) serves as a labelled demo when compiling.

    What reaches a prompt (title, key points, demo sentences) has instruction-like text withheld;
    `reference`, which only the metrics read, stays as the creator said it."""
    if split not in ("train", "dev", "test"):
        raise ScriptwrightError(f"Split '{split}': expected train, dev or test.")
    out = []
    for e in eval_set["examples"]:
        if e["split"] == split:
            out.append(dspy.Example(
                creator=eval_set["creator_name"], voice=voice, title=redact(e["title"]),
                key_points=[redact(k) for k in e["key_points"]], target_words=e["target_words"],
                reference=e["reference"], creator_slug=eval_set["creator"],
                sentences=split_sentences(redact(e["reference"])), example_id=e["id"],
            ).with_inputs("creator", "voice", "title", "key_points", "target_words"))
    return out


def add_feedback_examples(settings: Settings, creator: str, project: str | None = None,
                          seed: int = 0) -> dict[str, Any]:
    """Wizard feedback on script sections as training examples of the creator's script eval set.

    An example's inputs come from the draft as the wizard would give them to the script writer
    (the section's title, its beats plus the closest research notes, its length); its reference is
    the creator's own text for the section (see drafts.feedback_examples). They only ever join the
    train split, so dev and test stay the creator's real videos; they are stored in the eval set
    under their feedback id, so adding the same feedback again changes nothing.
    """
    from pipelines.drafting import drafts
    from pipelines.drafting.content import OutlineSection
    from pipelines.drafting.steps import note_items, section_key_points
    from pipelines.evidence import projects

    eval_set = build_eval_set(settings, creator, "script", seed)
    have = {e["id"] for e in eval_set["examples"]}
    notes: dict[str, list[dict[str, Any]]] = {}
    new, skipped = [], 0
    for fb in drafts.feedback_examples(settings, project):
        example_id = f"feedback-{fb['feedback_id']}"
        if fb["program"] != "script" or fb["creator"] != eval_set["creator"] or example_id in have:
            continue
        plan = fb["inputs"].get("plan")
        if not fb.get("reference") or not plan:
            skipped += 1
            continue
        if fb["project"] not in notes:
            research = projects.result(settings, fb["project"], "research")
            notes[fb["project"]] = note_items(research["content"] if research else None)
        new.append({"id": example_id, "split": "train", "source": "feedback", "project": fb["project"],
                    "version": fb["version"], "section": fb["target"], "title": plan["title"],
                    "key_points": section_key_points(OutlineSection.model_validate(plan), notes[fb["project"]])[0], "target_words": plan["words"],
                    "reference": fb["reference"]})
    if new:
        with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
            splits_json, examples_json = conn.execute("SELECT splits, examples FROM eval_sets WHERE id = ?",
                                                      [eval_set["id"]]).fetchone()
            splits, stored = json.loads(splits_json), json.loads(examples_json)
            fresh = [e for e in new if e["id"] not in {x["id"] for x in stored}]
            splits["train"] = sorted(splits["train"] + [e["id"] for e in fresh])
            conn.execute("UPDATE eval_sets SET splits = ?, examples = ? WHERE id = ?",
                         [json.dumps(splits), json.dumps(stored + fresh), eval_set["id"]])
    eval_set = get_eval_set(settings, eval_set["id"])
    train = [e for e in eval_set["examples"] if e["split"] == "train"]
    return {"eval_set": eval_set["id"], "added": len(new), "skipped": skipped, "train": len(train),
            "from_feedback": sum(1 for e in train if e.get("source") == "feedback")}


# ---------------------------------------------------------------- variants

def load_variant(settings: Settings, program: str, creator: str, variant: str) -> tuple[dspy.Module, dict, str | None]:
    """The program for a variant, the prompt versions it carries, and the compiled program id if any.

    A tag that points the program's step at a compiled program gives the creator's compiled
    program, or the default prompt version when the creator has none (the record says which).
    """
    step = registry.program(program)
    if variant.startswith("compiled:"):
        found = compiled.load(settings, program, creator, variant)
        return found.module, {step.name: found.record()}, found.id
    service = PromptService(settings)
    if variant.startswith("prompt:"):
        selection = service.select(None, {step.name: variant.split(":", 1)[1]})
    else:
        selection = service.select(variant)
    signature = selection.signature(step.name)
    found = selection.compiled(step.name, creator)
    if found:
        return found.module, selection.record, found.id
    return step.module(signature), selection.record, None


def trace_with_mlflow(settings: Settings, experiment: str) -> None:
    """When SCRIPTWRIGHT_MLFLOW_URI is set, trace the DSPy calls of this run to that MLflow server.
    mlflow is an optional extra, so a missing install is one clear error before any LM call."""
    if not settings.mlflow_uri:
        return
    try:
        import mlflow
        import mlflow.dspy
    except ImportError as exc:
        raise ScriptwrightError("SCRIPTWRIGHT_MLFLOW_URI is set but mlflow is not installed: run `pip install mlflow` "
                                "in Scriptwright's environment, or unset SCRIPTWRIGHT_MLFLOW_URI.") from exc
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_experiment(experiment)
    mlflow.dspy.autolog()


def _voice_model(settings: Settings) -> Any:
    """The validated voice scorer's model, or None when there is none (voice then goes unscored)."""
    from pipelines.voice import scorer

    try:
        return scorer.current_model(settings)
    except ScriptwrightError:
        return None


def _metric(settings: Settings, creator: str) -> ScriptMetric:
    from pipelines.voice.dna import latest

    model = _voice_model(settings)
    snap = latest(settings, creator)
    medians = {creator: {k: v.get("median") for k, v in snap["features"].items() if isinstance(v, dict)}} if snap else {}
    return ScriptMetric(voice_model=model, creator_medians=medians)


def _ledger(settings: Settings, job_id: str) -> tuple[int, int, float]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        calls, cached, cost = conn.execute(
            "SELECT count(*) FILTER (WHERE NOT coalesce(cache_hit, false)), count(*) FILTER (WHERE cache_hit),"
            " coalesce(sum(cost_usd), 0) FROM lm_calls WHERE job_id = ?", [job_id]).fetchone()
    return int(calls), int(cached), float(cost)


# ---------------------------------------------------------------- runs

def program_examples(settings: Settings, eval_set: dict[str, Any], split: str) -> list[dspy.Example]:
    """One split of a program's eval set as DSPy examples, with the inputs the wizard would give."""
    from pipelines.drafting.steps import voice_brief

    program, creator = eval_set["program"], eval_set["creator"]
    if program == "title":
        from pipelines.drafting.titles import title_examples

        return title_examples(eval_set, split)
    if program == "hook":
        from pipelines.drafting.openings import hook_examples

        return hook_examples(eval_set, split, voice_brief(settings, creator))
    if program == "outline":
        from pipelines.drafting.frameworks import catalogue, load_frameworks
        from pipelines.drafting.structure import outline_examples

        return outline_examples(eval_set, split, catalogue(load_frameworks(settings)))
    return examples(eval_set, split, voice_brief(settings, creator))


Metric = ScriptMetric | TitleMetric | HookMetric | OutlineMetric


def program_metric(settings: Settings, program: str, creator: str) -> Metric:
    """The metric a program's runs and compiles are scored with."""
    if program == "title":
        return TitleMetric()
    if program == "hook":
        return HookMetric(_voice_model(settings))
    if program == "outline":
        return OutlineMetric()
    return _metric(settings, creator)


def shown_output(program: str, pred: dspy.Prediction) -> str:
    """What a run stores as an example's output: the text, or an outline's sections one per line."""
    if program == "outline":
        return "\n".join(f"{s.get('title', '')}: {s.get('goal', '')} [{'; '.join(map(str, s.get('beats') or []))}]"
                         for s in pred.sections) or "(no sections)"
    return pred.get(program)  # script, title and hook predictions name their text after the program


def _program_results(ctx: JobContext, eval_set: dict[str, Any], variant: str,
                     split: str) -> tuple[list, dict, str | None, str, str]:
    """A compilable program on one split: (results, prompt versions, compiled id, LM, metric id)."""
    settings, program, creator = ctx.settings, eval_set["program"], eval_set["creator"]
    step = registry.program(program)
    module, prompt_versions, compiled_id = load_variant(settings, program, creator, variant)
    trace_with_mlflow(settings, f"scriptwright-eval-{program}")
    items = program_examples(settings, eval_set, split)
    metric = program_metric(settings, program, creator)
    lm = lm_for_role(settings, step.role)
    results = []
    for i, ex in enumerate(items):
        ctx.progress(i / max(1, len(items)), f"{variant}: example {i + 1} of {len(items)}")
        try:
            with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
                pred = module(**ex.inputs())
            details, error, output = metric.details(ex, pred), None, shown_output(program, pred)
        except Exception as exc:  # noqa: BLE001 - a failed example scores 0 and the run goes on, with the reason kept
            details, error, output = {"score": 0.0}, f"{type(exc).__name__}: {str(exc)[:300]}", None
        results.append((ex.example_id, details, output, error))
    return results, prompt_versions, compiled_id, lm.model, step.metric


def _assistant_results(ctx: JobContext, eval_set: dict[str, Any], variant: str, split: str) -> tuple[list, dict, None, str, str]:
    """The assistant on its tasks, in the creator's scratch project: tool use and outcome per task."""
    from pipelines.assistant import agent
    from pipelines.assistant.tasks import eval_project, run_task

    settings, creator = ctx.settings, eval_set["creator"]
    if variant.startswith("compiled:"):
        raise ScriptwrightError("The assistant has no compiled programs; evaluate a tag or prompt:VERSION.")
    service = PromptService(settings)
    selection = (service.select(None, {"assistant": variant.split(":", 1)[1]}) if variant.startswith("prompt:")
                 else service.select(variant))
    trace_with_mlflow(settings, "scriptwright-eval-assistant")
    project = eval_project(settings, creator)
    lm = lm_for_role(settings, "research")
    assistant = agent.build(settings, creator, project, selection, lm.model)
    tasks = [e for e in eval_set["examples"] if e["split"] == split]
    results = []
    for i, task in enumerate(tasks):
        ctx.progress(i / max(1, len(tasks)), f"{variant}: task {i + 1} of {len(tasks)}")
        try:
            with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
                details, output = run_task(settings, assistant, task, project)
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed task scores 0 and the run goes on, with the reason kept
            details, error, output = {"score": 0.0}, f"{type(exc).__name__}: {str(exc)[:300]}", None
        results.append((task["id"], details, output, error))
    return results, selection.record, None, lm.model, registry.program("assistant").metric


@job_kind("eval-run", EvalRunParams)
def run_eval(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run one variant on one split of the creator's eval set; one stored result per example."""
    settings = ctx.settings
    program, creator, variant = params.get("program", "script"), params["creator"], params["variant"]
    split = params.get("split", "test")
    eval_set = build_eval_set(settings, creator, program, int(params.get("seed", 0)))
    collect = _assistant_results if program == "assistant" else _program_results
    results, prompt_versions, compiled_id, model, metric_name = collect(ctx, eval_set, variant, split)
    calls, cached, cost = _ledger(settings, ctx.job_id)
    run_id = uuid.uuid4().hex[:12]
    mean = sum(d["score"] for _, d, _, _ in results) / max(1, len(results))
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute(
            "INSERT INTO eval_runs (id, eval_set_id, program, variant, split, prompt_versions, compiled_id, lm, metric,"
            " mean, lm_calls, cached_calls, cost_usd, job_id, started_at, finished_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " coalesce((SELECT started_at FROM jobs WHERE id = ?), now()::TIMESTAMP), now()::TIMESTAMP)",
            [run_id, eval_set["id"], program, variant, split, json.dumps(prompt_versions), compiled_id, model,
             metric_name, mean, calls, cached, cost, ctx.job_id, ctx.job_id])
        conn.executemany("INSERT INTO eval_results VALUES (?, ?, ?, ?, ?, ?)",
                         [[run_id, ex_id, d["score"], json.dumps(d, default=str), out, err]
                          for ex_id, d, out, err in results])
    return {"run_id": run_id, "variant": variant, "split": split, "eval_set": eval_set["id"], "n": len(results),
            "mean": round(mean, 4), "lm_calls": calls, "cached_calls": cached, "cost_usd": cost,
            "errors": sum(1 for r in results if r[3])}


def get_run(settings: Settings, run_id: str) -> dict[str, Any]:
    """An eval run with its results, by id or by the start of one (like a short git hash)."""
    run_id = run_id.strip()
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM eval_runs WHERE starts_with(id, ?) ORDER BY id", [run_id]) if run_id else []
        exact = [r for r in found if r["id"] == run_id]
        if not found:
            raise ScriptwrightError(f"No eval run '{run_id}'. See `scriptwright eval list`.")
        if len(found) > 1 and not exact:
            raise ScriptwrightError(f"'{run_id}' is the start of {len(found)} eval runs "
                                    f"({', '.join(r['id'] for r in found[:5])}); give more of the id.")
        found = exact or found
        results = rows(conn, "SELECT * FROM eval_results WHERE run_id = ? ORDER BY example_id", [found[0]["id"]])
    run = found[0]
    run["results"] = [{**r, "subscores": json.loads(r["subscores"]) if r["subscores"] else {}} for r in results]
    return run


def list_runs(settings: Settings, limit: int = 50) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT id, eval_set_id, program, variant, split, mean, lm_calls, cached_calls, cost_usd,"
                          " lm, started_at, date_diff('second', started_at, finished_at) AS seconds"
                          " FROM eval_runs ORDER BY started_at DESC LIMIT ?", [limit])


def compare_runs(settings: Settings, run_a: str, run_b: str) -> dict[str, Any]:
    """B against A on the examples both scored: mean difference with a paired bootstrap CI, W/T/L, regressions."""
    a, b = get_run(settings, run_a), get_run(settings, run_b)
    if a["eval_set_id"] != b["eval_set_id"] or a["split"] != b["split"]:
        raise ScriptwrightError(f"Runs {run_a} and {run_b} are on different eval sets or splits; compare like with "
                                "like.")
    sa = {r["example_id"]: r["score"] for r in a["results"]}
    sb = {r["example_id"]: r["score"] for r in b["results"]}
    ids = sorted(set(sa) & set(sb))
    return {"a": {k: a[k] for k in ("id", "variant", "mean")}, "b": {k: b[k] for k in ("id", "variant", "mean")},
            **compare_scores(ids, [sa[i] for i in ids], [sb[i] for i in ids])}


# ---------------------------------------------------------------- compiling

def estimate_cost(settings: Settings, n_calls: int, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """Calls × tokens × the provider's price where litellm knows it; the local model is free."""
    from pipelines.settings import EMBEDDED_LM

    model = settings.lm_for("writer")
    if model == EMBEDDED_LM:
        return {"model": model, "calls": n_calls, "usd": 0.0, "note": "free: the embedded local model"}
    import litellm

    price = litellm.model_cost.get(model) or litellm.model_cost.get(model.split("/", 1)[-1]) or {}
    if not price:
        return {"model": model, "calls": n_calls, "usd": None, "note": "price unknown to litellm"}
    usd = n_calls * (prompt_tokens * price.get("input_cost_per_token", 0) +
                     completion_tokens * price.get("output_cost_per_token", 0))
    return {"model": model, "calls": n_calls, "usd": round(usd, 4), "note": "estimate"}


def optimize_calls(eval_set: dict[str, Any], optimizer: str, budget: int) -> int:
    """At most how many program calls compiling makes, then scoring on dev (the estimate shown before a
    compile). bootstrap runs the program once per train video until two demos pass, then once per dev
    video: on CrashCourse Astronomy (12 train, 4 dev) it made 16 calls where train x (budget + 2) said 72.
    random-search does that for each of budget + 3 candidates and scores each on train; gepa spends
    budget x 10 metric calls (its reflection model's calls come on top); mipro (auto "light") is a rough
    guess."""
    n_train = sum(1 for e in eval_set["examples"] if e["split"] == "train")
    n_dev = sum(1 for e in eval_set["examples"] if e["split"] == "dev")
    per_optimizer = {"bootstrap": n_train, "random-search": (budget + 3) * 2 * n_train,
                     "gepa": budget * 10, "mipro": n_train * (budget + 2)}
    return per_optimizer.get(optimizer, n_train * (budget + 2)) + n_dev


def check_trainset(eval_set: dict[str, Any], optimizer: str) -> int:
    """The number of training examples, or one clear error naming the optimizer's minimum."""
    if optimizer not in OPTIMIZERS:
        raise ScriptwrightError(f"Unknown optimizer '{optimizer}'; choose one of {', '.join(OPTIMIZERS)}.")
    n = sum(1 for e in eval_set["examples"] if e["split"] == "train")
    if n < MIN_TRAIN[optimizer]:
        raise ScriptwrightError(f"{optimizer} needs at least {MIN_TRAIN[optimizer]} training examples; "
                                f"{eval_set['creator_name']}'s eval set has {n}. Ingest more videos, or add wizard "
                                f"feedback to the train split (`scriptwright eval add-feedback --creator "
                                f"{eval_set['creator']}`).")
    return n


def optimizer_for(name: str, metric: Metric, budget: int, settings: Settings):
    from dspy.teleprompt import BootstrapFewShot, BootstrapFewShotWithRandomSearch, MIPROv2

    if name == "bootstrap":
        return BootstrapFewShot(metric=metric, max_bootstrapped_demos=min(2, budget), max_labeled_demos=2)
    if name == "random-search":
        return BootstrapFewShotWithRandomSearch(metric=metric, max_bootstrapped_demos=2, max_labeled_demos=2,
                                                num_candidate_programs=budget)
    if name == "mipro":
        try:
            import optuna  # noqa: F401 - MIPROv2's search needs it only once it runs
        except ImportError as exc:
            raise ScriptwrightError("mipro needs optuna, which is not installed: run `pip install optuna` in "
                                    "Scriptwright's environment, or choose another optimizer.") from exc
        return MIPROv2(metric=metric, auto="light", max_bootstrapped_demos=2, max_labeled_demos=2)
    if name == "gepa":
        from pipelines.metrics import gepa_metric

        return dspy.GEPA(metric=gepa_metric(metric), max_metric_calls=budget * 10,
                         reflection_lm=lm_for_role(settings, "judge"))
    raise ScriptwrightError(f"Unknown optimizer '{name}'; choose one of {', '.join(OPTIMIZERS)}.")


class _FailedExamples(logging.Filter):
    """DSPy's bootstrap logs each example it could not run as one ERROR line holding the whole example
    (a screenful of notes in a terminal): kept out of the log and recorded as an item of the job instead,
    the example's id and the reason's first line."""

    REASON = re.compile(r" with <[^>]*> due to (.*)", re.S)
    ID = re.compile(r"'example_id': '([^']*)'")

    def __init__(self, ctx: JobContext) -> None:
        super().__init__()
        self.ctx = ctx

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("Failed to run or to evaluate example"):
            return True
        found_id, reason = self.ID.search(message), self.REASON.search(message)
        why = (reason.group(1) if reason else message).strip().splitlines()[0]
        self.ctx.item(f"example {found_id.group(1) if found_id else '?'}", "failed", why[:300])
        return False


@contextmanager
def failed_examples_as_items(ctx: JobContext) -> Iterator[None]:
    """While compiling, DSPy's per-example failures become the job's failed items (see _FailedExamples)."""
    logger, keep = logging.getLogger("dspy.teleprompt.bootstrap"), _FailedExamples(ctx)
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


@job_kind("optimize", OptimizeParams)
def run_optimize(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Compile the program on the train split, score it on dev, save it with its metadata."""
    settings = ctx.settings
    program, creator = params.get("program", "script"), params["creator"]
    name, budget, tag = params.get("optimizer", "bootstrap"), int(params.get("budget") or 4), params.get("tag") or settings.pipeline_tag
    compilable = registry.compilable()
    if program not in compilable:
        registry.program(program)
        raise ScriptwrightError(f"The {program} program is evaluated, not compiled; compilable programs: "
                                f"{', '.join(compilable)}.")
    step = compilable[program]
    eval_set = build_eval_set(settings, creator, program, int(params.get("seed", 0)))
    check_trainset(eval_set, name)
    selection = ctx.prompts(tag, params.get("prompts"))
    student = step.module(selection.signature(step.name))
    train, dev = program_examples(settings, eval_set, "train"), program_examples(settings, eval_set, "dev")
    metric = program_metric(settings, program, eval_set["creator"])
    lm = lm_for_role(settings, step.role)
    trace_with_mlflow(settings, f"scriptwright-optimize-{program}")
    ctx.progress(0.1, f"Compiling with {name} on {len(train)} training examples")
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()), failed_examples_as_items(ctx):
        optimizer = optimizer_for(name, metric, budget, settings)  # MIPROv2 takes its LMs from the context
        tuned = (optimizer.compile(student, trainset=train, valset=dev) if name in ("mipro", "gepa")
                 else optimizer.compile(student, trainset=train))
        dev_scores = []
        for i, ex in enumerate(dev):
            ctx.progress(0.7 + 0.2 * i / len(dev), f"Scoring on dev: video {i + 1} of {len(dev)}")
            dev_scores.append(metric(ex, tuned(**ex.inputs())))
    dev_score = sum(dev_scores) / max(1, len(dev_scores))
    ctx.progress(0.95, "Saving the compiled program")  # the last point a cancel stops the job: nothing written yet
    saved = compiled.save(settings, program, creator, tuned, {
        "optimizer": name, "budget": budget, "metric": step.metric, "dev_score": round(dev_score, 4),
        "tag": tag, "prompt_versions": selection.record, "trainset_ids": [ex.example_id for ex in train],
        "eval_set": eval_set["id"], "lm": lm.model, "job_id": ctx.job_id})
    calls, cached, cost = _ledger(settings, ctx.job_id)
    return {"compiled_id": saved.id, "version": saved.version, "path": str(saved.path),
            "dev_score": round(dev_score, 4), "demos": sum(len(p.demos) for p in tuned.predictors()),
            "lm_calls": calls, "cached_calls": cached, "cost_usd": cost}

"""The `scriptwright` command line: the first-class interface to everything the app does."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings, get_settings

app = typer.Typer(help="Scriptwright: from idea to a researched script in your own voice.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
jobs_app = typer.Typer(help="Inspect and cancel jobs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
prompts_app = typer.Typer(help="Versioned prompts and pipeline tags.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")
dna_app = typer.Typer(help="Creator DNA: how a creator talks, teaches and paces.", no_args_is_help=True)
app.add_typer(dna_app, name="dna")
creator_app = typer.Typer(help="Manage one creator: rename, delete.", no_args_is_help=True)
app.add_typer(creator_app, name="creator")
voice_app = typer.Typer(help="Voice fidelity: score texts and validate the scorer.", no_args_is_help=True)
app.add_typer(voice_app, name="voice")
idea_app = typer.Typer(help="Ideas for new videos: validate one against the corpus, audience and competition.",
                       no_args_is_help=True)
app.add_typer(idea_app, name="idea")
eval_app = typer.Typer(help="Evaluate prompt variants and compiled programs on a creator's own transcripts.",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")
drafts_app = typer.Typer(help="Draft versions: list, show, diff, restore, export, feedback.", no_args_is_help=True)
app.add_typer(drafts_app, name="drafts")
err = Console(stderr=True)
out = Console()


def _run_job(kind: str, params: dict[str, Any], title: str, idempotency_key: str | None = None) -> dict[str, Any]:
    from pipelines import jobs
    from pipelines.progress import progress_bar

    settings = get_settings()
    with progress_bar(title) as update:
        job = jobs.submit_and_run(settings, kind, params, idempotency_key=idempotency_key, on_progress=update)
    if job["status"] == "failed":
        raise ScriptwrightError(job["error"] or f"Job {job['id']} failed.")
    if job["status"] == "cancelled":
        raise ScriptwrightError(f"Job {job['id']} was cancelled.")
    if jobs.is_partial(job):  # what was made is saved: a warning per missing part, and exit 0
        for problem in job["result"]["problems"]:
            err.print(f"[yellow]partial:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    return job


def _print_exports(settings: Settings, project: str, version: int | None) -> None:
    """Write a version's exports and list them, with the sections left out for having no text."""
    from pipelines.drafting import drafts
    from pipelines.drafting.export import export_version, missing_note

    for kind, path in export_version(settings, project, version).items():
        out.print(f"{kind}: {path}", highlight=False, soft_wrap=True)
    note = missing_note(drafts.get(settings, project, version)["content"])
    if note:
        err.print(f"[yellow]partial:[/] {escape(note)}", highlight=False, soft_wrap=True)


def _print_exports_of_partial(settings: Settings, project: str, version: int) -> None:
    """The exports after a drafting job: one with no script to export says so instead (the job's
    warnings above said why), and the command still succeeds."""
    try:
        _print_exports(settings, project, version)
    except ScriptwrightError as exc:
        err.print(f"[yellow]not exported:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)


@app.callback()
def startup(ctx: typer.Context) -> None:
    """Validate prompts and recover jobs left running by a dead process before anything else."""
    from pipelines import jobs
    from pipelines.prompts import PromptService

    settings = get_settings()
    settings.ensure_dirs()
    if ctx.invoked_subcommand != "prompts":
        for problem in PromptService(settings).validate():
            err.print(f"[yellow]prompt problem:[/] {problem}", highlight=False, soft_wrap=True)
    for job_id in jobs.recover_stale(settings):
        err.print(f"[yellow]Job {job_id} was interrupted earlier and is now marked failed.[/]", highlight=False)


@app.command()
def ingest(
    sources: list[str] = typer.Argument(..., help="URLs (video, playlist, channel), files, folders or zips"),
    creator: str = typer.Option(..., "--creator", "-c", help="creator name (created if new)"),
    lang: str = typer.Option("en", help="subtitle language: fetched for URLs, and preferred when a folder holds "
                                        "captions of one video in several languages"),
    comments: int = typer.Option(0, help="fetch up to N comments per video"),
    limit: int | None = typer.Option(None, help="at most N videos per source"),
) -> None:
    """Ingest a creator's transcripts into the searchable corpus."""
    params = {"creator": creator, "sources": sources, "lang": lang, "comments": comments, "limit": limit}
    job = _run_job("ingest", params, f"Ingesting for {creator}")
    r = job["result"]
    out.print(f"{r['creator']}: {r['added']} added, {r['updated']} updated, {r['unchanged']} unchanged, "
              f"{r['failed']} failed ({r['words']:,} words).")
    for note in r.get("notes") or []:
        out.print(f"[dim]{escape(note)}[/]", soft_wrap=True)
    failed = [i for i in job["items"] if i["status"] == "failed"]
    for item in failed:
        err.print(f"[red]failed:[/] {escape(item['detail'])}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


@app.command()
def creators(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Creators with their corpus size: videos, words, hours, chunks."""
    from pipelines import corpus

    found = corpus.list_creators(get_settings())
    if as_json:
        typer.echo(json.dumps(found, default=str, indent=2))
        return
    table = Table("creator", "slug", "videos", "words", "hours", "chunks", "comments")
    for c in found:
        table.add_row(c["name"], c["slug"], str(c["videos"]), f"{c['words']:,}", str(c["hours"]), str(c["chunks"]),
                      str(c["comments"]))
    out.print(table)


@creator_app.command("rename")
def creator_rename(name: str, new_name: str) -> None:
    """Give a creator a new display name (its slug stays)."""
    from pipelines import corpus

    c = corpus.rename_creator(get_settings(), name, new_name)
    out.print(f"{c['slug']} is now called {c['name']}.", highlight=False, markup=False)


@creator_app.command("videos")
def creator_videos(name: str, as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """A creator's videos with their ids (for `creator retitle`), titles, words and links."""
    from pipelines import corpus

    settings = get_settings()
    found = corpus.list_videos(settings, corpus.get_creator(settings, name)["id"])
    if as_json:
        typer.echo(json.dumps(found, default=str, indent=2))
        return
    table = Table("id", "title", "published", "words", "link")
    for v in found:
        table.add_row(str(v["id"]), v["title"], str(v["published_at"] or ""), f"{v['n_words']:,}", v["url"] or "")
    out.print(table)


@creator_app.command("retitle")
def creator_retitle(name: str, video_id: int, title: str) -> None:
    """Give one of a creator's videos a title (ids from `creator videos`)."""
    from pipelines import corpus

    done = corpus.retitle_video(get_settings(), name, video_id, title)
    out.print(f"Video {video_id}: “{done['old']}” is now “{done['title']}”.", highlight=False, markup=False)


@creator_app.command("delete")
def creator_delete(name: str, yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation")) -> None:
    """Delete a creator with everything made from their videos (DNA, projects, drafts, evals, vectors)."""
    from pipelines import corpus

    settings = get_settings()
    c = corpus.get_creator(settings, name)
    found = next(x for x in corpus.list_creators(settings) if x["id"] == c["id"])
    what = f"{c['name']} ({c['slug']}): {found['videos']} videos, {found['chunks']} chunks, and their DNA, projects and evals"
    if not yes:
        if not sys.stdin.isatty():
            raise ScriptwrightError(f"Deleting {what} cannot be undone; add --yes to confirm.")
        typer.confirm(f"Delete {what}? This cannot be undone.", abort=True)
    removed = corpus.delete_creator(settings, c["slug"])
    gone = ", ".join(f"{n} {table}" for table, n in removed.items() if n)
    out.print(f"Deleted {c['name']}: {gone or 'nothing else was stored'}.", highlight=False, markup=False)


@app.command()
def search(
    query: str,
    creator: str | None = typer.Option(None, "--creator", "-c"),
    k: int = typer.Option(8, "-k", help="number of passages"),
    mode: str = typer.Option("hybrid", help="hybrid | vector | fts"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hybrid search over the corpus, with timestamps."""
    from pipelines import corpus
    from pipelines.corpus import clock

    if mode not in {"hybrid", "vector", "fts"}:
        raise ScriptwrightError(f"Unknown search mode '{mode}'; use hybrid, vector or fts.")
    hits = corpus.search(get_settings(), query, creator, k, mode)
    if as_json:
        typer.echo(json.dumps(hits, default=str, indent=2))
        return
    if not hits:
        out.print("No passages found.")
    for h in hits:
        out.print(f"[bold]{h['title']}[/] @ {clock(h['start_s'])}  [dim]{h['creator']} · {h['link'] or ''}[/]")
        out.print(f"  {h['text'][:240]}…", highlight=False)


@jobs_app.command("list")
def jobs_list(limit: int = typer.Option(20), status: str | None = typer.Option(None),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Recent jobs, newest first."""
    from pipelines import jobs

    found = jobs.list_jobs(get_settings(), limit, status)
    if as_json:
        typer.echo(json.dumps(found, default=str, indent=2))
        return
    table = Table("id", "kind", "status", "progress", "message", "created")
    for j in found:
        table.add_row(j["id"], j["kind"], "partial" if jobs.is_partial(j) else j["status"], f"{j['progress']:.0%}",
                      (j["error"] or j["message"] or "")[:60],
                      str(j["created_at"])[:19])
    out.print(_ids_whole(table))


@jobs_app.command("show")
def jobs_show(job_id: str) -> None:
    """Everything about one job."""
    from pipelines import jobs

    typer.echo(json.dumps(jobs.get(get_settings(), job_id), default=str, indent=2))


@jobs_app.command("cancel")
def jobs_cancel(job_id: str) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    from pipelines import jobs

    job = jobs.cancel(get_settings(), job_id)
    out.print(f"Job {job_id}: {'cancelled' if job['status'] == 'cancelled' else 'cancel requested'}.")


@app.command()
def doctor() -> None:
    """Versions, data dir, LMs per role, and whether the embedded model and stores work."""
    from importlib.metadata import version

    from pipelines import lm
    from pipelines.store.duckdb import connect
    from pipelines.store.vectors import VectorStore

    settings = get_settings()
    table = Table("check", "result", show_header=False)
    for pkg in ("dspy", "litellm", "duckdb", "lancedb", "streamlit", "llama_cpp_python", "sentence-transformers",
                "yt-dlp"):
        table.add_row(pkg, version(pkg))
    table.add_row("data dir", str(settings.root))
    for role, model in lm.lm_summary(settings).items():
        table.add_row(f"LM ({role})", model)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        n_mig = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    table.add_row("duckdb", f"ok, {n_mig} migrations applied")
    table.add_row("lancedb", f"ok, {VectorStore(settings.lancedb_dir).count()} chunks")
    from pipelines.embed import embed

    table.add_row("embedder", f"ok, dim {embed(['hello']).shape[1]}")
    answer = lm.ask_structured(settings)
    table.add_row("LM answers", f"{answer['model']}: colour={answer['colour']!r}, confidence={answer['confidence']}"
                                f" in {answer['seconds']} s")
    keys = [k for k, is_set in settings.keys_in_use().items() if is_set]
    table.add_row("provider keys set", ", ".join(keys) or "none")
    out.print(table)


@app.command(name="app")
def run_app(port: int | None = typer.Option(None, help="port (default SCRIPTWRIGHT_APP_PORT)"),
            address: str | None = typer.Option(None, help="bind address (default 127.0.0.1)")) -> None:
    """Launch the Streamlit workbench bound to 127.0.0.1."""
    from pipelines.demo import sample_needed

    settings = get_settings()
    cmd = app_command(settings, port, address)
    if sample_needed(settings):
        _run_job("load-sample", {}, "Loading the demo creators", idempotency_key="load-sample")
    out.print(f"Scriptwright on http://{settings.app_host(address)}:{port or settings.app_port}")
    # become the server process, so a stop signal (Ctrl-C, terminate) reaches Streamlit itself
    os.execv(sys.executable, cmd)


def app_command(settings: Settings, port: int | None = None, address: str | None = None) -> list[str]:
    """The Streamlit command line `scriptwright app` becomes (refused for a non-loopback address
    unless SCRIPTWRIGHT_ALLOW_REMOTE=1)."""
    entry = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
    return [sys.executable, "-m", "streamlit", "run", str(entry), "--server.headless", "true",
            "--server.address", settings.app_host(address), "--server.port", str(port or settings.app_port),
            "--browser.gatherUsageStats", "false"]


TAG_OPTION = typer.Option(None, "--tag", help="pipeline tag (default SCRIPTWRIGHT_PIPELINE_TAG)")
PROMPT_OPTION = typer.Option([], "--prompt", help="STEP=VERSION, overrides the tag for one step (repeatable)")


@app.command()
def demo(query: str = typer.Option("how does this work", help="what to search each demo creator for"),
         tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION) -> None:
    """Ingest the demo corpus and run the main job end to end (offline, embedded models)."""
    from pipelines import jobs
    from pipelines.drafting import drafts
    from pipelines.prompts import parse_overrides

    job = _run_job("demo", {"query": query, "tag": tag, "prompts": parse_overrides(prompt)}, "Demo")
    r = job["result"]
    out.print(f"LM: {r['lm']} · prompts: " + ", ".join(f"{k}={v['version']}" for k, v in r["prompts"].items()))
    for c in r["creators"]:
        out.print(f"[bold]{c['creator']}[/]: {c['videos']} videos, {c['words']:,} words; "
                  f"best passage in '{c['top_passage']}'")
        unusable = c.get("unusable", {})
        for part, said in (("topics", ", ".join(c["topics"])), ("pitch", c["pitch"])):
            shown = f"none usable from {r['lm']}: {unusable[part]}" if part in unusable else said
            out.print(f"  {part}: {shown}", highlight=False, markup=False)
    settings = get_settings()
    _print_draft(settings, r["draft"]["project"], r["draft"]["version"])
    version = (r.get("publish") or {}).get("version") or r["draft"]["version"]
    if r.get("publish"):
        _print_kit(r["draft"]["project"], drafts.get(settings, r["draft"]["project"], version))
    _print_exports_of_partial(settings, r["draft"]["project"], version)
    if jobs.is_partial(job):
        out.print(f"[yellow]Demo finished with gaps[/] (job {job['id']}): parts of the draft or its publish kit "
                  f"came back unusable from {r['lm']} (see the warnings above).", highlight=False)
    else:
        out.print(f"[green]Demo finished[/] (job {job['id']}).")


@dna_app.command("build")
def dna_build(creator: str = typer.Option(..., "--creator", "-c"),
              part: str = typer.Option("all", help="all; measured (measurements and phrases, no LM); or guide (the "
                                                   "style guide and stories of the latest measured version)"),
              force: bool = typer.Option(False, help="measure again into a new version even if the corpus has not "
                                                     "changed"),
              tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION) -> None:
    """Measure the creator and find signature phrases (saved first), then write the style guide and story library."""
    from pipelines.prompts import parse_overrides

    params = {"creator": creator, "part": part, "force": force, "tag": tag, "prompts": parse_overrides(prompt)}
    r = _run_job("dna-build", params, f"Creator DNA for {creator}")["result"]
    if r["status"] == "unchanged":
        out.print(f"{r['creator']}: corpus unchanged since DNA version {r['version']}; nothing to do (--force rebuilds).")
    elif r["guide"] == "written":
        out.print(f"{r['creator']}: DNA version {r['version']} from {r['videos']} videos "
                  f"({r['phrases']} signature phrases, {r['stories']} stories).")
    else:
        out.print(f"{r['creator']}: DNA version {r['version']} measured from {r['videos']} videos "
                  f"({r['phrases']} signature phrases); `--part guide` writes its style guide and stories.")


@dna_app.command("show")
def dna_show(creator: str = typer.Option(..., "--creator", "-c"), version: int | None = typer.Option(None),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """A DNA version (latest by default): measurements, phrases, style guide, stories."""
    from pipelines.corpus import clock
    from pipelines.voice import dna

    snap = dna.snapshot(get_settings(), creator, version)
    if as_json:
        typer.echo(json.dumps(snap, default=str, indent=2))
        return
    guide = snap["style_guide"]
    out.print(f"[bold]{snap['creator']}[/] · DNA v{snap['version']} · {snap['n_videos']} videos · {snap['created_at']}")
    out.print(guide["measurements"], highlight=False)
    for rule in guide.get("measured_rules", []):
        out.print(f"  • {rule}", highlight=False)
    out.print("[bold]Signature phrases[/]: " + ", ".join(p["phrase"] for p in snap["signature_phrases"][:15]),
              highlight=False)
    state = dna.guide_state(get_settings(), snap)
    if state["status"] == "written":
        out.print(f"[bold]Style guide[/] ({snap['lm']}): {guide['summary']}", highlight=False)
    else:
        out.print(f"[bold]Style guide[/]: {dna.GUIDE_NOT_WRITTEN[state['status']]}", highlight=False)
        if state["error"]:
            out.print(state["error"], highlight=False, markup=False)
    for key, mark in (("do", "do"), ("dont", "don't")):
        for r in guide.get(key, []):
            out.print(f"  {mark}: {r['rule']} — \"{r['example']}\"", highlight=False, markup=False)
    for story in snap["stories"]:
        where = f" ({story['title']} @ {clock(story['start_s'])})" if story.get("title") else ""
        out.print(f"  {story['kind']}: {story['summary']}{where}", highlight=False, markup=False)


@dna_app.command("diff")
def dna_diff(creator: str = typer.Option(..., "--creator", "-c"),
             old: int | None = typer.Argument(None, help="older version (default: the one before the latest)"),
             new: int | None = typer.Argument(None, help="newer version (default: the latest)")) -> None:
    """What changed between two DNA versions."""
    from pipelines.voice import dna

    settings = get_settings()
    versions = [s["version"] for s in dna.list_snapshots(settings, creator)]
    new = new or (versions[0] if versions else None)
    old = old or next((v for v in versions if new and v < new), None)
    if old is None or new is None:
        raise ScriptwrightError(f"{creator} has fewer than two DNA versions to compare; "
                                "run `scriptwright dna build --force` after ingesting more videos.")
    d = dna.diff(dna.snapshot(settings, creator, old), dna.snapshot(settings, creator, new))
    out.print(f"DNA v{d['old']} → v{d['new']} (videos {d['videos'][0]} → {d['videos'][1]})")
    for m in d["measurements"]:
        out.print(f"  {m['measurement']}: {m['old']} → {m['new']} {m['unit']}", highlight=False)
    out.print(f"  phrases added: {', '.join(d['phrases_added']) or 'none'}", highlight=False)
    out.print(f"  phrases removed: {', '.join(d['phrases_removed']) or 'none'}", highlight=False)
    if d["style_guide_diff"]:
        typer.echo(d["style_guide_diff"])


@voice_app.command("score")
def voice_score(files: list[Path] = typer.Argument(..., help="scripts (.txt, .md) or caption files"),
                creator: str = typer.Option(..., "--creator", "-c"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """How much each file sounds like the creator, what pulls it away, and the least-like sentences."""
    from pipelines.voice import scorer

    settings = get_settings()
    texts = [(str(f), scorer.read_text(f)) for f in files]
    scorer.creator_slug(settings, creator)  # a bad file or an unknown creator fails before any training
    if scorer.current_model(settings, train_if_missing=False) is None:
        _run_job("voice-train", {}, "Training the voice model")
    results = scorer.score_texts(settings, creator, texts)
    if as_json:
        typer.echo(json.dumps(results, default=str, indent=2))
        return
    card = results[0]["scorer"] if results else None
    figures = (card or {}).get("open_set")
    if figures:
        out.print(f"[dim]scorer: on voices it never saw, {_pct(figures['far_at_90'])} of videos pass as this creator "
                  f"while 90% of their own held-out videos do (video AUC {figures['video_auc']:.3f}, 300-word "
                  f"passages {figures['window_auc']:.3f})[/]", highlight=False)
    else:
        out.print("[dim]scorer not validated on this workspace yet: run `scriptwright voice validate`[/]")
    for r in results:
        if r["message"]:
            out.print(f"[bold]{r['name']}[/]: {r['message']}", highlight=False)
            continue
        verdict = "sounds like them" if r["sounds_like"] else "does not sound like them"
        closest = f", closest of the workspace's creators: {r['best_match']}" if r["best_match"] else ""
        out.print(f"[bold]{r['name']}[/]: fidelity {r['fidelity']:.2f} — {verdict} (pass line "
                  f"{r['threshold']:.2f}){closest} ({r['n_words']} words)", highlight=False)
        pulls = "; ".join(p["explanation"] for p in r["pulls_away"][:5])
        out.print(f"  pulls away: {pulls or 'nothing stands out'}", highlight=False, markup=False)
        for sent in r["off_voice_sentences"]:
            out.print(f"  least like them: {sent['text'][:140]}", highlight=False, markup=False)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _open_set_table(reports: dict[str, dict]) -> Table:
    table = Table("creator", "own videos", "unseen videos", "video AUC", "300-word AUC", "150-word AUC", "EER",
                  "false accepts (videos)", "false accepts (300 words)")
    for c, m in reports.items():
        table.add_row(c, str(m["n_own_videos"]), str(m["n_unseen_videos"]), *(
            f"{m[k]:.3f}" if m.get(k) is not None else "-" for k in ("video_auc", "window_auc", "hook_window_auc", "eer")),
            _pct(m["far_at_90"]), _pct(m["window_far_at_90"]))
    return table


@voice_app.command("validate")
def voice_validate(creators: str | None = typer.Option(None, help="comma-separated creators (default: all)"),
                   folds: int = typer.Option(5, min=2),
                   creator: str | None = typer.Option(None, "--creator", "-c",
                                                      help="with --unseen: the workspace creator to test"),
                   unseen: Path | None = typer.Option(None, "--unseen", help="a folder of creators the workspace has "
                                                      "never seen, one subfolder each (nothing is stored)"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """How far the scorer can be trusted: open-set figures per creator (own held-out videos vs voices
    it never saw) and, with 2+ creators, closed-set attribution by grouped cross-validation by video."""
    if unseen is not None and not creator:
        raise ScriptwrightError("--unseen needs --creator: the workspace creator to test against those voices.")
    names = [c.strip() for c in creators.split(",") if c.strip()] if creators else None
    params = {"creators": names, "folds": folds, "creator": creator, "unseen": str(unseen) if unseen else None}
    r = _run_job("voice-validate", params, "Validating the voice scorer")["result"]
    if as_json:
        typer.echo(json.dumps(r, default=str, indent=2))
        return
    if unseen is not None:
        out.print(_open_set_table({r["creator"]: r["open_set"]}))
        for source, m in r["open_set"]["by_source"].items():
            out.print(f"  {source}: {m['n_videos']} videos, median fidelity {m['median_fidelity']:.2f}, "
                      f"{_pct(m['far_at_90'])} pass", highlight=False)
        return
    out.print("[bold]Open set[/]: each creator's held-out videos against voices in neither its training set nor its "
              "background", highlight=False)
    out.print(_open_set_table(r["open_set"]))
    closed = r.get("closed_set")
    if closed:
        out.print(f"[bold]Closed set[/] (which of the workspace's creators): video accuracy {closed['accuracy']:.3f} · "
                  f"window accuracy {closed['window_accuracy']:.3f} · AUC {closed['auc']:.4f} · "
                  f"{closed['n_test_videos']} test videos, {closed['n_test_windows']} windows, {closed['folds']} folds",
                  highlight=False)
        table = Table("creator", "videos", "precision", "recall", "window acc.", "AUC")
        for c, m in closed["per_creator"].items():
            table.add_row(c, str(m["n_videos"]), f"{m['precision']:.2f}", f"{m['recall']:.2f}",
                          f"{m['window_accuracy']:.2f}", f"{m['auc']:.3f}" if m.get("auc") is not None else "-")
        out.print(table)
    for w in r.get("warnings") or []:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)


@prompts_app.command("list")
def prompts_list() -> None:
    """Steps, their versions, and which version each tag uses."""
    from pipelines.prompts import PromptService

    service = PromptService(get_settings())
    tags = service.tags()
    table = Table("step", "versions", *tags)
    for step in service.steps():
        table.add_row(step, ", ".join(service.versions(step)),
                      *[m.get(step, f"({get_settings().default_prompt_version})") for m in tags.values()])
    out.print(table)


@prompts_app.command("show")
def prompts_show(step: str, version: str | None = typer.Option(None, "--version", help="default: the current tag's")) -> None:
    """A prompt's front matter and instructions."""
    from pipelines.prompts import PromptService

    service = PromptService(get_settings())
    p = service.load(step, version) if version else service.resolve(step)
    out.print(f"[bold]{p.step}/{p.version}[/] ({p.path}, sha256 {p.sha256})", highlight=False)
    out.print(f"description: {p.description}\ninputs: {', '.join(p.inputs)}\noutputs: {', '.join(p.outputs)}",
              highlight=False)
    if p.notes:
        out.print(f"notes: {p.notes}", highlight=False)
    out.print(f"\n{p.instructions}", highlight=False, markup=False)


@prompts_app.command("diff")
def prompts_diff(step: str, old: str, new: str) -> None:
    """Unified diff between two versions of a step's prompt."""
    from pipelines.prompts import PromptService

    typer.echo(PromptService(get_settings()).diff(step, old, new) or "(identical)")


@prompts_app.command("validate")
def prompts_validate() -> None:
    """Check every tag entry and prompt file; one line per problem, non-zero exit if any."""
    from pipelines.prompts import PromptService

    problems = PromptService(get_settings()).validate()
    for problem in problems:
        err.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    if problems:
        raise typer.Exit(1)
    out.print("All prompts and pipeline tags are valid.")


def _ids_whole(table: Table) -> Table:
    """The first column holds ids people type back (jobs, runs, projects): never cut or wrapped."""
    column = table.columns[0]
    column.no_wrap = True
    column.min_width = max((len(str(cell)) for cell in column.cells), default=0)
    return table


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=str, indent=2))


@idea_app.command("validate")
def idea_validate(creator: str = typer.Option(..., "--creator", "-c"),
                  idea: str = typer.Option(..., "--idea", "-i", help="working title or idea"),
                  title: str | None = typer.Option(None, help="project title (default: the idea)"),
                  tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION,
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Fit with past videos, audience demand, competition and a verdict with sharper angles."""
    from pipelines.evidence import projects
    from pipelines.prompts import parse_overrides

    if not idea.strip():
        raise ScriptwrightError("--idea is empty; describe the video in a few words.")
    params = {"creator": creator, "idea": idea, "title": title, "tag": tag, "prompts": parse_overrides(prompt)}
    r = _run_job("idea-validate", params, f"Validating '{idea[:40]}'")["result"]
    c = projects.result(get_settings(), r["project"], "idea")["content"]
    if as_json:
        _print_json({"project": r["project"], "version": r["version"], **c})
        return
    out.print(f"[bold]{escape(c['idea'])}[/] → [bold]{c['verdict']}[/] (project {r['project']}, v{r['version']})",
              highlight=False)
    out.print(f"Fit: {c['fit']['verdict']}", highlight=False)
    for v in c["fit"]["videos"][:3]:
        out.print(f"  {v['similarity']:.2f}  {escape(v['title'] or '')}", highlight=False)
    d = c["demand"]
    out.print(f"Audience: {d['matching']} of {d['comments']} comments are about it, {d['asking']} ask for it",
              highlight=False)
    for q in d["quotes"][:3]:
        out.print(f'  "{escape(q["text"][:120])}"', highlight=False)
    comp = c["competition"]
    out.print(f"Competition: {comp['count']} videos via {comp['provider']}" if comp["configured"] else comp["note"],
              highlight=False)
    for reason in c["reasons"]:
        out.print(f"  • {escape(reason)}", highlight=False)
    for angle in c["angles"]:
        out.print(f"  angle: {escape(angle)}", highlight=False)
    for gap in c["knowledge_gaps"][:5]:
        out.print(f"  never answered ({gap['count']} comments): {escape(gap['label'])}", highlight=False)


@app.command()
def research(project: str = typer.Option(..., "--project", "-p", help="project id (see `scriptwright projects`)"),
             source: list[str] = typer.Option([], "--source", "-s", help="URL or file (.html, .pdf, .txt, .md)"),
             text: list[str] = typer.Option([], "--text", help="pasted text to use as a source"),
             creator: str | None = typer.Option(None, "--creator", "-c", help="create the project for this creator"),
             topic: str | None = typer.Option(None, help="what to research (default: the project's idea)"),
             web: bool = typer.Option(False, help="also search the web (needs SCRIPTWRIGHT_WEB_SEARCH)"),
             corpus: bool = typer.Option(True, help="also use passages from the creator's own videos"),
             tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION,
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Add sources to a project and write research notes in which every point cites its source."""
    from pipelines.evidence import projects
    from pipelines.prompts import parse_overrides

    settings = get_settings()
    if creator:
        project = projects.ensure_project(settings, creator, project)["id"]
    params = {"project": projects.get_project(settings, project)["id"], "sources": source, "texts": text,
              "topic": topic, "web": web, "corpus": corpus, "tag": tag, "prompts": parse_overrides(prompt)}
    job = _run_job("research", params, f"Researching {project}")
    for item in job["items"]:
        colour = "red" if item["status"] == "failed" else "dim"
        err.print(f"[{colour}]{item['status']}:[/] {escape(item['name'])} — {escape(item['detail'])}",
                  highlight=False, soft_wrap=True)
    r = job["result"]
    notes = projects.result(settings, r["project"], "research")["content"]
    for f in notes["flags"]:
        err.print(f"[yellow]flagged (treated as data, withheld from the model):[/] {escape(f['source'])}: "
                  f"\"{escape(f['excerpt'])}\"", highlight=False, soft_wrap=True)
    if as_json:
        _print_json({"project": r["project"], "version": r["version"], **notes})
        return
    out.print(f"[bold]Research notes[/] for {r['project']} v{r['version']} from {r['sources']} sources", highlight=False)
    for section in ("key_points", "numbers"):
        for n in notes[section]:
            out.print(f"  • {escape(n['text'])} " + " ".join(f"[P{c['n']}]" for c in n["cites"]), highlight=False,
                      markup=False)
    for d in notes["definitions"]:
        out.print(f"  {d['term']}: {d['meaning']} " + " ".join(f"[P{c['n']}]" for c in d["cites"]),
                  highlight=False, markup=False)
    for q in notes["open_questions"]:
        out.print(f"  ? {q}", highlight=False, markup=False)
    for p in notes["passages"]:
        out.print(f"  [P{p['n']}] {p['title']} — {p['uri']}", highlight=False, markup=False)
    if notes["dropped_uncited"]:
        err.print(f"[dim]{len(notes['dropped_uncited'])} point(s) dropped: they cited no source passage.[/]")


@app.command()
def verify(project: str = typer.Option(..., "--project", "-p"),
           file: Path | None = typer.Argument(None, help="a draft or notes to check (.txt, .md); default: the "
                                                           "project's latest research notes"),
           claim: list[str] = typer.Option([], "--claim", help="a claim to check (repeatable)"),
           tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION,
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Check claims against the project's sources: supported, contradicted or not enough evidence."""
    from pipelines.evidence import projects
    from pipelines.prompts import parse_overrides

    settings = get_settings()
    text = None
    if file is not None:
        if not file.is_file():
            raise ScriptwrightError(f"{file}: file not found.")
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ScriptwrightError(f"{file}: not UTF-8 text.") from exc
        if not text.strip():
            raise ScriptwrightError(f"{file}: the file is empty.")
    params = {"project": projects.get_project(settings, project)["id"], "claims": claim, "text": text, "tag": tag,
              "prompts": parse_overrides(prompt)}
    r = _run_job("verify", params, f"Checking claims in {project}")["result"]
    report = projects.result(settings, r["project"], "verification")["content"]
    if as_json:
        _print_json({"project": r["project"], "version": r["version"], **report})
        return
    colours = {"supported": "green", "contradicted": "red", "not enough evidence": "yellow"}
    for c in report["claims"]:
        out.print(f"[{colours[c['verdict']]}]{c['verdict']}[/] ({c['confidence']:.2f}) {escape(c['claim'])}",
                  highlight=False, soft_wrap=True)
        if c["quote"]:
            out.print(f'    "{escape(c["quote"])}" — {escape(c["evidence"][0]["uri"])}', highlight=False, soft_wrap=True)
    out.print(", ".join(f"{n} {v}" for v, n in report["counts"].items()), highlight=False)


@app.command()
def audience(creator: str = typer.Option(..., "--creator", "-c"),
             idea: str | None = typer.Option(None, help="mark the clusters related to this idea"),
             project: str | None = typer.Option(None, "--project", "-p", help="store the report on this project"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Cluster the creator's comments into questions, confusions, requests and praise."""
    params = {"creator": creator, "idea": idea, "project": project}
    report = _run_job("audience", params, f"Audience of {creator}")["result"]["report"]
    if as_json:
        _print_json(report)
        return
    if not report["total"]:
        out.print(report.get("note") or "No comments.", highlight=False)
        return
    out.print(f"{report['total']} comments: " + ", ".join(f"{n} {k}" for k, n in report["by_kind"].items() if n),
              highlight=False)
    table = Table("kind", "comments", "about", "for example")
    for c in report["clusters"]:
        mark = " ★" if c["id"] in report.get("related", []) else ""
        table.add_row(c["kind"], str(c["count"]), escape(c["label"]) + mark,
                      escape(c["quotes"][0]["text"][:80]) if c["quotes"] else "")
    out.print(table)
    for gap in report.get("gaps", []):
        out.print(f"never answered ({gap['count']}): {escape(gap['label'])} — \"{escape(gap['quote'][:80])}\"",
                  highlight=False)


@app.command(name="projects")
def projects_list(creator: str | None = typer.Option(None, "--creator", "-c"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Videos in the making, with their sources and results."""
    from pipelines.evidence import projects

    found = projects.list_projects(get_settings(), creator)
    if as_json:
        _print_json(found)
        return
    table = Table("id", "creator", "working title", "sources", "results", "updated")
    for p in found:
        table.add_row(p["id"], p["creator"], escape(p["working_title"]), str(p["sources"]), str(p["results"]),
                      str(p["updated_at"])[:16])
    out.print(_ids_whole(table))


def _print_draft(settings, project: str, version: int) -> None:
    from pipelines.drafting import drafts
    from pipelines.usable import written

    row = drafts.get(settings, project, version)
    c = row["content"]
    out.print(f"[bold]{escape(c.idea)}[/] · {project} v{version} · framework: "
              f"{c.framework.name if c.framework else '—'}", highlight=False)
    if c.hook:
        out.print(f"[bold]Hook[/] ({c.hook.style}): {escape(c.hook.text)}", highlight=False, soft_wrap=True)
    for section in c.sections:
        size = (f"{len(section.sentences)} sentences, ~{section.duration_s or 0:.0f} s" if written(section)
                else "[yellow]empty: no text yet[/]")
        out.print(f"[bold]{escape(section.title)}[/] ({size})", highlight=False)
    checks = c.checks
    if checks:
        voice = checks.get("voice") or {}
        fidelity = f"{voice['fidelity']:.2f}" if voice.get("fidelity") is not None else "n/a"
        out.print(f"Checks: {checks['counts']['high']} high, {checks['counts']['warn']} warnings, "
                  f"{checks['counts']['info']} notes · voice fidelity {fidelity}", highlight=False)


@app.command()
def draft(creator: str | None = typer.Option(None, "--creator", "-c"),
          idea: str | None = typer.Option(None, "--idea", "-i", help="start a project from this idea"),
          project: str | None = typer.Option(None, "--project", "-p", help="or continue an existing project"),
          source: list[str] = typer.Option([], "--source", "-s", help="URL or file to research first"),
          text: list[str] = typer.Option([], "--text", help="pasted text to research first"),
          minutes: float | None = typer.Option(None, help="target length (default: the creator's typical video)"),
          level: str = typer.Option("general", help="audience level: beginner, general or advanced"),
          tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION,
          export: bool = typer.Option(True, help="write Markdown, teleprompter and JSON exports")) -> None:
    """Run the whole pipeline non-interactively: research, outline, hooks, script in the creator's voice, checks."""
    from pipelines import costs
    from pipelines.prompts import parse_overrides

    if not project and not (creator and idea and idea.strip()):
        raise ScriptwrightError("Give --creator and --idea to start a project, or --project to continue one.")
    params = {"creator": creator, "idea": idea, "project": project, "sources": source, "texts": text,
              "target_minutes": minutes, "audience_level": level, "tag": tag, "prompts": parse_overrides(prompt)}
    settings = get_settings()
    out.print(costs.estimate_line(settings, research=bool(source or text)), highlight=False, soft_wrap=True)
    job = _run_job("draft", params, "Drafting")
    for item in job["items"]:
        if item["status"] == "failed":
            err.print(f"[red]failed:[/] {escape(item['name'])} — {escape(item['detail'])}", highlight=False,
                      soft_wrap=True)
    r = job["result"]
    out.print(costs.spent_line(settings, job["id"]), highlight=False, soft_wrap=True)
    _print_draft(settings, r["project"], r["version"])
    if export:
        _print_exports_of_partial(settings, r["project"], r["version"])


@drafts_app.command("list")
def drafts_list(project: str = typer.Option(..., "--project", "-p"), as_json: bool = typer.Option(False, "--json")):
    """Every version of a project's draft, newest first."""
    from pipelines.drafting import drafts

    found = drafts.versions(get_settings(), project)
    if as_json:
        _print_json(found)
        return
    table = Table("version", "parent", "step", "note", "tag", "cost $", "created")
    for v in found:
        table.add_row(str(v["version"]), str(v["parent_version"] or ""), v["step"], escape(v["note"] or ""),
                      v["pipeline_tag"] or "", f"{v['cost_usd'] or 0:.4f}", str(v["created_at"])[:16])
    out.print(table)


@drafts_app.command("show")
def drafts_show(project: str = typer.Option(..., "--project", "-p"), version: int | None = typer.Option(None),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """One version (latest by default)."""
    from pipelines.drafting import drafts

    settings = get_settings()
    row = drafts.get(settings, project, version)
    if as_json:
        _print_json(row)
        return
    _print_draft(settings, project, row["version"])
    typer.echo(drafts.plain_text(row["content"]))


@drafts_app.command("diff")
def drafts_diff(project: str = typer.Option(..., "--project", "-p"), old: int = typer.Argument(...),
                new: int = typer.Argument(...)) -> None:
    """A unified diff of two versions' scripts."""
    from pipelines.drafting import drafts

    typer.echo(drafts.diff(get_settings(), project, old, new) or "(no difference in the script)")


@drafts_app.command("restore")
def drafts_restore(project: str = typer.Option(..., "--project", "-p"), version: int = typer.Argument(...)) -> None:
    """Make an older version current again (as a new version; nothing is deleted)."""
    from pipelines.drafting import drafts

    new = drafts.restore(get_settings(), project, version)
    out.print(f"Restored v{version} of {project} as v{new}.")


@drafts_app.command("export")
def drafts_export(project: str = typer.Option(..., "--project", "-p"), version: int | None = typer.Option(None)):
    """Write the Markdown script (citations as footnotes), teleprompter text and the JSON bundle; a script
    with no sentence is refused, and sections with no text are left out (and named)."""
    _print_exports(get_settings(), project, version)


@drafts_app.command("feedback")
def drafts_feedback(project: str = typer.Option(..., "--project", "-p"),
                    target: str = typer.Option("draft", help="draft, hook, section:<id> or publish:<part> (titles, "
                                                             "description, short, post)"),
                    rating: str = typer.Option(..., help="up or down"),
                    comment: str = typer.Option("", help="what worked or did not"),
                    version: int | None = typer.Option(None)) -> None:
    """Thumbs up or down and a comment on the draft, its hook, one section or one part of the publish kit."""
    from pipelines.drafting import drafts

    settings = get_settings()
    if rating not in ("up", "down"):
        raise ScriptwrightError("--rating is 'up' or 'down'.")
    kind, _, target_id = target.partition(":")
    row = drafts.get(settings, project, version)
    drafts.add_feedback(settings, project, row["version"], kind, target_id or kind, 1 if rating == "up" else -1,
                        comment)
    out.print(f"Feedback saved on {project} v{row['version']} ({target}).")


@drafts_app.command("feedback-export")
def drafts_feedback_export(project: str | None = typer.Option(None, "--project", "-p")) -> None:
    """Feedback as JSON Lines evaluation examples for the Prompt Lab."""
    from pipelines.drafting import drafts

    for example in drafts.feedback_examples(get_settings(), project):
        typer.echo(json.dumps(example, default=str))


def _print_kit(project: str, row: dict[str, Any]) -> None:
    """The publish kit of a draft version: titles, description.txt as it would be pasted, Short, post."""
    from pipelines.drafting.description import NOTHING_TO_PASTE, description_text
    from pipelines.drafting.kit import stale_parts

    content = row["content"]
    kit = content.publish
    out.print(f"[bold]Publish kit[/] · {project} v{row['version']}", highlight=False)
    if not kit:
        out.print("No publish kit yet.", highlight=False)
        return
    stale = stale_parts(content)
    if stale:
        err.print(f"[yellow]made from an earlier script:[/] {', '.join(stale)}; write them again to match the "
                  "current script.", highlight=False, soft_wrap=True)
    titles = kit.get("titles")
    if titles:
        chosen = (titles.get("chosen") or {}).get("id")
        low, high = titles["range"]
        out.print(f"[bold]Titles[/] (★ chosen; your titles run {low}-{high} characters; closeness is to your "
                  "nearest title by meaning)", highlight=False, soft_wrap=True)
        for t in titles["candidates"]:
            size = f"{t['chars']} characters" + ("" if t["in_range"] else ", outside your range")
            nearest = f" to “{escape(t['nearest'])}”" if t["nearest"] else ""
            out.print(f"{'★' if t['id'] == chosen else ' '} {escape(t['text'])}  [dim]({t['style']}; {size}; "
                      f"closeness {t['closeness']:.2f}{nearest})[/]", highlight=False, soft_wrap=True)
        if not titles["candidates"]:
            out.print("  none usable", highlight=False)
    description = kit.get("description")
    if description:
        out.print("[bold]Description[/] (description.txt)", highlight=False)
        if description.get("chapters_note"):
            err.print(f"[yellow]chapters:[/] {escape(description['chapters_note'])}", highlight=False, soft_wrap=True)
        typer.echo(description_text(description) or f"{NOTHING_TO_PASTE}\n")
    short = kit.get("short")
    if short:
        out.print(f"[bold]Short[/] (~{short['seconds']:.0f} s of {short['max_seconds']})", highlight=False)
        typer.echo("\n".join(filter(None, [short["hook"], short["text"]])) + "\n")
    post = kit.get("post")
    if post:
        out.print("[bold]Community post[/]", highlight=False)
        typer.echo((post["text"] or "(none usable)") + "\n")


@app.command()
def publish(project: str = typer.Option(..., "--project", "-p"),
            part: str | None = typer.Option(None, help="write one part again: titles, description, short or post "
                                                       "(default: all of them, unless --export is given alone and "
                                                       "the kit has a description)"),
            export: Path | None = typer.Option(None, "--export", help="write description.txt into this folder"),
            tag: str | None = TAG_OPTION, prompt: list[str] = PROMPT_OPTION) -> None:
    """The publish kit for a project's script: five titles, a description with chapters, a Short and a
    community post. With --export alone, write the current kit's description.txt (making the kit first when
    it has no description yet)."""
    from pipelines.drafting import drafts
    from pipelines.drafting.kit import PARTS, export_description, published_draft
    from pipelines.prompts import parse_overrides

    settings = get_settings()
    if part is not None and part not in ("all", *PARTS):
        raise ScriptwrightError(f"--part '{part}': expected all, {', '.join(PARTS)}.")
    current = published_draft(settings, project)
    version = None
    if part or not export or not current["content"].publish.get("description"):
        params = {"project": project, "part": part or "all", "tag": tag, "prompts": parse_overrides(prompt)}
        version = _run_job("publish", params, "Publishing")["result"]["version"]
    row = drafts.get(settings, project, version)
    _print_kit(project, row)
    if export:
        out.print(f"description.txt: {export_description(export, project, row['content'])}", highlight=False,
                  soft_wrap=True)


@app.command()
def optimize(creator: str = typer.Option(..., "--creator", "-c"),
             program: str = typer.Option("script", help="the program to compile: script, title, hook or outline"),
             optimizer: str = typer.Option("bootstrap", help="bootstrap, random-search, mipro or gepa"),
             budget: int = typer.Option(4, help="demos / candidate programs / metric calls (x10) to spend"),
             tag: str | None = TAG_OPTION, yes: bool = typer.Option(False, "--yes", help="skip the cost question")):
    """Compile a program on the creator's train videos, score it on dev, save it under prompts/compiled/."""
    from pipelines import evals

    settings = get_settings()
    eval_set = evals.build_eval_set(settings, creator, program)
    evals.check_trainset(eval_set, optimizer)
    estimate = evals.estimate_cost(settings, evals.optimize_calls(eval_set, optimizer, budget), 1500,
                                   settings.lm_max_tokens)
    cost = "unknown" if estimate["usd"] is None else f"${estimate['usd']:.4f}"
    out.print(f"Estimate: about {estimate['calls']} calls to {estimate['model']}, {cost} ({estimate['note']}).",
              highlight=False)
    if estimate["usd"] and not yes and not typer.confirm("Go ahead?"):
        raise typer.Exit(1)
    params = {"creator": creator, "program": program, "optimizer": optimizer, "budget": budget, "tag": tag}
    job = _run_job("optimize", params, f"Compiling {program} with {optimizer}")
    r = job["result"]
    out.print(f"Compiled {program} v{r['version']} ({r['demos']} demos): dev score {r['dev_score']:.3f}; "
              f"{r['lm_calls']} LM calls ({r['cached_calls']} cached), ${r['cost_usd']:.4f} → {r['path']}",
              highlight=False, soft_wrap=True)
    failed = [i for i in job["items"] if i["status"] == "failed"]
    if failed:
        out.print(f"{len(failed)} training example{'' if len(failed) == 1 else 's'} could not be run, so none "
                  "of them is a demo:", highlight=False)
        for item in failed:
            out.print(f"  {item['name']}: {item['detail']}", highlight=False, markup=False, soft_wrap=True)


@eval_app.command("run")
def eval_run(creator: str = typer.Option(..., "--creator", "-c"),
             program: str = typer.Option("script", help="script, assistant, title, hook or outline"),
             variant: list[str] = typer.Option(["stable"], "--variant", "-v",
                                               help="a tag, prompt:VERSION or compiled:latest|vN (repeatable)"),
             split: str = typer.Option("test"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Run variants on the creator's eval set; an identical re-run is served by the cache (0 LM calls)."""
    done = []
    for v in variant:
        done.append(_run_job("eval-run", {"creator": creator, "program": program, "variant": v, "split": split},
                             f"Evaluating {v}")["result"])
    if as_json:
        _print_json(done)
        return
    table = Table("run", "variant", "split", "examples", "mean", "LM calls", "cached", "cost $", "errors")
    for r in done:
        table.add_row(r["run_id"], r["variant"], r["split"], str(r["n"]), f"{r['mean']:.3f}", str(r["lm_calls"]),
                      str(r["cached_calls"]) + (" (all cached)" if r["lm_calls"] == 0 and r["cached_calls"] else ""),
                      f"{r['cost_usd']:.4f}", str(r["errors"]))
    out.print(_ids_whole(table))


@eval_app.command("add-feedback")
def eval_add_feedback(creator: str = typer.Option(..., "--creator", "-c"),
                      project: str | None = typer.Option(None, "--project", "-p", help="only this project's feedback"),
                      seed: int = typer.Option(0, help="the eval set's split seed")) -> None:
    """Add wizard feedback on script sections to the creator's eval set, train split only."""
    from pipelines import evals

    r = evals.add_feedback_examples(get_settings(), creator, project, seed)
    skipped = f"; {r['skipped']} skipped (a thumbs down on a section never rewritten)" if r["skipped"] else ""
    out.print(f"Added {r['added']} feedback examples to {r['eval_set']}{skipped}. The train split now has "
              f"{r['train']} examples, {r['from_feedback']} from feedback; dev and test are unchanged.",
              highlight=False, soft_wrap=True)


@eval_app.command("list")
def eval_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Recent eval runs."""
    from pipelines import evals

    found = evals.list_runs(get_settings())
    if as_json:
        _print_json(found)
        return
    table = Table("run", "program", "variant", "split", "mean", "LM calls", "eval set", "started")
    for r in found:
        table.add_row(r["id"], r["program"], r["variant"], r["split"], f"{r['mean']:.3f}",
                      f"{r['lm_calls']} ({r['cached_calls']} cached)", r["eval_set_id"],
                      f"{str(r['started_at'])[:16]}, {r['seconds']} s")
    out.print(_ids_whole(table))


@eval_app.command("compare")
def eval_compare(run_a: str = typer.Argument(...), run_b: str = typer.Argument(...),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """B against A: mean difference with a paired bootstrap 95% CI, win/tie/loss, the worst regressions."""
    from pipelines import evals

    c = evals.compare_runs(get_settings(), run_a, run_b)
    if as_json:
        _print_json(c)
        return
    out.print(f"{c['b']['variant']} vs {c['a']['variant']} on {c['n']} examples: mean {c['mean_b']:.3f} vs "
              f"{c['mean_a']:.3f}, difference {c['mean_diff']:+.3f} (95% CI {c['ci_low']:+.3f} to {c['ci_high']:+.3f})",
              highlight=False)
    out.print(f"win/tie/loss: {c['win']}/{c['tie']}/{c['loss']}", highlight=False)
    for r in c["regressions"]:
        if r["diff"] < 0:
            out.print(f"  regressed: {r['example_id']} {r['a']:.3f} → {r['b']:.3f}", highlight=False)


def _print_chat(items: list[dict[str, Any]]) -> None:
    colours = {"user": "bold", "assistant": "green", "error": "red"}
    for m in items:
        if m["role"] == "tool":
            mark = "[red]✗[/]" if m["status"] == "error" else "[dim]↳[/]"
            out.print(f"  {mark} [dim]{escape(m['tool_name'] or '')}({escape(json.dumps(m['tool_args'] or {}))[:120]})"
                      f" → {escape(m['content'][:300])}[/]", highlight=False, soft_wrap=True)
        else:
            who = {"user": "you", "assistant": "assistant", "error": "error"}[m["role"]]
            out.print(f"[{colours[m['role']]}]{who}>[/] {escape(m['content'])}", highlight=False, soft_wrap=True)


def _chat_turn(session_id: str, text: str, after: int) -> int:
    """Send one message, run its turn with a progress bar, print what it added; the last message id."""
    from pipelines import jobs
    from pipelines.assistant import agent, chat
    from pipelines.progress import progress_bar

    settings = get_settings()
    _, job_id = agent.send(settings, session_id, text)
    with progress_bar("Assistant") as update:
        job = jobs.run(settings, job_id, on_progress=update)
    added = [m for m in chat.messages(settings, session_id, after) if m["role"] != "user"]
    _print_chat(added)
    if job["status"] != "succeeded":
        err.print(f"[red]Error:[/] {escape(job['error'] or 'the turn failed')}", highlight=False, soft_wrap=True)
    return max([after] + [m["id"] for m in chat.messages(settings, session_id, after)])


@app.command()
def chat(creator: str = typer.Option(..., "--creator", "-c"),
         project: str | None = typer.Option(None, "--project", "-p", help="the project the conversation is about"),
         message: list[str] = typer.Option(None, "--message", "-m", help="send these messages and exit (repeatable)"),
         new: bool = typer.Option(False, "--new", help="start a new conversation instead of resuming the last"),
         list_only: bool = typer.Option(False, "--list", help="list the creator's conversations")) -> None:
    """Talk to the assistant: search your videos, write hooks, check claims, rewrite sections."""
    from pipelines.assistant import chat as chats

    settings = get_settings()
    if list_only:
        table = Table("id", "project", "title", "turns", "updated")
        for s in chats.list_sessions(settings, creator, project):
            table.add_row(s["id"], s["project_id"] or "", escape(s["title"] or ""), str(s["turns"]),
                          str(s["updated_at"])[:16])
        out.print(_ids_whole(table))
        return
    session = (chats.start_session(settings, creator, project) if new
               else chats.latest_session(settings, creator, project))
    history = chats.messages(settings, session["id"])
    out.print(f"[dim]Conversation {session['id']} ({len(history)} messages). Type /quit to leave.[/]")
    _print_chat(history[-8:])
    last = history[-1]["id"] if history else 0
    if message:
        for text in message:
            out.print(f"[bold]you>[/] {escape(text)}", highlight=False, soft_wrap=True)
            last = _chat_turn(session["id"], text, last)
        return
    while True:
        try:
            text = input("you> ")
        except EOFError:
            break
        if text.strip() in ("/quit", "/exit"):
            break
        try:
            last = _chat_turn(session["id"], text, last)
        except ScriptwrightError as exc:
            err.print(f"[red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point: user-facing errors become one line on stderr and a non-zero exit."""
    try:
        app()
    except ScriptwrightError as exc:
        err.print(f"[red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Writing the publish kit for a project's script: titles, a description with chapters, a Short
and a community post, as the job kind `publish` (params: project, part = all | titles |
description | short | post, base_version, tag, prompts).

Each part lives in the draft under Draft.publish[part] (its shape: drafting/kit.py) and
each generated part is saved as a new version (step "publish"), so writing one part again keeps the others and every
change can be restored. What code can get right without a model always is: chapters timed
from the script at the creator's pace, sources as links, the footer learned from the
creator's past descriptions, each title's length and closeness to their own titles. What the
model writes is checked: an empty, echoed or overlong answer is retried once, then left out
(or replaced by the script's own passage, for the Short) and reported in the job's result and
in the draft's problems["publish.<part>"]; it is never stored as if it were done.
"""

from __future__ import annotations

from typing import Any

import dspy

from pipelines import corpus
from pipelines.drafting import drafts
from pipelines.drafting.chapters import chapters_from_parts, draft_parts, fix_chapters, no_chapters_note
from pipelines.drafting.content import Draft, Section
from pipelines.drafting.description import TITLE_MAX, clean_title, description_openings, learned_footer, source_links
from pipelines.drafting.kit import PARTS, no_script_message, published_draft, script_sha256
from pipelines.drafting.shorts import SHORT_MAX_S, max_short_words, pick_passage, script_sentences
from pipelines.drafting.steps import creator_pace, voice_brief
from pipelines.drafting.titles import PAST_TITLES, TITLE_STYLES, closeness, title_inputs
from pipelines.errors import ScriptwrightError
from pipelines.evidence.sources import best_match, list_sources
from pipelines.ingest.model import titled
from pipelines.job_params import PublishParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.metrics import title_range, title_words
from pipelines.programs.publish import TitleWriter
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.text import split_sentences
from pipelines.usable import SET_A_MODEL, all_same, looping, usable_text

# the prompt steps each part uses
PART_STEPS = {"titles": "title", "description": "description", "short": "short", "post": "community_post"}
TITLE_MIN_WORDS = 2
SUMMARY_MIN_WORDS = 8
SHORT_MIN_WORDS = 10
HOOK_LINE_MIN_WORDS = 3
POST_MIN_WORDS = 15
# Cosine (MiniLM) of a written paragraph (summary, Short, post) to the video's topic: its idea, hook
# and section titles. Measured on the demo's Monty Hall draft: hand-written summaries, posts and a
# vague but real post 0.40-0.82; the embedded model's answers about its instructions ("The creator's
# first line is a concise summary of the creator's past descriptions.") and a generic "like and
# subscribe" -0.03-0.09; a paragraph on another of the creator's videos 0.04. Titles are not held to
# it, nor to any other cosine: for the wizard's Monty Hall draft twelve hand-written real titles measured
# 0.10-0.67 ("Let's Make a Deal, Mathematically" 0.10, "Would You Switch?" 0.12) and ten off-topic or
# junk ones -0.10-0.27 (the embedded model's "Frozen Pieces of Red Cargo" 0.18): the ranges overlap.
ON_TOPIC_MIN = 0.25


def topic_of(content: Draft) -> str:
    """What the video is about in a few lines: its idea, hook and section titles."""
    return ". ".join([content.idea, content.hook_text(), *(s.title for s in content.sections)])


def off_topic(text: str, topic: str) -> bool:
    """Whether a written paragraph is not about the video (see ON_TOPIC_MIN)."""
    return best_match(text, [topic])[1] < ON_TOPIC_MIN


def spoken_text(content: Draft) -> str:
    """What the video says: the hook, then every sentence of the script."""
    return " ".join([content.hook_text(), *(s["text"] for s in script_sentences(content))]).strip()


# ---------------------------------------------------------------- what every part reads

def shared_inputs(settings: Settings, project: str, content: Draft) -> dict[str, Any]:
    """The project, its creator with their pace, voice, titles and past descriptions, read once per run.
    The pace is the one the draft was written at (the creator's, measured then), so the chapters add
    up to the runtime the export shows."""
    creator = corpus.get_creator(settings, content.creator)
    wpm = float(content.wpm or 0) or creator_pace(settings, creator["id"], creator["slug"])[0]
    videos = corpus.list_videos(settings, creator["id"])
    descriptions = corpus.video_descriptions(settings, creator["id"])
    footer = learned_footer(descriptions)
    return {"project": project, "creator": creator, "wpm": wpm, "voice": voice_brief(settings, creator["slug"]),
            "past_titles": [v["title"] for v in reversed(videos) if titled(v["title"])],
            "descriptions": descriptions, "footer": footer, "openings": description_openings(descriptions, footer)}


def _generate(step: str, lm: dspy.LM, module: dspy.Module, fresh: bool, **inputs: Any) -> dspy.Prediction:
    from pipelines.lm import FRESH, retry_unparsed, user_facing_lm_errors

    with user_facing_lm_errors(step, lm.model), dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return retry_unparsed(module, FRESH if fresh else None, **inputs)


# ---------------------------------------------------------------- the parts

def _title_problem(text: str, echoes: tuple[str, ...], past: list[str], seen: dict[str, str]) -> str | None:
    if loop := looping(text):
        return f"it says “{loop}” over and over"
    if not usable_text(text, echoes, TITLE_MIN_WORDS):
        return "empty or only the instructions"
    if len(text) > TITLE_MAX:
        return f"{len(text)} characters, over YouTube's {TITLE_MAX}"
    copied = next((t for t in past if title_words(t) == title_words(text)), None)
    if copied:
        return f"a copy of your title “{copied}”"
    same = seen.get(title_words(text))
    return f"the same as the {same} title" if same else None


def write_titles(ctx: JobContext, content: Draft, shared: dict[str, Any],
                 share: tuple[float, float]) -> tuple[dict[str, Any], list[str]]:
    """One title per style, each with its length and closeness to the creator's titles; the one
    closest to their titles within their length range is chosen until the creator chooses."""
    from pipelines.lm import lm_for_role

    writer = lm_for_role(ctx.settings, "writer")
    tuned = ctx.selection.compiled("title", content.creator)
    module = tuned.module if tuned else TitleWriter(ctx.selection.signature("title"))
    points, opening = title_inputs(spoken_text(content))
    past = shared["past_titles"]
    written, missing, seen = [], [], {}
    for n, (style, how) in enumerate(TITLE_STYLES.items()):
        ctx.progress(share[0] + (share[1] - share[0]) * n / len(TITLE_STYLES), f"Writing a {style} title")
        inputs = {"creator": shared["creator"]["name"], "past_titles": past[:PAST_TITLES], "key_points": points,
                  "opening": opening, "title_style": f"{style}: {how}"}
        echoes = (style, how, inputs["title_style"])
        text = clean_title(_generate("Title", writer, module, False, **inputs).title)
        if _title_problem(text, echoes, past, seen):
            text = clean_title(_generate("Title", writer, module, True, **inputs).title)
        problem = _title_problem(text, echoes, past, seen)
        if problem:
            missing.append(f"{style} ({problem})")
            continue
        seen[title_words(text)] = style
        written.append({"id": f"t{n + 1}", "style": style, "text": text, "chars": len(text)})
    low, high = title_range(past)
    for title, (score, nearest) in zip(written, closeness([t["text"] for t in written], past)):
        title.update(closeness=score, nearest=nearest, in_range=low <= title["chars"] <= high)
    ranked = sorted(written, key=lambda t: (not t["in_range"], -t["closeness"]))
    chosen = {k: ranked[0][k] for k in ("id", "style", "text")} if ranked else None
    problems = [f"Titles: {len(missing)} of {len(TITLE_STYLES)} from {writer.model} were left out: "
                f"{'; '.join(missing)}. Write titles again, write your own, or {SET_A_MODEL}."] if missing else []
    return {"candidates": written, "chosen": chosen, "range": [low, high], "past_titles": len(past),
            "lm": writer.model}, problems


def write_description(ctx: JobContext, content: Draft, shared: dict[str, Any],
                      share: tuple[float, float]) -> tuple[dict[str, Any], list[str]]:
    """The summary by the model; chapters, sources, footer and timing by code."""
    from pipelines.lm import lm_for_role, predict

    settings = ctx.settings
    writer = lm_for_role(settings, "writer")
    signature = ctx.selection.signature("description")
    parts = draft_parts(content, shared["wpm"])
    total = sum(seconds for _, seconds in parts)
    chapters = fix_chapters(chapters_from_parts(parts), total)
    note = None if chapters else no_chapters_note(parts, total)
    ctx.progress(share[0], f"Writing the description with {writer.model}")
    outline = "\n".join(f"- {s.title}: {next(iter(split_sentences(_section_text(s))), '')}"
                        for s in content.sections)
    inputs = {"creator": shared["creator"]["name"], "voice": shared["voice"], "idea": content.idea,
              "video_outline": outline, "past_descriptions": "\n\n".join(shared["openings"]) or "(none)"}
    topic = topic_of(content)

    def unusable(text: str) -> bool:
        return not usable_text(text, (content.idea, outline), SUMMARY_MIN_WORDS) or off_topic(text, topic)

    summary = " ".join(str(predict("Description", writer, signature, **inputs).summary or "").split())
    if unusable(summary):
        summary = " ".join(str(predict("Description", writer, signature, fresh=True, **inputs).summary or "").split())
    problems = []
    sources = list_sources(settings, shared["project"])
    links = source_links(sources)
    if unusable(summary):
        summary = ""
        has = [part for part, there in (("chapters", chapters), ("source links", links),
                                        ("your usual footer", shared["footer"])) if there]
        holds = f"has no summary, only {', '.join(has[:-1])}{' and ' if len(has) > 1 else ''}{has[-1]}" if has \
            else "is empty"
        problems.append(f"Description: the summary from {writer.model} was empty, repeated its inputs or was not "
                        f"about the video, so the description {holds}. "
                        f"Write the summary yourself, write the description again, or {SET_A_MODEL}.")
    return {"summary": summary, "chapters": chapters, "chapters_note": note, "duration_s": round(total, 1),
            "wpm": shared["wpm"], "sources": links, "unlinked_sources": len(sources) - len(links),
            "footer": shared["footer"], "footer_from": len(shared["descriptions"]), "lm": writer.model}, problems


def _section_text(section: Section) -> str:
    return " ".join(s.text for s in section.sentences)


def _short_problem(hook: str, script: str, max_words: int, echoes: tuple[str, ...], topic: str) -> str | None:
    if loop := looping(f"{hook} {script}"):
        return f"it says “{loop}” over and over"
    if not usable_text(hook, echoes, HOOK_LINE_MIN_WORDS):
        return "no usable hook line"
    if not usable_text(script, echoes, SHORT_MIN_WORDS):
        return "no usable script"
    if all_same(split_sentences(script)):
        return "it repeats one sentence"
    if off_topic(f"{hook} {script}", topic):
        return "it is not about the video"
    words = len(hook.split()) + len(script.split())
    return f"{words} words, more than the {max_words} that fit {SHORT_MAX_S} s" if words > max_words else None


def write_short(ctx: JobContext, content: Draft, shared: dict[str, Any],
                share: tuple[float, float]) -> tuple[dict[str, Any], list[str]]:
    """The passage is chosen by code; the model tightens it and writes its first line. An unusable cut
    leaves the passage as written, without a hook line of its own, and says so."""
    from pipelines.lm import lm_for_role, predict

    writer = lm_for_role(ctx.settings, "writer")
    signature = ctx.selection.signature("short")
    wpm, max_words = shared["wpm"], max_short_words(shared["wpm"])
    ctx.progress(share[0], "Choosing the passage for the Short")
    passage = pick_passage(script_sentences(content), content.idea, wpm)
    if passage is None:
        raise ScriptwrightError(no_script_message(shared["project"]))
    ctx.progress((share[0] + share[1]) / 2, f"Cutting the Short with {writer.model}")
    inputs = {"creator": shared["creator"]["name"], "voice": shared["voice"], "idea": content.idea,
              "short_passage": passage["text"], "max_words": max_words}
    echoes, topic = (content.idea, "hook_line", "script"), topic_of(content)
    pred = predict("Short", writer, signature, **inputs)
    hook, script = " ".join(str(pred.hook_line or "").split()), " ".join(str(pred.script or "").split())
    if _short_problem(hook, script, max_words, echoes, topic):
        pred = predict("Short", writer, signature, fresh=True, **inputs)
        hook, script = " ".join(str(pred.hook_line or "").split()), " ".join(str(pred.script or "").split())
    problem = _short_problem(hook, script, max_words, echoes, topic)
    problems = []
    if problem:
        hook, script = None, passage["text"]
        problems.append(f"Short: the cut from {writer.model} was unusable ({problem}); the Short is the script's "
                        f"passage as written, without a hook line of its own. Write the first line yourself, cut "
                        f"it again, or {SET_A_MODEL}.")
    words = len((hook or "").split()) + len(script.split())
    return {"hook": hook, "text": script, "tightened": problem is None, "words": words,
            "seconds": round(words / wpm * 60, 1), "max_seconds": SHORT_MAX_S, "wpm": wpm, "passage": passage,
            "lm": writer.model}, problems


def write_post(ctx: JobContext, content: Draft, shared: dict[str, Any],
               share: tuple[float, float]) -> tuple[dict[str, Any], list[str]]:
    """A paragraph announcing the video, from its chosen title and what the description says it covers."""
    from pipelines.lm import lm_for_role, predict

    writer = lm_for_role(ctx.settings, "writer")
    signature = ctx.selection.signature("community_post")
    kit = content.publish
    title = ((kit.get("titles") or {}).get("chosen") or {}).get("text") or content.idea
    covers = (kit.get("description") or {}).get("summary") or " ".join(
        [content.hook_text(), *(s.title for s in content.sections)])
    ctx.progress(share[0], f"Writing the community post with {writer.model}")
    inputs = {"creator": shared["creator"]["name"], "voice": shared["voice"], "video_title": title,
              "what_it_covers": covers}
    topic = topic_of(content)

    def unusable(text: str) -> bool:
        return not usable_text(text, (title, covers), POST_MIN_WORDS) or off_topic(text, topic)

    post = str(predict("Community post", writer, signature, **inputs).post or "").strip()
    if unusable(post):
        post = str(predict("Community post", writer, signature, fresh=True, **inputs).post or "").strip()
    if unusable(post):
        return {"text": "", "title": title, "lm": writer.model}, [
            f"Community post: the post from {writer.model} was empty, repeated its inputs or was not about the "
            f"video. Write it yourself, write it again, or {SET_A_MODEL}."]
    return {"text": post, "title": title, "lm": writer.model}, []


WRITERS = {"titles": write_titles, "description": write_description, "short": write_short, "post": write_post}


# ---------------------------------------------------------------- the job

def _save(ctx: JobContext, project: str, content: Draft, parent: int, model: str, note: str) -> int:
    with connect(ctx.settings.duckdb_path, ctx.settings.lock_retry_s) as conn:
        cost = conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM lm_calls WHERE job_id = ?",
                            [ctx.job_id]).fetchone()[0]
    return drafts.save_version(ctx.settings, project, content, "publish", parent=parent, note=note,
                               tag=ctx.selection.tag, prompt_versions=ctx.selection.record, lm={"writer": model},
                               cost=float(cost), job_id=ctx.job_id)


@job_kind("publish", PublishParams)
def run_publish(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Write the kit's parts (`part`: all or one of PARTS) for a version of the draft (the latest by
    default), saving a new version after each part."""
    settings = ctx.settings
    part = params.get("part") or "all"
    if part not in ("all", *PARTS):
        raise ScriptwrightError(f"Publish part '{part}': expected all, {', '.join(PARTS)}.")
    project = params["project"]
    found = published_draft(settings, project, params.get("base_version"))
    wanted = PARTS if part == "all" else (part,)
    ctx.prompts(params.get("tag"), params.get("prompts"))
    for name in wanted:
        ctx.selection.signature(PART_STEPS[name])  # a broken prompt stops the run before any work
    if "titles" in wanted:
        ctx.selection.compiled("title", found["content"].creator)  # and so does a broken compiled program
    content, parent = found["content"].model_copy(deep=True), found["version"]
    shared = shared_inputs(settings, project, content)
    saved, problems = [], []
    for i, name in enumerate(wanted):
        share = (i / len(wanted), (i + 1) / len(wanted))
        made, missing = WRITERS[name](ctx, content, shared, share)
        content.publish = {**content.publish, name: {**made, "script_sha256": script_sha256(content)}}
        drafts.record_problems(content, f"publish.{name}", missing)
        problems += missing
        parent = _save(ctx, project, content, parent, made["lm"],
                       f"publish {name} generated" + (" with gaps" if missing else ""))
        saved.append(parent)
    return partial({"project": project, "parts": list(wanted), "versions": saved, "version": saved[-1]},
                   problems)

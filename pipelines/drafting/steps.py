"""The drafting steps as jobs: outline, hooks, script, checks, and the whole pipeline.

Each step reads a base version of the project's draft (the latest by default), replaces its
own part in a copy and saves the result as a new version, so re-running one step never
loses what was written or edited in another.
"""

from __future__ import annotations

import statistics
from typing import Any

from pipelines import corpus
from pipelines.drafting import drafts
from pipelines.drafting.checks import run_checks
from pipelines.drafting.content import Draft, Hook, HookCandidate, OutlineSection, Section, Sentence
from pipelines.drafting.frameworks import Framework, catalogue, load_frameworks
from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.injection import redact
from pipelines.evidence.sources import best_match, cited_ids
from pipelines.job_params import AUDIENCE_LEVELS, DraftParams, DraftStepParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.programs.drafting import HookWriter, OutlineWriter
from pipelines.programs.registry import step as registered
from pipelines.provenance import record_writer
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.usable import (SET_A_MODEL, empty_sections_message, has_script, instruction_texts, off_task,
                              outline_problem, repetition, usable_items, usable_plan, usable_text)
from pipelines.voice import dna

HOOK_STYLES = {
    "question": "open with a question the viewer cannot answer yet",
    "surprising fact": "open with the most surprising fact from the research",
    "story": "open with a tiny story or scene",
    "stakes": "open with why getting this wrong matters to the viewer",
}
DEFAULT_WPM = 150.0
N_NOTES = 6
N_EXAMPLES = 2
# Notes a compiled script writer gets with a section's beats: its eval-set examples have three key points.
N_KEY_NOTES = 3
# A script sentence is re-grounded to the note it restates at this cosine: restatements of a
# note measured 0.69-0.76, sentences that only mention its topic ("imagine a hundred doors") 0.61-0.63.
SENTENCE_REGROUND_MIN = 0.68
# A framework's name or id is a few words: a longer answer in its place is not quoted back as a name.
MAX_NAME = 60
# Fewer words than this is no opening: the hook signature asks for three to five sentences; the
# embedded model's unusable hooks were a title-like phrase of 4-6 words ("Monty Hall's Monty Hall Problem").
HOOK_MIN_WORDS = 8
# A script section is off its plan below this cosine to the idea, the section's plan and its notes (lower
# than usable.UNRELATED_BELOW: a section covers one beat, not the whole idea). The demo creators' real
# chunks (~150 words) against their video's title and key points: 0.16-0.84, 5th percentile 0.47, one
# chunk of 99 under 0.20 (0.16; the next 0.33); other videos' chunks median 0.06; "beach beach beach" 0.09.
SECTION_UNRELATED_BELOW = 0.20


# ---------------------------------------------------------------- inputs every step shares

def creator_pace(settings: Settings, creator_id: int, slug: str) -> tuple[float, int]:
    """Words per minute (the DNA's median, else from video durations) and the median video length in words."""
    snap = dna.latest(settings, slug)
    wpm = ((snap or {}).get("features", {}).get("wpm") or {}).get("median")
    videos = corpus.list_videos(settings, creator_id)
    if not wpm:
        timed = [(v["n_words"], v["duration_s"]) for v in videos if v.get("n_words") and v.get("duration_s")]
        wpm = sum(w for w, _ in timed) / sum(d for _, d in timed) * 60 if timed else DEFAULT_WPM
    words = int(statistics.median([v["n_words"] for v in videos if v.get("n_words")] or [1200]))
    return round(float(wpm), 1), words


def voice_brief(settings: Settings, slug: str) -> str:
    """The creator's style guide, measured rules and signature phrases (or a note that there is no DNA)."""
    snap = dna.latest(settings, slug)
    if not snap:
        return "No Creator DNA yet: write plainly and directly to the viewer."
    guide = snap["style_guide"]
    lines = [guide.get("summary") or ""] + list(guide.get("measured_rules") or [])
    lines += [f"Do: {r['rule']}" for r in guide.get("do", [])] + [f"Don't: {r['rule']}" for r in guide.get("dont", [])]
    lines.append("Signature phrases: " + ", ".join(p["phrase"] for p in snap["signature_phrases"][:10]))
    return "\n".join(line for line in lines if line.strip())


def note_items(notes: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The research notes' facts as one numbered list: text and the source chunks they cite."""
    if not notes:
        return []
    items = [{"text": n["text"], "cites": n["cites"]} for n in notes.get("key_points", []) + notes.get("numbers", [])]
    items += [{"text": f"{d['term']}: {d['meaning']}", "cites": d["cites"]} for d in notes.get("definitions", [])]
    return items


def relevant_notes(items: list[dict[str, Any]], query: str, k: int = N_NOTES) -> list[int]:
    """Indices of the k notes closest to a query (all of them when there are few)."""
    if len(items) <= k:
        return list(range(len(items)))
    vecs = embed([query] + [i["text"] for i in items])
    sims = vecs[1:] @ vecs[0]
    return sorted(range(len(items)), key=lambda i: -sims[i])[:k]


def numbered_notes(items: list[dict[str, Any]], picked: list[int]) -> str:
    return "\n".join(f"[N{n + 1}] {items[i]['text']}" for n, i in enumerate(picked)) or "(no research notes yet)"


def base_content(settings: Settings, project: dict[str, Any], params: dict[str, Any]) -> tuple[Draft, int | None]:
    """The draft a step starts from (a copy) and its version (a fresh draft when there is none)."""
    found = drafts.find(settings, project["id"], params.get("base_version"))
    if params.get("base_version") and found is None:
        raise ScriptwrightError(f"Project {project['id']} has no version {params['base_version']}.")
    if found:
        content = found["content"].model_copy(deep=True)
        for key in ("audience_level", "target_words"):
            if params.get(key):
                setattr(content, key, params[key])
        return content, found["version"]
    creator = corpus.get_creator(settings, project["creator"])
    wpm, words = creator_pace(settings, creator["id"], creator["slug"])
    level = params.get("audience_level") or "general"
    if level not in AUDIENCE_LEVELS:
        raise ScriptwrightError(f"Audience level '{level}': expected one of {', '.join(AUDIENCE_LEVELS)}.")
    minutes = params.get("target_minutes")
    return Draft(idea=project["idea"] or project["working_title"], creator=creator["slug"],
                 creator_name=creator["name"], audience_level=level,
                 target_words=int(minutes * wpm) if minutes else params.get("target_words") or words, wpm=wpm,
                 framework=None, outline=[], hooks=[], hook=None, sections=[], checks=None, problems={}), None


def _save(ctx: JobContext, project: str, content: Draft, step: str, parent: int | None,
          roles: dict[str, str], note: str) -> int:
    with connect(ctx.settings.duckdb_path, ctx.settings.lock_retry_s) as conn:
        cost = conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM lm_calls WHERE job_id = ?", [ctx.job_id]).fetchone()[0]
    record_writer(content, step, roles)
    return drafts.save_version(ctx.settings, project, content, step, parent=parent, note=note,
                               tag=ctx.selection.tag if ctx.selection else None,
                               prompt_versions=ctx.selection.record if ctx.selection else {}, lm=roles,
                               cost=float(cost), job_id=ctx.job_id)


# ---------------------------------------------------------------- the steps

def plan_text(plans: list[dict[str, Any]]) -> str:
    """What an outline says: its sections' titles, goals and beats as one text."""
    return "\n".join(" ".join([str(p.get("title") or ""), str(p.get("goal") or ""), *map(str, p.get("beats") or [])])
                     for p in plans)


def step_module(ctx: JobContext, name: str, creator: str, module_class: type) -> Any:
    """The module a step runs: the creator's compiled program when the run's tag points the step at one,
    else the step's module over its selected prompt."""
    tuned = ctx.selection.compiled(name, creator)
    return tuned.module if tuned else module_class(ctx.selection.signature(name))


def outline(ctx: JobContext, project: dict[str, Any], content: Draft, share: tuple[float, float]) -> dict:
    from pipelines.lm import lm_for_role, run_module

    settings = ctx.settings
    frameworks = load_frameworks(settings)
    module = step_module(ctx, "outline", content.creator, OutlineWriter)
    instructions = [t for p in module.predictors() for t in instruction_texts(p.signature)]
    notes = projects.result(settings, project["id"], "research")
    items = note_items(notes["content"] if notes else None)
    audience = projects.result(settings, project["id"], "audience") or projects.result(settings, project["id"], "idea")
    questions = []
    if audience and "clusters" in audience["content"]:
        questions = [c["quotes"][0]["text"] for c in audience["content"]["clusters"]
                     if c["kind"] in ("question", "confusion") and c["quotes"]][:4]
    elif audience:
        questions = [q["text"] for q in audience["content"].get("demand", {}).get("quotes", [])][:4]
    lm = lm_for_role(settings, registered("outline").role)
    ctx.progress(share[0], f"Outlining with {lm.model}")
    inputs = {"idea": content.idea, "frameworks": catalogue(frameworks),
              "audience": f"{content.audience_level} viewers. They ask: " + (" | ".join(questions) or "nothing yet"),
              "notes": numbered_notes(items, relevant_notes(items, content.idea, 12))}

    def attempt(fresh: bool) -> tuple[list[dict[str, Any]], Framework, str, str | None, str | None]:
        """(plans, framework, why, what makes the plans unusable, what makes them off task) of one answer."""
        pred = run_module("Outline", lm, module, fresh, **inputs)
        chosen, why = _framework(frameworks, content.idea, pred.framework, pred.why)
        off = off_task(plan_text(pred.sections), f"{content.idea}\n{inputs['notes']}", instructions) \
            if any(map(usable_plan, pred.sections)) else None
        return pred.sections, chosen, why, outline_problem(pred.sections, len(chosen.beats)) or off, off

    plans, chosen, why, problem, off = attempt(False)
    if problem:
        ctx.progress((share[0] + share[1]) / 2, f"Outlining again with {lm.model}: its plan was unusable")
        plans, chosen, why, problem, off = attempt(True)
    kept = [] if repetition(plans) or off else plans  # plans that repeat themselves or are off task leave nothing
    sections = []
    for i, beat in enumerate(chosen.beats):
        plan = kept[i] if i < len(kept) and usable_plan(kept[i]) else {}
        title = plan["title"].strip() if plan else beat.title
        words = max(40, int(content.target_words * beat.share))
        sections.append(OutlineSection(id=f"s{i + 1}", title=title,
                                       goal=plan["goal"].strip() if usable_text(plan.get("goal"), [title]) else beat.goal,
                                       beats=usable_items(plan.get("beats") or [], [title]) or [beat.goal],
                                       words=words, duration_s=round(words / content.wpm * 60, 1)))
    content.framework = {"id": chosen.id, "name": chosen.name, "why": why}
    content.outline, content.checks = sections, None
    drafts.record_problems(content, "outline", [
        f"Outline: the section plans from {lm.model} were unusable ({problem}); the {chosen.name} framework's own "
        f"beats stand in for them. Edit them, write the outline again, or {SET_A_MODEL}."] if problem else [])
    return {"research": lm.model}


def _framework(frameworks: list[Framework], idea: str, named: str, why: str) -> tuple[Framework, str]:
    """The framework the model named and its reason; else the one whose use is closest to the idea,
    saying so without the model's reason, which was for a choice not taken (a placeholder or an empty
    answer is never quoted as the model's)."""
    why = why.strip() if usable_text(why) else ""
    chosen = {f.id: f for f in frameworks}.get(named.strip())
    if chosen is not None:
        return chosen, why or "The model gave no usable reason for this choice."
    vecs = embed([idea] + [f"{f.name}: {f.when_to_use}" for f in frameworks])
    said = (f"the model named '{named.strip()}'" if usable_text(named) and len(named) <= MAX_NAME
            else "the model named no listed framework")
    return frameworks[int((vecs[1:] @ vecs[0]).argmax())], f"Chosen by similarity to the idea ({said})."


def hook_problem(text: str, echoes: tuple[str, ...], context: str, instructions: list[str]) -> str | None:
    """Why a hook cannot open the video (too short or empty, its instructions again, about something
    else), or None."""
    if not usable_text(text, echoes, HOOK_MIN_WORDS):
        return f"empty or under {HOOK_MIN_WORDS} words"
    return off_task(text, context, instructions)


def hooks(ctx: JobContext, project: dict[str, Any], content: Draft, share: tuple[float, float]) -> dict:
    from pipelines.lm import lm_for_role, predict, run_module
    from pipelines.voice import scorer

    settings = ctx.settings
    writer = lm_for_role(settings, registered("hook").role)
    judge = lm_for_role(settings, registered("hook_rubric").role)
    module = step_module(ctx, "hook", content.creator, HookWriter)
    instructions = [t for p in module.predictors() for t in instruction_texts(p.signature)]
    rate_sig = ctx.selection.signature("hook_rubric")
    notes = projects.result(settings, project["id"], "research")
    items = note_items(notes["content"] if notes else None)
    facts = numbered_notes(items, relevant_notes(items, content.idea, 4))
    voice = voice_brief(settings, content.creator)
    written, missing = [], {}
    for n, (style, how) in enumerate(HOOK_STYLES.items()):
        ctx.progress(share[0] + (share[1] - share[0]) * n / len(HOOK_STYLES), f"Writing a {style} hook")
        inputs = {"idea": content.idea, "style": f"{style}: {how}", "voice": voice, "facts": facts}
        echoes = (style, how, inputs["style"], content.idea)
        context = f"{content.idea}\n{facts}"
        text = run_module("Hook", writer, module, **inputs).hook.strip()
        if hook_problem(text, echoes, context, instructions):
            text = run_module("Hook", writer, module, fresh=True, **inputs).hook.strip()
        problem = hook_problem(text, echoes, context, instructions)
        if problem:
            missing.setdefault(problem, []).append(style)
            continue
        rating = predict("Hook rubric", judge, rate_sig, idea=content.idea, hook=text)
        rubric = {k: max(1, min(5, int(getattr(rating, k) or 1))) for k in ("curiosity", "clarity", "promise")}
        written.append(HookCandidate(id=f"h{n + 1}", style=style, text=text, rubric=rubric,
                                     critique=rating.critique, voice=None, voice_note=None))
    try:
        scores = scorer.score_texts(settings, content.creator, [(h.id, h.text) for h in written])
        for h, sc in zip(written, scores):
            h.voice, h.voice_note = sc["fidelity"], sc["message"]
    except ScriptwrightError as exc:  # no voice profile yet: hooks are ranked on the rubric alone
        for h in written:
            h.voice_note = str(exc)
    for h in written:
        parts = [(sum(h.rubric.values()) / 3 - 1) / 4] + ([h.voice] if h.voice is not None else [])
        h.score = round(sum(parts) / len(parts), 3)
    written.sort(key=lambda h: -h.score)
    if written:  # with none usable, the hooks written before (and the one chosen) stay
        content.hooks = written
        if not content.hook or content.hook.id not in {h.id for h in written}:
            best = written[0]
            content.hook = Hook(id=best.id, style=best.style, text=best.text)
        content.checks = None
    reasons = "; ".join(f"{', '.join(styles)}: {why}" for why, styles in missing.items())
    drafts.record_problems(content, "hooks", [
        f"Hooks: {sum(map(len, missing.values()))} of {len(HOOK_STYLES)} from {writer.model} were unusable ({reasons})."
        f" Write hooks again, write your own opening, or {SET_A_MODEL}."] if missing else [])
    return {"writer": writer.model, "judge": judge.model}


def choose_hook(content: Draft, hook_id: str, text: str | None = None) -> Draft:
    """A copy of the draft using one of its hooks (optionally edited)."""
    found = next((h for h in content.hooks if h.id == hook_id), None)
    if found is None:
        raise ScriptwrightError(f"The draft has no hook '{hook_id}'.")
    out = content.model_copy(deep=True)
    out.hook = Hook(id=found.id, style=found.style, text=(text or found.text).strip())
    out.checks = None
    drafts.record_problems(out, "hooks", [])  # the creator's choice settles the step, whatever hooks are missing
    return out


def section_key_points(plan: OutlineSection, items: list[dict[str, Any]]) -> tuple[list[str], list[int]]:
    """What the compiled script writer is asked to cover in a section: its beats, then the research
    notes closest to it (their indices come back too, to re-ground the written sentences)."""
    picked = relevant_notes(items, f"{plan.title}. {plan.goal}", N_KEY_NOTES)
    return [*plan.beats, *(items[i]["text"] for i in picked)], picked


def script(ctx: JobContext, project: dict[str, Any], content: Draft, share: tuple[float, float]) -> dict:
    """Each section by the creator's compiled script writer when the run's tag points script_writer
    at one (its sentences cite by re-grounding), else by the section writer with the creator's
    passages and numbered notes."""
    from pipelines.lm import lm_for_role, predict

    settings = ctx.settings
    if not content.outline:
        raise ScriptwrightError("Write the outline first: the script follows its sections.")
    writer = lm_for_role(settings, registered("script_section").role)
    tuned = ctx.selection.compiled("script_writer", content.creator)
    signature = None if tuned else ctx.selection.signature("script_section")
    instructions = [t for p in tuned.module.predictors() for t in instruction_texts(p.signature)] if tuned \
        else instruction_texts(signature)
    notes = projects.result(settings, project["id"], "research")
    items = note_items(notes["content"] if notes else None)
    voice = voice_brief(settings, content.creator)
    previous = content.hook_text()

    def write(plan: OutlineSection, fresh: bool) -> tuple[list[tuple[str, list[str]]], list[int]]:
        """A section's (sentence, cited note ids) and the notes it was shown; `fresh` is the one retry."""
        if tuned:
            key_points, picked = section_key_points(plan, items)
            pred = tuned.generate("Script", writer, fresh=fresh, creator=content.creator_name, voice=voice,
                                  title=plan.title, key_points=key_points, target_words=plan.words)
            return [(text, []) for text in pred.sentences], picked
        query = f"{plan.title}. {plan.goal}"
        # the creator's transcripts are data: instruction-like sentences in them are withheld from the model
        examples = [redact(h["text"])[:500] for h in corpus.search(settings, query, content.creator, k=N_EXAMPLES)]
        picked = relevant_notes(items, query)
        pred = predict("Script", writer, signature, fresh=fresh, creator=content.creator_name, voice=voice,
                       examples="\n\n".join(examples) or "(none)",
                       section=f"{plan.title}\nGoal: {plan.goal}\nBeats: {'; '.join(plan.beats)}\n"
                               f"Length: about {plan.words} words",
                       notes=numbered_notes(items, picked), previous=previous[-300:])
        return [(s.text, s.cites) for s in pred.sentences], picked

    # a "sentence" that only repeats what the model was given (the idea, the hook, an outline title, goal or beat)
    # is no prose: the embedded model's one "sentence" per section was often a section title
    given = [content.idea, previous, *(x for o in content.outline for x in (o.title, o.goal, *o.beats))]

    def section_problem(plan: OutlineSection, written: list[tuple[str, list[str]]], picked: list[int]) -> str | None:
        """Why a written section cannot stand: nothing usable in it, its instructions again, or off its plan."""
        said = " ".join(text for text, _ in written if usable_text(text, given))
        if not said:
            return "it came back empty"
        context = "\n".join([content.idea, plan.title, plan.goal, *plan.beats,
                             *(items[i]["text"] for i in picked)])
        return off_task(said, context, instructions, SECTION_UNRELATED_BELOW)

    sections, set_aside = [], []
    for n, plan in enumerate(content.outline):
        ctx.progress(share[0] + (share[1] - share[0]) * n / len(content.outline), f"Writing '{plan.title}'")
        written, picked = write(plan, fresh=False)
        problem = section_problem(plan, written, picked)
        if problem:
            ctx.progress(share[0] + (share[1] - share[0]) * n / len(content.outline),
                         f"Writing '{plan.title}' again: {problem}")
            written, picked = write(plan, fresh=True)
            problem = section_problem(plan, written, picked)
            if problem and problem != "it came back empty":
                set_aside.append(f"{plan.title} ({problem})")
                written = []
        sentences = []
        for text, cites in written:
            if usable_text(text, given + [s.text for s in sentences]):  # nor is one said twice in a section
                sentences.append(Sentence(text=text.strip(), cites=sentence_cites(text.strip(), cites, items, picked)))
        words = sum(len(s.text.split()) for s in sentences)
        sections.append(Section(id=plan.id, title=plan.title, sentences=sentences,
                                duration_s=round(words / content.wpm * 60, 1)))
        previous = " ".join(s.text for s in sentences[-2:]) or previous
    content.sections, content.checks = sections, None
    missing = empty_sections_message(content, writer.model)
    problems = [f"Script: {missing}"] if missing else []
    if set_aside:
        problems.append(f"Script: what {writer.model} wrote for {'; '.join(set_aside)} was set aside, leaving the "
                        "section empty.")
    drafts.record_problems(content, "script", problems)
    return {"writer": writer.model}


def sentence_cites(text: str, cites: list[str], items: list[dict[str, Any]], picked: list[int]) -> list[dict]:
    """The source chunks behind a sentence: those of the notes it cites, or else of the note it
    clearly restates; none when it states neither."""
    idx = cited_ids(cites, len(picked), label="N")
    if not idx and picked and len(text.split()) >= 5:
        best, sim = best_match(text, [items[i]["text"] for i in picked])
        idx = [best] if sim >= SENTENCE_REGROUND_MIN else []
    chunks = {c["chunk_id"]: c for k in idx for c in items[picked[k]]["cites"]}
    return [{k: c[k] for k in ("chunk_id", "title", "uri")} for c in chunks.values()]


def check(ctx: JobContext, project: dict[str, Any], content: Draft, share: tuple[float, float]) -> dict:
    from pipelines.evidence.sources import list_sources
    from pipelines.voice import scorer

    settings = ctx.settings
    if not content.sections:
        raise ScriptwrightError("Write the script first: the checks read it.")
    if not has_script(content):
        raise ScriptwrightError("The script has no sentences yet: write it again or write its sections yourself "
                                "before the checks.")
    ctx.progress(share[0], "Checking coherence, difficulty and safety")
    notes = projects.result(settings, project["id"], "research")
    verification = projects.result(settings, project["id"], "verification")
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        source_texts = [r[0] for r in conn.execute(
            "SELECT string_agg(text, ' ' ORDER BY idx) FROM source_chunks WHERE project_id = ? GROUP BY source_id",
            [project["id"]]).fetchall()] if list_sources(settings, project["id"]) else []
    checks = run_checks(content, notes["content"] if notes else None,
                        verification["content"] if verification else None, source_texts)
    ctx.progress((share[0] + share[1]) / 2, "Scoring the voice")
    try:
        result = scorer.score_texts(settings, content.creator, [("draft", drafts.plain_text(content))])[0]
        checks["voice"] = {k: result[k] for k in ("fidelity", "threshold", "sounds_like", "probability", "profile_z",
                                                  "best_match", "message", "off_voice_sentences", "scorer")}
    except ScriptwrightError as exc:
        checks["voice"] = {"fidelity": None, "message": str(exc)}
    content.checks = checks
    return {}


STEPS = {"outline": outline, "hooks": hooks, "script": script, "checks": check}


def run_steps(ctx: JobContext, params: dict[str, Any], steps: list[str]) -> dict[str, Any]:
    """Run steps in order on the base version, saving one new version per step."""
    settings = ctx.settings
    project = projects.get_project(settings, params["project"])
    ctx.prompts(params.get("tag"), params.get("prompts"))
    for step in ("outline", "hook", "hook_rubric", "script_section"):
        ctx.selection.signature(step)  # a broken prompt stops the run before any work
    content, parent = base_content(settings, project, params)
    for step, program in (("outline", "outline"), ("hooks", "hook"), ("script", "script_writer")):
        if step in steps:
            ctx.selection.compiled(program, content.creator)  # and so does a broken compiled program
    saved, roles, problems = [], {}, []
    for i, step in enumerate(steps):
        if step == "checks" and saved and not has_script(content):
            problems.append("Checks: skipped, the script has no sentences to check.")
            continue
        share = (i / len(steps), (i + 1) / len(steps))
        roles.update(STEPS[step](ctx, project, content, share))
        gaps = content.problems.get(step) or []
        problems += gaps
        parent = _save(ctx, project["id"], content, step, parent, roles,
                       f"{step} generated" + (" with gaps" if gaps else ""))
        saved.append(parent)
    return partial({"project": project["id"], "versions": saved, "version": saved[-1]}, problems)


def _step_job(step: str):
    def run(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        return run_steps(ctx, params, [step])

    run.__doc__ = f"Re-run the {step} step alone on a draft version."
    return job_kind(f"draft-{step}", DraftStepParams)(run)


for _step in STEPS:
    _step_job(_step)


@job_kind("draft", DraftParams)
def run_draft(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The whole pipeline, non-interactively: research when sources are given, then outline,
    hooks (the best one chosen), script and checks."""
    from pipelines.evidence.research import run_research

    settings = ctx.settings
    if params.get("idea"):
        project = projects.ensure_project(settings, params["creator"], params.get("title") or params["idea"],
                                          params["idea"])
        params = {**params, "project": project["id"]}
    project = projects.get_project(settings, params["project"])
    records, problems = {}, []
    if params.get("sources") or params.get("texts"):
        research = ctx.part(0.0, 0.2)
        problems += run_research(research, {**params, "project": project["id"],
                                            "topic": project["idea"]}).get("problems", [])
        records.update(research.selection.record)
    drafting = ctx.part(0.2 if records else 0.0, 1.0)
    result = run_steps(drafting, params, ["outline", "hooks", "script", "checks"])
    ctx.selection = drafting.selection
    ctx.selection.record.update(records)
    return partial(result, problems + result.get("problems", []))

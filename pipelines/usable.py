"""Whether what a language model returned can be used, and what a draft still lacks.

A tiny model (the embedded 135M one) answers in the right shape with nothing in it: sections
without a sentence, one word for every beat of an outline, the verdict's option labels as its
reasons, a field's placeholder (`{why}`) as its text. Steps run these checks on every answer
so that an unusable part is retried, replaced by an honest fallback, or reported as missing,
never shown as done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pipelines.drafting.content import Draft, Section

# What a user can do about an unusable answer, named in every report of one.
SET_A_MODEL = "set a stronger model (SCRIPTWRIGHT_LM, shown on the Settings page)"
DONE, PARTIAL, TODO = "done", "partial", "todo"
# `{why}`, `{ framework }`, and the field markers the JSON/chat adapters put around fields.
_PLACEHOLDER = re.compile(r"\{\s*[A-Za-z_][\w.]*\s*\}|\[\[\s*##\s*\w+\s*##\s*\]\]")
_WORD = re.compile(r"[^\W_]+")
# What is not spoken words: the ids a prompt numbers its notes, passages and evidence with ([N1],
# [P2], [E3]), and links.
_NOT_WORDS = re.compile(r"\b[NPE]\d+\b|https?://\S+|www\.\S+")


def placeholder_in(text: str) -> bool:
    """Whether the text holds an unfilled template placeholder (`{why}`) or a field marker."""
    return bool(_PLACEHOLDER.search(text or ""))


def _norm(text: str) -> str:
    return " ".join(_WORD.findall((text or "").lower()))


# An answer this short made only of an echo's words, inflected or not, repeats it ("sharpening it").
ECHO_MAX_WORDS = 3


def _repeats(norm: str, echo: str) -> bool:
    """Whether normalised text only repeats a normalised echo: the same words, or in a few words
    each a form of one of the echo's ("sharpening it" of "sharpen it", "making" of "make")."""
    words, stems = norm.split(), [t[:-1] if len(t) > 3 and t.endswith("e") else t for t in echo.split()]
    return norm == echo or (len(words) <= ECHO_MAX_WORDS and
                            all(any(w.startswith(t) for t in stems) for w in words))


# A tiny model caught in a loop says one phrase again and again ("Dr. Amara Okafor, Dr. Amara Okafor, …").
# People repeat themselves too ("I'm dumb, I'm dumb.", "no, no, no, no"): in 29,909 sentences of the shared
# corpora, copies of one phrase back to back covering half a sentence and 8+ words (a phrase under 4 words
# three times or more) came up 10 times ("six hours a day, six hours a day for 12 years").
LOOP_SHARE = 0.5
LOOP_MIN_WORDS = 8
LOOP_SHORT_PHRASE = 4  # words; a shorter phrase loops only when said three times
LOOP_MAX_PHRASE = 50  # words; a longer block said twice is a repeated paragraph, checked elsewhere


def looping(text: str | None) -> str | None:
    """The phrase an answer says over and over, back to back, when those copies make up at least
    LOOP_SHARE of it and LOOP_MIN_WORDS words; None when it does not loop."""
    words = _norm(text).split()
    n = len(words)
    for size in range(1, min(LOOP_MAX_PHRASE, n // 2) + 1):
        run = 0  # how many words in a row equal the word `size` before them
        for j in range(size, n + 1):
            if j < n and words[j] == words[j - size]:
                run += 1
                continue
            copies = run // size + 1
            covered = copies * size
            if copies >= (3 if size < LOOP_SHORT_PHRASE else 2) and covered >= max(LOOP_MIN_WORDS, LOOP_SHARE * n):
                return " ".join(words[j - run - size:j - run])
            run = 0
    return None


def usable_text(text: str | None, echoes: Iterable[str] = (), min_words: int = 1) -> bool:
    """Whether a piece of model output says something: at least `min_words` words besides the ids of
    its notes and links ("N1" is no sentence), no unfilled placeholder, not one phrase over and over
    (`looping`), and not just a repeat of one of `echoes` (the options or inputs it was given)."""
    norm = _norm(_NOT_WORDS.sub(" ", text or ""))
    return (len(norm.split()) >= min_words and not placeholder_in(text or "") and looping(norm) is None
            and not any(_repeats(norm, _norm(e)) for e in echoes))


def usable_items(items: Iterable[str], echoes: Iterable[str] = (), min_words: int = 1) -> list[str]:
    """The stripped items of a list answer that are usable text."""
    echoes = list(echoes)
    return [str(i).strip() for i in items if usable_text(str(i), echoes, min_words)]


def all_same(texts: Iterable[str]) -> bool:
    """Whether two or more texts with words in them are one and the same (up to case and punctuation)."""
    norms = [n for n in map(_norm, texts) if n]
    return len(norms) > 1 and len(set(norms)) == 1


def usable_plan(plan: dict[str, Any]) -> bool:
    """Whether a section plan says something of its own: a title, and a goal or a beat that is not
    just the title again."""
    title = plan.get("title")
    return usable_text(title) and (usable_text(plan.get("goal"), [title])
                                   or bool(usable_items(plan.get("beats") or [], [title])))


def repetition(plans: list[dict[str, Any]]) -> str | None:
    """What a model's section plans repeat instead of planning (every beat or every title the same), or None."""
    beats = usable_items(b for p in plans for b in p.get("beats") or [])
    titles = usable_items(p.get("title") or "" for p in plans)
    if all_same(beats):
        return f"every beat was “{beats[0]}”"
    if all_same(titles):
        return f"every section was titled “{titles[0]}”"
    return None


def outline_problem(plans: list[dict[str, Any]], sections: int) -> str | None:
    """Why a model's section plans (title, goal, beats) cannot stand as the outline of `sections`
    sections, or None when they can."""
    if not plans:
        return "it planned no sections"
    if repetition(plans):
        return repetition(plans)
    planned = sum(map(usable_plan, plans))
    if not planned:
        return "its section plans were empty or only repeated their titles"
    if planned * 2 < sections:
        return f"it planned only {planned} of {sections} sections"
    return None


# ---------------------------------------------------------------- what a draft still lacks

def written(section: Section) -> bool:
    """Whether a script section has at least one sentence with words in it."""
    return any(usable_text(s.text) for s in section.sentences)


def empty_sections(draft: Draft) -> list[str]:
    """Titles of the script's sections that have no sentence."""
    return [s.title or s.id for s in draft.sections if not written(s)]


def has_script(draft: Draft) -> bool:
    """Whether the script has a sentence to say (a hook alone is not a script)."""
    return any(written(s) for s in draft.sections)


def empty_sections_message(draft: Draft, model: str | None = None) -> str | None:
    """What is missing from the script and what to do, or None when every section has text."""
    empty = empty_sections(draft)
    if not empty:
        return None
    total = len(draft.sections)
    source = f" from {model}" if model else ""
    return (f"{len(empty)} of {total} sections came back empty{source} ({', '.join(empty)}): "
            f"write the script again, write them yourself, or {SET_A_MODEL}.")


def draft_states(draft: Draft) -> dict[str, str]:
    """Each drafting part's state: done, partial (it ran and left something missing) or todo.
    The script and the export are never done without a sentence."""
    problems = draft.problems
    sections = draft.sections

    def state(present: bool, part: str) -> str:
        return PARTIAL if problems.get(part) else DONE if present else TODO

    script = TODO if not sections else PARTIAL if empty_sections(draft) else DONE
    return {"outline": state(bool(draft.outline), "outline"),
            "hooks": state(bool(draft.hooks), "hooks"),
            "sections": script,
            "checks": DONE if draft.checks and has_script(draft) else TODO,
            "export": TODO if not has_script(draft) else script}


def result_state(content: dict[str, Any] | None) -> str:
    """An evidence result's state: todo when absent, partial when it records problems, else done."""
    if not content:
        return TODO
    return PARTIAL if content.get("problems") else DONE


# ---------------------------------------------------------------- unrelated or copied answers

# Below this cosine (MiniLM) to what it was written from (the idea, the notes), an answer is about
# something else. Measured on the demo corpus (20 videos, 3 creators): a video's real opening against
# its own title and key points 0.50-0.89; against the same creator's other videos -0.09-0.47 (median
# 0.20), other creators' -0.13-0.26; degenerate answers: "beach beach beach beach" 0.22, a generic
# "welcome back to the channel" opening 0.13, the hook prompt's own instructions 0.20.
UNRELATED_BELOW = 0.30
# An answer sharing a run of this many words with the instructions it was given repeats them: the
# demo creators' real openings share at most 3 words in a row with the hook, outline and section prompts.
COPIED_RUN = 6


def relatedness(text: str, context: str) -> float:
    """Cosine (MiniLM) of an answer to what it was written from."""
    from pipelines.embed import embed

    if not _norm(text) or not _norm(context):
        return 0.0
    vecs = embed([text, context])
    return float(vecs[0] @ vecs[1])


def unrelated(text: str, context: str, below: float = UNRELATED_BELOW) -> str | None:
    """Why an answer is not about what it was written from (its cosine, when under `below`), or None."""
    sim = relatedness(text, context)
    return f"it is not about the idea or the notes (similarity {sim:.2f}, under {below:.2f})" if sim < below else None


def longest_shared_run(text: str, other: str) -> str:
    """The longest run of words (case and punctuation aside) that two texts share."""
    a, b = _norm(text).split(), _norm(other).split()
    best, end, prev = 0, 0, [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        row = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                row[j] = prev[j - 1] + 1
                if row[j] > best:
                    best, end = row[j], i
        prev = row
    return " ".join(a[end - best:end])


def instruction_texts(signature: Any) -> list[str]:
    """What a step's prompt tells the model: its instructions and each field's description."""
    fields = {**signature.input_fields, **signature.output_fields}
    return [signature.instructions, *((f.json_schema_extra or {}).get("desc") or "" for f in fields.values())]


def copied_instructions(text: str, instructions: Iterable[str], run: int = COPIED_RUN) -> str | None:
    """Why an answer repeats its instructions (a run of `run`+ words from them, or the whole answer of 3+
    words inside one of them), or None."""
    norm = _norm(text)
    for given in instructions:
        said = _norm(given)
        if not said:
            continue
        if len(norm.split()) >= ECHO_MAX_WORDS and f" {norm} " in f" {said} ":
            return f"it repeats its instructions (“{norm}”)"
        shared = longest_shared_run(norm, said)
        if len(shared.split()) >= run:
            return f"it repeats its instructions (“{shared}”)"
    return None


def off_task(text: str, context: str, instructions: Iterable[str], below: float = UNRELATED_BELOW) -> str | None:
    """Why an answer cannot stand although it has words: it copies its instructions or is about
    something else than its inputs (cosine under `below`); None when it can."""
    return copied_instructions(text, instructions) or unrelated(text, context, below)

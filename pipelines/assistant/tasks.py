"""Assistant tasks with expected tool use and checkable outcomes: the assistant's eval set.

Tasks are built from the creator's own corpus (a real video's topic to find, its signature
phrases, a passage of theirs to score), so every outcome can be checked against stored
data: the right tool was called, and what it returned (or saved) is what the task needs.
They run in a scratch project, `assistant-eval`, so saved versions never touch real work.
"""

from __future__ import annotations

from typing import Any

from pipelines import corpus
from pipelines.drafting import drafts
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.settings import Settings
from pipelines.voice.documents import load_documents

EVAL_PROJECT = "Assistant evaluation"
SAMPLE_HOOK = "What if everything you know about this is backwards? Stay with me: by the end, you'll see why."
MIN_TASK_VIDEOS = 2


def build_tasks(settings: Settings, creator: str) -> list[dict[str, Any]]:
    """The tasks for a creator: each a message, the tools it should use and the outcome to check."""
    c = corpus.get_creator(settings, creator)
    docs = sorted((d for d in load_documents(settings, [c["slug"]]) if d.n_words >= 80), key=lambda d: d.video_id)
    if len(docs) < MIN_TASK_VIDEOS:
        raise ScriptwrightError(f"{c['name']} has {len(docs)} videos with transcripts; the assistant's tasks need "
                                f"at least {MIN_TASK_VIDEOS}.")
    first, second = docs[0], docs[1]
    passage = " ".join(second.text.split()[:120])
    return [
        {"id": "find-past-video", "message": f"Where did I talk about {first.title} before?",
         "expected_tools": ["search_corpus"], "check": "found_video", "video_title": first.title},
        {"id": "signature-phrases", "message": "What are my signature phrases?",
         "expected_tools": ["dna_facts"], "check": "tool_ok"},
        {"id": "score-own-passage", "message": f"How much does this sound like me? {passage}",
         "expected_tools": ["score_voice"], "check": "tool_ok"},
        {"id": "idea-fit", "message": f"Would a video called '{second.title}' be new for my channel?",
         "expected_tools": ["validate_idea"], "check": "found_video", "video_title": second.title},
        {"id": "save-hook", "message": f"Save this as my hook: {SAMPLE_HOOK}",
         "expected_tools": ["save_hook"], "check": "new_version"},
    ]


def eval_project(settings: Settings, creator: str) -> str:
    """The scratch project tasks run in (created once per creator)."""
    return projects.ensure_project(settings, creator, EVAL_PROJECT, "A scratch project for the assistant's tasks")["id"]


def score_task(task: dict[str, Any], calls: list[dict[str, Any]], versions_added: int) -> dict[str, Any]:
    """Half for calling the expected tools, half for the outcome; the parts are kept."""
    called = [c["tool"] for c in calls]
    tools = sum(t in called for t in task["expected_tools"]) / len(task["expected_tools"])
    ok = [c for c in calls if c["status"] == "ok" and c["tool"] in task["expected_tools"]]
    if task["check"] == "found_video":
        titles = {p.get("title") for c in ok for p in (c["result"] or {}).get("passages", [])}
        titles |= {v.get("title") for c in ok for v in (c["result"] or {}).get("videos", [])}
        outcome = float(task["video_title"] in titles)
    elif task["check"] == "new_version":
        outcome = float(versions_added >= 1 and bool(ok))
    else:
        outcome = float(bool(ok))
    return {"score": round(0.5 * tools + 0.5 * outcome, 4), "tools": tools, "outcome": outcome, "called": called,
            "errors": sum(c["status"] == "error" for c in calls)}


def version_count(settings: Settings, project: str) -> int:
    return len(drafts.versions(settings, project))


def run_task(settings: Settings, assistant: Any, task: dict[str, Any], project: str) -> tuple[dict[str, Any], str]:
    """One task through an assistant (LM already in context): its scored details and the reply."""
    from pipelines.assistant.chat import context_text

    before = version_count(settings, project)
    pred = assistant(context=context_text(settings, assistant.toolbox.creator, project),
                     history="(new conversation)", message=task["message"])
    return score_task(task, pred.calls, version_count(settings, project) - before), pred.reply

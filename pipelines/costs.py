"""What a whole draft costs: an estimate before it runs (litellm's price map) and the ledger's figure after.

The estimate is an upper bound: every call is counted at its full answer budget (SCRIPTWRIGHT_LM_MAX_TOKENS)
and every step's one retry is counted too. Prompt sizes were measured on the demo workspace (Pip Halloran,
one source, SmolLM2's tokenizer) through llama.cpp's server: research notes 1,893 tokens, outline 1,017,
a hook 718-733, a hook rating 482, a script section 1,315-1,347.
"""

from __future__ import annotations

from typing import Any

from pipelines.settings import Settings

# step: (role, calls, prompt tokens per call)
DRAFT_CALLS = {
    "research notes": ("research", 1, 1900),
    "outline": ("research", 1, 1000),
    "hooks": ("writer", 4, 730),
    "hook ratings": ("judge", 4, 480),
    "script sections": ("writer", 5, 1350),  # every framework has five beats, one section each
}
RETRIES = 2  # each call may be asked once more (an unparseable or unusable answer)


def price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for one call by litellm's price map; 0 for a local model, None when the price is unknown."""
    if model.startswith("local/"):
        return 0.0
    import litellm

    try:
        prompt_usd, completion_usd = litellm.cost_per_token(model=model, prompt_tokens=prompt_tokens,
                                                            completion_tokens=completion_tokens)
    except litellm.exceptions.ModelNotMappedError:
        return None
    return prompt_usd + completion_usd


def draft_estimate(settings: Settings, research: bool) -> dict[str, Any]:
    """At most how many calls and tokens a whole draft takes, and at most what they cost."""
    calls = prompt = completion = 0
    usd = 0.0
    models, unpriced = set(), set()
    for step, (role, n, prompt_tokens) in DRAFT_CALLS.items():
        if step == "research notes" and not research:
            continue
        model = settings.lm_for(role)
        models.add(model)
        n *= RETRIES
        calls += n
        prompt += n * prompt_tokens
        completion += n * settings.lm_max_tokens
        each = price(model, prompt_tokens, settings.lm_max_tokens)
        if each is None:
            unpriced.add(model)
        else:
            usd += n * each
    return {"calls": calls, "prompt_tokens": prompt, "completion_tokens": completion,
            "usd": None if unpriced else round(usd, 4), "models": sorted(models), "unpriced": sorted(unpriced)}


def spent(settings: Settings, job_id: str) -> dict[str, Any]:
    """The ledger's figures for one job: calls, tokens, and the cost of the priced calls."""
    from pipelines.lm import ledger_summary

    rows = ledger_summary(settings, job_id)
    priced = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    return {"calls": sum(r["calls"] for r in rows), "cache_hits": sum(r["cache_hits"] for r in rows),
            "prompt_tokens": sum(r["prompt_tokens"] or 0 for r in rows),
            "completion_tokens": sum(r["completion_tokens"] or 0 for r in rows),
            "usd": round(sum(priced), 6) if priced else None, "models": sorted({r["model"] for r in rows}),
            "unpriced": sorted({r["model"] for r in rows if r["cost_usd"] is None})}


def _usd(figures: dict[str, Any]) -> str:
    if figures["unpriced"]:
        return f"price unknown for {', '.join(figures['unpriced'])} (not in litellm's price map)"
    if all(model.startswith("local/") for model in figures["models"]):
        return "free (local models)"
    return f"${figures['usd'] or 0:.4f}"


def estimate_line(settings: Settings, research: bool) -> str:
    """The estimate as one line, with the spending cap when one is set."""
    e = draft_estimate(settings, research)
    line = (f"Estimate: at most {e['calls']} model calls, {e['prompt_tokens']:,} prompt + "
            f"{e['completion_tokens']:,} answer tokens, {'at most ' if e['usd'] else ''}{_usd(e)}.")
    if settings.max_cost_usd is not None:
        line += f" The job stops before its next call once it has cost ${settings.max_cost_usd:g} " \
                "(SCRIPTWRIGHT_MAX_COST_USD)."
    return line


def spent_line(settings: Settings, job_id: str) -> str:
    """What the job's calls cost, from the ledger, as one line."""
    return spent_text(spent(settings, job_id))


def spent_text(s: dict[str, Any]) -> str:
    """`spent` figures as one line."""
    cached = f" ({s['cache_hits']} answered from the cache)" if s["cache_hits"] else ""
    calls = f"{s['calls']} model call" + ("" if s["calls"] == 1 else "s")
    return (f"Spent: {calls}{cached}, {s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} "
            f"answer tokens, {_usd(s)}.")

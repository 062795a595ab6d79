"""Fact verification: checkable claims, evidence from the project's sources, a verdict each.

Rules enforced in code, whatever the model says: a claim with no passage about it is "not
enough evidence" without asking the model; a claim whose numbers or dates differ from the
source sentence closest to it in meaning, or that names someone else for what that sentence states,
is "contradicted", with that sentence quoted, without
asking the model either; a verdict of supported or contradicted must
cite a passage it was shown, or it becomes "not enough evidence"; the quote shown is
words that really are in the cited passage (the model's, when verbatim, otherwise the
passage's sentence closest to the claim, with the confidence capped). A claim whose model answer
was unusable (a verdict citing nothing it was shown) records that as its `problem`, and a report
with such claims is partial: nobody should read their "not enough evidence" as the sources' word.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.names import name_conflict
from pipelines.evidence.numbers import counted
from pipelines.evidence.sources import (
    best_match,
    cited_ids,
    passages_block,
    search_sources,
)
from pipelines.job_params import VerifyParams
from pipelines.jobs import JobContext, job_kind, partial
from pipelines.lm import lm_for_role, predict, run_module
from pipelines.programs.evidence import ClaimJudge
from pipelines.programs.registry import step as registered
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction
from pipelines.text import split_sentences
from pipelines.usable import SET_A_MODEL, usable_items

VERDICTS = ("supported", "contradicted", "not enough evidence")
N_EVIDENCE = 4
MIN_RELEVANCE = 0.35  # cosine claim↔passage below which a passage is not about the claim at all
MAX_CLAIMS = 20
# cosine claim↔sentence above which both are about the same thing, so different numbers contradict;
# measured on hand-made pairs in tests/unit/test_number_conflicts.py
SAME_THING = 0.6
RULE_CONFIDENCE = 0.9
REPAIRED_CONFIDENCE = 0.6


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\"'“”‘’`]", "", text)).strip().lower()


def quote_in(quote: str, passage: str) -> bool:
    """Whether the quote's words appear verbatim (up to case, quotes and spacing) in the passage."""
    q = _norm(quote).strip(" .")
    return len(q.split()) >= 3 and q in _norm(passage)


def claims_from_notes(notes: dict[str, Any]) -> list[str]:
    """The statements of a research result that can be checked: key points and numbers."""
    return [n["text"] for n in notes.get("key_points", []) + notes.get("numbers", []) if n.get("text")]


def number_conflict(claim: str, sentences: list[str]) -> tuple[int, str] | None:
    """(index, reason) when a source sentence about the same thing as the claim (closest in
    meaning, at least SAME_THING) gives a different number for what the claim counts ("5 riffle
    shuffles" against "seven riffle shuffles", "in 1956" against "in 1953"); None otherwise.
    Sentences that count the same things as the claim are preferred."""
    claimed = {unit: r for r, unit in counted(claim) if unit}
    if not claimed or not sentences:
        return None
    sharing = [i for i, s in enumerate(sentences) if claimed.keys() & {u for _, u in counted(s)}]
    pool = sharing or list(range(len(sentences)))
    best, similarity = best_match(claim, [sentences[i] for i in pool])
    if similarity < SAME_THING:
        return None
    index = pool[best]
    stated: dict[str, set[float]] = {}
    for r, unit in counted(sentences[index]):
        stated.setdefault(unit, set()).update(r)
    for unit, values in claimed.items():
        if unit in stated and not values & stated[unit]:
            said = min(values)
            source = min(stated[unit], key=lambda v: abs(v - said))
            shown = "{:g}" if unit == "year" else "{:,g}"
            return index, f"The source says {shown.format(source)} where the claim says {shown.format(said)}."
    return None


def check_claim(settings: Settings, project: str, claim: str, judge) -> dict[str, Any]:
    """One claim's verdict with its evidence; `judge(claim, evidence_block)` asks the LM."""
    hits = [h for h in search_sources(settings, project, claim, k=N_EVIDENCE) if h["similarity"] >= MIN_RELEVANCE]
    base = {"claim": claim, "evidence": [], "quote": None, "confidence": 0.0, "model_verdict": None, "problem": None}
    if not hits:
        return base | {"verdict": "not enough evidence",
                       "reason": "No passage in the project's sources is about this claim."}
    sentences = [(s, h) for h in hits for s in split_sentences(h["text"])]
    texts = [s for s, _ in sentences]
    conflict = number_conflict(claim, texts) or name_conflict(claim, texts)
    if conflict is not None:
        sentence, hit = sentences[conflict[0]]
        return base | {"verdict": "contradicted", "confidence": RULE_CONFIDENCE, "quote": sentence,
                       "reason": conflict[1] + " (checked without the model)",
                       "evidence": [{"chunk_id": hit["chunk_id"], "title": hit["title"], "uri": hit["uri"],
                                     "text": hit["text"], "similarity": hit["similarity"]}]}
    pred = judge(claim, passages_block(hits, label="E"))
    idx = cited_ids(pred.cites, len(hits), label="E")
    verdict, confidence = pred.verdict, max(0.0, min(1.0, float(pred.confidence or 0.0)))
    out = base | {"model_verdict": verdict}
    if verdict != "not enough evidence" and not idx:
        return out | {"verdict": "not enough evidence", "confidence": 0.0, "problem": "cited no passage",
                      "reason": f"The model said {verdict} but cited none of the passages it was shown, so its "
                                "answer is not used."}
    cited = [hits[i] for i in idx] or hits[:1]
    quote, repaired = (pred.quote or "").strip(), False
    if not any(quote_in(quote, h["text"]) for h in cited):
        sentences = [s for h in cited for s in split_sentences(h["text"])]
        best, _ = best_match(claim, sentences)
        quote, repaired = sentences[best], True
        confidence = min(confidence, REPAIRED_CONFIDENCE)
    reason = {"supported": "A cited passage states it.", "contradicted": "A cited passage states otherwise.",
              "not enough evidence": "The closest passages do not settle it."}[verdict]
    if repaired:
        reason += " (The quote is the cited passage's sentence closest to the claim.)"
    return out | {"verdict": verdict, "confidence": round(confidence, 3), "quote": quote, "reason": reason,
                  "evidence": [{"chunk_id": h["chunk_id"], "title": h["title"], "uri": h["uri"], "text": h["text"],
                                "similarity": h["similarity"]} for h in cited]}


@job_kind("verify", VerifyParams)
def run_verify(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Check the given claims, the claims in a text, or the latest research notes' points."""
    settings = ctx.settings
    project = projects.get_project(settings, params["project"])
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    lm = lm_for_role(settings, registered("claim_verdict").role)
    claims = [c.strip() for c in params.get("claims") or [] if c and c.strip()]
    if not claims and (params.get("text") or "").strip():
        ctx.progress(0.05, f"Finding checkable claims with {lm.model}")
        found = predict("Claim extraction", lm, selection.signature("claim_extraction"), text=params["text"][:6000])
        claims = usable_items(found.claims)
    if not claims and not params.get("text"):
        notes = projects.result(settings, project["id"], "research")
        claims = claims_from_notes(notes["content"]) if notes else []
    if not claims:
        raise ScriptwrightError("Nothing to check: give --claim, a file with a draft, or run research on "
                                f"{project['id']} first.")
    claims = list(dict.fromkeys(claims))[:MAX_CLAIMS]
    verdicts = ClaimJudge(selection.signature("claim_verdict"))

    def judge(claim: str, evidence: str):
        return run_module("Claim check", lm, verdicts, claim=claim, evidence=evidence)

    checked = []
    for i, claim in enumerate(claims):
        ctx.progress(0.1 + 0.85 * i / len(claims), f"Checking claim {i + 1} of {len(claims)}")
        checked.append(check_claim(settings, project["id"], claim, judge))
    counts = {v: sum(c["verdict"] == v for c in checked) for v in VERDICTS}
    unanswered = sum(1 for c in checked if c["problem"])
    problems = [f"Fact check: {unanswered} of {len(checked)} claims got no usable answer from {lm.model} (a verdict "
                "citing none of the passages it was shown), so they stay 'not enough evidence'. Check again, or "
                f"{SET_A_MODEL}."] if unanswered else []
    content = {"claims": checked, "counts": counts, "problems": problems}
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        version = projects.save_result(settings, project["id"], "verification", content, job_id=ctx.job_id,
                                       prompt_versions=selection.record, lm=lm.model, conn=conn)
        conn.executemany(
            "INSERT INTO claims (id, project_id, result_version, claim, verdict, confidence, evidence_chunk_ids, quote,"
            " source_url, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[uuid.uuid4().hex[:12], project["id"], version, c["claim"], c["verdict"], c["confidence"],
              json.dumps([e["chunk_id"] for e in c["evidence"]]), c["quote"],
              c["evidence"][0]["uri"] if c["evidence"] else None, c["reason"]] for c in checked])
    return partial({"project": project["id"], "version": version, "claims": len(checked), **counts}, problems)


def list_claims(settings: Settings, project: str, version: int | None = None) -> list[dict[str, Any]]:
    """The checked claims of a verification version (the latest by default)."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        if version is None:
            version = conn.execute("SELECT max(result_version) FROM claims WHERE project_id = ?", [project]).fetchone()[0]
        return rows(conn, "SELECT claim, verdict, confidence, quote, source_url, reason FROM claims"
                          " WHERE project_id = ? AND result_version = ? ORDER BY rowid", [project, version])

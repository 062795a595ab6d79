"""The assistant's tools: thin wrappers over the pipeline's own functions, bound to one
creator and (optionally) one project.

Every tool returns a `ToolResult`: a short `summary` the model reads, the full `data`
the page shows (with citations and links), and `wrote` when it saved something. Tools
that write only ever add a new draft version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dspy

from pipelines import corpus
from pipelines.drafting import drafts
from pipelines.drafting.steps import HOOK_STYLES, base_content, note_items, numbered_notes, relevant_notes, voice_brief
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.idea import corpus_fit
from pipelines.evidence.sources import list_sources, search_sources
from pipelines.evidence.verify import check_claim
from pipelines.prompts import Selection
from pipelines.settings import Settings
from pipelines.voice import dna, scorer

SUMMARY_CHARS = 1200


@dataclass
class ToolResult:
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    wrote: str | None = None


class Toolbox:
    """The tools for one conversation turn."""

    def __init__(self, settings: Settings, creator: str, project: str | None, selection: Selection) -> None:
        self.settings = settings
        self.creator = corpus.get_creator(settings, creator)
        self.project = project
        self.selection = selection

    # ------------------------------------------------------------ the catalogue

    def tools(self) -> dict[str, dspy.Tool]:
        """Name -> dspy.Tool (arguments and description come from each method's signature and docstring)."""
        methods: list[Callable[..., ToolResult]] = [
            self.search_corpus, self.dna_facts, self.score_voice, self.validate_idea, self.search_sources,
            self.verify_claim, self.show_draft, self.write_hook, self.save_hook, self.rewrite_section]
        return {m.__name__: dspy.Tool(m, name=m.__name__) for m in methods}

    def catalogue(self) -> str:
        """One line per tool for the model: name(arguments): what it does."""
        lines = [f"{name}({', '.join(tool.args)}): {tool.desc}" for name, tool in self.tools().items()]
        return "\n".join(lines + ["finish(): stop calling tools and answer"])

    def _project(self) -> dict[str, Any]:
        if not self.project:
            raise ScriptwrightError("No project is open: start one on the New video page or pass --project.")
        return projects.get_project(self.settings, self.project)

    def _lm(self, role: str):
        from pipelines.lm import lm_for_role

        return lm_for_role(self.settings, role)

    # ------------------------------------------------------------ reading

    def search_corpus(self, query: str, k: int = 5) -> ToolResult:
        """Find where the creator talked about something in past videos: passages with timestamps and links."""
        hits = corpus.search(self.settings, query, self.creator["slug"], k=max(1, min(int(k), 10)))
        found = [{"title": h["title"], "at": corpus.clock(h["start_s"]), "link": h["link"], "text": h["text"][:400]}
                 for h in hits]
        summary = "\n".join(f"- \"{h['title']}\" at {h['at']}: {h['text'][:200]}" for h in found)
        return ToolResult(summary or f"Nothing in {self.creator['name']}'s videos matches '{query}'.",
                          {"query": query, "passages": found})

    def dna_facts(self) -> ToolResult:
        """The creator's DNA: style summary, measured habits and signature phrases."""
        snap = dna.latest(self.settings, self.creator["slug"])
        if not snap:
            return ToolResult(f"{self.creator['name']} has no Creator DNA yet (build it on the Voice page).")
        phrases = [p["phrase"] for p in snap["signature_phrases"][:10]]
        rules = list(snap["style_guide"].get("measured_rules") or [])[:6]
        return ToolResult(voice_brief(self.settings, self.creator["slug"]),
                          {"version": snap["version"], "signature_phrases": phrases, "measured_rules": rules})

    def score_voice(self, text: str) -> ToolResult:
        """How much a text sounds like the creator (fidelity 0 to 1) and its least typical sentences."""
        result = scorer.score_texts(self.settings, self.creator["slug"], [("text", text)])[0]
        off = [s["text"] for s in result["off_voice_sentences"][:3]]
        if result["fidelity"] is None:
            summary = result["message"] or "The voice could not be scored."
        else:
            verdict = "sounds like" if result["sounds_like"] else "does not sound like"
            summary = (f"Voice fidelity {result['fidelity']:.2f}: it {verdict} {self.creator['name']} "
                       f"(pass line {result['threshold']:.2f}).")
        if off:
            summary += " Least typical: " + " | ".join(off)
        return ToolResult(summary, {"fidelity": result["fidelity"], "sounds_like": result["sounds_like"],
                                    "message": result["message"],
                                    "off_voice_sentences": off})

    def validate_idea(self, idea: str) -> ToolResult:
        """How a video idea fits the channel: the closest past videos and whether it repeats one."""
        fit = corpus_fit(self.settings, self.creator["slug"], idea)
        videos = [{"title": v["title"], "similarity": v["similarity"], "link": v.get("link")} for v in fit["videos"]]
        summary = f"{fit['verdict']} (closest similarity {fit['best']:.2f}). " + "; ".join(
            f"\"{v['title']}\" {v['similarity']:.2f}" for v in videos[:3])
        return ToolResult(summary, {"verdict": fit["verdict"], "best": fit["best"], "videos": videos})

    def search_sources(self, query: str) -> ToolResult:
        """Passages from the project's research sources about a question, with their source links."""
        project = self._project()
        if not list_sources(self.settings, project["id"]):
            raise ScriptwrightError(f"Project {project['id']} has no sources yet: add some on the Research step.")
        hits = search_sources(self.settings, project["id"], query, k=4)
        found = [{"title": h["title"], "uri": h["uri"], "text": h["text"][:400], "similarity": h["similarity"],
                  "flagged": h["flagged"]} for h in hits]
        summary = "\n".join(f"- ({h['title']}) {h['text'][:200]}" for h in found if not h["flagged"])
        return ToolResult(summary or "No source passage matches.", {"query": query, "passages": found})

    def verify_claim(self, claim: str) -> ToolResult:
        """Check a claim against the project's sources: supported, contradicted or not enough evidence, with the quote."""
        from pipelines.lm import predict

        project = self._project()
        lm = self._lm("judge")
        signature = self.selection.signature("claim_verdict")
        result = check_claim(self.settings, project["id"], claim,
                             lambda c, evidence: predict("Claim check", lm, signature, claim=c, evidence=evidence))
        evidence = [{"title": e["title"], "uri": e["uri"]} for e in result["evidence"]]
        summary = f"{result['verdict']} (confidence {result['confidence']:.2f}). {result['reason']}"
        if result["quote"]:
            summary += f" Quote: \"{result['quote']}\""
        return ToolResult(summary, {k: result[k] for k in ("claim", "verdict", "confidence", "quote", "reason")}
                          | {"evidence": evidence})

    def show_draft(self) -> ToolResult:
        """The project's latest draft: its hook and sections with their ids."""
        project = self._project()
        latest = drafts.find(self.settings, project["id"])
        if latest is None:
            return ToolResult(f"Project {project['id']} has no draft yet.")
        content = latest["content"]
        lines = [f"Draft v{latest['version']}."]
        if content.hook:
            lines.append(f"Hook: {content.hook.text}")
        for s in content.sections:
            lines.append(f"{s.id} {s.title}: " + " ".join(x.text for x in s.sentences)[:300])
        return ToolResult("\n".join(lines), {"version": latest["version"], "text": drafts.plain_text(content)})

    # ------------------------------------------------------------ writing

    def write_hook(self, style: str = "question") -> ToolResult:
        """Write one opening hook in the creator's voice (styles: question, surprising fact, story, stakes). Not saved."""
        from pipelines.lm import predict

        project = self._project()
        how = HOOK_STYLES.get(style.strip().lower(), style)
        notes = projects.result(self.settings, project["id"], "research")
        items = note_items(notes["content"] if notes else None)
        pred = predict("Hook", self._lm("writer"), self.selection.signature("hook"), idea=project["idea"],
                       style=f"{style}: {how}", voice=voice_brief(self.settings, self.creator["slug"]),
                       facts=numbered_notes(items, relevant_notes(items, project["idea"], 4)))
        text = pred.hook.strip()
        if not text:
            raise ScriptwrightError("The model returned an empty hook; ask again or use a stronger model.")
        return ToolResult(f"Hook ({style}): {text}", {"style": style, "text": text})

    def save_hook(self, text: str) -> ToolResult:
        """Save a hook as the draft's opening: always a new draft version, the previous ones kept."""
        project = self._project()
        latest = drafts.find(self.settings, project["id"])
        content = latest["content"] if latest else base_content(self.settings, project, {})[0]
        version = drafts.save_version(self.settings, project["id"], drafts.edit_hook(content, text), "assistant",
                                      parent=latest["version"] if latest else None, note="hook saved by the assistant",
                                      tag=self.selection.tag, prompt_versions=self.selection.record)
        return ToolResult(f"Saved as draft v{version} (earlier versions kept).", {"version": version, "text": text},
                          wrote=f"draft v{version}")

    def rewrite_section(self, section_id: str, request: str) -> ToolResult:
        """Rewrite one section of the latest draft as asked (e.g. simpler, shorter) and save it as a new version."""
        from pipelines.lm import predict

        project = self._project()
        latest = drafts.get(self.settings, project["id"])
        sections = latest["content"].sections
        section = latest["content"].section(section_id.strip())
        if section is None:
            have = ", ".join(f"{s.id} ({s.title})" for s in sections) or "none yet"
            raise ScriptwrightError(f"Draft v{latest['version']} has no section '{section_id}'; sections: {have}.")
        passage = " ".join(s.text for s in section.sentences)
        pred = predict("Rewrite", self._lm("writer"), self.selection.signature("rewrite"),
                       voice=voice_brief(self.settings, self.creator["slug"]), passage=passage, request=request)
        text = " ".join(s.strip() for s in pred.sentences if s.strip())
        if not text:
            raise ScriptwrightError("The model returned an empty rewrite; nothing was saved.")
        content = drafts.edit_section(latest["content"], section.id, text)
        version = drafts.save_version(self.settings, project["id"], content, "assistant", parent=latest["version"],
                                      note=f"{section.id} rewritten by the assistant: {request[:80]}",
                                      tag=self.selection.tag, prompt_versions=self.selection.record)
        saved = f"Rewrote {section.id} and saved draft v{version} (v{latest['version']} kept)"
        return ToolResult(f"{saved}: {text[:400]}",
                          {"version": version, "section": section.id, "text": text}, wrote=f"draft v{version}")

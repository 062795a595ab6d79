"""Prompts as versioned files, pipeline tags, per-run overrides and start-up validation.

`prompts/<step>/<version>.md` holds a step's instructions under YAML front matter
(description, inputs, outputs, notes). Field names and types live in the DSPy signature;
the front matter must list the same fields, so a prompt cannot silently drift from code.
`prompts/pipeline-tags.yaml` maps a tag (stable, experimental, ...) to {step: version}.

Resolution for a step: per-run override, then the creator's compiled program when the tag's
entry is `compiled:latest` or `compiled:vN` (compilable steps only), then the tag's entry
(SCRIPTWRIGHT_PIPELINE_TAG or a per-run tag), then SCRIPTWRIGHT_DEFAULT_PROMPT_VERSION — which
is also what a compiled entry falls back to for a creator with no compiled program.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dspy
import yaml

from pipelines.errors import ScriptwrightError
from pipelines.programs.registry import compilable_steps, signatures
from pipelines.programs.registry import step as registered
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pipelines.compiled import Compiled

TAGS_FILE = "pipeline-tags.yaml"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_COMPILED = re.compile(r"^compiled:(latest|v[1-9][0-9]*)$")


def is_compiled(entry: str) -> bool:
    """Whether a tag entry names a compiled program rather than a prompt version."""
    return entry.startswith("compiled:")


def compiled_entry_problem(step: str, entry: str) -> str | None:
    """What is wrong with pointing a step at a compiled program, or None when it is allowed."""
    if step not in compilable_steps():
        return (f"step '{step}' cannot use a compiled program (steps that can: "
                f"{', '.join(sorted(compilable_steps()))})")
    if not _COMPILED.match(entry):
        return f"'{entry}' is not compiled:latest or compiled:vN"
    return None


@dataclass(frozen=True)
class PromptFile:
    """One parsed prompt version."""

    step: str
    version: str
    path: Path
    description: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    notes: str
    instructions: str
    sha256: str


@dataclass(frozen=True)
class Problem:
    """A validation finding: the file, the line when known, and what is wrong."""

    path: Path
    message: str
    line: int | None = None
    step: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts)."""
    if not text.startswith("---"):
        raise _ProblemError(Problem(path, "missing front matter (the file must start with a '---' line)", 1))
    parts = text.split("\n")
    try:
        end = next(i for i, line in enumerate(parts[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise _ProblemError(Problem(path, "front matter is not closed by a '---' line", 1)) from None
    try:
        meta = yaml.safe_load("\n".join(parts[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _ProblemError(Problem(path, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)})",
                                    mark.line + 2 if mark else None)) from exc
    if not isinstance(meta, dict):
        raise _ProblemError(Problem(path, "front matter must be a YAML mapping", 2))
    return meta, "\n".join(parts[end + 1:]).strip(), end + 2


class _ProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _as_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, dict):
        return tuple(value)
    if isinstance(value, list):
        return tuple(str(v) if not isinstance(v, dict) else next(iter(v)) for v in value)
    return ()


@dataclass
class Selection:
    """The prompt versions one run uses; `record` is what gets stored with its outputs."""

    service: PromptService
    tag: str
    overrides: dict[str, str] = field(default_factory=dict)
    record: dict[str, dict[str, str]] = field(default_factory=dict)

    def signature(self, step: str) -> type[dspy.Signature]:
        """The step's signature carrying the resolved version's instructions."""
        prompt = self.service.resolve(step, self.tag, self.overrides)
        self.record[step] = {"version": prompt.version, "sha256": prompt.sha256, "tag": self.tag}
        return signatures()[step].with_instructions(prompt.instructions)

    def compiled(self, step: str, creator: str) -> Compiled | None:
        """The creator's compiled program when the tag points the step at one and no override is set.

        None means the step runs on its prompt. When the tag asks for a compiled program the creator
        does not have, the record names the default prompt version used instead and says why; a
        compiled file that is missing, corrupt or someone else's is an error naming the file.
        """
        entry = None if step in self.overrides else self.service.entry(step, self.tag)
        if entry is None or not is_compiled(entry):
            return None
        problem = compiled_entry_problem(step, entry)
        if problem:
            raise ScriptwrightError(f"{self.service.root / TAGS_FILE}: tag '{self.tag}': {problem}.")
        from pipelines import compiled

        program = compilable_steps()[step]
        found = compiled.find(self.service.settings, program, creator, entry)
        if found is None:
            prompt = self.service.load(step, self.service.settings.default_prompt_version)
            self.record[step] = {"version": prompt.version, "sha256": prompt.sha256, "tag": self.tag, "compiled": None,
                                 "note": f"{creator} has no {entry} {program} program: used the default "
                                         f"prompt version {prompt.version}"}
            return None
        self.record[step] = {**found.record(), "tag": self.tag}
        return found


class PromptService:
    """Reads prompt files and tags with an in-process cache keyed by file mtime."""

    def __init__(self, settings: Settings, prompts_dir: Path | None = None) -> None:
        self.settings = settings
        self.root = (prompts_dir or settings.prompts_root).resolve()
        self._cache: dict[Path, tuple[float, PromptFile]] = {}
        self._lock = threading.Lock()

    # reading
    def tags(self) -> dict[str, dict[str, str]]:
        path = self.root / TAGS_FILE
        if not path.exists():
            raise ScriptwrightError(f"{path}: pipeline tags file not found.")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            raise ScriptwrightError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)}).") from exc
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ScriptwrightError(f"{path}: expected a mapping of tag -> {{step: version}}.")
        return {str(t): {str(s): str(v) for s, v in m.items()} for t, m in data.items()}

    def folder(self, step: str) -> Path:
        """Where a step's prompt versions live (its prompt folder in the step registry)."""
        return self.root / registered(step).prompt_folder

    def steps(self) -> list[str]:
        return sorted(signatures())

    def versions(self, step: str) -> list[str]:
        if step not in signatures():
            return []
        folder = self.folder(step)
        return sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []

    def load(self, step: str, version: str) -> PromptFile:
        """One prompt file, parsed and checked against the step's signature."""
        if step not in signatures():
            raise ScriptwrightError(f"Unknown prompt step '{step}'; known steps: {', '.join(self.steps())}.")
        if not _VERSION.match(version):
            raise ScriptwrightError(f"'{version}' is not a valid prompt version name.")
        path = self.folder(step) / f"{version}.md"
        if not path.exists():
            have = ", ".join(self.versions(step)) or "none"
            raise ScriptwrightError(f"{path}: prompt file not found (versions of {step}: {have}).")
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._cache.get(path)
            if cached and cached[0] == mtime:
                return cached[1]
        try:
            prompt = self._parse(step, version, path)
        except _ProblemError as exc:
            raise ScriptwrightError(str(exc.problem)) from exc
        with self._lock:
            self._cache[path] = (mtime, prompt)
        return prompt

    def _parse(self, step: str, version: str, path: Path) -> PromptFile:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _ProblemError(Problem(path, "not UTF-8 text", step=step)) from exc
        meta, body, body_line = _split_front_matter(text.replace("\r\n", "\n"), path)
        if not body:
            raise _ProblemError(Problem(path, "the instruction text is empty", body_line, step))
        sig = signatures()[step]
        for key, fields in (("inputs", sig.input_fields), ("outputs", sig.output_fields)):
            declared = _as_names(meta.get(key))
            missing = [f for f in fields if f not in declared]
            extra = [f for f in declared if f not in fields]
            if missing:
                raise _ProblemError(Problem(path, f"front matter '{key}' lacks {', '.join(missing)} "
                                                  f"(the {sig.__name__} signature needs them)", 2, step))
            if extra:
                raise _ProblemError(Problem(path, f"front matter '{key}' lists {', '.join(extra)}, "
                                                  f"which {sig.__name__} does not have", 2, step))
        if not str(meta.get("description") or "").strip():
            raise _ProblemError(Problem(path, "front matter needs a 'description'", 2, step))
        return PromptFile(step, version, path, str(meta["description"]).strip(), _as_names(meta.get("inputs")),
                          _as_names(meta.get("outputs")), str(meta.get("notes") or "").strip(), body,
                          hashlib.sha256(raw).hexdigest()[:16])

    # resolving
    def entry(self, step: str, tag: str | None = None) -> str | None:
        """What a tag says for a step: a version, compiled:latest|vN, or None when it omits the step."""
        tag = tag or self.settings.pipeline_tag
        tags = self.tags()
        if tag not in tags:
            raise ScriptwrightError(f"Unknown pipeline tag '{tag}'; tags in {self.root / TAGS_FILE}: "
                                    f"{', '.join(tags)}.")
        return tags[tag].get(step)

    def resolve(self, step: str, tag: str | None = None, overrides: dict[str, str] | None = None) -> PromptFile:
        """The prompt a run uses for a step: override, then the tag, then the default version. A tag
        entry naming a compiled program resolves to the default version here: the compiled program
        itself belongs to a creator (Selection.compiled)."""
        if overrides and step in overrides:
            return self.load(step, overrides[step])
        entry = self.entry(step, tag)
        return self.load(step, self.settings.default_prompt_version if entry is None or is_compiled(entry) else entry)

    def select(self, tag: str | None = None, overrides: dict[str, str] | None = None) -> Selection:
        """A run's prompt selection; unknown override steps are refused up front."""
        for step in overrides or {}:
            if step not in signatures():
                raise ScriptwrightError(f"--prompt {step}=...: unknown step; known steps: {', '.join(self.steps())}.")
        return Selection(self, tag or self.settings.pipeline_tag, dict(overrides or {}))

    def diff(self, step: str, old: str, new: str) -> str:
        a, b = self.load(step, old), self.load(step, new)
        return "".join(difflib.unified_diff(a.path.read_text().splitlines(True), b.path.read_text().splitlines(True),
                                            f"{step}/{old}.md", f"{step}/{new}.md"))

    def promote(self, tag: str, step: str, version: str) -> None:
        """Point a tag's step at a version, or at compiled:latest|vN for a compilable step, in the tags
        file (comments kept); refused, and the file left as it was, if the result does not validate."""
        if not _VERSION.match(tag):
            raise ScriptwrightError(f"'{tag}' is not a usable tag name; use letters, digits, '-', '_' or '.'.")
        if is_compiled(version):
            problem = compiled_entry_problem(step, version)
            if problem:
                raise ScriptwrightError(f"Not promoted: {problem}.")
        else:
            self.load(step, version)
        path = self.root / TAGS_FILE
        before = path.read_text(encoding="utf-8")
        lines = before.splitlines()
        start = next((i for i, text in enumerate(lines) if re.match(rf"{re.escape(tag)}\s*:", text)), None)
        entry = f"  {step}: {version}"
        if start is None:
            lines += [f"{tag}:", entry]
        else:
            line = _entry_line(lines, tag, step)
            if line:
                lines[line - 1] = entry
            else:
                lines.insert(start + 1, entry)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = [p for p in self.validate() if p.path == path]
        if problems:
            path.write_text(before, encoding="utf-8")
            raise ScriptwrightError(f"Not promoted: {problems[0]}")

    # validating
    def validate(self) -> list[Problem]:
        """Every problem in the tags file and the prompt files, each naming its file."""
        problems: list[Problem] = []
        tags_path = self.root / TAGS_FILE
        try:
            tags = self.tags()
        except ScriptwrightError as exc:
            line = re.search(rf"{re.escape(str(tags_path))}:(\d+):", str(exc))
            message = str(exc).split(": ", 1)[-1] if line else str(exc).removeprefix(f"{tags_path}: ")
            return [Problem(tags_path, message.rstrip("."), int(line.group(1)) if line else None)]
        lines = tags_path.read_text(encoding="utf-8").splitlines()
        known = signatures()
        for tag, mapping in tags.items():
            for step, version in mapping.items():
                line = _entry_line(lines, tag, step)
                if step not in known:
                    problems.append(Problem(tags_path, f"tag '{tag}' names unknown step '{step}' "
                                                       f"(known: {', '.join(sorted(known))})", line, step))
                    continue
                if is_compiled(version):
                    problem = compiled_entry_problem(step, version)
                    if problem:
                        problems.append(Problem(tags_path, f"tag '{tag}': {problem}", line, step))
                    continue
                try:
                    self.load(step, version)
                except ScriptwrightError as exc:
                    problems.append(Problem(tags_path, f"tag '{tag}': {exc}", line, step))
        for step in known:
            for version in self.versions(step):
                try:
                    self.load(step, version)
                except ScriptwrightError as exc:
                    problem = Problem(self.folder(step) / f"{version}.md", str(exc), step=step)
                    if all(str(exc) not in p.message for p in problems):
                        problems.append(problem)
            default_needed = any(step not in m or is_compiled(m[step]) for m in tags.values())
            if default_needed and self.settings.default_prompt_version not in self.versions(step):
                problems.append(Problem(self.folder(step), f"a tag omits '{step}' or points it at a compiled program, "
                                                           f"and the default version "
                                                           f"'{self.settings.default_prompt_version}' does not exist",
                                        step=step))
        return problems


def _entry_line(lines: list[str], tag: str, step: str) -> int | None:
    """1-based line of `step:` inside `tag:`'s block of the tags file, when it can be found."""
    start = next((i for i, text in enumerate(lines) if re.match(rf"{re.escape(tag)}\s*:", text)), None)
    if start is None:
        return None
    for i in range(start + 1, len(lines)):
        if lines[i] and not lines[i][0].isspace() and not lines[i].startswith("#"):
            return None
        if re.match(rf"\s+{re.escape(step)}\s*:", lines[i]):
            return i + 1
    return None


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`--prompt step=version` pairs as a dict; a malformed pair is a user error."""
    out = {}
    for pair in pairs:
        step, sep, version = pair.partition("=")
        if not sep or not step.strip() or not version.strip():
            raise ScriptwrightError(f"--prompt '{pair}': expected STEP=VERSION, e.g. channel_summary=v2.")
        out[step.strip()] = version.strip()
    return out

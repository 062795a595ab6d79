"""Compiled programs: the DSPy state `optimize` saves, with its metadata, as
`prompts/compiled/<creator>/<program>/v<N>.json`, and one `compiled_programs` row per file.

The Prompt Lab (variants `compiled:latest`, `compiled:vN`) and the wizard (a pipeline tag
whose step says `compiled:...`) both load them here. A file is checked before DSPy sees it:
a missing file, a file that is not JSON, and a file made for another program, creator or
version are each one error naming the file. Nothing is cached, so a bad file never touches
the prompts other runs use.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dspy

from pipelines import corpus
from pipelines.errors import ScriptwrightError
from pipelines.programs.registry import program as program_step
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction

@dataclass(frozen=True)
class Compiled:
    """One loaded compiled program and where it came from."""

    id: str
    program: str
    creator: str
    version: int
    path: Path
    metadata: dict[str, Any]
    module: dspy.Module

    def record(self) -> dict[str, Any]:
        """What a run stores for the step this program serves: the prompt it was compiled from and itself."""
        base = (self.metadata.get("prompt_versions") or {}).get(program_step(self.program).name) or {}
        return {"version": base.get("version"), "sha256": base.get("sha256"), "tag": self.metadata.get("tag"),
                "compiled": {"id": self.id, "version": self.version, "path": str(self.path)}}

    def generate(self, step: str, lm: dspy.LM, fresh: bool = False, **inputs: Any) -> dspy.Prediction:
        """One call of the program. An answer that does not parse is asked for once more past the cache
        (a new rollout at a higher temperature); a second failure is one readable error. `fresh` asks
        past the cache for a new rollout (the one retry of an unusable answer)."""
        from pipelines.lm import run_module

        return run_module(step, lm, self.module, fresh, **inputs)


def list_compiled(settings: Settings, program: str, creator: str) -> list[dict[str, Any]]:
    """The creator's compiled versions of a program, newest first."""
    c = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT * FROM compiled_programs WHERE program = ? AND creator_id = ? ORDER BY version DESC",
                    [program, c["id"]])


def find(settings: Settings, program: str, creator: str, ref: str = "latest") -> Compiled | None:
    """The compiled program `ref` names (`latest`, `vN`, or either after `compiled:`), or None if there is none."""
    wanted = ref.removeprefix("compiled:")
    found = list_compiled(settings, program, creator)
    if wanted != "latest":
        found = [r for r in found if f"v{r['version']}" == wanted]
    return _load(program, corpus.get_creator(settings, creator)["slug"], found[0]) if found else None


def load(settings: Settings, program: str, creator: str, ref: str = "latest") -> Compiled:
    """Like find, but having none is an error that says how to make one."""
    found = find(settings, program, creator, ref)
    if found is None:
        raise ScriptwrightError(f"No compiled {program} program '{ref.removeprefix('compiled:')}' for {creator}; run "
                                f"`scriptwright optimize --creator {creator} --program {program}` first.")
    return found


def read(path: Path, program: str, creator: str, version: int) -> dict[str, Any]:
    """A compiled program file's content, checked: it exists, is JSON with metadata and state, and
    its metadata names this program, creator and version."""
    if not path.is_file():
        raise ScriptwrightError(f"{path}: compiled program file not found; compile again with `scriptwright optimize "
                                f"--creator {creator} --program {program}`.")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ScriptwrightError(f"{path}: not a compiled program (not UTF-8 text).") from exc
    except json.JSONDecodeError as exc:
        raise ScriptwrightError(f"{path}: not a compiled program (invalid JSON at line {exc.lineno}: {exc.msg}).") \
            from exc
    if not isinstance(saved, dict) or not isinstance(saved.get("metadata"), dict) \
            or not isinstance(saved.get("state"), dict):
        raise ScriptwrightError(f"{path}: not a compiled program (expected 'metadata' and 'state').")
    meta = saved["metadata"]
    if (meta.get("program"), meta.get("creator"), meta.get("version")) != (program, creator, version):
        raise ScriptwrightError(f"{path}: this file holds {meta.get('program')!r} v{meta.get('version')} of "
                                f"{meta.get('creator')}, not {program!r} v{version} of {creator}; it was copied or "
                                "moved by hand. Compile again or restore the right file.")
    return saved


def _load(program: str, creator: str, row: dict[str, Any]) -> Compiled:
    path = Path(row["path"])
    saved = read(path, program, creator, row["version"])
    step = program_step(program)
    module = step.module(step.signature)
    try:
        module.load_state(saved["state"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScriptwrightError(f"{path}: the saved state does not fit the {program} program "
                                f"({type(exc).__name__}: {exc}).") from exc
    return Compiled(row["id"], program, creator, row["version"], path, saved["metadata"], module)


def save(settings: Settings, program: str, creator: str, module: dspy.Module, metadata: dict[str, Any]) -> Compiled:
    """Store a compiled module as the creator's next version: its file and its row together.

    The file gets its final name inside the transaction that adds the row; any failure (or a
    cancel raised while writing) leaves neither the file, nor its temporary, nor the row.
    """
    c = corpus.get_creator(settings, creator)
    before = list_compiled(settings, program, creator)
    version = (before[0]["version"] if before else 0) + 1
    path = settings.compiled_root / c["slug"] / program / f"v{version}.json"
    metadata = {**metadata, "program": program, "creator": c["slug"], "version": version}
    compiled_id = uuid.uuid4().hex[:12]
    tmp = path.with_suffix(".json.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    committed = False
    try:
        tmp.write_text(json.dumps({"metadata": metadata, "state": module.dump_state()}, indent=2, default=str),
                       encoding="utf-8")
        with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
            conn.execute("INSERT INTO compiled_programs (id, program, creator_id, version, optimizer, metric, dev_score,"
                         " trainset_ids, lm, path, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [compiled_id, program, c["id"], version, metadata.get("optimizer"), metadata.get("metric"),
                          metadata.get("dev_score"), json.dumps(metadata.get("trainset_ids") or []),
                          metadata.get("lm"), str(path), metadata.get("job_id")])
            tmp.replace(path)
        committed = True
    finally:
        tmp.unlink(missing_ok=True)
        if not committed:
            path.unlink(missing_ok=True)
    return Compiled(compiled_id, program, c["slug"], version, path, metadata, module)

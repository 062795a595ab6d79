"""Educational frameworks the outline step chooses from, read from prompts/frameworks.yaml.

Every problem in the file is a ScriptwrightError naming the file and, when known, the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings

FRAMEWORKS_FILE = "frameworks.yaml"
MIN_BEATS, MAX_BEATS = 3, 6
SHARE_TOLERANCE = 0.01
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = ("id", "name", "when_to_use", "beats")
_BEAT_KEYS = ("title", "goal", "share")


@dataclass(frozen=True)
class Beat:
    """One ordered part of a framework and the fraction of the runtime it gets."""

    title: str
    goal: str
    share: float


@dataclass(frozen=True)
class Framework:
    """A named way to structure an educational video."""

    id: str
    name: str
    when_to_use: str
    beats: tuple[Beat, ...]


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _child(node: yaml.Node, key: str | int) -> yaml.Node:
    """The node under a mapping key or at a sequence index (the node itself when absent)."""
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        return next((v for k, v in node.value if k.value == key), node)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return node


def _parse(path: Path) -> tuple[yaml.Node | None, Any]:
    """(the composed node tree for line numbers, the loaded data)."""
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            return node, loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as exc:
        raise ScriptwrightError(f"{path}: not UTF-8 text.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ScriptwrightError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)}).") from exc


def _beat(item: Any, where: str, fid: str, number: int) -> Beat:
    if not isinstance(item, dict) or any(item.get(k) in (None, "") for k in _BEAT_KEYS):
        raise ScriptwrightError(f"{where}: framework '{fid}' beat {number} needs title, goal and share.")
    share = item["share"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise ScriptwrightError(f"{where}: framework '{fid}' beat {number} share must be a number in (0, 1], "
                                f"got {share!r}.")
    return Beat(_text(item["title"]), _text(item["goal"]), float(share))


def _framework(item: Any, node: yaml.Node, path: Path, number: int) -> Framework:
    where = f"{path}:{node.start_mark.line + 1}"
    if not isinstance(item, dict):
        raise ScriptwrightError(f"{where}: framework {number} must be a mapping with {', '.join(_KEYS)}.")
    fid = _text(item.get("id") or f"#{number}")
    missing = [k for k in _KEYS if item.get(k) in (None, "", [])]
    if missing:
        raise ScriptwrightError(f"{where}: framework '{fid}' lacks {', '.join(missing)}.")
    if not _SLUG.match(fid):
        raise ScriptwrightError(f"{where}: framework id '{fid}' must be a slug (lowercase letters, digits, dashes).")
    beats_node = _child(node, "beats")
    raw = item["beats"]
    if not isinstance(raw, list) or not MIN_BEATS <= len(raw) <= MAX_BEATS:
        count = len(raw) if isinstance(raw, list) else "no list of"
        raise ScriptwrightError(f"{path}:{beats_node.start_mark.line + 1}: framework '{fid}' has {count} beats; "
                                f"it needs {MIN_BEATS} to {MAX_BEATS}.")
    beats = tuple(_beat(b, f"{path}:{_child(beats_node, i).start_mark.line + 1}", fid, i + 1)
                  for i, b in enumerate(raw))
    total = sum(b.share for b in beats)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ScriptwrightError(f"{path}:{beats_node.start_mark.line + 1}: framework '{fid}' beat shares sum to "
                                f"{total:.2f}, not 1.0.")
    return Framework(fid, _text(item["name"]), _text(item["when_to_use"]), beats)


def load_frameworks(settings: Settings) -> list[Framework]:
    """Every framework in the prompts folder's frameworks.yaml, checked, in file order."""
    path = settings.prompts_root / FRAMEWORKS_FILE
    if not path.is_file():
        raise ScriptwrightError(f"{path}: frameworks file not found.")
    root, data = _parse(path)
    items = data.get("frameworks") if isinstance(data, dict) else None
    if root is None or not isinstance(items, list) or not items:
        raise ScriptwrightError(f"{path}: expected a top-level 'frameworks:' list with at least one framework.")
    seq = _child(root, "frameworks")
    frameworks: list[Framework] = []
    first_line: dict[str, int] = {}
    for i, item in enumerate(items):
        node = _child(seq, i)
        framework = _framework(item, node, path, i + 1)
        line = node.start_mark.line + 1
        if framework.id in first_line:
            raise ScriptwrightError(f"{path}:{line}: duplicate framework id '{framework.id}' "
                                    f"(first defined at line {first_line[framework.id]}).")
        first_line[framework.id] = line
        frameworks.append(framework)
    return frameworks


def get_framework(settings: Settings, framework_id: str) -> Framework:
    """The framework with this id; an unknown id names the ones that exist."""
    frameworks = load_frameworks(settings)
    for framework in frameworks:
        if framework.id == framework_id:
            return framework
    known = ", ".join(f.id for f in frameworks)
    raise ScriptwrightError(f"Unknown framework '{framework_id}'; known frameworks: {known} "
                            f"(in {settings.prompts_root / FRAMEWORKS_FILE}).")


def catalogue(frameworks: list[Framework]) -> str:
    """One line per framework for a prompt: `id: name — when_to_use`."""
    return "\n".join(f"{f.id}: {f.name} — {f.when_to_use}" for f in frameworks)

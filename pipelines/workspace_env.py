"""The workspace's own `.env` file (`<data dir>/.env`): models, server addresses and provider keys
chosen on the Settings page.

It is read when settings are (every process: the app, its jobs, the CLI) and its names go into this
process's environment, where litellm looks for keys. The process environment wins over the file: a
name already set when the file is read keeps its value. The file is written with mode 0600 (only its
owner can read it) and holds the only copy of a key pasted into the Settings page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dotenv import dotenv_values

from pipelines.errors import ScriptwrightError

FILE_NAME = ".env"
HEADER = ("# Written by Scriptwright's Settings page. Names set in the environment Scriptwright runs in win over\n"
          "# these. Holds provider keys: keep it private (mode 0600) and out of version control.\n")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# The data dir is where this file lives, so the file cannot move it.
_IGNORED = {"SCRIPTWRIGHT_DATA_DIR"}
# What this process took from a workspace file: name -> value (so a later read can replace or drop it).
_loaded: dict[str, str] = {}


def env_path(root: Path) -> Path:
    return root / FILE_NAME


def read(root: Path) -> dict[str, str]:
    """The file's names and values (empty when there is no file)."""
    path = env_path(root)
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None and k not in _IGNORED}


def _ours(name: str) -> bool:
    return name in _loaded and os.environ.get(name) == _loaded[name]


def load(root: Path) -> bool:
    """Put the file's names into the process environment where it does not set them itself; names
    taken from an earlier read that the file no longer holds (or holds differently) are replaced.
    Whether anything changed."""
    values, changed = read(root), False
    for name in list(_loaded):
        if values.get(name) != _loaded[name]:
            if _ours(name):
                del os.environ[name]
                changed = True
            del _loaded[name]
    for name, value in values.items():
        if name not in os.environ:
            os.environ[name] = _loaded[name] = value
            changed = True
    return changed


def forget() -> None:
    """Take every name read from a workspace file back out of the process environment."""
    for name in list(_loaded):
        if _ours(name):
            del os.environ[name]
        del _loaded[name]


def origin(name: str) -> str:
    """Where the process's value of a name came from: "environment", "workspace .env" or "" (unset)."""
    if name not in os.environ:
        return ""
    return "workspace .env" if _ours(name) else "environment"


def overridden(root: Path) -> list[str]:
    """Names the file sets that the process environment sets to something else (the environment wins)."""
    return sorted(name for name, value in read(root).items() if name in os.environ and not _ours(name)
                  and os.environ[name] != value)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(root: Path, updates: dict[str, str | None]) -> Path:
    """Set (or, with None or "", remove) names in the file, keeping the others; the file is replaced
    whole, never left half written, and only its owner may read it."""
    values = read(root)
    for name, value in updates.items():
        if not _NAME.match(name):
            raise ScriptwrightError(f"'{name}' is not a variable name (capital letters, digits and _).")
        value = (value or "").strip()
        if "\n" in value or "\r" in value:
            raise ScriptwrightError(f"The value for {name} has a line break; paste it on one line.")
        if value:
            values[name] = value
        else:
            values.pop(name, None)
    path = env_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(FILE_NAME + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(HEADER + "".join(f"{name}={_quoted(value)}\n" for name, value in sorted(values.items())))
    os.replace(partial, path)
    return path

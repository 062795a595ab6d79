"""The package's layering, read from the source: what each layer may import (module level or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PIPELINES = REPO / "pipelines"
LM_LAYER = ("lm.py", "lm_context.py", "lm_failures.py")
BELOW_LM = ("pipelines.errors", "pipelines.settings", "pipelines.lm_context", "pipelines.lm_failures", "pipelines.store")


def imported(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "pipelines":
                names.update(f"pipelines.{alias.name}" for alias in node.names)
    return names


def test_pipelines_never_import_streamlit() -> None:
    offenders = [str(p.relative_to(REPO)) for p in PIPELINES.rglob("*.py")
                 if any(n == "streamlit" or n.startswith("streamlit.") for n in imported(p))]
    assert not offenders, offenders


def test_the_lm_layer_imports_nothing_above_the_store() -> None:
    for name in LM_LAYER:
        ours = {n for n in imported(PIPELINES / name) if n.startswith("pipelines")}
        above = sorted(n for n in ours if not n.startswith(BELOW_LM))
        assert not above, f"{name} imports {above}"

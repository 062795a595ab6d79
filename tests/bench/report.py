"""Benchmark rows: one JSON file per row under data/bench/, and the one table `make bench` prints.

A row is a figure, the baseline it is compared with (measured in the same run, same unit)
and their ratio, so the table reads the same on a fast or a slow machine.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import REPO


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    notes: str = ""

    @classmethod
    def of(cls, name: str, value: float, unit: str, baseline: float | None = None, notes: str = "") -> Row:
        """A row whose ratio is value ÷ baseline (none without a non-zero baseline)."""
        ratio = value / baseline if baseline else None
        return cls(name, float(value), unit, None if baseline is None else float(baseline), ratio, notes)


def bench_dir() -> Path:
    """Where rows are written: $SCRIPTWRIGHT_BENCH_DIR, else the repo's data/bench/ (gitignored)."""
    return Path(os.environ.get("SCRIPTWRIGHT_BENCH_DIR") or REPO / "data" / "bench")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def machine() -> dict[str, Any]:
    """CPU count and model, RAM and the load average: what the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem_kb = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor() or "unknown",
        "ram_gib": round(int(mem_kb.group(1)) / 1024 ** 2, 1) if mem_kb else None,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


def save(row: Row, directory: Path | None = None) -> Path:
    """Write one row (with the machine and the time) to <directory>/<slug of name>.json."""
    folder = directory or bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(row.name)}.json"
    record = {**asdict(row), "machine": machine(), "recorded_at": datetime.now().isoformat(timespec="seconds")}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def figure(value: float | None, unit: str = "") -> str:
    """A number as people read it: 1,193 · 83.4 · 0.058 · 0 calls (and its unit)."""
    if value is None:
        return "–"
    size = abs(value)
    if size >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif size >= 10:
        text = f"{value:.1f}"
    elif size >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".strip()


def describe(info: dict[str, Any]) -> str:
    return (f"{info['cpus']} CPUs ({info['cpu_model']}), {info['ram_gib']} GiB RAM, "
            f"Python {info['python']}, load average {info['load_avg_1m']} at the end of the run")


def render(rows: list[Row], info: dict[str, Any]) -> str:
    """The rows as one Markdown table, with the machine underneath."""
    lines = ["| benchmark | value | baseline | ratio | notes |", "|---|---|---|---|---|"]
    for r in rows:
        ratio = "–" if r.ratio is None else f"{r.ratio:.2f}×" if r.ratio < 100 else f"{r.ratio:,.0f}×"
        lines.append(f"| {r.name} | {figure(r.value, r.unit)} | {figure(r.baseline, r.unit)} | {ratio} | "
                     f"{r.notes.replace('|', '/')} |")
    lines.append("")
    lines.append(f"Machine: {describe(info)}.")
    return "\n".join(lines)

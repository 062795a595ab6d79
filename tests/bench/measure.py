"""Timing helpers the benchmarks share: percentiles, search latency, page loads, a child's peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines import corpus
from pipelines.embed import embed_one
from pipelines.settings import Settings
from tests.bench.report import Row
from tests.e2e.test_workbench import free_port, healthy, running_app, wait_until

# What people type into the Creators page's search box; the demo and 3b1b corpora cover these topics.
QUERIES = [
    "why does the answer change when you switch doors",
    "how do vaccines train the immune system",
    "what is a logarithm really",
    "why primes never run out",
    "how neurons fire a signal",
    "why ice floats on water",
    "how the bridge holds its weight",
    "roman concrete lasts for centuries",
    "the probability that two people share a birthday",
    "what happens when you divide by zero",
    "how enzymes depend on temperature",
    "buffers keep the pH steady",
]

VIDEO_TABLE = '[data-testid="stDataFrame"]'  # the Creators page has drawn when its video table shows


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the sorted samples."""
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def timed_ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def search_latencies(settings: Settings, creator: str | None = None, repeats: int = 3,
                     queries: list[str] = QUERIES) -> tuple[list[float], list[float]]:
    """Milliseconds of `corpus.search` (hybrid) and of the bare query embedding, same queries, interleaved."""
    corpus.search(settings, queries[0], creator)  # warm-up: open the tables, load the FTS index
    searches, embeds = [], []
    for _ in range(repeats):
        for q in queries:
            searches.append(timed_ms(lambda q=q: corpus.search(settings, q, creator)))
            embeds.append(timed_ms(lambda q=q: embed_one(q)))
    return searches, embeds


def page_loads(browser: Any, url: str, ready: str, repeats: int = 5) -> tuple[list[float], list[float]]:
    """Milliseconds until the static shell's load event and until the page is drawn, in fresh contexts.

    Drawn means `ready` (a CSS selector) is visible and Streamlit reports the script not running.
    """
    shells, drawn = [], []
    for _ in range(repeats):
        context = browser.new_context()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="load", timeout=120_000)
        shells.append((time.perf_counter() - start) * 1000)
        page.locator(ready).first.wait_for(timeout=300_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=300_000)
        drawn.append((time.perf_counter() - start) * 1000)
        context.close()
    return shells, drawn


def creators_page_row(name: str, settings: Settings, browser: Any, what: str) -> Row:
    """Median of 5 loads of /creators in fresh browser contexts, after one load that warms the server."""
    with running_app(settings.root) as (url, _):
        _, (cold,) = page_loads(browser, f"{url}/creators", VIDEO_TABLE, repeats=1)
        shells, drawn = page_loads(browser, f"{url}/creators", VIDEO_TABLE)
    return Row.of(name, statistics.median(drawn), "ms", statistics.median(shells),
                  f"{what}; median of 5 (range {min(drawn):,.0f}-{max(drawn):,.0f}), the first load after start "
                  f"{cold:,.0f} ms; until the video table shows and the script stops; "
                  "baseline: the load event of the static shell")


def bare_page_row(browser: Any, folder: Path) -> Row:
    """The floor under any Streamlit page: a one-line app that shows a two-row table, served by plain
    `streamlit run` with the same Streamlit, loaded the way `creators_page_row` loads the Creators page."""
    script = folder / "bare_app.py"
    script.write_text('import streamlit as st\n\nst.dataframe({"a": [1, 2]})\n')
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "streamlit"), "run", str(script), "--server.port",
                             str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url) or proc.poll() is not None, 300, "streamlit to answer /_stcore/health")
        page_loads(browser, url, VIDEO_TABLE, repeats=1)
        shells, drawn = page_loads(browser, url, VIDEO_TABLE)
    finally:
        proc.terminate()
        proc.wait(15)
    return Row.of("bare Streamlit page (one table)", statistics.median(drawn), "ms", statistics.median(shells),
                  f"median of 5 (range {min(drawn):,.0f}-{max(drawn):,.0f}); the floor any Streamlit page starts "
                  "from; baseline: the load event of its static shell")


@dataclass(frozen=True)
class Measured:
    """A finished child process: wall and CPU seconds, its own peak RSS, its output."""

    wall_s: float
    cpu_s: float
    peak_mib: int
    output: str


def run_measured(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Measured:
    """Run a child to completion and measure it; raises if it fails.

    The child is reaped with wait4, which reports that child's resource usage alone.
    """
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    output = log.read_text()
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args[:3])} exited {proc.returncode}:\n{output[-3000:]}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output)

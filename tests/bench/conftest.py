"""Benchmarks record rows through `bench_record`; the session ends with one table of them all."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.bench.report import Row, machine, render, save
from tests.e2e.test_workbench import browser  # noqa: F401  (the real Chromium, shared with the E2E tests)

ROWS = pytest.StashKey[list[Row]]()


@pytest.fixture
def bench_record(request: pytest.FixtureRequest) -> Callable[[Row], None]:
    """Save a row to data/bench/ and keep it for the table printed at the end of the session."""
    rows = request.config.stash.setdefault(ROWS, [])

    def record(row: Row) -> None:
        save(row)
        rows.append(row)
        print(f"\n[bench] {row.name}: {row.value:.4g} {row.unit}"
              + (f" (baseline {row.baseline:.4g}, ratio {row.ratio:.2f})" if row.ratio is not None else "")
              + (f" — {row.notes}" if row.notes else ""))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    rows = config.stash.get(ROWS, [])
    if rows:
        terminalreporter.write_sep("=", "benchmarks")
        terminalreporter.write_line(render(rows, machine()))

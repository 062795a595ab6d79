"""The Creators page of a running `scriptwright app`, loaded by headless Chromium, against the
static shell (HTML, JS, CSS) the same server sends for the same URL; and the floor under both, a bare
Streamlit page with one table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines import corpus
from pipelines.settings import Settings
from tests.bench.measure import bare_page_row, creators_page_row
from tests.bench.report import Row

pytestmark = pytest.mark.bench


def test_creators_page_load(sample_settings: Settings, browser: Any, bench_record: Callable[[Row], None]) -> None:
    creators = corpus.list_creators(sample_settings)
    bench_record(creators_page_row(
        "app page load (Creators)", sample_settings, browser,
        f"demo workspace: {len(creators)} creators, {sum(c['videos'] for c in creators)} videos"))


def test_bare_streamlit_page_load(browser: Any, bench_record: Callable[[Row], None], tmp_path: Path) -> None:
    bench_record(bare_page_row(browser, tmp_path))

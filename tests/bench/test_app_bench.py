"""The Creators page of a running `scriptwright app`, loaded by headless Chromium, against the
static shell (HTML, JS, CSS) the same server sends for the same URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipelines import corpus
from pipelines.settings import Settings
from tests.bench.measure import creators_page_row
from tests.bench.report import Row

pytestmark = pytest.mark.bench


def test_creators_page_load(sample_settings: Settings, browser: Any, bench_record: Callable[[Row], None]) -> None:
    creators = corpus.list_creators(sample_settings)
    bench_record(creators_page_row(
        "app page load (Creators)", sample_settings, browser,
        f"demo workspace: {len(creators)} creators, {sum(c['videos'] for c in creators)} videos"))

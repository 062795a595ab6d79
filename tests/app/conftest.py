import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import jobs

ENTRY = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")


@pytest.fixture
def app(sample_settings) -> AppTest:
    """The workbench on a workspace that already holds the demo creators."""
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def wait_for_jobs(settings, timeout: float = 180) -> list[dict]:
    """Block until no job is queued or running (jobs run in app threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = jobs.list_jobs(settings)
        if all(j["status"] in jobs.FINAL for j in found):
            return found
        time.sleep(0.2)
    raise AssertionError("jobs did not finish")

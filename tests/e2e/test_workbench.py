"""The workbench as a user gets it: `scriptwright app` served for real, driven by Chromium,
with a CLI ingest writing to the same data dir at the same time."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

BIN = Path(sys.executable).parent / "scriptwright"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextmanager
def running_app(data_dir: Path, **extra_env: str):
    """`scriptwright app` on a free port with its own data dir; yields (url, env). The server's
    output goes to app-<port>.log beside the data dir (a pipe nobody reads would stall a chatty server)."""
    port = free_port()
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(data_dir), **extra_env}
    log = data_dir.parent / f"app-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN), "app", "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url) or proc.poll() is not None, 300, "the app to answer /_stcore/health")
        assert proc.poll() is None, log.read_text()
        yield url, env
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One real server for the module, started on an empty data dir (it seeds the demo)."""
    with running_app(tmp_path_factory.mktemp("e2e") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it with apt")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def listening_addresses(port: int) -> set[str]:
    """Local addresses listening on a TCP port, read from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(addr)
    return found


def test_app_binds_to_loopback_only(server) -> None:
    url, _ = server
    port = int(url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, little-endian hex


def metric_value(page, label: str) -> int:
    page.get_by_text(label).first.wait_for(timeout=30_000)
    block = page.locator('[data-testid="stMetric"]', has_text=label).first
    return int(block.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_demo_creators_present_and_cli_ingests_while_the_app_polls(server, browser, tmp_path) -> None:
    url, env = server
    page = browser.new_page()
    page.goto(url)
    assert metric_value(page, "Creators") >= 3, "`scriptwright app` seeds an empty workspace with the demo"

    jobs_page = browser.new_page()
    jobs_page.goto(f"{url}/jobs")  # polls the job table every 2 s while the CLI writes
    jobs_page.get_by_text("Jobs").first.wait_for(timeout=30_000)

    folder = tmp_path / "extra"
    folder.mkdir()
    for f in sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[:3]:
        shutil.copy(f, folder)
    cli = subprocess.run([str(BIN), "ingest", str(folder), "--creator", "CLI Side"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert "3 added" in cli.stdout

    page.reload()
    wait_until(lambda: metric_value(page, "Creators") == 4 or page.reload(), 60, "the CLI's creator in the app")
    jobs_page.get_by_text("ingest").first.wait_for(timeout=30_000)
    assert not jobs_page.locator('[data-testid="stException"]').count()
    page.screenshot(path=str(tmp_path / "home.png"))


def test_creators_page_search_in_the_browser(server, browser) -> None:
    url, _ = server
    page = browser.new_page()
    page.goto(f"{url}/creators")
    page.get_by_label("Creator").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="Search").click()
    page.get_by_label("Search this creator's videos").fill("why does this work")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^1\. .+ @ \d+:\d\d")).first.wait_for(timeout=60_000)  # ranked hits

"""One data dir, several real processes at once: `scriptwright app` (itself ingesting, started
from the Creators page), a CLI ingest, and a notebook-style reader calling pipelines.corpus in
a loop; then two browser sessions saving edits of the same draft at the same moment, and
processes racing to save draft edits.

test_workbench.py already checks that the app sees a CLI ingest while its Jobs page polls.
Here every process reads and writes together, and the checks are the user's: no lock or
database error reaches anyone (exit codes, stderr, the pages), and no write is lost
(the counts afterwards are exactly what was added).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.drafting import drafts
from pipelines.evidence import projects
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO, SAMPLE
from tests.e2e.test_wizard import settled
from tests.e2e.test_workbench import BIN, browser, running_app, wait_until  # noqa: F401  (browser: a fixture)

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
LOCK_WORDS = ("Could not set lock", "Conflicting lock", "stayed locked", "TransactionContext", "Traceback")

READER = """
import sys, time
from pathlib import Path
from pipelines import corpus
from pipelines.settings import get_settings

s, stop = get_settings(), Path(sys.argv[1])
while True:
    last = stop.exists()  # one more round after the stop: it reads what the writers left
    creators = corpus.list_creators(s)
    videos = sum(len(corpus.list_videos(s, c["id"])) for c in creators)
    hits = corpus.search(s, "why does this work", "pip-halloran", k=3)
    assert hits, "a search of the demo corpus found nothing"
    print(videos, flush=True)
    if last:
        break
    time.sleep(0.1)
"""


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, sql, params or [])


def folder_of(tmp_path: Path, name: str, files: list[Path]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder)
    return folder


@pytest.fixture
def session(browser):  # noqa: F811
    """Opens a page in a browser session of its own (a Streamlit session each); all closed after the test,
    so no page of an earlier test keeps polling a server that is gone."""
    opened = []

    def open_page():
        opened.append(browser.new_context())
        return opened[-1].new_page()

    yield open_page
    for context in opened:
        context.close()


def no_errors(page) -> None:
    found = page.locator(ERRORS)
    assert not found.count(), found.first.inner_text()
    html = page.content()
    assert not [w for w in LOCK_WORDS if w in html], [w for w in LOCK_WORDS if w in html]


@pytest.mark.e2e
def test_app_cli_ingest_and_a_notebook_reader_at_once(sample_settings: Settings, session, tmp_path: Path) -> None:
    s = sample_settings
    before = query(s, "SELECT count(*) AS n FROM videos")[0]["n"]
    cli_files = sorted((SAMPLE / "rex-builds-history").glob("*.srt"))
    app_files = sorted((SAMPLE / "dr-okafor-labs").glob("*.vtt"))
    cli_folder, app_folder = folder_of(tmp_path, "cli", cli_files), folder_of(tmp_path, "app", app_files)

    with running_app(s.root) as (url, env):
        stop = tmp_path / "stop-reader"
        reader = subprocess.Popen([sys.executable, "-c", READER, str(stop)], cwd=REPO, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            first = reader.stdout.readline()  # the reader is reading before any writer starts
            assert first.strip() == str(before), first + reader.stderr.read()
            jobs_page = session()
            jobs_page.goto(f"{url}/jobs")  # polls the job table every 2 s throughout
            jobs_page.get_by_text("Ingests, DNA builds").wait_for(timeout=60_000)

            page = session()
            page.goto(f"{url}/creators")
            page.get_by_text("Add videos to a creator").click()
            page.get_by_label("Creator name").fill("App Side")
            page.get_by_label("Channel, playlist or video URLs, or folders on this machine").fill(str(app_folder))
            cli = subprocess.Popen([str(BIN), "ingest", str(cli_folder), "--creator", "CLI Side"], env=env,
                                   text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL)
            page.get_by_role("button", name="Ingest", exact=True).click()
            cli_out, cli_err = cli.communicate(timeout=600)
            assert cli.returncode == 0, cli_err
            assert f"cli-side: {len(cli_files)} added, 0 updated, 0 unchanged, 0 failed" in cli_out, cli_out

            def app_job() -> dict[str, Any] | None:
                found = query(s, "SELECT status, error FROM jobs WHERE kind = 'ingest'"
                                 " AND params->>'creator' = 'App Side' AND status IN ('succeeded', 'failed')")
                return found[0] if found else None

            done = wait_until(app_job, 600, "the app's ingest to finish")
            assert done["status"] == "succeeded", done["error"]
            page.get_by_text("Ingest finished").first.wait_for(timeout=60_000)
            no_errors(page)
            no_errors(jobs_page)
        finally:
            stop.touch()
            reader_out, reader_err = reader.communicate(timeout=300)
        assert reader.returncode == 0, reader_err
        assert not [w for w in LOCK_WORDS if w in reader_err + cli_err], reader_err + cli_err

        for path in ("", "creators", "drafts", "jobs"):
            other = session()
            other.goto(f"{url}/{path}")
            other.get_by_text("Creators" if path == "" else path.capitalize()).first.wait_for(timeout=60_000)
            other.wait_for_timeout(1500)
            no_errors(other)

    # no lost writes: everything both writers added is stored, once, with its vectors
    after = before + len(cli_files) + len(app_files)
    counts = {r["slug"]: r["n"] for r in query(s, "SELECT c.slug, count(v.id) AS n FROM creators c"
                                                  " LEFT JOIN videos v ON v.creator_id = c.id GROUP BY c.slug")}
    assert counts["cli-side"] == len(cli_files) and counts["app-side"] == len(app_files)
    assert sum(counts.values()) == after
    per_video = query(s, "SELECT video_id, count(*) AS n FROM chunks GROUP BY video_id")
    store = VectorStore(s.lancedb_dir)
    assert len(per_video) == after
    assert all(store.count(f"video_id = {int(v['video_id'])}") == v["n"] for v in per_video)
    # the reader ran throughout: it saw the corpus before, during and after the writes, never shrinking
    seen = [before] + [int(line) for line in reader_out.split()]
    assert seen == sorted(seen) and seen[0] == before and seen[-1] == after, seen
    assert any(before < n < after for n in seen), "the reader never ran while the writes were under way"


SEEDED_TITLE = "Two tabs, one draft"


def seed_draft(settings: Settings) -> str:
    """A project with one written draft (hook and two sections), as if the wizard had made it."""
    project = projects.ensure_project(settings, "pip-halloran", SEEDED_TITLE)
    content = {"idea": "Two tabs, one draft", "creator": "pip-halloran", "creator_name": "Pip Halloran",
               "audience_level": "general", "target_words": 200, "wpm": 150.0,
               "framework": {"id": "question-first", "name": "Question first", "why": "seeded"},
               "outline": [{"id": f"s{i}", "title": f"Part {i}", "goal": "explain", "beats": ["explain"],
                            "words": 100, "duration_s": 40.0} for i in (1, 2)],
               "hooks": [], "hook": {"id": None, "style": "question", "text": "Would you switch doors?"},
               "sections": [{"id": f"s{i}", "title": f"Part {i}", "duration_s": 40.0,
                             "sentences": [{"text": f"Original sentence of part {i}.", "cites": []}]} for i in (1, 2)],
               "checks": None}
    drafts.save_version(settings, project["id"], content, "script", note="seeded")
    return project["id"]


def open_script_step(page, url: str) -> None:
    """The New video page on Pip's project, at the Script step where each section is editable."""
    page.goto(f"{url}/new_video")
    page.get_by_label("Creator").first.click()
    page.get_by_role("option", name="Pip Halloran").click()
    page.get_by_label("Project").first.click()
    page.get_by_role("option", name=SEEDED_TITLE).click()  # projects are listed by working title
    page.get_by_role("tab", name="Script").click()
    page.get_by_role("button", name="Save section").nth(1).wait_for(timeout=60_000)
    settled(page)  # typing during the tab's rerun would be drawn over


@pytest.mark.e2e
def test_two_browser_sessions_save_edits_of_the_same_draft(sample_settings: Settings, session) -> None:
    s = sample_settings
    project_id = seed_draft(s)
    with running_app(s.root) as (url, _):
        tabs = [session() for _ in range(2)]
        for page in tabs:
            open_script_step(page, url)
        # each session edits a different section of v1, then both press Save at the same moment
        for n, page in enumerate(tabs):
            box = page.get_by_role("textbox", name=f"Part {n + 1}")
            box.fill(f"Session {n + 1} rewrote part {n + 1}.")
            box.press("Control+Enter")
            settled(page)
            assert box.input_value() == f"Session {n + 1} rewrote part {n + 1}."
        for n, page in enumerate(tabs):
            page.get_by_role("button", name="Save section").nth(n).click(no_wait_after=True)
        for page in tabs:  # each session shows the version its save made
            page.get_by_text(re.compile(r"Draft v[23] · edit")).first.wait_for(timeout=120_000)
        for page in tabs:
            no_errors(page)
            open_script_step(page, url)  # a fresh look: both see the newest version
            page.get_by_text("Draft v3").first.wait_for(timeout=60_000)
            no_errors(page)

    history = drafts.versions(s, project_id)
    assert [v["version"] for v in history] == [3, 2, 1]
    edits = {v["note"]: drafts.get(s, project_id, v["version"])["content"] for v in history[:2]}
    assert {v["parent_version"] for v in history[:2]} == {1}, "both edits were made on v1"
    assert sorted(edits) == ["edited Part 1", "edited Part 2"]
    for n in (1, 2):
        sections = {sec.id: [x.text for x in sec.sentences] for sec in edits[f"edited Part {n}"].sections}
        other = 3 - n
        assert sections[f"s{n}"] == [f"Session {n} rewrote part {n}."]
        assert sections[f"s{other}"] == [f"Original sentence of part {other}."]


SAVER = """
import sys, threading
from pipelines.drafting import drafts
from pipelines.settings import get_settings

s, project, who = get_settings(), sys.argv[1], sys.argv[2]
base = drafts.get(s, project, 1)["content"]
failures = []

def save(thread):
    for i in range(int(sys.argv[3])):
        try:
            drafts.save_edit(s, project, 1, drafts.edit_hook(base, f"{who}-{thread}-{i}"), f"{who}-{thread}-{i}")
        except Exception as exc:
            failures.append(repr(exc))

threads = [threading.Thread(target=save, args=(t,)) for t in range(int(sys.argv[4]))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\\n".join(failures), file=sys.stderr)
sys.exit(1 if failures else 0)
"""


def test_processes_and_threads_saving_edits_of_one_draft_keep_every_edit(sample_settings: Settings) -> None:
    """Like several tabs on one app server (threads) and a notebook (another process) saving at once."""
    s = sample_settings
    project_id = seed_draft(s)
    n_procs, n_threads, n_edits = 2, 6, 15
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(s.root)}
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, project_id, f"p{p}", str(n_edits), str(n_threads)],
                              cwd=REPO, env=env, text=True, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
             for p in range(n_procs)]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * n_procs, errors
    history = drafts.versions(s, project_id)
    total = n_procs * n_threads * n_edits
    assert [v["version"] for v in history] == list(range(total + 1, 0, -1))
    notes = {v["note"] for v in history[:-1]}
    assert notes == {f"p{p}-{t}-{i}" for p in range(n_procs) for t in range(n_threads) for i in range(n_edits)}

"""Search reads each hit's video and the creator's id from lookups kept per process (no database
connection per search), and still shows every write: a retitle, a rename, a new video, a deleted
creator — in this process or another (the corpus stamp is a file in the data dir)."""

from __future__ import annotations

import shutil

import pytest

from pipelines import corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings
from tests.conftest import SAMPLE
from tests.integration.test_cli import run

QUERY = "prime numbers never run out"


def first(settings: Settings, creator: str | None = "pip-halloran") -> dict:
    return corpus.search(settings, QUERY, creator, k=1)[0]


def test_a_search_after_the_first_opens_no_database(sample_settings: Settings, monkeypatch) -> None:
    hit = first(sample_settings)
    assert hit["creator"] == "Pip Halloran"

    def no_database(*args, **kwargs):
        raise AssertionError("search opened DuckDB")

    monkeypatch.setattr(corpus, "connect", no_database)
    assert first(sample_settings) == hit and first(sample_settings, "Pip Halloran")["video_id"] == hit["video_id"]


def test_writes_here_and_in_another_process_show_up(sample_settings: Settings, data_dir) -> None:
    hit = first(sample_settings)
    corpus.retitle_video(sample_settings, "pip-halloran", hit["video_id"], "Primes, retitled")
    assert first(sample_settings)["title"] == "Primes, retitled"

    out = run(["creator", "retitle", "pip-halloran", str(hit["video_id"]), "Primes from elsewhere"], data_dir)
    assert out.returncode == 0, out.stderr
    out = run(["creator", "rename", "pip-halloran", "Pip H."], data_dir)
    assert out.returncode == 0, out.stderr
    again = first(sample_settings)
    assert (again["title"], again["creator"]) == ("Primes from elsewhere", "Pip H.")
    assert first(sample_settings, "Pip H.")["video_id"] == hit["video_id"]

    corpus.delete_creator(sample_settings, "pip-halloran")
    with pytest.raises(ScriptwrightError, match="No creator named 'pip-halloran'"):
        corpus.search(sample_settings, QUERY, "pip-halloran")


def test_a_new_creators_videos_are_found_at_once(sample_settings: Settings, tmp_path) -> None:
    corpus.search(sample_settings, QUERY)  # lookups read before the new creator exists
    folder = tmp_path / "captions"
    folder.mkdir()
    for f in sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[:1]:
        shutil.copy(f, folder / f"copy-{f.name}")
    job = jobs.submit_and_run(sample_settings, "ingest", {"creator": "Prime Copier", "sources": [str(folder)]})
    assert job["status"] == "succeeded", job["error"]
    hit = first(sample_settings, "Prime Copier")
    assert hit["creator"] == "Prime Copier" and hit["title"]

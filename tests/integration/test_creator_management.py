"""Creators a person can manage: a failed first ingest leaves none behind; rename; delete removes
the creator's rows in DuckDB and LanceDB and nothing else (issue 19, item 5)."""

from __future__ import annotations

import json
import shutil

from pipelines import corpus
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.store.vectors import SOURCE_CHUNKS, VectorStore
from tests.conftest import SAMPLE
from tests.integration.test_cli import run

TABLES = ("creators", "videos", "segments", "chunks", "projects", "feedback", "chat_sessions", "dna_snapshots")


def _counts(settings: Settings) -> dict[str, int]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _add_project(settings: Settings, creator_id: int, project_id: str) -> None:
    """A project with feedback, a chat and a source vector, as the wizard and assistant would leave them."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute("INSERT INTO projects (id, creator_id, working_title) VALUES (?, ?, ?)",
                     [project_id, creator_id, project_id])
        conn.execute("INSERT INTO feedback (project_id, draft_version, target_type, target_id, rating) "
                     "VALUES (?, 1, 'hook', 'h1', 1)", [project_id])
        conn.execute("INSERT INTO chat_sessions (id, creator_id, project_id) VALUES (?, ?, ?)",
                     [f"chat-{project_id}", creator_id, project_id])
        conn.execute("INSERT INTO dna_snapshots (id, creator_id, version, corpus_hash, n_videos) VALUES (?, ?, "
                     "(SELECT coalesce(max(version), 0) + 1 FROM dna_snapshots WHERE creator_id = ?), 'x', 1)",
                     [f"dna-{project_id}", creator_id, creator_id])
    VectorStore(settings.lancedb_dir).upsert([{"id": f"src-{project_id}", "project_id": project_id, "source_id": "s",
                                               "text": "a source passage", "vector": [0.0] * 384}], SOURCE_CHUNKS)


def test_a_failed_first_ingest_leaves_no_creator(data_dir) -> None:
    for args in (["ingest", "/no/such/folder", "--creator", "Ghost"],
                 ["ingest", "http://127.0.0.1:9/channel/nothing-here", "--creator", "Offline"]):
        out = run(args, data_dir, timeout=300)
        assert out.returncode != 0 and "Traceback" not in out.stderr
    # an unreachable address is said in one whole sentence, not yt-dlp's text cut mid-word
    assert "the site could not be reached; check the address" in " ".join(out.stderr.split())
    assert json.loads(run(["creators", "--json"], data_dir).stdout) == []


def test_a_failed_ingest_from_the_page_leaves_no_creator(sample_settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ENTRY, wait_for_jobs

    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("app_pages/creators.py")
    at.run()
    at.text_input[0].input("Nobody Yet")
    at.text_area[0].input("/no/such/folder")
    at.button[0].click().run()
    wait_for_jobs(sample_settings)
    at.run()
    assert not at.exception
    assert "Nobody Yet" not in {c["name"] for c in corpus.list_creators(sample_settings)}


def test_rename_keeps_the_slug(sample_settings: Settings) -> None:
    out = run(["creator", "rename", "Pip Halloran", "Pip H."], sample_settings.root)
    assert out.returncode == 0, out.stderr
    assert corpus.get_creator(sample_settings, "pip-halloran")["name"] == "Pip H."
    clash = run(["creator", "rename", "pip-halloran", "Rex Moreno"], sample_settings.root)
    assert clash.returncode != 0 and "already called" in clash.stderr


def test_delete_removes_the_creator_and_nothing_else(sample_settings: Settings) -> None:
    pip = corpus.get_creator(sample_settings, "pip-halloran")
    rex = corpus.get_creator(sample_settings, "rex-moreno")
    _add_project(sample_settings, pip["id"], "pip-project")
    _add_project(sample_settings, rex["id"], "rex-project")
    (sample_settings.compiled_root / "pip-halloran" / "script").mkdir(parents=True)
    vectors = VectorStore(sample_settings.lancedb_dir)
    before = _counts(sample_settings)
    others_vectors = vectors.count(f"creator_id <> {pip['id']}")
    pip_vectors = vectors.count(f"creator_id = {pip['id']}")
    pip_videos = next(c for c in corpus.list_creators(sample_settings) if c["id"] == pip["id"])["videos"]
    assert pip_vectors > 0 and pip_videos > 0

    refused = run(["creator", "delete", "Pip Halloran"], sample_settings.root)  # not a terminal, no --yes
    assert refused.returncode != 0 and "--yes" in refused.stderr
    out = run(["creator", "delete", "Pip Halloran", "--yes"], sample_settings.root)
    assert out.returncode == 0, out.stderr

    after = _counts(sample_settings)
    assert after["creators"] == before["creators"] - 1
    assert after["videos"] == before["videos"] - pip_videos
    assert after["projects"] == before["projects"] - 1 and after["feedback"] == before["feedback"] - 1
    assert after["chat_sessions"] == before["chat_sessions"] - 1
    assert after["dna_snapshots"] == before["dna_snapshots"] - 2  # the version seeding measured, and the one added
    with connect(sample_settings.duckdb_path, sample_settings.lock_retry_s) as conn:
        orphans = conn.execute("SELECT count(*) FROM segments WHERE video_id NOT IN (SELECT id FROM videos)").fetchone()
        assert orphans[0] == 0
    assert vectors.count(f"creator_id = {pip['id']}") == 0
    assert vectors.count(f"creator_id <> {pip['id']}") == others_vectors
    assert vectors.count("project_id = 'pip-project'", table=SOURCE_CHUNKS) == 0
    assert vectors.count("project_id = 'rex-project'", table=SOURCE_CHUNKS) == 1
    assert not (sample_settings.compiled_root / "pip-halloran").exists()
    assert corpus.search(sample_settings, "birthday", "rex-moreno", k=3) is not None
    # and the creator can come back
    folder = sample_settings.root.parent / "pip"
    shutil.copytree(SAMPLE / "pip-and-the-primes", folder)
    assert run(["ingest", str(folder), "--creator", "Pip Halloran"], sample_settings.root).returncode == 0
    assert corpus.get_creator(sample_settings, "pip-halloran")["name"] == "Pip Halloran"


def test_a_video_known_only_by_its_youtube_id_is_untitled_linked_and_retitled(settings: Settings, tmp_path) -> None:
    folder = tmp_path / "captions"
    folder.mkdir()
    shutil.copy(sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[0],
                folder / "16W7c0mb-rE.srt")
    out = run(["ingest", str(folder), "--creator", "Kurz"], settings.root, timeout=300)
    assert out.returncode == 0, out.stderr
    [video] = json.loads(run(["creator", "videos", "Kurz", "--json"], settings.root).stdout)
    assert video["title"] == "Untitled video (16W7c0mb-rE)", "an id is not a title: shown as unknown"
    assert video["url"] == "https://www.youtube.com/watch?v=16W7c0mb-rE"
    assert corpus.timestamp_url("file", "16W7c0mb-rE", video["url"], 75.2).endswith("watch?v=16W7c0mb-rE&t=75s")

    done = run(["creator", "retitle", "Kurz", str(video["id"]), "  What If  the Sun Vanished? "], settings.root)
    assert done.returncode == 0, done.stderr
    assert "is now “What If the Sun Vanished?”" in done.stdout
    hits = corpus.search(settings, corpus.video_segments(settings, video["id"])[0]["text"], "kurz", k=1)
    assert hits[0]["title"] == "What If the Sun Vanished?", "search shows the new title"
    again = run(["ingest", str(folder), "--creator", "Kurz"], settings.root, timeout=300)
    assert again.returncode == 0 and corpus.list_videos(settings, corpus.get_creator(settings, "kurz")["id"])[0][
        "title"] == "What If the Sun Vanished?", "re-ingesting unchanged captions keeps the creator's title"

    wrong = run(["creator", "retitle", "Kurz", "999999", "x"], settings.root)
    assert wrong.returncode != 0 and "no video with id 999999" in wrong.stderr
    empty = run(["creator", "retitle", "Kurz", str(video["id"]), "   "], settings.root)
    assert empty.returncode != 0 and "needs a title" in empty.stderr


def test_slugs_are_titles_and_ids_are_not() -> None:
    from pipelines.ingest.files import youtube_id

    assert youtube_id("16W7c0mb-rE") == "16W7c0mb-rE" and youtube_id("4_aOIA-vyBo") == "4_aOIA-vyBo"
    for slug in ("eigenvalues", "convolutions", "pi-day-2019", "clacks", "monty-hall"):
        assert youtube_id(slug) is None

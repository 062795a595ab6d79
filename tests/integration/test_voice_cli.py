"""`scriptwright voice score|validate` as a user runs them, on the demo workspace."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.app.test_voice_page import REX_STYLE
from tests.conftest import SAMPLE

BIN = Path(sys.executable).parent / "scriptwright"


def run(args, settings):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(settings.root)})


def test_validate_json_reports_the_protocol_figures(sample_settings) -> None:
    out = run(["voice", "validate", "--folds", "3", "--json"], sample_settings)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    closed = report["closed_set"]
    for key in ("accuracy", "window_accuracy", "auc", "n_test_videos", "n_test_windows", "per_creator", "confusion"):
        assert key in closed
    assert closed["n_test_videos"] == 20  # every demo video is a test video exactly once
    assert set(closed["per_creator"]) == {"pip-halloran", "dr-amara-okafor", "rex-moreno"}
    assert closed["accuracy"] >= 0.9
    # open set: each creator's held-out videos against the other two and held-out background channels
    assert set(report["open_set"]) == set(closed["per_creator"])
    for slug, figures in report["open_set"].items():
        assert figures["creator"] == slug and figures["n_own_videos"] >= 6
        assert "background (held out)" in figures["by_source"] and slug not in figures["by_source"]
        assert figures["video_auc"] >= 0.9 and figures["far_at_90"] <= 0.2, figures
    # the figures become the scorer card shown beside every score of this workspace
    text = run(["voice", "validate", "--creators", "pip-halloran,rex-moreno", "--folds", "2"], sample_settings).stdout
    assert "Open set" in text and "Closed set" in text and "rex-moreno" in text and "dr-amara-okafor" not in text


def test_score_json_and_flags(sample_settings, tmp_path) -> None:
    script = tmp_path / "enzymes.txt"
    script.write_text(REX_STYLE)
    short = tmp_path / "short.md"
    short.write_text("Welcome back to the lab.")
    out = run(["voice", "score", str(script), str(short), "--creator", "Rex Moreno", "--json"], sample_settings)
    assert out.returncode == 0, out.stderr
    long_result, short_result = json.loads(out.stdout)
    assert long_result["fidelity"] > 0.5 and long_result["best_match"] == "rex-moreno"
    assert long_result["sounds_like"] and long_result["threshold"] == 0.5
    assert long_result["off_voice_sentences"] and long_result["pulls_away"]
    assert short_result["too_short"] and short_result["fidelity"] is None


def test_a_creator_with_too_few_videos_gets_a_clear_message(sample_settings, tmp_path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    for f in sorted((SAMPLE / "rex-builds-history").glob("*.srt"))[:2]:
        shutil.copy(f, folder / f"x-{f.name}")
    assert run(["ingest", str(folder), "--creator", "Newcomer"], sample_settings).returncode == 0
    script = tmp_path / "s.txt"
    script.write_text(REX_STYLE)
    out = run(["voice", "score", str(script), "--creator", "Newcomer"], sample_settings)
    assert out.returncode == 1
    assert "fewer than 3 videos" in out.stderr and "Traceback" not in out.stderr


def test_empty_script_is_a_clear_error(sample_settings, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  ")
    out = run(["voice", "score", str(empty), "--creator", "Rex Moreno"], sample_settings)
    assert out.returncode == 1 and "empty" in out.stderr


def test_a_damaged_model_file_is_retrained(sample_settings) -> None:
    from pipelines.voice import scorer

    model = scorer.current_model(sample_settings)
    path = next((sample_settings.root / "models").glob("voice-*.joblib"))
    path.write_bytes(b"not a model")
    scorer._models.clear()
    again = scorer.current_model(sample_settings)
    assert list(again.classes) == list(model.classes)
    assert path.stat().st_size > 1000

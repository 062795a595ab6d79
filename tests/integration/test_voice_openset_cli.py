"""Open-set voice validation and one-creator scoring through the real CLI (`pipelines.cli.app`).

`voice validate --unseen` tests a workspace creator against creators the workspace has never
seen (copies of caption files from the shared corpora, one subfolder per creator) and stores
nothing of them; `voice score` in a workspace that holds a single creator still gives an
open-set fidelity, against the shipped background of real voices.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines import cli, corpus
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings
from tests.conftest import SAMPLE, SHARED_CORPORA

OPEN_SET_KEYS = ("video_auc", "window_auc", "eer", "far_at_90", "window_far_at_90", "n_own_videos", "n_unseen_videos")

# Written for this test: a neutral, encyclopedic register that is nobody's channel voice.
ENCYCLOPEDIC = (
    "A glacier is a persistent body of dense ice that moves slowly under its own weight. Glaciers form where "
    "the accumulation of snow exceeds its loss over many years, often over several centuries. Fresh snow is "
    "gradually compacted into firn and then into glacial ice, a process that may take decades. Glaciers occur "
    "on every continent except Australia, and together they hold roughly two thirds of the fresh water on "
    "Earth. Two principal types are usually distinguished: alpine glaciers, which occupy mountain valleys, and "
    "continental ice sheets, which cover large land masses such as Antarctica and Greenland. The movement of a "
    "glacier results from the internal deformation of the ice and from sliding at its base. Over long periods "
    "this movement erodes the underlying rock and produces characteristic landforms, among them cirques, "
    "moraines and U-shaped valleys. Because glaciers respond to changes in temperature and precipitation, "
    "their extent is widely used as an indicator of regional and global climate."
)


def invoke(args: list[str]):
    return CliRunner().invoke(cli.app, args)


def unseen_folder(root: Path) -> Path:
    """Two never-seen creators, four caption files each, copied (never moved) from the shared corpora."""
    folder = root / "unseen"
    for sub, source in (("kurz", "kurzgesagt"), ("nerd", "nerdwriter")):
        (folder / sub).mkdir(parents=True)
        for f in sorted((SHARED_CORPORA / source).glob("*.txt"))[:4]:
            shutil.copy(f, folder / sub / f.name)
    return folder


def test_validate_against_unseen_creators_reports_open_set_figures_and_stores_nothing(
        sample_settings: Settings, tmp_path: Path) -> None:
    folder = unseen_folder(tmp_path)
    before = corpus.list_creators(sample_settings)
    models_before = sorted(p.name for p in (sample_settings.root / "models").glob("*")) \
        if (sample_settings.root / "models").exists() else []
    result = invoke(["voice", "validate", "--creator", "pip-halloran", "--unseen", str(folder), "--folds", "3",
                     "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    report = json.loads(result.stdout)
    assert report["creator"] == "pip-halloran"
    figures = report["open_set"]
    for key in OPEN_SET_KEYS:
        assert key in figures, key
    assert figures["n_unseen_videos"] == 8
    pip = next(c for c in before if c["slug"] == "pip-halloran")
    assert figures["n_own_videos"] == pip["videos"] == 7  # every one of Pip's videos held out once
    for key in ("video_auc", "window_auc", "eer", "far_at_90", "window_far_at_90"):
        assert 0.0 <= figures[key] <= 1.0, key
    assert set(figures["by_source"]) == {"unseen:kurz", "unseen:nerd"}
    assert figures["unseen_creators"] == {"unseen:kurz": 4, "unseen:nerd": 4}
    # nothing of the unseen folder entered the workspace
    assert corpus.list_creators(sample_settings) == before
    models_after = sorted(p.name for p in (sample_settings.root / "models").glob("*"))
    assert not [n for n in models_after if n not in models_before and "-cv" in n]  # no scorer card written
    # and the shared corpora were only read
    assert sorted(p.name for p in (folder / "kurz").iterdir()) == sorted(
        p.name for p in sorted((SHARED_CORPORA / "kurzgesagt").glob("*.txt"))[:4])


def test_unseen_without_creator_is_one_readable_error(sample_settings: Settings, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = unseen_folder(tmp_path)
    result = invoke(["voice", "validate", "--unseen", str(folder)])
    assert result.exit_code != 0
    assert isinstance(result.exception, ScriptwrightError)
    assert "--creator" in str(result.exception) and "\n" not in str(result.exception)
    # as a user sees it: the entry point prints one line on stderr, no traceback, and exits 1
    monkeypatch.setattr(sys, "argv", ["scriptwright", "voice", "validate", "--unseen", str(folder)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "--creator" in lines[0] and "Traceback" not in lines[0]


def test_unseen_folder_without_subfolders_is_a_clear_error(sample_settings: Settings, tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for f in sorted((SHARED_CORPORA / "kurzgesagt").glob("*.txt"))[:3]:
        shutil.copy(f, flat / f.name)
    before = corpus.list_creators(sample_settings)
    result = invoke(["voice", "validate", "--creator", "pip-halloran", "--unseen", str(flat), "--folds", "3"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ScriptwrightError)
    assert "subfolder" in str(result.exception)
    assert corpus.list_creators(sample_settings) == before


def test_score_in_a_one_creator_workspace_gives_an_open_set_fidelity(settings: Settings, tmp_path: Path) -> None:
    ingest = invoke(["ingest", str(SAMPLE / "pip-and-the-primes"), "--creator", "Pip Halloran"])
    assert ingest.exit_code == 0, (ingest.output, ingest.exception)
    assert [c["slug"] for c in corpus.list_creators(settings)] == ["pip-halloran"]
    script = tmp_path / "glaciers.txt"
    script.write_text(ENCYCLOPEDIC)
    assert 140 <= len(ENCYCLOPEDIC.split()) <= 170
    short = tmp_path / "short.txt"
    short.write_text("Glaciers are slow rivers of ice found on most continents.")
    assert len(short.read_text().split()) == 10
    result = invoke(["voice", "score", str(script), str(short), "--creator", "pip-halloran", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    long_result, short_result = json.loads(result.stdout)
    assert isinstance(long_result["fidelity"], float) and 0.0 <= long_result["fidelity"] <= 1.0
    assert long_result["threshold"] == 0.5
    assert isinstance(long_result["sounds_like"], bool)
    assert long_result["sounds_like"] == (long_result["fidelity"] >= 0.5)
    assert long_result["best_match"] is None  # one creator: nobody to be closest among
    assert long_result["too_short"] is False and long_result["message"] is None
    assert short_result["too_short"] is True and short_result["fidelity"] is None
    assert short_result["sounds_like"] is None and short_result["message"]

"""The shipped frameworks file and every broken case with its own message."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.drafting.frameworks import FRAMEWORKS_FILE, catalogue, get_framework, load_frameworks
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"
REQUIRED = {"problem-first", "worked-example", "misconception-first", "story-arc", "feynman-build-up",
            "compare-contrast"}


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path) -> Settings:
    target = tmp_path / "prompts"
    shutil.copytree(SHIPPED, target)
    return Settings(data_dir=data_dir, prompts_dir=target)


def _file(settings: Settings) -> Path:
    return settings.prompts_root / FRAMEWORKS_FILE


def _line_of(settings: Settings, text: str) -> int:
    return _file(settings).read_text().splitlines().index(text) + 1


def _replace(settings: Settings, old: str, new: str) -> None:
    path = _file(settings)
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))


def test_shipped_frameworks_load_and_are_valid() -> None:
    frameworks = load_frameworks(Settings(prompts_dir=SHIPPED))
    assert len(frameworks) >= 6
    assert REQUIRED <= {f.id for f in frameworks}
    assert len({f.id for f in frameworks}) == len(frameworks)
    for f in frameworks:
        assert f.name and f.when_to_use and "\n" not in f.when_to_use
        assert 3 <= len(f.beats) <= 6
        assert abs(sum(b.share for b in f.beats) - 1.0) <= 0.01
        assert all(b.title and b.goal and 0 < b.share <= 1 for b in f.beats)
    lines = catalogue(frameworks).splitlines()
    assert len(lines) == len(frameworks)
    assert lines[0] == f"{frameworks[0].id}: {frameworks[0].name} — {frameworks[0].when_to_use}"


def test_get_framework_by_id(settings: Settings) -> None:
    framework = get_framework(settings, "worked-example")
    assert framework.name == "Worked example"
    assert framework.beats[0].title == "The task"


def test_unknown_id_lists_known_ids(settings: Settings) -> None:
    with pytest.raises(ScriptwrightError) as err:
        get_framework(settings, "five-paragraph-essay")
    message = str(err.value)
    assert "Unknown framework 'five-paragraph-essay'" in message
    assert all(fid in message for fid in REQUIRED)


def test_broken_yaml_names_file_and_line(settings: Settings) -> None:
    line = _line_of(settings, "    name: Worked example")
    _replace(settings, "    name: Worked example", "    name: Worked: example")
    with pytest.raises(ScriptwrightError, match=rf"{_file(settings)}:{line}: not valid YAML"):
        load_frameworks(settings)


def test_shares_not_summing_to_one_name_the_framework(settings: Settings) -> None:
    _replace(settings, "goal: Point out the mistakes people usually make and how to catch them.\n        share: 0.1",
             "goal: Point out the mistakes people usually make and how to catch them.\n        share: 0.3")
    with pytest.raises(ScriptwrightError) as err:
        load_frameworks(settings)
    assert str(err.value).startswith(f"{_file(settings)}:")
    assert "framework 'worked-example' beat shares sum to 1.20, not 1.0" in str(err.value)


def test_duplicate_ids_name_both_lines(settings: Settings) -> None:
    first = _line_of(settings, "  - id: problem-first")
    second = _line_of(settings, "  - id: story-arc")
    _replace(settings, "  - id: story-arc", "  - id: problem-first")
    with pytest.raises(ScriptwrightError) as err:
        load_frameworks(settings)
    assert str(err.value) == (f"{_file(settings)}:{second}: duplicate framework id 'problem-first' "
                              f"(first defined at line {first}).")


_EXTRA_BEAT = "      - title: Extra\n        goal: More.\n        share: 0.05\n"


def _drop_when_to_use(text: str) -> str:
    start = text.index("    when_to_use:", text.index("id: story-arc"))
    return text[:start] + text[text.index("    beats:", start):]


@pytest.mark.parametrize(("edit", "expected"), [
    (_drop_when_to_use, "framework 'story-arc' lacks when_to_use"),
    (lambda t: t.replace("id: story-arc", "id: Story Arc"), "framework id 'Story Arc' must be a slug"),
    (lambda t: t.replace("share: 0.15", "share: lots", 1), "framework 'problem-first' beat 1 share must be a number"),
    (lambda t: t.replace("      - title: Common slips", "      - goal_only: x\n      - title: Common slips"),
     "framework 'worked-example' beat 5 needs title, goal and share"),
    (lambda t: t.replace("      - title: Common slips", _EXTRA_BEAT * 2 + "      - title: Common slips"),
     "framework 'worked-example' has 7 beats; it needs 3 to 6"),
    (lambda t: "frameworks: []\n", "expected a top-level 'frameworks:' list"),
])
def test_each_problem_has_its_own_message(settings: Settings, edit: Callable[[str], str], expected: str) -> None:
    path = _file(settings)
    path.write_text(edit(path.read_text()))
    with pytest.raises(ScriptwrightError) as err:
        load_frameworks(settings)
    assert str(err.value).startswith(f"{path}")
    assert expected in str(err.value)


def test_missing_file_is_named(settings: Settings) -> None:
    _file(settings).unlink()
    with pytest.raises(ScriptwrightError, match=rf"{_file(settings)}: frameworks file not found"):
        load_frameworks(settings)

"""Prompt files, pipeline tags, overrides, and every broken case with its own message."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from pipelines import jobs
from pipelines.errors import ScriptwrightError
from pipelines.job_params import Prompted
from pipelines.jobs import job_kind
from pipelines.programs.channel_summary import summarize_channel
from pipelines.prompts import PromptService, parse_overrides
from pipelines.settings import Settings

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"
ANSWER = {"topics": ["primes"], "pitch": "Math for everyone."}


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.fixture
def service(prompts_dir: Path, data_dir: Path) -> PromptService:
    return PromptService(Settings(data_dir=data_dir, prompts_dir=prompts_dir))


def sent_to_lm(service: PromptService, **select) -> tuple[str, dict]:
    lm = dspy.utils.DummyLM([ANSWER])
    selection = service.select(**select)
    with dspy.context(lm=lm):
        summarize_channel(selection, "Pip", ["primes never run out"])
    return lm.history[-1]["messages"][0]["content"], selection.record


def test_shipped_prompts_are_valid() -> None:
    assert PromptService(Settings(), SHIPPED).validate() == []


def test_changing_the_tag_file_changes_what_the_lm_sees(service: PromptService, prompts_dir: Path) -> None:
    system, record = sent_to_lm(service)
    assert "what the channel teaches and to whom" in system
    assert record["channel_summary"]["version"] == "v1"

    tags = prompts_dir / "pipeline-tags.yaml"
    tags.write_text(tags.read_text().replace("channel_summary: v1", "channel_summary: v2", 1))
    system, record = sent_to_lm(service)
    assert "You are helping a video creator describe their own channel" in system
    assert record["channel_summary"]["version"] == "v2"
    assert record["channel_summary"]["sha256"] == service.load("channel_summary", "v2").sha256


def test_override_beats_tag_and_tag_beats_default(service: PromptService) -> None:
    assert sent_to_lm(service, tag="experimental")[1]["channel_summary"]["version"] == "v2"
    assert sent_to_lm(service, tag="experimental", overrides={"channel_summary": "v1"})[1][
        "channel_summary"]["version"] == "v1"


def test_step_a_tag_omits_uses_the_default_version(service: PromptService, prompts_dir: Path) -> None:
    (prompts_dir / "pipeline-tags.yaml").write_text("stable: {}\n")
    service.settings.default_prompt_version = "v2"
    assert service.resolve("channel_summary").version == "v2"


def test_a_job_records_the_versions_it_used(settings, monkeypatch) -> None:
    @job_kind("test-summary", Prompted)
    def _summary(ctx, params):
        with dspy.context(lm=dspy.utils.DummyLM([ANSWER])):
            summarize_channel(ctx.prompts(params.get("tag")), "Pip", ["x"])
        return {}

    job = jobs.submit_and_run(settings, "test-summary", {"tag": "experimental"})
    assert job["prompt_versions"]["channel_summary"]["version"] == "v2"
    assert job["prompt_versions"]["channel_summary"]["tag"] == "experimental"


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def test_missing_file(service: PromptService, prompts_dir: Path) -> None:
    (prompts_dir / "channel_summary" / "v2.md").unlink()
    message = only(service.validate())
    line = (prompts_dir / "pipeline-tags.yaml").read_text().splitlines().index("  channel_summary: v2") + 1
    assert f"pipeline-tags.yaml:{line}:" in message and "v2.md: prompt file not found" in message


def test_yaml_syntax_error(service: PromptService, prompts_dir: Path) -> None:
    (prompts_dir / "pipeline-tags.yaml").write_text("stable:\n  channel_summary: [v1\n")
    message = only(service.validate())
    assert "pipeline-tags.yaml" in message and "not valid YAML" in message


def test_tag_pointing_at_an_unknown_step(service: PromptService, prompts_dir: Path) -> None:
    tags = prompts_dir / "pipeline-tags.yaml"
    tags.write_text(tags.read_text() + "  scrip_writer: v1\n")
    message = only(service.validate())
    line = len(tags.read_text().splitlines())
    assert "unknown step 'scrip_writer'" in message and f"pipeline-tags.yaml:{line}:" in message


def test_front_matter_missing_a_field(service: PromptService, prompts_dir: Path) -> None:
    path = prompts_dir / "channel_summary" / "v1.md"
    path.write_text(path.read_text().replace("outputs: [topics, pitch]", "outputs: [topics]"))
    message = only(service.validate())
    assert "v1.md:2" in message and "'outputs' lacks pitch" in message


def test_empty_instruction_file(service: PromptService, prompts_dir: Path) -> None:
    path = prompts_dir / "channel_summary" / "v1.md"
    path.write_text(path.read_text().split("---\n", 2)[0] + "---\n" + path.read_text().split("---\n", 2)[1] + "---\n\n")
    message = only(service.validate())
    assert "v1.md" in message and "instruction text is empty" in message


def test_a_broken_step_refuses_to_run_with_the_message(service: PromptService, prompts_dir: Path) -> None:
    (prompts_dir / "channel_summary" / "v1.md").write_text("")
    with pytest.raises(ScriptwrightError, match="missing front matter"):
        service.select().signature("channel_summary")


def test_overrides_are_parsed_and_checked(service: PromptService) -> None:
    assert parse_overrides(["channel_summary=v2"]) == {"channel_summary": "v2"}
    with pytest.raises(ScriptwrightError, match="expected STEP=VERSION"):
        parse_overrides(["channel_summary"])
    with pytest.raises(ScriptwrightError, match="unknown step"):
        service.select(overrides={"nope": "v1"})


def test_cache_sees_edits(service: PromptService, prompts_dir: Path) -> None:
    first = service.load("channel_summary", "v1")
    assert service.load("channel_summary", "v1") is first
    path = prompts_dir / "channel_summary" / "v1.md"
    path.write_text(path.read_text() + "\nBe brief.\n")
    os.utime(path, (first.path.stat().st_atime, first.path.stat().st_mtime + 5))
    assert service.load("channel_summary", "v1").instructions.endswith("Be brief.")


def cli(args, prompts_dir, data_dir):
    return subprocess.run([str(Path(sys.executable).parent / "scriptwright"), *args], capture_output=True, text=True,
                          env={**os.environ, "SCRIPTWRIGHT_PROMPTS_DIR": str(prompts_dir),
                               "SCRIPTWRIGHT_DATA_DIR": str(data_dir)}, timeout=120)


def test_cli_validate_exit_codes(prompts_dir: Path, data_dir: Path) -> None:
    ok = cli(["prompts", "validate"], prompts_dir, data_dir)
    assert ok.returncode == 0 and "valid" in ok.stdout
    (prompts_dir / "channel_summary" / "v2.md").unlink()
    tags = prompts_dir / "pipeline-tags.yaml"
    tags.write_text(tags.read_text() + "  ghost_step: v1\n")
    bad = cli(["prompts", "validate"], prompts_dir, data_dir)
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2 and any("ghost_step" in x for x in lines) and any("v2.md" in x for x in lines)


def test_cli_list_show_diff(prompts_dir: Path, data_dir: Path) -> None:
    listed = cli(["prompts", "list"], prompts_dir, data_dir)
    assert "channel_summary" in listed.stdout and "experimental" in listed.stdout
    shown = cli(["prompts", "show", "channel_summary", "--version", "v2"], prompts_dir, data_dir)
    assert "You are helping a video creator" in shown.stdout
    diff = cli(["prompts", "diff", "channel_summary", "v1", "v2"], prompts_dir, data_dir)
    assert diff.stdout.startswith("--- channel_summary/v1.md") and "+You are helping" in diff.stdout


def test_promote_rewrites_one_entry_and_keeps_comments(service: PromptService, prompts_dir: Path) -> None:
    tags = prompts_dir / "pipeline-tags.yaml"
    service.promote("stable", "channel_summary", "v2")
    assert service.tags()["stable"]["channel_summary"] == "v2"
    assert tags.read_text().startswith("#") and service.validate() == []
    service.promote("candidate", "channel_summary", "v1")
    assert service.tags()["candidate"] == {"channel_summary": "v1"}
    before = tags.read_text()
    with pytest.raises(ScriptwrightError, match="prompt file not found"):
        service.promote("stable", "channel_summary", "v7")
    assert tags.read_text() == before
    with pytest.raises(ScriptwrightError, match="not a usable tag name"):
        service.promote("my tag!", "channel_summary", "v1")


def test_a_compilable_step_may_point_at_a_compiled_program(service: PromptService, prompts_dir: Path) -> None:
    tags = prompts_dir / "pipeline-tags.yaml"
    tags.write_text(tags.read_text() + "pinned:\n  script_writer: compiled:v3\n")
    assert service.validate() == []
    assert service.tags()["tuned"]["script_writer"] == "compiled:latest"
    assert service.entry("script_writer", "pinned") == "compiled:v3"
    # without a creator there is no compiled program: the prompt under it is the default version
    assert service.resolve("script_writer", "pinned").version == "v1"
    assert service.select("pinned", {"script_writer": "v2"}).compiled("script_writer", "anyone") is None


@pytest.mark.parametrize("entry,message", [
    ("  hook_rubric: compiled:latest", "tag 'tuned': step 'hook_rubric' cannot use a compiled program (steps that "
                                       "can: hook, outline, script_writer, title)"),
    ("  script_writer: compiled:best", "tag 'tuned': 'compiled:best' is not compiled:latest or compiled:vN"),
])
def test_a_compiled_entry_where_it_cannot_be(service: PromptService, prompts_dir: Path, entry, message) -> None:
    tags = prompts_dir / "pipeline-tags.yaml"
    text = tags.read_text().replace("  script_writer: compiled:latest\n", "")
    tags.write_text(text + entry + "\n")
    line = len(tags.read_text().splitlines())
    assert only(service.validate()) == f"{tags.resolve()}:{line}: {message}"
    with pytest.raises(ScriptwrightError, match="cannot use a compiled program|is not compiled:latest"):
        service.select("tuned").compiled(entry.split(":")[0].strip(), "anyone")


def test_promote_a_compiled_program(service: PromptService, prompts_dir: Path) -> None:
    tags = prompts_dir / "pipeline-tags.yaml"
    service.promote("stable", "script_writer", "compiled:latest")
    service.promote("candidate", "script_writer", "compiled:v2")
    assert service.tags()["stable"]["script_writer"] == "compiled:latest"
    assert service.tags()["candidate"] == {"script_writer": "compiled:v2"} and service.validate() == []
    before = tags.read_text()
    with pytest.raises(ScriptwrightError, match="Not promoted: step 'hook_rubric' cannot use a compiled program"):
        service.promote("stable", "hook_rubric", "compiled:latest")
    with pytest.raises(ScriptwrightError, match="Not promoted: 'compiled:newest' is not compiled:latest"):
        service.promote("stable", "script_writer", "compiled:newest")
    assert tags.read_text() == before

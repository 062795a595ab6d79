"""The `scriptwright` console script as a user runs it: real subprocesses, real data dir."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "scriptwright"


def run(args, data_dir, timeout: float = 600, **env):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(data_dir), **env})


def test_help_lists_the_commands(data_dir) -> None:
    out = run(["--help"], data_dir)
    assert out.returncode == 0
    for command in ("ingest", "creators", "search", "jobs", "doctor", "app", "demo"):
        assert command in out.stdout


def test_doctor_reports_a_working_embedded_lm(data_dir) -> None:
    out = run(["doctor"], data_dir)
    assert out.returncode == 0, out.stderr
    assert "local/smollm2" in out.stdout
    assert "LM answers" in out.stdout and "colour=" in out.stdout
    assert str(data_dir.resolve()) in out.stdout.replace("\n", "") or "data dir" in out.stdout


@pytest.mark.parametrize("args,needle", [
    (["jobs", "show", "nope"], "No job with id 'nope'"),
    (["search", "primes", "--creator", "ghost"], "No creator named 'ghost'"),
    (["ingest", "/no/such/folder", "--creator", "x"], "no such file or folder"),
])
def test_user_errors_are_one_line_and_non_zero(data_dir, args, needle) -> None:
    out = run(args, data_dir)
    assert out.returncode != 0
    lines = [line for line in out.stderr.splitlines() if line.strip() and "━" not in line]
    assert len(lines) == 1, out.stderr
    assert needle in lines[0] and "Traceback" not in out.stderr


@pytest.mark.timeout(3000)
def test_demo_runs_the_main_job_end_to_end(data_dir, settings) -> None:
    from pipelines.drafting import drafts
    from pipelines.drafting.chapters import chapter_problems
    from pipelines.drafting.description import DESCRIPTION_MAX, NOTHING_TO_PASTE
    from pipelines.drafting.export import runtime
    from pipelines.drafting.kit import PARTS
    from pipelines.usable import empty_sections, has_script, looping, placeholder_in

    # ingest, summaries, a whole draft and its publish kit with the embedded LM
    out = run(["demo"], data_dir, timeout=2700)
    assert out.returncode == 0, out.stderr
    assert "Demo finished" in out.stdout
    assert "Pip Halloran" in out.stdout and "Dr. Amara Okafor" in out.stdout
    listed = json.loads(run(["creators", "--json"], data_dir).stdout)
    assert {c["name"] for c in listed} >= {"Pip Halloran", "Dr. Amara Okafor"}
    assert all(c["videos"] >= 6 and c["chunks"] > 0 for c in listed)
    jobs = json.loads(run(["jobs", "list", "--json"], data_dir).stdout)
    demo = next(j for j in jobs if j["kind"] == "demo")
    children = [j["kind"] for j in jobs if j["initiating_job_id"] == demo["id"]]
    assert demo["status"] == "succeeded" and children.count("ingest") == len(listed)
    assert children.count("dna-build") == len(listed), "each demo creator's measured DNA"
    assert demo["result"]["lm"] == "local/smollm2"
    printed = " ".join(out.stdout.split())
    for summary in demo["result"]["creators"]:  # the tiny model's loops and copies are named, never shown as a pitch
        assert bool(summary["pitch"]) != ("pitch" in summary["unusable"]) and not looping(summary["pitch"])
        assert all(f"{part}: none usable from local/smollm2: {why}" in printed
                   for part, why in summary["unusable"].items())
    # the whole draft for Pip, with the embedded LM: what it left unusable is said, never passed off as done
    drafted = demo["result"]["draft"]
    content = drafts.get(settings, drafted["project"], drafted["version"])["content"]
    warned = " ".join(out.stderr.split())
    assert (demo["result"].get("status") == "partial") == ("Demo finished with gaps" in out.stdout)
    assert all(f"partial: {p}" in warned for p in demo["result"].get("problems", []))
    if empty_sections(content):
        assert "Demo finished with gaps" in out.stdout
    if not has_script(content):
        assert drafted["versions"] == [1, 2, 3], "no checks of a script with no sentence"
        assert "not exported: Nothing to export: the script has no sentences yet" in warned
        assert "markdown: " not in out.stdout
        assert "publish" not in children and demo["result"]["publish"] is None, "no kit without a script"
    else:
        assert drafted["versions"] == [1, 2, 3, 4]
        # the publish kit, a child job: one version per part, every part there or said to be missing
        assert children.count("publish") == 1 and demo["result"]["publish"]["versions"] == [5, 6, 7, 8]
        published = drafts.get(settings, drafted["project"])
        assert published["version"] == 8 and set(published["content"].publish) == set(PARTS)
        description = published["content"].publish["description"]
        assert description["duration_s"] == pytest.approx(runtime(published["content"]), abs=0.1)
        if description["chapters"]:
            assert sum(c["duration_s"] for c in description["chapters"]) == pytest.approx(description["duration_s"],
                                                                                       abs=0.1)
            assert chapter_problems(description["chapters"], description["duration_s"]) == []
        assert "Publish kit" in out.stdout and "Titles" in out.stdout
        markdown = Path(next(line.split(": ", 1)[1] for line in out.stdout.splitlines()
                             if line.startswith("markdown: ")))
        text = markdown.read_text()
        assert "## Checks" in text and "monty-hall-notes.md" in text
        assert "no text yet.)" not in text and not placeholder_in(text)
        assert ("have no text yet and are left out" in text) == bool(empty_sections(content))
        assert Path(str(markdown).replace(".md", ".txt")).exists() and Path(str(markdown).replace(".md", ".json")).exists()
        assert markdown.name == "monty-hall-with-a-hundred-doors-v8.md" and "## Publish kit" in text
        pasted = Path(str(markdown).replace(".md", "-description.txt"))
        if pasted.exists():
            assert len(pasted.read_text()) <= DESCRIPTION_MAX and not placeholder_in(pasted.read_text())
        else:  # nothing to paste: said in the Markdown, never an empty file
            assert NOTHING_TO_PASTE in text
    again = run(["demo"], data_dir)  # a second demo re-ingests nothing and still finishes
    assert again.returncode == 0, again.stderr
    assert "Demo finished" in again.stdout

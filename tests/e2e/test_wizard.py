"""The whole New video wizard in a real Chromium against `scriptwright app`, on the demo
creator, with every LM role on a provider: an OpenAI-compatible server on loopback that answers each
step as a good model would (litellm → HTTP, the path a real provider takes). idea → research (an
uploaded file) → verify → audience → outline → hooks → script (one section rewritten by the creator)
→ checks → publish (the kit and description.txt) → export. A screenshot of every step is kept in
data/test-artifacts/wizard/ and the downloaded Markdown export is checked.

What the wizard shows when the embedded model leaves parts empty (gaps said, steps not ticked, an empty
script refused at export) is tested on the page itself in tests/app/test_new_video_page.py; the
embedded model's own output through a whole draft in test_cli's demo and test_llama_server."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pytest_httpserver import HTTPServer

from pipelines.usable import placeholder_in
from tests.conftest import PROXY_VARS, REPO, SAMPLE
from tests.e2e.test_workbench import browser, running_app  # noqa: F401  (browser: a module-scoped fixture)
from tests.fake_provider import PLANTED_KEY, ScriptedProvider
from tests.integration.test_assistant import act
from tests.integration.test_drafting import HOOK, NOTES, RATING
from tests.integration.test_idea import VERDICT
from tests.integration.test_publish import KIT

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "data" / "test-artifacts" / "wizard"
OWN_SECTION = ("Picture a hundred doors. Behind one of them is a car, and behind the other ninety-nine are goats. "
               "You pick one, and the host, who knows where the car is, opens ninety-eight doors with goats. "
               "Should you switch? Almost everyone says it does not matter, and almost everyone is wrong.")
JOB = 300_000  # ms: one step's job on a loaded 2-core machine (the provider answers at once; the job's own work remains)
PLANS = [("The common belief", "State the 50/50 intuition fairly", "two doors left"),
         ("Where it breaks", "Show a hundred doors", "98 goats opened"),
         ("The better model", "The host's choice is information", "he never opens the car"),
         ("Why the myth persists", "Two doors look symmetric", "Marilyn vos Savant's readers"),
         ("Takeaway", "Switch, always", "two thirds")]
SECTIONS = {
    "The common belief": ["Two doors are left, so it feels like a coin flip, right?",
                          "Most people, including people with doctorates, say it makes no difference."],
    "Where it breaks": ["Now picture a hundred doors, and the host opens ninety-eight goats.",
                        "With 100 doors, switching wins 99 times in 100."],
    "The better model": ["Switching wins the car with probability 2/3, while staying wins with probability 1/3.",
                         "The host knows where the car is, so the door he leaves shut tells you something."],
    "Why the myth persists": ["In 1990 Marilyn vos Savant said to switch, and thousands of readers wrote in to say "
                              "she was wrong.", "Two closed doors look the same, so we forget what the host knew."],
    "Takeaway": ["So switch, every time: your first pick is right only one time in three.",
                 "Gran still will not switch, but now you know why she should."],
}
# the first key found in a request's last message picks the answer (see ScriptedProvider)
ANSWERS = {
    "[[ ## claim ## ]]": {"verdict": "supported", "cites": ["E1"], "confidence": 0.9,
                          "quote": "Switching wins the car with probability 2/3, while staying wins with probability 1/3."},
    "[[ ## tools ## ]]": act("finish"),
    "[[ ## trajectory ## ]]": {"reply": "You talked about prime numbers in your video on why the primes never run out."},
    "Closest past videos": VERDICT,
    "[[ ## frameworks ## ]]": {"framework": "misconception-first", "why": "Everyone's first guess, 50/50, is wrong.",
                               "sections": [{"title": t, "goal": g, "beats": [b]} for t, g, b in PLANS]},
    "[[ ## style ## ]]": HOOK,
    "[[ ## hook ## ]]": RATING,
    **{f"{title}\nGoal": {"sentences": [{"text": text, "cites": ["N1"] if i == 0 else []}
                                        for i, text in enumerate(texts)]} for title, texts in SECTIONS.items()},
    "[[ ## passages ## ]]": NOTES,
    **KIT,
}


@pytest.fixture(scope="module")
def provider() -> Iterator[dict[str, str]]:
    """The loopback provider; yields the environment that puts every role on it."""
    httpd = HTTPServer(host="127.0.0.1", threaded=True)
    httpd.start()
    httpd.expect_request("/v1/chat/completions", method="POST").respond_with_handler(ScriptedProvider(ANSWERS).handle)
    yield {"SCRIPTWRIGHT_LM": "openai/gpt-4.1-mini", "SCRIPTWRIGHT_LM_API_BASE": httpd.url_for("/v1"),
           "OPENAI_API_KEY": PLANTED_KEY, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
           **{name: "" for name in PROXY_VARS}}
    httpd.clear()
    httpd.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sample_workspace: Path, provider: dict[str, str]):
    """The app on its own copy of the ingested demo workspace (seeding an empty one is
    test_workbench's job), every role on the loopback provider."""
    data = tmp_path_factory.mktemp("wizard") / "data"
    shutil.copytree(_sample_workspace, data)
    with running_app(data, **provider) as running:
        yield running


def settled(page) -> None:
    """Wait until the app has finished its current rerun (the running indicator is gone, and stays gone
    past the moment a rerun that was only just requested would show it)."""
    status = page.locator('[data-testid="stStatusWidget"]')
    for _ in range(2):
        page.wait_for_timeout(500)
        status.wait_for(state="hidden", timeout=120_000)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def until(page, text, name: str, timeout: float = JOB) -> None:
    """Wait for a step's result (or an error, which fails the test at once), then keep a screenshot."""
    target = page.get_by_text(text).first if isinstance(text, (str, re.Pattern)) else text
    error = page.locator('[data-testid="stAlertContentError"], [data-testid="stException"]').first
    try:
        target.or_(error).wait_for(timeout=timeout)
    except Exception as exc:
        shot(page, f"{name}-unfinished")  # a step that never ends keeps its screenshot too, and says what was in view
        panel = page.locator('[role="tabpanel"]:visible').first
        seen = panel.inner_text() if panel.count() else page.locator("body").inner_text()
        raise AssertionError(f"{name}: no {text!r} after {timeout / 1000:.0f} s; in view:\n{seen[:2000]}") from exc
    settled(page)
    shot(page, name)
    no_errors(page)
    no_templates(page)


def no_templates(page) -> None:
    text = page.locator("body").inner_text()
    assert not placeholder_in(text), re.search(r".{0,80}\{\s*\w+\s*\}.{0,80}", text)


def steps(page) -> dict[str, str]:
    """The stepper line as {step: its mark}: 'done' (a tick), 'partial' (a warning sign) or ''."""
    line = page.locator('[data-testid="stMarkdownContainer"]', has_text="→").first.inner_text()
    marks = {}
    for part in line.split("→"):
        words = part.split()
        mark = {"check_circle": "done", "warning": "partial"}.get(words[-1], "")
        marks[words[-2] if mark else words[-1]] = mark
    return marks


def gaps(page, phrase: str) -> bool:
    """Whether the page warns that a step left something missing (the phrase is in a warning)."""
    return page.locator('[data-testid="stAlertContentWarning"]', has_text=phrase).count() > 0


def no_errors(page) -> None:
    """No exception anywhere, and no error in view (the Export tab, drawn while hidden, refuses an empty script)."""
    assert not page.locator('[data-testid="stException"]').count(), page.locator('[data-testid="stException"]').first.inner_text()
    alerts = page.locator('[data-testid="stAlertContentError"]:visible')
    assert not alerts.count(), alerts.first.inner_text()


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settled(page)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()


@pytest.mark.timeout(1800)  # nine steps, each waited for up to JOB: a busy machine is slow, not broken
def test_the_wizard_from_idea_to_markdown_export(server, browser, tmp_path) -> None:  # noqa: F811
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/new_video")
    page.get_by_label("Creator").click()
    page.get_by_role("option", name="Pip Halloran").click()
    assert page.get_by_text("Offline placeholder model").count() == 0, "every role is on the provider"

    page.get_by_label("Working title or idea").fill("Monty Hall with a hundred doors")
    click(page, "Validate idea")
    until(page, "Fit with past videos", "01-idea")
    assert page.get_by_text("Monty Hall with 100 doors").count(), "the model's angles are shown"

    tab(page, "Research")
    page.locator('input[type="file"]').set_input_files(str(SAMPLE / "sources" / "monty-hall-notes.md"))
    page.get_by_text("monty-hall-notes.md").first.wait_for()
    click(page, "Add sources and write notes")
    until(page, "Passages the notes were written from", "02-research")
    assert page.get_by_text("The host knows where the car is and always opens a goat door.").count()

    tab(page, "Verify")
    click(page, "Check claims")
    until(page, "confidence", "03-verify")
    assert page.get_by_text("supported").count() and not gaps(page, "got no usable answer")

    tab(page, "Audience")
    click(page, "Cluster my audience's comments")
    until(page, re.compile(r"\d+ comments"), "04-audience")

    tab(page, "Outline")
    click(page, "Write the outline")
    until(page, "Framework:", "05-outline")
    for title, _, _ in PLANS:
        assert page.get_by_text(title).count(), title

    tab(page, "Hooks")
    click(page, "Write hooks")
    until(page, page.get_by_role("button", name="Use this hook"), "06-hooks")
    click(page, "Use this hook")
    until(page, "chose hook", "06-hooks-chosen", 60_000)

    tab(page, "Script")
    click(page, "Write the script")
    until(page, page.get_by_role("button", name="Save section").first, "07-script")
    assert page.get_by_role("button", name="Save section").count() == len(SECTIONS)
    assert not page.get_by_text("Empty: the model wrote nothing here").count() and not gaps(page, "came back empty")
    # the creator rewrites the first section in their own words and saves it as a new version
    save = page.get_by_role("button", name="Save section").first
    box = save.locator("xpath=preceding::textarea[1]")  # the first section's text (a chosen hook's box is above)
    box.fill(OWN_SECTION)
    box.press("Control+Enter")  # commit the text before the button's rerun
    settled(page)
    save.click()
    expect(page.get_by_text(re.compile(r"^Draft v5 · .* · edited The common belief"))).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Cited: no sources")).to_be_visible()  # the creator's own words cite nothing yet
    settled(page)
    shot(page, "07-script-own-section")
    marks = steps(page)
    assert all(marks[name] == "done" for name in ("Idea", "Research", "Verify", "Outline", "Hooks", "Script")), marks

    tab(page, "Checks")
    click(page, "Run the checks")
    until(page, "Reading grade", "08-checks")

    tab(page, "Publish")
    click(page, "Make the whole kit")
    until(page, page.get_by_role("heading", name="Community post"), "09-publish")
    for heading in ("Titles", "Description", "Short"):
        assert page.get_by_role("heading", name=heading).count(), heading
    assert page.get_by_text("Chapters timed from the script at").count(), "chapters timed at the creator's pace"
    assert page.get_by_text("Should You Always Switch Doors?").count()
    assert steps(page)["Publish"] == "done"
    with page.expect_download() as download:
        click(page, "description.txt")
    description = tmp_path / "description.txt"
    download.value.save_as(description)
    pasted = description.read_text()
    assert pasted.startswith(KIT["[[ ## video_outline ## ]]"]["summary"]) and len(pasted) <= 5000
    assert "0:00" in pasted and not placeholder_in(pasted)

    tab(page, "Export")
    settled(page)
    no_errors(page)
    with page.expect_download() as download:
        click(page, "Markdown script")
    path = tmp_path / "script.md"
    download.value.save_as(path)
    shot(page, "10-export")
    markdown = path.read_text()
    (ARTIFACTS / "script.md").write_text(markdown)
    assert markdown.startswith("# Monty Hall with a hundred doors")
    assert "## Hook [0:00]" in markdown and HOOK["hook"] in markdown
    headings = re.findall(r"^## .+ \[\d+:\d\d\]$", markdown, re.M)
    assert len(headings) == 1 + len(SECTIONS), "the hook and every section, timed"
    assert "Picture a hundred doors." in markdown and SECTIONS["Takeaway"][0] in markdown
    assert "have no text yet" not in markdown and not placeholder_in(markdown)
    assert "Offline placeholder model" not in markdown
    assert "## Sources consulted" in markdown and "monty-hall-notes.md" in markdown
    assert "## Checks" in markdown and "Reading grade" in markdown and "Voice fidelity" in markdown
    kit = markdown.split("## Publish kit", 1)[1]
    assert "### Description" in kit and "### Short" in kit and "### Community post" in kit
    assert pasted.strip().splitlines()[0] in kit, "the description shown is the kit's"


def test_one_assistant_turn_in_the_browser(server, browser) -> None:  # noqa: F811
    """On the same server: the Assistant page greets, refuses an overlong message, answers one
    message through the provider, and shows the history again after a reload."""
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/assistant")
    page.get_by_text("I know your").first.wait_for(timeout=120_000)
    page.get_by_label("Creator").click()
    page.get_by_role("option", name="Pip Halloran").click()
    settled(page)
    page.get_by_text("Hi Pip!").first.wait_for()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("x" * 20_000)
    box.press("Enter")
    page.get_by_text("20,000 characters").first.wait_for()
    box.fill("Where did I talk about prime numbers before?")
    box.press("Enter")
    page.get_by_text("Where did I talk about prime numbers before?").first.wait_for()
    page.get_by_text(ANSWERS["[[ ## trajectory ## ]]"]["reply"]).first.wait_for(timeout=JOB)
    page.locator('[data-testid="stChatInputTextArea"]:not([disabled])').wait_for(timeout=JOB)
    shot(page, "10-assistant")
    assert not page.locator('[data-testid="stException"]').count()
    page.reload()
    page.get_by_label("Creator").click()
    page.get_by_role("option", name="Pip Halloran").click()
    page.get_by_text("Where did I talk about prime numbers before?").first.wait_for(timeout=120_000)

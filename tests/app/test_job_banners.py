"""Job banners belong to the page (and wizard step) that started the job, show at once, and can be dismissed."""

from streamlit.testing.v1 import AppTest

from tests.app.conftest import wait_for_jobs
from tests.app.test_voice_page import pick, scripted_writer  # noqa: F401 (fixture)


def banners(app: AppTest) -> str:
    return " ".join(x.value for x in [*app.success, *app.error, *app.warning])


def test_a_job_shows_on_its_page_at_once_and_nowhere_else(app: AppTest, sample_settings, scripted_writer) -> None:  # noqa: F811
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    app.button(key="dna_build").click().run()
    assert not app.exception, app.exception
    # progress, or (a scripted job is quick) its outcome, or that it ended while the page was drawn
    shown = [p.proto.text for p in app.get("progress")] + [x.value for x in [*app.success, *app.caption]]
    assert any("Creator DNA" in text for text in shown), "the page answers the click with the job's progress"

    wait_for_jobs(sample_settings)
    app.run()
    assert "Creator DNA finished" in banners(app)
    assert not app.error, [e.value for e in app.error]  # a finished job is never also shown as failed

    for page in ("creators.py", "new_video.py", "prompt_lab.py", "home.py"):
        app.switch_page(f"app_pages/{page}")
        app.run()
        assert not app.exception, app.exception
        assert "Creator DNA" not in banners(app), f"the DNA banner followed the creator to {page}"

    app.switch_page("app_pages/voice.py")
    app.run()
    assert "Creator DNA finished" in banners(app), "the banner is still on the page that started the job"
    dismiss = [b for b in app.button if b.key and b.key.startswith("dismiss_")]
    assert len(dismiss) == 1
    dismiss[0].click().run()
    assert "Creator DNA finished" not in banners(app)


def test_the_chosen_project_stays_chosen_across_pages(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts
    from pipelines.evidence import projects

    first = projects.ensure_project(sample_settings, "pip-halloran", "Why the primes never run out")
    second = projects.ensure_project(sample_settings, "pip-halloran", "How a rainbow bends light")
    for p in (first, second):
        drafts.save_version(sample_settings, p["id"], {"sections": [], "outline": []}, "outline")
    app.switch_page("app_pages/new_video.py")
    app.run()
    box = app.selectbox(key="nv_creator")
    box.select_index(box.options.index("Pip Halloran")).run()
    app.selectbox(key="nv_project").set_value(first["id"]).run()
    assert app.selectbox(key="nv_project").format_func(first["id"]) == "Why the primes never run out"

    app.switch_page("app_pages/drafts.py")
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="dr_project").value == first["id"]
    app.selectbox(key="dr_project").set_value(second["id"]).run()

    app.switch_page("app_pages/new_video.py")
    app.run()
    assert app.selectbox(key="nv_project").value == second["id"]


def test_a_job_that_ends_while_the_page_is_drawn_draws_the_page_again_after_the_run(sample_settings) -> None:
    """A job can end after the page read what it shows (the draft without the checks) and before its
    banner: the page is then drawn again, else the result stays out of view until the next click. Not at
    once: a rerun in the middle of a run would drop the click that run is handling."""
    from pipelines import jobs

    job_id, _ = jobs.create(sample_settings, "dna-build", {"creator": "pip-halloran"})

    def page(job_id: str) -> None:
        import streamlit as st

        from app.components import job_banners
        from app.state import init_session, note_running_jobs, track_job
        from pipelines import jobs
        from pipelines.settings import get_settings

        init_session()
        track_job(job_id, "here")
        note_running_jobs()  # as the entry file does before any page reads its data
        st.session_state.draws = st.session_state.get("draws", 0) + 1
        if st.session_state.draws == 1:
            jobs.cancel(get_settings(), job_id)  # the job ends between the page's reads and its banner
        job_banners("here")

    at = AppTest.from_function(page, args=(job_id,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state.draws == 1, "no rerun in the middle of the run"
    assert any("finished: showing its result" in c.value for c in at.caption) and "was cancelled" not in banners(at)
    assert at.session_state.redraw_ticks == {job_id}, "a fragment that draws the page again on its first tick"
    at.run()  # what that tick does: the page again, the job now ended before the run began
    assert at.session_state.draws == 2 and "was cancelled" in banners(at)

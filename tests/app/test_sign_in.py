"""Streamlit's OIDC sign-in, when [auth] is in secrets.toml: nobody sees the workbench before
signing in, only allowed accounts get past, and without [auth] nothing changes."""

from __future__ import annotations

import importlib.util

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.settings import Settings, get_settings
from tests.app.conftest import ENTRY

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
        "client_id": "scriptwright-test", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def allow(monkeypatch: pytest.MonkeyPatch, accounts: str) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_ALLOWED_USERS", accounts)
    get_settings.cache_clear()


def signed(user: dict, auth: bool = True) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=120)
    if auth:
        at.secrets["auth"] = AUTH
    at.user = user
    return at.run()


def test_without_sign_in_configured_the_workbench_opens(sample_settings: Settings) -> None:
    at = signed({"is_logged_in": False}, auth=False)
    assert not at.exception
    assert not any(b.label in ("Sign in", "Sign out") for b in at.button)
    assert "active_jobs" in at.session_state


def test_signed_out_visitors_see_only_the_sign_in_button(sample_settings: Settings) -> None:
    at = signed({"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "active_jobs" not in at.session_state, "no page ran before sign-in"
    at.button[0].click().run()
    assert not at.exception
    if importlib.util.find_spec("authlib") is None:
        assert "could not start" in at.error[0].value and "Authlib" in at.error[0].value


@pytest.mark.parametrize("allowed", ["", "pip@example.com", "@example.com, someone@else.org"])
def test_an_allowed_signed_in_account_gets_the_workbench(sample_settings: Settings, monkeypatch, allowed: str) -> None:
    allow(monkeypatch, allowed)
    at = signed({"is_logged_in": True, "email": "pip@example.com", "name": "Pip"})
    assert not at.exception and not at.error
    assert any("Signed in as pip@example.com" in c.value for c in at.sidebar.caption)
    assert "active_jobs" in at.session_state


def test_a_signed_in_account_not_on_the_list_is_turned_away(sample_settings: Settings, monkeypatch) -> None:
    allow(monkeypatch, "@example.com")
    at = signed({"is_logged_in": True, "email": "mallory@example.com.evil.org"})
    assert not at.exception
    assert "may not use this workbench" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert "active_jobs" not in at.session_state


@pytest.mark.parametrize(("allowed", "email", "ok"), [
    ("", "anyone@anywhere.org", True),
    ("pip@example.com", "PIP@example.com", True),
    ("pip@example.com", "pop@example.com", False),
    ("@example.com", "okafor@example.com", True),
    ("@example.com", "okafor@notexample.com", False),
    ("@example.com", None, False),
])
def test_who_may_enter(allowed: str, email: str | None, ok: bool) -> None:
    assert Settings(allowed_users=allowed).may_enter(email) is ok

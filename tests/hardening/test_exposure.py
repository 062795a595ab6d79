"""Exposure: `scriptwright app` listens on loopback unless a non-loopback address is explicitly allowed.

The command line is checked without starting a server: `app_command` builds it, and the CLI
test replaces `os.execv` (the point where the CLI becomes Streamlit) with a recorder.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines import cli
from pipelines.errors import ScriptwrightError
from pipelines.settings import get_settings

LOOPBACK = ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1"]
REMOTE = ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "example.org", "my-laptop", " ", "0"]


def flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


@pytest.fixture(autouse=True)
def no_remote_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCRIPTWRIGHT_APP_ADDRESS", "SCRIPTWRIGHT_APP_PORT", "SCRIPTWRIGHT_ALLOW_REMOTE"):
        monkeypatch.delenv(name, raising=False)


def fresh_settings():
    get_settings.cache_clear()
    return get_settings()


def test_default_command_binds_to_loopback_headless() -> None:
    cmd = cli.app_command(fresh_settings())
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app/streamlit_app.py")
    assert flag(cmd, "--server.address") == "127.0.0.1"
    assert flag(cmd, "--server.port") == "8501"
    assert flag(cmd, "--server.headless") == "true"
    assert flag(cmd, "--browser.gatherUsageStats") == "false"


@pytest.mark.parametrize("address", LOOPBACK)
def test_loopback_addresses_need_no_opt_in(address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_APP_ADDRESS", address)
    assert flag(cli.app_command(fresh_settings(), port=9123), "--server.address") == address
    monkeypatch.delenv("SCRIPTWRIGHT_APP_ADDRESS")
    assert flag(cli.app_command(fresh_settings(), address=address), "--server.address") == address


@pytest.mark.parametrize("address", REMOTE)
def test_a_non_loopback_address_is_refused_without_the_opt_in(address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_APP_ADDRESS", address)
    with pytest.raises(ScriptwrightError, match="SCRIPTWRIGHT_ALLOW_REMOTE=1"):
        cli.app_command(fresh_settings())
    monkeypatch.delenv("SCRIPTWRIGHT_APP_ADDRESS")
    with pytest.raises(ScriptwrightError, match="Refusing to serve the workbench"):
        cli.app_command(fresh_settings(), address=address)


def test_an_empty_address_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Streamlit listens on every interface when given an empty address
    monkeypatch.setenv("SCRIPTWRIGHT_APP_ADDRESS", "")
    with pytest.raises(ScriptwrightError, match="''"):
        cli.app_command(fresh_settings())


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_the_opt_in_lets_any_address_through(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_ALLOW_REMOTE", value)
    monkeypatch.setenv("SCRIPTWRIGHT_APP_ADDRESS", "0.0.0.0")
    monkeypatch.setenv("SCRIPTWRIGHT_APP_PORT", "8600")
    cmd = cli.app_command(fresh_settings())
    assert flag(cmd, "--server.address") == "0.0.0.0" and flag(cmd, "--server.port") == "8600"
    assert flag(cli.app_command(fresh_settings(), address="192.168.1.20"), "--server.address") == "192.168.1.20"


def test_the_opt_in_off_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_ALLOW_REMOTE", "0")
    with pytest.raises(ScriptwrightError):
        cli.app_command(fresh_settings(), address="0.0.0.0")


@pytest.fixture
def execv(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record the command `scriptwright app` would become, instead of becoming it."""
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: calls.append([path, *argv]))
    monkeypatch.setattr("pipelines.demo.sample_needed", lambda settings: False)
    return calls


def test_cli_app_execs_streamlit_on_loopback(execv: list[list[str]]) -> None:
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.app, ["app", "--port", "9321"])
    assert result.exit_code == 0, result.output
    (call,) = execv
    assert flag(call, "--server.address") == "127.0.0.1" and flag(call, "--server.port") == "9321"
    assert "http://127.0.0.1:9321" in result.output


@pytest.mark.parametrize("how", ["env", "option"])
def test_cli_app_refuses_a_remote_address_before_starting_anything(how: str, execv: list[list[str]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["app"]
    if how == "env":
        monkeypatch.setenv("SCRIPTWRIGHT_APP_ADDRESS", "0.0.0.0")
    else:
        args += ["--address", "0.0.0.0"]
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code != 0 and execv == []
    assert isinstance(result.exception, ScriptwrightError)
    assert "SCRIPTWRIGHT_ALLOW_REMOTE=1" in str(result.exception)


def test_cli_app_with_the_opt_in_binds_where_asked(execv: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_ALLOW_REMOTE", "1")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.app, ["app", "--address", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert flag(execv[0], "--server.address") == "0.0.0.0"

"""Optional MLflow tracing of eval and optimize runs: off unless SCRIPTWRIGHT_MLFLOW_URI is set,
one clear message when mlflow is not installed, autolog on the given tracking URI when it is."""

import sys
import types

import pytest

from pipelines.errors import ScriptwrightError
from pipelines.evals import trace_with_mlflow
from pipelines.settings import Settings


def test_not_installed_is_one_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ScriptwrightError) as caught:
        trace_with_mlflow(Settings(mlflow_uri="http://127.0.0.1:5000"), "scriptwright-eval-script")
    assert str(caught.value) == ("SCRIPTWRIGHT_MLFLOW_URI is set but mlflow is not installed: run `pip install "
                                 "mlflow` in Scriptwright's environment, or unset SCRIPTWRIGHT_MLFLOW_URI.")


def test_unset_uri_never_imports_mlflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    trace_with_mlflow(Settings(mlflow_uri=""), "scriptwright-eval-script")


def test_installed_mlflow_autologs_dspy_to_the_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    dspy_flavour = types.ModuleType("mlflow.dspy")
    dspy_flavour.autolog = lambda: calls.append(("autolog",))
    mlflow = types.ModuleType("mlflow")
    mlflow.dspy = dspy_flavour
    mlflow.set_tracking_uri = lambda uri: calls.append(("uri", uri))
    mlflow.set_experiment = lambda name: calls.append(("experiment", name))
    monkeypatch.setitem(sys.modules, "mlflow", mlflow)
    monkeypatch.setitem(sys.modules, "mlflow.dspy", dspy_flavour)
    monkeypatch.setenv("SCRIPTWRIGHT_MLFLOW_URI", "http://127.0.0.1:5000")
    trace_with_mlflow(Settings(), "scriptwright-optimize-script")
    assert calls == [("uri", "http://127.0.0.1:5000"), ("experiment", "scriptwright-optimize-script"), ("autolog",)]

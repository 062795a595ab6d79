"""Job params are typed per kind and checked when a job is created: a wrong job never gets a row."""

import pytest

from pipelines import jobs
from pipelines.errors import ScriptwrightError
from pipelines.store.duckdb import connect


def job_count(settings) -> int:
    with connect(settings.duckdb_path) as conn:
        return conn.execute("SELECT count(*) FROM jobs").fetchone()[0]


def test_every_job_kind_names_a_params_type() -> None:
    jobs._registered("ingest")  # fills the registry
    kinds = dict(jobs._REGISTRY)
    assert {"ingest", "draft", "draft-outline", "research", "verify", "publish", "eval-run", "optimize"} <= set(kinds)
    assert all(isinstance(model, type) for _, model in kinds.values())


@pytest.mark.parametrize("kind, params, says", [
    ("draft-outline", {"project": "p1", "target_minutes": "eight"}, "target_minutes: input should be a valid number"),
    ("draft-outline", {"project": "p1", "audience_level": "expert"}, "audience_level: input should be 'beginner'"),
    ("draft", {"idea": "Monty Hall", "creater": "pip"}, "creater: not a param of this job"),
    ("ingest", {"creator": "Pip", "sources": []}, "sources: list should have at least 1 item"),
    ("eval-run", {"creator": "pip"}, "variant: field required"),
    ("eval-run", {"creator": "pip", "variant": "v1", "split": "holdout"}, "split: input should be 'train'"),
    ("optimize", {"creator": "pip", "budget": 0}, "budget: input should be greater than or equal to 1"),
])
def test_wrong_params_are_refused_in_one_line_before_a_job_exists(settings, kind, params, says) -> None:
    with pytest.raises(ScriptwrightError) as refused:
        jobs.create(settings, kind, params)
    message = str(refused.value)
    assert message.startswith(f"The {kind} job's params do not fit: ") and says in message
    assert "\n" not in message and "pydantic" not in message
    assert job_count(settings) == 0


def test_params_are_stored_as_their_type_has_them_and_only_as_given(settings) -> None:
    job_id, _ = jobs.create(settings, "draft-outline", {"project": "p1", "base_version": "3", "target_minutes": 8,
                                                        "tag": None})
    assert jobs.get(settings, job_id)["params"] == {"project": "p1", "base_version": 3, "target_minutes": 8.0,
                                                    "tag": None}

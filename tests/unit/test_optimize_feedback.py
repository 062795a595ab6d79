"""What a researcher is told around a compile: the calls it will make, and the examples it could not run."""

import logging

from pipelines.evals import optimize_calls


def eval_set(train: int, dev: int, test: int) -> dict:
    splits = ["train"] * train + ["dev"] * dev + ["test"] * test
    return {"examples": [{"id": str(i), "split": split} for i, split in enumerate(splits)]}


def test_bootstrap_is_one_call_per_train_video_then_one_per_dev_video() -> None:
    """CrashCourse Astronomy's hook compile made 16 calls (12 train, 4 dev); train x (budget + 2) said 72."""
    assert optimize_calls(eval_set(12, 4, 4), "bootstrap", budget=4) == 16


def test_searching_optimizers_grow_with_the_budget() -> None:
    small, large = (optimize_calls(eval_set(12, 4, 4), "random-search", budget=b) for b in (2, 8))
    assert optimize_calls(eval_set(12, 4, 4), "bootstrap", budget=4) < small < large
    assert optimize_calls(eval_set(12, 4, 4), "gepa", budget=3) == 34


def test_an_example_the_compile_could_not_run_is_a_job_item_not_a_screenful_of_log(caplog) -> None:
    from types import SimpleNamespace

    from pipelines.evals import failed_examples_as_items

    items = []
    ctx = SimpleNamespace(item=lambda name, status, detail="": items.append((name, status, detail)))
    logger = logging.getLogger("dspy.teleprompt.bootstrap")
    example = "Example({'idea': 'Untitled video', 'notes': '" + "[N1] a long note\\n" * 200 + "', 'example_id': '12'})"
    failure = (f"Failed to run or to evaluate example {example} (input_keys={{'idea'}}) with "
               "<pipelines.metrics.OutlineMetric object at 0x7f> due to Failed to parse field sections: 2 validation "
               "errors for list[SectionPlan]\nsections.0.beats\n  Field required.")
    with caplog.at_level(logging.ERROR), failed_examples_as_items(ctx):
        logger.error(failure)
    assert items == [("example 12", "failed", "Failed to parse field sections: 2 validation errors for list[SectionPlan]")]
    assert not caplog.records
    logger.error("Something else went wrong.")
    assert [r.getMessage() for r in caplog.records] == ["Something else went wrong."]

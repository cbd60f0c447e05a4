"""A target read as classes must be one: a continuous target given with task 'classification' is
an immediate, clear error (exit 2 in the CLI) that suggests regression, never minutes of work and
a MemoryError; an inferred categorical target with too many classes skips the model metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main
from sdq.schema import MAX_CLASSES

FAST = sdq.Config(models=("linear",), n_bootstrap=20)


def _frames(target_values, n=400, seed=0):
    """Real and holdout halves whose target ``target_values(rng, x)`` depends on the feature ``x``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "c": rng.choice(["a", "b"], n), "y": target_values(rng, x)})
    return frame.iloc[: n // 2].reset_index(drop=True), frame.iloc[n // 2 :].reset_index(drop=True)


def test_a_continuous_target_given_as_classification_is_refused_at_once():
    real, holdout = _frames(lambda rng, x: 2 * x + rng.normal(scale=0.3, size=len(x)))
    with pytest.raises(sdq.InputError, match=r"200 distinct values.*mostly unique.*task 'regression'"):
        sdq.evaluate(real, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST)
    # as regression it runs
    report = sdq.evaluate(real, holdout, holdout, target="y", task="regression", metrics=["prediction"], config=FAST)
    assert report["prediction"].status == "ok"


def test_at_most_max_classes_and_not_mostly_unique_is_accepted():
    # 50 classes: x cut at its quantiles (every class present in both halves)
    real, holdout = _frames(lambda rng, x: pd.qcut(x, MAX_CLASSES, labels=False))
    assert real["y"].nunique() == MAX_CLASSES
    report = sdq.evaluate(
        real, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST
    )
    assert report["prediction"].status == "ok"
    many, _ = _frames(lambda rng, x: pd.qcut(x, MAX_CLASSES + 1, labels=False), n=800)
    with pytest.raises(sdq.InputError, match=f"51 distinct values in {len(many)} rows: too many classes"):
        sdq.evaluate(many, holdout, holdout, target="y", task="classification", metrics=["prediction"], config=FAST)


def test_the_cli_says_it_in_one_line_with_exit_2(tmp_path, capsys):
    real, holdout = _frames(lambda rng, x: 2 * x + rng.normal(scale=0.3, size=len(x)))
    real.to_csv(tmp_path / "real.csv", index=False)
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    code = main(
        [
            "report",
            str(tmp_path / "real.csv"),
            str(tmp_path / "holdout.csv"),
            "--target",
            "y",
            "--task",
            "classification",
            "--output",
            str(tmp_path / "r.html"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--task regression" in err


def test_an_inferred_categorical_target_with_too_many_classes_skips_the_model_metrics():
    labels = np.array([f"level {i}" for i in range(80)], dtype=object)
    real, holdout = _frames(lambda rng, x: labels[pd.qcut(x, 80, labels=False)], n=800)
    report = sdq.evaluate(real, holdout, holdout, target="y", metrics=["prediction", "feature_importance"])
    for name in ("prediction", "feature_importance"):
        assert report[name].status == "skipped" and f"more than {MAX_CLASSES}" in report[name].message

"""``mutual_information`` and ``correlation`` on real tables: what their floors and ceilings are,
and that the signed associations catch a reversed rating scale and an inverted binary target.

Each table is split into two disjoint halves of the same size: the real data and fresh real rows.
Independent columns (each column of the fresh rows shuffled on its own) and uniform garbage must
score at most 0.1, fresh rows at least 0.9 and the real rows themselves 1 (``bench/floors.py``
gives the table over more splits and tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq

PAIRWISE = ["mutual_information", "correlation"]
CONFIG = sdq.Config(n_bootstrap=0)


def _fair() -> pd.DataFrame:
    from statsmodels.datasets import fair

    frame = fair.load_pandas().data.copy()
    frame["had_affair"] = frame.pop("affairs") > 0
    return frame


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


def _randhie() -> pd.DataFrame:
    from statsmodels.datasets import randhie

    return randhie.load_pandas().data.sample(n=6000, random_state=0).reset_index(drop=True)


def _halves(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    return (
        frame.iloc[order[:half]].reset_index(drop=True),
        frame.iloc[order[half : 2 * half]].reset_index(drop=True),
    )


def _uniform(frame: pd.DataFrame, real: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = {}
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(real[c]) and not pd.api.types.is_bool_dtype(real[c]):
            out[c] = rng.uniform(float(real[c].min()), float(real[c].max()), len(frame))
        else:
            levels = pd.unique(real[c].dropna())
            out[c] = levels[rng.integers(0, len(levels), len(frame))]
    return pd.DataFrame(out)


@pytest.fixture(scope="module", params=["fair", "breast_cancer"])
def variants(request):
    frame = {"fair": _fair, "breast_cancer": _breast_cancer}[request.param]()
    real, fresh = _halves(frame)
    rng = np.random.default_rng(1)
    scored = {
        "copy": real,
        "fresh": fresh,
        "independent": pd.DataFrame({c: fresh[c].to_numpy()[rng.permutation(len(fresh))] for c in fresh}),
        "uniform": _uniform(fresh, real, rng),
    }
    out = {}
    for name, synthetic in scored.items():
        report = sdq.evaluate(real, synthetic, metrics=PAIRWISE, config=CONFIG)
        out[name] = {r.name: r.score for r in report}
    return request.param, out


@pytest.mark.parametrize("metric", PAIRWISE)
def test_floors_and_ceilings_on_real_tables(variants, metric):
    table, scores = variants
    assert scores["copy"][metric] == pytest.approx(1.0), table
    assert scores["fresh"][metric] >= 0.9, (table, scores["fresh"])
    assert scores["independent"][metric] <= 0.1, (table, scores["independent"])
    assert scores["uniform"][metric] <= 0.1, (table, scores["uniform"])


def _three_parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(3).permutation(len(frame))
    n = len(frame) // 4
    parts = order[2 * n :], order[:n], order[n : 2 * n]
    return tuple(frame.iloc[p].reset_index(drop=True) for p in parts)


@pytest.mark.parametrize(
    "table, change",
    [
        ("fair", "rate_marriage reversed"),
        ("fair", "religious reversed"),
        ("fair", "had_affair inverted"),
        ("randhie", "hlthg inverted"),
        ("randhie", "lncoins reversed"),
    ],
)
def test_a_reversed_scale_or_inverted_target_falls_clearly_below_the_baseline(table, change):
    frame = {"fair": _fair, "randhie": _randhie}[table]()
    real, holdout, fresh = _three_parts(frame)
    column, how = change.split()
    changed = fresh.copy()
    if how == "inverted":
        changed[column] = ~fresh[column] if fresh[column].dtype == bool else 1 - fresh[column]
    else:  # the k-th lowest value becomes the k-th highest (x -> min + max - x on a 1-5 scale)
        changed[column] = fresh[column].min() + fresh[column].max() - fresh[column]
    config = sdq.Config(n_bootstrap=50)
    result = sdq.evaluate(real, changed, holdout, metrics=["correlation"], config=config)["correlation"]
    unchanged = sdq.evaluate(real, fresh, holdout, metrics=["correlation"], config=config)["correlation"]
    # below the holdout's score and the same rows unchanged, beyond the interval
    assert result.score < min(result.baseline, unchanged.score) - 0.05, (result.score, result.baseline, unchanged.score)
    assert result.ci[1] < result.baseline
    # the column changed keeps none of its associations, which the holdout keeps
    columns = {c["column"]: c for c in result.details["column_scores"]}
    worst = min(columns.values(), key=lambda c: c["score"])
    assert worst["column"] == column
    assert worst["score"] < 0.1 and worst["baseline"] > 0.5 + 3 * worst["se"]

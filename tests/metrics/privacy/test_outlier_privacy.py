"""``outlier_privacy``: which training rows are outliers, and a generator that memorises them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

import sdq
from sdq.demo import load_fair
from sdq.metrics.privacy.distance import search
from sdq.metrics.privacy.outlier_privacy import outlier_count, outlier_rows

CONFIG = sdq.Config(n_bootstrap=50)


def test_how_many_outliers():
    assert outlier_count(10_000, 0.01) == 100  # the share
    assert outlier_count(1_000, 0.01) == 25  # at least 25 ...
    assert outlier_count(60, 0.01) == 15  # ... but at most a quarter of the rows
    assert outlier_count(10_000, 0.05) == 500


def test_outliers_are_the_rows_farthest_from_their_kth_neighbour():
    # a tight cluster and three rows far from it (one farther than the others)
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.1, (97, 2)), [[5.0, 5.0], [-4.0, 4.0], [9.0, -9.0]]]).astype(np.float32)
    rows, distance = outlier_rows(x, np.arange(100), 2, 3, rng)
    assert rows.tolist() == [97, 98, 99]
    # the 2nd nearest other row of (9, -9) is in the cluster or at (5, 5): by hand
    to_others = np.sort(np.linalg.norm(np.delete(x, 99, axis=0) - x[99], axis=1))
    assert distance[2] == pytest.approx(to_others[1], rel=1e-5)


def test_the_two_step_search_finds_the_same_outliers_as_searching_every_row():
    rng = np.random.default_rng(1)
    x = rng.standard_t(3, (6000, 5)).astype(np.float32)
    x[:1500] = np.round(x[:1500])  # point masses: many rows at distance 0 from each other
    sample = np.sort(rng.choice(6000, 2000, replace=False))
    exact = outlier_rows(x, sample, 5, 50, np.random.default_rng(2), prefilter=10**9)
    two_step = outlier_rows(x, sample, 5, 50, np.random.default_rng(2), prefilter=100)
    np.testing.assert_array_equal(exact[0], two_step[0])
    np.testing.assert_allclose(exact[1], two_step[1], rtol=1e-6)
    # and both are each row's distance to its 5th nearest other row
    d, _ = search(x, x[exact[0]], k=5, exclude=exact[0])
    np.testing.assert_allclose(exact[1], d[:, 4], rtol=1e-6)


def _split(frame: pd.DataFrame):
    rows = np.random.default_rng(0).permutation(len(frame))
    n = len(frame)
    parts = rows[: n // 2], rows[n // 2 : 3 * n // 4], rows[3 * n // 4 :]
    return tuple(frame.iloc[np.sort(p)].reset_index(drop=True) for p in parts)


def _most_isolated(train: pd.DataFrame, share: float = 0.01, k: int = 5) -> np.ndarray:
    """A generator's own notion of outliers (not sdq's): the rows farthest from their k-th nearest
    neighbour, numbers as ranks, categories one-hot."""
    parts = []
    for c in train.columns:
        col = train[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() > 2:
            parts.append(col.rank(pct=True).to_numpy()[:, None])
        else:
            parts.append(pd.get_dummies(col.astype(str)).to_numpy(dtype=float) / np.sqrt(2))
    x = np.hstack(parts)
    d, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return np.argsort(-d[:, k], kind="stable")[: max(1, round(share * len(train)))]


def _randhie():
    import statsmodels.api as sm

    return sm.datasets.randhie.load_pandas().data.iloc[:8000]


@pytest.mark.parametrize("load", [load_fair, _randhie], ids=["fair", "randhie"])
def test_a_generator_that_memorises_the_outliers_scores_clearly_lower(load):
    # fresh rows, with the training data's most isolated 1% copied in: the other privacy metrics
    # barely move (1% of the rows), outlier_privacy sees them
    train, holdout, fresh = _split(load())
    outliers = _most_isolated(train)
    memorised = pd.concat([train.iloc[outliers], fresh.iloc[len(outliers) :]]).reset_index(drop=True)
    metrics = ["outlier_privacy", "neighbours_privacy"]
    leak = sdq.evaluate(train, memorised, holdout, metrics=metrics, config=CONFIG)
    new = sdq.evaluate(train, fresh, holdout, metrics=metrics, config=CONFIG)
    r_leak, r_new = leak["outlier_privacy"], new["outlier_privacy"]
    assert r_leak.score < r_new.score - 0.4 and r_leak.ci[1] < r_new.ci[0]
    assert r_leak.details["exact_matches"]["synthetic"] > r_leak.details["exact_matches"]["holdout"]
    assert abs(r_new.score - r_new.baseline) < 0.1
    assert leak["neighbours_privacy"].score > 0.9  # 1% of the rows: the average does not see it
    assert leak.verdicts["privacy"] == "well_below" and new.verdicts["privacy"] == "on_par"


def test_the_expected_share_follows_the_sizes_and_details_hold_no_record():
    train, holdout, fresh = _split(load_fair())
    bigger = pd.concat([fresh, fresh.sample(frac=1.0, random_state=1)]).reset_index(drop=True)
    r = sdq.evaluate(train, bigger, holdout, metrics=["outlier_privacy"], config=CONFIG)["outlier_privacy"]
    assert r.details["synthetic"]["expected"] == pytest.approx(len(bigger) / (len(bigger) + len(holdout)), abs=1e-6)
    assert r.score > 0.9
    text = json.dumps(r.details)
    for value in set(train["occupation"]) | set(train["religious"]):
        assert value not in text
    again = sdq.evaluate(train, bigger, holdout, metrics=["outlier_privacy"], config=CONFIG)["outlier_privacy"]
    assert (again.score, again.baseline, again.ci, again.details) == (r.score, r.baseline, r.ci, r.details)

"""QScore's building blocks, by hand; and its answers on numbers near the float maximum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.metrics.utility.qscore import Query, _error, _group_medians


def test_group_medians_match_pandas():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 5, size=500)
    v = rng.normal(size=500)
    keep = rng.random(500) < 0.7
    keep[g == 3] = False  # an empty group
    out = _group_medians(g, v, 6, np.argsort(v, kind="stable"), keep)
    expected = pd.Series(v[keep]).groupby(g[keep]).median()
    for group in range(6):
        if group in expected.index:
            assert out[group] == pytest.approx(expected[group])
        else:
            assert np.isnan(out[group])


def test_count_error_is_total_variation():
    q = Query(group=("a",), filter_column=None, allowed=(), aggregate="count", value=None)
    real = (np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0]), 100)
    synth = (np.array([0.25, 0.5, 0.25]), np.array([0.25, 0.5, 0.25]), 100)
    assert _error(q, real, synth, 1.0) == pytest.approx(0.25)
    assert _error(q, real, (*synth[:2], 0), 1.0) == 1.0  # the filter kept no synthetic row


def test_mean_error_weights_groups_by_real_share_and_caps_at_one():
    q = Query(group=("a",), filter_column=None, allowed=(), aggregate="mean", value="x")
    real = (np.array([0.75, 0.25, 0.0]), np.array([10.0, 20.0, np.nan]), 100)
    synth = (np.array([0.5, 0.0, 0.5]), np.array([11.0, np.nan, 5.0]), 100)
    # group 0: |10-11|/2 = 0.5 (weight .75); group 1: missing in synthetic -> 1 (weight .25)
    assert _error(q, real, synth, 2.0) == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    far = (np.array([0.75, 0.25, 0.0]), np.array([100.0, 200.0, np.nan]), 100)
    assert _error(q, real, far, 2.0) == 1.0


def test_sum_error_is_relative_l1():
    q = Query(group=("a",), filter_column=None, allowed=(), aggregate="sum", value="x")
    real = (np.array([0.5, 0.5]), np.array([3.0, 1.0]), 10)
    synth = (np.array([0.5, 0.5]), np.array([1.0, 1.0]), 10)
    assert _error(q, real, synth, 1.0) == pytest.approx(2.0 / 6.0)


def _frames(seed: int = 5, n: int = 150):
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        c = rng.choice(["a", "b", "c"], size=n)
        x = rng.normal(size=n) + (c == "a") * 2.0 + shift
        return pd.DataFrame({"c": c, "x": x, "y": rng.gamma(2.0, size=n) * (1 + (c == "b"))})

    return frame(0.0), frame(0.4), frame(0.0)


def _qscore(real, synthetic, holdout):
    result = sdq.evaluate(
        real, synthetic, holdout, metrics=["qscore"], config=sdq.Config(n_queries=200, n_bootstrap=20)
    )["qscore"]
    assert result.status == "ok", result.message
    assert result.warnings == []
    return result


def test_numbers_near_the_float_maximum_answer_as_the_same_numbers_in_range():
    # counts, and means, medians and sums relative to the real spread or to each other: no error
    # changes when a column is multiplied by 2**1000 (values near 1e301, whose sums and spreads
    # overflow), so neither does the score
    frames = _frames()
    big = [f.assign(x=f["x"] * 2.0**1000, y=f["y"] * 2.0**1010) for f in frames]
    small, large = _qscore(*frames), _qscore(*big)
    assert large.details["aggregates"] == small.details["aggregates"]
    assert large.score == pytest.approx(small.score, rel=1e-9)
    assert large.baseline == pytest.approx(small.baseline, rel=1e-9)


def test_a_copy_with_values_at_the_float_maximum_answers_alike_and_a_shifted_one_less():
    real, _, _ = _frames()
    x = real["x"].to_numpy() * 1e307
    x[:4] = [1.7e308, 1.7e308, -1.7e308, -1.7e308]  # their sums are infinite
    real = real.assign(x=x)
    same = _qscore(real, real.copy(), real.copy())
    assert same.score == 1.0 and same.baseline == 1.0
    shifted = real.assign(x=x + np.where(np.abs(x) < 1e308, 1e307, 0.0))  # the extremes kept
    moved = _qscore(real, shifted, real.copy())
    assert 0.3 < moved.score < 0.99 and moved.baseline == 1.0


def test_the_query_workload_does_not_depend_on_the_synthetic_size():
    # one random stream per random step: sampling more synthetic rows (above query_rows) must not
    # change which queries are asked
    rng = np.random.default_rng(0)
    n = 600
    real = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abcd"), n), "h": rng.choice(list("xyz"), n)})
    config = sdq.Config(query_rows=500, n_queries=60, n_bootstrap=0)  # 400 rows: no sample; 900: a sample
    described = []
    for size in (400, 900):
        synthetic = real.sample(size, replace=True, random_state=1).reset_index(drop=True)
        details = sdq.evaluate(real, synthetic, metrics=["qscore"], config=config)["qscore"].details
        described.append((details["n_queries"], details["aggregates"]))
    assert described[0] == described[1]

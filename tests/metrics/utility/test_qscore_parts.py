"""QScore's building blocks, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
    real = (np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0]))
    synth = (np.array([0.25, 0.5, 0.25]), np.array([0.25, 0.5, 0.25]))
    assert _error(q, real, synth, 100, 1.0) == pytest.approx(0.25)
    assert _error(q, real, synth, 0, 1.0) == 1.0  # the filter kept no synthetic row


def test_mean_error_weights_groups_by_real_share_and_caps_at_one():
    q = Query(group=("a",), filter_column=None, allowed=(), aggregate="mean", value="x")
    real = (np.array([0.75, 0.25, 0.0]), np.array([10.0, 20.0, np.nan]))
    synth = (np.array([0.5, 0.0, 0.5]), np.array([11.0, np.nan, 5.0]))
    # group 0: |10-11|/2 = 0.5 (weight .75); group 1: missing in synthetic -> 1 (weight .25)
    assert _error(q, real, synth, 100, 2.0) == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    far = (np.array([0.75, 0.25, 0.0]), np.array([100.0, 200.0, np.nan]))
    assert _error(q, real, far, 100, 2.0) == 1.0


def test_sum_error_is_relative_l1():
    q = Query(group=("a",), filter_column=None, allowed=(), aggregate="sum", value="x")
    real = (np.array([0.5, 0.5]), np.array([3.0, 1.0]))
    synth = (np.array([0.5, 0.5]), np.array([1.0, 1.0]))
    assert _error(q, real, synth, 10, 1.0) == pytest.approx(2.0 / 6.0)

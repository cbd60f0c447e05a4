"""The intervals and bounds the privacy metrics rest on, checked against their definitions by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from sdq.metrics.privacy.bounds import (
    clopper_pearson_lower,
    clopper_pearson_upper,
    epsilon_lower,
    share_part,
    wilson,
)
from sdq.metrics.privacy.distance import closer_share


def _wilson_by_hand(k: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(8, 10), (1, 20), (50, 100), (2.5, 7)])
def test_wilson_interval_by_hand(k, n):
    assert wilson(k, n) == pytest.approx(_wilson_by_hand(k, n), abs=1e-6)


def test_wilson_interval_at_the_ends_and_without_rows():
    # 0 of 20: the lower end is 0 and the upper end z^2 / (n + z^2)
    low, high = wilson(0, 20)
    assert low == 0.0 and high == pytest.approx(1.959964**2 / (20 + 1.959964**2), abs=1e-6)
    assert wilson(20, 20)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)
    lows, highs = wilson(np.array([8.0, 0.0]), np.array([10.0, 20.0]))
    assert lows[0] == pytest.approx(_wilson_by_hand(8, 10)[0], abs=1e-6) and highs[1] == pytest.approx(high)


@pytest.mark.parametrize("k, n", [(1, 10), (7, 40), (20, 1000), (39, 40)])
def test_clopper_pearson_bounds_solve_the_binomial_tails(k, n):
    # the exact one-sided 95% bounds are the rates at which seeing k (or more / or fewer) has
    # probability 5%
    low, high = clopper_pearson_lower(k, n), clopper_pearson_upper(k, n)
    assert binom.sf(k - 1, n, low) == pytest.approx(0.05, abs=1e-9)  # P(X >= k | low) = 5%
    assert binom.cdf(k, n, high) == pytest.approx(0.05, abs=1e-9)  # P(X <= k | high) = 5%
    assert low < k / n < high


def test_clopper_pearson_at_the_ends():
    n = 100
    assert clopper_pearson_lower(0, n) == 0.0 and clopper_pearson_upper(n, n) == 1.0
    assert clopper_pearson_upper(0, n) == pytest.approx(1 - 0.05 ** (1 / n))  # about 3 / n
    assert clopper_pearson_lower(n, n) == pytest.approx(0.05 ** (1 / n))


def test_epsilon_lower_bound_by_hand():
    # 20 of 1000 members above every one of 1000 non-members
    tpr = clopper_pearson_lower(20, 1000)
    fpr = 1 - 0.05 ** (1 / 1000)
    assert epsilon_lower(20, 1000, 0, 1000) == pytest.approx(math.log(tpr / fpr))
    assert epsilon_lower(20, 1000, 0, 1000) == pytest.approx(1.4915, abs=1e-3)
    # a true-positive rate that may be no higher than the false-positive rate proves nothing
    assert epsilon_lower(10, 1000, 10, 1000) == 0.0
    assert epsilon_lower(0, 1000, 0, 1000) == 0.0
    # more members found at the same false positives prove more
    assert epsilon_lower(40, 1000, 0, 1000) > epsilon_lower(20, 1000, 0, 1000)


def test_share_part():
    assert share_part(0.4) == 1.0 and share_part(0.5) == 1.0
    assert share_part(0.75) == pytest.approx(0.5) and share_part(1.0) == 0.0
    # against an expected share of 2/3 (one side twice the other's size)
    assert share_part(2 / 3, expected=2 / 3) == 1.0
    assert share_part(5 / 6, expected=2 / 3) == pytest.approx(0.5)


def test_closer_share_counts_ties_by_the_sides_shares():
    # query 0 nearer to A, query 1 nearer to B, query 2 at the same distance from one row of A and
    # three rows of B (a quarter for A)
    d_a = np.array([[0.1, 0.5], [0.9, 0.9], [0.2, 0.7]])
    d_b = np.array([[0.3, 0.5], [0.1, 0.4], [0.2, 0.2]])
    d_b = np.column_stack([d_b, [0.6, 0.5, 0.2]])
    i_a = np.array([[0, 1], [2, 3], [4, 5]])
    i_b = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    r = closer_share(d_a, i_a, 50, d_b, i_b, 50)
    assert r.share == pytest.approx((1 + 0 + 1 / 4) / 3)
    assert (r.closer, r.farther, r.ties) == (1, 1, 1)
    assert r.expected == 0.5
    assert closer_share(d_a[:, :1], i_a[:, :1], 50, d_b[:, :1], i_b[:, :1], 100).expected == pytest.approx(1 / 3)


def test_closer_share_counts_rows_sharing_their_nearest_row_as_fewer():
    # 100 query rows that each have their own nearest rows: the binomial interval on 100 rows
    n = 100
    d_a, d_b = np.zeros(n), np.ones(n)
    apart = closer_share(d_a, np.arange(n), 1000, d_b, np.arange(n), 1000)
    assert apart.effective_rows == n
    assert apart.interval == pytest.approx(wilson(n, n))
    # the same 100 rows as copies of 4 rows (25 each): about 4 independent trials, a much wider interval
    together = closer_share(d_a, np.arange(n) % 4, 1000, d_b, np.arange(n) % 4, 1000)
    # by hand: counts c are 25 at four rows of A and 0 elsewhere (N = 2000 rows):
    # var(p) = n_a n_b / (N - 1) var(c) / n^2; the design effect is var(p) / (1 / (4 n))
    c = np.zeros(2000)
    c[:4] = 25
    variance = 1000 * 1000 / 1999 * c.var() / n**2
    assert together.effective_rows == pytest.approx(n / (variance / (0.25 / n)))
    assert together.effective_rows < 5
    assert together.interval[0] < apart.interval[0] - 0.3

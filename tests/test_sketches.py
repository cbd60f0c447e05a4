"""Mergeable summaries (sdq.sketches): exact where they say so, within their stated error where
compressed, and the same whatever the order they are merged in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdq.metrics.fidelity.correlation import corr_from_sums, masked_corr_matrix
from sdq.sketches import CoMoments, DistinctSketch, Moments, ValueSketch


def _pieces(x: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    return np.split(x, cuts)


def _merged(x: np.ndarray, cuts: list[int], size: int) -> ValueSketch:
    sketch = ValueSketch.empty()
    for piece in _pieces(x, cuts):
        sketch = sketch.merge(ValueSketch.of(piece, size), size)
    return sketch


def test_an_exact_sketch_gives_numpys_quantiles_and_pandas_ranks_to_the_bit():
    rng = np.random.default_rng(0)
    x = np.round(rng.lognormal(size=5_001), 2)  # ties, skew
    x[rng.random(len(x)) < 0.05] = np.nan
    sketch = _merged(x, [1_000, 1_700, 4_000], size=100_000)
    present = x[~np.isnan(x)]
    assert sketch.exact and sketch.n == len(present)
    probs = np.linspace(0, 1, 201)
    assert np.array_equal(sketch.quantiles(probs), np.quantile(present, probs))
    assert np.array_equal(sketch.mid_ranks(present), pd.Series(present).rank().to_numpy())
    assert sketch.low == present.min() and sketch.high == present.max()
    assert sketch.below(np.array([1.0]))[0] == np.sum(present < 1.0)
    assert sketch.above(np.array([1.0]))[0] == np.sum(present > 1.0)


def test_a_compressed_sketch_keeps_its_stated_rank_error_extremes_and_point_masses():
    rng = np.random.default_rng(1)
    x = np.where(rng.random(60_000) < 0.2, 0.0, rng.standard_t(3, size=60_000))
    sketch = _merged(x, [10_000, 25_000, 40_000, 51_000], size=500)
    assert not sketch.exact and len(sketch.values) <= 4 * 500
    assert sketch.low == x.min() and sketch.high == x.max()
    assert sketch.weights[sketch.values == 0.0][0] >= np.sum(x == 0.0) - sketch.error  # the point mass survives
    ordered = np.sort(x)
    for p in np.linspace(0.01, 0.99, 99):
        q = sketch.quantiles(np.array([p]))[0]
        # the true rank of the value read lies within the stated error of the rank asked for
        lo, hi = np.searchsorted(ordered, q, "left"), np.searchsorted(ordered, q, "right")
        target = p * (len(x) - 1)
        assert lo - sketch.error - 1 <= target <= hi + sketch.error + 1
    assert 0 < sketch.relative_error() < 0.02


def test_merging_in_any_order_gives_the_same_exact_sketch():
    rng = np.random.default_rng(2)
    parts = [ValueSketch.of(rng.integers(0, 50, 300).astype(float)) for _ in range(5)]
    left = parts[0].merge(parts[1]).merge(parts[2]).merge(parts[3]).merge(parts[4])
    tree = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3].merge(parts[4])))
    assert np.array_equal(left.values, tree.values) and np.array_equal(left.weights, tree.weights)


def test_moments_merged_equal_those_of_all_values():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, size=10_000) + 1e6  # a large mean: central moments must not lose the spread
    m = Moments()
    for piece in np.split(x, [10, 3_000, 3_001, 9_000]):
        m = m.merge(Moments.of(piece))
    d = x - x.mean()
    assert m.n == len(x)
    assert m.mean == pytest.approx(x.mean(), rel=1e-14)
    for k, value in ((2, m.m2), (3, m.m3), (4, m.m4)):
        assert value == pytest.approx(np.sum(d**k), rel=1e-9)


def test_comoments_give_the_pairwise_complete_correlations():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3_000, 4))
    x[:, 1] += x[:, 0]
    x[rng.random(x.shape) < 0.1] = np.nan
    sums = CoMoments.of(x[:1_000]).merge(CoMoments.of(x[1_000:]))
    r = corr_from_sums(sums.n[None], sums.sx[None], sums.sxx[None], sums.sxy[None])[0]
    assert np.allclose(r, masked_corr_matrix(x[None])[0], atol=1e-12)


def test_distinct_values_are_estimated_within_a_few_percent():
    rng = np.random.default_rng(5)
    values = pd.Series(rng.integers(0, 40_000, 200_000)).astype(str)
    sketch = DistinctSketch.of(values[:70_000]).merge(DistinctSketch.of(values[70_000:]))
    assert sketch.estimate() == pytest.approx(values.nunique(), rel=0.05)
    assert DistinctSketch.of(pd.Series([1.0, 2.0, np.nan, 2.0])).estimate() == pytest.approx(2.0, abs=0.01)

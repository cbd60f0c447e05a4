"""``histogram_similarity``: values worked out by hand on tiny frames."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.metrics.fidelity.histogram import intersection

NAME = "histogram_similarity"


def _result(real, synthetic, holdout=None, n_bootstrap=0, **kwargs):
    config = sdq.Config(n_bootstrap=n_bootstrap)
    result = sdq.evaluate(real, synthetic, holdout, metrics=[NAME], config=config, **kwargs)[NAME]
    assert result.status == "ok", result.message
    return result


def _one_minus_tvd(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - total variation distance of two columns' value shares, missing values a value of their own."""
    p = real.astype(object).where(real.notna(), "<NA>").value_counts(normalize=True)
    q = synthetic.astype(object).where(synthetic.notna(), "<NA>").value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def test_two_categories_by_hand():
    # real shares a: 1/2, b: 1/2; synthetic a: 3/4, b: 1/4 -> min(1/2, 3/4) + min(1/2, 1/4) = 0.75
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 5})
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"] * 5})
    assert _result(real, synthetic).score == pytest.approx(0.75, abs=1e-12)


def test_missing_values_are_a_bin_of_their_own_categorical():
    # 50% missing in the real data, none in the synthetic: the missing half cannot be matched
    real = pd.DataFrame({"c": ["a", None] * 10})
    synthetic = pd.DataFrame({"c": ["a", "a"] * 10})
    assert _result(real, synthetic).score == pytest.approx(0.5, abs=1e-12)


def test_missing_values_are_a_bin_of_their_own_numeric():
    real = pd.DataFrame({"x": [1.5, 2.5, np.nan, np.nan] * 10})
    synthetic = pd.DataFrame({"x": [1.5, 2.5, 1.5, 2.5] * 10})
    # real: missing 1/2, 1.5: 1/4, 2.5: 1/4; synthetic: 1.5: 1/2, 2.5: 1/2 -> 0 + 1/4 + 1/4
    assert _result(real, synthetic).score == pytest.approx(0.5, abs=1e-12)


def test_metric_is_the_mean_over_columns_and_details_per_column():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 5, "d": ["u", None] * 10})
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"] * 5, "d": ["u", "u"] * 10})
    result = _result(real, synthetic)
    assert result.score == pytest.approx((0.75 + 0.5) / 2, abs=1e-12)
    by_column = {c["column"]: c for c in result.details["columns"]}
    assert by_column["c"]["score"] == pytest.approx(0.75)
    assert by_column["d"]["score"] == pytest.approx(0.5)
    c = by_column["c"]
    assert c["labels"][0] == "(missing)"
    shares = dict(zip(c["labels"], c["synthetic"]))
    assert shares["a"] == pytest.approx(0.75) and shares["b"] == pytest.approx(0.25)
    assert sum(c["real"]) == pytest.approx(1.0)
    assert result.details["rows"] == {"real": 20, "synthetic": 20}


def test_baseline_is_the_same_comparison_with_the_holdout():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 5})
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"] * 5})
    holdout = pd.DataFrame({"c": ["a", "b", "b", "b", "b"] * 4})  # a: 1/5, b: 4/5
    result = _result(real, synthetic, holdout)
    assert result.baseline == pytest.approx(0.2 + 0.5, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_categorical_column_equals_one_minus_total_variation_distance(seed):
    rng = np.random.default_rng(seed)
    categories = ["north", "south", "east", "west", None]
    real = pd.DataFrame({"c": rng.choice(np.array(categories, dtype=object), size=300, p=[0.4, 0.25, 0.15, 0.1, 0.1])})
    synthetic_categories = np.array(categories + ["unknown", "elsewhere"], dtype=object)
    synthetic = pd.DataFrame({"c": rng.choice(synthetic_categories, size=200, p=[0.3, 0.3, 0.1, 0.1, 0.05, 0.1, 0.05])})
    expected = _one_minus_tvd(real["c"], synthetic["c"])
    assert _result(real, synthetic).score == pytest.approx(expected, abs=1e-12)


def test_boolean_column_equals_one_minus_total_variation_distance():
    real = pd.DataFrame({"b": [True] * 30 + [False] * 10})
    synthetic = pd.DataFrame({"b": [True] * 10 + [False] * 15})
    # real True 0.75 / False 0.25; synthetic True 0.4 / False 0.6 -> 0.4 + 0.25
    assert _result(real, synthetic).score == pytest.approx(0.65, abs=1e-12)


def test_out_of_range_values_are_kept_and_count():
    # 49% of the synthetic rows are far outside the real range: they must not be dropped
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, size=1000)
    real = pd.DataFrame({"x": x})
    synthetic = pd.DataFrame({"x": np.r_[x[:510], np.full(490, 5.0)]})
    # the in-range synthetic rows are a subset of the real rows, so every bin has q <= p and the
    # intersection is the in-range share exactly
    assert _result(real, synthetic).score == pytest.approx(0.51, abs=1e-12)


def test_a_five_sigma_shift_scores_near_zero():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(0.0, 1.0, size=2000)})
    shifted = pd.DataFrame({"x": rng.normal(5.0, 1.0, size=2000)})
    small_shift = pd.DataFrame({"x": rng.normal(0.05, 1.0, size=2000)})
    assert _result(real, shifted).score < 0.1
    assert _result(real, small_shift).score > 0.9


def test_intersection_helper():
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.2, 0.3, 0.5])
    assert float(intersection(p, q)) == pytest.approx(0.5)
    assert float(intersection(p, p)) == pytest.approx(1.0)
    assert float(intersection(np.array([1.0, 0.0]), np.array([0.0, 1.0]))) == 0.0


def test_interval_brackets_a_reasonable_range():
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"c": rng.choice(["a", "b", "c"], size=400)})
    synthetic = pd.DataFrame({"c": rng.choice(["a", "b", "c"], size=400, p=[0.5, 0.3, 0.2])})
    a = _result(real, synthetic, n_bootstrap=200)
    low, high = a.ci
    assert low < a.score < high
    assert high - low < 0.2
    assert _result(real, synthetic, n_bootstrap=0).ci is None


def test_skipped_when_nothing_can_be_binned():
    real = pd.DataFrame({"key": [f"id-{i}" for i in range(30)]})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped"
    assert result.message


@pytest.mark.parametrize("column_types", [None, {"x": "numeric"}], ids=["inferred-empty", "forced-numeric"])
def test_values_where_the_real_column_is_all_missing(column_types):
    # real: all missing; synthetic: 1/3 missing, 2/3 values the real data never had -> 1/3
    real = pd.DataFrame({"x": [np.nan] * 30})
    synthetic = pd.DataFrame({"x": [1.0, np.nan, 2.0] * 10})
    result = _result(real, synthetic, column_types=column_types)
    assert result.score == pytest.approx(1 / 3, abs=1e-12)


def test_baseline_is_taken_at_the_synthetic_sample_size():
    # finite samples alone lower the overlap: a 2000-row holdout overlaps the real data more than
    # 100 fresh rows do, so the baseline must be computed on as many holdout rows as synthetic rows
    rng = np.random.default_rng(11)
    real = pd.DataFrame({"x": rng.normal(size=2000)})
    holdout = pd.DataFrame({"x": rng.normal(size=2000)})
    fresh_scores = [_result(real, pd.DataFrame({"x": rng.normal(size=100)})).score for _ in range(20)]
    result = _result(real, pd.DataFrame({"x": rng.normal(size=100)}), holdout)
    full_holdout = _result(real, holdout).score
    assert result.details["rows"]["holdout"] == 100
    assert abs(result.baseline - np.mean(fresh_scores)) < 0.05
    assert result.baseline < full_holdout - 0.05


def test_a_copy_jittered_by_a_millionth_scores_one_on_few_distinct_values():
    # a numeric column with few distinct values: a synthetic copy off by 1e-6 is near perfect, so
    # its values must land in their real values' bins (exact-value bins put all of them apart)
    rng = np.random.default_rng(4)
    x = rng.choice([1.5, 2.5, 3.5, 4.5, 7.25, 10.0], size=500)
    real = pd.DataFrame({"x": x})
    jittered = pd.DataFrame({"x": x + rng.choice([-1e-6, 1e-6], size=500)})
    assert _result(real, jittered).score == pytest.approx(1.0, abs=1e-12)
    # a synthetic column of other values is still told apart: half the rows between two real
    # values share the nearer one's bin, half the rows far beyond the real values are "above"
    other = pd.DataFrame({"x": np.r_[np.full(250, 1.9), np.full(250, 50.0)]})
    p = pd.Series(x).value_counts(normalize=True)
    assert _result(real, other).score == pytest.approx(min(p[1.5], 0.5), abs=1e-12)


def test_values_at_the_float_maximum_each_keep_their_own_bin():
    # the bin edge between -1.7e308 and 1.7e308 is their midpoint 0 (a + (b - a) / 2 overflowed to
    # inf, and the edges came out unsorted), and the outer edges stop at the float maximum: each
    # real value keeps its own bin, without an overflow warning
    real = pd.DataFrame({"x": [-1.7e308, 1.7e308] * 10})
    synthetic = pd.DataFrame({"x": [-1.7e308] * 15 + [1.7e308] * 5})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = _result(real, synthetic, column_types={"x": "numeric"})
    column = result.details["columns"][0]
    assert column["labels"] == ["(missing)", "< -1.798e+308", "-1.7e+308", "1.7e+308", "> 1.798e+308"]
    assert column["real"] == [0.0, 0.0, 0.5, 0.5, 0.0] and column["synthetic"] == [0.0, 0.0, 0.75, 0.25, 0.0]
    assert result.score == pytest.approx(0.75)

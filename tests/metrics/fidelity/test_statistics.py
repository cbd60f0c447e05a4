"""``statistics``: agreements worked out by hand, and the validity figures in ``details``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq

NAME = "statistics"


def _result(real, synthetic, holdout=None, n_bootstrap=0, **kwargs):
    result = sdq.evaluate(
        real, synthetic, holdout, metrics=[NAME], config=sdq.Config(n_bootstrap=n_bootstrap), **kwargs
    )[NAME]
    assert result.status == "ok", result.message
    return result


def _column(result, name):
    return next(c for c in result.details["columns"] if c["column"] == name)


def test_categorical_column_by_hand():
    # missing rate 1, distinct 2/2 = 1, shares 1 - TVD = 0.75, top-5 overlap 2/2 = 1
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 5})
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"] * 5})
    result = _result(real, synthetic)
    agreement = _column(result, "c")["agreement"]["synthetic"]
    assert agreement["missing_rate"] == 1.0
    assert agreement["distinct"] == 1.0
    assert agreement["shares"] == pytest.approx(0.75)
    assert agreement["top"] == 1.0
    assert result.score == pytest.approx((1 + 1 + 0.75 + 1) / 4, abs=1e-6)


def test_numeric_shift_by_hand():
    # real 0..99: IQR = 74.25 - 24.75 = 49.5; a shift of 4.95 moves all six location statistics by
    # 0.1 IQR (agreement 0.9 each) and keeps std, missing rate and distinct count (agreement 1)
    real = pd.DataFrame({"x": np.arange(100.0)})
    synthetic = pd.DataFrame({"x": np.arange(100.0) + 4.95})
    result = _result(real, synthetic, column_types={"x": "numeric"})  # (whole numbers counting up: an id)
    agreement = _column(result, "x")["agreement"]["synthetic"]
    for key in ("mean", "median", "q25", "q75", "min", "max"):
        assert agreement[key] == pytest.approx(0.9, abs=1e-6), key
    assert agreement["std"] == pytest.approx(1.0)
    assert result.score == pytest.approx((3 + 6 * 0.9) / 9, abs=1e-6)


def test_numeric_spread_by_hand():
    # twice the spread around the same centre: mean and median agree (1), quartiles move by half an
    # IQR (0.5), min and max by a whole IQR (0), std ratio 1/2, missing rate and distinct count 1
    x = np.arange(100.0)
    real = pd.DataFrame({"x": x})
    synthetic = pd.DataFrame({"x": 2 * (x - x.mean()) + x.mean()})
    result = _result(real, synthetic, column_types={"x": "numeric"})
    agreement = _column(result, "x")["agreement"]["synthetic"]
    assert agreement["q25"] == pytest.approx(0.5, abs=1e-6)
    assert agreement["min"] == pytest.approx(0.0, abs=1e-6)
    assert agreement["std"] == pytest.approx(0.5, abs=1e-6)
    assert result.score == pytest.approx((1 + 1 + 0.5 + 0.5 + 0 + 0 + 0.5 + 1 + 1) / 9, abs=1e-6)


def test_missing_rate_agreement():
    real = pd.DataFrame({"c": ["a", "b"] * 20})
    synthetic = pd.DataFrame({"c": ["a", None, "b", None] * 10})
    agreement = _column(_result(real, synthetic), "c")["agreement"]["synthetic"]
    assert agreement["missing_rate"] == pytest.approx(0.5)
    assert agreement["shares"] == pytest.approx(1.0)  # shares are among present values


def test_side_by_side_statistics_match_numpy():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": np.r_[rng.gamma(2.0, size=190), [np.nan] * 10]})
    synthetic = pd.DataFrame({"x": rng.gamma(2.5, size=150)})
    holdout = pd.DataFrame({"x": rng.gamma(2.0, size=150)})
    stats = _column(_result(real, synthetic, holdout), "x")["stats"]
    x = real["x"].dropna().to_numpy()
    assert stats["real"]["mean"] == pytest.approx(x.mean(), abs=1e-6)
    assert stats["real"]["std"] == pytest.approx(x.std(ddof=1), abs=1e-6)
    assert stats["real"]["median"] == pytest.approx(np.median(x), abs=1e-6)
    assert stats["real"]["q25"] == pytest.approx(np.percentile(x, 25), abs=1e-6)
    assert stats["real"]["max"] == pytest.approx(x.max(), abs=1e-6)
    assert stats["real"]["missing_rate"] == pytest.approx(0.05)
    assert stats["synthetic"]["mean"] == pytest.approx(synthetic["x"].mean(), abs=1e-6)
    assert stats["holdout"]["mean"] == pytest.approx(holdout["x"].mean(), abs=1e-6)


def test_validity_out_of_range_numbers():
    real = pd.DataFrame({"x": np.linspace(0.0, 10.0, 50)})
    synthetic = pd.DataFrame({"x": np.r_[[-1.0, -0.5], np.linspace(0, 10, 45), [10.5, 11.0, 12.0]]})
    validity = _result(real, synthetic).details["validity"]["synthetic"]["x"]
    assert validity["below_range"] == 2
    assert validity["above_range"] == 3
    assert validity["invalid"] == 0
    assert validity["missing_rate"] == 0.0


def test_validity_unseen_categories():
    real = pd.DataFrame({"c": ["a", "b", "c"] * 10})
    synthetic = pd.DataFrame({"c": ["a", "b", "zz", "yy", "zz", None] * 5})
    validity = _result(real, synthetic).details["validity"]["synthetic"]["c"]
    assert validity["unseen_values"] == 15  # zz, yy, zz in every block of six
    assert validity["unseen_categories"] == 2
    assert validity["missing_rate"] == pytest.approx(1 / 6, abs=1e-6)


def test_validity_invalid_values_and_infinities():
    real = pd.DataFrame({"x": np.linspace(0.0, 1.0, 40), "flag": [True, False] * 20})
    synthetic = pd.DataFrame(
        {
            "x": ["0.5", "abc", "inf", "0.2"] * 10,
            "flag": ["yes", "no", "perhaps", "no"] * 10,
        }
    )
    validity = _result(real, synthetic).details["validity"]["synthetic"]
    assert validity["x"]["invalid"] == 20  # "abc" and "inf"
    assert validity["x"]["missing_rate"] == pytest.approx(0.5)
    assert validity["flag"]["invalid"] == 10


def test_validity_of_the_holdout_is_recorded_too():
    real = pd.DataFrame({"x": np.linspace(0.0, 1.0, 40)})
    holdout = pd.DataFrame({"x": np.r_[np.linspace(0.0, 1.0, 38), [2.0, 3.0]]})
    validity = _result(real, real.copy(), holdout).details["validity"]
    assert validity["holdout"]["x"]["above_range"] == 2
    assert validity["synthetic"]["x"]["above_range"] == 0


def test_baseline_uses_the_holdout():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 5})
    result = _result(real, pd.DataFrame({"c": ["a", "b", "b", "b"] * 5}), holdout=real.copy())
    assert result.baseline == pytest.approx(1.0)
    assert result.score < 1.0


def test_empty_and_excluded_columns_are_not_scored(mixed_frame):
    result = _result(mixed_frame, mixed_frame.copy(), exclude=["cat"])
    scored = {c["column"] for c in result.details["columns"]}
    assert "empty" not in scored and "cat" not in scored
    assert {"num", "when", "flag", "code", "const"} <= scored


def test_text_columns_compare_lengths_and_characters():
    rng = np.random.default_rng(1)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta"]
    real = pd.DataFrame({"note": [" ".join(rng.choice(words, size=8)) + f" #{i}" for i in range(60)]})
    shouted = pd.DataFrame({"note": [s.upper() + "!!!!!!!!!!" for s in real["note"]]})
    result_same = _result(real, real.copy())
    result_other = _result(real, shouted)
    entry = _column(result_other, "note")
    assert entry["kind"] == "text"
    assert entry["agreement"]["synthetic"]["characters"] < 0.2
    assert result_same.score == pytest.approx(1.0)
    assert result_other.score < result_same.score


def test_interval_brackets_the_score():
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], size=300)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1.0, size=300), "c": rng.choice(["a", "b"], size=300)})
    a = _result(real, synthetic, n_bootstrap=50)
    low, high = a.ci  # about [0.88, 0.95] around 0.92
    assert low < a.score < high
    assert 0.01 < high - low < 0.15
    assert _result(real, synthetic, n_bootstrap=0).ci is None  # no resamples, no interval


def test_distinct_count_agreement_by_hand():
    # 10 real categories, 5 synthetic ones, on equally many rows: 5 / 10
    real = pd.DataFrame({"c": [f"k{i}" for i in range(10)] * 10})
    synthetic = pd.DataFrame({"c": [f"k{i}" for i in range(5)] * 20})
    agreement = _column(_result(real, synthetic), "c")["agreement"]["synthetic"]
    assert agreement["distinct"] == pytest.approx(0.5)


def test_top_five_overlap_by_hand():
    # real top five a..e; synthetic frequencies reversed: its top five are g, f, e, d, c -> 3 / 5
    letters = list("abcdefg")
    real = pd.DataFrame({"c": sum(([c] * (20 - 2 * i) for i, c in enumerate(letters)), [])})
    synthetic = pd.DataFrame({"c": sum(([c] * (8 + 2 * i) for i, c in enumerate(letters)), [])})
    agreement = _column(_result(real, synthetic), "c")["agreement"]["synthetic"]
    assert agreement["top"] == pytest.approx(0.6)


def test_scale_falls_back_to_the_std_when_the_iqr_is_zero():
    # 80% zeros: the real IQR is 0, so differences are scaled by the real std
    x = np.r_[np.zeros(80), np.arange(1.0, 21.0)]
    real = pd.DataFrame({"x": x})
    synthetic = pd.DataFrame({"x": x + 1.0})
    agreement = _column(_result(real, synthetic), "x")["agreement"]["synthetic"]
    assert agreement["mean"] == pytest.approx(max(0.0, 1 - 1.0 / x.std(ddof=1)), abs=1e-6)


def test_tiny_but_real_differences_are_not_rounded_away():
    # values of the order of 1e-8: rounded to 6 decimals every statistic is 0 and a shift of five
    # standard deviations vanished (score 1.0); unrounded it is a shift of several IQRs
    rng = np.random.default_rng(8)
    x = rng.normal(size=400) * 1e-8
    y = rng.normal(size=400) * 1e-8 + 5e-8
    result = _result(pd.DataFrame({"x": x}), pd.DataFrame({"x": y}))
    q25, q75 = np.quantile(x, [0.25, 0.75])
    iqr = q75 - q25

    def loc(a, b):
        return max(0.0, 1 - abs(a - b) / iqr)

    expected = [
        1.0,
        1.0,  # missing rate, distinct count
        loc(x.mean(), y.mean()),
        loc(np.median(x), np.median(y)),
        loc(q25, np.quantile(y, 0.25)),
        loc(q75, np.quantile(y, 0.75)),
        loc(x.min(), y.min()),
        loc(x.max(), y.max()),
        min(x.std(ddof=1), y.std(ddof=1)) / max(x.std(ddof=1), y.std(ddof=1)),
    ]
    assert result.score == pytest.approx(np.mean(expected), abs=1e-12)
    assert result.score < 0.4
    # details show the statistics rounded, the agreements too, but the score is not built on them
    agreement = _column(result, "x")["agreement"]["synthetic"]
    assert agreement["mean"] == round(loc(x.mean(), y.mean()), 6)


def test_an_all_missing_synthetic_column_shares_nothing_with_a_full_real_one():
    # real: three categories, none missing; synthetic: every value missing. No share, missing rate,
    # distinct count or top value agrees: 0 (a total variation distance against an empty
    # distribution gave the shares 0.5)
    rng = np.random.default_rng(9)
    real = pd.DataFrame({"c": rng.choice(["a", "b", "c"], size=200)})
    synthetic = pd.DataFrame({"c": pd.Series([None] * 200, dtype=object)})
    result = _result(real, synthetic, n_bootstrap=50)
    agreement = _column(result, "c")["agreement"]["synthetic"]
    assert agreement == {"missing_rate": 0.0, "distinct": 0.0, "shares": 0.0, "top": 0.0}
    assert result.score == 0.0
    assert result.ci == [0.0, 0.0]
    # and the other way round: a real column with values, synthetic text all missing
    text = pd.DataFrame({"t": [f"a long free-text comment, number {i} of many such comments" for i in range(60)]})
    empty_text = pd.DataFrame({"t": pd.Series([None] * 60, dtype=object)})
    text_result = _result(text, empty_text)
    assert _column(text_result, "t")["agreement"]["synthetic"]["characters"] == 0.0


def _normal_frames(seed: int = 3, n: int = 120):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame({"x": rng.normal(size=n)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1.4, size=n)})
    holdout = pd.DataFrame({"x": rng.normal(size=n)})
    return real, synthetic, holdout


def test_numbers_near_the_float_maximum_score_as_the_same_numbers_in_range():
    # every agreement is a difference over a real spread or a ratio: multiplying a column by 2**1000
    # (values up to about 1e301, whose squares and spreads overflow) changes no score, and the
    # statistics shown are those of the numbers as given
    frames = _normal_frames()
    big = [f.assign(x=f["x"] * 2.0**1000) for f in frames]
    small, large = _result(*frames), _result(*big)
    assert large.warnings == []
    assert large.score == pytest.approx(small.score, rel=1e-12)
    assert large.baseline == pytest.approx(small.baseline, rel=1e-12)
    assert _column(large, "x")["agreement"] == _column(small, "x")["agreement"]
    for frame, given in zip(("real", "synthetic", "holdout"), frames):
        x, shown = given["x"].to_numpy(), _column(large, "x")["stats"][frame]
        expected = {"mean": x.mean(), "std": x.std(ddof=1), "min": x.min(), "median": np.median(x), "max": x.max()}
        for key, value in expected.items():
            assert shown[key] == pytest.approx(value * 2.0**1000, rel=1e-9), (frame, key)


def test_a_copy_with_values_at_the_float_maximum_scores_one_and_a_shifted_one_less():
    # +/-1.7e308 next to ordinary numbers: sums and spreads are infinite, yet the statistics of a
    # copy agree exactly, those of a shifted copy less, and the details stay strict JSON (a
    # spread beyond the float range is shown as null)
    rng = np.random.default_rng(4)
    x = np.r_[rng.normal(size=96) * 1e307, [1.7e308, 1.7e308, -1.7e308, -1.7e308]]
    real = pd.DataFrame({"x": x})
    same = _result(real, real.copy(), real.copy(), n_bootstrap=20)
    assert same.score == 1.0 and same.baseline == 1.0 and same.warnings == []
    shifted = pd.DataFrame({"x": x + np.where(np.abs(x) < 1e308, 5e306, 0.0)})  # the extremes kept
    moved = _result(real, shifted, real.copy(), n_bootstrap=20)
    assert 0.5 < moved.score < 0.99 and moved.warnings == []
    low, high = moved.ci  # resampling the extremes in and out moves it: about [0.72, 1] around 0.86
    assert low < moved.score < high
    stats = _column(moved, "x")["stats"]
    assert stats["real"]["max"] == 1.7e308 and stats["synthetic"]["min"] == -1.7e308
    assert stats["real"]["median"] == pytest.approx(np.median(x), rel=1e-5)
    json.dumps(moved.details, allow_nan=False)

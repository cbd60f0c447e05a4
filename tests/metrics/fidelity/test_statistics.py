"""``statistics``: agreements worked out by hand, invariances, the validity figures in ``details``,
and how it scores data of known quality on real tables (fresh rows, copies, shifted columns,
reversed categories, uniform garbage)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq

NAME = "statistics"
Z = 2.5  # the noise allowance in standard errors, as documented in the module


def _result(real, synthetic, holdout=None, n_bootstrap=0, **kwargs):
    config = kwargs.pop("config", sdq.Config(n_bootstrap=n_bootstrap))
    result = sdq.evaluate(real, synthetic, holdout, metrics=[NAME], config=config, **kwargs)[NAME]
    assert result.status == "ok", result.message
    return result


def _column(result, name):
    return next(c for c in result.details["columns"] if c["column"] == name)


def _agreement(result, name):
    return _column(result, name)["agreement"]["synthetic"]


# -- hand-worked values ---------------------------------------------------------------------------
def test_category_shares_by_hand():
    # real a/b half and half, synthetic 3/4 a: each share is off by 0.25; the noise allowance at
    # 400 + 400 values is z sqrt(c (1 - c) (1/400 + 1/400)) with c = 0.625 the share over both;
    # E = the excess summed over values / 2 and shares = (1 - E) / (1 + E) (about 0.718)
    real = pd.DataFrame({"c": ["a", "b"] * 200})
    synthetic = pd.DataFrame({"c": ["a", "a", "a", "b"] * 100})
    result = _result(real, synthetic)
    allowance = Z * np.sqrt(0.625 * 0.375 * (2 / 400))
    excess = 2 * (0.25 - allowance) / 2
    expected = (1 - excess) / (1 + excess)
    agreement = _agreement(result, "c")
    assert agreement["missing_rate"] == 1.0
    assert agreement["distinct"] == 1.0
    assert agreement["shares"] == pytest.approx(expected, abs=1e-6)
    assert "top" not in agreement  # the top values are shown, not scored
    # the column's score is the product of its aspects: here the shares alone
    assert result.score == pytest.approx(expected, abs=1e-12)
    assert _column(result, "c")["score"] == pytest.approx(expected, abs=1e-6)


def _linear_band(p, k, span):
    """The half-width of the noise band of q_p for k evenly spaced values over ``span``."""
    return span * Z * np.sqrt(p * (1 - p) / k)


def test_numeric_shift_by_hand():
    # 0..999 against 0..999 + 99.9 (a fifth of the IQR of 499.5). For evenly spaced values the
    # quantile function is Q(u) = 999 u, so each data set's band for q_p is 999 z sqrt(p (1 - p) /
    # 1000) and the allowance is the two combined; the mean's allowance is z sd sqrt(2 / 1000).
    # Spread, missing share and distinct count agree, so the score is the mean location agreement.
    x = np.arange(1000.0)
    shift = 99.9
    result = _result(pd.DataFrame({"x": x}), pd.DataFrame({"x": x + shift}), column_types={"x": "numeric"})
    iqr, sd = 499.5, x.std(ddof=1)
    agreement = _agreement(result, "x")
    expected = {"mean": 1 - max(0.0, shift - Z * sd * np.sqrt(2 / 1000)) / iqr}
    for name, p in {
        "q01": 0.01,
        "q05": 0.05,
        "q25": 0.25,
        "median": 0.5,
        "q75": 0.75,
        "q95": 0.95,
        "q99": 0.99,
    }.items():
        allowance = np.sqrt(2) * _linear_band(p, 1000, 999.0)
        expected[name] = 1 - max(0.0, shift - allowance) / iqr
    for name, value in expected.items():
        assert agreement[name] == pytest.approx(value, abs=1e-6), name
    assert agreement["std"] == 1.0 and agreement["iqr"] == 1.0
    assert agreement["missing_rate"] == 1.0 and agreement["distinct"] == 1.0
    assert result.score == pytest.approx(np.mean(list(expected.values())), abs=1e-9)
    assert _column(result, "x")["scale"] == pytest.approx(iqr)


def test_a_shift_within_noise_scores_one_and_a_shift_of_ten_iqrs_zero():
    x = np.arange(1000.0)
    real = pd.DataFrame({"x": x})
    within = _result(real, pd.DataFrame({"x": x + 1.0}), column_types={"x": "numeric"})
    assert within.score == 1.0
    beyond = _result(real, pd.DataFrame({"x": x + 10 * 499.5}), column_types={"x": "numeric"})
    assert _column(beyond, "x")["aspects"]["synthetic"]["location"] == 0.0
    assert beyond.score == 0.0  # spread, missing share and distinct count agree; the product does not


def test_numeric_spread_by_hand():
    # twice the spread around the same centre: std 2 sd against sd, each with the allowance
    # z sd sqrt((kurtosis - 1) / (4 k)) of its own data set; IQR 999 against 499.5, each quartile's
    # band as in the shift test; the smaller spread over the larger, net of both allowances
    x = np.arange(1000.0)
    y = 2 * (x - x.mean()) + x.mean()
    result = _result(pd.DataFrame({"x": x}), pd.DataFrame({"x": y}), column_types={"x": "numeric"})
    dev = x - x.mean()
    kurtosis = np.mean(dev**4) / np.mean(dev**2) ** 2  # 1.8 for evenly spaced values
    sd = x.std(ddof=1)
    band = Z * sd * np.sqrt((kurtosis - 1) / 4000)
    std_allowance = np.hypot(band, 2 * band)
    quartile = _linear_band(0.25, 1000, 999.0)  # the same for the 25% and 75% quantiles
    iqr_allowance = np.sqrt(2 * quartile**2 + 2 * (2 * quartile) ** 2)
    agreement = _agreement(result, "x")
    assert agreement["std"] == pytest.approx(1 - (sd - std_allowance) / (2 * sd), abs=1e-6)
    assert agreement["iqr"] == pytest.approx(1 - (499.5 - iqr_allowance) / 999.0, abs=1e-6)
    assert agreement["mean"] == 1.0 and agreement["median"] == 1.0  # the centre did not move
    assert agreement["q25"] < 1.0 and agreement["q75"] < 1.0


def test_missing_share_by_hand():
    # none missing against half missing, 40 rows each: the share over both is 0.25, the allowance
    # z sqrt(0.25 * 0.75 * (1/40 + 1/40)); the shares among present values are equal
    real = pd.DataFrame({"c": ["a", "b"] * 20})
    synthetic = pd.DataFrame({"c": ["a", None, "b", None] * 10})
    agreement = _agreement(_result(real, synthetic), "c")
    allowance = Z * np.sqrt(0.25 * 0.75 * (2 / 40))
    assert agreement["missing_rate"] == pytest.approx(1 - (0.5 - allowance), abs=1e-6)
    assert agreement["shares"] == 1.0


def test_distinct_count_by_hand():
    # 10 real categories, 5 synthetic ones, on 100 rows each, compared on a log scale: ln 2 over
    # ln 100, less the noise of the real count (V: the variance of how many values 100 draws hit)
    real = pd.DataFrame({"c": [f"k{i}" for i in range(10)] * 10})
    synthetic = pd.DataFrame({"c": [f"k{i}" for i in range(5)] * 20})
    agreement = _agreement(_result(real, synthetic), "c")
    e = np.exp(-100 * 0.1)
    variance = 10 * e * (1 - e) - 100 * (10 * 0.1 * e) ** 2
    allowance = Z * np.sqrt(2 * variance) / 10
    assert agreement["distinct"] == pytest.approx(1 - (np.log(2) - allowance) / np.log(100), abs=1e-6)


def test_the_location_unit_falls_back_to_the_std_when_the_iqr_is_zero():
    # 80% zeros: the real IQR is 0, so differences are in units of the real std. Where values are
    # tied the bands are empty: a shift by 1 moves the median by 1, all of it beyond noise
    x = np.r_[np.zeros(80), np.arange(1.0, 21.0)]
    result = _result(pd.DataFrame({"x": x}), pd.DataFrame({"x": x + 1.0}))
    agreement = _agreement(result, "x")
    assert agreement["median"] == pytest.approx(1 - 1.0 / x.std(ddof=1), abs=1e-6)
    assert _column(result, "x")["scale"] == pytest.approx(x.std(ddof=1), abs=1e-6)


def test_quantiles_that_are_sample_extremes_at_the_size_are_not_scored():
    # the 1% quantile of 200 values is their third smallest: not scored (null); of 2,000 it is
    rng = np.random.default_rng(5)
    small = _agreement(
        _result(pd.DataFrame({"x": rng.normal(size=200)}), pd.DataFrame({"x": rng.normal(size=200)})), "x"
    )
    assert small["q01"] is None and small["q99"] is None
    assert small["q25"] is not None and small["median"] is not None
    large = _agreement(
        _result(pd.DataFrame({"x": rng.normal(size=2000)}), pd.DataFrame({"x": rng.normal(size=2000)})), "x"
    )
    assert large["q01"] is not None and large["q99"] is not None


def test_min_and_max_are_shown_but_not_scored():
    # one extreme value far out: the real max is 1000, the synthetic max 10; no agreement moves
    rng = np.random.default_rng(6)
    x = rng.normal(size=1000)
    real = pd.DataFrame({"x": np.r_[x, 1000.0]})
    synthetic = pd.DataFrame({"x": np.r_[x, 10.0]})
    result = _result(real, synthetic)
    entry = _column(result, "x")
    assert entry["stats"]["real"]["max"] == 1000.0 and entry["stats"]["synthetic"]["max"] == 10.0
    assert "max" not in entry["agreement"]["synthetic"] and "min" not in entry["agreement"]["synthetic"]
    assert entry["aspects"]["synthetic"]["location"] == 1.0


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
    for name, q in (("q01", 1), ("q05", 5), ("q25", 25), ("q75", 75), ("q95", 95), ("q99", 99)):
        assert stats["real"][name] == pytest.approx(np.percentile(x, q), abs=1e-6), name
    assert stats["real"]["iqr"] == pytest.approx(np.percentile(x, 75) - np.percentile(x, 25), abs=1e-6)
    assert stats["real"]["min"] == pytest.approx(x.min(), abs=1e-6)
    assert stats["real"]["max"] == pytest.approx(x.max(), abs=1e-6)
    assert stats["real"]["missing_rate"] == pytest.approx(0.05)
    assert stats["synthetic"]["mean"] == pytest.approx(synthetic["x"].mean(), abs=1e-6)
    assert stats["holdout"]["mean"] == pytest.approx(holdout["x"].mean(), abs=1e-6)


# -- invariances ----------------------------------------------------------------------------------
def _normal_frames(seed: int = 3, n: int = 1200):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame({"x": rng.normal(size=n)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1.4, size=n)})
    holdout = pd.DataFrame({"x": rng.normal(size=n)})
    return real, synthetic, holdout


@pytest.mark.parametrize(("factor", "offset"), [(3.7, -12.0), (1e-8, 0.0), (1e6, 5e7), (0.25, 1.0)])
def test_scores_do_not_change_with_a_columns_scale_or_location(factor, offset):
    frames = _normal_frames()
    moved = [f.assign(x=f["x"] * factor + offset) for f in frames]
    a, b = _result(*frames), _result(*moved)
    assert 0.2 < a.score < 0.9  # a real difference, not a score at either end
    assert b.score == pytest.approx(a.score, rel=1e-9)
    assert b.baseline == pytest.approx(a.baseline, rel=1e-9)


def test_scores_do_not_change_when_categories_are_renamed():
    rng = np.random.default_rng(7)
    real = pd.DataFrame({"c": rng.choice(list("abcd"), p=[0.4, 0.3, 0.2, 0.1], size=800)})
    synthetic = pd.DataFrame({"c": rng.choice(list("abcd"), p=[0.25, 0.25, 0.25, 0.25], size=800)})
    names = {"a": "zeta", "b": "alpha", "c": "mu", "d": "omega"}
    a = _result(real, synthetic)
    b = _result(real.replace(names), synthetic.replace(names))
    assert 0.2 < a.score < 0.95
    assert b.score == pytest.approx(a.score, abs=1e-12)


def test_a_copy_scores_exactly_one():
    real, synthetic, holdout = _normal_frames()
    real = real.assign(c=np.where(real["x"] > 0.5, "high", "low"))
    result = _result(real, real.copy(), n_bootstrap=30)
    assert result.score == 1.0
    assert all(c["score"] == 1.0 for c in result.details["columns"])


# -- per-column entries: score, baseline, se; the interval -------------------------------------------
def test_every_entry_has_score_baseline_and_se():
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(["a", "b"], size=600)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1.0, size=600), "c": rng.choice(["a", "b"], size=600)})
    holdout = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(["a", "b"], size=600)})
    result = _result(real, synthetic, holdout, n_bootstrap=60)
    for entry in result.details["columns"]:
        assert {"score", "baseline", "se"} <= set(entry)
        assert 0.0 <= entry["score"] <= 1.0 and 0.0 <= entry["baseline"] <= 1.0
        assert entry["se"] is not None and entry["se"] >= 0.0
    assert _column(result, "x")["se"] > 0.0  # a column with a difference varies between resamples
    # the faces read them through the shape
    scores = {c.column: (c.score, c.baseline) for c in result.shape.column_scores(result.details)}
    assert scores["x"] == (_column(result, "x")["score"], _column(result, "x")["baseline"])
    without = _result(real, synthetic, holdout, n_bootstrap=0)
    assert without.ci is None and all(c["se"] is None for c in without.details["columns"])


def test_the_interval_brackets_the_score():
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(["a", "b"], size=600)})
    synthetic = pd.DataFrame({"x": rng.normal(0.3, 1.0, size=600), "c": rng.choice(["a", "b"], size=600)})
    result = _result(real, synthetic, n_bootstrap=80)
    low, high = result.ci
    assert low < result.score < high
    assert 0.01 < high - low < 0.4


def test_se_matches_the_spread_of_the_score_over_fresh_draws():
    # the standard error of a column's score, from resamples of 500 of 6,000 rows (statistics
    # brought to full size before the agreements), against the spread of that score over 16
    # independent draws of real and synthetic data
    scores, ses = {"x": [], "g": []}, {"x": [], "g": []}
    for draw in range(16):
        rng = np.random.default_rng(100 + draw)
        n = 6000
        real = pd.DataFrame({"x": rng.normal(size=n), "g": rng.lognormal(size=n)})
        synthetic = pd.DataFrame({"x": rng.normal(0.25, 1.15, size=n), "g": rng.lognormal(0.2, 1.0, size=n)})
        config = sdq.Config(n_bootstrap=80, bootstrap_rows=500)
        result = _result(real, synthetic, config=config, seed=draw)
        for entry in result.details["columns"]:
            scores[entry["column"]].append(entry["score"])
            ses[entry["column"]].append(entry["se"])
    for column in scores:
        spread, se = np.std(scores[column], ddof=1), np.median(ses[column])
        assert 0.55 < se / spread < 1.8, (column, se, spread)


# -- missing values, validity ------------------------------------------------------------------------
def test_an_all_missing_synthetic_column_shares_nothing_with_a_full_real_one():
    # real: three categories, none missing; synthetic: every value missing. No share or distinct
    # value agrees (0) and the missing shares differ by 1 less the allowance (share over both 0.5,
    # 200 + 200 rows): the column scores 0, in every resample too
    rng = np.random.default_rng(9)
    real = pd.DataFrame({"c": rng.choice(["a", "b", "c"], size=200), "x": rng.normal(size=200)})
    synthetic = pd.DataFrame({"c": pd.Series([None] * 200, dtype=object), "x": np.full(200, np.nan)})
    result = _result(real, synthetic, n_bootstrap=50)
    agreement = _agreement(result, "c")
    assert agreement["missing_rate"] == pytest.approx(Z * np.sqrt(0.25 * 2 / 200), abs=1e-6)
    assert agreement["distinct"] == 0.0 and agreement["shares"] == 0.0
    assert _column(result, "x")["aspects"]["synthetic"]["location"] == 0.0
    assert result.score == 0.0
    assert result.ci == [0.0, 0.0]
    # and the other way round: a real column with values, synthetic text all missing
    text = pd.DataFrame({"t": [f"a long free-text comment, number {i} of many such comments" for i in range(60)]})
    empty_text = pd.DataFrame({"t": pd.Series([None] * 60, dtype=object)})
    text_result = _result(text, empty_text)
    assert _agreement(text_result, "t")["characters"] == 0.0
    assert text_result.score == 0.0


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
    real = pd.DataFrame({"c": ["a", "a", "b", "b"] * 100})
    result = _result(real, pd.DataFrame({"c": ["a", "b", "b", "b"] * 100}), holdout=real.copy())
    assert result.baseline == 1.0
    assert _column(result, "c")["baseline"] == 1.0
    assert result.score < 0.8


def test_empty_and_excluded_columns_are_not_scored(mixed_frame):
    result = _result(mixed_frame, mixed_frame.copy(), exclude=["cat"])
    scored = {c["column"] for c in result.details["columns"]}
    assert "empty" not in scored and "cat" not in scored
    assert {"num", "when", "flag", "code", "const"} <= scored


def test_boolean_and_constant_columns_are_compared_by_their_shares(mixed_frame):
    result = _result(mixed_frame, mixed_frame.copy())
    for name in ("flag", "const", "code"):
        entry = _column(result, name)
        assert set(entry["aspects"]["synthetic"]) == {"missing", "distinct", "shares"}, name
        assert entry["stats"]["real"]["top"], name


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
    assert set(entry["aspects"]["synthetic"]) == {
        "missing",
        "distinct",
        "length location",
        "length spread",
        "characters",
    }
    assert result_same.score == 1.0
    assert result_other.score < 0.2


# -- values near the float maximum ------------------------------------------------------------------
def test_numbers_near_the_float_maximum_score_as_the_same_numbers_in_range():
    # every agreement is a difference over a real spread or a ratio: multiplying a column by 2**1000
    # (values up to about 1e301, whose squares and spreads overflow) changes no score, and the
    # statistics shown are those of the numbers as given
    frames = _normal_frames(n=120)
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
    shifted = pd.DataFrame({"x": x + np.where(np.abs(x) < 1e308, 1e307, 0.0)})  # the extremes kept
    moved = _result(real, shifted, real.copy(), n_bootstrap=20)
    assert 0.2 < moved.score < 0.99 and moved.warnings == []
    low, high = moved.ci
    assert low <= moved.score <= high
    stats = _column(moved, "x")["stats"]
    assert stats["real"]["max"] == 1.7e308 and stats["synthetic"]["min"] == -1.7e308
    assert stats["real"]["median"] == pytest.approx(np.median(x), rel=1e-5)
    json.dumps(moved.details, allow_nan=False)


# -- data of known quality on real tables ------------------------------------------------------------
def _load(name: str) -> pd.DataFrame:
    if name == "fair":
        from sdq.demo import load_fair

        return load_fair()
    if name == "randhie":
        from statsmodels.datasets import randhie

        return randhie.load_pandas().data
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(scope="module", params=["fair", "randhie", "breast_cancer"])
def table(request):
    return request.param, _load(request.param)


def _split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows (50%), a holdout (25%) and fresh rows (25%): disjoint real samples."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train, n_holdout = len(frame) // 2, len(frame) // 4
    parts = order[:n_train], order[n_train : n_train + n_holdout], order[n_train + n_holdout :]
    return tuple(frame.iloc[p].reset_index(drop=True) for p in parts)


@pytest.mark.parametrize("seed", [0, 1])
def test_fresh_real_rows_score_at_least_0_9_on_every_column(table, seed):
    name, frame = table
    train, holdout, fresh = _split(frame, seed)
    result = _result(train, fresh, holdout, seed=seed)
    low = {
        c["column"]: (c["score"], c["baseline"])
        for c in result.details["columns"]
        if min(c["score"], c["baseline"]) < 0.9
    }
    assert not low, f"{name}: columns below 0.9 on fresh real rows (score, baseline): {low}"
    assert len(result.details["columns"]) == frame.shape[1]


def _reversed_shares(column: pd.Series) -> pd.Series:
    """Relabel the values in reverse frequency order: the most frequent gets the least frequent's
    share, and so on."""
    ranked = list(column.value_counts().index)
    return column.map(dict(zip(ranked, reversed(ranked)))).astype(column.dtype)


REVERSED = {
    "fair": ["occupation", "occupation_husb", "educ", "religious", "rate_marriage", "had_affair"],
    "randhie": ["lncoins", "idp", "hlthf"],
    "breast_cancer": [],
}


def test_reversed_category_shares_score_that_column_at_most_0_6(table):
    name, frame = table
    train, holdout, fresh = _split(frame, 0)
    for column in REVERSED[name]:
        reversed_ = fresh.assign(**{column: _reversed_shares(fresh[column])})
        result = _result(train, reversed_, holdout)
        entry = _column(result, column)
        assert entry["score"] <= 0.6, (name, column, entry["score"])
        assert entry["baseline"] >= 0.9  # the holdout is untouched
        others = [c["score"] for c in result.details["columns"] if c["column"] != column]
        assert min(others) >= 0.9  # and the other columns are fresh real rows


def _uniform(frame: pd.DataFrame, train: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = {}
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(train[c]) and not pd.api.types.is_bool_dtype(train[c]):
            out[c] = rng.uniform(float(train[c].min()), float(train[c].max()), len(frame))
        else:
            values = pd.unique(train[c].dropna())
            out[c] = values[rng.integers(0, len(values), len(frame))]
    return pd.DataFrame(out).astype({c: train[c].dtype for c in train.columns if train[c].dtype == bool})


SHIFTED = {"fair": "age", "randhie": "lpi", "breast_cancer": "mean radius"}


def test_copy_fresh_shifted_and_garbage_rank_in_that_order(table):
    name, frame = table
    train, holdout, fresh = _split(frame, 0)
    column = SHIFTED[name]
    shifted = fresh.assign(**{column: fresh[column] + 4 * float(train[column].std())})
    variants = {
        "copy": train,
        "fresh": fresh,
        "shifted": shifted,
        "garbage": _uniform(fresh, train, np.random.default_rng(0)),
    }
    results = {label: _result(train, variant, holdout) for label, variant in variants.items()}
    scores = {label: r.score for label, r in results.items()}
    assert scores["copy"] == 1.0
    # fresh rows agree within noise, so they may score 1 as well
    assert scores["copy"] >= scores["fresh"] > scores["shifted"] > scores["garbage"], scores
    assert scores["fresh"] >= 0.97
    assert _column(results["shifted"], column)["score"] < 0.3
    assert scores["garbage"] < 0.6

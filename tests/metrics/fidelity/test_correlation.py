"""``correlation``: every association checked against a hand-computed value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association

import sdq
from sdq.metrics.fidelity.correlation import correlation_ratio, cramers_v, masked_pearson

NAME = "correlation"


def _result(real, synthetic, holdout=None, n_bootstrap=0):
    result = sdq.evaluate(real, synthetic, holdout, metrics=[NAME], config=sdq.Config(n_bootstrap=n_bootstrap))[NAME]
    assert result.status == "ok", result.message
    return result


def _matrix_value(result, name: str, a: str, b: str) -> float:
    columns = result.details["columns"]
    return result.details["matrices"][name][columns.index(a)][columns.index(b)]


def _bias_corrected_v(table) -> float:
    """Bergsma's bias-corrected Cramer's V, from its definition:

    phi2 = chi2 / n;  phi2~ = max(0, phi2 - (k-1)(r-1)/(n-1));  r~ = r - (r-1)^2/(n-1);
    k~ = k - (k-1)^2/(n-1);  V = sqrt(phi2~ / min(k~ - 1, r~ - 1)).
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    r, k = t.shape
    chi2 = stats.chi2_contingency(t, correction=False)[0]
    phi2 = chi2 / n
    phi2_c = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r_c = r - (r - 1) ** 2 / (n - 1)
    k_c = k - (k - 1) ** 2 / (n - 1)
    return float(np.sqrt(phi2_c / min(k_c - 1, r_c - 1)))


def _eta_by_hand(groups, values) -> float:
    """Correlation ratio from its definition: eta^2 = SS_between / SS_total over present values,
    adjusted 1 - (1 - eta^2)(N - 1)/(N - G), floored at 0, square root."""
    frame = pd.DataFrame({"g": groups, "y": values}).dropna(subset=["y"])
    y = frame["y"].to_numpy(dtype=float)
    grand = y.mean()
    ss_total = float(((y - grand) ** 2).sum())
    ss_between = float(sum(len(g) * (g.mean() - grand) ** 2 for _, g in frame.groupby("g", dropna=False)["y"]))
    n, n_groups = len(y), frame["g"].nunique(dropna=False)
    adjusted = 1 - (1 - ss_between / ss_total) * (n - 1) / (n - n_groups)
    return float(np.sqrt(max(0.0, adjusted)))


# -- the association functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        [[20, 5, 10], [3, 30, 12]],
        [[50, 10], [15, 45]],
        [[12, 7, 3, 9], [4, 15, 6, 2], [8, 3, 20, 5]],
    ],
)
def test_cramers_v_is_bias_corrected(table):
    got = float(cramers_v(np.array(table)))
    assert got == pytest.approx(_bias_corrected_v(table), rel=1e-10)
    # below the uncorrected V, and not its square
    uncorrected = association(np.array(table), method="cramer", correction=False)
    assert got < uncorrected
    assert got > uncorrected**2


def test_cramers_v_approaches_the_uncorrected_value_for_large_samples():
    table = np.array([[2000, 500, 1000], [300, 3000, 1200]])
    assert float(cramers_v(table)) == pytest.approx(association(table, method="cramer"), abs=1e-3)


def test_cramers_v_extremes_and_empty_margins():
    assert float(cramers_v(np.array([[60, 0], [0, 40]]))) == pytest.approx(1.0, abs=1e-9)
    assert float(cramers_v(np.array([[30, 30], [20, 20]]))) == 0.0
    padded = np.array([[20, 0, 5, 10], [0, 0, 0, 0], [3, 0, 30, 12]])
    assert float(cramers_v(padded)) == pytest.approx(_bias_corrected_v([[20, 5, 10], [3, 30, 12]]))


def test_correlation_ratio_by_hand():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 3, size=60)
    values = groups * 1.5 + rng.normal(size=60)
    got = float(correlation_ratio(groups, values, 3))
    assert got == pytest.approx(_eta_by_hand(groups, values), rel=1e-10)
    assert 0.5 < got < 1.0


def test_correlation_ratio_is_not_squared():
    # eta^2 = SS_between / SS_total = 4.5 / (4.5 + 4) for these values (computed by hand)
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    values = np.array([0.0, 1.0, 2.0, 1.0, 1.5, 2.5, 3.5, 2.5])
    eta2 = 4.5 / 8.5
    expected = np.sqrt(1 - (1 - eta2) * 7 / 6)
    assert float(correlation_ratio(groups, values, 2)) == pytest.approx(expected, rel=1e-10)


def test_correlation_ratio_ignores_missing_values_and_unused_groups():
    groups = np.array([0, 0, 0, 2, 2, 2, 2, 0])
    values = np.array([1.0, 2.0, np.nan, 4.0, 5.5, 6.0, np.nan, 1.5])
    got = float(correlation_ratio(groups, values, 5))
    assert got == pytest.approx(_eta_by_hand(groups, values), rel=1e-10)


def test_correlation_ratio_of_unrelated_values_is_zero():
    groups = np.array([0, 1] * 50)
    values = np.repeat(np.arange(50.0), 2)  # each value once in each group
    assert float(correlation_ratio(groups, values, 2)) == 0.0


@pytest.mark.parametrize("seed", [0, 1])
def test_masked_pearson_against_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=80)
    y = 0.3 * x + rng.normal(size=80)
    x[[3, 10]] = np.nan
    y[[10, 20, 30]] = np.nan
    mask = ~(np.isnan(x) | np.isnan(y))
    expected = stats.pearsonr(x[mask], y[mask])[0]
    assert float(masked_pearson(x, y)) == pytest.approx(expected, rel=1e-10)
    assert float(masked_pearson(x, np.full(80, 2.0))) == 0.0


# -- the metric ---------------------------------------------------------------------------------


def _numeric_pair(n, rho, seed, sign=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": sign * (rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n))})


def _spearman_by_hand(x, y) -> float:
    """Pearson's r of the mid-ranks (tied values share the mean of their ranks)."""
    rx, ry = pd.Series(x).rank(method="average").to_numpy(), pd.Series(y).rank(method="average").to_numpy()
    dx, dy = rx - rx.mean(), ry - ry.mean()
    return float((dx * dy).sum() / np.sqrt((dx * dx).sum() * (dy * dy).sum()))


def test_spearman_with_ties_by_hand():
    # x = 1, 2, 2, 4 and y = 10, 20, 20, 15: mid-ranks 1, 2.5, 2.5, 4 and 1, 3.5, 3.5, 2; centred
    # -1.5, 0, 0, 1.5 and -1.5, 1, 1, -0.5: r = 1.5 / sqrt(4.5 * 4.5) = 1/3. Repeated 25 times (the
    # ranks of the repeated values are an affine map of these), which makes rho significant.
    real = pd.DataFrame({"x": [1.5, 2.5, 2.5, 4.5] * 25, "y": [10.5, 20.5, 20.5, 15.5] * 25})
    assert _spearman_by_hand(real["x"], real["y"]) == pytest.approx(1 / 3)
    result = _result(real, real.copy())
    assert _matrix_value(result, "real", "x", "y") == pytest.approx(1 / 3, abs=1e-4)
    assert result.details["pairs"][0]["association"] == "spearman"


def test_ordinal_and_boolean_are_ranked_by_their_order():
    # levels low < mid < high (not alphabetical) against a boolean: x = 1, 2, 2, 3 and y = 0, 1, 0, 1
    # have mid-ranks 1, 2.5, 2.5, 4 and 1.5, 3.5, 1.5, 3.5: r = 3 / sqrt(4.5 * 4) = 0.7071
    levels = ["low", "mid", "high"]
    x = pd.Categorical(["low", "mid", "mid", "high"] * 25, categories=levels, ordered=True)
    real = pd.DataFrame({"x": x, "y": [False, True, False, True] * 25})
    result = _result(real, real.copy())
    assert result.details["kinds"] == ["ordinal", "boolean"]
    assert result.details["pairs"][0]["association"] == "spearman"
    assert _matrix_value(result, "real", "x", "y") == pytest.approx(3 / np.sqrt(18), abs=1e-4)
    # read alphabetically (high < low < mid) it would be another value
    assert _spearman_by_hand(x.astype(str), real["y"]) != pytest.approx(3 / np.sqrt(18), abs=1e-2)


def test_the_measure_of_each_pair():
    rng = np.random.default_rng(8)
    n = 400
    x = rng.normal(size=n)
    real = pd.DataFrame(
        {
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(np.argsort(np.argsort(x)), unit="D"),
            "x": x + 0.1 * rng.normal(size=n),
            "flag": x > 0,
            "rating": np.clip(np.round(x * 1.5 + 4), 1, 7).astype(int),
            "colour": np.where(x + rng.normal(size=n) > 0, "red", "blue"),
        }
    )
    result = _result(real, real.copy())
    assert result.details["kinds"] == ["datetime", "numeric", "boolean", "ordinal", "categorical"]
    pairs = pd.DataFrame(
        [(*p["columns"], p["association"]) for p in result.details["pairs"]], columns=["a", "b", "measure"]
    )
    measure = {(a, b): m for a, b, m in pairs.itertuples(index=False)}
    # every pair of ordered columns (numeric, datetime, boolean, ordinal) is signed Spearman
    for pair in [("when", "x"), ("when", "flag"), ("x", "flag"), ("x", "rating"), ("flag", "rating")]:
        assert measure.get(pair, "spearman") == "spearman", pair
    assert measure[("x", "colour")] == "correlation_ratio"
    assert measure[("rating", "colour")] == "correlation_ratio"
    assert measure[("flag", "colour")] == "cramers_v"


def test_spearman_with_missing_values_ranks_each_column_over_its_present_values():
    rng = np.random.default_rng(4)
    real = _numeric_pair(200, 0.6, 5)
    real.loc[rng.choice(200, 20, replace=False), "x"] = np.nan
    real.loc[rng.choice(200, 15, replace=False), "y"] = np.nan
    rank_x = pd.Series(real["x"]).rank().to_numpy()
    rank_y = pd.Series(real["y"]).rank().to_numpy()
    both = ~(np.isnan(rank_x) | np.isnan(rank_y))
    expected = stats.pearsonr(rank_x[both], rank_y[both])[0]
    result = _result(real, real.copy())
    assert _matrix_value(result, "real", "x", "y") == pytest.approx(expected, abs=1e-4)


def test_categorical_pair_is_bias_corrected_cramers_v_with_missing_as_a_category():
    rng = np.random.default_rng(6)
    n = 300
    a = rng.choice(["p", "q", "r"], size=n).astype(object)
    b = np.where(
        rng.random(n) < 0.6, pd.Series(a).map({"p": "u", "q": "v", "r": "w"}), rng.choice(["u", "v", "w"], size=n)
    ).astype(object)
    b[rng.random(n) < 0.1] = None
    real = pd.DataFrame({"a": a, "b": b})
    table = pd.crosstab(real["a"], real["b"].fillna("(missing)")).to_numpy()
    expected = _bias_corrected_v(table)
    result = _result(real, real.copy())
    assert _matrix_value(result, "real", "a", "b") == pytest.approx(expected, abs=1e-4)
    assert result.details["pairs"][0]["association"] == "cramers_v"


def test_numeric_categorical_pair_is_the_correlation_ratio():
    rng = np.random.default_rng(7)
    n = 300
    g = rng.choice(["lo", "mid", "hi"], size=n).astype(object)
    y = pd.Series(g).map({"lo": 0.0, "mid": 0.5, "hi": 1.5}).to_numpy() + rng.normal(size=n)
    g[rng.random(n) < 0.1] = None  # a group of its own
    y[rng.random(n) < 0.05] = np.nan  # left out
    real = pd.DataFrame({"y": y, "g": g})
    expected = _eta_by_hand(real["g"].fillna("(missing)"), real["y"])
    result = _result(real, real.copy())
    assert _matrix_value(result, "real", "y", "g") == pytest.approx(expected, abs=1e-4)
    assert result.details["pairs"][0]["association"] == "correlation_ratio"


def test_the_score_is_the_share_of_the_real_association_kept():
    # at 4,000 rows the noise allowance is about 1e-4 of the difference: the share kept is
    # 1 - |rho_real - rho_synthetic| / |rho_real| to about 1e-3
    real, synthetic = _numeric_pair(4000, 0.8, 1), _numeric_pair(4000, 0.3, 2)
    rho_real = stats.spearmanr(real["x"], real["y"])[0]
    rho_synthetic = stats.spearmanr(synthetic["x"], synthetic["y"])[0]
    result = _result(real, synthetic)
    assert _matrix_value(result, "synthetic", "x", "y") == pytest.approx(rho_synthetic, abs=1e-4)
    assert result.score == pytest.approx(1 - abs(rho_real - rho_synthetic) / abs(rho_real), abs=2e-3)
    assert 0.3 < result.score < 0.45
    # twice the real association keeps nothing either
    stronger = _result(_numeric_pair(4000, 0.4, 3), _numeric_pair(4000, 0.9, 4))
    assert stronger.score == 0.0


def test_a_reversed_correlation_keeps_nothing():
    real = _numeric_pair(400, 0.7, 3)
    assert _result(real, real.assign(y=-real["y"])).score == 0.0
    assert _result(real, real.copy()).score == 1.0


def test_pairs_are_weighted_by_their_real_association():
    rng = np.random.default_rng(9)
    n = 5000
    x = rng.normal(size=n)
    real = pd.DataFrame({"x": x, "y": 0.9 * x + 0.45 * rng.normal(size=n), "z": 0.4 * x + rng.normal(size=n)})
    # the synthetic data keeps (x, y), loses (x, z) and (y, z): z is shuffled
    synthetic = real.assign(z=rng.permutation(real["z"].to_numpy()))
    kept, weights = [], []
    for u, v in (("x", "y"), ("x", "z"), ("y", "z")):
        r = stats.spearmanr(real[u], real[v])[0]
        s = stats.spearmanr(synthetic[u], synthetic[v])[0]
        kept.append(float(np.clip(1 - abs(r - s) / abs(r), 0, 1)))
        weights.append(abs(r))
    expected = float(np.dot(kept, weights) / np.sum(weights))
    result = _result(real, synthetic)
    assert result.score == pytest.approx(expected, abs=5e-3)
    # the strong pair kept is about half of the real association: (x, y) 0.9 against 0.37 + 0.33
    assert 0.5 < result.score < 0.65


def test_only_associations_the_real_data_shows_count():
    rng = np.random.default_rng(10)
    n = 500
    x = rng.normal(size=n)
    real = pd.DataFrame({"x": x, "y": x + rng.normal(size=n), "z": rng.normal(size=n)})
    # the synthetic data keeps (x, y) and invents a strong (x, z): not scored (no real association)
    synthetic = real.assign(z=real["x"] + 0.1 * rng.normal(size=n))
    result = _result(real, synthetic)
    assert result.details["n_counted"] == 1 and result.details["n_pairs"] == 3
    assert result.score == 1.0
    assert [c["column"] for c in result.details["column_scores"]] == ["x", "y"]


def test_sampling_noise_is_not_counted_as_lost():
    # fresh samples of the same distribution lose nothing but noise: the share kept, net of it,
    # is above the raw share 1 - |r - s| / |r|, and near 1
    real, fresh = _numeric_pair(150, 0.5, 11), _numeric_pair(150, 0.5, 12)
    r, s = stats.spearmanr(real["x"], real["y"])[0], stats.spearmanr(fresh["x"], fresh["y"])[0]
    result = _result(real, fresh)
    assert result.score >= 1 - abs(r - s) / abs(r)
    assert result.score > 0.9


def test_skipped_without_an_association_beyond_chance():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and "beyond chance" in result.message


def test_skipped_with_fewer_than_two_columns():
    real = pd.DataFrame({"x": np.random.default_rng(0).normal(size=50), "k": ["c"] * 50})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and result.message


def test_baseline_interval_and_standard_errors():
    real, synthetic, holdout = _numeric_pair(300, 0.6, 10), _numeric_pair(300, 0.2, 11), _numeric_pair(300, 0.6, 12)
    result = _result(real, synthetic, holdout, n_bootstrap=100)
    assert result.baseline > result.score + 0.1
    assert set(result.details["matrices"]) == {"real", "synthetic", "holdout"}
    se = result.details["se"]
    low, high = result.ci
    assert low == pytest.approx(max(0.0, result.score - 1.96 * se), abs=1e-5)
    assert high == pytest.approx(min(1.0, result.score + 1.96 * se), abs=1e-5)
    columns = {c["column"]: c for c in result.details["column_scores"]}
    # one pair: each column's score is the pair's, its se the score's
    assert columns["x"]["score"] == pytest.approx(result.score, abs=1e-4)
    assert columns["x"]["se"] == pytest.approx(se, abs=1e-4) and se > 0
    assert columns["x"]["baseline"] == pytest.approx(result.baseline, abs=1e-4)


def test_row_and_column_order_change_nothing():
    rng = np.random.default_rng(13)
    n = 300
    x = rng.normal(size=n)
    real = pd.DataFrame(
        {
            "x": x,
            "y": x + rng.normal(size=n),
            "r": np.clip(np.round(x + 3), 1, 5).astype(int),
            "c": np.where(x > 0.3, "a", "b"),
        }
    )
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True).assign(y=lambda f: f["y"] * 0.5)
    config = sdq.Config(n_bootstrap=30)
    first = sdq.evaluate(real, synthetic, metrics=[NAME], config=config)[NAME]
    shuffled = sdq.evaluate(
        real.sample(frac=1.0, random_state=2)[["c", "r", "y", "x"]],
        synthetic.sample(frac=1.0, random_state=3)[["r", "x", "c", "y"]],
        metrics=[NAME],
        config=config,
    )[NAME]
    assert (shuffled.score, shuffled.ci) == (first.score, first.ci)
    by_column = lambda result: {c["column"]: c for c in result.details["column_scores"]}  # noqa: E731
    assert by_column(shuffled) == by_column(first)


def test_numbers_near_the_float_limits_give_a_valid_score():
    # values of +/-1e308: centring and squaring them overflowed to inf and the score was NaN
    rng = np.random.default_rng(12)
    x = rng.normal(size=200)
    c = np.where(x > 0, "pos", "neg")
    real = pd.DataFrame({"x": x * 1e307, "c": c})
    real.loc[0, "x"], real.loc[1, "x"] = 1.7e308, -1.7e308
    result = sdq.evaluate(real, real.copy(), metrics=[NAME], config=sdq.Config(n_bootstrap=0))[NAME]
    assert result.status == "ok", result.message
    assert result.score == pytest.approx(1.0)
    small = sdq.evaluate(
        real.assign(x=real["x"] / 1e307),
        real.assign(x=real["x"] / 1e307),
        metrics=[NAME],
        config=sdq.Config(n_bootstrap=0),
    )[NAME]
    assert result.details["pairs"][0]["real"] == small.details["pairs"][0]["real"] > 0.2

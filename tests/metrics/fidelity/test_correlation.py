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


def test_numeric_pair_is_spearman_and_scored_over_range_two():
    real, synthetic = _numeric_pair(300, 0.8, 1), _numeric_pair(250, 0.3, 2)
    rho_real = stats.spearmanr(real["x"], real["y"])[0]
    rho_synthetic = stats.spearmanr(synthetic["x"], synthetic["y"])[0]
    result = _result(real, synthetic)
    assert _matrix_value(result, "real", "x", "y") == pytest.approx(rho_real, abs=1e-4)
    assert _matrix_value(result, "synthetic", "x", "y") == pytest.approx(rho_synthetic, abs=1e-4)
    assert result.score == pytest.approx(1 - abs(rho_real - rho_synthetic) / 2, abs=1e-12)
    assert result.details["pairs"][0]["association"] == "spearman"
    pearson = result.details["pearson"][0]
    assert pearson["real"] == pytest.approx(stats.pearsonr(real["x"], real["y"])[0], abs=1e-4)


def test_a_reversed_correlation_is_penalised_by_its_sign():
    real = _numeric_pair(400, 0.7, 3)
    reversed_ = real.assign(y=-real["y"])
    rho = stats.spearmanr(real["x"], real["y"])[0]
    # rho against -rho: similarity 1 - 2|rho| / 2
    assert _result(real, reversed_).score == pytest.approx(1 - abs(rho), abs=1e-9)


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


def test_boolean_counts_as_categorical_and_datetime_as_numeric():
    rng = np.random.default_rng(8)
    n = 200
    x = rng.normal(size=n)
    real = pd.DataFrame(
        {
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(np.argsort(np.argsort(x)), unit="D"),
            "x": x + 0.1 * rng.normal(size=n),
            "flag": x > 0,
        }
    )
    result = _result(real, real.copy())
    kinds = {tuple(p["columns"]): p["association"] for p in result.details["pairs"]}
    assert kinds[("when", "x")] == "spearman"
    assert kinds[("when", "flag")] == "correlation_ratio"
    assert kinds[("x", "flag")] == "correlation_ratio"


def test_dependence_weighted_mean_by_hand():
    rng = np.random.default_rng(9)
    n = 500
    x = rng.normal(size=n)
    real = pd.DataFrame({"x": x, "y": x + 0.5 * rng.normal(size=n), "z": rng.normal(size=n)})
    synthetic = pd.DataFrame({k: rng.permutation(v.to_numpy()) for k, v in real.items()})
    sims, weights = [], []
    for u, v in (("x", "y"), ("x", "z"), ("y", "z")):
        r = stats.spearmanr(real[u], real[v])[0]
        s = stats.spearmanr(synthetic[u], synthetic[v])[0]
        sims.append(1 - abs(r - s) / 2)
        weights.append(max(abs(r), abs(s), 1e-3))
    expected = float(np.dot(sims, weights) / np.sum(weights))
    result = _result(real, synthetic)
    assert result.score == pytest.approx(expected, abs=1e-9)
    assert result.score < np.mean(sims) - 0.05


def test_baseline_and_details_with_a_holdout():
    real, synthetic, holdout = _numeric_pair(300, 0.6, 10), _numeric_pair(300, 0.2, 11), _numeric_pair(300, 0.6, 12)
    result = _result(real, synthetic, holdout, n_bootstrap=50)
    rho_real = stats.spearmanr(real["x"], real["y"])[0]
    rho_holdout = stats.spearmanr(holdout["x"], holdout["y"])[0]
    assert result.baseline == pytest.approx(1 - abs(rho_real - rho_holdout) / 2, abs=1e-12)
    assert result.baseline > result.score
    assert set(result.details["matrices"]) == {"real", "synthetic", "holdout"}
    low, high = result.ci
    assert low <= result.score <= high


def test_skipped_with_fewer_than_two_columns():
    real = pd.DataFrame({"x": np.random.default_rng(0).normal(size=50), "k": ["c"] * 50})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and result.message


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

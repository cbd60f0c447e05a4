"""``mutual_information``: normalised MI checked against hand computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import mutual_info_score

import sdq
from sdq.metrics.fidelity.mutual_information import g_threshold, nmi

NAME = "mutual_information"


def _result(real, synthetic, holdout=None, n_bootstrap=0):
    result = sdq.evaluate(real, synthetic, holdout, metrics=[NAME], config=sdq.Config(n_bootstrap=n_bootstrap))[NAME]
    assert result.status == "ok", result.message
    return result


def _nmi_by_hand(table) -> float:
    """NMI = max(0, MI - (K_xy - K_x - K_y + 1) / (2n)) / sqrt(H_x H_y), in nats, from the docstring."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    p = t / n
    px, py = p.sum(axis=1), p.sum(axis=0)
    hx = -sum(v * np.log(v) for v in px if v > 0)
    hy = -sum(v * np.log(v) for v in py if v > 0)
    mi = sum(
        p[i, j] * np.log(p[i, j] / (px[i] * py[j])) for i in range(t.shape[0]) for j in range(t.shape[1]) if p[i, j] > 0
    )
    k_xy, k_x, k_y = (t > 0).sum(), (t.sum(axis=1) > 0).sum(), (t.sum(axis=0) > 0).sum()
    corrected = max(0.0, mi - (k_xy - k_x - k_y + 1) / (2 * n))
    if hx * hy <= 0:
        return 0.0
    return min(1.0, corrected / np.sqrt(hx * hy))


def _crosstab(a: pd.Series, b: pd.Series) -> np.ndarray:
    return pd.crosstab(a, b).to_numpy()


def test_nmi_of_a_hand_table():
    table = np.array([[30, 10], [5, 55]])
    # the plug-in MI agrees with an independent implementation
    px, py = table.sum(1) / 100, table.sum(0) / 100
    mi_plugin = sum(table[i, j] / 100 * np.log(table[i, j] / 100 / (px[i] * py[j])) for i in range(2) for j in range(2))
    assert mi_plugin == pytest.approx(mutual_info_score(None, None, contingency=table))
    hx = -(px * np.log(px)).sum()
    hy = -(py * np.log(py)).sum()
    expected = (mi_plugin - (4 - 2 - 2 + 1) / 200) / np.sqrt(hx * hy)
    assert float(nmi(table)) == pytest.approx(expected, rel=1e-12)
    assert 0.2 < expected < 0.5  # a moderate dependence, well inside (0, 1)


def test_nmi_batches_along_leading_axes():
    tables = np.array([[[30, 10], [5, 55]], [[25, 25], [25, 25]], [[50, 0], [0, 50]]])
    np.testing.assert_allclose(nmi(tables), [_nmi_by_hand(t) for t in tables], rtol=1e-12)


def test_nmi_of_a_constant_margin_is_zero():
    assert float(nmi(np.array([[40, 60], [0, 0]]))) == 0.0
    assert float(nmi(np.zeros((3, 3)))) == 0.0


def test_nmi_ignores_empty_rows_and_columns():
    table = np.array([[30, 0, 10], [0, 0, 0], [5, 0, 55]])
    assert float(nmi(table)) == pytest.approx(float(nmi(np.array([[30, 10], [5, 55]]))), rel=1e-12)


def test_determined_columns_have_nmi_one_and_independent_columns_zero():
    rng = np.random.default_rng(0)
    x = rng.choice(["a", "b", "c", "d"], size=2000)
    y_determined = pd.Series(x).map({"a": "p", "b": "q", "c": "r", "d": "p"}).to_numpy()
    y_independent = rng.choice(["p", "q", "r"], size=2000)
    determined = _crosstab(pd.Series(x), pd.Series(x))
    assert float(nmi(determined)) == pytest.approx(1.0)
    # a many-to-one map: y is determined by x (H(y|x) = 0), normalised by sqrt(H_x H_y) < 1
    assert 0.5 < float(nmi(_crosstab(pd.Series(x), pd.Series(y_determined)))) < 1.0
    assert float(nmi(_crosstab(pd.Series(x), pd.Series(y_independent)))) < 0.005


def test_independent_columns_have_no_dependence_to_keep():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.exponential(size=3000)})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and "beyond chance" in result.message


@pytest.mark.parametrize(
    "table",
    [[[30, 10], [5, 55]], [[12, 7, 3], [4, 15, 6], [8, 3, 20]], [[20, 18, 22], [19, 21, 20]]],
    ids=["strong", "three-by-three", "weak"],
)
def test_the_g_test_decides_which_pairs_count(table):
    # the bias-corrected MI is above the threshold exactly where the G-test of independence
    # (G = 2 n MI, chi-square with (r - 1)(k - 1) degrees of freedom) rejects at the level
    table = np.array(table)
    g, p_value, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    mi_plugin = mutual_info_score(None, None, contingency=table)
    assert g == pytest.approx(2 * table.sum() * mi_plugin)
    k_xy = (table > 0).sum()
    mi_mm = mi_plugin - (k_xy - table.shape[0] - table.shape[1] + 1) / (2 * table.sum())
    for level in (0.05, 0.001):
        assert (mi_mm > g_threshold(table, level)) == (p_value < level), (level, p_value)


def test_a_non_linear_dependence_is_seen():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=3000)
    real = pd.DataFrame({"x": x, "y": x**2 + 0.01 * rng.normal(size=3000)})
    result = _result(real, real.copy())
    assert np.array(result.details["matrices"]["real"], dtype=float)[0, 1] > 0.4


def _mi_mm_by_hand(table) -> float:
    """The plug-in MI (nats) less the Miller-Madow term (K_xy - K_x - K_y + 1) / (2n)."""
    t = np.asarray(table, dtype=float)
    k_xy, k_x, k_y = (t > 0).sum(), (t.sum(axis=1) > 0).sum(), (t.sum(axis=0) > 0).sum()
    return mutual_info_score(None, None, contingency=t) - (k_xy - k_x - k_y + 1) / (2 * t.sum())


def test_single_pair_score_is_the_share_of_the_nmi_kept():
    # real: y = x exactly (NMI 1); synthetic: a partial dependence. Its MI is divided by the real
    # columns' sqrt(H_x H_y) = ln 2 (not by its own entropies), and the share kept is
    # 1 - (1 - MI_synthetic / ln 2) / 1, less a little noise (a fresh 100-row sample's margins are
    # not exactly 50/50, so in the real units its reading varies by a few thousandths).
    real = pd.DataFrame({"x": ["a"] * 50 + ["b"] * 50, "y": ["a"] * 50 + ["b"] * 50})
    synthetic = pd.DataFrame({"x": ["a"] * 40 + ["b"] * 60, "y": ["a"] * 30 + ["b"] * 10 + ["a"] * 5 + ["b"] * 55})
    in_real_units = _mi_mm_by_hand([[30, 10], [5, 55]]) / np.log(2)
    assert in_real_units != pytest.approx(_nmi_by_hand([[30, 10], [5, 55]]), abs=1e-3)  # its own NMI differs
    result = _result(real, synthetic)
    assert result.score == pytest.approx(in_real_units, abs=1e-3)
    pair = result.details["pairs"][0]
    assert pair["real"] == pytest.approx(1.0) and pair["synthetic"] == pytest.approx(in_real_units, abs=1e-4)
    assert pair["similarity"] == pytest.approx(in_real_units, abs=1e-3)


def test_a_column_collapsed_to_few_values_carries_no_borrowed_dependence():
    # the synthetic x is nearly constant: its MI with y is tiny, but divided by its own tiny
    # entropy it looked like dependence; in the real columns' units it keeps almost nothing
    rng = np.random.default_rng(2)
    n = 2000
    x = rng.integers(0, 4, n)
    real = pd.DataFrame({"x": x.astype(str), "y": np.where(rng.random(n) < 0.8, x, rng.integers(0, 4, n)).astype(str)})
    xs = np.where(rng.random(n) < 0.97, 0, rng.integers(0, 4, n))
    synthetic = pd.DataFrame({"x": xs.astype(str), "y": np.where(xs > 0, xs, rng.integers(0, 4, n)).astype(str)})
    own = float(nmi(_crosstab(synthetic["x"], synthetic["y"])))
    result = _result(real, synthetic)
    assert result.details["pairs"][0]["synthetic"] < own / 2
    assert result.score < 0.15


def test_pairs_are_weighted_by_their_squared_real_nmi():
    rng = np.random.default_rng(3)
    n = 6000
    a = rng.choice(["a1", "a2", "a3"], size=n)
    b = np.where(rng.random(n) < 0.8, pd.Series(a).map({"a1": "b1", "a2": "b2", "a3": "b1"}), "b3")
    c = np.where(
        rng.random(n) < 0.8, pd.Series(a).map({"a1": "c1", "a2": "c2", "a3": "c2"}), rng.choice(["c1", "c2"], n)
    )
    real = pd.DataFrame({"a": a, "b": b, "c": c})
    # synthetic: c shuffled, which keeps (a, b) and loses (a, c) and (b, c)
    synthetic = real.assign(c=rng.permutation(c))
    kept, weights = [], []
    for u, v in itertools.combinations(real.columns, 2):
        r = _nmi_by_hand(_crosstab(real[u], real[v]))
        s = _nmi_by_hand(_crosstab(synthetic[u], synthetic[v]))
        kept.append(float(np.clip(1 - abs(r - s) / r, 0, 1)))
        weights.append(r**2)
    expected = float(np.dot(kept, weights) / np.sum(weights))
    result = _result(real, synthetic)
    assert result.details["n_counted"] == 3
    # at 6,000 rows the noise allowance moves the weak pairs' shares a little
    assert result.score == pytest.approx(expected, abs=0.01)
    assert 0.3 < result.score < 0.9


def test_shuffled_columns_keep_nothing_and_a_fresh_sample_nearly_all():
    rng = np.random.default_rng(4)

    def draw(n):
        x = rng.normal(size=n)
        return pd.DataFrame(
            {"x": x, "y": x + 0.5 * rng.normal(size=n), "c": np.where(x + rng.normal(size=n) > 0, "hi", "lo")}
        )

    real, fresh = draw(1500), draw(1500)
    shuffled = pd.DataFrame({k: rng.permutation(v.to_numpy()) for k, v in fresh.items()})
    result_fresh = _result(real, fresh, holdout=fresh)
    result_shuffled = _result(real, shuffled)
    assert result_fresh.score > 0.95
    assert result_shuffled.score < 0.05
    assert result_fresh.baseline == pytest.approx(result_fresh.score)


def test_a_copy_jittered_by_a_millionth_keeps_the_dependence_of_few_valued_columns():
    # two dependent numeric columns with few distinct values each: a copy off by 1e-6 keeps every
    # dependence, so it must score as the copy itself does
    rng = np.random.default_rng(6)
    x = rng.choice([0.5, 1.5, 2.5, 3.5], size=600)
    y = x * 2.5 + rng.choice([0.0, 0.25], size=600)
    real = pd.DataFrame({"x": x, "y": y})
    jittered = real + rng.choice([-1e-6, 1e-6], size=(600, 2))
    assert _result(real, jittered).score == pytest.approx(1.0, abs=1e-12)


def test_details_hold_the_matrices_and_pairs():
    rng = np.random.default_rng(5)
    x = rng.normal(size=300)
    real = pd.DataFrame({"x": x, "y": -x + rng.normal(size=300), "c": rng.choice(["u", "v"], size=300)})
    result = _result(real, real.sample(frac=1.0, random_state=0), holdout=real.sample(frac=1.0, random_state=1))
    details = result.details
    assert details["columns"] == ["x", "y", "c"]
    assert set(details["matrices"]) == {"real", "synthetic", "holdout"}
    for matrix in details["matrices"].values():
        m = np.array(matrix, dtype=float)
        assert m.shape == (3, 3)
        np.testing.assert_allclose(m, m.T)
        np.testing.assert_allclose(np.diag(m), 1.0)
        # x and y depend on each other (about 0.15 here), c on neither
        assert m[0, 1] > 0.1 and m[0, 2] < 0.02 and m[1, 2] < 0.02, m
    # the synthetic rows are the real rows in another order: the same matrix
    np.testing.assert_allclose(details["matrices"]["synthetic"], details["matrices"]["real"], atol=1e-12)
    assert details["n_pairs"] == 3 and details["pairs_sampled"] is False


def test_intervals_and_per_column_standard_errors_come_from_joint_row_resamples():
    rng = np.random.default_rng(7)
    n = 800
    x = rng.normal(size=n)
    real = pd.DataFrame({"x": x, "y": x + rng.normal(size=n), "z": x + 2 * rng.normal(size=n)})
    synthetic = real.assign(z=rng.permutation(real["z"].to_numpy()))
    result = _result(real, synthetic, n_bootstrap=100)
    assert result.details["bootstrap"] == "rows"
    se = result.details["se"]
    assert result.ci == pytest.approx(
        (max(0.0, result.score - 1.96 * se), min(1.0, result.score + 1.96 * se)), abs=1e-5
    )
    columns = {c["column"]: c for c in result.details["column_scores"]}
    assert set(columns) == {"x", "y", "z"}
    assert all(c["se"] > 0 for c in columns.values())
    # z lost both its pairs, x and y keep the one they share
    assert columns["z"]["score"] < 0.15 < 0.5 < columns["x"]["score"]


def test_skipped_with_fewer_than_two_dependent_columns():
    real = pd.DataFrame({"x": np.arange(30.0) % 7, "k": ["same"] * 30})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and result.message


def _randhie_draws(n_small: int, draws: int):
    import statsmodels.datasets.randhie as randhie

    data = randhie.load_pandas().data
    for seed in range(draws):
        order = np.random.default_rng(seed).permutation(len(data))
        yield (
            data.iloc[order[:8000]],
            data.iloc[order[8000 : 8000 + n_small]],
            data.iloc[order[10000 : 10000 + n_small]],
        )


def test_a_small_fresh_sample_keeps_weak_real_dependence():
    # randhie's `mdvis` (doctor visits) depends only weakly on the other columns (NMI 0.01-0.02,
    # significant on 8,000 rows); 500 fresh rows read those pairs two to three times as strong,
    # which, read against the real strength, looked like dependence lost (0.36 kept on average).
    # Read against what 500 fresh rows read, fresh rows keep most of it, and the metric's score
    # stays at its baseline.
    kept, scores = [], []
    for real, holdout, fresh in _randhie_draws(500, 4):
        result = _result(real, fresh, holdout)
        kept.append({c["column"]: c["score"] for c in result.details["column_scores"]}["mdvis"])
        scores.append(result.score - result.baseline)
    assert np.mean(kept) > 0.7, kept
    assert abs(np.mean(scores)) < 0.05, scores


def test_a_column_within_sampling_noise_is_not_tested_on_its_own():
    real, holdout, fresh = next(_randhie_draws(500, 1))
    rng = np.random.default_rng(0)
    shuffled = fresh.apply(lambda c: rng.permutation(c.to_numpy()))  # each column on its own
    for synthetic in (fresh, shuffled):
        result = _result(real, synthetic, holdout, n_bootstrap=30)
        entries = {c["column"]: c for c in result.details["column_scores"]}
        weak, strong = entries["mdvis"], entries["lncoins"]
        # mdvis' real dependence is weaker than the noise of its differences at 500 rows
        assert weak["noise_ratio"] > 0.5 and "se" not in weak and "not tested" in weak["note"]
        assert strong["noise_ratio"] < 0.5 and strong["se"] > 0 and "note" not in strong
        report = sdq.evaluate(real, synthetic, holdout, metrics=[NAME], config=sdq.Config(n_bootstrap=30))
        tested = {f.column for f in report.findings}
        assert "mdvis" not in tested
    # independently shuffled columns lose the dependence of the columns that can be judged
    assert strong["score"] < 0.2 < 0.8 < strong["baseline"]
    assert "lncoins" in tested

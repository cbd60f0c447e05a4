"""``mutual_information``: normalised MI checked against hand computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mutual_info_score

import sdq
from sdq.metrics.fidelity.mutual_information import nmi

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


def test_independent_continuous_columns_are_not_dependent():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.exponential(size=3000)})
    result = _result(real, real.copy())
    matrix = np.array(result.details["matrices"]["real"], dtype=float)
    assert matrix[0, 1] < 0.01
    assert result.score == pytest.approx(1.0)


def test_a_non_linear_dependence_is_seen():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=3000)
    real = pd.DataFrame({"x": x, "y": x**2 + 0.01 * rng.normal(size=3000)})
    result = _result(real, real.copy())
    assert np.array(result.details["matrices"]["real"], dtype=float)[0, 1] > 0.4


def test_single_pair_score_is_one_minus_the_nmi_difference():
    # real: y = x exactly (NMI 1); synthetic: a partial dependence whose NMI is worked out by hand
    real = pd.DataFrame({"x": ["a"] * 50 + ["b"] * 50, "y": ["a"] * 50 + ["b"] * 50})
    synthetic = pd.DataFrame({"x": ["a"] * 40 + ["b"] * 60, "y": ["a"] * 30 + ["b"] * 10 + ["a"] * 5 + ["b"] * 55})
    nmi_synthetic = _nmi_by_hand([[30, 10], [5, 55]])
    result = _result(real, synthetic)
    assert result.score == pytest.approx(1.0 - abs(1.0 - nmi_synthetic), abs=1e-12)
    pair = result.details["pairs"][0]
    assert pair["real"] == pytest.approx(1.0) and pair["synthetic"] == pytest.approx(nmi_synthetic, abs=1e-4)


def test_dependence_weighted_mean_by_hand():
    rng = np.random.default_rng(3)
    n = 400
    a = rng.choice(["a1", "a2", "a3"], size=n)
    b = np.where(rng.random(n) < 0.8, pd.Series(a).map({"a1": "b1", "a2": "b2", "a3": "b1"}), "b3")
    c = rng.choice(["c1", "c2"], size=n)
    real = pd.DataFrame({"a": a, "b": b, "c": c})
    # synthetic: every column shuffled on its own, which keeps the marginals and breaks the pairs
    synthetic = pd.DataFrame({k: rng.permutation(v.to_numpy()) for k, v in real.items()})
    sims, weights = [], []
    for u, v in itertools.combinations(real.columns, 2):
        r = _nmi_by_hand(_crosstab(real[u], real[v]))
        s = _nmi_by_hand(_crosstab(synthetic[u], synthetic[v]))
        sims.append(1 - abs(r - s))
        weights.append(max(r, s, 1e-3))
    expected = float(np.dot(sims, weights) / np.sum(weights))
    result = _result(real, synthetic)
    assert result.score == pytest.approx(expected, abs=1e-9)
    # the plain mean over pairs would hide the lost dependence
    assert result.score < np.mean(sims) - 0.1


def test_shuffled_columns_score_below_a_fresh_sample():
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
    assert result_shuffled.score < result_fresh.score - 0.1
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


def test_skipped_with_fewer_than_two_dependent_columns():
    real = pd.DataFrame({"x": np.arange(30.0) % 7, "k": ["same"] * 30})
    result = sdq.evaluate(real, real.copy(), metrics=[NAME])[NAME]
    assert result.status == "skipped" and result.message

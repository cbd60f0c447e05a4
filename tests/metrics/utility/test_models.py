"""Scoring functions behind the utility metrics, against scikit-learn and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import r2_score, roc_auc_score

from sdq.metrics.utility.feature_importance import top_k_agreement
from sdq.metrics.utility.models import auc, chance_adjusted, primary_score, r2


def test_auc_matches_sklearn_with_ties_and_batches():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(5, 300))
    s = rng.integers(0, 10, size=(5, 300)).astype(float)  # many ties
    expected = [roc_auc_score(y[i], s[i]) for i in range(5)]
    np.testing.assert_allclose(auc(y, s), expected, atol=1e-12)


def test_auc_by_hand_and_one_class_is_nan():
    # positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 1 + 1 + 1 + 0 of 4
    assert float(auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))) == 0.75
    assert np.isnan(auc(np.array([1, 1, 1]), np.array([0.1, 0.2, 0.3])))


def test_multiclass_auc_is_one_vs_rest_macro():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=400)
    p = rng.dirichlet([1, 1, 1], size=400)
    p[np.arange(400), y] += 0.3
    p /= p.sum(axis=1, keepdims=True)
    assert float(primary_score("classification", y, p, 3)) == pytest.approx(
        roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=1e-12)


def test_r2_matches_sklearn():
    rng = np.random.default_rng(2)
    y, pred = rng.normal(size=200), rng.normal(size=200)
    assert float(r2(y, pred)) == pytest.approx(r2_score(y, pred))


def test_chance_adjustment():
    assert chance_adjusted("classification", 0.5) == 0.0
    assert chance_adjusted("classification", 1.0) == 1.0
    assert chance_adjusted("regression", 0.3) == 0.3


def test_top_k_agreement_by_hand():
    a = np.array([5.0, 4.0, 3.0, 2.0])
    assert top_k_agreement(a, a) == 1.0
    # b swaps the two most important: k=1 -> 0, k=2..4 -> 1
    assert top_k_agreement(a, np.array([4.0, 5.0, 3.0, 2.0])) == pytest.approx(3 / 4)
    # b reversed: k=1 0, k=2 0, k=3 1/3, k=4 1
    assert top_k_agreement(a, a[::-1].copy()) == pytest.approx((0 + 0 + 2 / 3 + 1) / 4)
    assert top_k_agreement(a, np.array([5.0, 4.0, 3.0, 2.0]), k_max=2) == 1.0

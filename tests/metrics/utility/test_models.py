"""Scoring functions behind the utility metrics, against scikit-learn and by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score, roc_auc_score

import sdq
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


def _utility_setup(real, synthetic, holdout, seed, target="y"):
    from sdq.data import build_tables
    from sdq.metrics.utility.models import setup
    from sdq.prepare import prepare
    from sdq.schema import fit_schema

    schema = fit_schema(real, target=target)
    return setup(prepare(build_tables(schema, real, synthetic, holdout), sdq.Config(n_bootstrap=0, seed=seed)))


@pytest.mark.parametrize("seed", range(8))
def test_holdout_halves_are_stratified_by_the_target(seed):
    # imbalanced classes: a plain random halving often puts a rare class (nearly) all in one half
    rng = np.random.default_rng(seed)
    labels = np.array(["rare"] * 4 + ["odd"] * 5 + ["common"] * 41)
    holdout = pd.DataFrame({"a": rng.normal(size=50), "y": labels})
    real = pd.DataFrame({"a": rng.normal(size=90), "y": np.resize(labels, 90)})
    s = _utility_setup(real, real, holdout, seed)
    assert sorted(np.concatenate(s.folds).tolist()) == list(range(50))
    assert abs(len(s.folds[0]) - len(s.folds[1])) <= 1
    y = s.y["holdout"]
    for c in range(s.n_classes):
        in_halves = [int((y[fold] == c).sum()) for fold in s.folds]
        assert abs(in_halves[0] - in_halves[1]) <= 1, (s.classes[c], in_halves)
    # seeded: the same halves again
    again = _utility_setup(real, real, holdout, seed)
    for a, b in zip(s.folds, again.folds):
        np.testing.assert_array_equal(a, b)


def test_holdout_halves_fall_back_to_a_plain_split_with_a_class_of_one_row():
    rng = np.random.default_rng(1)
    holdout = pd.DataFrame({"a": rng.normal(size=30), "y": ["once"] + ["many"] * 29})
    real = pd.DataFrame({"a": rng.normal(size=60), "y": ["once", "many"] * 30})
    s = _utility_setup(real, real, holdout, 0)
    assert sorted(np.concatenate(s.folds).tolist()) == list(range(30))
    assert sorted(len(f) for f in s.folds) == [15, 15]


def test_a_model_that_ranks_no_feature_agrees_with_no_ranking():
    from sdq.metrics.utility.feature_importance import ranking_agreement

    real = np.array([0.3, 0.1, 0.2])
    # all importances 0 (the constant model of a one-class synthetic target): no agreement, where
    # reading the tie as the column order scores (1 + 1/2 + 1) / 3
    assert top_k_agreement(real, np.zeros(3)) == pytest.approx(2.5 / 3)
    assert ranking_agreement(real, np.zeros(3)) == 0.0
    assert ranking_agreement(real, np.array([0.3, 0.2, 0.1])) == top_k_agreement(real, np.array([0.3, 0.2, 0.1]))

"""Scoring functions behind the utility metrics, against scikit-learn and by hand."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score, roc_auc_score

import sdq
from sdq.metrics.utility.feature_importance import agreement_interval, importance_agreement
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
        roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=1e-12
    )


def test_r2_matches_sklearn():
    rng = np.random.default_rng(2)
    y, pred = rng.normal(size=200), rng.normal(size=200)
    assert float(r2(y, pred)) == pytest.approx(r2_score(y, pred))


def test_chance_adjustment():
    assert chance_adjusted("classification", 0.5) == 0.0
    assert chance_adjusted("classification", 1.0) == 1.0
    assert chance_adjusted("regression", 0.3) == 0.3


def test_importance_agreement_by_hand():
    a = np.array([0.64, 0.36, 0.0, 0.0])
    assert importance_agreement(a, a) == pytest.approx(1.0)
    # the two most important swapped: square roots (.8, .6, 0, 0) and (.6, .8, 0, 0), mean .35 each;
    # centred (.45, .25, -.35, -.35) and (.25, .45, -.35, -.35): products .1125 + .1125 + .1225 + .1225
    # = .47 over squares .2025 + .0625 + .1225 + .1225 = .51
    assert importance_agreement(a, np.array([0.36, 0.64, 0.0, 0.0])) == pytest.approx(0.47 / 0.51)
    # what matters is the proportions, not the scale
    assert importance_agreement(a, 10 * a) == pytest.approx(1.0)
    assert importance_agreement(a, a[::-1].copy()) < 0


def test_two_random_rankings_agree_zero_on_average():
    # chance-corrected: over every order of one importance vector, the agreement averages exactly 0
    # (the top-k overlap it replaced scored two random rankings of nine features 0.555 on average)
    a = np.array([0.5, 0.3, 0.15, 0.05])
    b = np.array([0.4, 0.4, 0.2, 0.0])
    values = [importance_agreement(a, b[list(order)]) for order in itertools.permutations(range(4))]
    assert np.mean(values) == pytest.approx(0.0, abs=1e-12)
    assert max(values) > 0.9 and min(values) < -0.5


def test_agreement_interval_is_fishers():
    low, high = agreement_interval(0.5, 28)  # z = atanh(.5) = .5493, +/- 1.96 / sqrt(25)
    assert (low, high) == pytest.approx((np.tanh(0.5493 - 0.392), np.tanh(0.5493 + 0.392)), abs=1e-3)
    assert agreement_interval(0.5, 3) is None
    low, high = agreement_interval(0.9, 8)
    assert low < 0.9 < high <= 1.0


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


def test_holdout_halves_fall_back_to_a_plain_split_with_a_class_of_one_row():
    rng = np.random.default_rng(1)
    holdout = pd.DataFrame({"a": rng.normal(size=30), "y": ["once"] + ["many"] * 29})
    real = pd.DataFrame({"a": rng.normal(size=60), "y": ["once", "many"] * 30})
    s = _utility_setup(real, real, holdout, 0)
    assert sorted(np.concatenate(s.folds).tolist()) == list(range(30))
    assert sorted(len(f) for f in s.folds) == [15, 15]


def test_a_model_that_ranks_no_feature_agrees_with_no_ranking():
    real = np.array([0.3, 0.1, 0.2])
    # all importances 0 (the constant model of a one-class synthetic target): no agreement
    assert importance_agreement(real, np.zeros(3)) == 0.0
    assert importance_agreement(np.zeros(3), real) == 0.0


def _regression_frames(seed: int = 2, n: int = 200):
    rng = np.random.default_rng(seed)

    def frame() -> pd.DataFrame:
        f = rng.normal(size=n)
        return pd.DataFrame(
            {
                "f": f,
                "g": rng.normal(size=n),
                "c": rng.choice(["a", "b"], size=n),
                "y": 2 * f + 0.7 * rng.normal(size=n),
            }
        )

    real, synthetic, holdout = frame(), frame(), frame()
    synthetic["y"] += 0.5 * synthetic["g"]
    return real, synthetic, holdout


#: the models whose fits do not depend on the order of the rows (the forest's bootstrap does)
ORDER_FREE = sdq.Config(n_bootstrap=0, models=("xgboost", "linear"))


def test_numbers_beyond_float32_are_divided_by_a_power_of_two_set_by_the_real_data():
    real, synthetic, holdout = _regression_frames()
    synthetic.loc[[0, 1], "y"] = [1.7e308, -1.7e308]  # beyond float32 (3.4e38) and the real range
    real["f"] *= 2.0**900
    holdout["f"] *= 2.0**900
    synthetic["f"] *= 2.0**900
    s = _utility_setup(real, synthetic, holdout, seed=0)
    assert s.target_exponent == 0  # the real target is ordinary
    assert s.bounded == {"synthetic": {"y": 2}}  # so +/-1.7e308 is set to +/-2**96
    assert s.y["synthetic"].min() == -(2.0**96) and s.y["synthetic"].max() == 2.0**96
    # the feature: every data set divided exactly, its largest real value brought to about 2**32
    e = s.exponents["f"]
    column = s.features.index(next(spec for spec in s.features if spec.name == "f"))
    for name, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        got = np.sort(s.x[name][:, column])
        assert np.array_equal(got, np.sort(np.ldexp(frame["f"].to_numpy(), -e).astype(np.float32))), name
    assert 2.0**31 <= np.abs(np.ldexp(np.r_[real["f"], holdout["f"]], -e)).max() < 2.0**32
    ordinary = _utility_setup(*_regression_frames(), seed=0)
    assert ordinary.target_exponent == 0 and ordinary.exponents == {} and ordinary.bounded == {}


def test_prediction_is_unchanged_by_scaling_the_target_and_a_feature_beyond_float32():
    # R^2 and the fits of xgboost and the linear model do not change when a column is multiplied by
    # a power of two: values near 1e301 (beyond float32) score as the same values in range, and the
    # errors are reported in the target's units. (The size-matched models train on samples of rows
    # drawn in the rows' canonical order, a hash of their values, so other values draw other
    # samples: the models trained on every row are compared, the real ones and the full-size ones.)
    frames = _regression_frames()
    big = [f.assign(y=f["y"] * 2.0**1000, f=f["f"] * 2.0**900) for f in frames]
    small, large = (
        sdq.evaluate(*given, target="y", metrics=["prediction"], config=ORDER_FREE)["prediction"]
        for given in (frames, big)
    )
    assert large.status == "ok" and large.warnings == [], large.message
    assert large.details["score_full_size"] == pytest.approx(small.details["score_full_size"], rel=1e-5)
    assert (
        [m["model"] for m in large.details["models"]]
        == [m["model"] for m in small.details["models"]]
        == [
            "xgboost",
            "linear",
        ]
    )
    for a, b in zip(small.details["models"], large.details["models"]):
        assert b["trtr"]["r2"] == pytest.approx(a["trtr"]["r2"], abs=1e-6)
        assert b["trtr"]["mae"] == pytest.approx(a["trtr"]["mae"] * 2.0**1000, rel=1e-5)
        assert b["trtr"]["rmse"] == pytest.approx(a["trtr"]["rmse"] * 2.0**1000, rel=1e-5)
        assert b["full_size"]["r2"] == pytest.approx(a["full_size"]["r2"], abs=1e-6)
        # the size-matched models' errors are in the target's units too
        assert b["tstr"]["mae"] / a["tstr"]["mae"] == pytest.approx(2.0**1000, rel=0.5)
    assert "large_values" not in small.details
    assert large.details["large_values"]["target_exponent"] > 0
    assert set(large.details["large_values"]["feature_exponents"]) == {"f"}


def test_a_synthetic_target_at_the_float_maximum_trains_models_that_score_zero_not_an_error():
    real, synthetic, holdout = _regression_frames()
    synthetic.loc[[0, 1], "y"] = [1.7e308, -1.7e308]
    report = sdq.evaluate(
        real, synthetic, holdout, target="y", metrics=["prediction", "feature_importance"], config=ORDER_FREE
    )
    prediction, importance = report["prediction"], report["feature_importance"]
    assert prediction.status == "ok" and importance.status == "ok", (prediction.message, importance.message)
    assert prediction.score == 0.0 and prediction.baseline > 0.8  # models trained on it predict nothing
    assert prediction.details["large_values"]["bounded"] == {"synthetic": {"y": 2}}
    assert prediction.warnings == [] and importance.warnings == []
    json.dumps(report.to_dict(), allow_nan=False)

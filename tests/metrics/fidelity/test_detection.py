"""``detection``: its AUC and interval by hand, copies that cannot be told apart, and data of known
quality on real tables, ranked, with the column that gives them away named first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import sdq
from sdq.metrics._common import auc
from sdq.metrics.fidelity.detection import best_bin_auc, content_folds, delong, detection_score
from sdq.render.tables import result_tables

FAST = sdq.Config(n_bootstrap=0)


def test_score_from_auc_by_hand():
    assert [detection_score(a) for a in (0.3, 0.5, 0.6, 0.75, 1.0)] == pytest.approx([1.0, 1.0, 0.8, 0.5, 0.0])


def test_delong_auc_and_standard_error_by_hand_and_against_sklearn():
    # positives 0.35, 0.8 and negatives 0.1, 0.4: each positive's share of negatives below it is
    # 1/2 and 1, each negative's share of positives above it 1 and 1/2; the variances of those
    # (1/8 each) over 2 give 1/16 + 1/16
    value, se = delong(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert (value, se) == pytest.approx((0.75, np.sqrt(1 / 8)))
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    score = rng.integers(0, 20, 500) + y * 3.0  # many ties
    assert delong(y, score)[0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    # the standard error shrinks as the square root of the rows
    big = np.tile(y, 4), np.tile(score, 4)
    assert delong(*big)[1] == pytest.approx(delong(y, score)[1] / 2, rel=0.02)


def test_best_single_column_classifier_by_hand_and_against_rows():
    # bins ordered by synthetic share: the classifier that scores each row by its bin's share
    real, synthetic = np.array([30, 50, 20, 0]), np.array([10, 50, 30, 10])
    codes = np.r_[np.repeat(np.arange(4), real), np.repeat(np.arange(4), synthetic)]
    labels = np.r_[np.zeros(real.sum()), np.ones(synthetic.sum())]
    share = synthetic / (real + synthetic)
    assert best_bin_auc(real, synthetic) == pytest.approx(float(auc(labels, share[codes])))
    assert best_bin_auc(real, 3 * real) == 0.5  # proportional histograms: no better than chance


def test_equal_rows_share_a_fold():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    x[rng.random((200, 3)) < 0.2] = np.nan
    twice = np.vstack([x, x[::-1]])
    folds = content_folds(twice, 2, salt=7)
    assert np.array_equal(folds[:200], folds[200:][::-1])
    assert 60 < np.sum(folds == 0) < 340  # both folds used
    assert not np.array_equal(folds, content_folds(twice, 2, salt=8))  # the seed moves the split


@pytest.fixture(scope="module")
def cancer():
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    return frame.iloc[:284].reset_index(drop=True), frame.iloc[284:426].reset_index(drop=True), frame.iloc[426:]


def test_a_copy_cannot_be_told_apart(cancer, fair_split):
    # identical rows fall in the same fold, so the classifier scores a row and its copy alike: an AUC
    # of exactly 0.5 (with random folds a classifier learns the copies' labels from their twins)
    for real in (cancer[0], fair_split[0]):  # the fair survey holds many identical rows
        result = sdq.evaluate(real, real.copy(), metrics=["detection"], config=FAST)["detection"]
        assert result.status == "ok", result.message
        assert result.details["auc"] == 0.5 and result.score == 1.0
        assert result.baseline is None


def test_known_quality_on_a_real_table(cancer):
    train, holdout, fresh = cancer
    rng = np.random.default_rng(0)
    shifted = fresh.assign(**{"mean radius": fresh["mean radius"] + 4 * train["mean radius"].std()})
    garbage = pd.DataFrame({c: rng.uniform(train[c].min(), train[c].max(), len(fresh)) for c in train})
    garbage["target"] = rng.integers(0, 2, len(fresh))
    results = {
        name: sdq.evaluate(train, data, holdout, target="target", metrics=["detection"], config=FAST)["detection"]
        for name, data in {"copy": train, "fresh": fresh, "shifted": shifted, "garbage": garbage}.items()
    }
    s = {name: r.score for name, r in results.items()}
    # (the copy's 142 rows are a sample of the 284 real ones, as the real side's are: not the same rows)
    assert s["copy"] >= 0.9 and s["fresh"] >= 0.9, s
    low, high = results["fresh"].ci
    assert low <= results["fresh"].baseline <= high  # fresh real rows score as the holdout does
    assert s["shifted"] < 0.1 and s["garbage"] < 0.2, s
    assert min(s["copy"], s["fresh"]) > max(s["shifted"], s["garbage"]) + 0.7
    # the shifted column gives the data away: named first, with the classifier's reliance and its
    # own score, and the range that holds the synthetic rows
    details = results["shifted"].details
    first = details["giveaways"][0]
    assert first["column"] == "mean radius" and first["importance"] > 0.5
    assert first["synthetic_share"] > 0.5 > first["real_share"]
    # the report shows them as a table (aggregates only)
    (table,) = result_tables(results["shifted"])
    assert table["rows"][0][:3] == ["mean radius", first["importance"], first["range"]]
    by_column = {c["column"]: c for c in details["columns"]}
    assert by_column["mean radius"]["score"] < 0.2 < by_column["mean radius"]["baseline"]
    assert max(c["importance"] for c in details["columns"]) == by_column["mean radius"]["importance"]


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.1, np.nan, x),
            "y": 2 * x + rng.normal(size=n),
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "colour": rng.choice(["red", "green", "blue"], n),
            "flag": rng.random(n) < 0.3,
        }
    )


@pytest.mark.parametrize(
    "column, change",
    [
        ("when", lambda f: f.assign(when=f["when"] + pd.Timedelta(days=400))),  # a datetime shifted
        # unseen values in half the rows: at best an AUC of 0.75, a score of 0.5
        ("colour", lambda f: f.assign(colour=np.where(f.index % 2 == 0, "purple", f["colour"]))),
        # 55% missing, not 10%: at best an AUC of 0.725, a score of 0.55
        ("x", lambda f: f.assign(x=np.where(f.index % 2 == 0, np.nan, f["x"]))),
        ("flag", lambda f: f.assign(flag=True)),
    ],
)
def test_missing_values_categories_and_datetimes_are_read(column, change):
    real, holdout, fresh = _frame(600, 0), _frame(600, 1), _frame(600, 2)
    good = sdq.evaluate(real, fresh, holdout, metrics=["detection"], config=FAST)["detection"]
    bad = sdq.evaluate(real, change(fresh), holdout, metrics=["detection"], config=FAST)["detection"]
    assert good.status == bad.status == "ok", (good.message, bad.message)
    assert good.score > 0.85 and bad.score < 0.65, (good.score, bad.score)
    assert bad.details["giveaways"][0]["column"] == column


def test_deterministic_for_a_seed_and_the_same_for_any_number_of_threads():
    real, holdout, synthetic = _frame(800, 0), _frame(800, 1), _frame(800, 3).assign(y=lambda f: f["y"] * 1.3)

    def run(seed: int, threads: int):
        config = sdq.Config(n_bootstrap=0, metric_params={"detection": {"threads": threads}})
        return sdq.evaluate(real, synthetic, holdout, metrics=["detection"], config=config, seed=seed)["detection"]

    a, b, c = run(0, 1), run(0, 1), run(0, 2)
    assert a.to_dict() == b.to_dict()
    assert (c.score, c.baseline, c.ci, c.details) == (a.score, a.baseline, a.ci, a.details)
    other = run(1, 1)
    assert other.score != a.score and abs(other.score - a.score) < 0.1

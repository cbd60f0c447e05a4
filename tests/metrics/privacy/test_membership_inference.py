"""``membership_inference``: the ROC arithmetic by hand, the worst case (a few rows many times),
and no one-sided bias on fresh data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import sdq
from sdq.demo import load_fair
from sdq.metrics.privacy.bounds import clopper_pearson_lower, clopper_pearson_upper
from sdq.metrics.privacy.membership_inference import attack_stats, curve_counts, tpr_at_fpr

PRIVACY = ["exact_match", "neighbours_privacy", "membership_inference", "outlier_privacy"]


def test_auc_and_true_positives_by_hand():
    # members score 0.9, 0.8, 0.5, 0.1; non-members 0.85, 0.5, 0.2, 0.05, 0.0
    scores = np.array([0.9, 0.8, 0.5, 0.1, 0.85, 0.5, 0.2, 0.05, 0.0])
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=float)
    auc, tp = attack_stats(*curve_counts(scores, labels[None], 1 - labels[None]), [0, 1, 2])
    # pairs won: 0.9 beats 5, 0.8 beats 4, 0.5 beats 3 and ties 1, 0.1 beats 2: 14.5 of 20
    assert auc[0] == pytest.approx(14.5 / 20)
    # above every non-member: 0.9 only; allowing one (0.85): 0.9 and 0.8; allowing two (0.85 and
    # the tie at 0.5): the member at 0.5 too
    assert tp[0].tolist() == [1.0, 2.0, 3.0]
    assert [tp[0, j] / 4 for j in range(3)] == [tpr_at_fpr(labels, scores, a / 5) for a in range(3)]


def test_auc_and_true_positives_agree_with_independent_implementations():
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=600), 1)  # many ties
    labels = (rng.random(600) < 0.4).astype(float)
    scores[labels == 1] += 0.3
    n_neg = int((labels == 0).sum())
    auc, tp = attack_stats(*curve_counts(scores, labels[None], 1 - labels[None]), [0, 3, 36])
    assert auc[0] == pytest.approx(roc_auc_score(labels, scores))
    for j, fpr in enumerate([0.0, 3 / n_neg, 36 / n_neg]):
        assert tp[0, j] / labels.sum() == pytest.approx(tpr_at_fpr(labels, scores, fpr))


def test_weights_count_rows_as_often_as_they_are_drawn():
    rng = np.random.default_rng(1)
    scores = np.round(rng.normal(size=50), 1)
    labels = (np.arange(50) < 20).astype(float)
    weights = rng.integers(0, 3, size=50).astype(float)
    auc, tp = attack_stats(*curve_counts(scores, (labels * weights)[None], ((1 - labels) * weights)[None]), [0, 2])
    repeated = np.repeat(np.arange(50), weights.astype(int))
    assert auc[0] == pytest.approx(roc_auc_score(labels[repeated], scores[repeated]))
    auc2, tp2 = attack_stats(
        *curve_counts(scores[repeated], labels[repeated][None], 1 - labels[repeated][None]), [0, 2]
    )
    assert tp.tolist() == tp2.tolist()


def _split(frame: pd.DataFrame, seed: int = 0):
    rows = np.random.default_rng(seed).permutation(len(frame))
    n = len(frame)
    parts = rows[: n // 2], rows[n // 2 : 3 * n // 4], rows[3 * n // 4 :]
    return tuple(frame.iloc[np.sort(p)].reset_index(drop=True) for p in parts)


def test_a_few_training_rows_emitted_many_times_are_caught():
    # 20 training rows 75 times each among fresh rows: on average the attack barely gains (the
    # AUC moves by a few hundredths), but it finds those rows above every non-member, which bounds
    # its epsilon away from 0 (it scored 0.845 on the AUC alone)
    from sklearn.datasets import load_breast_cancer

    train, holdout, fresh = _split(load_breast_cancer(as_frame=True).frame)
    picked = np.random.default_rng(1).choice(len(train), 20, replace=False)
    leaky = pd.concat([train.iloc[np.repeat(picked, 75)], fresh]).reset_index(drop=True)
    r = sdq.evaluate(train, leaky, holdout, metrics=["membership_inference"])["membership_inference"]
    assert r.score <= 0.6
    assert r.details["parts"]["auc"] > 0.8  # the average alone would not tell
    eps = r.details["epsilon_lower_bound"]
    assert r.details["parts"]["epsilon"] == pytest.approx(math.exp(-eps), abs=1e-4)
    # the bound is what the counts at its threshold give
    where = r.details["epsilon_from"]
    level = r.details["attacks"][where["attack"]]["thresholds"][where["threshold"]]
    members, non_members = r.details["rows"]["members"], r.details["rows"]["non_members"]
    tp = round(level["tpr"] * members)
    expected = math.log(
        clopper_pearson_lower(tp, members) / clopper_pearson_upper(level["false_positives_allowed"], non_members)
    )
    assert eps == pytest.approx(expected, abs=1e-3)
    assert r.ci[0] <= r.score <= r.ci[1] and r.baseline - r.score > 0.3


def test_fresh_data_is_not_flagged_and_scores_about_its_baseline():
    # a 500-row table, 20 seeds: the privacy verdict is on par (at least 19 times), and the
    # membership score sits on its baseline on average (clipping each attack's risk at 0 once
    # made fresh data score 0.016 below its baseline on average here, a one-sided bias)
    frame = load_fair()
    gaps, verdicts = [], []
    for seed in range(20):
        rows = np.random.default_rng(seed).permutation(len(frame))
        train, holdout, fresh = (frame.iloc[rows[k * 500 : (k + 1) * 500]] for k in range(3))
        report = sdq.evaluate(train, fresh, holdout, metrics=PRIVACY, seed=seed, config=sdq.Config(n_bootstrap=50))
        verdicts.append(report.verdicts["privacy"])
        gaps.append(report["membership_inference"].baseline - report["membership_inference"].score)
    assert verdicts.count("on_par") >= 19, verdicts
    assert abs(np.mean(gaps)) < 0.01, np.mean(gaps)


def test_a_copy_is_caught_and_the_baseline_is_what_no_signal_gives():
    train, holdout, _ = _split(load_fair())
    r = sdq.evaluate(train, train, holdout, metrics=["membership_inference"])["membership_inference"]
    assert r.score < 0.3 and r.details["parts"]["auc"] < 0.3
    # the baseline (labels shuffled) carries no signal whatever the data
    assert r.baseline > 0.95
    again = sdq.evaluate(train, train, holdout, metrics=["membership_inference"])["membership_inference"]
    assert (again.score, again.baseline, again.ci) == (r.score, r.baseline, r.ci)


def test_near_counts_rows_at_a_point_as_one_search_for_every_neighbour_would():
    # points shared by 0, 3, 5, 7 and 150 reference rows: the crowded ones are searched again, and
    # every count (up to k_count) and every k-th distance is what one search of k_count gives
    from sdq.metrics.privacy.distance import search
    from sdq.metrics.privacy.membership_inference import SAME, _near

    rng = np.random.default_rng(0)
    spread = rng.normal(size=(400, 3)).astype(np.float32)
    points = rng.normal(size=(4, 3)).astype(np.float32) * 10
    reference = np.vstack([spread, *(np.repeat(p[None], c, axis=0) for p, c in zip(points, (3, 5, 7, 150)))])
    reference = reference[rng.permutation(len(reference))]
    queries = np.vstack([points, spread[:20] + 0.5])
    d, same = _near(reference, queries, 5, 100)
    full = search(reference, queries, k=100)[0]
    assert same.tolist() == (full <= SAME).sum(axis=1).tolist()
    assert same[:4].tolist() == [3, 5, 7, 100]
    np.testing.assert_allclose(d, full[:, :5])

"""``feature_importance``: do models trained on synthetic data rely on the same features?

For each model kind, the permutation importance of every feature (the drop of the model's AUC or
R^2 when that feature's values are shuffled, averaged over ``importance_repeats`` shuffles) is
measured on the same real test rows for the TRTR model and the TSTR model (the models of
``prediction``). The two rankings are compared by their top-k agreement, averaged over
k = 1..K (K = min(10, number of features)):

    agreement = mean over k of |top_k(TRTR) & top_k(TSTR)| / k

so the order matters, not just membership (k = 1 asks "is the most important feature the same?").
A model whose importances are all equal (it uses no feature, e.g. the constant model of synthetic
data with a single class) ranks nothing: agreement 0.
The metric is the mean over model kinds. 1.0: the same features in the same order of importance.
0.0: no feature of any top-k is shared. Baseline: the model trained on one half of the holdout,
against the TRTR model, on the same rows. Details: both rankings with their importances and
Spearman's rank correlation, per model kind (for a bump chart); ``large_values`` as in ``prediction``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import rounded
from sdq.metrics.utility.models import MIN_TRTR_EDGE, chance_adjusted, fit, large_values, predict, primary_score, setup
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Rankings

__all__ = ["feature_importance", "top_k_agreement", "ranking_agreement", "permutation_importance"]


def top_k_agreement(a: np.ndarray, b: np.ndarray, k_max: int = 10) -> float:
    """Mean over k = 1..K of the share of the top-k features of ``a`` that are in ``b``'s top k.

    Examples
    --------
    >>> top_k_agreement(np.array([3., 2., 1.]), np.array([3., 2., 1.]))
    1.0
    >>> top_k_agreement(np.array([3., 2., 1.]), np.array([2., 3., 1.]))  # k=1: 0, k=2: 1, k=3: 1
    0.6666666666666666
    """
    order_a, order_b = np.argsort(-a, kind="stable"), np.argsort(-b, kind="stable")
    k_max = min(k_max, len(a))
    shares = [len(set(order_a[:k]) & set(order_b[:k])) / k for k in range(1, k_max + 1)]
    return float(np.mean(shares))


def ranking_agreement(reference: np.ndarray, other: np.ndarray, k_max: int = 10) -> float:
    """:func:`top_k_agreement`, or 0 when ``other`` ranks nothing (all its importances are equal,
    so any order read from it would be the order of the columns).

    Examples
    --------
    >>> ranking_agreement(np.array([3., 2., 1.]), np.array([0., 0., 0.]))
    0.0
    """
    if np.all(other == other[0]):
        return 0.0
    return top_k_agreement(reference, other, k_max)


def permutation_importance(s, fitted, x: np.ndarray, y: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """Mean drop of the primary score per feature; ``perms`` has shape (features, repeats, rows)."""
    base = float(primary_score(s.task, y, predict(s, fitted, x), s.n_classes))
    n_features, repeats, n = perms.shape
    out = np.zeros(n_features)
    for j in range(n_features):
        stacked = np.tile(x, (repeats, 1))
        stacked[:, j] = x[perms[j], j].ravel()
        pred = predict(s, fitted, stacked)
        pred = pred.reshape(repeats, n, *pred.shape[1:])
        out[j] = base - float(np.nanmean(primary_score(s.task, np.broadcast_to(y, (repeats, n)), pred, s.n_classes)))
    return out


@metric(
    "feature_importance",
    "utility",
    shape=Rankings(),
    group="utility-models",
    needs=("target",),
    summary="Models trained on synthetic data rank the features in the same order of importance as models trained on real data.",
    one="the same features, in the same order of importance",
    zero="no top-ranked feature in common",
)
def feature_importance(prepared: Prepared) -> Outcome:
    s = setup(prepared)
    config = prepared.config
    if len(s.features) < 2:
        raise Skip("fewer than two features: there is no ranking to compare")
    rng = prepared.rng("feature_importance")
    test_x, test_y = s.x[s.test_name], s.y[s.test_name]
    pool = s.folds[0] if s.folds is not None else np.arange(len(test_y))
    rows = pool[subsample_rows(len(pool), config.importance_rows, rng)]
    x, y = test_x[rows], test_y[rows]
    perms = np.stack(
        [np.stack([rng.permutation(len(rows)) for _ in range(config.importance_repeats)]) for _ in s.features]
    )
    labels = [f.label for f in s.features]
    k_max = min(10, len(labels))
    models, scores, baselines = [], [], []
    for kind in config.models:
        trtr, tstr = fit(s, prepared, kind, "real"), fit(s, prepared, kind, "synthetic")
        edge = float(chance_adjusted(s.task, primary_score(s.task, y, predict(s, trtr, x), s.n_classes)))
        if not np.isfinite(edge) or edge < MIN_TRTR_EDGE:
            models.append({"model": kind, "note": "left out: the model trained on real data is no better than chance"})
            continue
        imp_r = permutation_importance(s, trtr, x, y, perms)
        imp_s = permutation_importance(s, tstr, x, y, perms)
        score = ranking_agreement(imp_r, imp_s, k_max)
        rho = spearmanr(imp_r, imp_s).statistic if np.ptp(imp_r) > 0 and np.ptp(imp_s) > 0 else None
        entry = {
            "model": kind,
            "score": rounded(score),
            "spearman": rounded(rho),
            "real": {"importance": rounded(imp_r), "ranking": [labels[i] for i in np.argsort(-imp_r, kind="stable")]},
            "synthetic": {
                "importance": rounded(imp_s),
                "ranking": [labels[i] for i in np.argsort(-imp_s, kind="stable")],
            },
        }
        if s.folds is not None:
            imp_h = permutation_importance(s, fit(s, prepared, kind, "holdout-0"), x, y, perms)
            entry["holdout"] = {
                "importance": rounded(imp_h),
                "ranking": [labels[i] for i in np.argsort(-imp_h, kind="stable")],
            }
            entry["baseline"] = rounded(ranking_agreement(imp_r, imp_h, k_max))
            baselines.append(ranking_agreement(imp_r, imp_h, k_max))
        scores.append(score)
        models.append(entry)
    if not scores:
        raise Skip(
            "the real data itself predicts the target no better than chance with any model; "
            "feature importances would be noise"
        )
    details = {
        "features": labels,
        "k_max": k_max,
        "models": models,
        "rows": int(len(rows)),
        "repeats": config.importance_repeats,
        "score_name": "auc" if s.task != "regression" else "r2",
        **large_values(s),
    }
    return Outcome(
        score=float(np.mean(scores)),
        baseline=float(np.mean(baselines)) if baselines else None,
        details=details,
        message="no interval: permutation importances are compared as measured",
    )

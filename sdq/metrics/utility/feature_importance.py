"""``feature_importance``: do models trained on synthetic data rely on the same features?

For each model kind, the importance of every feature to the model trained on the real rows (TRTR)
and to the model trained on the synthetic rows (TSTR), the models of ``prediction``, as shares
that sum to 1 (:func:`~sdq.metrics.utility.models.model_importance`): the total gain of xgboost's
splits on the feature, the impurity decrease of the forest's, and for the linear model the spread
of the feature's contribution to its output over real test rows. The two are compared by the
correlation of their square roots:

    agreement = Pearson correlation over features of (sqrt(share_TRTR), sqrt(share_TSTR))

in [-1, 1]. It is chance-corrected: an importance vector whose values are shuffled over the
features (a random ranking) agrees 0 in expectation (exactly 0 on average over all orders).
The square root tempers the one or two dominant features, so the agreement is not decided by
the top feature alone, while features of negligible importance, whose order is noise, weigh
little. A model whose importances are all equal (it relies on no feature, e.g. the constant
model of synthetic data with a single class) ranks nothing: agreement 0. The metric is the mean
of the agreements over model kinds, clipped to [0, 1] once, at the end. 1.0: the models rely on
the same features in the same proportions. 0.0: no more alike than a random ranking.

Chance checks, shared with ``prediction`` (see :func:`sdq.metrics.utility.models.signal`): a model
kind whose real-data model does not predict the test rows better than chance is left out (the
metric is ``skipped`` if all are); a model trained on synthetic rows that do not follow the real
relation between features and target agrees 0, whatever its importances.

Why model-based importances, not permutation importance on test rows (as before): measured on
three real tables, five seeds moved the permutation-based score by 0.06 to 0.15 on the same
inputs (few test rows, few shuffles, and drops of an AUC that saturates when the classes are well
apart), and its top-k overlap scored two random rankings 0.55 (the top k of all features always
overlap). xgboost's and the linear model's importances do not depend on the seed; the forest's
move with it, less with more trees (see ``FOREST_TREES``).

Baseline: the models trained on one half of the holdout (the baseline models of ``prediction``)
against the TRTR model. **Size-matched** as ``prediction`` is: with a holdout, the synthetic side
is models trained on synthetic samples of the baseline models' training size. **Averaged over
models**: one model trained on a few hundred rows relies on features erratically (on the Fair
survey's 795-row halves, five seeds moved the agreement by 0.13 for xgboost and 0.14 for the linear
model), so each side's importance is the mean of the importances of several models of that size
(:func:`draws`; for xgboost on more than two classes a row counts once per class): the two of the holdout's halves (``synthetic-f``, ``holdout-f``), and, for xgboost
and the linear model where they train on fewer than 12,000 rows, more seeded samples of that size
(``synthetic~j`` from the synthetic rows the metrics see, ``holdout~j`` from the whole holdout),
until they add up to ``DRAW_ROWS`` training rows or ``MAX_DRAWS`` models. One agreement per side
is computed from the mean importances (``models_averaged`` in ``details``). Five seeds on the same
fresh rows: range 0.099 -> 0.020 on the Fair survey, 0.063 -> 0.022 on scarce RAND health rows;
on the 569-row breast cancer table, whose 71-row halves leave single models erratic, 0.098 -> 0.07
to 0.12 (``docs/validity.md``). The model trained on every synthetic
row the models may take gives ``full_size`` (and ``score_full_size``) where it trains on more rows.
Interval: per model kind, Fisher's interval of a
correlation over as many pairs as there are features (at least four); the metric's is the mean of
their bounds. It says how firmly so many features pin the agreement down, not how much the models
would move with other training rows. Details: per model kind, the importance shares and ranking
of the real, synthetic and holdout models (each side averaged over its models), the
agreement and its interval, and Spearman's rank correlation of the shares; ``large_values`` as in
``prediction``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import clip01, rounded
from sdq.metrics.utility.models import fit, large_values, model_importance, setup, signal
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Rankings

__all__ = ["feature_importance", "importance_agreement", "agreement_interval", "draws"]

#: z of a two-sided 95% interval.
Z95 = 1.959963984540054
#: Training rows the models of one side add up to, at most ``MAX_DRAWS`` models (see :func:`draws`).
DRAW_ROWS = 24_000
MAX_DRAWS = 24


def importance_agreement(reference: np.ndarray, other: np.ndarray) -> float:
    """The Pearson correlation of the square roots of two importance vectors (negative values
    count as 0); 0 when either ranks nothing (all its importances are equal).

    Examples
    --------
    >>> importance_agreement(np.array([0.5, 0.3, 0.2]), np.array([0.5, 0.3, 0.2]))
    1.0
    >>> importance_agreement(np.array([0.5, 0.3, 0.2]), np.zeros(3))
    0.0
    >>> # the two most important features swapped: square roots (0.8, 0.6, 0) and (0.6, 0.8, 0)
    >>> round(importance_agreement(np.array([0.64, 0.36, 0.0]), np.array([0.36, 0.64, 0.0])), 4)
    0.8846
    """
    a = np.sqrt(np.clip(np.asarray(reference, dtype=float), 0.0, None))
    b = np.sqrt(np.clip(np.asarray(other, dtype=float), 0.0, None))
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    a, b = a - a.mean(), b - b.mean()
    return float(np.clip((a @ b) / np.sqrt((a @ a) * (b @ b)), -1.0, 1.0))


def agreement_interval(agreement: float, n_features: int) -> tuple[float, float] | None:
    """Fisher's 95% interval of a correlation over ``n_features`` pairs (None below four).

    Examples
    --------
    >>> low, high = agreement_interval(0.5, 28)  # z = 0.549 +/- 1.96 / 5
    >>> round(low, 3), round(high, 3)
    (0.156, 0.736)
    """
    if n_features < 4:
        return None
    z = np.arctanh(np.clip(agreement, -0.999999, 0.999999))
    half = Z95 / np.sqrt(n_features - 3)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def draws(kind: str, rows: int, classes: int = 2) -> int:
    """Models whose importances a side averages (see the module's docstring): the forest averages
    its trees already (2: one per half of the holdout); the others ``DRAW_ROWS / rows``, at least 2
    and at most ``MAX_DRAWS``; xgboost grows a tree per class and round for more than two classes,
    so its rows count once per class there (its importances average those trees, too).

    Examples
    --------
    >>> draws("xgboost", 800), draws("linear", 3_000), draws("xgboost", 20_000), draws("random_forest", 800)
    (24, 8, 2, 2)
    >>> draws("xgboost", 2_500), draws("xgboost", 2_500, classes=4)
    (10, 3)
    """
    if kind == "random_forest":
        return 2
    work = rows * (classes if kind == "xgboost" and classes > 2 else 1)
    return int(np.clip(-(-DRAW_ROWS // max(work, 1)), 2, MAX_DRAWS))


def _sources(s, kind: str, side: str) -> list[str]:
    """The training sets of the models whose importances one side (``synthetic`` or ``holdout``)
    averages: the size-matched models of the two halves, then draws of their size (see
    :func:`~sdq.metrics.utility.models.fit`); without a holdout, the one synthetic model."""
    if s.folds is None:
        return ["synthetic"]
    halves = [f"{side}-{f}" for f in range(len(s.folds))]
    n = draws(kind, len(s.matched[0][0]), s.n_classes)
    return halves + [f"{side}~{j}" for j in range(n - len(halves))]


def _ranked(importance: np.ndarray, labels: list[str]) -> dict:
    return {"importance": rounded(importance), "ranking": [labels[i] for i in np.argsort(-importance, kind="stable")]}


@metric(
    "feature_importance",
    "utility",
    shape=Rankings(
        measure="share of the model's importance",
        agreement="agreement (correlation of the square roots of the shares)",
    ),
    group="utility-models",
    needs=("target",),
    summary="Models trained on synthetic data rely on the same features, in the same proportions, as models trained on real data.",
    one="the same features, in the same proportions of importance",
    zero="no more alike than a random ranking of the features",
)
def feature_importance(prepared: Prepared) -> Outcome:
    s = setup(prepared)
    config = prepared.config
    if len(s.features) < 2:
        raise Skip("fewer than two features: there is no ranking to compare")
    test_x = s.x[s.test_name]
    # the rows on which the linear model's contributions are measured: real test rows
    rows = test_x[subsample_rows(len(test_x), config.importance_rows, prepared.rng("feature_importance"))]
    labels = [f.label for f in s.features]
    n_features = len(labels)
    models, scores, baselines, lows, highs, fulls = [], [], [], [], [], []
    for kind in config.models:
        if kind in s.too_big:
            models.append({"model": kind, "note": s.too_big[kind]})
            continue
        real_check = signal(s, prepared, kind, "real")
        if not real_check.passed:
            models.append(
                {
                    "model": kind,
                    "note": f"left out: the model trained on real data is no better than chance (p = {real_check.p:.3f})",
                }
            )
            continue
        imp_r = model_importance(s, fit(s, prepared, kind, "real"), rows)
        # size-matched: the synthetic models trained on as many rows as the baseline's (one per
        # half of the holdout), compared as the baseline's are; without a holdout, one model
        fitted = [fit(s, prepared, kind, source) for source in _sources(s, kind, "synthetic")]
        imp_s = np.mean([model_importance(s, model, rows) for model in fitted], axis=0)
        synthetic_check = signal(s, prepared, kind, "synthetic")
        raw = importance_agreement(imp_r, imp_s)
        score = raw if synthetic_check.passed else 0.0
        interval = agreement_interval(score, n_features) if synthetic_check.passed else (0.0, 0.0)
        rho = spearmanr(imp_r, imp_s).statistic if np.ptp(imp_r) > 0 and np.ptp(imp_s) > 0 else None
        entry = {
            "model": kind,
            "score": rounded(score),
            "raw_score": rounded(raw),
            "spearman": rounded(rho),
            "real": _ranked(imp_r, labels),
            "synthetic": _ranked(imp_s, labels),
            "checks": {"real": real_check.to_dict(), "synthetic": synthetic_check.to_dict()},
        }
        if interval is not None:
            entry["ci"] = rounded(list(interval))
        if not synthetic_check.passed:
            entry["note"] = (
                "counted as chance (0): the synthetic rows do not follow the real relation between features and "
                f"target (the model trained on real data predicts them no better than chance, p = {synthetic_check.p:.3f})"
            )
        if s.folds is not None:
            imp_h = np.mean(
                [model_importance(s, fit(s, prepared, kind, source), rows) for source in _sources(s, kind, "holdout")],
                axis=0,
            )
            baseline = importance_agreement(imp_r, imp_h)
            entry["holdout"] = _ranked(imp_h, labels)
            entry["baseline"] = rounded(baseline)
            entry["train_rows"] = {"real": fit(s, prepared, kind, "real").train_rows, "synthetic": fitted[0].train_rows}
            entry["models_averaged"] = len(fitted)
            baselines.append(baseline)
            n_full = min(len(s.y["synthetic_full" if "synthetic_full" in s.y else "synthetic"]), config.model_rows)
            if n_full > max(m.train_rows for m in fitted):
                full = importance_agreement(imp_r, model_importance(s, fit(s, prepared, kind, "synthetic"), rows))
                entry["full_size"] = {
                    "train_rows": n_full,
                    "raw_score": rounded(full),
                    "score": rounded(full if synthetic_check.passed else 0.0),
                }
                fulls.append(full if synthetic_check.passed else 0.0)
        if interval is not None:
            lows.append(interval[0])
            highs.append(interval[1])
        scores.append(score)
        models.append(entry)
    if not scores and len(models) == len(s.too_big):
        raise Skip("; ".join(s.too_big.values()))
    if not scores:
        raise Skip(
            "the real data itself predicts the target no better than chance with any model; "
            "feature importances would be noise"
        )
    details = {
        "features": labels,
        "models": models,
        "importance": "xgboost: total gain; random_forest: impurity decrease; linear: spread of the contribution",
        "rows": int(len(rows)),
        "score_name": "auc" if s.task != "regression" else "r2",
        "size_matched": s.folds is not None,
        **large_values(s),
    }
    if fulls and len(fulls) == len(scores):
        details["score_full_size"] = rounded(clip01(float(np.mean(fulls))))
    ci = (clip01(float(np.mean(lows))), clip01(float(np.mean(highs)))) if len(lows) == len(scores) else None
    return Outcome(
        score=clip01(float(np.mean(scores))),
        baseline=clip01(float(np.mean(baselines))) if baselines else None,
        ci=ci,
        details=details,
        message=None if ci is not None else "no interval: fewer than four features",
    )

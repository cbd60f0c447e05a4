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
models, as many as precision needs**: one model trained on a few hundred rows relies on features
erratically (on the Fair survey's 795-row halves, five seeds moved the agreement by 0.13 for
xgboost and 0.14 for the linear model), so each side's importance is the mean of the importances
of several models of that size (:func:`averaged`): the two of the holdout's halves
(``synthetic-f``, ``holdout-f``), then, ``DRAW_BATCH`` at a time, seeded samples of that size
(``synthetic~j`` from the synthetic rows the metrics see, ``holdout~j`` from the whole holdout)
until the jackknife standard error of the side's agreement is at most ``TARGET_SE`` or the
budget of :func:`draws` is spent (none where the models train on ``STEADY_ROWS`` rows or more;
``DRAW_ROWS`` training rows, four times that for the linear
model, at most ``Config.importance_models`` models; the forest averages its own trees: its two halves' models;
xgboost on more than two classes counts a row once per class). ``models_averaged`` and
``draw_se`` in ``details`` say how many models each side took and how precise its agreement is.
Five seeds on the same fresh rows (``docs/validity.md``): range 0.099 -> about 0.01 on the Fair
survey, 0.063 -> under 0.01 on scarce RAND health rows, and 0.098 -> about 0.02 on the 569-row
breast cancer table, whose 71-row halves leave single models so erratic (xgboost picks one of
several near-equal measurements of the tumour; the linear model's coefficients share them at
random) that 192 models a side leave a standard error of 0.02 per model kind. The model trained
on every synthetic row the models may take gives ``full_size`` (and ``score_full_size``) where
it trains on more rows.
Interval: per model kind, Fisher's interval of a correlation over as many pairs as there are
features (at least four), widened by 1.96 times the synthetic side's ``draw_se`` (how much other
models of that size would move the agreement); the metric's is the mean of their bounds.
Details: per model kind, the importance shares and ranking
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
#: Training rows the models of one side may add up to, at most ``Config.importance_models``
#: models (see :func:`draws`).
DRAW_ROWS = 48_000
#: Models trained on this many rows (xgboost: rows x classes) rely on features steadily: the
#: halves' two models suffice, no draws (on the 100k benchmark's 20,000-row models the halves'
#: standard errors are 0.005 for xgboost, 0.001 for the forest and 0.011 for the linear model:
#: about 0.004 for the metric, their mean).
STEADY_ROWS = 12_000
#: The linear model's draws may add up to this many times ``DRAW_ROWS`` rows (it fits fast).
LINEAR_BUDGET = 4
#: A side stops adding models once the jackknife standard error of its agreement is at most this
#: (five seeds then move the metric, a mean over model kinds, by about 0.02 at most), judged from
#: ``MIN_MODELS`` models on, ``DRAW_BATCH`` models at a time (see :func:`averaged`).
TARGET_SE = 0.008
MIN_MODELS = 4
DRAW_BATCH = 4


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


def draws(kind: str, rows: int, classes: int = 2, most: int = 192) -> int:
    """Models whose importances a side may average at most (see the module's docstring): 2, one
    per half of the holdout, for the forest (it averages its trees already) and for models on
    ``STEADY_ROWS`` rows or more; else ``DRAW_ROWS / rows`` (four times that for the linear
    model), at least 2 and at most ``most`` (``Config.importance_models``). xgboost grows a tree
    per class and round for more than two classes, so its rows count once per class there (its
    importances average those trees, too). :func:`averaged` stops earlier once the agreement is
    precise.

    Examples
    --------
    >>> draws("xgboost", 71), draws("xgboost", 800), draws("linear", 3_000), draws("linear", 20_000)
    (192, 60, 64, 2)
    >>> draws("xgboost", 2_500), draws("xgboost", 2_500, classes=4), draws("random_forest", 800)
    (20, 5, 2)
    """
    work = rows * (classes if kind == "xgboost" and classes > 2 else 1)
    if kind == "random_forest" or work >= STEADY_ROWS:
        return 2
    budget = DRAW_ROWS * (LINEAR_BUDGET if kind == "linear" else 1)
    return int(np.clip(-(-budget // max(work, 1)), 2, max(most, 2)))


def jackknife_se(reference: np.ndarray, importances: np.ndarray) -> float:
    """The jackknife standard error of ``importance_agreement(reference, mean of the rows of
    importances)``: how much the agreement of the mean importance would move with other models of
    the same kind and size (nan for fewer than two models).

    Examples
    --------
    >>> reference = np.array([0.5, 0.3, 0.2])
    >>> jackknife_se(reference, np.tile(reference, (4, 1)))  # the models agree: no spread
    0.0
    >>> noisy = np.random.default_rng(0).dirichlet(np.ones(3), size=(2, 40))
    >>> few, many = jackknife_se(reference, noisy[0][:10]), jackknife_se(reference, noisy.reshape(80, 3))
    >>> bool(0 < many < few)
    True
    """
    m = len(importances)
    if m < 2:
        return float("nan")
    loo = (importances.sum(axis=0) - importances) / (m - 1)  # leave-one-out means, a row each
    values = np.array([importance_agreement(reference, row) for row in loo])
    return float(np.sqrt((m - 1) / m * np.sum((values - values.mean()) ** 2)))


def averaged(
    s, prepared: Prepared, kind: str, side: str, reference: np.ndarray, rows: np.ndarray, precise: bool = True
) -> tuple:
    """One side's (``synthetic`` or ``holdout``) importance: the mean over models of the
    size-matched training size (see the module's docstring), its models, and the jackknife standard
    error of its agreement with ``reference``. The two halves' models first; then (with a holdout)
    seeded draws of that size (``side~j``), ``DRAW_BATCH`` at a time, until the standard error is
    at most ``TARGET_SE`` (checked from ``MIN_MODELS`` models on) or :func:`draws` allows no more.
    Deterministic: the draws are seeded and taken in order. Without a holdout, the one synthetic
    model; with ``precise`` false, the halves' models only. The draws' models are not kept
    (nothing else reads them)."""
    if s.folds is None:
        model = fit(s, prepared, kind, "synthetic")
        return model_importance(s, model, rows), [model], float("nan")
    fitted = [fit(s, prepared, kind, f"{side}-{f}") for f in range(len(s.folds))]
    importances = [model_importance(s, model, rows) for model in fitted]
    limit = (
        draws(kind, len(s.matched[0][0]), s.n_classes, prepared.config.importance_models) if precise else len(fitted)
    )
    j = 0
    while len(fitted) < limit:
        if len(fitted) >= MIN_MODELS and jackknife_se(reference, np.array(importances)) <= TARGET_SE:
            break
        for _ in range(min(DRAW_BATCH, limit - len(fitted))):
            model = fit(s, prepared, kind, f"{side}~{j}")
            s.models.pop((kind, f"{side}~{j}"), None)
            importances.append(model_importance(s, model, rows))
            fitted.append(model)
            j += 1
    importances = np.array(importances)
    return importances.mean(axis=0), fitted, jackknife_se(reference, importances)


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
        synthetic_check = signal(s, prepared, kind, "synthetic")
        # rows that do not follow the real relation count as chance whatever their importances:
        # the halves' models show them, no draws are needed to pin their agreement down
        imp_s, fitted, se_s = averaged(s, prepared, kind, "synthetic", imp_r, rows, precise=synthetic_check.passed)
        raw = importance_agreement(imp_r, imp_s)
        score = raw if synthetic_check.passed else 0.0
        interval = agreement_interval(score, n_features) if synthetic_check.passed else (0.0, 0.0)
        if interval is not None and synthetic_check.passed and np.isfinite(se_s):
            # the draws' error too: other models of the same size would agree differently
            interval = (max(-1.0, interval[0] - Z95 * se_s), min(1.0, interval[1] + Z95 * se_s))
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
            imp_h, baseline_models, se_h = averaged(s, prepared, kind, "holdout", imp_r, rows)
            baseline = importance_agreement(imp_r, imp_h)
            entry["holdout"] = _ranked(imp_h, labels)
            entry["baseline"] = rounded(baseline)
            entry["train_rows"] = {"real": fit(s, prepared, kind, "real").train_rows, "synthetic": fitted[0].train_rows}
            entry["models_averaged"] = {"synthetic": len(fitted), "holdout": len(baseline_models)}
            entry["draw_se"] = {"synthetic": rounded(se_s), "holdout": rounded(se_h)}
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

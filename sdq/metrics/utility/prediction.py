"""``prediction``: do models trained on synthetic data predict real data as well as models
trained on real data? (train-synthetic-test-real vs train-real-test-real)

For each model kind (``Config.models``: xgboost, a random forest, a linear model), one model is
trained on the synthetic rows (TSTR) and one on the real training rows (TRTR); both predict the
holdout. Per model, the chance-adjusted ratio

    classification:  (AUC_tstr - 0.5) / (AUC_trtr - 0.5)     (one-vs-rest macro AUC for several classes)
    regression:      R2_tstr / R2_trtr

**unclipped**: the metric is the mean of the ratios over model kinds, clipped to [0, 1] once, at
the end. (Clipping each model's ratio at 0 before the mean counted luck above chance and dropped
luck below it: uniform noise scored 0.18 on average where independent columns scored 0.) 1.0:
synthetic data trains models that are as good as real data does. 0.0: models trained on it do no
better than chance (as the constant model of a synthetic target with a single class does).

Two chance checks, shared with ``feature_importance`` (see :func:`sdq.metrics.utility.models.signal`):

* a model kind whose real-data model is not better than chance on the test rows (a permutation
  test at 5%, and an edge of at least 0.02) is left out of the mean, and if all are, the metric is
  ``skipped``: there is nothing to preserve;
* a model trained on synthetic data counts as chance, a ratio of 0, however it scores on the test
  rows, when the synthetic rows do not follow the real relation between features and target
  (the real-data model predicts the synthetic rows no better than chance: train real, test
  synthetic). On data whose features all move together, a model fitted to noise separates the
  real classes well or badly by luck; unclipped, that luck averages out only over many draws.

Baseline: models trained on one half of the holdout, scored on the other half (cross-fitted),
over TRTR on the same rows. Interval: bootstrap over test rows (m-out-of-n,
rescaled). Details: accuracy and macro F1 (classification) or MAE and RMSE (regression, in the
target's units; null where they exceed the float range, as errors on a target near the float
maximum can) of every model; each model's checks (``checks``: score on unseen rows, edge, p-value,
rows, passed) and the ratio before the synthetic check (``raw_ratio``); ``large_values`` where
numbers too large for the models were divided by a power of two or bounded (see
:mod:`sdq.metrics.utility.models`).
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import clip01, rounded, shifted_ci
from sdq.metrics.utility.models import (
    ConstantClassifier,
    chance_adjusted,
    fit,
    large_values,
    predict,
    primary_score,
    setup,
    signal,
)
from sdq.prepare import Prepared, in_units
from sdq.shapes import Models

__all__ = ["prediction", "chance_ratio"]


def _secondary(task: str, y: np.ndarray, pred: np.ndarray, exponent: int = 0) -> dict[str, float]:
    """Accuracy and macro F1, or MAE and RMSE of a target divided by ``2**exponent``, multiplied
    back into the target's units (infinite, so null in JSON, beyond the float range)."""
    if task == "regression":
        err = pred - y
        mae, rmse = float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2)))
        return {"mae": in_units(mae, exponent), "rmse": in_units(rmse, exponent)}
    from sklearn.metrics import f1_score

    label = pred.argmax(axis=1)
    return {
        "accuracy": float(np.mean(label == y)),
        "macro_f1": float(f1_score(y, label, average="macro", labels=np.unique(y), zero_division=0)),
    }


def chance_ratio(task: str, tstr: np.ndarray, trtr: np.ndarray) -> np.ndarray:
    """The chance-adjusted ratio of a score to the real model's, **not clipped** (NaN where the
    real model is not above chance): below 0 when the model is worse than chance, above 1 when it
    beats the real one.

    Examples
    --------
    >>> float(chance_ratio("classification", np.array(0.75), np.array(1.0)))  # 0.25 / 0.5
    0.5
    >>> float(chance_ratio("classification", np.array(0.375), np.array(1.0)))  # -0.125 / 0.5: kept
    -0.25
    >>> float(chance_ratio("regression", np.array(0.6), np.array(0.5)))
    1.2
    """
    a, b = chance_adjusted(task, tstr), chance_adjusted(task, trtr)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _interval(point: float, samples: np.ndarray, factor: float) -> list[float] | None:
    """A model's ratio's interval, as :func:`~sdq.metrics._common.shifted_ci` but not clipped (the
    ratio is not): the bootstrap replicates' spread around their mean, scaled by ``factor``."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    if len(samples) < 2:
        return None
    low, high = np.quantile(samples, [0.025, 0.975]) - samples.mean()
    return [point + factor * low, point + factor * high]


@metric(
    "prediction",
    "utility",
    shape=Models(),
    group="utility-models",
    needs=("target",),
    summary="Models trained on synthetic data predict the holdout as well as models trained on real data (TSTR vs TRTR).",
    one="models trained on synthetic data are as good as models trained on real data",
    zero="models trained on synthetic data do no better than chance",
)
def prediction(prepared: Prepared) -> Outcome:
    s = setup(prepared)
    config = prepared.config
    rng = prepared.rng("prediction")
    test_x, test_y = s.x[s.test_name], s.y[s.test_name]
    n_test = len(test_y)
    m = min(n_test, config.bootstrap_rows)
    idx = rng.integers(0, n_test, size=(config.n_bootstrap, m)) if config.n_bootstrap else None
    name = "auc" if s.task != "regression" else "r2"
    models, ratios, base_ratios, boots, left_out = [], [], [], [], []
    for kind in config.models:
        trtr, tstr = fit(s, prepared, kind, "real"), fit(s, prepared, kind, "synthetic")
        p_r, p_s = predict(s, trtr, test_x), predict(s, tstr, test_x)
        score_r = float(primary_score(s.task, test_y, p_r, s.n_classes))
        score_s = float(primary_score(s.task, test_y, p_s, s.n_classes))
        entry = {
            "model": kind,
            "trtr": {name: rounded(score_r), **_secondary(s.task, test_y, p_r, s.target_exponent)},
            "tstr": {name: rounded(score_s), **_secondary(s.task, test_y, p_s, s.target_exponent)},
            "train_rows": {"real": trtr.train_rows, "synthetic": tstr.train_rows},
        }
        if isinstance(tstr.model, ConstantClassifier):
            entry["tstr"]["note"] = (
                f"the synthetic target has a single class ({s.classes[tstr.classes_present[0]]!r}): a constant model"
            )
        real_check = signal(s, prepared, kind, "real")
        entry["checks"] = {"real": real_check.to_dict()}
        if not real_check.passed:
            entry["note"] = (
                f"left out: the model trained on real data is no better than chance "
                f"({name} {real_check.score:.3f}, p = {real_check.p:.3f})"
            )
            left_out.append(kind)
            models.append(entry)
            continue
        synthetic_check = signal(s, prepared, kind, "synthetic")
        entry["checks"]["synthetic"] = synthetic_check.to_dict()
        raw = float(chance_ratio(s.task, np.array(score_s), np.array(score_r)))
        ratio = raw if synthetic_check.passed else 0.0
        entry["raw_ratio"] = rounded(raw)
        entry["ratio"] = rounded(ratio)
        if not synthetic_check.passed:
            entry["tstr"].setdefault(
                "note",
                "counted as chance (0): the synthetic rows do not follow the real relation between features and "
                f"target (the model trained on real data predicts them with {name} {synthetic_check.score:.3f}, "
                f"p = {synthetic_check.p:.3f})",
            )
        if idx is not None:
            if synthetic_check.passed:
                boot = chance_ratio(
                    s.task,
                    primary_score(s.task, test_y[idx], p_s[idx], s.n_classes),
                    primary_score(s.task, test_y[idx], p_r[idx], s.n_classes),
                )
            else:
                boot = np.zeros(len(idx))
            boots.append(boot)
            entry["ci"] = rounded(_interval(ratio, boot, np.sqrt(m / n_test)))
        if s.folds is not None:
            fold_ratios, fold_scores = [], []
            for f, rows in enumerate(s.folds):
                thtr = fit(s, prepared, kind, f"holdout-{f}")
                score_h = primary_score(s.task, test_y[rows], predict(s, thtr, test_x[rows]), s.n_classes)
                score_rf = primary_score(s.task, test_y[rows], p_r[rows], s.n_classes)
                fold_ratios.append(float(chance_ratio(s.task, np.array(score_h), np.array(score_rf))))
                fold_scores.append(float(score_h))
            entry["baseline"] = {
                name: rounded(np.mean(fold_scores)),
                "ratio": rounded(np.nanmean(fold_ratios)),
                "train_rows": thtr.train_rows,
            }
            base_ratios.append(float(np.nanmean(fold_ratios)))
        ratios.append(ratio)
        models.append(entry)
    if not ratios:
        raise Skip(
            f"the real data itself predicts {prepared.schema[prepared.schema.target].label!r} "
            f"no better than chance with any model ({', '.join(left_out)}); there is no utility to preserve"
        )
    score = float(np.mean(ratios))
    ci = None
    if boots:
        stacked = np.vstack(boots)
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(stacked).any(axis=0)
            per_replicate = np.full(stacked.shape[1], np.nan)
            per_replicate[valid] = np.nanmean(stacked[:, valid], axis=0)
        ci = shifted_ci(score, per_replicate, np.sqrt(m / n_test))
    message = None
    if s.optimistic:
        message = "optimistic: no holdout, so 30% of the real rows were the test set, and the generator saw those rows"
    details = {
        "task": s.task,
        "task_reason": s.task_reason,
        "score_name": name,
        "classes": [str(c) for c in s.classes] if s.classes is not None else None,
        "models": models,
        "left_out": left_out,
        "features": [f.label for f in s.features],
        "test": {"data": s.test_name, "rows": n_test},
        "rows_without_target": s.dropped,
        "n_bootstrap": config.n_bootstrap,
        "bootstrap_rows": m,
        **large_values(s),
    }
    return Outcome(
        score=clip01(score),
        baseline=clip01(float(np.mean(base_ratios))) if base_ratios else None,
        ci=ci,
        details=details,
        message=message,
    )

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
over TRTR on the same rows. **Size-matched**: with a holdout, the synthetic models are trained
the same way: per half, a model trained on a seeded sample of the synthetic rows of exactly the
baseline model's training size, scored on the same half as the baseline model, its ratio over
TRTR on that half; per model kind the mean over the two halves, like the baseline's. (Trained on
every synthetic row, the models had more rows than the baseline's half of the holdout, and fresh
real data beat its own baseline: 1.000 against 0.895 on the Fair survey, 0.941 against 0.855 on
RAND's health data.) The model trained on every synthetic row the models may take
(``model_rows`` at most), scored on the whole holdout, is the full-size figure: ``full_size``
per model, ``score_full_size`` for the metric (where it trains on more rows than the matched
models). Without a holdout, one model trained on the synthetic rows is scored on the test rows.

Interval: bootstrap over test rows (within each half; m-out-of-n, rescaled), widened to at least
the halves' spread (:func:`fold_spread`, ``details.fold_spread``): the noise of the training rows,
which the bootstrap does not see (with it, fresh real rows' interval held the baseline in 13 of 15
runs on three tables, five seeds each; without it, in 8). A model counted as chance is 0 by rule and its interval
is not widened; the metric's is widened in proportion to the models whose ratio was measured. Details: accuracy and macro F1 (classification) or
MAE and RMSE (regression, in the target's units; null where they exceed the float range, as
errors on a target near the float maximum can) of every model (``tstr``: each holdout row
predicted by the size-matched model of its half); per half (``folds``): rows, training rows and
the scores of the real, synthetic and holdout models and both ratios; each model's checks
(``checks``: score on unseen rows, edge, p-value, rows, passed) and the ratio before the
synthetic check (``raw_ratio``); ``memory_estimate_mb`` and the model kinds left out for the
memory budget (``left_out_memory``, see :mod:`sdq.metrics.utility.models`); ``large_values``
where numbers too large for the models were divided by a power of two or bounded.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import clip01, rounded
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
    name = "auc" if s.task != "regression" else "r2"
    if s.folds is None:
        # no holdout: one synthetic model, scored on every test row
        parts = [np.arange(n_test)]
        m_parts = [min(n_test, config.bootstrap_rows)]
    else:
        # size-matched: per fold, the synthetic model trained on as many rows as the baseline's,
        # scored on the fold's rows, as the baseline model is
        parts = s.folds
        m_parts = [min(len(rows), -(-config.bootstrap_rows // len(parts))) for rows in parts]
    idx = [rng.integers(0, len(rows), size=(config.n_bootstrap, m)) for rows, m in zip(parts, m_parts)]
    factor = float(np.sqrt(sum(m_parts) / sum(len(rows) for rows in parts)))
    models, ratios, base_ratios, boots, left_out, too_big, pairs = [], [], [], [], [], [], []
    for kind in config.models:
        if kind in s.too_big:
            models.append({"model": kind, "note": s.too_big[kind]})
            too_big.append(kind)
            continue
        trtr = fit(s, prepared, kind, "real")
        p_r = predict(s, trtr, test_x)
        score_r = float(primary_score(s.task, test_y, p_r, s.n_classes))
        entry = {"model": kind, "trtr": {name: rounded(score_r), **_secondary(s.task, test_y, p_r, s.target_exponent)}}
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
        sources = ["synthetic"] if s.folds is None else [f"synthetic-{f}" for f in range(len(parts))]
        fitted = [fit(s, prepared, kind, source) for source in sources]
        # every test row predicted by the synthetic model of its part (cross-fitted over the folds)
        p_s = np.zeros_like(p_r)
        fold_scores, fold_trtr, fold_ratios, fold_entries, fold_predictions = [], [], [], [], []
        for rows, model in zip(parts, fitted):
            p_s[rows] = predict(s, model, test_x[rows])
            fold_predictions.append(p_s[rows])
            score_s = float(primary_score(s.task, test_y[rows], p_s[rows], s.n_classes))
            score_rf = float(primary_score(s.task, test_y[rows], p_r[rows], s.n_classes))
            fold_scores.append(score_s)
            fold_trtr.append(score_rf)
            fold_ratios.append(float(chance_ratio(s.task, np.array(score_s), np.array(score_rf))))
            fold_entries.append(
                {
                    "rows": int(len(rows)),
                    "train_rows": model.train_rows,
                    "trtr": rounded(score_rf),
                    "tstr": rounded(score_s),
                }
            )
        raw = float(np.nanmean(fold_ratios))
        ratio = raw if synthetic_check.passed else 0.0
        entry["tstr"] = {name: rounded(np.mean(fold_scores)), **_secondary(s.task, test_y, p_s, s.target_exponent)}
        entry["train_rows"] = {"real": trtr.train_rows, "synthetic": fitted[0].train_rows}
        entry["raw_ratio"] = rounded(raw)
        entry["ratio"] = rounded(ratio)
        constant = next((m for m in fitted if isinstance(m.model, ConstantClassifier)), None)
        if constant is not None:
            entry["tstr"]["note"] = (
                f"the synthetic target has a single class ({s.classes[constant.classes_present[0]]!r}): a constant model"
            )
        if not synthetic_check.passed:
            entry["tstr"].setdefault(
                "note",
                "counted as chance (0): the synthetic rows do not follow the real relation between features and "
                f"target (the model trained on real data predicts them with {name} {synthetic_check.score:.3f}, "
                f"p = {synthetic_check.p:.3f})",
            )
        if config.n_bootstrap:
            if synthetic_check.passed:
                boot = np.nanmean(
                    [
                        chance_ratio(
                            s.task,
                            primary_score(s.task, test_y[rows][i], predicted[i], s.n_classes),
                            primary_score(s.task, test_y[rows][i], p_r[rows][i], s.n_classes),
                        )
                        for rows, i, predicted in zip(parts, idx, fold_predictions)
                    ],
                    axis=0,
                )
            else:
                boot = np.zeros(config.n_bootstrap)
            boots.append(boot)
            entry["ci"] = _interval(ratio, boot, factor)
        if s.folds is not None:
            base_scores, base_fold_ratios = [], []
            for f, rows in enumerate(s.folds):
                thtr = fit(s, prepared, kind, f"holdout-{f}")
                score_h = float(primary_score(s.task, test_y[rows], predict(s, thtr, test_x[rows]), s.n_classes))
                base_fold_ratios.append(float(chance_ratio(s.task, np.array(score_h), np.array(fold_trtr[f]))))
                base_scores.append(score_h)
                fold_entries[f]["holdout"] = rounded(score_h)
                fold_entries[f]["ratio"] = rounded(fold_ratios[f])
                fold_entries[f]["baseline_ratio"] = rounded(base_fold_ratios[-1])
            entry["baseline"] = {
                name: rounded(np.mean(base_scores)),
                "ratio": rounded(np.nanmean(base_fold_ratios)),
                "train_rows": thtr.train_rows,
            }
            entry["folds"] = fold_entries
            base_ratios.append(float(np.nanmean(base_fold_ratios)))
            # the two halves' ratios of each side: how far one model's ratio moves with its
            # training and test rows (see :func:`fold_spread`)
            pairs.append(base_fold_ratios)
            if synthetic_check.passed:
                pairs.append(fold_ratios)
            entry["full_size"] = _full_size(s, prepared, kind, fitted, test_x, test_y, score_r, synthetic_check.passed)
        ratios.append(ratio)
        models.append(entry)
    if not ratios:
        if too_big and not left_out:
            raise Skip("; ".join(s.too_big[kind] for kind in too_big))
        raise Skip(
            f"the real data itself predicts {prepared.schema[prepared.schema.target].label!r} "
            f"no better than chance with any model ({', '.join(left_out)}); there is no utility to preserve"
        )
    score = float(np.mean(ratios))
    ci = None
    spread = fold_spread(pairs)
    if boots:
        stacked = np.vstack(boots)
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(stacked).any(axis=0)
            per_replicate = np.full(stacked.shape[1], np.nan)
            per_replicate[valid] = np.nanmean(stacked[:, valid], axis=0)
        # widened where a ratio was measured: a model counted as chance (0) by the synthetic check
        # is 0 by that rule, and the mean over models carries the spread in the share measured
        measured = [entry for entry in models if "ci" in entry and entry["checks"]["synthetic"]["passed"]]
        share = len(measured) / len(ratios)
        scaled = (spread[0] * share, spread[1]) if spread is not None else None
        ci = _widened(_interval(score, per_replicate, factor), score, scaled)
        for entry in models:
            if "ci" in entry:
                entry["ci"] = rounded(_widened(entry["ci"], entry["ratio"], spread if entry in measured else None))
        ci = (clip01(ci[0]), clip01(ci[1])) if ci is not None else None
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
        "left_out_memory": too_big,
        "features": [f.label for f in s.features],
        "test": {
            "data": s.test_name,
            "rows": n_test,
            **({"sampled_from": s.holdout_rows[1]} if s.holdout_rows is not None else {}),
        },
        "size_matched": s.folds is not None,
        "rows_without_target": s.dropped,
        "n_bootstrap": config.n_bootstrap,
        "bootstrap_rows": int(sum(m_parts)),
        "fold_spread": {"half_width": rounded(spread[0]), "pairs": spread[1]} if spread is not None else None,
        "memory_estimate_mb": {k: round(v / 2**20, 1) for k, v in s.memory.items()},
        **large_values(s),
    }
    full = [
        m["full_size"]["ratio"] for m in models if isinstance(m.get("full_size"), dict) and "ratio" in m["full_size"]
    ]
    if full and len(full) == len(ratios):
        details["score_full_size"] = rounded(clip01(float(np.mean(full))))
    return Outcome(
        score=clip01(score),
        baseline=clip01(float(np.mean(base_ratios))) if base_ratios else None,
        ci=ci,
        details=details,
        message=message,
    )


def fold_spread(pairs: list[list[float]]) -> tuple[float, int] | None:
    """The half-width of a 95% interval for a mean of two halves' ratios, from how far the two
    halves' ratios of each pair differ, and the degrees of freedom behind it (the pairs).

    Each pair holds the ratios of the two models of one side (size-matched synthetic, or baseline)
    of one model kind, each trained on other rows and scored on other rows: their difference
    holds the noise of the training rows that the bootstrap over test rows does not see. Pooled
    over pairs, the variance of one ratio is ``mean((a - b)**2 / 2)``, that of the mean of two
    half of it; the half-width is Student's t quantile (as many degrees of freedom as pairs) times
    its square root. None without a pair.

    Examples
    --------
    >>> half, n = fold_spread([[0.9, 0.7], [0.8, 0.8]])  # variance (0.02 + 0) / 2, of the mean 0.005
    >>> n, round(half, 3)  # t(0.975, 2 df) = 4.303, sqrt(0.005) = 0.0707
    (2, 0.304)
    """
    from scipy.stats import t

    found = [(a - b) ** 2 / 2 for a, b in pairs if np.isfinite(a) and np.isfinite(b)]
    if not found:
        return None
    return float(t.ppf(0.975, len(found)) * np.sqrt(np.mean(found) / 2)), len(found)


def _widened(ci, point: float, spread: tuple[float, int] | None):
    """The interval ``ci`` around ``point``, widened on either side to at least the fold spread's
    half-width (:func:`fold_spread`)."""
    if ci is None or spread is None or point is None:
        return ci
    return [min(ci[0], point - spread[0]), max(ci[1], point + spread[0])]


def _full_size(s, prepared, kind, fitted, test_x, test_y, score_r, passed) -> dict:
    """The model trained on every synthetic row the models may take, scored on every test row, where it
    trains on more rows than the size-matched models (the headline); its ratio to the real model's."""
    n_full = min(len(s.y["synthetic_full" if "synthetic_full" in s.y else "synthetic"]), prepared.config.model_rows)
    matched = max(m.train_rows for m in fitted)
    if n_full <= matched:
        return {"train_rows": matched, "note": "the size-matched models already train on as many synthetic rows"}
    model = fit(s, prepared, kind, "synthetic")
    name = "auc" if s.task != "regression" else "r2"
    score = float(primary_score(s.task, test_y, predict(s, model, test_x), s.n_classes))
    raw = float(chance_ratio(s.task, np.array(score), np.array(score_r)))
    return {
        "train_rows": model.train_rows,
        name: rounded(score),
        "raw_ratio": rounded(raw),
        "ratio": rounded(raw if passed else 0.0),
    }

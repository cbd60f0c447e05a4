"""``augmentation``: do synthetic rows added to the real training rows train a better model?

The common reason to make synthetic rows is to add them to scarce real data (fraud cases, a rare
class) and train a better model than the real rows alone would. This metric measures it, on real
rows no model saw. Three models of one kind (``model``; by default the first of ``Config.models``,
xgboost) are compared:

* **real alone**: trained on the real training rows (``prediction``'s model trained on real rows);
* **real + synthetic**: the same real rows plus ``n`` synthetic rows;
* **real + holdout** (the reference): the same real rows plus ``n`` real holdout rows instead.

Cross-fitted over the holdout's two halves (those of ``prediction``): for half ``f``, the real
rows added are the holdout rows of the other half (``n`` of them: the half's size, at most
``model_rows``), the synthetic rows added a seeded sample of the same size (``prediction``'s
size-matched sample), and all three models are scored on half ``f``: rows none of them saw.

What is scored (each a *part*):

* **all rows**: ROC AUC (one-vs-rest macro for several classes), or R^2 for a regression target;
* **the minority class**, for a classification target whose rarest class has a share below
  ``minority_share`` of the real training rows: the average precision (PR-AUC) of the predicted
  probability of that class, and, in ``details``, the recall at a precision of ``precision`` (the
  share of the minority rows found when at least that share of the rows flagged are minority
  rows: what a fraud team working down the list would catch).

Per part, the gains over the model trained on real rows alone, averaged over the two halves:
``gain_synthetic`` and ``gain_real``, and the score

    clip(gain_synthetic / gain_real, 0, 1)

how much of the gain that as many real rows would give the synthetic rows give. 1.0: they help as
much as real rows would (or more). 0.0: they do not help, or they hurt. The metric is the mean over
the parts scored.

**No measurable gain from real rows.** Where the real data is plentiful, or the target not
predictable, adding real rows does not improve the model, and a ratio of two noisy gains would be
noise. A part is scored only when the real rows' gain is at least ``min_gain`` and the lower end
of its one-sided 95% bootstrap interval is above 0. Otherwise the part is reported (its gains and
their intervals in ``details``, with a note) and not scored; if no part is scored, the metric is
``skipped``, with the gains in its message: there is nothing for synthetic rows to live up to.

Baseline: 1.0, by construction: the real holdout rows are what a perfect generator would add.
Interval, per part: the bootstrap over the holdout rows within each half (m-out-of-n, rescaled),
the ratio of each replicate's gains (a replicate in which the real rows gain nothing counts 1 if
the synthetic rows gain at least as much, else 0), widened to at least the unclipped ratio plus or
minus the halves' spread: the two halves' gains of each side (synthetic, real) differ by the noise
of the rows added and scored, which the bootstrap does not see (fresh real rows added to RAND's
health data gained 0.48 of the real rows' gain, bootstrap interval [0.18, 0.81], on one split,
and 1.00 on another); pooled over sides and parts, in units of the real rows' gain, Student's t
with as many degrees of freedom as pairs. The metric's interval is the mean of its parts' bounds.

Details (the ``models`` shape, one entry per part): the scores of the three models (``trtr``: real
alone, ``tstr``: real + synthetic, ``baseline``: real + holdout), the unclipped ratio and its
interval, the gains with their intervals, per half the rows scored and added and the three scores;
the training rows; the minority class, its share and the precision.
"""

from __future__ import annotations

import numpy as np

from sdq.config import MODEL_KINDS
from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import clip01, rounded
from sdq.metrics.utility.models import fit, memory_estimate, memory_note, predict, primary_score, setup
from sdq.prepare import Prepared
from sdq.shapes import Models

__all__ = ["augmentation", "average_precision", "recall_at_precision", "gain_ratio"]

#: What the figures and tables call the three models and the ratio.
LABELS = {
    "real": "real rows alone",
    "synthetic": "real + synthetic rows",
    "holdout": "real + holdout rows",
    "ratio": "gain ratio (synthetic / real rows)",
}


def _tie_ends(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores sorted from highest to lowest along the last axis (the order) and, per position, the
    position of the last element of its run of ties."""
    order = np.argsort(-score, axis=-1, kind="stable")
    ranked = np.take_along_axis(score, order, axis=-1)
    m = score.shape[-1]
    last = np.ones(ranked.shape, dtype=bool)
    last[..., :-1] = ranked[..., 1:] != ranked[..., :-1]
    index = np.where(last, np.arange(m), m)
    ends = np.flip(np.minimum.accumulate(np.flip(index, axis=-1), axis=-1), axis=-1)
    return order, ends


def average_precision(y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Average precision (the area under the precision-recall curve as a step function, ties as one
    threshold, as scikit-learn computes it) of binary labels ``y`` along the last axis; NaN without
    a positive.

    Examples
    --------
    >>> round(float(average_precision(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]))), 6)  # (1 + 2/3) / 2
    0.833333
    >>> float(average_precision(np.array([1, 0, 1, 0]), np.array([0.5, 0.5, 0.5, 0.5])))  # one threshold
    0.5
    """
    y = np.asarray(y, dtype=float)
    order, ends = _tie_ends(np.asarray(score, dtype=float))
    hits = np.take_along_axis(y, order, axis=-1)
    true_positives = np.cumsum(hits, axis=-1)
    precision = true_positives / (np.arange(y.shape[-1]) + 1)
    positives = hits.sum(axis=-1)
    # every positive counts the precision at the end of its run of ties, divided by the positives
    at_end = np.take_along_axis(precision, ends, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(positives > 0, (hits * at_end).sum(axis=-1) / positives, np.nan)


def recall_at_precision(y: np.ndarray, score: np.ndarray, precision: float) -> np.ndarray:
    """The largest recall of binary labels ``y`` among the thresholds (between runs of tied scores)
    at which the rows scored at or above it have a precision of at least ``precision``; 0 where no
    threshold does, NaN without a positive.

    Examples
    --------
    >>> y, s = np.array([1, 0, 1, 0, 1]), np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    >>> float(recall_at_precision(y, s, 0.6))  # the top 5 hold 3 positives: precision 0.6, recall 1
    1.0
    >>> float(recall_at_precision(y, s, 0.7))  # the top 3: precision 2/3; only the top row is enough
    0.3333333333333333
    """
    y = np.asarray(y, dtype=float)
    order, ends = _tie_ends(np.asarray(score, dtype=float))
    hits = np.take_along_axis(y, order, axis=-1)
    true_positives = np.cumsum(hits, axis=-1)
    positives = hits.sum(axis=-1, keepdims=True)
    m = y.shape[-1]
    at_threshold = ends == np.arange(m)  # the last row of a run of ties: a threshold
    ok = at_threshold & (true_positives >= precision * (np.arange(m) + 1) - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(ok, true_positives / positives, 0.0).max(axis=-1)
    return np.where(positives[..., 0] > 0, recall, np.nan)


def gain_ratio(gain_synthetic: np.ndarray, gain_real: np.ndarray) -> np.ndarray:
    """``gain_synthetic / gain_real`` clipped to [0, 1]; where the real rows gain nothing (0 or
    less): 1 if the synthetic rows gain at least as much, else 0.

    Examples
    --------
    >>> gain_ratio(np.array([0.02, -0.01, 0.05, 0.0, -0.02]), np.array([0.04, 0.04, 0.04, -0.01, -0.01]))
    array([0.5, 0. , 1. , 1. , 0. ])
    """
    gain_synthetic, gain_real = np.asarray(gain_synthetic, dtype=float), np.asarray(gain_real, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gain_real > 0, gain_synthetic / np.where(gain_real > 0, gain_real, 1.0), 0.0)
    none = np.where(gain_synthetic >= gain_real, 1.0, 0.0)
    return np.clip(np.where(gain_real > 0, ratio, none), 0.0, 1.0)


def _spread(point: float, replicates: np.ndarray, factor: float, levels=(0.025, 0.975)) -> list[float] | None:
    """The replicates' quantiles around their mean, scaled by ``factor``, set around ``point``."""
    replicates = replicates[np.isfinite(replicates)]
    if len(replicates) < 2 or not np.isfinite(point):
        return None
    return [point + factor * (q - replicates.mean()) for q in np.quantile(replicates, levels)]


@metric(
    "augmentation",
    "utility",
    shape=Models(),
    group="utility-augmentation",
    needs=("target", "holdout"),
    params={
        "model": Param(
            choices=("auto", *MODEL_KINDS),
            doc="the model kind trained with and without the added rows (auto: the first of Config.models)",
        ),
        "precision": Param(low=0.01, high=1.0, doc="the precision at which the minority class's recall is read"),
        "minority_share": Param(
            low=0.0, high=0.5, doc="a class rarer than this share of the real training rows is scored on its own"
        ),
        "min_gain": Param(low=0.0, high=1.0, doc="the smallest gain of the real rows that is scored"),
    },
    summary="Synthetic rows added to the real training rows improve a model on real holdout rows as much as as many real rows would.",
    one="the synthetic rows improve the model as much as as many real rows would (or more)",
    zero="the synthetic rows do not improve the model, or make it worse",
)
def augmentation(
    prepared: Prepared,
    *,
    model: str = "auto",
    precision: float = 0.5,
    minority_share: float = 0.2,
    min_gain: float = 0.005,
) -> Outcome:
    s = setup(prepared, work="utility.augmentation")
    config = prepared.config
    model = config.models[0] if model == "auto" else model
    if s.folds is None:
        raise Skip("the holdout has fewer than 20 rows with a target value: no halves to add and to score")
    if model in s.too_big:
        raise Skip(s.too_big[model])
    test_x, test_y = s.x["holdout"], s.y["holdout"]
    n_real = min(len(s.y["real"]), config.model_rows)
    added = [len(synthetic) for synthetic, _ in s.matched]
    # the models train on the real rows and the added ones together: the memory budget, again
    need = (
        s.memory["data"]
        + memory_estimate(
            s.task, n_real + max(added), len(s.features), sum(s.categorical), s.n_classes, config, len(test_y)
        )[model]
    )
    if need > config.memory_budget_mb * 2**20:
        raise Skip(memory_note(model, need, n_real + max(added), s, config))

    # the parts scored: every row, and the rarest class where it is rare
    parts = [("all rows", "auc" if s.task != "regression" else "r2", None)]
    minority = None
    if s.task == "classification":
        counts = np.bincount(s.y["real"], minlength=s.n_classes)
        present = np.flatnonzero(counts)
        rarest = int(present[np.argmin(counts[present])])
        share = counts[rarest] / counts.sum()
        if share < minority_share and len(present) > 1:
            minority = {"class": str(s.classes[rarest]), "share": rounded(share), "precision": precision}
            parts.append((f"minority class {s.classes[rarest]!r}", "pr_auc", rarest))

    def measure(c, y, pred) -> np.ndarray:
        if c is None:
            return primary_score(s.task, y, pred, s.n_classes)
        return average_precision(y == c, pred[..., c])

    alone = predict(s, fit(s, prepared, model, "real"), test_x)
    predictions = []  # per half: (rows, labels, real alone, real + synthetic, real + holdout)
    for f, rows in enumerate(s.folds):
        with_synthetic = fit(s, prepared, model, f"real+synthetic-{f}")
        with_holdout = fit(s, prepared, model, f"real+holdout-{f}")
        predictions.append(
            (
                rows,
                test_y[rows],
                alone[rows],
                predict(s, with_synthetic, test_x[rows]),
                predict(s, with_holdout, test_x[rows]),
            )
        )
    rng = prepared.rng("augmentation")
    m_parts = [min(len(rows), -(-config.bootstrap_rows // len(s.folds))) for rows in s.folds]
    idx = [rng.integers(0, len(rows), size=(config.n_bootstrap, m)) for rows, m in zip(s.folds, m_parts)]
    factor = float(np.sqrt(sum(m_parts) / sum(len(rows) for rows in s.folds)))

    entries, scored, unscored, spreads, intervals, ratios = [], [], [], [], [], []
    for label, measure_name, c in parts:
        folds, point, boot = [], {}, {}
        for (rows, y, *preds), i in zip(predictions, idx):
            values = [float(measure(c, y, p)) for p in preds]
            entry = {"rows": int(len(rows)), "added_rows": None}
            entry.update({k: rounded(v) for k, v in zip(("alone", "synthetic", "holdout"), values)})
            folds.append(entry)
            for k, v in zip(("alone", "synthetic", "holdout"), values):
                point.setdefault(k, []).append(v)
            if config.n_bootstrap:
                for k, p in zip(("alone", "synthetic", "holdout"), preds):
                    boot.setdefault(k, []).append(measure(c, y[i], p[i]))
        for entry, n in zip(folds, added):
            entry["added_rows"] = n
        means = {k: float(np.nanmean(v)) for k, v in point.items()}
        gain_syn, gain_real = means["synthetic"] - means["alone"], means["holdout"] - means["alone"]
        item = {
            "model": f"{model}, {label}",
            "measure": measure_name,
            "trtr": {"score": rounded(means["alone"]), measure_name: rounded(means["alone"])},
            "tstr": {"score": rounded(means["synthetic"]), measure_name: rounded(means["synthetic"])},
            "baseline": {
                "score": rounded(means["holdout"]),
                measure_name: rounded(means["holdout"]),
                "ratio": 1.0,
                "train_rows": n_real + max(added),
            },
            "train_rows": {"real": n_real, "synthetic": n_real + max(added)},
            "gain": {"synthetic": rounded(gain_syn), "real": rounded(gain_real)},
            "folds": folds,
        }
        if c is not None:
            recall = {
                k: float(
                    np.nanmean([recall_at_precision(y == c, ps[j][..., c], precision) for _, y, *ps in predictions])
                )
                for j, k in enumerate(("alone", "synthetic", "holdout"))
            }
            for key, k in (("trtr", "alone"), ("tstr", "synthetic"), ("baseline", "holdout")):
                item[key][f"recall_at_precision_{precision:g}"] = rounded(recall[k])
        measurable = gain_real >= min_gain
        if boot:
            b = {k: np.nanmean(np.stack(v), axis=0) for k, v in boot.items()}
            g_syn_b, g_real_b = b["synthetic"] - b["alone"], b["holdout"] - b["alone"]
            item["gain"]["synthetic_ci"] = rounded(_spread(gain_syn, g_syn_b, factor))
            item["gain"]["real_ci"] = rounded(_spread(gain_real, g_real_b, factor))
            one_sided = _spread(gain_real, g_real_b, factor, levels=(0.05,))
            measurable = measurable and one_sided is not None and one_sided[0] > 0
        if not measurable:
            item["note"] = (
                f"not scored: adding {max(added):,} real holdout rows gains {gain_real:+.4f} {measure_name}"
                + (f" (95% interval {_fmt(item['gain'].get('real_ci'))})" if item["gain"].get("real_ci") else "")
                + f", no measurable gain (at least {min_gain:g} and above 0 beyond noise) to compare the synthetic "
                f"rows' {gain_syn:+.4f} with"
            )
            unscored.append(f"{label}: real rows gain {gain_real:+.4f} {measure_name}")
            entries.append(item)
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            item["ratio"] = rounded(gain_syn / gain_real)
        point_score = float(gain_ratio(np.array(gain_syn), np.array(gain_real)))
        # how far one half's gain moves with its rows (added and scored): the halves' two gains of
        # each side differ by it, in units of the real rows' gain
        for side in ("synthetic", "holdout"):
            a, b = (point[side][f] - point["alone"][f] for f in (0, 1))
            if np.isfinite(a) and np.isfinite(b):
                spreads.append((a - b) ** 2 / 2 / gain_real**2)
        intervals.append(None)
        if boot:
            ci = _spread(point_score, gain_ratio(g_syn_b, g_real_b), factor)
            intervals[-1] = [clip01(ci[0]), clip01(ci[1])] if ci is not None else None
        ratios.append(gain_syn / gain_real)
        scored.append(point_score)
        entries.append(item)
    details = {
        "score_name": "score",
        "labels": LABELS,
        "models": entries,
        "model": model,
        "task": s.task,
        "rows": {
            "real": n_real,
            "added": added,
            "scored": [int(len(rows)) for rows in s.folds],
        },
        "minority": minority,
        "min_gain": min_gain,
        "n_bootstrap": config.n_bootstrap,
        "bootstrap_rows": int(sum(m_parts)),
    }
    if not scored:
        raise Skip(
            f"adding {max(added):,} real holdout rows to the {n_real:,} real training rows does not measurably "
            f"improve the {model} model ({'; '.join(unscored)}): there is no gain for synthetic rows to match"
        )
    score = float(np.mean(scored))
    # each scored part's interval: the bootstrap's over test rows, widened to the halves' spread
    # (the noise of the rows added and scored, which the bootstrap does not see)
    half = None
    if spreads:
        from scipy.stats import t

        half = float(t.ppf(0.975, len(spreads)) * np.sqrt(np.mean(spreads)))
        details["fold_spread"] = {"half_width": rounded(half), "degrees_of_freedom": len(spreads)}
    scored_items = [item for item in entries if "ratio" in item]
    for item, interval, ratio in zip(scored_items, intervals, ratios):
        if interval is None:
            continue
        if half is not None:
            interval = [min(interval[0], clip01(ratio - half)), max(interval[1], clip01(ratio + half))]
        item["ci"] = rounded(interval)
    ci = None
    if all(interval is not None for interval in intervals):
        found = [item["ci"] for item in scored_items]
        ci = (float(np.mean([c[0] for c in found])), float(np.mean([c[1] for c in found])))
    message = None
    if unscored:
        message = "not scored (no measurable gain from real rows): " + "; ".join(unscored)
    return Outcome(score=clip01(score), baseline=1.0, ci=ci, details=details, message=message)


def _fmt(interval) -> str:
    return f"[{interval[0]:+.4f}, {interval[1]:+.4f}]" if interval else ""

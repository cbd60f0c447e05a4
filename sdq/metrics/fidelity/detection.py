"""``detection``: can a classifier tell synthetic rows from real ones? (a classifier two-sample test)

A gradient-boosted classifier (xgboost, ``hist`` method, ``trees`` trees of depth ``depth``)
learns to separate synthetic rows (label 1) from real training rows (label 0), cross-fitted: the
rows are split into ``folds`` folds, and each fold is predicted by a model trained on the others,
so every row gets a prediction from a model that never saw it. The out-of-fold predictions give
an AUC (ties as half), and

    score = 1 - 2 * max(0, AUC - 0.5)

1.0: the classifier does no better than chance (AUC 0.5 or below): the rows are
indistinguishable to it. 0.0: it tells every synthetic row from every real one (AUC 1).

* **Equal sizes**: both sides have ``n`` rows, a seeded sample of the larger: ``n`` is the
  smallest of the real, synthetic and (when given) holdout rows, at most ``rows``. The baseline is
  the same test with the holdout in the synthetic data's place, on the same ``n`` real rows: what
  fresh real data scores at that size. Where the real and synthetic data have more rows than that,
  the test at their size is in ``details.full_size``.
* **Folds by content**: a row's fold is set by a hash of the values the classifier reads (salted
  by the seed), so identical rows always fall in the same fold. A synthetic row that copies a real
  one is then predicted by the same model as its twin and cannot be told from it: a copy of the
  real data scores exactly 1.0. (With random folds, a row and its copy in another fold's training
  rows are a pair the classifier learns to tell apart by their labels alone.)
* **Columns**: every feature and target column of kind numeric, datetime (seconds), boolean or
  categorical. Numbers keep their missing values (the trees send them their own way); values too
  large for float32 are divided by a power of two (:func:`~sdq.prepare.downscale_exponent`, set
  by every data set compared; exact, so no split changes) and bounded.
  Categorical columns enter as the shared codes (the ``max_categories`` most frequent real
  categories, ``(other)``, ``(unseen)``, ``(missing)``) with xgboost's native categorical splits.
  ID, text, constant and empty columns are left out.
* **Interval**: DeLong's standard error of the out-of-fold AUC (the spread of each row's share of
  rows of the other side it outranks), mapped through the score; it does not count the variation
  of the fitted models.

Details:

* ``columns``: per column, ``importance`` (its share of the classifier's total gain: how much the
  classifier relied on it; ``importance_baseline`` for the holdout's classifier) and a score of its
  own (``score``, ``baseline``): 1 - 2 * max(0, AUC - 0.5) for the best classifier that sees only
  that column's shared bins (bins ordered by their synthetic share; fitted on the same rows, so
  fresh samples score a little below 1 and the baseline shows by how much). Columns are in the
  given order; ``giveaways`` lists those the classifier relied on most.
* ``giveaways``: for the ``TOP`` columns with the largest importance, the bin (value range or
  category, on the shared bins) whose share of synthetic rows exceeds its share of real rows the
  most, with both shares, the holdout's share, and the classifier's mean out-of-fold probability of
  "synthetic" for rows in that bin. Aggregates only: no row is shown.
* ``auc``, ``auc_ci``, ``auc_baseline``, the rows per side, folds, trees and depth.

Parameters (``Config(metric_params={"detection": {...}})``): ``rows``, ``folds``, ``trees``,
``depth`` and ``threads`` (xgboost's threads; 0: every core this process may use; the default 1
leaves parallelism to ``--jobs``: the scores are the same for any number of threads).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import clip01, rounded
from sdq.prepare import Prepared, PreparedFrame, downscale_exponent, scaled, subsample_rows
from sdq.schema import DEPENDENCE_KINDS
from sdq.shapes import PerColumn

__all__ = ["detection", "delong", "detection_score", "best_bin_auc", "content_folds"]

#: Kinds the classifier reads as numbers (the others as categories).
NUMERIC = ("numeric", "datetime", "boolean")
#: Columns whose largest absolute value exceeds 2**MODEL_EXPONENT are divided by a power of two
#: that brings it to about 2**SCALE_TO; values still beyond float32 become its largest value.
MODEL_EXPONENT = 64
SCALE_TO = 32
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Columns whose most synthetic value range ``details.giveaways`` shows.
TOP = 5
#: Fewest rows per side the test runs on.
MIN_ROWS = 10
Z95 = 1.959963984540054


def detection_score(auc: float) -> float:
    """1 - 2 * max(0, AUC - 0.5): 1.0 at chance or below, 0.0 at an AUC of 1.

    Examples
    --------
    >>> detection_score(0.5), detection_score(0.45), detection_score(0.75), detection_score(1.0)
    (1.0, 1.0, 0.5, 0.0)
    """
    return clip01(1.0 - 2.0 * max(0.0, auc - 0.5))


def delong(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """The AUC of ``score`` for labels ``y`` (1 positive; ties as half) and DeLong's standard
    error of it (from each positive's share of negatives it outranks and each negative's share
    of positives that outrank it).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1])
    >>> auc, se = delong(y, np.array([0.1, 0.4, 0.35, 0.8]))  # pairs won 1 + 1 + 1 + 0 of 4
    >>> float(auc), round(float(se), 4)
    (0.75, 0.3536)
    """
    y = np.asarray(y).astype(bool)
    m, n = int(y.sum()), int((~y).sum())
    if m == 0 or n == 0:
        return float("nan"), float("nan")
    ranks = rankdata(score)
    # per positive: the negatives below it (ties half); per negative: the positives above it
    v10 = (ranks[y] - rankdata(score[y])) / n
    v01 = 1.0 - (ranks[~y] - rankdata(score[~y])) / m
    auc = float(v10.mean())
    variance = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    return auc, float(np.sqrt(variance))


def best_bin_auc(real_counts: np.ndarray, other_counts: np.ndarray) -> float:
    """The AUC of the best classifier that sees only a column's bin: bins ranked by their share of
    the other side's rows (ties as half). 0.5 when the two histograms are proportional.

    Examples
    --------
    >>> best_bin_auc(np.array([5, 5]), np.array([5, 5]))
    0.5
    >>> best_bin_auc(np.array([10, 0]), np.array([0, 10]))  # no bin shared
    1.0
    >>> # synthetic rows of the second bin outrank the real rows of the first (.6 x .6), and the
    >>> # pairs within a bin count half ((.4 x .6 + .6 x .4) / 2)
    >>> best_bin_auc(np.array([6, 4]), np.array([4, 6]))
    0.6
    """
    p = real_counts / max(real_counts.sum(), 1)
    q = other_counts / max(other_counts.sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p + q > 0, q / (p + q), 0.5)
    # bins with the same ratio are one bin to the classifier: sum them, then order by ratio
    levels, group = np.unique(ratio, return_inverse=True)
    p_level = np.bincount(group, weights=p, minlength=len(levels))
    q_level = np.bincount(group, weights=q, minlength=len(levels))
    below = np.concatenate([[0.0], np.cumsum(p_level)[:-1]])  # real mass at lower ratios
    return float(np.sum(q_level * (below + 0.5 * p_level)))


def content_folds(x: np.ndarray, k: int, salt: int) -> np.ndarray:
    """A fold in 0..k-1 for every row of ``x``, set by a hash of its values (and ``salt``): equal
    rows (NaN equal to NaN, -0.0 to 0.0) get the same fold."""
    h = np.full(len(x), np.uint64(salt), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(x.shape[1]):
            h = h * np.uint64(0x100000001B3) ^ pd.util.hash_array(x[:, j])
        h ^= h >> np.uint64(29)
    return (h % np.uint64(k)).astype(np.int64)


def _matrix(frame: PreparedFrame, rows: np.ndarray, columns: list, exponents: dict, offsets: dict) -> np.ndarray:
    parts = []
    for spec in columns:
        if spec.kind in NUMERIC:
            # less the real median, so float32 keeps the detail of values far from 0 (dates in
            # seconds since 1970 are 1.7e9: float32 steps of two minutes there)
            values = scaled(frame.values[spec.name][rows], exponents[spec.name]) - offsets[spec.name]
            parts.append(np.clip(values, -FLOAT32_MAX, FLOAT32_MAX))
        else:
            parts.append(frame.codes[spec.name][rows].astype(float))
    return np.column_stack(parts).astype(np.float32)


def _threads(threads: int) -> int:
    if threads:
        return threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _classify(
    x_real: np.ndarray,
    x_other: np.ndarray,
    types: list[str],
    salt: int,
    *,
    folds: int,
    trees: int,
    depth: int,
    threads: int,
    seed: int,
) -> dict:
    """Cross-fitted classifier of ``x_other`` (1) against ``x_real`` (0): out-of-fold
    probabilities, AUC and its standard error, and each column's share of the total gain."""
    import xgboost as xgb

    x = np.vstack([x_real, x_other])
    y = np.r_[np.zeros(len(x_real)), np.ones(len(x_other))]
    fold = content_folds(x, folds, salt)
    pred = np.full(len(y), 0.5)
    gain = np.zeros(x.shape[1])
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": depth,
        "eta": 0.2,
        "max_bin": 64,
        "max_cat_to_onehot": 1,
        "nthread": threads,
        "seed": seed,
        "verbosity": 0,
    }
    names = [f"c{j}" for j in range(x.shape[1])]
    for f in range(folds):
        test, train = fold == f, fold != f
        if not test.any() or len(np.unique(y[train])) < 2:
            continue  # nothing to predict, or nothing to learn from: chance (0.5)
        data = xgb.DMatrix(x[train], label=y[train], feature_names=names, feature_types=types, enable_categorical=True)
        booster = xgb.train(params, data, num_boost_round=trees)
        test_data = xgb.DMatrix(x[test], feature_names=names, feature_types=types, enable_categorical=True)
        pred[test] = booster.predict(test_data)
        for name, value in booster.get_score(importance_type="total_gain").items():
            gain[int(name[1:])] += value
    auc, se = delong(y, pred)
    total = gain.sum()
    return {"pred": pred, "auc": auc, "se": se, "importance": gain / total if total > 0 else gain}


def _counts(frame: PreparedFrame, rows: np.ndarray, column, n_codes: int) -> np.ndarray:
    return np.bincount(frame.codes[column][rows], minlength=n_codes)


@metric(
    "detection",
    "fidelity",
    shape=PerColumn(),
    chunked="a classifier needs the rows themselves, not counts",
    extras=("giveaways",),
    params={
        "rows": Param(low=100, doc="most rows per side (a seeded sample above it)"),
        "folds": Param(low=2, high=10, doc="cross-fitting folds"),
        "trees": Param(low=1, high=2000, doc="boosting rounds of each classifier"),
        "depth": Param(low=1, high=16, doc="depth of the trees"),
        "threads": Param(low=0, high=1024, doc="xgboost's threads (0: every core this process may use)"),
    },
    summary="A classifier cannot tell synthetic rows from real ones (out-of-fold AUC of gradient-boosted trees).",
    one="the classifier does no better than chance: synthetic rows are indistinguishable from real ones",
    zero="the classifier tells every synthetic row from every real one",
)
def detection(
    prepared: Prepared, *, rows: int = 50_000, folds: int = 2, trees: int = 50, depth: int = 5, threads: int = 1
) -> Outcome:
    columns = prepared.columns(DEPENDENCE_KINDS, roles=("feature", "target"), binned=True)
    if not columns:
        raise Skip("no column a classifier can read (numeric, datetime, boolean or categorical)")
    real, synthetic = prepared.real, prepared.synthetic
    holdout = prepared.frames.get("holdout")
    sizes = [real.n_rows, synthetic.n_rows] + ([holdout.n_rows] if holdout is not None else [])
    n = min(*sizes, rows)
    if n < MIN_ROWS:
        raise Skip(f"too few rows for a classifier: {n} per side (at least {MIN_ROWS})")
    rng = prepared.rng("detection")
    salt = int(rng.integers(0, 2**63))
    seed = int(rng.integers(0, 2**31))
    types = ["q" if spec.kind in NUMERIC else "c" for spec in columns]
    # values beyond float32 are divided by a power of two set by every data set compared (an exact
    # division: no split changes), then bounded
    frames = [real, synthetic] + ([holdout] if holdout is not None else [])
    exponents = {
        spec.name: downscale_exponent(*(f.values[spec.name] for f in frames), limit=MODEL_EXPONENT, to=SCALE_TO)
        for spec in columns
        if spec.kind in NUMERIC
    }
    offsets = {}
    for name, e in exponents.items():
        present = scaled(real.values[name], e)
        present = present[np.isfinite(present)]
        offsets[name] = float(np.median(present)) if len(present) else 0.0
    options = dict(folds=folds, trees=trees, depth=depth, threads=_threads(threads), seed=seed)
    real_rows = subsample_rows(real.n_rows, n, rng)
    syn_rows = subsample_rows(synthetic.n_rows, n, rng)
    x_real = _matrix(real, real_rows, columns, exponents, offsets)
    found = _classify(x_real, _matrix(synthetic, syn_rows, columns, exponents, offsets), types, salt, **options)
    base = None
    if holdout is not None:
        hold_rows = subsample_rows(holdout.n_rows, n, rng)
        base = _classify(x_real, _matrix(holdout, hold_rows, columns, exponents, offsets), types, salt, **options)
    score = detection_score(found["auc"])
    ci = None
    if np.isfinite(found["se"]):
        low_auc, high_auc = found["auc"] - Z95 * found["se"], found["auc"] + Z95 * found["se"]
        ci = (detection_score(high_auc), detection_score(low_auc))

    # per column: the best single-column classifier on the shared bins, and the classifier's reliance
    entries, giveaways = [], []
    for j, spec in enumerate(columns):
        k = prepared.binnings[spec.name].n_codes
        counts_real = _counts(real, real_rows, spec.name, k)
        entry = {
            "column": spec.label,
            "kind": spec.kind,
            "score": rounded(detection_score(best_bin_auc(counts_real, _counts(synthetic, syn_rows, spec.name, k)))),
            "importance": rounded(found["importance"][j]),
        }
        if base is not None:
            entry["baseline"] = rounded(
                detection_score(best_bin_auc(counts_real, _counts(holdout, hold_rows, spec.name, k)))
            )
            entry["importance_baseline"] = rounded(base["importance"][j])
        entries.append(entry)
    for j in np.argsort(-found["importance"], kind="stable")[:TOP]:
        if found["importance"][j] <= 0:
            break
        spec = columns[j]
        binning = prepared.binnings[spec.name]
        k = binning.n_codes
        codes_real, codes_syn = real.codes[spec.name][real_rows], synthetic.codes[spec.name][syn_rows]
        p, q = np.bincount(codes_real, minlength=k) / n, np.bincount(codes_syn, minlength=k) / n
        b = int(np.argmax(q - p))
        if q[b] <= p[b]:
            continue  # no bin holds more synthetic than real rows
        in_bin = np.r_[codes_real == b, codes_syn == b]
        item = {
            "column": spec.label,
            "importance": rounded(found["importance"][j]),
            "range": binning.labels[b],
            "real_share": rounded(p[b]),
            "synthetic_share": rounded(q[b]),
            "predicted_synthetic": rounded(float(found["pred"][in_bin].mean())),
        }
        if base is not None:
            item["holdout_share"] = rounded(float(np.mean(holdout.codes[spec.name][hold_rows] == b)))
        giveaways.append(item)

    details = {
        "auc": rounded(found["auc"]),
        "auc_ci": rounded([found["auc"] - Z95 * found["se"], found["auc"] + Z95 * found["se"]]),
        "auc_baseline": rounded(base["auc"]) if base is not None else None,
        "rows": {"real": n, "synthetic": n, **({"holdout": n} if base is not None else {})},
        "folds": folds,
        "trees": trees,
        "depth": depth,
        "columns": prepared.given_order(entries, label=lambda e: e["column"]),
        "giveaways": giveaways,
    }
    full = min(real.n_rows, synthetic.n_rows, rows)
    if full > n:
        # the same test at the size of the real and synthetic data (the headline is at the baseline's size)
        at_full = _classify(
            _matrix(real, subsample_rows(real.n_rows, full, rng), columns, exponents, offsets),
            _matrix(synthetic, subsample_rows(synthetic.n_rows, full, rng), columns, exponents, offsets),
            types,
            salt,
            **options,
        )
        details["full_size"] = {
            "rows": full,
            "auc": rounded(at_full["auc"]),
            "score": rounded(detection_score(at_full["auc"])),
        }
    return Outcome(
        score=score,
        baseline=detection_score(base["auc"]) if base is not None else None,
        ci=ci,
        details=details,
    )

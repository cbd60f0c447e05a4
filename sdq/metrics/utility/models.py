"""Models shared by the utility metrics: task, feature matrices, training and scoring.

Train-synthetic-test-real (TSTR) and train-real-test-real (TRTR) models are trained **once per
evaluation** and cached on the prepared data, so ``prediction`` and ``feature_importance`` read the
same models.

* Features: every ``feature``-role column of kind numeric, datetime (seconds), boolean, ordinal
  or categorical. ID, text, constant and empty columns are left out; so are the time and entity
  columns. Numeric values keep their missing values (the tree models handle them); ordinal and
  categorical columns enter as the shared codes (missing and unseen values have codes of their
  own; an ordinal column's codes follow its levels' order, so a tree splits them as ordered).
* Tree models (xgboost with the ``hist`` method, a random forest of 60 trees, more on fewer than
  3,333 training rows: see ``FOREST_TREES``) read that matrix as it is. The
  linear model (logistic regression / ridge) gets a pipeline fitted on each training set:
  median imputation with missing indicators and scaling for numbers, one-hot encoding of the
  ``model_categories`` most frequent levels for categories.
* Test rows: the holdout (a seeded sample of ``Config.test_rows`` rows where it has more). The
  TRTR model is scored on all of it. The baseline models are
  trained on one half of the holdout and scored on the other (two folds, cross-fitted): what
  fresh real data of that size achieves. For classification the two halves are stratified by the
  target (a seeded split of every class in two halves) when every class has at least two holdout
  rows, so that no half lacks a class the other has; otherwise a plain seeded split. Without a
  holdout, a seeded 30% of the real rows is the test set, and the result says it is optimistic
  (the generator saw those rows).
* **Size-matched synthetic models** (:func:`matched_rows`): a model's score grows with its training
  rows, so a synthetic model trained on more rows than the baseline's beat the baseline on fresh
  real data alone (1.000 against 0.895 on the Fair survey). For each fold, a model is trained on
  a seeded sample of the synthetic rows of exactly the baseline model's training size
  (``synthetic-0``, ``synthetic-1``: disjoint samples, as the two halves of the holdout are) and
  scored on the same fold as the baseline model: the headline compares like with like. That size
  is the half of the holdout the baseline trains on, or less where the synthetic data has fewer
  rows than the holdout (the baseline then trains on a sample of its half of that size too), and
  at most ``model_rows``. The model trained on every synthetic row the models may take (``synthetic``:
  all of ``synthetic_full``, up to ``model_rows``) gives the full-size figure in ``details``; it
  is trained only where it has more rows than the matched models.
* **Memory budget** (:func:`memory_estimate`): before any model is trained, the memory its work
  would hold is estimated from the training rows, features and classes; a model kind whose
  estimate exceeds ``Config.memory_budget_mb`` is left out with the reason (and the metric is
  ``skipped`` if every kind is), never a ``MemoryError`` after minutes of work.
* A training set whose target has a single class (a generator that emits one class) gets a
  constant model: it predicts that class with certainty for every row, and is scored like any
  other model (an AUC of 0.5, chance; every permutation importance 0). Only real training rows
  of a single class make the utility metrics ``skipped``: then there is nothing to learn.
* Training rows are capped at ``model_rows`` (a seeded sample, recorded in ``details``); rows
  without a target value are left out and counted.
* **Chance checks** (:func:`signal`), shared by ``prediction`` and ``feature_importance`` so that
  both leave out the same models for the same reason. The model trained on real rows predicts
  rows it never saw, and its score is compared with the scores of the same predictions against
  labels permuted ``CHANCE_PERMUTATIONS`` times (a one-sided permutation test at
  ``CHANCE_LEVEL``, on at most ``CHECK_ROWS`` rows). The *real* check predicts the test rows: a
  model kind that is not better than chance there (or by less than ``MIN_TRTR_EDGE``) is left out,
  as there is no utility to preserve. The *synthetic* check predicts the synthetic rows (train
  real, test synthetic): does the synthetic data hold any of the real relation between features
  and target? A model trained on synthetic data that fails it learned no real relation, and
  counts as chance however it happens to score on the test rows: a model fitted to noise draws a
  random direction, which on data whose features move together (30 measurements of one tumour's
  size) separates the real classes well or badly by luck (uniform noise in each column's range
  scored from -0.63 to 0.74 on breast cancer data, depending on the draw). A check on the
  synthetic data alone (models trained on one half predicting the other) had too little power on
  small data: on 120 real rows with a weak signal, a copy of the real rows failed it.
* Numbers too large for the models: xgboost reads features and labels as float32, scikit-learn's
  trees their features, and float32 overflows above 3.4e38. A numeric feature
  or regression target whose largest absolute value in the real data (real and holdout: what the
  models are measured on) exceeds 2**64 is divided in every data set by the power of two that
  brings that value to about 2**32 (exactly, with
  :func:`~sdq.prepare.downscale_exponent`): models trained on the divided
  values make the same splits and the same standardised fits, so AUC, R^2 and permutation
  importances do not change, and errors in the target's units are multiplied back. Values of the
  synthetic data still beyond +/-2**96 then (far outside the real range: +/-1.7e308 against
  ordinary real values) are set to that bound, where a float32 model still computes; the trees
  trained on real data send them where they sent the values themselves (beyond every split).
  ``details.large_values`` records both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

from sdq.metrics import Skip
from sdq.metrics._common import auc, rounded
from sdq.prepare import Prepared, downscale_exponent, scaled, subsample_rows
from sdq.schema import DEPENDENCE_KINDS, MAX_CLASSES

__all__ = [
    "UtilitySetup",
    "setup",
    "auc",
    "r2",
    "primary_score",
    "chance_adjusted",
    "chance_p_value",
    "forest_trees",
    "model_importance",
    "Signal",
    "signal",
    "ConstantClassifier",
    "large_values",
    "matched_rows",
    "memory_estimate",
    "memory_note",
    "training_rows",
    "draw_rows",
]

NUMERIC_FEATURES = ("numeric", "datetime", "boolean")
#: Below this chance-adjusted real (TRTR) performance the target is not predictable enough for a ratio.
MIN_TRTR_EDGE = 0.02
#: One-sided level of the chance checks (:func:`signal`).
CHANCE_LEVEL = 0.05
#: Label permutations behind a chance check's p-value (its smallest value is 1 / (this + 1)).
CHANCE_PERMUTATIONS = 199
#: Most rows a chance check scores.
CHECK_ROWS = 10_000
#: Trees of a random forest: ``FOREST_TREES``, more on fewer than ``FOREST_BUDGET / FOREST_TREES``
#: (3,333) training rows, as many as ``FOREST_BUDGET`` tree-rows allow (a sixth of the work of 60
#: trees on the 20,000 rows a model trains on at most), up to ``FOREST_MAX_TREES``. A forest's
#: importances and predictions move with its seed: on 284 rows (breast cancer), eight seeds moved
#: ``feature_importance`` by 0.03 with 60 trees, 0.020 with 120, 0.014 with 200 and 0.012 with
#: 300; past 200, each tree's fixed cost (a few milliseconds) outweighs what it adds.
FOREST_TREES = 60
FOREST_MAX_TREES = 200
FOREST_BUDGET = 200_000
#: Largest absolute feature or target value of the real data (as a power of two) the models get as
#: it is: float32 (xgboost's features and labels) overflows at 2**128, and sums of gradients and
#: products over many rows need room beyond the values themselves (ordinary data stays far below).
MODEL_EXPONENT = 64
#: Where larger values are brought (as a power of two): xgboost's fits are the same for a target
#: multiplied by any power of two up to about 2**50, but not near 2**60.
MODEL_SCALE_TO = 32
#: Bound on the absolute values the models get from any data set (after that division).
MODEL_BOUND = 2.0**96


def r2(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination along the last axis (NaN for a constant truth)."""
    resid = ((y - pred) ** 2).sum(axis=-1)
    total = ((y - y.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 1 - resid / total, np.nan)


def primary_score(task: str, y: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """The score a ratio is built on: ROC AUC (one-vs-rest macro for several classes) or R^2.

    ``y`` has shape (..., m); ``pred`` (..., m) for regression, (..., m, n_classes) probabilities
    for classification.
    """
    if task == "regression":
        return r2(y, pred)
    if n_classes == 2:
        return auc(y == 1, pred[..., 1])
    per_class = [auc(y == c, pred[..., c]) for c in range(n_classes)]
    return np.nanmean(np.stack(per_class), axis=0) if per_class else np.nan


def chance_adjusted(task: str, value: np.ndarray) -> np.ndarray:
    """How far a score is above chance: AUC - 0.5 (doubled, so in [0, 1]) or R^2 itself."""
    return 2 * (value - 0.5) if task != "regression" else value


def _permuted_scores(task: str, y: np.ndarray, pred: np.ndarray, n_classes: int, labels: np.ndarray) -> np.ndarray:
    """:func:`primary_score` of the predictions ``pred`` against each row of ``labels`` (permutations
    of ``y``, shape (permutations, rows)). The ranks of the predictions are computed once: only the
    labels move."""
    if task == "regression":
        total = ((y - y.mean()) ** 2).sum()
        if total <= 0:
            return np.full(len(labels), np.nan)
        return 1 - ((labels - pred) ** 2).sum(axis=-1) / total
    classes = [1] if n_classes == 2 else range(n_classes)
    per_class = []
    for c in classes:
        n_pos = int((y == c).sum())
        n_neg = len(y) - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        ranks = rankdata(pred[:, c])
        u = ((labels == c) * ranks).sum(axis=-1) - n_pos * (n_pos + 1) / 2
        per_class.append(u / (n_pos * n_neg))
    return np.mean(per_class, axis=0) if per_class else np.full(len(labels), np.nan)


def chance_p_value(
    task: str,
    y: np.ndarray,
    pred: np.ndarray,
    n_classes: int,
    rng: np.random.Generator,
    n_permutations: int = CHANCE_PERMUTATIONS,
) -> float:
    """One-sided permutation p-value of :func:`primary_score` of ``pred`` against ``y``: the share
    of label permutations (the observed labels counted as one) that score at least as well. 1.0
    where the score is undefined (a single class, a constant target).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> p = np.column_stack([1 - y * 0.8, y * 0.8])  # separates the classes perfectly
    >>> float(chance_p_value("classification", y, p, 2, rng, 99)) < 0.05  # 1 of 70 orders does as well
    True
    >>> float(chance_p_value("classification", y, np.full((8, 2), 0.5), 2, rng, 99))  # constant: no edge
    1.0
    """
    observed = float(primary_score(task, y, pred, n_classes))
    if not np.isfinite(observed):
        return 1.0
    labels = rng.permuted(np.broadcast_to(y, (n_permutations, len(y))), axis=1)
    null = _permuted_scores(task, y, pred, n_classes, labels)
    # a tolerance for sums of the same numbers in another order
    return float((1 + np.sum(null >= observed - 1e-12)) / (n_permutations + 1))


@dataclass(frozen=True)
class Signal:
    """A chance check (:func:`signal`): the score of predictions on rows the model(s) never saw,
    that score above chance (``edge``, see :func:`chance_adjusted`), its permutation p-value, the
    rows scored and whether the check passed."""

    score: float
    edge: float
    p: float
    rows: int
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": rounded(self.score),
            "edge": rounded(self.edge),
            "p_value": rounded(self.p, 4),
            "rows": self.rows,
            "passed": self.passed,
        }


def _task(prepared: Prepared) -> tuple[str, str]:
    schema = prepared.schema
    spec = schema[schema.target]
    if spec.kind in ("id", "text", "empty", "constant"):
        raise Skip(f"the target {spec.label!r} is a {spec.kind} column ({spec.reason}); nothing to predict")
    if schema.task is not None:
        if schema.task == "regression" and spec.kind not in ("numeric", "datetime", "boolean"):
            raise Skip(f"regression needs a numeric target; {spec.label!r} is {spec.kind}")
        return schema.task, "set by the user"
    if spec.kind in ("numeric", "datetime"):
        return "regression", f"the target is {spec.kind}"
    return "classification", f"the target is {spec.kind}"


@dataclass
class Fitted:
    """One trained model and its predictions on test rows."""

    kind: str
    model: Any
    train_rows: int
    classes_present: np.ndarray | None = None


@dataclass
class UtilitySetup:
    """Everything the utility metrics share: task, matrices, labels, test split, fitted models."""

    task: str
    task_reason: str
    features: list
    categorical: list[bool]
    classes: list | None
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    test_name: str
    optimistic: bool
    folds: list[np.ndarray] | None
    dropped: dict[str, int]
    #: per fold: (the synthetic rows its size-matched model trains on, the holdout rows its
    #: baseline model trains on), of one size (see :func:`matched_rows`)
    matched: list[tuple[np.ndarray, np.ndarray]] | None = None
    #: per model kind: why it is left out (its memory estimate exceeds the budget), if it is
    too_big: dict[str, str] = field(default_factory=dict)
    #: estimated bytes per model kind (and ``data`` for the matrices), for ``details``
    memory: dict[str, int] = field(default_factory=dict)
    models: dict[tuple[str, str], Fitted] = field(default_factory=dict)
    #: chance checks by (model kind, data set): see :func:`signal`
    signals: dict[tuple[str, str], Signal] = field(default_factory=dict)
    train_sizes: dict[str, int] = field(default_factory=dict)
    #: ``y`` (regression) and numeric features are the values divided by ``2**exponent`` (0 unless
    #: the real data holds values above 2**64) and bounded by ``MODEL_BOUND``: see the module's
    #: docstring. Feature exponents by column name (nonzero only); bounded values counted by data
    #: set and column label.
    target_exponent: int = 0
    #: (rows used, rows with a target) where the holdout was sampled to ``Config.test_rows``
    holdout_rows: tuple[int, int] | None = None
    exponents: dict = field(default_factory=dict)
    bounded: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes is not None else 0


def _model_values(values: np.ndarray, exponent: int) -> tuple[np.ndarray, int]:
    """Values divided by ``2**exponent`` and bounded by ``MODEL_BOUND``; and how many were bounded."""
    values = scaled(values, exponent)
    beyond = np.abs(values) > MODEL_BOUND  # (NaN is not)
    n_beyond = int(beyond.sum())
    return (np.clip(values, -MODEL_BOUND, MODEL_BOUND) if n_beyond else values), n_beyond


def _matrix(prepared: Prepared, frame, features, exponents: dict, bounded: dict) -> np.ndarray:
    columns = []
    for spec in features:
        if spec.kind in NUMERIC_FEATURES:
            values, n_beyond = _model_values(frame.values[spec.name], exponents.get(spec.name, 0))
            if n_beyond:
                bounded[spec.label] = n_beyond
            columns.append(values)
        else:
            columns.append(frame.codes[spec.name].astype(float))
    return np.column_stack(columns).astype(np.float32) if columns else np.zeros((frame.n_rows, 0), np.float32)


def setup(prepared: Prepared, work: str = "utility.setup") -> UtilitySetup:
    """Build (once per evaluation) the task, feature matrices and labels of every data set; the
    models trained on them are kept in it (:func:`fit`). A ``Skip`` is kept too: the other utility
    metric skips for the same reason without building anything again. ``work`` names the cached
    work it is kept as: ``augmentation`` keeps a copy of its own (``utility.augmentation``, the
    same setup, deterministic), so that it need not run in the process of the other two; in a
    process that has built the other one already, it takes that."""
    if work != "utility.setup" and ("utility.setup",) in prepared.cache:
        work = "utility.setup"  # built already in this process: the same setup, and its real model
    built = prepared.cached((work,), lambda: _setup_or_skip(prepared))
    if isinstance(built, Skip):
        raise built
    return built


def _setup_or_skip(prepared: Prepared) -> UtilitySetup | Skip:
    try:
        return _setup(prepared)
    except Skip as exc:
        return exc


def _setup(prepared: Prepared) -> UtilitySetup:
    schema = prepared.schema
    target = schema.target
    task, reason = _task(prepared)
    # in the canonical order: models that sample features (random forest) must not depend on the
    # order of the given columns
    features = prepared.columns(DEPENDENCE_KINDS, roles=("feature",), binned=True)
    if not features:
        raise Skip("no feature columns to train on (numeric, datetime, boolean, ordinal or categorical)")
    frames = {"real": prepared.real, "synthetic": prepared.synthetic}
    holdout = prepared.frames.get("holdout")
    if holdout is not None:
        frames["holdout"] = holdout
    if prepared.synthetic_full is not None:
        # every synthetic row: what the full-size model trains on (``synthetic`` is the subsample
        # at the holdout's size)
        frames["synthetic_full"] = prepared.synthetic_full
    x, y, dropped = {}, {}, {}
    # numbers beyond float32: divided by a power of two set by the real data (no score changes),
    # and bounded (see the docstring)
    reference = [name for name in ("real", "holdout") if name in frames]
    exponents = {
        spec.name: downscale_exponent(
            *(frames[name].values[spec.name] for name in reference), limit=MODEL_EXPONENT, to=MODEL_SCALE_TO
        )
        for spec in features
        if spec.kind in NUMERIC_FEATURES
    }
    target_exponent = 0
    if task == "regression":
        target_exponent = downscale_exponent(
            *(frames[name].frame[target].to_numpy(dtype=float) for name in reference),
            limit=MODEL_EXPONENT,
            to=MODEL_SCALE_TO,
        )
    bounded: dict[str, dict] = {}
    classes = None
    if task == "classification":
        labels = set()
        for frame in frames.values():
            labels.update(frame.frame[target].dropna().unique().tolist())
        classes = sorted(labels, key=lambda v: (str(type(v)), v))
        if len(classes) > MAX_CLASSES:
            raise Skip(
                f"the target has {len(classes)} classes, more than {MAX_CLASSES}: one model per class is neither "
                "meaningful nor affordable; group its rare values, or give task 'regression' if it is a quantity"
            )
    for name, frame in frames.items():
        values = frame.frame[target]
        keep = values.notna().to_numpy()
        dropped[name] = int((~keep).sum())
        bounded[name] = {}
        x[name] = _matrix(prepared, frame, features, exponents, bounded[name])[keep]
        if task == "classification":
            index = {c: i for i, c in enumerate(classes)}
            y[name] = values[keep].map(index).to_numpy(dtype=np.int64)
        else:
            y[name], n_beyond = _model_values(values[keep].to_numpy(dtype=float), target_exponent)
            if n_beyond:
                bounded[name][schema[target].label] = n_beyond
    for name in ("real", "synthetic"):
        if len(y[name]) == 0:
            raise Skip(f"the {name} data has no rows with a target value")
    holdout_rows = None
    if "holdout" in y and len(y["holdout"]) > prepared.config.test_rows:
        # a seeded sample of the holdout: what the models test on and the baselines train on
        holdout_rows = (prepared.config.test_rows, len(y["holdout"]))
        keep = subsample_rows(len(y["holdout"]), prepared.config.test_rows, prepared.rng("utility-holdout-rows"))
        x["holdout"], y["holdout"] = x["holdout"][keep], y["holdout"][keep]
    rng = prepared.rng("utility-split")
    optimistic, folds, matched = False, None, None
    if "holdout" in frames and len(y["holdout"]) >= 20:
        test_name = "holdout"
        folds = _halves(y["holdout"], task == "classification", rng)
        matched = matched_rows(folds, len(y["synthetic"]), prepared.config.model_rows, prepared.rng("utility-matched"))
    else:
        # no (usable) holdout: a seeded 30% of the real rows is the test set
        n = len(y["real"])
        test = np.zeros(n, dtype=bool)
        test[rng.choice(n, size=max(1, int(round(0.3 * n))), replace=False)] = True
        x["test"], y["test"] = x["real"][test], y["real"][test]
        x["real"], y["real"] = x["real"][~test], y["real"][~test]
        test_name, optimistic = "test", True
    if task == "classification":
        present = np.unique(y[test_name])
        if len(present) < 2:
            raise Skip(
                f"the test rows' target has a single class ({classes[present[0]]!r}); no score can tell models apart"
            )
    built = UtilitySetup(
        task=task,
        task_reason=reason,
        features=features,
        categorical=[s.kind not in NUMERIC_FEATURES for s in features],
        classes=classes,
        x=x,
        y=y,
        test_name=test_name,
        optimistic=optimistic,
        folds=folds,
        dropped=dropped,
        matched=matched,
        target_exponent=target_exponent,
        holdout_rows=holdout_rows,
        exponents={k: e for k, e in exponents.items() if e},
        bounded={k: v for k, v in bounded.items() if v},
    )
    _check_memory(built, prepared.config)
    return built


def matched_rows(
    folds: list[np.ndarray], n_synthetic: int, cap: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per fold ``f``: the synthetic rows its size-matched model trains on and the holdout rows
    (outside fold ``f``) its baseline model trains on, both of size
    ``min(rows outside the fold, cap, n_synthetic // 2)`` (at least 1). The synthetic samples of
    the folds are disjoint (a seeded permutation cut in consecutive pieces), as the holdout's
    halves are, unless the synthetic data has fewer than two rows.

    Examples
    --------
    >>> folds = [np.arange(0, 6), np.arange(6, 10)]  # 6 and 4 holdout rows
    >>> [(len(s), len(h)) for s, h in matched_rows(folds, 100, 10_000, np.random.default_rng(0))]
    [(4, 4), (6, 6)]
    >>> [(len(s), len(h)) for s, h in matched_rows(folds, 6, 10_000, np.random.default_rng(0))]
    [(3, 3), (3, 3)]
    >>> a, b = [s for s, _ in matched_rows(folds, 6, 10_000, np.random.default_rng(0))]
    >>> len(np.intersect1d(a, b))
    0
    """
    order = rng.permutation(n_synthetic)
    out, used = [], 0
    for f in range(len(folds)):
        train = np.concatenate([folds[g] for g in range(len(folds)) if g != f])
        size = max(1, min(len(train), cap, n_synthetic // len(folds)))
        if used + size <= n_synthetic:
            synthetic = np.sort(order[used : used + size])
            used += size
        else:  # fewer than two synthetic rows: the folds share them
            synthetic = np.sort(rng.choice(n_synthetic, size=min(size, n_synthetic), replace=False))
        holdout = np.sort(train[subsample_rows(len(train), size, rng)])
        out.append((synthetic, holdout))
    return out


#: Bytes of a node of a scikit-learn tree besides its values (the node record and bookkeeping).
NODE_BYTES = 64
#: Rows per leaf of the random forest (``min_samples_leaf``), and the share of rows each tree draws
#: (``max_samples``): a tree has at most ``2 * share * rows / leaf`` nodes.
FOREST_LEAF, FOREST_SHARE = 5, 0.5
#: Models of one kind one process may keep at once: real, every synthetic row, two size-matched and
#: two baseline; and ``augmentation``'s own real, two real + synthetic and two real + holdout.
KEPT_MODELS = 11


def memory_estimate(
    task: str,
    n_rows: int,
    n_features: int,
    n_categorical: int,
    n_classes: int,
    config,
    test_rows: int = 0,
) -> dict[str, int]:
    """A rough upper estimate, in bytes, of the memory the utility metrics' work holds for one
    model kind trained on ``n_rows`` rows of ``n_features`` features (``n_categorical`` of them
    categorical) predicting ``n_classes`` classes (0 for regression), scored on ``test_rows`` rows.
    Per kind, the sum of what its largest pieces hold at once (``o`` outputs: 1 for regression and
    two classes, else the number of classes):

    * every kind: the predictions of the kept models on the test rows (``test_rows * classes * 8``
      each), a bootstrap's resampled labels and predictions (``3 * n_bootstrap * bootstrap_rows *
      classes * 8``) and a chance check's permuted labels (``3 * 199 * 10,000 * 8`` at most);
    * ``xgboost``: a float32 copy and the binned matrix of the training rows (``5`` bytes per cell)
      and its gradients (``16 * o`` bytes per row);
    * ``random_forest``: a float32 copy of the rows, and the trees of the kept forests, each with at
      most ``rows / 5`` nodes of ``64 + 8 * classes`` bytes;
    * ``linear``: the encoded matrix (``d`` columns: two per numeric feature, value and missing
      indicator, and ``model_categories + 1`` per categorical one; 8 bytes a cell) and the Newton
      solver's Hessian, ``(d * o)**2 * 8`` bytes, quadratic in the classes (lbfgs, used past
      ``NEWTON_COEFFICIENTS`` coefficients, holds 20 vectors of ``d * o``).

    Examples
    --------
    >>> from sdq.config import Config
    >>> e = memory_estimate("classification", 20_000, 20, 10, 50, Config(), test_rows=10_000)
    >>> round(e["xgboost"] / 2**20)  # the bootstrap's 200 x 2,000 resampled rows x 50 classes, mostly
    562
    >>> e["xgboost"] < e["linear"] < e["random_forest"]
    True
    """
    classes = max(n_classes, 1)
    outputs = classes if n_classes > 2 else 1
    boot = config.n_bootstrap * min(max(test_rows, 1), config.bootstrap_rows)
    common = KEPT_MODELS * test_rows * classes * 8 + 3 * boot * classes * 8 + 3 * 199 * min(test_rows, 10_000) * 8
    columns = linear_coefficients([False] * (n_features - n_categorical) + [True] * n_categorical, config, 2)
    coefficients = columns * outputs
    # Newton's method holds the Hessian; lbfgs (past NEWTON_COEFFICIENTS) a few vectors of them
    solver = 8 * coefficients**2 if coefficients <= NEWTON_COEFFICIENTS else 8 * 20 * coefficients
    nodes = int(2 * FOREST_SHARE * n_rows / FOREST_LEAF)
    return {
        "xgboost": common + n_rows * (5 * n_features + 16 * outputs),
        "random_forest": common
        + 4 * n_rows * n_features
        + KEPT_MODELS * forest_trees(n_rows) * nodes * (NODE_BYTES + 8 * classes),
        "linear": common + 8 * n_rows * columns + solver,
    }


def training_rows(s: "UtilitySetup", config) -> int:
    """The most rows one model of the utility metrics trains on: the largest training set, capped."""
    sources = [len(s.y[name]) for name in ("real", "synthetic", "synthetic_full") if name in s.y]
    return int(min(max(sources), config.model_rows))


def _check_memory(s: UtilitySetup, config) -> None:
    """Leave out the model kinds whose :func:`memory_estimate` exceeds the budget (the reason in
    ``s.too_big``); a ``Skip`` if the matrices alone, or every kind, would exceed it."""
    budget = config.memory_budget_mb * 2**20
    data = sum(v.nbytes for v in s.x.values())
    s.memory["data"] = int(data)
    if data > budget:
        raise Skip(
            f"the feature matrices of the utility models take {_mb(data)}, more than the memory budget of "
            f"{config.memory_budget_mb:,} MB (Config.memory_budget_mb); raise it, or score a sample of the rows"
        )
    n_rows = training_rows(s, config)
    estimate = memory_estimate(
        s.task,
        n_rows,
        len(s.features),
        sum(s.categorical),
        s.n_classes,
        config,
        test_rows=len(s.y[s.test_name]),
    )
    for kind in config.models:
        s.memory[kind] = int(data + estimate[kind])
        if data + estimate[kind] > budget:
            s.too_big[kind] = memory_note(kind, data + estimate[kind], n_rows, s, config)
    if len(s.too_big) == len(config.models):
        raise Skip("; ".join(s.too_big[kind] for kind in config.models))


def _mb(n_bytes: float) -> str:
    return f"about {n_bytes / 2**20:,.0f} MB"


def memory_note(kind: str, n_bytes: float, n_rows: int, s: UtilitySetup, config) -> str:
    """Why a model kind is left out: its memory estimate, what it comes from, and the budget."""
    classes = f", {s.n_classes} classes" if s.n_classes else ""
    return (
        f"{kind} left out: its work would hold {_mb(n_bytes)} ({n_rows:,} training rows, "
        f"{len(s.features)} features{classes}), more than the memory budget of {config.memory_budget_mb:,} MB "
        "(Config.memory_budget_mb; lower model_rows or raise the budget)"
    )


def _halves(y: np.ndarray, classification: bool, rng: np.random.Generator) -> list[np.ndarray]:
    """Two folds of the rows, seeded: stratified by class (each class split in two halves, the odd
    rows of the classes alternating between the folds so their sizes differ by at most one) when
    classifying and every class has at least two rows; a plain split otherwise."""
    n = len(y)
    if classification:
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) > 1 and counts.min() >= 2:
            fold = np.empty(n, dtype=np.int64)
            offset = 0
            for c in classes:
                rows = np.flatnonzero(y == c)
                rows = rows[rng.permutation(len(rows))]
                fold[rows] = (np.arange(len(rows)) + offset) % 2
                offset += len(rows)
            return [np.flatnonzero(fold == 0), np.flatnonzero(fold == 1)]
    order = rng.permutation(n)
    half = n // 2
    return [np.sort(order[:half]), np.sort(order[half:])]


class ConstantClassifier:
    """The model of a training set with a single class: that class, with certainty, for every row."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> "ConstantClassifier":
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.ones((len(x), 1))


def forest_trees(n_rows: int) -> int:
    """Trees of a random forest trained on ``n_rows`` rows (see ``FOREST_TREES``).

    Examples
    --------
    >>> forest_trees(100_000), forest_trees(3_000), forest_trees(1_600), forest_trees(300)
    (60, 66, 125, 200)
    """
    return int(min(FOREST_MAX_TREES, max(FOREST_TREES, FOREST_BUDGET // max(n_rows, 1))))


def _make_model(kind: str, task: str, categorical: list[bool], config, n_classes: int, n_rows: int):
    seed = int(config.seed)
    if kind == "xgboost":
        import xgboost as xgb

        params = dict(
            n_estimators=100,
            max_depth=5,
            learning_rate=0.15,
            tree_method="hist",
            n_jobs=1,
            random_state=seed,
            verbosity=0,
        )
        return xgb.XGBRegressor(**params) if task == "regression" else xgb.XGBClassifier(**params)
    if kind == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        params = dict(
            n_estimators=forest_trees(n_rows), min_samples_leaf=5, max_samples=0.5, n_jobs=1, random_state=seed
        )
        if task == "regression":
            return RandomForestRegressor(max_features=0.5, **params)
        return RandomForestClassifier(max_features="sqrt", **params)
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [i for i, c in enumerate(categorical) if not c]
    cats = [i for i, c in enumerate(categorical) if c]
    steps = []
    if numeric:
        steps.append(
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True), StandardScaler()
                ),
                numeric,
            )
        )
    if cats:
        steps.append(
            (
                "cat",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist", max_categories=config.model_categories, sparse_output=True
                ),
                cats,
            )
        )
    pre = ColumnTransformer(steps, sparse_threshold=0.3)
    # Newton-Cholesky: a handful of exact Newton steps on these few dozen columns (lbfgs needs
    # over a hundred iterations and stops where its tolerance says); but its Hessian has a row and
    # a column per coefficient, and its factorisation takes their number cubed: past
    # NEWTON_COEFFICIENTS (a target of 40 classes and ten categorical features has 9,200: 680 MB
    # and over ten minutes), lbfgs
    if task == "regression":
        model = Ridge(alpha=1.0)
    elif linear_coefficients(categorical, config, n_classes) <= NEWTON_COEFFICIENTS:
        model = LogisticRegression(solver="newton-cholesky", max_iter=100, C=1.0)
    else:
        model = LogisticRegression(solver="lbfgs", max_iter=200, C=1.0)
    return make_pipeline(pre, model)


#: Most coefficients a logistic regression is fitted with Newton's method (else with lbfgs).
NEWTON_COEFFICIENTS = 2_000


def linear_coefficients(categorical: list[bool], config, n_classes: int) -> int:
    """Coefficients of the linear model at most: per class (one for two classes), two per numeric
    feature (value and missing indicator) and ``model_categories + 1`` per categorical one."""
    columns = 2 * (len(categorical) - sum(categorical)) + (config.model_categories + 1) * sum(categorical)
    return columns * (n_classes if n_classes > 2 else 1)


def fit(s: UtilitySetup, prepared: Prepared, kind: str, train: str) -> Fitted:
    """Train (once, cached) a model of ``kind`` on data set ``train``: ``real``; ``synthetic``
    (every synthetic row: ``synthetic_full`` where the metric sees a subsample at the holdout's
    size); ``synthetic-f`` (the size-matched synthetic sample of fold ``f``); or ``holdout-f`` (the
    baseline: holdout rows outside fold ``f``, as many as ``synthetic-f`` has). At most
    ``model_rows`` rows (a seeded sample). ``real+synthetic-f`` and ``real+holdout-f`` (for
    ``augmentation``): the real model's training rows and those of ``synthetic-f`` or
    ``holdout-f`` together. ``synthetic~j`` and ``holdout~j`` (for ``feature_importance``): draw
    ``j``, a seeded sample of the size-matched models' training size from the synthetic rows the
    metrics see (at the holdout's size) or from the whole holdout (see :func:`draw_rows`)."""
    key = (kind, train)
    if key in s.models:
        return s.models[key]
    if train.startswith("real+"):
        parts = [_training_set(s, prepared, "real"), _training_set(s, prepared, train[len("real+") :])]
        x, y = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    else:
        x, y = _training_set(s, prepared, train)
    source = train.partition("-")[0]
    present = None
    if s.task == "classification":
        present = np.unique(y)
        if len(present) < 2 and source == "real":
            raise Skip(
                f"the real training data's target has a single class "
                f"({s.classes[present[0]]!r}); there is nothing to learn"
            )
        y = np.searchsorted(present, y)
    if present is not None and len(present) < 2:
        # a generator that emits one class: the model it allows predicts that class, scored as it is
        model = ConstantClassifier()
    else:
        n_classes = len(present) if present is not None else 0
        model = _make_model(kind, s.task, s.categorical, prepared.config, n_classes, len(y))
    model.fit(x, y)
    s.models[key] = Fitted(kind=kind, model=model, train_rows=int(len(y)), classes_present=present)
    return s.models[key]


def _training_set(s: UtilitySetup, prepared: Prepared, train: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows (features, labels) a model trained on ``train`` learns from (see :func:`fit`)."""
    if "~" in train:
        source, _, draw = train.partition("~")
        rows = draw_rows(s, source, prepared.rng(f"model-draw-{source}-{draw}"))
        return s.x[source][rows], s.y[source][rows]
    source, _, fold = train.partition("-")
    if source == "synthetic" and not fold and "synthetic_full" in s.x:
        source = "synthetic_full"
    x, y = s.x[source], s.y[source]
    if fold:
        rows = s.matched[int(fold)][0 if source == "synthetic" else 1]
        x, y = x[rows], y[rows]
    cap = prepared.config.model_rows
    if len(y) > cap:
        keep = subsample_rows(len(y), cap, prepared.rng(f"model-rows-{source}"))
        x, y = x[keep], y[keep]
    return x, y


def draw_rows(s: UtilitySetup, source: str, rng: np.random.Generator) -> np.ndarray:
    """A seeded sample of the rows of ``source`` (``synthetic``, the rows the metrics see, or
    ``holdout``), as many as a size-matched model trains on (sorted positions)."""
    size = min(len(s.matched[0][0]), len(s.y[source]))
    return np.sort(subsample_rows(len(s.y[source]), size, rng))


def signal(s: UtilitySetup, prepared: Prepared, kind: str, data: str) -> Signal:
    """The chance check (once, cached) of the model of kind ``kind`` trained on the real rows,
    predicting the rows of ``data`` (see the module's docstring):

    * ``real``: the test rows; it passes with an edge of at least ``MIN_TRTR_EDGE`` and a p-value
      below ``CHANCE_LEVEL``: the real data itself is predictable;
    * ``synthetic``: the synthetic rows; it passes with a p-value below ``CHANCE_LEVEL``: the
      synthetic data holds some of the real relation between features and target.
    """
    key = (kind, data)
    if key in s.signals:
        return s.signals[key]
    x, y = s.x[s.test_name if data == "real" else data], s.y[s.test_name if data == "real" else data]
    rng = prepared.rng(f"utility-check-{kind}-{data}")
    if len(y) > CHECK_ROWS:
        keep = subsample_rows(len(y), CHECK_ROWS, rng)
        x, y = x[keep], y[keep]
    pred = predict(s, fit(s, prepared, kind, "real"), x)
    score = float(primary_score(s.task, y, pred, s.n_classes))
    edge = float(chance_adjusted(s.task, score))
    p = chance_p_value(s.task, y, pred, s.n_classes, rng)
    min_edge = MIN_TRTR_EDGE if data == "real" else 0.0
    passed = bool(np.isfinite(edge) and edge > 0 and edge >= min_edge and p < CHANCE_LEVEL)
    s.signals[key] = Signal(score=score, edge=edge, p=p, rows=int(len(y)), passed=passed)
    return s.signals[key]


def model_importance(s: UtilitySetup, fitted: Fitted, x: np.ndarray) -> np.ndarray:
    """How much a model relies on each feature, as shares (summing to 1; all 0 for a model that
    relies on none, such as the constant model of a single class):

    * xgboost: the total gain of its splits on the feature;
    * random forest: the impurity decrease of its splits on the feature (mean over trees);
    * linear: the spread (standard deviation over the rows ``x``, summed over classes) of the
      feature's contribution to the linear predictor, all its columns (one-hot levels, missing
      indicator) together: how far the model's output moves with the feature on those rows.

    None of these depends on a seed but the forest's (whose trees average it out).
    """
    n_features = len(s.features)
    model = fitted.model
    if isinstance(model, ConstantClassifier):
        return np.zeros(n_features)
    if fitted.kind == "xgboost":
        gains = model.get_booster().get_score(importance_type="total_gain")
        out = np.zeros(n_features)
        # features are named f0, f1, ... by their position; features never split on are absent
        out[[int(name[1:]) for name in gains]] = list(gains.values())
    elif fitted.kind == "random_forest":
        out = np.asarray(model.feature_importances_, dtype=float)
    else:
        out = _linear_importance(model, x, n_features)
    out = np.where(np.isfinite(out) & (out > 0), out, 0.0)
    total = out.sum()
    return out / total if total > 0 else out


def _linear_importance(pipeline, x: np.ndarray, n_features: int) -> np.ndarray:
    """Per feature: the standard deviation over the rows ``x`` of its contribution to the linear
    predictor, summed over classes (see :func:`model_importance`)."""
    import re

    from scipy import sparse

    pre, linear = pipeline[0], pipeline[-1]
    # output columns are named "<step>__x<i>...", "<step>__missingindicator_x<i>" after the input column i
    names = pre.get_feature_names_out()
    owner = np.array([int(re.match(r"[^_]+__(?:missingindicator_)?x(\d+)", name).group(1)) for name in names])
    columns = pre.transform(x)
    columns = columns.tocsc() if sparse.issparse(columns) else columns
    coef = np.atleast_2d(linear.coef_)  # (classes or 1, output columns)
    out = np.zeros(n_features)
    for j in np.unique(owner):
        part = columns[:, owner == j]
        contribution = part @ coef[:, owner == j].T  # (rows, classes)
        contribution = np.asarray(contribution.todense() if sparse.issparse(contribution) else contribution)
        out[j] = contribution.std(axis=0).sum()
    return out


def large_values(s: UtilitySetup) -> dict:
    """For ``details``: how values too large for the models were treated (empty if none were)."""
    if not (s.target_exponent or s.exponents or s.bounded):
        return {}
    labels = {spec.name: spec.label for spec in s.features}
    return {
        "large_values": {
            "target_exponent": s.target_exponent,
            "feature_exponents": {labels[name]: e for name, e in s.exponents.items()},
            "bounded": s.bounded,
            "note": (
                "values too large for float32 models: divided by 2**exponent (set by the real data; no "
                f"score changes), then bounded by +/-2**{int(np.log2(MODEL_BOUND))} (counts by data set and column)"
            ),
        }
    }


def predict(s: UtilitySetup, fitted: Fitted, x: np.ndarray) -> np.ndarray:
    """Predictions on ``x``: values (regression) or probabilities over all classes."""
    if s.task == "regression":
        return np.asarray(fitted.model.predict(x), dtype=float)
    proba = np.asarray(fitted.model.predict_proba(x), dtype=float)
    full = np.zeros((len(x), s.n_classes))
    full[:, fitted.classes_present] = proba
    return full

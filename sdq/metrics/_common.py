"""Small helpers shared by the metrics of every family: intervals, pair selection, contingency
tables, histogram intersections, AUC. (Helpers shared within one family live in that
family's helper modules; see :mod:`sdq.metrics` for the rule.)"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np
from scipy.stats import rankdata

from sdq.prepare import AggregateFrame, Prepared, PreparedFrame, pair_table

__all__ = [
    "percentile_ci",
    "shifted_ci",
    "select_pairs",
    "contingency",
    "rounded",
    "clip01",
    "poisson_resample",
    "auc",
    "intersection",
]


def clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def rounded(x: Any, digits: int = 6) -> Any:
    """Floats rounded for compact, JSON-safe details (NaN and infinities become None)."""
    if isinstance(x, (list, tuple)):
        return [rounded(v, digits) for v in x]
    if isinstance(x, np.ndarray):
        return [rounded(v, digits) for v in x.tolist()]
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if not np.isfinite(x):
        return None
    return round(x, digits)


def percentile_ci(samples: np.ndarray) -> tuple[float, float] | None:
    """The 2.5% and 97.5% percentiles of bootstrap replicates, clipped to [0, 1]."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    if len(samples) < 2:
        return None
    low, high = np.quantile(samples, [0.025, 0.975])
    return clip01(low), clip01(high)


def shifted_ci(point: float, samples: np.ndarray, factor: float) -> tuple[float, float] | None:
    """An m-out-of-n bootstrap interval: the replicates' spread around their mean, scaled by
    ``factor`` (the ratio of the full-sample to the subsample standard error), set around ``point``."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[np.isfinite(samples)]
    if len(samples) < 2:
        return None
    low, high = np.quantile(samples, [0.025, 0.975]) - samples.mean()
    return clip01(point + factor * low), clip01(point + factor * high)


def poisson_resample(table: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` Poisson-bootstrap replicates of a table of counts (empty cells stay empty)."""
    out = np.zeros((n_boot, *table.shape))
    occupied = table > 0
    out[:, occupied] = rng.poisson(table[occupied], size=(n_boot, int(occupied.sum())))
    return out


def select_pairs(
    columns: Sequence[Any], max_pairs: int, rng: np.random.Generator
) -> tuple[list[tuple[int, int]], bool]:
    """All index pairs i < j, or a seeded sample of ``max_pairs`` of them; and whether it was sampled.

    ``columns`` are in the canonical order (:meth:`~sdq.prepare.Prepared.columns`), so the pairs,
    and the sample drawn from them, do not depend on the order of the given columns."""
    pairs = list(itertools.combinations(range(len(columns)), 2))
    if len(pairs) <= max_pairs:
        return pairs, False
    keep = rng.choice(len(pairs), size=max_pairs, replace=False)
    return sorted(pairs[k] for k in keep), True


def contingency(prepared: Prepared, frame: PreparedFrame, a: Any, b: Any) -> np.ndarray:
    """The two-way table of counts of two columns' pair codes (cached per frame and pair; an
    :class:`~sdq.prepare.AggregateFrame` holds its tables already)."""
    if isinstance(frame, AggregateFrame):
        return frame.pair_table(a, b)
    ka, kb = prepared.pair_binnings[a].n_codes, prepared.pair_binnings[b].n_codes
    return prepared.cached(
        ("pair_table", frame.name, id(frame), a, b),
        lambda: pair_table(frame.pair_codes[a], frame.pair_codes[b], ka, kb),
    )


def intersection(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Histogram intersection of normalised histograms along the last axis."""
    return np.minimum(p, q).sum(axis=-1)


def auc(y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """ROC AUC of binary labels ``y`` (1 positive) and scores along the last axis, ties as half
    (Mann-Whitney). NaN where one class is absent.

    Examples
    --------
    >>> float(auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])))
    0.75
    """
    y = np.asarray(y, dtype=float)
    ranks = rankdata(score, axis=-1)
    n_pos = y.sum(axis=-1)
    n_neg = y.shape[-1] - n_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (ranks * y).sum(axis=-1) - n_pos * (n_pos + 1) / 2
        return np.where((n_pos > 0) & (n_neg > 0), u / (n_pos * n_neg), np.nan)

"""``statistics``: do the per-column summary statistics agree, beyond sampling noise?

Per column, a side-by-side table of summary statistics for real, holdout and synthetic data, and
an agreement in [0, 1] per statistic. Only stable statistics are scored (min and max, the sample
extremes, are shown but never scored), and every agreement is net of what sampling noise at the
sizes compared explains: ``N`` real and ``n`` other rows (synthetic, or the holdout for the
baseline), ``N'`` and ``n'`` of them with a value, and ``z = 2.5`` standard errors
(:data:`NOISE_Z`; about a 99% band per statistic, so that a fresh sample stays within noise on
all of a column's dozen statistics about 90% of the time). Fresh real rows therefore score about
1 on every column, at any size, and a copy exactly 1.

Statistics and their agreements (``d = other - real``; ``(x)+ = max(0, x)``)::

    missing    missing share:  1 - (|m_o - m_r| - z sqrt(m (1 - m) (1/N + 1/n)))+
               (m: the share over both data sets)
    distinct   distinct values D counted on equally many rows k = min(N, n) (distinct counts
               grow with sample size: the expected count among k of a data set's rows, drawn
               without replacement, exactly), compared on a log scale, since they span orders of
               magnitude:  1 - min(1, (|ln(D_o / D_r)| - a)+ / ln k),  a = z sqrt(2 V) / D_r,
               V = sum_v e_v (1 - e_v) - k (sum_v p_v e_v)^2, e_v = exp(-k p_v), p_v the real
               share of value v (the variance of how many values k draws hit)
    numbers (numeric and datetime columns; the lengths of text)
      location mean and the 1, 5, 25, 50, 75, 95, 99% quantiles q_p (linear interpolation):
               1 - min(1, (|d| - a)+ / S), S the real IQR (else std, else range, else 1).
               Mean: a = z sqrt(sd_r^2 / N' + sd_o^2 / n').
               q_p: each data set's own distribution-free band, its quantile function Q at
               p +/- z sqrt(p (1 - p) / k) for its k values: u = Q(p + ...) - Q(p) above,
               l = Q(p) - Q(p - ...) below (wide where values are sparse, as in the tails);
               a = sqrt(u_real^2 + l_other^2) when d > 0, sqrt(l_real^2 + u_other^2) when d < 0.
               A quantile whose band leaves [1/(k+1), k/(k+1)] in either data set (where its
               extremes are expected) is a sample extreme at that size: not scored (null); the
               1% and 99% quantiles need about 600 values.
      spread   IQR and std: 1 - min(1, (|d| - a)+ / max(real, other)) (the ratio of the smaller
               to the larger, net of noise; a real spread of 0 counts as S).
               std: a = z sqrt(sd_r^2 (kurt_r - 1) / (4 N') + sd_o^2 (kurt_o - 1) / (4 n'));
               IQR: a = sqrt of the sum over both data sets of h_25^2 + h_75^2, h = (u + l) / 2
    categories (every kind but numeric, datetime, text and id: ordinal, categorical, boolean, constant,
               and any kind whose values are labels)
      shares   shares p (real) and q (other) of each value among present values:
               (1 - E) / (1 + E),  E = sum_v (|p_v - q_v| - z sqrt(c_v (1 - c_v) (1/N' + 1/n')))+ / 2,
               c_v the share over both: the shares both have over the shares either has
               (sum min / sum max = (1 - TVD) / (1 + TVD), a weighted Jaccard similarity), net of
               noise; 0.5 when a third of the mass moved, 0 when none is shared
    text       lengths as numbers (location, spread); characters: shares as for categories (the
               characters of the first 20,000 values, each value counted as one draw)

An aspect's agreement is the mean of its statistics' agreements, and a column's score is the
product of its aspects' (numbers: missing x distinct x location x spread; categories: missing x
distinct x shares; text: missing x distinct x length location x length spread x characters; id:
missing x distinct), so a column agrees only as far as every aspect does: a column shifted by 4
standard deviations scores 0 although its spread, missing share and distinct count agree, and a
categorical whose shares are reversed scores about its shares' agreement. The metric is the mean
over columns (in the canonical order of :meth:`~sdq.prepare.Prepared.columns`, so the result does
not depend on the order of the given columns).

1.0: every stable statistic of every column matches the real one within sampling noise. 0.0: no
column agrees in every aspect: each is off by at least a real IQR (beyond noise) in location, or
shares none of its real values, or has values where the real column has none, or the reverse. A
column whose values are all missing in one data set but not in the other shares no value,
location or spread with it: those agreements are 0, and so is the column's score. Agreements are
computed from the unrounded statistics; ``details`` shows them rounded to 6 decimals.

Every agreement is a difference divided by a real spread, a ratio or a share, so it does not
change when a column is multiplied by a positive constant or shifted. A numeric column with
values near the float maximum (whose sums and spreads would overflow to infinity) is therefore
summarised after an exact division by a power of two (:meth:`~sdq.prepare.Prepared.exponent`);
``details`` shows its statistics in the original units (null where one exceeds the float range,
as the spread of +/-1.7e308 does).

Details per column: ``score`` (synthetic), ``baseline`` (the holdout's, at the synthetic size;
see :attr:`~sdq.prepare.Prepared.baseline`), ``se`` (the standard error of the synthetic score,
from the bootstrap below; null without resamples), the statistics per data set (``stats``: the
scored ones, min, max, rows, distinct count, and the most frequent categories), each statistic's
and each aspect's agreement (``agreement``, ``aspects``) and the location unit ``scale`` (S, in
the column's units). ``details.validity`` records, per column of the synthetic (and holdout)
data, the missing rate, values that failed to coerce to the column's kind, numeric values outside
the real range and categories the real data does not have.

Interval and ``se``: an m-out-of-n row bootstrap (``config.bootstrap_rows`` rows of the real and
of the synthetic data per resample, the same rows for every column), each resample scored as
above at its own sizes; a column's ``se`` is the standard deviation of its resampled scores and
the interval the 2.5% and 97.5% quantiles of the metric's resampled values around their mean,
both scaled by ``sqrt((1/N + 1/n) / (1/m_r + 1/m_s))`` to the full sizes (the interval set around
the score). Distinct counts and text statistics keep their point values in the resamples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import rounded, shifted_ci
from sdq.metrics.fidelity.dependence import resampled_rows
from sdq.prepare import AggregateFrame, Prepared, PreparedFrame, in_units, scaled
from sdq.schema import KINDS
from sdq.shapes import ColumnStatistics
from sdq.sketches import ValueSketch

__all__ = ["statistics", "expected_distinct", "CATEGORY_KINDS", "NOISE_Z", "QUANTILES"]

#: How many standard errors of sampling noise an agreement forgives (about a 99% band per
#: statistic; about 90% for all of a column's statistics at once).
NOISE_Z = 2.5
#: The scored quantiles: name -> probability.
QUANTILES = {"q01": 0.01, "q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95, "q99": 0.99}
LOCATION = ("mean", *QUANTILES)
SPREAD = ("iqr", "std")
#: Statistics of numbers shown, in this order (min and max are shown, never scored).
NUMBER_STATS = ("min", *QUANTILES, "max", "mean", "std", "iqr")
#: Kinds whose values are numbers on a scale; text and id have their own statistics, empty none.
NUMBER_KINDS = ("numeric", "datetime")
_TEXT, _ID, _EMPTY = "text", "id", "empty"
#: Kinds compared by the shares of their values: every kind that is not numbers, text, id or empty
#: (categorical, boolean, constant, and any kind added later whose values are labels).
CATEGORY_KINDS = tuple(k for k in KINDS if k not in (*NUMBER_KINDS, _TEXT, _ID, _EMPTY))
SHOWN_CATEGORIES = 20
SHOWN_CHARACTERS = 10
TEXT_ROWS = 20_000  # characters are counted on the first rows only


# -- statistics -----------------------------------------------------------------------------------
def expected_distinct(counts: np.ndarray | pd.Series, n: int, m: int) -> float:
    """Expected number of distinct values among ``m`` of ``n`` rows drawn without replacement,
    given the counts of the distinct present values (exact: no sampling, so it does not depend on
    row order). Missing rows count in ``n`` but are no value.

    Examples
    --------
    >>> expected_distinct(np.array([2, 2]), 4, 1)
    1.0
    >>> expected_distinct(np.array([2, 2]), 4, 4)
    2.0
    """
    counts = np.asarray(counts, dtype=float)
    m = min(m, n)
    if m <= 0 or len(counts) == 0:
        return 0.0
    if m == n:
        return float(np.count_nonzero(counts))
    rest = n - counts
    with np.errstate(invalid="ignore"):
        log_miss = gammaln(rest + 1) - gammaln(np.maximum(rest - m, 0) + 1) - gammaln(n + 1) + gammaln(n - m + 1)
    miss = np.where(rest >= m, np.exp(log_miss), 0.0)
    return float(np.sum(1.0 - miss))


def _distinct_variance(counts: np.ndarray, n: int, m: int) -> float:
    """Variance of the number of distinct values that ``m`` draws from the distribution of
    ``counts`` (of ``n`` rows) hit: the Poisson approximation, less the part due to a random
    number of draws."""
    if m <= 0 or n <= 0 or len(counts) == 0:
        return 0.0
    p = np.asarray(counts, dtype=float) / n
    e = np.exp(-m * p)
    return max(0.0, float(np.sum(e * (1 - e)) - m * float(np.sum(p * e)) ** 2))


def _quantile_at(ordered: np.ndarray, k: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per row of ``ordered`` (sorted along axis 1, its first ``k`` values present), the quantiles
    at ``probs`` (one row of probabilities per row, or one for all), linear interpolation
    (numpy's default); NaN where a row has no value."""
    if ordered.shape[1] == 0:
        return np.full((len(k), np.shape(probs)[-1]), np.nan)
    safe_k = np.maximum(k, 1)[:, None]
    pos = np.clip(probs, 0.0, 1.0) * (safe_k - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, safe_k - 1)
    a = np.take_along_axis(ordered, np.broadcast_to(lo, pos.shape), axis=1)
    b = np.take_along_axis(ordered, np.broadcast_to(hi, pos.shape), axis=1)
    with np.errstate(invalid="ignore"):
        out = a + (b - a) * (pos - lo)
    return np.where((k > 0)[:, None], out, np.nan)


def _summaries(ordered: np.ndarray, k: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of ``ordered`` (values sorted along axis 1, the first ``k`` present, NaN after
    them): the statistics of :data:`NUMBER_STATS`, and the half-widths of their noise bands at
    the row's own size (``up`` and ``down`` per quantile, ``band_mean``, ``band_std``,
    ``band_iqr``; each ``z`` standard errors). Where deviations could overflow (or underflow) when
    raised to the fourth power, they are first divided by an exact power of two near the largest,
    as :func:`~sdq.prepare.std_without_overflow` does, so that values near the float maximum
    (divided by :meth:`~sdq.prepare.Prepared.exponent`) are summarised like any others."""
    width = ordered.shape[1]
    safe_k = np.maximum(k, 1)
    rows = np.arange(len(k))
    out: dict[str, np.ndarray] = {}
    if width == 0:
        dev = np.zeros((len(k), 0))
        out["mean"] = np.zeros(len(k))
        top = np.zeros(len(k))
    else:
        full = bool(np.all(k == width))  # no value missing: no masking needed
        present = None if full else np.arange(width)[None, :] < k[:, None]
        values = ordered if full else np.where(present, ordered, 0.0)
        out["mean"] = values.sum(axis=1) / safe_k
        dev = values - out["mean"][:, None]
        if not full:
            dev[~present] = 0.0
        # the largest deviation, from the sorted ends
        top = np.maximum(ordered[rows, safe_k - 1] - out["mean"], out["mean"] - ordered[:, 0])
    top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
    exponent = np.frexp(top)[1]
    unsafe = np.abs(exponent) > 200
    if np.any(unsafe):
        dev = np.ldexp(dev, -np.where(unsafe, exponent, 0)[:, None])
    square = dev * dev
    m2 = square.sum(axis=1)
    m4 = (square * square).sum(axis=1)  # (not dev**4: a general power is many times slower)
    out["std"] = np.ldexp(np.sqrt(m2 / np.maximum(k - 1, 1)), np.where(unsafe, exponent, 0))
    kurtosis = np.where(m2 > 0, m4 * safe_k / np.where(m2 > 0, m2, 1.0) ** 2, 1.0)
    p = np.array(list(QUANTILES.values()))
    found = _quantile_at(ordered, k, np.r_[0.0, p, 1.0][None, :])
    for j, name in enumerate(("min", *QUANTILES, "max")):
        out[name] = found[:, j]
    out["iqr"] = out["q75"] - out["q25"]
    # distribution-free bands: the quantile function at p +/- z sqrt(p (1 - p) / k)
    band = NOISE_Z * np.sqrt(p[None, :] * (1 - p[None, :]) / safe_k[:, None])
    at = found[:, 1:-1]
    out["up"] = _quantile_at(ordered, k, p[None, :] + band) - at
    out["down"] = at - _quantile_at(ordered, k, p[None, :] - band)
    # a band beyond where the sample's extremes are expected to lie (1/(k+1), k/(k+1)) is not
    # bounded by the sample: the quantile is a sample extreme at this size, and not scored
    edge = 1 / (safe_k[:, None] + 1)
    out["resolved"] = (p[None, :] - band >= edge) & (p[None, :] + band <= 1 - edge)
    half = (out["up"] + out["down"]) / 2
    names = list(QUANTILES)
    out["band_iqr"] = np.hypot(half[:, names.index("q25")], half[:, names.index("q75")])
    out["band_mean"] = NOISE_Z * out["std"] / np.sqrt(safe_k)
    out["band_std"] = NOISE_Z * out["std"] * np.sqrt(np.maximum(kurtosis - 1, 0.0) / (4 * safe_k))
    return {key: np.where((k > 0).reshape((-1,) + (1,) * (v.ndim - 1)), v, np.nan) for key, v in out.items()}


def _scale(stats: dict[str, float]) -> float:
    """The location unit: the real IQR, else std, else range, else 1."""
    for candidate in (stats["iqr"], stats["std"], stats["max"] - stats["min"]):
        if np.isfinite(candidate) and candidate > 0:
            return float(candidate)
    return 1.0


def _location_agreement(real: np.ndarray, other: np.ndarray, allowance: np.ndarray, scale: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        excess = np.maximum(np.abs(other - real) - allowance, 0.0)
    return np.where(np.isnan(other) | np.isnan(real), 0.0, 1 - np.minimum(1.0, excess / scale))


def _spread_agreement(real: np.ndarray, other: np.ndarray, allowance: np.ndarray, scale: float) -> np.ndarray:
    """``1 - (|other - real| - allowance)+ / max(real, other)``: the ratio of the smaller spread to
    the larger, net of noise (1 when both are 0; a real spread of 0 counts as the location unit)."""
    high = np.fmax(np.where(real > 0, real, scale), other)
    with np.errstate(invalid="ignore"):
        excess = np.maximum(np.abs(other - real) - allowance, 0.0)
    agree = 1 - np.minimum(1.0, excess / high)
    return np.where(np.isnan(other) | np.isnan(real), 0.0, agree)


def _number_agreements(
    ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], scale: float
) -> dict[str, np.ndarray]:
    """Per comparison (one per row of the arrays): the agreement of each location and spread
    statistic of ``theirs`` (the other data set) with ``ours`` (the real one); each allowance
    combines both data sets' bands."""
    allowance = np.hypot(ours["band_mean"], theirs["band_mean"])
    out = {"mean": _location_agreement(ours["mean"], theirs["mean"], allowance, scale)}
    for j, name in enumerate(QUANTILES):
        d = theirs[name] - ours[name]
        up = np.hypot(ours["up"][:, j], theirs["down"][:, j])  # the real one higher, the other lower
        down = np.hypot(ours["down"][:, j], theirs["up"][:, j])
        agree = _location_agreement(ours[name], theirs[name], np.where(d > 0, up, down), scale)
        # scored where both samples resolve it (NaN: not scored); a data set without values has none
        resolved = (ours["resolved"][:, j] == 1) & (theirs["resolved"][:, j] == 1)
        out[name] = np.where(resolved | np.isnan(ours[name]) | np.isnan(theirs[name]), agree, np.nan)
    for name in SPREAD:
        allowance = np.hypot(ours[f"band_{name}"], theirs[f"band_{name}"])
        out[name] = _spread_agreement(ours[name], theirs[name], allowance, scale)
    return out


def _missing_agreement(real: np.ndarray, other: np.ndarray, n_real: int, n_other: int) -> np.ndarray:
    both = (real * n_real + other * n_other) / (n_real + n_other)
    allowance = NOISE_Z * np.sqrt(both * (1 - both) * (1 / n_real + 1 / n_other))
    return 1 - np.maximum(np.abs(other - real) - allowance, 0.0)


def _share_agreement(p: np.ndarray, q: np.ndarray, n_p: np.ndarray, n_q: np.ndarray) -> np.ndarray:
    """Per row: ``(1 - E) / (1 + E)`` of share vectors ``p`` and ``q`` (along the last axis) of
    ``n_p`` and ``n_q`` present values, each value's allowance from the share over both; 1 if
    neither has a value, 0 if only one has."""
    n_p, n_q = np.asarray(n_p, dtype=float), np.asarray(n_q, dtype=float)
    safe_p, safe_q = np.maximum(n_p, 1)[..., None], np.maximum(n_q, 1)[..., None]
    both = (p * safe_p + q * safe_q) / (safe_p + safe_q)
    return _net_jaccard(p, q, both * (1 - both) * (1 / safe_p + 1 / safe_q), n_p > 0, n_q > 0)


def _net_jaccard(p: np.ndarray, q: np.ndarray, variance: np.ndarray, has_p: Any, has_q: Any) -> np.ndarray:
    """``(1 - E) / (1 + E)`` with ``E = sum (|p - q| - z sqrt(variance))+ / 2`` along the last axis
    (``variance``: of each difference); 1 if neither side has a value, 0 if only one has."""
    excess = np.maximum(np.abs(p - q) - NOISE_Z * np.sqrt(variance), 0.0).sum(axis=-1) / 2
    agree = (1 - excess) / (1 + excess)
    return np.where(has_p & has_q, agree, np.where(has_p | has_q, 0.0, 1.0))


def _distinct_agreement(real: dict, other: dict, n_real: int, n_other: int) -> float | None:
    """The distinct counts on equally many rows ``k``, on a log scale (distinct counts span orders
    of magnitude): ``1 - (|log(D_o / D_r)| - a)+ / log(k)``, ``a`` the noise of ``log D_r``."""
    if not len(real["counts"]) and not len(other["counts"]):
        return None
    if not len(real["counts"]) or not len(other["counts"]):
        return 0.0
    k = min(n_real, n_other)
    d_r = expected_distinct(real["counts"], n_real, k)
    d_o = expected_distinct(other["counts"], n_other, k)
    if k < 2:
        return 1.0
    allowance = NOISE_Z * np.sqrt(2 * _distinct_variance(real["counts"], n_real, k)) / d_r
    return float(1 - min(1.0, max(abs(np.log(d_o / d_r)) - allowance, 0.0) / np.log(k)))


def _distinct(real: dict, other: dict) -> float | None:
    """:func:`_distinct_agreement` of two profiles; where either data set's values were too many
    to count (aggregates), on the seeded samples of both (equally many rows, drawn alike)."""
    if real["counts"] is None or other["counts"] is None:
        return _distinct_agreement(
            {"counts": real.get("sample_counts", real["counts"])},
            {"counts": other.get("sample_counts", other["counts"])},
            real.get("sample_rows", real["rows"]),
            other.get("sample_rows", other["rows"]),
        )
    return _distinct_agreement(real, other, real["rows"], other["rows"])


def _value_counts(series: pd.Series) -> pd.Series:
    counts = series.value_counts(dropna=True, sort=False)
    return counts[counts > 0]


def _top(shares: pd.Series, k: int) -> list:
    return [key for key, _ in sorted(shares.items(), key=lambda kv: (-kv[1], str(kv[0])))[:k]]


def _characters(series: pd.Series) -> pd.DataFrame:
    """The share of each character among the characters of the first :data:`TEXT_ROWS` present
    values (most frequent first, indexed by the character) and the variance of that share over
    samples of values: a ratio of sums over values, ``Var = sum_i (y_i - share x_i)^2 / (sum_i
    x_i)^2`` with ``y_i`` the character's count in value i and ``x_i`` its length (characters of
    one value are not independent draws)."""
    present = series.dropna().astype(str).iloc[:TEXT_ROWS]
    lengths = present.str.len().to_numpy(dtype=np.int64)
    total = int(lengths.sum())
    if not total:
        return pd.DataFrame({"share": [], "variance": []}, dtype=float)
    codes = np.frombuffer("".join(present.tolist()).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    pairs, counts = np.unique((rows << 21) | codes, return_counts=True)  # code points < 2**21
    chars, which = np.unique(pairs & ((1 << 21) - 1), return_inverse=True)
    counts = counts.astype(float)
    share = np.bincount(which, weights=counts) / total
    sum_yy = np.bincount(which, weights=counts * counts)
    sum_xy = np.bincount(which, weights=counts * lengths[pairs >> 21])
    sum_xx = float(np.sum(lengths.astype(float) ** 2))
    variance = np.maximum(sum_yy - 2 * share * sum_xy + share * share * sum_xx, 0.0) / float(total) ** 2
    order = np.argsort(-share, kind="stable")
    return pd.DataFrame({"share": share[order], "variance": variance[order]}, index=[chr(int(c)) for c in chars[order]])


# -- one column -----------------------------------------------------------------------------------
def _profile(frame: PreparedFrame, spec, exponent: int) -> dict[str, Any]:
    """One column of one data set: its statistics, distinct-value counts and, by kind, its sorted
    numbers (of numbers divided by ``2**exponent``), shares or text lengths and characters."""
    name, kind = spec.name, spec.kind
    series = frame.frame[name]
    rows = len(series)
    out: dict[str, Any] = {"rows": rows}
    if kind in NUMBER_KINDS:
        x = frame.values[name]
        present = np.sort(x[~np.isnan(x)])
        starts = np.flatnonzero(np.r_[True, present[1:] != present[:-1]]) if len(present) else np.zeros(0, int)
        out["counts"] = np.diff(np.r_[starts, len(present)]).astype(float)
        out["present"] = scaled(present, exponent)  # monotone: still sorted
    else:
        counts = _value_counts(series)
        out["counts"] = counts.to_numpy(dtype=float)
        out["present_n"] = int(counts.sum())
        if kind == _TEXT:
            present = series.dropna()
            out["present"] = np.sort(present.astype(str).str.len().to_numpy(dtype=float))
            out["characters"] = _characters(series)
        elif kind != _ID:
            out["shares"] = counts / counts.sum() if len(counts) else counts.astype(float)
    n_present = len(out["present"]) if "present" in out else out["present_n"]
    out["n_present"] = n_present
    out["missing"] = 1 - n_present / rows if rows else 0.0
    return out


def _shown(profile: dict, spec, exponent: int, numbers: dict[str, float] | None) -> dict[str, Any]:
    """The statistics of one data set as ``details`` shows them (in the column's units, rounded)."""
    shown: dict[str, Any] = {
        "missing_rate": rounded(profile["missing"]),
        "rows": profile["rows"],
        "distinct": profile["distinct"] if "distinct" in profile else len(profile["counts"]),
    }
    if numbers is not None:
        prefix = "length_" if spec.kind == _TEXT else ""
        for key in NUMBER_STATS:
            value = numbers.get(key)
            shown[prefix + key] = rounded(in_units(value, exponent)) if value is not None else None
    if "shares" in profile:
        shares = profile["shares"]
        boolean = spec.kind == "boolean"
        shown["top"] = [
            [str(bool(k)) if boolean else str(k), rounded(shares[k], 4)] for k in _top(shares, SHOWN_CATEGORIES)
        ]
    return shown


def _point_numbers(profile: dict) -> dict[str, np.ndarray] | None:
    """The statistics and bands of one data set's present numbers (arrays of one row); None
    without any."""
    if "sketch" in profile:
        return _sketch_summaries(profile["sketch"], profile["moments"])
    present = profile["present"]
    return _summaries(present[None, :], np.array([len(present)])) if len(present) else None


# -- data sets known by their aggregates ----------------------------------------------------------
def _aggregate_profile(frame: AggregateFrame, spec, exponent: int) -> dict[str, Any]:
    """:func:`_profile` of a data set known by its aggregates (:class:`~sdq.prepare.AggregateFrame`):
    the sketch of its numbers (or text lengths) with their moments, the count of each other value;
    where a column's values were too many to keep (a compressed sketch, counts not kept), its
    distinct values come from the distinct-value sketch and their agreement from the seeded
    samples (``sample_counts``); a text column's characters from the sample too."""
    name, kind = spec.name, spec.kind
    rows = frame.n_rows
    out: dict[str, Any] = {"rows": rows}
    sample = frame.sample.frame[name] if frame.sample is not None else pd.Series(dtype=object)
    counts = frame.value_counts.get(name)
    if kind in NUMBER_KINDS or kind == _TEXT:
        sketch = frame.sketches[name]
        out["sketch"] = sketch.scaled(exponent) if kind in NUMBER_KINDS else sketch
        out["moments"] = _moments_in(frame.moments.get(name), exponent if kind in NUMBER_KINDS else 0)
    if kind in NUMBER_KINDS:
        out["counts"] = sketch.weights if sketch.exact else None
        n_present = sketch.n
    else:
        out["counts"] = counts.to_numpy(dtype=float) if counts is not None else None
        n_present = rows - int(frame.missing.get(name, 0))
        out["present_n"] = n_present
        if kind == _TEXT:
            out["characters"] = _characters(sample)
        elif kind != _ID:
            shares = counts if counts is not None else _value_counts(sample)
            out["shares"] = shares / shares.sum() if len(shares) else shares.astype(float)
    if out["counts"] is None:
        out["distinct"] = int(round(frame.distinct.get(name, 0.0)))
        kept = _value_counts(sample)
        out["sample_counts"], out["sample_rows"] = kept.to_numpy(dtype=float), len(sample)
    out["n_present"] = n_present
    out["missing"] = 1 - n_present / rows if rows else 0.0
    return out


def _moments_in(found: Any, exponent: int) -> Any:
    """Moments (``(e, Moments)`` of values divided by ``2**e``) as of values divided by ``2**exponent``:
    (count, mean, M2, M4) with mean and M2, M4 in those units."""
    if found is None:
        return None
    e, m = found
    shift = e - exponent
    return (m.n, float(np.ldexp(m.mean, shift)), float(np.ldexp(m.m2, 2 * shift)), float(np.ldexp(m.m4, 4 * shift)))


def _sketch_summaries(sketch: ValueSketch, moments: Any) -> dict[str, np.ndarray] | None:
    """:func:`_summaries` from a sketch of the values and their moments (one row): quantiles read
    from the sketch (exactly where it is exact), each noise band widened by the sketch's rank error
    (a share of the values), mean, standard deviation and kurtosis from the moments."""
    k = sketch.n
    if k == 0 or moments is None:
        return None
    _, mean, m2, m4 = moments
    p = np.array(list(QUANTILES.values()))
    found = sketch.quantiles(np.r_[0.0, p, 1.0], style="lerp")
    out: dict[str, np.ndarray] = {"mean": np.array([mean])}
    std = float(np.sqrt(m2 / max(k - 1, 1)))
    kurtosis = m4 * k / m2**2 if m2 > 0 else 1.0
    out["std"] = np.array([std])
    for j, name in enumerate(("min", *QUANTILES, "max")):
        out[name] = np.array([found[j]])
    out["iqr"] = out["q75"] - out["q25"]
    band = NOISE_Z * np.sqrt(p * (1 - p) / k)
    wide = band + sketch.relative_error()
    at = found[1:-1]
    out["up"] = (sketch.quantiles(p + wide, style="lerp") - at)[None, :]
    out["down"] = (at - sketch.quantiles(p - wide, style="lerp"))[None, :]
    edge = 1 / (k + 1)
    out["resolved"] = ((p - band >= edge) & (p + band <= 1 - edge))[None, :]
    half = (out["up"] + out["down"]) / 2
    names = list(QUANTILES)
    out["band_iqr"] = np.hypot(half[:, names.index("q25")], half[:, names.index("q75")])
    out["band_mean"] = np.array([NOISE_Z * std / np.sqrt(k)])
    out["band_std"] = np.array([NOISE_Z * std * np.sqrt(max(kurtosis - 1, 0.0) / (4 * k))])
    return out


def _aggregate_validity(prepared: Prepared, spec, frame: AggregateFrame) -> dict[str, Any]:
    """:func:`_validity` of a data set known by its aggregates."""
    out: dict[str, Any] = {
        "missing_rate": rounded(frame.missing.get(spec.name, 0) / frame.n_rows if frame.n_rows else 0.0),
        "invalid": int(frame.invalid.get(spec.label, 0)),
    }
    real = prepared.real
    if spec.kind in NUMBER_KINDS:
        if spec.name in frame.outside and real.sketches[spec.name].n:
            out["below_range"], out["above_range"] = (int(v) for v in frame.outside[spec.name])
    elif spec.kind in (*CATEGORY_KINDS, _EMPTY):
        real_counts, counts = real.value_counts.get(spec.name), frame.value_counts.get(spec.name)
        if real_counts is not None and counts is not None:
            unseen = ~counts.index.isin(real_counts.index[real_counts.to_numpy() > 0])
            out["unseen_values"] = int(counts[unseen].sum())
            out["unseen_categories"] = int(unseen.sum())
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _aspects(agree: dict[str, float | None], groups: dict[str, tuple[str, ...]]) -> dict[str, float | None]:
    out = {}
    for aspect, keys in groups.items():
        values = [agree[k] for k in keys if agree.get(k) is not None]
        out[aspect] = float(np.mean(values)) if values else None
    return out


def _product(aspects: dict[str, float | None]) -> float | None:
    values = [v for v in aspects.values() if v is not None]
    return float(np.prod(values)) if values else None


def _groups(kind: str) -> dict[str, tuple[str, ...]]:
    """The aspects of a column of this kind and the agreements each averages."""
    groups: dict[str, tuple[str, ...]] = {"missing": ("missing_rate",), "distinct": ("distinct",)}
    if kind in NUMBER_KINDS:
        groups |= {"location": LOCATION, "spread": SPREAD}
    elif kind == _TEXT:
        groups |= {
            "length location": tuple(f"length_{k}" for k in LOCATION),
            "length spread": tuple(f"length_{k}" for k in SPREAD),
            "characters": ("characters",),
        }
    elif kind != _ID:
        groups["shares"] = ("shares",)
    return groups


def _column(prepared: Prepared, spec, frames: dict[str, PreparedFrame]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One column's details entry (statistics and agreements rounded for display) and its exact
    values (``score`` and ``agreement`` per data set, and the location unit ``scale`` and
    ``exponent`` the bootstrap reuses), which the metric is computed from."""
    kind = spec.kind
    exponent = prepared.exponent(spec.name) if kind in NUMBER_KINDS else 0
    profiles = {
        name: _aggregate_profile(frame, spec, exponent)
        if isinstance(frame, AggregateFrame)
        else _profile(frame, spec, exponent)
        for name, frame in frames.items()
    }
    real = profiles["real"]
    numbers = "present" in real or "sketch" in real
    points = {name: _point_numbers(p) if numbers else None for name, p in profiles.items()}
    shown = {
        name: {k: float(v[0]) for k, v in (points[name] or {}).items() if v.ndim == 1} if numbers else None
        for name in profiles
    }
    scale = _scale(shown["real"]) if points["real"] is not None else 1.0
    entry: dict[str, Any] = {
        "column": spec.label,
        "kind": kind,
        "stats": {name: _shown(p, spec, exponent, shown[name]) for name, p in profiles.items()},
        "agreement": {},
        "aspects": {},
    }
    if numbers:
        entry["scale"] = rounded(in_units(scale, exponent))
    exact: dict[str, Any] = {
        "score": {},
        "scale": scale,
        "exponent": exponent,
        "agreement": {},
        "points": points,
        "sizes": {name: (p["rows"], p["n_present"]) for name, p in profiles.items()},
    }
    groups = _groups(kind)
    for name, other in profiles.items():
        if name == "real":
            continue
        agree: dict[str, float | None] = {
            "missing_rate": float(
                _missing_agreement(np.array(real["missing"]), np.array(other["missing"]), real["rows"], other["rows"])
            )
            if real["rows"] and other["rows"]
            else None,
            "distinct": _distinct(real, other),
        }
        if numbers:
            ours, theirs = points["real"], points[name]
            if ours is None and theirs is None:
                found = {}
            elif ours is None or theirs is None:  # values on one side only: nothing agrees
                found = {k: 0.0 for k in (*LOCATION, *SPREAD)}
            else:
                found = {k: _finite(v[0]) for k, v in _number_agreements(ours, theirs, scale).items()}
            prefix = "length_" if kind == _TEXT else ""
            agree |= {prefix + k: v for k, v in found.items()}
        if kind == _TEXT:
            chars_r, chars_o = real["characters"], other["characters"]
            both = pd.concat([chars_r, chars_o], axis=1).fillna(0.0).to_numpy(dtype=float).reshape(-1, 4)
            found = _net_jaccard(both[:, 0], both[:, 2], both[:, 1] + both[:, 3], len(chars_r) > 0, len(chars_o) > 0)
            agree["characters"] = float(found)
            for frame_name, profile in (("real", real), (name, other)):
                shares = profile["characters"]["share"]
                entry.setdefault("characters", {})[frame_name] = [
                    [k, rounded(v, 4)] for k, v in shares.head(SHOWN_CHARACTERS).items()
                ]
        elif "shares" in real:
            p, q = _aligned(real["shares"], other["shares"])
            agree["shares"] = float(_share_agreement(p, q, real["n_present"], other["n_present"]))
        aspects = _aspects(agree, groups)
        exact["agreement"][name] = agree
        exact["score"][name] = _product(aspects)
        entry["agreement"][name] = {k: rounded(v) for k, v in agree.items()}
        entry["aspects"][name] = {k: rounded(v) for k, v in aspects.items()}
    entry["score"] = rounded(exact["score"]["synthetic"])
    if "holdout" in exact["score"]:
        entry["baseline"] = rounded(exact["score"]["holdout"])
    return entry, exact


def _aligned(p: pd.Series, q: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two share (or count) vectors on the union of their values, as shares."""
    if not len(p) and not len(q):
        return np.zeros(0), np.zeros(0)
    joined = pd.concat([p, q], axis=1).fillna(0.0).to_numpy(dtype=float)
    totals = joined.sum(axis=0)
    return joined[:, 0] / max(totals[0], 1e-300), joined[:, 1] / max(totals[1], 1e-300)


def _validity(prepared: Prepared, spec, frame_name: str) -> dict[str, Any]:
    frame = prepared.tables.frames[frame_name]
    series = frame[spec.name]
    out: dict[str, Any] = {
        "missing_rate": rounded(float(series.isna().mean())),
        "invalid": int(prepared.tables.invalid.get(frame_name, {}).get(spec.label, 0)),
    }
    if spec.kind in NUMBER_KINDS:
        real = prepared.tables.real[spec.name].to_numpy(dtype=float)
        if np.isfinite(real).any():
            lo, hi = np.nanmin(real), np.nanmax(real)
            x = series.to_numpy(dtype=float)
            out["below_range"] = int(np.sum(x < lo))
            out["above_range"] = int(np.sum(x > hi))
    elif spec.kind in (*CATEGORY_KINDS, _EMPTY):
        real_counts = prepared.tables.real[spec.name].value_counts(dropna=True, sort=False)
        known = real_counts.index[real_counts.to_numpy() > 0]
        counts = _value_counts(series)
        unseen = ~counts.index.isin(known)
        out["unseen_values"] = int(counts[unseen].sum())
        out["unseen_categories"] = int(unseen.sum())
    return out


# -- bootstrap ------------------------------------------------------------------------------------
def _to_full_size(point: np.ndarray, resampled: np.ndarray, factor: float) -> np.ndarray:
    """Resampled statistics (replicates along axis 0) as statistics of full-size samples: their
    deviations from their mean scaled by ``factor`` (``sqrt(m / N)``: statistics vary as one over
    the root of the size) and set around the point value. The agreements are then taken at full
    size, so that their clipping at 0 and 1 acts as it does on the score."""
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(resampled, axis=0) if np.any(np.isfinite(resampled)) else 0.0
    return point + factor * (resampled - centre)


def _resampled_numbers(
    values: dict[str, np.ndarray], exact: dict[str, Any], factors: dict[str, float]
) -> dict[str, np.ndarray]:
    """Per resample: the missing-share, location and spread agreements of a numeric column
    (``values``: the real and synthetic resampled values, replicates x rows)."""
    found = {}
    for side, x in values.items():
        x = scaled(x, exact["exponent"])
        k = (~np.isnan(x)).sum(axis=1)
        stats = _summaries(np.sort(x, axis=1), k)
        point, factor = exact["points"][side], factors[side]
        full = {key: np.broadcast_to(v, (len(k), *v.shape[1:])) for key, v in point.items()}
        for key in (*LOCATION, *SPREAD):
            full[key] = _to_full_size(point[key], stats[key], factor)
        for key in SPREAD:
            full[key] = np.maximum(full[key], 0.0)
        rows = exact["sizes"][side][0]
        found[side] = (
            full,
            np.clip(_to_full_size(1 - exact["sizes"][side][1] / rows, 1 - k / x.shape[1], factor), 0, 1),
        )
    (ours, m_r), (theirs, m_s) = found["real"], found["synthetic"]
    out = {"missing_rate": _missing_agreement(m_r, m_s, exact["sizes"]["real"][0], exact["sizes"]["synthetic"][0])}
    return out | _number_agreements(ours, theirs, exact["scale"])


def _code_shares(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Per row of ``codes`` (replicates x rows): the share of rows in each code."""
    n_boot = codes.shape[0]
    flat = (codes + (np.arange(n_boot) * n_codes)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_boot * n_codes).reshape(n_boot, n_codes)
    return counts / codes.shape[1]


def _resampled_shares(
    codes: dict[str, np.ndarray], points: dict[str, np.ndarray], n_codes: int, factors: dict[str, float], sizes: dict
) -> dict[str, np.ndarray]:
    """Per resample: the missing-share and share agreements of a column's codes (code 0 is
    missing; ``codes`` replicates x rows, ``points`` the share of every row in each code, (1, codes))."""
    shares = {}
    for side, resampled in codes.items():
        shares[side] = np.clip(_to_full_size(points[side], _code_shares(resampled, n_codes), factors[side]), 0, 1)
    (rows_r, n_r), (rows_s, n_s) = sizes["real"], sizes["synthetic"]
    p, q = shares["real"], shares["synthetic"]
    present_p, present_q = p[:, 1:].sum(axis=1), q[:, 1:].sum(axis=1)
    return {
        "missing_rate": _missing_agreement(p[:, 0], q[:, 0], rows_r, rows_s),
        "shares": _share_agreement(
            p[:, 1:] / np.maximum(present_p, 1e-300)[:, None],
            q[:, 1:] / np.maximum(present_q, 1e-300)[:, None],
            np.where(present_p > 0, n_r, 0),
            np.where(present_q > 0, n_s, 0),
        ),
    }


def _bootstrap(prepared: Prepared, specs, exact: list[dict], rng: np.random.Generator) -> tuple[list, dict]:
    """An m-out-of-n row bootstrap: per column, replicates of its synthetic score at full size (the
    same resampled rows for every column; each resampled statistic brought to full size by
    :func:`_to_full_size` before the agreements are taken)."""
    n_boot, cap = prepared.config.n_bootstrap, prepared.config.bootstrap_rows
    real, syn = prepared.real, prepared.synthetic
    # the rows resampled: every row, or the seeded sample of a data set known by its aggregates
    rows_r, idx_r = resampled_rows(real, cap, n_boot, rng)
    rows_s, idx_s = resampled_rows(syn, cap, n_boot, rng)
    m_r, m_s = idx_r.shape[1], idx_s.shape[1]
    factors = {"real": np.sqrt(m_r / real.n_rows), "synthetic": np.sqrt(m_s / syn.n_rows)}
    replicates = []
    for spec, values in zip(specs, exact):
        point = values["agreement"]["synthetic"]
        found: dict[str, np.ndarray] = {}
        if spec.kind in NUMBER_KINDS and values["points"]["real"] is not None:
            resampled = {"real": rows_r.values[spec.name][idx_r], "synthetic": rows_s.values[spec.name][idx_s]}
            if values["points"]["synthetic"] is not None:
                found = _resampled_numbers(resampled, values, factors)
        elif spec.kind in CATEGORY_KINDS and spec.name in prepared.binnings:
            n_codes = prepared.binnings[spec.name].n_codes
            codes = {"real": rows_r.codes[spec.name][idx_r], "synthetic": rows_s.codes[spec.name][idx_s]}
            every_row = {
                "real": real.counts(spec.name, n_codes)[None, :] / real.n_rows,
                "synthetic": syn.counts(spec.name, n_codes)[None, :] / syn.n_rows,
            }
            found = _resampled_shares(codes, every_row, n_codes, factors, values["sizes"])
        agree = {k: found[k] if k in found else np.full(n_boot, v) for k, v in point.items() if v is not None}
        # a quantile a resample does not resolve is NaN there (location always has the mean)
        aspects = [
            np.nanmean([agree[k] for k in keys if k in agree], axis=0)
            for keys in _groups(spec.kind).values()
            if any(k in agree for k in keys)
        ]
        replicates.append(np.prod(aspects, axis=0) if aspects else np.full(n_boot, np.nan))
    return replicates, {"real": m_r, "synthetic": m_s}


@metric(
    "statistics",
    "fidelity",
    shape=ColumnStatistics(),
    chunked=True,
    summary="Per-column stable statistics (quantiles, spread, missing share, distinct share, category shares) "
    "agree beyond sampling noise.",
    one="every stable statistic of every column matches the real one within sampling noise",
    zero="no column agrees in every aspect: each is off in location, spread, shares or presence",
)
def statistics(prepared: Prepared) -> Outcome:
    # in the canonical order, so that means over columns (float sums, to the last bit) do not
    # depend on the order of the given columns; details in the given order
    specs = prepared.columns([kind for kind in KINDS if kind != _EMPTY])
    if not specs:
        raise Skip("no column has any values to summarise")
    rng = prepared.rng("statistics")
    frames = {"real": prepared.real, "synthetic": prepared.synthetic}
    if prepared.baseline is not None:
        frames["holdout"] = prepared.baseline
    columns, exact = zip(*[_column(prepared, spec, frames) for spec in specs])
    columns, exact = list(columns), list(exact)
    scored = [k for k, c in enumerate(exact) if c["score"]["synthetic"] is not None]
    if not scored:
        raise Skip("no column has rows to compare")
    score = float(np.mean([exact[k]["score"]["synthetic"] for k in scored]))
    ci, boot_rows = None, {}
    if prepared.config.n_bootstrap:
        replicates, boot_rows = _bootstrap(prepared, specs, exact, rng)
        for entry, rep in zip(columns, replicates):
            finite = rep[np.isfinite(rep)]
            entry["se"] = rounded(float(np.std(finite, ddof=1))) if len(finite) > 1 else None
        ci = shifted_ci(score, np.nanmean(np.vstack([replicates[k] for k in scored]), axis=0), 1.0)
    else:
        for entry in columns:
            entry["se"] = None
    baseline = None
    if "holdout" in frames:
        baseline = float(np.mean([c["score"]["holdout"] for c in exact if c["score"]["holdout"] is not None]))
    validity = {}
    if prepared.tables is None:  # data sets known by their aggregates
        every_row = {
            "synthetic": prepared.synthetic_full or prepared.synthetic,
            "holdout": prepared.frames.get("holdout"),
        }
        for name, frame in every_row.items():
            if frame is not None:
                validity[name] = {
                    s.label: _aggregate_validity(prepared, s, frame)
                    for s in prepared.schema.columns
                    if s.role != "excluded"
                }
    for name in ("synthetic", "holdout"):
        if prepared.tables is not None and name in prepared.tables.frames:
            validity[name] = {
                s.label: _validity(prepared, s, name) for s in prepared.schema.columns if s.role != "excluded"
            }
    details = {
        "columns": prepared.given_order(columns, label=lambda entry: entry["column"]),
        "validity": validity,
        "rows": {name: f.n_rows for name, f in frames.items()},
        "n_bootstrap": prepared.config.n_bootstrap,
        "bootstrap_rows": boot_rows,
        "noise_z": NOISE_Z,
    }
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

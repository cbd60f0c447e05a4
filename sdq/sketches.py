"""Mergeable summaries of a column's values: what the aggregate engines (``sdq.engine.scaled``)
compute per chunk or partition and add up, so that statistics that are not plain sums over rows
(quantiles, ranks, distinct counts, moments) still come from one pass over data of any size.

* :class:`ValueSketch`: the distinct values of a column with their counts, **exact** as long as
  a summary holds at most ``size`` distinct values (then every quantile, rank and distinct count
  read from it equals the one of the rows themselves); beyond that, compressed to about ``size``
  points of equal weight, each kept at a real value (the heaviest of the values it stands for,
  so point masses survive), with a bound on the rank error any count read from it can have
  (``error``, in rows; it adds up over merges and compressions). The minimum and maximum are
  always exact.
* :class:`Moments`: count, mean and the central moments M2..M4 of a column, merged exactly
  (Chan et al.; Pebay 2008), so that the standard deviation and kurtosis come out as in one pass.
* :class:`CoMoments`: pairwise-complete sums of several columns (the rows where both of a pair
  are present), which give Pearson's r of every pair, exactly as on the rows.
* :class:`DistinctSketch`: a HyperLogLog estimate of the number of distinct values (2**12
  registers, about 1.6% standard error), for columns whose values are too many to keep.

Everything here is numpy, vectorised, and deterministic: merging in any order gives the same
exact summaries (compressed ones can differ within their stated error).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ValueSketch", "Moments", "CoMoments", "DistinctSketch", "SKETCH_SIZE"]

#: Most points a value sketch keeps (exact up to this many distinct values).
SKETCH_SIZE = 100_000


class ValueSketch:
    """The sorted distinct ``values`` of a column (present values only) and their ``weights``
    (counts), with ``error``: a bound, in rows, on how far any count of values below or above a
    point read from it can be from the true one (0: exact).

    Examples
    --------
    >>> s = ValueSketch.of(np.array([3.0, 1.0, 2.0, 2.0, np.nan]))
    >>> s.values.tolist(), s.weights.tolist(), s.n, s.exact
    ([1.0, 2.0, 3.0], [1.0, 2.0, 1.0], 4, True)
    >>> s.quantiles(np.array([0.0, 0.5, 1.0])).tolist()
    [1.0, 2.0, 3.0]
    >>> s.mid_ranks(np.array([1.0, 2.0, 3.0])).tolist()  # ties share their mean rank
    [1.0, 2.5, 4.0]
    """

    __slots__ = ("values", "weights", "error", "_cum")

    def __init__(self, values: np.ndarray, weights: np.ndarray, error: float = 0.0) -> None:
        self.values = np.asarray(values, dtype=float)
        self.weights = np.asarray(weights, dtype=float)
        self.error = float(error)
        self._cum: np.ndarray | None = None

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def of(cls, x: np.ndarray, size: int = SKETCH_SIZE) -> "ValueSketch":
        """The sketch of the values ``x`` (NaN left out)."""
        x = np.asarray(x, dtype=float)
        x = x[~np.isnan(x)]
        values, counts = np.unique(x, return_counts=True)
        return cls(values, counts.astype(float)).compressed(size)

    @classmethod
    def empty(cls) -> "ValueSketch":
        return cls(np.zeros(0), np.zeros(0))

    def merge(self, other: "ValueSketch", size: int = SKETCH_SIZE) -> "ValueSketch":
        """The sketch of both sets of values (exact if both are and the union is small)."""
        if not len(other.values):
            return self
        if not len(self.values):
            return other
        values = np.concatenate([self.values, other.values])
        weights = np.concatenate([self.weights, other.weights])
        unique, inverse = np.unique(values, return_inverse=True)
        merged = np.bincount(inverse, weights=weights, minlength=len(unique))
        return ValueSketch(unique, merged, self.error + other.error).compressed(size)

    def compressed(self, size: int) -> "ValueSketch":
        """At most about ``size`` points: consecutive values grouped into runs of about
        ``n / size`` rows (by the middle of each value's rows), each run kept at its heaviest
        value with the run's whole weight; the first and last values stay on their own (the
        extremes are exact). Adds the largest weight moved to another value to ``error``."""
        if len(self.values) <= max(size, 2):
            return self
        w = self.weights
        total = float(w.sum())
        step = total / max(size - 2, 1)
        middle = np.cumsum(w) - w / 2
        run = np.floor(middle / step).astype(np.int64) + 1
        run[0], run[-1] = 0, int(run.max()) + 1
        # the heaviest value of each run (the first where several are as heavy)
        order = np.lexsort((np.arange(len(w)), -w, run))
        starts = np.flatnonzero(np.r_[True, run[order][1:] != run[order][:-1]])
        keep = order[starts]
        sums = np.bincount(run, weights=w)
        weights = sums[run[keep]]
        moved = float(np.max(weights - w[keep])) if len(keep) else 0.0
        position = np.argsort(self.values[keep], kind="stable")
        return ValueSketch(self.values[keep][position], weights[position], self.error + moved)

    # -- reading ----------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """How many values it summarises."""
        return int(round(float(self.weights.sum())))

    @property
    def exact(self) -> bool:
        return self.error == 0.0

    @property
    def low(self) -> float:
        return float(self.values[0]) if len(self.values) else np.nan

    @property
    def high(self) -> float:
        return float(self.values[-1]) if len(self.values) else np.nan

    @property
    def cumulative(self) -> np.ndarray:
        """How many values are at or below each point."""
        if self._cum is None:
            self._cum = np.cumsum(self.weights)
        return self._cum

    def relative_error(self) -> float:
        """``error`` as a share of the values (0 for an exact sketch)."""
        return self.error / self.n if self.n else 0.0

    def order_statistics(self, j: np.ndarray) -> np.ndarray:
        """The ``j``-th smallest values (0-based, integer ``j`` within ``[0, n)``)."""
        at = np.searchsorted(self.cumulative, np.asarray(j, dtype=float), side="right")
        return self.values[np.clip(at, 0, len(self.values) - 1)]

    def quantiles(self, probs: np.ndarray, style: str = "numpy") -> np.ndarray:
        """Quantiles with linear interpolation between order statistics, as ``np.quantile``
        computes them on the values (``style="numpy"``, to the last bit where the sketch is
        exact), or as ``a + (b - a) * t`` (``style="lerp"``, the formula of
        :mod:`sdq.metrics.fidelity.statistics`). NaN without values."""
        probs = np.asarray(probs, dtype=float)
        n = self.n
        if n == 0:
            return np.full(probs.shape, np.nan)
        if style == "numpy":
            position = (n - 1) * probs
            lower = np.floor(position)
            upper = lower + 1
            beyond = position >= n - 1
            lower = np.where(beyond, n - 1, np.where(position < 0, 0, lower))
            upper = np.where(beyond, n - 1, np.where(position < 0, 0, upper))
            a, b = self.order_statistics(lower), self.order_statistics(upper)
            t = position - np.floor(position)
            difference = b - a
            with np.errstate(invalid="ignore"):
                out = a + difference * t
                out = np.where(t >= 0.5, b - difference * (1 - t), out)
            return out
        position = np.clip(probs, 0.0, 1.0) * (n - 1)
        lower = np.floor(position)
        upper = np.minimum(lower + 1, n - 1)
        a, b = self.order_statistics(lower), self.order_statistics(upper)
        with np.errstate(invalid="ignore"):
            return a + (b - a) * (position - lower)

    def below(self, t: np.ndarray, strict: bool = True) -> np.ndarray:
        """How many values are below ``t`` (``strict``) or at or below it."""
        at = np.searchsorted(self.values, np.asarray(t, dtype=float), side="left" if strict else "right")
        cum = np.r_[0.0, self.cumulative]
        return cum[at]

    def above(self, t: np.ndarray, strict: bool = True) -> np.ndarray:
        """How many values are above ``t`` (``strict``) or at or above it."""
        return self.n - self.below(t, strict=not strict)

    def mid_ranks(self, x: np.ndarray) -> np.ndarray:
        """Mid-ranks (1-based; ties share their mean rank, as ``pandas.Series.rank`` gives them)
        of values ``x`` among the sketch's values; exact for values of an exact sketch, linearly
        interpolated between points otherwise. NaN stays NaN."""
        x = np.asarray(x, dtype=float)
        if not len(self.values):
            return np.full(x.shape, np.nan)
        before = self.cumulative - self.weights
        ranks = before + (self.weights + 1) / 2
        out = np.interp(x, self.values, ranks)
        return np.where(np.isnan(x), np.nan, out)

    def distribution(self) -> tuple[np.ndarray, np.ndarray]:
        """The values and, for each, its mid-rank share ``(rows below + half its own rows) / n``."""
        cum = self.cumulative
        return self.values, (cum - self.weights / 2.0) / max(cum[-1] if len(cum) else 1.0, 1.0)

    def scaled(self, exponent: int) -> "ValueSketch":
        """The values divided by ``2**exponent`` (exactly, as :func:`sdq.prepare.scaled`)."""
        if not exponent:
            return self
        return ValueSketch(np.ldexp(self.values, -exponent), self.weights, self.error)

    def negated(self) -> "ValueSketch":
        """The sketch of ``-x``."""
        return ValueSketch(-self.values[::-1], self.weights[::-1], self.error)


@dataclass
class Moments:
    """Count, mean and central moment sums ``M_k = sum (x - mean)**k`` (k = 2, 3, 4) of values
    (NaN left out), mergeable exactly.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 4.0, 8.0, 9.0])
    >>> m = Moments.of(x[:2]).merge(Moments.of(x[2:]))
    >>> round(m.mean, 12), round(m.m2, 12), round(float(((x - x.mean()) ** 2).sum()), 12)
    (4.8, 50.8, 50.8)
    """

    n: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0

    @classmethod
    def of(cls, x: np.ndarray) -> "Moments":
        x = np.asarray(x, dtype=float)
        x = x[~np.isnan(x)]
        if not len(x):
            return cls()
        mean = float(x.mean())
        d = x - mean
        d2 = d * d
        return cls(float(len(x)), mean, float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum()))

    def merge(self, other: "Moments") -> "Moments":
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = self.n, other.n
        n = na + nb
        delta = other.mean - self.mean
        mean = self.mean + delta * nb / n
        m2 = self.m2 + other.m2 + delta * delta * na * nb / n
        m3 = (
            self.m3
            + other.m3
            + delta**3 * na * nb * (na - nb) / n**2
            + 3.0 * delta * (na * other.m2 - nb * self.m2) / n
        )
        m4 = (
            self.m4
            + other.m4
            + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
            + 6.0 * delta * delta * (na * na * other.m2 + nb * nb * self.m2) / n**2
            + 4.0 * delta * (na * other.m3 - nb * self.m3) / n
        )
        return Moments(n, mean, m2, m3, m4)


@dataclass
class CoMoments:
    """Sums over rows of several columns for Pearson's r of every pair over the rows where both
    are present: ``n[i, j]`` rows, ``sx[i, j]`` the sum of column i over them, ``sxx[i, j]`` of
    its squares, ``sxy[i, j]`` of the products (the inputs of
    :func:`sdq.metrics.fidelity.correlation.masked_corr_matrix`)."""

    n: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> "CoMoments":
        """From a (rows, columns) matrix with NaN for missing values."""
        mask = (~np.isnan(x)).astype(float)
        x0 = np.where(mask > 0, x, 0.0)
        return cls(mask.T @ mask, x0.T @ mask, (x0 * x0).T @ mask, x0.T @ x0)

    def merge(self, other: "CoMoments") -> "CoMoments":
        return CoMoments(self.n + other.n, self.sx + other.sx, self.sxx + other.sxx, self.sxy + other.sxy)


_HLL_BITS = 12


@dataclass
class DistinctSketch:
    """HyperLogLog registers (2**12) of a column's present values; :meth:`estimate` is the
    number of distinct values (about 1.6% standard error; exact counting is used where the
    values are few enough to keep, see :class:`ValueSketch`)."""

    registers: np.ndarray = field(default_factory=lambda: np.zeros(1 << _HLL_BITS, dtype=np.uint8))

    @classmethod
    def of(cls, values: pd.Series | np.ndarray) -> "DistinctSketch":
        series = pd.Series(values).dropna()
        out = cls()
        if not len(series):
            return out
        try:
            hashed = pd.util.hash_array(series.to_numpy())
        except TypeError:
            hashed = pd.util.hash_array(series.astype(str).to_numpy())
        hashed = np.asarray(hashed, dtype=np.uint64)
        index = (hashed >> np.uint64(64 - _HLL_BITS)).astype(np.int64)
        rest = (hashed & np.uint64((1 << (64 - _HLL_BITS)) - 1)).astype(np.float64)  # exact below 2**53
        exponent = np.frexp(rest)[1]
        rank = np.where(rest > 0, (64 - _HLL_BITS) + 1 - exponent, (64 - _HLL_BITS) + 1).astype(np.uint8)
        np.maximum.at(out.registers, index, rank)
        return out

    def merge(self, other: "DistinctSketch") -> "DistinctSketch":
        return DistinctSketch(np.maximum(self.registers, other.registers))

    def estimate(self) -> float:
        m = float(len(self.registers))
        alpha = 0.7213 / (1 + 1.079 / m)
        raw = alpha * m * m / float(np.sum(np.ldexp(1.0, -self.registers.astype(np.int64))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return float(m * np.log(m / zeros))
        return float(raw)

"""Shared encodings, computed once per evaluation and read by every metric.

Bins are fitted on the **real** (training) frame and applied unchanged to the holdout and
synthetic frames, so a shift in the synthetic data shows up as mass in other bins (fitting bins per
frame hides shifts). Every binned column's codes are laid out the same way:

``0``               missing
numeric/datetime    ``1`` below the real range, ``2..k+1`` the quantile bins, ``k+2`` above it; or,
                    where the real column has at most ``n_bins`` distinct values, one bin per
                    distinct value (labelled with the value): the interval of values nearer to it
                    than to its neighbours, edges at the midpoints between consecutive real values
                    and, for the smallest and largest value, half the adjacent gap beyond it. So a
                    value a little off a real value (a synthetic 3.000001 for a real 3) counts as
                    that value, and only values beyond that range are below or above it. (Exact
                    value bins sent every such value to one "other" bin, so data jittered by 1e-6
                    shared no bin with the real data.)
ordinal             ``1..K`` the real levels **in their order** (:func:`sdq.schema.level_order`),
                    one code per level, or, where there are more levels than the bins allow,
                    runs of consecutive levels of about equal real counts; ``K+1``
                    ``(unseen)`` (values that are no level of the real data). So the codes are
                    ordered as the values are, and rank measures read them as they are
                    (:func:`ordered_values`)
categorical etc.    ``1..K`` the most frequent real categories, ``K+1`` ``(other)`` (rarer real
                    categories), ``K+2`` ``(unseen)`` (values the real data does not have)

Nothing is dropped: out-of-range values, unseen categories and missing values each have a code.

Two defences every metric relies on are kept here, once:

* **Column order.** :meth:`Prepared.columns` hands metrics their columns in the canonical order
  (by label; labels are unique), the order in which they compute, sample and sum over columns, so
  that no result depends, to the last bit, on the order of the given columns (float sums depend
  on the order of their terms). Details show columns in the given order
  (:meth:`Prepared.given_order`).
* **Values near the float maximum.** Metrics whose scores do not change when a column is
  multiplied by a positive constant compute on the values divided by a power of two
  (:func:`downscale_exponent`, :meth:`Prepared.exponent`, :func:`scaled`), an exact division, so
  that values near +/-1.7e308 (whose sums and spreads overflow) are scored like any others, and
  report statistics in the column's units again with :func:`in_units`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

import numpy as np
import pandas as pd

from sdq.config import Config
from sdq.data import Tables, canonical_levels
from sdq.schema import BINNED_KINDS, KINDS, ColumnSpec, Schema, level_order
from sdq.sketches import CoMoments, Moments, ValueSketch

__all__ = [
    "Binning",
    "fit_binning",
    "sketch_binning",
    "category_binning",
    "level_binning",
    "ordered_values",
    "PreparedFrame",
    "AggregateFrame",
    "pair_table",
    "Prepared",
    "prepare",
    "prepare_frames",
    "canonical_order",
    "encode_frame",
    "subsample_rows",
    "pair_bins",
    "CACHED_WORK",
    "declare_cached_work",
    "canonical",
    "HUGE_EXPONENT",
    "downscale_exponent",
    "std_without_overflow",
    "scaled",
    "in_units",
]

T = TypeVar("T")

MISSING = "(missing)"


def _fmt_number(value: float, kind: str) -> str:
    if kind == "datetime":
        stamp = pd.Timestamp(value, unit="s", tz="UTC")
        return stamp.strftime("%Y-%m-%d %H:%M:%S") if (value % 86400) else stamp.strftime("%Y-%m-%d")
    return f"{value:.4g}"


@dataclass(frozen=True)
class Binning:
    """How one column's values map to integer codes (fitted on the real frame)."""

    column: Any
    kind: str
    # "edges" (quantile bins), "values" (a bin around each real value), "categories" or "levels"
    # (an ordinal column's levels in their order)
    mode: str
    labels: tuple[str, ...]
    # modes "edges" and "values": the sorted bin edges (k bins between k + 1 edges; the last bin
    # includes its upper edge). Empty only in mode "values" for a column without real values.
    edges: np.ndarray | None = None
    # mode "categories": the kept categories, most frequent first; mode "levels": every level, in order
    categories: tuple = ()
    known: frozenset = frozenset()  # mode "categories": every real category
    groups: tuple = ()  # mode "levels": the code of each level (non-decreasing, from 1)

    @property
    def n_codes(self) -> int:
        return len(self.labels)

    def encode(self, values: pd.Series) -> np.ndarray:
        """Codes (int32) of canonical values, vectorised."""
        n = len(values)
        if self.mode == "categories":
            # factorise once (a Categorical already is), then map the few distinct values to codes
            # (missing -> -1 -> 0)
            row_codes, uniques = _factorized(values, self.kind)
            kept = (
                pd.Index(list(self.categories)).get_indexer(uniques)
                if len(self.categories)
                else np.full(len(uniques), -1)
            )
            known = pd.Index(list(self.known)).get_indexer(uniques) >= 0 if self.known else np.zeros(len(uniques), bool)
            lut = np.empty(len(uniques) + 1, dtype=np.int32)
            lut[:-1] = np.where(
                kept >= 0, kept + 1, np.where(known, len(self.categories) + 1, len(self.categories) + 2)
            )
            lut[-1] = 0
            return lut[row_codes]
        if self.mode == "levels":
            row_codes, uniques = _factorized(values, "ordinal")
            position = pd.Index(list(self.categories)).get_indexer(uniques) if len(self.categories) else None
            groups = np.asarray(self.groups, dtype=np.int32)
            lut = np.full(len(uniques) + 1, self.n_codes - 1, dtype=np.int32)  # (unseen)
            if position is not None:
                lut[:-1] = np.where(position >= 0, groups[np.maximum(position, 0)], self.n_codes - 1)
            lut[-1] = 0
            return lut[row_codes]
        x = values.to_numpy(dtype=float)
        missing = np.isnan(x)
        codes = np.zeros(n, dtype=np.int32)
        edges = self.edges
        if len(edges) == 0:  # no real values: everything present is "other"
            codes[:] = 1
        else:
            raw = np.searchsorted(edges, x, side="right")  # 0 below, i in bin i, len(edges) at/above max
            raw[(x == edges[-1])] = len(edges) - 1  # the real maximum belongs to the last bin
            codes[:] = raw + 1
        codes[missing] = 0
        return codes

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "labels": list(self.labels)}


def _factorized(values: pd.Series, kind: str) -> tuple[np.ndarray, Any]:
    """Row codes (missing -1) and the distinct values, factorised once (a Categorical already is)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object)
    arr = values.to_numpy(dtype=object) if kind != "boolean" else values.to_numpy(dtype=float)
    return pd.factorize(arr, use_na_sentinel=True)


def pair_bins(n_rows: int, config: Config) -> int:
    """Bins per column for pairwise tables: at most ``n_bins``, and few enough that a two-way table
    has about five rows per cell (``sqrt(n / 5)``, at least 2), so small data sets do not give
    tables of mostly empty cells."""
    return int(min(config.n_bins, max(2, np.floor(np.sqrt(n_rows / 5)))))


def _half_gaps(distinct: np.ndarray) -> np.ndarray:
    """Half of each gap between consecutive sorted values: ``(b - a) / 2``, or ``b / 2 - a / 2``
    where ``b - a`` exceeds the float range (values of opposite signs near the float maximum)."""
    with np.errstate(over="ignore"):
        gaps = np.diff(distinct)
    half = gaps / 2
    wide = ~np.isfinite(gaps)
    if wide.any():
        half[wide] = distinct[1:][wide] / 2 - distinct[:-1][wide] / 2
    return half


def _outer_edges(low: float, high: float) -> tuple[float, float]:
    """The outer edges (``low`` and ``high``: half a gap beyond the real extremes, infinite where
    that overflowed) held to the float range: beyond a value near the float maximum there is no
    finite value to bin."""
    top = np.finfo(float).max
    return float(np.clip(low, -top, top)), float(np.clip(high, -top, top))


def _value_bins(spec: ColumnSpec, distinct: np.ndarray) -> Binning:
    """One bin per distinct real value: the values nearer to it than to its neighbours (edges at
    the midpoints), the end values' bins reaching half the adjacent gap beyond them. A single
    value's bin is the value itself."""
    kind = spec.kind
    if len(distinct) == 1:
        edges = np.array([distinct[0], distinct[0]])
    else:
        mids = distinct[:-1] + _half_gaps(distinct)
        with np.errstate(over="ignore"):
            low, high = _outer_edges(distinct[0] - (mids[0] - distinct[0]), distinct[-1] + (distinct[-1] - mids[-1]))
        edges = np.concatenate([[low], mids, [high]])
    labels = (
        MISSING,
        f"< {_fmt_number(edges[0], kind)}",
        *[_fmt_number(v, kind) for v in distinct],
        f"> {_fmt_number(edges[-1], kind)}",
    )
    return Binning(spec.name, kind, "values", labels, edges=edges)


def _between_values(edges: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Quantile edges moved to the midpoints between the distinct real values around them, and the
    outer edges half the adjacent gap beyond the real extremes. An edge that fell on a real value
    (a point mass: counts, rounded amounts, dates) would split that value from anything a hair
    below it, so a copy jittered by 1e-9 would change bins; between values, every real value sits
    inside its bin. For continuous data the edges move by half a gap between neighbouring values."""
    half = _half_gaps(distinct)
    inner = edges[1:-1]
    i = np.searchsorted(distinct, inner, side="left")
    # an edge a rounding error above a real value (interpolated quantiles) fell on that value
    with np.errstate(over="ignore"):  # |edge - value| of opposite signs near the float maximum: inf, not close
        close = np.isclose(inner, distinct[np.maximum(i - 1, 0)], rtol=1e-12, atol=0)
    i = np.where((i > 0) & close, i - 1, i)
    i = np.clip(i, 1, len(distinct) - 1)
    inner = distinct[i - 1] + half[i - 1]
    with np.errstate(over="ignore"):
        low, high = _outer_edges(distinct[0] - half[0], distinct[-1] + half[-1])
    return np.unique(np.concatenate([[low], inner, [high]]))


def fit_binning(
    spec: ColumnSpec,
    real_values: pd.Series,
    config: Config,
    n_bins: int | None = None,
    max_categories: int | None = None,
) -> Binning:
    """Fit one column's bins on its real values (already coerced to the schema)."""
    n_bins = config.n_bins if n_bins is None else n_bins
    max_categories = config.max_categories if max_categories is None else max_categories
    kind = spec.kind
    if kind in ("numeric", "datetime"):
        x = real_values.to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        return _numeric_binning(
            spec, np.unique(x), lambda levels, halved=False: np.quantile(x / 2 if halved else x, levels), n_bins
        )
    counts = real_values.dropna().value_counts(sort=False)
    if kind == "ordinal":
        return level_binning(spec, counts, max_categories)
    return category_binning(spec, counts, max_categories)


def _numeric_binning(
    spec: ColumnSpec, distinct: np.ndarray, quantile: Callable[[np.ndarray], np.ndarray], n_bins: int
) -> Binning:
    """A numeric or datetime column's bins from its distinct real values and its quantile
    function (``quantile(levels, halved)``: ``np.quantile`` of the real values, or of the values
    divided by 2 where ``halved``)."""
    kind = spec.kind
    if len(distinct) == 0:
        return Binning(spec.name, kind, "values", (MISSING, "(other)"), edges=np.array([]))
    if len(distinct) <= n_bins:
        return _value_bins(spec, distinct)
    levels = np.linspace(0.0, 1.0, n_bins + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        quantiles = quantile(levels)
    if not np.isfinite(quantiles).all():
        # interpolating between neighbours of opposite signs near the float maximum overflowed
        # (b - a is infinite); between their halves it does not
        quantiles = 2 * quantile(levels, True)
    edges = _between_values(quantiles, distinct)
    inner = [
        f"[{_fmt_number(a, kind)}, {_fmt_number(b, kind)}{']' if i == len(edges) - 2 else ')'}"
        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))
    ]
    labels = (MISSING, f"< {_fmt_number(edges[0], kind)}", *inner, f"> {_fmt_number(edges[-1], kind)}")
    return Binning(spec.name, kind, "edges", labels, edges=edges)


def sketch_binning(spec: ColumnSpec, sketch: ValueSketch, config: Config, n_bins: int | None = None) -> Binning:
    """A numeric or datetime column's bins from a sketch of its real values
    (:class:`~sdq.sketches.ValueSketch`): the same bins as :func:`fit_binning` of the values where
    the sketch is exact; from its points and quantiles otherwise (edges between neighbouring
    points, within the sketch's rank error of the real quantiles)."""
    n_bins = config.n_bins if n_bins is None else n_bins
    return _numeric_binning(
        spec,
        sketch.values,
        lambda levels, halved=False: (sketch.scaled(1) if halved else sketch).quantiles(levels),
        n_bins,
    )


def level_binning(spec: ColumnSpec, counts: pd.Series, max_levels: int) -> Binning:
    """An ordinal column's codes from the real count of each value: one code per level in the
    levels' order (:func:`sdq.schema.level_order`; declared levels the real data lacks included),
    or, beyond ``max_levels`` levels, ``max_levels`` runs of consecutive levels cut at equal
    steps of the real cumulative share; values that are no level ``(unseen)``.

    Examples
    --------
    >>> spec = ColumnSpec("rating", "ordinal", "")
    >>> level_binning(spec, pd.Series({"10": 5, "2": 3, "9": 1}), 50).labels
    ('(missing)', '2', '9', '10', '(unseen)')
    >>> level_binning(spec, pd.Series({str(v): 1 for v in range(1, 7)}), 3).labels
    ('(missing)', '1 to 2', '3 to 4', '5 to 6', '(unseen)')
    """
    present = [str(k) for k, c in counts.items() if c > 0]
    order = level_order(present, canonical_levels(spec.levels))
    by_level = {str(k): float(c) for k, c in counts.items()}
    weights = np.array([by_level.get(level, 0.0) for level in order])
    if len(order) <= max_levels:
        groups = np.arange(len(order))
    else:
        total = weights.sum()
        middle = (np.cumsum(weights) - weights / 2) / (total if total > 0 else 1.0)
        groups = np.unique(np.minimum((middle * max_levels).astype(np.int64), max_levels - 1), return_inverse=True)[1]
    names = []
    for g in range(int(groups.max()) + 1 if len(groups) else 0):
        members = [order[i] for i in np.flatnonzero(groups == g)]
        names.append(members[0] if len(members) == 1 else f"{members[0]} to {members[-1]}")
    labels = (MISSING, *names, "(unseen)")
    return Binning(
        spec.name, spec.kind, "levels", labels, categories=tuple(order), groups=tuple(int(g) + 1 for g in groups)
    )


def ordered_values(binning: Binning, codes: np.ndarray) -> np.ndarray:
    """An ordinal column's codes as ordered numbers (float; missing and unseen values NaN): what
    rank measures read. The codes follow the levels' order, so their ranks are the values'."""
    x = codes.astype(float)
    x[(codes == 0) | (codes == binning.n_codes - 1)] = np.nan
    return x


def category_binning(spec: ColumnSpec, counts: pd.Series, max_categories: int) -> Binning:
    """A categorical, boolean, ... column's codes from the real count of each value: the
    ``max_categories`` most frequent kept (ties by name), the rest ``(other)``, values the real
    data lacks ``(unseen)``."""
    kind = spec.kind
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    kept = tuple(k for k, _ in order[:max_categories])
    if kind == "boolean":
        kept = tuple(k for k in (0.0, 1.0) if k in set(kept))
        names = tuple("True" if k == 1.0 else "False" for k in kept)
    else:
        names = tuple(str(k) for k in kept)
    labels = (MISSING, *names, "(other)", "(unseen)")
    return Binning(spec.name, kind, "categories", labels, categories=kept, known=frozenset(counts.index))


@dataclass
class PreparedFrame:
    """One frame's encodings: codes of binned columns (``codes`` for univariate metrics,
    ``pair_codes`` on coarser bins for pairwise tables) and float values of numeric-like columns.

    Rows are in canonical order (sorted by a hash of their content); ``positions`` maps each
    row to its position in the caller's frame (for metrics where the given order means time)."""

    name: str
    frame: pd.DataFrame
    codes: dict[Any, np.ndarray] = field(default_factory=dict)
    pair_codes: dict[Any, np.ndarray] = field(default_factory=dict)
    values: dict[Any, np.ndarray] = field(default_factory=dict)
    positions: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def counts(self, column: Any, n_codes: int) -> np.ndarray:
        """How many rows fall in each of the column's codes (length ``n_codes``)."""
        return np.bincount(self.codes[column], minlength=n_codes)

    def pair_counts(self, column: Any) -> np.ndarray:
        """How many rows fall in each of the column's pair codes (the coarser bins)."""
        return np.bincount(self.pair_codes[column])

    def take(self, rows: np.ndarray, name: str | None = None) -> "PreparedFrame":
        """The same encodings restricted to some rows (for subsamples)."""
        return PreparedFrame(
            name=name or self.name,
            frame=self.frame.iloc[rows].reset_index(drop=True),
            codes={k: v[rows] for k, v in self.codes.items()},
            pair_codes={k: v[rows] for k, v in self.pair_codes.items()},
            values={k: v[rows] for k, v in self.values.items()},
            positions=None if self.positions is None else self.positions[rows],
        )


def pair_table(codes_a: np.ndarray, codes_b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    """The ``ka x kb`` two-way table of counts of two columns' codes."""
    return np.bincount(codes_a.astype(np.int64) * kb + codes_b, minlength=ka * kb).reshape(ka, kb)


@dataclass
class AggregateFrame:
    """A frame known by sums and summaries over its rows (see :mod:`sdq.engine.scaled`): what the
    metrics that run on aggregates (registered with ``chunked=True``) read instead of the rows.

    * ``column_counts`` / ``pair_column_counts``: rows per code of every binned column (its bins,
      its coarser pair bins); ``pair_tables``: two-way tables of pair codes;
    * ``sketches``: the present values of numeric and datetime columns (and the lengths of text),
      :class:`~sdq.sketches.ValueSketch`; ``value_counts``: the count of each present value of the
      other kinds (None where there were too many to keep); ``distinct``: the number of distinct
      present values, estimated, where they were not kept; ``missing``: missing values per column;
      ``invalid``: values that could not be read as their column's kind (by label);
    * ``moments``: per numeric-like column, the power of two its values were divided by and their
      :class:`~sdq.sketches.Moments`; ``comoments``: ``"ranks"`` (mid-ranks of ordered columns,
      centred) and ``"values"`` (numeric and datetime values, scaled and centred), each the columns
      and their pairwise-complete :class:`~sdq.sketches.CoMoments`; ``eta``: per categorical
      column, the valued columns and, per pair code, the rows where each is present and the sum
      of its centred values; ``eta_totals``: per valued column, (rows present, sum, sum of squares);
    * ``outside``: values below and above the real range per numeric-like column;
    * ``rule_checks``: per rule, its tally over the rows (rows it applies to, rows that keep it,
      the first violating rows);
    * ``sample``: a seeded uniform sample of the rows (a :class:`PreparedFrame` encoded with the
      same bins), for the bootstraps behind intervals and whatever needs rows.

    Metrics read counts through :meth:`counts`, :meth:`pair_counts` and :meth:`pair_table`, as on
    a :class:`PreparedFrame`."""

    name: str
    n_rows: int
    column_counts: dict[Any, np.ndarray] = field(default_factory=dict)
    pair_column_counts: dict[Any, np.ndarray] = field(default_factory=dict)
    pair_tables: dict[tuple[Any, Any], np.ndarray] = field(default_factory=dict)
    sketches: dict[Any, ValueSketch] = field(default_factory=dict)
    value_counts: dict[Any, pd.Series | None] = field(default_factory=dict)
    distinct: dict[Any, float] = field(default_factory=dict)
    missing: dict[Any, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    moments: dict[Any, tuple[int, Moments]] = field(default_factory=dict)
    comoments: dict[str, tuple[list, CoMoments]] = field(default_factory=dict)
    eta: dict[Any, tuple[list, np.ndarray, np.ndarray]] = field(default_factory=dict)
    eta_totals: dict[Any, tuple[float, float, float]] = field(default_factory=dict)
    outside: dict[Any, tuple[int, int]] = field(default_factory=dict)
    rule_checks: dict[str, Any] = field(default_factory=dict)
    sample: PreparedFrame | None = None

    def counts(self, column: Any, n_codes: int) -> np.ndarray:
        counts = self.column_counts[column]
        return np.pad(counts, (0, max(0, n_codes - len(counts))))

    def pair_counts(self, column: Any) -> np.ndarray:
        counts = self.pair_column_counts[column]
        return counts[: np.flatnonzero(counts)[-1] + 1] if counts.any() else counts[:0]

    def pair_table(self, a: Any, b: Any) -> np.ndarray:
        if (a, b) in self.pair_tables:
            return self.pair_tables[(a, b)]
        return self.pair_tables[(b, a)].T


def subsample_rows(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of a seeded sample without replacement (all rows if ``size >= n``)."""
    if size >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


# -- values near the float maximum ---------------------------------------------------------------
#: Largest absolute value (as a power of two) that is summed as it is: sums of values up to 2**512
#: over any number of rows stay far below the float maximum (about 2**1024). Ordinary data never
#: comes near it and is used to the bit; larger values are divided by a power of two first.
HUGE_EXPONENT = 512


def downscale_exponent(*arrays: np.ndarray, limit: int = HUGE_EXPONENT, to: int | None = None) -> int:
    """The power of two to divide values by so that their arithmetic stays finite.

    0 when the largest finite absolute value across ``arrays`` is at most ``2**limit`` (the values
    are then used unchanged); otherwise the ``e`` for which ``np.ldexp(x, -e)``, an exact division
    by ``2**e`` (values that become subnormal aside), brings that value into
    ``[2**(to - 1), 2**to)`` (``to`` defaults to ``limit``). Metrics whose scores do not change when
    a column is multiplied by a positive constant compute on the divided values, so that values
    near the float maximum (+/-1.7e308: their sum and spread are infinite) are scored like any
    others.

    Examples
    --------
    >>> downscale_exponent(np.array([1.0, -3e100, np.nan]))
    0
    >>> e = downscale_exponent(np.array([1.0, -1.7e308, np.inf]))
    >>> e, bool(2.0 ** 511 <= np.ldexp(1.7e308, -e) < 2.0 ** 512)
    (512, True)
    >>> downscale_exponent(np.array([2.0 ** 70]), limit=64, to=32)
    39
    """
    top = 0.0
    for values in arrays:
        size = np.abs(np.asarray(values, dtype=float))
        size = size[np.isfinite(size)]
        if size.size:
            top = max(top, float(size.max()))
    if top <= 2.0**limit:
        return 0
    return int(np.frexp(top)[1]) - (limit if to is None else to)


def scaled(values: np.ndarray, exponent: int) -> np.ndarray:
    """``values`` divided by ``2**exponent`` (exactly, values that become subnormal aside); the
    values themselves when ``exponent`` is 0."""
    return np.ldexp(values, -exponent) if exponent else values


def in_units(value: float, exponent: int) -> float:
    """A statistic of values divided by ``2**exponent`` (:func:`scaled`) in the values' units
    again: infinite (null in a report) where it exceeds the float range."""
    if not exponent:
        return value
    with np.errstate(over="ignore"):
        return float(np.ldexp(value, exponent))


def std_without_overflow(x: np.ndarray, ddof: int = 0) -> float:
    """The standard deviation of ``x`` (no missing values) with the deviations divided by the
    largest of them before they are squared, so that neither the squares of large values overflow
    nor those of small ones underflow (as BLAS's ``nrm2`` does). For values divided by a power of
    two (:func:`downscale_exponent`): their squares can overflow (2**511 squared), and on a column
    holding 1.7e308 and 1.0, 1.0 becomes 2**-512, whose square is below the smallest float.

    Examples
    --------
    >>> float(std_without_overflow(np.array([-2.0 ** 600, 2.0 ** 600])) / 2.0 ** 600)
    1.0
    >>> float(std_without_overflow(np.array([1e-200, 3e-200])) / 1e-200)
    1.0
    """
    if len(x) <= ddof:
        return 0.0
    deviation = x - x.mean()
    top = float(np.abs(deviation).max())
    if top == 0:
        return 0.0
    return top * float(np.sqrt(np.sum((deviation / top) ** 2) / (len(x) - ddof)))


# -- what metrics read ----------------------------------------------------------------------------
def canonical(specs: Iterable[ColumnSpec]) -> list[ColumnSpec]:
    """Column specs in the canonical order: by label (labels are unique, so the order does not
    depend on the order the specs came in)."""
    return sorted(specs, key=lambda spec: spec.label)


#: The work metrics share through :meth:`Prepared.cached`, by the first element of its key: what is
#: kept, and who computes and who reads it. Metrics that read the same work are in the same
#: ``group`` (see :func:`sdq.metrics.metric`), so that with several jobs they run one after another
#: in one process and the work is done once.
CACHED_WORK: dict[str, str] = {
    "exponent": "a numeric column's power of two (Prepared.exponent); statistics",
    "pair_table": (
        "(frame name, id, column a, column b): the two-way table of two columns' pair codes in one "
        "frame (sdq.metrics._common.contingency); mutual_information"
    ),
    "fidelity.ranks": (
        "(frame name, id, column): centred mid-ranks of an ordered column (numeric, datetime, ordinal, boolean) "
        "(fidelity/correlation.py); correlation"
    ),
    "fidelity.sequences": (
        "(data set): its rows grouped into sequences in time order (fidelity/sequences.py); autocorrelation, "
        "partial_autocorrelation, sequence_length, first_differences, seasonal_profile (one group: the "
        "autocorrelation module)"
    ),
    "fidelity.acf": (
        "(data set, column, lags): the autocorrelations of every sequence of one column "
        "(fidelity/autocorrelation.py); autocorrelation, partial_autocorrelation"
    ),
    "utility.setup": (
        "(): task, feature matrices, labels, test split and size-matched samples, and the trained models "
        "(utility/models.py); prediction, feature_importance (group utility-models)"
    ),
    "utility.augmentation": (
        "(): augmentation's own copy of the utility setup and its models (the same, deterministic; "
        "utility/models.py), so that with several jobs it runs in a process beside prediction and "
        "feature_importance (in a process that has utility.setup, it reads that); augmentation "
        "(group utility-augmentation)"
    ),
    "privacy.encoder": (
        "(): the distance encoding fitted on the real rows (privacy/distance.py); neighbours_privacy, "
        "outlier_privacy, sensitive_match (group privacy-distances)"
    ),
    "privacy.matches": (
        "(query): for each row of the query data set, whether it equals a training row and that row's "
        "position (privacy/matching.py); exact_match"
    ),
    "privacy.duplicates": "(data set): the share of its rows equal to an earlier row (privacy/matching.py); exact_match",
    "privacy.id_overlap": "(): per id column, the share of synthetic ids that are training ids (privacy/matching.py); exact_match",
    "privacy.vectors": (
        "(data set): every row of it in that encoding (privacy/distance.py; with two jobs filled before "
        "the fork and read by both privacy groups); neighbours_privacy, outlier_privacy (group "
        "privacy-distances), and the attacks where it is there"
    ),
    "privacy.attacks.encoder": (
        "(): the same distance encoding, for the attacks (privacy/distance.py); membership_inference, "
        "singling_out, linkability, attribute_inference (group privacy-attacks: run beside the distance "
        "metrics where there are two jobs)"
    ),
    "privacy.attacks.vectors": (
        "(data set): every row of it in that encoding (privacy/distance.py); membership_inference, "
        "linkability, attribute_inference (group privacy-attacks)"
    ),
}


def declare_cached_work(name: str, what: str) -> None:
    """Declare a kind of work a metric outside sdq shares through :meth:`Prepared.cached` (a
    plugin's own models, index, ...): ``what`` says what an entry holds, its key and which metrics
    read it, as the built-in entries of :data:`CACHED_WORK` do. Declaring a name twice with another
    description is an error, so two plugins cannot silently share one kind of work."""
    if not isinstance(name, str) or not name or not isinstance(what, str) or not what:
        raise ValueError("declare_cached_work: give a non-empty name and description")
    if CACHED_WORK.get(name, what) != what:
        raise ValueError(f"cached work {name!r} is already declared as: {CACHED_WORK[name]}")
    CACHED_WORK[name] = what


@dataclass
class Prepared:
    """Everything metrics read: schema, config, the coerced tables and their shared encodings.

    ``frames`` holds ``real``, ``synthetic`` and, when given, ``holdout``. When the holdout has more
    rows than the synthetic data, ``baseline`` is a seeded subsample of it of the synthetic size
    (so the baseline compares like with like); otherwise it is the holdout itself, and
    ``synthetic_at_baseline_rows`` is a seeded subsample of the synthetic data of the holdout's size,
    so metrics can also report the synthetic score at the baseline's sample size (finite samples
    alone lower similarity, so a smaller holdout makes a conservative baseline).

    Size-fair scores: where the synthetic data is larger than the holdout, fidelity and utility
    metrics score :meth:`at_baseline_size`: this candidate with ``synthetic`` replaced by that
    subsample (the full synthetic data is then ``synthetic_full``), so that neither the score
    nor a gate relative to the baseline improves with the number of synthetic rows alone (a
    larger sample of the same distribution scores higher on every similarity measured on finite
    samples). Privacy metrics score every synthetic row.

    ``cache`` holds work that metrics share (see :meth:`cached`); it belongs to one candidate: it
    is not an argument of the constructor, so every ``Prepared`` (also one made with
    ``dataclasses.replace``) starts with an empty one.
    """

    schema: Schema
    config: Config
    tables: Tables
    binnings: dict[Any, Binning]
    pair_binnings: dict[Any, Binning]
    frames: dict[str, PreparedFrame]
    show_records: bool = False
    cache: dict[tuple, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _at_baseline_size: "Prepared | None" = field(default=None, init=False, repr=False, compare=False)

    def cached(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, done once per key: work that metrics share (models, an index, sequences,
        tables), kept for the other metrics of this candidate that ask for it.

        ``key`` is a tuple whose first element names the work, declared with what it holds and who
        reads it in :data:`CACHED_WORK` (so that shared work is listed in one place), and whose
        other elements say which (data set, column, ...). An exception raised by ``compute`` is
        not kept. With several jobs, metrics run in child processes that each fill their own cache
        (metrics of one ``group`` share a process); nothing goes back to the parent, and nothing is
        carried to the next candidate scored against the same real side (its ``Prepared`` is a new
        one, and the real side kept for it is made with ``dataclasses.replace``).
        """
        if not isinstance(key, tuple) or not key or key[0] not in CACHED_WORK:
            raise KeyError(
                f"cache key {key!r}: its first element must name work declared in CACHED_WORK "
                "(declare_cached_work for a metric outside sdq)"
            )
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def real(self) -> PreparedFrame:
        return self.frames["real"]

    @property
    def synthetic(self) -> PreparedFrame:
        return self.frames["synthetic"]

    @property
    def baseline(self) -> PreparedFrame | None:
        return self.frames.get("baseline")

    @property
    def synthetic_at_baseline_rows(self) -> PreparedFrame | None:
        """The synthetic data subsampled to the baseline's size; None without a holdout or when
        the synthetic data is not larger than it."""
        return self.frames.get("synthetic_at_baseline_rows")

    @property
    def synthetic_full(self) -> PreparedFrame | None:
        """Every synthetic row, where ``synthetic`` is the subsample at the baseline's size (in
        :meth:`at_baseline_size`); None otherwise."""
        return self.frames.get("synthetic_full")

    def at_baseline_size(self) -> "Prepared":
        """This candidate with the synthetic data at the baseline's size: ``synthetic`` is
        :attr:`synthetic_at_baseline_rows` and ``synthetic_full`` every synthetic row. Itself when
        the synthetic data is not larger than the holdout (or there is none). Made once; it has a
        cache of its own (work on the subsample is not work on every row)."""
        if self.synthetic_at_baseline_rows is None:
            return self
        if self._at_baseline_size is None:
            frames = {k: v for k, v in self.frames.items() if k != "synthetic_at_baseline_rows"}
            frames["synthetic_full"] = self.synthetic
            frames["synthetic"] = dataclasses.replace(self.synthetic_at_baseline_rows, name="synthetic")
            self._at_baseline_size = dataclasses.replace(self, frames=frames)
        return self._at_baseline_size

    def columns(
        self, kinds: Iterable[str] = KINDS, roles: Iterable[str] = ("feature", "target"), *, binned: bool = False
    ) -> list[ColumnSpec]:
        """The columns of some kinds and roles (only those with bins with ``binned``), in the
        canonical order (:func:`canonical`): the order metrics compute, sample and sum in."""
        return canonical(c for c in self.schema.select(kinds, roles) if not binned or c.name in self.binnings)

    def binned_columns(self, kinds: Iterable[str] = BINNED_KINDS) -> list[ColumnSpec]:
        """The feature and target columns of some kinds that have bins, in the canonical order."""
        return self.columns(kinds, binned=True)

    def given_order(self, items: Iterable[T], label: Callable[[T], str] = lambda spec: spec.label) -> list[T]:
        """``items`` (column specs, or details entries that ``label`` maps to a column's label) in
        the order of the given columns: the order details show them in."""
        position = {spec.label: k for k, spec in enumerate(self.schema.columns)}
        return sorted(items, key=lambda item: position[label(item)])

    def exponent(self, column: Any) -> int:
        """The power of two by which metrics whose scores do not change with a numeric column's
        scale divide it (:func:`scaled`): :func:`downscale_exponent` of its values in the frames
        metrics compare (real, synthetic and the baseline); 0 for ordinary data."""
        compared = [self.frames[name] for name in ("real", "synthetic", "baseline") if name in self.frames]

        def values(frame: Any) -> np.ndarray:
            if isinstance(frame, AggregateFrame):  # the extremes decide
                sketch = frame.sketches.get(column)
                return np.array([sketch.low, sketch.high]) if sketch is not None and sketch.n else np.zeros(0)
            return frame.values[column]

        return self.cached(("exponent", column), lambda: downscale_exponent(*(values(f) for f in compared)))

    def rng(self, name: str) -> np.random.Generator:
        return self.config.rng(name)


def encode_frame(
    name: str, frame: pd.DataFrame, positions: np.ndarray | None, schema: Schema, binnings: dict, pair_binnings: dict
) -> PreparedFrame:
    """One coerced frame encoded with given bins (rows kept in the order given)."""
    prepared = PreparedFrame(name=name, frame=frame, positions=positions)
    for spec in schema.columns:
        if spec.role == "excluded":
            continue
        if spec.name in binnings:
            prepared.codes[spec.name] = binnings[spec.name].encode(frame[spec.name])
            pair = pair_binnings[spec.name]
            prepared.pair_codes[spec.name] = (
                prepared.codes[spec.name] if pair is binnings[spec.name] else pair.encode(frame[spec.name])
            )
        if spec.kind in ("numeric", "datetime", "boolean"):
            prepared.values[spec.name] = frame[spec.name].to_numpy(dtype=float)
    return prepared


def canonical_order(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame's rows sorted by a hash of their content (stable), index reset, and the original
    positions. Every seeded sample drawn by position from a
    frame in this order depends on the rows' content, not on the order they came in, so scores
    do not change when the caller shuffles rows (identical rows are interchangeable)."""
    content = frame[sorted(frame.columns, key=str)]  # nor on the order of the columns
    try:
        keys = pd.util.hash_pandas_object(content, index=False).to_numpy()
    except TypeError:  # unhashable cells: hash their text
        keys = pd.util.hash_pandas_object(content.astype(str), index=False).to_numpy()
    order = np.argsort(keys, kind="stable")
    return frame.iloc[order].reset_index(drop=True), order


def prepare(tables: Tables, config: Config, *, show_records: bool = False, reuse: Prepared | None = None) -> Prepared:
    """Fit the bins on the real frame and encode every frame once, each in canonical row order.

    ``reuse``: the prepared data of an earlier candidate with the same real side (tables built
    with ``reuse``); its bins and encoded real, holdout and sensitive frames are taken as they are,
    and only the synthetic frame is encoded."""
    if reuse is not None:
        return _prepare_candidate(tables, reuse, show_records)
    schema = tables.schema
    binnings = {
        spec.name: fit_binning(spec, tables.real[spec.name], config)
        for spec in schema.columns
        if spec.kind in BINNED_KINDS and spec.role in ("feature", "target")
    }
    k_pair = pair_bins(len(tables.real), config)
    pair_binnings = {}
    for name, binning in binnings.items():
        coarse = binning.n_codes > k_pair + 3
        pair_binnings[name] = (
            fit_binning(schema[name], tables.real[name], config, n_bins=k_pair, max_categories=k_pair)
            if coarse
            else binning
        )
    frames = {
        name: encode_frame(name, *canonical_order(frame), schema, binnings, pair_binnings)
        for name, frame in tables.frames.items()
    }
    _add_baseline_frames(frames, config)
    return Prepared(
        schema=schema,
        config=config,
        tables=tables,
        binnings=binnings,
        pair_binnings=pair_binnings,
        frames=frames,
        show_records=show_records,
    )


def prepare_frames(
    tables: Tables,
    config: Config,
    binnings: dict[Any, Binning],
    pair_binnings: dict[Any, Binning],
    *,
    show_records: bool = False,
) -> Prepared:
    """Like :func:`prepare`, with bins fitted elsewhere (for seeded samples of data sets held
    elsewhere, encoded with the bins of the whole data): every frame of ``tables`` encoded in
    canonical row order, and the baseline frames at matched sizes."""
    frames = {
        name: encode_frame(name, *canonical_order(frame), tables.schema, binnings, pair_binnings)
        for name, frame in tables.frames.items()
    }
    _add_baseline_frames(frames, config)
    return Prepared(
        schema=tables.schema,
        config=config,
        tables=tables,
        binnings=binnings,
        pair_binnings=pair_binnings,
        frames=frames,
        show_records=show_records,
    )


def _prepare_candidate(tables: Tables, shared: Prepared, show_records: bool) -> Prepared:
    frames = {name: frame for name, frame in shared.frames.items() if name in tables.frames and name != "synthetic"}
    frames["synthetic"] = encode_frame(
        "synthetic", *canonical_order(tables.synthetic), tables.schema, shared.binnings, shared.pair_binnings
    )
    _add_baseline_frames(frames, shared.config)
    return Prepared(
        schema=tables.schema,
        config=shared.config,
        tables=tables,
        binnings=shared.binnings,
        pair_binnings=shared.pair_binnings,
        frames=frames,
        show_records=show_records,
    )


def _add_baseline_frames(frames: dict[str, PreparedFrame], config: Config) -> None:
    """``baseline`` (the holdout at the synthetic size) and ``synthetic_at_baseline_rows``."""
    if "holdout" in frames:
        holdout, n_syn = frames["holdout"], frames["synthetic"].n_rows
        if holdout.n_rows > n_syn:
            rows = subsample_rows(holdout.n_rows, n_syn, config.rng("baseline-subsample"))
            frames["baseline"] = holdout.take(rows, name="baseline")
        else:
            frames["baseline"] = holdout
            if holdout.n_rows < n_syn:
                rows = subsample_rows(n_syn, holdout.n_rows, config.rng("synthetic-subsample"))
                frames["synthetic_at_baseline_rows"] = frames["synthetic"].take(rows, name="synthetic_at_baseline_rows")

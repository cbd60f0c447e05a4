"""The distance space of the privacy metrics: one encoding of mixed rows, fitted on the real
training rows, exact nearest-neighbour search, and the "closer to one side than to the
other" share the privacy metrics test against a half.

Every row becomes a float32 vector whose Euclidean distance reads like a count of differing
columns:

* numeric and datetime columns: the real training data's empirical distribution function, made
  continuous: each distinct real value maps to its mid-rank share among the real values, and
  values in between are interpolated linearly (values beyond the real range map to the end
  points). Robust to outliers and to units (a step of 0.1 means "a tenth of the real rows lie
  between"), and continuous, so a tiny change of a value is a tiny distance even where many real
  rows share one value (a plain rank transform would turn 0 + 1e-9 into a jump across the whole
  block of zeros).
* ordered codes, encoded like numbers (their real values' distribution function): columns of
  kind ``ordinal`` (by their values where every real level is a number, else by the position of
  the level in the column's order), and categorical columns whose real values are all whole
  numbers (integer codes: counts, ratings, levels, which the schema reads as categories when they
  have few distinct values). So a code one step away is a small distance, in proportion to the
  real rows between the two codes, and a code the real data lacks lies beside its neighbours,
  not a full unit away as an unseen category would (a generator that jitters the codes of the
  rows it copies is not hidden by its jitter). A value of such a column that is no number (or no
  level) counts as missing.
* other categorical and boolean columns: one-hot over the ``privacy_categories`` most frequent
  real levels plus one "other" coordinate, each scaled by 1/sqrt(2), so two different levels are
  at distance exactly 1 and equal levels at 0.
* missing values: an indicator coordinate (weight 1) for every column that has missing values in
  any data set, and the value coordinates of a missing cell set to the column's "neutral" point
  (0.5 for numbers, all zeros for categories). So missing vs missing is 0, missing vs present
  is at least 1.
* ID, text, constant and empty columns are left out. Without any other column there is no
  distance to measure (``Encoder.width`` is 0), and the distance metrics say ``skipped``.
* Columns are laid out in the canonical order of :meth:`~sdq.prepare.Prepared.columns`, so that a
  distance (a float sum over the coordinates) does not depend, to the last bit, on the order of
  the given columns.

Search: :func:`sdq.metrics.privacy.knn.nearest` (exact, by blocks of matrix products, so memory
stays O(rows x dimensions); distances of the neighbours found computed from the coordinates'
differences, so an exact copy is at distance 0), with as many threads as numpy's BLAS is allowed
(the runner allows one per metric: parallelism comes from its jobs).

The closer share (:func:`closer_share`): for each query row, whether its nearest row on side A
is closer than its nearest row on side B (ties count half). Where A and B are samples of the same
size from one population and the query rows were drawn independently of which rows went to
which side, it is 1/2 in expectation, whatever the data. Query rows that share their nearest
reference row are not independent trials (a generator that repeats a few rows many times puts
all their copies next to the same few training rows), so its interval uses the variance of the
share when the labels A and B are shuffled among the reference rows (exact, no simulation): a
binomial (Wilson) interval on the effective number of rows ``n / design effect``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sdq.metrics import Skip
from sdq.metrics.privacy.bounds import wilson
from sdq.metrics.privacy.knn import nearest
from sdq.prepare import Binning, Prepared
from sdq.schema import DEPENDENCE_KINDS

__all__ = [
    "Encoder",
    "encoder",
    "vectors",
    "search",
    "drop_own",
    "check_distances",
    "threshold",
    "ordered_values",
    "closer_share",
    "CloserShare",
    "GROUPS",
    "encode_once",
]

_HALF = np.float32(1 / np.sqrt(2))
#: Kinds whose columns take part in distances (``ordinal`` where the schema knows it).
_KINDS = (*DEPENDENCE_KINDS, "ordinal")


def _factorized(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Row codes (missing -1) and the distinct values of a column (a Categorical already is one)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), pd.Index(column.cat.categories, dtype=object)
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, pd.Index(uniques, dtype=object)


def _as_numbers(values: pd.Index) -> np.ndarray:
    """Distinct values as floats (NaN where a value is no finite number)."""
    x = pd.to_numeric(pd.Series(values.to_numpy(dtype=object), dtype=object), errors="coerce")
    x = x.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(x), x, np.nan)


def _order_of(kind: str, binning: Binning | None, real: pd.Series) -> str | None:
    """How a column of codes is put on a line: ``"numbers"`` (by value), ``"levels"`` (by the
    position of the level in an ordinal column's order), or None (one-hot, as categories)."""
    if kind not in ("ordinal", "categorical"):
        return None
    _, distinct = _factorized(real)
    numbers = _as_numbers(distinct)
    if len(numbers) == 0:
        return None
    if not np.isnan(numbers).any() and (kind == "ordinal" or bool(np.all(numbers == np.floor(numbers)))):
        return "numbers"
    if kind == "ordinal" and binning is not None and binning.mode == "levels" and len(binning.categories):
        return "levels"
    return None


def ordered_values(column: pd.Series, order: str, binning: Binning | None = None) -> np.ndarray:
    """A column of ordered codes as floats (missing, and values that are no number or no level,
    NaN): its values as numbers (``order="numbers"``), or the position of each value among the
    binning's levels (``order="levels"``), vectorised over the distinct values.

    Examples
    --------
    >>> ordered_values(pd.Series(["3", "10", None, "x"], dtype="category"), "numbers").tolist()
    [3.0, 10.0, nan, nan]
    """
    codes, distinct = _factorized(column)
    if order == "numbers":
        lut = _as_numbers(distinct)
    else:
        position = pd.Index(list(binning.categories), dtype=object).get_indexer(distinct).astype(float)
        lut = np.where(position >= 0, position, np.nan)
    lut = np.append(lut, np.nan)  # code -1 (missing) -> the last entry
    return lut[np.where(codes >= 0, codes, len(lut) - 1)]


@dataclass
class Encoder:
    """The fitted encoding: which columns, how, and the resulting width."""

    columns: list
    grids: dict[Any, tuple[np.ndarray, np.ndarray]]
    levels: dict[Any, list]
    with_missing: list
    width: int
    prepared: Prepared
    #: columns of codes encoded as ordered values, and how (``"numbers"`` or ``"levels"``)
    ordered: dict[Any, str] = field(default_factory=dict)

    def values(self, name: str, column: Any) -> np.ndarray:
        """The values (floats, NaN missing) of a column encoded like a number, in data set ``name``."""
        frame = self.prepared.frames[name]
        order = self.ordered.get(column)
        if order is None:
            return frame.values[column]
        return ordered_values(frame.frame[column], order, self.prepared.binnings.get(column))

    def encode(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Vectors (float32, C order) of data set ``name`` (``real``, ``synthetic``, ``holdout``,
        ``sensitive``), optionally only some rows."""
        frame = self.prepared.frames[name]
        n = frame.n_rows if rows is None else len(rows)
        out = np.zeros((n, self.width), dtype=np.float32)
        col = 0
        for spec in self.columns:
            if spec.name in self.grids:
                x = self.values(name, spec.name)
                x = x if rows is None else x[rows]
                values, shares = self.grids[spec.name]
                missing = np.isnan(x)
                out[:, col] = np.where(missing, 0.5, np.interp(np.where(missing, 0.0, x), values, shares))
                col += 1
            else:
                codes = frame.codes[spec.name] if rows is None else frame.codes[spec.name][rows]
                levels = self.levels[spec.name]  # codes kept as their own coordinate
                lut = np.full(self.prepared.binnings[spec.name].n_codes, len(levels), dtype=np.int64)
                lut[levels] = np.arange(len(levels))
                position = lut[codes]
                missing = codes == 0
                block = np.zeros((n, len(levels) + 1), dtype=np.float32)
                block[np.arange(n), position] = _HALF
                block[missing] = 0.0
                out[:, col : col + len(levels) + 1] = block
                col += len(levels) + 1
            if spec.name in self.with_missing:
                out[:, col] = missing
                col += 1
        return out


def _fit(prepared: Prepared) -> Encoder:
    k = prepared.config.privacy_categories
    columns, grids, levels, with_missing, ordered = [], {}, {}, [], {}
    width = 0
    names = [n for n in ("real", "synthetic", "holdout", "sensitive") if n in prepared.frames]
    enc = Encoder(
        columns=columns,
        grids=grids,
        levels=levels,
        with_missing=with_missing,
        width=0,
        prepared=prepared,
        ordered=ordered,
    )
    for spec in prepared.columns(_KINDS, binned=True):
        columns.append(spec)
        order = _order_of(spec.kind, prepared.binnings.get(spec.name), prepared.real.frame[spec.name])
        if order is not None:
            ordered[spec.name] = order
        if spec.kind in ("numeric", "datetime") or order is not None:
            real = enc.values("real", spec.name)
            values, counts = np.unique(real[~np.isnan(real)], return_counts=True)
            if len(values) == 0:
                values, counts = np.array([0.0]), np.array([1])
            cumulative = np.cumsum(counts)
            grids[spec.name] = (values, (cumulative - counts / 2.0) / cumulative[-1])
            width += 1
            any_missing = any(np.isnan(enc.values(n, spec.name)).any() for n in names)
        else:
            counts = np.bincount(prepared.real.codes[spec.name], minlength=prepared.binnings[spec.name].n_codes)
            counts[0] = 0  # missing has its own indicator
            order_ = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0][:k]
            levels[spec.name] = sorted(order_)
            width += len(order_) + 1
            any_missing = any((prepared.frames[n].codes[spec.name] == 0).any() for n in names)
        if any_missing:
            with_missing.append(spec.name)
            width += 1
    enc.width = width
    return enc


def check_distances(enc: Encoder, min_training_rows: int = 1) -> None:
    """``Skip`` unless there are columns to measure distances on and at least
    ``min_training_rows`` real training rows to measure them to."""
    if enc.width == 0:
        raise Skip(
            "no columns to measure distances on: ids, text, constant and empty columns, the time "
            "and entity columns and excluded ones are left out of distances, and no other column "
            "is left (exact_match still compares the rows)"
        )
    n_train = enc.prepared.frames["real"].n_rows
    if n_train < min_training_rows:
        raise Skip(
            f"too few real rows for distances: the training data has {n_train} row"
            f"{'s' if n_train != 1 else ''}, at least {min_training_rows} are needed"
        )


#: The two groups of privacy metrics that share an encoding (see :func:`encoder`): the distance
#: metrics and the attacks. Each holds about half the nearest-neighbour work of the family, so with
#: two jobs the two run at once, each in its own process with its own copy of the encoding.
GROUPS = {"distances": "privacy", "attacks": "privacy.attacks"}


def _group(prepared: Prepared, group: str, work: str, *which) -> str:
    """The group whose cached ``work`` to use: ``group``'s, or the other group's where this
    process has it already (the two are the same)."""
    if (f"{GROUPS[group]}.{work}", *which) not in prepared.cache:
        for other, prefix in GROUPS.items():
            if (f"{prefix}.{work}", *which) in prepared.cache:
                return other
    return group


def encoder(prepared: Prepared, group: str = "distances") -> Encoder:
    """The privacy encoding of this evaluation (fitted once per group of metrics, cached; the
    encodings of the two groups are the same, and a process that has one uses it for both)."""
    group = _group(prepared, group, "encoder")
    return prepared.cached((f"{GROUPS[group]}.encoder",), lambda: _fit(prepared))


def vectors(prepared: Prepared, name: str, group: str = "distances") -> np.ndarray:
    """Every row of data set ``name`` encoded (once per group, cached, or taken from the other
    group's in the same process; rows are taken from it by position, which gives the same vectors
    as encoding them alone)."""
    group = _group(prepared, group, "vectors", name)
    return prepared.cached((f"{GROUPS[group]}.vectors", name), lambda: encoder(prepared, group).encode(name))


def encode_once(prepared: Prepared) -> None:
    """Encode every row of the training, synthetic and holdout data now, into the cache both groups
    read (:func:`vectors`): called before the runner forks the processes of the two groups, so they
    share one copy (copy-on-write) instead of encoding it twice. An encoding that fails is left to
    the metrics, which report it."""
    try:
        for name in ("real", "synthetic", "holdout"):
            if name in prepared.frames:
                vectors(prepared, name)
    except Exception:  # the metrics try again and say what went wrong
        return


def threshold(distances: np.ndarray, q: float) -> float:
    """The q-quantile of the positive distances (0 if there are none): distance 0 (a natural
    duplicate) says nothing about how close a new row usually is."""
    positive = distances[distances > 0]
    return float(np.quantile(positive, q)) if len(positive) else 0.0


def search(
    reference: np.ndarray,
    queries: np.ndarray,
    k: int = 1,
    *,
    exclude_self: bool = False,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances (not squared) and positions of the ``k`` nearest reference rows of
    every query row, exact, in chunks. With ``exclude_self`` the queries are the reference rows
    themselves (same order); with ``exclude`` query ``i`` is reference row ``exclude[i]``. Either
    way each query's own position is removed (by position, not by distance 0, so true duplicates
    still count). A ``reference`` that holds its rows elsewhere (``search_rows``: the rows of a data
    set on the engines of :mod:`sdq.engine.scaled`) searches them itself, exactly, and the same way."""
    if hasattr(reference, "search_rows"):
        return reference.search_rows(np.asarray(queries), k, exclude_self=exclude_self, exclude=exclude)
    if exclude_self:
        exclude = np.arange(len(queries))
    kk = min(k + (1 if exclude is not None else 0), reference.shape[0])
    dist, pos = nearest(reference, queries, kk)
    dist = np.sqrt(np.maximum(dist, 0.0))
    if exclude is not None:
        dist, pos = drop_own(dist, pos, exclude)
    return dist[:, :k].astype(np.float64), pos[:, :k]


def drop_own(dist: np.ndarray, pos: np.ndarray, exclude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each query's own position (``exclude[i]`` for query ``i``) dropped from its neighbours
    (nearest first); where it is not among them, the last neighbour is dropped."""
    n, kk = pos.shape
    own = pos == np.asarray(exclude)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), kk - 1)
    keep = np.ones_like(own)
    keep[np.arange(n), drop] = False
    return dist[keep].reshape(n, kk - 1), pos[keep].reshape(n, kk - 1)


class CloserShare(NamedTuple):
    """The share of query rows nearer to side A than to side B, with its interval."""

    share: float  #: query rows nearer to A than to B, ties counted by the sides' shares of the tie
    expected: float  #: the share when A and B are exchangeable: ``n_a / (n_a + n_b)``
    rows: int  #: query rows
    effective_rows: float  #: ``rows / design effect`` (at most ``rows``)
    interval: tuple[float, float]  #: 95% Wilson interval on the effective rows
    closer: int  #: query rows strictly nearer to A
    farther: int  #: query rows strictly nearer to B
    ties: int  #: query rows as near to both


def closer_share(d_a: np.ndarray, i_a: np.ndarray, n_a: int, d_b: np.ndarray, i_b: np.ndarray, n_b: int) -> CloserShare:
    """For query rows with distances ``d_a`` to their nearest rows ``i_a`` of side A (of ``n_a``
    rows), nearest first, and ``d_b``, ``i_b`` on side B: the share nearer to A, and its Wilson
    interval on the effective number of rows.

    Each query row counts 1 where A's nearest row is strictly nearer, 0 where B's is, and, where
    both are at the same distance, the share of A among the rows at that distance (among the
    neighbours given: with one neighbour per side a tie counts half). Where A and B are samples of
    one population drawn independently of the query rows, the rows at the nearest distance are a
    random subset of the pooled reference rows, so the expected share is ``n_a / (n_a + n_b)``
    exactly, ties included (1/2 at equal sizes).

    The effective number: with the labels A and B shuffled among the ``n_a + n_b`` reference rows
    (each query row's nearest rows fixed), the share's variance is that of the sum of a sample
    without replacement of ``n_a`` of the reference rows' query counts ``c`` (each query row
    counted at its nearest row on each side, by its share): ``n_a n_b / (N - 1) var(c) / n^2``.
    Where no two query rows share a nearest row this is the binomial ``p0 (1 - p0) / n``; the
    design effect is the ratio (at least 1).

    Examples
    --------
    >>> r = closer_share(np.array([0.0, 1.0, 2.0, 1.0]), np.arange(4), 8, np.array([1.0, 0.0, 2.0, 3.0]), np.arange(4), 8)
    >>> r.share, r.expected, r.closer, r.farther, r.ties, r.effective_rows
    (0.625, 0.5, 2, 1, 1, 4.0)
    """
    d_a = np.asarray(d_a, dtype=float).reshape(len(d_a), -1)
    d_b = np.asarray(d_b, dtype=float).reshape(len(d_b), -1)
    i_a, i_b = np.asarray(i_a).reshape(len(d_a), -1)[:, 0], np.asarray(i_b).reshape(len(d_b), -1)[:, 0]
    n = len(d_a)
    nearest = np.minimum(d_a[:, 0], d_b[:, 0])
    # rows "at the nearest distance": equal up to float rounding of the search
    reach = nearest * (1 + 1e-6) + 1e-7
    at_a, at_b = (d_a <= reach[:, None]).sum(axis=1), (d_b <= reach[:, None]).sum(axis=1)
    nearer = at_a / np.maximum(at_a + at_b, 1)
    share = float(nearer.mean()) if n else 0.5
    expected = n_a / (n_a + n_b) if n_a + n_b else 0.5
    counts = np.concatenate(
        [
            np.bincount(i_a.astype(np.int64), weights=nearer, minlength=n_a),
            np.bincount(i_b.astype(np.int64), weights=1.0 - nearer, minlength=n_b),
        ]
    )
    big_n = n_a + n_b
    effective = float(n)
    binomial = expected * (1 - expected) / n if n else 0.0
    if n and big_n > 1 and binomial > 0:
        variance = n_a * n_b / (big_n - 1) * float(np.var(counts)) / n**2
        effective = n / max(1.0, variance / binomial)
    low, high = wilson(share * effective, effective)
    tie = (at_a > 0) & (at_b > 0)
    return CloserShare(
        share=share,
        expected=float(expected),
        rows=n,
        effective_rows=effective,
        interval=(low, high),
        closer=int((at_b == 0).sum()),
        farther=int((at_a == 0).sum()),
        ties=int(tie.sum()),
    )

"""``qscore``: do random aggregation queries give the same answers on synthetic data?

A seeded workload of ``Config.n_queries`` queries, the same for real, holdout and synthetic data.
Each query groups rows by one or two columns (their shared pairwise bins, so numbers are grouped
by real quantile ranges and missing values form a group), optionally keeps only rows where a third
column lies in a range of bins (numbers, dates) or a set of categories, and aggregates per group:

``count``            the share of rows in each group
``mean``, ``median`` of a numeric column, per group
``sum``              of a numeric column per group, per row of the data set (so sizes compare)

Error of one query, in [0, 1]:

* count: total variation distance between the real and synthetic group shares;
* mean / median: per real group, ``min(1, |real - synthetic| / std_real)`` (1 where the synthetic
  data has no row in that group), averaged with the real group shares as weights;
* sum: ``sum |a_g - b_g| / (sum |a_g| + sum |b_g|)`` over groups.

A query whose filter keeps less than 1% of the real rows is drawn again. A query whose filter keeps
no synthetic row has error 1. QScore = 1 - mean error. 1.0: every query answered exactly alike.
0.0: every answer is as far off as it can be. Baseline: the same workload on the holdout.
Interval: bootstrap over the queries (how much the score depends on the draw of the workload).
Details: the distribution of errors and the worst queries written out in words.

Every error is a ratio of answers, or a difference over the real spread, so it does not change when
a numeric column is multiplied by a positive constant: a column with values near the float maximum
(whose sums would overflow to infinity) is aggregated after an exact division by a power of two
(:func:`~sdq.prepare.downscale_exponent` of the rows the queries run on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.prepare import Prepared, PreparedFrame, downscale_exponent, scaled, std_without_overflow, subsample_rows
from sdq.schema import DEPENDENCE_KINDS
from sdq.shapes import QueryErrors

__all__ = ["qscore", "Query"]

AGGREGATES = ("count", "mean", "median", "sum")
AGGREGATE_WEIGHTS = (0.4, 0.3, 0.15, 0.15)
MIN_SUPPORT = 0.01


@dataclass(frozen=True)
class Query:
    group: tuple  # column names (1 or 2)
    filter_column: object  # a column name or None
    allowed: tuple  # codes of the filter column that pass
    aggregate: str
    value: object  # the numeric column aggregated (None for count)


def _group_codes(prepared: Prepared, frame: PreparedFrame, q: Query) -> tuple[np.ndarray, int]:
    a = q.group[0]
    g = frame.pair_codes[a].astype(np.int64)
    size = prepared.pair_binnings[a].n_codes
    if len(q.group) == 2:
        kb = prepared.pair_binnings[q.group[1]].n_codes
        g = g * kb + frame.pair_codes[q.group[1]]
        size *= kb
    return g, size


def _mask(prepared: Prepared, frame: PreparedFrame, q: Query) -> np.ndarray | None:
    if q.filter_column is None:
        return None
    lut = np.zeros(prepared.pair_binnings[q.filter_column].n_codes, dtype=bool)
    lut[list(q.allowed)] = True
    return lut[frame.pair_codes[q.filter_column]]


def _group_medians(g: np.ndarray, v: np.ndarray, size: int, order_v: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Median of ``v`` per group over rows ``keep``; NaN for empty groups. ``order_v`` sorts ``v``."""
    rows = order_v[keep[order_v]]  # kept rows, by value
    groups = g[rows]
    if size <= 1 << 16:  # small keys: numpy's stable sort is a radix sort (7x faster), same order
        groups = groups.astype(np.uint16)
    by_group = rows[np.argsort(groups, kind="stable")]  # by group, then by value
    counts = np.bincount(g[rows], minlength=size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full(size, np.nan)
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[by_group[lo]] + v[by_group[hi]]) / 2
    return out


class _Answers:
    """Answers every query on one data set; numeric columns divided by ``2**exponents[column]``."""

    def __init__(self, prepared: Prepared, frame: PreparedFrame, exponents: dict) -> None:
        self.prepared, self.frame, self.exponents = prepared, frame, exponents
        self._order: dict = {}
        self._values: dict = {}
        self._finite: dict = {}

    def values(self, column) -> np.ndarray:
        if column not in self._values:
            self._values[column] = scaled(self.frame.values[column], self.exponents.get(column, 0))
        return self._values[column]

    def finite(self, column) -> np.ndarray:
        """Where the column has a value (not NaN)."""
        if column not in self._finite:
            self._finite[column] = ~np.isnan(self.values(column))
        return self._finite[column]

    def order(self, column) -> np.ndarray:
        if column not in self._order:
            self._order[column] = np.argsort(self.values(column), kind="stable")
        return self._order[column]

    def answer(self, q: Query, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
        """(group shares, aggregate per group, rows the filter keeps) — the aggregate is the shares
        for ``count``. ``keep``: the filter's rows, if already known."""
        g, size = _group_codes(self.prepared, self.frame, q)
        if keep is None:
            keep = _mask(self.prepared, self.frame, q)  # None: every row
        n_kept = len(g) if keep is None else int(keep.sum())
        counts = np.bincount(g if keep is None else g[keep], minlength=size).astype(float)
        shares = counts / n_kept if n_kept else counts
        if q.aggregate == "count":
            return shares, shares, n_kept
        v = self.values(q.value)
        present = self.finite(q.value) if keep is None else keep & self.finite(q.value)
        if q.aggregate == "median":
            return shares, _group_medians(g, v, size, self.order(q.value), present), n_kept
        sums = np.bincount(g[present], weights=v[present], minlength=size)
        if q.aggregate == "sum":
            return shares, sums / len(g), n_kept
        n_present = np.bincount(g[present], minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            return shares, np.where(n_present > 0, sums / n_present, np.nan), n_kept


def _error(q: Query, real: tuple, other: tuple, scale: float) -> float:
    shares_r, agg_r, _ = real
    shares_o, agg_o, n_other_kept = other
    if n_other_kept == 0:
        return 1.0
    if q.aggregate == "count":
        return float(0.5 * np.abs(shares_r - shares_o).sum())
    if q.aggregate == "sum":
        denom = np.abs(agg_r).sum() + np.abs(agg_o).sum()
        return float(np.abs(agg_r - agg_o).sum() / denom) if denom > 0 else 0.0
    groups = ~np.isnan(agg_r)
    if not groups.any():
        return 0.0 if np.isnan(agg_o).all() else 1.0
    diff = np.abs(agg_r[groups] - agg_o[groups]) / scale
    per_group = np.where(np.isnan(diff), 1.0, np.minimum(1.0, diff))
    weights = shares_r[groups]
    return float((per_group * weights).sum() / weights.sum()) if weights.sum() > 0 else float(per_group.mean())


def _draw(
    prepared: Prepared, rng: np.random.Generator, columns: list, numeric: list, real: PreparedFrame
) -> Query | None:
    n_group = 1 if len(columns) < 2 or rng.random() < 0.5 else 2
    group = tuple(columns[i] for i in rng.choice(len(columns), size=n_group, replace=False))
    others = [c for c in columns if c not in group]
    filter_column, allowed = None, ()
    if others and rng.random() < 0.5:
        filter_column = others[rng.integers(len(others))]
        binning = prepared.pair_binnings[filter_column]
        present = np.flatnonzero(np.bincount(real.pair_codes[filter_column], minlength=binning.n_codes)[1:]) + 1
        if len(present) >= 2:
            if binning.mode == "categories":
                k = int(rng.integers(1, min(3, len(present) - 1) + 1))
                allowed = tuple(sorted(rng.choice(present, size=k, replace=False).tolist()))
            else:
                lo, hi = sorted(rng.choice(len(present), size=2, replace=False).tolist())
                allowed = tuple(present[lo : hi + 1].tolist())
        else:
            filter_column = None
    values = [c for c in numeric if c not in group]
    aggregate = AGGREGATES[rng.choice(len(AGGREGATES), p=AGGREGATE_WEIGHTS)] if values else "count"
    value = values[rng.integers(len(values))] if aggregate != "count" else None
    return Query(group=group, filter_column=filter_column, allowed=allowed, aggregate=aggregate, value=value)


def _describe(prepared: Prepared, q: Query) -> str:
    label = {c: prepared.schema[c].label for c in (*q.group, q.filter_column, q.value) if c is not None}
    what = "share of rows" if q.aggregate == "count" else f"{q.aggregate} of {label[q.value]}"
    text = f"{what} by {' and '.join(label[c] for c in q.group)}"
    if q.filter_column is not None:
        names = prepared.pair_binnings[q.filter_column].labels
        binning = prepared.pair_binnings[q.filter_column]
        if binning.mode == "categories":
            text += f" where {label[q.filter_column]} in {{{', '.join(names[c] for c in q.allowed)}}}"
        else:
            text += f" where {label[q.filter_column]} in {names[q.allowed[0]]} to {names[q.allowed[-1]]}"
    return text


@metric(
    "qscore",
    "utility",
    shape=QueryErrors(),
    summary="Random aggregation queries (counts, means, medians, sums by group, with filters) give the same answers.",
    one="every query is answered exactly as on the real data",
    zero="every answer is as far off as it can be",
)
def qscore(prepared: Prepared) -> Outcome:
    # in the canonical order, so the random workload does not depend on the order of the columns
    columns = [
        s.name
        for s in prepared.binned_columns(DEPENDENCE_KINDS)
        if np.count_nonzero(np.bincount(prepared.real.pair_codes[s.name])) > 1
    ]
    if not columns:
        raise Skip("no column with more than one value to group by")
    numeric = [c for c in columns if prepared.schema[c].kind in ("numeric", "datetime")]
    config = prepared.config
    # one random stream per random step: the queries (and then the bootstrap) draw from "qscore",
    # each data set's row sample from a stream of its own, so the workload never depends on how
    # many rows the synthetic data has
    rng = prepared.rng("qscore")
    frames = {"real": prepared.real, "synthetic": prepared.synthetic}
    if prepared.baseline is not None:
        frames["holdout"] = prepared.baseline
    rows_used = {}
    for name, frame in frames.items():
        if frame.n_rows > config.query_rows:
            sample = subsample_rows(frame.n_rows, config.query_rows, prepared.rng(f"qscore.rows.{name}"))
            frames[name] = frame.take(sample, name=f"{name}-sample")
        rows_used[name] = frames[name].n_rows
    # values near the float maximum: answered in units of a power of two (no score changes), set by
    # the rows the queries run on (Prepared.exponent, set by all rows, can differ above query_rows)
    exponents = {c: downscale_exponent(*(f.values[c] for f in frames.values())) for c in numeric}
    answers = {name: _Answers(prepared, f, exponents) for name, f in frames.items()}
    scales = {}
    for c in numeric:
        v = answers["real"].values(c)
        std = float(np.nanstd(v)) if not exponents[c] else std_without_overflow(v[~np.isnan(v)])
        scales[c] = std if std > 0 else 1.0
    queries, errors = [], {name: [] for name in frames if name != "real"}
    attempts = 0
    while len(queries) < config.n_queries and attempts < 20 * config.n_queries:
        attempts += 1
        q = _draw(prepared, rng, columns, numeric, frames["real"])
        mask = _mask(prepared, frames["real"], q)
        if mask is not None and mask.mean() < MIN_SUPPORT:
            continue
        real_answer = answers["real"].answer(q, mask)
        for name in errors:
            errors[name].append(_error(q, real_answer, answers[name].answer(q), scales.get(q.value, 1.0)))
        queries.append(q)
    err_s = np.array(errors["synthetic"])
    score = 1.0 - float(err_s.mean())
    baseline = 1.0 - float(np.mean(errors["holdout"])) if "holdout" in errors else None
    ci = None
    if config.n_bootstrap:
        pick = rng.integers(0, len(err_s), size=(config.n_bootstrap, len(err_s)))
        ci = percentile_ci(1.0 - err_s[pick].mean(axis=1))
    worst = np.argsort(-err_s, kind="stable")[:10]
    edges = np.linspace(0, 1, 21)
    details = {
        "n_queries": len(queries),
        "aggregates": {a: int(sum(q.aggregate == a for q in queries)) for a in AGGREGATES},
        "error_bins": rounded(edges),
        "error_counts": {name: np.histogram(np.array(e), bins=edges)[0].tolist() for name, e in errors.items()},
        "error_quantiles": {name: rounded(np.quantile(np.array(e), [0.5, 0.9, 0.99])) for name, e in errors.items()},
        "worst": [
            {
                "query": _describe(prepared, queries[k]),
                "error": rounded(err_s[k], 4),
                **({"holdout_error": rounded(errors["holdout"][k], 4)} if "holdout" in errors else {}),
            }
            for k in worst
        ],
        "rows": rows_used,
    }
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

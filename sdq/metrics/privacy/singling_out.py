"""``singling_out``: do predicates found in the synthetic data single out real training people?

A predicate (``income == 52,300``, or ``age in [61, 64) and region == north and visits in [9, 12)``)
*singles out* a person in a data set when exactly that one row of the data set satisfies it. The
attacker sees only the synthetic data and keeps the predicates that single out one synthetic row:

* **univariate**: for each column measured in distances, every value that exactly one synthetic
  row has (``column == value``, missing counting as a value), and, for numbers, dates and ordered
  codes, ``column <= smallest`` and ``column >= largest`` where one synthetic row holds the
  extreme;
* **multivariate**: for up to 100 sets of ``columns`` (3) columns (seeded, all sets where there are
  fewer), every cell that holds exactly one synthetic row, cells being the exact values of
  categories and few-valued columns, and 20 equal-count intervals of the synthetic data's own
  values for the others (so the predicates hold nothing but what the synthetic data shows).

Up to ``targets`` predicates of each kind (a seeded sample) are then evaluated on the training
rows (main) and on the holdout rows (control) at equal sizes: "exactly one row" depends on how
many rows there are, so a predicate's success on the larger side is its chance of matching
exactly one row of a random sample of the smaller side's size (hypergeometric, exact: no sample is
drawn). A predicate that a copied training row makes unique succeeds on the training side with
chance ``holdout rows / training rows``: matching sizes shows a copy that much less. A naive attacker draws its predicates without
looking at the synthetic rows (a random synthetic value of a column; a random cell of a column
set's synthetic values); its expected success is computed exactly. Risk, interval and score as in
:mod:`sdq.metrics.privacy.attacks`, per kind::

    risk  = (main - control) / (1 - control)        part = 1 - max(0, risk_low)
    score = min(univariate part, multivariate part)

1.0: predicates found in the synthetic data single out training rows no more often than holdout
rows, beyond noise. 0.0: every one of them singles out a training row beyond doubt (where they do
not single out holdout rows). Baseline 1.0 (the holdout is the control inside the attack);
interval: the rates drawn as binomials. A kind with no predicate (no synthetic row is unique in
any way it looks at) attacks no one and scores 1.

Details: counts and rates per kind, the column sets by their names. The predicates themselves are
never shown: a predicate that singles out a training row names values of that row (a copied
synthetic row's value is a real value), so no predicate is a safe thing to print. Needs a
holdout. Skipped with fewer than 10 training or holdout rows, or no column measured in distances.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.special import gammaln

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import rounded
from sdq.metrics.privacy.attacks import (
    MIN_TARGETS,
    interval_of,
    risk,
    risk_details,
    score_replicates,
    value_codes,
)
from sdq.metrics.privacy.distance import encoder
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Risks

__all__ = ["singling_out", "synthetic_bins", "one_in_sample", "COLUMN_SETS", "CELL_BINS"]

#: Most column sets the multivariate predicates come from.
COLUMN_SETS = 100
#: Intervals per many-valued column in the multivariate cells (equal counts of synthetic values).
CELL_BINS = 20
_SETS = ("synthetic", "real", "holdout")


def synthetic_bins(synthetic: np.ndarray, others: list[np.ndarray], bins: int = CELL_BINS) -> list[np.ndarray]:
    """Codes of numbers in ``bins`` intervals of equal counts of the synthetic values (edges from
    the synthetic data alone; missing 0, the intervals 1..), for the synthetic values and each of
    ``others``.

    Examples
    --------
    >>> [c.tolist() for c in synthetic_bins(np.arange(8.0), [np.array([-5.0, 3.5, np.nan])], bins=4)]
    [[1, 1, 2, 2, 3, 3, 4, 4], [1, 3, 0]]
    """
    present = synthetic[~np.isnan(synthetic)]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) if len(present) else np.array([])

    def code(x: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), 0, np.searchsorted(edges, x, side="right") + 1)

    return [code(synthetic), *[code(x) for x in others]]


def one_in_sample(counts: np.ndarray, n: int, size: int) -> np.ndarray:
    """The chance that a predicate matching ``counts`` of ``n`` rows matches exactly one row of a
    random sample of ``size`` of them without replacement (the hypergeometric probability of 1:
    ``T C(n - T, size - 1) / C(n, size)``, through log-gamma, vectorised).

    Examples
    --------
    >>> one_in_sample(np.array([0, 1, 2, 10]), 10, 5).round(4).tolist()
    [0.0, 0.5, 0.5556, 0.0]
    """
    t = np.asarray(counts, dtype=float)
    possible = (t >= 1) & (n - t >= size - 1)
    t_ = np.where(possible, t, 1.0)
    log_p = (
        np.log(t_)
        + gammaln(n - t_ + 1)
        - gammaln(size)
        - gammaln(n - t_ - size + 2)
        - (gammaln(n + 1) - gammaln(size + 1) - gammaln(n - size + 1))
    )
    return np.where(possible, np.exp(log_p), 0.0)


def _combine(parts: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Cell ids (shared by the data sets) of the combinations of the columns' codes: ``parts`` is
    one list of codes per column, one array per data set. One hash of a mixed-radix key where it
    fits in 62 bits (nearly always), else one column at a time."""
    sizes = [len(a) for a in parts[0]]
    columns = [np.concatenate(column).astype(np.int64) for column in parts]
    radix = [int(c.max(initial=0)) + 1 for c in columns]
    key = np.zeros(sum(sizes), dtype=np.int64)
    if float(np.prod(np.array(radix, dtype=float))) < 2.0**62:
        for codes, r in zip(columns, radix):
            key = key * r + codes
        key = pd.factorize(key)[0]
    else:
        for codes, r in zip(columns, radix):
            key = pd.factorize(key * r + codes)[0]
    return np.split(key, np.cumsum(sizes)[:-1])


def _counts(ids: list[np.ndarray], n_cells: int) -> list[np.ndarray]:
    return [np.bincount(i, minlength=n_cells) for i in ids]


@metric(
    "singling_out",
    "privacy",
    shape=Risks(),
    group="privacy-attacks",
    needs=("holdout",),
    params={
        "targets": Param(low=10, high=1_000_000, doc="predicates of each kind (univariate, multivariate) evaluated"),
        "columns": Param(low=2, high=10, doc="columns in each multivariate predicate"),
    },
    summary="Predicates found in the synthetic data (values, extremes and cells that only one synthetic row "
    "has) single out training rows no more often than holdout rows.",
    one="predicates from the synthetic data single out training rows no more often than unseen real rows",
    zero="every predicate from the synthetic data singles out a training row, beyond doubt",
)
def singling_out(prepared: Prepared, *, targets: int = 2_000, columns: int = 3) -> Outcome:
    config = prepared.config
    rng = prepared.rng("singling_out")
    enc = encoder(prepared, "attacks")
    measured = [spec.name for spec in enc.columns]
    labels = {spec.name: spec.label for spec in enc.columns}
    if not measured:
        raise Skip("no columns to build predicates from: ids, text, constant and empty columns are left out")
    n_train, n_hold = prepared.frames["real"].n_rows, prepared.frames["holdout"].n_rows
    size = int(min(n_train, n_hold))
    if size < MIN_TARGETS:
        raise Skip(f"too few rows: {n_train} training and {n_hold} holdout rows; at least {MIN_TARGETS} of each")

    def alone(counts: np.ndarray, n: int) -> np.ndarray:
        return (counts == 1).astype(float) if n == size else one_in_sample(counts, n, size)

    parts = [("synthetic", None), ("real", None), ("holdout", None)]
    exact = {c: value_codes(prepared, c, parts) for c in measured}

    # -- univariate: values (and extremes) that one synthetic row has
    pool = {"real": [], "holdout": []}
    found, naive = {}, {}
    for c in measured:
        syn, train, hold = exact[c]
        k = int(max(a.max(initial=0) for a in exact[c])) + 1
        n_syn, n_t, n_h = _counts([syn, train, hold], k)
        unique = np.flatnonzero(n_syn == 1)
        hits = {"real": alone(n_t[unique], n_train), "holdout": alone(n_h[unique], n_hold)}
        if c in enc.grids:
            values = {name: enc.values(name, c) for name, _ in parts}
            present = values["synthetic"][~np.isnan(values["synthetic"])]
            if len(present):
                for extreme, side in ((present.min(), np.less_equal), (present.max(), np.greater_equal)):
                    if int(np.sum(present == extreme)) == 1:
                        for name, n in (("real", n_train), ("holdout", n_hold)):
                            x = values[name]
                            matched = np.array([np.sum(side(x[~np.isnan(x)], extreme))])
                            hits[name] = np.append(hits[name], alone(matched, n))
        for name in pool:
            pool[name].append(hits[name])
        found[c] = len(hits["real"])
        distinct = np.flatnonzero(n_syn > 0)
        naive[c] = float(np.mean(alone(n_t[distinct], n_train))) if len(distinct) else 0.0

    def sampled(hit_lists: dict[str, list[np.ndarray]], weights: dict) -> tuple:
        """Up to ``targets`` predicates drawn from the pool: expected successes on each side, the
        draws per source, and the naive rate weighted by the draws."""
        main, control = np.concatenate(hit_lists["real"]), np.concatenate(hit_lists["holdout"])
        source = np.repeat(np.arange(len(hit_lists["real"])), [len(h) for h in hit_lists["real"]])
        chosen = subsample_rows(len(main), targets, rng)
        drawn = np.bincount(source[chosen], minlength=len(hit_lists["real"]))
        w = np.array(list(weights.values()))
        naive_rate = float((drawn * w).sum() / drawn.sum()) if drawn.sum() else None
        return float(main[chosen].sum()), float(control[chosen].sum()), len(chosen), drawn, naive_rate

    u_main, u_control, u_n, u_drawn, u_naive = sampled(pool, naive)
    univariate = risk(u_main, u_n, u_control, u_n)

    # -- multivariate: cells of a few columns that one synthetic row holds
    cells = {}
    for c in measured:
        if c in enc.grids and len(np.unique(exact[c][0])) > CELL_BINS:
            cells[c] = synthetic_bins(
                enc.values("synthetic", c), [enc.values(name, c) for name, _ in parts[1:]], CELL_BINS
            )
        else:
            cells[c] = exact[c]
    width = min(columns, len(measured))
    sets = list(itertools.combinations(measured, width))
    if len(sets) > COLUMN_SETS:
        sets = [sets[i] for i in subsample_rows(len(sets), COLUMN_SETS, rng)]
    multi = {"real": [], "holdout": []}
    multi_naive = {}
    # per column: how many distinct codes the synthetic data has, and which training rows have one of them
    syn_distinct, syn_known = {}, {}
    for c in set(itertools.chain(*sets)):
        seen = np.zeros(int(max(a.max(initial=0) for a in cells[c])) + 1, dtype=bool)
        seen[cells[c][0]] = True
        syn_distinct[c], syn_known[c] = int(seen.sum()), seen[cells[c][1]]
    for column_set in sets:
        ids = _combine([cells[c] for c in column_set])
        n_cells = int(max(i.max(initial=0) for i in ids)) + 1
        n_syn, n_t, n_h = _counts(ids, n_cells)
        unique = np.flatnonzero(n_syn == 1)
        multi["real"].append(alone(n_t[unique], n_train))
        multi["holdout"].append(alone(n_h[unique], n_hold))
        # the naive attacker: a random cell of the grid of the column set's synthetic values
        grid = float(np.prod([syn_distinct[c] for c in column_set]))
        in_grid = np.ones(n_cells, dtype=bool)
        for c in column_set:
            in_grid[ids[1][~syn_known[c]]] = False
        seen = np.flatnonzero((n_t > 0) & in_grid)
        multi_naive[column_set] = float(alone(n_t[seen], n_train).sum() / grid)
    m_main, m_control, m_n, m_drawn, m_naive = sampled(multi, multi_naive)
    multivariate = risk(m_main, m_n, m_control, m_n)

    risks = [univariate, multivariate]
    score = float(min(r.score for r in risks))
    ci = None
    if config.n_bootstrap:
        ci = interval_of(score_replicates(risks, config.n_bootstrap, rng))
    details = {"risks": {}}
    details["risks"]["univariate"] = {
        **risk_details(univariate, u_naive),
        "predicates_found": int(sum(found.values())),
        "predicates_drawn_per_column": {labels[c]: int(n) for c, n in zip(found, u_drawn) if n},
    }
    details["risks"]["multivariate"] = {
        **risk_details(multivariate, m_naive),
        "predicates_found": int(sum(len(h) for h in multi["real"])),
        "columns_per_predicate": width,
        "column_sets": [
            {"columns": [labels[c] for c in column_set], "predicates_drawn": int(n)}
            for column_set, n in zip(sets, m_drawn)
        ],
    }
    details.update(
        {
            "rows": {
                "training": n_train,
                "holdout": n_hold,
                "compared_at": size,
                "synthetic": enc.prepared.frames["synthetic"].n_rows,
            },
            "cell_intervals": CELL_BINS,
            "predicates_shown": "none: a predicate that singles out a training row names that row's values",
            "interval_level": 0.95,
        }
    )
    details["score"] = rounded(score)
    message = None
    if not u_n and not m_n:
        message = "no predicate singles out a synthetic row: the attacker has nothing to single anyone out with"
    return Outcome(score=score, baseline=1.0, ci=ci, details=details, message=message)

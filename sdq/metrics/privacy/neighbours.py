"""``neighbours_privacy``: are synthetic rows closer to the training rows than fresh real rows are?

In the distance space of :mod:`sdq.metrics.privacy.distance` (ordered codes count as numbers:
a jittered code is a small step), two parts, each 1 when the synthetic rows are as far from the
training rows as unseen real rows are:

**DCR share** (the decisive part). The share ``p`` of (a seeded sample of) the synthetic rows
that are closer to the training rows than to the holdout rows, ties counted half, with the two
sides at equal sizes (a seeded training sample of the holdout's size; or the holdout sampled to
the training's size where it is larger). A generator that draws fresh rows of the population
puts each of them next to a training row as often as next to a holdout row: ``p`` is 1/2 in
expectation on any data, point masses and natural duplicates included (a natural twin is a tie,
on either side). A generator that copies rows, with or without noise, puts them next to their
originals: ``p`` rises towards 1. The share's 95% interval is a Wilson interval on the effective
number of synthetic rows (rows that share their nearest reference row count as fewer, see
:func:`~sdq.metrics.privacy.distance.closer_share`), and the part is computed on its lower end::

    dcr_part = 1 - max(0, p_low - 1/2) / (1/2)

1.0: the data give no evidence that synthetic rows sit closer to the training rows than to the
holdout rows (noise alone is not penalised). 0.0: every synthetic row is closer to the training
rows, beyond doubt. (Matching sizes halves what a copy shows: a copy of a training row that is
not in the training sample is a fresh row to this comparison; where the holdout is as large as
the training data no copy is missed.)

**Too close**. The distance to the closest record (DCR) among **all** training rows is measured
for (a seeded sample of) the synthetic and the holdout rows. "Too close" means at or below
``tau``, the 5th percentile of the holdout's *positive* DCRs: closer than 95% of the genuinely new
people who are not exact twins of a training row. (Taking the percentile of all DCRs would make
``tau`` 0 on coarse data, where more than 5% of fresh rows have a twin, and near-copies with a
tiny positive distance would pass unseen.) With ``r_syn`` and ``r_hold`` the shares of synthetic
and holdout rows at most ``tau`` away (twins included)::

    close_part = 1 - clip((r_syn - r_hold) / (1 - r_hold), 0, 1)

the share of synthetic rows that are too close *beyond* what fresh real rows are. Natural
duplicates raise ``r_hold`` and so are not counted as leaks, while a copy of coarse data (every
row at distance 0) still scores 0.

    score = min(dcr_part, close_part)

1.0: synthetic rows are no closer to the training rows than unseen real rows. 0.0: every
synthetic row is closer to a training row than to any holdout row, or too close.

Baseline: the same two parts with one half of the (sampled) holdout in the synthetic data's
place, against the other half (and a training sample of that half's size): about 1, and shows
the noise. Interval: a parametric bootstrap of both parts (binomial draws of the two "too close"
shares, and of the DCR share on its effective number of rows; each replicate scored as the point
is). Details: both DCR distributions on shared bins (for a plot), the shares of synthetic rows
below the holdout's 1st and 5th percentiles (ties split), the nearest-neighbour distance ratio
(closest / second closest training row), the mean mid-rank of the synthetic DCRs within the
holdout's (0.5 for fresh data, ties half), the DCR share with its counts and interval, and both
parts. Needs a holdout. Skipped without columns to measure distances on (only ids, text,
constants) and with fewer than two training rows.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.bounds import share_part, wilson
from sdq.metrics.privacy.distance import (
    CloserShare,
    check_distances,
    closer_share,
    encoder,
    search,
    threshold,
    vectors,
)
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Distances

__all__ = ["neighbours_privacy", "mid_ranks", "excess_score", "threshold"]

QUANTILE = 0.05
#: The nearest-neighbour distance ratio needs a second-closest training row.
MIN_TRAINING_ROWS = 2
#: Nearest training rows searched per synthetic row.
K_NEAREST = 8


def excess_score(r_syn, r_hold):
    """``1 - clip((r_syn - r_hold) / (1 - r_hold), 0, 1)``; 1 where ``r_hold`` is 1 (nothing to tell).

    Examples
    --------
    >>> float(excess_score(0.05, 0.05)), float(excess_score(1.0, 0.2)), float(excess_score(0.6, 0.2))
    (1.0, 0.0, 0.5)
    """
    r_syn, r_hold = np.asarray(r_syn, dtype=float), np.asarray(r_hold, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(r_hold < 1, (r_syn - r_hold) / np.where(r_hold < 1, 1 - r_hold, 1.0), 0.0)
    return 1.0 - np.clip(excess, 0.0, 1.0)


def mid_ranks(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each value, the share of ``reference`` below it, ties counted half.

    Examples
    --------
    >>> mid_ranks(np.array([0.0, 1.0, 5.0]), np.array([0.0, 1.0, 2.0, 3.0]))
    array([0.125, 0.375, 1.   ])
    """
    ref = np.sort(reference)
    below = np.searchsorted(ref, values, side="left")
    upto = np.searchsorted(ref, values, side="right")
    return (below + upto) / (2.0 * len(ref))


def _share_below(values: np.ndarray, reference: np.ndarray, q: float) -> float:
    """Share of ``values`` below the q-quantile of ``reference``, values at the threshold split
    in proportion to the reference's own share there (so ties do not count as leaks)."""
    threshold = np.quantile(reference, q)
    below_ref = np.mean(reference < threshold)
    at_ref = np.mean(reference == threshold)
    weight = (q - below_ref) / at_ref if at_ref > 0 else 0.0
    return float(np.mean(values < threshold) + weight * np.mean(values == threshold))


def _nearest_among(
    rows: np.ndarray, reference: np.ndarray, queries: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Distance and position (within ``rows``) of each query's nearest row among ``reference[rows]``
    (``rows`` sorted). ``known``: the queries' nearest rows of the whole reference (distances and
    positions, nearest first), from which the nearest of ``rows`` is read where it is among them;
    only the other queries are searched."""
    d = np.empty(len(queries))
    i = np.empty(len(queries), dtype=np.int64)
    todo = np.ones(len(queries), dtype=bool)
    if known is not None:
        d_all, i_all = known
        where = np.searchsorted(rows, i_all).clip(0, len(rows) - 1)
        inside = rows[where] == i_all
        found = inside.any(axis=1)
        first = inside.argmax(axis=1)[found]
        d[found] = d_all[found, first]
        i[found] = where[found, first]
        todo = ~found
    if todo.any():
        d_s, i_s = search(reference[rows], queries[todo], k=1)
        d[todo], i[todo] = d_s[:, 0], i_s[:, 0]
    return d, i


def _dcr_share(
    reference: np.ndarray,
    holdout: np.ndarray,
    queries: np.ndarray,
    rng: np.random.Generator,
    known: tuple[np.ndarray, np.ndarray] | None = None,
) -> CloserShare:
    """The share of ``queries`` closer to the training rows (``reference``) than to ``holdout``,
    the larger side sampled (seeded) to the size of the smaller. ``known``: the queries' nearest
    training rows, if searched already (see :func:`_nearest_among`)."""
    size = min(len(reference), len(holdout))
    t_rows = subsample_rows(len(reference), size, rng)
    h_rows = subsample_rows(len(holdout), size, rng)
    d_t, i_t = _nearest_among(t_rows, reference, queries, known)
    d_h, i_h = _nearest_among(h_rows, holdout, queries, None)
    return closer_share(d_t, i_t, size, d_h, i_h, size)


def _share_replicates(share: CloserShare, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of the part a closer share gives: the share drawn as a binomial on its
    effective rows, each draw scored on the lower end of its own Wilson interval."""
    n = max(1, int(round(share.effective_rows)))
    draws = rng.binomial(n, share.share, n_boot) / n
    return share_part(wilson(draws * n, np.full(n_boot, float(n)))[0], share.expected)


@metric(
    "neighbours_privacy",
    "privacy",
    shape=Distances(),
    group="privacy-distances",
    needs=("holdout",),
    summary="Synthetic rows are no closer to the training rows than fresh real rows are: as often next to a "
    "holdout row as to a training row, and no more often too close.",
    one="synthetic rows are no closer to training rows than unseen real rows",
    zero="every synthetic row is closer to a training row than to any unseen real row",
)
def neighbours_privacy(prepared: Prepared) -> Outcome:
    config = prepared.config
    rng = prepared.rng("neighbours_privacy")
    enc = encoder(prepared)
    check_distances(enc, MIN_TRAINING_ROWS)
    train = vectors(prepared, "real")
    n_syn, n_hold = prepared.frames["synthetic"].n_rows, prepared.frames["holdout"].n_rows
    syn_rows = subsample_rows(n_syn, config.privacy_rows, rng)
    hold_rows = subsample_rows(n_hold, config.privacy_rows, rng)
    syn_x, hold_x = vectors(prepared, "synthetic")[syn_rows], vectors(prepared, "holdout")[hold_rows]
    # the nearest few training rows of each synthetic row: the two nearest for the distances below,
    # and the nearest of the training sample the DCR share compares with, read off where it is
    # among them (for all but about 0.5**K_NEAREST of the rows), instead of a second search
    d_syn_all, i_syn_all = search(train, syn_x, k=K_NEAREST)
    d_s = d_syn_all[:, :2]
    d_h, _ = search(train, hold_x, k=2)
    dcr_s, dcr_h = d_s[:, 0], d_h[:, 0]
    u = mid_ranks(dcr_s, dcr_h)
    tau = threshold(dcr_h, QUANTILE)
    close_s, close_h = dcr_s <= tau, dcr_h <= tau
    close_part = float(excess_score(close_s.mean(), close_h.mean()))

    # closer to training than to holdout, at equal sizes
    share = _dcr_share(train, vectors(prepared, "holdout"), syn_x, rng, known=(d_syn_all, i_syn_all))
    dcr_part = share_part(share.interval[0], share.expected)
    score = min(close_part, dcr_part)

    # baseline: one half of the holdout sample in the synthetic data's place, against the other
    half = len(dcr_h) // 2
    order = rng.permutation(len(dcr_h))
    baseline, baseline_parts, baseline_share = None, None, None
    if half >= 10:
        a, b = order[:half], order[half:]
        tau_b = threshold(dcr_h[b], QUANTILE)
        close_b = float(excess_score(np.mean(dcr_h[a] <= tau_b), np.mean(dcr_h[b] <= tau_b)))
        baseline_share = _dcr_share(train, hold_x[np.sort(b)], hold_x[np.sort(a)], rng)
        baseline_parts = {
            "too_close": close_b,
            "dcr_share": share_part(baseline_share.interval[0], baseline_share.expected),
        }
        baseline = min(baseline_parts.values())
    ci = None
    if config.n_bootstrap:
        r_s = rng.binomial(len(close_s), close_s.mean(), config.n_bootstrap) / len(close_s)
        r_h = rng.binomial(len(close_h), close_h.mean(), config.n_bootstrap) / len(close_h)
        ci = percentile_ci(np.minimum(excess_score(r_s, r_h), _share_replicates(share, config.n_bootstrap, rng)))

    with np.errstate(divide="ignore", invalid="ignore"):
        nndr_s = np.where(d_s[:, 1] > 0, dcr_s / d_s[:, 1], np.where(dcr_s > 0, 1.0, 0.0))
        nndr_h = np.where(d_h[:, 1] > 0, dcr_h / d_h[:, 1], np.where(dcr_h > 0, 1.0, 0.0))
    top = float(np.quantile(np.concatenate([dcr_s, dcr_h]), 0.99))
    edges = np.unique(np.concatenate([[0.0], np.linspace(0.0, top, 31)[1:]])) if top > 0 else np.array([0.0, 1.0])
    edges = np.append(edges, np.inf)
    details = {
        "rows": {
            "training": len(train),
            "synthetic": len(syn_rows),
            "holdout": len(hold_rows),
            "synthetic_total": n_syn,
            "holdout_total": n_hold,
        },
        "dimensions": enc.width,
        "ordered_codes": [prepared.schema[c].label for c in enc.ordered],
        "parts": {"dcr_share": rounded(dcr_part), "too_close": rounded(close_part)},
        "baseline_parts": None if baseline_parts is None else {k: rounded(v) for k, v in baseline_parts.items()},
        "dcr_share": _share_details(share),
        "baseline_dcr_share": None if baseline_share is None else _share_details(baseline_share),
        "dcr_bins": rounded(edges[:-1], 4),
        "dcr_counts": {
            "synthetic": np.histogram(dcr_s, bins=edges)[0].tolist(),
            "holdout": np.histogram(dcr_h, bins=edges)[0].tolist(),
        },
        "dcr_quantiles": {
            name: rounded(np.quantile(d, [0.01, 0.05, 0.25, 0.5]), 4)
            for name, d in (("synthetic", dcr_s), ("holdout", dcr_h))
        },
        "zero_distance_share": {"synthetic": rounded(np.mean(dcr_s == 0)), "holdout": rounded(np.mean(dcr_h == 0))},
        "share_below_holdout_p1": rounded(_share_below(dcr_s, dcr_h, 0.01)),
        "share_below_holdout_p5": rounded(_share_below(dcr_s, dcr_h, 0.05)),
        "mean_mid_rank": rounded(u.mean()),
        "threshold": rounded(tau, 6),
        "threshold_quantile_of_positive_holdout_dcr": QUANTILE,
        "too_close_share": {"synthetic": rounded(close_s.mean()), "holdout": rounded(close_h.mean())},
        "nndr_median": {"synthetic": rounded(np.median(nndr_s)), "holdout": rounded(np.median(nndr_h))},
    }
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)


def _share_details(share: CloserShare) -> dict:
    return {
        "share": rounded(share.share),
        "interval": rounded(list(share.interval)),
        "rows": share.rows,
        "effective_rows": rounded(share.effective_rows, 1),
        "closer_to_training": share.closer,
        "closer_to_holdout": share.farther,
        "ties": share.ties,
    }

"""``neighbours_privacy``: are synthetic rows closer to the training rows than fresh real rows are?

In the distance space of :mod:`sdq.metrics.privacy.distance`, the distance to the closest record
(DCR) among **all** training rows is measured for (a seeded sample of) the synthetic rows and for
(a seeded sample of) the holdout rows. The holdout's DCRs show how close an unseen real person
naturally is to the training data; on coarse data many are 0 (natural duplicates).

"Too close" means at or below ``tau``, the 5th percentile of the holdout's *positive* DCRs: closer
than 95% of the genuinely new people who are not exact twins of a training row. (Taking the
percentile of all DCRs would make ``tau`` 0 on coarse data, where more than 5% of fresh rows have
a twin, and near-copies with a tiny positive distance would pass unseen.) With ``r_syn`` and
``r_hold`` the shares of synthetic and holdout rows at most ``tau`` away (twins included),

    score = 1 - clip((r_syn - r_hold) / (1 - r_hold), 0, 1)

the share of synthetic rows that are too close *beyond* what fresh real rows are. 1.0: synthetic
rows are no closer to the training rows than fresh real rows. 0.0: every synthetic row is too
close (copies, or near-copies). Natural duplicates raise ``r_hold`` and so are not counted as
leaks, while a copy of coarse data (every row at distance 0) still scores 0. The mean mid-rank of
the synthetic DCRs within the holdout's (0.5 for fresh data, ties half) is reported beside it.

Details: both DCR distributions on shared bins (for a plot), the shares of synthetic rows below
the holdout's 1st and 5th percentiles (ties split), the nearest-neighbour distance ratio
(closest / second closest training row), and the share of synthetic rows closer to the training
rows than to the holdout rows at equal sizes (ties half; 0.5 is ideal). Baseline: one half of
the holdout scored against the other half (about 1 by construction; shows the noise). Needs a
holdout. Interval: bootstrap over the synthetic rows. Skipped without columns to measure distances
on (only ids, text, constants) and with fewer than two training rows.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.distance import check_distances, encoder, search, threshold
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Distances

__all__ = ["neighbours_privacy", "mid_ranks", "excess_score", "threshold"]

QUANTILE = 0.05
#: The nearest-neighbour distance ratio needs a second-closest training row.
MIN_TRAINING_ROWS = 2


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


@metric(
    "neighbours_privacy",
    "privacy",
    shape=Distances(),
    group="privacy-distances",
    needs=("holdout",),
    summary="Synthetic rows are no closer to their nearest training row than fresh real rows are.",
    one="synthetic rows are no closer to training rows than unseen real rows",
    zero="every synthetic row is closer to a training row than any unseen real row",
)
def neighbours_privacy(prepared: Prepared) -> Outcome:
    config = prepared.config
    rng = prepared.rng("neighbours_privacy")
    enc = encoder(prepared)
    check_distances(enc, MIN_TRAINING_ROWS)
    train = enc.encode("real")
    n_syn, n_hold = prepared.frames["synthetic"].n_rows, prepared.frames["holdout"].n_rows
    syn_rows = subsample_rows(n_syn, config.privacy_rows, rng)
    hold_rows = subsample_rows(n_hold, config.privacy_rows, rng)
    syn_x, hold_x = enc.encode("synthetic", syn_rows), enc.encode("holdout", hold_rows)
    d_s, _ = search(train, syn_x, k=2)
    d_h, _ = search(train, hold_x, k=2)
    dcr_s, dcr_h = d_s[:, 0], d_h[:, 0]
    u = mid_ranks(dcr_s, dcr_h)
    tau = threshold(dcr_h, QUANTILE)
    close_s, close_h = dcr_s <= tau, dcr_h <= tau
    score = float(excess_score(close_s.mean(), close_h.mean()))

    half = len(dcr_h) // 2
    order = rng.permutation(len(dcr_h))
    baseline = None
    if half >= 10:
        a, b = dcr_h[order[:half]], dcr_h[order[half:]]
        tau_b = threshold(b, QUANTILE)
        baseline = float(excess_score(np.mean(a <= tau_b), np.mean(b <= tau_b)))
    ci = None
    if config.n_bootstrap:
        r_s = rng.binomial(len(close_s), close_s.mean(), config.n_bootstrap) / len(close_s)
        r_h = rng.binomial(len(close_h), close_h.mean(), config.n_bootstrap) / len(close_h)
        ci = percentile_ci(excess_score(r_s, r_h))

    # closer to training than to holdout, at equal sizes (training subsampled to the holdout's size)
    t_rows = subsample_rows(len(train), n_hold, rng)
    d_st, _ = search(train[t_rows], syn_x, k=1)
    d_sh, _ = search(enc.encode("holdout"), syn_x, k=1)
    closer = float(np.mean(d_st[:, 0] < d_sh[:, 0]) + 0.5 * np.mean(d_st[:, 0] == d_sh[:, 0]))

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
        "closer_to_training_than_holdout": rounded(closer),
    }
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

"""``outlier_privacy``: do synthetic rows come closer to the real outliers than fresh real rows do?

The people in low-density regions (rare combinations, extreme values) are the easiest to
re-identify, and the health use case treats a real outlier reproduced in the synthetic data as a
leak. In the distance space of :mod:`sdq.metrics.privacy.distance`:

1. **outliers**: among (a seeded sample of up to ``privacy_rows``) training rows, the ``share``
   (1%) with the largest distance to their ``k``-th nearest other training row (k = 5; found
   with faiss among all training rows); at least 25 rows, and at most a quarter of the sample;
2. for each outlier, its nearest rows among **all** synthetic rows and among all holdout rows;
3. the share ``q`` of outliers whose nearest synthetic row is closer than their nearest holdout
   row (where both are equally near, the synthetic rows' share of the rows at that distance).

A generator that draws fresh rows of the population comes as close to an outlier as fresh real
rows do: the nearest of all ``n_s + n_h`` synthetic and holdout rows is then as likely any of
them, so ``q`` is ``q0 = n_s / (n_s + n_h)`` in expectation (1/2 at equal sizes), whatever the
data, ties included. One that memorises the outliers puts a synthetic row on top of each: ``q``
rises to 1. (Comparing against every synthetic row, with the expectation set by the sizes, rather
than against a sample of the holdout's size, keeps each memorised outlier's copy in view: a sample
would miss most copies where the synthetic data is much larger than the holdout.)

``q`` has a 95% Wilson interval (on the effective number of outliers: outliers that share their
nearest row count as fewer, see :func:`~sdq.metrics.privacy.distance.closer_share`), and the
score is computed on its lower end, so noise alone does not lower it::

    score = 1 - max(0, q_low - q0) / (1 - q0)

1.0: synthetic rows come no closer to the real outliers than fresh real rows do. 0.0: every
outlier has a synthetic row closer than any holdout row, beyond doubt (the outliers are
reproduced). A generator that never comes near the outliers (``q`` below ``q0``) is not rewarded
beyond 1.

Baseline: the same with one half of the holdout in the synthetic data's place, against the other
half (about 1; shows the noise at about this number of outliers). Interval: the share drawn as a binomial on its effective number
of outliers, each draw scored as the point is. Details hold counts and distance summaries only,
never a record. Needs a holdout. Skipped without columns to measure distances on and with fewer
than 20 training rows.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Param, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.bounds import share_part, wilson
from sdq.metrics.privacy.distance import CloserShare, check_distances, closer_share, encoder, search
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Shares

__all__ = ["outlier_privacy", "outlier_rows", "MIN_OUTLIERS"]

#: Fewest outliers scored (where the training sample has four times as many rows).
MIN_OUTLIERS = 25
#: Fewest training rows: the outliers are at most a quarter of them, so at least five are scored.
MIN_TRAINING_ROWS = 20
#: Most rows per side counted at an outlier's nearest distance (ties).
K_TIES = 50


def outlier_rows(knn_distance: np.ndarray, share: float) -> np.ndarray:
    """Positions of the outliers among rows with the given k-nearest-neighbour distances: the
    ``share`` farthest (ties by position), at least :data:`MIN_OUTLIERS` and at most a quarter of
    the rows.

    Examples
    --------
    >>> outlier_rows(np.array([0.1, 0.9, 0.2, 0.9, 0.5, 0.3, 0.0, 0.2]), 0.01).tolist()
    [1, 3]
    """
    n = len(knn_distance)
    count = int(min(n // 4, max(MIN_OUTLIERS, np.ceil(share * n))))
    order = np.argsort(-knn_distance, kind="stable")
    return np.sort(order[:count])


def _nearer_share(
    outliers: np.ndarray, side: np.ndarray, other: np.ndarray
) -> tuple[CloserShare, np.ndarray, np.ndarray]:
    """The share of ``outliers`` nearer to ``side`` than to ``other`` (every row of both; rows at
    the same distance counted by side, up to :data:`K_TIES` each), and the nearest distances."""
    d_a, i_a = search(side, outliers, k=min(K_TIES, len(side)))
    d_b, i_b = search(other, outliers, k=min(K_TIES, len(other)))
    return closer_share(d_a, i_a, len(side), d_b, i_b, len(other)), d_a[:, 0], d_b[:, 0]


def _share_details(share: CloserShare) -> dict:
    return {
        "share": rounded(share.share),
        "expected": rounded(share.expected),
        "interval": rounded(list(share.interval)),
        "effective_outliers": rounded(share.effective_rows, 1),
        "nearer_to_synthetic": share.closer,
        "nearer_to_holdout": share.farther,
        "ties": share.ties,
    }


@metric(
    "outlier_privacy",
    "privacy",
    shape=Shares(
        synthetic="nearer_share",
        holdout="holdout_nearer_share",
        what="real outliers nearer to a synthetic row than to a holdout row",
    ),
    group="privacy-distances",
    needs=("holdout",),
    params={
        "share": Param(low=0.001, high=0.25, doc="the share of training rows taken as outliers"),
        "k": Param(low=1, high=100, doc="the neighbour whose distance measures how isolated a training row is"),
    },
    summary="Synthetic rows come no closer to the real outliers (the most isolated training rows) than fresh "
    "real rows do.",
    one="synthetic rows come no closer to the real outliers than unseen real rows",
    zero="every real outlier has a synthetic row closer than any unseen real row",
)
def outlier_privacy(prepared: Prepared, *, share: float = 0.01, k: int = 5) -> Outcome:
    config = prepared.config
    rng = prepared.rng("outlier_privacy")
    enc = encoder(prepared)
    check_distances(enc, MIN_TRAINING_ROWS)
    train = enc.encode("real")
    k = int(min(k, len(train) - 1))
    sample = subsample_rows(len(train), config.privacy_rows, rng)
    d_knn, _ = search(train, train[sample], k=k, exclude=sample)
    knn = d_knn[:, k - 1]
    chosen = outlier_rows(knn, share)
    outliers = train[sample[chosen]]
    synthetic, holdout = enc.encode("synthetic"), enc.encode("holdout")
    nearer, d_syn, d_hold = _nearer_share(outliers, synthetic, holdout)
    score = share_part(nearer.interval[0], nearer.expected)

    baseline, baseline_share = None, None
    if len(holdout) >= 2:
        halves = rng.permutation(len(holdout))
        first, second = np.sort(halves[: len(holdout) // 2]), np.sort(halves[len(holdout) // 2 :])
        baseline_share, _, _ = _nearer_share(outliers, holdout[first], holdout[second])
        baseline = share_part(baseline_share.interval[0], baseline_share.expected)
    ci = None
    if config.n_bootstrap:
        n = max(1, int(round(nearer.effective_rows)))
        draws = rng.binomial(n, nearer.share, config.n_bootstrap) / n
        ci = percentile_ci(share_part(wilson(draws * n, np.full(config.n_bootstrap, float(n)))[0], nearer.expected))

    quantiles = [0.1, 0.25, 0.5]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d_hold > 0, d_syn / d_hold, np.where(d_syn > 0, np.inf, 1.0))
    details = {
        "rows": {
            "training": len(train),
            "training_sample": len(sample),
            "outliers": len(chosen),
            "synthetic_total": len(synthetic),
            "holdout_total": len(holdout),
        },
        "outlier_share": share,
        "k": k,
        "knn_distance": {
            "outliers_from": rounded(float(knn[chosen].min()), 6),
            "median_training_row": rounded(float(np.median(knn)), 6),
        },
        "nearer_share": rounded(nearer.share),
        "holdout_nearer_share": None if baseline_share is None else rounded(baseline_share.share),
        "synthetic": _share_details(nearer),
        "baseline": None if baseline_share is None else _share_details(baseline_share),
        "exact_matches": {"synthetic": int((d_syn == 0).sum()), "holdout": int((d_hold == 0).sum())},
        "distance_quantiles": {
            "synthetic": rounded(np.quantile(d_syn, quantiles), 4),
            "holdout": rounded(np.quantile(d_hold, quantiles), 4),
            "quantiles": quantiles,
        },
        "median_distance_ratio": rounded(float(np.median(ratio)), 4),
    }
    if len(chosen) < MIN_OUTLIERS:
        details["note"] = f"only {len(chosen)} outliers (a quarter of the {len(sample)} training rows)"
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

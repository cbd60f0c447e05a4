"""``outlier_privacy``: do synthetic rows come closer to the real outliers than fresh real rows do?

The people in low-density regions (rare combinations, extreme values) are the easiest to
re-identify, and the health use case treats a real outlier reproduced in the synthetic data as a
leak. In the distance space of :mod:`sdq.metrics.privacy.distance`:

1. **outliers**: among (a seeded sample of up to ``privacy_rows``) training rows, the ``share``
   (1%) with the largest distance to their ``k``-th nearest other training row (k = 5; found
   exactly, among all training rows); at least 25 rows, and at most a quarter of the sample;
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
from sdq.metrics.privacy.distance import CloserShare, check_distances, closer_share, encoder, search, vectors
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Shares

__all__ = ["outlier_privacy", "outlier_rows", "outlier_count", "MIN_OUTLIERS"]

#: Fewest outliers scored (where the training sample has four times as many rows).
MIN_OUTLIERS = 25
#: Fewest training rows: the outliers are at most a quarter of them, so at least five are scored.
MIN_TRAINING_ROWS = 20
#: Most rows per side counted at an outlier's nearest distance (ties).
K_TIES = 50
#: Above this many training rows, outliers are found in two steps (see :func:`outlier_rows`).
PREFILTER = 50_000


def outlier_count(n: int, share: float) -> int:
    """How many of ``n`` sampled training rows are outliers: the ``share``, at least
    :data:`MIN_OUTLIERS` and at most a quarter of the rows.

    Examples
    --------
    >>> outlier_count(10_000, 0.01), outlier_count(1_000, 0.01), outlier_count(40, 0.01)
    (100, 25, 10)
    """
    return int(min(n // 4, max(MIN_OUTLIERS, np.ceil(share * n))))


def outlier_rows(
    train: np.ndarray, sample: np.ndarray, k: int, count: int, rng: np.random.Generator, prefilter: int = PREFILTER
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` rows of ``sample`` (sorted positions in ``train``) farthest from their ``k``-th
    nearest other training row (ties by position), and those distances, exactly.

    With more than ``prefilter`` training rows the search is done in two steps that give the same
    rows: the ``k``-th nearest row within a fifth of the training rows is at least as far as the
    ``k``-th nearest of all (an upper bound), so only the rows whose bound reaches the outliers'
    distance are searched among all training rows (the most isolated by their bound first,
    doubling until the bound of the rest falls below the ``count``-th exact distance).
    """
    n = len(sample)
    if len(train) <= prefilter:
        d, _ = search(train, train[sample], k=k, exclude=sample)
        exact = d[:, k - 1]
        top = np.argsort(-exact, kind="stable")[:count]
        return sample[np.sort(top)], exact[np.sort(top)]
    subset = subsample_rows(len(train), len(train) // 5, rng)
    at = np.searchsorted(subset, sample).clip(0, len(subset) - 1)
    own = np.where(subset[at] == sample, at, -1)  # a sampled row's own position in the subset
    bound = search(train[subset], train[sample], k=k, exclude=own)[0][:, k - 1]
    by_bound = np.argsort(-bound, kind="stable")
    exact = np.full(n, -np.inf)
    done = 0
    size = min(n, 4 * count)
    while True:
        rows = by_bound[done:size]
        exact[rows] = search(train, train[sample[rows]], k=k, exclude=sample[rows])[0][:, k - 1]
        done = size
        threshold = np.sort(exact[by_bound[:done]])[::-1][count - 1]
        if done == n or bound[by_bound[done]] < threshold:
            break
        size = min(n, 2 * size)
    top = np.sort(np.argsort(-exact, kind="stable")[:count])
    return sample[top], exact[top]


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
    train = vectors(prepared, "real")
    k = int(min(k, len(train) - 1))
    sample = subsample_rows(len(train), config.privacy_rows, rng)
    chosen, knn = outlier_rows(train, sample, k, outlier_count(len(sample), share), rng)
    outliers = train[chosen]
    synthetic, holdout = vectors(prepared, "synthetic"), vectors(prepared, "holdout")
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
        "knn_distance_of_outliers": {"min": rounded(float(knn.min()), 6), "max": rounded(float(knn.max()), 6)},
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

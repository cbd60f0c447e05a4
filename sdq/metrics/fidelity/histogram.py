"""``histogram_similarity``: does each column's marginal distribution overlap the real one?

Per column, the histogram intersection on the shared real-fitted bins (missing values, values
outside the real range and unseen categories each have their own bin)::

    similarity = sum over bins of min(p_real, p_synthetic) = 1 - total variation distance

1.0: identical marginals on those bins. 0.0: no bin shared at all. For a categorical column this
equals SDMetrics' TVComplement except that missing values count (TVComplement drops them).
Metric = mean over columns (taken in the order of the columns' names, so that it does not depend
on the order of the given columns, to the last bit). Interval: multinomial bootstrap of both
histograms; each column's ``se`` is the standard deviation of its bootstrap replicates. Where the
synthetic data is larger than the holdout, the score is that of a subsample of the holdout's size
(:meth:`~sdq.prepare.Prepared.at_baseline_size`) and ``score_full_size`` that of every row.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import intersection, rounded, shifted_ci
from sdq.prepare import Prepared
from sdq.shapes import Distributions

__all__ = ["histogram_similarity", "intersection", "expected_intersection"]


def expected_intersection(p: np.ndarray, n1: int, n2: int) -> float:
    """What two independent samples of sizes n1 and n2 of the distribution ``p`` are expected to
    score (normal approximation of the expected L1 distance between two multinomial samples)."""
    return float(max(0.0, 1.0 - 0.5 * np.sum(np.sqrt(2 / np.pi * p * (1 - p) * (1 / n1 + 1 / n2)))))


@metric(
    "histogram_similarity",
    "fidelity",
    shape=Distributions(),
    chunked=True,
    summary="Each column's distribution (histogram on bins fitted to the real data) overlaps the real one.",
    one="every column's histogram matches the real one exactly",
    zero="no column shares any bin with the real data",
)
def histogram_similarity(prepared: Prepared) -> Outcome:
    columns = prepared.binned_columns()
    if not columns:
        raise Skip("no column can be binned (every column is an id, text or excluded)")
    rng = prepared.rng("histogram_similarity")
    n_boot = prepared.config.n_bootstrap
    real, syn, base = prepared.real, prepared.synthetic, prepared.baseline
    full = prepared.synthetic_full
    per_column, scores, baselines, scores_full = [], [], [], []
    boot = np.zeros(n_boot)
    # columns in the canonical order (sums over columns do not depend on the given order); details
    # are put back in the given order below
    for spec in columns:
        k = prepared.binnings[spec.name].n_codes
        p = real.counts(spec.name, k) / real.n_rows
        q = syn.counts(spec.name, k) / syn.n_rows
        score = float(intersection(p, q))
        entry = {
            "column": spec.label,
            "kind": spec.kind,
            "score": rounded(score),
            "labels": list(prepared.binnings[spec.name].labels),
            "real": rounded(p),
            "synthetic": rounded(q),
            "expected": rounded(expected_intersection(p, real.n_rows, syn.n_rows)),
        }
        if base is not None:
            h = base.counts(spec.name, k) / base.n_rows
            entry["holdout"] = rounded(h)
            entry["baseline"] = rounded(float(intersection(p, h)))
            baselines.append(float(intersection(p, h)))
        if full is not None:
            scores_full.append(float(intersection(p, full.counts(spec.name, k) / full.n_rows)))
        if n_boot:
            pb = rng.multinomial(real.n_rows, p, size=n_boot) / real.n_rows
            qb = rng.multinomial(syn.n_rows, q, size=n_boot) / syn.n_rows
            replicates = intersection(pb, qb)
            boot += replicates
            entry["se"] = rounded(float(np.std(replicates, ddof=1)) if n_boot > 1 else None)
        scores.append(score)
        per_column.append(entry)
    per_column = prepared.given_order(per_column, label=lambda entry: entry["column"])
    rows = {"real": real.n_rows, "synthetic": syn.n_rows}
    if base is not None:
        rows["holdout"] = base.n_rows
    extra = {}
    if full is not None:
        rows["synthetic_full"] = full.n_rows
        extra["score_full_size"] = float(np.mean(scores_full))
    return Outcome(
        score=float(np.mean(scores)),
        baseline=float(np.mean(baselines)) if base is not None else None,
        ci=shifted_ci(float(np.mean(scores)), boot / len(columns), 1.0) if n_boot else None,
        details={"columns": per_column, "rows": rows, "n_bootstrap": n_boot, **extra},
    )

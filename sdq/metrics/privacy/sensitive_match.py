"""``sensitive_match``: does the synthetic data reproduce records from a sensitive data set?

An optional extra input (``sensitive=`` / ``--sensitive PATH``): records the generator must never
produce, e.g. a list of protected people from another source, with the real data's columns.
A synthetic row *matches* if it equals a sensitive record exactly (as in ``exact_match``) or lies
nearer to one than ``tau``: the 1st percentile of the positive distances from holdout rows to
their closest training row (without a holdout: from training rows to their closest other
training row), in the distance space of :mod:`sdq.metrics.privacy.distance`.

    score = 1 - share of synthetic rows that match

1.0: no synthetic row is (nearly) a sensitive record. 0.0: every one is. Baseline: the same share
for holdout rows (fresh real rows that happen to resemble sensitive records). Skipped when no
sensitive data set is given. Without columns to measure distances on (only ids, text, constants)
only exact matches count; with a single training row and no holdout, only distance 0 counts as
near. Matched rows are listed only with ``show_records``.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.distance import encoder, search, threshold
from sdq.metrics.privacy.matching import MAX_RECORDS, matches
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Shares

__all__ = ["sensitive_match"]

QUANTILE = 0.01


@metric(
    "sensitive_match",
    "privacy",
    shape=Shares(synthetic="matched_share", holdout="holdout_matched_share", what="rows matching a sensitive record"),
    group="privacy-distances",
    needs=("sensitive",),
    summary="No synthetic row is, or nearly is, a record of the given sensitive data set.",
    one="no synthetic row matches a sensitive record",
    zero="every synthetic row matches a sensitive record",
)
def sensitive_match(prepared: Prepared) -> Outcome:
    config = prepared.config
    rng = prepared.rng("sensitive_match")
    enc = encoder(prepared)
    sensitive = enc.encode("sensitive")
    n_train = prepared.frames["real"].n_rows
    if enc.width == 0:
        tau, source = None, "no columns to measure distances on: exact matches only"
    elif "holdout" in prepared.frames:
        hold_rows = subsample_rows(prepared.frames["holdout"].n_rows, config.privacy_rows, rng)
        d_ref, _ = search(enc.encode("real"), enc.encode("holdout", hold_rows), k=1)
        tau = threshold(d_ref[:, 0], QUANTILE)
        source = "1st percentile of positive distances from holdout rows to their closest training row"
    elif n_train < 2:
        tau, source = 0.0, "a single training row and no holdout: no distances to set a threshold by (distance 0 only)"
    else:
        train_rows = subsample_rows(n_train, config.privacy_rows, rng)
        train = enc.encode("real")
        source = "1st percentile of positive distances from training rows to their closest other training row"
        # the sample's own rows are in the reference: take the second neighbour instead
        d_ref, _ = search(train, train[train_rows], k=2)
        tau = threshold(d_ref[:, 1], QUANTILE)

    def matched(name: str) -> tuple[np.ndarray, np.ndarray, int]:
        n = prepared.frames[name].n_rows
        rows = subsample_rows(n, config.privacy_rows, rng)
        exact, _ = matches(prepared, name, reference="sensitive")
        if tau is None:
            return exact[rows], rows, int(exact.sum())
        d, _ = search(sensitive, enc.encode(name, rows), k=1)
        near = d[:, 0] <= tau
        return exact[rows] | near, rows, int(exact.sum())

    hit_s, rows_s, exact_s = matched("synthetic")
    share = float(hit_s.mean())
    details = {
        "threshold": rounded(tau, 6) if tau is not None else None,
        "threshold_source": source,
        "rows": {"synthetic": len(rows_s), "sensitive": len(sensitive)},
        "exact_matches": exact_s,
        "matched_share": rounded(share),
    }
    baseline = None
    if "holdout" in prepared.frames:
        hit_h, _, exact_h = matched("holdout")
        baseline = 1.0 - float(hit_h.mean())
        details.update(holdout_matched_share=rounded(float(hit_h.mean())), holdout_exact_matches=exact_h)
    ci = None
    if config.n_bootstrap:
        ci = percentile_ci(1.0 - rng.binomial(len(hit_s), share, config.n_bootstrap) / len(hit_s))
    if prepared.show_records and hit_s.any():
        frame = prepared.frames["synthetic"].frame.iloc[rows_s[hit_s][:MAX_RECORDS]]
        details["records"] = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return Outcome(score=1.0 - share, baseline=baseline, ci=ci, details=details)

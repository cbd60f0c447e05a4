"""``exact_match``: are training rows copied into the synthetic data as they are?

Rows are compared on every column that takes part except ID columns (a generator that draws new
IDs but copies everything else is still copying; the overlap of ID values is reported on its own)
and the entity column. When nothing else is left (a table of ids only, such as one column of
unique names), the rows are compared on those columns: a copied name is then a copied row.
Text columns are always compared (a copied free-text answer is a copied row).

Values are compared after the schema's normalisation, missing equals missing:

* numeric columns at float32 precision (about 7 significant digits), the precision a float32
  round trip of float64 data keeps: each row is hashed over its values cast to float32 (a float32
  copy of a value casts to the same float32 exactly, which rounding to decimal digits does not
  guarantee), and every candidate match is confirmed value by value with a relative tolerance of
  ``RTOL`` = 1e-6. So float32 copies of float64 data are copies, while values a relative 1e-3
  apart are not;
* datetime and boolean columns to 12 significant digits (float32 would merge times minutes
  apart);
* other columns as their canonical strings.

Each row is hashed (vectorised, 64-bit, over the columns in the order of their names); candidate
matches are confirmed value by value.

    share_synthetic = synthetic rows equal to some training row / synthetic rows
    share_holdout   = holdout rows equal to some training row / holdout rows
                      (the natural duplicate rate: high in coarse data, where real people share
                      every attribute)
    score = 1 - max(0, share_synthetic - share_holdout) / (1 - share_holdout)

1.0: no more copies than fresh real data has. 0.0: every synthetic row is a copy (beyond the
natural rate). Without a holdout the natural rate is taken as 0, and the result says so.
Baseline: the holdout itself, 1.0 by construction. Interval: binomial bootstrap of both shares.
Details hold counts and shares only; matched rows are added only with ``show_records``.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.matching import (
    MAX_RECORDS,
    RTOL,
    as_float32,
    compared_columns,
    duplicated_share,
    id_overlap,
    matches,
    round_significant,
    row_hashes,
)
from sdq.prepare import Prepared
from sdq.shapes import Shares

__all__ = ["exact_match", "row_hashes", "round_significant", "as_float32", "RTOL"]


@metric(
    "exact_match",
    "privacy",
    shape=Shares(synthetic="copied_share", holdout="holdout_share", what="rows equal to a training row"),
    summary="No training row is copied into the synthetic data as it is (beyond the natural duplicate rate of fresh real data).",
    one="no more copies of training rows than fresh real data has",
    zero="every synthetic row is a copy of a training row",
)
def exact_match(prepared: Prepared) -> Outcome:
    columns = compared_columns(prepared)
    if not columns:
        raise Skip("no columns to compare (all are excluded)")
    rng = prepared.rng("exact_match")
    copied, where = matches(prepared, "synthetic")
    share_s = float(copied.mean())
    n_s = len(copied)
    details = {
        "columns": [prepared.schema[c].label for c in columns],
        "synthetic_rows": n_s,
        "copied_rows": int(copied.sum()),
        "copied_share": rounded(share_s),
        "distinct_training_rows_copied": int(len(np.unique(where[copied]))),
        "synthetic_duplicate_share": rounded(duplicated_share(prepared, "synthetic")),
        "training_duplicate_share": rounded(duplicated_share(prepared, "real")),
        "numeric_precision": f"float32 (confirmed within a relative {RTOL:g})",
    }
    if all(prepared.schema[c].kind == "id" or prepared.schema[c].role == "entity" for c in columns):
        details["compared_on_ids"] = True
    message = None
    share_h, n_h = 0.0, 0
    if "holdout" in prepared.frames:
        in_train, _ = matches(prepared, "holdout")
        share_h, n_h = float(in_train.mean()), len(in_train)
        details.update(holdout_rows=n_h, holdout_in_training=int(in_train.sum()), holdout_share=rounded(share_h))
        if share_h >= 1.0:
            raise Skip("every holdout row equals a training row: the data are too coarse for copies to mean anything")
    else:
        message = "no holdout: the natural duplicate rate is unknown, so every copy counts against the score"
    ids = [s for s in prepared.schema.columns if s.kind == "id" and s.role != "excluded"]
    if details.get("compared_on_ids"):
        message = "; ".join(m for m in (message, "only id columns to compare: rows are compared on them") if m)
    if ids:
        details["id_overlap"] = {label: rounded(share) for label, share in id_overlap(prepared).items()}

    def score_of(s: np.ndarray, h: np.ndarray) -> np.ndarray:
        return 1.0 - np.clip(s - h, 0.0, None) / (1.0 - h)

    score = float(score_of(np.array(share_s), np.array(share_h)))
    ci = None
    if prepared.config.n_bootstrap:
        boot_s = rng.binomial(n_s, share_s, prepared.config.n_bootstrap) / n_s
        boot_h = rng.binomial(n_h, share_h, prepared.config.n_bootstrap) / n_h if n_h else np.zeros_like(boot_s)
        ci = percentile_ci(score_of(boot_s, np.minimum(boot_h, 1 - 1e-12)))
    if prepared.show_records and copied.any():
        frames = {name: f.frame for name, f in prepared.frames.items()}
        rows = np.flatnonzero(copied)[:MAX_RECORDS]
        details["records"] = (
            frames["synthetic"]
            .iloc[rows]
            .astype(object)
            .where(frames["synthetic"].iloc[rows].notna(), None)
            .to_dict(orient="records")
        )
    return Outcome(
        score=score, baseline=1.0 if "holdout" in prepared.frames else None, ci=ci, details=details, message=message
    )

"""``exact_match``: are training rows copied into the synthetic data as they are?

Rows are compared on every column that takes part except ID columns (a generator that draws new
IDs but copies everything else is still copying; the overlap of ID values is reported on its own),
after the schema's normalisation: numbers rounded to 12 significant digits, missing equals
missing. Each row is hashed (vectorised, 64-bit); candidate matches are confirmed value by value.

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
import pandas as pd

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.prepare import Prepared

__all__ = ["exact_match", "row_hashes", "round_significant"]

SIGNIFICANT = 12
MAX_RECORDS = 20


def round_significant(x: np.ndarray, digits: int = SIGNIFICANT) -> np.ndarray:
    """Floats rounded to ``digits`` significant digits (NaN and 0 unchanged)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.where(np.isfinite(x) & (x != 0), np.floor(np.log10(np.abs(x))), 0)
        scale = 10.0 ** (digits - 1 - exponent)
        rounded_x = np.round(x * scale) / scale
    ok = np.isfinite(x) & (x != 0) & np.isfinite(scale) & np.isfinite(rounded_x) & (scale > 0)
    return np.where(ok, rounded_x, x)


def compared_columns(prepared: Prepared) -> list:
    return [s.name for s in prepared.schema.columns if s.role != "excluded" and s.kind != "id"
            and s.role not in ("entity",)]


def _canonical(frame: pd.DataFrame, columns: list) -> pd.DataFrame:
    out = {}
    for c in columns:
        col = frame[c]
        out[c] = round_significant(col.to_numpy(dtype=float)) if col.dtype.kind == "f" else col.to_numpy(dtype=object)
    return pd.DataFrame(out)


def row_hashes(frame: pd.DataFrame, columns: list) -> np.ndarray:
    """One uint64 per row over ``columns`` (missing values hash alike)."""
    return pd.util.hash_pandas_object(_canonical(frame, columns), index=False).to_numpy()


def _confirm(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Row-wise equality of two aligned canonical frames (missing equals missing)."""
    equal = np.ones(len(a), dtype=bool)
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        both_missing = pd.isna(x) & pd.isna(y)
        with np.errstate(invalid="ignore"):
            equal &= both_missing | (x == y)
    return equal


def matches(prepared: Prepared, query: str, reference: str = "real") -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``query``: whether it equals a ``reference`` row, and that row's position (-1)."""
    frames = {name: f.frame for name, f in prepared.frames.items()}
    columns = compared_columns(prepared)
    h_ref, h_q = row_hashes(frames[reference], columns), row_hashes(frames[query], columns)
    first = pd.Series(np.arange(len(h_ref))).groupby(h_ref, sort=False).first()
    position = first.reindex(h_q).to_numpy()
    candidate = ~np.isnan(position)
    where = np.full(len(h_q), -1, dtype=np.int64)
    where[candidate] = position[candidate].astype(np.int64)
    if candidate.any():
        q_rows, r_rows = np.flatnonzero(candidate), where[candidate]
        ok = _confirm(_canonical(frames[query].iloc[q_rows], columns).reset_index(drop=True),
                      _canonical(frames[reference].iloc[r_rows], columns).reset_index(drop=True))
        where[q_rows[~ok]] = -1
    return where >= 0, where


@metric(
    "exact_match", "privacy",
    summary="No training row is copied into the synthetic data as it is (beyond the natural duplicate rate of fresh real data).",
    one="no more copies of training rows than fresh real data has",
    zero="every synthetic row is a copy of a training row",
)
def exact_match(prepared: Prepared) -> Outcome:
    columns = compared_columns(prepared)
    if not columns:
        raise Skip("no columns to compare (all are IDs or excluded)")
    rng = prepared.rng("exact_match")
    frames = {name: f.frame for name, f in prepared.frames.items()}
    copied, where = matches(prepared, "synthetic")
    share_s = float(copied.mean())
    n_s = len(copied)
    details = {
        "columns": [prepared.schema[c].label for c in columns],
        "synthetic_rows": n_s, "copied_rows": int(copied.sum()), "copied_share": rounded(share_s),
        "distinct_training_rows_copied": int(len(np.unique(where[copied]))),
        "synthetic_duplicate_share": rounded(float(pd.Series(row_hashes(frames["synthetic"], columns)).duplicated().mean())),
        "training_duplicate_share": rounded(float(pd.Series(row_hashes(frames["real"], columns)).duplicated().mean())),
    }
    message = None
    share_h, n_h = 0.0, 0
    if "holdout" in frames:
        in_train, _ = matches(prepared, "holdout")
        share_h, n_h = float(in_train.mean()), len(in_train)
        details.update(holdout_rows=n_h, holdout_in_training=int(in_train.sum()), holdout_share=rounded(share_h))
        if share_h >= 1.0:
            raise Skip("every holdout row equals a training row: the data are too coarse for copies to mean anything")
    else:
        message = "no holdout: the natural duplicate rate is unknown, so every copy counts against the score"
    ids = [s for s in prepared.schema.columns if s.kind == "id" and s.role != "excluded"]
    if ids:
        details["id_overlap"] = {
            s.label: rounded(float(frames["synthetic"][s.name].isin(set(frames["real"][s.name].dropna())).mean()))
            for s in ids}

    def score_of(s: np.ndarray, h: np.ndarray) -> np.ndarray:
        return 1.0 - np.clip(s - h, 0.0, None) / (1.0 - h)

    score = float(score_of(np.array(share_s), np.array(share_h)))
    ci = None
    if prepared.config.n_bootstrap:
        boot_s = rng.binomial(n_s, share_s, prepared.config.n_bootstrap) / n_s
        boot_h = rng.binomial(n_h, share_h, prepared.config.n_bootstrap) / n_h if n_h else np.zeros_like(boot_s)
        ci = percentile_ci(score_of(boot_s, np.minimum(boot_h, 1 - 1e-12)))
    if prepared.show_records and copied.any():
        rows = np.flatnonzero(copied)[:MAX_RECORDS]
        details["records"] = frames["synthetic"].iloc[rows].astype(object).where(
            frames["synthetic"].iloc[rows].notna(), None).to_dict(orient="records")
    return Outcome(score=score, baseline=1.0 if "holdout" in frames else None, ci=ci, details=details,
                   message=message)

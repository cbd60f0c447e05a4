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
import pandas as pd

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.prepare import Prepared
from sdq.shapes import Shares

__all__ = ["exact_match", "row_hashes", "round_significant", "as_float32", "RTOL"]

SIGNIFICANT = 12
#: Relative tolerance of numeric values that hash alike (float32 precision is about 6e-8).
RTOL = 1e-6
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


def as_float32(x: np.ndarray) -> np.ndarray:
    """Floats at float32 precision, held as float64 (values beyond float32's range become
    infinite; they still hash alike only with values of the same sign and are told apart when
    confirmed)."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=float).astype(np.float32).astype(np.float64)


def compared_columns(prepared: Prepared) -> list:
    """The columns rows are compared on, in the order of their names: every column that takes part
    but the ids and the entity column, or, if nothing else is left, all of them."""
    taking_part = sorted((s for s in prepared.schema.columns if s.role != "excluded"), key=lambda s: s.label)
    columns = [s.name for s in taking_part if s.kind != "id" and s.role != "entity"]
    return columns or [s.name for s in taking_part]


def _kinds(frame: pd.DataFrame, columns: list, kinds: dict | None) -> dict:
    return {c: (kinds or {}).get(c, "numeric" if frame[c].dtype.kind == "f" else "categorical") for c in columns}


def _canonical(frame: pd.DataFrame, columns: list, kinds: dict | None = None) -> pd.DataFrame:
    out = {}
    for c, kind in _kinds(frame, columns, kinds).items():
        col = frame[c]
        if col.dtype.kind != "f":
            out[c] = col.to_numpy(dtype=object)
        elif kind == "numeric":
            out[c] = as_float32(col.to_numpy(dtype=float))
        else:
            out[c] = round_significant(col.to_numpy(dtype=float))
    return pd.DataFrame(out)


def row_hashes(frame: pd.DataFrame, columns: list, kinds: dict | None = None) -> np.ndarray:
    """One uint64 per row over ``columns`` (missing values hash alike). ``kinds`` maps columns to
    their kinds; float columns not in it count as numeric (hashed at float32 precision)."""
    return pd.util.hash_pandas_object(_canonical(frame, columns, kinds), index=False).to_numpy()


def _confirm(a: pd.DataFrame, b: pd.DataFrame, kinds: dict | None = None) -> np.ndarray:
    """Row-wise equality of two aligned frames (missing equals missing): numeric values within a
    relative ``RTOL`` of each other (and alike at float32 precision), others equal once
    canonical."""
    columns = list(a.columns)
    kinds = _kinds(a, columns, kinds)
    ca, cb = _canonical(a, columns, kinds), _canonical(b, columns, kinds)
    equal = np.ones(len(a), dtype=bool)
    for c in columns:
        x, y = ca[c].to_numpy(), cb[c].to_numpy()
        both_missing = pd.isna(x) & pd.isna(y)
        with np.errstate(invalid="ignore"):
            same = x == y
            if kinds[c] == "numeric" and a[c].dtype.kind == "f":
                u, v = a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float)
                same = same & (np.abs(u - v) <= RTOL * np.maximum(np.abs(u), np.abs(v)))
        equal &= both_missing | same
    return equal


def _duplicated_share(frame: pd.DataFrame, columns: list, kinds: dict) -> float:
    return float(pd.Series(row_hashes(frame, columns, kinds)).duplicated().mean())


def matches(prepared: Prepared, query: str, reference: str = "real") -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``query``: whether it equals a ``reference`` row, and that row's position (-1)."""
    frames = {name: f.frame for name, f in prepared.frames.items()}
    columns = compared_columns(prepared)
    kinds = {c: prepared.schema[c].kind for c in columns}
    h_ref, h_q = row_hashes(frames[reference], columns, kinds), row_hashes(frames[query], columns, kinds)
    first = pd.Series(np.arange(len(h_ref))).groupby(h_ref, sort=False).first()
    position = first.reindex(h_q).to_numpy()
    candidate = ~np.isnan(position)
    where = np.full(len(h_q), -1, dtype=np.int64)
    where[candidate] = position[candidate].astype(np.int64)
    if candidate.any():
        q_rows, r_rows = np.flatnonzero(candidate), where[candidate]
        ok = _confirm(
            frames[query][columns].iloc[q_rows].reset_index(drop=True),
            frames[reference][columns].iloc[r_rows].reset_index(drop=True),
            kinds,
        )
        where[q_rows[~ok]] = -1
    return where >= 0, where


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
    kinds = {c: prepared.schema[c].kind for c in columns}
    rng = prepared.rng("exact_match")
    frames = {name: f.frame for name, f in prepared.frames.items()}
    copied, where = matches(prepared, "synthetic")
    share_s = float(copied.mean())
    n_s = len(copied)
    details = {
        "columns": [prepared.schema[c].label for c in columns],
        "synthetic_rows": n_s,
        "copied_rows": int(copied.sum()),
        "copied_share": rounded(share_s),
        "distinct_training_rows_copied": int(len(np.unique(where[copied]))),
        "synthetic_duplicate_share": rounded(_duplicated_share(frames["synthetic"], columns, kinds)),
        "training_duplicate_share": rounded(_duplicated_share(frames["real"], columns, kinds)),
        "numeric_precision": f"float32 (confirmed within a relative {RTOL:g})",
    }
    if all(prepared.schema[c].kind == "id" or prepared.schema[c].role == "entity" for c in columns):
        details["compared_on_ids"] = True
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
    if details.get("compared_on_ids"):
        message = "; ".join(m for m in (message, "only id columns to compare: rows are compared on them") if m)
    if ids:
        details["id_overlap"] = {
            s.label: rounded(float(frames["synthetic"][s.name].isin(set(frames["real"][s.name].dropna())).mean()))
            for s in ids
        }

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
        details["records"] = (
            frames["synthetic"]
            .iloc[rows]
            .astype(object)
            .where(frames["synthetic"].iloc[rows].notna(), None)
            .to_dict(orient="records")
        )
    return Outcome(score=score, baseline=1.0 if "holdout" in frames else None, ci=ci, details=details, message=message)

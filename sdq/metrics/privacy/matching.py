"""Row matching shared by the privacy metrics that look for copies (``exact_match``,
``sensitive_match``): which columns rows are compared on, row hashes, and candidate matches
confirmed value by value. How values are compared is described in
:mod:`sdq.metrics.privacy.exact_match`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdq.prepare import Prepared
from sdq.schema import ROLES

__all__ = [
    "compared_columns",
    "row_hashes",
    "matches",
    "duplicated_share",
    "id_overlap",
    "round_significant",
    "as_float32",
    "RTOL",
    "SIGNIFICANT",
    "MAX_RECORDS",
]

#: The roles of the columns that take part (every one but ``excluded``).
TAKING_PART = tuple(role for role in ROLES if role != "excluded")
#: Significant digits datetime and boolean values are compared to.
SIGNIFICANT = 12
#: Relative tolerance of numeric values that hash alike (float32 precision is about 6e-8).
RTOL = 1e-6
#: Matched rows listed in ``details`` (with ``show_records``).
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
    """The columns rows are compared on, in the canonical order: every column that takes part but
    the ids and the entity column, or, if nothing else is left, all of them."""
    taking_part = prepared.columns(roles=TAKING_PART)
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


def matches(prepared: Prepared, query: str, reference: str = "real") -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``query``: whether it equals a ``reference`` row, and that row's position (-1).
    Against the training rows, through the cache (an engine that holds the rows elsewhere puts its
    own answer there, see :mod:`sdq.engine.rows`)."""
    if reference != "real":
        return _matches(prepared, query, reference)
    return prepared.cached(("privacy.matches", query), lambda: _matches(prepared, query, reference))


def duplicated_share(prepared: Prepared, name: str) -> float:
    """The share of the rows of data set ``name`` equal to an earlier row (on the compared columns)."""

    def compute() -> float:
        columns = compared_columns(prepared)
        kinds = {c: prepared.schema[c].kind for c in columns}
        frame = prepared.frames[name].frame
        return float(pd.Series(row_hashes(frame, columns, kinds)).duplicated().mean())

    return prepared.cached(("privacy.duplicates", name), compute)


def id_overlap(prepared: Prepared) -> dict[str, float]:
    """Per id column, the share of synthetic rows whose id is a training row's id."""

    def compute() -> dict[str, float]:
        real, syn = prepared.frames["real"].frame, prepared.frames["synthetic"].frame
        ids = [s for s in prepared.schema.columns if s.kind == "id" and s.role != "excluded"]
        return {s.label: float(syn[s.name].isin(set(real[s.name].dropna())).mean()) for s in ids}

    return prepared.cached(("privacy.id_overlap",), compute)


def _matches(prepared: Prepared, query: str, reference: str) -> tuple[np.ndarray, np.ndarray]:
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

"""Sequences of a data set: rows grouped by entity and ordered by time, shared by the time-series
metrics (computed once per data set and cached).

* With a time column, rows are ordered by time within each entity; rows that share a timestamp
  are counted and ordered by their content (so the given row order never matters). Rows with a
  missing time go last.
* Without a time column but with an entity column, the given row order is the order.
* With neither, there are no sequences (the time-series metrics say ``skipped``).

The autocorrelation of every sequence is computed for all sequences at once: values are centred
by their sequence's mean, and for each lag one pass over the rows sums products of values lag rows
apart within the same sequence (a ``bincount`` by sequence). Missing values drop out of the sums
(the pairs where both are present count), as statsmodels' ``missing="conservative"`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdq.metrics import Skip
from sdq.prepare import Prepared

__all__ = ["Sequences", "sequences", "acf_per_sequence", "pacf_from_acf", "choose_lags"]


@dataclass
class Sequences:
    """Row order and sequence membership of one data set."""

    order: np.ndarray  # positions (in the prepared frame) of the rows, sequence by sequence, in time order
    seq: np.ndarray  # sequence id of each ordered row (0..n_sequences-1, contiguous blocks)
    lengths: np.ndarray  # rows per sequence
    duplicated_times: int  # rows whose timestamp repeats the previous row's in the same sequence
    missing_times: int

    @property
    def n_sequences(self) -> int:
        return len(self.lengths)

    def values(self, prepared: Prepared, name: str, column) -> np.ndarray:
        return prepared.frames[name].values[column][self.order]


def _build(prepared: Prepared, name: str) -> Sequences:
    schema = prepared.schema
    frame = prepared.frames[name]
    n = frame.n_rows
    given = frame.positions if frame.positions is not None else np.arange(n)
    if schema.time_column is not None:
        spec = schema[schema.time_column]
        if spec.kind not in ("numeric", "datetime", "boolean"):
            raise Skip(f"the time column {spec.label!r} is {spec.kind} ({spec.reason}); it must hold dates or numbers")
        t = frame.frame[schema.time_column].to_numpy(dtype=float)
        missing_times = int(np.isnan(t).sum())
        t = np.where(np.isnan(t), np.inf, t)
    else:
        t, missing_times = None, 0
    if schema.entity_column is not None:
        entity_codes, _ = pd.factorize(frame.frame[schema.entity_column].astype(object), use_na_sentinel=False)
    else:
        entity_codes = np.zeros(n, dtype=np.int64)
    # lexsort: last key is primary -> entity, then time; rows that share a timestamp keep the
    # prepared (content-based) order, so the result does not depend on how the caller ordered
    # them; without a time column the given order is the time
    keys = [np.arange(n), t, entity_codes] if t is not None else [given, entity_codes]
    order = np.lexsort(keys)
    ent = entity_codes[order]
    starts = np.flatnonzero(np.r_[True, ent[1:] != ent[:-1]])
    lengths = np.diff(np.r_[starts, n])
    seq = np.repeat(np.arange(len(lengths)), lengths)
    duplicated = 0
    if t is not None:
        ts = t[order]
        same = (seq[1:] == seq[:-1]) & (ts[1:] == ts[:-1]) & np.isfinite(ts[1:])
        duplicated = int(same.sum())
    return Sequences(order=order, seq=seq, lengths=lengths, duplicated_times=duplicated, missing_times=missing_times)


def sequences(prepared: Prepared, name: str) -> Sequences:
    """The sequences of data set ``name`` (cached); ``Skip`` without a time or entity column."""
    schema = prepared.schema
    if schema.time_column is None and schema.entity_column is None:
        raise Skip("no time column and no entity column were given: the rows form no sequence")
    return prepared.cached(("fidelity.sequences", name), lambda: _build(prepared, name))


def choose_lags(lengths: np.ndarray, max_lag: int) -> int:
    """Lags to compare: ``10 log10(n)`` for the median sequence length n (statsmodels' default),
    below n / 2 (so the partial autocorrelation is well defined), at most ``max_lag``, at least 1."""
    median = float(np.median(lengths)) if len(lengths) else 0.0
    if median < 4:
        return 0
    return int(max(1, min(max_lag, np.floor(10 * np.log10(median)), np.ceil(median / 2) - 1)))


def acf_per_sequence(x: np.ndarray, seq: np.ndarray, n_seq: int, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelation at lags 1..L of every sequence (rows grouped in contiguous blocks ``seq``).

    Returns ``acf`` (n_seq, L) and ``valid`` (n_seq,): a sequence is valid if it has a non-zero
    variance. Definition as statsmodels' ``acf`` (``adjusted=False``): sum over t of
    d_t d_{t+k} / sum d_t^2 with d the deviations from the sequence's mean, over present values.
    """
    present = ~np.isnan(x)
    counts = np.bincount(seq, weights=present.astype(float), minlength=n_seq)
    sums = np.bincount(seq, weights=np.where(present, x, 0.0), minlength=n_seq)
    mean = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    d = np.where(present, x - mean[seq], 0.0)
    denom = np.bincount(seq, weights=d * d, minlength=n_seq)
    valid = (
        denom
        > 1e-12 * np.maximum(np.bincount(seq, weights=np.abs(np.where(present, x, 0.0)), minlength=n_seq), 1.0) ** 2
    )
    acf = np.zeros((n_seq, lags))
    for k in range(1, lags + 1):
        same = seq[k:] == seq[:-k]
        prod = np.where(same, d[k:] * d[:-k], 0.0)
        acf[:, k - 1] = np.bincount(seq[k:], weights=prod, minlength=n_seq)
    with np.errstate(divide="ignore", invalid="ignore"):
        acf = np.where(valid[:, None], acf / np.where(valid, denom, 1.0)[:, None], 0.0)
    return np.clip(acf, -1.0, 1.0), valid


def pacf_from_acf(acf: np.ndarray) -> np.ndarray:
    """Partial autocorrelation at lags 1..L from autocorrelations (..., L) by the Durbin-Levinson
    recursion: the Yule-Walker estimate statsmodels' ``pacf(method="ywm")`` gives, for many
    sequences at once. Values stay in [-1, 1] because the biased autocorrelations are used."""
    acf = np.asarray(acf, dtype=float)
    lags = acf.shape[-1]
    out = np.zeros_like(acf)
    phi = np.zeros(acf.shape[:-1] + (lags + 1,))
    variance = np.ones(acf.shape[:-1])
    for k in range(1, lags + 1):
        if k == 1:
            a = acf[..., 0]
        else:
            a = (
                acf[..., k - 1] - np.einsum("...j,...j->...", phi[..., 1:k], acf[..., k - 2 :: -1][..., : k - 1])
            ) / np.where(variance > 1e-12, variance, 1.0)
        a = np.where(variance > 1e-12, np.clip(a, -1.0, 1.0), 0.0)
        new = phi.copy()
        new[..., k] = a
        new[..., 1:k] = phi[..., 1:k] - a[..., None] * phi[..., k - 1 : 0 : -1]
        phi = new
        variance = variance * (1 - a * a)
        out[..., k - 1] = a
    return out

"""The distance space of the privacy metrics: one encoding of mixed rows, fitted on the real
training rows, and exact nearest-neighbour search with faiss.

Every row becomes a float32 vector whose Euclidean distance reads like a count of differing
columns:

* numeric and datetime columns: the real training data's empirical distribution function, made
  continuous: each distinct real value maps to its mid-rank share among the real values, and
  values in between are interpolated linearly (values beyond the real range map to the end
  points). Robust to outliers and to units (a step of 0.1 means "a tenth of the real rows lie
  between"), and continuous, so a tiny change of a value is a tiny distance even where many real
  rows share one value (a plain rank transform would turn 0 + 1e-9 into a jump across the whole
  block of zeros).
* ordinal, categorical and boolean columns: one-hot over the ``privacy_categories`` most
  frequent real levels (an ordinal column's codes, see :mod:`sdq.prepare`) plus one "other"
  coordinate, each scaled by 1/sqrt(2), so two different levels are at distance exactly 1 and
  equal levels at 0. (An ordinal column's levels are not put on a line: two ratings one step
  apart differ as much as two categories do, as for a few-valued column read as categories.)
* missing values: an indicator coordinate (weight 1) for every column that has missing values in
  any data set, and the value coordinates of a missing cell set to the column's "neutral" point
  (0.5 for numbers, all zeros for categories). So missing vs missing is 0, missing vs present
  is at least 1.
* ID, text, constant and empty columns are left out. Without any other column there is no
  distance to measure (``Encoder.width`` is 0), and the distance metrics say ``skipped``.
* Columns are laid out in the canonical order of :meth:`~sdq.prepare.Prepared.columns`, so that a
  distance (a float sum over the coordinates) does not depend, to the last bit, on the order of
  the given columns.

Search: ``faiss.IndexFlatL2`` (exact; it returns squared distances, converted here), queried in
chunks of 8,192 rows so memory stays O(rows x dimensions), with one OpenMP thread (parallelism
comes from the runner's jobs; the calling thread's setting is restored after). The reference side
is indexed whole.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from sdq.metrics import Skip
from sdq.prepare import Prepared
from sdq.schema import DEPENDENCE_KINDS

__all__ = ["Encoder", "encoder", "search", "CHUNK", "check_distances", "threshold"]

CHUNK = 8_192
_HALF = np.float32(1 / np.sqrt(2))


@dataclass
class Encoder:
    """The fitted encoding: which columns, how, and the resulting width."""

    columns: list
    grids: dict[Any, tuple[np.ndarray, np.ndarray]]
    levels: dict[Any, list]
    with_missing: list
    width: int
    prepared: Prepared

    def encode(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Vectors (float32, C order) of data set ``name`` (``real``, ``synthetic``, ``holdout``,
        ``sensitive``), optionally only some rows."""
        frame = self.prepared.frames[name]
        n = frame.n_rows if rows is None else len(rows)
        out = np.zeros((n, self.width), dtype=np.float32)
        col = 0
        for spec in self.columns:
            if spec.name in self.grids:
                x = frame.values[spec.name] if rows is None else frame.values[spec.name][rows]
                values, shares = self.grids[spec.name]
                missing = np.isnan(x)
                out[:, col] = np.where(missing, 0.5, np.interp(np.where(missing, 0.0, x), values, shares))
                col += 1
            else:
                codes = frame.codes[spec.name] if rows is None else frame.codes[spec.name][rows]
                levels = self.levels[spec.name]  # codes kept as their own coordinate
                lut = np.full(self.prepared.binnings[spec.name].n_codes, len(levels), dtype=np.int64)
                lut[levels] = np.arange(len(levels))
                position = lut[codes]
                missing = codes == 0
                block = np.zeros((n, len(levels) + 1), dtype=np.float32)
                block[np.arange(n), position] = _HALF
                block[missing] = 0.0
                out[:, col : col + len(levels) + 1] = block
                col += len(levels) + 1
            if spec.name in self.with_missing:
                out[:, col] = missing
                col += 1
        return out


def _fit(prepared: Prepared) -> Encoder:
    k = prepared.config.privacy_categories
    columns, grids, levels, with_missing = [], {}, {}, []
    width = 0
    names = [n for n in ("real", "synthetic", "holdout", "sensitive") if n in prepared.frames]
    for spec in prepared.columns(DEPENDENCE_KINDS, binned=True):
        columns.append(spec)
        if spec.kind in ("numeric", "datetime"):
            real = prepared.real.values[spec.name]
            values, counts = np.unique(real[~np.isnan(real)], return_counts=True)
            if len(values) == 0:
                values, counts = np.array([0.0]), np.array([1])
            cumulative = np.cumsum(counts)
            grids[spec.name] = (values, (cumulative - counts / 2.0) / cumulative[-1])
            width += 1
            any_missing = any(np.isnan(prepared.frames[n].values[spec.name]).any() for n in names)
        else:
            counts = np.bincount(prepared.real.codes[spec.name], minlength=prepared.binnings[spec.name].n_codes)
            counts[0] = 0  # missing has its own indicator
            order = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0][:k]
            levels[spec.name] = sorted(order)
            width += len(order) + 1
            any_missing = any((prepared.frames[n].codes[spec.name] == 0).any() for n in names)
        if any_missing:
            with_missing.append(spec.name)
            width += 1
    return Encoder(
        columns=columns, grids=grids, levels=levels, with_missing=with_missing, width=width, prepared=prepared
    )


def check_distances(enc: Encoder, min_training_rows: int = 1) -> None:
    """``Skip`` unless there are columns to measure distances on and at least
    ``min_training_rows`` real training rows to measure them to."""
    if enc.width == 0:
        raise Skip(
            "no columns to measure distances on: ids, text, constant and empty columns, the time "
            "and entity columns and excluded ones are left out of distances, and no other column "
            "is left (exact_match still compares the rows)"
        )
    n_train = enc.prepared.frames["real"].n_rows
    if n_train < min_training_rows:
        raise Skip(
            f"too few real rows for distances: the training data has {n_train} row"
            f"{'s' if n_train != 1 else ''}, at least {min_training_rows} are needed"
        )


def encoder(prepared: Prepared) -> Encoder:
    """The privacy encoding of this evaluation (fitted once, cached)."""
    return prepared.cached(("privacy.encoder",), lambda: _fit(prepared))


def threshold(distances: np.ndarray, q: float) -> float:
    """The q-quantile of the positive distances (0 if there are none): distance 0 (a natural
    duplicate) says nothing about how close a new row usually is."""
    positive = distances[distances > 0]
    return float(np.quantile(positive, q)) if len(positive) else 0.0


@contextmanager
def _one_thread(faiss) -> Iterator[None]:
    """faiss with one OpenMP thread in this thread, and the thread's setting as it was after."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def search(
    reference: np.ndarray, queries: np.ndarray, k: int = 1, *, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances (not squared) and positions of the ``k`` nearest reference rows of
    every query row, exact, in chunks. With ``exclude_self`` the queries are the reference rows
    themselves (same order) and each row's own position is removed (by position, not by
    distance 0, so true duplicates still count)."""
    import faiss

    kk = min(k + (1 if exclude_self else 0), reference.shape[0])
    dist = np.empty((len(queries), kk), dtype=np.float32)
    pos = np.empty((len(queries), kk), dtype=np.int64)
    with _one_thread(faiss):
        index = faiss.IndexFlatL2(reference.shape[1])
        index.add(np.ascontiguousarray(reference, dtype=np.float32))
        for start in range(0, len(queries), CHUNK):
            d, i = index.search(np.ascontiguousarray(queries[start : start + CHUNK], dtype=np.float32), kk)
            dist[start : start + CHUNK], pos[start : start + CHUNK] = d, i
    dist = np.sqrt(np.maximum(dist, 0.0))
    if exclude_self:
        own = pos == np.arange(len(queries))[:, None]
        # drop the own position; where it was not found among the neighbours, drop the last
        drop = np.where(own.any(axis=1), own.argmax(axis=1), kk - 1)
        keep = np.ones_like(own)
        keep[np.arange(len(queries)), drop] = False
        dist = dist[keep].reshape(len(queries), kk - 1)
        pos = pos[keep].reshape(len(queries), kk - 1)
    return dist[:, :k].astype(np.float64), pos[:, :k]

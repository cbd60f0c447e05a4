"""Rows that stay where the data are: the privacy metrics' searches and exact matches over every
row of data sets held in pieces (see :mod:`sdq.engine.scaled`).

:class:`RowVectors` stands for the rows of one data set in the privacy distance space
(:mod:`sdq.metrics.privacy.distance`) without holding them: ``len``, indexing (a subset of the
rows, still where they are), ``np.asarray`` (the rows encoded and gathered: the few rows a metric
queries with; kept, so that asking again costs no pass) and ``search_rows``, which
:func:`sdq.metrics.privacy.distance.search` calls for it: every piece encodes its rows and
searches them (exactly, as in memory) for the query rows, and the ``k`` nearest of every
piece are merged (by distance, then position), so the neighbours are those of one search over all
rows: the reference is never subsampled. The privacy metrics run unchanged on it; their own seeded
query samples are recorded in their details.

Exact matches (:func:`exact_matches`): every row of every data set hashed where it is, as
:func:`sdq.metrics.privacy.matching.row_hashes` hashes it, the hashes (8 bytes per row) and
positions gathered, and the candidate matches confirmed value by value on the few rows they name,
gathered too; id columns are compared by 64-bit hashes of their values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from sdq.config import Config
from sdq.engine.aggregates import Part, Profile, coerce_chunk
from sdq.metrics.privacy.distance import GROUPS, Encoder, drop_own, encoder, ordered_values, search
from sdq.metrics.privacy.matching import _confirm, compared_columns, row_hashes
from sdq.prepare import AggregateFrame, Prepared, encode_frame
from sdq.schema import Schema

__all__ = ["RowVectors", "RowPlan", "privacy_prepared", "exact_matches", "STORE_ROWS"]

#: Most gathered rows a :class:`RowVectors` keeps per data set (queries asked for again cost no pass).
STORE_ROWS = 500_000


@dataclass
class RowPlan:
    """How the pieces of one data set are read as rows: coerced to the schema, encoded with the
    bins, and, for distances, with the privacy encoder (without the prepared data it was fitted on)."""

    schema: Schema
    as_text: dict
    what: str
    binnings: dict
    pair_binnings: dict
    encoder: Encoder | None = None
    columns: list = dataclasses.field(default_factory=list)  # the compared columns of exact matches
    kinds: dict = dataclasses.field(default_factory=dict)


def _rows_of(chunk: pd.DataFrame, part: Part, rows: np.ndarray | None) -> tuple[np.ndarray, pd.DataFrame]:
    """The global positions of a piece's rows among ``rows`` (sorted; None: all), and those rows."""
    n = len(chunk)
    if rows is None:
        return np.arange(part.offset, part.offset + n, dtype=np.int64), chunk
    lo, hi = np.searchsorted(rows, [part.offset, part.offset + n])
    chosen = rows[lo:hi]
    return chosen, chunk.iloc[chosen - part.offset]


def _encoded(coerced: pd.DataFrame, plan: RowPlan) -> np.ndarray:
    frame = encode_frame(
        plan.what, coerced.reset_index(drop=True), None, plan.schema, plan.binnings, plan.pair_binnings
    )
    holder = SimpleNamespace(frames={plan.what: frame}, binnings=plan.binnings)
    return dataclasses.replace(plan.encoder, prepared=holder).encode(plan.what)


def gather_vectors(chunk: pd.DataFrame, part: Part, plan: RowPlan, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The piece's rows among ``rows`` (sorted global positions), encoded: (positions, vectors)."""
    positions, chosen = _rows_of(chunk, part, rows)
    if not len(positions):
        return positions, np.zeros((0, plan.encoder.width), dtype=np.float32)
    coerced, _ = coerce_chunk(chosen, plan.schema, plan.as_text, plan.what)
    return positions, _encoded(coerced, plan)


def merge_gathered(a: tuple, b: tuple) -> tuple:
    return np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])


def search_piece(
    chunk: pd.DataFrame, part: Part, plan: RowPlan, rows: np.ndarray | None, queries: np.ndarray, kk: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``kk`` nearest of the piece's rows (among ``rows``) of every query row: distances and
    global positions, padded with infinity and -1 where the piece has fewer rows."""
    positions, chosen = _rows_of(chunk, part, rows)
    dist = np.full((len(queries), kk), np.inf)
    pos = np.full((len(queries), kk), -1, dtype=np.int64)
    if len(positions):
        coerced, _ = coerce_chunk(chosen, plan.schema, plan.as_text, plan.what)
        d, i = search(_encoded(coerced, plan), queries, k=kk)
        dist[:, : d.shape[1]], pos[:, : d.shape[1]] = d, positions[i]
    return dist, pos


def merge_searched(a: tuple, b: tuple) -> tuple:
    """The ``kk`` nearest of both, by distance, then position."""
    dist, pos = np.concatenate([a[0], b[0]], axis=1), np.concatenate([a[1], b[1]], axis=1)
    kk = a[0].shape[1]
    by_position = np.argsort(np.where(pos < 0, np.iinfo(np.int64).max, pos), axis=1, kind="stable")
    dist, pos = np.take_along_axis(dist, by_position, 1), np.take_along_axis(pos, by_position, 1)
    order = np.argsort(dist, axis=1, kind="stable")[:, :kk]
    return np.take_along_axis(dist, order, 1), np.take_along_axis(pos, order, 1)


class _Store:
    """The rows of one data set gathered so far (sorted positions and their vectors)."""

    def __init__(self, width: int) -> None:
        self.positions = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, width), dtype=np.float32)


class RowVectors:
    """The rows of data set ``plan.what`` in the privacy distance space, where they are (see the
    module's docstring); ``rows``: a subset (global positions, in the order asked for)."""

    def __init__(self, executor: Any, plan: RowPlan, n_rows: int, rows: np.ndarray | None = None, store=None) -> None:
        self.executor, self.plan, self.n_rows, self.rows = executor, plan, n_rows, rows
        self.store = store if store is not None else _Store(plan.encoder.width)

    def __len__(self) -> int:
        return self.n_rows if self.rows is None else len(self.rows)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), self.plan.encoder.width

    def __getitem__(self, index: Any) -> "RowVectors":
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        positions = idx.astype(np.int64) if self.rows is None else self.rows[idx]
        return RowVectors(self.executor, self.plan, self.n_rows, positions, self.store)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        wanted = self.rows if self.rows is not None else np.arange(self.n_rows, dtype=np.int64)
        store = self.store
        missing = np.setdiff1d(np.unique(wanted), store.positions, assume_unique=True)
        if len(missing):
            positions, vectors = self.executor.map_reduce(
                self.plan.what, gather_vectors, merge_gathered, self.plan, missing
            )
            known = np.concatenate([store.positions, positions])
            if len(known) <= STORE_ROWS:
                order = np.argsort(known, kind="stable")
                store.positions, store.vectors = known[order], np.concatenate([store.vectors, vectors])[order]
                source_positions, source_vectors = store.positions, store.vectors
            else:  # too many to keep: serve these from what was gathered now and before
                order = np.argsort(known, kind="stable")
                source_positions, source_vectors = known[order], np.concatenate([store.vectors, vectors])[order]
        else:
            source_positions, source_vectors = store.positions, store.vectors
        out = source_vectors[np.searchsorted(source_positions, wanted)]
        return out.astype(dtype) if dtype is not None else out

    def search_rows(
        self, queries: np.ndarray, k: int, *, exclude_self: bool = False, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """What :func:`~sdq.metrics.privacy.distance.search` returns for these rows as reference:
        distances and positions (within these rows) of the ``k`` nearest of every query row."""
        if exclude_self:
            exclude = np.arange(len(queries))
        kk = min(k + (1 if exclude is not None else 0), len(self))
        unique = None if self.rows is None else np.unique(self.rows)
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        dist, pos = self.executor.map_reduce(
            self.plan.what, search_piece, merge_searched, self.plan, unique, queries, kk
        )
        if self.rows is not None:  # global positions -> positions within these rows
            order = np.argsort(self.rows, kind="stable")
            at = np.searchsorted(self.rows[order], pos).clip(0, len(order) - 1)
            pos = np.where(pos >= 0, order[at], -1)
        if exclude is not None:
            dist, pos = drop_own(dist, pos, exclude)
        return dist[:, :k], pos[:, :k]


# -- exact matches --------------------------------------------------------------------------------
def hash_piece(chunk: pd.DataFrame, part: Part, plan: RowPlan, ids: list) -> tuple[np.ndarray, np.ndarray, dict]:
    """The piece's global positions, row hashes on the compared columns, and hashes of the values
    of id columns (missing values left out)."""
    coerced, _ = coerce_chunk(chunk, plan.schema, plan.as_text, plan.what)
    positions = np.arange(part.offset, part.offset + len(chunk), dtype=np.int64)
    id_hashes = {}
    for name in ids:
        values = coerced[name].dropna()
        id_hashes[name] = pd.util.hash_array(values.astype(str).to_numpy(dtype=object)).astype(np.uint64)
    return positions, row_hashes(coerced, plan.columns, plan.kinds).astype(np.uint64), id_hashes


def merge_hashed(a: tuple, b: tuple) -> tuple:
    return (
        np.concatenate([a[0], b[0]]),
        np.concatenate([a[1], b[1]]),
        {k: np.concatenate([a[2][k], b[2][k]]) for k in a[2]},
    )


def gather_rows(chunk: pd.DataFrame, part: Part, plan: RowPlan, rows: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """The piece's rows among ``rows`` (sorted global positions), coerced, on the compared columns."""
    positions, chosen = _rows_of(chunk, part, rows)
    coerced, _ = coerce_chunk(chosen, plan.schema, plan.as_text, plan.what)
    return positions, coerced[plan.columns].reset_index(drop=True)


def merge_rows(a: tuple, b: tuple) -> tuple:
    return np.concatenate([a[0], b[0]]), pd.concat([a[1], b[1]], ignore_index=True)


def _gather(executor: Any, plan: RowPlan, wanted: np.ndarray) -> pd.DataFrame:
    unique = np.unique(wanted)
    positions, frame = executor.map_reduce(plan.what, gather_rows, merge_rows, plan, unique)
    order = np.argsort(positions, kind="stable")
    return frame.iloc[order[np.searchsorted(positions[order], wanted)]].reset_index(drop=True)


def exact_matches(executor: Any, plans: dict[str, RowPlan], ids: list) -> dict[tuple, Any]:
    """What :func:`sdq.metrics.privacy.matching.matches`, ``duplicated_share`` and ``id_overlap``
    cache, computed over every row where the data are: cache key -> value."""
    hashed = {name: executor.map_reduce(name, hash_piece, merge_hashed, plan, ids) for name, plan in plans.items()}
    out: dict[tuple, Any] = {}
    real_positions, real_hashes, real_ids = hashed["real"]
    first = pd.Series(real_positions).groupby(real_hashes, sort=False).min()
    for name in ("synthetic", "holdout"):
        if name not in hashed:
            continue
        positions, hashes, _ = hashed[name]
        order = np.argsort(positions, kind="stable")
        hashes = hashes[order]
        found = first.reindex(hashes).to_numpy()
        candidate = ~np.isnan(found)
        where = np.full(len(hashes), -1, dtype=np.int64)
        where[candidate] = found[candidate].astype(np.int64)
        if candidate.any():
            q_rows, r_rows = np.flatnonzero(candidate), where[candidate]
            query = _gather(executor, plans[name], positions[order][q_rows])
            reference = _gather(executor, plans["real"], r_rows)
            ok = _confirm(query, reference, plans[name].kinds)
            where[q_rows[~ok]] = -1
        out[("privacy.matches", name)] = (where >= 0, where)
    for name in ("synthetic", "real"):
        out[("privacy.duplicates", name)] = float(pd.Series(hashed[name][1]).duplicated().mean())
    if ids:
        n_syn = len(hashed["synthetic"][0])
        out[("privacy.id_overlap",)] = {
            str(name): float(np.isin(hashed["synthetic"][2][name], np.unique(real_ids[name])).sum() / n_syn)
            for name in ids
        }
    return out


# -- the prepared data of the privacy metrics -----------------------------------------------------
def _fitted_encoder(sampled: Prepared, profiles: dict[str, Profile], names: list[str]) -> Encoder:
    """The distance encoding fitted on the real sample (:func:`~sdq.metrics.privacy.distance.encoder`),
    with a missing-value indicator for every column that has missing values in any data set (not
    only in the samples), and unseen values of ordered codes counted as missing, as in memory."""
    enc = encoder(sampled)
    extra = []
    for spec in enc.columns:
        if spec.name in enc.with_missing:
            continue
        missing = any(profiles[n].missing.get(spec.name, 0) > 0 for n in names)
        order = enc.ordered.get(spec.name)
        if not missing and order is not None:
            for n in names:
                counts = profiles[n].value_counts.get(spec.name)
                if counts is not None and len(counts):
                    x = ordered_values(
                        pd.Series(list(counts.index), dtype=object), order, sampled.binnings.get(spec.name)
                    )
                    missing = missing or bool(np.isnan(x).any())
        if missing:
            extra.append(spec.name)
    return dataclasses.replace(enc, with_missing=[*enc.with_missing, *extra], width=enc.width + len(extra))


def privacy_prepared(
    executor: Any,
    schema: Schema,
    config: Config,
    as_text: dict,
    fitted: Any,
    frames: dict[str, AggregateFrame],
    sampled: Prepared,
    profiles: dict[str, Profile],
    *,
    exact: bool = True,
) -> Prepared:
    """A :class:`~sdq.prepare.Prepared` the privacy metrics run on unchanged: its frames know the
    sizes of the data sets, and its cache holds the distance encoding, a :class:`RowVectors` per
    data set and (with ``exact``) the exact matches over every row."""
    names = [n for n in ("real", "synthetic", "holdout") if n in frames]
    prepared = Prepared(
        schema=schema,
        config=config,
        tables=None,
        binnings=fitted.binnings,
        pair_binnings=fitted.pair_binnings,
        frames={name: frames[name] for name in names},
    )
    enc = _fitted_encoder(sampled, profiles, names)
    # the same encoding and row vectors for every group of privacy metrics (each keeps its own cache
    # keys so that, in memory, two groups run side by side)
    for prefix in GROUPS.values():
        prepared.cache[(f"{prefix}.encoder",)] = dataclasses.replace(enc, prepared=prepared)
    # each pass reads (coerces and encodes) only the columns it needs
    encoded = _only(schema, [spec.name for spec in enc.columns])
    for name in names:
        plan = RowPlan(
            encoded, as_text, name, fitted.binnings, fitted.pair_binnings, dataclasses.replace(enc, prepared=None)
        )
        row_vectors = RowVectors(executor, plan, frames[name].n_rows)
        for prefix in GROUPS.values():
            prepared.cache[(f"{prefix}.vectors", name)] = row_vectors
    if exact:
        columns = compared_columns(prepared)
        ids = [s.name for s in schema.columns if s.kind == "id" and s.role != "excluded"]
        hashed = _only(schema, [*columns, *ids])
        kinds = {c: schema[c].kind for c in columns}
        plans = {
            name: RowPlan(hashed, as_text, name, fitted.binnings, fitted.pair_binnings, None, columns, kinds)
            for name in names
        }
        prepared.cache.update(exact_matches(executor, plans, ids))
    return prepared


def _only(schema: Schema, names: list) -> Schema:
    """The schema with only the columns ``names`` taking part (the others excluded)."""
    keep = set(names)
    columns = tuple(
        spec if spec.name in keep else dataclasses.replace(spec, role="excluded") for spec in schema.columns
    )
    return Schema(
        columns=columns,
        target=schema.target,
        time_column=schema.time_column,
        entity_column=schema.entity_column,
        task=schema.task,
    )

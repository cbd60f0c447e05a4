"""The one aggregate core: what every engine that reads data in pieces (chunks of a file read one
after another, partitions of a Dask DataFrame on a cluster) computes per piece and how two
results are merged. Each function here takes one piece (a pandas DataFrame of raw rows) and
where it is (:class:`Part`), and returns a partial result; ``merge_*`` adds two partial results.
Merging is associative, so a serial fold over chunks (:mod:`sdq.engine.chunked`) and a tree
reduction over partitions (:mod:`sdq.engine.dask_engine`) give the same totals (exactly, for
everything but compressed sketches and float sums, which can differ in their last bits).

The passes (see :mod:`sdq.engine.scaled`, which runs them):

0. :func:`lengths`: rows per piece, so every row has a global position (rows are numbered in the
   order of the pieces; seeded samples are drawn by position, so they do not depend on how the
   data are cut into pieces);
1. :func:`raw_sample`: a seeded uniform sample of the real rows as they are (the schema is fitted
   on it);
2. :func:`profile`: every row coerced to the schema (invalid values counted), missing values,
   value sketches of numbers and text lengths, counts of every other value, distinct-value
   sketches, and a seeded uniform sample of the coerced rows;
3. :func:`tally`: with bins fitted from the real profile, counts per code and per pair of codes,
   moments, pairwise sums of ranks and values, correlation-ratio sums, values beyond the real
   range and rule checks.

A data set can have two **views** (:class:`View`): all its rows, and a seeded subsample of them at
the size of another data set (a Bernoulli draw by position, at a stated rate), the
``synthetic_at_baseline_rows`` and ``baseline`` frames of :class:`sdq.prepare.Prepared`.

Nothing here imports Dask: the functions are plain pandas and numpy, and picklable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from sdq.data import _coerce
from sdq.errors import InputError
from sdq.prepare import Binning, ordered_values, pair_table
from sdq.rules import Rule, Table
from sdq.schema import Schema
from sdq.sketches import CoMoments, DistinctSketch, Moments, ValueSketch

__all__ = [
    "Part",
    "View",
    "row_keys",
    "lengths",
    "merge_lengths",
    "RowSample",
    "raw_sample",
    "sample_limit",
    "merge_samples",
    "ProfilePlan",
    "Profile",
    "profile",
    "merge_profiles",
    "TallyPlan",
    "Tally",
    "tally",
    "merge_tallies",
    "RuleTally",
    "coerce_chunk",
    "NUMBER_KINDS",
    "LABEL_KINDS",
    "VALUE_LIMIT",
]

#: Kinds summarised by sketches of their values.
NUMBER_KINDS = ("numeric", "datetime")
#: Kinds summarised by the count of each value.
LABEL_KINDS = ("ordinal", "categorical", "boolean", "constant", "empty", "id")
#: Kinds whose values are counted (up to :data:`VALUE_LIMIT` distinct values per column).
COUNTED_KINDS = (*LABEL_KINDS, "text")
#: Most distinct values whose counts are kept per column (beyond: distinct-value sketches only).
VALUE_LIMIT = 100_000
#: Violating synthetic rows kept per rule.
EXAMPLES = 5
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Part:
    """Where a piece of a data set is: its index among the pieces and the global position of its
    first row (-1 while the positions are not known yet)."""

    index: int
    offset: int = -1


@dataclass(frozen=True)
class View:
    """A view of a data set: ``name`` (the frame's name in :class:`sdq.prepare.Prepared`) and
    ``rate``: None for every row, else the probability with which each row is drawn (by a key
    derived from ``salt`` and its position)."""

    name: str
    rate: float | None = None
    salt: int = 0


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit integers that scrambles every bit."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def row_keys(offset: int, n: int, seed: int, salt: int) -> np.ndarray:
    """A uniform 64-bit key per row at global positions ``offset .. offset + n - 1``, derived
    from the seed, a salt (one per use) and the position only."""
    base = _mix(np.array([(seed * 0x9E3779B1 + salt * 0x85EBCA77 + 1) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        return _mix(np.arange(offset, offset + n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + base)


def _selected(view: View, part: Part, n: int, seed: int) -> np.ndarray | None:
    """The rows of a piece in a view (None: all of them)."""
    if view.rate is None:
        return None
    keys = row_keys(part.offset, n, seed, view.salt)
    return keys < np.uint64(min(float(_M64), view.rate * 2.0**64))


# -- pass 0: lengths ------------------------------------------------------------------------------
def lengths(chunk: pd.DataFrame, part: Part) -> dict[int, int]:
    """Rows in this piece, by its index."""
    return {part.index: len(chunk)}


def merge_lengths(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    return {**a, **b}


# -- pass 1: samples of rows ----------------------------------------------------------------------
@dataclass
class RowSample:
    """The ``size`` rows with the smallest keys seen so far: a uniform sample without replacement
    (the keys depend on the rows' positions only), with their keys and positions."""

    size: int
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rows: pd.DataFrame | None = None

    @classmethod
    def of(
        cls, frame: pd.DataFrame, part: Part, size: int, seed: int, salt: int, limit: int | None = None
    ) -> "RowSample":
        """The rows of a piece with the ``size`` smallest keys; with ``limit`` (see
        :func:`sample_limit`), only those with keys below it."""
        keys = row_keys(part.offset, len(frame), seed, salt)
        positions = np.arange(part.offset, part.offset + len(frame), dtype=np.int64)
        candidates = np.arange(len(frame)) if limit is None else np.flatnonzero(keys < np.uint64(limit))
        if len(candidates) > size:
            candidates = candidates[np.argpartition(keys[candidates], size - 1)[:size]]
        keep = candidates[np.argsort(keys[candidates], kind="stable")]
        return cls(size, keys[keep], positions[keep], frame.iloc[keep].reset_index(drop=True))

    @property
    def n(self) -> int:
        return len(self.keys)


def merge_samples(a: RowSample, b: RowSample) -> RowSample:
    if b.rows is None:
        return a
    if a.rows is None:
        return b
    keys = np.concatenate([a.keys, b.keys])
    positions = np.concatenate([a.positions, b.positions])
    order = np.lexsort((positions, keys))[: a.size]
    rows = pd.concat([a.rows, b.rows], ignore_index=True).iloc[order].reset_index(drop=True)
    return RowSample(a.size, keys[order], positions[order], rows)


def sample_limit(size: int, rows: int) -> int | None:
    """A key below which the ``size`` smallest of ``rows`` uniform 64-bit keys lie but with a
    chance below 1e-14 (the expected count under it is ``size + 8 sqrt(size) + 100``), so that a
    piece sends on only its rows under it: a few rows per piece, not ``size`` of them, however many
    pieces. None (every row) where the sample holds about every row. An engine checks that the
    merged sample is full (else it draws again without a limit)."""
    expected = size + 8 * np.sqrt(size) + 100
    if expected >= rows:
        return None
    return int(min(2.0**64 - 1, expected / rows * 2.0**64))


def raw_sample(chunk: pd.DataFrame, part: Part, size: int, seed: int, salt: int, limit: int | None = None) -> RowSample:
    """The piece's rows with the ``size`` smallest keys (below ``limit``)."""
    return RowSample.of(chunk.reset_index(drop=True), part, size, seed, salt, limit)


# -- coercion -------------------------------------------------------------------------------------
def coerce_chunk(chunk: pd.DataFrame, schema: Schema, as_text: dict, what: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The piece's columns that take part, coerced to the schema (a fresh RangeIndex), and the
    values per column (by label) that could not be read as their kind."""
    columns = [s for s in schema.columns if s.role != "excluded"]
    missing = [str(s.name) for s in columns if s.name not in chunk.columns]
    if missing:
        raise InputError(f"The {what} data does not have the real data's columns: missing column(s) {missing}.")
    coerced, failures = {}, {}
    for spec in columns:
        coerced[spec.name], failures[spec.label] = _coerce(chunk[spec.name], spec.kind, as_text.get(spec.name, False))
    return pd.DataFrame(coerced, columns=[s.name for s in columns]), failures


def _row_hash_sum(chunk: pd.DataFrame, columns: list) -> tuple[int, int]:
    """The sum and xor (mod 2**64) of the rows' content hashes: a digest of a data set that does
    not depend on how it is cut into pieces, nor on the order of the rows."""
    try:
        hashed = pd.util.hash_pandas_object(chunk[columns], index=False).to_numpy()
    except TypeError:
        hashed = pd.util.hash_pandas_object(chunk[columns].astype(str), index=False).to_numpy()
    hashed = hashed.astype(np.uint64)
    return int(np.sum(hashed, dtype=np.uint64)), int(np.bitwise_xor.reduce(hashed)) if len(hashed) else 0


# -- pass 2: profiles -----------------------------------------------------------------------------
@dataclass
class ProfilePlan:
    """What :func:`profile` needs: the schema, which columns are read as text (``as_text``), the
    data set's name (for messages), its views, the sample's size and the seed."""

    schema: Schema
    as_text: dict
    what: str
    views: tuple[View, ...]
    sample_rows: int
    seed: int
    sample_salt: int
    sketch_size: int
    columns: list = field(default_factory=list)  # the raw columns, in the real data's order
    sample_limit: int | None = None  # see sample_limit()


@dataclass
class Profile:
    """One view of one data set, summarised (see :func:`profile`)."""

    n_rows: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    missing: dict[Any, int] = field(default_factory=dict)
    sketches: dict[Any, ValueSketch] = field(default_factory=dict)
    value_counts: dict[Any, pd.Series | None] = field(default_factory=dict)
    distinct: dict[Any, DistinctSketch] = field(default_factory=dict)
    hash_sum: int = 0
    hash_xor: int = 0
    sample: RowSample | None = None


def _value_counts(values: pd.Series) -> pd.Series:
    counts = values.value_counts(sort=False, dropna=True)
    return counts[counts > 0].astype(np.int64)


def _merge_counts(a: pd.Series | None, b: pd.Series | None) -> pd.Series | None:
    if a is None or b is None:
        return None
    merged = a.add(b, fill_value=0).astype(np.int64)
    return merged if len(merged) <= VALUE_LIMIT else None


def profile(chunk: pd.DataFrame, part: Part, plan: ProfilePlan) -> dict[str, Profile]:
    """Per view: rows, invalid and missing values, sketches of numbers (and of text lengths),
    counts of other values, distinct-value sketches, a content digest, and (for the view of
    every row) a seeded sample of the coerced rows."""
    coerced, failures = coerce_chunk(chunk, plan.schema, plan.as_text, plan.what)
    out = {}
    for view in plan.views:
        chosen = _selected(view, part, len(coerced), plan.seed)
        frame = coerced if chosen is None else coerced[chosen].reset_index(drop=True)
        result = Profile(n_rows=len(frame))
        if chosen is None:
            result.invalid = dict(failures)
            raw = [c for c in plan.columns if c in chunk.columns]
            result.hash_sum, result.hash_xor = _row_hash_sum(chunk, raw)
            result.sample = RowSample.of(
                coerced, part, plan.sample_rows, plan.seed, plan.sample_salt, plan.sample_limit
            )
        for spec in plan.schema.columns:
            if spec.role == "excluded":
                continue
            values = frame[spec.name]
            result.missing[spec.name] = int(values.isna().sum())
            if spec.kind in NUMBER_KINDS:
                result.sketches[spec.name] = ValueSketch.of(values.to_numpy(dtype=float), plan.sketch_size)
            elif spec.kind == "text":
                lengths_ = values.dropna().astype(str).str.len().to_numpy(dtype=float)
                result.sketches[spec.name] = ValueSketch.of(lengths_, plan.sketch_size)
            if spec.kind in COUNTED_KINDS:
                counts = _value_counts(values)
                result.value_counts[spec.name] = counts if len(counts) <= VALUE_LIMIT else None
            result.distinct[spec.name] = DistinctSketch.of(values)
        out[view.name] = result
    return out


def _merge_profile(a: Profile, b: Profile, size: int) -> Profile:
    out = Profile(n_rows=a.n_rows + b.n_rows)
    out.invalid = {k: a.invalid.get(k, 0) + b.invalid.get(k, 0) for k in {**a.invalid, **b.invalid}}
    out.missing = {k: a.missing.get(k, 0) + b.missing.get(k, 0) for k in {**a.missing, **b.missing}}
    out.sketches = {
        k: a.sketches[k].merge(b.sketches[k], size)
        if k in a.sketches and k in b.sketches
        else a.sketches.get(k, b.sketches.get(k))
        for k in {**a.sketches, **b.sketches}
    }
    out.value_counts = {
        k: _merge_counts(a.value_counts[k], b.value_counts[k])
        if k in a.value_counts and k in b.value_counts
        else a.value_counts.get(k, b.value_counts.get(k))
        for k in {**a.value_counts, **b.value_counts}
    }
    out.distinct = {
        k: a.distinct[k].merge(b.distinct[k])
        if k in a.distinct and k in b.distinct
        else a.distinct.get(k, b.distinct.get(k))
        for k in {**a.distinct, **b.distinct}
    }
    out.hash_sum = (a.hash_sum + b.hash_sum) & 0xFFFFFFFFFFFFFFFF
    out.hash_xor = a.hash_xor ^ b.hash_xor
    if a.sample is not None and b.sample is not None:
        out.sample = merge_samples(a.sample, b.sample)
    else:
        out.sample = a.sample if a.sample is not None else b.sample
    return out


def merge_profiles(a: dict[str, Profile], b: dict[str, Profile], size: int) -> dict[str, Profile]:
    """Two pieces' profiles added, view by view (``size``: the sketches' size)."""
    return {name: _merge_profile(a[name], b[name], size) for name in a}


def digest(result: Profile, columns: list) -> str:
    """A SHA-256 of a data set's column names, row count and content digest (independent of how
    the rows were cut into pieces and of their order)."""
    sha = hashlib.sha256()
    sha.update(repr([str(c) for c in columns]).encode("utf-8"))
    sha.update(f"{result.n_rows}:{result.hash_sum}:{result.hash_xor}".encode("ascii"))
    return sha.hexdigest()


# -- pass 3: tallies ------------------------------------------------------------------------------
@dataclass
class TallyPlan:
    """What :func:`tally` needs, fitted on the driver from the profiles: bins, pairs, how each
    view ranks and centres its columns, which columns the correlation ratio groups and values,
    the real range, the power of two the moments divide by, and the rules."""

    schema: Schema
    as_text: dict
    what: str
    views: tuple[View, ...]
    seed: int
    binnings: dict[Any, Binning]
    pair_binnings: dict[Any, Binning]
    pairs: list[tuple[Any, Any]]
    moment_exponents: dict[Any, int]
    #: view -> column -> (values, centred mid-ranks): each view's ranks of its ordered columns, less
    #: their mean (n + 1) / 2 (read between the values by linear interpolation)
    ranks: dict[str, dict[Any, tuple[np.ndarray, np.ndarray]]]
    rank_columns: list
    #: view -> column -> (scale, mean): numeric-like values divided by scale, less mean
    centres: dict[str, dict[Any, tuple[float, float]]]
    value_columns: list
    eta_groups: list  # categorical columns
    eta_values: list  # numeric, datetime and ordinal columns
    extremes: dict[Any, tuple[float, float]]  # the real range of numeric-like columns
    rules: list[Rule] = field(default_factory=list)
    rule_kinds: dict[str, str] = field(default_factory=dict)
    examples_view: str | None = None  # the view whose violating rows are kept as examples


@dataclass
class RuleTally:
    """One rule over a data set's rows: where it applies and where it is kept (counts), and the
    first violating rows (their global positions and the values the rule reads)."""

    n_applies: int = 0
    n_kept: int = 0
    examples: list = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.n_kept / self.n_applies if self.n_applies else None


@dataclass
class Tally:
    """One view of one data set, counted (see :func:`tally`)."""

    n_rows: int = 0
    column_counts: dict[Any, np.ndarray] = field(default_factory=dict)
    pair_column_counts: dict[Any, np.ndarray] = field(default_factory=dict)
    pair_tables: dict[tuple, np.ndarray] = field(default_factory=dict)
    moments: dict[Any, Moments] = field(default_factory=dict)
    ranks: CoMoments | None = None
    values: CoMoments | None = None
    eta: dict[Any, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    eta_totals: np.ndarray | None = None  # (3, valued columns): rows present, sum, sum of squares
    outside: dict[Any, np.ndarray] = field(default_factory=dict)
    rules: list[RuleTally] = field(default_factory=list)
    #: the distinct patterns of (not applying 0, broken 1, kept 2) across the rules, and their rows
    patterns: dict[bytes, int] = field(default_factory=dict)


def _ordered(plan: TallyPlan, frame: pd.DataFrame, codes: dict, name: Any) -> np.ndarray:
    spec = plan.schema[name]
    if spec.kind == "ordinal":
        return ordered_values(plan.binnings[name], codes[name])
    return frame[name].to_numpy(dtype=float)


def _shown_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    return str(value)


def tally(chunk: pd.DataFrame, part: Part, plan: TallyPlan) -> dict[str, Tally]:
    """Per view: rows per code and per pair of codes, moments of numbers (divided by their power
    of two), pairwise sums of centred mid-ranks and of centred values, the correlation-ratio sums
    of every categorical column with every valued column, values beyond the real range, and the
    rules' tallies (with the first violating rows of ``plan.examples_view``)."""
    coerced, _ = coerce_chunk(chunk, plan.schema, plan.as_text, plan.what)
    out = {}
    for view in plan.views:
        chosen = _selected(view, part, len(coerced), plan.seed)
        frame = coerced if chosen is None else coerced[chosen].reset_index(drop=True)
        positions = np.arange(part.offset, part.offset + len(coerced), dtype=np.int64)
        if chosen is not None:
            positions = positions[chosen]
        result = Tally(n_rows=len(frame))
        codes, pair_codes = {}, {}
        for name, binning in plan.binnings.items():
            codes[name] = binning.encode(frame[name])
            result.column_counts[name] = np.bincount(codes[name], minlength=binning.n_codes)
            pair = plan.pair_binnings[name]
            pair_codes[name] = codes[name] if pair is binning else pair.encode(frame[name])
            result.pair_column_counts[name] = np.bincount(pair_codes[name], minlength=pair.n_codes)
        for a, b in plan.pairs:
            ka, kb = plan.pair_binnings[a].n_codes, plan.pair_binnings[b].n_codes
            result.pair_tables[(a, b)] = pair_table(pair_codes[a], pair_codes[b], ka, kb)
        for name, exponent in plan.moment_exponents.items():
            spec = plan.schema[name]
            if spec.kind == "text":
                x = frame[name].dropna().astype(str).str.len().to_numpy(dtype=float)
            else:
                x = frame[name].to_numpy(dtype=float)
            result.moments[name] = Moments.of(np.ldexp(x, -exponent) if exponent else x)
            if name in plan.extremes:
                low, high = plan.extremes[name]
                result.outside[name] = np.array([np.sum(x < low), np.sum(x > high)], dtype=np.int64)
        if plan.rank_columns:
            table = plan.ranks[view.name]
            stacked = np.empty((len(frame), len(plan.rank_columns)))
            for j, name in enumerate(plan.rank_columns):
                values, centred = table[name]
                x = _ordered(plan, frame, codes, name)
                ranks = np.interp(x, values, centred) if len(values) else np.full(len(x), np.nan)
                stacked[:, j] = np.where(np.isnan(x), np.nan, ranks)
            result.ranks = CoMoments.of(stacked)
        if plan.value_columns:
            centres = plan.centres[view.name]
            stacked = np.empty((len(frame), len(plan.value_columns)))
            for j, name in enumerate(plan.value_columns):
                scale, mean = centres[name]
                stacked[:, j] = frame[name].to_numpy(dtype=float) / scale - mean
            result.values = CoMoments.of(stacked)
        if plan.eta_groups and plan.eta_values:
            centres = plan.centres[view.name]
            y = np.empty((len(frame), len(plan.eta_values)))
            for j, name in enumerate(plan.eta_values):
                scale, mean = centres[name]
                y[:, j] = _ordered(plan, frame, codes, name) / scale - mean
            present = ~np.isnan(y)
            y0 = np.where(present, y, 0.0)
            result.eta_totals = np.vstack([present.sum(axis=0), y0.sum(axis=0), (y0 * y0).sum(axis=0)]).astype(float)
            stacked = np.concatenate([present.astype(float), y0], axis=1)
            rows = np.arange(len(frame))
            for cat in plan.eta_groups:
                # per pair code of the categorical column: rows present and sums, one sparse product
                k = plan.pair_binnings[cat].n_codes
                onehot = sparse.csr_matrix((np.ones(len(frame)), (pair_codes[cat], rows)), shape=(k, len(frame)))
                sums = np.asarray(onehot @ stacked)
                result.eta[cat] = (sums[:, : len(plan.eta_values)], sums[:, len(plan.eta_values) :])
        if plan.rules:
            named = frame.set_axis([str(c) for c in frame.columns], axis=1)
            rules_table = Table(named, plan.rule_kinds)
            states = np.zeros((len(frame), len(plan.rules)), dtype=np.uint8)
            for j, rule in enumerate(plan.rules):
                check = rule.check(rules_table)
                states[:, j] = check.applies.astype(np.uint8) + check.kept.astype(np.uint8)
                entry = RuleTally(check.n_applies, check.n_kept)
                if view.name == plan.examples_view:
                    broken = np.flatnonzero(check.broken)[:EXAMPLES]
                    columns = {str(c): c for c in frame.columns}
                    entry.examples = [
                        (
                            int(positions[i]),
                            {c: _shown_value(frame[columns[c]].iloc[i]) for c in rule.columns if c in columns},
                        )
                        for i in broken
                    ]
                result.rules.append(entry)
            if len(states):
                rows = np.ascontiguousarray(states).view(np.dtype((np.void, states.shape[1]))).ravel()
                unique, counts = np.unique(rows, return_counts=True)
                result.patterns = {bytes(u): int(c) for u, c in zip(unique, counts)}
        out[view.name] = result
    return out


def _add(a: dict, b: dict) -> dict:
    return {k: a[k] + b[k] if k in a and k in b else a.get(k, b.get(k)) for k in {**a, **b}}


def _merge_tally(a: Tally, b: Tally) -> Tally:
    out = Tally(n_rows=a.n_rows + b.n_rows)
    out.column_counts = _add(a.column_counts, b.column_counts)
    out.pair_column_counts = _add(a.pair_column_counts, b.pair_column_counts)
    out.pair_tables = _add(a.pair_tables, b.pair_tables)
    out.moments = {
        k: a.moments[k].merge(b.moments[k]) if k in a.moments and k in b.moments else a.moments.get(k, b.moments.get(k))
        for k in {**a.moments, **b.moments}
    }
    out.ranks = a.ranks.merge(b.ranks) if a.ranks is not None and b.ranks is not None else (a.ranks or b.ranks)
    out.values = a.values.merge(b.values) if a.values is not None and b.values is not None else (a.values or b.values)
    out.eta = {
        k: (a.eta[k][0] + b.eta[k][0], a.eta[k][1] + b.eta[k][1])
        if k in a.eta and k in b.eta
        else a.eta.get(k, b.eta.get(k))
        for k in {**a.eta, **b.eta}
    }
    if a.eta_totals is not None and b.eta_totals is not None:
        out.eta_totals = a.eta_totals + b.eta_totals
    else:
        out.eta_totals = a.eta_totals if a.eta_totals is not None else b.eta_totals
    out.outside = _add(a.outside, b.outside)
    if a.rules and b.rules:
        out.rules = [
            RuleTally(
                x.n_applies + y.n_applies,
                x.n_kept + y.n_kept,
                sorted(x.examples + y.examples, key=lambda e: e[0])[:EXAMPLES],
            )
            for x, y in zip(a.rules, b.rules)
        ]
    else:
        out.rules = a.rules or b.rules
    out.patterns = _add(a.patterns, b.patterns)
    return out


def merge_tallies(a: dict[str, Tally], b: dict[str, Tally]) -> dict[str, Tally]:
    """Two pieces' tallies added, view by view."""
    return {name: _merge_tally(a[name], b[name]) for name in a}

"""Fidelity of files larger than memory, computed chunk by chunk.

The marginal histograms and the pairwise contingency tables that ``histogram_similarity`` and
``mutual_information`` score are **sums over rows**: each chunk of a file adds its counts, and the
metrics then run unchanged on the totals (:class:`sdq.prepare.AggregateFrame`). Memory is bounded
by the chunk size and the tables, not by the number of rows.

How a file is read (three passes over the real file, one over each other file):

1. a seeded uniform sample of ``sample_rows`` real rows (bottom-k of a random key per row, so
   one pass and no row count are needed); the schema is fitted on it;
2. the exact real minimum and maximum of every numeric column and the exact real count of every
   category; numeric bins are the sample's quantiles with the exact extremes as outer edges, and
   categories are chosen from the exact counts;
3. every frame, chunk by chunk: coerce to the schema (invalid values counted), encode, add counts.

Differences from :func:`sdq.engine.evaluate` on the same data, all documented in the report's manifest:
numeric bin edges come from a sample of the real rows (the counts in those bins are exact); the
interval of ``mutual_information`` resamples each pair's table on its own (there are no rows to
resample together), which ignores that the pairs share their rows and makes it too narrow; the
holdout baseline uses the whole holdout rather than a subsample at the synthetic size (at the
sizes this path is for, the finite-sample effect that subsample corrects is negligible); the
schema is inferred from the sample (pass ``column_types`` to pin it); in CSV files, columns read
as text are read as text in every chunk, and numbers written with thousands separators are not
recognised (``load_table`` does that for files read whole; convert such files to Parquet). ``statistics`` and
``correlation`` are not available here: exact quantiles and rank correlations are not sums over
rows (they would need mergeable sketches such as t-digests), so they are reported as ``skipped``.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from sdq import metrics as registry
from sdq.config import Config
from sdq.data import (
    Sources,
    _coerce,
    align_columns,
    check_excluded,
    check_frame,
    frame_hash,
    index_note,
    invalid_notes,
    saved_index,
)
from sdq.engine.options import Options
from sdq.engine.runner import run_metrics
from sdq.engine.select import select_metrics
from sdq.errors import ConfigError, InputError
from sdq.prepare import (
    AggregateFrame,
    Prepared,
    category_binning,
    fit_binning,
    level_binning,
    pair_bins,
    pair_table,
)
from sdq.report import Report
from sdq.result import About, MetricResult
from sdq.schema import BINNED_KINDS, DEPENDENCE_KINDS, Schema, fit_schema

__all__ = ["ChunkSource", "evaluate_chunked", "on_counts"]


def on_counts() -> list[str]:
    """The metrics that run on counts alone (registered with ``chunked=True``), in registry order."""
    return [name for name, spec in registry.registry().items() if spec.chunked is True]


def _not_sums() -> dict[str, str]:
    """The metrics that declare why they cannot run on counts (``chunked="why"``): listed as skipped
    in a chunked report, with that reason."""
    return {name: spec.chunked for name, spec in registry.registry().items() if isinstance(spec.chunked, str)}


class ChunkSource:
    """A table read in chunks of at most ``chunk_rows`` rows, as many times as needed.

    ``source``: a path to a Parquet file (read by record batches) or a CSV/TSV file (read with
    ``pandas.read_csv(chunksize=...)``), or a callable that returns a fresh iterator of DataFrames
    each time it is called (any other reader: a database cursor, a list of files, ...).
    """

    def __init__(self, source: Any, chunk_rows: int = 250_000, name: str = "table") -> None:
        if not isinstance(chunk_rows, int) or isinstance(chunk_rows, bool) or chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a positive integer. Got {chunk_rows!r} instead.")
        self.chunk_rows, self.name = chunk_rows, name
        self.csv_sep: str | None = None
        if callable(source):
            self._open: Callable[[], Iterable[pd.DataFrame]] = source
            self.label = f"{name} (reader)"
            return
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        if path.stat().st_size == 0:
            raise InputError(f"{path}: the file is empty (0 bytes)")
        suffix = path.suffix.lower()
        self.label, self.path = str(path), path
        if suffix in (".parquet", ".pq"):
            self._open = lambda: self._parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            self.csv_sep = "\t" if suffix == ".tsv" else ","
            self._open = lambda: pd.read_csv(path, sep=self.csv_sep, chunksize=chunk_rows)
        else:
            raise InputError(f"{path}: chunked reading needs a .parquet, .csv or .tsv file; got {suffix or '(none)'!r}")

    def with_text_columns(self, columns: list) -> "ChunkSource":
        """For CSV: the same file with ``columns`` read as text in every chunk. pandas infers each
        chunk's types on its own, so a column of codes such as "007" would be numbers (7) in
        chunks of digits only and text in the others; Parquet files carry their types."""
        if self.csv_sep is None or not columns:
            return self
        dtypes = {column: str for column in columns}
        source = ChunkSource(self.path, self.chunk_rows, self.name)
        source._open = lambda: pd.read_csv(self.path, sep=self.csv_sep, chunksize=self.chunk_rows, dtype=dtypes)
        return source

    def _parquet(self, path: Path) -> Iterator[pd.DataFrame]:
        import pyarrow.parquet as pq

        try:
            handle = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001 - a broken file is bad input, in one line
            raise InputError(f"{path}: cannot be read as parquet ({str(exc).strip().splitlines()[0]})") from None
        for batch in handle.iter_batches(batch_size=self.chunk_rows):
            yield batch.to_pandas()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        try:
            for chunk in self._open():
                if not isinstance(chunk, pd.DataFrame):
                    raise InputError(f"{self.label}: the reader yielded a {type(chunk).__name__}, not a DataFrame")
                if len(chunk):
                    yield chunk
        except (InputError, ConfigError):
            raise
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.label}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except Exception as exc:  # noqa: BLE001 - a parser failure mid-file is bad input, in one line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{self.label}: cannot be read ({first})") from None


def _as_source(value: Any, chunk_rows: int, name: str) -> ChunkSource:
    return value if isinstance(value, ChunkSource) else ChunkSource(value, chunk_rows, name)


def _sample(source: ChunkSource, rows: int, rng: np.random.Generator) -> tuple[pd.DataFrame, int]:
    """A uniform sample of ``rows`` rows (the ``rows`` smallest of a random key per row; the keys
    come from one stream, so the sample does not depend on the chunk size) and the row count."""
    kept, keys, total = None, np.empty(0), 0
    for chunk in source:
        chunk_keys = rng.random(len(chunk))
        total += len(chunk)
        frame = chunk if kept is None else pd.concat([kept, chunk], ignore_index=True)
        keys = np.concatenate([keys, chunk_keys])
        if len(frame) > rows:
            keep = np.sort(np.argpartition(keys, rows - 1)[:rows])
            frame, keys = frame.iloc[keep].reset_index(drop=True), keys[keep]
        kept = frame.reset_index(drop=True)
    if kept is None:
        raise InputError(f"The {source.name} data has no rows.")
    return kept, total


def _numbers_as_text(sample: pd.DataFrame, schema: Schema) -> dict[Any, bool]:
    return {
        spec.name: pd.api.types.is_numeric_dtype(sample[spec.name].dtype)
        and not pd.api.types.is_bool_dtype(sample[spec.name].dtype)
        for spec in schema.columns
    }


def _real_extent(source: ChunkSource, schema: Schema, columns: list, as_text: dict) -> tuple[dict, dict]:
    """Exact minimum and maximum of numeric-like columns, exact counts of each category."""
    lows, highs, counts = {}, {}, {}
    for chunk in source:
        for spec in columns:
            values, _ = _coerce(chunk[spec.name], spec.kind, as_text[spec.name])
            if spec.kind in ("numeric", "datetime"):
                x = values.to_numpy(dtype=float)
                x = x[~np.isnan(x)]
                if len(x):
                    lows[spec.name] = min(lows.get(spec.name, np.inf), x.min())
                    highs[spec.name] = max(highs.get(spec.name, -np.inf), x.max())
            else:
                vc = values.value_counts(sort=False, dropna=True)
                counts[spec.name] = vc if spec.name not in counts else counts[spec.name].add(vc, fill_value=0)
    extents = {name: (lows[name], highs[name]) for name in lows}
    return extents, counts


def _fit(
    spec,
    sample_values: pd.Series,
    extent,
    counts,
    config: Config,
    n_bins: int | None = None,
    max_categories: int | None = None,
):
    """Numeric bins from the sample's quantiles with the exact extremes added; categories (and an
    ordinal column's levels) from the exact counts over the whole real file."""
    if spec.kind in ("numeric", "datetime"):
        extra = pd.Series(list(extent) if extent is not None else [], dtype=float)
        values = pd.concat([sample_values.astype(float), extra], ignore_index=True)
        return fit_binning(spec, values, config, n_bins=n_bins)
    counts = counts if counts is not None else pd.Series(dtype=np.int64)
    max_categories = config.max_categories if max_categories is None else max_categories
    if spec.kind == "ordinal":
        return level_binning(spec, counts, max_categories)
    return category_binning(spec, counts, max_categories)


def _accumulate(
    source: ChunkSource, name: str, schema: Schema, as_text: dict, binnings: dict, pair_binnings: dict, pairs: list
) -> tuple[AggregateFrame, dict, str]:
    frame = AggregateFrame(name=name, n_rows=0)
    invalid: dict[str, int] = {}
    digest = hashlib.sha256()
    columns = [s for s in schema.columns if s.role != "excluded"]
    for chunk in source:
        missing = [str(s.name) for s in columns if s.name not in chunk.columns]
        if missing:
            raise InputError(f"The {name} data does not have the real data's columns: missing column(s) {missing}.")
        digest.update(frame_hash(chunk[[s.name for s in columns]]).encode("ascii"))
        frame.n_rows += len(chunk)
        pair_codes = {}
        for spec in columns:
            values, failures = _coerce(chunk[spec.name], spec.kind, as_text[spec.name])
            invalid[spec.label] = invalid.get(spec.label, 0) + int(failures)
            if spec.name not in binnings:
                continue
            binning, pair = binnings[spec.name], pair_binnings[spec.name]
            codes = binning.encode(values)
            _add(frame.column_counts, spec.name, np.bincount(codes, minlength=binning.n_codes))
            pcodes = codes if pair is binning else pair.encode(values)
            pair_codes[spec.name] = pcodes
            _add(frame.pair_column_counts, spec.name, np.bincount(pcodes, minlength=pair.n_codes))
        for a, b in pairs:
            ka, kb = pair_binnings[a].n_codes, pair_binnings[b].n_codes
            _add(frame.pair_tables, (a, b), pair_table(pair_codes[a], pair_codes[b], ka, kb))
    if frame.n_rows == 0:
        raise InputError(f"The {name} data has no rows.")
    return frame, invalid, digest.hexdigest()


def _add(store: dict, key: Any, counts: np.ndarray) -> None:
    store[key] = counts if key not in store else store[key] + counts


#: the options chunked evaluation reads (``jobs`` is accepted and unused)
CHUNKED_OPTIONS = ("metrics", "column_types", "exclude", "config", "jobs", "profile")


def evaluate_chunked(
    real: Any,
    synthetic: Any,
    holdout: Any = None,
    *,
    chunk_rows: int = 250_000,
    sample_rows: int = 200_000,
    options: Options | None = None,
    names: Sources | None = None,
    **kwargs: Any,
) -> Report:
    """Fidelity of data too large for memory: ``histogram_similarity`` and ``mutual_information``
    from counts accumulated chunk by chunk (see the module's docstring for how and what differs).

    ``real``, ``synthetic``, ``holdout``: paths to Parquet or CSV files, :class:`ChunkSource`
    objects, or callables returning a fresh iterator of DataFrames. Returns a :class:`Report`
    like :func:`sdq.engine.evaluate`'s; metrics that cannot run on counts are ``skipped`` with the reason.

    Options (:class:`~sdq.engine.options.Options`, or the keyword arguments that make them): ``metrics``,
    ``column_types``, ``exclude``, ``config``, ``seed`` and ``profile`` apply (``jobs`` is accepted and unused: the
    metrics read counts accumulated in one pass per file); any other option is an error. ``names``
    (:class:`sdq.data.Sources`) says how messages name the inputs and options (the CLI's: files and flags).
    """
    started = time.perf_counter()
    if options is None:
        options = Options.make(**kwargs)
    elif kwargs:
        raise InputError(f"evaluate_chunked takes options or keyword arguments, not both. Got {sorted(kwargs)} too.")
    unused = [name for name in options.given() if name not in CHUNKED_OPTIONS]
    if unused:
        raise InputError(
            f"chunked evaluation scores fidelity from counts only; {', '.join(unused)} cannot be used with it"
        )
    config, metrics, column_types, exclude = options.config, options.metrics, options.column_types, options.exclude
    if not isinstance(sample_rows, int) or isinstance(sample_rows, bool) or sample_rows < 100:
        raise ConfigError(f"sample_rows must be an integer of at least 100. Got {sample_rows!r} instead.")
    selected = [s.name for s in select_metrics(on_counts() + list(_not_sums()) if metrics is None else metrics)]
    reg = registry.registry()
    sources = {
        "real": _as_source(real, chunk_rows, "real"),
        "synthetic": _as_source(synthetic, chunk_rows, "synthetic"),
    }
    if holdout is not None:
        sources["holdout"] = _as_source(holdout, chunk_rows, "holdout")

    sample, n_real = _sample(sources["real"], sample_rows, config.rng("chunked-sample"))
    check_frame(sample, "real")
    schema, notes = _fit_and_align(sample, sources, column_types, exclude, names or Sources())
    as_text = _numbers_as_text(sample, schema)
    text_columns = [spec.name for spec in schema.columns if spec.kind not in ("numeric", "datetime")]
    sources = {name: source.with_text_columns(text_columns) for name, source in sources.items()}
    binned = [s for s in schema.columns if s.kind in BINNED_KINDS and s.role in ("feature", "target")]
    extents, counts = _real_extent(sources["real"], schema, binned, as_text)
    coerced = {s.name: _coerce(sample[s.name], s.kind, as_text[s.name])[0] for s in binned}
    binnings = {s.name: _fit(s, coerced[s.name], extents.get(s.name), counts.get(s.name), config) for s in binned}
    k_pair = pair_bins(n_real, config)
    pair_binnings = {}
    for s in binned:
        coarse = binnings[s.name].n_codes > k_pair + 3
        pair_binnings[s.name] = (
            _fit(
                s,
                coerced[s.name],
                extents.get(s.name),
                counts.get(s.name),
                config,
                n_bins=k_pair,
                max_categories=k_pair,
            )
            if coarse
            else binnings[s.name]
        )
    dependence = sorted((s for s in binned if s.kind in DEPENDENCE_KINDS), key=lambda s: s.label)
    pairs = [(a.name, b.name) for a, b in itertools.combinations(dependence, 2)]

    frames, invalid, hashes = {}, {}, {}
    for name, source in sources.items():
        frames[name], invalid[name], hashes[name] = _accumulate(
            source, name, schema, as_text, binnings, pair_binnings, pairs
        )
    if "holdout" in frames:
        frames["baseline"] = frames["holdout"]
    prepared = Prepared(
        schema=schema, config=config, tables=None, binnings=binnings, pair_binnings=pair_binnings, frames=frames
    )
    prepared_at = time.perf_counter()
    specs = [reg[m] for m in selected if reg[m].chunked is True]
    params = registry.resolve_params(specs, config)
    results, info = run_metrics(specs, prepared, registry.available({"holdout": frames.get("holdout")}))
    by_name = {r.name: r for r in results}
    ordered = [
        by_name.get(m) or MetricResult(m, reg[m].family, "skipped", message=_why_not(reg[m]), about=About.of(reg[m]))
        for m in selected
    ]
    timings = {
        "prepare": round(prepared_at - started, 4),
        **info.timings,
        "total": round(time.perf_counter() - started, 4),
    }
    return _report(
        ordered,
        schema,
        frames,
        invalid,
        notes,
        hashes,
        config,
        params,
        timings,
        {
            "chunk_rows": chunk_rows,
            "sample_rows": sample_rows,
            "real_sample_rows": int(len(sample)),
            "bins": "numeric edges: quantiles of the real sample, exact extremes; categories: exact counts",
            "baseline": "the whole holdout",
        },
        options.profile,
    )


def _fit_and_align(
    sample: pd.DataFrame, sources: dict, column_types, exclude, named: Sources
) -> tuple[Schema, list[str]]:
    """The schema of the real sample, and the other inputs' columns checked against it on their first
    chunk, by the rules of data that fits in memory: ``exclude`` drops a column wherever it is (an
    error only when no input has it), a saved pandas index that another input lacks is ignored with
    a note, and any other difference is an error that names the columns and the option that fixes it."""
    heads = {name: next(iter(source), sample.iloc[:0]) for name, source in sources.items() if name != "real"}
    exclude = list(exclude or [])
    check_excluded(exclude, {"real": sample, **heads}, named)
    real_exclude, notes = [c for c in exclude if c in sample.columns], []
    index = saved_index(sample)
    lacking = [name for name, head in heads.items() if index is not None and index not in head.columns]
    if lacking and index not in real_exclude:
        real_exclude.append(index)
        notes.append(index_note(named, "real", index, lacking[0]))
    schema = fit_schema(sample, column_types=column_types, exclude=real_exclude)
    for name, head in heads.items():
        notes += align_columns(head, schema, name, list(sample.columns), set(exclude), named)[1]
    return schema, notes


def _why_not(spec: registry.MetricSpec) -> str:
    reason = spec.chunked if isinstance(spec.chunked, str) else "it needs the rows themselves, not counts"
    return f"not available when reading in chunks: {reason}; run sdq.evaluate on data that fits in memory"


def _report(results, schema, frames, invalid, notes, hashes, config, params, timings, chunked, profile=None) -> Report:
    from sdq import __version__
    from sdq.engine.manifest import build_manifest

    n_columns = len(schema.columns)
    shape = lambda name: {"rows": int(frames[name].n_rows), "columns": n_columns} if name in frames else None  # noqa: E731
    data = {
        "real": shape("real"),
        "synthetic": shape("synthetic"),
        "holdout": shape("holdout"),
        "sensitive": None,
        "show_records": False,
        "columns": schema.to_list(),
        "invalid": invalid,
        "warnings": list(notes) + invalid_notes(schema, invalid),
        "target": None,
        "task": None,
        "time_column": None,
        "entity_column": None,
    }
    manifest = build_manifest(
        hashes=hashes,
        run={"jobs": 1, "metric_timeout": None, "child_processes": False},
        timings=timings,
        chunked=chunked,
    )
    config = {**config.to_dict(), "metric_params": params}
    return Report(results, config=config, data=data, manifest=manifest, sdq_version=__version__, profile=profile)

"""Data larger than memory read from files chunk by chunk: the report of
:mod:`sdq.engine.scaled` on one machine, with no other dependency.

A :class:`ChunkSource` reads a Parquet file by record batches or a CSV/TSV file with
``pandas.read_csv(chunksize=...)`` (or calls any reader that yields DataFrames), as many times as
the passes need; :class:`SerialExecutor` runs the functions of :mod:`sdq.engine.aggregates` on
every chunk, one after another, and adds up their results. The Dask engine
(:mod:`sdq.engine.dask_engine`) runs the same functions on the partitions of a cluster and adds
them up in a tree: for the same inputs and seed both give the same report (outside the manifest).

Why this reader stays beside the Dask engine: it needs no optional dependency, reads CSV as well
as Parquet and holds one chunk at a time, so a laptop without Dask scores a file larger than its
memory; Dask on a local cluster serves the same files faster where it is installed (both cores,
and partitions read in parallel), and is the way to a cluster. Both are thin: everything they
compute is in :mod:`sdq.engine.aggregates` and :mod:`sdq.engine.scaled`.

Passes over each file: one to count the rows (Parquet: its metadata), one more over the real file
for the sample the schema is fitted on, a profile and a tally (see :mod:`sdq.engine.aggregates`),
and for the privacy metrics a few passes to encode and search the rows (see :mod:`sdq.engine.rows`).
In CSV files, columns read as text are read as text in every chunk, and numbers written with
thousands separators are not recognised (``load_table`` does that for files read whole; convert
such files to Parquet).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pandas as pd

from sdq import metrics as registry
from sdq.data import Sources
from sdq.engine.aggregates import Part
from sdq.engine.options import Options
from sdq.engine.scaled import SAMPLE_ROWS, SCALED_OPTIONS, Executor, evaluate_scaled, options_of
from sdq.errors import ConfigError, InputError
from sdq.report import Report
from sdq.sketches import SKETCH_SIZE

__all__ = ["ChunkSource", "SerialExecutor", "evaluate_chunked", "on_counts", "CHUNKED_OPTIONS"]


def on_counts() -> list[str]:
    """The metrics that run on aggregates (registered with ``chunked=True``), in registry order."""
    return [name for name, spec in registry.registry().items() if spec.chunked is True]


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


class SerialExecutor(Executor):
    """Runs a function on every chunk of a data set, one after another, and adds up the results."""

    label = "chunked"

    def __init__(self, sources: dict[str, ChunkSource], chunk_rows: int) -> None:
        self.sources = sources
        self.chunk_rows = chunk_rows
        self._offsets: dict[str, list[int]] = {}

    def names(self) -> list[str]:
        return list(self.sources)

    def head(self, name: str) -> pd.DataFrame:
        first = next(iter(self.sources[name]), None)
        if first is None:
            raise InputError(f"The {name} data has no rows.")
        return first

    def set_lengths(self, name: str, lengths: dict[int, int]) -> None:
        offsets, total = [], 0
        for index in sorted(lengths):
            offsets.append(total)
            total += lengths[index]
        self._offsets[name] = offsets

    def text_columns(self, columns: list) -> None:
        self.sources = {name: source.with_text_columns(columns) for name, source in self.sources.items()}

    def map_reduce(self, name: str, fn: Callable, merge: Callable, *args: Any) -> Any:
        offsets = self._offsets.get(name)
        result, position = None, 0
        for index, chunk in enumerate(self.sources[name]):
            offset = offsets[index] if offsets is not None else position
            part = fn(chunk, Part(index, offset), *args)
            result = part if result is None else merge(result, part)
            position += len(chunk)
        if result is None:
            raise InputError(f"The {name} data has no rows.")
        return result

    def describe(self) -> dict[str, Any]:
        return {
            "name": "chunked",
            "chunk_rows": self.chunk_rows,
            "inputs": {n: s.label for n, s in self.sources.items()},
        }


#: the options chunked evaluation reads (see :data:`sdq.engine.scaled.SCALED_OPTIONS`)
CHUNKED_OPTIONS = SCALED_OPTIONS


def evaluate_chunked(
    real: Any,
    synthetic: Any,
    holdout: Any = None,
    *,
    chunk_rows: int = 250_000,
    sample_rows: int = SAMPLE_ROWS,
    sketch_size: int = SKETCH_SIZE,
    options: Options | None = None,
    names: Sources | None = None,
    progress: Callable | None = None,
    **kwargs: Any,
) -> Report:
    """The report of data too large for memory, read chunk by chunk (see
    :mod:`sdq.engine.scaled` for how each metric runs and what differs from :func:`sdq.evaluate`).

    ``real``, ``synthetic``, ``holdout``: paths to Parquet or CSV files, :class:`ChunkSource`
    objects, or callables returning a fresh iterator of DataFrames. Returns a :class:`Report`
    like :func:`sdq.engine.evaluate`'s.

    Options (:class:`~sdq.engine.options.Options`, or the keyword arguments that make them): those
    of :data:`CHUNKED_OPTIONS` (``jobs`` is accepted and unused); any other option is an error.
    ``names`` (:class:`sdq.data.Sources`) says how messages name the inputs and options (the CLI's:
    files and flags). ``sample_rows``: rows per data set in the seeded samples (schema, bootstraps,
    models); ``sketch_size``: distinct values per column up to which quantiles, ranks and distinct
    counts are exact.
    """
    started = time.perf_counter()
    options = options_of(options, kwargs, "evaluate_chunked")
    sources = {
        "real": _as_source(real, chunk_rows, "real"),
        "synthetic": _as_source(synthetic, chunk_rows, "synthetic"),
    }
    if holdout is not None:
        sources["holdout"] = _as_source(holdout, chunk_rows, "holdout")
    executor = SerialExecutor(sources, chunk_rows)
    return evaluate_scaled(
        executor,
        options=options,
        sample_rows=sample_rows,
        sketch_size=sketch_size,
        names=names,
        started=started,
        progress=progress,
    )

"""The Dask engine: the report of :mod:`sdq.engine.scaled` on the partitions of Dask DataFrames,
on a cluster (``--engine dask --scheduler ADDRESS``, ``sdq.evaluate(..., engine="dask",
scheduler=...)``) or, without a scheduler, on a local cluster of this machine's cores.

Inputs: Dask DataFrames, pandas DataFrames (split into partitions), or paths, globs or
directories of Parquet files (``dd.read_parquet``). Every pass of the engine is one map over the
partitions of a data set (:mod:`sdq.engine.aggregates` on each) and a reduction in a tree of
pairwise merges on the workers, so the driver receives one result per pass: counts, sketches,
tallies, samples of ``sample_rows`` rows, and, for the privacy metrics, the nearest rows of the
query rows and the row hashes (8 bytes per row). What is computed is exactly what the chunked
reader (:mod:`sdq.engine.chunked`) computes one chunk after another: for the same inputs, seed
and row order both give the same report outside the manifest.

Dask (``dask[distributed]``) is an optional dependency (``pip install 'sdq[dask]'``), imported
only here and only when the engine runs; without it the engine is a :class:`~sdq.errors.ConfigError`
that says how to install it (the command line exits 2).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from sdq.data import Sources
from sdq.engine.aggregates import Part
from sdq.engine.options import Options
from sdq.engine.runner import default_jobs
from sdq.engine.scaled import SAMPLE_ROWS, Executor, evaluate_scaled, options_of
from sdq.errors import ConfigError, InputError
from sdq.report import Report
from sdq.sketches import SKETCH_SIZE

__all__ = ["evaluate_dask", "DaskExecutor", "dask_frame", "dask_client", "require_dask", "INSTALL"]

INSTALL = "pip install 'sdq[dask]'"
#: Rows per partition of a pandas DataFrame handed to the engine.
PANDAS_PARTITION_ROWS = 250_000


def require_dask() -> None:
    """A :class:`~sdq.errors.ConfigError` saying how to install Dask, unless it is installed."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"the Dask engine needs Dask and its distributed scheduler, which are not installed ({exc}); "
            f"install them with: {INSTALL}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def dask_frame(value: Any, name: str) -> Any:
    """A Dask DataFrame of the input ``name``: a Dask DataFrame as it is, a pandas DataFrame in
    partitions of :data:`PANDAS_PARTITION_ROWS` rows, or the Parquet files of a path, a glob
    (``data/part-*.parquet``) or a directory."""
    import dask.dataframe as dd

    if isinstance(value, dd.DataFrame):
        return value
    if isinstance(value, pd.DataFrame):
        return dd.from_pandas(value, npartitions=max(1, int(np.ceil(len(value) / PANDAS_PARTITION_ROWS))))
    if not isinstance(value, (str, os.PathLike)):
        raise InputError(
            f"The '{name}' argument must be a Dask or pandas DataFrame, or a path, glob or directory of "
            f"Parquet files. Got {type(value).__name__} instead."
        )
    text = str(value)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
        if not files:
            raise InputError(f"{text}: no file matches")
        source: Any = files
    elif path.is_dir():
        found = [p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".pq", ".parq")]
        if not found:
            raise InputError(f"{text}: the directory holds no Parquet files (.parquet, .pq, .parq)")
        source = text
    elif path.is_file():
        if path.suffix.lower() not in (".parquet", ".pq", ".parq"):
            raise InputError(
                f"{text}: the Dask engine reads Parquet files; convert it to Parquet, or read it with "
                "--chunk-rows (CSV) or in memory"
            )
        if path.stat().st_size == 0:
            raise InputError(f"{text}: the file is empty (0 bytes)")
        source = text
    else:
        raise InputError(f"{text}: no such file or directory")
    try:
        # partitions of at most about 32 MiB of Parquet (a few hundred thousand rows of 20 columns):
        # small enough for every worker to hold a few, many enough to keep every core busy
        return dd.read_parquet(source, blocksize="32MiB", split_row_groups="adaptive")
    except Exception as exc:  # noqa: BLE001 - a broken file is bad input, in one line
        raise InputError(f"{text}: cannot be read as Parquet ({_first_line(exc)})") from None


def _call(fn: Callable, piece: pd.DataFrame, part: Part, *args: Any) -> Any:
    return fn(piece, part, *args)


def _shareable(value: Any) -> bool:
    """Whether an argument is worth sending to the workers once (scattered) rather than with every task."""
    return not (value is None or isinstance(value, (bool, int, float, str)))


class DaskExecutor(Executor):
    """Runs a function on every partition of a data set on the cluster and merges the results in
    a tree of pairwise merges on the workers."""

    label = "dask"

    def __init__(self, client: Any, frames: dict[str, Any], scheduler: str | None) -> None:
        self.client = client
        self.frames = frames
        self.scheduler = scheduler
        self.pieces = {name: frame.to_delayed() for name, frame in frames.items()}
        self._offsets: dict[str, list[int]] = {}

    def names(self) -> list[str]:
        return list(self.frames)

    def head(self, name: str) -> pd.DataFrame:
        try:
            with warnings.catch_warnings():  # a first partition of fewer rows is no problem
                warnings.simplefilter("ignore")
                first = self.frames[name].head(1000, npartitions=1, compute=True)
        except Exception as exc:  # noqa: BLE001 - a failure to read is bad input, in one line
            raise InputError(f"The {name} data cannot be read ({_first_line(exc)})") from None
        return first if len(first) else self.frames[name]._meta

    def set_lengths(self, name: str, lengths: dict[int, int]) -> None:
        offsets, total = [], 0
        for index in sorted(lengths):
            offsets.append(total)
            total += lengths[index]
        self._offsets[name] = offsets

    def map_reduce(self, name: str, fn: Callable, merge: Callable, *args: Any) -> Any:
        import dask

        offsets = self._offsets.get(name)
        # each argument sent to every worker once, as one object (a list is not split into its items)
        shared = [self.client.scatter([a], broadcast=True, hash=False)[0] if _shareable(a) else a for a in args]
        tasks = [
            dask.delayed(_call, pure=False)(fn, piece, Part(i, offsets[i] if offsets is not None else -1), *shared)
            for i, piece in enumerate(self.pieces[name])
        ]
        if not tasks:
            raise InputError(f"The {name} data has no rows.")
        while len(tasks) > 1:  # a tree of pairwise merges, on the workers
            tasks = [
                dask.delayed(merge, pure=False)(tasks[i], tasks[i + 1]) if i + 1 < len(tasks) else tasks[i]
                for i in range(0, len(tasks), 2)
            ]
        future = self.client.compute(tasks[0])
        try:
            return future.result()
        finally:
            del future, shared

    def describe(self) -> dict[str, Any]:
        info = self.client.scheduler_info()
        workers = info.get("workers", {})
        return {
            "name": "dask",
            "scheduler": self.scheduler or "local cluster",
            "workers": len(workers),
            "threads": int(sum(w.get("nthreads", 0) for w in workers.values())),
            "partitions": {name: int(frame.npartitions) for name, frame in self.frames.items()},
        }


@contextlib.contextmanager
def dask_client(scheduler: Any = None) -> Iterator[tuple[Any, str | None]]:
    """A client of ``scheduler``: a ``distributed.Client`` as it is (left open), an address
    (``tcp://host:8786``), or None: a local cluster of this machine's cores (one worker process per
    core, one thread each), closed on exit."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler, str(scheduler.scheduler.address) if scheduler.scheduler else None
        return
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=default_jobs(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        try:
            yield client, None
        finally:
            client.close()
            cluster.close()
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InputError(
            f"The 'scheduler' argument must be a scheduler's address or a distributed.Client. Got {scheduler!r} instead."
        )
    try:
        client = Client(scheduler, timeout="10s")
    except Exception as exc:  # noqa: BLE001 - an unreachable scheduler is bad input, in one line
        raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({_first_line(exc)})") from None
    try:
        yield client, scheduler
    finally:
        client.close()


def evaluate_dask(
    real: Any,
    synthetic: Any,
    holdout: Any = None,
    *,
    scheduler: Any = None,
    sample_rows: int = SAMPLE_ROWS,
    sketch_size: int = SKETCH_SIZE,
    options: Options | None = None,
    names: Sources | None = None,
    progress: Callable | None = None,
    **kwargs: Any,
) -> Report:
    """The report of data sets on a Dask cluster (see :mod:`sdq.engine.scaled` for how each metric
    runs and what differs from :func:`sdq.evaluate`).

    ``real``, ``synthetic``, ``holdout``: Dask DataFrames, pandas DataFrames, or paths, globs or
    directories of Parquet files. ``scheduler``: a scheduler's address or a ``distributed.Client``;
    None starts a local cluster on this machine's cores (closed at the end). ``sample_rows``: rows
    per data set in the seeded samples (schema, bootstraps, models); ``sketch_size``: distinct
    values per column up to which quantiles, ranks and distinct counts are exact. Options
    (:class:`~sdq.engine.options.Options`, or the keyword arguments that make them): those of
    :data:`sdq.engine.scaled.SCALED_OPTIONS`; any other is an error. The manifest's ``engine``
    records the scheduler, the workers, the partitions, the samples and how each metric ran.
    """
    started = time.perf_counter()
    require_dask()
    options = options_of(options, kwargs, "evaluate_dask")
    inputs = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        inputs["holdout"] = holdout
    frames = {name: dask_frame(value, name) for name, value in inputs.items()}
    with dask_client(scheduler) as (client, address):
        executor = DaskExecutor(client, frames, address)
        return evaluate_scaled(
            executor,
            options=options,
            sample_rows=sample_rows,
            sketch_size=sketch_size,
            names=names,
            started=started,
            progress=progress,
        )

"""Reading files, and aligning and coercing frames to the real schema.

The output, :class:`Tables`, holds new frames: the caller's frames are never modified. Values are
canonical per kind:

``numeric``                       float64 (infinite values become missing and are counted as invalid)
``datetime``                      float64 seconds since 1970-01-01 UTC (naive times read as UTC)
``boolean``                       float64 0.0 / 1.0
``categorical``, ``id``, ``text``,
``constant``, ``empty``           strings (numbers written canonically, so 1, 1.0 and "1" agree)

Missing stays missing. A value that cannot be coerced to its column's kind becomes missing and is
**counted** per frame and column (``Tables.invalid``), never silently dropped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sdq.errors import InputError
from sdq.schema import FALSE_STRINGS, TRUE_STRINGS, Schema, _to_datetime_utc

__all__ = ["load_table", "Tables", "build_tables", "check_frame", "frame_hash"]

_READERS = {
    ".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".feather": "feather",
}
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table from ``.csv``, ``.tsv``, ``.parquet``, ``.json`` (records), ``.jsonl`` or ``.feather``.

    Raises
    ------
    InputError
        The path does not exist, is a directory, has an unknown extension, is empty or cannot be
        parsed. The message is one line naming the file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".gz":
        suffix = Path(p.stem).suffix.lower()
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a file")
    if suffix not in _READERS:
        raise InputError(f"{p}: unknown file type {suffix or '(none)'!r}; "
                         f"use one of {sorted(set(_READERS))}")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: the file is empty (0 bytes)")
    kind = _READERS[suffix]
    try:
        if kind == "csv":
            frame = pd.read_csv(p)
        elif kind == "tsv":
            frame = pd.read_csv(p, sep="\t")
        elif kind == "parquet":
            frame = pd.read_parquet(p)
        elif kind == "json":
            frame = pd.read_json(p)
        elif kind == "jsonl":
            frame = pd.read_json(p, lines=True)
        else:
            frame = pd.read_feather(p)
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise InputError(f"{p}: cannot read {suffix} files here ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, reported in one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot be read as {kind} ({first_line})") from None
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover - read_json of a scalar
        raise InputError(f"{p}: does not hold a table")
    return frame


def check_frame(frame: Any, what: str) -> pd.DataFrame:
    """Check that an argument is a usable DataFrame (not modified, not copied)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"The '{what}' argument must be a pandas DataFrame. Got {type(frame).__name__} instead.")
    if frame.columns.has_duplicates:
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InputError(f"The {what} data has duplicate column names: {dupes}.")
    if len(frame.columns) == 0:
        raise InputError(f"The {what} data has no columns.")
    if len(frame) == 0:
        raise InputError(f"The {what} data has no rows.")
    return frame


def frame_hash(frame: pd.DataFrame) -> str:
    """A SHA-256 of a frame's column names and values (row order matters)."""
    digest = hashlib.sha256()
    digest.update(repr([str(c) for c in frame.columns]).encode("utf-8"))
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): hash their text
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _number_text(num: np.ndarray) -> np.ndarray:
    """Finite floats written canonically: integral values without a decimal point."""
    text = num.astype(str).astype(object)
    integral = (np.floor(num) == num) & (np.abs(num) < 2**53)
    text[integral] = num[integral].astype(np.int64).astype(str)
    return text


def _canonical_strings(series: pd.Series, numbers_as_text: bool) -> pd.Series:
    """Values as strings, stored as a pandas Categorical; missing stays missing.

    Numbers are written canonically (1, 1.0 -> "1"). With ``numbers_as_text`` (the real column
    holds numbers), strings that spell numbers are canonicalised too ("1.0" -> "1"); otherwise
    strings keep their spelling ("007" stays "007"). The work is done once per distinct value
    (the column is factorised first), and the result keeps integer codes, so later counting,
    hashing and encoding run on integers rather than on millions of Python strings.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    canon = _canonical_values(pd.Series(uniques), numbers_as_text).to_numpy(dtype=object)
    canon_codes, categories = pd.factorize(canon, use_na_sentinel=True)
    final = np.where(codes >= 0, canon_codes[np.maximum(codes, 0)] if len(canon_codes) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(final, categories=pd.Index(categories, dtype=object)))


def _canonical_values(series: pd.Series, numbers_as_text: bool) -> pd.Series:
    """The canonical string of each value (see :func:`_canonical_strings`), as an object Series."""
    out = np.full(len(series), None, dtype=object)
    present = series.notna().to_numpy()
    if not present.any():
        return pd.Series(out, dtype=object)
    values = series[present]
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = np.where(values.to_numpy(dtype=bool), "True", "False").astype(object)
    elif pd.api.types.is_numeric_dtype(dtype):
        text = _number_text(values.to_numpy(dtype=float))
    else:
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind == "string" and not numbers_as_text:
            text = values.to_numpy(dtype=object)
        elif kind in ("string", "integer", "floating", "mixed-integer-float", "decimal") or numbers_as_text:
            num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            text = values.astype(str).to_numpy(dtype=object)
            is_num = np.isfinite(num)
            if kind != "string" and not numbers_as_text:
                # only genuine numbers are rewritten; strings keep their spelling
                is_num &= ~np.fromiter((isinstance(v, str) for v in values.to_numpy(dtype=object)),
                                       dtype=bool, count=len(values))
            text[is_num] = _number_text(num[is_num])
        else:
            # mixed Python objects: canonicalise each distinct value once
            codes, uniques = pd.factorize(values.to_numpy(dtype=object))
            canon = np.array([str(v) if isinstance(v, str) or not _is_number(v) else _number_text(np.array([float(v)]))[0]
                              for v in uniques], dtype=object)
            text = canon[codes]
    out[present] = text
    return pd.Series(out, dtype=object)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and np.isfinite(float(value))


def _coerce(series: pd.Series, kind: str, numbers_as_text: bool = False) -> tuple[pd.Series, int]:
    """One column coerced to its kind's canonical form, and the number of values that failed."""
    series = series.reset_index(drop=True)
    present_before = int(series.notna().sum())
    if kind == "numeric":
        if pd.api.types.is_timedelta64_dtype(series.dtype):
            out = series / pd.Timedelta(seconds=1)
        elif pd.api.types.is_bool_dtype(series.dtype):
            out = series.astype(float)
        else:
            out = pd.to_numeric(series, errors="coerce")
        out = pd.Series(out.to_numpy(dtype=float, na_value=np.nan), index=series.index)
        out[~np.isfinite(out.to_numpy())] = np.nan
    elif kind == "datetime":
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            stamps = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
            stamps = series.dt.tz_convert("UTC") if series.dt.tz is not None else series.dt.tz_localize("UTC")
        else:
            stamps = _to_datetime_utc(series)
        out = pd.Series(((stamps - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan),
                        index=series.index)
    elif kind == "boolean":
        out = pd.Series(np.full(len(series), np.nan), index=series.index)
        if pd.api.types.is_bool_dtype(series.dtype):
            out[:] = series.to_numpy(dtype=float, na_value=np.nan)
        elif pd.api.types.is_numeric_dtype(series.dtype):
            num = series.to_numpy(dtype=float, na_value=np.nan)
            ok = (num == 0) | (num == 1)
            out[ok] = num[ok]
        else:
            text = series.astype(str).str.strip().str.lower()
            text[series.isna()] = None
            out[text.isin(TRUE_STRINGS | {"1", "1.0"}).to_numpy()] = 1.0
            out[text.isin(FALSE_STRINGS | {"0", "0.0"}).to_numpy()] = 0.0
            is_bool = series.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
            if is_bool.any():
                out[is_bool] = series[is_bool].astype(float).to_numpy()
    else:
        out = _canonical_strings(series, numbers_as_text)
    failed = present_before - int(out.notna().sum())
    return out, max(failed, 0)


@dataclass(frozen=True)
class Tables:
    """The real, synthetic and (optional) holdout frames coerced to one schema.

    ``invalid`` maps frame name -> column label -> number of values that could not be coerced.
    ``frames`` holds only the columns that take part (excluded columns are dropped).
    """

    schema: Schema
    frames: dict[str, pd.DataFrame]
    invalid: dict[str, dict[str, int]]
    hashes: dict[str, str]

    @property
    def real(self) -> pd.DataFrame:
        return self.frames["real"]

    @property
    def synthetic(self) -> pd.DataFrame:
        return self.frames["synthetic"]

    @property
    def holdout(self) -> pd.DataFrame | None:
        return self.frames.get("holdout")


def _align(frame: pd.DataFrame, schema: Schema, what: str, real_columns: list) -> pd.DataFrame:
    columns = list(frame.columns)
    missing = [c for c in real_columns if c not in set(columns)]
    extra = [c for c in columns if c not in set(real_columns)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {[str(c) for c in missing]}")
        if extra:
            parts.append(f"extra column(s) {[str(c) for c in extra]}")
        raise InputError(f"The {what} data does not have the real data's columns: {'; '.join(parts)}.")
    return frame


def build_tables(schema: Schema, real: pd.DataFrame, synthetic: pd.DataFrame,
                 holdout: pd.DataFrame | None = None, sensitive: pd.DataFrame | None = None, *,
                 reuse: Tables | None = None) -> Tables:
    """Align columns by name and coerce every frame to the schema (new frames, counts of failures).

    ``reuse``: tables built before with the same schema from the same real, holdout and sensitive
    frames; only the synthetic frame is coerced again."""
    if reuse is not None and reuse.schema is not schema:
        raise ValueError("build_tables: tables can only be reused with the schema they were built with")
    real_columns = list(real.columns)
    inputs = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        inputs["holdout"] = holdout
    if sensitive is not None:
        inputs["sensitive"] = sensitive
    numeric_real = {spec.name: pd.api.types.is_numeric_dtype(real[spec.name].dtype)
                    and not pd.api.types.is_bool_dtype(real[spec.name].dtype) for spec in schema.columns}
    frames, invalid, hashes = {}, {}, {}
    for what, frame in inputs.items():
        if reuse is not None and what != "synthetic" and what in reuse.frames:
            frames[what], invalid[what], hashes[what] = reuse.frames[what], reuse.invalid[what], reuse.hashes[what]
            continue
        _align(frame, schema, what, real_columns)
        hashes[what] = frame_hash(frame[real_columns])
        coerced, failures = {}, {}
        for spec in schema.columns:
            if spec.role == "excluded":
                continue
            column, failures[spec.label] = _coerce(frame[spec.name], spec.kind, numeric_real[spec.name])
            coerced[spec.name] = column  # float64 or Categorical, with a fresh RangeIndex
        out = pd.DataFrame(coerced, columns=[s.name for s in schema.columns if s.role != "excluded"])
        frames[what], invalid[what] = out, failures
    return Tables(schema=schema, frames=frames, invalid=invalid, hashes=hashes)

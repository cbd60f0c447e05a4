"""Reading files, and aligning and coercing frames to the real schema.

The output, :class:`Tables`, holds new frames: the caller's frames are never modified. Values are
canonical per kind:

``numeric``                       float64 (infinite values become missing and are counted as invalid)
``datetime``                      float64 seconds since 1970-01-01 UTC (naive times read as UTC)
``boolean``                       float64 0.0 / 1.0
``ordinal``, ``categorical``,     strings (numbers written canonically, so 1, 1.0 and "1" agree);
``id``, ``text``, ``constant``,   an ordinal column's order is kept by the bins
``empty``                         (:func:`sdq.prepare.fit_binning`), not by the strings

Missing stays missing. A value that cannot be coerced to its column's kind becomes missing and is
**counted** per frame and column (``Tables.invalid``), never silently dropped; each count is also
one line of ``Tables.warnings``.

Columns are matched by name. Two things are forgiven, each with a line in ``Tables.warnings``: a
leading column named ``""`` or ``"Unnamed: 0"`` holding unique integers (a pandas index saved
with the file) that the real data does not have is ignored, and so are the columns excluded by
the user that only the other frames have. Any other difference is an error that names the frame,
the columns, near names ("did you mean") and the option that fixes it (:class:`Sources`).
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from sdq.errors import InputError
from sdq.schema import FALSE_STRINGS, TRUE_STRINGS, Schema, _to_datetime_utc, plain_cells

__all__ = [
    "load_table",
    "Tables",
    "Sources",
    "build_tables",
    "check_frame",
    "check_named_columns",
    "check_excluded",
    "index_note",
    "invalid_notes",
    "frame_hash",
    "saved_index",
    "align_columns",
    "check_excluded",
    "index_note",
    "near_name",
    "canonical_levels",
    "coerce_frame",
]

_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".feather": "feather",
}
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table from ``.csv``, ``.tsv``, ``.parquet``, ``.json`` (records), ``.jsonl`` or ``.feather``.

    CSV and TSV files are read as UTF-8 text, and their header is kept as written: an empty name
    stays ``""`` (pandas would rename it ``Unnamed: 0``) and a repeated name is an error (pandas
    would silently rename the second ``x`` to ``x.1``). A text column in which every value is a
    number and some are written with comma thousands separators (``"1,234"``, ``"-12,345.5"``)
    is read as numbers; a column with any other text (``"1,5"``) stays text.

    Raises
    ------
    InputError
        The path does not exist, is a directory, has an unknown extension, is empty, holds no
        columns or cannot be parsed. The message is one line naming the file and saying what to do.
    """
    p = Path(path)
    where = _shown(p)
    suffix = p.suffix.lower()
    if suffix == ".gz":
        suffix = Path(p.stem).suffix.lower()
    if not p.exists():
        raise InputError(f"{where}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{where}: is a directory, not a file; give the path of a table file")
    if suffix not in _READERS:
        raise InputError(f"{where}: unknown file type {suffix or '(none)'!r}; use one of {sorted(set(_READERS))}")
    if p.stat().st_size == 0:
        raise InputError(f"{where}: the file is empty (0 bytes); write a header line and at least one row")
    kind = _READERS[suffix]
    try:
        if kind in ("csv", "tsv"):
            frame = _read_text_table(p, where, sep="\t" if kind == "tsv" else ",")
        elif kind == "parquet":
            frame = pd.read_parquet(p)
        elif kind == "json":
            frame = pd.read_json(p)
        elif kind == "jsonl":
            frame = pd.read_json(p, lines=True)
        else:
            frame = pd.read_feather(p)
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(_not_utf8(p, where)) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{where}: holds no columns (no header line); write the column names on the first line"
        ) from None
    except PermissionError:
        raise InputError(f"{where}: permission denied; make the file readable") from None
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise InputError(f"{where}: cannot read {suffix} files here ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, reported in one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if kind in ("json", "jsonl") and any(s in first_line for s in _JSON_NOT_A_TABLE):
            example = '[{"a": 1, "b": "x"}, ...]' if kind == "json" else '{"a": 1, "b": "x"} on each line'
            raise InputError(f"{where}: holds no table; write records, e.g. {example}") from None
        raise InputError(
            f"{where}: cannot be read as {kind} ({first_line}); check that the file is complete and in that format"
        ) from None
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover - read_json of a scalar
        raise InputError(f"{where}: holds no table; write a table with a header (or records)")
    if len(frame.columns) == 0:
        raise InputError(f"{where}: holds no columns; write a table with a header (or records)")
    return frame


def _shown(p: Path) -> str:
    """A path as text for a one-line message: control characters (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(p))


#: How pandas says that a JSON document is not a table (a scalar, or objects of scalars).
_JSON_NOT_A_TABLE = ("DataFrame constructor not properly called", "If using all scalar values")
#: A number with comma thousands separators, and a plain number (text in a CSV column).
_GROUPED_NUMBER = re.compile(r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$")
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def _read_text_table(p: Path, where: str, sep: str) -> pd.DataFrame:
    """A CSV/TSV file with its header as written and thousands separators read as numbers."""
    # low_memory=False: types are inferred from the whole column, not chunk by chunk (which gives
    # columns mixing numbers and strings, and a DtypeWarning on stderr)
    frame = pd.read_csv(p, sep=sep, low_memory=False)
    header = pd.read_csv(p, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False, na_filter=False)
    names = [str(v) for v in header.iloc[0].tolist()] if len(header) else []
    if len(names) == len(frame.columns):  # else pandas took the first column as the index: keep its names
        seen: dict[str, int] = {}
        for name in names:
            seen[name] = seen.get(name, 0) + 1
        dupes = sorted(name for name, count in seen.items() if count > 1)
        if dupes:
            raise InputError(f"{where}: duplicate column names: {dupes} in the header; give each column its own name")
        frame.columns = names
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            numbers = _grouped_numbers(column)
            if numbers is not None:
                frame[name] = numbers
    return frame


def _grouped_numbers(column: pd.Series) -> pd.Series | None:
    """The column as numbers if every present value is a number and some are written with comma
    thousands separators ("1,234"); else None."""
    distinct = pd.Series(column.dropna().unique()).astype(object)
    if distinct.empty or pd.api.types.infer_dtype(distinct, skipna=False) != "string":
        return None
    for values in (distinct.iloc[:1000], distinct):  # most text columns fail on their first values
        grouped = values.str.match(_GROUPED_NUMBER)
        if not (grouped | values.str.match(_PLAIN_NUMBER)).all():
            return None
    if not distinct.str.match(_GROUPED_NUMBER).any():
        return None
    return pd.to_numeric(column.astype(object).str.replace(",", "", regex=False).str.strip())


def _not_utf8(p: Path, where: str) -> str:
    """The message for a text file that is not UTF-8: where its first undecodable byte is."""
    opener = gzip.open if p.suffix.lower() == ".gz" else open
    with opener(p, "rb") as handle:
        if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return f"{where}: is UTF-16 text, not UTF-8; save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet)"
        handle.seek(0)
        offset, line, carry = 0, 1, b""  # offset: where data[0] is in the file
        while True:
            chunk = handle.read(1 << 20)
            data = carry + chunk
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                if chunk and exc.reason == "unexpected end of data":
                    good = exc.start  # a character cut at the end of the chunk: decode it with the next
                else:
                    line += data[: exc.start].count(b"\n")
                    return (
                        f"{where}: is not UTF-8 text (byte 0x{data[exc.start : exc.start + 1].hex()} on line {line}, "
                        f"at byte {offset + exc.start}); save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
                    )
            line += data[:good].count(b"\n")
            offset, carry = offset + good, data[good:]
            if not chunk:
                break
    return f"{where}: is not UTF-8 text; save it as UTF-8"  # pragma: no cover - pandas found what we did not


def check_frame(frame: Any, what: str) -> pd.DataFrame:
    """Check that an argument is a usable DataFrame (not modified, not copied).

    Column names may be of any type, but a report names columns by their text, so two names
    with the same text (``1`` and ``"1"``) are an error, as are duplicate names."""
    if not isinstance(frame, pd.DataFrame):
        hint = " (a Dask DataFrame: pass engine='dask')" if type(frame).__module__.startswith("dask") else ""
        raise InputError(f"The '{what}' argument must be a pandas DataFrame. Got {type(frame).__name__} instead{hint}.")
    if frame.columns.has_duplicates:
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InputError(f"The {what} data has duplicate column names: {dupes}; give each column its own name.")
    if len(frame.columns) == 0:
        raise InputError(f"The {what} data has no columns; pass a table with at least one column.")
    labels: dict[str, list] = {}
    for name in frame.columns:
        labels.setdefault(str(name), []).append(name)
    clashes = [names for names in labels.values() if len(names) > 1]
    if clashes:
        raise InputError(
            f"The {what} data has column names that are the same as text: "
            f"{'; '.join(repr(names) for names in clashes)}; rename them so each reads differently."
        )
    if len(frame) == 0:
        raise InputError(f"The {what} data has no rows; pass a table with at least one row.")
    return frame


def frame_hash(frame: pd.DataFrame) -> str:
    """A SHA-256 of a frame's column names and values (row order matters)."""
    digest = hashlib.sha256()
    digest.update(repr([str(c) for c in frame.columns]).encode("utf-8"))
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except (TypeError, UnicodeDecodeError):  # unhashable cells (lists, dicts) or bytes: hash their text
        plain = pd.DataFrame({i: plain_cells(frame.iloc[:, i]) for i in range(frame.shape[1])})
        digest.update(pd.util.hash_pandas_object(plain.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _number_text(num: np.ndarray) -> np.ndarray:
    """Finite floats written canonically: integral values without a decimal point."""
    text = num.astype(str).astype(object)
    integral = (np.floor(num) == num) & (np.abs(num) < 2**53)
    text[integral] = num[integral].astype(np.int64).astype(str)
    return text


def _factorize(values) -> tuple[np.ndarray, Any]:
    """``pd.factorize`` (missing -> -1), except that a boolean never shares a code with a number:
    ``False == 0 == 0.0`` in Python, so pandas gives them one code and keeps whichever came first,
    and the canonical text of the group would depend on the order of the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    dtype = getattr(values, "dtype", None)
    if dtype != object or pd.api.types.infer_dtype(uniques, skipna=True) in (  # noqa: E721 (a dtype, not a type)
        "string",
        "boolean",
    ):
        return codes, uniques
    arr = np.asarray(values, dtype=object)
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in arr), dtype=bool, count=len(arr))
    present = codes >= 0
    if not (is_bool.any() and (present & ~is_bool).any()):
        return codes, uniques
    # split each code by "is a boolean", numbering the groups in order of first appearance
    sub_codes, _ = pd.factorize(codes[present].astype(np.int64) * 2 + is_bool[present])
    first = np.flatnonzero(present)[np.unique(sub_codes, return_index=True)[1]]
    out = np.full(len(codes), -1, dtype=np.int64)
    out[present] = sub_codes
    return out, pd.Index(arr[first], dtype=object)


def _canonical_strings(series: pd.Series, numbers_as_text: bool) -> pd.Series:
    """Values as strings, stored as a pandas Categorical; missing stays missing.

    Numbers are written canonically (1, 1.0 -> "1"). With ``numbers_as_text`` (the real column
    holds numbers), strings that spell numbers are canonicalised too ("1.0" -> "1"); otherwise
    strings keep their spelling ("007" stays "007"). The work is done once per distinct value
    (the column is factorised first), and the result keeps integer codes, so later counting,
    hashing and encoding run on integers rather than on millions of Python strings.
    """
    codes, uniques = _factorize(series)
    canon = _canonical_values(pd.Series(uniques, dtype=uniques.dtype), numbers_as_text).to_numpy(dtype=object)
    canon_codes, categories = pd.factorize(canon, use_na_sentinel=True)
    final = np.where(codes >= 0, canon_codes[np.maximum(codes, 0)] if len(canon_codes) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(final, categories=pd.Index(categories, dtype=object)))


def canonical_levels(levels: Any) -> list[str]:
    """The declared levels of an ordinal column (an ordered pandas category's categories) written
    as its values are (:func:`_canonical_strings`), in their order.

    Examples
    --------
    >>> canonical_levels([1, 2.0, 10])
    ['1', '2', '10']
    >>> canonical_levels(["low", "high"])
    ['low', 'high']
    """
    return [str(v) for v in _canonical_values(pd.Series(list(levels), dtype=object), False).tolist()]


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
                is_num &= ~np.fromiter(
                    (isinstance(v, str) for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values)
                )
            text[is_num] = _number_text(num[is_num])
        else:
            # mixed Python objects: canonicalise each distinct value once
            codes, uniques = _factorize(pd.Series(values.to_numpy(dtype=object), dtype=object))
            canon = np.array(
                [
                    str(v) if isinstance(v, str) or not _is_number(v) else _number_text(np.array([float(v)]))[0]
                    for v in uniques
                ],
                dtype=object,
            )
            text = canon[codes]
    out[present] = text
    return pd.Series(out, dtype=object)


def _is_number(value) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and np.isfinite(float(value))
    )


def _coerce(series: pd.Series, kind: str, numbers_as_text: bool = False) -> tuple[pd.Series, int]:
    """One column coerced to its kind's canonical form, and the number of values that failed."""
    series = plain_cells(series.reset_index(drop=True))
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
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            # numbers and booleans are no dates (pandas would read booleans as nanoseconds)
            stamps = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
            stamps = series.dt.tz_convert("UTC") if series.dt.tz is not None else series.dt.tz_localize("UTC")
        else:
            stamps = _to_datetime_utc(series)
        out = pd.Series(
            ((stamps - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan), index=series.index
        )
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


#: How a command line spells the options that name columns.
_FLAGS = {
    "target": "--target",
    "time_column": "--time-column",
    "entity_column": "--entity-column",
    "column_types": "--column-type",
    "exclude": "--exclude",
}
#: At most this many names in a list of columns within a message.
_SHOWN_NAMES = 20


@dataclass(frozen=True)
class Sources:
    """How messages name the inputs and the options that fix them.

    ``paths`` maps an input (``real``, ``synthetic``, ``holdout``, ``sensitive``) to the file it was
    read from, shown beside its name; with ``flags`` options are spelled as command-line flags
    (``--exclude COL``), else as the arguments of :func:`sdq.evaluate` (``exclude=[...]``).

    Examples
    --------
    >>> Sources({"synthetic": "synth.csv"}, flags=True).name("synthetic")
    'synthetic data (synth.csv)'
    >>> Sources().exclude(["Age", "zip"])
    "exclude=['Age', 'zip']"
    """

    paths: Mapping[str, Any] = field(default_factory=dict)
    flags: bool = False

    def with_path(self, what: str, path: Any) -> "Sources":
        """The same, with the file of ``what`` (None: no file)."""
        paths = {k: v for k, v in self.paths.items() if k != what}
        if path is not None:
            paths[what] = path
        return Sources(paths, self.flags)

    def name(self, what: str) -> str:
        """``synthetic data``, with its file in brackets when known."""
        path = self.paths.get(what)
        return f"{what} data" if path is None else f"{what} data ({_shown(Path(path))})"

    def option(self, option: str) -> str:
        """The option as the user wrote it: ``--exclude`` or ``the 'exclude' argument``."""
        return _FLAGS.get(option, option) if self.flags else f"the {option!r} argument"

    def exclude(self, columns: Iterable[Any]) -> str:
        """How to leave ``columns`` out: ``--exclude a --exclude b`` or ``exclude=['a', 'b']``."""
        columns = list(columns)
        if self.flags:
            return " ".join(f"--exclude {shlex.quote(str(c))}" for c in columns)
        return f"exclude={columns!r}"


def _names(columns: Iterable[Any]) -> str:
    """A list of column names for a message (at most :data:`_SHOWN_NAMES`, then how many more)."""
    labels = [str(c) for c in columns]
    if len(labels) <= _SHOWN_NAMES:
        return repr(labels)
    return f"{repr(labels[:_SHOWN_NAMES])[:-1]}, ... and {len(labels) - _SHOWN_NAMES} more]"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def near_name(name: Any, candidates: Iterable[Any]) -> Any:
    """The candidate closest to ``name`` (another case, spaces around it, a typo), or None.

    Examples
    --------
    >>> near_name("Age", ["age", "income"]), near_name("income ", ["age", "income"])
    ('age', 'income')
    >>> near_name("zip", ["age", "income"]) is None
    True
    """
    candidates = [c for c in candidates if c != name]

    def plain(value: Any) -> str:
        return " ".join(str(value).replace("_", " ").split()).lower()

    target = plain(name)
    same = [c for c in candidates if plain(c) == target]
    if same:
        return same[0]
    close = difflib.get_close_matches(target, [plain(c) for c in candidates], n=1, cutoff=0.75)
    return next((c for c in candidates if close and plain(c) == close[0]), None)


#: Names pandas gives, or a CSV header holds, for a saved index.
_INDEX_NAMES = ("", "Unnamed: 0")


def saved_index(frame: pd.DataFrame) -> Any:
    """The name of the frame's first column if it looks like a pandas index saved with the file
    (``df.to_csv(path)`` without ``index=False``): named ``""`` or ``"Unnamed: 0"`` and holding
    unique integers with nothing missing; else None."""
    if len(frame.columns) < 2:
        return None
    name = frame.columns[0]
    if not isinstance(name, str) or name not in _INDEX_NAMES:
        return None
    column = frame.iloc[:, 0]
    dtype = column.dtype
    if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    if column.isna().any() or not column.is_unique:
        return None
    return name


def index_note(sources: Sources, what: str, name: Any, lacking: str) -> str:
    """The line that says a saved index was ignored in ``what`` because ``lacking`` has no such column."""
    return (
        f"{sources.name(what)}: ignored its first column {name!r}, a pandas index saved with the file "
        f"(unique integers; the {lacking} data has no such column)"
    )


def _invalid_note(sources: Sources, what: str, spec: Any, n: int) -> str:
    return (
        f"{sources.name(what)}: {n} value{'s' if n > 1 else ''} of {spec.label!r} could not be read "
        f"as {spec.kind} and count as missing"
    )


def invalid_notes(
    schema: Schema, invalid: Mapping[str, Mapping[str, int]], sources: Sources | None = None
) -> list[str]:
    """The data warnings of invalid-value counts (frame name -> column label -> count): one line
    per frame and column with values that could not be read as the column's kind."""
    sources = sources or Sources()
    specs = {spec.label: spec for spec in schema.columns}
    return [
        _invalid_note(sources, what, specs[label], n)
        for what, counts in invalid.items()
        for label, n in counts.items()
        if n and label in specs
    ]


def check_excluded(names: Iterable[Any], frames: Mapping[str, pd.DataFrame | None], sources: Sources) -> None:
    """Check that every column named by ``exclude`` is a column of at least one of ``frames``
    (input name -> frame); the message names the inputs (and their files) and a near name."""
    given = {what: frame for what, frame in frames.items() if frame is not None}
    columns = list(dict.fromkeys(c for frame in given.values() for c in frame.columns))
    for name in names:
        if name in set(columns):
            continue
        near = near_name(name, columns)
        hint = f"; did you mean {near!r}?" if near is not None else "."
        inputs = ", ".join(sources.name(what) for what in given)
        raise InputError(
            f"{_sentence(sources.option('exclude'))} names {name!r}, which is not a column of any input ({inputs}){hint}"
        )


def check_named_columns(real: pd.DataFrame, options: Mapping[str, Any], sources: Sources | None = None) -> None:
    """Check that the columns named by ``target``, ``time_column``, ``entity_column`` and the keys
    of ``column_types`` are columns of the real frame; the message names the option, the real
    data (and its file) and a near name."""
    sources = sources or Sources()
    known = list(real.columns)
    for option in ("target", "time_column", "entity_column", "column_types"):
        value = options.get(option)
        if value is None:
            continue
        for name in list(value) if option == "column_types" else [value]:
            if name in set(known):
                continue
            near = near_name(name, known)
            hint = f"; did you mean {near!r}? Its" if near is not None else "; its"
            raise InputError(
                f"{_sentence(sources.option(option))} names {name!r}, which is not a column of the "
                f"{sources.name('real')}{hint} columns are {_names(known)}."
            )


@dataclass(frozen=True)
class Tables:
    """The real, synthetic and (optional) holdout frames coerced to one schema.

    ``invalid`` maps frame name -> column label -> number of values that could not be coerced.
    ``frames`` holds only the columns that take part (excluded columns are dropped).
    ``notes`` maps frame name -> one line per thing forgiven or coerced in it (see :attr:`warnings`).
    """

    schema: Schema
    frames: dict[str, pd.DataFrame]
    invalid: dict[str, dict[str, int]]
    hashes: dict[str, str]
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def real(self) -> pd.DataFrame:
        return self.frames["real"]

    @property
    def synthetic(self) -> pd.DataFrame:
        return self.frames["synthetic"]

    @property
    def holdout(self) -> pd.DataFrame | None:
        return self.frames.get("holdout")

    @property
    def warnings(self) -> list[str]:
        """The data warnings, one line each, frame by frame: ignored columns (a saved index) and
        values that could not be read as their column's kind (counted as missing)."""
        return [line for what in self.frames for line in self.notes.get(what, [])]


def align_columns(
    frame: pd.DataFrame, schema: Schema, what: str, real_columns: list, exclude: set, sources: Sources
) -> tuple[list, list[str]]:
    """The columns of ``frame`` that are ignored (excluded by the user, or a saved index the real
    data lacks) and the notes about them; an error naming what differs otherwise."""
    columns = list(frame.columns)
    real_set = set(real_columns)
    ignored = [c for c in columns if c in exclude and c not in real_set]
    notes = []
    index = saved_index(frame)
    if index is not None and index not in real_set and index not in ignored:
        ignored.append(index)
        notes.append(index_note(sources, what, index, "real"))
    have = set(columns)
    needed = [c for c in real_columns if not (c in schema and schema[c].role == "excluded")]
    missing = [c for c in needed if c not in have]
    extra = [c for c in columns if c not in real_set and c not in set(ignored)]
    if missing or extra:
        raise InputError(_mismatch(what, schema, missing, extra, sources))
    return ignored, notes


def _mismatch(what: str, schema: Schema, missing: list, extra: list, sources: Sources) -> str:
    """The message for a frame whose columns are not the real frame's: what differs, near names
    ("did you mean"), and how to fix it (rename, or leave columns out)."""
    parts = []
    if missing:
        parts.append(f"missing column(s) {[str(c) for c in missing]}")
    if extra:
        parts.append(f"extra column(s) {[str(c) for c in extra]}")
    sentences = [
        f"The {sources.name(what)} does not have the columns of the {sources.name('real')}: {'; '.join(parts)}."
    ]
    pairs, unmatched = [], list(extra)
    for name in missing:
        near = near_name(name, unmatched)
        if near is not None:
            pairs.append((name, near))
            unmatched.remove(near)
    paired = {m for m, _ in pairs}
    if pairs:
        said = ", ".join(f"{m!r} for {e!r}" for m, e in pairs)
        sentences.append(f"Did you mean {said}? Rename {'it' if len(pairs) == 1 else 'them'} in the {what} data.")
    # what cannot be renamed: extra columns, and missing ones (the target, time and entity columns
    # cannot be left out)
    needs_role = [c for c in missing if c not in paired and c in schema and schema[c].role != "feature"]
    leave = unmatched + [c for c in missing if c not in paired and c not in needs_role]
    if leave:
        sentences.append(f"Leave {'it' if len(leave) == 1 else 'them'} out with {sources.exclude(leave)}.")
    for c in needs_role:
        sentences.append(f"The {what} data needs the {schema[c].role} column {str(c)!r}.")
    return " ".join(sentences)


def build_tables(
    schema: Schema,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    sensitive: pd.DataFrame | None = None,
    *,
    reuse: Tables | None = None,
    exclude: Iterable[Any] = (),
    sources: Sources | None = None,
) -> Tables:
    """Align columns by name and coerce every frame to the schema (new frames, counts of failures).

    ``reuse``: tables built before with the same schema from the same real, holdout and sensitive
    frames; only the synthetic frame is coerced again. ``exclude``: columns the real frame does
    not have that are ignored wherever they are (the real frame's excluded columns are in the
    schema). ``sources``: how messages and notes name the frames and options."""
    if reuse is not None and reuse.schema is not schema:
        raise ValueError("build_tables: tables can only be reused with the schema they were built with")
    sources = sources or Sources()
    exclude = set(exclude)
    real_columns = list(real.columns)
    inputs = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        inputs["holdout"] = holdout
    if sensitive is not None:
        inputs["sensitive"] = sensitive
    numeric_real = {
        spec.name: pd.api.types.is_numeric_dtype(real[spec.name].dtype)
        and not pd.api.types.is_bool_dtype(real[spec.name].dtype)
        for spec in schema.columns
    }
    frames, invalid, hashes, notes = {}, {}, {}, {}
    for what, frame in inputs.items():
        if reuse is not None and what != "synthetic" and what in reuse.frames:
            frames[what], invalid[what], hashes[what] = reuse.frames[what], reuse.invalid[what], reuse.hashes[what]
            notes[what] = reuse.notes.get(what, [])
            continue
        _, notes[what] = align_columns(frame, schema, what, real_columns, exclude, sources)
        hashes[what] = frame_hash(frame[[c for c in real_columns if c in frame.columns]])
        coerced, failures = {}, {}
        for spec in schema.columns:
            if spec.role == "excluded":
                continue
            column, failures[spec.label] = _coerce(frame[spec.name], spec.kind, numeric_real[spec.name])
            coerced[spec.name] = column  # float64 or Categorical, with a fresh RangeIndex
            if failures[spec.label]:
                notes[what].append(_invalid_note(sources, what, spec, failures[spec.label]))
        out = pd.DataFrame(coerced, columns=[s.name for s in schema.columns if s.role != "excluded"])
        frames[what], invalid[what] = out, failures
    return Tables(schema=schema, frames=frames, invalid=invalid, hashes=hashes, notes=notes)


def coerce_frame(schema: Schema, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The frame the schema was fitted on, coerced to it as :func:`build_tables` coerces the real
    frame (excluded columns left out), and the number of values per column that could not be
    read as their kind (for work on the real data alone, such as mining rules)."""
    coerced, failures = {}, {}
    for spec in schema.columns:
        if spec.role == "excluded":
            continue
        series = frame[spec.name]
        numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
        coerced[spec.name], failures[spec.label] = _coerce(series, spec.kind, numeric)
    return pd.DataFrame(coerced, columns=[s.name for s in schema.columns if s.role != "excluded"]), failures

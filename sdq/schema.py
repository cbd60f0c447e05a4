"""Column kinds, fitted once on the real frame and applied to holdout and synthetic data.

Each column gets one kind and a plain-language reason:

``numeric``      numbers (int or float) with more than a few distinct values
``ordinal``      ordered categories: integers with few distinct values (a rating, a count, a
                 coded level; a float column whose present values are all whole numbers counts
                 as integers: pandas stores integers with missing values as floats, and missing
                 values must not change the kind) and ordered pandas categories. Their levels
                 are ordered by value, or in the category order (:func:`level_order`)
``categorical``  strings and unordered pandas categories
``boolean``      bool dtype, 0/1 numbers, or strings such as true/false, yes/no
``datetime``     datetime dtype, Python ``date``/``datetime`` objects, or strings that parse as dates
``id``           a unique value in every row (unique strings, or unique integers that are a
                 counter, each integer of their span once, or whose name says id/key; never
                 decided by row order); left out of fidelity and utility metrics
``text``         long, mostly unique free-text strings; only summary statistics
``constant``     a single distinct value
``empty``        every value missing

and a role: ``feature`` (the default), ``target``, ``time``, ``entity`` or ``excluded``.
Users override kinds with ``column_types`` and leave columns out with ``exclude``.

Kinds are inferred from the present (non-missing) values only. The time column is always
``numeric`` (numbers) or ``datetime`` (dates), whatever its number of distinct values, since it
orders the rows (unless the user sets its kind).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from sdq.errors import InputError

__all__ = [
    "KINDS",
    "ROLES",
    "BINNED_KINDS",
    "DEPENDENCE_KINDS",
    "ORDERED_KINDS",
    "VALUE_KINDS",
    "ColumnSpec",
    "Schema",
    "infer_kind",
    "fit_schema",
    "level_order",
]

KINDS = ("numeric", "ordinal", "categorical", "boolean", "datetime", "id", "text", "constant", "empty")
ROLES = ("feature", "target", "time", "entity", "excluded")

#: Kinds whose values can be binned and compared as distributions.
BINNED_KINDS = ("numeric", "datetime", "ordinal", "categorical", "boolean", "constant", "empty")
#: Kinds that carry dependence between columns (pairwise metrics, models).
DEPENDENCE_KINDS = ("numeric", "datetime", "ordinal", "categorical", "boolean")
#: Kinds whose values are ordered, so that an association with them has a sign (rank measures).
ORDERED_KINDS = ("numeric", "datetime", "ordinal", "boolean")
#: Kinds compared as distinct values (category shares, top values, unseen values).
VALUE_KINDS = ("ordinal", "categorical", "boolean", "constant", "empty")

TRUE_STRINGS = frozenset({"true", "t", "yes", "y"})
FALSE_STRINGS = frozenset({"false", "f", "no", "n"})
_DATE_PATTERN = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$", re.IGNORECASE)
MAX_INTEGER_CATEGORIES = 10
MIN_ROWS_FOR_ID = 20
TEXT_MIN_MEAN_LENGTH = 30


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the schema: its name, kind, role and the reason for its kind; for an
    ordinal column read from an ordered pandas category, ``levels`` holds its categories in
    their order (other ordinal columns are ordered by value, see :func:`level_order`)."""

    name: Any
    kind: str
    reason: str
    role: str = "feature"
    levels: tuple = ()

    @property
    def label(self) -> str:
        """The column's name as a string (names need not be strings in pandas)."""
        return str(self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.label, "kind": self.kind, "reason": self.reason, "role": self.role}


@dataclass(frozen=True)
class Schema:
    """The columns of the real frame with their kinds, in the real frame's order."""

    columns: tuple[ColumnSpec, ...]
    target: Any = None
    time_column: Any = None
    entity_column: Any = None
    task: str | None = None
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({c.name: c for c in self.columns})

    def __getitem__(self, name: Any) -> ColumnSpec:
        return self._index[name]

    def __contains__(self, name: Any) -> bool:
        return name in self._index

    @property
    def names(self) -> list:
        """Every column that takes part (all but the excluded ones)."""
        return [c.name for c in self.columns if c.role != "excluded"]

    def select(self, kinds: Iterable[str], roles: Iterable[str] = ("feature", "target")) -> list[ColumnSpec]:
        """The columns of some kinds and roles, in schema order."""
        kinds, roles = set(kinds), set(roles)
        return [c for c in self.columns if c.kind in kinds and c.role in roles]

    def to_list(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.columns]


def _whole_numbers(values: np.ndarray) -> bool:
    """Whether every (finite) value is a whole number that an int64 holds exactly."""
    return bool(len(values)) and bool(np.all((np.floor(values) == values) & (np.abs(values) < 2**53)))


def _time_kind(series: pd.Series) -> tuple[str, str] | None:
    """The kind of a time column whose inferred kind is neither numeric nor datetime: numeric for
    numbers, datetime for dates; None if its values are neither (the time-series metrics then say
    why they cannot use it)."""
    dtype = series.dtype
    values = series.dropna()
    if len(values) == 0:
        return None
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return "numeric", "the time column: numbers that order the rows"
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return None
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("date", "datetime", "datetime64") or (inferred == "string" and _parses_as_dates(values)):
        return "datetime", "the time column: dates that order the rows"
    return None


#: What ``infer_dtype`` says of object columns whose cells are plain values (hashable, not bytes).
_PLAIN = frozenset(
    {
        "string",
        "empty",
        "boolean",
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "date",
        "datetime",
        "datetime64",
        "time",
        "period",
        "interval",
        "complex",
        "categorical",
        "timedelta",
        "timedelta64",
    }
)


def plain_cells(series: pd.Series) -> pd.Series:
    """The column with cells that cannot be compared as values turned into text: lists, dicts,
    sets and arrays (unhashable) by their ``str``, bytes decoded as UTF-8 with undecodable bytes
    escaped (``b"caf\xe9"`` -> ``"caf\\xe9"``). Other columns are returned as they are."""
    if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) in _PLAIN:
        return series

    def text(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8", errors="backslashreplace")
        if isinstance(value, (list, dict, set, np.ndarray)):
            return str(value)
        return value

    return series.map(text, na_action="ignore")


def _is_bool_strings(values: pd.Series) -> bool:
    lowered = pd.Series(pd.Series(values.unique()).astype(str).str.strip().str.lower().unique())
    return bool(lowered.isin(TRUE_STRINGS | FALSE_STRINGS).all()) and len(lowered) <= 2


def _parses_as_dates(values: pd.Series) -> bool:
    sample = values.iloc[:500].astype(str)
    if not sample.str.match(_DATE_PATTERN).mean() >= 0.95:
        return False
    parsed = _to_datetime_utc(sample)
    return bool(parsed.notna().mean() >= 0.95)


def _to_datetime_utc(values: pd.Series) -> pd.Series:
    """Parse strings or datetimes to UTC timestamps; what does not parse becomes NaT."""
    try:
        return pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    except (TypeError, ValueError):  # pragma: no cover - pandas versions differ in what they accept
        return pd.to_datetime(values.astype(str), errors="coerce", utc=True, format="mixed")


def _order_text(levels: Iterable[Any], shown: int = 6) -> str:
    """Levels joined by ``<``, the middle ones elided beyond ``shown`` levels."""
    names = [str(v) for v in levels]
    if len(names) > shown:
        names = [*names[: shown - 2], "...", *names[-2:]]
    return " < ".join(names)


def level_order(levels: Iterable[str], declared: Iterable[str] = ()) -> list[str]:
    """The order of an ordinal column's levels (distinct values written as text, as
    :mod:`sdq.data` writes them): the ``declared`` order first (an ordered pandas category's),
    then the other levels by value where they are all numbers, else alphabetically.

    Examples
    --------
    >>> level_order(["10", "9", "2.5"])
    ['2.5', '9', '10']
    >>> level_order(["high", "low", "mid"], declared=["low", "mid", "high"])
    ['low', 'mid', 'high']
    >>> level_order(["b", "a", "10"])
    ['10', 'a', 'b']
    """
    declared = list(dict.fromkeys(declared))
    known = set(declared)
    rest = sorted({str(v) for v in levels} - known)
    numbers = pd.to_numeric(pd.Series(rest, dtype=object), errors="coerce").to_numpy(dtype=float)
    if len(rest) and np.isfinite(numbers).all():
        rest = [rest[i] for i in np.argsort(numbers, kind="stable")]
    return declared + rest


def _user_order(series: pd.Series) -> tuple[tuple, str]:
    """The declared levels of a column the user says is ordinal, and how its levels are ordered."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return tuple(dtype.categories), f"in the category order: {_order_text(dtype.categories)}"
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return (), "levels ordered by value"
    numbers = pd.to_numeric(pd.Series(values.unique()).astype(str), errors="coerce")
    if len(numbers) and numbers.notna().all():
        return (), "levels ordered by value"
    return (), "levels in alphabetical order (give an ordered pandas category for another order)"


def infer_kind(series: pd.Series) -> tuple[str, str]:
    """The kind of one real column and the reason for it.

    Examples
    --------
    >>> infer_kind(pd.Series([1.5, 2.0, 3.25, 4.0, 5.5, 6.0, 7.5, 8.0, 9.0, 10.0, 11.5]))
    ('numeric', 'numbers with 11 distinct values')
    >>> infer_kind(pd.Series([1, 5, 3, 4, 2, 4, 7]))
    ('ordinal', 'integers with only 6 distinct values (ordered)')
    >>> infer_kind(pd.Series(["a", "b", "a", None]))
    ('categorical', 'strings with 2 distinct values')
    >>> infer_kind(pd.Series([None, None], dtype=object))
    ('empty', 'all 2 values are missing')
    """
    n = len(series)
    series = plain_cells(series)
    values = series.dropna()
    n_values = len(values)
    if n_values == 0:
        return "empty", f"all {n} values are missing"
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        # a single value is a constant, whatever its type (as numbers 0/1 are)
        return ("boolean", "boolean dtype") if values.nunique() > 1 else ("constant", "a single distinct value")
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime", "datetime dtype"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "numeric", "durations, compared in seconds"
    if pd.api.types.is_numeric_dtype(dtype):
        finite = values[np.isfinite(values.astype(float))]
        distinct = finite.unique()
        n_distinct = len(distinct)
        if n_distinct <= 1:
            return "constant", ("a single distinct value" if n_distinct == 1 else "no finite values")
        if n_distinct <= 2 and set(np.asarray(distinct, dtype=float).tolist()) <= {0.0, 1.0}:
            return "boolean", "numbers 0 and 1 only"
        # whole numbers count as integers whatever the dtype: pandas stores integers with missing
        # values as floats, and a missing value must not change the kind
        whole = _whole_numbers(np.asarray(distinct, dtype=float))
        if whole and n_distinct == n_values and n_values >= MIN_ROWS_FOR_ID:
            # a counter (every integer of its span once) or a name that says id; never the row
            # order: a unique income or epoch column that happens to be sorted is a measurement
            span = float(finite.max()) - float(finite.min()) + 1
            if span == n_values or _ID_NAME.search(str(series.name) or ""):
                return "id", "unique integers in every row (a counter or key)"
        if whole and n_distinct <= MAX_INTEGER_CATEGORIES:
            return "ordinal", f"integers with only {n_distinct} distinct values (ordered)"
        return "numeric", f"numbers with {n_distinct} distinct values"
    # strings, objects, pandas categories
    if isinstance(dtype, pd.CategoricalDtype):
        n_distinct = values.nunique()
        if n_distinct <= 1:
            return "constant", "a single distinct value"
        if dtype.ordered:
            return "ordinal", (
                f"ordered pandas category with {n_distinct} distinct values ({_order_text(dtype.categories)})"
            )
        return "categorical", f"pandas category dtype with {n_distinct} distinct values"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "boolean":
        return ("boolean", "Python booleans") if values.nunique() > 1 else ("constant", "a single distinct value")
    if inferred in ("date", "datetime", "datetime64"):
        return "datetime", f"Python {'dates' if inferred == 'date' else 'datetimes'}"
    n_distinct = values.nunique()
    if n_distinct <= 1:
        return "constant", "a single distinct value"
    if n_distinct <= 2 and _is_bool_strings(values):
        return "boolean", "strings such as true/false or yes/no"
    if inferred == "string" and _parses_as_dates(values):
        return "datetime", "strings that parse as dates"
    counts = values.value_counts(sort=False)  # lengths of the distinct values, weighted by their counts
    lengths = pd.Series(counts.index.astype(str)).str.len().to_numpy(dtype=float)
    mean_length = float((lengths * counts.to_numpy()).sum() / counts.sum())
    if n_distinct == n_values and n_values >= MIN_ROWS_FOR_ID and mean_length < TEXT_MIN_MEAN_LENGTH:
        return "id", "a unique value in every row"
    if n_distinct > 0.5 * n_values and mean_length >= TEXT_MIN_MEAN_LENGTH:
        return "text", f"long strings (mean length {mean_length:.0f}), mostly unique"
    return "categorical", f"strings with {n_distinct} distinct values"


#: Most classes a classification target may have: beyond it a model per class is neither
#: meaningful nor affordable (a continuous target read as classes took minutes and ran out of memory).
MAX_CLASSES = 50


def _check_classes(values: pd.Series, target: Any) -> None:
    """An :class:`InputError` when a target given as a classification target has more classes than
    make sense: more than :data:`MAX_CLASSES`, or mostly unique values."""
    present = values.dropna()
    n_classes = int(plain_cells(present).nunique()) if len(present) else 0
    mostly_unique = n_classes > 10 and n_classes > 0.5 * len(present)
    if n_classes > MAX_CLASSES or mostly_unique:
        raise InputError(
            f"The target {target!r} has {n_classes} distinct values in {len(present)} rows"
            + (" (mostly unique)" if mostly_unique else "")
            + f": too many classes for classification (at most {MAX_CLASSES}). If it is a quantity, "
            "use task 'regression' (--task regression); if it is a label, group its rare values first."
        )


def fit_schema(
    real: pd.DataFrame,
    *,
    column_types: Mapping[Any, str] | None = None,
    exclude: Iterable[Any] | None = None,
    target: Any = None,
    time_column: Any = None,
    entity_column: Any = None,
    task: str | None = None,
) -> Schema:
    """Fit the schema on the real frame; user overrides and exclusions win over inference."""
    column_types = dict(column_types or {})
    exclude = list(exclude or [])
    known = set(real.columns)
    for what, names in (("column_types", list(column_types)), ("exclude", exclude)):
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError(
                f"The '{what}' argument names unknown column(s) {unknown}; the real data has {list(real.columns)}."
            )
    for name, kind in column_types.items():
        if kind not in KINDS:
            raise InputError(f"The column type of {name!r} must be one of {list(KINDS)}. Got {kind!r} instead.")
    roles: dict[Any, str] = {}
    for what, name in (("target", target), ("time_column", time_column), ("entity_column", entity_column)):
        if name is None:
            continue
        if name not in known:
            raise InputError(
                f"The '{what}' column {name!r} is not in the real data; its columns are {list(real.columns)}."
            )
        if name in exclude:
            raise InputError(f"The '{what}' column {name!r} cannot also be excluded.")
        if name in roles:
            raise InputError(f"The column {name!r} cannot be both {roles[name]} and {what}.")
        roles[name] = {"target": "target", "time_column": "time", "entity_column": "entity"}[what]
    if task == "classification" and target is not None:
        _check_classes(real[target], target)
    specs = []
    for name in real.columns:
        levels: tuple = ()
        if name in column_types:
            kind, reason = column_types[name], "set by the user"
            if kind == "ordinal":
                levels, order = _user_order(real[name])
                reason = f"{reason}; {order}"
        else:
            kind, reason = infer_kind(real[name])
            dtype = real[name].dtype
            if kind == "ordinal" and isinstance(dtype, pd.CategoricalDtype):
                levels = tuple(dtype.categories)
        role = "excluded" if name in exclude else roles.get(name, "feature")
        if role == "time" and name not in column_types and kind not in ("numeric", "datetime", "empty"):
            # the time column orders the rows: numbers or dates, however few distinct values
            kind, reason = _time_kind(real[name]) or (kind, reason)
        if role == "excluded":
            reason = f"{reason}; excluded by the user"
        if kind != "ordinal":
            levels = ()
        specs.append(ColumnSpec(name=name, kind=kind, reason=reason, role=role, levels=levels))
    return Schema(columns=tuple(specs), target=target, time_column=time_column, entity_column=entity_column, task=task)

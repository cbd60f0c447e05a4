"""Evaluating parsed rules on whole columns, vectorised with numpy and pandas.

A :class:`Table` holds the columns of one data set as sdq coerces them (``sdq.data``): numeric
and datetime columns as floats (dates in seconds since 1970 UTC), booleans as 0.0 / 1.0, every
other kind as text (a pandas Categorical). Each column becomes a typed :class:`Value`:

==========  ======================================================  ==========================
type        held as                                                 missing
==========  ======================================================  ==========================
number      float array                                             NaN
datetime    float array of seconds since 1970-01-01 UTC              NaN
string      integer codes into an array of distinct texts            code -1
bool        two boolean arrays: the value, and where it is known     known False
==========  ======================================================  ==========================

Text is worked on once per distinct value (lower case, lengths, regular expressions, sets), then
spread to the rows through the codes, so a million rows of a column with a thousand distinct
values cost a thousand string operations.

**Missing values.** A comparison, sum or function with a missing operand is unknown, and so is a
number that cannot be computed (a division by zero, the log of a negative number). Conditions
follow three-valued (Kleene) logic: ``unknown and false`` is false, ``unknown or true`` is true,
anything else with an unknown is unknown. A rule holds on a row where its condition is true, is
broken where it is false, and does not apply where it is unknown (as SQL's CHECK constraints
treat NULL); ``x is null`` and ``x is not null`` are never unknown, so a rule that wants a value
says so: ``x is not null and x >= 0``.

**Types meet** where they can without guessing: a text compared with a number is read as a
number (a categorical column of ``"1"`` .. ``"5"`` against ``>= 3``), a text or string literal
compared with a date is read as a date (``start >= "2020-01-01"``), a boolean in arithmetic is 0
or 1. Anything else (a date plus a number, text arithmetic, ``and`` on a number) is a
:class:`RuleTypeError` that says what to write instead.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from sdq.errors import ConfigError
from sdq.rules.grammar import (
    FUNCTIONS,
    Binary,
    Call,
    Column,
    Compare,
    InSet,
    IsNull,
    Literal,
    Matches,
    Node,
    Unary,
)

__all__ = [
    "Table",
    "Value",
    "evaluate",
    "condition",
    "RuleTypeError",
    "UnknownColumn",
    "TEXT_KINDS",
    "seconds",
    "rule_kinds",
]

#: Column kinds held as text.
TEXT_KINDS = ("categorical", "id", "text", "constant", "empty")
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


class RuleTypeError(ConfigError):
    """A rule combines values that do not go together (the message says what to write instead)."""


class UnknownColumn(ConfigError):
    """A rule names a column the data does not have."""


# -- values ---------------------------------------------------------------------------------------
@dataclass
class Strings:
    """Text: ``codes`` (int64, -1 = missing) into ``cats`` (distinct texts, an object array)."""

    codes: np.ndarray
    cats: np.ndarray

    def take(self, per_category: np.ndarray, fill: Any) -> np.ndarray:
        """One value per row from one value per distinct text (``fill`` where missing)."""
        values = np.asarray(per_category)
        if len(values) == 0:
            return np.full(len(self.codes), fill, dtype=values.dtype if values.dtype != object else object)
        out = values[np.maximum(self.codes, 0)]  # a new array (fancy indexing copies)
        out[self.codes < 0] = fill
        return out

    def remap(self, new_cats: np.ndarray) -> "Strings":
        """The texts with each distinct text replaced by ``new_cats`` (which may repeat)."""
        codes, uniques = pd.factorize(pd.Series(new_cats, dtype=object), use_na_sentinel=True)
        lut = np.append(codes.astype(np.int64), -1)
        return Strings(lut[self.codes], np.asarray(uniques, dtype=object))

    @property
    def known(self) -> np.ndarray:
        return self.codes >= 0


@dataclass
class Value:
    """A typed value: an array of one entry per row, or a scalar (a literal, or computed from literals)."""

    type: str  # "number", "datetime", "string", "bool" or "null"
    data: Any
    known_mask: Any = None  # bool values only: where the value is known

    @property
    def scalar(self) -> bool:
        if self.type == "string":
            return not isinstance(self.data, Strings)
        if self.type == "null":
            return True
        return np.ndim(self.data) == 0

    @property
    def known(self) -> Any:
        if self.type == "bool":
            return self.known_mask
        if self.type == "string":
            return True if self.scalar else self.data.known
        if self.type == "null":
            return False
        return ~np.isnan(self.data)


_WORDS = {"number": "a number", "datetime": "a date", "string": "text", "bool": "a condition", "null": "null"}


def _describe(value: Value) -> str:
    return _WORDS[value.type]


def seconds(stamps: pd.Series) -> np.ndarray:
    """UTC timestamps as float seconds since 1970 (NaN where missing)."""
    return ((stamps - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)


def _parse_dates(texts: np.ndarray) -> np.ndarray:
    """Texts read as dates (naive ones as UTC) -> seconds; NaN where a text is no date."""
    if len(texts) == 0:
        return np.empty(0)
    stamps = pd.to_datetime(pd.Series(texts, dtype=object), errors="coerce", utc=True, format="mixed")
    return seconds(stamps)


def _date_literal(text: str) -> float:
    value = _parse_dates(np.array([text], dtype=object))[0]
    if np.isnan(value):
        raise RuleTypeError(f"{text!r} is not a date (write dates as 2024-01-31 or 2024-01-31 12:00:00)")
    return float(value)


def _number_text(values: np.ndarray) -> np.ndarray:
    """Numbers as sdq writes them in text columns: whole numbers without a decimal point."""
    text = values.astype(str).astype(object)
    whole = (np.floor(values) == values) & (np.abs(values) < 2**53)
    text[whole] = values[whole].astype(np.int64).astype(str)
    return text


def rule_kinds(frame: pd.DataFrame, kinds: Mapping[str, str]) -> dict[str, str]:
    """The kinds rules read the columns as: an ``ordinal`` column (ordered levels) is a number
    where its values are numbers (a rating 1-5: ``rate <= 5`` reads as written), else a text
    kind (an ordered pandas category of labels); the other kinds as they are."""
    out = {}
    for name, kind in kinds.items():
        if kind == "ordinal":
            series = frame[name] if name in frame.columns else None
            numeric = series is not None and pd.api.types.is_numeric_dtype(series.dtype)
            kind = "numeric" if numeric and not pd.api.types.is_bool_dtype(series.dtype) else "categorical"
        out[name] = kind
    return out


# -- tables ---------------------------------------------------------------------------------------
class Table:
    """The columns of one data set, typed for rules: ``frame`` holds the columns by name (as text)
    and ``kinds`` maps each name to its sdq kind (``numeric``, ``datetime``, ``boolean`` or a text
    kind); columns are converted when a rule first reads them."""

    def __init__(self, frame: pd.DataFrame, kinds: Mapping[str, str]) -> None:
        self.frame = frame
        self.kinds = dict(kinds)
        self.n = len(frame)
        self._cache: dict[str, Value] = {}

    def names(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def column(self, name: str) -> Value:
        if name not in self._cache:
            if name not in self.kinds or name not in self.frame.columns:
                known = self.names()
                near = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                shown = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
                raise UnknownColumn(f"unknown column {name!r}{hint} The columns are: {shown}")
            self._cache[name] = _column_value(self.frame[name], self.kinds[name])
        return self._cache[name]


def _column_value(series: pd.Series, kind: str) -> Value:
    if kind in ("numeric", "datetime"):
        return Value("number" if kind == "numeric" else "datetime", series.to_numpy(dtype=float, na_value=np.nan))
    if kind == "boolean":
        x = series.to_numpy(dtype=float, na_value=np.nan)
        return Value("bool", x == 1.0, ~np.isnan(x))
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = np.asarray(series.cat.categories.astype(str), dtype=object)
        return Value("string", Strings(series.cat.codes.to_numpy(dtype=np.int64), cats))
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    return Value("string", Strings(codes.astype(np.int64), np.asarray([str(u) for u in uniques], dtype=object)))


# -- conversions ----------------------------------------------------------------------------------
def _to_number(value: Value, what: str) -> Value:
    if value.type == "number":
        return value
    if value.type == "bool":
        data = np.where(value.known_mask, np.asarray(value.data, dtype=float), np.nan)
        return Value("number", float(data) if np.ndim(data) == 0 else data)
    if value.type == "string":
        if value.scalar:
            try:
                return Value("number", float(value.data))
            except ValueError:
                raise RuleTypeError(f"{value.data!r} is not a number ({what})") from None
        nums = pd.to_numeric(pd.Series(value.data.cats, dtype=object), errors="coerce").to_numpy(dtype=float)
        return Value("number", value.data.take(nums, np.nan))
    if value.type == "null":
        raise RuleTypeError(f"null is not a number ({what}; to test for missing values write `x is null`)")
    raise RuleTypeError(f"{what}: {_describe(value)} is not a number")


def _to_datetime(value: Value, what: str) -> Value:
    if value.type == "datetime":
        return value
    if value.type == "string":
        if value.scalar:
            return Value("datetime", _date_literal(value.data))
        return Value("datetime", value.data.take(_parse_dates(value.data.cats), np.nan))
    if value.type == "null":
        raise RuleTypeError(f"null is not a date ({what}; to test for missing values write `x is null`)")
    raise RuleTypeError(
        f'{what}: {_describe(value)} is not a date (compare dates with dates or with text such as "2024-01-31")'
    )


def _to_text(value: Value, what: str) -> Value:
    if value.type == "string":
        return value
    if value.type in ("number", "bool"):
        if value.type == "bool":
            number = _to_number(value, what)
            data = np.asarray(number.data, dtype=float)
            if value.scalar:
                return Value("string", "True" if bool(value.data) else "False")
            codes = np.where(np.isnan(data), -1, data).astype(np.int64)
            return Value("string", Strings(codes, np.array(["False", "True"], dtype=object)))
        if value.scalar:
            return Value("string", str(_number_text(np.array([float(value.data)]))[0]))
        codes, uniques = pd.factorize(value.data, use_na_sentinel=True)
        base = Strings(codes.astype(np.int64), np.asarray(uniques, dtype=object))
        return Value("string", base.remap(_number_text(np.asarray(uniques, dtype=float))))
    raise RuleTypeError(f"{what}: {_describe(value)} is not text (read parts of dates with year(), month(), day())")


def _bool(value: Value, what: str) -> Value:
    if value.type != "bool":
        raise RuleTypeError(f"{what} needs conditions, got {_describe(value)} (add a comparison such as `x > 0`)")
    return value


def _clean(data: Any) -> Any:
    """Non-finite results of arithmetic (division by zero, overflow) are unknown."""
    if np.ndim(data) == 0:
        return float(data) if np.isfinite(data) else np.nan
    data = np.asarray(data, dtype=float)
    data[~np.isfinite(data)] = np.nan
    return data


# -- evaluation -----------------------------------------------------------------------------------
def evaluate(node: Node, table: Table) -> Value:
    """The value of a parsed expression on every row of ``table``."""
    with np.errstate(all="ignore"):
        return _eval(node, table)


def condition(node: Node, table: Table) -> tuple[np.ndarray, np.ndarray]:
    """A condition's (value, known) on every row: arrays of booleans of the table's length."""
    value = evaluate(node, table)
    if value.type != "bool":
        raise RuleTypeError(
            f"the expression is {_describe(value)}, not a condition (add a comparison, e.g. `x > 0` or `x is not null`)"
        )
    n = table.n
    data = np.broadcast_to(np.asarray(value.data, dtype=bool), (n,))
    known = np.broadcast_to(np.asarray(value.known_mask, dtype=bool), (n,))
    return data & known, known.copy()


def _eval(node: Node, table: Table) -> Value:
    if isinstance(node, Literal):
        if node.type == "bool":
            return Value("bool", np.bool_(node.value), np.bool_(True))
        if node.type == "number":
            return Value("number", float(node.value))
        return Value(node.type, node.value)
    if isinstance(node, Column):
        return table.column(node.name)
    if isinstance(node, Unary):
        operand = _eval(node.operand, table)
        if node.op == "not":
            operand = _bool(operand, "'not'")
            return Value("bool", ~np.asarray(operand.data) & operand.known_mask, operand.known_mask)
        number = _to_number(operand, "the minus sign")
        return Value("number", -number.data)
    if isinstance(node, Binary):
        left, right = _eval(node.left, table), _eval(node.right, table)
        if node.op in ("and", "or"):
            return _logic(node.op, _bool(left, f"'{node.op}'"), _bool(right, f"'{node.op}'"))
        return _arithmetic(node.op, left, right)
    if isinstance(node, Compare):
        values = [_eval(o, table) for o in node.operands]
        result = None
        for op, a, b in zip(node.ops, values[:-1], values[1:]):
            link = _compare(op, a, b)
            result = link if result is None else _logic("and", result, link)
        return result
    if isinstance(node, IsNull):
        operand = _eval(node.operand, table)
        missing = ~np.asarray(operand.known, dtype=bool)
        value = ~missing if node.negated else missing
        return Value("bool", value, np.ones_like(value, dtype=bool) if np.ndim(value) else np.bool_(True))
    if isinstance(node, InSet):
        return _in_set(_eval(node.operand, table), node.values, node.negated)
    if isinstance(node, Matches):
        return _matches(_eval(node.operand, table), node.pattern)
    if isinstance(node, Call):
        return _call(node.name, [_eval(a, table) for a in node.args])
    raise TypeError(f"not a rule node: {node!r}")  # pragma: no cover - the parser makes no other nodes


def _logic(op: str, a: Value, b: Value) -> Value:
    va, ka, vb, kb = (np.asarray(x, dtype=bool) for x in (a.data, a.known_mask, b.data, b.known_mask))
    ta, tb = va & ka, vb & kb  # known true
    fa, fb = ~va & ka, ~vb & kb  # known false
    if op == "and":
        return Value("bool", ta & tb, (ka & kb) | fa | fb)
    return Value("bool", ta | tb, (ka & kb) | ta | tb)


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    what = f"'{op}'"
    for side in (left, right):
        if side.type == "null":
            raise RuleTypeError(f"null in arithmetic ({what}); to test for missing values write `x is null`")
        if side.type == "string":
            raise RuleTypeError(f"{what} on text; read text as a number with number(x)")
    if "datetime" in (left.type, right.type):
        if op == "-" and left.type == right.type == "datetime":
            return Value("number", _clean(left.data - right.data))
        raise RuleTypeError(
            f"{what} with a date: only the difference of two dates is defined, in seconds; "
            "compare it in days, e.g. days(end - start) <= 30"
        )
    a, b = _to_number(left, what).data, _to_number(right, what).data
    if op == "+":
        out = a + b
    elif op == "-":
        out = a - b
    elif op == "*":
        out = a * b
    elif op == "/":
        out = np.divide(a, b)
    else:
        out = np.mod(a, b)
    return Value("number", _clean(out))


_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _compare(op: str, a: Value, b: Value) -> Value:
    what = f"the comparison '{op}'"
    if "null" in (a.type, b.type):
        raise RuleTypeError("null cannot be compared: write `x is null` or `x is not null`")
    types = {a.type, b.type}
    if "datetime" in types:
        a, b = _to_datetime(a, what), _to_datetime(b, what)
    elif types == {"string"}:
        return _compare_text(op, a, b)
    elif "string" in types and "bool" in types:
        raise RuleTypeError(f"{what} between text and a condition; compare with true or false")
    else:
        a, b = _to_number(a, what), _to_number(b, what)
    value = _OPS[op](a.data, b.data)
    known = ~np.isnan(a.data) & ~np.isnan(b.data)
    return Value("bool", value & known, known)


def _compare_text(op: str, a: Value, b: Value) -> Value:
    if a.scalar and b.scalar:
        value = np.bool_(_OPS[op](np.array([a.data], dtype=object), np.array([b.data], dtype=object))[0])
        return Value("bool", value, np.bool_(True))
    if a.scalar:
        a, b, op = b, a, _FLIP[op]
    strings: Strings = a.data
    if b.scalar:
        per_category = (
            np.asarray(_OPS[op](strings.cats, b.data), dtype=bool) if len(strings.cats) else np.zeros(0, bool)
        )
        known = strings.known
        return Value("bool", strings.take(per_category, False) & known, known)
    other: Strings = b.data
    known = strings.known & other.known
    if op in ("==", "!="):
        # both columns' codes into one list of distinct texts, then integers are compared
        codes, _ = pd.factorize(pd.Series(np.concatenate([strings.cats, other.cats]), dtype=object))
        lut_a = np.append(codes[: len(strings.cats)], -1)
        lut_b = np.append(codes[len(strings.cats) :], -2)
        value = (lut_a[strings.codes] == lut_b[other.codes]) == (op == "==")
        return Value("bool", value & known, known)
    left = strings.take(strings.cats, "")
    right = other.take(other.cats, "")
    value = np.asarray(_OPS[op](left, right), dtype=bool)
    return Value("bool", value & known, known)


def _in_set(operand: Value, literals: tuple[Literal, ...], negated: bool) -> Value:
    if operand.type == "null":
        raise RuleTypeError("null cannot be in a set: write `x is null`")
    if operand.type == "string":
        wanted = []
        for lit in literals:
            if lit.type == "string":
                wanted.append(lit.value)
            elif lit.type == "bool":
                wanted.append("True" if lit.value else "False")
            else:
                wanted.append(str(_number_text(np.array([float(lit.value)]))[0]))
        if operand.scalar:
            value = np.bool_(operand.data in wanted)
            return Value("bool", value != negated, np.bool_(True))
        strings: Strings = operand.data
        per_category = pd.Index(strings.cats, dtype=object).isin(wanted)
        known = strings.known
        value = strings.take(per_category, False)
        return Value("bool", (value != negated) & known, known)
    if operand.type == "datetime":
        wanted_seconds = []
        for lit in literals:
            if lit.type != "string":
                raise RuleTypeError('a date can only be in a set of dates written as text, e.g. {"2024-01-31"}')
            wanted_seconds.append(_date_literal(lit.value))
        data = operand.data
        value = np.isin(data, wanted_seconds)
    else:
        number = _to_number(operand, "'in'")
        wanted_numbers = []
        for lit in literals:
            if lit.type == "string":
                try:
                    wanted_numbers.append(float(lit.value))
                except ValueError:
                    continue  # a number is never this text
            else:
                wanted_numbers.append(float(lit.value))
        data = number.data
        value = np.isin(data, wanted_numbers)
    known = ~np.isnan(data)
    return Value("bool", (value != negated) & known, known)


def _matches(operand: Value, pattern: str) -> Value:
    text = _to_text(operand, "'matches'")
    regex = re.compile(pattern)
    if text.scalar:
        return Value("bool", np.bool_(regex.search(text.data) is not None), np.bool_(True))
    strings: Strings = text.data
    per_category = np.fromiter((regex.search(c) is not None for c in strings.cats), dtype=bool, count=len(strings.cats))
    known = strings.known
    return Value("bool", strings.take(per_category, False) & known, known)


# -- functions ------------------------------------------------------------------------------------
def _text_function(value: Value, name: str, fn: Callable[[pd.Series], pd.Series], result: str) -> Value:
    text = _to_text(value, f"{name}()")
    if text.scalar:
        out = fn(pd.Series([text.data], dtype=object)).iloc[0]
        return Value(result, float(out) if result == "number" else str(out))
    strings: Strings = text.data
    per_category = fn(pd.Series(strings.cats, dtype=object)).to_numpy()
    if result == "number":
        return Value("number", strings.take(per_category.astype(float), np.nan))
    return Value("string", strings.remap(per_category.astype(object)))


def _date_part(value: Value, name: str) -> Value:
    if value.type == "string":
        value = _to_datetime(value, f"{name}()")
    if value.type != "datetime":
        raise RuleTypeError(f"{name}() takes a date, got {_describe(value)}")
    data = np.atleast_1d(np.asarray(value.data, dtype=float))
    stamps = pd.Series(pd.to_datetime(data, unit="s", utc=True))
    part = {
        "year": lambda s: s.dt.year,
        "month": lambda s: s.dt.month,
        "day": lambda s: s.dt.day,
        "weekday": lambda s: s.dt.day_of_week,
        "hour": lambda s: s.dt.hour,
    }[name](stamps)
    out = part.to_numpy(dtype=float, na_value=np.nan)
    return Value("number", float(out[0]) if value.scalar else out)


def _call(name: str, args: list[Value]) -> Value:
    what = f"{name}()"
    if name in ("abs", "floor", "ceil", "sqrt", "log"):
        data = _to_number(args[0], what).data
        fn = {"abs": np.abs, "floor": np.floor, "ceil": np.ceil, "sqrt": np.sqrt, "log": np.log}[name]
        return Value("number", _clean(fn(data)))
    if name == "round":
        digits = 0
        if len(args) == 2:
            if not args[1].scalar or args[1].type != "number" or float(args[1].data) != int(args[1].data):
                raise RuleTypeError("round(x, digits): digits must be a whole number")
            digits = int(args[1].data)
        return Value("number", _clean(np.round(_to_number(args[0], what).data, digits)))
    if name in ("min", "max"):
        if any(a.type == "datetime" for a in args):
            values = [_to_datetime(a, what) for a in args]
            kind = "datetime"
        else:
            values = [_to_number(a, what) for a in args]
            kind = "number"
        reduce = np.minimum if name == "min" else np.maximum
        out = values[0].data
        for v in values[1:]:
            out = reduce(out, v.data)
        return Value(kind, _clean(out))
    if name == "len":
        return _text_function(args[0], name, lambda s: s.str.len(), "number")
    if name in ("lower", "upper", "strip"):
        return _text_function(args[0], name, lambda s: getattr(s.str, name)(), "string")
    if name == "number":
        return _to_number(args[0], what)
    if name == "text":
        return _to_text(args[0], what)
    if name in ("year", "month", "day", "weekday", "hour"):
        return _date_part(args[0], name)
    if name == "days":
        if args[0].type == "datetime":
            raise RuleTypeError("days() takes a difference of two dates, e.g. days(end - start)")
        return Value("number", _clean(_to_number(args[0], what).data / 86_400.0))
    if name == "date":
        return _to_datetime(args[0], what)
    raise RuleTypeError(f"unknown function {name!r}; the functions are {', '.join(FUNCTIONS)}")  # pragma: no cover

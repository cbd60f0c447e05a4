"""Hostile and broken inputs, through the Python API and the command line.

Every case gets one of two outcomes, and the same one through both doors:

- a **report**: its JSON is strict, every score, baseline and interval is in [0, 1] or null, every
  status is ok / skipped / error (with a message unless ok), and the report says how the odd data
  was treated (the inferred kind and its reason, invalid-value counts, a skip reason);
- an **input error**: ``sdq.InputError`` from the API; exit code 2 and exactly one line on stderr,
  starting with ``sdq: error:``, never a traceback nor an "unexpected" error, from the CLI.

After every API call the caller's frames are unchanged. ``CASES`` (below) lists every case with
what it gets, so the count of cases is visible; the frames are small and most cases run a fast
subset of metrics, since the point is input handling (the metrics have their own tests).
"""

from __future__ import annotations

import functools
import gzip
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from report_contract import check_contract, strict_json  # noqa: E402 (tests/ is on the path)

import sdq
from sdq.cli import main
from sdq.result import entry_scores

#: Metrics that exercise every input path (schema, coercion, bins, codes, hashing) in little time.
FAST = ("statistics", "histogram_similarity", "mutual_information", "correlation", "qscore", "exact_match")
#: Plus the models, for the cases about the target.
UTILITY = FAST + ("prediction", "feature_importance")
#: Plus the time-series metrics, for the cases about the time column.
SEQUENCE = FAST + (
    "autocorrelation",
    "partial_autocorrelation",
    "sequence_length",
    "first_differences",
    "seasonal_profile",
)
ALL = None
CONFIG = sdq.Config(n_bootstrap=10)


# -- frames ---------------------------------------------------------------------------------------


def base(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A small mixed frame: a float, a low-cardinality integer, strings and a boolean target."""
    r = np.random.default_rng(seed)
    x = r.normal(size=n)
    return pd.DataFrame(
        {
            "x": x.round(3),
            "k": r.integers(1, 5, n),
            "c": r.choice(["red", "green", "blue"], n),
            "flag": (x + r.normal(size=n)) > 0,
        }
    )


def triple(n: int = 40) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return base(n, 0), base(n, 1), base(n, 2)


def with_column(frames, name, values_by_frame) -> tuple[pd.DataFrame, ...]:
    out = []
    for frame, values in zip(frames, values_by_frame):
        frame = frame.copy()
        frame[name] = values
        out.append(frame)
    return tuple(out)


def _mixed_objects(n: int, seed: int) -> list:
    pool = [1, "a", 2.5, None, True, "b", 7, np.nan, "1", 1.0, "ü", pd.Timestamp("2020-01-01")]
    r = np.random.default_rng(seed)
    return [pool[i] for i in r.integers(0, len(pool), n)]


def _dates_mixed(n: int, seed: int) -> list[str]:
    """The same instants written in mixed formats and time zones."""
    r = np.random.default_rng(seed)
    stamps = pd.Timestamp("2021-03-01", tz="UTC") + pd.to_timedelta(r.integers(0, 90 * 24, n), unit="h")
    out = []
    for i, s in enumerate(stamps):
        form = i % 4
        if form == 0:
            out.append(s.strftime("%Y-%m-%d %H:%M:%S"))  # naive, read as UTC
        elif form == 1:
            out.append(s.tz_convert("Asia/Kolkata").isoformat())  # +05:30
        elif form == 2:
            out.append(s.strftime("%Y/%m/%d %H:%M"))  # slashes
        else:
            out.append(s.strftime("%Y-%m-%dT%H:%M:%SZ"))  # Zulu
    return out


def _date_instants(n: int, seed: int) -> pd.Series:
    r = np.random.default_rng(seed)
    return pd.Series(pd.Timestamp("2021-03-01", tz="UTC") + pd.to_timedelta(r.integers(0, 90 * 24, n), unit="h"))


# -- what a report must say -------------------------------------------------------------------------


def kinds(d: dict) -> dict[str, str]:
    return {c["name"]: c["kind"] for c in d["data"]["columns"]}


def reasons(d: dict) -> dict[str, str]:
    return {c["name"]: c["reason"] for c in d["data"]["columns"]}


def metric(d: dict, name: str) -> dict:
    return next(m for m in d["metrics"] if m["name"] == name)


def invalid(d: dict, frame: str) -> dict[str, int]:
    return d["data"]["invalid"][frame]


def expect_kinds(**expected: str) -> Callable[[dict], None]:
    def check(d: dict) -> None:
        got = kinds(d)
        for name, kind in expected.items():
            assert got[name] == kind, (name, got[name], reasons(d)[name])

    return check


def all_of(*checks: Callable[[dict], None]) -> Callable[[dict], None]:
    def check(d: dict) -> None:
        for c in checks:
            c(d)

    return check


def no_invalid(d: dict) -> None:
    for frame, counts in d["data"]["invalid"].items():
        assert not any(counts.values()), (frame, counts)


def score_is(name: str, value: float) -> Callable[[dict], None]:
    def check(d: dict) -> None:
        m = metric(d, name)
        assert m["status"] == "ok", m
        assert m["score"] == pytest.approx(value), m

    return check


# -- the cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    """One hostile input. ``frames()`` -> (real, synthetic, holdout or None).

    ``error``: a piece of the expected InputError message (None: a report is expected, checked by
    ``check``). ``raw``: file texts that stand in for frames (the API reads them with
    ``sdq.load_table``), for cases about how files are read. ``fmt``: the file type the CLI run
    writes the frames as. ``cli``: False where a file cannot hold the input (e.g. a non-frame).
    ``xfail``: the case fails today because of a bug outside input handling (schema inference,
    coercion or a metric); the reason says where, so it can be fixed there.
    """

    name: str
    gets: str
    frames: Callable[[], tuple] | None = None
    error: str | None = None
    check: Callable[[dict], None] | None = None
    kwargs: dict = field(default_factory=dict)
    metrics: tuple | None = FAST
    raw: dict[str, tuple[str, bytes]] | None = None
    fmt: str = "parquet"
    cli: bool = True
    cli_error: str | None = None  # where the CLI's outcome differs (a file cannot say the same)
    cli_check: Callable[[dict], None] | None = None
    xfail: str | None = None  # a known bug outside input handling: where it is and why


def _one_row():
    real, synthetic, holdout = triple(1)
    return real, synthetic, holdout


def _single_column():
    real, synthetic, holdout = triple()
    return real[["x"]], synthetic[["x"]], holdout[["x"]]


def _bool_strings_vs_bools():
    real = base()
    real_flag = real["flag"].map({True: "true", False: "false"})
    synthetic = real.copy()  # the same values, as booleans
    holdout = real.copy()
    holdout["flag"] = real["flag"].map({True: "Yes", False: "no"})
    real["flag"] = real_flag
    return real, synthetic, holdout


def _bools_vs_bool_strings():
    real = base()
    synthetic = real.copy()
    synthetic["flag"] = real["flag"].map({True: "True", False: "FALSE"})
    holdout = real.copy()
    holdout["flag"] = real["flag"].astype(int)  # 0 / 1
    return real, synthetic, holdout


def _ints_as_floats():
    real = base()
    real["n"] = np.arange(40) * 7 % 23  # integers, many values
    synthetic = real.copy()
    synthetic["k"] = synthetic["k"].astype(float)
    synthetic["n"] = synthetic["n"].astype(float)
    holdout = synthetic.copy()
    holdout.loc[0, "k"] = np.nan  # floats because of a missing value
    return real, synthetic, holdout


def _datetimes_mixed():
    real, synthetic, holdout = triple()
    instants = _date_instants(40, 0)
    real["when"] = _dates_mixed(40, 0)
    synthetic["when"] = instants.dt.tz_convert("America/New_York")  # the same instants, tz-aware
    holdout["when"] = instants.dt.tz_localize(None)  # the same instants, naive UTC
    return real, synthetic, holdout


def _infinities():
    real, synthetic, holdout = triple()
    real.loc[[0, 1], "x"] = [np.inf, -np.inf]
    synthetic.loc[[2, 3, 4], "x"] = [np.inf, np.inf, -np.inf]
    return real, synthetic, holdout


def _huge_numbers():
    real, synthetic, holdout = triple()
    real.loc[0, "x"] = 1e308
    real.loc[1, "x"] = -1e308
    real.loc[2, "x"] = 5e-324
    synthetic.loc[[0, 1], "x"] = 1.7e308  # finite, but their sum is not
    synthetic.loc[[2, 3], "x"] = -1.7e308
    return real, synthetic, holdout


def _huge_target():
    real, synthetic, holdout = triple()
    synthetic.loc[[0, 1], "x"] = [1.7e308, -1.7e308]
    return real, synthetic, holdout


def _bools_in_datetime_column():
    return with_column(
        triple(),
        "when",
        [
            pd.date_range("2020-01-01", periods=40, tz="UTC"),
            [True, False] * 20,
            pd.date_range("2020-01-01", periods=40),
        ],
    )


def _bools_and_numbers():
    """An object column holding False and 0, True and 1 (equal in Python, different values here)."""
    values = [[False, 0, 0.0, True, 1, "x"][i % 6] for i in range(40)]
    return with_column(triple(), "m", [values, values[::-1], values])


def _check_order_invariant(make: Callable[[], tuple], metrics=FAST, **kwargs) -> Callable[[dict], None]:
    """The same scores with the real rows in reverse order."""

    def check(d: dict) -> None:
        real, synthetic, holdout = make()
        other = sdq.evaluate(real.iloc[::-1], synthetic, holdout, metrics=metrics, config=CONFIG, **kwargs)
        assert {m["name"]: m["score"] for m in d["metrics"]} == pytest.approx(other.scores)

    return check


def _unhashable_cells():
    return with_column(triple(), "tags", [[[["a"], ["a", "b"], {"k": 1}, []][i % 4] for i in range(40)]] * 3)


def _bytes_values():
    return with_column(triple(), "raw", [[[b"ab", b"\xff\xfe", b"", b"caf\xe9"][i % 4] for i in range(40)]] * 3)


def _float16_column():
    return with_column(triple(), "h", [np.linspace(0, 8, 40).astype(np.float16)] * 3)


def _constant_boolean():
    return with_column(triple(), "yes", [[True] * 40] * 3)


def _mismatched_dtypes():
    real, synthetic, holdout = triple()
    synthetic["x"] = synthetic["x"].astype(object)
    synthetic.loc[[0, 1, 2], "x"] = ["abc", "1,5", "--"]  # not numbers
    synthetic.loc[3, "x"] = "2.5"  # a number as a string: read as 2.5
    synthetic["flag"] = synthetic["flag"].astype(object)
    synthetic.loc[[0, 1], "flag"] = ["maybe", 2]  # not booleans
    return real, synthetic, holdout


def _nullable_dtypes():
    real, synthetic, holdout = triple()
    for frame in (real, synthetic, holdout):
        frame["k"] = frame["k"].astype("Int64")
        frame.loc[0, "k"] = pd.NA
        frame["flag"] = frame["flag"].astype("boolean")
        frame.loc[1, "flag"] = pd.NA
        frame["c"] = frame["c"].astype("string[python]")
        frame.loc[2, "c"] = pd.NA
        frame["cat"] = pd.Categorical(frame["c"].astype(object).where(frame["c"].notna(), None))
    return real, synthetic, holdout


def _all_nan_column():
    return with_column(triple(), "gone", [[np.nan] * 40, [None] * 40, [1.5] * 20 + [np.nan] * 20])


def _constant_column():
    return with_column(triple(), "same", [["NL"] * 40, ["NL"] * 40, ["NL"] * 39 + ["BE"]])


def _all_unique_columns():
    return with_column(
        with_column(triple(), "email", [[f"u{i}_{s}@x.example" for i in range(40)] for s in range(3)]),
        "account",
        [np.arange(40) + 1000 * s for s in range(3)],
    )


def _mixed_object_column():
    return with_column(triple(), "mixed", [_mixed_objects(40, s) for s in range(3)])


def _all_missing_synthetic():
    real, synthetic, holdout = triple()
    synthetic = pd.DataFrame({c: pd.Series([None] * 40, dtype=object) for c in real.columns})
    return real, synthetic, holdout


def _missing_column():
    real, synthetic, holdout = triple()
    return real, synthetic.drop(columns="c"), holdout


def _extra_column():
    real, synthetic, holdout = triple()
    holdout["z"] = 1.0
    return real, synthetic, holdout


def _whitespace_mismatch():
    real, synthetic, holdout = triple()
    return real, synthetic.rename(columns={"c": "c "}), holdout


def _duplicate_columns():
    real, synthetic, holdout = triple()
    synthetic = pd.concat([synthetic, synthetic[["x"]]], axis=1)
    return real, synthetic, holdout


def _renamed(mapping):
    def make():
        return tuple(f.rename(columns=mapping) for f in triple())

    return make


def _colliding_names():
    return tuple(f.rename(columns={"x": 1, "k": "1"}) for f in triple())


def _newline_names():
    return tuple(f.rename(columns={"x": "two\nlines", "c": "tab\there"}) for f in triple())


def _multiindex_columns():
    frames = triple()
    for f in frames:
        f.columns = pd.MultiIndex.from_tuples([("num", "x"), ("num", "k"), ("str", "c"), ("bool", "flag")])
    return frames


def _duplicate_index():
    real, synthetic, holdout = triple()
    real.index = [i // 2 for i in range(40)]
    synthetic.index = [f"row{i % 5}" for i in range(40)]
    holdout.index = pd.date_range("2020-01-01", periods=40)
    return real, synthetic, holdout


def _target_missing_from_synthetic():
    real, synthetic, holdout = triple()
    return real, synthetic.drop(columns="flag"), holdout


def _target_all_missing_in_synthetic():
    real, synthetic, holdout = triple()
    synthetic["flag"] = pd.Series([None] * 40, dtype=object)
    return real, synthetic, holdout


def _target_one_class_real():
    real, synthetic, holdout = triple()
    real["flag"] = True
    return real, synthetic, holdout


def _target_one_class_synthetic():
    real, synthetic, holdout = triple()
    synthetic["flag"] = False
    return real, synthetic, holdout


def _time_duplicates():
    real, synthetic, holdout = triple()
    for s, frame in enumerate((real, synthetic, holdout)):
        frame["t"] = pd.Timestamp("2022-01-01") + pd.to_timedelta(np.arange(40) // 4 + s, unit="D")
        frame["x"] = np.sin(np.arange(40) / 3) + 0.1 * np.random.default_rng(s).normal(size=40)
    return real, synthetic, holdout


def _base_csv(
    seed: int,
    header: str | None = None,
    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    bom: bool = False,
) -> tuple[str, bytes]:
    frame = base(40, seed)
    if transform is not None:
        frame = transform(frame)
    text = frame.to_csv(index=False)
    if header is not None:
        text = header + "\n" + text.split("\n", 1)[1]
    return ("csv", (("\ufeff" if bom else "") + text).encode("utf-8"))


AMOUNTS = np.random.default_rng(7).integers(0, 3_000_000, 40)


def _thousands(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["amount"] = [f"{v:,}" for v in AMOUNTS.tolist()]  # "1,234,567", "987"
    return frame


def _thousands_plain(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["amount"] = AMOUNTS
    return frame


def _check_thousands(d: dict) -> None:
    assert kinds(d)["amount"] == "numeric", reasons(d)["amount"]
    no_invalid(d)
    assert metric(d, "histogram_similarity")["score"] == pytest.approx(1.0)


def _check_one_row(d: dict) -> None:
    assert d["data"]["real"]["rows"] == 1 and d["data"]["synthetic"]["rows"] == 1
    for name in ("statistics", "histogram_similarity", "exact_match"):
        assert metric(d, name)["status"] == "ok", metric(d, name)


def _check_single_column(d: dict) -> None:
    assert [c["name"] for c in d["data"]["columns"]] == ["x"]
    for name in ("statistics", "histogram_similarity"):
        assert metric(d, name)["status"] == "ok", metric(d, name)
    for name in ("mutual_information", "correlation"):
        m = metric(d, name)
        assert m["status"] == "skipped" and m["message"], m  # no pair of columns to compare


def _check_mixed_dates(d: dict) -> None:
    assert kinds(d)["when"] == "datetime", reasons(d)["when"]
    no_invalid(d)
    hist = metric(d, "histogram_similarity")["details"]["columns"]
    when = next(e for e in hist if e["column"] == "when")
    assert entry_scores(when) == (pytest.approx(1.0), pytest.approx(1.0)), when  # same instants, any zone


def _check_infinities(d: dict) -> None:
    assert kinds(d)["x"] == "numeric"
    assert invalid(d, "real")["x"] == 2
    assert invalid(d, "synthetic")["x"] == 3
    assert invalid(d, "holdout")["x"] == 0


def _check_mismatched(d: dict) -> None:
    assert invalid(d, "synthetic")["x"] == 3  # "abc", "1,5", "--"; "2.5" is a number
    assert invalid(d, "synthetic")["flag"] == 2  # "maybe", 2
    assert invalid(d, "real") == {k: 0 for k in invalid(d, "real")}


def _check_nullable(d: dict) -> None:
    got = kinds(d)
    assert got["k"] == "ordinal" and got["flag"] == "boolean" and got["c"] == "categorical"
    assert got["cat"] == "categorical"
    no_invalid(d)


def _check_all_missing_synthetic(d: dict) -> None:
    assert invalid(d, "synthetic") == {k: 0 for k in invalid(d, "synthetic")}  # missing is not invalid
    hist = metric(d, "histogram_similarity")
    assert hist["status"] == "ok" and hist["score"] < 0.5


def _check_names(*names: str) -> Callable[[dict], None]:
    def check(d: dict) -> None:
        assert [c["name"] for c in d["data"]["columns"]] == list(names)
        for frame in ("real", "synthetic"):
            assert sorted(invalid(d, frame)) == sorted(names)

    return check


def _check_duplicate_index(d: dict) -> None:
    reference = sdq.evaluate(*triple(), metrics=FAST, config=CONFIG)
    got = {m["name"]: m["score"] for m in d["metrics"]}
    assert got == pytest.approx(reference.scores)


def _check_time_duplicates(d: dict) -> None:
    assert kinds(d)["t"] == "datetime"
    m = metric(d, "autocorrelation")
    assert m["status"] == "ok", m
    counts = _find_key(m["details"], "duplicated_timestamps")
    assert counts and max(counts) > 0, counts


def _find_key(obj: Any, key: str) -> list:
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                found.append(v)
            found.extend(_find_key(v, key))
    elif isinstance(obj, list):
        for v in obj:
            found.extend(_find_key(v, key))
    return found


def _check_one_class_real(d: dict) -> None:
    assert kinds(d)["flag"] == "constant", reasons(d)["flag"]
    for name in ("prediction", "feature_importance"):
        m = metric(d, name)
        assert m["status"] == "skipped" and "'flag'" in m["message"], m


def _check_target_unusable_in_synthetic(d: dict) -> None:
    # synthetic data whose target is unusable cannot train a model: a score of 0 (no better than
    # chance) or a skip that says why, never a number above chance
    for name in ("prediction",):
        m = metric(d, name)
        assert (m["status"] == "ok" and m["score"] == pytest.approx(0.0)) or (
            m["status"] == "skipped" and "synthetic" in m["message"]
        ), m


LONG = "a_very_long_column_name_" * 200
UNICODE = {"x": "größe", "k": "名前", "c": "😀 emoji", "flag": "עמודה"}
WHITESPACE = {"x": " x", "k": "k ", "c": "\t", "flag": " "}

CASE_LIST: list[Case] = [
    # -- sizes
    Case(
        "empty_real_rows",
        "InputError: the real data has no rows",
        lambda: (base().iloc[:0], base(40, 1), None),
        error="real data has no rows",
    ),
    Case(
        "empty_synthetic_rows",
        "InputError: the synthetic data has no rows",
        lambda: (base(), base(40, 1).iloc[:0], None),
        error="synthetic data has no rows",
    ),
    Case(
        "empty_holdout_rows",
        "InputError: the holdout data has no rows",
        lambda: (base(), base(40, 1), base(40, 2).iloc[:0]),
        error="holdout data has no rows",
    ),
    Case(
        "no_columns",
        "InputError: the real data has no columns",
        lambda: (pd.DataFrame(index=range(5)), base(), None),
        error="no columns",
        cli=False,
    ),
    Case(
        "one_row",
        "report: statistics, histogram and exact match scored; the rest skipped with a reason",
        _one_row,
        check=_check_one_row,
        metrics=ALL,
    ),
    Case(
        "single_column",
        "report: per-column metrics scored; pairwise metrics skipped (no pair)",
        _single_column,
        check=_check_single_column,
        metrics=ALL,
    ),
    # -- odd columns
    Case(
        "all_nan_column",
        "report: kind 'empty' (all values missing), with its reason",
        _all_nan_column,
        check=all_of(expect_kinds(gone="empty"), lambda d: "missing" in reasons(d)["gone"]),
    ),
    Case("constant_column", "report: kind 'constant'", _constant_column, check=expect_kinds(same="constant")),
    Case(
        "all_unique_columns",
        "report: kind 'id' for unique strings and unique integers, left out of histograms",
        _all_unique_columns,
        check=all_of(
            expect_kinds(email="id", account="id"),
            lambda d: (
                not {"email", "account"}
                & {e["column"] for e in metric(d, "histogram_similarity")["details"]["columns"]}
            ),
        ),
    ),
    Case(
        "infinities",
        "report: +/-inf counted as invalid (2 real, 3 synthetic) and treated as missing",
        _infinities,
        check=_check_infinities,
    ),
    Case(
        "huge_numbers",
        "report: +/-1.7e308 (sums overflow) and subnormals scored in range",
        _huge_numbers,
        check=expect_kinds(x="numeric"),
    ),
    Case(
        "huge_regression_target",
        "report: a regression target with +/-1.7e308 in the synthetic rows",
        _huge_target,
        kwargs={"target": "x"},
        metrics=UTILITY,
        check=expect_kinds(x="numeric"),
    ),
    Case(
        "unhashable_cells",
        "report: lists and dicts in a column compared by their text (kind categorical)",
        _unhashable_cells,
        check=expect_kinds(tags="categorical"),
        fmt="jsonl",
    ),
    Case(
        "bytes_values",
        "report: bytes (some not UTF-8) compared as values (kind categorical)",
        _bytes_values,
        check=expect_kinds(raw="categorical"),
    ),
    Case(
        "float16_column",
        "report: a float16 column is numeric like any float",
        _float16_column,
        check=all_of(expect_kinds(h="numeric"), no_invalid),
    ),
    Case(
        "constant_boolean_column",
        "report: a boolean column with one value is kind 'constant', as other columns are",
        _constant_boolean,
        check=expect_kinds(yes="constant"),
    ),
    Case(
        "bools_in_datetime_column",
        "report: booleans where the real column holds dates are 40 invalid values",
        _bools_in_datetime_column,
        check=all_of(expect_kinds(when="datetime"), lambda d: invalid(d, "synthetic")["when"] == 40),
    ),
    Case(
        "bools_and_numbers_in_one_column",
        "report: False/0 and True/1 in one object column, scores independent of row order",
        _bools_and_numbers,
        check=_check_order_invariant(_bools_and_numbers),
        fmt="jsonl",
    ),
    Case(
        "mixed_object_column",
        "report: kind 'categorical' for ints, floats, strings, bools and dates in one column",
        _mixed_object_column,
        check=all_of(expect_kinds(mixed="categorical"), no_invalid),
        fmt="jsonl",
    ),
    Case(
        "bool_strings_vs_bools",
        "report: kind 'boolean'; true/false, bools and Yes/no agree (no invalid)",
        _bool_strings_vs_bools,
        check=all_of(expect_kinds(flag="boolean"), no_invalid, score_is("histogram_similarity", 1.0)),
        fmt="jsonl",
    ),
    Case(
        "bools_vs_bool_strings",
        "report: kind 'boolean'; bools, True/FALSE and 0/1 agree (no invalid)",
        _bools_vs_bool_strings,
        check=all_of(expect_kinds(flag="boolean"), no_invalid, score_is("histogram_similarity", 1.0)),
        fmt="jsonl",
    ),
    Case(
        "integers_as_floats",
        "report: 1 and 1.0 agree (no invalid, histograms identical)",
        _ints_as_floats,
        check=all_of(expect_kinds(k="ordinal", n="numeric"), no_invalid, score_is("histogram_similarity", 1.0)),
    ),
    Case(
        "datetimes_mixed_formats_and_zones",
        "report: kind 'datetime'; one instant in any format or zone agrees",
        _datetimes_mixed,
        check=_check_mixed_dates,
    ),
    Case(
        "mismatched_dtypes",
        "report: non-numbers in a numeric column and non-booleans counted as invalid",
        _mismatched_dtypes,
        check=_check_mismatched,
        fmt="jsonl",
    ),
    Case(
        "nullable_dtypes",
        "report: Int64, boolean, string and category dtypes with pd.NA read as their kinds",
        _nullable_dtypes,
        check=_check_nullable,
    ),
    Case(
        "all_missing_synthetic",
        "report: an all-missing synthetic frame scores low, nothing invalid",
        _all_missing_synthetic,
        check=_check_all_missing_synthetic,
        fmt="jsonl",
    ),
    Case(
        "duplicate_index_labels",
        "report: the same scores as with a plain index",
        _duplicate_index,
        check=_check_duplicate_index,
        cli=False,
    ),
    # -- columns
    Case("missing_column", "InputError naming the missing column", _missing_column, error="missing column(s) ['c']"),
    Case("extra_column", "InputError naming the extra column", _extra_column, error="extra column(s) ['z']"),
    Case(
        "whitespace_name_mismatch",
        "InputError naming 'c' missing and 'c ' extra",
        _whitespace_mismatch,
        error="extra column(s) ['c ']",
    ),
    Case(
        "duplicate_column_names",
        "InputError naming the duplicated column",
        _duplicate_columns,
        error="duplicate column names: ['x']",
        cli=False,
    ),
    Case(
        "duplicate_column_names_csv",
        "InputError naming the duplicated column (not pandas' silent 'x.1')",
        raw={"real": _base_csv(0), "synthetic": _base_csv(1, header="x,k,x,flag")},
        error="duplicate column names: ['x']",
    ),
    Case(
        "non_string_column_names",
        "report: integer names written as text; --target matches them",
        _renamed({"x": 0, "k": 1, "c": 2, "flag": 3}),
        kwargs={"target": 3},
        metrics=UTILITY,
        check=_check_names("0", "1", "2", "3"),
    ),
    Case(
        "names_equal_as_text",
        "InputError: column names 1 and '1' read the same in a report",
        _colliding_names,
        error="same as text",
        cli=False,
    ),
    Case(
        "multiindex_columns",
        "report: nested (MultiIndex) names written as the text of their tuples",
        _multiindex_columns,
        check=_check_names("('num', 'x')", "('num', 'k')", "('str', 'c')", "('bool', 'flag')"),
        cli=False,
    ),
    Case(
        "control_characters_in_names",
        "report: names with a newline and a tab kept as given",
        _newline_names,
        check=_check_names("two\nlines", "k", "tab\there", "flag"),
        fmt="csv",
    ),
    Case(
        "empty_column_name",
        "report: a column named '' keeps its name (CSV: not pandas' 'Unnamed: 0')",
        raw={
            "real": _base_csv(0, header=",k,c,flag"),
            "synthetic": _base_csv(1, header=",k,c,flag"),
            "holdout": _base_csv(2, header=",k,c,flag"),
        },
        check=_check_names("", "k", "c", "flag"),
    ),
    Case(
        "whitespace_column_names",
        "report: names ' x', 'k ', tab and space kept as given",
        _renamed(WHITESPACE),
        check=_check_names(" x", "k ", "\t", " "),
        fmt="csv",
    ),
    Case(
        "unicode_column_names",
        "report: unicode names kept as given",
        _renamed(UNICODE),
        check=_check_names(*UNICODE.values()),
        fmt="csv",
    ),
    Case(
        "very_long_column_name",
        "report: a 4,800-character name kept as given",
        _renamed({"x": LONG}),
        check=_check_names(LONG, "k", "c", "flag"),
        fmt="csv",
    ),
    Case(
        "utf8_bom",
        "report: a byte-order mark does not change the first column's name",
        raw={"real": _base_csv(0, bom=True), "synthetic": _base_csv(1), "holdout": _base_csv(2, bom=True)},
        check=_check_names("x", "k", "c", "flag"),
    ),
    Case(
        "thousands_separators_csv",
        "report: quoted '1,234' read as the number 1234 (kind numeric)",
        raw={
            "real": _base_csv(0, transform=_thousands),
            "synthetic": _base_csv(0, transform=_thousands_plain),
            "holdout": _base_csv(2, transform=_thousands),
        },
        check=_check_thousands,
    ),
    # -- roles
    Case(
        "target_missing_from_synthetic",
        "InputError naming the missing target column",
        _target_missing_from_synthetic,
        kwargs={"target": "flag"},
        metrics=UTILITY,
        error="missing column(s) ['flag']",
    ),
    Case(
        "target_all_missing_in_synthetic",
        "report: prediction scores 0 or is skipped saying the synthetic target is empty",
        _target_all_missing_in_synthetic,
        kwargs={"target": "flag"},
        metrics=UTILITY,
        check=_check_target_unusable_in_synthetic,
        fmt="jsonl",
    ),
    Case(
        "target_one_class_real",
        "report: target kind 'constant'; prediction and feature importance skipped naming it",
        _target_one_class_real,
        kwargs={"target": "flag"},
        metrics=UTILITY,
        check=_check_one_class_real,
    ),
    Case(
        "target_one_class_synthetic",
        "report: prediction scores 0 or is skipped saying the synthetic target has one class",
        _target_one_class_synthetic,
        kwargs={"target": "flag"},
        metrics=UTILITY,
        check=_check_target_unusable_in_synthetic,
    ),
    Case(
        "time_column_duplicates",
        "report: duplicated timestamps counted in the time-series details",
        _time_duplicates,
        kwargs={"time_column": "t"},
        metrics=SEQUENCE,
        check=_check_time_duplicates,
    ),
    Case(
        "unknown_target",
        "InputError naming the unknown target column",
        lambda: triple(),
        kwargs={"target": "nope"},
        error="'nope'",
    ),
]

CASES: dict[str, str] = {c.name: c.gets for c in CASE_LIST}
BY_NAME = {c.name: c for c in CASE_LIST}


# -- files that cannot be read ------------------------------------------------------------------------


def _write_truncated_parquet(path: Path) -> None:
    full = path.with_name("full.parquet")
    base().to_parquet(full)
    path.write_bytes(full.read_bytes()[:200])


def _write_truncated_gzip(path: Path) -> None:
    text = base(2000).to_csv(index=False).encode()
    path.write_bytes(gzip.compress(text)[:2000])


#: name -> (file name, how to make it (None: leave it absent), what the error says, what it gets)
FILE_CASES: dict[str, tuple[str, Callable[[Path], None] | None, str]] = {
    "zero_byte_file": ("synth.csv", lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    "whitespace_only_csv": ("synth.csv", lambda p: p.write_text("\n\n  \n"), "no columns"),
    "latin1_csv": ("synth.csv", lambda p: p.write_bytes("x,c\n1.5,café\n2.5,naïve\n".encode("latin-1")), "not UTF-8"),
    "utf16_csv": ("synth.csv", lambda p: p.write_bytes("x,c\n1.5,a\n".encode("utf-16")), "not UTF-8"),
    "binary_named_csv": ("synth.csv", lambda p: p.write_bytes(bytes(range(256)) * 4), "synth.csv"),
    "ragged_csv": ("synth.csv", lambda p: p.write_text("x,c\n1,a\n2,b,extra,fields\n"), "line 3"),
    "truncated_parquet": ("synth.parquet", _write_truncated_parquet, "parquet"),
    "truncated_gzip_csv": ("synth.csv.gz", _write_truncated_gzip, "synth.csv.gz"),
    "json_scalar": ("synth.json", lambda p: p.write_text("5"), "no table"),
    "directory": ("synthdir.csv", lambda p: p.mkdir(), "is a directory"),
    "nonexistent": ("nope.csv", None, "no such file"),
    "newline_in_file_name": ("two\nlines.csv", None, "two\\nlines.csv: no such file"),
    "unknown_extension": ("synth.xlsx", lambda p: p.write_bytes(b"PK\x03\x04"), "unknown file type"),
}
for _name, (_file, _, _needle) in FILE_CASES.items():
    CASES[_name] = f"InputError / exit 2: '{_needle}'"


def test_the_case_list_is_complete():
    assert len(CASES) == len(CASE_LIST) + len(FILE_CASES)
    assert len(CASES) >= 50, len(CASES)


# -- running a case -----------------------------------------------------------------------------------


def _frames(case: Case) -> tuple:
    if case.raw is not None:
        raise AssertionError("raw cases are read from files")
    return case.frames()


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, date_format="iso")


def _files(case: Case, tmp_path: Path) -> dict[str, Path]:
    paths = {}
    if case.raw is not None:
        for which, (ext, data) in case.raw.items():
            paths[which] = tmp_path / f"{which}.{ext}"
            paths[which].write_bytes(data)
        return paths
    ext = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}[case.fmt]
    for which, frame in zip(("real", "synthetic", "holdout"), _frames(case)):
        if frame is not None:
            paths[which] = tmp_path / f"{which}.{ext}"
            _write_frame(frame, paths[which], case.fmt)
    return paths


@functools.cache
def api_outcome(name: str, tmp_dir: str) -> tuple[str, str | None]:
    """Run a case through ``sdq.evaluate`` once -> ("report", json text) or ("error", message).

    Checks on the way that the caller's frames were left as they were."""
    case = BY_NAME[name]
    if case.raw is not None:
        frames = []
        for which in ("real", "synthetic", "holdout"):
            if which not in case.raw:
                frames.append(None)
                continue
            ext, data = case.raw[which]
            path = Path(tmp_dir) / f"{name}-{which}.{ext}"
            path.write_bytes(data)
            try:
                frames.append(sdq.load_table(path))
            except sdq.InputError as exc:
                return "error", str(exc)
    else:
        frames = list(_frames(case))
    before = [None if f is None else f.copy(deep=True) for f in frames]
    try:
        report = sdq.evaluate(frames[0], frames[1], frames[2], metrics=case.metrics, config=CONFIG, **case.kwargs)
        outcome = ("report", report.to_json())
    except sdq.InputError as exc:
        outcome = ("error", str(exc))
    for got, expected in zip(frames, before):
        if expected is not None:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
    return outcome


@pytest.fixture(scope="module")
def api_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("api"))


def _params(names) -> list:
    """Case names as parameters, the known bugs marked as strict xfails."""
    return [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=BY_NAME[n].xfail)) if BY_NAME[n].xfail else n
        for n in names
    ]


@pytest.mark.parametrize("name", _params(BY_NAME))
def test_api(name, api_dir):
    case = BY_NAME[name]
    kind, payload = api_outcome(name, api_dir)
    if case.error is not None:
        assert kind == "error", f"expected an InputError with {case.error!r}, got a report"
        assert case.error in payload, payload
        assert "\n" not in payload, payload
        return
    assert kind == "report", payload
    d = strict_json(payload)
    check_contract(d)
    if case.check is not None:
        case.check(d)


#: Cases where a metric records an ``error`` on input it should handle (score it, or skip it with
#: a reason), to be fixed in the metric: case name -> reason.
METRIC_ERRORS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=METRIC_ERRORS[n])) if n in METRIC_ERRORS else n
        for n, c in BY_NAME.items()
        if c.error is None and c.xfail is None
    ],
)
def test_no_metric_fails_on_the_case(name, api_dir):
    kind, payload = api_outcome(name, api_dir)
    assert kind == "report", payload
    errors = [(m["name"], m["message"]) for m in strict_json(payload)["metrics"] if m["status"] == "error"]
    assert not errors


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 2, (code, err)
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith("sdq: error:"), err
    assert not lines[0].startswith("sdq: error: unexpected") and "Traceback" not in err, err
    assert needle in lines[0], (needle, err)


def _cli_args(case: Case, paths: dict[str, Path], tmp_path: Path) -> list[str]:
    args = ["report", paths["real"], paths["synthetic"]]
    if "holdout" in paths:
        args += ["--holdout", paths["holdout"]]
    flags = {"target": "--target", "time_column": "--time-column", "entity_column": "--entity-column"}
    for key, value in case.kwargs.items():
        args += [flags[key], str(value)]
    if case.metrics is not None:
        args += ["--metrics", ",".join(case.metrics)]
    return args + [
        "--output",
        tmp_path / "out" / "r.html",
        "--json",
        tmp_path / "out" / "r.json",
        "--cdn",
        "--jobs",
        "1",
    ]


@pytest.mark.parametrize("name", _params(n for n, c in BY_NAME.items() if c.cli))
def test_cli(name, tmp_path, capsys):
    case = BY_NAME[name]
    paths = _files(case, tmp_path)
    code, out, err = run_cli(_cli_args(case, paths, tmp_path), capsys)
    error = case.cli_error or case.error
    if error is not None:
        assert_one_line_error(code, err, error)
        assert not (tmp_path / "out").exists()
        return
    assert code == 0 and err == "", (code, err)
    assert "fidelity" in out
    d = strict_json((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    check_contract(d)
    check = case.cli_check or case.check
    if check is not None:
        check(d)
    assert (tmp_path / "out" / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_unreadable_file_api(name, tmp_path):
    file_name, make, needle = FILE_CASES[name]
    path = tmp_path / file_name
    if make is not None:
        make(path)
    with pytest.raises(sdq.InputError) as info:
        sdq.load_table(path)
    message = str(info.value)
    assert "\n" not in message and needle in message, message
    assert file_name.replace("\n", "\\n") in message, message


@pytest.mark.parametrize("command", ["report", "check", "compare"])
@pytest.mark.parametrize("name", list(FILE_CASES))
def test_unreadable_file_cli(name, command, tmp_path, capsys):
    file_name, make, needle = FILE_CASES[name]
    real = tmp_path / "real.csv"
    base().to_csv(real, index=False)
    path = tmp_path / file_name
    if make is not None:
        make(path)
    args = {
        "report": ["report", real, path, "--output", tmp_path / "r.html"],
        "check": ["check", real, path, "--fail-under", "fidelity=0.5"],
        "compare": ["compare", real, f"a={real}", f"b={path}", "--output", tmp_path / "c.html"],
    }[command]
    code, _, err = run_cli(args + ["--jobs", "1", "--metrics", "statistics"], capsys)
    assert_one_line_error(code, err, needle)


@pytest.mark.parametrize("which", ["real", "holdout"])
def test_unreadable_real_or_holdout_cli(which, tmp_path, capsys):
    good = tmp_path / "good.csv"
    base().to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    bad.write_bytes("x\ncafé\n".encode("latin-1"))
    args = ["report", bad, good] if which == "real" else ["report", good, good, "--holdout", bad]
    code, _, err = run_cli(args + ["--metrics", "statistics", "--output", tmp_path / "r.html"], capsys)
    assert_one_line_error(code, err, "bad.csv")


@pytest.mark.parametrize("value", [{"x": [1, 2]}, np.zeros((3, 2)), None, "real.csv", pd.Series([1, 2])])
def test_a_non_frame_is_an_input_error(value):
    frame = base()
    before = frame.copy(deep=True)
    with pytest.raises(sdq.InputError, match="must be a pandas DataFrame"):
        sdq.evaluate(frame, value, metrics=["statistics"])
    pd.testing.assert_frame_equal(frame, before)


def _cli_files(tmp_path: Path) -> list:
    real, other = tmp_path / "real.csv", tmp_path / "other.csv"
    base().to_csv(real, index=False)
    base(seed=1).to_csv(other, index=False)
    return ["report", real, other, "--metrics", "statistics", "--output", tmp_path / "r.html", "--cdn", "--jobs", "1"]


def test_library_warnings_stay_off_the_cli_stderr(tmp_path, capsys, monkeypatch):
    # numpy/pandas warn on odd data (overflow, ...): on a successful run stderr stays empty
    load = sdq.load_table

    def noisy_load(path):
        warnings.warn("overflow encountered in scalar subtract", RuntimeWarning, stacklevel=2)
        return load(path)

    monkeypatch.setattr(sdq, "load_table", noisy_load)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = run_cli(_cli_files(tmp_path), capsys)
    assert code == 0 and err == "" and not caught, (err, [str(w.message) for w in caught])


@pytest.mark.parametrize(
    "error, start",
    [
        (RuntimeError("first line\nsecond line"), "sdq: error: unexpected RuntimeError: first line ("),
        (sdq.InputError("a message\nover two lines"), "sdq: error: a message over two lines"),
    ],
)
def test_any_error_is_one_line_on_the_cli(error, start, tmp_path, capsys, monkeypatch):
    def broken_load(path):
        raise error

    monkeypatch.setattr(sdq, "load_table", broken_load)
    code, _, err = run_cli(_cli_files(tmp_path), capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith(start), err
    assert "Traceback" not in err

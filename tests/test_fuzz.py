"""Property tests over generated messy frames: whatever the data, sdq gives a valid report or an
``InputError``, never anything else.

The frames mix floats (with NaN, +/-inf, huge and tiny values), integers (also nullable), unicode
strings, booleans, datetimes (naive, and tz-aware with mixed offsets), all-missing, constant and
mixed-object columns, with 1-60 rows. Real, synthetic and holdout are drawn independently and a
column sometimes has a different type in the synthetic or holdout frame than in the real one.

Properties: no exception but ``sdq.InputError`` (whose message is one line); strict JSON; every
score, baseline and interval in [0, 1] or null; the same scores when the real rows are shuffled;
the caller's frames unchanged. The command line gives exit code 0 and a strict JSON report, or
exit code 2 with one line on stderr.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_contract import check_contract, strict_json  # noqa: E402 (tests/ is on the path)

import sdq
from sdq.cli import main

FAST = ["statistics", "histogram_similarity", "mutual_information", "correlation", "qscore", "exact_match"]
CONFIG = sdq.Config(n_bootstrap=10)
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
}

TYPES = ("float", "int", "nullable_int", "string", "bool", "datetime", "datetime_tz", "missing", "constant", "mixed")

# -- values ---------------------------------------------------------------------------------------

FLOATS = st.one_of(
    st.floats(-1e3, 1e3),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, 5e-324, 1.7e308, -1.7e308]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SMALL_INTS = st.integers(-3, 3)
INTS = st.one_of(SMALL_INTS, st.integers(-(2**62), 2**62))
TEXT = st.one_of(
    st.sampled_from(
        ["a", "b", "ü", "😀", " ", "", "NA", "true", "1", "1.0", "2021-01-01", "a,b", 'q"uote', "new\nline"]
    ),
    st.text(max_size=6),
)
DATES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))
OFFSETS = st.sampled_from(
    [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]
)
TZ_DATES = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 1, 1), timezones=OFFSETS)
ANY = st.one_of(FLOATS, INTS, TEXT, st.booleans(), DATES, st.none())


def _maybe_missing(values: list, missing: list[bool], fill: Any) -> list:
    return [fill if m else v for v, m in zip(values, missing)]


@st.composite
def column(draw, kind: str, n: int) -> pd.Series:
    """``n`` values of one type, as the Series a user would have."""
    missing = draw(st.lists(st.booleans(), min_size=n, max_size=n)) if draw(st.booleans()) else [False] * n
    if kind == "float":
        return pd.Series(_maybe_missing(draw(st.lists(FLOATS, min_size=n, max_size=n)), missing, math.nan), dtype=float)
    if kind == "int":
        return pd.Series(
            draw(st.lists(draw(st.sampled_from([SMALL_INTS, INTS])), min_size=n, max_size=n)), dtype="int64"
        )
    if kind == "nullable_int":
        values = draw(st.lists(SMALL_INTS, min_size=n, max_size=n))
        return pd.Series(_maybe_missing(values, missing, pd.NA), dtype="Int64")
    if kind == "string":
        values = _maybe_missing(draw(st.lists(TEXT, min_size=n, max_size=n)), missing, None)
        return pd.Series(values, dtype=draw(st.sampled_from([object, "str"])))
    if kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        return (
            pd.Series(values)
            if not any(missing)
            else pd.Series(_maybe_missing(values, missing, None), dtype=draw(st.sampled_from([object, "boolean"])))
        )
    if kind == "datetime":
        values = draw(st.lists(DATES, min_size=n, max_size=n))
        return pd.Series(pd.to_datetime(_maybe_missing(values, missing, None)))
    if kind == "datetime_tz":
        # offsets differ from row to row: pandas keeps the Python objects (object dtype)
        return pd.Series(_maybe_missing(draw(st.lists(TZ_DATES, min_size=n, max_size=n)), missing, None), dtype=object)
    if kind == "missing":
        return pd.Series([draw(st.sampled_from([None, math.nan]))] * n, dtype=draw(st.sampled_from([object, float])))
    if kind == "constant":
        value = draw(st.one_of(st.floats(-10, 10), SMALL_INTS, TEXT, st.booleans()))
        return pd.Series([value] * n)
    return pd.Series(draw(st.lists(ANY, min_size=n, max_size=n)), dtype=object)


@st.composite
def frames(draw, max_rows: int = 60, max_columns: int = 5):
    """(real, synthetic, holdout or None, column kinds): the same column names, independent values."""
    n_columns = draw(st.integers(1, max_columns))
    kinds = [draw(st.sampled_from(TYPES)) for _ in range(n_columns)]
    names = [f"c{i}" for i in range(n_columns)]
    out = []
    for which in ("real", "synthetic", "holdout"):
        if which == "holdout" and draw(st.booleans()):
            out.append(None)
            continue
        n = draw(st.integers(1, max_rows))
        data = {}
        for name, kind in zip(names, kinds):
            if which != "real" and draw(st.integers(0, 4)) == 0:
                kind = draw(st.sampled_from(TYPES))  # the same column with another type
            data[name] = draw(column(kind, n))
        out.append(pd.DataFrame(data))
    return out[0], out[1], out[2], kinds


# -- checks ---------------------------------------------------------------------------------------


def check_report_json(text: str) -> dict:
    """Strict JSON that keeps the report contract (tests/report_contract.py)."""
    d = strict_json(text)
    check_contract(d)
    return d


def evaluate_checked(real, synthetic, holdout, **kwargs):
    """``sdq.evaluate`` -> (report or None if an InputError, its JSON), checking that the frames
    are left as they were and that an InputError's message is one line."""
    before = [None if f is None else f.copy(deep=True) for f in (real, synthetic, holdout)]
    try:
        report = sdq.evaluate(real, synthetic, holdout, config=CONFIG, **kwargs)
    except sdq.InputError as exc:
        assert str(exc) and "\n" not in str(exc), str(exc)
        report = None
    for got, expected in zip((real, synthetic, holdout), before):
        if expected is not None:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
    if report is None:
        return None, None
    return report, check_report_json(report.to_json())


def _scores(d: dict) -> dict:
    return {m["name"]: (m["status"], m["score"], m["baseline"]) for m in d["metrics"]}


def _same_scores(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name, (status, score, baseline) in a.items():
        assert status == b[name][0], (name, a[name], b[name])
        for x, y in ((score, b[name][1]), (baseline, b[name][2])):
            assert (x is None) == (y is None) and (x is None or x == pytest.approx(y, abs=1e-9)), (
                name,
                a[name],
                b[name],
            )


# -- properties -------------------------------------------------------------------------------------


@settings(max_examples=40, **SETTINGS)
@given(data=frames(), seed=st.integers(0, 2**16))
def test_fast_metrics_on_generated_frames(data, seed):
    real, synthetic, holdout, _ = data
    report, d = evaluate_checked(real, synthetic, holdout, metrics=FAST)
    if report is None:
        return
    shuffled = real.sample(frac=1.0, random_state=seed)
    _, d2 = evaluate_checked(shuffled, synthetic, holdout, metrics=FAST)
    assert d2 is not None
    _same_scores(_scores(d), _scores(d2))


@settings(max_examples=25, **SETTINGS)
@given(data=frames(), role=st.sampled_from([None, "target", "time_column"]), pick=st.integers(0, 4))
def test_all_metrics_on_generated_frames(data, role, pick):
    real, synthetic, holdout, _ = data
    kwargs = {} if role is None else {role: real.columns[pick % len(real.columns)]}
    evaluate_checked(real, synthetic, holdout, **kwargs)


@settings(max_examples=25, **SETTINGS)
@given(data=frames(max_rows=30, max_columns=4))
def test_cli_report_on_generated_csv_files(data, tmp_path_factory, capsys):
    real, synthetic, holdout, _ = data
    folder = tmp_path_factory.mktemp("fuzz")
    paths = {}
    for which, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        if frame is not None:
            paths[which] = folder / f"{which}.csv"
            frame.to_csv(paths[which], index=False)
    args = [
        "report",
        str(paths["real"]),
        str(paths["synthetic"]),
        "--metrics",
        ",".join(FAST),
        "--output",
        str(folder / "r.html"),
        "--json",
        str(folder / "r.json"),
        "--cdn",
        "--jobs",
        "1",
        "--quiet",
    ]
    if "holdout" in paths:
        args += ["--holdout", str(paths["holdout"])]
    code = main(args)
    out, err = capsys.readouterr()
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sdq: error:"), err
        assert not lines[0].startswith("sdq: error: unexpected") and "Traceback" not in err, err
        return
    assert code == 0 and err == "" and out == "", (code, err)
    check_report_json((folder / "r.json").read_text(encoding="utf-8"))

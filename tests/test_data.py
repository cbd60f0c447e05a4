"""Reading files and coercing frames to the real schema (sdq.data)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import build_tables, load_table
from sdq.errors import InputError
from sdq.schema import fit_schema


def _tables(real, synthetic, holdout=None, **schema_kwargs):
    return build_tables(fit_schema(real, **schema_kwargs), real, synthetic, holdout)


@pytest.fixture
def plain_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [1.5, 2.25, np.nan, -4.0],
            "n": [1, 2, 3, 4],
            "s": ["a", "b", None, "dé"],
            "b": [True, False, True, False],
        }
    )


# -- reading files -----------------------------------------------------------------------------


def _check_read(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    np.testing.assert_allclose(got["x"].to_numpy(dtype=float), expected["x"].to_numpy(dtype=float))
    assert got["n"].tolist() == expected["n"].tolist()
    assert [None if pd.isna(v) else v for v in got["s"]] == ["a", "b", None, "dé"]
    assert [bool(v) for v in got["b"]] == expected["b"].tolist()


def test_load_csv(tmp_path, plain_frame):
    path = tmp_path / "t.csv"
    plain_frame.to_csv(path, index=False)
    _check_read(load_table(path), plain_frame)


def test_load_csv_from_a_string_path(tmp_path, plain_frame):
    path = tmp_path / "t.csv"
    plain_frame.to_csv(path, index=False)
    _check_read(load_table(str(path)), plain_frame)


def test_load_parquet(tmp_path, plain_frame):
    path = tmp_path / "t.parquet"
    plain_frame.to_parquet(path, index=False)
    _check_read(load_table(path), plain_frame)


def test_load_json_records(tmp_path, plain_frame):
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            [
                {"x": 1.5, "n": 1, "s": "a", "b": True},
                {"x": 2.25, "n": 2, "s": "b", "b": False},
                {"x": None, "n": 3, "s": None, "b": True},
                {"x": -4.0, "n": 4, "s": "dé", "b": False},
            ]
        ),
        encoding="utf-8",
    )
    _check_read(load_table(path), plain_frame)


def test_load_jsonl(tmp_path, plain_frame):
    path = tmp_path / "t.jsonl"
    lines = [
        {"x": 1.5, "n": 1, "s": "a", "b": True},
        {"x": 2.25, "n": 2, "s": "b", "b": False},
        {"x": None, "n": 3, "s": None, "b": True},
        {"x": -4.0, "n": 4, "s": "dé", "b": False},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    _check_read(load_table(path), plain_frame)


def test_extension_is_case_insensitive(tmp_path, plain_frame):
    path = tmp_path / "T.CSV"
    plain_frame.to_csv(path, index=False)
    _check_read(load_table(path), plain_frame)


def _one_line_input_error(path) -> str:
    with pytest.raises(InputError) as info:
        load_table(path)
    message = str(info.value)
    assert "\n" not in message
    # no chained parser traceback behind the one-line message
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__
    return message


def test_nonexistent_path(tmp_path):
    path = tmp_path / "nothing_here.csv"
    message = _one_line_input_error(path)
    assert "nothing_here.csv" in message


def test_directory(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    message = _one_line_input_error(folder)
    assert "folder.csv" in message and "directory" in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    message = _one_line_input_error(path)
    assert "empty.csv" in message and "empty" in message.replace("empty.csv", "")


def test_unknown_extension(tmp_path):
    path = tmp_path / "table.xyz"
    path.write_text("a,b\n1,2\n")
    message = _one_line_input_error(path)
    assert "table.xyz" in message and ".xyz" in message


def test_bad_encoding(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,value\ncaf\xe9,1\nna\xefve,2\n".encode("latin-1"))
    message = _one_line_input_error(path)
    assert "latin1.csv" in message and "UTF-8" in message


def test_unparseable_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{this is not json")
    message = _one_line_input_error(path)
    assert "broken.json" in message


def test_input_errors_are_value_errors(tmp_path):
    with pytest.raises(ValueError):
        load_table(tmp_path / "missing.parquet")


# -- coercion ------------------------------------------------------------------------------------


def test_invalid_numbers_in_the_synthetic_frame_are_counted_and_missing():
    real = pd.DataFrame({"x": np.linspace(0, 1, 30)})
    synthetic = pd.DataFrame({"x": ["0.5", "abc", "0.25", None, "nan?", "1e-1"] * 5})
    tables = _tables(real, synthetic)
    # "abc" and "nan?" fail (10 values); None was missing already and is not a failure
    assert tables.invalid["synthetic"]["x"] == 10
    assert tables.invalid["real"]["x"] == 0
    got = tables.synthetic["x"].to_numpy()
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got[:6], [0.5, np.nan, 0.25, np.nan, np.nan, 0.1])


def test_infinities_are_counted_as_invalid():
    real = pd.DataFrame({"x": np.linspace(0, 1, 30)})
    synthetic = pd.DataFrame({"x": [np.inf, -np.inf, 0.5] + [0.1] * 27})
    tables = _tables(real, synthetic)
    assert tables.invalid["synthetic"]["x"] == 2
    assert np.isnan(tables.synthetic["x"].to_numpy()[:2]).all()
    assert tables.synthetic["x"].to_numpy()[2] == 0.5


def test_infinities_in_the_real_frame_are_counted_too():
    real = pd.DataFrame({"x": np.r_[np.linspace(0, 1, 29), np.inf]})
    tables = _tables(real, real.copy())
    assert tables.invalid["real"]["x"] == 1
    assert np.isnan(tables.real["x"].to_numpy()[-1])


def test_invalid_counts_reach_the_report():
    real = pd.DataFrame({"x": np.linspace(0, 1, 40), "c": ["u", "v"] * 20})
    synthetic = real.copy().astype({"x": object})
    synthetic.loc[[0, 5, 9], "x"] = "abc"
    report = sdq.evaluate(real, synthetic, metrics=["histogram_similarity"])
    assert report.data["invalid"]["synthetic"]["x"] == 3
    assert report.data["invalid"]["synthetic"]["c"] == 0


@pytest.mark.parametrize(
    "synthetic_values",
    [
        [1, 2, 3, 1],
        [1.0, 2.0, 3.0, 1.0],
        ["1", "2", "3", "1"],
        ["1.0", "2.0", "3.0", "1.0"],
        [np.int32(1), np.float32(2.0), "3", 1],
    ],
    ids=["ints", "floats", "strings", "float-strings", "mixed"],
)
def test_integer_coded_categories_agree_across_spellings(synthetic_values):
    real = pd.DataFrame({"code": [1, 2, 3, 1] * 10})
    tables = _tables(real, pd.DataFrame({"code": synthetic_values * 10}))
    assert fit_schema(real)["code"].kind == "ordinal"
    assert tables.invalid["synthetic"]["code"] == 0
    assert tables.synthetic["code"].tolist() == tables.real["code"].tolist()
    report = sdq.evaluate(real, pd.DataFrame({"code": synthetic_values * 10}), metrics=["histogram_similarity"])
    assert report.scores["histogram_similarity"] == pytest.approx(1.0)


def test_float_coded_real_categories_match_integer_synthetic_codes():
    real = pd.DataFrame({"code": ["1", "2", "3", "1"] * 10})
    synthetic = pd.DataFrame({"code": [1, 2, 3, 1] * 10})
    tables = _tables(real, synthetic)
    assert tables.synthetic["code"].tolist() == tables.real["code"].tolist()


@pytest.mark.parametrize(
    "spelling",
    [
        [True, False, True, True],
        ["True", "False", "True", "True"],
        ["yes", "no", "yes", "yes"],
        ["t", "f", "T", "t"],
        [1, 0, 1, 1],
        [1.0, 0.0, 1.0, 1.0],
        ["1", "0", "1", "1"],
    ],
    ids=["bools", "True-strings", "yes-no", "t-f", "ints", "floats", "digit-strings"],
)
@pytest.mark.parametrize(
    "real_values",
    [
        [True, False, True, True],
        ["yes", "no", "yes", "yes"],
    ],
    ids=["real-bools", "real-yes-no"],
)
def test_boolean_spellings_agree(real_values, spelling):
    real = pd.DataFrame({"flag": real_values * 10})
    synthetic = pd.DataFrame({"flag": spelling * 10})
    tables = _tables(real, synthetic)
    assert fit_schema(real)["flag"].kind == "boolean"
    assert tables.invalid["synthetic"]["flag"] == 0
    assert tables.synthetic["flag"].tolist() == [1.0, 0.0, 1.0, 1.0] * 10
    assert tables.real["flag"].tolist() == [1.0, 0.0, 1.0, 1.0] * 10


def test_values_that_are_not_booleans_are_invalid():
    real = pd.DataFrame({"flag": [True, False] * 10})
    synthetic = pd.DataFrame({"flag": ["yes", "maybe", "no", None] * 5})
    tables = _tables(real, synthetic)
    assert tables.invalid["synthetic"]["flag"] == 5  # "maybe"; None was missing already
    np.testing.assert_array_equal(tables.synthetic["flag"].to_numpy(), [1.0, np.nan, 0.0, np.nan] * 5)


def test_timezone_aware_and_naive_datetimes_agree():
    naive = pd.Series(pd.date_range("2022-03-01 08:00", periods=40, freq="7h"))
    real = pd.DataFrame({"t": naive})
    expected = (naive - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
    variants = {
        "utc": naive.dt.tz_localize("UTC"),
        "other zone": naive.dt.tz_localize("UTC").dt.tz_convert("America/New_York"),
        "iso strings": naive.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "naive": naive.copy(),
    }
    for label, values in variants.items():
        tables = _tables(real, pd.DataFrame({"t": values}))
        assert tables.invalid["synthetic"]["t"] == 0, label
        np.testing.assert_allclose(tables.synthetic["t"].to_numpy(), expected, err_msg=label)
    np.testing.assert_allclose(_tables(real, real).real["t"].to_numpy(), expected)


def test_tz_aware_real_against_naive_synthetic():
    aware = pd.Series(pd.date_range("2022-03-01", periods=30, freq="D", tz="UTC"))
    real = pd.DataFrame({"t": aware})
    synthetic = pd.DataFrame({"t": aware.dt.tz_localize(None)})
    tables = _tables(real, synthetic)
    np.testing.assert_array_equal(tables.synthetic["t"].to_numpy(), tables.real["t"].to_numpy())


def test_unparseable_dates_are_counted():
    real = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=30, freq="D")})
    synthetic = pd.DataFrame({"t": ["2020-01-05", "not a date", "2020-02-01"] * 10})
    tables = _tables(real, synthetic)
    assert tables.invalid["synthetic"]["t"] == 10


@pytest.mark.parametrize("which", ["synthetic", "holdout"])
def test_missing_and_extra_columns_are_named(mixed_frame, which):
    other = mixed_frame.drop(columns=["cat", "num2"]).assign(surprise=1)
    frames = {"synthetic": mixed_frame.copy(), "holdout": mixed_frame.copy()}
    frames[which] = other
    with pytest.raises(InputError) as info:
        sdq.evaluate(mixed_frame, frames["synthetic"], holdout=frames["holdout"], metrics=["statistics"])
    message = str(info.value)
    assert which in message
    assert "cat" in message and "num2" in message and "surprise" in message
    assert "\n" not in message


def test_only_missing_columns_are_named(mixed_frame):
    with pytest.raises(InputError, match="missing") as info:
        sdq.evaluate(mixed_frame, mixed_frame.drop(columns=["flag"]), metrics=["statistics"])
    assert "flag" in str(info.value) and "extra" not in str(info.value)


def test_column_order_does_not_matter(mixed_frame):
    reordered = mixed_frame[list(reversed(mixed_frame.columns))]
    a = _tables(mixed_frame, mixed_frame)
    b = _tables(mixed_frame, reordered)
    pd.testing.assert_frame_equal(a.synthetic, b.synthetic)
    assert list(b.synthetic.columns) == list(mixed_frame.columns)


def test_excluded_columns_are_left_out_of_the_tables(mixed_frame):
    tables = _tables(mixed_frame, mixed_frame, exclude=["cat"])
    assert "cat" not in tables.real.columns and "cat" not in tables.synthetic.columns
    assert "cat" not in tables.invalid["synthetic"]


def test_canonical_forms_per_kind(mixed_frame):
    tables = _tables(mixed_frame, mixed_frame)
    real = tables.real
    assert real["num"].dtype == np.float64
    assert real["when"].dtype == np.float64
    assert real["flag"].dtype == np.float64
    assert set(real["flag"].dropna().unique()) <= {0.0, 1.0}
    assert all(isinstance(v, str) for v in real["code"]) and set(real["code"]) <= {"1", "2", "3", "4"}
    assert real["empty"].isna().all()
    # the missing values are kept in place
    np.testing.assert_array_equal(real["num"].isna().to_numpy(), mixed_frame["num"].isna().to_numpy())
    np.testing.assert_array_equal(real["cat"].isna().to_numpy(), mixed_frame["cat"].isna().to_numpy())


def test_non_frames_and_empty_frames_are_input_errors(mixed_frame):
    with pytest.raises(InputError, match="synthetic"):
        sdq.evaluate(mixed_frame, mixed_frame.to_numpy())
    with pytest.raises(InputError, match="rows"):
        sdq.evaluate(mixed_frame, mixed_frame.iloc[:0])
    with pytest.raises(InputError, match="duplicate"):
        sdq.evaluate(mixed_frame, pd.concat([mixed_frame, mixed_frame[["num"]]], axis=1))


def test_callers_frames_are_never_modified(mixed_factory):
    real, synthetic, holdout = mixed_factory(120, 0), mixed_factory(80, 1), mixed_factory(100, 2)
    # odd indexes, string and mixed values to tempt in-place coercion
    synthetic.index = np.arange(500, 500 + len(synthetic))[::-1]
    holdout.index = pd.Index([f"r{i}" for i in range(len(holdout))])
    synthetic["num"] = synthetic["num"].astype(object)
    synthetic.loc[synthetic.index[:3], "num"] = ["abc", np.inf, "2.5"]
    synthetic["code"] = synthetic["code"].astype(str)
    holdout["when"] = holdout["when"].dt.tz_localize("UTC")
    holdout = holdout[list(reversed(holdout.columns))]
    copies = [f.copy(deep=True) for f in (real, synthetic, holdout)]
    sdq.evaluate(
        real,
        synthetic,
        holdout=holdout,
        target="flag",
        config=sdq.Config(n_bootstrap=5, models=("linear",), n_queries=100),
    )
    for frame, copy in zip((real, synthetic, holdout), copies):
        pd.testing.assert_frame_equal(frame, copy, check_exact=True)
        assert frame.index.equals(copy.index)
        assert (frame.dtypes == copy.dtypes).all()


def test_python_dates_become_datetimes():
    import datetime as dt

    real = pd.DataFrame({"d": [dt.date(2021, 1, 1) + dt.timedelta(days=int(k)) for k in np.arange(30) % 9]})
    synthetic = pd.DataFrame({"d": ["2021-01-02", dt.date(2021, 1, 3), pd.Timestamp("2021-01-04"), None, "nope"]})
    tables = build_tables(fit_schema(real), real, synthetic)
    assert tables.schema["d"].kind == "datetime"
    day = 86400.0
    start = pd.Timestamp("2021-01-01", tz="UTC").timestamp()
    assert tables.real["d"].iloc[0] == start
    np.testing.assert_array_equal(tables.synthetic["d"].to_numpy()[:3], start + day * np.array([1, 2, 3]))
    assert tables.synthetic["d"].isna().tolist()[3:] == [True, True]
    assert tables.invalid["synthetic"]["d"] == 1


def test_booleans_given_for_a_datetime_column_are_invalid_not_a_crash():
    real = pd.DataFrame({"d": pd.date_range("2021-01-01", periods=30, freq="D")})
    for values in (pd.Series([True, False]), pd.Series([True, None], dtype="boolean")):
        tables = build_tables(fit_schema(real), real, pd.DataFrame({"d": values}))
        assert tables.synthetic["d"].isna().all()
        assert tables.invalid["synthetic"]["d"] == int(values.notna().sum())


def test_booleans_and_equal_numbers_in_one_column_do_not_depend_on_the_row_order():
    # False == 0 == 0.0 in Python: grouping the values by equality kept whichever came first, so
    # the same rows gave "0" or "False" depending on their order
    values = [0.0, False, 1, True, "x", None] * 5
    real = pd.DataFrame({"m": pd.Series(values, dtype=object)})
    shuffled = real.iloc[np.random.default_rng(0).permutation(len(real))].reset_index(drop=True)
    for frame in (real, shuffled):
        tables = build_tables(fit_schema(real), frame, frame)
        counts = tables.real["m"].value_counts().to_dict()
        assert counts == {"0": 5, "False": 5, "1": 5, "True": 5, "x": 5}

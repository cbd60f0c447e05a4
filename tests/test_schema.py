"""Column kinds and roles (sdq.schema): inference for every kind, overrides, exclusions, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.errors import InputError, SdqError
from sdq.schema import KINDS, ROLES, fit_schema, infer_kind

N = 60


def _series_of_every_kind() -> dict[str, tuple[pd.Series, str]]:
    rng = np.random.default_rng(7)
    return {
        "float numbers": (pd.Series(rng.normal(size=N)), "numeric"),
        "many integers": (pd.Series(rng.integers(0, 1000, size=N)), "numeric"),
        "durations": (pd.Series(pd.to_timedelta(rng.integers(0, 10_000, size=N), unit="s")), "numeric"),
        "strings": (pd.Series(rng.choice(["a", "b", "c"], size=N)), "categorical"),
        "pandas category": (pd.Series(pd.Categorical(rng.choice(["x", "y"], size=N))), "categorical"),
        "few integers": (pd.Series(rng.integers(1, 6, size=N)), "ordinal"),
        "ordered pandas category": (
            pd.Series(pd.Categorical(rng.choice(["low", "mid", "high"], size=N), ["low", "mid", "high"], ordered=True)),
            "ordinal",
        ),
        "bool dtype": (pd.Series(rng.random(N) < 0.5), "boolean"),
        "zero-one floats": (pd.Series((rng.random(N) < 0.5).astype(float)), "boolean"),
        "yes/no strings": (pd.Series(rng.choice(["yes", "no"], size=N)), "boolean"),
        "python bools with None": (pd.Series([True, False, None] * (N // 3), dtype=object), "boolean"),
        "datetime dtype": (pd.Series(pd.date_range("2020-01-01", periods=N, freq="D")), "datetime"),
        "tz-aware datetimes": (
            pd.Series(pd.date_range("2020-01-01", periods=N, freq="h", tz="Europe/Paris")),
            "datetime",
        ),
        "date strings": (pd.Series(pd.date_range("2020-01-01", periods=N, freq="D").strftime("%Y-%m-%d")), "datetime"),
        "integer counter": (pd.Series(np.arange(5, 5 + N)), "id"),
        "unique short strings": (pd.Series([f"k{i:04d}" for i in rng.permutation(N)]), "id"),
        "long free text": (
            pd.Series([f"comment number {i}: " + "the quick brown fox jumps " * 2 for i in range(N)]),
            "text",
        ),
        "single number": (pd.Series([3.5] * N), "constant"),
        "single string": (pd.Series(["only"] * N), "constant"),
        "all missing floats": (pd.Series([np.nan] * N), "empty"),
        "all missing objects": (pd.Series([None] * N, dtype=object), "empty"),
    }


@pytest.mark.parametrize("case", list(_series_of_every_kind()))
def test_infer_kind_of_every_kind_with_a_reason(case):
    series, expected = _series_of_every_kind()[case]
    kind, reason = infer_kind(series)
    assert kind == expected, (case, kind, reason)
    assert isinstance(reason, str) and reason.strip()


def test_every_kind_is_covered_by_the_cases():
    assert {kind for _, kind in _series_of_every_kind().values()} == set(KINDS)


def test_integer_id_needs_enough_rows():
    # a unique counter of few rows is not evidence of an id
    kind, _ = infer_kind(pd.Series(np.arange(5)))
    assert kind != "id"


def test_unique_integers_named_like_a_key_are_an_id():
    rng = np.random.default_rng(0)
    values = rng.choice(10_000, size=N, replace=False)  # unique, neither counting up nor contiguous
    assert infer_kind(pd.Series(values, name="customer_id"))[0] == "id"
    assert infer_kind(pd.Series(values, name="amount"))[0] == "numeric"


def test_missing_values_do_not_change_the_kind():
    values = pd.Series(["a", "b", None, "a", np.nan, "c"] * 10)
    assert infer_kind(values)[0] == "categorical"
    numbers = pd.Series(np.r_[np.linspace(0, 1, 50), [np.nan] * 10])
    assert infer_kind(numbers)[0] == "numeric"


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1, 2, 1, 3] * 10, "ordinal"),  # few integers
        (list(np.arange(100, 100 + 40)), "id"),  # a counter
        ([1.5, 2.0, 1.5, 3.0] * 10, "numeric"),  # not whole numbers: stay numbers
    ],
    ids=["few-integers", "counter", "fractions"],
)
def test_integers_stored_as_floats_with_missing_values_keep_their_kind(values, kind):
    # pandas stores integers with a missing value as floats: [1.0, 2.0, NaN, 1.0]; the kind must be
    # the one of the same values without the missing ones, whatever the dtype
    as_given = pd.Series(values)
    with_missing = pd.Series(list(values) + [np.nan] * 5)
    as_floats = pd.Series(values, dtype=float)
    assert with_missing.dtype == float
    assert infer_kind(as_given)[0] == kind
    assert infer_kind(with_missing)[0] == kind
    assert infer_kind(as_floats)[0] == kind


def test_python_dates_are_datetimes():
    import datetime as dt

    dates = pd.Series(
        [dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in np.arange(N) % 7] + [None], dtype=object
    )
    assert infer_kind(dates) == ("datetime", "Python dates")
    unique_dates = pd.Series([dt.date(2021, 1, 1) + dt.timedelta(days=d) for d in range(N)], dtype=object)
    assert infer_kind(unique_dates)[0] == "datetime"  # not an id
    stamps = pd.Series([dt.datetime(2021, 1, 1, 12) + dt.timedelta(hours=d) for d in range(N)], dtype=object)
    assert infer_kind(stamps)[0] == "datetime"


@pytest.mark.parametrize(
    "values, as_feature, as_time",
    [
        (np.repeat(np.arange(5), 8), "ordinal", "numeric"),  # integers with few distinct values
        (np.repeat(np.arange(5.0), 8), "ordinal", "numeric"),  # the same as floats
        (np.r_[np.repeat(np.arange(5.0), 8), np.nan], "ordinal", "numeric"),  # ... with a missing value
        (np.repeat([7], 41), "constant", "numeric"),  # a single value
        (np.repeat(["2021-01-01"], 40), "constant", "datetime"),  # a single date
        (np.repeat(pd.date_range("2021-01-01", periods=4).strftime("%Y-%m-%d").to_numpy(), 10), "datetime", "datetime"),
    ],
    ids=["few-integers", "few-floats", "floats-with-missing", "constant", "constant-date", "few-date-strings"],
)
def test_the_time_column_is_numeric_or_datetime_whatever_its_distinct_count(values, as_feature, as_time):
    real = pd.DataFrame({"t": values, "v": np.arange(len(values)) * 1.5})
    assert fit_schema(real)["t"].kind == as_feature
    spec = fit_schema(real, time_column="t")["t"]
    assert (spec.kind, spec.role) == (as_time, "time")
    # a kind set by the user still wins
    assert fit_schema(real, time_column="t", column_types={"t": "categorical"})["t"].kind == "categorical"


def test_a_time_column_of_plain_words_keeps_its_kind():
    real = pd.DataFrame({"t": ["early", "late"] * 20, "v": np.arange(40.0)})
    assert fit_schema(real, time_column="t")["t"].kind == "categorical"


def test_fit_schema_keeps_the_real_order_and_gives_every_column_a_reason(mixed_frame):
    schema = fit_schema(mixed_frame)
    assert [c.name for c in schema.columns] == list(mixed_frame.columns)
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {
        "num": "numeric",
        "num2": "numeric",
        "when": "datetime",
        "cat": "categorical",
        "flag": "boolean",
        "code": "ordinal",
        "row_id": "id",
        "const": "constant",
        "empty": "empty",
    }
    for spec in schema.columns:
        assert spec.reason
        assert spec.role == "feature"
        assert spec.to_dict() == {"name": str(spec.name), "kind": spec.kind, "reason": spec.reason, "role": "feature"}
    assert schema.names == list(mixed_frame.columns)


def test_overrides_win_over_inference(mixed_frame):
    schema = fit_schema(mixed_frame, column_types={"code": "numeric", "row_id": "categorical"})
    assert schema["code"].kind == "numeric"
    assert schema["row_id"].kind == "categorical"
    assert "user" in schema["code"].reason
    # the others are still inferred
    assert schema["num"].kind == "numeric" and schema["cat"].kind == "categorical"


def test_exclusion_sets_the_role_and_leaves_the_column_out_of_names(mixed_frame):
    schema = fit_schema(mixed_frame, exclude=["cat", "row_id"])
    assert schema["cat"].role == "excluded" and schema["row_id"].role == "excluded"
    assert "excluded" in schema["cat"].reason
    assert "cat" not in schema.names and "row_id" not in schema.names
    assert [s.name for s in schema.select(["categorical"])] == []
    assert [s.name for s in schema.select(["ordinal"])] == ["code"]


def test_roles_of_target_time_and_entity(mixed_frame):
    schema = fit_schema(mixed_frame, target="flag", time_column="when", entity_column="row_id")
    assert schema["flag"].role == "target"
    assert schema["when"].role == "time"
    assert schema["row_id"].role == "entity"
    assert schema.target == "flag" and schema.time_column == "when" and schema.entity_column == "row_id"
    assert set(ROLES) >= {c.role for c in schema.columns}


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"column_types": {"nope": "numeric"}}, "nope"),
        ({"exclude": ["ghost"]}, "ghost"),
        ({"target": "absent"}, "absent"),
        ({"time_column": "absent_time"}, "absent_time"),
        ({"entity_column": "absent_entity"}, "absent_entity"),
    ],
)
def test_unknown_columns_are_input_errors_naming_them(mixed_frame, kwargs, named):
    with pytest.raises(InputError, match=named) as info:
        fit_schema(mixed_frame, **kwargs)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SdqError)
    assert "\n" not in str(info.value)


def test_unknown_kind_is_an_input_error(mixed_frame):
    with pytest.raises(InputError, match="numbers"):
        fit_schema(mixed_frame, column_types={"num": "numbers"})


def test_target_cannot_be_excluded(mixed_frame):
    with pytest.raises(InputError, match="flag"):
        fit_schema(mixed_frame, target="flag", exclude=["flag"])


def test_one_column_cannot_have_two_roles(mixed_frame):
    with pytest.raises(InputError, match="when"):
        fit_schema(mixed_frame, target="when", time_column="when")


def test_fit_schema_does_not_modify_the_frame(mixed_frame):
    before = mixed_frame.copy()
    fit_schema(mixed_frame, column_types={"code": "numeric"}, exclude=["const"], target="flag")
    pd.testing.assert_frame_equal(mixed_frame, before)


@pytest.mark.parametrize(
    "values",
    [pd.Series([True] * 30), pd.Series([False, None] * 15, dtype=object), pd.Series([1.0, np.nan] * 15)],
    ids=["bool-dtype", "python-bools", "ones"],
)
def test_a_single_boolean_value_is_a_constant(values):
    assert infer_kind(values) == ("constant", "a single distinct value")


def test_plain_cells_turn_lists_dicts_and_bytes_into_text():
    from sdq.schema import plain_cells

    mixed = pd.Series([["a", 1], {"k": 1}, b"caf\xe9", b"ok", None, "s"], dtype=object)
    out = plain_cells(mixed)
    assert out.drop(4).tolist() == ["['a', 1]", "{'k': 1}", "caf\\xe9", "ok", "s"] and pd.isna(out[4])
    plain = pd.Series(["x", None, "y"], dtype=object)
    assert plain_cells(plain) is plain  # nothing to do: the same object


def test_a_sorted_unique_integer_measurement_is_not_an_id_and_row_order_does_not_decide():
    # a unique integer income sorted in the real frame used to be taken for an id and left out of
    # fidelity, so a synthetic income three times too large scored 1.0
    rng = np.random.default_rng(0)
    income = pd.Series(np.sort(rng.choice(np.arange(10_000, 200_000), 300, replace=False)), name="income")
    shuffled = income.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert infer_kind(income)[0] == infer_kind(shuffled)[0] == "numeric"
    real = pd.DataFrame({"income": income, "x": rng.normal(size=300)})
    tripled = real.assign(income=real["income"] * 3)
    report = sdq.evaluate(real, tripled, metrics=["histogram_similarity"])
    assert report.to_frame("columns").loc["income", "histogram_similarity"] < 0.4
    # a counter stays an id in any order
    counter = pd.Series(np.arange(300) + 7, name="n")
    assert infer_kind(counter)[0] == infer_kind(counter.sample(frac=1.0, random_state=2))[0] == "id"


# -- ordinal columns ------------------------------------------------------------------------------


def test_few_integers_are_ordinal_with_a_reason_that_says_so():
    rng = np.random.default_rng(3)
    seven = pd.Series(rng.integers(1, 8, size=200))
    assert infer_kind(seven) == ("ordinal", "integers with only 7 distinct values (ordered)")
    # as floats with a missing value (how pandas stores integers with missing values): the same
    assert infer_kind(pd.Series(np.r_[seven.to_numpy(dtype=float), np.nan])) == infer_kind(seven)
    # more than ten distinct integers are numbers; 0/1 stays boolean; strings stay categorical
    assert infer_kind(pd.Series(np.arange(200) % 11))[0] == "numeric"
    assert infer_kind(pd.Series(rng.integers(0, 2, size=50)))[0] == "boolean"
    assert infer_kind(pd.Series(rng.choice(["1", "2", "3"], size=50)))[0] == "categorical"


def test_an_ordered_pandas_category_is_ordinal_and_keeps_its_order():
    levels = ["very poor", "poor", "fair", "good", "very good"]
    values = pd.Categorical(np.random.default_rng(4).choice(levels, size=100), categories=levels, ordered=True)
    kind, reason = infer_kind(pd.Series(values))
    assert kind == "ordinal"
    assert "ordered pandas category" in reason and "very poor < poor < fair < good < very good" in reason
    spec = fit_schema(pd.DataFrame({"rate": values, "x": np.arange(100.0)}))["rate"]
    assert spec.levels == tuple(levels)
    # an unordered category stays categorical, without levels
    plain = fit_schema(pd.DataFrame({"rate": pd.Categorical(values, ordered=False)}))["rate"]
    assert (plain.kind, plain.levels) == ("categorical", ())


@pytest.mark.parametrize(
    "values, order",
    [
        (pd.Series([3.0, 1.5, 2.0, 10.0] * 10), "ordered by value"),
        (pd.Series(["10", "9", "2"] * 10), "ordered by value"),
        (pd.Series(["high", "low", "mid"] * 10), "alphabetical"),
        (pd.Series(pd.Categorical(["b", "a"] * 10, categories=["b", "a"], ordered=True)), "category order: b < a"),
    ],
    ids=["numbers", "number-strings", "words", "ordered-category"],
)
def test_column_types_ordinal_says_how_the_levels_are_ordered(values, order):
    spec = fit_schema(pd.DataFrame({"x": values}), column_types={"x": "ordinal"})["x"]
    assert spec.kind == "ordinal"
    assert spec.reason.startswith("set by the user; ") and order in spec.reason


def _histogram_labels(real: pd.DataFrame, column: str, **kwargs) -> list[str]:
    report = sdq.evaluate(real, real.copy(), metrics=["histogram_similarity"], **kwargs)
    entry = next(c for c in report["histogram_similarity"].details["columns"] if c["column"] == column)
    return entry["labels"]


def test_ordinal_bins_follow_the_levels_order_not_their_frequency():
    rng = np.random.default_rng(5)
    scores = rng.choice([10, 2, 9], p=[0.6, 0.3, 0.1], size=300)  # 10 most frequent, 9 rarest
    levels = ["low", "mid", "high"]
    rated = pd.Categorical(rng.choice(levels, p=[0.2, 0.2, 0.6], size=300), categories=levels, ordered=True)
    words = rng.choice(["high", "low", "mid"], size=300)
    real = pd.DataFrame({"score": scores, "rated": rated, "words": words, "x": rng.normal(size=300)})
    assert _histogram_labels(real, "score") == ["(missing)", "2", "9", "10", "(unseen)"]
    assert _histogram_labels(real, "rated") == ["(missing)", "low", "mid", "high", "(unseen)"]
    # strings set to ordinal: alphabetical (as the reason says)
    labels = _histogram_labels(real, "words", column_types={"words": "ordinal"})
    assert labels == ["(missing)", "high", "low", "mid", "(unseen)"]
    # the same strings as categories: most frequent first, with (other)
    assert _histogram_labels(real, "words")[-2:] == ["(other)", "(unseen)"]


def _ratings(n: int, seed: int) -> pd.DataFrame:
    """A 1-7 rating that rises with a score, an ordered category and a boolean that follow it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    rating = np.clip(np.round(4 + 1.5 * x + rng.normal(size=n)), 1, 7).astype(int)
    levels = ["low", "mid", "high"]
    band = pd.Categorical(np.array(levels)[np.digitize(x, [-0.5, 0.5])], categories=levels, ordered=True)
    return pd.DataFrame({"score": x, "rating": rating, "band": band, "churn": x + rng.normal(size=n) > 0.5})


def test_ordinal_columns_in_the_report_json_and_html(tmp_path):
    real, synthetic = _ratings(400, 0), _ratings(300, 1)
    report = sdq.evaluate(real, synthetic, metrics=["histogram_similarity", "correlation"])
    columns = {c["name"]: c for c in report.to_dict()["data"]["columns"]}
    assert columns["rating"]["kind"] == "ordinal" and columns["band"]["kind"] == "ordinal"
    assert columns["rating"]["reason"] == "integers with only 7 distinct values (ordered)"
    assert "low < mid < high" in columns["band"]["reason"]
    report.to_html(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<td>ordinal</td>" in html and "integers with only 7 distinct values (ordered)" in html


def test_a_rating_read_backwards_fails_its_column_threshold():
    import sdq.testing as st

    real, synthetic, holdout = _ratings(1500, 0), _ratings(1500, 1), _ratings(1500, 2)
    threshold = "correlation:rating=0.8*baseline"
    st.assert_quality(real, synthetic, holdout, thresholds=threshold, config=sdq.Config(n_bootstrap=0))
    backwards = synthetic.assign(rating=8 - synthetic["rating"])
    with pytest.raises(AssertionError, match="correlation:rating"):
        st.assert_quality(real, backwards, holdout, thresholds=threshold, config=sdq.Config(n_bootstrap=0))


def test_chunked_files_read_ordinal_columns_as_in_memory(tmp_path):
    from sdq.engine.chunked import evaluate_chunked

    real, synthetic = _ratings(600, 0), _ratings(500, 1)
    real.to_parquet(tmp_path / "real.parquet")
    synthetic.to_parquet(tmp_path / "synthetic.parquet")
    metrics = ["histogram_similarity", "mutual_information"]
    chunked = evaluate_chunked(
        tmp_path / "real.parquet", tmp_path / "synthetic.parquet", chunk_rows=100, metrics=metrics
    )
    memory = sdq.evaluate(real, synthetic, metrics=metrics)
    kinds = {c["name"]: c["kind"] for c in chunked.to_dict()["data"]["columns"]}
    assert kinds["rating"] == kinds["band"] == "ordinal"
    for name in metrics:
        assert chunked[name].score == pytest.approx(memory[name].score, abs=1e-12), name

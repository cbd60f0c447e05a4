"""Rules evaluated on whole columns: values per kind, missing values (three-valued logic), how
types meet, the functions, and the errors that say what to write instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdq.errors import ConfigError
from sdq.rules import Rule, RuleTypeError, Table, UnknownColumn
from sdq.rules.evaluate import condition
from sdq.rules.grammar import parse

DAY = 86_400.0


@pytest.fixture
def table() -> Table:
    """Six rows as sdq coerces them: numbers and dates as floats (dates in seconds), a boolean as
    0/1, text as a Categorical; missing values in every column."""
    start = pd.Timestamp("2024-01-30", tz="UTC").timestamp()
    frame = pd.DataFrame(
        {
            "a": [1.0, 2.0, np.nan, 4.0, 5.0, 0.0],
            "b": [1.0, 1.0, 3.0, np.nan, 6.0, 0.0],
            "start": [start, start, start + DAY, np.nan, start, start],
            "end": [start + 3 * DAY, start - DAY, start + 40 * DAY, start, np.nan, start + 0.5 * DAY],
            "flag": [1.0, 0.0, np.nan, 1.0, 0.0, 1.0],
            "code": pd.Categorical(["A1234", "b12", None, "A9", "C0000", "A1234"]),
            "rating": pd.Categorical(["1", "5", "3", None, "2", "x"]),
        }
    )
    kinds = {
        "a": "numeric",
        "b": "numeric",
        "start": "datetime",
        "end": "datetime",
        "flag": "boolean",
        "code": "categorical",
        "rating": "categorical",
    }
    return Table(frame, kinds)


def truth(text: str, table: Table) -> list:
    """Per row: True, False or None (unknown)."""
    value, known = condition(parse(text), table)
    return [bool(v) if k else None for v, k in zip(value, known)]


def test_comparisons_and_arithmetic_are_unknown_where_a_value_is_missing(table):
    assert truth("a <= b", table) == [True, False, None, None, True, True]
    assert truth("a + b >= 2", table) == [True, True, None, None, True, False]
    assert truth("0 <= a < 5", table) == [True, True, None, True, False, True]
    assert truth("a / b > 1", table) == [False, True, None, None, False, None]  # 0 / 0 is unknown
    assert truth("a % 2 == 0", table) == [False, True, None, True, False, True]


def test_three_valued_logic(table):
    # unknown and false is false; unknown or true is true; not unknown is unknown
    assert truth("a <= b and flag", table) == [True, False, None, None, False, True]
    assert truth("a <= b or flag", table) == [True, False, None, True, True, True]
    assert truth("not (a <= b)", table) == [False, True, None, None, False, False]
    assert truth("a is null or a >= 1", table) == [True, True, True, True, True, False]
    assert truth("b is not null", table) == [True, True, True, False, True, True]
    assert truth("b not null", table) == truth("b is not null", table)


def test_text_sets_formats_and_functions(table):
    assert truth('code in {"A1234", "A9"}', table) == [True, False, None, True, False, True]
    assert truth('code not in {"A1234", "A9"}', table) == [False, True, None, False, True, False]
    assert truth('code matches "^[A-Z][0-9]{4}$"', table) == [True, False, None, False, True, True]
    assert truth('lower(code) == "b12"', table) == [False, True, None, False, False, False]
    assert truth("len(code) == 5", table) == [True, False, None, False, True, True]
    assert truth('upper(code) matches "^B"', table) == [False, True, None, False, False, False]


def test_text_is_read_as_a_number_where_compared_with_one(table):
    # a categorical column of numbers written as text; "x" is no number: unknown
    assert truth("rating >= 3", table) == [False, True, True, None, False, None]
    assert truth("rating in {1, 2}", table) == [True, False, False, None, True, False]
    assert truth("number(rating) + 1 == 6", table) == [False, True, False, None, False, None]
    assert truth('text(a) in {"1", "4"}', table) == [True, False, None, True, False, False]


def test_dates_compare_with_dates_and_text_and_give_their_parts(table):
    assert truth("start <= end", table) == [True, False, True, None, None, True]
    assert truth('start >= "2024-01-31"', table) == [False, False, True, None, False, False]
    assert truth('end < date("2024-02-01")', table) == [False, True, False, True, None, True]
    assert truth("days(end - start) <= 30", table) == [True, True, False, None, None, True]
    assert truth("year(start) == 2024 and month(end) >= 1", table) == [True, True, True, None, None, True]
    assert truth("day(end) == 2 and weekday(end) == 4", table) == [True, False, False, False, None, False]
    assert truth("hour(end) == 12", table) == [False, False, False, False, None, True]
    assert truth("max(start, end) == end", table) == [True, False, True, None, None, True]


def test_numeric_functions(table):
    assert truth("abs(a - b) <= 1", table) == [True, True, None, None, True, True]
    assert truth("min(a, b, 3) == 1", table) == [True, True, None, None, False, False]
    assert truth("round(a / 3, 1) == 0.3", table) == [True, False, None, False, False, False]
    assert truth("floor(a / 2) == 1 or ceil(a / 2) == 3", table) == [False, True, None, False, True, False]
    assert truth("sqrt(a) == 2 or log(a) < 0", table) == [False, False, None, True, False, None]


def test_booleans_are_conditions_and_numbers(table):
    assert truth("flag", table) == [True, False, None, True, False, True]
    assert truth("flag == true", table) == truth("flag", table)
    assert truth("flag + flag == 2", table) == [True, False, None, True, False, True]
    assert truth("1 < 2", table) == [True] * 6  # a constant condition holds on every row


@pytest.mark.parametrize(
    "text, message",
    [
        ("a + code > 1", "on text; read text as a number with number(x)"),
        ("start + 1 > end", "only the difference of two dates is defined"),
        ("a and b", "'and' needs conditions, got a number"),
        ("a + 1", "the expression is a number, not a condition"),
        ("a == null", "write `x is null`"),
        ("start > 5", "is not a date"),
        ('start > "not a date"', "'not a date' is not a date"),
        ('a > "abc"', "'abc' is not a number"),
        ("year(a) == 1", "year() takes a date, got a number"),
        ("days(start) > 1", "days() takes a difference of two dates"),
        ("round(a, b) > 1", "digits must be a whole number"),
        ("lower(start) == 'x'", "is not text"),
        ("code == flag", "between text and a condition"),
    ],
)
def test_values_that_do_not_go_together_say_what_to_write(table, text, message):
    with pytest.raises(RuleTypeError) as caught:
        condition(parse(text), table)
    assert message in str(caught.value)


def test_an_unknown_column_is_named_with_a_near_name(table):
    with pytest.raises(UnknownColumn, match=r"unknown column 'strat'; did you mean 'start'\?"):
        condition(parse("strat <= end"), table)
    # through a rule, the error names the rule
    with pytest.raises(ConfigError, match=r"^Rule 'order': unknown column 'strat'"):
        Rule("order", "strat <= end").check(table)


def test_a_rule_applies_where_its_condition_holds_and_its_values_are_known(table):
    check = Rule("short", "days(end - start) <= 2", when="flag").check(table)
    # flag: T F ? T F T; days(end - start): 3 -1 39 ? ? 0.5
    assert check.applies.tolist() == [True, False, False, False, False, True]
    assert check.kept.tolist() == [False, False, False, False, False, True]
    assert check.broken.tolist() == [True, False, False, False, False, False]
    assert (check.n_applies, check.n_kept, check.share) == (2, 1, 0.5)


def test_unique_and_depends_are_judged_on_the_whole_data_set():
    frame = pd.DataFrame(
        {
            "zip": pd.Categorical(["10001", "10001", "94105", "94105", "94105", None, "60601"]),
            "state": pd.Categorical(["NY", "NY", "CA", "CA", "NV", "CA", None]),
            "n": [1.0, 1.0, 2.0, 3.0, 2.0, 4.0, np.nan],
        }
    )
    table = Table(frame, {"zip": "categorical", "state": "categorical", "n": "numeric"})
    depends = Rule("state_by_zip", column="state", depends_on="zip").check(table)
    # 94105 goes with CA twice and NV once: the NV row breaks it; rows with a missing value do not count
    assert depends.applies.tolist() == [True, True, True, True, True, False, False]
    assert depends.broken.tolist() == [False, False, False, False, True, False, False]
    unique = Rule("n_unique", unique="n").check(table)
    # every repeat after the first breaks it (1.0 twice, 2.0 twice)
    assert unique.n_applies == 6 and unique.broken.sum() == 2
    pair = Rule("zip_state_unique", unique=["zip", "state"]).check(table)
    assert pair.n_applies == 5 and pair.broken.tolist() == [False, True, False, True, False, False, False]
    # ties go to the smallest value, whatever the order of the rows
    tie = Table(
        pd.DataFrame({"k": pd.Categorical(["x", "x"]), "v": pd.Categorical(["b", "a"])}),
        {"k": "categorical", "v": "categorical"},
    )
    assert Rule("t", column="v", depends_on="k").check(tie).broken.tolist() == [True, False]

"""Mined rules on real tables: they include the constraints known to hold there, and none that
the real rows break; support, tolerance, and the rules file written back and read again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import coerce_frame
from sdq.demo import data as demo_data
from sdq.demo import load_fair
from sdq.rules import Table, mine, read_rules
from sdq.schema import fit_schema


def _coerced(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    schema = fit_schema(frame)
    coerced, _ = coerce_frame(schema, frame)
    return coerced.set_axis([str(c) for c in coerced.columns], axis=1), {s.label: s.kind for s in schema.columns}


def _holds_on_every_row(mined, frame: pd.DataFrame) -> None:
    """Every mined rule, checked again on the coerced real rows, holds where it applies."""
    coerced, kinds = _coerced(frame)
    table = Table(coerced, kinds)
    for m in mined.mined:
        check = m.rule.check(table)
        assert check.n_applies == m.rows > 0, m.rule
        assert check.n_kept == check.n_applies and m.support == 1.0, (m.rule, check.n_applies - check.n_kept)


@pytest.fixture(scope="module")
def fair() -> pd.DataFrame:
    return load_fair()


@pytest.fixture(scope="module")
def fair_mined(fair):
    return sdq.suggest_rules(fair)


def test_the_fair_survey(fair, fair_mined):
    rules = {m.rule.name: m.rule for m in fair_mined.mined}
    texts = {r.text for r in rules.values()}
    # every answer is there; women are married for fewer years than they are old; every answer is
    # one of the survey's codes; years and children are never negative
    for column in fair.columns:
        assert f"{column} is not null" in texts, column
    assert "yrs_married < age" in texts
    assert rules["rate_marriage_values"].values == ("fair", "good", "poor", "very good", "very poor")
    assert rules["religious_values"].values == ("fairly", "mildly", "not", "strongly")
    assert set(rules["educ_values"].values) == set(demo_data.EDUC_LABELS.values())
    assert set(rules["occupation_husb_values"].values) == set(demo_data.OCCUPATION_LABELS.values())
    assert rules["age_values"].values == (17.5, 22, 27, 32, 37, 42)
    assert rules["children_values"].values == (0, 1, 2, 3, 4, 5.5)
    for column in ("age", "yrs_married", "children"):
        assert f"{column} >= 0" in texts
    # the survey has no unique column, and no two of its answers determine each other
    assert not any(r.kind in ("unique", "depends") for r in rules.values())
    _holds_on_every_row(fair_mined, fair)


def test_derived_columns_of_the_fair_survey_give_sums_dependencies_and_formats(fair):
    # columns that follow from others, as real tables often hold: the age at marriage (a
    # difference), the rating's numeric code (one to one with its label) and a member number
    data = fair.copy()
    data["age_at_marriage"] = data["age"] - data["yrs_married"]
    codes = {"very poor": 1, "poor": 2, "fair": 3, "good": 4, "very good": 5}
    data["rate_code"] = data["rate_marriage"].map(codes).map(lambda v: f"R{v}")
    data["member"] = [f"FM-{i:05d}" for i in range(len(data))]
    mined = sdq.suggest_rules(data)
    texts = {m.rule.text for m in mined.mined}
    assert "yrs_married + age_at_marriage == age" in texts
    assert "rate_marriage -> rate_code" in texts and "rate_code -> rate_marriage" in texts
    assert 'member matches "^[A-Z]{2}\\\\-[0-9]{5}$"' in texts
    assert "unique(member)" in texts
    _holds_on_every_row(mined, data)


def test_iris_measurements_are_ordered(iris_frame):
    mined = sdq.suggest_rules(iris_frame)
    texts = {m.rule.text for m in mined.mined}
    # petals are narrower than long, shorter than the sepals, and sepals narrower than long
    assert "`petal width (cm)` < `petal length (cm)`" in texts
    assert "`petal length (cm)` < `sepal length (cm)`" in texts
    assert "`sepal width (cm)` < `sepal length (cm)`" in texts
    # implied by the two before it: left out
    assert "`petal width (cm)` < `sepal length (cm)`" not in texts
    assert 'species in {"setosa", "versicolor", "virginica"}' in texts
    _holds_on_every_row(mined, iris_frame)


@pytest.fixture(scope="module")
def iris_frame() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    frame["species"] = pd.Categorical.from_codes(frame.pop("target"), ["setosa", "versicolor", "virginica"])
    return frame


def test_the_rand_health_insurance_experiment():
    from statsmodels.datasets import randhie

    data = randhie.load_pandas().data
    mined = sdq.suggest_rules(data)
    rules = {m.rule.name: m.rule for m in mined.mined}
    # five coinsurance plans (log rates), visits never negative, the limitation share in [0, 1]
    assert rules["lncoins_values"].values == (0, 3.258096, 3.931826, 4.564348, 4.61512)
    assert rules["mdvis_non_negative"].expr == "mdvis >= 0"
    assert rules["mdvis_range"].expr == "0 <= mdvis <= 77" and rules["mdvis_range"].severity == "warning"
    assert rules["physlm_values"].values[0] == 0 and rules["physlm_values"].values[-1] == 1
    _holds_on_every_row(mined, data)


def test_state_names_have_a_format_and_never_repeat():
    from statsmodels.datasets import statecrime

    data = statecrime.load_pandas().data.reset_index()
    coerced, kinds = _coerced(data)
    mined = mine(coerced, kinds, max_patterns=4)
    rules = {m.rule.name: m.rule for m in mined.mined}
    assert rules["state_unique"].unique == ("state",)
    assert (
        rules["state_format"].matches
        == "^(?:[A-Z]+[a-z]+|[A-Z]+[a-z]+\\ +|[A-Z]+[a-z]+\\ +[A-Z]+[a-z]+|[A-Z]+[a-z]+\\ +[a-z]+\\ +[A-Z]+[a-z]+)$"
    )
    assert "murder < single" in {r.text for r in rules.values()}


def test_a_tolerance_keeps_rules_that_all_but_a_few_rows_keep(fair):
    data = fair.copy()
    data.loc[:9, "yrs_married"] = 45.0  # ten rows married longer than they are old
    strict = {m.rule.text for m in sdq.suggest_rules(data).mined}
    assert "yrs_married < age" not in strict
    lenient = sdq.suggest_rules(data, tolerance=0.01)
    found = next(m for m in lenient.mined if m.rule.text == "yrs_married < age")
    assert found.rows == len(data) and found.support == pytest.approx(1 - 10 / len(data), abs=1e-6)
    assert "(10 break it)" in found.comment()
    with pytest.raises(sdq.ConfigError, match="tolerance must be a share in"):
        sdq.suggest_rules(data, tolerance=0.7)


def test_missing_values_and_what_does_not_hold(fair):
    data = fair.copy()
    rng = np.random.default_rng(0)
    data.loc[rng.random(len(data)) < 0.1, "children"] = np.nan
    texts = {m.rule.text for m in sdq.suggest_rules(data).mined}
    assert "children is not null" not in texts and "age is not null" in texts
    assert "children >= 0" in texts  # where it is known


def test_the_rules_file_reads_back_as_the_same_rules(tmp_path, fair_mined):
    text = fair_mined.to_toml(source="fair.csv")
    assert text.startswith("# Rules mined by `sdq rules suggest` from fair.csv (6,366 rows, 9 columns)")
    assert "yrs_married_lt_age = 'yrs_married < age'   # holds on all 6,366 rows" in text
    assert "# -- columns ordered row by row" in text
    path = tmp_path / "rules.toml"
    path.write_text(text)
    assert read_rules(path) == fair_mined.rules


def test_mining_does_not_depend_on_the_order_of_rows(fair):
    shuffled = fair.sample(frac=1.0, random_state=5).reset_index(drop=True)
    assert sdq.suggest_rules(shuffled).rules == sdq.suggest_rules(fair).rules

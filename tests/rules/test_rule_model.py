"""Rules as users write them: the short and long TOML forms, mappings and objects, files, and the
errors that name the rule (and the file)."""

from __future__ import annotations

import pandas as pd
import pytest

import sdq
from sdq.errors import ConfigError
from sdq.rules import Rule, as_rules, check_rules, read_rules, rules_to_mapping, rules_to_toml
from sdq.rules.files import load_rules

RULES_TOML = """
[thresholds]
fidelity = 0.8

[rules]
married_after_born = "yrs_married <= age"
"rate in words" = { column = "rate_marriage", in = ["poor", "fair", "good"] }

[rules.zip_format]
column = "zip"
matches = '^[0-9]{5}$'
when = 'country == "US"'
severity = "warning"

[rules.order_id]
unique = ["order", "line"]

[rules.state]
column = "state"
depends_on = "zip"
"""


def test_the_short_and_long_forms_of_a_file(tmp_path):
    path = tmp_path / "sdq.toml"
    path.write_text(RULES_TOML)
    rules = {r.name: r for r in read_rules(path)}
    assert list(rules) == ["married_after_born", "rate in words", "zip_format", "order_id", "state"]
    assert [r.kind for r in rules.values()] == ["row", "set", "format", "unique", "depends"]
    assert rules["married_after_born"].expr == "yrs_married <= age" and rules["married_after_born"].severity == "error"
    assert rules["rate in words"].values == ("poor", "fair", "good")
    zip_format = rules["zip_format"]
    assert (zip_format.column, zip_format.matches, zip_format.when, zip_format.severity) == (
        "zip",
        "^[0-9]{5}$",
        'country == "US"',
        "warning",
    )
    assert zip_format.columns == ("zip", "country")
    assert rules["order_id"].unique == ("order", "line") and rules["state"].depends_on == ("zip",)
    assert rules["zip_format"].text == 'when country == "US": zip matches "^[0-9]{5}$"'
    assert rules["state"].text == "zip -> state"


def test_rules_travel_as_mappings_and_toml_and_come_back_equal(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TOML)
    rules = read_rules(path)
    mapping = rules_to_mapping(rules)
    assert mapping["married_after_born"] == "yrs_married <= age"  # the short form where it says everything
    assert mapping["zip_format"] == {
        "column": "zip",
        "matches": "^[0-9]{5}$",
        "when": 'country == "US"',
        "severity": "warning",
    }
    assert as_rules(mapping) == rules
    written = tmp_path / "again.toml"
    written.write_text(rules_to_toml(rules, header=["made by a test"]))
    assert read_rules(written) == rules
    # through the configuration and its JSON form
    config = sdq.Config(rules=mapping)
    assert config.rules == rules and sdq.Config.from_dict(config.to_dict()) == config


def test_files_of_rules_only_and_pyproject(tmp_path):
    only = tmp_path / "only.toml"
    only.write_text('married_after_born = "yrs_married <= age"\n')
    assert [r.name for r in read_rules(only)] == ["married_after_born"]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.sdq.rules]\nadult = "age >= 18"\n')
    assert [r.expr for r in load_rules(str(pyproject))] == ["age >= 18"]
    thresholds = tmp_path / "sdq.toml"
    thresholds.write_text("[thresholds]\nfidelity = 0.8\n")
    assert read_rules(thresholds, required=False) == ()
    with pytest.raises(ConfigError, match=r"sdq.toml: no rules \(a \[rules\] table"):
        read_rules(thresholds)


@pytest.mark.parametrize(
    "table, message",
    [
        ({"r": 'age >= "'}, "Rule 'r': the string at position 7 is not closed"),
        ({"r": "os.system('x')"}, "Rule 'r': unexpected character '.'"),
        ({"r": '__import__("os")'}, "Rule 'r': unknown function '__import__'"),
        ({"r": {"expr": "a > 1", "sevrity": "warning"}}, "Rule 'r': unknown key(s) ['sevrity']; allowed: ['expr'"),
        ({"r": {"expr": "a > 1", "severity": "fatal"}}, "'severity' must be one of ['error', 'warning']"),
        ({"r": {"expr": "a > 1", "matches": "x"}}, "give exactly one of 'expr', 'in', 'matches'"),
        ({"r": {"when": "a > 1"}}, "give exactly one of"),
        ({"r": {"in": ["a"]}}, "Rule 'r': 'in' needs 'column'"),
        ({"r": {"column": "x", "in": []}}, "'in' must be a non-empty list"),
        ({"r": {"column": "x", "in": [None]}}, "'in' must be a non-empty list"),
        ({"r": {"column": "x", "matches": "("}}, "Rule 'r': invalid regular expression '('"),
        ({"r": {"column": "x", "expr": "a > 1"}}, "'column' goes with 'in', 'matches' or 'depends_on'"),
        ({"r": {"unique": []}}, "'unique' must be a column name or a list of distinct column names"),
        ({"r": {"column": "x", "depends_on": ["x"]}}, "cannot hold the column 'x' itself"),
        ({"r": {"expr": "a > 1", "when": "b +"}}, "Rule 'r': expected a value"),
        ({"r": 3}, "Rule 'r' must be an expression (a string) or a table"),
    ],
)
def test_a_bad_rule_is_a_config_error_that_names_it(table, message):
    with pytest.raises(ConfigError) as caught:
        as_rules(table)
    assert message in str(caught.value)


def test_a_bad_rule_in_a_file_names_the_file_and_the_rule(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[rules]\nok = "a > 1"\nbad = "a >"\n')
    with pytest.raises(ConfigError, match=r"rules.toml: Rule 'bad': expected a value"):
        read_rules(path)
    path.write_text("[rules\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_rules(path)
    with pytest.raises(ConfigError, match="no such rules file"):
        read_rules(tmp_path / "missing.toml")


def test_rule_objects_mappings_and_names():
    rules = as_rules([Rule("a", "x > 1"), Rule("b", column="c", values=["u", "v"])])
    assert [r.name for r in rules] == ["a", "b"] and rules[1].values == ("u", "v")
    with pytest.raises(ConfigError, match=r"Rule names must be distinct; repeated: \['a'\]"):
        as_rules([Rule("a", "x > 1"), Rule("a", "x > 2")])
    with pytest.raises(ConfigError, match="A rule's name must be a non-empty string"):
        Rule(" ", "x > 1")
    with pytest.raises(ConfigError, match="Expected an sdq.rules.Rule"):
        as_rules(["x > 1"])
    assert as_rules(None) == () and Rule("a", "x > 1") == Rule("a", "x > 1")


def test_rules_are_checked_against_the_columns_and_their_kinds():
    kinds = {"age": "numeric", "start": "datetime", "name": "categorical"}
    check_rules(as_rules({"a": "age >= 0", "b": 'start >= "2020-01-01"', "c": "len(name) > 1"}), kinds)
    with pytest.raises(ConfigError, match=r"Rule 'b': unknown column 'agee'; did you mean 'age'\?"):
        check_rules(as_rules({"a": "age >= 0", "b": "agee >= 0"}), kinds)
    with pytest.raises(ConfigError, match=r"Rule 'c': 'and' needs conditions, got a number"):
        check_rules(as_rules({"c": "age and start"}), kinds)
    with pytest.raises(ConfigError, match="Rule 'd' reads the column 'secret', which is excluded"):
        check_rules(as_rules({"d": "secret > 1"}), kinds, excluded=["secret"])


def test_sdq_evaluate_refuses_a_bad_rule_before_anything_runs():
    frame = pd.DataFrame({"age": [30.0, 40.0, 50.0] * 10, "yrs": [1.0, 2.0, 3.0] * 10})
    with pytest.raises(sdq.ConfigError, match=r"Rule 'older': unknown column 'agee'"):
        sdq.evaluate(frame, frame, rules={"older": "agee > yrs"})
    with pytest.raises(sdq.ConfigError, match=r"Rule 'x': unknown function '__import__'"):
        sdq.evaluate(frame, frame, rules={"x": '__import__("os").system("true")'})

"""The ``rules`` metric on real data: rules broken on purpose in a synthetic copy are counted
exactly, scores follow their definition, rules the real data breaks are flagged and not scored,
violating rows shown are synthetic only, and each rule is tested like a column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.render.figures import panels_for
from sdq.render.tables import tables_for
from sdq.rules import Rule

FAST = sdq.Config(n_bootstrap=50)

RULES = """
[rules]
# a row rule
married_after_born = "yrs_married <= age"

# a value set
rating_in_words = { column = "rate_marriage", in = ["very poor", "poor", "fair", "good", "very good"] }

# a format: labels in lower case words (commas and spaces between them)
occupation_format = { column = "occupation", matches = '^[a-z]+(,? [a-z]+)*$' }

# a conditional rule: women aged 22 or less were married for at most 9 years
[rules.young_married_briefly]
expr = "yrs_married <= 9"
when = "age <= 22"
"""

#: rows of the synthetic copy broken on purpose, per rule
BROKEN = {"married_after_born": 7, "rating_in_words": 11, "occupation_format": 5, "young_married_briefly": 4}


@pytest.fixture(scope="module")
def parts():
    from sdq.demo import load_fair, split

    train, holdout = split(load_fair(), holdout_share=0.3, seed=0)
    return train, holdout


def _broken_copy(train: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """A copy of the training rows (shuffled) with each rule broken on its own rows."""
    synthetic = train.sample(frac=1.0, random_state=2).reset_index(drop=True)
    age, free = synthetic["age"].to_numpy(), np.ones(len(synthetic), dtype=bool)

    def take(mask: np.ndarray, n: int) -> list[int]:
        rows = np.flatnonzero(mask & free)[:n]
        free[rows] = False
        return rows.tolist()

    rows = {
        # 27-year-olds married for 30 years (no other rule reads them: the condition is age <= 22)
        "married_after_born": take(age == 27, BROKEN["married_after_born"]),
        "rating_in_words": take(np.ones_like(free), BROKEN["rating_in_words"]),
        "occupation_format": take(np.ones_like(free), BROKEN["occupation_format"]),
        # 22-year-olds married for 13 years: under their age (the row rule holds), over 9 years
        "young_married_briefly": take(age == 22, BROKEN["young_married_briefly"]),
    }
    synthetic.loc[rows["married_after_born"], "yrs_married"] = 30.0
    synthetic.loc[rows["rating_in_words"], "rate_marriage"] = "excellent"
    synthetic.loc[rows["occupation_format"], "occupation"] = "Student!"
    synthetic.loc[rows["young_married_briefly"], "yrs_married"] = 13.0
    return synthetic, rows


def _entries(result) -> dict:
    return {e["column"]: e for e in result.details["columns"]}


def test_each_rule_broken_on_purpose_is_counted_exactly(parts, tmp_path):
    train, holdout = parts
    synthetic, rows = _broken_copy(train)
    path = tmp_path / "rules.toml"
    path.write_text(RULES)
    result = sdq.evaluate(train, synthetic, rules=path, metrics=["rules"], config=FAST)["rules"]
    assert result.status == "ok", result.message
    entries = _entries(result)
    assert list(entries) == list(BROKEN)
    for name, n in BROKEN.items():
        entry = entries[name]
        assert entry["violations"] == {"real": 0, "synthetic": n}, name
        assert entry["shares"]["real"] == 1.0
        applies = entry["rows"]["synthetic"]
        assert entry["shares"]["synthetic"] == pytest.approx((applies - n) / applies, abs=1e-6)
        assert entry["score"] == pytest.approx((applies - n) / applies, abs=1e-6)  # the real share is 1
        low, high = entry["ci"]
        assert low < entry["shares"]["synthetic"] <= high and entry["se"] > 0
        # the violating rows shown are the synthetic rows broken on purpose, first by position
        shown = [example["row"] for example in entry["examples"]]
        assert shown == sorted(rows[name])[:5]
        for example in entry["examples"]:
            row = synthetic.iloc[example["row"]]
            assert all(row[column] == value for column, value in example["values"].items())
    # the conditional rule applies only to the women aged 22 or less, in each data set
    assert entries["young_married_briefly"]["rows"]["real"] == int((train["age"] <= 22).sum())
    assert entries["young_married_briefly"]["rows"]["synthetic"] == int((synthetic["age"] <= 22).sum())
    assert entries["married_after_born"]["rows"]["synthetic"] == len(synthetic)
    # the metric: the mean of the rule scores (all are errors)
    assert result.score == pytest.approx(np.mean([e["score"] for e in entries.values()]), abs=1e-6)
    assert result.details["rules"] == {"given": 4, "mined": 0, "scored": 4}


def test_with_a_holdout_the_baseline_is_fresh_real_data_and_every_synthetic_row_is_counted(parts):
    train, holdout = parts
    synthetic, rows = _broken_copy(train)
    result = sdq.evaluate(train, synthetic, holdout, rules=_mapping(), metrics=["rules"], config=FAST)["rules"]
    entries = _entries(result)
    # the synthetic data (as large as the training rows) is scored at the holdout's size; the
    # violations of every synthetic row are counted beside
    assert result.details["rows"] == {
        "real": len(train),
        "synthetic": len(holdout),
        "holdout": len(holdout),
        "synthetic_full": len(synthetic),
    }
    for name, n in BROKEN.items():
        assert entries[name]["violations"]["synthetic_full"] == n and entries[name]["violations"]["holdout"] == 0
        assert entries[name]["baseline"] == 1.0
    assert result.baseline == 1.0 and result.score < 1.0
    assert result.details["score_full_size"] < 1.0


def _mapping() -> dict:
    return {
        "married_after_born": "yrs_married <= age",
        "rating_in_words": {"column": "rate_marriage", "in": ["very poor", "poor", "fair", "good", "very good"]},
        "occupation_format": {"column": "occupation", "matches": "^[a-z]+(,? [a-z]+)*$"},
        "young_married_briefly": {"expr": "yrs_married <= 9", "when": "age <= 22"},
    }


def test_a_path_a_mapping_and_rule_objects_give_the_same_result(parts, tmp_path):
    train, _ = parts
    synthetic, _ = _broken_copy(train)
    path = tmp_path / "rules.toml"
    path.write_text(RULES)
    objects = [Rule(name, **({"expr": v} if isinstance(v, str) else _python(v))) for name, v in _mapping().items()]
    results = [
        sdq.evaluate(train, synthetic, rules=given, metrics=["rules"], config=FAST)["rules"]
        for given in (path, str(path), _mapping(), objects)
    ]
    assert len({(r.score, tuple(r.ci)) for r in results}) == 1
    assert results[0].details == results[2].details == results[3].details


def _python(long_form: dict) -> dict:
    return {("values" if k == "in" else k): v for k, v in long_form.items()}


def test_rules_the_real_data_breaks_are_flagged_not_scored(parts):
    train, holdout = parts
    rules = {
        "married_after_born": "yrs_married <= age",
        "over_thirty": "age > 30",
        "mostly": "age > 17.5 or children == 0",  # a few 17-year-olds have a child
    }
    result = sdq.evaluate(train, train.copy(), holdout, rules=rules, metrics=["rules"], config=FAST)["rules"]
    entries = _entries(result)
    over = entries["over_thirty"]
    assert over["score"] is None and "the real data breaks it in" in over["note"] and "not scored" in over["note"]
    assert over["shares"]["real"] == pytest.approx((train["age"] > 30).mean(), abs=1e-6)
    # a rule the real data breaks on fewer rows than the tolerance (1%) is scored against its real share
    broken_share = ((train["age"] == 17.5) & (train["children"] > 0)).mean()
    mostly = entries["mostly"]
    assert 0 < broken_share < 0.01 and mostly["shares"]["real"] == pytest.approx(1 - broken_share, abs=1e-6)
    ratio = min(1.0, mostly["shares"]["synthetic"] / mostly["shares"]["real"])
    assert mostly["score"] == pytest.approx(ratio, abs=1e-5)
    assert result.details["rules"]["scored"] == 2
    assert result.score == pytest.approx((entries["married_after_born"]["score"] + mostly["score"]) / 2, abs=1e-6)
    # a stricter tolerance flags it too
    strict = sdq.Config(n_bootstrap=0, metric_params={"rules": {"tolerance": 0.0}})
    strict_result = sdq.evaluate(train, train.copy(), rules=rules, metrics=["rules"], config=strict)["rules"]
    assert _entries(strict_result)["mostly"]["score"] is None
    # every rule flagged: nothing to score
    none_scored = sdq.evaluate(train, train, rules={"r": "age > 30"}, metrics=["rules"], config=FAST)["rules"]
    assert none_scored.status == "skipped" and "no rule could be scored" in none_scored.message


def test_the_score_is_the_severity_weighted_ratio_to_the_real_share(parts):
    train, _ = parts
    synthetic = train.copy()
    synthetic.loc[: len(train) // 2 - 1, "yrs_married"] = 50.0  # half the rows married longer than alive
    rules = {
        "married_after_born": "yrs_married <= age",  # synthetic share ~1/2, real 1
        "few_children": {"expr": "children <= 4", "severity": "warning"},  # real share < 1, synthetic the same
    }
    result = sdq.evaluate(
        train,
        synthetic,
        rules=rules,
        metrics=["rules"],
        config=FAST.replace(metric_params={"rules": {"tolerance": 0.1}}),
    )["rules"]
    entries = _entries(result)
    half = 1 - (len(train) // 2) / len(train)
    assert entries["married_after_born"]["score"] == pytest.approx(half, abs=1e-6)
    assert entries["few_children"]["shares"]["real"] < 1 and entries["few_children"]["score"] == 1.0
    assert result.score == pytest.approx((1.0 * half + 0.5 * 1.0) / 1.5, abs=1e-6)
    assert result.details["weights"] == {"error": 1.0, "warning": 0.5}


def test_without_rules_and_mining_the_metric_says_why_it_did_not_run(parts):
    train, holdout = parts
    result = sdq.evaluate(train, train, holdout, metrics=["rules"], config=FAST)["rules"]
    assert result.status == "skipped" and "no rules were given" in result.message and "--mine-rules" in result.message


def test_mined_rules_catch_a_generator_that_breaks_the_survey_s_structure(parts):
    train, holdout = parts
    rng = np.random.default_rng(0)
    # a generator that mixes up age and years married in a fifth of the rows: every value is a
    # real one, but those women were married for longer than they have been alive
    mixed = train.copy().reset_index(drop=True)
    swap = rng.random(len(mixed)) < 0.2
    mixed.loc[swap, ["age", "yrs_married"]] = mixed.loc[swap, ["yrs_married", "age"]].to_numpy()
    report = sdq.evaluate(train, mixed, holdout, mine_rules=True, metrics=["rules"], config=FAST)
    result = report["rules"]
    entries = _entries(result)
    assert result.details["rules"]["given"] == 0 and result.details["rules"]["mined"] > 10
    assert all(e["source"] == "mined" for e in entries.values())
    order = entries["yrs_married_lt_age"]
    assert order["baseline"] == 1.0 and order["score"] == pytest.approx(1 - swap.mean(), abs=0.03)
    assert entries["age_values"]["score"] < 0.9 and entries["rate_marriage_values"]["score"] == 1.0
    # each rule is tested like a column: the broken order is a finding of its own
    finding = next(f for f in report.findings if f.metric == "rules" and f.column == "yrs_married_lt_age")
    assert finding.family == "fidelity" and finding.gap == pytest.approx(1.0 - order["score"], abs=1e-6)
    # and a gate can name it
    assert not report.check({"rules:yrs_married_lt_age": 0.99}).passed
    assert report.check({"rules:rate_marriage_values": 0.99}).passed


def test_given_and_mined_rules_together_skip_mined_duplicates(parts):
    train, holdout = parts
    given = {"my_order": "yrs_married < age"}
    result = sdq.evaluate(train, train.copy(), holdout, rules=given, mine_rules=True, metrics=["rules"], config=FAST)[
        "rules"
    ]
    entries = _entries(result)
    assert entries["my_order"]["source"] == "given" and "yrs_married_lt_age" not in entries
    assert result.score == 1.0


def test_rules_travel_in_the_report_and_render_from_json(parts, tmp_path):
    train, holdout = parts
    synthetic, _ = _broken_copy(train)
    report = sdq.evaluate(train, synthetic, holdout, rules=_mapping(), metrics=["rules"], config=FAST)
    data = json.loads(report.to_json())
    assert data["config"]["rules"]["married_after_born"] == "yrs_married <= age"
    assert sdq.Config.from_dict(data["config"]).rules == sdq.Config(rules=_mapping()).rules
    again = sdq.Report.from_json(report.to_json())
    result = again["rules"]
    assert result.shape.name == "rule_checks" and result.shape.is_a("per_column")
    assert [c.column for c in result.shape.column_scores(result.details)] == list(BROKEN)
    tables = tables_for(result.shape, result.details)
    assert [t["title"] for t in tables][0].startswith("rules: the share")
    assert len(tables[1]["rows"]) == sum(min(5, n) for n in BROKEN.values())
    panels = panels_for(result.shape, result.details)
    assert panels and panels[0]["title"] == "share of rows that keep each rule"
    html = again.to_html(tmp_path / "r.html")
    assert "married_after_born" in (tmp_path / "r.html").read_text(encoding="utf-8") or html is None
    # a reader that does not know the shape reads it as per-column scores
    from sdq.shapes import PerColumn

    assert [c.column for c in PerColumn().column_scores(result.details)] == list(BROKEN)


def test_no_real_or_holdout_row_is_shown(parts):
    train, holdout = parts
    # the real data breaks the rule on some rows (within the tolerance): only counts are reported
    rule = {"few_children": "children < 5.5"}
    config = FAST.replace(metric_params={"rules": {"tolerance": 0.05}})
    result = sdq.evaluate(train, holdout.copy(), holdout, rules=rule, metrics=["rules"], config=config)["rules"]
    entry = _entries(result)["few_children"]
    assert entry["violations"]["real"] > 0
    synthetic_broken = int((holdout["children"] >= 5.5).sum())
    assert len(entry.get("examples", [])) == min(5, synthetic_broken)
    text = json.dumps(result.details)
    assert "records" not in result.details and text.count('"row":') == len(entry.get("examples", []))

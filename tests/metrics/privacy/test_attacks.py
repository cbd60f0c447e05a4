"""The three attacks of the privacy family (singling_out, linkability, attribute_inference): risk
and interval by hand, tiny frames whose attacks can be followed row by row, the holdout-control
design, copies against fresh rows of a real table, and what the outputs may hold."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

import sdq
from sdq.errors import ConfigError
from sdq.metrics.privacy.attacks import Z_RATE, risk, risk_score, score_replicates
from sdq.metrics.privacy.linkability import link_chance, split_columns

ATTACKS = ["singling_out", "linkability", "attribute_inference"]
CONFIG = sdq.Config(n_bootstrap=50)


def _wilson(k: float, n: int, z: float = Z_RATE) -> tuple[float, float]:
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return centre - half, centre + half


# -- the risk and its interval, by hand -----------------------------------------------------------


def test_risk_is_the_excess_over_the_control_relative_to_what_was_left():
    r = risk(80, 100, 20, 100)
    assert r.risk == pytest.approx((0.8 - 0.2) / (1 - 0.2))
    m_low, m_high = _wilson(80, 100)
    c_low, c_high = _wilson(20, 100)
    assert r.interval[0] == pytest.approx((m_low - c_high) / (1 - c_high))
    assert r.interval[1] == pytest.approx((m_high - c_low) / (1 - c_low))
    assert r.score == pytest.approx(1 - (m_low - c_high) / (1 - c_high))
    # no better on training rows than on holdout rows: no risk, and the interval holds 0
    same = risk(30, 100, 30, 100)
    assert same.risk == 0.0 and same.interval[0] < 0 < same.interval[1] and same.score == 1.0
    # better on the holdout (noise): a negative risk, scored as no risk
    assert risk(10, 100, 30, 100).risk < 0 and risk(10, 100, 30, 100).score == 1.0
    # a control that always succeeds leaves nothing to gain: risk 0
    assert risk(100, 100, 100, 100).risk == 0.0


def test_each_rate_has_a_wilson_interval_at_97_5_percent_so_the_risk_holds_95():
    assert Z_RATE == pytest.approx(2.2414, abs=1e-4)
    r = risk(0, 20, 0, 20)
    assert r.interval[0] == pytest.approx((0 - _wilson(0, 20)[1]) / (1 - _wilson(0, 20)[1]))
    assert r.interval[1] == pytest.approx(_wilson(0, 20)[1])
    # coverage, simulated: the true risk is inside the interval in at least 95% of draws
    rng = np.random.default_rng(0)
    for p_main, p_control, n in ((0.3, 0.3, 200), (0.6, 0.2, 500), (0.05, 0.02, 1000)):
        truth = (p_main - p_control) / (1 - p_control)
        main, control = rng.binomial(n, p_main, 2000), rng.binomial(n, p_control, 2000)
        inside = [risk(m, n, c, n).interval[0] <= truth <= risk(m, n, c, n).interval[1] for m, c in zip(main, control)]
        assert np.mean(inside) >= 0.95, (p_main, p_control, np.mean(inside))


def test_score_is_read_off_the_lower_end_and_its_replicates_agree():
    assert risk_score(-0.2) == 1.0 and risk_score(0.4) == pytest.approx(0.6) and risk_score(1.0) == 0.0
    rng = np.random.default_rng(1)
    reps = score_replicates([risk(80, 100, 20, 100), risk(30, 100, 30, 100)], 500, rng)
    assert reps.shape == (500, 2)
    assert abs(np.median(reps[:, 0]) - risk(80, 100, 20, 100).score) < 0.05
    assert (reps[:, 1] > 0.9).mean() > 0.9  # no risk: nearly every replicate scores about 1


def test_link_chance_with_ties_and_the_automatic_split():
    i_a = np.array([[1, 2, 3], [5, 6, 7]])
    tied_a = np.array([[True, True, False], [True, False, False]])
    i_b = np.array([[2, 9, 1], [6, 5, 0]])
    tied_b = np.array([[True, True, True], [True, False, False]])
    # target 0: ties {1, 2} and {2, 9, 1}: two common rows of 2 x 3 pairs; target 1: 5 vs 6
    np.testing.assert_allclose(link_chance(i_a, tied_a, i_b, tied_b), [2 / 6, 0.0])
    assert split_columns(["a", "b", "c"]) == (["a", "c"], ["b"])


# -- tiny frames, followed row by row -------------------------------------------------------------


def _tiny(n=10):
    train = pd.DataFrame({"q": np.arange(n) * 1.5 + 0.25, "s": ["a", "b"] * (n // 2)})
    return train


def test_attribute_inference_by_hand():
    train = _tiny(40)
    synthetic = train.copy()
    # the holdout has the same quasi-identifiers with the secret flipped in half of the rows: the
    # nearest synthetic row (the one with the same q) is wrong for those
    holdout = train.copy()
    holdout.loc[:19, "s"] = holdout.loc[:19, "s"].map({"a": "b", "b": "a"})
    result = sdq.evaluate(
        train,
        synthetic,
        holdout,
        metrics=["attribute_inference"],
        quasi_identifiers=["q"],
        secrets=["s"],
        config=CONFIG,
    )["attribute_inference"]
    assert result.status == "ok", result.message
    entry = result.details["columns"][0]
    assert entry["column"] == "s" and entry["known"] == ["q"]
    assert entry["main_rate"] == 1.0 and entry["control_rate"] == 0.5
    assert entry["naive_rate"] == 0.5  # half the synthetic rows have each secret
    m_low, _ = _wilson(40, 40)
    _, c_high = _wilson(20, 40)
    assert entry["risk"] == pytest.approx(1.0)
    assert result.score == pytest.approx(1 - (m_low - c_high) / (1 - c_high), abs=1e-6)
    assert result.baseline == 1.0
    assert result.details["quasi_identifiers"] == {"columns": ["q"], "source": "given"}


def test_attribute_inference_numbers_are_right_within_the_stated_tolerance():
    n = 40
    train = pd.DataFrame({"q": np.arange(n) + 0.5, "x": np.arange(n) * 10 + 0.5})
    # synthetic: every row's x one step off (1/40 of the real rows between: within 0.05), or
    # three steps off (3/40: beyond); holdout: the training rows themselves
    near = train.assign(x=train["x"] + 10)
    far = train.assign(x=train["x"] + 30)
    scores = {}
    for name, synthetic in (("near", near), ("far", far)):
        r = sdq.evaluate(
            train, synthetic, train.copy(), metrics=["attribute_inference"], quasi_identifiers=["q"], config=CONFIG
        )["attribute_inference"]
        scores[name] = r.details["columns"][0]
        assert r.details["numeric_tolerance"] == 0.05 and "0.05" in r.details["right_when"]
    # the last row's guess is beyond the real range (clipped to the top): right in both
    assert scores["near"]["main_rate"] == 1.0
    assert scores["far"]["main_rate"] == pytest.approx(3 / 40)


def test_singling_out_by_hand():
    n = 20
    train = pd.DataFrame({"x": np.arange(n, dtype=float) * 1.5 + 0.25})
    holdout = train + 1000.0  # no value shared, every holdout row above the synthetic maximum
    result = sdq.evaluate(train, train.copy(), holdout, metrics=["singling_out"], config=CONFIG)["singling_out"]
    assert result.status == "ok", result.message
    uni, multi = result.details["risks"]["univariate"], result.details["risks"]["multivariate"]
    # 20 values that one synthetic row has, and both extremes: each singles out one training row
    # and no holdout row ("x <= min" matches none, "x >= max" all 20)
    assert uni["predicates_found"] == 22 and uni["main_rate"] == 1.0 and uni["control_rate"] == 0.0
    # one column: the cells are its 20 values
    assert multi["predicates_found"] == 20 and multi["main_rate"] == 1.0 and multi["control_rate"] == 0.0
    expected = min(risk(22, 22, 0, 22).score, risk(20, 20, 0, 20).score)
    assert result.score == pytest.approx(expected)


def test_singling_out_compares_at_the_holdout_size():
    # 40 training rows, 20 holdout rows: a copied value is in a random half of the training rows
    # with chance 1/2, so a copy singles out half as often as it would at equal sizes
    train = pd.DataFrame({"x": np.arange(40, dtype=float) + 0.5})
    holdout = pd.DataFrame({"x": np.arange(20, dtype=float) + 1000.0})
    result = sdq.evaluate(train, train.copy(), holdout, metrics=["singling_out"], config=CONFIG)["singling_out"]
    # 40 values and both extremes, each one training row's (the holdout's 20 rows all lie above)
    uni = result.details["risks"]["univariate"]
    assert uni["predicates_found"] == 42 and uni["control_rate"] == 0.0
    assert uni["main_rate"] == pytest.approx(0.5)
    assert result.details["rows"]["compared_at"] == 20


def test_linkability_by_hand():
    n = 10
    train = pd.DataFrame({"a": np.arange(n, dtype=float), "b": np.arange(n, dtype=float)})
    holdout = pd.DataFrame({"a": np.arange(n, dtype=float), "b": (np.arange(n) + 5) % n * 1.0})
    result = sdq.evaluate(
        train, train.copy(), holdout, metrics=["linkability"], link_columns=(["a"], ["b"]), config=CONFIG
    )["linkability"]
    d = result.details
    assert d["columns"] == {"a": ["a"], "b": ["b"]} and d["columns_source"] == "given"
    # a training row's two halves lead to its own copy; a holdout row's to two different rows
    link = d["risks"]["linkability"]
    assert link["main_rate"] == 1.0 and link["control_rate"] == 0.0 and link["naive_rate"] == pytest.approx(1 / n)
    assert d["linked_for_sure"] == {"main": 10, "control": 0}
    assert result.score == pytest.approx(risk(10, 10, 0, 10).score)


# -- real data: copies, fresh rows, and the control ----------------------------------------------


@pytest.fixture(scope="module")
def cancer():
    frame = load_breast_cancer(as_frame=True).frame
    order = np.random.default_rng(0).permutation(len(frame))
    train = frame.iloc[np.sort(order[:284])].reset_index(drop=True)
    holdout = frame.iloc[np.sort(order[284:426])].reset_index(drop=True)
    fresh = frame.iloc[np.sort(order[426:])].reset_index(drop=True)
    return train, holdout, fresh


@pytest.fixture(scope="module")
def cancer_reports(cancer):
    train, holdout, fresh = cancer
    return {
        name: sdq.evaluate(train, data, holdout, metrics=ATTACKS, config=CONFIG)
        for name, data in (("copy", train.copy()), ("fresh", fresh), ("holdout copy", holdout.copy()))
    }


@pytest.mark.parametrize("name", ATTACKS)
def test_a_copy_has_a_high_risk_and_fresh_rows_none(name, cancer_reports):
    copy, fresh = cancer_reports["copy"][name], cancer_reports["fresh"][name]
    assert (copy.status, fresh.status) == ("ok", "ok")
    assert copy.score < 0.8 and fresh.score == 1.0
    assert copy.ci[1] < fresh.score
    risks = _risks(fresh)
    assert all(low <= 0.0 <= high for low, high in risks), risks
    assert cancer_reports["copy"].verdicts["privacy"] == "well_below"
    assert cancer_reports["fresh"].verdicts["privacy"] == "on_par"


def _risks(result):
    d = result.details
    if result.name == "attribute_inference":
        return [tuple(e["risk_interval"]) for e in d["columns"]]
    return [tuple(r["risk_interval"]) for r in d["risks"].values()]


@pytest.mark.parametrize("name", ATTACKS)
def test_the_holdout_is_the_control(name, cancer_reports):
    # synthetic rows that copy the holdout (rows the generator never saw) help the attacker on the
    # control, not on the training rows: the risk is negative, the score 1
    result = cancer_reports["holdout copy"][name]
    d = result.details
    entries = d["columns"] if name == "attribute_inference" else d["risks"].values()
    rates = [(e["main_rate"], e["control_rate"]) for e in entries]
    assert all(main <= control for main, control in rates), rates
    assert result.score == 1.0


def test_suggested_quasi_identifiers_are_listed(cancer_reports):
    d = cancer_reports["copy"]["attribute_inference"].details
    qi = d["quasi_identifiers"]
    assert qi["source"] == "suggested" and 1 <= len(qi["columns"]) <= 5
    assert qi["unique_share"] >= 0.5 and qi["rows_counted"] == 284
    assert set(d["secrets"]).isdisjoint(qi["columns"]) and len(d["secrets"]) == 31 - len(qi["columns"])


def test_the_suggestion_picks_the_column_that_makes_rows_unique():
    rng = np.random.default_rng(3)
    n = 300
    real = pd.DataFrame(
        {"coarse": rng.choice(["a", "b"], n), "fine": rng.permutation(n) + 0.5, "flag": rng.random(n) < 0.5}
    )
    r = sdq.evaluate(real, real.copy(), real.copy(), metrics=["attribute_inference"], config=CONFIG)
    # on the shared bins no column alone makes a row unique; the one that makes most groups comes first
    assert r["attribute_inference"].details["quasi_identifiers"]["columns"][0] == "fine"


# -- outputs, determinism, awkward columns, skips ------------------------------------------------


def test_no_real_value_in_any_output():
    rng = np.random.default_rng(5)
    n = 200
    real = pd.DataFrame(
        {
            "income": np.round(rng.lognormal(10, 1, n), 2) + 0.123,
            "city": [f"city-{i:05d}-zqhidden" for i in rng.integers(0, 40, n)],
            "code": rng.integers(1, 6, n),
        }
    )
    train, holdout = real.iloc[:120].reset_index(drop=True), real.iloc[120:].reset_index(drop=True)
    report = sdq.evaluate(train, train.copy(), holdout, metrics=ATTACKS, config=CONFIG)
    text = json.dumps([report[name].to_dict() for name in ATTACKS])
    assert "zqhidden" not in text
    for value in train["income"]:
        assert f"{value:.2f}" not in text and f"{value}" not in text


def test_deterministic_for_a_seed(cancer):
    train, holdout, fresh = cancer
    half = pd.concat([train.iloc[:142], fresh.iloc[:71]]).reset_index(drop=True)
    a = sdq.evaluate(train, half, holdout, metrics=ATTACKS, config=CONFIG, seed=3)
    b = sdq.evaluate(train, half, holdout, metrics=ATTACKS, config=CONFIG, seed=3)
    for name in ATTACKS:
        assert a[name].to_dict() == b[name].to_dict()


def test_missing_values_categories_booleans_and_dates_do_not_crash():
    rng = np.random.default_rng(7)
    n = 150

    def frame(seed):
        r = np.random.default_rng(seed)
        x = r.normal(size=n)
        x[r.random(n) < 0.2] = np.nan
        cats = r.choice(["a", "b", "c", None], n).astype(object)
        return pd.DataFrame(
            {
                "x": x,
                "c": cats,
                "flag": r.random(n) < 0.3,
                "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(r.integers(0, 400, n), unit="D"),
                "rating": r.integers(1, 6, n),
            }
        )

    real, holdout = frame(1), frame(2)
    synthetic = pd.concat([real.iloc[:75], frame(3).iloc[75:]]).reset_index(drop=True)
    report = sdq.evaluate(real, synthetic, holdout, metrics=ATTACKS, config=CONFIG, seed=int(rng.integers(100)))
    for name in ATTACKS:
        assert report[name].status == "ok", (name, report[name].message)
        assert 0.0 <= report[name].score <= 1.0


def test_an_attack_that_cannot_run_says_why():
    real = _tiny(20)
    no_holdout = sdq.evaluate(real, real.copy(), metrics=ATTACKS, config=CONFIG)
    for name in ATTACKS:
        assert no_holdout[name].status == "skipped" and "no holdout" in no_holdout[name].message
    tiny_holdout = sdq.evaluate(real, real.copy(), real.iloc[:5], metrics=ATTACKS, config=CONFIG)
    for name in ATTACKS:
        assert tiny_holdout[name].status == "skipped" and "too few rows" in tiny_holdout[name].message
    one_column = real[["q"]]
    alone = sdq.evaluate(one_column, one_column.copy(), one_column.copy(), metrics=ATTACKS, config=CONFIG)
    assert alone["singling_out"].status == "ok"
    for name in ("linkability", "attribute_inference"):
        assert alone[name].status == "skipped" and "two columns" in alone[name].message


def test_named_columns_are_checked_before_anything_runs():
    real = _tiny(20)
    with pytest.raises(ConfigError, match="does not have"):
        sdq.evaluate(real, real, real, metrics=ATTACKS, quasi_identifiers=["nope"])
    with pytest.raises(ConfigError, match="must not share"):
        sdq.evaluate(real, real, real, metrics=ATTACKS, link_columns=(["q"], ["q", "s"]))
    with pytest.raises(ConfigError, match="two lists"):
        sdq.Config(link_columns=(["q"],))
    config = sdq.Config(quasi_identifiers=["q"], link_columns=[["q"], ["s"]])
    assert sdq.Config.from_dict(config.to_dict()) == config


def test_the_command_line_names_the_attackers_columns(tmp_path, capsys):
    from sdq.cli import main

    n = 60
    rng = np.random.default_rng(11)
    real = pd.DataFrame({"q": np.arange(n) * 1.5 + 0.25, "r": rng.normal(size=n), "s": ["a", "b", "c"] * (n // 3)})
    paths = {}
    for name, frame in (("real", real), ("holdout", real.assign(q=real["q"] + 0.1))):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    base = [
        "report",
        str(paths["real"]),
        str(paths["real"]),
        "--holdout",
        str(paths["holdout"]),
        "--quiet",
        "--jobs",
        "1",
    ]
    base += ["--metrics", ",".join(ATTACKS), "--cdn", "--output", str(tmp_path / "r.html")]
    code = main(base + ["--quasi-identifiers", "q", "--secrets", "s", "--link-columns", "q", "--link-columns", "r,s"])
    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (report["config"]["quasi_identifiers"], report["config"]["secrets"]) == (["q"], ["s"])
    assert report["config"]["link_columns"] == [["q"], ["r", "s"]]
    metrics = {m["name"]: m for m in report["metrics"]}
    assert metrics["attribute_inference"]["details"]["quasi_identifiers"]["source"] == "given"
    assert metrics["linkability"]["details"]["columns"] == {"a": ["q"], "b": ["r", "s"]}
    capsys.readouterr()
    for extra, needle in (
        (["--quasi-identifiers", "nope"], "does not have"),
        (["--link-columns", "q"], "--link-columns must be given twice"),
    ):
        assert main(base + extra) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err, err

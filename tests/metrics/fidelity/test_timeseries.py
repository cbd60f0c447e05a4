"""Time-series fidelity: ACF/PACF against statsmodels, ranking of known-quality series, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.stattools import acf, pacf

import sdq
from sdq.metrics.fidelity.sequences import acf_per_sequence, choose_lags, pacf_from_acf

TS = ["autocorrelation", "partial_autocorrelation", "sequence_length", "first_differences"]
CONFIG = sdq.Config(n_bootstrap=50)


def ar(n_entities: int, n_steps: int, phi: tuple, rng: np.random.Generator) -> np.ndarray:
    burn = 50
    e = rng.normal(size=(n_entities, n_steps + burn))
    x = np.zeros_like(e)
    for t in range(len(phi), n_steps + burn):
        x[:, t] = sum(p * x[:, t - i - 1] for i, p in enumerate(phi)) + e[:, t]
    return x[:, burn:]


def panel(n_entities: int, n_steps: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.repeat([f"e{i}" for i in range(n_entities)], n_steps),
            "t": np.tile(pd.date_range("2024-01-01", periods=n_steps, freq="D"), n_entities),
            "x": ar(n_entities, n_steps, (0.6, 0.2), rng).ravel(),
            "y": ar(n_entities, n_steps, (0.5,), rng).ravel(),
        }
    )


@pytest.mark.parametrize("phi", [(0.7,), (0.6, 0.2), (-0.5,)])
def test_acf_and_pacf_match_statsmodels(phi):
    rng = np.random.default_rng(1)
    x = ar(3, 300, phi, rng)
    x[1, 17] = np.nan  # a gap inside a sequence
    values = x.ravel()
    seq = np.repeat(np.arange(3), 300)
    a, valid = acf_per_sequence(values, seq, 3, 20)
    assert valid.all()
    for s in (0, 2):
        np.testing.assert_allclose(a[s], acf(x[s], nlags=20)[1:], atol=1e-10)
        np.testing.assert_allclose(pacf_from_acf(a[s]), pacf(x[s], nlags=20, method="ywm")[1:], atol=1e-10)
    np.testing.assert_allclose(a[1], acf(x[1], nlags=20, missing="conservative")[1:], atol=1e-10)


def test_pacf_stays_in_range_on_short_series():
    rng = np.random.default_rng(2)
    a, _ = acf_per_sequence(rng.normal(size=12), np.zeros(12, int), 1, 5)
    assert np.all(np.abs(pacf_from_acf(a)) <= 1)


def test_lag_choice():
    assert choose_lags(np.array([100]), 40) == 20
    assert choose_lags(np.array([1000]), 40) == 30
    assert choose_lags(np.array([10]), 40) == 4  # below n / 2
    assert choose_lags(np.array([3]), 40) == 0


@pytest.fixture(scope="module")
def reports():
    real, holdout, same = panel(150, 100, 1), panel(80, 100, 2), panel(150, 100, 3)
    rng = np.random.default_rng(0)
    shuffled = same.copy()
    for c in ("x", "y"):  # same values, shuffled within each sequence: marginals kept, dependence gone
        shuffled[c] = same.groupby("id")[c].transform(lambda s: rng.permutation(s.to_numpy()))
    out = {}
    for name, data in (("same", same), ("shuffled", shuffled)):
        out[name] = sdq.evaluate(
            real,
            data,
            holdout,
            time_column="t",
            entity_column="id",
            metrics=TS + ["histogram_similarity"],
            config=CONFIG,
        )
    return out


def test_same_process_scores_near_its_baseline(reports):
    r = reports["same"]
    for metric in TS:
        assert r[metric].status == "ok", r[metric].message
        assert r[metric].score >= r[metric].baseline - 0.1, metric
    assert r["autocorrelation"].score > 0.8 and r["partial_autocorrelation"].score > 0.8


def test_shuffled_within_sequences_loses_dependence_but_not_marginals(reports):
    same, shuffled = reports["same"], reports["shuffled"]
    for metric in ("autocorrelation", "partial_autocorrelation"):
        assert shuffled[metric].score < same[metric].score - 0.5, metric
    assert abs(shuffled["histogram_similarity"].score - same["histogram_similarity"].score) < 0.01
    assert shuffled["first_differences"].score < same["first_differences"].score - 0.05


def test_details_carry_curves_and_bands(reports):
    d = reports["same"]["autocorrelation"].details
    lags = d["lags"]
    col = d["columns"][0]
    assert len(col["real"]) == len(col["synthetic"]) == len(col["holdout"]) == lags
    assert col["band"] == pytest.approx(1.96 / np.sqrt(150 * 100), rel=1e-3)
    result = reports["same"]["autocorrelation"]
    low, high = result.ci  # sequences resampled: about [0.85, 0.92] around 0.91
    assert low < result.score < high and high - low < 0.2


def test_single_long_series_and_many_entities_both_work():
    rng = np.random.default_rng(5)
    series = pd.DataFrame({"t": np.arange(3000), "x": ar(1, 3000, (0.8,), rng).ravel()})
    r = sdq.evaluate(
        series.iloc[:1500],
        series.iloc[1500:].reset_index(drop=True),
        time_column="t",
        metrics=["autocorrelation", "partial_autocorrelation", "sequence_length"],
        config=CONFIG,
    )
    assert r["autocorrelation"].status == "ok" and r["autocorrelation"].score > 0.5
    assert r["partial_autocorrelation"].status == "ok"
    assert r["sequence_length"].status == "skipped" and "entity" in r["sequence_length"].message


def test_edge_cases_are_counted_not_crashes():
    real = panel(40, 60, 7)
    synthetic = panel(40, 60, 8)
    synthetic.loc[synthetic["id"] == "e0", "x"] = 3.0  # a constant sequence
    synthetic = pd.concat([synthetic, pd.DataFrame({"id": ["short"] * 5, "t": real["t"].iloc[:5], "x": 1.0, "y": 2.0})])
    synthetic.loc[synthetic.index[70], "x"] = np.nan  # a gap (in e1)
    dup = synthetic.iloc[[80]].assign(x=0.5)  # a duplicated timestamp (in e1)
    synthetic = pd.concat([synthetic, dup]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    r = sdq.evaluate(real, synthetic, time_column="t", entity_column="id", metrics=TS, config=CONFIG)
    ac = r["autocorrelation"]
    assert ac.status == "ok"
    x = next(c for c in ac.details["columns"] if c["column"] == "x")
    assert x["counts"]["synthetic"]["constant"] == 1 and x["counts"]["synthetic"]["too_short"] == 1
    assert ac.details["sequences"]["synthetic"]["duplicated_timestamps"] == 1
    assert r["sequence_length"].status == "ok" and r["sequence_length"].score < 1.0


def test_entity_without_time_uses_row_order_and_no_columns_skips():
    real = panel(30, 50, 9).drop(columns="t")
    synthetic = panel(30, 50, 10).drop(columns="t")
    r = sdq.evaluate(real, synthetic, entity_column="id", metrics=["autocorrelation"], config=CONFIG)
    assert r["autocorrelation"].status == "ok" and r["autocorrelation"].score > 0.6
    # without a time column the given order is the time: shuffling the rows destroys the dependence
    r2 = sdq.evaluate(
        real, synthetic.sample(frac=1.0, random_state=1), entity_column="id", metrics=["autocorrelation"], config=CONFIG
    )
    assert r2["autocorrelation"].score < r["autocorrelation"].score - 0.3
    none = sdq.evaluate(real, synthetic, metrics=TS, config=CONFIG)
    assert all(
        m.status == "skipped" and ("no time column" in m.message or "no entity column" in m.message) for m in none
    )


@pytest.mark.parametrize("name", ["autocorrelation", "partial_autocorrelation"])
def test_flat_synthetic_sequences_score_zero_not_skipped(name):
    # a generator that emits constant sequences keeps none of the real autocorrelation: score 0
    real, holdout = panel(30, 60, 11), panel(30, 60, 12)
    flat = real.copy()
    flat[["x", "y"]] = flat.groupby("id")[["x", "y"]].transform("mean")
    r = sdq.evaluate(real, flat, holdout, time_column="t", entity_column="id", metrics=[name], config=CONFIG)[name]
    assert r.status == "ok", r.message
    assert r.score == 0.0
    assert r.baseline > 0.5
    x = next(c for c in r.details["columns"] if c["column"] == "x")
    assert x["synthetic"] == [0.0] * r.details["lags"] and "no autocorrelation" in x["note"]
    assert x["counts"]["synthetic"]["constant"] == 30
    # only real data that cannot be measured skips the metric
    r2 = sdq.evaluate(flat, real, time_column="t", entity_column="id", metrics=[name], config=CONFIG)[name]
    assert r2.status == "skipped" and "real" in r2.message


@pytest.mark.parametrize("name", ["autocorrelation", "partial_autocorrelation"])
def test_synthetic_sequences_too_short_to_score_are_a_failure_not_a_skip(name):
    # real sequences of 60 steps carry autocorrelation; synthetic sequences of 4 rows cannot show
    # any: the metric scores 0 (and stays in the fidelity mean) instead of saying 'skipped'
    real, holdout = panel(30, 60, 11), panel(30, 60, 12)
    short = panel(300, 4, 13)
    report = sdq.evaluate(real, short, holdout, time_column="t", entity_column="id", metrics=[name], config=CONFIG)
    r = report[name]
    assert r.status == "ok", r.message
    assert r.score == 0.0 and r.baseline > 0.5
    assert r.ci == [0.0, 0.0]
    assert all(c["score"] == 0.0 and "no synthetic sequence" in c["note"] for c in r.details["columns"])
    assert report.summary["fidelity"] == 0.0

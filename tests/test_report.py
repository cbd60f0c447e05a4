"""The Report value (sdq.report): strict JSON, round trips, tables, family scores, access."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.errors import InputError
from sdq.report import Report
from sdq.result import MetricResult, json_safe, summarise


def _strict_loads(text: str):
    def refuse(token):
        raise ValueError(f"non-strict JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _report(results) -> Report:
    return Report(
        results, config={"seed": 0}, data={"columns": []}, manifest={"created": "now"}, sdq_version=sdq.__version__
    )


@pytest.fixture
def handmade() -> Report:
    return _report(
        [
            MetricResult("f1", "fidelity", "ok", score=0.8, baseline=0.9, ci=[0.7, 0.85], details={"a": 1}),
            MetricResult("f2", "fidelity", "ok", score=0.6, baseline=0.95),
            MetricResult("f3", "fidelity", "error", message="ValueError: broken"),
            MetricResult("u1", "utility", "skipped", message="no target column was given"),
            MetricResult("p1", "privacy", "ok", score=0.9, baseline=1.0),
            MetricResult("p2", "privacy", "ok", score=0.4, baseline=0.98),
            MetricResult("p3", "privacy", "skipped", message="no holdout was given"),
        ]
    )


@pytest.fixture(scope="module")
def evaluated() -> Report:
    rng = np.random.default_rng(0)
    n = 150
    x = rng.normal(size=n)
    real = pd.DataFrame(
        {"x": x, "y": x + rng.normal(size=n), "c": rng.choice(["a", "b", "c"], size=n), "e": [np.nan] * n}
    )
    synthetic = real.sample(frac=1.0, random_state=1).assign(x=lambda f: f["x"] + 0.3)
    return sdq.evaluate(
        real, synthetic, holdout=real.iloc[:80], config=sdq.Config(n_bootstrap=20, models=("linear",), n_queries=200)
    )


def test_summary_rules(handmade):
    summary = handmade.summary
    assert summary["fidelity"] == pytest.approx((0.8 + 0.6) / 2)  # mean of ok scores; the error is left out
    assert summary["utility"] is None  # no ok metric of that family
    assert summary["privacy"] == pytest.approx(0.4)  # the weakest link
    assert summary["overall"] == pytest.approx((0.7 + 0.4) / 2)  # mean of the families present
    baseline = handmade.summary_baseline
    assert baseline["fidelity"] == pytest.approx((0.9 + 0.95) / 2)
    assert baseline["privacy"] == pytest.approx(0.98)
    assert handmade.summary_details["privacy_mean"] == pytest.approx((0.9 + 0.4) / 2)


def test_summarise_without_results():
    assert summarise([]) == {"fidelity": None, "utility": None, "privacy": None, "overall": None}


def test_scores_and_getitem(handmade):
    assert handmade.scores == {"f1": 0.8, "f2": 0.6, "f3": None, "u1": None, "p1": 0.9, "p2": 0.4, "p3": None}
    assert handmade["p2"].score == 0.4
    assert len(handmade) == 7
    assert [r.name for r in handmade] == ["f1", "f2", "f3", "u1", "p1", "p2", "p3"]
    with pytest.raises(KeyError, match="nope"):
        handmade["nope"]


def test_to_json_is_strict_even_with_nan_and_numpy_values():
    report = _report(
        [
            MetricResult(
                "f1",
                "fidelity",
                "ok",
                score=np.float64(0.5),
                baseline=float("nan"),
                ci=[np.float32(0.25), np.float64(0.75)],
                details={
                    "values": np.array([1.0, np.nan, np.inf]),
                    "n": np.int64(3),
                    "flag": np.bool_(True),
                    4: "int key",
                    "nested": [{"x": -np.inf}],
                },
            ),
        ]
    )
    data = _strict_loads(report.to_json())
    metric = data["metrics"][0]
    assert metric["baseline"] is None
    assert metric["details"]["values"] == [1.0, None, None]
    assert metric["details"]["n"] == 3 and metric["details"]["flag"] is True
    assert metric["details"]["4"] == "int key"
    assert metric["details"]["nested"] == [{"x": None}]
    assert metric["ci"] == [0.25, 0.75]


def test_json_safe_turns_non_finite_floats_to_none():
    assert json_safe({"a": math.nan, "b": [math.inf, 1]}) == {"a": None, "b": [None, 1]}


def test_json_layout(evaluated):
    data = _strict_loads(evaluated.to_json())
    assert {"sdq_version", "config", "data", "summary", "metrics", "manifest"} <= set(data)
    assert data["sdq_version"] == sdq.__version__
    assert set(data["summary"]) == {"fidelity", "utility", "privacy", "overall"}
    assert data["config"]["seed"] == 0 and data["config"]["n_bootstrap"] == 20
    assert data["data"]["real"] == {"rows": 150, "columns": 4}
    assert data["data"]["holdout"] == {"rows": 80, "columns": 4}
    assert [c["name"] for c in data["data"]["columns"]] == ["x", "y", "c", "e"]
    for metric in data["metrics"]:
        keys = {"name", "family", "status", "score", "baseline", "ci", "details", "message", "warnings", "about"}
        assert set(metric) == keys
        assert metric["warnings"] == []
    assert {"created", "python", "packages", "data_hashes", "run", "timings"} <= set(data["manifest"])
    assert data["manifest"]["run"] == {"jobs": 1, "metric_timeout": None, "child_processes": False}


def test_from_json_round_trip(evaluated, tmp_path):
    text = evaluated.to_json()
    again = Report.from_json(text)
    assert again.to_dict() == evaluated.to_dict()
    path = tmp_path / "out" / "report.json"
    evaluated.to_json(path)
    assert path.read_text(encoding="utf-8") == text
    assert Report.from_json(path).to_dict() == evaluated.to_dict()
    assert Report.from_json(str(path)).to_dict() == evaluated.to_dict()


def test_from_json_rejects_what_is_not_a_report(tmp_path):
    with pytest.raises(InputError):
        Report.from_json('{"metrics": []}')
    with pytest.raises(InputError):
        Report.from_json("{not json")
    with pytest.raises(InputError):
        Report.from_json(tmp_path / "absent.json")


def test_metric_result_round_trip():
    result = MetricResult(
        "m", "privacy", "ok", score=0.25, baseline=0.5, ci=[0.1, 0.4], details={"k": [1, 2]}, message="caveat"
    )
    assert MetricResult.from_dict(result.to_dict()) == result


def test_to_frame(handmade, evaluated):
    frame = handmade.to_frame()
    assert frame.index.name == "name"
    assert list(frame.index) == ["f1", "f2", "f3", "u1", "p1", "p2", "p3"]
    assert list(frame.columns) == ["family", "status", "score", "baseline", "ci_low", "ci_high", "message"]
    assert frame.loc["f1", "ci_low"] == 0.7 and frame.loc["f1", "ci_high"] == 0.85
    assert frame.loc["f3", "status"] == "error" and frame.loc["f3", "message"] == "ValueError: broken"
    assert pd.isna(frame.loc["u1", "score"])
    frame2 = evaluated.to_frame()
    assert list(frame2.index) == [r.name for r in evaluated]
    for name, score in evaluated.scores.items():
        if score is None:
            assert pd.isna(frame2.loc[name, "score"])
        else:
            assert frame2.loc[name, "score"] == pytest.approx(score)


def test_repr_names_the_family_scores(handmade):
    text = repr(handmade)
    assert "fidelity=0.700" in text and "privacy=0.400" in text and "utility=None" in text


# -- drill-down: per-column and per-pair frames, a column's figures ------------------------------
@pytest.fixture(scope="module")
def drill(_fair_parts):
    train, holdout = _fair_parts
    rng = np.random.default_rng(5)
    synthetic = train.sample(len(holdout), random_state=4).reset_index(drop=True)
    synthetic["age"] = rng.permutation(synthetic["age"].to_numpy())  # age loses its relations only
    return sdq.evaluate(
        train,
        synthetic,
        holdout,
        metrics=["statistics", "histogram_similarity", "mutual_information", "correlation"],
        config=sdq.Config(n_bootstrap=20),
    )


def test_columns_frame_has_every_column_and_finds_the_broken_one(drill):
    frame = drill.to_frame("columns")
    assert list(frame.index) == [c["name"] for c in drill.data["columns"]]
    assert {
        "kind",
        "role",
        "histogram_similarity",
        "histogram_similarity_baseline",
        "correlation",
        "mutual_information_baseline",
        "statistics",
    } <= set(frame.columns)
    # shuffling age keeps its distribution but breaks its relations, and only its relations
    assert frame.loc["age", "histogram_similarity"] > 0.95
    assert frame["correlation"].idxmin() == "age" and frame["mutual_information"].idxmin() == "age"
    assert frame.loc["age", "correlation"] < frame.loc["age", "correlation_baseline"] - 0.1
    assert (
        frame[["correlation", "mutual_information", "histogram_similarity"]]
        .apply(lambda c: c.between(0, 1))
        .all()
        .all()
    )


def test_column_score_of_a_pairwise_metric_by_hand():
    from sdq.metrics.fidelity.dependence import dependence_details

    values = {
        "real": np.array([0.5, 0.1, 0.2]),
        "synthetic": np.array([0.5, 0.1, 0.0]),
        "holdout": np.array([0.4, 0.1, 0.2]),
    }
    noise = {"synthetic": np.zeros(3), "holdout": np.zeros(3)}
    counted = np.array([True, True, True])
    se = np.array([0.01, 0.02, 0.03])
    rows = dependence_details(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], values, counted, noise, se)["column_scores"]
    by = {r["column"]: r for r in rows}
    # b: pairs (a, b) keeps 1 with weight 0.5 and (b, c) keeps 1 - 0.2 / 0.2 = 0 with weight 0.2
    assert by["b"]["score"] == pytest.approx(0.5 / 0.7, abs=1e-4)
    # a in the holdout: (a, b) keeps 1 - 0.1 / 0.5 = 0.8 (weight 0.5) and (a, c) keeps 1 (weight 0.1)
    assert by["a"]["baseline"] == pytest.approx(0.5 / 0.6, abs=1e-4)
    assert by["a"]["score"] == 1.0
    assert [by[c]["se"] for c in "abc"] == [0.01, 0.02, 0.03] and by["a"]["pairs"] == 2
    # weights |a_real| ** 2: b keeps 0.25 / (0.25 + 0.04)
    squared = dependence_details(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], values, counted, noise, se, power=2.0)
    assert {r["column"]: r for r in squared["column_scores"]}["b"]["score"] == pytest.approx(0.25 / 0.29, abs=1e-4)
    # noise: (b, c) differs by 0.2; with a noise variance of 0.03 it lost sqrt(0.04 - 0.03) = 0.1 of 0.2
    noisy = {"synthetic": np.array([0.0, 0.0, 0.03]), "holdout": np.zeros(3)}
    rows = dependence_details(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], values, counted, noisy, se)["column_scores"]
    assert {r["column"]: r for r in rows}["b"]["score"] == pytest.approx((0.5 + 0.2 * 0.5) / 0.7, abs=1e-4)
    # a pair the real data does not show to be associated carries no weight: b keeps all of (a, b)
    counted = np.array([True, True, False])
    rows = dependence_details(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], values, counted, noise, None)["column_scores"]
    by = {r["column"]: r for r in rows}
    assert by["b"]["score"] == 1.0 and by["b"]["pairs"] == 1 and "se" not in by["b"]


def test_pairs_frame_matches_the_matrices(drill):
    pairs = drill.to_frame("pairs")
    n = len(drill.data["columns"])
    assert set(pairs["metric"]) == {"mutual_information", "correlation"}
    assert (pairs.groupby("metric").size() == n * (n - 1) // 2).all()
    labels = drill["correlation"].details["columns"]
    row = pairs[(pairs.metric == "correlation")].iloc[0]
    i, j = labels.index(row.column_a), labels.index(row.column_b)
    assert row.real == drill["correlation"].details["matrices"]["real"][i][j]
    assert row.difference == pytest.approx(row.synthetic - row.real)


def test_bad_level_is_an_input_error(drill):
    with pytest.raises(sdq.InputError, match="level"):
        drill.to_frame("rows")


def test_show_returns_the_column_figures(drill):
    figures = drill.show("age")
    titles = [f.layout.title.text for f in figures]
    assert any(t.startswith("histogram_similarity: age") for t in titles)
    assert any(t.startswith("correlation: age") for t in titles)
    assert any(t.startswith("mutual_information: age") for t in titles)
    relation = next(f for f in figures if f.layout.title.text.startswith("correlation"))
    assert {trace.name for trace in relation.data} == {"real", "holdout", "synthetic"}
    assert "age" not in relation.data[0].y  # the column's relations with the others
    with pytest.raises(KeyError, match="no column"):
        drill.show("nope")

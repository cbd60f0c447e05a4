"""Figure builders (sdq.render.figures): hand-made details in, plain plotly dicts out."""

from __future__ import annotations

import json

import pytest

from sdq.metrics import registry
from sdq.render import figures as fig
from sdq.shapes import SHAPES, Shares


def _traces(panel: dict) -> list[dict]:
    return panel["figure"]["data"]


def _names(panel: dict) -> list[str]:
    return [t.get("name") for t in _traces(panel)]


def test_plot_text_escapes_what_plotly_would_read_as_tags():
    assert fig.plot_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert fig.plot_text(3) == "3"


def test_histogram_panels_for_categories_worst_first_and_empty_bins_dropped():
    details = {
        "columns": [
            {
                "column": "good",
                "score": 0.99,
                "baseline": 0.98,
                "labels": ["(missing)", "a", "b"],
                "real": [0.0, 0.5, 0.5],
                "holdout": [0.0, 0.5, 0.5],
                "synthetic": [0.0, 0.49, 0.51],
            },
            {
                "column": "bad",
                "score": 0.6,
                "baseline": 0.97,
                "labels": ["(missing)", "<x>", "b"],
                "real": [0.0, 0.5, 0.5],
                "holdout": [0.0, 0.5, 0.5],
                "synthetic": [0.1, 0.8, 0.1],
            },
        ]
    }
    panels = fig.histogram_panels(details)
    assert [p["key"] for p in panels] == ["bad", "good"]
    bad = panels[0]
    assert _names(bad) == ["real", "holdout", "synthetic"]
    assert all(t["type"] == "bar" for t in _traces(bad))
    assert _traces(bad)[0]["x"] == ["(missing)", "&lt;x&gt;", "b"]  # (missing) kept: synthetic has some
    assert _traces(panels[1])[0]["x"] == ["a", "b"]  # nobody is missing: the bin is left out
    assert "0.600" in bad["caption"] and "0.970" in bad["caption"]


def test_histogram_of_numeric_intervals_is_a_density_with_the_outside_shares_in_the_caption():
    details = {
        "columns": [
            {
                "column": "x",
                "score": 0.9,
                "baseline": 0.95,
                "labels": ["(missing)", "< 0", "[0, 1)", "[1, 3]", "> 3"],
                "real": [0.0, 0.0, 0.5, 0.5, 0.0],
                "synthetic": [0.1, 0.0, 0.4, 0.4, 0.1],
            }
        ]
    }
    (panel,) = fig.histogram_panels(details)
    real, synthetic = _traces(panel)
    assert real["type"] == "scatter" and real["line"]["shape"] == "hv"
    assert real["x"] == [0, 1, 3]
    assert real["y"] == [0.5, 0.25, 0.25]  # share / width
    assert synthetic["y"] == [0.4, 0.2, 0.2]
    assert "(missing): synthetic 10.0%" in panel["caption"] and "> 3: synthetic 10.0%" in panel["caption"]


def test_histogram_of_date_intervals_uses_a_date_axis():
    labels = ["(missing)", "[2021-01-01, 2021-01-11)", "[2021-01-11, 2021-01-31]"]
    figure = fig.distribution_figure(labels, {"real": [0.0, 0.5, 0.5], "synthetic": [0.0, 0.5, 0.5]})
    assert figure["layout"]["xaxis"]["type"] == "date"
    assert figure["data"][0]["y"] == [0.05, 0.025, 0.025]  # per day


def test_heatmap_panels_have_difference_views_first_and_gaps_for_unscored_pairs():
    details = {
        "columns": ["a", "b", "<c>"],
        "matrices": {
            "real": [[1, 0.5, None], [0.5, 1, 0.2], [None, 0.2, 1]],
            "synthetic": [[1, 0.1, None], [0.1, 1, 0.2], [None, 0.2, 1]],
            "holdout": [[1, 0.45, None], [0.45, 1, 0.25], [None, 0.25, 1]],
        },
    }
    (panel,) = fig.heatmap_panels(details, signed=True, what="association")
    traces = _traces(panel)
    assert [t["name"] for t in traces] == ["synthetic − real", "holdout − real", "real", "holdout", "synthetic"]
    assert [t["visible"] for t in traces] == [True, False, False, False, False]
    diff = traces[0]["z"]
    assert diff[0][1] == pytest.approx(-0.4) and diff[0][0] is None and diff[0][2] is None
    assert traces[0]["x"][2] == "&lt;c&gt;"
    buttons = panel["figure"]["layout"]["updatemenus"][0]["buttons"]
    assert len(buttons) == 5 and buttons[2]["args"][0]["visible"] == [False, False, True, False, False]


def test_heatmap_keeps_the_most_different_columns_when_there_are_many():
    n = 8
    real = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    synthetic = [row[:] for row in real]
    synthetic[2][5] = synthetic[5][2] = 0.9
    details = {"columns": [f"c{i}" for i in range(n)], "matrices": {"real": real, "synthetic": synthetic}}
    (panel,) = fig.heatmap_panels(details, signed=False, what="nmi", max_columns=2)
    assert _traces(panel)[0]["x"] == ["c2", "c5"]
    assert "2 of 8" in panel["caption"]


def test_correlogram_panels_draw_the_band_and_three_curves_worst_first():
    details = {
        "lags": 3,
        "columns": [
            {
                "column": "ok",
                "score": 0.95,
                "baseline": 0.96,
                "band": 0.1,
                "real": [0.5, 0.2, 0.0],
                "synthetic": [0.5, 0.2, 0.0],
                "holdout": [0.5, 0.2, 0.0],
            },
            {
                "column": "lost",
                "score": 0.2,
                "baseline": 0.9,
                "band": 0.1,
                "real": [0.5, 0.2, 0.0],
                "synthetic": [0.0, 0.0, 0.0],
                "holdout": [0.45, 0.2, 0.0],
            },
            {"column": "skipped", "score": None, "note": "no sequence"},
        ],
    }
    panels = fig.correlogram_panels(details)
    assert [p["key"] for p in panels] == ["lost", "ok"]
    band, *curves = _traces(panels[0])
    assert band["fill"] == "toself" and band["y"][:3] == [0.1] * 3 and band["y"][3:] == [-0.1] * 3
    assert [c["name"] for c in curves] == ["real", "holdout", "synthetic"]
    assert curves[0]["x"] == [1, 2, 3]


def test_series_with_named_positions_and_a_spread_draw_both_by_name():
    details = {
        "columns": [
            {
                "column": "sales",
                "score": 0.4,
                "baseline": 0.95,
                "labels": ["Q1", "Q2", "Q3", "Q4"],
                "real": [0.5, 0.0, -0.5, 0.0],
                "synthetic": [-0.5, 0.0, 0.5, 0.0],
                "spread": {"real": [1.0, 1.0, 2.0, 1.0], "synthetic": [1.0, 1.0, 1.0, 1.0], "holdout": [1.0]},
            }
        ]
    }
    (panel,) = fig.correlogram_panels(details, what="mean", axis="quarter")
    traces = _traces(panel)
    assert [t["name"] for t in traces] == ["real", "synthetic", "real (spread)", "synthetic (spread)"]
    assert all(t["x"] == ["Q1", "Q2", "Q3", "Q4"] for t in traces)
    assert [t.get("yaxis") for t in traces] == [None, None, "y2", "y2"]  # the spread below, on its own axis
    layout = panel["figure"]["layout"]
    assert layout["xaxis"]["type"] == "category" and layout["xaxis2"]["title"]["text"] == "quarter"
    assert layout["yaxis2"]["title"]["text"] == "spread"
    # without names or a spread: lags 1..L on one axis, as before
    (plain,) = fig.correlogram_panels({"columns": [{"column": "x", "score": 1.0, "real": [0.1], "synthetic": [0.1]}]})
    assert _traces(plain)[0]["x"] == [1] and "yaxis2" not in plain["figure"]["layout"]


def test_prediction_panel_has_bars_per_model_and_ratio_intervals():
    details = {
        "score_name": "auc",
        "models": [
            {
                "model": "linear",
                "trtr": {"auc": 0.8},
                "tstr": {"auc": 0.7},
                "ratio": 0.667,
                "ci": [0.6, 0.7],
                "baseline": {"auc": 0.78, "ratio": 0.93},
            },
            {"model": "xgboost", "trtr": {"auc": 0.82}, "tstr": {"auc": 0.5}, "note": "left out"},
        ],
    }
    (panel,) = fig.prediction_panels(details)
    traces = {t["name"]: t for t in _traces(panel)}
    assert traces["trained on real (TRTR)"]["y"] == [0.8, 0.82]
    assert traces["trained on synthetic (TSTR)"]["y"] == [0.7, 0.5]
    ratio = traces["ratio TSTR / TRTR"]
    assert ratio["y"] == [0.667, None]
    assert ratio["error_y"]["array"][0] == pytest.approx(0.033)
    assert ratio["error_y"]["arrayminus"][0] == pytest.approx(0.067)
    assert traces["holdout ratio"]["y"] == [0.93, None]


def test_models_panels_and_tables_name_the_training_sets_as_the_details_say():
    from sdq.render.tables import prediction_tables

    labels = {"real": "real rows alone", "synthetic": "real + synthetic rows", "holdout": "real + holdout rows"}
    details = {
        "score_name": "score",
        "labels": {**labels, "ratio": "gain ratio"},
        "models": [
            {
                "model": "xgboost, all rows",
                "trtr": {"score": 0.7},
                "tstr": {"score": 0.75},
                "baseline": {"score": 0.76, "ratio": 1.0, "train_rows": 3000},
                "ratio": 0.83,
                "ci": [0.6, 1.0],
                "train_rows": {"real": 1000, "synthetic": 3000},
            }
        ],
    }
    (panel,) = fig.prediction_panels(details)
    traces = {t["name"]: t for t in _traces(panel)}
    assert traces["real rows alone"]["y"] == [0.7] and traces["real + holdout rows"]["y"] == [0.76]
    assert traces["gain ratio"]["y"] == [0.83] and "gain ratio" in panel["title"]
    (table,) = prediction_tables(details)
    assert [row[1] for row in table["rows"]] == list(labels.values())
    assert [row[2] for row in table["rows"]] == [1000, 3000, 3000]


def test_importance_panels_follow_the_real_ranking():
    details = {
        "features": ["a", "b", "c"],
        "models": [
            {
                "model": "linear",
                "score": 0.8,
                "baseline": 0.9,
                "spearman": 0.5,
                "real": {"importance": [0.1, 0.3, 0.2], "ranking": ["b", "c", "a"]},
                "synthetic": {"importance": [0.3, 0.1, 0.2], "ranking": ["a", "c", "b"]},
            }
        ],
    }
    (panel,) = fig.importance_panels(details)
    real, synthetic = _traces(panel)
    assert real["y"] == ["b", "c", "a"] and real["x"] == [0.3, 0.2, 0.1]
    assert synthetic["x"] == [0.1, 0.2, 0.3]
    assert "rank correlation 0.500" in panel["caption"]


def test_qscore_and_dcr_panels_show_shares_per_bin():
    (q,) = fig.qscore_panels({"error_bins": [0, 0.5, 1], "error_counts": {"synthetic": [3, 1], "holdout": [4, 0]}})
    holdout, synthetic = _traces(q)
    assert synthetic["x"] == [0.25, 0.75] and synthetic["y"] == [0.75, 0.25] and holdout["y"] == [1.0, 0.0]
    (d,) = fig.dcr_panels(
        {"dcr_bins": [0, 1, 2], "dcr_counts": {"synthetic": [1, 1, 2], "holdout": [2, 2, 0]}, "threshold": 0.5}
    )
    assert _traces(d)[1]["x"] == [0.5, 1.5, 2.5]  # the open last bin is drawn as wide as the one before
    assert d["figure"]["layout"]["shapes"][0]["x0"] == 0.5


def test_roc_panel_has_a_curve_per_attack_and_the_diagonal():
    roc = {"fpr": [0, 0.5, 1], "tpr": [0, 0.7, 1]}
    attacks = {"distance": {"auc": 0.6, "roc": roc}, "density_ratio": {"auc": 0.7, "roc": roc}}
    (panel,) = fig.roc_panels({"attacks": attacks})
    names = _names(panel)
    assert names[0] == "coin flip" and names[1] == "distance (AUC 0.600)" and names[2] == "density_ratio (AUC 0.700)"


def test_share_panels_compare_synthetic_with_holdout():
    shape = Shares(synthetic="copied_share", holdout="holdout_share", what="rows equal to a training row")
    (panel,) = fig.panels_for(shape, {"copied_share": 0.1, "holdout_share": 0.2})
    assert _traces(panel)[0]["x"] == [0.2, 0.1]
    assert fig.panels_for(shape, {"holdout_share": 0.2}) == []


@pytest.mark.parametrize("name", sorted(set(SHAPES) | {None}, key=str))
@pytest.mark.parametrize(
    "details",
    [
        {},
        {
            "columns": "not a list",
            "models": [None, 3],
            "matrices": 7,
            "attacks": {"x": None},
            "dcr_bins": [0],
            "error_counts": [1],
        },
    ],
)
def test_every_builder_accepts_missing_or_malformed_details(name, details):
    assert fig.panels_for(name, details) == []
    assert fig.panels_for(name, None) == []


def test_every_registered_metric_has_a_builder_for_its_shape():
    for name, spec in registry().items():
        assert fig.builder_for(spec.shape) is not None, name


def test_undeclared_details_get_per_column_scores_of_either_form():
    details = {
        "columns": [
            {"column": "a", "score": 0.9, "baseline": 0.95},
            {"column": "b", "score": {"synthetic": 0.5, "holdout": 0.9}},
            {"column": "c", "score": None},
        ]
    }
    (panel,) = fig.panels_for(None, details)
    holdout, synthetic = _traces(panel)
    assert synthetic["y"] == ["b", "a"] and synthetic["x"] == [0.5, 0.9] and holdout["x"] == [0.9, 0.95]


def test_column_score_panels_fold_all_columns_beyond_the_worst():
    details = {"columns": [{"column": f"c{i}", "score": i / 40, "baseline": 1.0} for i in range(30)]}
    worst, everything = fig.column_score_panels(details)
    assert len(_traces(worst)[1]["y"]) == 15 and _traces(worst)[1]["y"][0] == "c0"
    assert len(_traces(everything)[1]["y"]) == 30 and everything["fold"] and not worst["fold"]


def test_figures_are_strict_json_with_rounded_numbers():
    details = {
        "columns": [
            {
                "column": "x",
                "score": 0.123456789,
                "baseline": float("nan"),
                "labels": ["a", "b"],
                "real": [0.123456789, float("inf")],
                "synthetic": [0.5, 0.5],
            }
        ]
    }
    (panel,) = fig.histogram_panels(details)
    text = json.dumps(panel, allow_nan=False)
    assert "0.1235" in text and "0.123456" not in text

"""sdq.compare: several candidates against one real side, a leaderboard with ties, one HTML page."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from html_tags import assert_display_html  # tests/ is on the path

import sdq
from sdq import prepare as prepare_module
from sdq.demo.copula import GaussianCopula
from sdq.engine.compare import Comparison


def _noise(train: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Uniform noise in the real ranges and categories: every column independent and flat."""
    rng = np.random.default_rng(seed)
    out = {}
    for c in train.columns:
        x = train[c]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            out[c] = rng.uniform(x.min(), x.max(), n)
        else:
            out[c] = rng.choice(x.dropna().unique(), n)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def candidates(_fair_parts):
    """train, holdout and three candidates of known quality: fresh real rows > a Gaussian copula
    (keeps marginals and linear dependence) > uniform noise."""
    from sdq.demo.data import split

    train, rest = _fair_parts
    holdout, fresh = split(rest, holdout_share=0.5, seed=1)
    copula = GaussianCopula().fit(train, seed=0).sample(len(fresh), seed=1)
    return train, holdout, {"noise": _noise(train, len(fresh), 3), "copula": copula, "fresh": fresh}


METRICS = [
    "statistics",
    "histogram_similarity",
    "mutual_information",
    "correlation",
    "prediction",
    "qscore",
    "exact_match",
]


@pytest.fixture(scope="module")
def comparison(candidates):
    train, holdout, cands = candidates
    return sdq.compare(cands, train, holdout=holdout, target="had_affair", metrics=METRICS)


def test_leaderboard_ranks_candidates_of_known_quality(comparison):
    board = comparison.leaderboard
    assert list(board.index) == ["fresh", "copula", "noise"]
    assert board.loc["noise", "rank"] == 3 and board.loc["noise", "tied_with"] == []
    assert board.loc["fresh", "rank"] == 1
    # every candidate's overall lies inside its own range, and the ranges come from the intervals
    assert (board["overall_low"] <= board["overall"] + 1e-12).all()
    assert (board["overall"] <= board["overall_high"] + 1e-12).all()
    assert (board["failed"] == 0).all()


def test_candidate_reports_equal_separate_evaluations(candidates, comparison):
    """Encoding the real side once changes nothing: each candidate's report is the one evaluate gives."""
    train, holdout, cands = candidates
    alone = sdq.evaluate(train, cands["copula"], holdout, target="had_affair", metrics=METRICS)
    a, b = alone.to_dict(), comparison["copula"].to_dict()
    a.pop("manifest"), b.pop("manifest")
    assert a == b


def test_real_side_is_binned_once(candidates, monkeypatch):
    train, holdout, cands = candidates
    calls = []
    original = prepare_module.fit_binning
    monkeypatch.setattr(prepare_module, "fit_binning", lambda *a, **k: calls.append(1) or original(*a, **k))
    sdq.compare(dict(list(cands.items())[:1]), train, holdout=holdout, metrics=["histogram_similarity"])
    once = len(calls)
    calls.clear()
    sdq.compare(cands, train, holdout=holdout, metrics=["histogram_similarity"])
    assert once > 0 and len(calls) == once


def test_identical_candidates_tie_and_share_a_rank(candidates):
    train, holdout, cands = candidates
    result = sdq.compare(
        {"a": cands["copula"], "b": cands["copula"].copy()},
        train,
        holdout=holdout,
        metrics=["histogram_similarity", "correlation"],
    )
    board = result.leaderboard
    assert list(board["rank"]) == [1, 1]
    assert board.loc["a", "tied_with"] == ["b"] and board.loc["b", "tied_with"] == ["a"]


def test_clearly_different_candidates_are_not_tied(candidates):
    train, holdout, cands = candidates
    board = sdq.compare(
        {"noise": cands["noise"], "fresh": cands["fresh"]},
        train,
        holdout=holdout,
        metrics=["histogram_similarity", "correlation"],
    ).leaderboard
    assert list(board.index) == ["fresh", "noise"] and list(board["rank"]) == [1, 2]
    assert board.loc["fresh", "overall_low"] > board.loc["noise", "overall_high"]


def test_side_by_side_frame_and_json(comparison):
    frame = comparison.to_frame()
    assert list(frame.columns) == ["family", "noise", "copula", "fresh", "baseline"]
    assert frame.loc["correlation", "fresh"] > frame.loc["correlation", "copula"] > frame.loc["correlation", "noise"]
    data = json.loads(comparison.to_json())
    assert [row["candidate"] for row in data["leaderboard"]] == ["fresh", "copula", "noise"]
    assert set(data["reports"]) == {"noise", "copula", "fresh"}
    assert sdq.Report.from_dict(data["reports"]["fresh"]).scores == comparison["fresh"].scores


def test_html_page_is_self_contained_and_escapes_names(candidates, tmp_path):
    train, holdout, cands = candidates
    hostile = '<script>alert("x")</script>'
    result = sdq.compare(
        {hostile: cands["noise"], "fresh & co": cands["fresh"]},
        train,
        holdout=holdout,
        metrics=["histogram_similarity", "statistics"],
    )
    html = result.to_html(tmp_path / "c.html")
    assert (tmp_path / "c.html").read_text(encoding="utf-8") == html
    assert hostile not in html and "&lt;script&gt;alert" in html
    assert html.count('id="sdq-plotly"') == 1 and "cdn.plot.ly" not in html
    assert "fresh &amp; co" in html
    card = result._repr_html_()  # the notebook's leaderboard card: small, no script, names as text
    text = assert_display_html(card)
    assert hostile not in card and "&lt;script&gt;alert" in card and hostile in text
    assert "fresh & co" in text and len(card) < 10_000


def test_notebook_card_is_the_leaderboard(comparison):
    card = comparison._repr_html_()
    text = assert_display_html(card)
    board = comparison.leaderboard
    assert text.startswith("sdq comparison of 3 candidates")
    positions = [card.index(f">{name}</td>") for name in board.index]
    assert positions == sorted(positions)  # best first, as in the leaderboard
    for _, row in board.iterrows():
        assert f"{row.overall:.3f}" in text and f"{row.fidelity:.3f}" in text
        assert f"{row.overall_low:.3f} – {row.overall_high:.3f}" in text
    assert "comparison.to_html(" in text


@pytest.mark.parametrize(
    "bad, match",
    [
        ({}, "non-empty mapping"),
        ([("a", None)], "non-empty mapping"),
    ],
)
def test_bad_candidates(candidates, bad, match):
    train, holdout, _ = candidates
    with pytest.raises(sdq.InputError, match=match):
        sdq.compare(bad, train, holdout=holdout)


def test_unknown_option_and_clashing_names(candidates):
    train, holdout, cands = candidates
    with pytest.raises(sdq.InputError, match="unknown option"):
        sdq.compare({"a": cands["fresh"]}, train, holdout=holdout, bogus=1)
    with pytest.raises(sdq.InputError, match="distinct"):
        sdq.compare({1: cands["fresh"], "1": cands["fresh"]}, train, holdout=holdout)
    with pytest.raises(sdq.InputError, match="at least one"):
        Comparison({})


def test_the_leaderboard_is_ordered_by_rank_and_ties_need_not_be_transitive():
    from sdq.report import Report
    from sdq.result import MetricResult

    def report(score, low, high):
        # no baseline: every candidate has the same verdict, so scores and ranges decide
        return Report(
            [MetricResult("histogram_similarity", "fidelity", "ok", score=score, baseline=None, ci=[low, high])],
            config={},
            data={},
            manifest={},
            sdq_version="0",
        )

    board = Comparison(
        {"x": report(0.80, 0.79, 0.81), "y": report(0.85, 0.84, 0.86), "z": report(0.70, 0.30, 0.90)}
    ).leaderboard
    # y is clearly better than x; z's wide range overlaps both, so nothing is clearly better than z
    assert list(board.index) == ["y", "z", "x"]
    assert set(board["verdict"]) == {"no_baseline"}
    assert list(board["rank"]) == [1, 1, 2]
    assert board.loc["z", "tied_with"] == ["x", "y"] and board.loc["x", "tied_with"] == ["z"]


def test_the_verdict_ranks_first_so_a_leaking_candidate_never_beats_one_on_par():
    from sdq.report import Report
    from sdq.result import MetricResult

    def report(fidelity, privacy):
        return Report(
            [
                MetricResult(
                    "histogram_similarity",
                    "fidelity",
                    "ok",
                    score=fidelity,
                    baseline=0.95,
                    ci=[fidelity - 0.01, fidelity + 0.01],
                ),
                MetricResult(
                    "exact_match",
                    "privacy",
                    "ok",
                    score=privacy,
                    baseline=1.0,
                    ci=[privacy - 0.01, min(1.0, privacy + 0.01)],
                ),
            ],
            config={},
            data={"holdout": {"rows": 1}},
            manifest={},
            sdq_version="0",
        )

    # the copy's privacy has a major finding: it ranks below the candidate on par, and ties with nobody
    board = Comparison({"copy": report(1.0, 0.5), "model": report(0.94, 0.99)}).leaderboard
    assert list(board.index) == ["model", "copy"]
    assert list(board["verdict"]) == ["on_par", "well_below"] and list(board["rank"]) == [1, 2]
    assert board.loc["copy", "findings"] == 1 and board.loc["copy", "tied_with"] == []
    # a smaller but certain privacy shortfall: a higher overall score still ranks below on par
    higher = Comparison({"copy": report(1.0, 0.955), "model": report(0.94, 0.99)}).leaderboard
    assert higher.loc["copy", "overall"] > higher.loc["model", "overall"]
    assert higher.loc["copy", "verdict"] == "somewhat_below"
    assert list(higher.index) == ["model", "copy"]

"""Profiles on a real table: the same two generators ranked one way for fraud detection and the
other way for a health-data release, for the reason each profile states; the comparison's
trade-off charts, JSON, page, notebook card and command line with a profile.

Data: statsmodels' RAND health insurance experiment (`randhie`), 8,000 rows drawn once, split
into training (4,000), holdout (2,000) and fresh rows (2,000). Two generators made from the fresh
rows (tests/known_quality.py):

- **memorised outliers**: the 1% most isolated training rows put back, each near its real row;
- **clipped tails**: every numeric column clipped to the training rows' 5th and 95th percentiles.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from html_tags import assert_display_html  # tests/ is on the path
from known_quality import clipped_tails, memorised_outliers

import sdq
from sdq.cli import main

METRICS = ["histogram_similarity", "tails", "exact_match", "neighbours_privacy", "outlier_privacy"]


@pytest.fixture(scope="module")
def parts():
    import statsmodels.datasets.randhie as randhie

    frame = randhie.load_pandas().data.sample(8000, random_state=0).reset_index(drop=True)
    order = np.random.default_rng(0).permutation(len(frame))
    train, holdout, fresh = (frame.iloc[np.sort(p)].reset_index(drop=True) for p in np.split(order, [4000, 6000]))
    return train, holdout, fresh


@pytest.fixture(scope="module")
def candidates(parts):
    train, _, fresh = parts
    return {"memorised": memorised_outliers(train, fresh), "clipped": clipped_tails(fresh, train)}


@pytest.fixture(scope="module")
def comparison(parts, candidates):
    train, holdout, _ = parts
    return sdq.compare(candidates, train, holdout=holdout, metrics=METRICS)


def test_the_generators_are_what_they_claim(comparison):
    memorised, clipped = comparison["memorised"], comparison["clipped"]
    # memorised: real outliers reproduced (a major outlier_privacy finding), tails kept
    assert [(f.metric, f.severity) for f in memorised.findings] == [("outlier_privacy", "major")]
    # clipped: tails gone (major tails findings), nothing near the outliers
    assert {f.metric for f in clipped.findings} == {"tails"}
    assert clipped["outlier_privacy"].score == pytest.approx(1.0)
    # neutrally both are well below, and the data cannot tell their overall scores apart
    board = comparison.leaderboard
    assert set(board["verdict"]) == {"well_below"} and list(board["rank"]) == [1, 1]


def test_fraud_and_health_rank_the_same_candidates_the_other_way_round(comparison):
    fraud, health = comparison.with_profile("fraud"), comparison.with_profile("health")
    assert list(fraud.leaderboard.index) == ["memorised", "clipped"]
    assert list(health.leaderboard.index) == ["clipped", "memorised"]
    assert list(fraud.leaderboard["rank"]) == [1, 2] and list(health.leaderboard["rank"]) == [1, 2]
    assert fraud.choice["candidates"] == ["memorised"] and health.choice["candidates"] == ["clipped"]

    # fraud: the clipped tails fail it (tails decides), the reproduced outliers are not counted
    f_board = fraud.leaderboard
    assert f_board.loc["memorised", "profile_verdict"] == "on_par"
    assert f_board.loc["clipped", "profile_verdict"] == "fails"
    clipped_fraud = fraud["clipped"].profile_reading
    assert {p.finding.metric for p in clipped_fraud.decisive()} == {"tails"}
    assert fraud["memorised"].profile_reading.set_aside[0].metric == "outlier_privacy"
    why = "\n".join(fraud.choice["why"])
    assert "decisive for fraud" in why and "tails" in why and "outlier_privacy" in why

    # health: the reproduced outliers fail it (outlier_privacy decides); clipped tails are only well below
    h_board = health.leaderboard
    assert h_board.loc["memorised", "profile_verdict"] == "fails"
    assert h_board.loc["clipped", "profile_verdict"] == "well_below"
    assert {p.finding.metric for p in health["memorised"].profile_reading.decisive()} == {"outlier_privacy"}
    assert "outlier_privacy 0." in "\n".join(health.choice["why"])

    # the profile changes no score and no finding: the neutral reading is the same in both
    for name in comparison.reports:
        assert fraud[name].scores == health[name].scores == comparison[name].scores
        assert fraud[name].findings == health[name].findings
    assert list(f_board["neutral_rank"]) == [1, 1] and list(h_board["neutral_rank"]) == [1, 1]


def test_profile_scores_follow_their_weights(comparison):
    fraud = comparison["memorised"].with_profile("fraud").profile_reading
    health = comparison["memorised"].with_profile("health").profile_reading
    # fraud does not count outlier_privacy: privacy is the weakest of the others
    others = [comparison["memorised"][m].score for m in ("exact_match", "neighbours_privacy")]
    assert fraud.summary["privacy"] == pytest.approx(min(others))
    assert health.summary["privacy"] == pytest.approx(comparison["memorised"]["outlier_privacy"].score)
    # fidelity for fraud: tails weighs 4, histogram_similarity 1
    tails, hist = (comparison["memorised"][m].score for m in ("tails", "histogram_similarity"))
    assert fraud.summary["fidelity"] == pytest.approx((4 * tails + hist) / 5)
    assert fraud.summary["overall"] == pytest.approx((2 * fraud.summary["fidelity"] + fraud.summary["privacy"]) / 3)
    assert health.summary["overall"] == pytest.approx((health.summary["fidelity"] + 4 * health.summary["privacy"]) / 5)
    for reading in (fraud, health):
        low, high = reading.intervals["overall"]
        assert low <= reading.summary["overall"] <= high


def test_tradeoffs_place_both_on_the_front_and_json_says_so(comparison):
    fraud = comparison.with_profile("fraud")
    chart = {e["candidate"]: e for e in fraud.tradeoffs()["fidelity_privacy"]}
    # memorised: high fidelity, low privacy; clipped: the reverse; neither dominates the other
    assert chart["memorised"]["fidelity"] > chart["clipped"]["fidelity"]
    assert chart["memorised"]["privacy"] < chart["clipped"]["privacy"]
    assert chart["memorised"]["on_front"] and chart["clipped"]["on_front"]
    for e in chart.values():
        assert e["fidelity_range"][0] <= e["fidelity"] <= e["fidelity_range"][1]
        assert e["privacy_range"][0] <= e["privacy"] <= e["privacy_range"][1]
    # no target: no utility, so nobody is placed on utility vs privacy
    assert all(e["measured"] is False for e in fraud.tradeoffs()["utility_privacy"])
    data = json.loads(fraud.to_json())
    assert data["profile"]["name"] == "fraud" and data["choice"]["candidates"] == ["memorised"]
    assert {e["candidate"]: e["on_front"] for e in data["tradeoffs"]["fidelity_privacy"]} == {
        "memorised": True,
        "clipped": True,
    }
    assert "Pareto front" in data["tradeoff_rule"]
    assert [row["profile_verdict"] for row in data["leaderboard"]] == ["on_par", "fails"]
    assert data["reports"]["clipped"]["profile"]["verdicts"]["overall"] == "fails"


def test_the_page_and_the_card_name_the_profile_and_its_choice(comparison, tmp_path):
    health = comparison.with_profile("health")
    html = health.to_html(tmp_path / "c.html")
    assert 'id="tradeoffs"' in html and "fidelity vs privacy" in html and "Pareto front" in html
    assert "Its choice: clipped" in html and "decisive for health" in html
    figures = json.loads(html.split('<script type="application/json" id="sdq-figures">', 1)[1].split("</script>")[0])
    names = [t.get("name") for f in figures.values() for t in f["data"]]
    assert "clipped (choice)" in names and "Pareto front" in names
    card = health._repr_html_()
    assert_display_html(card)
    assert "profile health" in card and "its choice: clipped" in card
    # the single report: the header names the profile, its verdict beside the neutral one
    page = health["memorised"].to_html()
    assert 'id="profile"' in page and "Profile health" in page and "fails this use" in page
    summary = health["memorised"]._repr_html_()
    assert_display_html(summary)
    assert "profile health" in summary and "neutral: overall" in summary


def test_a_profile_changes_nothing_without_a_holdout(parts, candidates):
    train, _, _ = parts
    report = sdq.evaluate(
        train, candidates["memorised"], metrics=["histogram_similarity", "exact_match"], profile="health"
    )
    assert report.profile_reading.verdict == "no_baseline"


@pytest.fixture(scope="module")
def files(parts, candidates, tmp_path_factory):
    folder = tmp_path_factory.mktemp("profiles")
    train, holdout, _ = parts
    train.to_csv(folder / "train.csv", index=False)
    holdout.to_csv(folder / "holdout.csv", index=False)
    for name, frame in candidates.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_cli_compare_and_check_with_a_profile(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    metrics = ["--metrics", ",".join(METRICS), "--holdout", "holdout.csv", "--jobs", "1"]
    code = main(["compare", "train.csv", "m=memorised.csv", "c=clipped.csv", *metrics, "--profile", "fraud"])
    out = capsys.readouterr().out
    assert code == 0
    board = out.split("\n\n")[0].splitlines()
    assert board[1].split()[:3] == ["1", "m", "on"] and board[2].split()[:3] == ["2", "c", "fails"]
    assert "fraud ranks m first" in out and "c: tails 0." in out
    data = json.loads((files / "reports" / "compare.json").read_text(encoding="utf-8"))
    assert data["choice"]["candidates"] == ["m"]
    # `profile = "health"` in sdq.toml: check uses the profile's gates; the leak fails them
    (files / "sdq.toml").write_text('profile = "health"\n', encoding="utf-8")
    assert main(["check", "train.csv", "memorised.csv", *metrics]) == 1
    out = capsys.readouterr().out
    assert "FAILED  no major finding" in out and "profile health fails" in out
    assert main(["check", "train.csv", "clipped.csv", *metrics, "--profile", "fraud"]) == 1
    assert "decided by tails" in capsys.readouterr().out
    (files / "sdq.toml").unlink()


def test_cli_report_table_shows_the_profile_beside_the_neutral_reading(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    code = main(
        ["report", "train.csv", "memorised.csv", "--holdout", "holdout.csv", "--metrics", ",".join(METRICS)]
        + ["--profile", "health", "--jobs", "1", "--output", "r.html"]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    overall = next(i for i, line in enumerate(lines) if line.startswith("overall"))
    assert lines[overall + 1].startswith("profile health") and lines[overall + 1].endswith("fails")
    assert "outlier_privacy 0." in lines[overall + 2] and "decisive for health" in lines[overall + 2]
    assert "not measured by health: attribute_inference, singling_out, linkability" in out
    saved = json.loads((files / "r.json").read_text(encoding="utf-8"))
    assert saved["profile"]["verdicts"]["overall"] == "fails"
    back = sdq.Report.from_json(files / "r.json")
    assert back.profile.name == "health" and back.profile_reading.verdict == "fails"


def test_check_without_thresholds_or_profile_is_still_an_error(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    assert main(["check", "train.csv", "clipped.csv", "--holdout", "holdout.csv"]) == 2
    assert "--profile NAME" in capsys.readouterr().err


def test_profiles_do_not_modify_the_frames(parts, candidates):
    train, holdout, _ = parts
    before = train.copy()
    sdq.evaluate(train, candidates["clipped"], holdout, metrics=["histogram_similarity"], profile="analytics")
    pd.testing.assert_frame_equal(train, before)


def test_cli_warns_once_for_a_user_profile_naming_an_unknown_metric(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    (files / "sdq.toml").write_text(
        '[profiles.mine]\nextends = "fraud"\nmetrics = { tail_mass = 3 }\n', encoding="utf-8"
    )
    args = ["report", "train.csv", "clipped.csv", "--holdout", "holdout.csv", "--metrics", "tails"]
    code = main(args + ["--profile", "mine", "--jobs", "1", "--output", "w.html"])
    captured = capsys.readouterr()
    (files / "sdq.toml").unlink()
    assert code == 0
    warnings = [line for line in captured.err.splitlines() if line.startswith("sdq: warning:")]
    assert warnings == [
        "sdq: warning: profile 'mine' names the metric 'tail_mass', which sdq does not have (it is listed as "
        f"not measured); the metrics are {sdq.metric_names()}"
    ]
    assert "profile mine" in captured.out and "tails:" in captured.out and "decisive for mine" in captured.out
    missing = next(line for line in captured.out.splitlines() if "not measured by mine:" in line)
    assert "tail_mass" in missing and "augmentation" in missing

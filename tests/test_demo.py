"""`sdq demo`: the embedded default runs end to end, offline."""

from __future__ import annotations

import json

from sdq.cli import main


def test_demo_writes_reports_and_prints_scores(tmp_path, capsys):
    assert main(["demo", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for family in ("fidelity", "utility", "privacy", "overall"):
        assert family in out
    assert "holdout baseline" in out
    report = json.loads((tmp_path / "demo.json").read_text())
    html = (tmp_path / "demo.html").read_text()
    assert "<script" not in html.split("</head>")[1] or "plotly" in html  # no stray scripts in the plain page
    assert report["data"]["real"]["rows"] == 4456 and report["data"]["holdout"]["rows"] == 1910
    assert report["data"]["target"] == "had_affair"
    by_name = {m["name"]: m for m in report["metrics"]}
    fidelity = [by_name[n] for n in ("statistics", "histogram_similarity", "mutual_information", "correlation")]
    assert all(m["status"] == "ok" for m in fidelity)
    for name in (
        "prediction",
        "feature_importance",
        "qscore",
        "exact_match",
        "neighbours_privacy",
        "membership_inference",
    ):
        assert by_name[name]["status"] == "ok", (name, by_name[name]["message"])
    assert by_name["autocorrelation"]["status"] == "skipped"  # the survey has no time order
    # the copula is a decent but imperfect generator: close to, not above, fresh real data on dependence
    mi = next(m for m in fidelity if m["name"] == "mutual_information")
    assert 0.5 < mi["score"] <= mi["baseline"] + 0.01

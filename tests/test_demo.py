"""`sdq demo`: the embedded default runs end to end, offline."""

from __future__ import annotations

import json
import re

import sdq


def test_demo_writes_reports_and_prints_scores(demo_run):
    folder, out = demo_run
    report = json.loads((folder / "demo.json").read_text())
    assert report["data"]["real"]["rows"] == 4456 and report["data"]["holdout"]["rows"] == 1910
    assert report["data"]["target"] == "had_affair"
    # the survey has a target and a holdout but no time order and no sensitive data set: the
    # sequence metrics and sensitive_match skip; its columns have at most 7 distinct values (bands
    # and ratings), too few for tails; every other metric runs (rules: one given, the rest mined)
    statuses = {m["name"]: m["status"] for m in report["metrics"]}
    assert list(statuses) == sdq.metric_names()
    skipped = {
        "tails",
        "autocorrelation",
        "partial_autocorrelation",
        "sequence_length",
        "first_differences",
        "seasonal_profile",
        "sensitive_match",
    }
    assert statuses == {n: "skipped" if n in skipped else "ok" for n in statuses}
    # the table printed is the report's: each family's score and holdout baseline, to 3 decimals
    assert "holdout baseline" in out and f"wrote {folder / 'demo.html'} and {folder / 'demo.json'}" in out
    for family in ("fidelity", "utility", "privacy", "overall"):
        line = re.search(rf"^{family} +([0-9.]+) +([0-9.]+)(?: |$)", out, re.M)
        assert line, (family, out)
        assert line.groups() == (f"{report['summary'][family]:.3f}", f"{report['summary_baseline'][family]:.3f}")
    # the copula is a decent but imperfect generator: close to, not above, fresh real data on dependence
    mi = next(m for m in report["metrics"] if m["name"] == "mutual_information")
    assert 0.5 < mi["score"] <= mi["baseline"] + 0.01
    # utility is size-matched: the copula's models train on as many rows as the baseline's (half the
    # holdout), and do not beat it (trained on every synthetic row they did: 0.858 against 0.796)
    prediction = next(m for m in report["metrics"] if m["name"] == "prediction")
    assert prediction["ci"][0] <= prediction["baseline"], (prediction["score"], prediction["ci"])
    for model in prediction["details"]["models"]:
        assert model["train_rows"]["synthetic"] == model["baseline"]["train_rows"] == 955
        assert model["full_size"]["train_rows"] == 4456
    # the copula draws observed values only, and keeps each woman married for fewer years than her age
    rules = next(m for m in report["metrics"] if m["name"] == "rules")
    entries = {e["column"]: e for e in rules["details"]["columns"]}
    assert entries["married_after_born"]["source"] == "given" and entries["married_after_born"]["score"] == 1.0
    assert rules["details"]["rules"]["mined"] > 10 and rules["score"] > 0.99


def test_demo_page_holds_only_its_own_scripts(demo_run):
    html = (demo_run[0] / "demo.html").read_text(encoding="utf-8")
    head, body = html.split("</head>")
    assert "<script" not in head
    # the figure data, plotly.js packed into the page (offline), and the loader: nothing else
    assert re.findall(r"<script\b[^>]*>", body) == [
        '<script type="application/json" id="sdq-figures">',
        '<script type="application/octet-stream" id="sdq-plotly" data-encoding="gzip+base64">',
        "<script>",
    ]

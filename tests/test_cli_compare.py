"""sdq compare, sdq init, --jobs, --metric-timeout and --strict on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdq.cli import main
from sdq.gates import load_config


@pytest.fixture()
def cands(tmp_path: Path, _fair_parts) -> dict[str, Path]:
    from sdq.demo.data import split

    train, rest = _fair_parts
    holdout, fresh = split(rest, holdout_share=0.5, seed=1)
    rng = np.random.default_rng(0)
    shuffled = fresh.copy()
    for c in shuffled.columns:
        shuffled[c] = rng.permutation(shuffled[c].to_numpy())
    noise = pd.DataFrame(
        {
            c: rng.uniform(train[c].min(), train[c].max(), len(fresh))
            if train[c].dtype.kind == "f"
            else rng.choice(train[c].unique(), len(fresh))
            for c in train.columns
        }
    )
    paths = {}
    for name, frame in [
        ("train", train),
        ("holdout", holdout),
        ("fresh", fresh),
        ("shuffled", shuffled),
        ("noise", noise),
    ]:
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    return paths


FIDELITY = "statistics,histogram_similarity,mutual_information,correlation"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_ranks_three_candidates_of_known_quality(cands, tmp_path, capsys):
    html = tmp_path / "cmp" / "c.html"
    code, out, err = run(
        [
            "compare",
            cands["train"],
            f"noise={cands['noise']}",
            f"shuffled={cands['shuffled']}",
            f"fresh={cands['fresh']}",
            "--holdout",
            cands["holdout"],
            "--metrics",
            FIDELITY,
            "--output",
            html,
            "--jobs",
            "2",
        ],
        capsys,
    )
    assert code == 0, err
    data = json.loads(html.with_suffix(".json").read_text())
    assert [row["candidate"] for row in data["leaderboard"]] == ["fresh", "shuffled", "noise"]
    assert [row["rank"] for row in data["leaderboard"]] == [1, 2, 3]
    assert html.is_file() and "fresh" in html.read_text()
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["1", "fresh"] and lines[3].split()[:2] == ["3", "noise"]
    assert "(holdout)" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["a.csv", "x"], "NAME=PATH"),
        (["a.csv", "x=a.csv", "x=b.csv"], "distinct"),
        (["a.csv"], "required"),
    ],
)
def test_compare_usage_errors_exit_2(args, needle, capsys):
    code, out, err = run(["compare", *args], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_init_writes_a_config_that_check_reads(tmp_path, capsys):
    path = tmp_path / "sdq.toml"
    code, out, err = run(["init", "--output", path], capsys)
    assert code == 0, err
    assert {t.target for t in load_config(path)} == {"findings", "fidelity", "utility", "privacy"}
    code, out, err = run(["init", "--output", path], capsys)
    assert code == 2 and "exists" in err
    code, out, err = run(["init", "--output", path, "--force"], capsys)
    assert code == 0


def test_init_from_a_report_sets_thresholds_below_the_baselines(cands, tmp_path, capsys):
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "report",
            cands["train"],
            cands["fresh"],
            "--holdout",
            cands["holdout"],
            "--metrics",
            FIDELITY,
            "--output",
            tmp_path / "r.html",
            "--json",
            js,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    report = json.loads(js.read_text())
    config = tmp_path / "sdq.toml"
    code, _, err = run(["init", "--from-report", js, "--output", config, "--margin", "0.1"], capsys)
    assert code == 0, err
    loaded = load_config(config)
    thresholds = {t.target: t.min for t in loaded}
    for m in report["metrics"]:
        # 0.1 below the baseline, less three standard errors of the gap (sqrt(2) x the interval's half-width / 1.96)
        se = max(m["score"] - m["ci"][0], m["ci"][1] - m["score"]) / 1.96 if m["ci"] else 0.0
        room = 3 * np.sqrt(2) * se
        assert thresholds[m["name"]] == pytest.approx(np.floor(round((m["baseline"] - 0.1 - room) * 100, 9)) / 100)
    # a findings gate, and every column of the metrics whose columns carry a standard error
    assert {t.target: t.fail_on for t in loaded if t.kind == "findings"} == {"findings": "major"}
    with_se = [m["name"] for m in report["metrics"] if any("se" in c for c in m["details"].get("columns", []))]
    text = config.read_text()
    # each such metric gets a per-column gate, or a comment saying its columns are too noisy for one
    assert with_se and all(f'"{name}:*"' in text for name in with_se)
    assert all(0.5 <= thresholds[f"{name}:*"] <= 0.95 for name in with_se if f"{name}:*" in thresholds)
    assert any(f"{name}:*" in thresholds for name in with_se)
    # the fresh sample passes its own gate, uniform noise fails it
    assert (
        run(["check", cands["train"], cands["fresh"], "--holdout", cands["holdout"], "--config", config], capsys)[0]
        == 0
    )
    assert (
        run(["check", cands["train"], cands["noise"], "--holdout", cands["holdout"], "--config", config], capsys)[0]
        == 1
    )


def test_strict_exits_3_on_a_time_out_and_still_writes_the_report(cands, tmp_path, capsys):
    base = [
        "report",
        cands["train"],
        cands["fresh"],
        "--holdout",
        cands["holdout"],
        "--metrics",
        "correlation,qscore",
        "--metric-timeout",
        "0.001",
        "--quiet",
    ]
    code, _, err = run([*base, "--output", tmp_path / "a.html"], capsys)
    assert code == 0, err
    code, _, err = run([*base, "--output", tmp_path / "b.html", "--strict"], capsys)
    assert code == 3
    assert "correlation failed: stopped after the time limit" in err
    data = json.loads((tmp_path / "b.json").read_text())
    assert {m["status"] for m in data["metrics"]} == {"error"}
    assert data["manifest"]["run"]["metric_timeout"] == 0.001


@pytest.mark.parametrize(
    "flag", [["--jobs", "0"], ["--jobs", "two"], ["--metric-timeout", "-1"], ["--metric-timeout", "inf"]]
)
def test_bad_run_flags_exit_2(cands, flag, capsys):
    code, _, err = run(["report", cands["train"], cands["fresh"], *flag], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_init_floors_without_floating_point_slips():
    from sdq.gates import starter_config
    from sdq.report import Report
    from sdq.result import MetricResult

    report = Report(
        [MetricResult("histogram_similarity", "fidelity", "ok", score=0.9, baseline=0.96)],
        config={},
        data={},
        manifest={},
        sdq_version="0",
    )
    text = starter_config(report, margin=0.05)
    assert "fidelity = 0.91" in text and "histogram_similarity = 0.91" in text  # 0.96 - 0.05, not 0.90


def test_compare_names_the_candidate_that_is_bad_input(cands, tmp_path, capsys):
    broken = tmp_path / "broken.parquet"
    pd.read_parquet(cands["fresh"]).drop(columns=["age"]).to_parquet(broken)
    code, _, err = run(
        [
            "compare",
            cands["train"],
            f"good={cands['fresh']}",
            f"bad={broken}",
            "--metrics",
            "histogram_similarity",
            "--output",
            tmp_path / "c.html",
        ],
        capsys,
    )
    assert code == 2 and "candidate 'bad'" in err and "missing column(s) ['age']" in err


def test_full_lifts_every_row_cap(cands, tmp_path, capsys):
    import sdq

    full = sdq.Config(privacy_rows=100).full()
    assert all(getattr(full, name) == sdq.Config.NO_CAP for name in sdq.Config.ROW_CAPS)
    assert full.bootstrap_rows == sdq.Config().bootstrap_rows  # the resample size is not a cap on the score
    assert sdq.Config.from_dict(full.to_dict()) == full
    base = [
        "report",
        cands["train"],
        cands["fresh"],
        "--holdout",
        cands["holdout"],
        "--metrics",
        "neighbours_privacy",
        "--quiet",
        "--jobs",
        "1",
    ]
    rows = {}
    for flag in ([], ["--full"]):
        out = tmp_path / f"r{len(flag)}.html"
        assert run([*base, *flag, "--output", out], capsys)[0] == 0
        data = json.loads(out.with_suffix(".json").read_text())
        rows[bool(flag)] = data["metrics"][0]["details"]["rows"]
        assert data["config"]["privacy_rows"] == (sdq.Config.NO_CAP if flag else sdq.Config().privacy_rows)
    # fair's fresh rows are fewer than the default cap, so the samples are the same; the cap is recorded
    assert rows[True]["synthetic"] == rows[True]["synthetic_total"]

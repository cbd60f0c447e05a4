"""What the command line prints: verdicts in the score table, the folded "not run" line, data
warnings, progress lines off a terminal, and the warning when two inputs are the same file."""

from __future__ import annotations

import io
import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main, text
from sdq.result import MetricResult
from sdq.result.findings import Finding
from sdq.result.verdict import TEXTS, wording

SEQUENCE = "no time column and no entity column were given: the rows form no sequence"


def make_report(metrics: list[MetricResult], warnings: list[str] | None = None, holdout: bool = True) -> sdq.Report:
    data = {"holdout": {"rows": 10, "columns": 2} if holdout else None, "warnings": warnings or []}
    return sdq.Report(metrics, config={}, data=data, manifest={}, sdq_version="0")


def table(report: sdq.Report) -> str:
    out = io.StringIO()
    text.format_table(report, out)
    return out.getvalue()


def ok(name: str, family: str, score: float, baseline: float | None, ci=None) -> MetricResult:
    return MetricResult(name, family, "ok", score=score, baseline=baseline, ci=ci)


def skipped(name: str, family: str, message: str) -> MetricResult:
    return MetricResult(name, family, "skipped", message=message)


# -- verdicts ------------------------------------------------------------------------------------


def test_the_table_has_a_verdict_beside_each_family_and_metric():
    report = make_report(
        [
            ok("statistics", "fidelity", 0.96, 0.96, [0.94, 0.97]),
            ok("correlation", "fidelity", 0.60, 0.90, [0.55, 0.65]),
            ok("qscore", "utility", 0.85, 0.90, [0.80, 0.95]),
            ok("exact_match", "privacy", 0.80, 0.86),
        ]
    )
    lines = table(report).splitlines()
    assert lines[0].split() == ["score", "holdout", "baseline", "interval", "verdict"]
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert rows["statistics"].endswith("[0.940, 0.970]  on par")
    # 0.30 below with an interval of half-width 0.05: far beyond noise and the minimum effect
    assert rows["correlation"].endswith("[0.550, 0.650]  well below (1 finding)")
    # 0.05 below with an interval of half-width 0.075: within noise, so no finding
    assert rows["qscore"].endswith("[0.800, 0.950]  on par")
    # no interval: a gap of 0.06 is not taken as evidence (only gaps over 0.10 are)
    assert rows["exact_match"].endswith("on par")
    # the family's verdict comes from its findings, not from its mean 0.78 beside 0.93
    assert rows["fidelity"].endswith("well below (1 finding)")
    assert rows["utility"].endswith("on par") and rows["privacy"].endswith("on par")
    assert rows["overall"].endswith("well below (1 finding)")
    assert rows["overall"].split()[1:3] == ["0.810", "0.897"]
    assert "findings (below the holdout baseline by more than noise explains):" in lines
    assert any(line.split()[:2] == ["major", "correlation"] for line in lines)


def test_the_table_verdict_is_the_html_verdict_in_short():
    column = Finding("m", "fidelity", "a", 0.5, 0.9, 0.4, 0.01, 0.0, "major", "")
    whole = Finding("m", "fidelity", None, 0.8, 0.9, 0.1, 0.01, 0.0, "minor", "")
    for verdict, findings in itertools.product(TEXTS, [[], [whole], [column, whole]]):
        long, short, tone = wording(verdict, findings)
        assert tone in ("good", "fair", "poor", "none")
        if verdict == "not_measured":
            continue
        words, _, counts = short.partition(" (")
        assert long.startswith(TEXTS[verdict]) and TEXTS[verdict].startswith(words.split(":")[0].split()[0])
        if findings:
            assert long.endswith(f"({counts}")
    assert wording("well_below", [column, whole])[1] == "well below (2 findings, 1 column)"


def test_without_a_holdout_there_is_no_verdict_column_and_a_hint():
    report = make_report([ok("statistics", "fidelity", 0.95, None)], holdout=False)
    out = table(report)
    assert out.splitlines()[0].split() == ["score", "holdout", "baseline", "interval"]
    assert "no baseline" not in out
    assert "no holdout: give one (--holdout PATH) for baselines and verdicts" in out
    assert "fidelity: synthetic against the training rows alone" in out and "utility:" not in out


# -- not run, errors -----------------------------------------------------------------------------


def test_skipped_metrics_are_folded_into_one_line_grouped_by_reason():
    report = make_report(
        [
            ok("statistics", "fidelity", 0.95, 0.96),
            skipped("autocorrelation", "fidelity", SEQUENCE),
            skipped("partial_autocorrelation", "fidelity", SEQUENCE),
            skipped("prediction", "utility", "no target column was given"),
            MetricResult("correlation", "fidelity", "error", message="ValueError: boom\nsecond line"),
            skipped("sequence_length", "fidelity", SEQUENCE),
            skipped("feature_importance", "utility", "no target column was given"),
            MetricResult("qscore", "utility", "error", message="timed out after 5 s"),
        ]
    )
    out = table(report)
    not_run = [line for line in out.splitlines() if "not run" in line]
    assert not_run == [
        "  not run: autocorrelation, partial_autocorrelation, sequence_length (no time column and no entity "
        "column were given); prediction, feature_importance (no target column was given)"
    ]
    assert "skipped" not in out
    errors = [line.split() for line in out.splitlines() if " error " in line]
    assert errors == [
        ["correlation", "error", "ValueError:", "boom", "second", "line"],
        ["qscore", "error", "timed", "out", "after", "5", "s"],
    ]


# -- data warnings -------------------------------------------------------------------------------


def test_data_warnings_are_listed_a_few_at_most():
    warnings = [
        f"synthetic data: {n} values of 'c{n}' could not be read as numeric and count as missing" for n in range(8)
    ]
    out = table(make_report([ok("statistics", "fidelity", 0.95, 0.96)], warnings))
    block = out.split("\ndata warnings:\n", 1)[1].splitlines()
    assert block == [f"  {w}" for w in warnings[: text.SHOWN_WARNINGS]] + [
        f"  and {8 - text.SHOWN_WARNINGS} more (the report's data.warnings)"
    ]
    assert "data warnings" not in table(make_report([ok("statistics", "fidelity", 0.95, 0.96)]))


def test_invalid_values_are_data_warnings_in_the_report():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b"], 60)})
    synthetic = real.assign(x=real["x"].astype(object))
    synthetic.loc[:3, "x"] = "oops"
    report = sdq.evaluate(real, synthetic, real.copy(), metrics=["statistics"])
    assert report.data["invalid"]["synthetic"] == {"x": 4, "c": 0}
    assert report.data["warnings"] == [
        "synthetic data: 4 values of 'x' could not be read as numeric and count as missing"
    ]
    assert sdq.Report.from_json(report.to_json()).data["warnings"] == report.data["warnings"]


# -- progress ------------------------------------------------------------------------------------


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    frames = {
        name: pd.DataFrame({"x": r.normal(size=80).round(3), "c": r.choice(["a", "b", "c"], 80)})
        for name, r in (("real", rng), ("synthetic", np.random.default_rng(1)), ("holdout", np.random.default_rng(2)))
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def run(args: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def report_args(real: Path, synthetic: Path, tmp_path: Path, *more) -> list:
    return [
        "report",
        real,
        synthetic,
        "--metrics",
        "statistics,histogram_similarity,correlation",
        "--output",
        tmp_path / "r.html",
        "--cdn",
        *more,
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_lines_when_stderr_is_not_a_terminal(files, tmp_path, capsys, monkeypatch, jobs):
    monkeypatch.setattr(text, "QUIET_SECONDS", 0.0)
    code, _, err = run(report_args(files["real"], files["synthetic"], tmp_path, "--jobs", jobs), capsys)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert [line.split()[1] for line in lines] == ["[1/3]", "[2/3]", "[3/3]"]
    names = sorted(line.split()[2] for line in lines)
    assert names == ["correlation", "histogram_similarity", "statistics"]
    for line in lines:
        assert re.fullmatch(r"sdq: \[\d/3\] \w+ done in \d+\.\d s", line), line


def test_no_progress_lines_with_quiet(files, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(text, "QUIET_SECONDS", 0.0)
    code, out, err = run(report_args(files["real"], files["synthetic"], tmp_path, "--jobs", "1", "--quiet"), capsys)
    assert code == 0 and out == "" and err == ""


def test_short_runs_print_no_progress_lines():
    clock = iter([0.0, 0.5, 1.0, 1.5, 6.0, 6.5, 7.5]).__next__
    stream = io.StringIO()
    lines = text._ProgressLines(stream, after=5.0, clock=clock)  # started at 0.0
    lines("start", "a", 0, 3)
    lines("end", "a", 1, 3)  # 1.0 s in: quiet
    lines("start", "b", 1, 3)
    lines("end", "b", 2, 3)  # 6.0 s in: b took 4.5 s
    lines("end", "c", 3, 3)  # no start seen (another process): time since the start
    assert stream.getvalue() == "sdq: [2/3] b done in 4.5 s\nsdq: [3/3] c done (6.5 s since the start)\n"


def test_on_a_terminal_progress_is_a_bar(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert isinstance(text.progress(False), text._ProgressBar)
    assert text.progress(True) is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert isinstance(text.progress(False), text._ProgressLines)


# -- the same file twice -------------------------------------------------------------------------


def test_a_warning_when_the_synthetic_file_is_the_real_file(files, tmp_path, capsys):
    real = files["real"]
    code, _, err = run(report_args(real, real, tmp_path, "--jobs", "1"), capsys)
    assert code == 0
    assert err == (
        f"sdq: warning: the synthetic and the real input are the same file ({real}): "
        "sdq will compare a table with itself\n"
    )
    code, _, err = run(report_args(real, real, tmp_path, "--jobs", "1", "--quiet"), capsys)
    assert code == 0 and err == ""


def test_a_warning_when_two_inputs_have_the_same_content(files, tmp_path, capsys):
    copy = tmp_path / "copy.csv"
    shutil.copy(files["real"], copy)
    args = report_args(files["real"], files["synthetic"], tmp_path, "--jobs", "1", "--holdout", copy)
    code, _, err = run(args, capsys)
    assert code == 0
    assert err == (
        f"sdq: warning: the holdout input ({copy}) has the same content as the real input ({files['real']}): "
        "sdq will compare a table with itself\n"
    )
    code, _, err = run(report_args(files["real"], files["synthetic"], tmp_path, "--jobs", "1"), capsys)
    assert code == 0 and err == ""  # different files: no warning


def test_compare_warns_when_a_candidate_is_the_real_file(files, tmp_path, capsys):
    args = ["compare", files["real"], f"gan={files['synthetic']}", f"copy={files['real']}", "--metrics", "statistics"]
    code, _, err = run(args + ["--output", tmp_path / "c.html", "--jobs", "1"], capsys)
    assert code == 0
    assert err == (
        f"sdq: warning: the candidate 'copy' and the real input are the same file ({files['real']}): "
        "sdq will compare a table with itself\n"
    )


def test_an_error_stays_the_only_line_on_stderr(files, tmp_path, capsys):
    real = files["real"]
    code, _, err = run(report_args(real, real, tmp_path, "--jobs", "1", "--target", "nope"), capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("sdq: error: --target names 'nope'")


# -- end to end ----------------------------------------------------------------------------------


def test_report_output_end_to_end(files, tmp_path, capsys):
    frame = pd.read_csv(files["synthetic"]).astype({"x": object})
    frame.loc[:1, "x"] = "n.a."
    indexed = tmp_path / "indexed.csv"
    frame.to_csv(indexed)  # with its index
    args = report_args(files["real"], indexed, tmp_path, "--jobs", "1", "--holdout", files["holdout"])
    code, out, err = run([*args[:4], "statistics", *args[5:]], capsys)
    assert code == 0 and err == ""
    assert out.splitlines()[0].split() == ["score", "holdout", "baseline", "interval", "verdict"]
    assert "  not run: " not in out  # only statistics was asked for
    assert out.split("\ndata warnings:\n", 1)[1].splitlines()[:2] == [
        f"  synthetic data ({indexed}): ignored its first column '', a pandas index saved with the file "
        "(unique integers; the real data has no such column)",
        f"  synthetic data ({indexed}): 2 values of 'x' could not be read as numeric and count as missing",
    ]

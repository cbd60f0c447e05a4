"""`sdq check`: thresholds from flags and config files, exit codes 0/1/2, JUnit and Markdown outputs."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sdq.cli import main

METRICS = "histogram_similarity,correlation,exact_match"
needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="config files need tomllib")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    from sdq.demo.data import load_fair, split

    folder = tmp_path_factory.mktemp("check")
    data = load_fair().sample(400, random_state=1).reset_index(drop=True)
    train, holdout = split(data, holdout_share=0.3, seed=0)
    rng = np.random.default_rng(0)
    synthetic = train.apply(lambda c: c.to_numpy()[rng.permutation(len(c))])  # columns shuffled apart
    paths = {"real": folder / "real.csv", "holdout": folder / "holdout.csv", "synthetic": folder / "synth.parquet"}
    train.to_csv(paths["real"], index=False)
    holdout.to_csv(paths["holdout"], index=False)
    synthetic.to_parquet(paths["synthetic"])
    return {k: str(v) for k, v in paths.items()}


def run(files, extra: list[str], capsys, metrics: str = METRICS) -> tuple[int, str, str]:
    code = main(
        ["check", files["real"], files["synthetic"], "--holdout", files["holdout"], "--metrics", metrics, *extra]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_all_pass_exits_0_and_prints_the_table(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # the columns are shuffled apart: correlation keeps about a tenth of the real association
    code, out, err = run(files, ["--fail-under", "fidelity=0.5", "--fail-under", "correlation=0.05*baseline"], capsys)
    assert code == 0, err
    assert "fidelity >= 0.50" in out and "correlation >= 0.05 * baseline" in out
    assert "2 of 2 thresholds passed" in out
    assert not (tmp_path / "reports").exists()  # check writes reports only when asked


def test_a_failed_threshold_exits_1_and_says_by_how_much(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(files, ["--fail-under", "fidelity=0.5,correlation=0.99"], capsys)
    assert code == 1, err
    line = next(line for line in out.splitlines() if "correlation >= 0.99" in line)
    assert line.startswith("FAILED") and "short by" in line
    assert "1 of 2 thresholds passed; 1 failed" in out


def test_quiet_prints_nothing_but_keeps_the_exit_code(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(files, ["--fail-under", "correlation=0.99", "--quiet"], capsys)
    assert (code, out, err) == (1, "", "")


def test_skipped_metric_fails_the_gate(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(files, ["--fail-under", "prediction=0.1"], capsys)  # not run / no target
    assert code == 1 and "prediction" in out and "was not run" in out


@pytest.mark.parametrize(
    "extra, needle",
    [
        ([], "no thresholds to check: give some with --fail-under"),
        (["--fail-under", "fidelty=0.8"], "unknown metric or family 'fidelty'"),
        (["--fail-under", "fidelity=80"], "[0, 1]"),
        (["--fail-under", "fidelity"], "expected TARGET=VALUE"),
        (["--config", "{tmp}/missing.toml"], "no such configuration file"),
        (["--config", "{tmp}/bad.toml"], "unknown metric or family 'corelation'"),
        (["--fail-under", "fidelity=0.5", "--junit", "{tmp}"], "cannot write"),
    ],
)
def test_bad_usage_or_config_exits_2_with_one_line(files, tmp_path, monkeypatch, capsys, extra, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("[thresholds]\ncorelation = 0.8\n")
    code, out, err = run(files, [a.format(tmp=tmp_path) for a in extra], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdq: error:") and needle in lines[0], err
    assert "Traceback" not in err


@needs_tomllib
def test_default_config_sdq_toml_then_pyproject(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.sdq.thresholds]\ncorrelation = 0.99\n")
    code, out, _ = run(files, [], capsys)
    assert code == 1 and "correlation >= 0.99" in out
    (tmp_path / "sdq.toml").write_text('[thresholds]\n"exact_match:ci_low" = 0.5\nfidelity = 0.5\n')
    code, out, _ = run(files, [], capsys)
    assert code == 0 and "ci_low(exact_match) >= 0.50" in out and "correlation" not in out
    # --fail-under adds to the config's thresholds
    code, out, _ = run(files, ["--fail-under", "correlation=0.99"], capsys)
    assert code == 1 and "2 of 3 thresholds passed" in out


def test_junit_markdown_and_reports(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    junit, md = tmp_path / "out" / "sdq.xml", tmp_path / "summary.md"
    code, _, err = run(
        files,
        [
            "--fail-under",
            "fidelity=0.5,correlation=0.99,exact_match:ci_low=0.5",
            "--junit",
            str(junit),
            "--markdown",
            str(md),
            "--json",
            "r.json",
            "--output",
            "r.html",
            "--cdn",
            "--quiet",
        ],
        capsys,
    )
    assert code == 1, err
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuite" and root.get("name") == "sdq"
    assert root.get("tests") == "3" and root.get("failures") == "1"
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == ["fidelity >= 0.50", "correlation >= 0.99", "ci_low(exact_match) >= 0.50"]
    failure = cases[1].find("failure")
    report = json.loads((tmp_path / "r.json").read_text())
    score = next(m for m in report["metrics"] if m["name"] == "correlation")["score"]
    assert f"score={score:.3f}" in failure.get("message") and "threshold=0.990" in failure.get("message")
    assert "baseline=" in failure.get("message") and "interval=" in failure.get("message")
    text = md.read_text()
    assert text.startswith("### sdq check: 1 of 3 thresholds failed")
    assert "| ❌ | `correlation >= 0.99` |" in text and text.count("| ✅ |") == 2
    assert Path("r.html").read_text().startswith("<!DOCTYPE html>")


def test_report_command_still_works(files, tmp_path, capsys):
    code = main(
        [
            "report",
            files["real"],
            files["synthetic"],
            "--metrics",
            "histogram_similarity",
            "--json",
            str(tmp_path / "x.json"),
            "--output",
            str(tmp_path / "x.html"),
            "--cdn",
            "--quiet",
        ]
    )
    assert code == 0 and (tmp_path / "x.json").is_file()


def test_without_metrics_only_the_thresholds_metrics_run(files, tmp_path, monkeypatch, capsys):
    import sdq

    monkeypatch.chdir(tmp_path)
    from sdq.engine.evaluate import Evaluation

    seen = []
    real_init = Evaluation.__init__

    def spy(self, real, holdout=None, options=None, **kwargs):
        seen.append(options.metrics)
        real_init(self, real, holdout, options, **kwargs)

    monkeypatch.setattr(Evaluation, "__init__", spy)
    code = main(
        [
            "check",
            files["real"],
            files["synthetic"],
            "--holdout",
            files["holdout"],
            "--quiet",
            "--fail-under",
            "privacy=0.5,histogram_similarity:age=0.5",
        ]
    )
    assert code == 0
    assert seen == [sdq.metric_names("privacy") + ["histogram_similarity"]]

"""The command line: outputs, exit codes and one-line errors (never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n = 300
    real = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(1),
            "income": rng.lognormal(10, 0.5, n).round(2),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
        }
    )
    real["spend"] = (real["income"] * 0.1 + rng.normal(0, 50, n)).round(2)
    holdout = real.sample(frac=1.0, random_state=1).reset_index(drop=True).iloc[:150]
    synthetic = real.apply(lambda c: c.sample(frac=1.0, random_state=2).to_numpy())
    paths = {
        "real": tmp_path / "real.csv",
        "holdout": tmp_path / "holdout.parquet",
        "synthetic": tmp_path / "synth.csv",
    }
    real.to_csv(paths["real"], index=False)
    holdout.to_parquet(paths["holdout"])
    synthetic.to_csv(paths["synthetic"], index=False)
    return paths


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_report_writes_html_and_json_to_reports_by_default(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(
        ["report", str(files["real"]), str(files["synthetic"]), "--holdout", str(files["holdout"]), "--seed", "3"],
        capsys,
    )
    assert code == 0, err
    html, js = tmp_path / "reports" / "synth.html", tmp_path / "reports" / "synth.json"
    assert html.is_file() and js.is_file()
    data = json.loads(js.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert data["config"]["seed"] == 3
    assert data["data"]["holdout"] == {"rows": 150, "columns": 4}
    assert [m["name"] for m in data["metrics"]] == sdq.metric_names()
    assert "fidelity" in out and "holdout baseline" in out
    # not a terminal: no progress bar; on a slow machine (a run past QUIET_SECONDS) progress lines only
    assert all(line.startswith("sdq: [") and " done " in line for line in err.splitlines()), err


def test_report_explicit_paths_metrics_and_quiet(files, tmp_path, capsys):
    html, js = tmp_path / "out" / "r.html", tmp_path / "j" / "r.json"
    code, out, err = run(
        [
            "report",
            str(files["real"]),
            str(files["synthetic"]),
            "--metrics",
            "histogram_similarity,correlation",
            "--output",
            str(html),
            "--json",
            str(js),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert out == "" and err == ""
    data = json.loads(js.read_text())
    assert [m["name"] for m in data["metrics"]] == ["histogram_similarity", "correlation"]
    assert all(m["baseline"] is None for m in data["metrics"])  # no holdout given
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_column_type_and_exclude_flags(files, tmp_path, capsys):
    js = tmp_path / "r.json"
    code, _, err = run(
        [
            "report",
            str(files["real"]),
            str(files["synthetic"]),
            "--column-type",
            "age=categorical",
            "--exclude",
            "spend",
            "--json",
            str(js),
            "--output",
            str(tmp_path / "r.html"),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    columns = {c["name"]: c for c in json.loads(js.read_text())["data"]["columns"]}
    assert columns["age"]["kind"] == "categorical" and columns["age"]["reason"] == "set by the user"
    assert columns["spend"]["role"] == "excluded"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["report", "{real}", "{tmp}/nope.csv"], "no such file"),
        (["report", "{real}", "{tmp}"], "is a directory"),
        (["report", "{real}", "{synthetic}", "--seed", "minus-one"], "--seed"),
        (["report", "{real}", "{synthetic}", "--metrics", "no_such_metric"], "no_such_metric"),
        (["report", "{real}", "{synthetic}", "--target", "nope"], "nope"),
        (["report", "{real}", "{synthetic}", "--column-type", "age=weird"], "weird"),
        (["report", "{real}", "{synthetic}", "--column-type", "ghost=numeric"], "ghost"),
        (["report", "{real}", "{synthetic}", "--task", "clustering"], "clustering"),
        (["report", "{real}"], "required"),
        (["frobnicate"], "invalid choice"),
        (["report", "{real}", "{empty}"], "empty"),
        (["report", "{real}", "{other}"], "missing column"),
        (["report", "{real}", "{badext}"], "unknown file type"),
    ],
)
def test_bad_input_exits_2_with_one_line(files, tmp_path, capsys, args, needle):
    (tmp_path / "empty.csv").write_bytes(b"")
    pd.DataFrame({"age": [1.0, 2.0], "other": ["a", "b"]}).to_csv(tmp_path / "other.csv", index=False)
    (tmp_path / "x.xlsx").write_bytes(b"not a spreadsheet")
    mapping = {
        "real": files["real"],
        "synthetic": files["synthetic"],
        "tmp": tmp_path,
        "empty": tmp_path / "empty.csv",
        "other": tmp_path / "other.csv",
        "badext": tmp_path / "x.xlsx",
    }
    code, out, err = run([a.format(**mapping) for a in args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sdq: error:")
    assert needle in lines[0]
    assert "Traceback" not in err


def test_unreadable_parquet_is_one_line(files, tmp_path, capsys):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(files["holdout"].read_bytes()[:100])
    code, _, err = run(["report", str(files["real"]), str(broken)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "broken.parquet" in err


def test_help_and_version_exit_0(capsys):
    assert run(["--version"], capsys) == (0, f"sdq {sdq.__version__}\n", "")
    code, out, err = run(["report", "--help"], capsys)
    assert code == 0 and out.startswith("usage: sdq report") and "--holdout" in out and err == ""


def test_console_script_runs_as_module(files, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-m", "sdq", "report", str(files["real"]), str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_a_closed_pipe_stops_quietly(files, tmp_path):
    """`sdq report ... | true`: no traceback and no error line when the reader has gone away."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    args = [sys.executable, "-m", "sdq", "report", str(files["real"]), str(files["synthetic"])]
    args += ["--metrics", "statistics", "--output", str(tmp_path / "r.html"), "--jobs", "1"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # the reader goes away before sdq prints its table
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, as a shell reports it
    assert stderr == b""
    assert (tmp_path / "r.html").is_file()  # the reports were written before the table

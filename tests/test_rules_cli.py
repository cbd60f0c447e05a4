"""Rules on the command line: ``sdq rules suggest``, ``--rules``, ``--mine-rules``, ``[rules]`` in
``sdq.toml``, and the exit codes (0 done, 1 a threshold failed, 2 a bad rule or usage, one line)."""

from __future__ import annotations

import json
import sys

import pytest

from sdq.cli import main
from sdq.rules import read_rules

needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="rules files need tomllib")
pytestmark = needs_tomllib


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    from sdq.demo.data import load_fair, split

    folder = tmp_path_factory.mktemp("rules")
    train, holdout = split(load_fair().sample(1500, random_state=1).reset_index(drop=True), 0.3, seed=0)
    broken = train.copy()
    broken.loc[: len(broken) // 4, "yrs_married"] = 45.0  # a quarter married longer than alive
    paths = {name: folder / f"{name}.csv" for name in ("real", "holdout", "copy", "broken")}
    train.to_csv(paths["real"], index=False)
    holdout.to_csv(paths["holdout"], index=False)
    train.sample(frac=1.0, random_state=3).to_csv(paths["copy"], index=False)
    broken.to_csv(paths["broken"], index=False)
    return {k: str(v) for k, v in paths.items()}


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_suggest_prints_or_writes_the_rules(files, tmp_path, capsys):
    code, out, err = _run(["rules", "suggest", files["real"]], capsys)
    assert code == 0, err
    assert out.startswith("# Rules mined by `sdq rules suggest` from real.csv (1,050 rows, 9 columns)")
    assert "yrs_married_lt_age = 'yrs_married < age'" in out and "[rules]" in out
    path = tmp_path / "rules.toml"
    code, out, err = _run(["rules", "suggest", files["real"], "--output", str(path)], capsys)
    assert code == 0 and f"rules mined from 1,050 rows to {path}" in out
    code, out, err = _run(["rules", "suggest", files["real"], "--output", str(path)], capsys)
    assert code == 2 and err == f"sdq: error: {path} exists; use --force to overwrite it\n"
    code, _, err = _run(
        ["rules", "suggest", files["real"], "--output", str(path), "--force", "--tolerance", "0.01"], capsys
    )
    assert code == 0, err
    code, _, err = _run(["rules", "suggest", files["real"], "--tolerance", "0.7"], capsys)
    assert code == 2 and "--tolerance: must be in [0, 0.5)" in err and err.count("\n") == 1


def test_suggest_then_report_with_the_file_reads_back_the_same_rules(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rules.toml"
    assert _run(["rules", "suggest", files["real"], "--output", str(path)], capsys)[0] == 0
    written = read_rules(path)
    out_json = tmp_path / "report.json"
    args = ["report", files["real"], files["broken"], "--holdout", files["holdout"], "--rules", str(path)]
    code, out, err = _run([*args, "--metrics", "rules", "--json", str(out_json), "--quiet", "--jobs", "1"], capsys)
    assert code == 0, err
    report = json.loads(out_json.read_text())
    assert list(report["config"]["rules"]) == [r.name for r in written]
    result = next(m for m in report["metrics"] if m["name"] == "rules")
    assert result["status"] == "ok" and result["score"] < result["baseline"]
    entries = {e["column"]: e for e in result["details"]["columns"]}
    assert set(entries) == {r.name for r in written} and {e["source"] for e in entries.values()} == {"given"}
    assert entries["yrs_married_lt_age"]["violations"]["synthetic_full"] == 1050 // 4 + 1


def test_mine_rules_on_report(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out_json = tmp_path / "mined.json"
    args = ["report", files["real"], files["copy"], "--holdout", files["holdout"], "--mine-rules", "--metrics", "rules"]
    code, out, err = _run([*args, "--json", str(out_json), "--jobs", "1"], capsys)
    assert code == 0, err
    assert "rules" in out
    result = json.loads(out_json.read_text())["metrics"][0]
    assert result["status"] == "ok" and result["score"] == 1.0 and result["details"]["rules"]["mined"] > 10


def test_rules_in_sdq_toml_are_checked_and_gated(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sdq.toml").write_text(
        '[thresholds]\nrules = 0.95\n\n[rules]\nmarried_after_born = "yrs_married <= age"\n'
        'rating = { column = "rate_marriage", in = ["very poor", "poor", "fair", "good", "very good"] }\n'
    )
    base = ["check", files["real"]]
    code, out, err = _run([*base, files["copy"], "--holdout", files["holdout"]], capsys)
    assert code == 0, err
    assert "rules >= 0.95" in out
    code, out, err = _run([*base, files["broken"], "--holdout", files["holdout"]], capsys)
    assert code == 1 and "FAILED" in out
    # a per-rule gate, from the command line, reads the same config's rules
    code, out, _ = _run(
        [*base, files["broken"], "--holdout", files["holdout"], "--fail-under", "rules:rating=0.99"], capsys
    )
    assert "rules:rating >= 0.99" in out
    # sdq report reads the [rules] table of ./sdq.toml too
    out_json = tmp_path / "r.json"
    code, _, err = _run(
        ["report", files["real"], files["broken"], "--metrics", "rules", "--json", str(out_json), "--quiet"], capsys
    )
    assert code == 0, err
    assert list(json.loads(out_json.read_text())["config"]["rules"]) == ["married_after_born", "rating"]


@pytest.mark.parametrize(
    "rules, message",
    [
        ('[rules]\nbad = "__import__(\\"os\\").system(\\"true\\")"\n', "Rule 'bad': unknown function '__import__'"),
        ('[rules]\nbad = "agee <= 30"\n', "Rule 'bad': unknown column 'agee'; did you mean 'age'?"),
        ('[rules]\nbad = "age +"\n', "Rule 'bad': expected a value"),
        ('[rules]\nbad = { expr = "age > 1", level = "high" }\n', "Rule 'bad': unknown key(s) ['level']"),
        ("[rules\n", "not valid TOML"),
        ("[thresholds]\nfidelity = 0.5\n", "no rules"),
    ],
)
def test_a_bad_rules_file_exits_2_with_one_line(files, tmp_path, monkeypatch, capsys, rules, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "rules.toml"
    path.write_text(rules)
    code, out, err = _run(["report", files["real"], files["copy"], "--rules", str(path)], capsys)
    assert code == 2 and err.startswith("sdq: error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "reports").exists()  # nothing ran


def test_rules_are_checked_chunk_by_chunk_too(files, tmp_path, capsys):
    # the chunked reader checks row rules on every row and the whole-data-set ones on its samples
    out = tmp_path / "chunked.json"
    args = ["report", files["real"], files["broken"], "--chunk-rows", "100", "--mine-rules", "--json", str(out)]
    code, _, err = _run([*args, "--output", str(tmp_path / "chunked.html"), "--metrics", "rules"], capsys)
    assert code == 0, err
    rules = next(m for m in json.loads(out.read_text())["metrics"] if m["name"] == "rules")
    assert rules["status"] == "ok", rules.get("message")

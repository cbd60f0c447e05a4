"""Files read chunk by chunk (sdq.engine.chunked, the serial engine of sdq.engine.scaled): the same
scores as in memory where the samples hold every row, the same report whatever the chunks, bad
inputs named. (The engine itself: tests/test_scaled.py; on Dask: tests/test_dask.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

import sdq
from sdq.cli import main
from sdq.engine.chunked import ChunkSource, evaluate_chunked

METRICS = ["statistics", "histogram_similarity", "tails", "mutual_information", "correlation"]


@pytest.fixture()
def parquet_files(fair_split, tmp_path):
    train, holdout = fair_split
    # as many rows as the holdout: in memory a larger synthetic set is scored at the holdout's size
    # (a seeded subsample), which the chunked reader does not do
    synthetic = train.sample(n=len(holdout), replace=True, random_state=1).reset_index(drop=True)
    paths = {}
    for name, frame in (("real", train), ("holdout", holdout), ("synthetic", synthetic)):
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    return paths, (train, synthetic, holdout)


def test_equals_the_in_memory_metrics_when_the_sample_holds_every_row(parquet_files):
    paths, (train, synthetic, holdout) = parquet_files
    chunked = evaluate_chunked(paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=700, metrics=METRICS)
    memory = sdq.evaluate(train, synthetic, holdout, metrics=METRICS)
    for name in METRICS:
        assert chunked[name].status == memory[name].status
        assert chunked[name].message == memory[name].message  # tails: too few distinct values here
        if memory[name].status != "ok":
            continue
        assert chunked[name].score == pytest.approx(memory[name].score, abs=1e-12)
        assert chunked[name].baseline == pytest.approx(memory[name].baseline, abs=1e-12)
        # the bootstraps resample the seeded samples, which hold every row here
        assert chunked[name].ci == pytest.approx(memory[name].ci, abs=1e-12)
    assert chunked["mutual_information"].details["bootstrap"] == "rows"
    assert chunked.data["real"]["rows"] == len(train) and chunked.data["holdout"]["rows"] == len(holdout)
    engine = chunked.manifest["engine"]
    assert engine["name"] == "chunked" and engine["chunk_rows"] == 700
    assert engine["samples"] == {"real": len(train), "synthetic": len(synthetic), "holdout": len(holdout)}
    assert set(engine["sketch_rank_error"].values()) == {0.0}  # every sketch exact at this size


def test_scores_do_not_depend_on_the_chunk_size(parquet_files):
    paths, _ = parquet_files
    # samples smaller than the files: drawn by position, the same rows whatever the chunks
    a = evaluate_chunked(paths["real"], paths["synthetic"], chunk_rows=300, sample_rows=1000, metrics=METRICS)
    b = evaluate_chunked(paths["real"], paths["synthetic"], chunk_rows=1100, sample_rows=1000, metrics=METRICS)
    # the same (float sums over other chunks aside, which move the last digits)
    for x, y in zip(a.metrics, b.metrics):
        assert (x.name, x.status) == (y.name, y.status)
        if x.status == "ok":
            assert x.score == pytest.approx(y.score, abs=1e-12)
            assert x.ci == pytest.approx(y.ci, abs=1e-12)
    assert a.manifest["engine"]["samples"]["real"] == 1000


def test_metrics_that_cannot_run_are_skipped_with_the_reason(parquet_files):
    paths, _ = parquet_files
    report = evaluate_chunked(
        paths["real"], paths["synthetic"], metrics=["histogram_similarity", "autocorrelation", "rules"]
    )
    assert report["autocorrelation"].status == "skipped" and "no time column" in report["autocorrelation"].message
    assert report["rules"].status == "skipped" and "no rules were given" in report["rules"].message
    assert report["histogram_similarity"].baseline is None  # no holdout given
    with pytest.raises(sdq.InputError, match="show_records"):
        evaluate_chunked(paths["real"], paths["synthetic"], show_records=True)


def test_a_reader_callable_and_ranking(fair_split):
    train, holdout = fair_split
    rng = np.random.default_rng(0)
    shuffled = train.copy()
    for c in shuffled.columns:
        shuffled[c] = rng.permutation(shuffled[c].to_numpy())

    def reader(frame, size=1000):
        return lambda: (frame.iloc[i : i + size] for i in range(0, len(frame), size))

    fresh = evaluate_chunked(reader(train), reader(holdout), metrics=METRICS)
    broken = evaluate_chunked(reader(train), reader(shuffled), metrics=METRICS)
    assert broken["histogram_similarity"].score > 0.99  # shuffling keeps every marginal
    assert fresh["mutual_information"].score > broken["mutual_information"].score + 0.15


def test_bad_sources_are_input_errors(parquet_files, tmp_path):
    paths, (train, _, _) = parquet_files
    with pytest.raises(sdq.InputError, match="no such file"):
        evaluate_chunked(tmp_path / "nope.parquet", paths["synthetic"])
    with pytest.raises(sdq.InputError, match="needs a .parquet, .csv or .tsv"):
        ChunkSource(_touch(tmp_path / "x.json"))
    truncated = tmp_path / "cut.parquet"
    truncated.write_bytes(paths["real"].read_bytes()[:200])
    with pytest.raises(sdq.InputError, match="cut.parquet"):
        evaluate_chunked(truncated, paths["synthetic"])
    fewer = tmp_path / "fewer.parquet"
    train.drop(columns=["age"]).to_parquet(fewer)
    with pytest.raises(sdq.InputError, match="missing column"):
        evaluate_chunked(paths["real"], fewer)
    with pytest.raises(sdq.ConfigError, match="chunk_rows"):
        ChunkSource(paths["real"], chunk_rows=0)


def _touch(path):
    path.write_text("{}", encoding="utf-8")
    return path


def test_cli_chunk_rows(parquet_files, tmp_path, capsys):
    paths, _ = parquet_files
    out = tmp_path / "r.html"
    code = main(
        [
            "report",
            str(paths["real"]),
            str(paths["synthetic"]),
            "--holdout",
            str(paths["holdout"]),
            "--chunk-rows",
            "1000",
            "--target",
            "age",
            "--metrics",
            "statistics,correlation,detection,prediction,exact_match,autocorrelation",
            "--output",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.with_suffix(".json").read_text())
    by_name = {m["name"]: m for m in data["metrics"]}
    assert {n: m["status"] for n, m in by_name.items()} == {
        "statistics": "ok",
        "correlation": "ok",
        "detection": "ok",
        "prediction": "ok",
        "exact_match": "ok",
        "autocorrelation": "skipped",
    }
    assert by_name["statistics"]["baseline"] > 0.9 and by_name["correlation"]["baseline"] > 0.8
    assert data["manifest"]["engine"]["metrics"]["detection"] == "sample"
    code = main(["report", str(paths["real"]), str(paths["synthetic"]), "--chunk-rows", "1000", "--show-records"])
    assert code == 2 and "--show-records" in capsys.readouterr().err
    code = main(["report", str(paths["real"]), str(paths["synthetic"]), "--sample-rows", "500"])
    assert code == 2 and "--sample-rows goes with" in capsys.readouterr().err


def test_csv_codes_read_alike_whatever_the_chunk_size(tmp_path):
    # "007" in chunks of digits only would be read as the number 7, and as text elsewhere
    rng = np.random.default_rng(0)
    n = 4000
    codes = np.array(["007", "010", "042"])[rng.integers(0, 3, n)].astype(object)
    codes[: n // 2][rng.random(n // 2) < 0.1] = "A1"
    import pandas as pd

    real = pd.DataFrame({"code": codes, "x": rng.normal(size=n)})
    real.to_csv(tmp_path / "r.csv", index=False)
    real.sample(frac=1.0, random_state=1).to_csv(tmp_path / "s.csv", index=False)
    for chunk_rows in (100_000, 500):
        report = evaluate_chunked(
            tmp_path / "r.csv", tmp_path / "s.csv", chunk_rows=chunk_rows, metrics=["histogram_similarity"]
        )
        assert report.scores["histogram_similarity"] == pytest.approx(1.0, abs=1e-12), chunk_rows


def test_columns_are_forgiven_and_checked_as_in_memory(fair_split, tmp_path, capsys):
    # the same rules as data that fits in memory: a saved pandas index that another input lacks is
    # ignored with a note, --exclude drops a column only the synthetic file has, and any other extra
    # column is an error that names it and the flag that fixes it (it used to be ignored silently)
    train, holdout = fair_split
    synthetic = train.sample(frac=1.0, replace=True, random_state=2).reset_index(drop=True)
    real_csv, synth_csv = tmp_path / "real.csv", tmp_path / "synth.csv"
    train.to_csv(real_csv, index=False)
    synthetic.assign(zip="12345").to_csv(synth_csv)  # with its index, and an extra column
    base = ["report", str(real_csv), str(synth_csv), "--chunk-rows", "1000", "--quiet", "--metrics", ",".join(METRICS)]
    out = ["--output", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")]
    assert main(base + out) == 2
    err = capsys.readouterr().err
    assert "extra column(s) ['zip']" in err and "--exclude zip" in err
    assert main(base + out + ["--exclude", "zip"]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert any("pandas index saved with the file" in line for line in report["data"]["warnings"])
    assert main(base + out + ["--exclude", "zipp"]) == 2
    assert "not a column of any input" in capsys.readouterr().err
    # the scores equal those of the same frames without the index and the extra column
    memory = sdq.evaluate(train, synthetic, metrics=METRICS)
    for name in METRICS:
        assert report["metrics"][[m["name"] for m in report["metrics"]].index(name)]["score"] == pytest.approx(
            memory[name].score, abs=1e-12
        )

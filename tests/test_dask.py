"""The Dask engine (sdq.engine.dask_engine) on a local cluster of two workers in this process:
the report of the chunked reader and of sdq.evaluate, from Dask DataFrames or Parquet files,
paths, globs and directories, through the API and the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main
from sdq.engine.chunked import evaluate_chunked
from tests.test_scaled import FIDELITY, _diff, _frames

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=40
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def parquet_inputs(tmp_path_factory):
    """Small mixed frames, the real one written as a directory of parts and the synthetic one as
    files a glob finds."""
    from tests.conftest import _mixed

    real, synthetic, holdout = _mixed(600, 0), _mixed(400, 1), _mixed(400, 2)
    folder = tmp_path_factory.mktemp("parquet")
    (folder / "real").mkdir()
    for k, rows in enumerate(np.array_split(np.arange(len(real)), 3)):
        real.iloc[rows].to_parquet(folder / "real" / f"part-{k}.parquet")
    for k, rows in enumerate(np.array_split(np.arange(len(synthetic)), 2)):
        synthetic.iloc[rows].to_parquet(folder / f"synthetic-{k}.parquet")
    holdout.to_parquet(folder / "holdout.parquet")
    paths = {
        "real": folder / "real",
        "synthetic": str(folder / "synthetic-*.parquet"),
        "holdout": folder / "holdout.parquet",
    }
    return paths, (real, synthetic, holdout)


def test_the_dask_engine_gives_the_report_of_the_chunked_reader(client, mixed_factory, tmp_path):
    real, synthetic, holdout = _frames(mixed_factory, 800)
    # every way a metric runs (the utility models run on the samples as detection does, and take longest)
    metrics = [*FIDELITY, "rules", "detection", "qscore", "exact_match", "neighbours_privacy"]
    metrics += ["membership_inference", "outlier_privacy", "autocorrelation"]
    options = dict(metrics=metrics, mine_rules=True, config=sdq.Config(n_bootstrap=50))
    on_dask = sdq.evaluate(
        dd.from_pandas(real, npartitions=3),
        dd.from_pandas(synthetic, npartitions=2),
        dd.from_pandas(holdout, npartitions=2),
        engine="dask",
        scheduler=client,
        **options,
    )
    paths = {}
    for name, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    chunked = evaluate_chunked(paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=500, **options)
    for ours, theirs in zip(on_dask.metrics, chunked.metrics):
        assert _diff(ours.to_dict(), theirs.to_dict()) == [], ours.name
    engine = on_dask.manifest["engine"]
    assert engine["name"] == "dask" and engine["workers"] == 2
    assert engine["partitions"] == {"real": 3, "synthetic": 2, "holdout": 2}
    assert engine["samples"] == {"real": len(real), "synthetic": len(synthetic), "holdout": len(holdout)}
    assert on_dask.manifest["data_hashes"] == chunked.manifest["data_hashes"]  # whatever the pieces


def test_fidelity_equals_the_in_memory_scores(client, parquet_inputs):
    paths, (real, synthetic, holdout) = parquet_inputs
    on_dask = sdq.evaluate(
        paths["real"], paths["synthetic"], paths["holdout"], engine="dask", scheduler=client, metrics=FIDELITY
    )
    memory = sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY)
    for name in FIDELITY:
        assert on_dask[name].status == memory[name].status == "ok"
        assert on_dask[name].score == pytest.approx(memory[name].score, abs=1e-9)
        assert on_dask[name].baseline == pytest.approx(memory[name].baseline, abs=1e-9)
        assert on_dask[name].ci == pytest.approx(memory[name].ci, abs=1e-9)


def test_cli_reads_a_parquet_directory_on_a_scheduler(client, parquet_inputs, tmp_path, capsys):
    paths, (real, synthetic, holdout) = parquet_inputs
    out = tmp_path / "r.html"
    metrics = "statistics,correlation,detection,exact_match,neighbours_privacy"
    code = main(
        [
            "report",
            str(paths["real"]),
            paths["synthetic"],
            "--holdout",
            str(paths["holdout"]),
            "--engine",
            "dask",
            "--scheduler",
            client.scheduler.address,
            "--metrics",
            metrics,
            "--output",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.with_suffix(".json").read_text())
    memory = sdq.evaluate(real, synthetic, holdout, metrics=metrics.split(",")).to_dict()
    assert data.keys() == memory.keys()  # the same shape as a report made in memory
    assert data["data"]["real"] == {"rows": len(real), "columns": real.shape[1]}
    assert [m["status"] for m in data["metrics"]] == ["ok"] * 5
    engine = data["manifest"]["engine"]
    assert engine["scheduler"] == client.scheduler.address and engine["partitions"]["real"] == 3
    assert engine["metrics"]["neighbours_privacy"] == "distributed"
    neighbours = data["metrics"][4]["details"]["rows"]
    assert neighbours["training"] == len(real) and neighbours["synthetic"] == len(synthetic)  # queries recorded


def test_bad_inputs_are_named(client, parquet_inputs, tmp_path, capsys):
    paths, (real, _, _) = parquet_inputs
    with pytest.raises(sdq.InputError, match="no file matches"):
        sdq.evaluate(str(tmp_path / "none-*.parquet"), paths["holdout"], engine="dask", scheduler=client)
    (tmp_path / "empty").mkdir()
    with pytest.raises(sdq.InputError, match="holds no Parquet files"):
        sdq.evaluate(tmp_path / "empty", paths["holdout"], engine="dask", scheduler=client)
    real.to_csv(tmp_path / "real.csv", index=False)
    with pytest.raises(sdq.InputError, match="reads Parquet"):
        sdq.evaluate(tmp_path / "real.csv", paths["holdout"], engine="dask", scheduler=client)
    with pytest.raises(sdq.InputError, match="sensitive"):
        sdq.evaluate(paths["real"], paths["holdout"], engine="dask", scheduler=client, sensitive=real)
    fewer = dd.from_pandas(real.drop(columns=["num2"]), npartitions=2)
    with pytest.raises(sdq.InputError, match="num2"):
        sdq.evaluate(paths["real"], fewer, engine="dask", scheduler=client)
    with pytest.raises(sdq.InputError, match="engine='dask'"):
        sdq.evaluate(dd.from_pandas(real, npartitions=2), real)
    code = main(["report", str(paths["real"]), str(paths["holdout"]), "--engine", "dask", "--chunk-rows", "10"])
    assert code == 2 and "cannot go with --engine dask" in capsys.readouterr().err
    code = main(["report", str(paths["real"]), str(paths["holdout"]), "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "--scheduler" in capsys.readouterr().err


def test_pandas_frames_are_split_into_partitions(client):
    frame = pd.DataFrame({"x": np.arange(300.0), "c": ["a", "b", "c"] * 100})
    report = sdq.evaluate(frame, frame.copy(), engine="dask", scheduler=client, metrics=["histogram_similarity"])
    assert report.scores["histogram_similarity"] == pytest.approx(1.0)

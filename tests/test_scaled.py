"""The report on data held in pieces (sdq.engine.scaled), run here by the serial engine of
sdq.engine.chunked (the Dask engine runs the same functions: tests/test_dask.py).

Stated tolerance: where every sketch is exact (at most ``sketch_size`` distinct values per column)
and the samples hold every row, every metric equals the in-memory one to 1e-9 (privacy metrics too,
given the rows in the order sdq.evaluate puts them in, since both draw their query rows by position);
with compressed sketches of rank error below 5e-4, the fidelity scores are within 0.005 of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import build_tables
from sdq.engine.aggregates import Part
from sdq.engine.chunked import evaluate_chunked
from sdq.engine.evaluate import Evaluation
from sdq.engine.options import Options
from sdq.engine.rows import RowPlan, RowVectors
from sdq.metrics.privacy.distance import search
from sdq.prepare import prepare
from tests.known_quality import shuffled

ROOT = Path(__file__).resolve().parents[1]
FIDELITY = ["statistics", "histogram_similarity", "tails", "mutual_information", "correlation"]


def _diff(a, b, path="", tol=1e-9) -> list[str]:
    """Where two JSON-like values differ beyond ``tol`` (relative, for numbers)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one" for k in set(a) ^ set(b)]
        return out + [d for k in set(a) & set(b) for d in _diff(a[k], b[k], f"{path}.{k}", tol)]
    if isinstance(a, list) and isinstance(b, list):
        out = [f"{path}: {len(a)} vs {len(b)} items"] if len(a) != len(b) else []
        return out + [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]", tol)]
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, (int, float)):
        return [] if abs(a - b) <= tol * max(1.0, abs(a), abs(b)) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def _frames(mixed_factory, n: int = 1500):
    real, synthetic, holdout = mixed_factory(n, 0), mixed_factory(n * 3 // 5, 1), mixed_factory(n * 3 // 5, 2)
    for frame, seed in ((real, 0), (synthetic, 1), (holdout, 2)):
        rng = np.random.default_rng(seed)
        frame["note"] = [f"a free text answer of some length, variant {v}" for v in rng.integers(0, 800, len(frame))]
    return real, synthetic, holdout


def _in_canonical_order(real, synthetic, holdout, **options):
    """The frames with their rows in the order sdq.evaluate scores them (by content)."""
    evaluation = Evaluation(real, holdout, Options.make(**options))
    prepared = prepare(build_tables(evaluation.schema, real, synthetic, holdout), evaluation.config)
    order = {name: prepared.frames[name].positions for name in ("real", "synthetic", "holdout")}
    return tuple(
        f.iloc[order[name]].reset_index(drop=True)
        for f, name in ((real, "real"), (synthetic, "synthetic"), (holdout, "holdout"))
    )


def _parquet(tmp_path, **frames) -> dict:
    paths = {}
    for name, frame in frames.items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    return paths


def test_every_metric_equals_the_in_memory_one(mixed_factory, tmp_path):
    real, synthetic, holdout = _in_canonical_order(*_frames(mixed_factory, 1000), target="flag")
    rules = {"num_range": "num2 > -10", "grey_or_not": {"column": "cat", "in": ["red", "green", "blue", "grey"]}}
    options = dict(target="flag", rules=rules, config=sdq.Config(n_bootstrap=50, models=("linear",)))
    paths = _parquet(tmp_path, real=real, synthetic=synthetic, holdout=holdout)
    pieces = evaluate_chunked(paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=400, **options)
    memory = sdq.evaluate(real, synthetic, holdout, **options)
    assert [m.name for m in pieces.metrics] == [m.name for m in memory.metrics]
    how = pieces.manifest["engine"]["metrics"]
    for ours, theirs in zip(pieces.metrics, memory.metrics):
        if how[ours.name] == "skipped" and theirs.status == "ok":  # e.g. the attacks: no distributed form
            assert ours.status == "skipped" and "no distributed form" in ours.message, ours.name
            continue
        assert _diff(ours.to_dict(), theirs.to_dict()) == [], (ours.name, theirs.warnings, ours.warnings)
    judged = [m.name for m in pieces.metrics if how[m.name] != "skipped"]
    assert {"singling_out", "linkability", "attribute_inference"}.isdisjoint(judged)
    assert {"exact_match", "neighbours_privacy", "membership_inference", "outlier_privacy"} <= set(judged)
    assert pieces.to_dict().keys() == memory.to_dict().keys()
    assert how["statistics"] == "aggregates" and how["detection"] == "sample"
    assert how["neighbours_privacy"] == "distributed" and how["autocorrelation"] == "skipped"


def test_compressed_sketches_stay_within_the_stated_tolerance(mixed_factory, tmp_path):
    real, synthetic, holdout = mixed_factory(12_000, 0), mixed_factory(12_000, 1), mixed_factory(12_000, 2)
    synthetic["num2"] = synthetic["num2"] * 1.1 + 0.05  # a shifted column: scores below 1
    paths = _parquet(tmp_path, real=real, synthetic=synthetic, holdout=holdout)
    pieces = evaluate_chunked(
        paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=3000, sketch_size=6000, metrics=FIDELITY
    )
    memory = sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY)
    errors = pieces.manifest["engine"]["sketch_rank_error"]
    assert 0 < max(errors.values()) < 5e-4  # compressed, and within the stated range
    for name in FIDELITY:
        assert pieces[name].score == pytest.approx(memory[name].score, abs=0.005), name
        assert pieces[name].baseline == pytest.approx(memory[name].baseline, abs=0.005), name
    assert memory["tails"].score < 0.95  # the shift is seen, by both


def test_scores_rank_data_of_known_quality(fair_split, tmp_path):
    train, holdout = fair_split
    copy = train.sample(n=len(holdout), random_state=3).reset_index(drop=True)
    broken = shuffled(holdout, seed=1)
    metrics = ["mutual_information", "correlation", "exact_match", "neighbours_privacy"]
    reports = {}
    for name, frame in (("fresh", holdout), ("shuffled", broken), ("copy", copy)):
        paths = _parquet(tmp_path, real=train, synthetic=frame, holdout=holdout)
        reports[name] = evaluate_chunked(
            paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=2500, metrics=metrics
        ).scores
    assert reports["shuffled"]["mutual_information"] < 0.3 < 0.85 < reports["fresh"]["mutual_information"]
    assert reports["shuffled"]["correlation"] < 0.3 < 0.85 < reports["fresh"]["correlation"]
    # copies of training rows are found among every training row; fresh rows are not
    assert reports["copy"]["exact_match"] < 0.1 < 0.9 < reports["fresh"]["exact_match"]
    assert reports["copy"]["neighbours_privacy"] < 0.2 < 0.9 < reports["fresh"]["neighbours_privacy"]


def test_a_larger_synthetic_set_is_scored_at_the_holdouts_size(fair_split, tmp_path):
    train, holdout = fair_split
    synthetic = train.sample(n=2 * len(holdout), replace=True, random_state=4).reset_index(drop=True)
    paths = _parquet(tmp_path, real=train, synthetic=synthetic, holdout=holdout)
    report = evaluate_chunked(
        paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=2000, metrics=["histogram_similarity"]
    )
    sub = report.manifest["engine"]["subsamples"]["synthetic_at_baseline_rows"]
    assert sub["of"] == "synthetic" and sub["rate"] == pytest.approx(0.5)
    rows = report["histogram_similarity"].details["rows"]
    assert rows["synthetic_full"] == len(synthetic)
    assert abs(rows["synthetic"] - len(holdout)) < 4 * np.sqrt(len(holdout))  # a Bernoulli draw at the rate
    assert "score_full_size" in report["histogram_similarity"].details


def test_rules_on_whole_data_sets_are_shown_not_scored(mixed_factory, tmp_path):
    real, synthetic, holdout = _frames(mixed_factory)
    paths = _parquet(tmp_path, real=real, synthetic=synthetic, holdout=holdout)
    rules = {"ids": {"unique": "row_id"}, "positive": "num2 > -10"}
    report = evaluate_chunked(
        paths["real"], paths["synthetic"], paths["holdout"], chunk_rows=500, metrics=["rules"], rules=rules
    )
    entries = {e["column"]: e for e in report["rules"].details["columns"]}
    assert entries["ids"]["score"] is None and "not scored" in entries["ids"]["note"]
    assert entries["ids"]["shares"]["real"] == 1.0  # ids are unique in the real sample
    assert entries["positive"]["score"] is not None
    assert report.manifest["engine"]["rules_not_scored"] == ["ids"]


class _Pieces:
    """An executor over a matrix cut into pieces (what :class:`RowVectors` asks of an engine)."""

    def __init__(self, frame: pd.DataFrame, cuts: list[int]) -> None:
        self.pieces = np.split(np.arange(len(frame)), cuts)
        self.frame = frame

    def map_reduce(self, name, fn, merge, *args):
        out = None
        for i, rows in enumerate(self.pieces):
            part = fn(self.frame.iloc[rows].reset_index(drop=True), Part(i, int(rows[0])), *args)
            out = part if out is None else merge(out, part)
        return out


def test_rows_searched_where_they_are_give_the_exact_neighbours(mixed_factory):
    real, synthetic, holdout = mixed_factory(700, 0), mixed_factory(300, 1), mixed_factory(300, 2)
    from sdq.metrics.privacy.distance import encoder, vectors

    evaluation = Evaluation(real, holdout, Options.make())
    prepared = prepare(build_tables(evaluation.schema, real, synthetic, holdout), evaluation.config)
    enc = encoder(prepared)
    everything = vectors(prepared, "real")
    order = np.argsort(prepared.real.positions)  # the rows in the given order, as the pieces hold them
    as_text = {c: pd.api.types.is_numeric_dtype(real[c]) and not pd.api.types.is_bool_dtype(real[c]) for c in real}
    plan = RowPlan(evaluation.schema, as_text, "real", prepared.binnings, prepared.pair_binnings, enc)
    rows = RowVectors(_Pieces(real, [100, 250, 600]), plan, len(real))
    queries = vectors(prepared, "synthetic")[:50]
    d, i = search(rows, queries, k=5)
    d0, i0 = search(everything[order], queries, k=5)
    assert np.allclose(d, d0, atol=1e-6) and (i == i0).mean() > 0.98  # ties may come in another order
    subset = np.sort(np.random.default_rng(0).choice(len(real), 200, replace=False))
    d, i = search(rows[subset], queries, k=3)
    d0, i0 = search(everything[order][subset], queries, k=3)
    assert np.allclose(d, d0, atol=1e-6)
    own = np.arange(10, 40)
    d, i = search(rows, np.asarray(rows[own]), k=2, exclude=own)
    d0, i0 = search(everything[order], everything[order][own], k=2, exclude=own)
    assert np.allclose(d, d0, atol=1e-6) and not (i == own[:, None]).any()
    assert np.allclose(np.asarray(rows[subset]), everything[order][subset])


def test_the_dask_engine_without_dask_is_a_clear_error(tmp_path):
    frame = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    paths = _parquet(tmp_path, real=frame, synthetic=frame)
    code = (
        "import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None; "
        "from sdq.cli import main; "
        f"sys.exit(main(['report', {str(paths['real'])!r}, {str(paths['synthetic'])!r}, '--engine', 'dask', '--quiet']))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pip install 'sdq[dask]'" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(sdq.InputError, match="engine"):
        sdq.evaluate(frame, frame, engine="spark")

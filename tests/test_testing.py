"""sdq.testing's assertion helpers and the pytest plugin (through pytester)."""

from __future__ import annotations

import re
import sys
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from known_quality import shuffled  # tests/ is on the path

import sdq
import sdq.testing as st

pytest_plugins = ["pytester"]

FAST = sdq.Config(n_bootstrap=20, models=("linear",), n_queries=100)


@pytest.fixture(scope="module")
def frames(fair_500):
    return fair_500


def test_fidelity_passes_on_good_data_and_returns_the_report(frames):
    train, holdout = frames
    report = st.assert_fidelity(train, train.sample(frac=1.0, random_state=3), holdout, min_score=0.9, config=FAST)
    assert isinstance(report, sdq.Report)
    # only the fidelity metrics were run
    assert {r.family for r in report} == {"fidelity"}


def test_fidelity_failure_message(frames):
    train, holdout = frames
    with pytest.raises(AssertionError) as info:
        st.assert_fidelity(train, shuffled(train), holdout, min_score=0.99, config=FAST)
    message, report = str(info.value), info.value.report
    lines = message.splitlines()
    score = report.summary["fidelity"]
    assert lines[0] == f"fidelity >= 0.99 failed: {score:.3f} < 0.990 (short by {0.99 - score:.3f})"
    assert lines[1].strip() == (
        f"[score]: {score:.3f}   [threshold]: 0.990   "
        f"[baseline]: {report.summary_baseline['fidelity']:.3f}   [interval]: —"
    )
    worst = min((r for r in report if r.status == "ok"), key=lambda r: r.score)
    assert f"worst metrics: {worst.name} {worst.score:.3f}" in message
    # the weakest metric's worst columns or pairs, with numbers
    assert re.search(rf"\n\s*{worst.name}: worst (columns|pairs): .*\d\.\d{{3}}", message), message
    assert lines[-1].startswith("hint: run `sdq report")


def test_relative_and_report_input(frames):
    train, holdout = frames
    report = sdq.evaluate(train, shuffled(train), holdout, metrics=["correlation", "histogram_similarity"], config=FAST)
    st.assert_fidelity(report, relative=0.5)
    with pytest.raises(AssertionError, match=r"fidelity >= 1.00 \* baseline failed"):
        st.assert_fidelity(report, relative=1.0)
    with pytest.raises(sdq.InputError, match="min_score"):
        st.assert_fidelity(report)


def test_privacy_on_copies_names_the_metrics(frames):
    train, holdout = frames
    with pytest.raises(AssertionError) as info:
        st.assert_privacy(train, train.iloc[:200], holdout, min_score=0.9, config=FAST)
    message = str(info.value)
    assert message.startswith("privacy >= 0.90 failed: 0.000 < 0.900")
    assert "exact_match 0.000" in message and "neighbours_privacy" in message
    assert {r.family for r in info.value.report} == {"privacy"}


def test_skipped_metric_fails_unless_allowed(frames):
    train, holdout = frames
    with pytest.raises(AssertionError, match="prediction' was skipped: no target column was given"):
        st.assert_quality(train, train, holdout, thresholds="prediction=0.5", config=FAST)
    st.assert_quality(
        train, train, holdout, thresholds={"prediction": {"min": 0.5, "allow_skipped": True}}, config=FAST
    )


def test_assert_quality_with_mapping(frames):
    train, holdout = frames
    synthetic = shuffled(train)
    st.assert_quality(train, synthetic, holdout, thresholds={"histogram_similarity": 0.95}, config=FAST)
    with pytest.raises(AssertionError) as info:
        st.assert_quality(
            train, synthetic, holdout, thresholds="histogram_similarity=0.95,correlation=0.9*baseline", config=FAST
        )
    assert str(info.value).startswith("sdq: 1 of 2 thresholds failed\ncorrelation >= 0.90 * baseline failed")
    assert [r.name for r in info.value.report] == ["histogram_similarity", "correlation"]


def test_no_exact_copies(frames):
    train, holdout = frames
    st.assert_no_exact_copies(train, shuffled(train, 5), holdout, config=FAST, max_share=0.05)
    with pytest.raises(AssertionError) as info:
        st.assert_no_exact_copies(train, train.iloc[:50], holdout, config=FAST)
    message = str(info.value)
    assert message.startswith("synthetic rows copy real rows: 50 of 50 rows (100.0%) are exact copies")
    assert "[copied share]: 1.000   [max share]: 0.000" in message


def test_column_similar_names_the_column(frames):
    train, holdout = frames
    synthetic = train.assign(age=train["age"] + 15)
    st.assert_column_similar(train, synthetic, "children", min_score=0.95, holdout=holdout, config=FAST)
    with pytest.raises(AssertionError) as info:
        st.assert_column_similar(train, synthetic, "age", min_score=0.8, holdout=holdout, config=FAST)
    report = info.value.report
    entry = next(c for c in report["histogram_similarity"].details["columns"] if c["column"] == "age")
    assert str(info.value).startswith(f"histogram_similarity:age >= 0.80 failed: {entry['score']:.3f} < 0.800")
    assert f"worst columns: age {entry['score']:.3f} (baseline {entry['baseline']:.3f})" in str(info.value)


def _series(n_entities: int, length: int, phi: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(n_entities):
        x = np.zeros(length)
        for t in range(1, length):
            x[t] = phi * x[t - 1] + rng.normal()
        rows.append(pd.DataFrame({"entity": f"e{e}", "t": np.arange(length), "value": x}))
    return pd.concat(rows, ignore_index=True)


def test_timeseries_similar():
    real = _series(8, 40, 0.8, 0)
    st.assert_timeseries_similar(
        real, _series(8, 40, 0.8, 1), time_column="t", entity_column="entity", min_score=0.7, config=FAST
    )
    with pytest.raises(AssertionError) as info:
        st.assert_timeseries_similar(
            real, _series(8, 40, -0.5, 1), time_column="t", entity_column="entity", min_score=0.95, config=FAST
        )
    message = str(info.value)
    assert message.startswith("time-series similarity (mean of autocorrelation")
    assert "[score]:" in message and "[threshold]: 0.950" in message
    with pytest.raises(sdq.InputError, match="time_column"):
        st.assert_timeseries_similar(real, real, min_score=0.5)


def test_helpers_hide_their_frames():
    for name in st.__all__:
        code = getattr(st, name).__code__
        assert "__tracebackhide__" in code.co_varnames, name


# -- the pytest plugin ---------------------------------------------------------------------------
def _plugin_args() -> list[str]:
    registered = any(e.name == "sdq" for e in entry_points(group="pytest11"))
    return [] if registered else ["-p", "sdq.pytest_plugin"]


def test_entry_point_is_declared():
    if sys.version_info < (3, 11):
        pytest.skip("needs tomllib")
    import tomllib

    data = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert data["project"]["entry-points"]["pytest11"] == {"sdq": "sdq.pytest_plugin"}


def test_plugin_fixture_seed_and_report_dir(pytester):
    pytester.makepyfile(
        test_gate="""
        import pandas as pd
        import sdq, sdq.testing

        REAL = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "c": list("abab") * 10})

        def test_seed(sdq_evaluate):
            report = sdq_evaluate(REAL, REAL.copy(), metrics=["histogram_similarity"])
            assert report.config["seed"] == 7

        def test_gate_fails():
            synthetic = REAL.assign(x=REAL["x"] + 10)
            sdq.testing.assert_column_similar(REAL, synthetic, "x", min_score=0.9,
                                              config=sdq.Config(n_bootstrap=0))

        def test_other_failure():
            assert 1 == 2
    """
    )
    out_dir = pytester.path / "sdq-reports"
    result = pytester.runpytest(*_plugin_args(), "--sdq-seed", "7", "--sdq-report-dir", str(out_dir))
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*histogram_similarity:x >= 0.90 failed*", "*- sdq report -*", "written to *test_gate.py_test_gate_fails.html"]
    )
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == ["test_gate.py_test_gate_fails.html"]
    assert (out_dir / files[0]).read_text().startswith("<!DOCTYPE html>")
    # the helper's own frames are hidden: the failing line shown is the test's
    result.stdout.no_fnmatch_line("*_assert_thresholds*")


def test_utility_with_a_target(frames):
    train, holdout = frames
    report = st.assert_utility(
        train, train.sample(frac=1.0, random_state=1), holdout, target="had_affair", min_score=0.5, config=FAST
    )
    # the training rows in another order, scored at the holdout's size (a subsample of them): at
    # least what fresh real rows (the holdout baseline) achieve
    assert {r.family for r in report} == {"utility"}
    assert report.summary["utility"] >= report.summary_baseline["utility"] and report["prediction"].score == 1.0
    with pytest.raises(AssertionError) as info:
        st.assert_utility(train, shuffled(train), holdout, target="had_affair", min_score=0.999, config=FAST)
    score = info.value.report.summary["utility"]
    assert score < 0.6  # about 0.4: columns shuffled apart predict little
    assert str(info.value).startswith(f"utility >= 0.999 failed: {score:.3f} < 0.999")
    assert "worst metrics:" in str(info.value)

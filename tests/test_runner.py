"""The metric runner: fault isolation, jobs, time limits and warnings (that the number of jobs leaves
the report as it is: tests/test_determinism.py)."""

from __future__ import annotations

import os
import time
import warnings

import pytest

from sdq.engine.runner import run_metrics
from sdq.errors import ConfigError, MetricError
from sdq.metrics import MetricSpec, Outcome, Skip

AVAILABLE = {"holdout": True, "target": True, "sequence": True, "sensitive": True}


def spec(name, fn, group=None, needs=()):
    return MetricSpec(name, "fidelity", fn, tuple(needs), "s", "one", "zero", group or name)


def ok(value):
    return lambda prepared: Outcome(score=value, baseline=1.0, details={"value": value})


def slow(prepared):
    time.sleep(30)
    return Outcome(score=1.0)


def boom(prepared):
    raise RuntimeError("the model did not converge")


def dies(prepared):
    os._exit(9)


def warns(prepared):
    warnings.warn("the solver stopped early", UserWarning, stacklevel=2)
    return Outcome(score=0.5)


def skip(prepared):
    raise Skip("does not apply here")


def out_of_range(prepared):
    return Outcome(score=1.5)


SPECS = [
    spec("a", ok(0.25)),
    spec("b", boom),
    spec("c", skip),
    spec("d", warns),
    spec("e", out_of_range),
    spec("f", ok(0.75), needs=("holdout",)),
]


@pytest.mark.parametrize("jobs, timeout", [(1, None), (2, None), (1, 20.0), (3, 20.0)])
def test_faults_are_isolated_the_same_way_in_every_mode(jobs, timeout):
    results, info = run_metrics(SPECS, object(), AVAILABLE, jobs=jobs, timeout=timeout)
    assert [r.name for r in results] == ["a", "b", "c", "d", "e", "f"]
    assert [r.status for r in results] == ["ok", "error", "skipped", "ok", "error", "ok"]
    assert results[0].score == 0.25 and results[0].details == {"value": 0.25}
    assert results[1].message == "RuntimeError: the model did not converge"
    assert results[2].message == "does not apply here"
    assert results[3].warnings == ["UserWarning: the solver stopped early"]
    assert "invalid score 1.5" in results[4].message
    assert info.processes == (jobs > 1 or timeout is not None)
    assert set(info.timings) == {"a", "b", "c", "d", "e", "f"}


def test_missing_needs_skip_with_the_reason():
    results, _ = run_metrics(
        [spec("f", ok(0.5), needs=("holdout", "target"))], object(), {**AVAILABLE, "holdout": False, "target": False}
    )
    assert results[0].status == "skipped"
    assert results[0].message == "no holdout was given; no target column was given"


def test_a_metric_over_its_time_limit_is_stopped_and_the_rest_runs():
    started = time.perf_counter()
    results, _ = run_metrics(
        [spec("slow", slow, group="g"), spec("after", ok(0.5), group="g"), spec("x", ok(0.1))],
        object(),
        AVAILABLE,
        jobs=2,
        timeout=1.0,
    )
    assert time.perf_counter() - started < 15
    assert results[0].status == "error" and "time limit of 1 s" in results[0].message
    # the rest of the stopped metric's group goes on in a new process
    assert [(r.name, r.status, r.score) for r in results[1:]] == [("after", "ok", 0.5), ("x", "ok", 0.1)]


def test_a_metric_that_kills_its_process_is_an_error():
    results, _ = run_metrics([spec("dies", dies), spec("fine", ok(0.5))], object(), AVAILABLE, jobs=2)
    assert results[0].status == "error" and "exit code 9" in results[0].message
    assert results[1].status == "ok"


@pytest.mark.parametrize("jobs", [1, 2])
def test_strict_raises(jobs):
    with pytest.raises((RuntimeError, MetricError), match="did not converge"):
        run_metrics([spec("a", ok(0.5)), spec("b", boom)], object(), AVAILABLE, jobs=jobs, strict=True)


def test_strict_raises_on_a_time_out():
    with pytest.raises(MetricError, match="time limit"):
        run_metrics([spec("slow", slow)], object(), AVAILABLE, timeout=0.5, strict=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"jobs": 0},
        {"jobs": 1.5},
        {"jobs": True},
        {"timeout": 0},
        {"timeout": -1.0},
        {"timeout": float("inf")},
        {"timeout": "5"},
    ],
)
def test_bad_settings_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        run_metrics([spec("a", ok(0.5))], object(), AVAILABLE, **kwargs)


def test_two_threads_running_at_once_keep_their_own_data():
    import threading

    def value(prepared):
        return Outcome(score=prepared["v"])

    out = {}

    def run(v):
        results, _ = run_metrics([spec("a", value), spec("b", value), spec("c", value)], {"v": v}, AVAILABLE, jobs=2)
        out[v] = [r.score for r in results]

    threads = [threading.Thread(target=run, args=(v,)) for v in (0.25, 0.75)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {0.25: [0.25] * 3, 0.75: [0.75] * 3}


def _in_a_pool_worker(_):
    results, info = run_metrics([spec("a", ok(0.5))], object(), AVAILABLE, jobs=2, timeout=5.0)
    return results[0].status, info.processes


def test_inside_a_daemonic_process_metrics_run_in_process():
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(_in_a_pool_worker, [0]) == [("ok", False)]


def test_two_threads_running_metrics_at_once_each_record_only_their_own_warnings():
    # the metrics of two threads warn in turn (a barrier between warnings), and the thread that
    # started them warns too; every warning ends up where it was raised
    import threading

    barrier = threading.Barrier(3, timeout=30)

    def warner(text):
        def fn(prepared):
            for step in range(3):
                warnings.warn(f"{text} {step}", UserWarning, stacklevel=1)
                barrier.wait()
            return Outcome(score=0.5)

        return fn

    out = {}

    def run(text):
        results, _ = run_metrics([spec(text, warner(text))], object(), AVAILABLE, jobs=1)
        out[text] = results[0].warnings

    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        filters, show = warnings.filters, warnings.showwarning
        threads = [threading.Thread(target=run, args=(text,)) for text in ("left", "right")]
        for t in threads:
            t.start()
        for step in range(3):
            warnings.warn(f"outside {step}", UserWarning, stacklevel=1)
            barrier.wait()
        for t in threads:
            t.join()
        # the process's warnings state is as it was
        assert warnings.filters is filters and warnings.showwarning is show
    assert out == {side: [f"UserWarning: {side} {step}" for step in range(3)] for side in ("left", "right")}
    assert [str(w.message) for w in outside] == ["outside 0", "outside 1", "outside 2"]


def test_a_warning_already_shown_is_recorded_again_and_an_error_filter_does_not_apply():
    # as before: every metric records every warning it raises, whatever the caller's filters
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results, _ = run_metrics([spec("d", warns), spec("again", warns)], object(), AVAILABLE)
        assert [r.warnings for r in results] == [["UserWarning: the solver stopped early"]] * 2
        with pytest.raises(UserWarning):
            warnings.warn("the caller's filters apply again", UserWarning, stacklevel=1)

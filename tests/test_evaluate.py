"""The engine (sdq.evaluate): fault isolation, skipping, metric selection, seeds, messy inputs, API."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq import metrics as registry
from sdq.errors import ConfigError, InputError, MetricError
from sdq.metrics import Outcome
from sdq.shapes import Scalars

REPO = Path(__file__).resolve().parents[1]
FAST = sdq.Config(n_bootstrap=20, models=("linear",), n_queries=200)
FIDELITY = ["statistics", "histogram_similarity", "mutual_information", "correlation"]


def _replace_metric(monkeypatch, name: str, **changes) -> None:
    """Swap one registered metric's spec for the duration of a test."""
    spec = registry.registry()[name]
    monkeypatch.setitem(registry._REGISTRY, name, dataclasses.replace(spec, **changes))


def test_public_api_is_pinned():
    assert sorted(sdq.__all__) == sorted(
        [
            "CheckResult",
            "Comparison",
            "Config",
            "ConfigError",
            "InputError",
            "MetricError",
            "MetricResult",
            "Profile",
            "ProfileWarning",
            "Report",
            "Rule",
            "SdqError",
            "Threshold",
            "__version__",
            "compare",
            "evaluate",
            "load_table",
            "metric",
            "metric_names",
            "suggest_rules",
        ]
    )
    for name in sdq.__all__:
        assert hasattr(sdq, name), name
    assert isinstance(sdq.__version__, str) and sdq.__version__.count(".") >= 2


def test_error_tree():
    assert issubclass(sdq.InputError, sdq.SdqError) and issubclass(sdq.InputError, ValueError)
    assert issubclass(sdq.ConfigError, sdq.SdqError) and issubclass(sdq.ConfigError, ValueError)
    assert issubclass(sdq.MetricError, sdq.SdqError) and issubclass(sdq.MetricError, RuntimeError)


def test_import_and_evaluate_do_not_load_the_renderers():
    # (a module once imported stays in sys.modules: checked after evaluating, this covers the import;
    # nor Dask, an optional dependency imported only by engine="dask")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = (
        "import sys, pandas as pd, sdq\n"
        "real = pd.DataFrame({'x': [1.0, 2.0, 3.0, 4.5] * 10, 'c': list('abab') * 10})\n"
        "report = sdq.evaluate(real, real.copy(), metrics=['histogram_similarity', 'correlation'])\n"
        "assert report.scores == {'histogram_similarity': 1.0, 'correlation': 1.0}, report.scores\n"
        "report.to_json(); report.to_frame()\n"
        "assert 'sdq-check' in report.check('fidelity=0.5')._repr_html_()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'jinja2', 'dask', 'distributed'))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=str(REPO), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_a_failing_metric_is_isolated(monkeypatch, mixed_triple):
    def boom(prepared):
        raise ZeroDivisionError("the metric broke")

    _replace_metric(monkeypatch, "mutual_information", fn=boom)
    real, synthetic, holdout = mixed_triple
    report = sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY, config=FAST)
    broken = report["mutual_information"]
    assert broken.status == "error"
    assert "the metric broke" in broken.message and "ZeroDivisionError" in broken.message
    assert broken.score is None and broken.baseline is None
    for name in ("statistics", "histogram_similarity", "correlation"):
        assert report[name].status == "ok", report[name].message
    # the summary is the mean of the metrics that ran
    ok = [report[n].score for n in ("statistics", "histogram_similarity", "correlation")]
    assert report.summary["fidelity"] == pytest.approx(np.mean(ok))


def test_strict_raises_the_metric_error(monkeypatch, mixed_triple):
    def boom(prepared):
        raise ZeroDivisionError("the metric broke")

    _replace_metric(monkeypatch, "histogram_similarity", fn=boom)
    real, synthetic, holdout = mixed_triple
    with pytest.raises(ZeroDivisionError, match="the metric broke"):
        sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY, config=FAST, strict=True)


@pytest.mark.parametrize("bad", [1.5, -0.2, float("nan"), None])
def test_an_out_of_range_score_is_an_error_not_a_number(monkeypatch, mixed_triple, bad):
    _replace_metric(monkeypatch, "histogram_similarity", fn=lambda prepared: Outcome(score=bad))
    real, synthetic, _ = mixed_triple
    result = sdq.evaluate(real, synthetic, metrics=["histogram_similarity"], config=FAST)["histogram_similarity"]
    assert result.status == "error"
    assert result.score is None and result.message
    with pytest.raises(MetricError):
        sdq.evaluate(real, synthetic, metrics=["histogram_similarity"], config=FAST, strict=True)


def test_an_out_of_range_interval_is_an_error(monkeypatch, mixed_triple):
    _replace_metric(monkeypatch, "histogram_similarity", fn=lambda prepared: Outcome(score=0.5, ci=(0.2, 1.7)))
    real, synthetic, _ = mixed_triple
    result = sdq.evaluate(real, synthetic, metrics=["histogram_similarity"], config=FAST)["histogram_similarity"]
    assert result.status == "error"


def test_a_metric_needing_a_holdout_is_skipped_without_one(monkeypatch, mixed_triple):
    calls = []

    def needs_holdout(prepared):
        calls.append(1)
        return Outcome(score=0.5, baseline=0.6)

    _replace_metric(monkeypatch, "correlation", fn=needs_holdout, needs=("holdout",), shape=Scalars())
    real, synthetic, holdout = mixed_triple
    skipped = sdq.evaluate(real, synthetic, metrics=["correlation"], config=FAST)["correlation"]
    assert skipped.status == "skipped"
    assert "holdout" in skipped.message
    assert skipped.score is None and skipped.baseline is None and skipped.ci is None
    assert calls == []
    ran = sdq.evaluate(real, synthetic, holdout, metrics=["correlation"], config=FAST)["correlation"]
    assert ran.status == "ok" and ran.baseline == 0.6


def test_without_holdout_baselines_are_none(mixed_triple):
    real, synthetic, _ = mixed_triple
    report = sdq.evaluate(real, synthetic, metrics=FIDELITY, config=FAST)
    assert report.data["holdout"] is None
    for result in report:
        assert result.status == "ok", result.message
        assert result.baseline is None
    assert report.summary_baseline["fidelity"] is None


def test_metrics_that_need_a_target_are_skipped_without_one(mixed_triple):
    real, synthetic, holdout = mixed_triple
    needing = [n for n, s in registry.registry().items() if "target" in s.needs]
    assert needing == ["prediction", "feature_importance", "augmentation"]
    report = sdq.evaluate(real, synthetic, holdout, metrics=needing, config=FAST)
    assert {r.name: (r.status, r.message) for r in report} == dict.fromkeys(
        needing, ("skipped", "no target column was given")
    )


def test_selecting_metrics(mixed_triple):
    real, synthetic, _ = mixed_triple
    report = sdq.evaluate(real, synthetic, metrics=["correlation", "histogram_similarity", "correlation"], config=FAST)
    assert [r.name for r in report] == ["correlation", "histogram_similarity"]
    single = sdq.evaluate(real, synthetic, metrics="statistics", config=FAST)
    assert [r.name for r in single] == ["statistics"]


def test_unknown_metric_is_an_input_error(mixed_triple):
    real, synthetic, _ = mixed_triple
    with pytest.raises(InputError, match="no_such_metric") as info:
        sdq.evaluate(real, synthetic, metrics=["histogram_similarity", "no_such_metric"])
    assert "histogram_similarity" in str(info.value)  # the known metrics are listed


def test_default_runs_every_registered_metric(mixed_triple):
    real, synthetic, holdout = mixed_triple
    report = sdq.evaluate(real, synthetic, holdout, metrics=None, config=FAST)
    assert [r.name for r in report] == sdq.metric_names()


def test_seed_changes_intervals_but_not_point_scores(mixed_factory):
    # equal sizes: no subsample is drawn, so only the bootstrap depends on the seed
    real, synthetic, holdout = mixed_factory(100, 0), mixed_factory(100, 1), mixed_factory(100, 2)
    config = sdq.Config(n_bootstrap=50)
    a = sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY, config=config, seed=1)
    b = sdq.evaluate(real, synthetic, holdout, metrics=FIDELITY, config=config, seed=2)
    changed = 0
    for name in FIDELITY:
        assert a[name].score == pytest.approx(b[name].score, abs=1e-12), name
        assert a[name].baseline == pytest.approx(b[name].baseline, abs=1e-12), name
        changed += a[name].ci != b[name].ci
    assert changed >= 2  # histogram and pairwise metrics bootstrap at least
    assert a.config["seed"] == 1 and b.config["seed"] == 2


def test_seed_argument_overrides_the_config_seed(mixed_triple):
    real, synthetic, _ = mixed_triple
    report = sdq.evaluate(real, synthetic, metrics=["statistics"], config=sdq.Config(seed=3), seed=9)
    assert report.config["seed"] == 9


def test_bad_arguments(mixed_triple):
    real, synthetic, _ = mixed_triple
    with pytest.raises(ConfigError):
        sdq.evaluate(real, synthetic, config={"seed": 1})
    with pytest.raises(InputError, match="task"):
        sdq.evaluate(real, synthetic, task="clustering")
    with pytest.raises(ConfigError, match="n_bins"):
        sdq.Config(n_bins=0)
    with pytest.raises(ConfigError, match="n_bootstrap"):
        sdq.Config(n_bootstrap=-1)
    with pytest.raises(ConfigError, match="seed"):
        sdq.Config(seed=True)
    with pytest.raises(ConfigError, match="nonsense"):
        sdq.Config().replace(nonsense=1)


def test_config_round_trip():
    config = sdq.Config(seed=4, n_bins=12, n_bootstrap=7)
    assert sdq.Config.from_dict(config.to_dict()) == config


def test_progress_callback(mixed_triple):
    real, synthetic, _ = mixed_triple
    events = []
    sdq.evaluate(
        real, synthetic, metrics=["statistics", "correlation"], config=FAST, progress=lambda *args: events.append(args)
    )
    assert events == [
        ("start", "statistics", 0, 2),
        ("end", "statistics", 1, 2),
        ("start", "correlation", 1, 2),
        ("end", "correlation", 2, 2),
    ]


def test_a_messy_frame_gets_a_report_that_says_how_each_column_was_treated():
    n = 300

    def messy(seed_offset: int) -> pd.DataFrame:
        r = np.random.default_rng(seed_offset)
        x = r.normal(size=n)
        return pd.DataFrame(
            {
                "amount": np.where(r.random(n) < 0.15, np.nan, np.exp(x)),
                "score": x + r.normal(size=n),
                "nothing": [None] * n,
                "country": ["NL"] * n,
                "signup": pd.Timestamp("2019-01-01") + pd.to_timedelta(r.integers(0, 900, size=n), unit="D"),
                "email": [f"user{i}_{seed_offset}@{r.choice(['a', 'b', 'c'])}.example" for i in range(n)],
                "city": [f"town-{v}" for v in r.integers(0, 180, size=n)],
                "account_id": r.permutation(10 * n)[:n] + 10_000 * seed_offset,
                "active": r.random(n) < 0.6,
            }
        )

    real, synthetic, holdout = messy(1), messy(2), messy(3)
    report = sdq.evaluate(real, synthetic, holdout, config=FAST)
    columns = {c["name"]: c for c in report.data["columns"]}
    assert list(columns) == list(real.columns)
    expected = {
        "amount": "numeric",
        "score": "numeric",
        "nothing": "empty",
        "country": "constant",
        "signup": "datetime",
        "email": "id",
        "account_id": "id",
        "active": "boolean",
    }
    for name, kind in expected.items():
        assert columns[name]["kind"] == kind, (name, columns[name])
    assert columns["city"]["kind"] in ("categorical", "text")
    for column in columns.values():
        assert column["reason"]
    # no target, time column, sensitive data set or rules are given: the metrics that need one
    # skip, the rest run on what the frame holds
    roles = {"target", "sequence", "sensitive", "rules"}
    assert {r.name: r.status for r in report} == {
        n: "skipped" if roles & set(registry.registry()[n].needs) else "ok" for n in sdq.metric_names()
    }
    # ids are not compared as distributions
    binned = {c["column"] for c in report["histogram_similarity"].details["columns"]}
    assert "email" not in binned and "account_id" not in binned


def test_every_report_is_strict_json_with_all_columns_described(mixed_triple):
    real, synthetic, holdout = mixed_triple
    report = sdq.evaluate(real, synthetic, holdout, target="flag", config=FAST)
    assert [c["name"] for c in report.data["columns"]] == list(real.columns)
    roles = {c["name"]: c["role"] for c in report.data["columns"]}
    assert roles["flag"] == "target" and roles["num"] == "feature"
    assert report.data["target"] == "flag"
    sdq.Report.from_json(report.to_json())

"""Metrics of one's own: one defined in this test module and one registered by a throw-away
installed package (an entry point of the ``sdq.metrics`` group), each of which must appear in the
JSON, the HTML report (a card with a figure), ``to_frame``, ``sdq check`` thresholds and
``compare`` with no edit anywhere in sdq; their parameters, needs and self-description; a broken
plugin; and the README's example. Every metric registered here is removed again by its fixture."""

from __future__ import annotations

import json
import re
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq import metrics as registry
from sdq.cli import main
from sdq.errors import ConfigError
from sdq.metrics import Need, Outcome, Param, PluginWarning

REPO = Path(__file__).resolve().parents[1]
FAST = sdq.Config(n_bootstrap=0)


def _frame(n: int, seed: int, shift: float = 0.0, missing: float = 0.1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40 + shift, 10, size=n)
    income = 1_000 * age + rng.normal(0, 5_000, size=n)
    return pd.DataFrame(
        {
            "age": np.where(rng.random(n) < missing, np.nan, age),
            "income": income,
            "city": rng.choice(["north", "south", "east"], size=n),
        }
    )


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(real, synthetic, holdout): the synthetic rows shifted and with more missing ages."""
    return _frame(300, 0), _frame(300, 1, shift=4.0, missing=0.3), _frame(200, 2)


# -- a metric defined here ------------------------------------------------------------------------
def column_means(prepared, *, tolerance: float = 1.0) -> Outcome:
    """Per numeric column, 1 - |mean gap| / (tolerance x the real standard deviation), clipped."""

    def closeness(frame: pd.DataFrame, name) -> float:
        real = prepared.real.frame[name]
        return float(np.clip(1 - abs(frame[name].mean() - real.mean()) / (tolerance * real.std()), 0, 1))

    columns = [
        {
            "column": spec.label,
            "score": closeness(prepared.synthetic.frame, spec.name),
            "baseline": closeness(prepared.baseline.frame, spec.name),
        }
        for spec in prepared.schema.select(["numeric"])
    ]
    return Outcome(
        score=float(np.mean([c["score"] for c in columns])),
        baseline=float(np.mean([c["baseline"] for c in columns])),
        details={"columns": columns, "rows": {"real": prepared.real.n_rows}},
    )


@pytest.fixture
def own_metric():
    """``column_means`` registered for one test (then removed)."""
    sdq.metric(
        "column_means",
        "fidelity",
        shape="per_column",
        needs=("holdout",),
        params={"tolerance": Param(low=0.01, high=10.0, doc="how many real standard deviations score 0")},
        summary="Numeric columns keep their real mean.",
        one="every mean is the real one",
        zero="every mean is off by tolerance real standard deviations or more",
    )(column_means)
    yield "column_means"
    registry.unregister("column_means")


# -- a metric of an installed package -------------------------------------------------------------
PLUGIN = """
import numpy as np

import sdq
from sdq.metrics import Outcome


@sdq.metric(
    "missing_match",
    "fidelity",
    shape="distributions",
    needs=("holdout",),
    summary="Each column has the real share of missing values.",
    one="every column has the real share of missing values",
    zero="every column is all missing in one data set and complete in the other",
)
def missing_match(prepared, *, floor: float = 0.0):
    columns = []
    for spec in prepared.schema.select(["numeric", "categorical"]):
        shares = {}
        for name, frame in (("real", prepared.real), ("synthetic", prepared.synthetic), ("holdout", prepared.baseline)):
            missing = float(frame.frame[spec.name].isna().mean())
            shares[name] = [missing, 1.0 - missing]
        score = max(floor, 1.0 - abs(shares["real"][0] - shares["synthetic"][0]))
        baseline = max(floor, 1.0 - abs(shares["real"][0] - shares["holdout"][0]))
        columns.append({"column": spec.label, "score": score, "baseline": baseline, "labels": ["missing", "present"], **shares})
    return Outcome(
        score=float(np.mean([c["score"] for c in columns])),
        baseline=float(np.mean([c["baseline"] for c in columns])),
        details={"columns": columns},
    )
"""

BROKEN = """
import sdq
from sdq.metrics import Outcome

sdq.metric("half_registered", "fidelity", shape="scalars", summary="s", one="o", zero="z")(lambda prepared: Outcome(1.0))
raise RuntimeError("this plugin needs a database that is not there")
"""


def _install(site: Path, module: str, source: str, entry: str) -> None:
    """A module and its distribution's metadata, as pip would leave them in site-packages."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[sdq.metrics]\n{entry} = {module}\n", encoding="utf-8")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Put throw-away packages on sys.path and make the registry look for plugins again; afterwards
    everything they registered is removed. ``installed(module, source, entry)`` installs one."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setitem(registry._LOADED, "plugins", False)
    before, plugins_before, modules = set(registry._REGISTRY), dict(registry._PLUGINS), []

    def install(module: str, source: str, entry: str) -> None:
        modules.append(module)
        _install(site, module, source, entry)

    yield install
    for name in set(registry._REGISTRY) - before:
        registry.unregister(name)
    registry._PLUGINS.clear()
    registry._PLUGINS.update(plugins_before)
    for module in modules:
        sys.modules.pop(module, None)


@pytest.fixture
def plugin_metric(installed):
    installed("sdq_test_plugin", PLUGIN, "missing_match")
    assert "missing_match" in sdq.metric_names("fidelity")
    return "missing_match"


# -- both appear everywhere -----------------------------------------------------------------------
@pytest.fixture(params=["own", "plugin"])
def new_metric(request) -> str:
    return request.getfixturevalue("own_metric" if request.param == "own" else "plugin_metric")


def test_a_new_metric_appears_in_json_html_tables_and_gates(new_metric, frames):
    real, synthetic, holdout = frames
    report = sdq.evaluate(real, synthetic, holdout, config=FAST)
    assert [m.name for m in report.metrics if m.family == "fidelity"][-1] == new_metric  # after sdq's own
    result = report[new_metric]
    assert result.status == "ok", result.message
    assert 0 <= result.score < result.baseline <= 1

    data = json.loads(report.to_json())
    entry = next(m for m in data["metrics"] if m["name"] == new_metric)
    assert entry["about"]["shape"]["name"] in ("per_column", "distributions")
    assert entry["about"]["summary"] == registry.get(new_metric).summary
    params = data["config"]["metric_params"][new_metric]
    assert params == ({"tolerance": 1.0} if new_metric == "column_means" else {"floor": 0.0})

    page = report.to_html(cdn=True)
    card = page.split(f'id="m-{new_metric}"')[1].split("</article>")[0]
    assert str(registry.get(new_metric).summary) in card and "has no description" not in card
    assert 'class="sdq-fig"' in card
    assert '<details class="table" open>' not in card  # a known shape: its numbers are folded

    columns = report.to_frame("columns")
    assert columns.loc["age", new_metric] < columns.loc["age", f"{new_metric}_baseline"]
    assert new_metric in report.to_frame().index

    check = report.check(f"{new_metric}=0.99,{new_metric}:age=0.99")
    assert not check.passed and all(o.status == "failed" for o in check)
    assert any(line.startswith("worst columns: ") and "age" in line for line in check[0].worst)
    assert report.check(f"{new_metric}:age=0.01").passed


def test_a_new_metric_is_gated_by_sdq_check(new_metric, frames, tmp_path, capsys):
    real, synthetic, holdout = frames
    paths = {name: tmp_path / f"{name}.csv" for name in ("real", "synthetic", "holdout")}
    for name, frame in zip(paths, (real, synthetic, holdout)):
        frame.to_csv(paths[name], index=False)
    argv = ["check", str(paths["real"]), str(paths["synthetic"]), "--holdout", str(paths["holdout"])]
    code = main([*argv, "--fail-under", f"{new_metric}:age=0.999"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"{new_metric}:age" in out and "FAIL" in out.upper()
    code = main([*argv, "--fail-under", f"{new_metric}=0.01"])
    out, err = capsys.readouterr()
    assert code == 0, out + err


def test_a_new_metric_is_compared(new_metric, frames):
    real, synthetic, holdout = frames
    comparison = sdq.compare(
        {"shifted": synthetic, "fresh": _frame(300, 3)}, real, holdout=holdout, metrics=[new_metric], config=FAST
    )
    table = comparison.to_frame()
    assert table.loc[new_metric, "shifted"] < table.loc[new_metric, "fresh"]
    assert list(comparison.leaderboard.index) == ["fresh", "shifted"]
    page = comparison.to_html(cdn=True)
    figures = json.loads(re.search(r'id="sdq-figures">(.*?)</script>', page, re.S).group(1))
    assert any(t.get("type") == "heatmap" for f in figures.values() for t in f["data"])  # its per-column heatmap
    assert f">{new_metric}<" in page


def test_a_report_read_back_renders_and_gates_like_the_live_one_without_the_metric(new_metric, frames):
    real, synthetic, holdout = frames
    report = sdq.evaluate(real, synthetic, holdout, metrics=["histogram_similarity", new_metric], config=FAST)
    text = report.to_json()
    thresholds = f"{new_metric}:age=0.9,{new_metric}=0.95,fidelity=0.9"
    live = (report.to_html(cdn=True), report.check(thresholds).format_table(), report.to_frame("columns"))
    registry.unregister(new_metric)  # a reader without the metric installed
    assert new_metric not in sdq.metric_names()
    again = sdq.Report.from_json(text)
    assert again.to_json() == text
    assert again.to_html(cdn=True) == live[0]
    assert again.check(thresholds).format_table() == live[1]
    pd.testing.assert_frame_equal(again.to_frame("columns"), live[2])


def test_a_report_written_before_results_described_themselves_gets_the_installed_descriptions(frames):
    real, synthetic, holdout = frames
    report = sdq.evaluate(real, synthetic, holdout, metrics=["statistics", "correlation"], config=FAST)
    old = report.to_dict()
    for m in old["metrics"]:
        del m["about"]
    del old["config"]["metric_params"]
    again = sdq.Report.from_dict(old)
    assert [m.about for m in again.metrics] == [m.about for m in report.metrics]
    assert again.to_html(cdn=True) == report.to_html(cdn=True)


# -- parameters, needs, shapes --------------------------------------------------------------------
def test_parameters_come_from_the_config_are_checked_and_written_into_the_report(own_metric, frames):
    real, synthetic, holdout = frames
    default = sdq.evaluate(real, synthetic, holdout, metrics=[own_metric], config=FAST)
    config = FAST.replace(metric_params={own_metric: {"tolerance": 4.0}})
    lenient = sdq.evaluate(real, synthetic, holdout, metrics=[own_metric], config=config)
    assert lenient[own_metric].score > default[own_metric].score
    assert lenient.config["metric_params"] == {own_metric: {"tolerance": 4.0}}
    assert sdq.Config.from_dict(lenient.config).metric_params == {own_metric: {"tolerance": 4.0}}

    with pytest.raises(ConfigError, match=r"The 'tolerance' parameter of column_means must be a number in \[0.01, 10"):
        sdq.evaluate(real, synthetic, holdout, config=FAST.replace(metric_params={own_metric: {"tolerance": 0}}))
    with pytest.raises(ConfigError, match=r"Unknown parameter\(s\) \['tol'\] of metric 'column_means'"):
        sdq.evaluate(real, synthetic, holdout, config=FAST.replace(metric_params={own_metric: {"tol": 2.0}}))
    with pytest.raises(ConfigError, match="unknown metric"):
        sdq.evaluate(real, synthetic, holdout, config=FAST.replace(metric_params={"nope": {"k": 1}}))
    with pytest.raises(ConfigError, match="metric_params"):
        sdq.Config(metric_params={own_metric: [1, 2]})


def test_the_registration_is_checked():
    def fine(prepared, *, k: int = 3) -> Outcome:
        return Outcome(1.0)

    with pytest.raises(ValueError, match="keyword-only"):
        sdq.metric("bad", "fidelity", shape="scalars", summary="s", one="o", zero="z")(lambda prepared, k=1: None)
    with pytest.raises(ValueError, match="Unknown details shape 'per_colum'"):
        sdq.metric("bad", "fidelity", shape="per_colum", summary="s", one="o", zero="z")
    with pytest.raises(ValueError, match="must be an int in"):
        sdq.metric("bad", "fidelity", shape="scalars", params={"k": Param(low=5)}, summary="s", one="o", zero="z")(fine)
    with pytest.raises(ValueError, match="not keyword-only arguments"):
        sdq.metric("bad", "fidelity", shape="scalars", params={"j": Param()}, summary="s", one="o", zero="z")(fine)
    with pytest.raises(ValueError, match="registered twice"):
        sdq.metric("statistics", "fidelity", shape="scalars", summary="s", one="o", zero="z")(fine)
    assert "bad" not in sdq.metric_names()


def test_a_metric_may_declare_a_need_of_its_own(frames):
    big_holdout = Need(
        "big_holdout",
        "the holdout has fewer than 250 rows",
        lambda inputs: inputs.get("holdout") is not None and len(inputs["holdout"]) >= 250,
    )
    sdq.metric("needs_rows", "privacy", shape="scalars", needs=(big_holdout,), summary="s", one="o", zero="z")(
        lambda prepared: Outcome(0.5, details={"rows": prepared.real.n_rows})
    )
    try:
        real, synthetic, holdout = frames
        skipped = sdq.evaluate(real, synthetic, holdout, metrics=["needs_rows"])["needs_rows"]
        assert skipped.status == "skipped" and skipped.message == "the holdout has fewer than 250 rows"
        ran = sdq.evaluate(real, synthetic, _frame(300, 4), metrics=["needs_rows"])["needs_rows"]
        assert ran.status == "ok" and ran.details == {"rows": 300}
    finally:
        registry.unregister("needs_rows")
    assert "big_holdout" not in registry.needs()


def test_details_that_do_not_match_the_declared_shape_are_an_error_that_says_why(frames):
    sdq.metric("misshapen", "fidelity", shape="per_column", summary="s", one="o", zero="z")(
        lambda prepared: Outcome(0.5, details={"columns": [{"name": "age", "score": 0.5}]})
    )
    try:
        real, synthetic, holdout = frames
        result = sdq.evaluate(real, synthetic, holdout, metrics=["misshapen"])["misshapen"]
    finally:
        registry.unregister("misshapen")
    assert result.status == "error" and result.score is None
    assert "details do not match the shape 'per_column': columns[0].column: missing" in result.message


# -- plugins --------------------------------------------------------------------------------------
def test_a_plugin_is_recorded_in_the_manifest(plugin_metric, frames):
    real, synthetic, holdout = frames
    report = sdq.evaluate(real, synthetic, holdout, metrics=[plugin_metric], config=FAST)
    (info,) = report.manifest["plugins"].values()
    assert info["package"] == "sdq_test_plugin" and info["version"] == "1.0" and info["metrics"] == [plugin_metric]
    assert registry.get(plugin_metric).plugin == "missing_match"


def test_a_broken_plugin_is_left_out_with_a_warning_that_names_it(installed, frames):
    installed("sdq_broken_plugin", BROKEN, "broken")
    installed("sdq_test_plugin", PLUGIN, "missing_match")
    with pytest.warns(PluginWarning, match=r"the metric plugin 'broken' \(sdq_broken_plugin\).*database"):
        names = sdq.metric_names()
    assert "half_registered" not in names and "missing_match" in names
    real, synthetic, holdout = frames
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginWarning)  # loaded once: no second warning
        report = sdq.evaluate(real, synthetic, holdout, metrics=["statistics", "missing_match"], config=FAST)
    assert [m.status for m in report.metrics] == ["ok", "ok"]


def test_registered_test_metrics_do_not_leak():
    # every fixture above removed what it registered (this runs after them in file order)
    assert not {"column_means", "missing_match", "half_registered", "needs_rows", "misshapen"} & set(sdq.metric_names())
    assert list(registry.needs()) == list(registry.NEEDS)


# -- the README's example -------------------------------------------------------------------------
def _readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own metric", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(frames):
    code = _readme_example()
    assert len([line for line in code.splitlines() if line.strip()]) <= 25  # formatted as ruff formats it
    real, synthetic, holdout = frames
    namespace = {"real": real, "synthetic": synthetic, "holdout": holdout}
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
        report = namespace["report"]
    finally:
        registry.unregister("mean_match")
    result = report["mean_match"]
    assert result.status == "ok" and result.about.shape.name == "per_column"
    assert report.config["metric_params"]["mean_match"] == {"tolerance": 0.5}
    assert 'id="m-mean_match"' in report.to_html(cdn=True)
    assert not report.check("mean_match:age=0.99").passed

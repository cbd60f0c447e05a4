"""Invariants that every registered metric must satisfy.

Every name in ``sdq.metric_names()`` goes through the same checks, so a new metric cannot skip
them: a valid status, scores and intervals in [0, 1], no dependence on the order of rows or columns, a score of about 1 when the synthetic data are the real data, and no
crash on small generated frames with missing values, categories and booleans.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sdq
import sdq.metrics
from sdq.data import build_tables
from sdq.metrics import FAMILIES, registry
from sdq.prepare import CACHED_WORK, Prepared, prepare
from sdq.schema import fit_schema

METRICS = sdq.metric_names()
# fast settings: few resamples, one model kind, a small query workload (not the point here)
CONFIG = sdq.Config(n_bootstrap=20, models=("linear",), n_queries=200)
SMALL = dict(n_bootstrap=10, models=("linear",), n_queries=100)
TOL = 1e-9


def _strict_loads(text: str):
    def refuse(token):
        raise ValueError(f"non-strict JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _run(name, real, synthetic, holdout=None, **kwargs):
    kwargs.setdefault("config", CONFIG)
    if name == "rules":
        # the rules metric checks rules: here those mined from the real rows
        kwargs.setdefault("mine_rules", True)
    if "sensitive" in registry()[name].needs:
        # a metric that compares against a sensitive data set gets one: real rows the caller fixed
        kwargs.setdefault("sensitive", holdout if holdout is not None else real)
    if "sequence" in registry()[name].needs and "when" in real.columns and "code" in real.columns:
        # a time-series metric gets sequences: one per code, ordered by date
        kwargs.setdefault("time_column", "when")
        kwargs.setdefault("entity_column", "code")
    return sdq.evaluate(real, synthetic, holdout, metrics=[name], **kwargs)[name]


@pytest.fixture(scope="module")
def reference(mixed_triple_shared):
    """``reference(name)``: the metric's result on ``mixed_triple`` with the target ``flag``,
    evaluated once per module and shared by the tests that compare against it."""
    real, synthetic, holdout = mixed_triple_shared
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = _run(name, real.copy(), synthetic.copy(), holdout.copy(), target="flag")
        return cache[name]

    return get


#: Metrics that score only where the data give evidence enough, and on these small frames say there
#: is none (their invariants run on real data in their own tests, where they score): on 120 real
#: rows with a weak signal, 50 holdout rows more do not measurably improve a model, so there is no
#: gain for synthetic rows to live up to.
NEEDS_EVIDENCE = {"augmentation": "does not measurably improve"}


def _ok_or_no_evidence(result) -> bool:
    """True if the result is ``ok``; False if it is a metric of ``NEEDS_EVIDENCE`` skipped for want
    of evidence (and says so); an assertion error otherwise."""
    if result.name in NEEDS_EVIDENCE and result.status == "skipped":
        assert NEEDS_EVIDENCE[result.name] in result.message, result.message
        return False
    assert result.status == "ok", result.message
    return True


def _check_invariants(result, *, with_holdout: bool) -> None:
    assert result.family in FAMILIES
    assert result.status in ("ok", "skipped", "error")
    assert result.status != "error", f"{result.name} failed: {result.message}"
    if result.status == "skipped":
        assert result.message, f"{result.name} skipped without a reason"
        assert result.score is None and result.baseline is None
        return
    assert result.score is not None and 0.0 <= result.score <= 1.0
    if with_holdout:
        if result.baseline is not None:
            assert 0.0 <= result.baseline <= 1.0
    else:
        assert result.baseline is None
    if result.ci is not None:
        low, high = result.ci
        assert 0.0 <= low <= high <= 1.0
    _strict_loads(json.dumps(result.to_dict(), allow_nan=False))


def test_the_registry_is_not_empty_and_well_formed():
    assert len(METRICS) >= 4
    assert len(set(METRICS)) == len(METRICS)
    for spec in registry().values():
        assert spec.family in FAMILIES
        assert spec.summary and spec.one and spec.zero
        assert callable(spec.fn)
    assert sdq.metric_names("fidelity") == [n for n in METRICS if registry()[n].family == "fidelity"]


def _metrics_modules() -> dict[str, Path]:
    """Every module of the sdq.metrics package but the package files, by dotted name."""
    package = Path(sdq.metrics.__file__).parent
    return {
        "sdq.metrics." + ".".join(path.relative_to(package).with_suffix("").parts): path
        for path in sorted(package.rglob("*.py"))
        if path.name != "__init__.py"
    }


def test_a_metric_module_imports_no_other_metric_module():
    # the rule of sdq.metrics' docstring: a metric module imports helpers (sdq.metrics._common and
    # its own family's helper modules), never another metric module; helpers import no metric module
    modules = _metrics_modules()
    metric_modules = {name for name, path in modules.items() if "@metric(" in path.read_text(encoding="utf-8")}
    # a module registers metrics iff the registry's metrics come from it
    assert metric_modules == {spec.fn.__module__ for spec in registry().values()}
    problems = []
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        family = name.split(".")[2]
        for other in sorted(imported & set(modules) - {name}):
            if other in metric_modules:
                problems.append(f"{name} imports the metric module {other}")
            elif other != "sdq.metrics._common" and other.split(".")[2] != family:
                problems.append(f"{name} imports {other}, a helper of another family")
    assert problems == []


def test_metrics_share_work_only_through_the_declared_cache_and_within_a_group(mixed_factory):
    # each metric on prepared data of its own: it leaves nothing there but entries of the cache
    # declared in CACHED_WORK, and the metrics that read the same work are in one group (so that
    # with several jobs they run in one process and the work is done once)
    real, synthetic, holdout = mixed_factory(120, 0), mixed_factory(100, 1), mixed_factory(100, 2)
    schema = fit_schema(real, target="flag", time_column="when", entity_column="code")
    config = sdq.Config(n_bootstrap=5, models=("linear",), n_queries=50)
    fields = {f.name for f in dataclasses.fields(Prepared)}
    readers: dict[str, set[str]] = {}
    for name, spec in registry().items():
        prepared = prepare(build_tables(schema, real, synthetic, holdout, holdout.iloc[::4]), config)
        try:  # every need is met: no metric skips (but for want of evidence)
            spec.fn(prepared, **({"mine": True} if name == "rules" else {}))
        except sdq.metrics.Skip as exc:
            assert name in NEEDS_EVIDENCE and NEEDS_EVIDENCE[name] in str(exc), (name, exc)
        assert set(vars(prepared)) <= fields, name
        for key in prepared.cache:
            assert key[0] in CACHED_WORK, (name, key)
            readers.setdefault(key[0], set()).add(name)
    assert {"pair_table", "fidelity.sequences", "utility.setup", "privacy.encoder"} <= set(readers)
    for work, names in readers.items():
        assert len({registry()[n].group for n in names}) == 1, (work, names)


@pytest.mark.parametrize("name", METRICS)
def test_status_scores_and_intervals(name, reference):
    result = reference(name)
    _check_invariants(result, with_holdout=True)
    assert result.name == name
    # whatever a metric needs is given (holdout, target, sensitive rows, sequences) and every
    # column kind is present: nothing skips (but for want of evidence)
    if _ok_or_no_evidence(result):
        assert result.baseline is not None


# Without a holdout these skip, and say why: the distance-based privacy metrics need real rows the
# generator never saw; the model metrics then judge the real data's own signal by cross-validation,
# and with the linear model alone 120 rows show none for ``flag``.
SKIPPED_WITHOUT_HOLDOUT = {
    "neighbours_privacy": "no holdout was given",
    "membership_inference": "no holdout was given",
    "outlier_privacy": "no holdout was given",
    "singling_out": "no holdout was given",
    "linkability": "no holdout was given",
    "attribute_inference": "no holdout was given",
    "prediction": "no better than chance",
    "feature_importance": "no better than chance",
    "augmentation": "no holdout was given",
}


@pytest.mark.parametrize("name", METRICS)
def test_without_holdout_there_is_no_baseline(name, mixed_triple):
    real, synthetic, _ = mixed_triple
    result = _run(name, real, synthetic, target="flag")
    _check_invariants(result, with_holdout=False)
    if name in SKIPPED_WITHOUT_HOLDOUT:
        assert result.status == "skipped" and SKIPPED_WITHOUT_HOLDOUT[name] in result.message, result.message
    else:
        assert result.status == "ok", result.message


@pytest.mark.parametrize("name", METRICS)
def test_unaffected_by_row_order(name, reference, mixed_triple):
    real, synthetic, holdout = mixed_triple
    rng = np.random.default_rng(42)
    real_shuffled = real.iloc[rng.permutation(len(real))]
    synthetic_shuffled = synthetic.iloc[rng.permutation(len(synthetic))].reset_index(drop=True)
    a = reference(name)
    b = _run(name, real_shuffled, synthetic_shuffled, holdout, target="flag")
    if not _ok_or_no_evidence(a):
        assert (b.status, b.message) == (a.status, a.message)
        return
    assert (a.status, b.status) == ("ok", "ok"), (a.message, b.message)
    # bootstrap intervals may move with the row order; the point values may not
    assert b.score == pytest.approx(a.score, abs=TOL)
    assert b.baseline == pytest.approx(a.baseline, abs=TOL)


@pytest.mark.parametrize("name", METRICS)
def test_unaffected_by_row_order_at_equal_sizes(name, mixed_factory):
    real, synthetic, holdout = mixed_factory(100, 0), mixed_factory(100, 1), mixed_factory(100, 2)
    rng = np.random.default_rng(43)
    # a regression target with a clear signal (num2 follows num), so the model metrics run here too
    a = _run(name, real, synthetic, holdout, target="num2")
    b = _run(name, real.iloc[rng.permutation(100)], synthetic.iloc[rng.permutation(100)], holdout, target="num2")
    if not _ok_or_no_evidence(a):
        assert (b.status, b.message) == (a.status, a.message)
        return
    assert (a.status, b.status) == ("ok", "ok"), (a.message, b.message)
    assert b.score == pytest.approx(a.score, abs=TOL)
    assert b.baseline == pytest.approx(a.baseline, abs=TOL)


@pytest.mark.parametrize("name", METRICS)
def test_column_order_changes_no_bit_of_the_result(name, reference, mixed_triple):
    # sums over columns are taken in a canonical order (the columns' names), so the results are
    # not just close but identical, to the last bit, whatever the order of the given columns, in
    # each frame on its own
    real, synthetic, holdout = mixed_triple
    columns = list(real.columns)
    a = reference(name)
    if not _ok_or_no_evidence(a):
        return
    for seed in range(3):
        rng = np.random.default_rng(seed)
        orders = [list(rng.permutation(columns)) for _ in range(3)]
        b = _run(name, real[orders[0]], synthetic[orders[1]], holdout[orders[2]], target="flag")
        assert (b.status, b.score, b.baseline, b.ci) == (a.status, a.score, a.baseline, a.ci), seed


def _differences(a, b) -> dict:
    """Metrics whose status, score or baseline differ between two reports."""
    out = {}
    for x in a:
        y = b[x.name]
        if x.status != y.status:
            out[x.name] = (x.status, y.status)
        elif x.status == "ok" and (
            abs(x.score - y.score) > TOL
            or (x.baseline is None) != (y.baseline is None)
            or (x.baseline is not None and abs(x.baseline - y.baseline) > TOL)
        ):
            out[x.name] = ((x.score, x.baseline), (y.score, y.baseline))
    return out


def test_row_and_column_order_with_every_model_kind(mixed_factory):
    # the default model kinds (the other tests use the linear model only, for speed); equal sizes,
    # so that no subsample is drawn
    real, synthetic, holdout = mixed_factory(100, 0), mixed_factory(100, 1), mixed_factory(100, 2)
    config = sdq.Config(n_bootstrap=20, n_queries=200)
    assert set(config.models) == {"xgboost", "random_forest", "linear"}
    rng = np.random.default_rng(45)
    columns = list(real.columns)[::-1]
    # every role, so that every metric runs
    roles = dict(
        target="flag", time_column="when", entity_column="code", sensitive=holdout, config=config, mine_rules=True
    )
    a = sdq.evaluate(real, synthetic, holdout, **roles)
    rows = sdq.evaluate(real.iloc[rng.permutation(100)], synthetic.iloc[rng.permutation(100)], holdout, **roles)
    cols = sdq.evaluate(real[columns], synthetic[columns], holdout[columns], **roles)
    assert {r.name: r.status for r in a} == {n: "skipped" if n in NEEDS_EVIDENCE else "ok" for n in METRICS}
    assert {"rows": _differences(a, rows), "columns": _differences(a, cols)} == {"rows": {}, "columns": {}}


@pytest.mark.parametrize("name", sdq.metric_names("fidelity"))
def test_identical_data_score_one(name, mixed_frame):
    result = _run(name, mixed_frame, mixed_frame.copy(), mixed_frame.copy())
    assert result.status == "ok", result.message
    assert result.score >= 0.999
    assert result.baseline >= 0.999


def _noise_like(real: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A frame with the mixed frame's columns and nothing of its content: flat categories, a target
    unrelated to anything, and three sequences (``code``) of 40 rows in time order whose numbers
    are random walks, a serial dependence the independent real rows lack."""
    rng = np.random.default_rng(seed)
    n = len(real)
    return pd.DataFrame(
        {
            "num": np.cumsum(rng.uniform(-5, 5, size=n)),
            "num2": np.cumsum(rng.uniform(-5, 5, size=n)),
            "when": pd.Timestamp("1990-01-01") + pd.to_timedelta(np.arange(n) * 7, unit="D"),
            "cat": rng.choice(["x", "y", "z"], size=n),
            "flag": rng.random(n) < 0.5,
            "code": np.repeat([10, 11, 12], -(-n // 3))[:n],
            "row_id": np.arange(n),
            "const": ["other"] * n,
            "empty": [1.0] * n,
        }
    )


@pytest.mark.parametrize("name", [n for n in METRICS if registry()[n].family != "privacy"])
def test_a_copy_scores_better_than_unrelated_noise(name, mixed_triple):
    real, fresh, holdout = mixed_triple
    # the model metrics predict num2 (a clear signal): their synthetic models train on as many
    # rows as the baseline's (50, half the holdout), and on so few rows the weak signal of flag
    # leaves the features' importances to noise
    target = "num2" if registry()[name].family == "utility" else "flag"
    # rows added to the training rows: a copy of them adds nothing (augmentation scores it 0, as it
    # should), fresh rows of the same process do
    good = fresh.copy() if name == "augmentation" else real.copy()
    copy = _run(name, real, good, holdout, target=target)
    bad = _run(name, real, _noise_like(real, 5), holdout, target=target)
    if not _ok_or_no_evidence(copy):
        return
    assert (copy.status, bad.status) == ("ok", "ok"), (copy.message, bad.message)
    assert copy.score > bad.score


@pytest.mark.parametrize("name", sdq.metric_names("privacy"))
def test_privacy_a_copy_is_less_safe_than_unrelated_noise(name, mixed_triple):
    # higher is safer: handing out the real rows themselves must score below rows unrelated to them
    real, _, holdout = mixed_triple
    copy = _run(name, real, real.copy(), holdout, sensitive=real)
    bad = _run(name, real, _noise_like(real, 5), holdout, sensitive=real)
    assert (copy.status, bad.status) == ("ok", "ok"), (copy.message, bad.message)
    assert copy.score < bad.score


# -- property tests on small generated frames ----------------------------------------------------

_floats = st.one_of(
    st.none(), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), st.sampled_from([0.0, 1.0, 2.5])
)
_categories = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "long category name"]))


@st.composite
def _frame(draw, min_rows=2, unseen=False):
    n = draw(st.integers(min_rows, 25))
    cats = _categories if not unseen else st.one_of(_categories, st.sampled_from(["zz", "new"]))
    return pd.DataFrame(
        {
            "x": pd.Series(draw(st.lists(_floats, min_size=n, max_size=n)), dtype=float),
            "c": pd.Series(draw(st.lists(cats, min_size=n, max_size=n)), dtype=object),
            "b": pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        }
    )


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(real=_frame(), synthetic=_frame(min_rows=1, unseen=True), holdout=_frame(min_rows=1))
def test_property_any_small_frames_give_valid_results(real, synthetic, holdout):
    report = sdq.evaluate(real, synthetic, holdout, config=sdq.Config(**SMALL))
    assert [r.name for r in report] == METRICS
    for result in report:
        _check_invariants(result, with_holdout=True)
    _strict_loads(report.to_json())


@_SETTINGS
@given(real=_frame(), synthetic=_frame(min_rows=1, unseen=True), holdout=_frame(min_rows=1))
def test_property_any_small_frames_with_a_target(real, synthetic, holdout):
    report = sdq.evaluate(real, synthetic, holdout, target="b", config=sdq.Config(**SMALL))
    for result in report:
        _check_invariants(result, with_holdout=True)


@_SETTINGS
@given(real=_frame())
def test_property_a_copy_scores_one(real):
    report = sdq.evaluate(
        real, real.copy(), metrics=sdq.metric_names("fidelity"), config=sdq.Config(**(SMALL | {"n_bootstrap": 0}))
    )
    for result in report:
        _check_invariants(result, with_holdout=False)
        if result.status == "ok":
            assert result.score >= 0.999, (result.name, result.score)


# -- the shape of the details ---------------------------------------------------------------------


@pytest.mark.parametrize("name", METRICS)
@pytest.mark.parametrize("with_holdout", [True, False])
def test_details_have_the_declared_shape_and_the_result_describes_itself(name, with_holdout, mixed_triple):
    # what every face reads (figures, tables, gates, to_frame) is the declared shape: the details
    # must match it, with and without a holdout, and the result must say which shape it has
    real, synthetic, holdout = mixed_triple
    spec = registry()[name]
    result = _run(name, real, synthetic, holdout if with_holdout else None, target="flag")
    assert result.status != "error", result.message
    assert result.about is not None
    assert (result.about.summary, result.about.one, result.about.zero) == (spec.summary, spec.one, spec.zero)
    assert result.about.shape == spec.shape and result.shape == spec.shape
    if result.status == "ok":
        assert spec.shape.problems(result.details) == [], spec.shape.describe()
        if spec.shape.is_a("per_column") or spec.shape.is_a("pairwise"):
            assert spec.shape.column_scores(result.details), "a per-column shape without per-column scores"
    again = sdq.result.MetricResult.from_dict(_strict_loads(json.dumps(result.to_dict())))
    assert again.about == result.about

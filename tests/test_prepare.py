"""Shared encodings (sdq.prepare): bins fitted on the real frame, applied to the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import build_tables
from sdq.prepare import pair_bins, prepare, subsample_rows
from sdq.schema import fit_schema


def _prepared(real, synthetic, holdout=None, config=None, **schema_kwargs):
    schema = fit_schema(real, **schema_kwargs)
    return prepare(build_tables(schema, real, synthetic, holdout), config or sdq.Config(n_bootstrap=0))


def _codes(frame, column, pair=False) -> np.ndarray:
    """A prepared frame's codes of one column, in the row order of the frame that was given."""
    codes = (frame.pair_codes if pair else frame.codes)[column]
    if frame.positions is None:
        return codes
    out = np.empty_like(codes)
    out[frame.positions] = codes
    return out


@pytest.fixture
def continuous_real() -> pd.DataFrame:
    return pd.DataFrame({"x": np.linspace(0.0, 100.0, 401)})


def test_quantile_bins_come_from_the_real_data(continuous_real):
    prepared = _prepared(continuous_real, continuous_real)
    binning = prepared.binnings["x"]
    assert binning.mode == "edges"
    # about 20 equal-frequency bins of the real values: edges at the real quantiles, each moved to
    # the midpoint below the real value it fell on (values 0.25 apart), the outer ones half a gap out
    quantiles = np.quantile(continuous_real["x"], np.linspace(0, 1, 21))
    np.testing.assert_allclose(binning.edges, np.concatenate([[-0.125], quantiles[1:-1] - 0.125, [100.125]]))
    # missing, below, 20 bins, above
    assert binning.n_codes == 23
    assert binning.labels[0] == "(missing)"
    counts = np.bincount(_codes(prepared.real, "x"), minlength=binning.n_codes)
    assert counts[0] == counts[1] == counts[-1] == 0
    # each inner bin holds about 1/20 of the rows
    assert counts[2:-1].min() >= 19 and counts[2:-1].max() <= 22
    # the real minimum lands in the first inner bin and the maximum in the last one
    assert _codes(prepared.real, "x")[0] == 2
    assert _codes(prepared.real, "x")[-1] == binning.n_codes - 2


def test_out_of_range_and_missing_values_get_their_own_codes(continuous_real):
    synthetic = pd.DataFrame({"x": [-5.0, -0.2, np.nan, 0.0, 50.0, 100.0, 100.0 + 1e-9, 100.2, 1e6, -1e-9]})
    prepared = _prepared(continuous_real, synthetic)
    k = prepared.binnings["x"].n_codes
    codes = _codes(prepared.synthetic, "x").tolist()
    # below the real minimum by more than half the gap between the smallest real values (0.25)
    assert codes[0] == 1 and codes[1] == 1
    assert codes[2] == 0  # missing
    assert codes[3] == 2 and codes[9] == 2  # the real minimum, and a hair below it, are in range
    assert 2 < codes[4] < k - 2
    assert codes[5] == k - 2 and codes[6] == k - 2  # the real maximum (and a hair above) in the last inner bin
    assert codes[7] == k - 1 and codes[8] == k - 1  # above the real maximum
    assert prepared.binnings["x"].labels[1].startswith("<")
    assert prepared.binnings["x"].labels[-1].startswith(">")


def test_bins_do_not_follow_the_synthetic_data(continuous_real):
    # a synthetic frame shifted far out of range: with bins fitted on real data all of it is "above"
    shifted = pd.DataFrame({"x": continuous_real["x"] + 1000.0})
    prepared = _prepared(continuous_real, shifted, holdout=continuous_real)
    k = prepared.binnings["x"].n_codes
    assert (_codes(prepared.synthetic, "x") == k - 1).all()
    np.testing.assert_array_equal(_codes(prepared.frames["holdout"], "x"), _codes(prepared.real, "x"))


def test_few_distinct_numbers_get_one_bin_per_value():
    real = pd.DataFrame({"x": [0.5, 1.5, 2.5, 7.0] * 10})
    synthetic = pd.DataFrame({"x": [0.5, 1.5, 2.5, 7.0, np.nan, 3.0, -10.0, 100.0, 4.75, 4.7, 0.0, 9.25, 9.3]})
    prepared = _prepared(real, synthetic)
    binning = prepared.binnings["x"]
    assert binning.mode == "values"
    # missing, below, the four values, above; each value's bin runs to the midpoints with its
    # neighbours, the end values' bins half the adjacent gap beyond them
    assert binning.labels == ("(missing)", "< 0", "0.5", "1.5", "2.5", "7", "> 9.25")
    np.testing.assert_array_equal(binning.edges, [0.0, 1.0, 2.0, 4.75, 9.25])
    np.testing.assert_array_equal(_codes(prepared.real, "x")[:4], [2, 3, 4, 5])
    np.testing.assert_array_equal(_codes(prepared.synthetic, "x"), [2, 3, 4, 5, 0, 4, 1, 6, 5, 4, 2, 5, 6])


@pytest.mark.parametrize("kind", ["numeric", "datetime"])
def test_values_a_little_off_a_real_value_share_its_bin(kind):
    # a real column with few distinct values and a synthetic copy jittered by 1e-6: every value
    # lands in its real value's bin, not in a bin of its own
    rng = np.random.default_rng(0)
    values = rng.choice([1.5, 2.25, 3.0, 5.5, 8.75], size=200)
    jitter = values + rng.choice([-1e-6, 1e-6], size=200)
    if kind == "datetime":
        values, jitter = (pd.Series(pd.to_datetime(v * 86400, unit="s")) for v in (values, jitter))
    real, synthetic = pd.DataFrame({"x": values}), pd.DataFrame({"x": jitter})
    prepared = _prepared(real, synthetic)
    assert prepared.binnings["x"].mode == "values"
    assert prepared.schema["x"].kind == kind
    np.testing.assert_array_equal(_codes(prepared.synthetic, "x"), _codes(prepared.real, "x"))
    np.testing.assert_array_equal(_codes(prepared.synthetic, "x", pair=True), _codes(prepared.real, "x", pair=True))


def test_a_single_real_value_is_its_own_bin():
    real = pd.DataFrame({"x": [2.0] * 30})
    synthetic = pd.DataFrame({"x": [2.0, 1.0, 3.0, np.nan]})
    prepared = _prepared(real, synthetic, column_types={"x": "numeric"})
    assert prepared.binnings["x"].labels == ("(missing)", "< 2", "2", "> 2")
    np.testing.assert_array_equal(_codes(prepared.synthetic, "x"), [2, 1, 3, 0])


def test_categories_missing_unseen_and_other():
    # six real categories with distinct frequencies; keep the three most frequent
    real = pd.DataFrame({"c": ["a"] * 12 + ["b"] * 10 + ["c"] * 8 + ["d"] * 4 + ["e"] * 3 + ["f"] * 2 + [None] * 1})
    synthetic = pd.DataFrame({"c": ["a", "b", "c", "d", "f", None, "zzz", "new"]})
    prepared = _prepared(real, synthetic, config=sdq.Config(n_bootstrap=0, max_categories=3))
    binning = prepared.binnings["c"]
    assert binning.labels == ("(missing)", "a", "b", "c", "(other)", "(unseen)")
    np.testing.assert_array_equal(_codes(prepared.synthetic, "c"), [1, 2, 3, 4, 4, 0, 5, 5])
    # the real frame's own rare categories go to (other), never to (unseen)
    real_codes = _codes(prepared.real, "c")
    assert 5 not in set(real_codes.tolist())
    assert (real_codes == 4).sum() == 4 + 3 + 2


def test_most_frequent_categories_are_kept_first():
    real = pd.DataFrame({"c": ["rare"] * 2 + ["common"] * 20 + ["middle"] * 8})
    prepared = _prepared(real, real)
    assert prepared.binnings["c"].labels[1:4] == ("common", "middle", "rare")


def test_boolean_codes():
    real = pd.DataFrame({"b": [True, False, True, True] * 10})
    synthetic = pd.DataFrame({"b": ["yes", "no", None, "maybe"]})
    prepared = _prepared(real, synthetic)
    binning = prepared.binnings["b"]
    assert binning.labels[:3] == ("(missing)", "False", "True")
    # "maybe" cannot be coerced: it becomes missing (and is counted elsewhere)
    np.testing.assert_array_equal(_codes(prepared.synthetic, "b"), [2, 1, 0, 0])


def test_ids_and_text_are_not_binned(mixed_frame):
    prepared = _prepared(mixed_frame, mixed_frame)
    assert "row_id" not in prepared.binnings
    assert {"num", "when", "cat", "flag", "code", "const", "empty"} <= set(prepared.binnings)


def test_excluded_and_role_columns():
    real = pd.DataFrame({"x": np.arange(50.0) % 7, "y": np.arange(50.0) % 3, "t": np.arange(50.0)})
    prepared = _prepared(real, real, exclude=["y"], time_column="t")
    assert "y" not in prepared.binnings
    assert "t" not in prepared.binnings  # only features and the target are binned


def test_pair_codes_are_coarser_for_small_data():
    config = sdq.Config(n_bootstrap=0)
    assert pair_bins(100, config) == 4  # floor(sqrt(100 / 5))
    assert pair_bins(5, config) == 2
    assert pair_bins(1_000_000, config) == config.n_bins
    rng = np.random.default_rng(3)
    small = pd.DataFrame({"x": rng.normal(size=100), "c": [f"k{i % 12}" for i in range(100)]})
    prepared = _prepared(small, small, config=config)
    fine, coarse = prepared.binnings["x"], prepared.pair_binnings["x"]
    assert coarse.n_codes < fine.n_codes
    assert coarse.n_codes == 4 + 3  # missing, below, 4 quantile bins, above
    assert prepared.pair_binnings["c"].n_codes == 4 + 3  # missing, 4 kept, other, unseen
    assert len(np.unique(_codes(prepared.real, "x", pair=True))) == 4
    # with many rows the pairwise bins are the univariate ones
    big = pd.DataFrame({"x": rng.normal(size=5000)})
    prepared_big = _prepared(big, big, config=config)
    assert prepared_big.pair_binnings["x"] is prepared_big.binnings["x"]


def test_baseline_is_a_subsample_of_the_holdout_of_the_synthetic_size():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=60)})
    synthetic = pd.DataFrame({"x": rng.normal(size=40)})
    holdout = pd.DataFrame({"x": rng.normal(size=90)})
    prepared = _prepared(real, synthetic, holdout)
    assert prepared.frames["holdout"].n_rows == 90
    assert prepared.baseline.n_rows == 40
    assert set(prepared.baseline.frame["x"]) <= set(holdout["x"])
    # a holdout no larger than the synthetic data is used whole
    prepared_small = _prepared(real, synthetic, holdout.iloc[:30])
    assert prepared_small.baseline.n_rows == 30


def test_subsample_rows_is_seeded_sorted_and_without_replacement():
    a = subsample_rows(100, 30, np.random.default_rng(1))
    b = subsample_rows(100, 30, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 30 and (np.diff(a) > 0).all()
    np.testing.assert_array_equal(subsample_rows(10, 30, np.random.default_rng(1)), np.arange(10))


@pytest.mark.parametrize("column_types", [None, {"x": "numeric"}], ids=["inferred-empty", "forced-numeric"])
def test_values_where_the_real_column_is_all_missing_get_a_valid_code(column_types):
    real = pd.DataFrame({"x": [np.nan] * 30})
    synthetic = pd.DataFrame({"x": [1.0, np.nan, 2.0] * 10})
    prepared = _prepared(real, synthetic, column_types=column_types)
    binning = prepared.binnings["x"]
    codes = _codes(prepared.synthetic, "x")
    assert codes.min() >= 0 and codes.max() < binning.n_codes
    assert codes[1] == 0
    assert binning.labels[codes[0]] in ("(other)", "(unseen)")
    assert (_codes(prepared.real, "x") == 0).all()


def test_prepared_rows_do_not_depend_on_the_given_row_order(mixed_frame):
    # every seeded sample drawn by position must not depend on the order the rows came in
    rng = np.random.default_rng(8)
    a = _prepared(mixed_frame, mixed_frame)
    b = _prepared(mixed_frame.iloc[rng.permutation(len(mixed_frame))], mixed_frame)
    for column, codes in a.real.codes.items():
        np.testing.assert_array_equal(b.real.codes[column], codes)


def test_quantile_edges_never_split_a_point_mass():
    # counts with ~15 values and 6 bins: quantile edges fall on tied values; a copy jittered by
    # 1e-6 either way must keep every row's code (edges sit between real values)
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.poisson(5, 2000).astype(float)})
    jittered = real + rng.choice([-1e-6, 1e-6], size=(2000, 1))
    prepared = _prepared(real, jittered, config=sdq.Config(n_bins=6))
    assert prepared.binnings["x"].mode == "edges"
    np.testing.assert_array_equal(_codes(prepared.synthetic, "x"), _codes(prepared.real, "x"))
    report = sdq.evaluate(real, jittered, metrics=["histogram_similarity"], config=sdq.Config(n_bins=6))
    assert report.scores["histogram_similarity"] == pytest.approx(1.0, abs=1e-12)


# -- the cache of shared work -------------------------------------------------------------------
def test_cached_work_is_computed_once_per_key_and_only_for_declared_keys(mixed_triple):
    real, synthetic, holdout = mixed_triple
    prepared = _prepared(real, synthetic, holdout)
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert prepared.cached(("fidelity.sequences", "real"), compute) == 1
    assert prepared.cached(("fidelity.sequences", "real"), compute) == 1
    assert prepared.cached(("fidelity.sequences", "synthetic"), compute) == 2
    with pytest.raises(KeyError, match="CACHED_WORK"):
        prepared.cached(("not declared",), compute)
    with pytest.raises(KeyError, match="CACHED_WORK"):
        prepared.cached("fidelity.sequences", compute)  # not a tuple


def test_a_metric_outside_sdq_declares_its_cached_work(mixed_triple, monkeypatch):
    from sdq import prepare as prepare_module

    monkeypatch.setattr(prepare_module, "CACHED_WORK", dict(prepare_module.CACHED_WORK))
    prepared = _prepared(*mixed_triple)
    with pytest.raises(KeyError, match="declare_cached_work"):
        prepared.cached(("plugin.index",), lambda: 1)
    prepare_module.declare_cached_work("plugin.index", "(): a plugin's index; plugin_metric")
    assert prepared.cached(("plugin.index",), lambda: 7) == 7
    prepare_module.declare_cached_work("plugin.index", "(): a plugin's index; plugin_metric")  # same: fine
    with pytest.raises(ValueError, match="already declared"):
        prepare_module.declare_cached_work("plugin.index", "something else")


def test_a_failure_is_not_kept_in_the_cache(mixed_triple):
    prepared = _prepared(*mixed_triple)

    def fails():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        prepared.cached(("utility.setup",), fails)
    assert prepared.cache == {}
    assert prepared.cached(("utility.setup",), lambda: "built") == "built"


def test_the_cache_is_not_carried_to_a_copy_for_the_next_candidate(mixed_triple):
    # the real side kept between candidates is made with dataclasses.replace: it starts empty
    import dataclasses

    prepared = _prepared(*mixed_triple)
    prepared.cached(("privacy.encoder",), lambda: "fitted")
    real_side = dataclasses.replace(prepared, frames={"real": prepared.real})
    assert real_side.cache == {} and prepared.cache != {}
    again = prepare(prepared.tables, prepared.config, reuse=real_side)
    assert again.cache == {}


# -- canonical column order, given order for details ---------------------------------------------
def test_columns_come_in_canonical_order_and_details_can_go_back_to_the_given_order():
    x = np.linspace(0.0, 1.0, 30)
    frame = pd.DataFrame({"b": x, "a": list("xyz") * 10, "c": x**2})
    prepared = _prepared(frame, frame.copy())
    assert [s.name for s in prepared.columns()] == ["a", "b", "c"]
    assert [s.name for s in prepared.columns(("numeric",))] == ["b", "c"]
    assert [s.name for s in prepared.binned_columns()] == ["a", "b", "c"]
    assert [s.name for s in prepared.given_order(prepared.columns())] == ["b", "a", "c"]
    entries = [{"column": "c"}, {"column": "a"}, {"column": "b"}]
    assert prepared.given_order(entries, label=lambda e: e["column"]) == [
        {"column": "b"},
        {"column": "a"},
        {"column": "c"},
    ]


# -- values near the float maximum --------------------------------------------------------------
def test_the_exponent_is_set_by_the_compared_frames_and_scales_back_exactly():
    from sdq.prepare import in_units, scaled

    real = pd.DataFrame({"x": np.r_[np.linspace(-1.0, 1.0, 38), [1.7e308, -1.0e308]], "y": np.linspace(0, 1, 40)})
    synthetic = pd.DataFrame({"x": np.linspace(-1.0, 1.0, 40), "y": np.linspace(0, 1, 40)})
    prepared = _prepared(real, synthetic)
    e = prepared.exponent("x")
    assert e > 0 and prepared.exponent("y") == 0
    values = scaled(prepared.real.values["x"], e)
    assert np.isfinite(values.sum()) and 2.0**511 <= np.abs(values).max() < 2.0**512
    assert in_units(float(np.max(values)), e) == 1.7e308
    assert scaled(prepared.real.values["y"], 0) is prepared.real.values["y"]  # ordinary data as it is
    assert in_units(1.5, 0) == 1.5
    assert in_units(2.0**600, e) == np.inf  # beyond the float range: null in a report

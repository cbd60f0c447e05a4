"""Building blocks of the privacy metrics, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import build_tables
from sdq.metrics.privacy.distance import encoder, search
from sdq.metrics.privacy.exact_match import round_significant, row_hashes
from sdq.metrics.privacy.membership_inference import tpr_at_fpr
from sdq.metrics.privacy.neighbours import excess_score, mid_ranks, threshold
from sdq.prepare import prepare
from sdq.schema import fit_schema


def _prepared(real, synthetic, holdout=None, **kw):
    schema = fit_schema(real)
    return prepare(build_tables(schema, real, synthetic, holdout), sdq.Config(**kw))


def _in_given_order(prepared, name, vectors):
    """Encoded rows put back in the row order of the frame that was given."""
    out = np.empty_like(vectors)
    out[prepared.frames[name].positions] = vectors
    return out


def test_search_is_exact_euclidean_and_excludes_self_by_position():
    rng = np.random.default_rng(0)
    ref = rng.random((500, 6)).astype(np.float32)
    ref[10] = ref[11]  # a true duplicate must survive self-exclusion
    q = rng.random((50, 6)).astype(np.float32)
    d, i = search(ref, q, k=1)
    brute = np.sqrt(((q[:, None, :].astype(float) - ref[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(d[:, 0], brute.min(axis=1), rtol=1e-4, atol=1e-5)
    d_self, i_self = search(ref, ref, k=1, exclude_self=True)
    assert d_self[10, 0] == pytest.approx(0.0, abs=1e-6) and i_self[10, 0] == 11
    assert (i_self[:, 0] != np.arange(len(ref))).all()


def test_encoding_distances_count_differing_columns():
    real = pd.DataFrame(
        {"c": ["a", "b", "c", "a"] * 10, "x": np.arange(40.0) + 0.5, "m": [1.5, np.nan, 2.5, np.nan] * 10}
    )
    p = _prepared(real, real)
    enc = encoder(p)
    v = _in_given_order(p, "real", enc.encode("real"))
    # rows 0 and 4: same category, x differs by 4 of 40 ranks, m both present 1.0
    assert np.linalg.norm(v[0] - v[4]) == pytest.approx(4 / 40, abs=1e-6)
    # rows 0 and 1: category a vs b -> 1; x one rank apart -> 1/40; m present (1.5, mid-rank share
    # 0.25) vs missing (neutral 0.5) -> 0.25, plus the missing indicator 1
    diff = v[0] - v[1]
    assert float(diff @ diff) == pytest.approx(1 + (1 / 40) ** 2 + 0.25**2 + 1, abs=1e-5)


def test_encoding_is_continuous_at_point_masses():
    real = pd.DataFrame({"x": [0.5] * 80 + [2.5] * 20, "y": np.arange(100.0) + 0.5})
    p = _prepared(real, real.assign(x=real["x"] + 1e-6))
    enc = encoder(p)
    a, b = _in_given_order(p, "real", enc.encode("real")), _in_given_order(p, "synthetic", enc.encode("synthetic"))
    assert np.abs(a - b).max() < 1e-5  # a tiny change of a value is a tiny distance


def test_row_hashes_treat_missing_alike_and_round():
    a = pd.DataFrame({"x": [1.0, np.nan, 0.1 + 0.2], "s": ["u", None, "w"]})
    b = pd.DataFrame({"x": [1.0, np.nan, 0.3], "s": ["u", None, "w"]})
    assert (row_hashes(a, ["x", "s"]) == row_hashes(b, ["x", "s"])).all()
    assert round_significant(np.array([123456.789012345678]), 6)[0] == 123457.0


def test_mid_ranks_and_excess_score_by_hand():
    np.testing.assert_allclose(mid_ranks(np.array([0.0, 2.5]), np.array([0.0, 0.0, 1.0, 2.0])), [0.25, 1.0])
    assert excess_score(0.05, 0.05) == 1.0
    assert excess_score(1.0, 0.3) == 0.0
    assert excess_score(0.65, 0.3) == pytest.approx(0.5)
    assert excess_score(0.01, 0.3) == 1.0  # farther than fresh rows is not rewarded beyond 1
    assert threshold(np.array([0.0, 0.0, 1.0, 2.0, 3.0]), 0.0) == 1.0  # zeros are left out


def test_tpr_at_fpr_by_hand():
    labels = np.array([1, 1, 1, 0, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.1, 0.85, 0.2, 0.15, 0.05])
    assert tpr_at_fpr(labels, scores, 0.0) == pytest.approx(1 / 3)  # above every negative: 0.9 only
    assert tpr_at_fpr(labels, scores, 0.25) == pytest.approx(2 / 3)
    assert tpr_at_fpr(labels, scores, 0.5) == pytest.approx(2 / 3)
    assert tpr_at_fpr(labels, scores, 1.0) == 1.0


PRIVACY = ["exact_match", "neighbours_privacy", "membership_inference"]


def _names(prefix: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"name": [f"{prefix} {i:03d}" for i in range(n)]})


def _ids_and_text(prefix: str, n: int) -> pd.DataFrame:
    notes = [f"{prefix}: a long free-text comment, number {i}, about this and that" for i in range(n)]
    return pd.DataFrame({"uid": [f"{prefix}{i:04d}" for i in range(n)], "note": notes})


@pytest.mark.parametrize("make", [_names, _ids_and_text], ids=["unique-names", "ids-and-text"])
def test_a_copy_of_a_table_without_measurable_columns_is_caught(make):
    real, holdout, fresh = make("alice", 60), make("bob", 60), make("carol", 60)
    assert {s.kind for s in fit_schema(real).columns} <= {"id", "text"}  # nothing to measure distances on
    copy = sdq.evaluate(real, real.copy(), holdout, metrics=PRIVACY, config=sdq.Config(n_bootstrap=0))
    # the copied rows are found (on the ids, when nothing else is there)...
    assert copy["exact_match"].status == "ok" and copy["exact_match"].score == 0.0
    assert copy["exact_match"].details["copied_share"] == 1.0
    # ... and the distance metrics say why they cannot judge, instead of a "safe" 1.0
    for name in ("neighbours_privacy", "membership_inference"):
        assert copy[name].status == "skipped"
        assert "no columns to measure distances on" in copy[name].message
    new = sdq.evaluate(real, fresh, holdout, metrics=["exact_match"], config=sdq.Config(n_bootstrap=0))
    assert new["exact_match"].score == 1.0


def test_ids_are_left_out_of_the_comparison_when_other_columns_exist():
    rng = np.random.default_rng(3)
    real = pd.DataFrame(
        {"uid": [f"u{i:04d}" for i in range(80)], "x": rng.normal(size=80), "c": rng.choice(["a", "b"], size=80)}
    )
    redrawn_ids = real.assign(uid=[f"v{i:04d}" for i in range(80)])  # new ids, everything else copied
    r = sdq.evaluate(real, redrawn_ids, metrics=["exact_match"], config=sdq.Config(n_bootstrap=0))["exact_match"]
    assert r.score == 0.0 and r.details["columns"] == ["c", "x"]
    assert r.details["id_overlap"] == {"uid": 0.0}


def test_float32_copies_are_copies_and_near_values_are_not():
    n = 300

    def frame(seed):
        g = np.random.default_rng(seed)
        return pd.DataFrame({"a": g.normal(size=n) * 1000, "b": g.random(n), "c": g.choice(["x", "y"], n)})

    real, holdout = frame(0), frame(1)
    config = sdq.Config(n_bootstrap=0)
    as_float32 = real.astype({"a": "float32", "b": "float32"})
    # float32 keeps about 7 significant digits: the copies differ from the real values around the
    # 8th, which 12 significant digits told apart
    assert (as_float32["a"].to_numpy(dtype=float) != real["a"].to_numpy()).mean() > 0.9
    r = sdq.evaluate(real, as_float32, holdout, metrics=["exact_match"], config=config)["exact_match"]
    assert r.score == 0.0 and r.details["copied_share"] == 1.0
    # a relative difference of 1e-3 in one column is not a copy
    near = real.assign(a=real["a"] * (1 + 1e-3))
    r_near = sdq.evaluate(real, near, holdout, metrics=["exact_match"], config=config)["exact_match"]
    assert r_near.score == 1.0 and r_near.details["copied_share"] == 0.0
    # nor is a relative 1e-5 (beyond float32 precision and the 1e-6 tolerance)
    r_close = sdq.evaluate(
        real, real.assign(b=real["b"] * (1 + 1e-5) + 1e-9), holdout, metrics=["exact_match"], config=config
    )["exact_match"]
    assert r_close.details["copied_share"] == 0.0


def test_datetimes_keep_their_precision_in_exact_matches():
    # float32 would merge timestamps minutes apart; datetimes are compared to 12 digits
    stamps = pd.Series(pd.date_range("2021-01-01", periods=100, freq="7h"))
    real = pd.DataFrame({"t": stamps, "c": ["a", "b"] * 50})
    shifted = real.assign(t=stamps + pd.Timedelta(minutes=1))
    r = sdq.evaluate(real, shifted, metrics=["exact_match"], config=sdq.Config(n_bootstrap=0))["exact_match"]
    assert r.details["copied_share"] == 0.0
    r_copy = sdq.evaluate(real, real.copy(), metrics=["exact_match"], config=sdq.Config(n_bootstrap=0))["exact_match"]
    assert r_copy.details["copied_share"] == 1.0


def _tiny(n: int, seed: int) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": g.normal(size=n) + 0.5,
            "c": g.choice(["a", "b"], n),
            "y": g.choice(["u", "v"], n),
            "t": np.arange(n) + 0.5,
            "e": g.choice(["p", "q"], n),
        }
    )


@pytest.mark.parametrize("n_real", [1, 2])
@pytest.mark.parametrize("with_holdout", [True, False], ids=["holdout", "no-holdout"])
def test_one_or_two_real_rows_give_results_or_reasons_never_errors(n_real, with_holdout):
    real, synthetic, holdout = _tiny(n_real, 0), _tiny(50, 1), _tiny(50, 2)
    config = sdq.Config(n_bootstrap=20, models=("linear",), n_queries=50)
    for kwargs in ({}, {"target": "y"}, {"time_column": "t", "entity_column": "e"}):
        report = sdq.evaluate(
            real, synthetic, holdout if with_holdout else None, sensitive=holdout, config=config, **kwargs
        )
        for result in report:
            assert result.status in ("ok", "skipped"), (kwargs, result.name, result.message)
            assert result.status == "ok" or result.message
    if with_holdout:
        # (one real row makes every column a constant; with the kinds set there are distances)
        report = sdq.evaluate(
            real, synthetic, holdout, metrics=PRIVACY, config=config, column_types={"x": "numeric", "c": "categorical"}
        )
        assert report["exact_match"].status == "ok"
        assert report["membership_inference"].status == "skipped"
        assert "too few real rows" in report["membership_inference"].message
        if n_real == 1:
            assert report["neighbours_privacy"].status == "skipped"
            assert "too few real rows" in report["neighbours_privacy"].message
        else:
            assert report["neighbours_privacy"].status == "ok"


def test_rows_encoded_once_serve_both_privacy_groups():
    from sdq.metrics.privacy.distance import encode_once, vectors

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b", "c"], 60)})
    prepared = _prepared(frame[:30], frame[30:45], frame[45:])
    encode_once(prepared)
    for name in ("real", "synthetic", "holdout"):
        assert vectors(prepared, name, "attacks") is vectors(prepared, name, "distances")
    assert encoder(prepared, "attacks") is encoder(prepared, "distances")
    # a process without them encodes its own, the same vectors
    fresh = _prepared(frame[:30], frame[30:45], frame[45:])
    np.testing.assert_array_equal(vectors(fresh, "real", "attacks"), vectors(prepared, "real"))

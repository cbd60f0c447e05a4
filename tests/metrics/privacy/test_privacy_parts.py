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
    real = pd.DataFrame({"c": ["a", "b", "c", "a"] * 10, "x": np.arange(40.0), "m": [1.0, np.nan, 2.0, np.nan] * 10})
    p = _prepared(real, real)
    enc = encoder(p)
    v = _in_given_order(p, "real", enc.encode("real"))
    # rows 0 and 4: same category, x differs by 4 of 40 ranks, m both present 1.0
    assert np.linalg.norm(v[0] - v[4]) == pytest.approx(4 / 40, abs=1e-6)
    # rows 0 and 1: category a vs b -> 1; x one rank apart -> 1/40; m present (1.0, mid-rank share
    # 0.25) vs missing (neutral 0.5) -> 0.25, plus the missing indicator 1
    diff = v[0] - v[1]
    assert float(diff @ diff) == pytest.approx(1 + (1 / 40) ** 2 + 0.25 ** 2 + 1, abs=1e-5)


def test_encoding_is_continuous_at_point_masses():
    real = pd.DataFrame({"x": [0.0] * 80 + [2.0] * 20, "y": np.arange(100.0)})
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

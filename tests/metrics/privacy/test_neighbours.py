"""``neighbours_privacy``: ordered codes in the distance space, the DCR share, and data of known risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.data import build_tables
from sdq.metrics.privacy.distance import _order_of, encoder, ordered_values, search
from sdq.metrics.privacy.neighbours import _nearest_among
from sdq.prepare import Binning, prepare
from sdq.schema import fit_schema

CONFIG = sdq.Config(n_bootstrap=50)


def three_way(frame: pd.DataFrame):
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    n = len(frame)
    return (
        frame.iloc[: n // 2].reset_index(drop=True),
        frame.iloc[n // 2 : 3 * n // 4].reset_index(drop=True),
        frame.iloc[3 * n // 4 :].reset_index(drop=True),
    )


def _vectors(real: pd.DataFrame, synthetic: pd.DataFrame):
    """Encoded real and synthetic rows, in the order they were given."""
    prepared = prepare(build_tables(fit_schema(real), real, synthetic), sdq.Config())
    enc = encoder(prepared)
    out = []
    for name in ("real", "synthetic"):
        vectors = enc.encode(name)
        given = np.empty_like(vectors)
        given[prepared.frames[name].positions] = vectors
        out.append(given)
    return enc, *out


def test_jittered_integer_codes_are_small_steps_not_unseen_categories():
    # a rating 1..5 (integers with few values: an ordinal column) beside a measurement
    levels = np.repeat([1, 2, 3, 4, 5], [10, 20, 40, 20, 10])
    real = pd.DataFrame({"rating": levels, "x": np.arange(100) + 0.5})
    assert fit_schema(real)["rating"].kind in ("ordinal", "categorical")
    jittered = real.assign(rating=np.where(levels == 5, 6, levels + 1))  # 6: a code the real data lacks
    enc, a, b = _vectors(real, jittered)
    assert enc.ordered == {"rating": "numbers"}
    step = np.linalg.norm(a - b, axis=1)
    # by hand: each code maps to its mid-rank share among the real codes (1 -> 0.05, 2 -> 0.2,
    # 3 -> 0.5, 4 -> 0.8, 5 -> 0.95); a code beyond the real range to the end point
    share = {1: 0.05, 2: 0.2, 3: 0.5, 4: 0.8, 5: 0.95}
    for i in (0, 10, 30, 70, 90):
        old = levels[i]
        new = min(old + 1, 5)
        assert step[i] == pytest.approx(abs(share[new] - share[old]), abs=1e-6), old
    # a step of one code is smaller than a change of category (distance 1) ...
    assert step.max() < 0.5
    # ... and a code the real data lacks lies beside the nearest real code, not a unit away
    assert step[levels == 5].max() == pytest.approx(0.0, abs=1e-6)
    # codes with noise (3.02) are tiny steps too
    noisy = real.assign(rating=levels + 0.02)
    _, a, c = _vectors(real, noisy)
    assert np.linalg.norm(a - c, axis=1).max() < 0.02


def test_codes_that_are_not_numbers_stay_categories():
    real = pd.DataFrame({"c": list("abcab") * 20, "x": np.arange(100.0)})
    enc, a, b = _vectors(real, real.assign(c=real["c"].map({"a": "b", "b": "c", "c": "a"})))
    assert enc.ordered == {}
    assert np.linalg.norm(a - b, axis=1) == pytest.approx(np.ones(100), abs=1e-6)


def test_ordinal_levels_are_put_on_a_line_by_their_order():
    # an ordinal column of words (the kind and the binning mode of ordered levels): ordered by the
    # position of each level in the column's order
    labels = ("(missing)", "low", "mid", "high", "(unseen)")
    binning = Binning("size", "ordinal", "levels", labels, categories=("low", "mid", "high"))
    words = pd.Series(["high", "low", None, "mid", "huge"], dtype="category")
    assert _order_of("ordinal", binning, words) == "levels"
    np.testing.assert_array_equal(ordered_values(words, "levels", binning), [2.0, 0.0, np.nan, 1.0, np.nan])
    # numbers are ordered by value, whether the column is ordinal or integer codes
    assert _order_of("ordinal", binning, pd.Series(["1.5", "3"], dtype="category")) == "numbers"
    assert _order_of("categorical", None, pd.Series(["1", "3"], dtype="category")) == "numbers"
    assert _order_of("categorical", None, pd.Series(["1.5", "3"], dtype="category")) is None
    assert _order_of("categorical", None, pd.Series(["x", "3"], dtype="category")) is None


def test_the_nearest_sampled_row_is_read_off_the_nearest_rows_as_a_search_finds_it():
    rng = np.random.default_rng(0)
    reference = rng.random((2000, 5)).astype(np.float32)
    queries = rng.random((300, 5)).astype(np.float32)
    rows = np.sort(rng.choice(2000, 700, replace=False))
    known = search(reference, queries, k=4)  # many queries have none of the sample among 4
    d, i = _nearest_among(rows, reference, queries, known)
    d_direct, i_direct = search(reference[rows], queries, k=1)
    np.testing.assert_allclose(d, d_direct[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(i, i_direct[:, 0])


@pytest.fixture(scope="module")
def randhie():
    import statsmodels.api as sm

    return three_way(sm.datasets.randhie.load_pandas().data.iloc[:8000])


def _noisy(frame: pd.DataFrame, columns, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for c in columns:
        out[c] = frame[c] + rng.normal(0, 0.02 * frame[c].std(), len(frame))
    return out


def test_a_noisy_copy_of_a_panel_survey_scores_clearly_below_fresh_data(randhie):
    # randhie is a panel: the same people in several years, so many fresh rows have an exact twin
    # among the training rows (point masses, near-twins). A copy with 2% noise on its numeric
    # columns is no nearer to the training rows than those twins, but it is nearer to the training
    # rows than to the holdout rows: the DCR share says so (it scored 1.000, fresh data 0.986)
    train, holdout, fresh = randhie
    numeric = [c for c in train if train[c].nunique() > 2]
    noisy = sdq.evaluate(train, _noisy(train, numeric), holdout, metrics=["neighbours_privacy"], config=CONFIG)
    new = sdq.evaluate(train, fresh, holdout, metrics=["neighbours_privacy"], config=CONFIG)
    r_noisy, r_new = noisy["neighbours_privacy"], new["neighbours_privacy"]
    assert r_noisy.score < r_new.score - 0.1
    assert r_noisy.ci[1] < r_new.ci[0]
    assert r_noisy.details["dcr_share"]["interval"][0] > 0.55
    assert r_new.details["dcr_share"]["interval"][0] < 0.5 < r_new.details["dcr_share"]["interval"][1]
    assert r_noisy.details["parts"]["dcr_share"] == pytest.approx(r_noisy.score)
    assert noisy.verdicts["privacy"] == "well_below" and new.verdicts["privacy"] == "on_par"
    assert abs(r_new.score - r_new.baseline) < 0.05


def test_a_noisy_copy_of_coded_survey_data_is_caught():
    # statsmodels' Fair survey as it ships: ratings and codes as numbers with few values, read as
    # categories. 2% noise on every column made each code an unseen category a full unit away, so
    # the noisy copy scored 1.000 on both distance metrics and passed as on par
    import statsmodels.api as sm

    train, holdout, fresh = three_way(sm.datasets.fair.load_pandas().data)
    metrics = ["neighbours_privacy", "membership_inference"]
    noisy = sdq.evaluate(train, _noisy(train, train.columns, seed=1), holdout, metrics=metrics, config=CONFIG)
    new = sdq.evaluate(train, fresh, holdout, metrics=metrics, config=CONFIG)
    assert "rate_marriage" in noisy["neighbours_privacy"].details["ordered_codes"]
    for m in metrics:
        assert noisy[m].score < new[m].score - 0.3, (m, noisy[m].score, new[m].score)
    assert noisy.verdicts["privacy"] == "well_below" and new.verdicts["privacy"] == "on_par"


def test_repeated_runs_give_identical_results(randhie):
    train, holdout, fresh = randhie
    a, b = (
        sdq.evaluate(train, fresh.iloc[:500], holdout, metrics=["neighbours_privacy"], config=CONFIG, seed=3)
        for _ in range(2)
    )
    x, y = a["neighbours_privacy"], b["neighbours_privacy"]
    assert (x.score, x.baseline, x.ci, x.details) == (y.score, y.baseline, y.ci, y.details)

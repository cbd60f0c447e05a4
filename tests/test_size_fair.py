"""Size-fair scores: more synthetic rows of the same quality never score better, so relative
gates do not get easier and ``compare`` does not favour the larger candidate."""

from __future__ import annotations

import numpy as np
import pytest

import sdq
from sdq.demo import load_fair

FIDELITY = ["statistics", "histogram_similarity", "mutual_information", "correlation"]


@pytest.fixture(scope="module")
def sizes():
    frame = load_fair()
    rows = np.random.default_rng(3).permutation(len(frame))
    train, holdout = frame.iloc[rows[:2500]], frame.iloc[rows[2500:2800]]
    pool = frame.iloc[rows[2800:]]
    return train, holdout, pool.iloc[:300], pool.iloc[:3000]


def test_fresh_rows_at_10x_do_not_beat_their_baseline(sizes):
    train, holdout, _, big = sizes
    report = sdq.evaluate(train, big, holdout=holdout, metrics=FIDELITY, config=sdq.Config(n_bootstrap=50), seed=0)
    for m in report.metrics:
        # scored at the holdout's size: within its interval of the baseline or below it
        assert m.ci[0] <= m.baseline + 0.02, (m.name, m.score, m.ci, m.baseline)
        if m.name == "histogram_similarity":
            rows = m.details["rows"]
            assert rows["synthetic"] == len(holdout) and rows["synthetic_full"] == len(big)
            # every row at once scores higher: that is why it is not the headline
            assert m.details["score_full_size"] > m.score
    assert report.verdicts["fidelity"] == "on_par"


def test_compare_ties_the_same_generator_at_1x_and_10x(sizes):
    train, holdout, small, big = sizes
    board = sdq.compare(
        {"1x": small, "10x": big},
        train,
        holdout=holdout,
        metrics=FIDELITY,
        config=sdq.Config(n_bootstrap=50),
        seed=0,
    ).leaderboard
    assert set(board["verdict"]) == {"on_par"}
    assert board.loc["1x", "tied_with"] == ["10x"] and list(board["rank"]) == [1, 1]


def test_privacy_metrics_see_every_synthetic_row(sizes):
    train, holdout, _, big = sizes
    leaked = big.copy()
    leaked.iloc[-50:] = train.iloc[:50].to_numpy()  # copies in rows a subsample could miss
    report = sdq.evaluate(train, leaked, holdout=holdout, metrics=["exact_match"], seed=0)
    details = report["exact_match"].details
    assert details["synthetic_rows"] == len(big) and details["copied_rows"] >= 50

"""seasonal_profile: values by position in the cycle or sequence. Hand-computed profiles and
scores, the choice of position, rankings of known-quality variants of real seasonal series
(statsmodels' co2 and elnino), and the cases that must not be silent skips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.errors import ConfigError
from sdq.metrics.fidelity.seasonal_profile import Layout, profile, profile_score

CONFIG = sdq.Config(n_bootstrap=0)


def _run(real, synthetic, holdout=None, config=CONFIG, **roles):
    return sdq.evaluate(real, synthetic, holdout, metrics=["seasonal_profile"], config=config, **roles)[
        "seasonal_profile"
    ]


# -- hand-computed ----------------------------------------------------------------------------------
def _two_sequences(a: list[float], b: list[float]) -> pd.DataFrame:
    # 0.25 added: integers with few distinct values would be read as categories
    return pd.DataFrame({"id": ["a"] * 4 + ["b"] * 4, "t": [0, 1, 2, 3] * 2, "x": np.add(a + b, 0.25)})


def test_hand_computed_profiles_and_score():
    # each sequence is a unit; the values less their sequence's mean, averaged per row position:
    # real  a: 1 2 3 4 (mean 2.5), b: 11 12 13 14 (12.5) -> location -1.5 -0.5 0.5 1.5, spread 0
    # synth a: 0 0 1 3 (mean 1),   b: 10 12 11 13 (11.5) -> a: -1 -1 0 2, b: -1.5 0.5 -0.5 1.5
    #   location (their mean per position) -1.25 -0.25 -0.25 1.75; residuals a: .25 -.75 .25 .25,
    #   b: the same negated -> spread .25 .75 .25 .25, centred -.125 .375 -.125 -.125
    # lost = sum |r - s| = (.25 + .25 + .75 + .25) + (.125 + .375 + .125 + .125) = 2.25
    # mass = sum |r| + |s| = (4 + 3.5) + (0 + .75) = 8.25 -> score 1 - 2.25 / 8.25 = 8 / 11
    # (two sequences: the standard errors come from the rows, and the real rows have no residual)
    real = _two_sequences([1, 2, 3, 4], [11, 12, 13, 14])
    synthetic = _two_sequences([0, 0, 1, 3], [10, 12, 11, 13])
    result = _run(real, synthetic, real.copy(), time_column="t", entity_column="id")
    assert result.status == "ok", result.message
    assert result.score == pytest.approx(8 / 11, abs=1e-12)
    assert result.baseline == pytest.approx(1.0)
    (entry,) = result.details["columns"]
    sigma = np.std([1, 2, 3, 4, 11, 12, 13, 14], ddof=1)
    assert entry["labels"] == ["1", "2", "3", "4+"]
    np.testing.assert_allclose(entry["real"], np.array([-1.5, -0.5, 0.5, 1.5]) / sigma, atol=1e-4)
    np.testing.assert_allclose(entry["synthetic"], np.array([-1.25, -0.25, -0.25, 1.75]) / sigma, atol=1e-4)
    np.testing.assert_allclose(entry["spread"]["synthetic"], np.array([0.25, 0.75, 0.25, 0.25]) / sigma, atol=1e-4)
    np.testing.assert_allclose(entry["spread"]["real"], 0.0, atol=1e-6)
    assert result.details["position"]["kind"] == "index"
    assert "numbers, not dates" in result.details["position"]["rule"]
    # the real sequences reversed in time: the deviations reversed, nothing kept
    reversed_ = _two_sequences([4, 3, 2, 1], [14, 13, 12, 11])
    assert _run(real, reversed_, time_column="t", entity_column="id").score == pytest.approx(0.0, abs=1e-12)


def test_profile_score_by_hand():
    season = np.array([2.0, 0.0, -2.0, 0.0])
    flat = np.zeros(4)
    # a shift by a quarter of the cycle: |r - s| = 2 + 2 + 2 + 2 = 8, mass 4 + 4 -> 0
    assert profile_score(season, flat, np.roll(season, 1), flat) == pytest.approx(0.0)
    # half the amplitude: lost 1 + 1, mass 4 + 2 -> 2 / 3
    assert profile_score(season, flat, season / 2, flat) == pytest.approx(2 / 3)
    # the noise comes off the total: 0.5 per position -> lost max(0, 2 - 2) = 0
    assert profile_score(season, flat, season / 2, flat, 0.5) == pytest.approx(1.0)
    # a position the other profile never reaches (NaN): the real deviation there is lost in full
    missing = np.array([2.0, 0.0, np.nan, 0.0])
    # s centred over its three positions: 2 - 2/3, -2/3, -2/3; r: 2 0 -2 0
    s = np.array([4 / 3, -2 / 3, -2 / 3])
    lost = abs(2 - s[0]) + abs(0 - s[1]) + 2 + abs(0 - s[2])
    mass = 4 + np.abs(s).sum()
    assert profile_score(season, flat, missing, flat) == pytest.approx(1 - lost / mass)
    # positions the real profile lacks are not compared; nothing varies -> 1
    assert profile_score(np.array([np.nan, 1.0, 1.0]), np.zeros(3), np.array([5.0, 1.0, 1.0]), np.zeros(3)) == 1.0


def test_levels_and_effects_are_the_least_squares_fit_on_incomplete_cycles():
    # units of unequal sizes covering different positions (partial cycles, missing cells, a unit
    # at one position that says nothing): the positions' effects are those of an ordinary
    # least-squares fit with one dummy per unit and per position
    rng = np.random.default_rng(3)
    n_bins, n_units = 5, 12
    units = rng.integers(0, n_units, size=200)
    bins = rng.integers(0, n_bins, size=200)
    bins[units == 0] = 2  # unit 0: one position only (left out)
    bins[(units == 1) & (bins == 4)] = 3
    x = 3.0 * units + np.array([0.0, 1.0, -2.0, 0.5, 0.3])[bins] + rng.normal(scale=0.5, size=200)
    x[::17] = np.nan
    place = Layout(
        rows=np.arange(200),
        bins=bins,
        units=units,
        unit_group=np.arange(n_units),
        grouping="cycles",
        n_sequences=1,
        missing_times=0,
    )
    result = profile(x, place, n_bins)
    keep = np.isfinite(x) & (units != 0)
    design = np.hstack([np.eye(n_units)[units[keep]][:, 1:], np.eye(n_bins)[bins[keep]]])
    coef = np.linalg.lstsq(design, x[keep], rcond=None)[0]
    effects = coef[n_units - 1 :]
    np.testing.assert_allclose(result.location, effects - effects.mean(), atol=1e-9)
    residual = x[keep] - design @ coef
    spread = np.sqrt(np.bincount(bins[keep], weights=residual**2) / np.bincount(bins[keep]))
    np.testing.assert_allclose(result.spread, spread, atol=1e-9)
    assert (result.units, result.units_used) == (n_units, n_units - 1)


# -- the position ------------------------------------------------------------------------------------
def _dated(freq: str, periods: int, seed: int = 0, entities: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    when = pd.date_range("2001-01-01", periods=periods, freq=freq)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(entities), periods),
            "when": np.tile(when, entities),
            "x": rng.normal(size=periods * entities),
        }
    )


@pytest.mark.parametrize(
    "freq, periods, kind",
    [
        ("D", 3 * 365, "month_of_year"),  # daily over three years: the year is covered twice
        ("W", 120, "month_of_year"),
        ("MS", 36, "month_of_year"),
        ("QS", 20, "quarter_of_year"),
        ("D", 40, "day_of_week"),  # daily over six weeks
        ("h", 24 * 5, "hour_of_day"),
        ("YS", 40, "index"),  # yearly: no calendar phase fits
        ("D", 10, "index"),  # daily over ten days: no week covered twice
    ],
)
def test_the_position_is_the_longest_cycle_covered_twice(freq, periods, kind):
    data = _dated(freq, periods)
    result = _run(data, _dated(freq, periods, seed=1), time_column="when")
    assert result.status == "ok", result.message
    position = result.details["position"]
    assert position["kind"] == kind, position["rule"]
    assert len(result.details["columns"][0]["real"]) == len(position["labels"])


def test_the_position_can_be_chosen_and_is_skipped_where_it_cannot_be_read():
    data = _dated("D", 60, entities=3)
    asked = _run(data, data.copy(), time_column="when", entity_column="id", config=_with(position="index"))
    assert asked.details["position"]["kind"] == "index" and "as asked" in asked.details["position"]["rule"]
    numbers = data.assign(when=np.tile(np.arange(60), 3))
    skipped = _run(
        numbers, numbers.copy(), time_column="when", entity_column="id", config=_with(position="day_of_week")
    )
    assert skipped.status == "skipped" and "needs a time column of dates" in skipped.message
    with pytest.raises(ConfigError, match="must be one of"):
        _run(data, data.copy(), time_column="when", config=_with(position="week"))


def _with(**params) -> sdq.Config:
    return sdq.Config(n_bootstrap=0, metric_params={"seasonal_profile": params})


# -- real seasonal series ------------------------------------------------------------------------------
def _co2() -> pd.DataFrame:
    from statsmodels.datasets import co2

    data = co2.load_pandas().data.interpolate()
    return pd.DataFrame({"when": data.index, "co2": data["co2"].to_numpy()})


def _elnino() -> pd.DataFrame:
    from statsmodels.datasets import elnino

    wide = elnino.load_pandas().data
    long = wide.melt(id_vars="YEAR", var_name="month", value_name="sst")
    month = long["month"].map({m: k + 1 for k, m in enumerate(wide.columns[1:])})
    long["when"] = pd.to_datetime(pd.DataFrame({"year": long["YEAR"].astype(int), "month": month, "day": 1}))
    return long[["when", "sst"]].sort_values("when").reset_index(drop=True)


def _years(data: pd.DataFrame, k: int) -> pd.DataFrame:
    return data[data["when"].dt.year % 3 == k].reset_index(drop=True)


def _variants(data: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """Every third year is the real data, the next the holdout, the third a fresh sample; the
    variants are made from the fresh years (the shift from the whole series, so that it moves
    values across the years' ends as a shifted generator would)."""
    fresh = _years(data, 2)
    year, month = fresh["when"].dt.year, fresh["when"].dt.month
    season = (fresh[column] - fresh.groupby(year)[column].transform("mean")).groupby(month).transform("mean")
    shifted = data.assign(when=data["when"] + pd.DateOffset(months=6))  # values half a year late
    rng = np.random.default_rng(1)
    shuffled = fresh[column].groupby(year).transform(lambda s: s.to_numpy()[rng.permutation(len(s))])
    return {
        "fresh": fresh,
        "copy": _years(data, 0),
        "shifted": _years(shifted, 2),
        "shuffled": fresh.assign(**{column: shuffled}),
        "no_season": fresh.assign(**{column: fresh[column] - season}),
        "double": fresh.assign(**{column: fresh[column] + season}),
    }


@pytest.fixture(scope="module", params=["co2", "elnino"])
def seasonal(request):
    data, column = (_co2(), "co2") if request.param == "co2" else (_elnino(), "sst")
    real, holdout = _years(data, 0), _years(data, 1)
    config = sdq.Config(n_bootstrap=30)
    return {
        name: _run(real, variant, holdout, config=config, time_column="when")
        for name, variant in _variants(data, column).items()
    }


def test_seasonal_series_rank_as_their_quality(seasonal):
    score = {name: result.score for name, result in seasonal.items()}
    fresh = seasonal["fresh"]
    assert fresh.details["position"]["kind"] == "month_of_year"
    assert score["copy"] == 1.0
    assert score["fresh"] >= 0.9 and abs(score["fresh"] - fresh.baseline) < 0.05
    assert fresh.ci is not None and fresh.ci[0] <= score["fresh"] <= fresh.ci[1]
    assert score["shifted"] <= 0.3  # half a season late: the autocorrelation cannot see it, this must
    assert score["no_season"] <= 0.3 and score["shuffled"] <= 0.35
    assert score["shifted"] < score["double"] < score["fresh"]


def test_a_shift_the_autocorrelation_cannot_see(seasonal):
    data = _co2()
    variants = _variants(data, "co2")
    acf = {
        name: sdq.evaluate(_years(data, 0), variants[name], _years(data, 1), time_column="when", config=CONFIG)
        for name in ("fresh", "shifted")
    }
    assert acf["shifted"]["autocorrelation"].score >= acf["fresh"]["autocorrelation"].score - 0.01
    assert acf["shifted"]["seasonal_profile"].score < 0.3 < 0.9 < acf["fresh"]["seasonal_profile"].score


# -- synthetic panels ----------------------------------------------------------------------------------
def _weekly_panel(entities: int, days: int, seed: int, weekly: float = 1.0) -> pd.DataFrame:
    """Daily sequences: an entity level, a trend, a weekly pattern of size ``weekly`` and AR(1) noise."""
    rng = np.random.default_rng(seed)
    when = pd.date_range("2023-01-02", periods=days, freq="D")
    pattern = weekly * np.array([0.0, 0.2, 0.4, 0.6, 1.0, -1.0, -1.2])[when.day_of_week]
    noise = np.zeros((entities, days))
    shocks = rng.normal(size=(entities, days))
    for t in range(1, days):
        noise[:, t] = 0.5 * noise[:, t - 1] + shocks[:, t]
    level = rng.normal(scale=5.0, size=(entities, 1))
    x = level + 0.02 * np.arange(days) + pattern + noise
    return pd.DataFrame({"id": np.repeat(np.arange(entities), days), "when": np.tile(when, entities), "x": x.ravel()})


def test_a_panel_keeps_its_weekly_pattern_and_the_interval_resamples_entities():
    real, holdout, fresh = _weekly_panel(60, 70, 1), _weekly_panel(40, 70, 2), _weekly_panel(60, 70, 3)
    config = sdq.Config(n_bootstrap=50)
    roles = dict(time_column="when", entity_column="id", config=config)
    good = _run(real, fresh, holdout, **roles)
    assert good.details["position"]["kind"] == "day_of_week"
    assert good.details["sequences"]["synthetic"]["resampled"] == "sequences"
    assert good.score >= 0.85 and good.ci is not None
    flat = _run(real, _weekly_panel(60, 70, 3, weekly=0.0), holdout, **roles)
    late = _run(real, fresh.assign(when=fresh["when"] + pd.Timedelta(days=3)), holdout, **roles)
    assert flat.score < 0.3 and late.score < 0.3


def test_a_flat_real_profile_does_not_turn_noise_into_a_low_score():
    real, holdout, fresh = (_weekly_panel(60, 70, seed, weekly=0.0) for seed in (1, 2, 3))
    roles = dict(time_column="when", entity_column="id")
    assert _run(real, fresh, holdout, **roles).score >= 0.8
    # a weekly pattern the real data does not have is variation by position that it lacks
    assert _run(real, _weekly_panel(60, 70, 3, weekly=1.0), holdout, **roles).score < 0.3


def test_trajectories_by_row_position_in_a_panel():
    # growth curves (no calendar): the k-th row of every sequence rises, then falls
    def curves(n, seed, reverse=False):
        rng = np.random.default_rng(seed)
        steps = np.arange(30)
        shape = np.sin(np.pi * steps / 29) + steps / 30
        shape = shape[::-1] if reverse else shape
        x = rng.normal(scale=3.0, size=(n, 1)) + shape + rng.normal(scale=0.3, size=(n, 30))
        return pd.DataFrame({"id": np.repeat(np.arange(n), 30), "step": np.tile(steps, n), "x": x.ravel()})

    real, holdout = curves(50, 1), curves(30, 2)
    roles = dict(time_column="step", entity_column="id")
    fresh = _run(real, curves(50, 3), holdout, **roles)
    assert fresh.details["position"]["kind"] == "index" and fresh.details["position"]["rows_per_bin"] == 2
    assert fresh.score >= 0.9
    assert _run(real, curves(50, 3, reverse=True), holdout, **roles).score < 0.5


# -- what must not be a silent skip ----------------------------------------------------------------
def test_synthetic_sequences_too_short_to_score_are_a_failure_not_a_skip():
    real = _weekly_panel(20, 40, 1)
    one_row_each = _weekly_panel(20, 1, 2)  # every synthetic sequence is one row: no position to compare
    result = _run(real, one_row_each, _weekly_panel(10, 40, 3), time_column="when", entity_column="id")
    assert result.status == "ok" and result.score == 0.0
    (entry,) = result.details["columns"]
    assert entry["score"] == 0.0 and "no synthetic sequence" in entry["note"]
    assert entry["synthetic"] == [None] * 7 and entry["baseline"] > 0.5


def test_real_data_that_cannot_be_read_by_position_skips_with_the_reason():
    real = _weekly_panel(20, 1, 1)  # one row per sequence
    result = _run(real, _weekly_panel(20, 40, 2), time_column="when", entity_column="id")
    assert result.status == "skipped" and "at most one row" in result.message
    no_numbers = pd.DataFrame({"id": [1, 1, 2, 2], "when": pd.date_range("2020-01-01", periods=4), "c": list("abab")})
    result = _run(no_numbers, no_numbers.copy(), time_column="when", entity_column="id")
    assert result.status == "skipped" and "no numeric column" in result.message


def test_positions_the_synthetic_data_never_reaches_are_named_and_lost():
    real, holdout, fresh = _weekly_panel(40, 70, 1), _weekly_panel(20, 70, 2), _weekly_panel(40, 70, 3)
    weekdays = fresh[fresh["when"].dt.day_of_week < 5]
    result = _run(real, weekdays, holdout, time_column="when", entity_column="id")
    (entry,) = result.details["columns"]
    assert "no synthetic rows at Sat, Sun" in entry["note"]
    assert entry["synthetic"][5:] == [None, None]
    assert result.score < _run(real, fresh, holdout, time_column="when", entity_column="id").score - 0.2


def test_one_sequence_has_no_interval_and_says_why():
    data = _co2()
    result = _run(_years(data, 0), _years(data, 2), config=sdq.Config(n_bootstrap=20), time_column="when")
    assert result.ci is not None  # one sequence, resampled by its years
    assert result.details["sequences"]["synthetic"]["resampled"] == "cycles"
    numbers = pd.DataFrame({"t": np.arange(50), "x": np.sin(np.arange(50) / 3)})
    alone = _run(numbers, numbers.copy(), config=sdq.Config(n_bootstrap=20), time_column="t")
    assert alone.ci is None and "fewer than 5 synthetic sequences" in alone.message

"""Time-series fidelity by position: ``seasonal_profile``. Does every numeric column take the
real values at each position of the cycle or sequence (each month of the year, day of the week,
hour of the day, or k-th row of a sequence)?

The autocorrelation metrics cannot tell: autocorrelation does not change when a series is shifted
in time, so the weekly co2 series moved by six months against its dates keeps an autocorrelation
score of 0.998 (fresh data: 0.996) while every May now looks like a November. This metric reads
the values by position instead. It needs a time column or an entity column (see
:mod:`sdq.metrics.fidelity.sequences`); without either it says ``skipped``.

**The position.** With a time column of dates, the calendar phase at the real data's natural
frequency: the median step between consecutive real rows of a sequence decides which phases can
be read (month of year for steps up to 31 days, quarter of year up to 92 days, day of week up to
a day, hour of day up to an hour), and of those the one of the longest cycle that the real
sequences cover at least twice (by their median span) is taken: weekly or daily data over years
-> month of year, daily data over weeks -> day of week, hourly data over days -> hour of day,
quarterly data -> quarter of year. Phases are read in UTC (as sdq reads every date). With a
numeric time column, or none (the given row order within each entity), or dates that no cycle
fits (yearly data, or too short a span), the position is the row's place in its sequence (the
k-th row with a known time), in at most 20 bins of equal width up to the 90th percentile of the
real sequences' lengths (the last bin takes every row beyond). ``position=`` chooses one of
them instead of ``auto``; ``details["position"]`` records the choice and why.

**The profile.** Rows are grouped into *units*: one cycle of one sequence (a year of a weekly
series, a week of a daily one) for a calendar phase, one sequence for the row position. Each
value is taken relative to the level of its unit, from a two-way additive fit (value = level of
its unit + effect of its position, least squares over the (unit, position) cells), so that
trends, level differences between entities and incomplete cycles at the ends of a series do not
count as a seasonal effect: the real co2 series rises by 55 ppm over 44 years,
its season is 6 ppm from peak to trough, and without levels the trend swamps the season. Units
whose values all fall in one position say nothing about positions and are left out (counted).
Per numeric column and position, in units of the real column's standard deviation:

* **location**: the mean of the values less their unit's level (the position's effect), centred
  so that its mean over positions is 0 (the overall level is ``statistics``' business);
* **spread**: the standard deviation of the values around their unit's level and the
  position's effect; centred over positions for the score (so that what counts is how the spread
  changes with the position, not its overall size).

**The score** of a column is the share of the real profile's variation across positions that the
synthetic profile keeps::

    column score = 1 - max(0, sum_p |r_p - s_p| - sum_p e_p) / sum_p (|r_p| + |s_p|)

summed over positions p and over location and spread, with r and s the centred real and
synthetic profiles and ``e_p = sqrt(2) se_p sqrt(2 / pi)`` the noise: the mean absolute
difference two independent samples of the real data's size show at a position where their
populations do not differ (``se_p``: the real profile's standard error there, clustered by the
resampling groups below, or from the rows when there are fewer than 5 groups). The noise is
taken off the sum, not off each position, so that a small difference repeated at every position
(a trend reversed, a season shifted) counts in full. A synthetic sample smaller than the real
data is not excused its extra noise. 1.0 = the synthetic values vary with the position as the
real ones do (up to noise; a copy scores exactly 1); 0.0 = none of the real variation by position
is kept: a flat synthetic profile against a seasonal real one, a profile shifted by half a cycle
(its deviations are the real ones reversed), or variation where the real data has none. A
doubled seasonal amplitude keeps two thirds (``1 - |r| / (|r| + 2|r|)``); an unrelated profile of
the same size about 0.3. The form divides by the variation both profiles show, not by a fixed
range, so that a real profile that is flat (seasonally adjusted data) does not turn noise into a
low score (where neither profile moves at all, the score is 1). Why not an R²-like
``1 - sum (r - s)^2 / sum r^2``: it divides by the real variation alone and so is undefined (or
arbitrarily low) for a flat real profile, and squares let the largest positions decide. A
position that the real data has and the synthetic data never reaches keeps nothing there: its
real deviations count as lost.

metric = mean over columns (canonical order). Baseline: the same with the holdout in the
synthetic data's place. Interval: bootstrap over the synthetic data's sequences (with at least 5
of them), else over its units (cycles: blocks of one year, week or day, for a calendar phase),
the levels held fixed; none with fewer than 5 groups to resample.

A synthetic column that cannot be measured (no unit with values at two positions: sequences too
short, or no values) scores 0 with a note, never a silent skip; only a real column that cannot
be measured is left out (with the reason), and the metric says ``skipped`` when no real column
can be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.fidelity.sequences import sequences
from sdq.prepare import Prepared, downscale_exponent, scaled, std_without_overflow
from sdq.schema import ColumnSpec
from sdq.shapes import Series

__all__ = [
    "seasonal_profile",
    "profile_score",
    "profile",
    "layout",
    "choose_position",
    "Position",
    "Layout",
    "Profile",
    "CALENDAR",
    "POSITIONS",
]

DAY = 86_400.0
YEAR = 365.2425 * DAY
#: Calendar phases, from the longest cycle: (cycle in seconds, the longest median step the phase
#: can be read at, names of its positions).
CALENDAR: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "month_of_year": (
        YEAR,
        31 * DAY,
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    ),
    "quarter_of_year": (YEAR, 92 * DAY, ("Q1", "Q2", "Q3", "Q4")),
    "day_of_week": (7 * DAY, DAY, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")),
    "hour_of_day": (DAY, 3600.0, tuple(f"{h:02d}h" for h in range(24))),
}
#: The values of the ``position`` parameter.
POSITIONS = ("auto", *CALENDAR, "index")
MAX_BINS = 20  # bins of the row position
LENGTH_QUANTILE = 0.9  # the row position's bins reach this quantile of the real lengths
MIN_GROUPS = 5  # groups needed for a clustered standard error and for an interval
Z = 1.96


@dataclass(frozen=True)
class Position:
    """Where a row sits: a calendar phase (``kind`` in :data:`CALENDAR`) or its place in its
    sequence (``index``: ``width`` rows per bin, the last bin open-ended)."""

    kind: str
    labels: tuple[str, ...]
    rule: str
    width: int = 1
    facts: dict = field(default_factory=dict)

    @property
    def n_bins(self) -> int:
        return len(self.labels)

    def describe(self) -> dict:
        return {"kind": self.kind, "labels": list(self.labels), "rule": self.rule, **self.facts}


@dataclass
class Layout:
    """The rows of one data set placed by position: ``rows`` (positions in the prepared frame,
    sequence by sequence in time order) with their ``bins`` and ``units``, and each unit's
    resampling group (its sequence, or the unit itself when there are too few sequences)."""

    rows: np.ndarray
    bins: np.ndarray
    units: np.ndarray
    unit_group: np.ndarray
    grouping: str
    n_sequences: int
    missing_times: int

    @property
    def n_units(self) -> int:
        return len(self.unit_group)

    @property
    def n_groups(self) -> int:
        return int(self.unit_group.max()) + 1 if len(self.unit_group) else 0


@dataclass
class Profile:
    """One column of one data set by position (in units of the real column's standard deviation):
    ``location`` (the positions' effects, centred; NaN where no row falls), ``spread``, their
    standard errors, and the sums per (resampling group, position) that the bootstrap reweighs."""

    location: np.ndarray
    spread: np.ndarray
    se_location: np.ndarray
    se_spread: np.ndarray
    rows: np.ndarray
    units: int
    units_used: int
    sums: tuple[sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix]  # N, D, Q per (group, bin)
    n_groups: int


# -- scoring --------------------------------------------------------------------------------------
def _centred(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values`` less their mean over the positions ``keep`` (last axis); NaN elsewhere."""
    kept = np.where(keep, values, 0.0)
    count = keep.sum(axis=-1, keepdims=True)
    mean = kept.sum(axis=-1, keepdims=True) / np.maximum(count, 1)
    return np.where(keep, values - mean, np.nan)


def profile_score(
    real_location: np.ndarray,
    real_spread: np.ndarray,
    location: np.ndarray,
    spread: np.ndarray,
    noise_location: np.ndarray | float = 0.0,
    noise_spread: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The share of the real profile's variation across positions (last axis) that another
    profile keeps: ``1 - lost / sum (|r| + |s|)`` over location and spread, each centred over the
    positions, with ``lost = max(0, sum |r - s| - sum noise)``; 1 where neither varies. NaN marks a
    position without rows: not compared where the real profile has none, and lost (the real
    deviation counts in full) where only the other has none.

    Examples
    --------
    >>> flat = np.zeros(4)
    >>> season = np.array([1.0, 0.0, -1.0, 0.0])
    >>> float(profile_score(season, flat, season, flat))
    1.0
    >>> float(profile_score(season, flat, -season, flat))  # half a cycle later: the deviations reversed
    0.0
    >>> float(profile_score(season, flat, flat, flat))  # no season left
    0.0
    >>> round(float(profile_score(season, flat, 2 * season, flat)), 4)  # twice the amplitude
    0.6667
    >>> float(profile_score(flat, flat, np.array([0.1, -0.1, 0.1, -0.1]), flat, 0.1))  # no more than noise
    1.0
    """
    real_location, real_spread = np.asarray(real_location, float), np.asarray(real_spread, float)
    location, spread = np.asarray(location, float), np.asarray(spread, float)
    compared = np.isfinite(real_location)
    present = compared & np.isfinite(location)
    lost = np.zeros(np.broadcast_shapes(location.shape, real_location.shape)[:-1])
    mass, noise = np.zeros_like(lost), np.zeros_like(lost)
    for real, other, expected in ((real_location, location, noise_location), (real_spread, spread, noise_spread)):
        r = _centred(real, compared)
        s = _centred(other, present)
        gap = np.abs(r - s)
        lost = lost + np.where(present, gap, np.where(compared, np.abs(r), 0.0)).sum(axis=-1)
        mass = mass + np.where(present, np.abs(r) + np.abs(s), np.where(compared, np.abs(r), 0.0)).sum(axis=-1)
        noise = noise + np.where(present, expected, 0.0).sum(axis=-1)
    lost = np.maximum(0.0, lost - noise)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mass > 0, np.clip(1.0 - lost / np.where(mass > 0, mass, 1.0), 0.0, 1.0), 1.0)


# -- the position ---------------------------------------------------------------------------------
def _frames(prepared: Prepared) -> list[str]:
    return ["real", "synthetic"] + (["holdout"] if "holdout" in prepared.frames else [])


def _times(prepared: Prepared, name: str, order: np.ndarray) -> np.ndarray | None:
    """The time of each row in sequence order (NaN where missing), or None without a time column."""
    column = prepared.schema.time_column
    if column is None:
        return None
    return prepared.frames[name].frame[column].to_numpy(dtype=float)[order]


def _duration(seconds: float) -> str:
    for unit, size in (("years", YEAR), ("days", DAY), ("hours", 3600.0), ("seconds", 1.0)):
        if seconds >= size or unit == "seconds":
            return f"{seconds / size:.3g} {unit}"
    return ""  # pragma: no cover


def _step_and_span(t: np.ndarray, seq: np.ndarray) -> tuple[float, float]:
    """The median positive step between consecutive rows of a sequence, and the median span of
    the sequences (last time less first), over rows with a known time; NaN without any."""
    known = np.isfinite(t)
    t, seq = t[known], seq[known]
    same = seq[1:] == seq[:-1]
    steps = (t[1:] - t[:-1])[same]
    steps = steps[steps > 0]
    if not len(steps):
        return np.nan, np.nan
    starts = np.flatnonzero(np.r_[True, seq[1:] != seq[:-1]])
    ends = np.r_[starts[1:], len(t)] - 1
    return float(np.median(steps)), float(np.median(t[ends] - t[starts]))


def _index_position(lengths: np.ndarray, rule: str) -> Position:
    lengths = lengths[lengths > 0]
    top = int(np.ceil(np.quantile(lengths, LENGTH_QUANTILE))) if len(lengths) else 0
    if top < 2:
        raise Skip("the real sequences have at most one row with a known time: nothing varies by position")
    width = int(np.ceil(top / MAX_BINS))
    n_bins = int(np.ceil(top / width))
    if width == 1:
        labels = [str(k + 1) for k in range(n_bins)]
    else:
        labels = [f"{k * width + 1}-{(k + 1) * width}" for k in range(n_bins)]
    labels[-1] = f"{(n_bins - 1) * width + 1}+"
    facts = {"rows_per_bin": width, "median_length": rounded(float(np.median(lengths)))}
    return Position("index", tuple(labels), rule, width=width, facts=facts)


def choose_position(prepared: Prepared, requested: str = "auto") -> Position:
    """The position the profiles are read at (see the module's docstring for the rule)."""
    schema = prepared.schema
    sq = sequences(prepared, "real")
    t = _times(prepared, "real", sq.order)
    dated = schema.time_column is not None and schema[schema.time_column].kind == "datetime"
    if requested in CALENDAR:
        if not dated:
            raise Skip(f"position={requested!r} needs a time column of dates")
        return Position(requested, CALENDAR[requested][2], f"{requested.replace('_', ' ')}, as asked (position=)")
    if requested == "index":
        rule = "the row's place in its sequence, as asked (position=)"
    elif t is None:
        rule = "the row's place in its sequence (no time column: the given row order)"
    elif not dated:
        rule = "the row's place in its sequence (the time column holds numbers, not dates)"
    else:
        step, span = _step_and_span(t, sq.seq)
        facts = {"median_step_seconds": rounded(step), "median_span_seconds": rounded(span)}
        if np.isfinite(step):
            for kind, (cycle, finest, labels) in CALENDAR.items():
                if step <= finest * 1.01 and span + step >= 2 * cycle * 0.99:
                    rule = (
                        f"{kind.replace('_', ' ')}: the real rows are {_duration(step)} apart (median) and their "
                        f"sequences span {_duration(span + step)} (median), the longest cycle they cover twice"
                    )
                    return Position(kind, labels, rule, facts=facts)
            rule = (
                f"the row's place in its sequence: no calendar cycle fits real rows {_duration(step)} apart "
                f"(median) over {_duration(span + step)} (median span; a cycle must be covered twice)"
            )
        else:
            rule = "the row's place in its sequence (no two real rows of a sequence have different times)"
    known = np.isfinite(t) if t is not None else np.ones(len(sq.seq), dtype=bool)
    return _index_position(np.bincount(sq.seq[known], minlength=sq.n_sequences), rule)


def _calendar(t: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each time's phase (its bin) and its cycle (the year, week or day it falls in)."""
    if kind in ("month_of_year", "quarter_of_year"):
        months = np.floor(t).astype(np.int64).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
        phase = months % 12
        return (phase if kind == "month_of_year" else phase // 3), months // 12
    if kind == "day_of_week":
        days = np.floor(t / DAY).astype(np.int64) + 3  # 1970-01-01 was a Thursday: Monday = 0
        return days % 7, days // 7
    hours = np.floor(t / 3600.0).astype(np.int64)
    return hours % 24, hours // 24


def layout(prepared: Prepared, name: str, position: Position) -> Layout:
    """The rows of data set ``name`` placed by ``position``, grouped into units."""
    sq = sequences(prepared, name)
    t = _times(prepared, name, sq.order)
    known = np.isfinite(t) if t is not None else np.ones(len(sq.order), dtype=bool)
    rows, seq = sq.order[known], sq.seq[known]
    if position.kind in CALENDAR:
        bins, cycle = _calendar(t[known], position.kind)
        span = int(cycle.max() - cycle.min()) + 1 if len(cycle) else 1
        key = seq.astype(np.int64) * span + (cycle - (cycle.min() if len(cycle) else 0))
    else:
        starts = np.flatnonzero(np.r_[True, seq[1:] != seq[:-1]]) if len(seq) else np.zeros(0, dtype=np.int64)
        place = np.arange(len(seq)) - np.repeat(starts, np.diff(np.r_[starts, len(seq)]))
        bins = np.minimum(place // position.width, position.n_bins - 1)
        key = seq.astype(np.int64)
    units = pd.factorize(key, sort=False)[0]
    unit_seq = np.zeros(units.max() + 1 if len(units) else 0, dtype=np.int64)
    unit_seq[units] = seq
    n_sequences = int(np.count_nonzero(seq[1:] != seq[:-1])) + 1 if len(seq) else 0
    if n_sequences >= MIN_GROUPS or position.kind not in CALENDAR:
        unit_group, grouping = pd.factorize(unit_seq, sort=False)[0], "sequences"
    else:
        unit_group, grouping = np.arange(len(unit_seq)), "cycles"
    return Layout(
        rows=rows,
        bins=bins.astype(np.int64),
        units=units.astype(np.int64),
        unit_group=np.asarray(unit_group, dtype=np.int64),
        grouping=grouping,
        n_sequences=n_sequences,
        missing_times=int((~known).sum()),
    )


# -- the profile of one column --------------------------------------------------------------------
def profile(x: np.ndarray, place: Layout, n_bins: int) -> Profile | None:
    """The profile of values ``x`` (one per row of ``place``, already standardised) by position;
    None if no unit has values at two positions. Rows are summed into (unit, position) cells
    once; everything after works on the cells."""
    ok = np.isfinite(x)
    units, bins, v = place.units[ok], place.bins[ok], x[ok]
    cell_ids, cells = _compact(units * n_bins + bins, place.n_units * n_bins)
    cell_unit, cell_bin = cells // n_bins, cells % n_bins
    positions_per_unit = np.bincount(cell_unit, minlength=place.n_units)
    used = positions_per_unit[cell_unit] >= 2  # a unit with values at one position says nothing about positions
    if not used.any():
        return None
    if not used.all():
        keep = used[cell_ids]
        units, bins, v = units[keep], bins[keep], v[keep]
        cell_ids = (np.cumsum(used) - 1)[cell_ids[keep]]
        cell_unit, cell_bin = cell_unit[used], cell_bin[used]
    n_units = place.n_units
    n_c = np.bincount(cell_ids).astype(float)
    mean_c = np.bincount(cell_ids, weights=v) / n_c
    level, effect = _two_way(n_c, mean_c, cell_unit, cell_bin, n_units, n_bins)
    deviation = v - level[units]  # each value less its unit's level
    residual = deviation - effect[bins]
    cell_sums = (
        n_c,
        n_c * (mean_c - level[cell_unit]),
        np.bincount(cell_ids, weights=deviation * deviation),
        np.bincount(cell_ids, weights=residual * residual),
    )
    # the sums per (resampling group, position): what the bootstrap reweighs and the standard
    # errors are clustered by
    group = place.unit_group[cell_unit]
    n_groups = place.n_groups
    places, keys = _compact(group * n_bins + cell_bin, n_groups * n_bins)
    place_group, place_bin = keys // n_bins, keys % n_bins
    n, d, q, r = (np.bincount(places, weights=w) for w in cell_sums)
    count = np.bincount(place_bin, weights=n, minlength=n_bins)
    has = count > 0
    safe = np.where(has, count, 1.0)
    location = np.where(has, np.bincount(place_bin, weights=d, minlength=n_bins) / safe, np.nan)
    variance = np.where(has, np.bincount(place_bin, weights=r, minlength=n_bins) / safe, np.nan)
    spread = np.sqrt(np.maximum(variance, 0.0))
    if np.count_nonzero(np.bincount(place_group, minlength=n_groups)) >= MIN_GROUPS:
        # clustered (sandwich) standard errors: the rows of one group are not independent
        se_loc = _clustered(d, n, place_bin, location, safe)
        se_var = _clustered(r, n, place_bin, variance, safe)
    else:
        se_loc = spread / np.sqrt(safe)
        se_var = np.sqrt(2.0 / safe) * variance
    se_spread = np.where(spread > 0, se_var / (2 * np.where(spread > 0, spread, 1.0)), 0.0)
    return Profile(
        location=_centred(location, has),
        spread=spread,
        se_location=np.where(has, se_loc, np.nan),
        se_spread=np.where(has, se_spread, np.nan),
        rows=count,
        units=int(np.count_nonzero(positions_per_unit)),
        units_used=int(np.count_nonzero(positions_per_unit >= 2)),
        sums=tuple(sparse.csr_matrix((w, (place_group, place_bin)), shape=(n_groups, n_bins)) for w in (n, d, q)),
        n_groups=n_groups,
    )


def _compact(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (integers in [0, size)) in increasing order, and each key's index
    among them: by counting when ``size`` is not much larger than the number of keys, else by
    hashing."""
    if size <= 4 * len(keys) + 1024:
        seen = np.bincount(keys, minlength=size) > 0
        return (np.cumsum(seen) - 1)[keys], np.flatnonzero(seen)
    ids, uniques = pd.factorize(keys, sort=True)
    return ids, np.asarray(uniques)


def _two_way(
    n_c: np.ndarray, mean_c: np.ndarray, cell_unit: np.ndarray, cell_bin: np.ndarray, n_units: int, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of ``value = level[unit] + effect[position]`` from the cells' counts and
    means. The levels are eliminated (each is its unit's mean less the effects of its positions),
    which leaves a system of one equation per position (``n_bins`` of them, at most 24), solved
    directly: ``(diag(N_b) - sum_u n_u n_u' / n_u) effect = S_b - sum_u n_ub S_u / n_u``. Its
    minimum-norm solution also settles data whose units share no position (cycles that do not
    overlap), where the effects are not all identified."""
    n_u = np.bincount(cell_unit, weights=n_c, minlength=n_units)
    safe_u = np.where(n_u > 0, n_u, 1.0)
    sum_c = n_c * mean_c
    unit_mean = np.bincount(cell_unit, weights=sum_c, minlength=n_units) / safe_u
    weights = sparse.csr_matrix((n_c / np.sqrt(safe_u[cell_unit]), (cell_unit, cell_bin)), shape=(n_units, n_bins))
    system = np.diag(np.bincount(cell_bin, weights=n_c, minlength=n_bins)) - (weights.T @ weights).toarray()
    rhs = np.bincount(cell_bin, weights=sum_c - n_c * unit_mean[cell_unit], minlength=n_bins)
    effect = np.linalg.lstsq(system, rhs, rcond=1e-10)[0]
    level = unit_mean - np.bincount(cell_unit, weights=n_c * effect[cell_bin], minlength=n_units) / safe_u
    return level, effect


def _clustered(total: np.ndarray, count: np.ndarray, bins: np.ndarray, ratio: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Standard error of ``ratio = sum total / sum count`` per position, clustered by group: the
    linearised variance ``sum_g (total_g - ratio count_g)^2 / n^2``, from the sums ``total`` and
    ``count`` of each (group, position) in ``bins``."""
    r = np.where(np.isfinite(ratio), ratio, 0.0)
    influence = total - r[bins] * count
    return np.sqrt(np.bincount(bins, weights=influence * influence, minlength=len(n))) / n


def _resampled(p: Profile, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Location and spread of ``p`` with its groups weighted by ``counts`` (replicates x groups)."""
    n, d, q = (np.asarray(m.T @ counts.T).T for m in p.sums)
    has = n > 0
    safe = np.where(has, n, 1.0)
    location = np.where(has, d / safe, np.nan)
    spread = np.where(has, np.sqrt(np.maximum(q / safe - np.where(has, location, 0.0) ** 2, 0.0)), np.nan)
    return _centred(location, has), spread


# -- the metric -----------------------------------------------------------------------------------
def _numeric(prepared: Prepared) -> list[ColumnSpec]:
    return prepared.columns(("numeric",), binned=True)


def _standardise(prepared: Prepared, spec: ColumnSpec, names: list[str]) -> dict[str, np.ndarray]:
    """Each data set's values of the column less the real mean, over the real standard deviation
    (values near the float maximum divided by a power of two first)."""
    raw = {n: prepared.frames[n].values[spec.name] for n in names}
    exponent = downscale_exponent(*raw.values())
    real = scaled(raw["real"], exponent)
    real = real[np.isfinite(real)]
    centre = float(real.mean()) if len(real) else 0.0
    std = std_without_overflow(real, ddof=1) if len(real) > 1 else 0.0
    std = std if std > 0 else 1.0
    out = {}
    for n, values in raw.items():
        v = scaled(values, exponent)
        out[n] = np.where(np.isfinite(v), (v - centre) / std, np.nan)
    return out


@metric(
    "seasonal_profile",
    "fidelity",
    shape=Series(measure="mean less level (real std)", axis="position"),
    needs=("sequence",),
    group="sdq.metrics.fidelity.autocorrelation",  # reads the sequences cached for the autocorrelation metrics
    params={
        "position": Param(
            choices=POSITIONS,
            doc="where a row sits: auto (a calendar phase for dates, else the row's place in its sequence), "
            "a calendar phase, or index (the row's place in its sequence)",
        )
    },
    summary="Every numeric column takes the real values, and spread, at each position of the cycle "
    "(month of year, day of week, hour of day) or of the sequence.",
    one="the synthetic values vary with the position as the real ones do",
    zero="none of the real variation by position is kept (flat, shifted by half a cycle, or unrelated)",
)
def seasonal_profile(prepared: Prepared, *, position: str = "auto") -> Outcome:
    columns = _numeric(prepared)
    if not columns:
        raise Skip("no numeric column to read by position")
    where = choose_position(prepared, position)
    names = _frames(prepared)
    places = {n: layout(prepared, n, where) for n in names}
    n_boot = prepared.config.n_bootstrap
    resample = n_boot > 0 and places["synthetic"].n_groups >= MIN_GROUPS
    per_column, scores, baselines, boot = [], [], [], []
    for spec in columns:
        values = _standardise(prepared, spec, names)
        profiles = {n: profile(values[n][places[n].rows], places[n], where.n_bins) for n in names}
        entry, score, baseline = _column(spec, where, profiles)
        per_column.append(entry)
        if score is None:
            continue
        scores.append(score)
        if baseline is not None:
            baselines.append(baseline)
        if resample:
            boot.append(_bootstrap(prepared, profiles["real"], profiles["synthetic"], n_boot))
    if not scores:
        raise Skip("no numeric column has a real sequence (or cycle) with values at two positions")
    per_column = prepared.given_order(per_column, label=lambda entry: entry["column"])
    ci = percentile_ci(np.mean(boot, axis=0)) if boot else None
    details = {
        "position": where.describe(),
        "columns": per_column,
        "sequences": {
            n: {
                "count": places[n].n_sequences,
                "rows_placed": int(len(places[n].rows)),
                "missing_timestamps": places[n].missing_times,
                "units": places[n].n_units,
                "resampled": places[n].grouping,
            }
            for n in names
        },
    }
    message = None
    if n_boot and ci is None:
        message = f"no interval: fewer than {MIN_GROUPS} synthetic sequences or cycles to resample"
    return Outcome(
        score=float(np.mean(scores)),
        baseline=float(np.mean(baselines)) if baselines else None,
        ci=ci,
        details=details,
        message=message,
    )


def _allowances(real: Profile) -> tuple[np.ndarray, np.ndarray]:
    """The noise per position: the mean absolute difference between two independent samples of
    the real data's size where there is none (``sqrt(2) se sqrt(2 / pi)``)."""
    factor = 2.0 / np.sqrt(np.pi)
    return factor * np.nan_to_num(real.se_location), factor * np.nan_to_num(real.se_spread)


def _score(real: Profile, other: Profile | None) -> float:
    if other is None:
        return 0.0
    return float(profile_score(real.location, real.spread, other.location, other.spread, *_allowances(real)))


def _column(
    spec: ColumnSpec, where: Position, profiles: dict[str, Profile | None]
) -> tuple[dict, float | None, float | None]:
    """One column's details entry, score and baseline (None, None where the real data cannot be read)."""
    real, synthetic = profiles["real"], profiles["synthetic"]
    counts = {
        n: {"rows": int(p.rows.sum()), "units": p.units, "units_used": p.units_used} if p is not None else {"rows": 0}
        for n, p in profiles.items()
    }
    if real is None:
        note = "no real sequence (or cycle) has values at two positions"
        return {"column": spec.label, "score": None, "counts": counts, "note": note}, None, None
    n = where.n_bins
    score = _score(real, synthetic)
    se = real.se_location[np.isfinite(real.se_location)]
    entry = {
        "column": spec.label,
        "score": rounded(score),
        "labels": list(where.labels),
        "band": rounded(Z * float(np.sqrt(np.mean(se**2)))) if len(se) else None,
        "real": rounded(real.location, 4),
        "synthetic": rounded(synthetic.location, 4) if synthetic is not None else [None] * n,
        "significant": [bool(v) for v in np.abs(np.nan_to_num(real.location)) > Z * np.nan_to_num(real.se_location)],
        "spread": {"real": rounded(real.spread, 4)},
        "counts": counts,
    }
    if synthetic is None:
        entry["note"] = (
            "no synthetic sequence (or cycle) has values at two positions (sequences too short, or no "
            "values): none of the real variation by position can be kept"
        )
    else:
        entry["spread"]["synthetic"] = rounded(synthetic.spread, 4)
        lost = np.isfinite(real.location) & ~np.isfinite(synthetic.location)
        if lost.any():
            where_lost = ", ".join(where.labels[b] for b in np.flatnonzero(lost))
            entry["note"] = f"no synthetic rows at {where_lost}: the real variation there is lost"
    baseline = None
    if "holdout" in profiles:
        holdout = profiles["holdout"]
        baseline = _score(real, holdout)
        entry["baseline"] = rounded(baseline)
        if holdout is not None:
            entry["holdout"] = rounded(holdout.location, 4)
            entry["spread"]["holdout"] = rounded(holdout.spread, 4)
    return entry, score, baseline


def _bootstrap(prepared: Prepared, real: Profile, synthetic: Profile | None, n_boot: int) -> np.ndarray:
    """The column's score under ``n_boot`` Poisson resamples of the synthetic data's groups (the
    same resamples for every column: each column draws from a fresh generator of the same seed),
    in chunks that keep the weights small."""
    if synthetic is None:
        return np.zeros(n_boot)
    rng = prepared.rng("seasonal_profile")
    groups = synthetic.n_groups
    chunk = int(max(1, min(n_boot, 4_000_000 // max(groups, 1))))
    out = []
    for start in range(0, n_boot, chunk):
        counts = rng.poisson(1.0, size=(min(chunk, n_boot - start), groups)).astype(float)
        location, spread = _resampled(synthetic, counts)
        out.append(profile_score(real.location, real.spread, location, spread, *_allowances(real)))
    return np.concatenate(out)

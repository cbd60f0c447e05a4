"""``tails``: does the synthetic data reproduce the real tails and outliers?

Per numeric or datetime column, on the present values, each side (lower, upper) is compared
separately; the lower side is the upper side of the negated values, so the formulas below are
written for the upper one. From the real (training) values, N of them, come the thresholds
``t5`` and ``t1`` (the 95th and 99th percentiles; the 5th and 1st for the lower side) and the
real extreme (maximum; minimum), and the real shares strictly beyond them: ``r5`` and ``r1``
(5% and 1% for continuous values, less where values are tied) and 0 beyond the extreme. A side
has a tail when some real values lie beyond ``t5``; only such sides are scored. For a data set of
n present values (synthetic, or the holdout for the baseline) with shares ``s5`` and ``s1``
beyond ``t5`` and ``t1``, three errors in [0, 1], each net of what sampling noise at sizes n and
N explains::

    mass  = mean over k in (5, 1) with r_k > 0 of
            min(1, max(0, |s_k - r_k| - sqrt(2/pi) * sqrt(r_k (1 - r_k) (1/n + 1/N))) / r_k)
    range = min(1, (max(0, beyond - 1/(N+1) - sqrt(1/(n (N+1))))
                    + max(0, reach - 2/(n+1))) / 0.01)
    depth = min(1, max(0, W - sqrt(2/pi) * sqrt(1/n + 1/N) * A))

``mass``: too little or too much mass beyond the 95th and 99th percentiles, relative to the real
share (0.5: half of it missing or half again too much). ``range``: ``beyond`` is the data set's
share beyond the real extreme (exaggerated tails, values beyond anything real), ``reach`` the
real share beyond the data set's own extreme (missing tails: clipped values never reach where
real ones go); a fresh sample puts 1/(N+1) of its values beyond the real extreme, and leaves
1/(n+1) of the real values beyond its own, so only the excess counts, and 1% counts fully.
``depth``: the tail-weighted distance ``W = int_t5^inf |S(u) - S_real(u)| du / int_t5^inf
S_real(u) du``, the area between the survival curves beyond ``t5`` in units of the real tail's
mean excess ``E[(X - t5)+]`` (a Wasserstein distance of the tails; 1: the tail is off by as much
as it is deep, e.g. no tail at all, or one twice as far out), less ``A = int sqrt(S_real (1 -
S_real)) du / E[(X - t5)+]`` times the noise factor, the expected size of that area between two
samples of one distribution. Side error = ``(mass + range + depth) / 3``; column score = 1 - the
mean error of its scored sides; metric = mean over scored columns (in the canonical order of
:meth:`~sdq.prepare.Prepared.columns`).

1.0: every tail has the real mass beyond the 95th and 99th percentiles, reaches as far as the
real one and no farther, within sampling noise (identical data score exactly 1). 0.0: every tail
is missing, or far too heavy and beyond the real range. The scores are invariant to a column's
scale and location, and to the order of rows and columns.

Why this definition. Sizes matter: at 1,500 rows, 1% is 15 values, so raw relative differences
of shares and of tail quantiles differ between two fresh samples by 20-50%; a plain
``|q_synth(p) - q_real(p)| / IQR`` at p = 0.1% put fresh lognormal or Student-t samples at the cap,
and a raw version of the errors above scored fresh samples 0.6-0.9. The noise allowances bring
fresh samples near 1 while clipped and stretched tails keep most of their error. Clipping at the 1st /
99th percentiles of the synthetic data's own values can leave the share beyond the real
percentile unchanged (when its own percentile lies above the real one); ``reach`` sees it
anyway, since nothing of the synthetic data goes beyond the clip. The area between survival
curves is measured beyond the 95th percentile only: beyond the 99th it is mostly noise at these
sizes (its allowance alone is 35-50% of the scale at 1,500 rows).

Columns with at most ``min_distinct`` - 1 distinct real values, with no tail on either side (the
real 5th and 95th percentiles are its extremes, as for a column of mostly zeros and ones), and
columns of other kinds are left out with a note. Details per column: the thresholds in the
column's units (aggregates of the real values, no record), the share of each data set in the six
tail regions and beyond each threshold, the reach, the tail distance ``W`` and the three errors
per side. Baseline: the same with the holdout at the same size as the synthetic data scored
(the smaller of the two sizes, see :attr:`~sdq.prepare.Prepared.baseline` and
:meth:`~sdq.prepare.Prepared.at_baseline_size`; ``score_full_size`` is the score of every
synthetic row where the synthetic data is larger). Interval: an m-out-of-n bootstrap of the
synthetic values (``config.bootstrap_rows`` per resample), its spread scaled by ``sqrt(m / n)``;
each column's ``se`` is the standard deviation of its replicates, scaled alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import rounded, shifted_ci
from sdq.prepare import AggregateFrame, Prepared, downscale_exponent, in_units, scaled
from sdq.shapes import Distributions
from sdq.sketches import ValueSketch

__all__ = ["tails", "THRESHOLDS", "REGIONS"]

#: The thresholds, lowest first: the real minimum, 1st, 5th, 95th, 99th percentiles and maximum.
THRESHOLDS = ("min", "p1", "p5", "p95", "p99", "max")
#: The tail regions between them (the middle 90% is not shown).
REGIONS = ("< min", "min to p1", "p1 to p5", "p95 to p99", "p99 to max", "> max")
#: What a share beyond the range (or of the real values beyond the data set's range) counts as a full error.
RANGE_UNIT = 0.01
_NOISE = np.sqrt(2 / np.pi)  # E|Z| of a standard normal: the expected size of a difference


class _Side:
    """One side of a real column, oriented so that its tail points up (the lower side is the
    upper side of the negated values): thresholds, shares beyond them and the tail's depth.
    ``weights``: how many values each of ``values`` stands for (a sketch of the values, see
    :class:`~sdq.sketches.ValueSketch`); None for one each."""

    def __init__(self, values: np.ndarray, t5: float, t1: float, weights: np.ndarray | None = None) -> None:
        self.values = values  # ascending
        self.weights = weights
        self.cumulative = np.cumsum(weights) if weights is not None else None
        self.n = len(values) if weights is None else int(round(float(self.cumulative[-1])))
        self.t5, self.t1, self.extreme = t5, t1, float(values[-1])
        beyond = self.n - self._at_or_below(np.array([t5, t1]))
        self.r5, self.r1 = float(beyond[0] / self.n), float(beyond[1] / self.n)
        self.has_tail = beyond[0] > 0
        # the real values beyond t5, largest first, with their weights; their survival curve
        # S(u) = (values at or above tail[i]) / N on [tail[i-1], tail[i]) ascending
        start = np.searchsorted(values, t5, side="right")
        self.tail = values[start:][::-1]
        self.tail_weights = None if weights is None else weights[start:][::-1]
        if self.has_tail:
            ascending = self.tail[::-1]
            steps = np.diff(np.concatenate([[t5], ascending]))
            if weights is None:
                survival = (len(ascending) - np.arange(len(ascending))) / self.n
            else:
                survival = np.cumsum(self.tail_weights)[::-1] / self.n
            self.depth = float(np.sum(steps * survival))  # E[(X - t5)+]
            self.spread = float(np.sum(steps * np.sqrt(survival * (1 - survival))))

    def _at_or_below(self, t: np.ndarray) -> np.ndarray:
        """How many real values are at or below each of ``t``."""
        at = np.searchsorted(self.values, t, side="right")
        if self.cumulative is None:
            return at
        return np.r_[0.0, self.cumulative][at]

    def shares(self, data: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per row of ``data`` (replicates x values, each row ascending; ``weights``: how many
        values each column stands for): shares beyond t5, t1 and the real extreme, and the real
        share beyond the row's own extreme."""
        n = data.shape[1] if weights is None else float(weights.sum())
        out = np.empty((data.shape[0], 4))
        for k, t in enumerate((self.t5, self.t1, self.extreme)):
            above = data > t
            out[:, k] = (above.sum(axis=1) if weights is None else (above * weights).sum(axis=1)) / n
        out[:, 3] = (self.n - self._at_or_below(data[:, -1])) / self.n
        return out

    def distance(self, data: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per row: the area between the data's and the real survival curves beyond t5, in units
        of the real tail's depth. Computed on the quantile side, ``int |Q(p) - Q_real(p)| dp``
        for p up to the larger tail share, where Q(p) is the value with a share p beyond it (t5
        where there is none), so every row uses the same grid of shares and no merge per row."""
        n, g = (data.shape[1] if weights is None else float(weights.sum())), len(self.tail)
        k = int(min(data.shape[1], max(1, (data > self.t5).sum(axis=1).max())))
        top = np.maximum(data[:, : -k - 1 : -1], self.t5)  # the k largest, largest first
        top = np.concatenate([top, np.full((data.shape[0], 1), self.t5)], axis=1)
        real = np.concatenate([self.tail, [self.t5]])
        if weights is None:
            own = np.arange(1, k + 1) / n
        else:
            own = np.cumsum(weights[: -k - 1 : -1]) / n
        if self.tail_weights is None:
            theirs = np.arange(1, g + 1) / self.n
        else:
            theirs = np.cumsum(self.tail_weights) / self.n
        grid = np.union1d(own, theirs)
        widths = np.diff(np.concatenate([[0.0], grid]))
        gap = np.abs(top[:, np.searchsorted(own, grid).clip(0, k)] - real[np.searchsorted(theirs, grid).clip(0, g)])
        return (gap * widths).sum(axis=1) / self.depth

    def errors(self, data: np.ndarray, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per row: the shares, reach and distance, and the errors ``mass``, ``range`` and ``depth``."""
        n, big_n = (data.shape[1] if weights is None else float(weights.sum())), self.n
        shares = self.shares(data, weights)
        mass = []
        for k, r in enumerate((self.r5, self.r1)):
            if r > 0:
                allowed = _NOISE * np.sqrt(r * (1 - r) * (1 / n + 1 / big_n))
                mass.append(np.minimum(1.0, np.maximum(0.0, np.abs(shares[:, k] - r) - allowed) / r))
        beyond = np.maximum(0.0, shares[:, 2] - 1 / (big_n + 1) - np.sqrt(1 / (n * (big_n + 1))))
        reach = np.maximum(0.0, shares[:, 3] - 2 / (n + 1))
        distance = self.distance(data, weights)
        allowed = _NOISE * np.sqrt(1 / n + 1 / big_n) * self.spread / self.depth
        return {
            "shares": shares,
            "distance": distance,
            "mass": np.mean(mass, axis=0),
            "range": np.minimum(1.0, (beyond + reach) / RANGE_UNIT),
            "depth": np.minimum(1.0, np.maximum(0.0, distance - allowed)),
        }


def _sides(real: np.ndarray, weights: np.ndarray | None = None) -> dict[str, _Side]:
    """The two sides of a column's real values (present, ascending; ``weights``: how many values
    each stands for), and its thresholds."""
    probs = np.array([0.01, 0.05, 0.95, 0.99])
    if weights is None:
        q1, q5, q95, q99 = np.quantile(real, probs)
        return {"lower": _Side(-real[::-1], -q5, -q1), "upper": _Side(real, q95, q99)}
    q1, q5, q95, q99 = ValueSketch(real, weights).quantiles(probs)
    return {"lower": _Side(-real[::-1], -q5, -q1, weights[::-1]), "upper": _Side(real, q95, q99, weights)}


def _oriented(side: str, data: np.ndarray) -> np.ndarray:
    return -data[:, ::-1] if side == "lower" else data


def _oriented_weights(side: str, weights: np.ndarray | None) -> np.ndarray | None:
    return weights[::-1] if side == "lower" and weights is not None else weights


def _column_errors(
    sides: dict[str, _Side], data: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, dict]]:
    """Per row of ``data`` (replicates x present values, ascending; ``weights``: how many values
    each column stands for): the column's score and, per side, what :meth:`_Side.errors` gives.
    A data set without values has lost every tail."""
    scored = {name: side for name, side in sides.items() if side.has_tail}
    if data.shape[1] == 0:
        return np.zeros(data.shape[0]), {}
    found = {
        name: side.errors(_oriented(name, data), _oriented_weights(name, weights)) for name, side in scored.items()
    }
    error = np.mean([(e["mass"] + e["range"] + e["depth"]) / 3 for e in found.values()], axis=0)
    return 1.0 - error, found


def _beyond(sides: dict[str, _Side], data: np.ndarray, weights: np.ndarray | None = None) -> list[float]:
    """The shares of ``data`` (one row of present values, ascending) beyond each threshold, in
    the order of :data:`THRESHOLDS` (below the lower three, above the upper three)."""
    if data.shape[1] == 0:
        return [0.0] * 6
    lower = sides["lower"].shares(_oriented("lower", data), _oriented_weights("lower", weights))[0]
    upper = sides["upper"].shares(data, weights)[0]
    return [float(lower[2]), float(lower[1]), float(lower[0]), float(upper[0]), float(upper[1]), float(upper[2])]


def _regions(beyond: list[float]) -> list[float]:
    """The shares in the six regions of :data:`REGIONS` from the shares beyond each threshold."""
    b_min, b_p1, b_p5, b_p95, b_p99, b_max = beyond
    return [b_min, b_p1 - b_min, b_p5 - b_p1, b_p95 - b_p99, b_p99 - b_max, b_max]


def _side_details(found: dict[str, dict], sides: dict[str, _Side]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, side in sides.items():
        if not side.has_tail:
            percentile = "5th" if name == "lower" else "95th"
            out[name] = {"note": f"no tail: no real value lies beyond the {percentile} percentile"}
            continue
        if name not in found:
            out[name] = {"note": "no values"}
            continue
        e = found[name]
        out[name] = {
            "reach": rounded(float(e["shares"][0, 3])),
            "distance": rounded(float(e["distance"][0])),
            "errors": {key: rounded(float(e[key][0])) for key in ("mass", "range", "depth")},
        }
    return out


def _present(values: np.ndarray, exponent: int) -> np.ndarray:
    return np.sort(scaled(values[~np.isnan(values)], exponent))


def _values(frame: Any, column: Any, exponent: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A column's present values, ascending and divided by ``2**exponent``, with how many values
    each stands for: every value once, or the points of a sketch of them (a data set known by its
    aggregates, :class:`~sdq.prepare.AggregateFrame`)."""
    if isinstance(frame, AggregateFrame):
        sketch = frame.sketches[column].scaled(exponent)
        return sketch.values, sketch.weights
    return _present(frame.values[column], exponent), None


def _extremes(frame: Any, column: Any) -> np.ndarray:
    """Values that decide a column's power of two (all of them, or a sketch's extremes)."""
    if isinstance(frame, AggregateFrame):
        sketch = frame.sketches.get(column)
        return np.array([sketch.low, sketch.high]) if sketch is not None and sketch.n else np.zeros(0)
    return frame.values[column]


def _note(spec: Any, real: np.ndarray, min_distinct: int, weights: np.ndarray | None = None) -> str | None:
    """Why a column is left out, or None if it is scored (``real``: its present values, or the
    points of a sketch of them with their ``weights``)."""
    if spec.kind not in ("numeric", "datetime"):
        return f"{spec.kind} column: tails are measured on numeric and datetime columns"
    distinct = len(np.unique(real))
    if distinct < min_distinct:
        return f"{distinct} distinct real values: too few for tails (at least {min_distinct} needed)"
    if weights is None:
        sides = _sides(np.sort(real))
    else:
        sides = _sides(real, weights)
    if not any(side.has_tail for side in sides.values()):
        return "no tails: the real 5th and 95th percentiles are its minimum and maximum"
    return None


def _in_units(value: float, exponent: int, kind: str) -> Any:
    value = in_units(value, exponent)
    if kind == "datetime" and np.isfinite(value):
        return pd.Timestamp(value, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M:%S")
    return rounded(value, 12)


@metric(
    "tails",
    "fidelity",
    shape=Distributions(),
    chunked=True,
    params={"min_distinct": Param(low=3, doc="columns with fewer distinct real values are left out")},
    summary="Each numeric column's tails: the mass beyond the real 5th/95th and 1st/99th percentiles, "
    "how far they reach and nothing beyond the real range.",
    one="every tail has the real mass beyond the 1st/5th/95th/99th percentiles and reaches as far as the real "
    "one, within sampling noise",
    zero="every tail is missing, or far too heavy and beyond the real range",
)
def tails(prepared: Prepared, *, min_distinct: int = 11) -> Outcome:
    specs = prepared.columns()
    rng = prepared.rng("tails")
    n_boot, cap = prepared.config.n_bootstrap, prepared.config.bootstrap_rows
    frames = {"synthetic": prepared.synthetic}
    if prepared.baseline is not None:
        frames["holdout"] = prepared.baseline
    if prepared.synthetic_full is not None:
        frames["synthetic_full"] = prepared.synthetic_full
    entries, scores, boot_scores, factors = [], {name: [] for name in frames}, [], []
    aggregate = isinstance(prepared.real, AggregateFrame)
    for spec in specs:
        if aggregate:
            sketch = prepared.real.sketches.get(spec.name)
            real_values, real_weights = (sketch.values, sketch.weights) if sketch is not None else (np.zeros(0), None)
            raw = _extremes(prepared.real, spec.name) if sketch is not None else None
        else:
            raw = prepared.real.values.get(spec.name)
            real_values, real_weights = (raw[~np.isnan(raw)] if raw is not None else np.zeros(0)), None
        note = _note(spec, real_values, min_distinct, real_weights)
        if note is not None:
            entries.append({"column": spec.label, "kind": spec.kind, "score": None, "note": note})
            continue
        # every error is a ratio of differences: an exact division by a power of two leaves it
        # unchanged and keeps values near the float maximum finite
        exponent = downscale_exponent(raw, *(_extremes(f, spec.name) for f in frames.values()))
        real, real_weights = _values(prepared.real, spec.name, exponent)
        sides = _sides(real, real_weights)
        real_n = len(real) if real_weights is None else int(round(float(real_weights.sum())))
        entry: dict[str, Any] = {
            "column": spec.label,
            "kind": spec.kind,
            "labels": list(REGIONS),
            "thresholds": dict(
                zip(
                    THRESHOLDS,
                    [
                        _in_units(v, exponent, spec.kind)
                        for v in (
                            real[0],
                            -sides["lower"].t1,
                            -sides["lower"].t5,
                            sides["upper"].t5,
                            sides["upper"].t1,
                            real[-1],
                        )
                    ],
                )
            ),
            "beyond": {"real": rounded(_beyond(sides, real[None, :], real_weights))},
        }
        entry["real"] = rounded(_regions(_beyond(sides, real[None, :], real_weights)))
        for name, frame in frames.items():
            values, weights = _values(frame, spec.name, exponent)
            data = values[None, :]
            present = data.shape[1] if weights is None else int(round(float(weights.sum())))
            score, found = _column_errors(sides, data, weights)
            scores[name].append(float(score[0]))
            if name == "synthetic_full":
                continue
            beyond = _beyond(sides, data, weights)
            entry[name] = rounded(_regions(beyond))
            entry["beyond"][name] = rounded(beyond)
            entry.setdefault("sides", {})[name] = _side_details(found, sides)
            if name == "synthetic":
                entry["score"] = rounded(float(score[0]))
                entry["rows"] = {"real": real_n, "synthetic": present}
                if present == 0:
                    entry["note"] = "no synthetic values: every tail is missing"
            else:
                entry["baseline"] = rounded(float(score[0]))
                entry["rows"]["holdout"] = present
        if n_boot:
            # resampled from every synthetic value, or from the seeded sample of a data set known
            # by its aggregates (as many values drawn from it as from the whole)
            syn_frame = prepared.synthetic
            rows = syn_frame.sample if isinstance(syn_frame, AggregateFrame) else syn_frame
            syn = _present(rows.values[spec.name], exponent) if rows is not None else np.zeros(0)
            n_syn = _values(syn_frame, spec.name, exponent)[1].sum() if aggregate else len(syn)
            n_syn = int(round(float(n_syn)))
            if len(syn) and n_syn:
                m = min(n_syn, cap)
                sample = np.sort(syn[rng.integers(0, len(syn), size=(n_boot, m))], axis=1)
                boot_scores.append(_column_errors(sides, sample)[0])
                factors.append(np.sqrt(m / n_syn))
                entry["se"] = rounded(float(np.std(boot_scores[-1], ddof=1) * factors[-1]) if n_boot > 1 else None)
            else:
                boot_scores.append(np.zeros(n_boot))
        entries.append(entry)
    if not scores["synthetic"]:
        raise Skip(
            "no column has tails: they are measured on numeric and datetime columns with at least "
            f"{min_distinct} distinct real values and some beyond the real 5th or 95th percentile"
        )
    score = float(np.mean(scores["synthetic"]))
    ci = None
    if n_boot:
        ci = shifted_ci(score, np.mean(boot_scores, axis=0), float(np.mean(factors)) if factors else 1.0)
    details: dict[str, Any] = {
        "columns": prepared.given_order(entries, label=lambda e: e["column"]),
        "n_bootstrap": n_boot,
        "bootstrap_rows": min(cap, prepared.synthetic.n_rows),
    }
    if "synthetic_full" in scores:
        details["score_full_size"] = float(np.mean(scores["synthetic_full"]))
    baseline = float(np.mean(scores["holdout"])) if "holdout" in scores else None
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

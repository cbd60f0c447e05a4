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
from sdq.prepare import Prepared, downscale_exponent, in_units, scaled
from sdq.shapes import Distributions

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
    upper side of the negated values): thresholds, shares beyond them and the tail's depth."""

    def __init__(self, values: np.ndarray, t5: float, t1: float) -> None:
        self.values = values  # ascending
        self.n = len(values)
        self.t5, self.t1, self.extreme = t5, t1, float(values[-1])
        beyond = self.n - np.searchsorted(values, [t5, t1], side="right")
        self.r5, self.r1 = float(beyond[0] / self.n), float(beyond[1] / self.n)
        self.has_tail = beyond[0] > 0
        # the real values beyond t5, largest first; their survival curve S(u) = (G - i) / N on
        # [tail[i-1], tail[i]) ascending
        self.tail = values[self.n - int(beyond[0]) :][::-1]
        if self.has_tail:
            ascending = self.tail[::-1]
            steps = np.diff(np.concatenate([[t5], ascending]))
            survival = (len(ascending) - np.arange(len(ascending))) / self.n
            self.depth = float(np.sum(steps * survival))  # E[(X - t5)+]
            self.spread = float(np.sum(steps * np.sqrt(survival * (1 - survival))))

    def shares(self, data: np.ndarray) -> np.ndarray:
        """Per row of ``data`` (replicates x values, each row ascending): shares beyond t5, t1
        and the real extreme, and the real share beyond the row's own extreme."""
        n = data.shape[1]
        out = np.empty((data.shape[0], 4))
        for k, t in enumerate((self.t5, self.t1, self.extreme)):
            out[:, k] = (data > t).sum(axis=1) / n
        out[:, 3] = (self.n - np.searchsorted(self.values, data[:, -1], side="right")) / self.n
        return out

    def distance(self, data: np.ndarray) -> np.ndarray:
        """Per row: the area between the data's and the real survival curves beyond t5, in units
        of the real tail's depth. Computed on the quantile side, ``int |Q(p) - Q_real(p)| dp``
        for p up to the larger tail share, where Q(p) is the value with a share p beyond it (t5
        where there is none), so every row uses the same grid of shares and no merge per row."""
        n, g = data.shape[1], len(self.tail)
        k = int(min(n, max(1, (data > self.t5).sum(axis=1).max())))
        top = np.maximum(data[:, : -k - 1 : -1], self.t5)  # the k largest, largest first
        top = np.concatenate([top, np.full((data.shape[0], 1), self.t5)], axis=1)
        real = np.concatenate([self.tail, [self.t5]])
        own, theirs = np.arange(1, k + 1) / n, np.arange(1, g + 1) / self.n
        grid = np.union1d(own, theirs)
        widths = np.diff(np.concatenate([[0.0], grid]))
        gap = np.abs(top[:, np.searchsorted(own, grid)] - real[np.searchsorted(theirs, grid)])
        return (gap * widths).sum(axis=1) / self.depth

    def errors(self, data: np.ndarray) -> dict[str, np.ndarray]:
        """Per row: the shares, reach and distance, and the errors ``mass``, ``range`` and ``depth``."""
        n, big_n = data.shape[1], self.n
        shares = self.shares(data)
        mass = []
        for k, r in enumerate((self.r5, self.r1)):
            if r > 0:
                allowed = _NOISE * np.sqrt(r * (1 - r) * (1 / n + 1 / big_n))
                mass.append(np.minimum(1.0, np.maximum(0.0, np.abs(shares[:, k] - r) - allowed) / r))
        beyond = np.maximum(0.0, shares[:, 2] - 1 / (big_n + 1) - np.sqrt(1 / (n * (big_n + 1))))
        reach = np.maximum(0.0, shares[:, 3] - 2 / (n + 1))
        distance = self.distance(data)
        allowed = _NOISE * np.sqrt(1 / n + 1 / big_n) * self.spread / self.depth
        return {
            "shares": shares,
            "distance": distance,
            "mass": np.mean(mass, axis=0),
            "range": np.minimum(1.0, (beyond + reach) / RANGE_UNIT),
            "depth": np.minimum(1.0, np.maximum(0.0, distance - allowed)),
        }


def _sides(real: np.ndarray) -> dict[str, _Side]:
    """The two sides of a column's real values (present, ascending), and its thresholds."""
    q1, q5, q95, q99 = np.quantile(real, [0.01, 0.05, 0.95, 0.99])
    return {"lower": _Side(-real[::-1], -q5, -q1), "upper": _Side(real, q95, q99)}


def _oriented(side: str, data: np.ndarray) -> np.ndarray:
    return -data[:, ::-1] if side == "lower" else data


def _column_errors(sides: dict[str, _Side], data: np.ndarray) -> tuple[np.ndarray, dict[str, dict]]:
    """Per row of ``data`` (replicates x present values, ascending): the column's score and,
    per side, what :meth:`_Side.errors` gives. A data set without values has lost every tail."""
    scored = {name: side for name, side in sides.items() if side.has_tail}
    if data.shape[1] == 0:
        return np.zeros(data.shape[0]), {}
    found = {name: side.errors(_oriented(name, data)) for name, side in scored.items()}
    error = np.mean([(e["mass"] + e["range"] + e["depth"]) / 3 for e in found.values()], axis=0)
    return 1.0 - error, found


def _beyond(sides: dict[str, _Side], data: np.ndarray) -> list[float]:
    """The shares of ``data`` (one row of present values, ascending) beyond each threshold, in
    the order of :data:`THRESHOLDS` (below the lower three, above the upper three)."""
    if data.shape[1] == 0:
        return [0.0] * 6
    lower = sides["lower"].shares(_oriented("lower", data))[0]
    upper = sides["upper"].shares(data)[0]
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


def _note(spec: Any, real: np.ndarray, min_distinct: int) -> str | None:
    """Why a column is left out, or None if it is scored."""
    if spec.kind not in ("numeric", "datetime"):
        return f"{spec.kind} column: tails are measured on numeric and datetime columns"
    distinct = len(np.unique(real))
    if distinct < min_distinct:
        return f"{distinct} distinct real values: too few for tails (at least {min_distinct} needed)"
    if not any(side.has_tail for side in _sides(np.sort(real)).values()):
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
    chunked="tail quantiles and survival curves need the values, not counts of bins",
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
    for spec in specs:
        raw = prepared.real.values.get(spec.name)
        real_values = raw[~np.isnan(raw)] if raw is not None else np.zeros(0)
        note = _note(spec, real_values, min_distinct)
        if note is not None:
            entries.append({"column": spec.label, "kind": spec.kind, "score": None, "note": note})
            continue
        # every error is a ratio of differences: an exact division by a power of two leaves it
        # unchanged and keeps values near the float maximum finite
        exponent = downscale_exponent(raw, *(f.values[spec.name] for f in frames.values()))
        real = _present(raw, exponent)
        sides = _sides(real)
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
            "beyond": {"real": rounded(_beyond(sides, real[None, :]))},
        }
        entry["real"] = rounded(_regions(_beyond(sides, real[None, :])))
        for name, frame in frames.items():
            data = _present(frame.values[spec.name], exponent)[None, :]
            score, found = _column_errors(sides, data)
            scores[name].append(float(score[0]))
            if name == "synthetic_full":
                continue
            beyond = _beyond(sides, data)
            entry[name] = rounded(_regions(beyond))
            entry["beyond"][name] = rounded(beyond)
            entry.setdefault("sides", {})[name] = _side_details(found, sides)
            if name == "synthetic":
                entry["score"] = rounded(float(score[0]))
                entry["rows"] = {"real": len(real), "synthetic": data.shape[1]}
                if data.shape[1] == 0:
                    entry["note"] = "no synthetic values: every tail is missing"
            else:
                entry["baseline"] = rounded(float(score[0]))
                entry["rows"]["holdout"] = data.shape[1]
        if n_boot:
            syn = _present(prepared.synthetic.values[spec.name], exponent)
            if len(syn):
                m = min(len(syn), cap)
                sample = np.sort(syn[rng.integers(0, len(syn), size=(n_boot, m))], axis=1)
                boot_scores.append(_column_errors(sides, sample)[0])
                factors.append(np.sqrt(m / len(syn)))
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

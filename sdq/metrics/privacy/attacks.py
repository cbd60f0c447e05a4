"""What the three attacks of the privacy family share (``singling_out``, ``linkability``,
``attribute_inference``): the holdout-control design, the risk and its interval, the score,
target rows, slices of the distance space, and the attacker's guesses among tied neighbours.

**The design.** Each attack is run three times:

* the **main** attack: on real training rows (the people the generator saw), using the synthetic
  data;
* the **control** attack: the same attack on holdout rows (people the generator never saw), using
  the same synthetic data. What it achieves is what any synthetic data of this population reveals
  about anyone: general knowledge, not a leak;
* a **naive** attack that does not look at the synthetic rows (a guess from the column's values
  alone): it shows whether the attack is worth anything on these data (reported, not scored).

**Risk**: the part of the main attack's success that the control does not explain, relative to
what there was left to gain::

    risk = (main - control) / (1 - control)

0 when the attack does no better on training rows than on holdout rows (a generator that draws
fresh rows of the population), 1 when it succeeds on every training row while it fails on the
holdout rows that it fails on. Negative when it does better on the holdout (noise).

**Interval**: the main and control success rates each have a Wilson interval at
``1 - ALPHA / 2`` (97.5%); the risk is increasing in the main rate and decreasing in the control
rate, so ``(main_low - control_high) / (1 - control_high)`` and
``(main_high - control_low) / (1 - control_low)`` hold the risk with at least 95% whenever both
rate intervals hold theirs (conservative: the two rates are counted as if independent, and their
errors as if they could both be at their worst).

**Score**: computed on the lower end of the risk's interval, so noise alone never lowers it::

    score = 1 - max(0, risk_low)

1.0: the data give no evidence that the attack does better on training rows than on holdout
rows; 0.0: the attack succeeds on every training row beyond doubt. The **baseline** is 1.0 by
construction: the holdout rows are the control inside every attack (what a perfect generator,
whose rows are as unrelated to the training rows as to the holdout rows, scores). The
**interval** of the score: the two rates drawn as binomials (parametric bootstrap), each replicate
scored as the point is.

Nothing here puts a real value into an output: the attacks report counts, rates and column names.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import norm

from sdq.metrics import Skip
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.bounds import wilson
from sdq.metrics.privacy.distance import Encoder, search
from sdq.prepare import Prepared, subsample_rows

__all__ = [
    "ALPHA",
    "Z_RATE",
    "Risk",
    "risk",
    "risk_score",
    "score_replicates",
    "target_rows",
    "coordinates",
    "nearest_ties",
    "value_codes",
    "risk_details",
    "check_attack_columns",
    "MIN_TARGETS",
]

#: The risk's interval holds with at least ``1 - ALPHA``.
ALPHA = 0.05
#: The normal quantile of each rate's two-sided ``1 - ALPHA / 2`` Wilson interval.
Z_RATE = float(norm.ppf(1 - ALPHA / 4))
#: Fewest targets (of each side) an attack is run on.
MIN_TARGETS = 10
#: Most synthetic rows taken as tied at a target's nearest distance.
K_TIES = 20


class Risk(NamedTuple):
    """An attack's success on the training rows (main) and on the holdout rows (control)."""

    main: float  #: successes on training rows (may be fractional: expected successes among ties)
    control: float  #: successes on holdout rows
    n_main: int  #: attacks on training rows
    n_control: int  #: attacks on holdout rows
    risk: float  #: ``(main rate - control rate) / (1 - control rate)``
    interval: tuple[float, float]  #: at least 95%, from the two rates' 97.5% Wilson intervals

    @property
    def main_rate(self) -> float:
        return self.main / self.n_main if self.n_main else 0.0

    @property
    def control_rate(self) -> float:
        return self.control / self.n_control if self.n_control else 0.0

    @property
    def score(self) -> float:
        return risk_score(self.interval[0])


def _ratio(main, control):
    """``(main - control) / (1 - control)``, 0 where the control rate is 1 (nothing left to gain)."""
    main, control = np.asarray(main, dtype=float), np.asarray(control, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(control < 1, (main - control) / np.where(control < 1, 1 - control, 1.0), 0.0)
    return np.clip(out, -1.0, 1.0)


def risk(main: float, n_main: int, control: float, n_control: int) -> Risk:
    """The risk of an attack that succeeded ``main`` times in ``n_main`` attacks on training rows
    and ``control`` times in ``n_control`` on holdout rows, with its interval.

    Examples
    --------
    >>> r = risk(80, 100, 20, 100)
    >>> round(r.risk, 4), [round(v, 4) for v in r.interval]
    (0.75, [0.5653, 0.8562])
    >>> risk(30, 100, 30, 100).risk
    0.0
    """
    m_rate, c_rate = (main / n_main if n_main else 0.0), (control / n_control if n_control else 0.0)
    m_low, m_high = wilson(main, n_main, Z_RATE)
    c_low, c_high = wilson(control, n_control, Z_RATE)
    low, high = float(_ratio(m_low, c_high)), float(_ratio(m_high, c_low))
    return Risk(float(main), float(control), int(n_main), int(n_control), float(_ratio(m_rate, c_rate)), (low, high))


def risk_score(low):
    """``1 - max(0, low)``: the score of a risk whose interval starts at ``low``.

    Examples
    --------
    >>> risk_score(-0.1), risk_score(0.25), risk_score(1.0)
    (1.0, 0.75, 0.0)
    """
    out = 1.0 - np.clip(np.asarray(low, dtype=float), 0.0, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def score_replicates(risks: list[Risk], n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of the score of the weakest of ``risks`` (each rate drawn as a binomial
    on its attacks, each replicate's risks scored on the lower ends of their own intervals):
    ``(n_boot, len(risks))`` column scores."""
    out = np.ones((n_boot, len(risks)))
    for j, r in enumerate(risks):
        if not r.n_main or not r.n_control:
            continue
        main = rng.binomial(r.n_main, min(1.0, max(0.0, r.main_rate)), n_boot).astype(float)
        control = rng.binomial(r.n_control, min(1.0, max(0.0, r.control_rate)), n_boot).astype(float)
        m_low, _ = wilson(main, np.full(n_boot, float(r.n_main)), Z_RATE)
        _, c_high = wilson(control, np.full(n_boot, float(r.n_control)), Z_RATE)
        out[:, j] = risk_score(_ratio(m_low, c_high))
    return out


def interval_of(replicates: np.ndarray) -> tuple[float, float] | None:
    """The score's 95% interval from replicates of the column scores (the weakest decides)."""
    if replicates.size == 0:
        return None
    return percentile_ci(replicates.min(axis=1))


def target_rows(prepared: Prepared, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Seeded samples of training rows (main targets) and holdout rows (control targets) of one
    size: ``n``, or fewer where either data set has fewer rows. ``Skip`` below :data:`MIN_TARGETS`."""
    n_train, n_hold = prepared.frames["real"].n_rows, prepared.frames["holdout"].n_rows
    size = int(min(n, n_train, n_hold))
    if size < MIN_TARGETS:
        raise Skip(
            f"too few rows to attack: {n_train} training and {n_hold} holdout rows; at least "
            f"{MIN_TARGETS} of each are needed"
        )
    return subsample_rows(n_train, size, rng), subsample_rows(n_hold, size, rng)


def coordinates(enc: Encoder, columns) -> np.ndarray:
    """The positions, in the encoded vectors, of the coordinates of ``columns`` (value, one-hot
    levels and missing indicator), in the encoding's order."""
    wanted = set(columns)
    out, col = [], 0
    for spec in enc.columns:
        width = 1 if spec.name in enc.grids else len(enc.levels[spec.name]) + 1
        width += 1 if spec.name in enc.with_missing else 0
        if spec.name in wanted:
            out.extend(range(col, col + width))
        col += width
    return np.asarray(out, dtype=np.int64)


def nearest_ties(reference: np.ndarray, queries: np.ndarray, k: int = K_TIES) -> tuple[np.ndarray, np.ndarray]:
    """The nearest reference rows of each query row and which of them are tied at its nearest
    distance (equal up to float rounding): positions ``(n, k)`` and a mask ``(n, k)``. An attacker
    who takes "the nearest row" takes one of the tied rows at random; at most ``k`` of them are
    seen, as a sample of all."""
    k = int(min(k, len(reference)))
    d, i = search(reference, queries, k=k)
    reach = d[:, :1] * (1 + 1e-6) + 1e-7
    return i, d <= reach


def value_codes(prepared: Prepared, column: Any, parts: list[tuple[str, np.ndarray | None]]) -> list[np.ndarray]:
    """The exact values of a column in some rows of some data sets (``(name, rows)``, rows None:
    all) as integer codes shared by all of them (equal values, equal codes; missing is a value of
    its own), for comparing values across data sets without the bins' lumping of rare or unseen
    categories."""
    pieces = []
    numeric = all(column in prepared.frames[name].values for name, _ in parts)
    for name, rows in parts:
        frame = prepared.frames[name]
        # numbers, dates and booleans as their floats (hashed far faster than objects)
        values = frame.values[column] if numeric else frame.frame[column].to_numpy(dtype=object)
        pieces.append(values if rows is None else values[rows])
    joined = np.concatenate(pieces)
    codes, _ = pd.factorize(joined if numeric else pd.Series(joined, dtype=object), use_na_sentinel=False)
    out, start = [], 0
    for piece in pieces:
        out.append(codes[start : start + len(piece)])
        start += len(piece)
    return out


def risk_details(r: Risk, naive_rate: float | None = None) -> dict[str, Any]:
    """A risk as JSON-safe details: rates, counts, the risk and its interval, the score."""
    out = {
        "risk": rounded(r.risk),
        "risk_interval": rounded(list(r.interval)),
        "score": rounded(r.score),
        "main_rate": rounded(r.main_rate),
        "control_rate": rounded(r.control_rate),
        "main_successes": rounded(r.main, 3),
        "control_successes": rounded(r.control, 3),
        "attacks": {"main": r.n_main, "control": r.n_control},
    }
    if naive_rate is not None:
        out["naive_rate"] = rounded(naive_rate)
    return out


def check_attack_columns(names, prepared: Prepared, enc: Encoder, what: str) -> list:
    """The given column names as the encoding's columns; ``Skip`` naming any that take no part in
    distances (ids, text, constant, empty, excluded columns)."""
    measured = {spec.name for spec in enc.columns}
    missing = [str(n) for n in names if n not in measured]
    if missing:
        raise Skip(
            f"the {what} {missing} take no part in distances (id, text, constant, empty or excluded columns); "
            f"name columns of kinds numeric, datetime, ordinal, categorical or boolean"
        )
    return [spec.name for spec in enc.columns if spec.name in set(names)]

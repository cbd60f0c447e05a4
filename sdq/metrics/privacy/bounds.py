"""Binomial intervals and bounds shared by the privacy metrics: the Wilson interval of a share,
exact one-sided Clopper-Pearson bounds of a rate, the empirical epsilon they bound, and the part
of a score a "closer than a half" share gives.

A share is scored on **evidence**: :func:`share_part` is computed on the lower end of the share's
95% interval, so a share that noise alone explains (its interval includes 1/2) scores 1, and a
share above 1/2 lowers the score only by the excess the data prove.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta, norm

__all__ = [
    "Z95",
    "wilson",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "epsilon_lower",
    "share_part",
]

#: The two-sided 95% normal quantile.
Z95 = float(norm.ppf(0.975))


def wilson(successes: float | np.ndarray, n: float | np.ndarray, z: float = Z95) -> tuple:
    """The Wilson score interval of a share ``successes / n`` (both may be fractional, e.g. ties
    counted half or an effective number of trials; arrays are taken elementwise); ``(0, 1)``
    where ``n`` is 0.

    Examples
    --------
    >>> [round(v, 4) for v in wilson(8, 10)]
    [0.4902, 0.9433]
    >>> [round(v, 4) for v in wilson(0, 20)]
    [0.0, 0.1611]
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1.0)
    p = np.clip(k / safe, 0.0, 1.0)
    denominator = 1.0 + z**2 / safe
    centre = (p + z**2 / (2 * safe)) / denominator
    half = z * np.sqrt(p * (1 - p) / safe + z**2 / (4 * safe**2)) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def clopper_pearson_lower(successes, n, alpha: float = 0.05):
    """The exact one-sided ``1 - alpha`` lower bound of a rate from ``successes`` of ``n``
    (0 where there are none): ``Beta(alpha; k, n - k + 1)``.

    Examples
    --------
    >>> round(float(clopper_pearson_lower(10, 100)), 4), float(clopper_pearson_lower(0, 100))
    (0.0553, 0.0)
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(k > 0, beta.ppf(alpha, np.maximum(k, 1e-300), np.maximum(n - k + 1, 1e-300)), 0.0)
    return float(out) if out.ndim == 0 else out


def clopper_pearson_upper(successes, n, alpha: float = 0.05):
    """The exact one-sided ``1 - alpha`` upper bound of a rate from ``successes`` of ``n``
    (1 where all are): ``Beta(1 - alpha; k + 1, n - k)``. With no success it is
    ``1 - alpha ** (1 / n)`` (about ``3 / n`` at 95%, the "rule of three").

    Examples
    --------
    >>> round(float(clopper_pearson_upper(0, 100)), 4), round(1 - 0.05 ** (1 / 100), 4)
    (0.0295, 0.0295)
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(k < n, beta.ppf(1 - alpha, k + 1, np.maximum(n - k, 1e-300)), 1.0)
    return float(out) if out.ndim == 0 else out


def epsilon_lower(true_positives, members, false_positives, non_members, alpha: float = 0.05):
    """The empirical epsilon an attack proves: ``ln(TPR_lower / FPR_upper)``, the rates' exact
    one-sided ``1 - alpha`` bounds (Clopper-Pearson), at least 0 (an attack whose true-positive
    rate may be no higher than its false-positive rate proves nothing). A mechanism that is
    epsilon-differentially private keeps every attack's TPR at most ``exp(epsilon)`` times its FPR.

    ``false_positives`` is the number of non-members a threshold was allowed to call members: a
    threshold set just above the ``(a + 1)``-th highest non-member score has a false-positive
    rate distributed as the ``(a + 1)``-th order statistic, which the Clopper-Pearson upper
    bound of ``a`` of ``non_members`` bounds exactly.

    Examples
    --------
    >>> round(float(epsilon_lower(20, 1000, 0, 1000)), 3)  # 20 members above every non-member
    1.492
    >>> float(epsilon_lower(2, 1000, 1, 1000))
    0.0
    """
    tpr = clopper_pearson_lower(true_positives, members, alpha)
    fpr = clopper_pearson_upper(false_positives, non_members, alpha)
    with np.errstate(divide="ignore"):
        out = np.maximum(0.0, np.log(np.maximum(tpr, 0.0) / fpr))
    return float(out) if np.ndim(out) == 0 else out


def share_part(low, expected: float = 0.5):
    """The part of a score a share gives whose value when nothing leaks is ``expected``, computed
    on the lower end ``low`` of the share's interval:
    ``1 - max(0, low - expected) / (1 - expected)``. 1.0: the share may be what it is when nothing
    leaks (nothing shows); 0.0: the share is 1 beyond doubt (every row is on the leaking side).

    Examples
    --------
    >>> share_part(0.45), share_part(0.6), share_part(1.0), share_part(0.9, expected=0.8)
    (1.0, 0.8, 0.0, 0.5)
    """
    low = np.asarray(low, dtype=float)
    out = 1.0 - np.maximum(0.0, low - expected) / (1.0 - expected) if expected < 1 else np.ones_like(low)
    return float(out) if np.ndim(out) == 0 else out

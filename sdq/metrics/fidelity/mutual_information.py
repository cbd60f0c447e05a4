"""``mutual_information``: is the dependence between every pair of columns preserved?

Per pair of columns, the normalised mutual information on the shared real-fitted codes (so it
works for any mix of types and sees non-linear dependence)::

    NMI = max(0, MI_mm) / sqrt(H_x * H_y)        in [0, 1]

where ``MI_mm`` is the plug-in MI minus the Miller-Madow bias term
``(K_xy - K_x - K_y + 1) / (2 n)`` (K = occupied cells). Without that correction two independent
columns get an NMI that grows with the number of bins and shrinks with n, so data sets of
different sizes would disagree for no reason.

Which pairs count: those whose real dependence is significant by the G-test of independence
(``G = 2 n MI`` against a chi-square with ``(K_x - 1)(K_y - 1)`` degrees of freedom), at a
family-wise level of 0.05 over the pairs scored (Bonferroni); the others carry no weight. The
holdout's and the synthetic data's MI are divided by the **real** columns' ``sqrt(H_x H_y)`` (a
column that collapses to a few values carries little information, and its MI divided by its own
small entropy would look like dependence), so that each counted pair keeps ``1 - lost /
NMI_real``, with ``lost`` the difference of the MIs in those units net of sampling noise (see
:mod:`sdq.metrics.fidelity.dependence`; the small-sample bias and the noise from multinomial draws
of the compared size from the real tables, so that they depend on their counts only). The score is the mean over counted pairs weighted by
``NMI_real^2``: **the share of the real dependence kept**.

1.0: every real dependence beyond chance is kept at its strength. 0.0: every one is lost (the
columns independent) or at least twice as strong as in the real data. On four real tables
(``docs/metrics.md``), independently shuffled columns and uniform noise keep at most about 0.1,
fresh real rows about 0.9 or more. Dependence the real data lacks is not scored. Interval: the
whole score recomputed on row resamples of real and synthetic data, ``score +- 1.96 se``
(``details.se``; per column ``se`` too); on counts read in chunks (no rows to resample) each table
is resampled on its own (Poisson), which ignores that the pairs share their rows and gives narrower
intervals (``details.bootstrap``: ``rows`` or ``tables``); on aggregates with a seeded sample of
the rows (the engines of :mod:`sdq.engine.scaled`), the rows of the sample are resampled.
Without a real pair dependent beyond chance there is nothing to keep: the metric is skipped. Columns are paired and summed in the
canonical order of :meth:`~sdq.prepare.Prepared.columns`, so the result does not depend on the
order of the given columns.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import xlogy

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import contingency, poisson_resample, select_pairs
from sdq.metrics.fidelity.dependence import Noise, compared_frames, outcome, pair_level, resampled_rows
from sdq.prepare import AggregateFrame, Prepared, pair_bins
from sdq.schema import DEPENDENCE_KINDS
from sdq.shapes import Pairwise

__all__ = ["mutual_information", "nmi", "g_threshold"]

#: Pairs weigh ``NMI_real ** 2`` (see the module's docstring).
WEIGHT_POWER = 2.0


def _entropy(counts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Plug-in entropy (nats) of counts along the last axis; ``n`` broadcast against it."""
    return np.log(n) - xlogy(counts, counts).sum(axis=-1) / n


def nmi(table: np.ndarray) -> np.ndarray:
    """Bias-corrected normalised mutual information of contingency tables ``(..., Kx, Ky)``.

    Returns 0 where either margin has zero entropy.

    Examples
    --------
    >>> float(nmi(np.array([[50, 0], [0, 50]])))  # one column determines the other
    1.0
    >>> float(nmi(np.array([[25, 25], [25, 25]])))  # independent
    0.0
    """
    return _nmi(table)[0]


def _nmi(table: np.ndarray, scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """NMI and the bias-corrected MI before it is floored at 0 (what the G-test reads: the
    plug-in MI less the Miller-Madow term, so that a resample of fewer rows is tested as the full
    sample is). With ``scale`` (one per table), the MI is divided by it rather than by the
    table's own ``sqrt(H_x H_y)``."""
    table = np.asarray(table, dtype=float)
    n = table.sum(axis=(-2, -1))
    safe_n = np.where(n > 0, n, 1.0)
    rows, cols = table.sum(axis=-1), table.sum(axis=-2)
    hx, hy = _entropy(rows, safe_n), _entropy(cols, safe_n)
    hxy = _entropy(table.reshape(*table.shape[:-2], -1), safe_n)
    k_xy = (table > 0).sum(axis=(-2, -1))
    k_x, k_y = (rows > 0).sum(axis=-1), (cols > 0).sum(axis=-1)
    mi = hx + hy - hxy - (k_xy - k_x - k_y + 1) / (2 * safe_n)
    denom = np.sqrt(np.clip(hx, 0, None) * np.clip(hy, 0, None)) if scale is None else scale
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denom > 1e-12, np.clip(mi, 0, None) / np.where(denom > 1e-12, denom, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0), mi


def _scale(table: np.ndarray) -> float:
    """``sqrt(H_x H_y)`` of a table: what its MI is divided by."""
    n = float(table.sum())
    if n <= 0:
        return 0.0
    hx, hy = _entropy(table.sum(axis=1).astype(float), n), _entropy(table.sum(axis=0).astype(float), n)
    return float(np.sqrt(max(hx, 0.0) * max(hy, 0.0)))


def g_threshold(table: np.ndarray, level: float) -> float:
    """The smallest bias-corrected MI of a table significant at ``level`` by the G-test:
    ``G = 2 n MI_plugin > c`` with ``(K_x - 1)(K_y - 1)`` degrees of freedom (occupied rows and
    columns), read on the corrected MI as ``MI_mm > (c - df) / (2 n)``; inf without two occupied
    rows and columns.

    Examples
    --------
    >>> round(g_threshold(np.full((2, 2), 25), 0.05), 5)
    0.01421
    """
    n = float(table.sum())
    df = (np.count_nonzero(table.sum(axis=1)) - 1) * (np.count_nonzero(table.sum(axis=0)) - 1)
    if df <= 0 or n <= 0:
        return float(np.inf)
    return float((stats.chi2.isf(level, df) - df) / (2 * n))


def _row_tables(codes: dict, a, b, ka: int, kb: int) -> np.ndarray:
    """The (B, ka, kb) tables of two columns' codes gathered at resampled rows (B, m)."""
    batch = codes[a].shape[0]
    joint = codes[a].astype(np.int64) * kb + codes[b] + (np.arange(batch) * ka * kb)[:, None]
    return np.bincount(joint.ravel(), minlength=batch * ka * kb).reshape(batch, ka, kb)


@metric(
    "mutual_information",
    "fidelity",
    shape=Pairwise(measure="normalised mutual information", signed=False),
    chunked=True,
    summary=(
        "The share of the real pairwise dependence of any kind (normalised mutual information on shared bins) "
        "beyond chance kept."
    ),
    one="every real dependence beyond chance is kept at its strength",
    zero="every real dependence is lost or doubled",
)
def mutual_information(prepared: Prepared) -> Outcome:
    # in the canonical order (pairs oriented and summed alike whatever the order of the given
    # columns); details in the given order. A column with one occupied bin in the real data has no
    # dependence to preserve.
    specs = [
        s for s in prepared.binned_columns(DEPENDENCE_KINDS) if np.count_nonzero(prepared.real.pair_counts(s.name)) > 1
    ]
    if len(specs) < 2:
        raise Skip(
            "fewer than two columns with dependence to compare (numeric, datetime, ordinal, categorical "
            "or boolean columns with more than one value)"
        )
    rng = prepared.rng("mutual_information")
    pairs, sampled = select_pairs(specs, prepared.config.max_pairs, rng)
    level = pair_level(len(pairs))
    frames = compared_frames(prepared)
    points = {name: (np.zeros(len(pairs)), np.zeros(len(pairs))) for name in frames}
    thresholds, scale = np.zeros(len(pairs)), np.zeros(len(pairs))
    for k, (i, j) in enumerate(pairs):
        a, b = specs[i].name, specs[j].name
        table = contingency(prepared, prepared.real, a, b)
        thresholds[k], scale[k] = g_threshold(table, level), _scale(table)
        for name, frame in frames.items():
            own = name == "real"
            points[name][0][k], points[name][1][k] = _nmi(contingency(prepared, frame, a, b), None if own else scale[k])
    # counts without rows to resample (aggregates without a sample): each table on its own
    aggregate = any(isinstance(f, AggregateFrame) and f.sample is None for f in frames.values())

    def resample_tables(frame, n_boot: int, generator: np.random.Generator):
        # each table on its own (Poisson): counts read in chunks have no rows to resample together
        values, effects = np.zeros((n_boot, len(pairs))), np.zeros((n_boot, len(pairs)))
        own = frame is prepared.real
        for k, (i, j) in enumerate(pairs):
            tables = poisson_resample(contingency(prepared, frame, specs[i].name, specs[j].name), n_boot, generator)
            values[:, k], effects[:, k] = _nmi(tables, None if own else np.full(n_boot, scale[k]))
        return values, effects, frame.n_rows

    def resample(frame, n_boot: int, cap: int, generator: np.random.Generator):
        if aggregate:
            return resample_tables(frame, n_boot, generator)
        values, effects = np.zeros((n_boot, len(pairs))), np.zeros((n_boot, len(pairs)))
        own = frame is prepared.real
        rows, idx = resampled_rows(frame, cap, n_boot, generator)
        codes = {s.name: rows.pair_codes[s.name][idx].astype(np.int16) for s in specs}
        for k, (i, j) in enumerate(pairs):
            a, b = specs[i].name, specs[j].name
            ka, kb = prepared.pair_binnings[a].n_codes, prepared.pair_binnings[b].n_codes
            tables = _row_tables(codes, a, b, ka, kb)
            values[:, k], effects[:, k] = _nmi(tables, None if own else np.full(n_boot, scale[k]))
        return values, effects, idx.shape[1]

    score, baseline, ci, details = outcome(
        prepared,
        "mutual_information",
        "dependent",
        specs,
        pairs,
        sampled,
        points,
        thresholds,
        Noise.drawn(
            [contingency(prepared, prepared.real, specs[i].name, specs[j].name) for i, j in pairs],
            lambda k, tables: _nmi(tables, np.full(len(tables), scale[k]))[0],
            prepared.real.n_rows,
        ),
        resample,
        WEIGHT_POWER,
    )
    details.update(
        {"pair_bins": pair_bins(prepared.real.n_rows, prepared.config), "bootstrap": "tables" if aggregate else "rows"}
    )
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

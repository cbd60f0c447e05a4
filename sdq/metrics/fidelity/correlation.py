"""``correlation``: are the pairwise correlations and associations preserved?

Per pair of columns, the association that fits their types, computed on real, synthetic and
holdout data alike:

====================================  =========================================================
pair                                  association
====================================  =========================================================
ordered - ordered (numeric, datetime,  Spearman's rho, **signed**: Pearson's r of the mid-ranks
ordinal, boolean)                     (ties share their mean rank), each column ranked over its
                                      present values, correlated over rows where both are
                                      present; an ordinal column by its levels' order, a
                                      boolean as 0/1
categorical - categorical or boolean  Cramer's V with Bergsma's bias correction (missing is a
                                      category)
categorical - numeric, datetime or    correlation ratio eta, bias-adjusted like V (missing is a
ordinal                               group); an ordinal column by its levels' order
====================================  =========================================================

Only an unordered categorical column makes a pair's measure sign-free: every other pair has a
direction, and a synthetic rating scale read backwards (x -> 8 - x on a 1-7 scale) or a binary
target inverted (y -> 1 - y) reverses it.

Which pairs count: those whose real association is significant (two-sided t-test of rho with
``n - 2`` degrees of freedom, chi-square test of the table behind V, F-test of eta), at a
family-wise level of 0.05 over the pairs scored (Bonferroni); the others carry no weight. Each
counted pair keeps ``1 - lost / |a_real|`` (clipped to [0, 1]), where ``lost`` is the difference
``a_real - a_synthetic`` net of what sampling noise explains at these sizes (``sqrt(max(0,
d^2 - v))``, ``v`` the variance of the difference between two samples of the real data); the
difference is signed, so a reversed association keeps nothing. The score is the mean over counted
pairs weighted by ``|a_real|`` (see :mod:`sdq.metrics.fidelity.dependence`): **the share of the
real association kept**.

1.0: every real association beyond chance is kept at its strength and with its sign. 0.0: every
one is lost, reversed, or at least twice as strong as in the real data. On four real tables
(``docs/metrics.md``), independently shuffled columns and uniform noise keep at most about 0.1,
fresh real rows about 0.9 or more. Associations the real data lacks are not scored. Spearman is
scored rather than Pearson because one extreme value can move Pearson's r anywhere; Pearson's r
of numeric and datetime pairs is still reported in ``details.pearson``. Interval: the whole score
recomputed on row resamples of real and synthetic data, ``score +- 1.96 se``
(``details.bootstrap_rows``, ``details.se``; per column ``se`` too). Without a real pair
associated beyond chance there is nothing to keep: the metric is skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import contingency, rounded, select_pairs
from sdq.metrics.fidelity.dependence import Noise, compared_frames, outcome, pair_level, resampled_rows
from sdq.prepare import AggregateFrame, Prepared, PreparedFrame, ordered_values, pair_table
from sdq.schema import DEPENDENCE_KINDS, ORDERED_KINDS
from sdq.shapes import Pairwise

__all__ = [
    "correlation",
    "cramers_v",
    "correlation_ratio",
    "correlation_ratios",
    "masked_pearson",
    "masked_corr_matrix",
    "corr_from_sums",
]

#: Kinds whose Pearson's r is reported beside Spearman's rho.
NUMERIC_LIKE = ("numeric", "datetime")
#: Kinds that give the values of a correlation ratio (grouped by an unordered categorical column).
VALUED = ("numeric", "datetime", "ordinal")
#: Pairs weigh ``|a_real|``: the score is the share of the total real association kept.
WEIGHT_POWER = 1.0


def masked_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r along the last axis over positions where both are present; 0 if either is constant."""
    mask = ~(np.isnan(x) | np.isnan(y))
    n = mask.sum(axis=-1)
    safe_n = np.maximum(n, 1)
    x0, y0 = np.where(mask, x, 0.0), np.where(mask, y, 0.0)
    mx, my = x0.sum(axis=-1) / safe_n, y0.sum(axis=-1) / safe_n
    xc = np.where(mask, x0 - mx[..., None], 0.0)
    yc = np.where(mask, y0 - my[..., None], 0.0)
    cov = (xc * yc).sum(axis=-1)
    vx, vy = (xc * xc).sum(axis=-1), (yc * yc).sum(axis=-1)
    denom = np.sqrt(vx * vy)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where((denom > 0) & (n > 2), cov / np.where(denom > 0, denom, 1.0), 0.0)
    return np.clip(r, -1.0, 1.0)


def cramers_v(table: np.ndarray) -> np.ndarray:
    """Bias-corrected Cramer's V (Bergsma 2013) of tables ``(..., r, k)``; empty rows/columns ignored.

    Examples
    --------
    >>> round(float(cramers_v(np.array([[500, 0], [0, 500]]))), 3)
    1.0
    >>> float(cramers_v(np.array([[250, 250], [250, 250]])))
    0.0
    """
    return _cramers(table)[0]


def _cramers(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected Cramer's V of tables ``(..., r, k)``, and the bias-corrected phi^2 before it
    is floored at 0 (``chi^2 / n - (r - 1)(k - 1) / (n - 1)``, what its test reads)."""
    table = np.asarray(table, dtype=float)
    n = table.sum(axis=(-2, -1))
    safe_n = np.where(n > 1, n, 2.0)
    rows, cols = table.sum(axis=-1), table.sum(axis=-2)
    r = (rows > 0).sum(axis=-1)
    k = (cols > 0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = rows[..., :, None] * cols[..., None, :] / safe_n[..., None, None]
        chi2 = np.where(expected > 0, (table - expected) ** 2 / np.where(expected > 0, expected, 1.0), 0.0)
    phi2 = chi2.sum(axis=(-2, -1)) / safe_n
    excess = phi2 - (k - 1) * (r - 1) / (safe_n - 1)
    phi2_corr = np.maximum(0.0, excess)
    r_corr = r - (r - 1) ** 2 / (safe_n - 1)
    k_corr = k - (k - 1) ** 2 / (safe_n - 1)
    denom = np.minimum(r_corr - 1, k_corr - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(denom > 0, np.sqrt(phi2_corr / np.where(denom > 0, denom, 1.0)), 0.0)
    return np.clip(v, 0.0, 1.0), excess


def _eta_inputs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What every grouping of the same values (B, m, p) shares: the stacked [present, centred]
    matrix (B*m, 2p), the total sum of squares (B, p) and the present counts (B, p)."""
    batch, m, p = values.shape
    present = ~np.isnan(values)
    y = np.where(present, values, 0.0)
    n = present.sum(axis=1)
    yc = np.where(present, y - (y.sum(axis=1) / np.maximum(n, 1))[:, None, :], 0.0)
    total = np.einsum("bmp,bmp->bp", yc, yc)
    stacked = np.concatenate([present.reshape(batch * m, p).astype(float), yc.reshape(batch * m, p)], axis=1)
    return stacked, total, n


def _correlation_ratios(groups: np.ndarray, values: np.ndarray, n_groups: int, inputs=None) -> tuple:
    """Correlation ratio eta of several value columns by one integer grouping, per replicate.

    ``groups`` has shape (B, m), ``values`` (B, m, p) with NaN for missing; returns (B, p).
    eta^2 is adjusted for the number of occupied groups G (``1 - (1 - eta^2) (N - 1) / (N - G)``,
    floored at 0) before the root, as Cramer's V is, so that independent columns score about 0
    at any sample size. Rows with a missing value are ignored for that column; a missing group
    code is a group of its own. Group sums come from one sparse product; ``inputs`` (from
    ``_eta_inputs(values)``) can be shared between groupings of the same values. Also returns
    the adjusted eta^2 before it is floored at 0 (what its test reads), (B, p).
    """
    from scipy import sparse

    batch, m, p = values.shape
    stacked, total, n = inputs if inputs is not None else _eta_inputs(values)
    flat = (groups.astype(np.int64) + (np.arange(batch) * n_groups)[:, None]).ravel()
    onehot = sparse.csr_matrix((np.ones(batch * m), (flat, np.arange(batch * m))), shape=(batch * n_groups, batch * m))
    sums = np.asarray(onehot @ stacked).reshape(batch, n_groups, 2 * p)
    counts, group_sums = sums[..., :p], sums[..., p:]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.where(counts > 0, group_sums**2 / np.where(counts > 0, counts, 1.0), 0.0).sum(axis=1)
        eta2 = np.where(total > 0, between / np.where(total > 0, total, 1.0), 0.0)
        g = (counts > 0).sum(axis=1)
        adjusted = np.where(n > g, 1.0 - (1.0 - eta2) * (n - 1) / np.maximum(n - g, 1), 0.0)
    return np.sqrt(np.clip(adjusted, 0.0, 1.0)), adjusted


def correlation_ratios(groups: np.ndarray, values: np.ndarray, n_groups: int, inputs=None) -> np.ndarray:
    """Correlation ratio eta of several value columns by one integer grouping, per replicate:
    ``groups`` (B, m), ``values`` (B, m, p) with NaN for missing; returns (B, p) (see
    :func:`_correlation_ratios`)."""
    return _correlation_ratios(groups, values, n_groups, inputs)[0]


def correlation_ratio(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Correlation ratio eta of ``values`` by integer ``groups`` along the last axis (see
    :func:`correlation_ratios`); 1-D inputs give a scalar, (B, m) inputs a (B,) array.

    Examples
    --------
    >>> g = np.array([0, 0, 0, 1, 1, 1]); y = np.array([1., 1., 1., 5., 5., 5.])
    >>> float(correlation_ratio(g, y, 2))
    1.0
    """
    one_d = np.ndim(values) == 1
    values, groups = np.atleast_2d(values), np.atleast_2d(groups)
    eta = correlation_ratios(groups, values[..., None], n_groups)[:, 0]
    return eta[0] if one_d else eta


def masked_corr_matrix(x: np.ndarray) -> np.ndarray:
    """Pearson correlation of every pair of columns of ``x`` (B, m, p) over the rows where both
    are present (NaN missing), per replicate; returns (B, p, p). Constant columns give 0."""
    mask = (~np.isnan(x)).astype(float)
    x0 = np.where(mask > 0, x, 0.0)
    xt = x0.transpose(0, 2, 1)
    n = mask.transpose(0, 2, 1) @ mask
    sx = xt @ mask  # sx[b, i, j]: sum of x_i over rows where i and j are present
    sxx = (xt * xt) @ mask
    sxy = xt @ x0
    return corr_from_sums(n, sx, sxx, sxy)


def corr_from_sums(n: np.ndarray, sx: np.ndarray, sxx: np.ndarray, sxy: np.ndarray) -> np.ndarray:
    """Pearson's r of every pair from pairwise-complete sums (each (B, p, p): rows where both are
    present, the sum of column i over them, of its squares, of the products; see
    :class:`sdq.sketches.CoMoments`), as :func:`masked_corr_matrix` computes it."""
    sy, syy = sx.transpose(0, 2, 1), sxx.transpose(0, 2, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_n = np.where(n > 0, n, 1.0)
        cov = sxy - sx * sy / safe_n
        vx = sxx - sx * sx / safe_n
        vy = syy - sy * sy / safe_n
        denom = np.sqrt(np.clip(vx, 0, None) * np.clip(vy, 0, None))
        r = np.where(
            (denom > 1e-12 * np.maximum(np.abs(sxx), 1.0)) & (n > 2), cov / np.where(denom > 0, denom, 1.0), 0.0
        )
    return np.clip(r, -1.0, 1.0)


def _ordered(prepared: Prepared, frame: PreparedFrame, spec) -> np.ndarray:
    """A column of an ordered kind as numbers (NaN missing): the values of numeric, datetime and
    boolean (0/1) columns, the levels' order of an ordinal one (unseen values missing)."""
    if spec.kind == "ordinal":
        return ordered_values(prepared.binnings[spec.name], frame.codes[spec.name])
    return frame.values[spec.name]


def _ranks(prepared: Prepared, frame: PreparedFrame, spec) -> np.ndarray:
    """Mid-ranks of an ordered column over its present values, centred; NaN where missing
    (cached: the bootstrap draws its rows from them)."""

    def compute() -> np.ndarray:
        ranks = pd.Series(_ordered(prepared, frame, spec)).rank(method="average").to_numpy()
        return ranks - np.nanmean(ranks) if np.isfinite(ranks).any() else ranks

    return prepared.cached(("fidelity.ranks", frame.name, id(frame), spec.name), compute)


def _centred(x: np.ndarray) -> np.ndarray:
    """Values divided by their largest absolute value and centred: Pearson's r and the
    correlation ratio do not change with the scale, and values near the float limits (1e308)
    would overflow their sums of squares."""
    if not np.isfinite(x).any():
        return x
    scale = float(np.nanmax(np.abs(x)))
    x = x / scale if scale > 0 else x
    return x - np.nanmean(x)


def _pair_kind(a, b) -> str:
    if a.kind in ORDERED_KINDS and b.kind in ORDERED_KINDS:
        return "spearman"
    if a.kind in VALUED or b.kind in VALUED:
        return "correlation_ratio"
    return "cramers_v"


def _associations(
    prepared: Prepared, frame: PreparedFrame, specs, pairs, kinds, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Association of every pair on rows ``idx`` (shape (B, m)), and the effect its test of
    independence reads (|rho|; for V and eta the bias-corrected phi^2 and eta^2 before they are
    floored at 0, so that a resample of fewer rows is tested as the full sample is); each
    (B, n_pairs).

    Each column is gathered once; Spearman pairs come from one batched correlation matrix,
    correlation ratios from one sparse product per categorical column, Cramer's V from one
    two-way table per pair.
    """
    batch = idx.shape[0]
    ordered = sorted({i for (i, j), kd in zip(pairs, kinds) if kd == "spearman" for i in (i, j)})
    position = {i: k for k, i in enumerate(ordered)}
    valued = sorted(
        {n for (i, j), kd in zip(pairs, kinds) if kd == "correlation_ratio" for n in (i, j) if specs[n].kind in VALUED}
    )
    where = {i: k for k, i in enumerate(valued)}
    out, effect = np.zeros((batch, len(pairs))), np.zeros((batch, len(pairs)))
    if ordered:
        rho = masked_corr_matrix(np.stack([_ranks(prepared, frame, specs[i])[idx] for i in ordered], axis=-1))
    codes = {}

    def codes_of(i: int) -> np.ndarray:
        if i not in codes:
            codes[i] = frame.pair_codes[specs[i].name][idx]
        return codes[i]

    etas, eta_inputs = {}, None
    for k, (i, j) in enumerate(pairs):
        if kinds[k] == "spearman":
            out[:, k] = rho[:, position[i], position[j]]
            effect[:, k] = np.abs(out[:, k])
        elif kinds[k] == "cramers_v":
            ka = prepared.pair_binnings[specs[i].name].n_codes
            kb = prepared.pair_binnings[specs[j].name].n_codes
            joint = codes_of(i).astype(np.int64) * kb + codes_of(j) + (np.arange(batch) * ka * kb)[:, None]
            out[:, k], effect[:, k] = _cramers(
                np.bincount(joint.ravel(), minlength=batch * ka * kb).reshape(-1, ka, kb)
            )
        else:
            cat, num = (j, i) if i in where else (i, j)
            if cat not in etas:
                if eta_inputs is None:
                    values = np.stack([_centred(_ordered(prepared, frame, specs[n]))[idx] for n in valued], axis=-1)
                    eta_inputs = (values, _eta_inputs(values))
                etas[cat] = _correlation_ratios(
                    codes_of(cat), eta_inputs[0], prepared.pair_binnings[specs[cat].name].n_codes, eta_inputs[1]
                )
            out[:, k], effect[:, k] = etas[cat][0][:, where[num]], etas[cat][1][:, where[num]]
    return out, effect


def _eta_from_sums(counts: np.ndarray, sums: np.ndarray, totals: tuple) -> tuple[float, float]:
    """The correlation ratio (and its adjusted eta^2 before the floor at 0, what the test reads)
    from per-group sums: ``counts`` and ``sums`` of the present values in each group, ``totals``
    (rows present, sum, sum of squares), as :func:`_correlation_ratios` computes it on rows."""
    n, s, ss = totals
    if n <= 0:
        return 0.0, 0.0
    mean = s / n
    total = max(ss - s * s / n, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = sums - counts * mean
        between = float(np.where(counts > 0, centred**2 / np.where(counts > 0, counts, 1.0), 0.0).sum())
    eta2 = between / total if total > 0 else 0.0
    g = int((counts > 0).sum())
    adjusted = 1.0 - (1.0 - eta2) * (n - 1) / max(n - g, 1) if n > g else 0.0
    return float(np.sqrt(np.clip(adjusted, 0.0, 1.0))), float(adjusted)


def _corr_of(frame: AggregateFrame, which: str) -> tuple[dict, np.ndarray] | None:
    """A frame's pairwise correlations from its sums (``ranks``: Spearman's rho; ``values``:
    Pearson's r), and where each column is in them."""
    if which not in frame.comoments:
        return None
    columns, sums = frame.comoments[which]
    r = corr_from_sums(sums.n[None], sums.sx[None], sums.sxx[None], sums.sxy[None])[0]
    return {c: k for k, c in enumerate(columns)}, r


def _aggregate_associations(
    prepared: Prepared, frame: AggregateFrame, specs, pairs, kinds
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_associations` of a frame known by its aggregates (one replicate): Spearman's rho
    from the sums of its mid-ranks, Cramer's V from its pair tables, the correlation ratio from
    its per-group sums."""
    out, effect = np.zeros((1, len(pairs))), np.zeros((1, len(pairs)))
    ranks = _corr_of(frame, "ranks")
    for k, (i, j) in enumerate(pairs):
        a, b = specs[i].name, specs[j].name
        if kinds[k] == "spearman":
            where, rho = ranks
            out[0, k] = rho[where[a], where[b]]
            effect[0, k] = abs(out[0, k])
        elif kinds[k] == "cramers_v":
            v, e = _cramers(contingency(prepared, frame, a, b)[None])
            out[0, k], effect[0, k] = v[0], e[0]
        else:
            cat, num = (b, a) if specs[i].kind in VALUED else (a, b)
            valued, counts, sums = frame.eta[cat]
            at = valued.index(num)
            out[0, k], effect[0, k] = _eta_from_sums(counts[:, at], sums[:, at], frame.eta_totals[num])
    return out, effect


def spearman_threshold(n: np.ndarray, level: float) -> np.ndarray:
    """The smallest |rho| significant at ``level`` (two-sided) in ``n`` rows: the t-test
    ``t = rho sqrt((n - 2) / (1 - rho^2))`` with ``n - 2`` degrees of freedom; inf below 3 rows.

    Examples
    --------
    >>> round(float(spearman_threshold(np.array(100), 0.05)), 4)
    0.1966
    """
    n = np.asarray(n, dtype=float)
    dof = np.maximum(n - 2, 1)
    t = stats.t.isf(level / 2, dof)
    return np.where(n > 2, t / np.sqrt(dof + t**2), np.inf)


def _tests(prepared: Prepared, specs, pairs, kinds, level: float, real_values: np.ndarray) -> tuple[np.ndarray, Noise]:
    """Per pair, the smallest real effect (see :func:`_associations`) significant at ``level``,
    and how a fresh sample of any size reads the association (what sampling noise explains).

    Tests: for rho the t-test's (``n`` rows where both are present); for V the chi-square test's
    (``chi^2 > c`` is ``phi^2 - df / n > (c - df) / n``); for eta the F-test's (``F > c`` read on
    the adjusted eta^2). Variances at the real size, falling as ``1 / n``, no bias: for rho
    ``(1 + rho^2 / 2)(1 - rho^2)^2 / (n - 3)`` (Bonett and Wright's for Spearman's rho), for eta
    ``(1 - eta^2)^2 / (n - g)`` (as a correlation's); for V, which grows on small samples, bias and
    variance from multinomial draws of the real table (:meth:`~sdq.metrics.fidelity.dependence.Noise.drawn`).
    All read counts, never which row is where."""
    real = prepared.real
    aggregate = isinstance(real, AggregateFrame)
    thresholds, variance = np.full(len(pairs), np.inf), np.zeros(len(pairs))
    tables, at = [], []
    present = {}
    ranks = _corr_of(real, "ranks") if aggregate else None

    def present_of(i: int) -> np.ndarray:
        if i not in present:
            present[i] = ~np.isnan(_ordered(prepared, real, specs[i]))
        return present[i]

    def rows_and_groups(cat: int, num: int) -> tuple[int, int]:
        """Rows where the valued column is present, and the groups they fall in."""
        if aggregate:
            valued, counts, _ = real.eta[specs[cat].name]
            present_rows = counts[:, valued.index(specs[num].name)]
            return int(present_rows.sum()), int((present_rows > 0).sum())
        rows = present_of(num)
        return int(rows.sum()), len(np.unique(real.pair_codes[specs[cat].name][rows]))

    for k, (i, j) in enumerate(pairs):
        a = real_values[k]
        if kinds[k] == "spearman":
            if aggregate:
                where, _ = ranks
                n = int(real.comoments["ranks"][1].n[where[specs[i].name], where[specs[j].name]])
            else:
                n = int((present_of(i) & present_of(j)).sum())
            thresholds[k] = spearman_threshold(np.array(n), level)
            variance[k] = (1 + a**2 / 2) * (1 - a**2) ** 2 / max(n - 3, 1)
        elif kinds[k] == "cramers_v":
            if aggregate:
                table = contingency(prepared, real, specs[i].name, specs[j].name)
            else:
                ka = prepared.pair_binnings[specs[i].name].n_codes
                kb = prepared.pair_binnings[specs[j].name].n_codes
                table = pair_table(real.pair_codes[specs[i].name], real.pair_codes[specs[j].name], ka, kb)
            r, c = np.count_nonzero(table.sum(axis=1)), np.count_nonzero(table.sum(axis=0))
            if r > 1 and c > 1:
                df = (r - 1) * (c - 1)
                thresholds[k] = (stats.chi2.isf(level, df) - df) / real.n_rows
            tables.append(table)
            at.append(k)
        else:
            cat, num = (j, i) if specs[i].kind in VALUED else (i, j)
            n, g = rows_and_groups(cat, num)
            if 1 < g < n:
                c = stats.f.isf(level, g - 1, n - g) * (g - 1) / (n - g)  # eta^2 / (1 - eta^2) > c
                thresholds[k] = 1 - (n - 1) / ((1 + c) * (n - g))
            variance[k] = (1 - a**2) ** 2 / max(n - g, 1)
    noise = Noise.scaling(variance, real.n_rows)
    if tables:
        noise = noise.replaced(at, Noise.drawn(tables, lambda _, drawn: cramers_v(drawn), real.n_rows))
    return thresholds, noise


@metric(
    "correlation",
    "fidelity",
    shape=Pairwise(measure="association", signed=True),
    extras=("pearson",),
    chunked=True,
    summary=(
        "The share of the real pairwise associations (Spearman, Cramer's V, correlation ratio) beyond chance "
        "kept, with their signs."
    ),
    one="every real association beyond chance is kept at its strength and with its sign",
    zero="every real association is lost, reversed or doubled",
)
def correlation(prepared: Prepared) -> Outcome:
    # computed in the canonical order, so that no float sum depends on the order of the given
    # columns; details in the given order
    specs = [
        s for s in prepared.binned_columns(DEPENDENCE_KINDS) if np.count_nonzero(prepared.real.pair_counts(s.name)) > 1
    ]
    given = prepared.given_order(specs)
    if len(specs) < 2:
        raise Skip("fewer than two columns with more than one value to correlate")
    rng = prepared.rng("correlation")
    pairs, sampled = select_pairs(specs, prepared.config.max_pairs, rng)
    kinds = [_pair_kind(specs[i], specs[j]) for i, j in pairs]
    frames = compared_frames(prepared)
    points = {}
    for name, frame in frames.items():
        if isinstance(frame, AggregateFrame):
            v, e = _aggregate_associations(prepared, frame, specs, pairs, kinds)
        else:
            v, e = _associations(prepared, frame, specs, pairs, kinds, np.arange(frame.n_rows)[None, :])
        points[name] = (v[0], e[0])
    thresholds, noise = _tests(prepared, specs, pairs, kinds, pair_level(len(pairs)), points["real"][0])

    def resample(frame: PreparedFrame, n_boot: int, cap: int, generator: np.random.Generator):
        rows, idx = resampled_rows(frame, cap, n_boot, generator)
        return (*_associations(prepared, rows, specs, pairs, kinds, idx), idx.shape[1])

    score, baseline, ci, details = outcome(
        prepared,
        "correlation",
        "associated",
        specs,
        pairs,
        sampled,
        points,
        thresholds,
        noise,
        resample,
        WEIGHT_POWER,
        {"association": kinds},
    )

    # Pearson's r of the numeric pairs, for reference: one batched matrix per data set
    numeric = [i for i, sp in enumerate(specs) if sp.kind in NUMERIC_LIKE]
    where = {i: k for k, i in enumerate(numeric)}

    def pearson_of(f) -> tuple[np.ndarray, dict]:
        if isinstance(f, AggregateFrame):
            where_, r = _corr_of(f, "values")
            return r, {i: where_[specs[i].name] for i in numeric}
        r = masked_corr_matrix(np.stack([_centred(f.values[specs[i].name]) for i in numeric], axis=-1)[None])[0]
        return r, where

    pearson_matrix = {name: pearson_of(f) for name, f in frames.items() if name != "synthetic_full"} if numeric else {}
    pearson = [
        {
            "columns": [specs[i].label, specs[j].label],
            **{name: rounded(float(mat[at[i], at[j]]), 4) for name, (mat, at) in pearson_matrix.items()},
        }
        for (i, j) in pairs
        if i in where and j in where
    ]
    details.update({"kinds": [s.kind for s in given], "pearson": pearson})
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

"""``mutual_information``: is the dependence between every pair of columns preserved?

Per pair of columns, the normalised mutual information on the shared real-fitted codes (so it
works for any mix of types and sees non-linear dependence)::

    NMI = max(0, MI_mm) / sqrt(H_x * H_y)        in [0, 1]

where ``MI_mm`` is the plug-in MI minus the Miller-Madow bias term
``(K_xy - K_x - K_y + 1) / (2 n)`` (K = occupied cells). Without that correction two independent
columns get an NMI that grows with the number of bins and shrinks with n, so data sets of
different sizes would disagree for no reason. Pair similarity = ``1 - |NMI_real - NMI_synthetic|``.

The metric is the **dependence-weighted** mean of pair similarities, weight
``max(NMI_real, NMI_synthetic)`` (floored at 1e-3): most pairs of real columns are nearly
independent, and a plain mean lets data whose columns were shuffled independently score about
0.95. 1.0: every dependent pair keeps its strength. 0.0: every pair is fully dependent (NMI 1)
in one data set and independent in the other. A pair is penalised by the dependence it lost, so a
real pair with NMI 0.3 that the synthetic data lost completely has similarity 0.7: data whose
columns were shuffled independently score about 0.75 on real survey data, against about 0.99 for
fresh real rows; read the score beside its baseline. Interval: Poisson bootstrap of the
contingency tables. Columns are paired and summed in the canonical order of
:meth:`~sdq.prepare.Prepared.columns`, so the result does not depend on the order of the given
columns.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import (
    contingency,
    pair_details,
    pairs_in_given_order,
    poisson_resample,
    select_pairs,
    shifted_ci,
    weighted_pair_score,
)
from sdq.prepare import Prepared, pair_bins
from sdq.schema import DEPENDENCE_KINDS
from sdq.shapes import Pairwise

__all__ = ["mutual_information", "nmi"]


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
    table = np.asarray(table, dtype=float)
    n = table.sum(axis=(-2, -1))
    safe_n = np.where(n > 0, n, 1.0)
    rows, cols = table.sum(axis=-1), table.sum(axis=-2)
    hx, hy = _entropy(rows, safe_n), _entropy(cols, safe_n)
    hxy = _entropy(table.reshape(*table.shape[:-2], -1), safe_n)
    k_xy = (table > 0).sum(axis=(-2, -1))
    k_x, k_y = (rows > 0).sum(axis=-1), (cols > 0).sum(axis=-1)
    mi = hx + hy - hxy - (k_xy - k_x - k_y + 1) / (2 * safe_n)
    denom = np.sqrt(np.clip(hx, 0, None) * np.clip(hy, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denom > 1e-12, np.clip(mi, 0, None) / np.where(denom > 1e-12, denom, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


@metric(
    "mutual_information",
    "fidelity",
    shape=Pairwise(measure="normalised mutual information", signed=False),
    chunked=True,
    summary="Pairwise dependence of any kind (normalised mutual information on shared bins) is preserved.",
    one="every pair of columns is exactly as dependent as in the real data",
    zero="every pair is fully dependent in one data set and independent in the other",
)
def mutual_information(prepared: Prepared) -> Outcome:
    # in the canonical order (pairs oriented and summed alike whatever the order of the given
    # columns); details in the given order. A column with one occupied bin in the real data has no
    # dependence to preserve.
    specs = [
        s for s in prepared.binned_columns(DEPENDENCE_KINDS) if np.count_nonzero(prepared.real.pair_counts(s.name)) > 1
    ]
    given = prepared.given_order(specs)
    if len(specs) < 2:
        raise Skip(
            "fewer than two columns with dependence to compare (numeric, datetime, categorical "
            "or boolean columns with more than one value)"
        )
    rng = prepared.rng("mutual_information")
    pairs, sampled = select_pairs(specs, prepared.config.max_pairs, rng)
    n_boot = prepared.config.n_bootstrap
    frames = {"real": prepared.real, "synthetic": prepared.synthetic}
    if prepared.baseline is not None:
        frames["holdout"] = prepared.baseline
    if prepared.synthetic_at_baseline_rows is not None:
        frames["synthetic_at_baseline_rows"] = prepared.synthetic_at_baseline_rows
    values = {name: np.zeros(len(pairs)) for name in frames}
    boot = {"real": np.zeros((n_boot, len(pairs))), "synthetic": np.zeros((n_boot, len(pairs)))}
    for k, (i, j) in enumerate(pairs):
        a, b = specs[i].name, specs[j].name
        for name, frame in frames.items():
            table = contingency(prepared, frame, a, b)
            values[name][k] = nmi(table)
            if n_boot and name in boot:
                boot[name][:, k] = nmi(poisson_resample(table, n_boot, rng))

    eq = values.pop("synthetic_at_baseline_rows", None)
    frames.pop("synthetic_at_baseline_rows", None)
    score = float(weighted_pair_score(values["real"], values["synthetic"]))
    baseline = float(weighted_pair_score(values["real"], values["holdout"])) if "holdout" in values else None
    ci = shifted_ci(score, weighted_pair_score(boot["real"], boot["synthetic"]), 1.0) if n_boot else None
    details = pair_details(*pairs_in_given_order(given, specs, pairs), values)
    if eq is not None:
        details["score_at_baseline_rows"] = float(weighted_pair_score(values["real"], eq))
    details.update(
        {
            "pairs_sampled": sampled,
            "pair_bins": pair_bins(prepared.real.n_rows, prepared.config),
            "rows": {name: frame.n_rows for name, frame in frames.items()},
            "n_bootstrap": n_boot,
        }
    )
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

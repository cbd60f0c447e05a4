"""``membership_inference``: can an attacker holding the synthetic data tell training rows from
rows the generator never saw, on average or for a few rows beyond doubt?

Candidates: up to ``attack_rows`` training rows (members) and up to ``attack_rows`` holdout rows
(non-members), seeded samples. The holdout is split in two halves; the attacker's reference sample
of the population for a candidate is the half it is not in (for members, the same share of them
is referred to each half as of the non-members), so every holdout row can be a non-member and no
candidate is its own reference. Three attacks, each a score per candidate (higher = "member"):

``distance``       minus the distance to the closest synthetic row (a generator that memorises
                   puts synthetic rows on top of its training rows);
``density_ratio``  log d_k(x, reference) - log d_k(x, synthetic), k = 5: the k-nearest-neighbour
                   estimate of the log ratio of the synthetic data's density to the population's
                   (in the spirit of DOMIAS), which discounts rows that are merely typical;
``repeats``        log((s + 1/2) / n_synthetic) - log((r + 1/2) / n_reference), with ``s`` and
                   ``r`` the synthetic and reference rows at the candidate's very point (at most
                   1e-4 away, counted up to 100): the same ratio at radius 0, which finds rows
                   the synthetic data holds many copies of also where natural clusters of
                   identical rows hide them from the k-th neighbour.

Per attack: ROC AUC (ties as half) and, at thresholds that call at most 0, 0.1% and 1% of the
non-members members (a threshold just above the highest, the 0.1%-th and the 1%-th highest
non-member score), the true-positive rate with its exact one-sided 95% lower bound and the
false-positive rate's exact one-sided 95% upper bound (Clopper-Pearson; the false-positive bound
is exact for a threshold set at an order statistic of the non-members' scores). Each threshold
proves an **empirical epsilon** ``ln(TPR_lower / FPR_upper)`` (at least 0): an
epsilon-differentially private generator keeps every attack's TPR at most ``exp(epsilon)`` times
its FPR. ``epsilon`` is the largest over the attacks and thresholds (each bound holds at 95%; the
largest of the nine is somewhat optimistic, as any reported best attack is). A copied row that has
an exact twin among the non-members proves nothing (the twin scores as high), so the bound needs
copies of rows that are unique.

The score reflects the strongest evidence, average or worst case::

    auc_part     = 1 - (AUC - 0.5) / 0.5          (AUC of the strongest attack; above 1 below 0.5)
    epsilon_part = exp(-epsilon)                  (the attacker's FPR/TPR ratio it proves)
    score        = clip(min(auc_part, epsilon_part), 0, 1)     (clipped once, at the end)

1.0: the attacker does no better than a coin flip, on average or for any few rows. 0.5: it
tells members apart on average as often as it errs (AUC 0.75), or it proves it calls members
twice as often as non-members at some threshold (a few rows memorised many times). 0.0: it
separates members from non-members perfectly. Needs a holdout.

Baseline: the same score with the member / non-member labels shuffled among the candidates (the
attack facing data that reveal nothing about membership), the mean over 200 shuffles. It carries
the same noise, best-of-three-attacks choice and clipping as the score, so a generator that draws
fresh rows scores about its baseline. Interval: the AUCs bootstrapped over the candidates (members
and non-members resampled separately), and the true positives at each threshold drawn as binomials
on the members (one uniform draw per replicate for every threshold: the count each bound is
about; resampled rows would count a copied row twice), each replicate scored as the point is. Distances as in
:mod:`sdq.metrics.privacy.distance`. Skipped without columns to measure distances on, with fewer
than 10 training rows (members) or fewer than 20 holdout rows.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import percentile_ci, rounded
from sdq.metrics.privacy.bounds import clopper_pearson_lower, clopper_pearson_upper
from sdq.metrics.privacy.distance import check_distances, encoder, search, vectors
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Attacks

__all__ = ["membership_inference", "roc_points", "tpr_at_fpr", "curve_counts", "attack_stats", "LEVELS"]

K_DENSITY = 5
#: Most neighbours the ``repeats`` attack counts at a candidate's point.
K_COUNT = 100
#: Rows at most this far apart count as the same point (``repeats``): a ten-thousandth of the real
#: rows between them in one column.
SAME = 1e-4
#: Fewest members (training rows) the attack scores: an AUC over fewer is a coin toss itself.
MIN_MEMBERS = 10
EPS = 1e-6
#: Label shuffles the baseline averages over.
PERMUTATIONS = 200
#: False-positive rates the thresholds allow (0: above every non-member), by their names in details.
LEVELS = {"no_false_positive": 0.0, "0.1pct_fpr": 0.001, "1pct_fpr": 0.01}
#: One-sided level of each Clopper-Pearson bound.
ALPHA = 0.05
#: Largest number of (replicate x candidate) cells held at once.
_CELLS = 2_000_000


def tpr_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr: float) -> float:
    """Largest true-positive rate at a false-positive rate of at most ``fpr`` (threshold on scores;
    tied scores are all in or all out)."""
    neg = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(fpr * len(neg)))
    # threshold strictly above the (allowed+1)-th highest negative score
    threshold = neg[allowed] if allowed < len(neg) else -np.inf
    return float(np.mean(scores[labels == 1] > threshold))


def roc_points(labels: np.ndarray, scores: np.ndarray, n_points: int = 101) -> dict[str, list]:
    """A ROC curve sampled at ``n_points`` false-positive rates (for a plot)."""
    fprs = np.linspace(0.0, 1.0, n_points)
    return {"fpr": rounded(fprs, 4), "tpr": [rounded(tpr_at_fpr(labels, scores, f), 4) for f in fprs]}


def curve_counts(scores: np.ndarray, positive: np.ndarray, negative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For weights of the candidates as members (``positive``) and non-members (``negative``),
    each ``(replicates, candidates)``: the weighted number of members and of non-members scoring
    at least each distinct score, from the highest (``(replicates, distinct scores)`` each).

    Examples
    --------
    >>> cp, cn = curve_counts(np.array([0.9, 0.5, 0.5, 0.1]), np.array([[1, 1, 0, 0]]), np.array([[0, 0, 1, 1]]))
    >>> cp.tolist(), cn.tolist()
    ([[1, 2, 2]], [[0, 1, 2]])
    """
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    ends = np.flatnonzero(np.append(ordered[1:] != ordered[:-1], True))  # last position of each value
    return (
        np.cumsum(positive[:, order], axis=1)[:, ends],
        np.cumsum(negative[:, order], axis=1)[:, ends],
    )


def attack_stats(cp: np.ndarray, cn: np.ndarray, allowed: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """From :func:`curve_counts`: the AUC of each replicate (ties as half) and the number of
    members scoring at or above the lowest threshold that calls at most ``a`` non-members members,
    for each ``a`` in ``allowed`` (``(replicates, len(allowed))``).

    Examples
    --------
    >>> cp, cn = curve_counts(np.array([0.9, 0.5, 0.5, 0.1]), np.array([[1, 1, 0, 0]]), np.array([[0, 0, 1, 1]]))
    >>> auc, tp = attack_stats(cp, cn, [0, 1])
    >>> auc.tolist(), tp.tolist()
    ([0.875], [[1.0, 2.0]])
    """
    total_p, total_n = cp[:, -1], cn[:, -1]
    members = np.diff(cp, axis=1, prepend=0.0)
    non_members = np.diff(cn, axis=1, prepend=0.0)
    # a member beats the non-members scoring lower and ties with half of those scoring the same
    wins = (members * (total_n[:, None] - cn + 0.5 * non_members)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = wins / (total_p * total_n)
    tp = np.empty((len(cp), len(allowed)))
    for j, a in enumerate(allowed):
        last = (cn <= a).sum(axis=1) - 1  # the last distinct score whose threshold stays within a
        tp[:, j] = np.where(last >= 0, np.take_along_axis(cp, np.maximum(last, 0)[:, None], axis=1)[:, 0], 0.0)
    return auc, tp


def _parts(
    aucs: dict[str, np.ndarray], tps: dict[str, np.ndarray], n_members: int, fpr_upper: np.ndarray
) -> dict[str, np.ndarray]:
    """Per replicate: every attack's epsilon at each threshold, the score's two parts and the score,
    from every attack's AUC (``(replicates,)``) and true positives (``(replicates, thresholds)``)."""
    out: dict[str, np.ndarray] = {}
    best_auc = np.max(np.stack(list(aucs.values())), axis=0)
    best_eps = np.zeros_like(best_auc)
    for name, tp in tps.items():
        tpr_lower = clopper_pearson_lower(tp, n_members, ALPHA)
        with np.errstate(divide="ignore"):
            eps = np.maximum(0.0, np.log(np.maximum(tpr_lower, 0.0) / fpr_upper[None, :]))
        out[f"{name}.eps"] = eps
        best_eps = np.maximum(best_eps, eps.max(axis=1))
    out["auc_part"] = 1.0 - (best_auc - 0.5) / 0.5
    out["epsilon"] = best_eps
    out["epsilon_part"] = np.exp(-best_eps)
    out["score"] = np.clip(np.minimum(out["auc_part"], out["epsilon_part"]), 0.0, 1.0)
    return out


def _in_batches(make, total: int, n_cells: int) -> list:
    """``make(size)`` for batches of replicates adding up to ``total``, each within ``_CELLS``."""
    size = max(1, _CELLS // max(1, n_cells))
    return [make(min(size, total - start)) for start in range(0, total, size)]


def _near(reference: np.ndarray, queries: np.ndarray, k: int, k_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The distances of each query's ``k`` nearest reference rows, and how many reference rows
    lie within ``SAME`` of it (counted up to ``k_count``). Only the queries whose ``k``-th
    neighbour is that near (a point many rows share) are searched again for ``k_count``
    neighbours: the same counts as one search for ``k_count`` of every query, at a fraction of
    its cost."""
    d, _ = search(reference, queries, k=k)
    same = (d <= SAME).sum(axis=1)
    crowded = np.flatnonzero(d[:, k - 1] <= SAME)
    if len(crowded) and k_count > k:
        same[crowded] = (search(reference, queries[crowded], k=k_count)[0] <= SAME).sum(axis=1)
    return d, same


@metric(
    "membership_inference",
    "privacy",
    shape=Attacks(),
    group="privacy-attacks",
    needs=("holdout",),
    summary="An attacker holding the synthetic data cannot tell training rows from unseen real rows, "
    "neither on average (AUC) nor for a few rows beyond doubt (true positives at a low false-positive rate).",
    one="the attacker does no better than a coin flip, on average or for any few rows",
    zero="the attacker tells members from non-members perfectly",
)
def membership_inference(prepared: Prepared) -> Outcome:
    config = prepared.config
    rng = prepared.rng("membership_inference")
    enc = encoder(prepared, "attacks")
    check_distances(enc, MIN_MEMBERS)
    n_train, n_hold = prepared.frames["real"].n_rows, prepared.frames["holdout"].n_rows
    if n_hold < 20:
        raise Skip(f"the holdout has {n_hold} rows; at least 20 are needed for members, non-members and a reference")
    halves = rng.permutation(n_hold)
    fold_a, fold_b = np.sort(halves[: n_hold // 2]), np.sort(halves[n_hold // 2 :])
    m, n = int(min(config.attack_rows, n_train)), int(min(config.attack_rows, n_hold))
    members = subsample_rows(n_train, m, rng)
    non_members = subsample_rows(n_hold, n, rng)
    # a candidate of half A is referred to half B and the other way round; members in the same shares
    non_member_in_a = np.isin(non_members, fold_a)
    member_in_a = np.zeros(m, dtype=bool)
    member_in_a[rng.permutation(m)[: int(round(m * non_member_in_a.mean()))]] = True
    holdout = vectors(prepared, "holdout", "attacks")
    candidates = np.concatenate([vectors(prepared, "real", "attacks")[members], holdout[non_members]])
    in_a = np.concatenate([member_in_a, non_member_in_a])
    labels = np.concatenate([np.ones(m), np.zeros(n)])
    synthetic = vectors(prepared, "synthetic", "attacks")
    ref_sizes = (len(fold_b), len(fold_a))  # the reference of a candidate in half A is half B
    k = int(min(K_DENSITY, *ref_sizes, len(synthetic)))
    k_count = int(min(K_COUNT, *ref_sizes, len(synthetic)))
    d_syn, same_syn = _near(synthetic, candidates, k, k_count)
    d_ref = np.full((len(candidates), k), np.inf)
    same_ref = np.zeros(len(candidates), dtype=np.int64)
    for side, reference in ((in_a, fold_b), (~in_a, fold_a)):
        if side.any():
            d_ref[side], same_ref[side] = _near(holdout[reference], candidates[side], k, k_count)
    n_ref = np.where(in_a, len(fold_b), len(fold_a))
    attacks = {
        "distance": -d_syn[:, 0],
        "density_ratio": np.log(d_ref[:, k - 1] + EPS) - np.log(d_syn[:, k - 1] + EPS),
        "repeats": np.log((same_syn + 0.5) / len(synthetic)) - np.log((same_ref + 0.5) / n_ref),
    }
    allowed = sorted({int(np.floor(rate * n)) for rate in LEVELS.values()})
    fpr_upper = np.atleast_1d(clopper_pearson_upper(np.array(allowed, dtype=float), float(n), ALPHA))

    def curves(positive: np.ndarray, negative: np.ndarray) -> tuple[dict, dict]:
        stats = {name: attack_stats(*curve_counts(s, positive, negative), allowed) for name, s in attacks.items()}
        return {name: v[0] for name, v in stats.items()}, {name: v[1] for name, v in stats.items()}

    point_auc, point_tp = curves(labels[None, :], 1.0 - labels[None, :])
    point = _parts(point_auc, point_tp, m, fpr_upper)

    def shuffled(size: int) -> np.ndarray:
        perm = rng.permuted(np.broadcast_to(labels, (size, m + n)), axis=1)
        return _parts(*curves(perm, 1.0 - perm), m, fpr_upper)["score"]

    def resampled(size: int) -> np.ndarray:
        # AUC: members and non-members resampled; true positives: binomial on the members at each
        # threshold (the rate its bound is about), one uniform draw per replicate for all thresholds
        positive = np.zeros((size, m + n))
        negative = np.zeros((size, m + n))
        positive[:, :m] = rng.multinomial(m, np.full(m, 1.0 / m), size=size)
        negative[:, m:] = rng.multinomial(n, np.full(n, 1.0 / n), size=size)
        aucs, _ = curves(positive, negative)
        u = rng.random((size, 1))
        tps = {name: binom.ppf(u, m, tp / m) for name, tp in point_tp.items()}
        return _parts(aucs, tps, m, fpr_upper)["score"]

    null = np.concatenate(_in_batches(shuffled, PERMUTATIONS, m + n))
    ci = None
    if config.n_bootstrap:
        ci = percentile_ci(np.concatenate(_in_batches(resampled, config.n_bootstrap, m + n)))

    at: dict[int, str] = {}
    for name, rate in LEVELS.items():
        at.setdefault(int(np.floor(rate * n)), name)
    reports = {}
    for name, s in attacks.items():
        auc = float(point_auc[name][0])
        tp, eps = point_tp[name][0], point[f"{name}.eps"][0]
        levels = {}
        for level, rate in LEVELS.items():
            j = allowed.index(int(np.floor(rate * n)))
            levels[level] = {
                "tpr": rounded(tp[j] / m),
                "tpr_lower": rounded(clopper_pearson_lower(tp[j], m, ALPHA)),
                "false_positives_allowed": allowed[j],
                "fpr_upper": rounded(fpr_upper[j]),
                "epsilon_lower": rounded(eps[j], 4),
            }
        reports[name] = {
            "auc": rounded(auc),
            "advantage": rounded(max(0.0, 2 * auc - 1)),
            "tpr_at_1pct_fpr": levels["1pct_fpr"]["tpr"],
            "tpr_at_0.1pct_fpr": levels["0.1pct_fpr"]["tpr"],
            "epsilon_lower": rounded(float(eps.max()), 4),
            "thresholds": levels,
            "roc": roc_points(labels, s),
        }
    best = max(reports, key=lambda name: reports[name]["auc"])
    eps_best = max(reports, key=lambda name: reports[name]["epsilon_lower"])
    eps_level = int(np.argmax(point[f"{eps_best}.eps"][0]))
    details = {
        "attacks": reports,
        "strongest": best,
        "epsilon_lower_bound": rounded(float(point["epsilon"][0]), 4),
        "epsilon_from": {"attack": eps_best, "threshold": at[allowed[eps_level]]} if point["epsilon"][0] > 0 else None,
        "parts": {"auc": rounded(float(point["auc_part"][0])), "epsilon": rounded(float(point["epsilon_part"][0]))},
        "bound_level": 1 - ALPHA,
        "rows": {"members": m, "non_members": n, "reference": [len(fold_a), len(fold_b)], "synthetic": len(synthetic)},
        "k": k,
        "baseline_method": f"labels shuffled among the candidates, mean over {PERMUTATIONS} shuffles",
    }
    return Outcome(score=float(point["score"][0]), baseline=float(null.mean()), ci=ci, details=details)

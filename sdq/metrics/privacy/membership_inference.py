"""``membership_inference``: can an attacker holding the synthetic data tell training rows from
rows the generator never saw?

Candidates: ``attack_rows`` training rows (members) and as many holdout rows (non-members),
seeded samples; the rest of the holdout is the attacker's reference sample of the population.
Two attacks, each a score per candidate (higher = "member"):

``distance``       minus the distance to the closest synthetic row (a generator that memorises
                   puts synthetic rows on top of its training rows);
``density_ratio``  log d_k(x, reference) - log d_k(x, synthetic), k = 5: the k-nearest-neighbour
                   estimate of the log ratio of the synthetic data's density to the population's
                   (in the spirit of DOMIAS), which discounts rows that are merely typical.

Per attack: ROC AUC (ties as half), the true-positive rate at 1% and 0.1% false-positive rate,
and the advantage ``max(0, 2 AUC - 1)``. The attacker uses the stronger attack:

    score = 1 - clip((max AUC - 0.5) / 0.5, 0, 1)

1.0: the attacker does no better than a coin flip. 0.0: it separates members from non-members
perfectly. Needs a holdout. Baseline: the distance attack with the attacker's reference sample in
place of the synthetic data (fresh real rows reveal nothing about membership): about 1. Interval:
bootstrap over the candidates. Distances as in :mod:`sdq.metrics.privacy.distance`. Skipped
without columns to measure distances on, with fewer than 10 training rows (members) or fewer than
20 holdout rows.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import auc, clip01, percentile_ci, rounded
from sdq.metrics.privacy.distance import check_distances, encoder, search
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import Attacks

__all__ = ["membership_inference", "roc_points", "tpr_at_fpr"]

K_DENSITY = 5
#: Fewest members (training rows) the attack scores: an AUC over fewer is a coin toss itself.
MIN_MEMBERS = 10
EPS = 1e-6


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


def _attack_report(labels: np.ndarray, scores: np.ndarray) -> dict:
    value = float(auc(labels, scores))
    return {
        "auc": rounded(value),
        "advantage": rounded(max(0.0, 2 * value - 1)),
        "tpr_at_1pct_fpr": rounded(tpr_at_fpr(labels, scores, 0.01)),
        "tpr_at_0.1pct_fpr": rounded(tpr_at_fpr(labels, scores, 0.001)),
        "roc": roc_points(labels, scores),
    }


def _risk(a: float | np.ndarray) -> np.ndarray:
    return 1.0 - np.clip((np.asarray(a) - 0.5) / 0.5, 0.0, 1.0)


@metric(
    "membership_inference",
    "privacy",
    shape=Attacks(),
    group="privacy-distances",
    needs=("holdout",),
    summary="An attacker holding the synthetic data cannot tell training rows from unseen real rows.",
    one="the attacker does no better than a coin flip",
    zero="the attacker tells members from non-members perfectly",
)
def membership_inference(prepared: Prepared) -> Outcome:
    config = prepared.config
    rng = prepared.rng("membership_inference")
    enc = encoder(prepared)
    check_distances(enc, MIN_MEMBERS)
    n_train, n_hold = prepared.frames["real"].n_rows, prepared.frames["holdout"].n_rows
    if n_hold < 20:
        raise Skip(f"the holdout has {n_hold} rows; at least 20 are needed for members, non-members and a reference")
    order = rng.permutation(n_hold)
    m = int(min(config.attack_rows, n_hold // 2, n_train))
    non_members, reference = np.sort(order[:m]), np.sort(order[m:])
    members = subsample_rows(n_train, m, rng)
    candidates = np.concatenate([enc.encode("real", members), enc.encode("holdout", non_members)])
    labels = np.concatenate([np.ones(m, dtype=int), np.zeros(m, dtype=int)])
    synthetic = enc.encode("synthetic")
    ref_x = enc.encode("holdout", reference)
    k = int(min(K_DENSITY, len(reference), len(synthetic)))
    d_syn, _ = search(synthetic, candidates, k=k)
    d_ref, _ = search(ref_x, candidates, k=k)
    attacks = {
        "distance": -d_syn[:, 0],
        "density_ratio": np.log(d_ref[:, k - 1] + EPS) - np.log(d_syn[:, k - 1] + EPS),
    }
    reports = {name: _attack_report(labels, s) for name, s in attacks.items()}
    best = max(reports, key=lambda name: reports[name]["auc"])
    score = float(_risk(reports[best]["auc"]))
    ci = None
    if config.n_bootstrap:
        pick_m = rng.integers(0, m, size=(config.n_bootstrap, m))
        pick_n = rng.integers(m, 2 * m, size=(config.n_bootstrap, m))
        pick = np.concatenate([pick_m, pick_n], axis=1)
        boot_labels = np.concatenate([np.ones((config.n_bootstrap, m)), np.zeros((config.n_bootstrap, m))], axis=1)
        boot_auc = np.max([auc(boot_labels, s[pick]) for s in attacks.values()], axis=0)
        ci = percentile_ci(_risk(boot_auc))
    baseline_auc = float(auc(labels, -d_ref[:, 0]))
    details = {
        "attacks": reports,
        "strongest": best,
        "rows": {"members": m, "non_members": m, "reference": int(len(reference)), "synthetic": len(synthetic)},
        "k": k,
        "baseline_auc": rounded(baseline_auc),
    }
    return Outcome(score=score, baseline=clip01(float(_risk(baseline_auc))), ci=ci, details=details)

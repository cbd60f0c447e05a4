"""``linkability``: can an attacker who holds two data sets about the same people, with different
columns, link their records through the synthetic data?

The attacker holds, for each target person, a record with the columns of set A and, in another
data set, a record with the columns of set B, without knowing which records belong together. For
each of the two records it looks up the nearest synthetic row on that record's columns (in the
distance space of :mod:`sdq.metrics.privacy.distance`, restricted to the columns' coordinates,
exact search); where both records lead to the same synthetic row, the attacker links them.
Where several synthetic rows are equally near, the attacker takes one of them at random: the
target's success is the chance that both picks are the same row,
``|ties_A and ties_B| / (|ties_A| |ties_B|)`` (at most 20 tied rows seen per side), an expected
count, so no random draw is needed.

* **Column sets**: the two the user names (``link_columns=`` / ``--link-columns A --link-columns B``),
  else the columns measured in distances, split alternately in the order of their names (the
  first, third, ... in A; the second, fourth, ... in B). Both sets are in the details.

The attack runs on ``targets`` training rows (main) and as many holdout rows (control); a naive
attacker who picks two synthetic rows at random links a target with chance ``1 / n_synthetic``.
Risk, interval and score as in :mod:`sdq.metrics.privacy.attacks`::

    risk = (main - control) / (1 - control)        score = 1 - max(0, risk_low)

1.0: records of training rows are linked no more often than those of holdout rows, beyond noise.
0.0: every training row's two records are linked beyond doubt (where holdout rows' are not).
Baseline 1.0 (the holdout is the control inside the attack); interval: the rates drawn as
binomials. Details: counts, rates and column names only. Needs a holdout. Skipped with fewer than
two measured columns or fewer than 10 training or holdout rows.
"""

from __future__ import annotations

import numpy as np

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics.privacy.attacks import (
    check_attack_columns,
    coordinates,
    interval_of,
    nearest_ties,
    risk,
    risk_details,
    score_replicates,
    target_rows,
)
from sdq.metrics.privacy.distance import encoder, vectors
from sdq.prepare import Prepared
from sdq.shapes import Risks

__all__ = ["linkability", "link_chance", "split_columns"]


def split_columns(columns: list) -> tuple[list, list]:
    """The columns (in canonical order) split alternately into two sets.

    Examples
    --------
    >>> split_columns(["a", "b", "c", "d", "e"])
    (['a', 'c', 'e'], ['b', 'd'])
    """
    return list(columns[0::2]), list(columns[1::2])


def link_chance(i_a: np.ndarray, tied_a: np.ndarray, i_b: np.ndarray, tied_b: np.ndarray) -> np.ndarray:
    """Per target, the chance that a random one of its tied nearest rows on side A is a random one
    of its tied nearest rows on side B: ``|A and B| / (|A| |B|)``.

    Examples
    --------
    >>> link_chance(np.array([[3, 4]]), np.array([[True, True]]), np.array([[4, 9]]), np.array([[True, False]]))
    array([0.5])
    """
    same = (i_a[:, :, None] == i_b[:, None, :]) & tied_a[:, :, None] & tied_b[:, None, :]
    return same.sum(axis=(1, 2)) / (tied_a.sum(axis=1) * tied_b.sum(axis=1))


@metric(
    "linkability",
    "privacy",
    shape=Risks(),
    group="privacy-attacks",
    needs=("holdout",),
    params={"targets": Param(low=10, high=1_000_000, doc="training rows attacked (and as many holdout rows)")},
    summary="An attacker holding two data sets with different columns of the same people links their records "
    "through the synthetic data no more often for training rows than for holdout rows.",
    one="records of training rows are linked no more often than those of unseen real rows",
    zero="the two records of every training row are linked, beyond doubt",
)
def linkability(prepared: Prepared, *, targets: int = 2_000) -> Outcome:
    config = prepared.config
    rng = prepared.rng("linkability")
    enc = encoder(prepared, "attacks")
    measured = [spec.name for spec in enc.columns]
    labels = {spec.name: spec.label for spec in enc.columns}
    if config.link_columns:
        side_a = check_attack_columns(config.link_columns[0], prepared, enc, "link columns")
        side_b = check_attack_columns(config.link_columns[1], prepared, enc, "link columns")
        source = "given"
    else:
        if len(measured) < 2:
            raise Skip(
                f"linkability needs two columns measured in distances (one for each data set); "
                f"there {'is' if len(measured) == 1 else 'are'} {len(measured)}"
            )
        side_a, side_b = split_columns(measured)
        source = "split alternately in the order of the columns' names"
    main, control = target_rows(prepared, targets, rng)
    synthetic = vectors(prepared, "synthetic", "attacks")
    # main and control targets in one search per side
    queries = np.concatenate(
        [vectors(prepared, "real", "attacks")[main], vectors(prepared, "holdout", "attacks")[control]]
    )
    found = []
    for side in (side_a, side_b):
        coords = coordinates(enc, side)
        found.append(nearest_ties(np.ascontiguousarray(synthetic[:, coords]), np.ascontiguousarray(queries[:, coords])))
    linked = link_chance(*found[0], *found[1])
    chance = {"real": linked[: len(main)], "holdout": linked[len(main) :]}
    r = risk(float(chance["real"].sum()), len(main), float(chance["holdout"].sum()), len(control))
    ci = None
    if config.n_bootstrap:
        ci = interval_of(score_replicates([r], config.n_bootstrap, rng))
    details = {
        "risks": {"linkability": risk_details(r, 1.0 / len(synthetic))},
        "columns": {"a": [labels[c] for c in side_a], "b": [labels[c] for c in side_b]},
        "columns_source": source,
        "linked_for_sure": {
            "main": int((chance["real"] >= 1.0).sum()),
            "control": int((chance["holdout"] >= 1.0).sum()),
        },
        "rows": {"targets": len(main), "synthetic": len(synthetic)},
        "interval_level": 0.95,
    }
    return Outcome(score=r.score, baseline=1.0, ci=ci, details=details)

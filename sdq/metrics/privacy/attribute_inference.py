"""``attribute_inference``: can an attacker who knows a few things about a person (the
quasi-identifiers) learn the rest of their record from the synthetic data?

The attacker knows the quasi-identifiers of a target person and looks up the synthetic row
nearest to them on those columns (in the distance space of :mod:`sdq.metrics.privacy.distance`,
restricted to the quasi-identifiers' coordinates, exact search); its value of a secret
column is the guess. Where several synthetic rows are equally near, the attacker takes one of them
at random: the target's success is the share of the tied rows whose value is right (at most 20
tied rows seen), an expected count, so no random draw is needed.

* **Quasi-identifiers**: the columns the user names (``quasi_identifiers=`` / ``--quasi-identifiers``),
  else the set sdq suggests: greedily, the column that makes the most real training rows unique
  (on the shared bins, at most 100,000 training rows), then the column that adds most, until most
  (half) of the rows are unique or five columns are chosen (always leaving one column to guess).
  The set and the share of rows it makes unique are in the details.
* **Secrets**: the columns named (``secrets=`` / ``--secrets``), else every column measured in
  distances that is not a quasi-identifier. A secret that is itself a quasi-identifier is guessed
  from the other quasi-identifiers.
* **Right**: a category (boolean, categorical) when it is the exact value (missing = missing);
  a number, date or ordered code when the guess and the true value are at most ``tolerance``
  (0.05) apart on the real training data's distribution function: at most 5% of the real rows lie
  between them (so a point mass is right only on the point itself; robust to units and outliers).

Per secret, the attack runs on ``targets`` training rows (main) and as many holdout rows
(control), and a naive attacker guesses the value of a random synthetic row (its expected success
is computed exactly). Risk, interval and score as in :mod:`sdq.metrics.privacy.attacks`::

    risk  = (main - control) / (1 - control)        column score = 1 - max(0, risk_low)
    score = the lowest column score

1.0: no secret is guessed right more often for training rows than for holdout rows, beyond
noise. 0.0: some secret is guessed right for every training row beyond doubt (where it is not
for holdout rows). Baseline 1.0 (the holdout is the control inside the attack); interval: the
rates drawn as binomials, each replicate scored as the point is. Details: one entry per secret
(risk, interval, the three success rates), the quasi-identifiers; no record, no value.
Needs a holdout. Skipped with fewer than 10 training or holdout rows, or fewer than two measured
columns (one to know, one to guess).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdq.metrics import Outcome, Param, Skip, metric
from sdq.metrics._common import rounded
from sdq.metrics.privacy.attacks import (
    check_attack_columns,
    coordinates,
    interval_of,
    nearest_ties,
    risk,
    risk_details,
    score_replicates,
    target_rows,
    value_codes,
)
from sdq.metrics.privacy.distance import Encoder, encoder, vectors
from sdq.prepare import Prepared, subsample_rows
from sdq.shapes import PerColumn

__all__ = ["attribute_inference", "suggest_quasi_identifiers", "MAX_SUGGESTED", "UNIQUE_SHARE"]

#: Most quasi-identifiers sdq suggests.
MAX_SUGGESTED = 5
#: sdq adds quasi-identifiers until this share of the real training rows is unique on them.
UNIQUE_SHARE = 0.5
#: Most training rows the suggestion counts unique rows among.
SUGGEST_ROWS = 100_000


def _unique_share(groups: np.ndarray) -> float:
    counts = np.bincount(groups)
    return float(np.mean(counts[groups] == 1))


def suggest_quasi_identifiers(prepared: Prepared, columns: list, rng: np.random.Generator) -> tuple[list, float, int]:
    """Greedily, the columns (of ``columns``, in canonical order) that make the most real training
    rows unique on their shared bins: each step adds the column that makes most rows unique
    (ties: the one that makes the most groups of rows; then the first in canonical order), until at least :data:`UNIQUE_SHARE` of the rows are
    unique, :data:`MAX_SUGGESTED` columns are chosen, or one column is left. Returns the columns,
    the share of rows they make unique, and the rows counted."""
    n = prepared.frames["real"].n_rows
    rows = subsample_rows(n, SUGGEST_ROWS, rng)
    codes = {c: prepared.frames["real"].codes[c][rows].astype(np.int64) for c in columns}
    groups = np.zeros(len(rows), dtype=np.int64)
    chosen: list = []
    share = 0.0
    limit = min(MAX_SUGGESTED, len(columns) - 1)
    while len(chosen) < limit and share < UNIQUE_SHARE:
        best = None
        for c in columns:
            if c in chosen:
                continue
            combined = groups * (int(codes[c].max()) + 1) + codes[c]
            candidate = pd.factorize(combined)[0]
            value = (_unique_share(candidate), int(candidate.max(initial=0)) + 1)
            if best is None or value > best[1]:
                best = (c, value, candidate)
        chosen.append(best[0])
        share, groups = best[1][0], best[2]
    return chosen, share, len(rows)


def _coordinate_of(enc: Encoder, column) -> int:
    """The position of a column's value coordinate (columns encoded as numbers)."""
    return int(coordinates(enc, [column])[0])


def _missing_of(enc: Encoder, column) -> int | None:
    """The position of a column's missing indicator (None where it has none)."""
    if column not in enc.with_missing:
        return None
    return int(coordinates(enc, [column])[-1])


def _right(enc: Encoder, prepared: Prepared, column, tolerance: float, queries: dict):
    """For the target rows ``queries`` (data set -> rows): ``right(name, guesses)``, whether the
    values of ``column`` in the synthetic rows ``guesses`` (``(targets, k)`` positions) are right
    for each target, and ``naive(name)``, each target's chance that a random synthetic row's value
    is right."""
    if column in enc.grids:
        j, m = _coordinate_of(enc, column), _missing_of(enc, column)
        synthetic = vectors(prepared, "synthetic", "attacks")
        value = {name: vectors(prepared, name, "attacks")[rows, j] for name, rows in queries.items()}
        missing = (
            {name: vectors(prepared, name, "attacks")[rows, m] > 0 for name, rows in queries.items()}
            if m is not None
            else None
        )
        syn_value = synthetic[:, j]
        syn_missing = synthetic[:, m] > 0 if m is not None else np.zeros(len(syn_value), dtype=bool)
        present = np.sort(syn_value[~syn_missing])
        n_syn = len(syn_value)

        def right(name, guesses):
            close = np.abs(value[name][:, None] - syn_value[guesses]) <= tolerance + 1e-6
            if missing is None:
                return close & ~syn_missing[guesses]
            t_missing, g_missing = missing[name][:, None], syn_missing[guesses]
            return np.where(t_missing | g_missing, t_missing & g_missing, close)

        def naive(name):
            x = value[name]
            inside = np.searchsorted(present, x + tolerance + 1e-6, side="right") - np.searchsorted(
                present, x - tolerance - 1e-6, side="left"
            )
            if missing is None:
                return inside / n_syn
            return np.where(missing[name], n_syn - len(present), inside) / n_syn

        return right, naive

    names = list(queries)
    codes = value_codes(prepared, column, [*((n, queries[n]) for n in names), ("synthetic", None)])
    target_codes, syn_codes = dict(zip(names, codes[:-1])), codes[-1]
    frequency = np.bincount(syn_codes, minlength=int(max(c.max(initial=0) for c in codes)) + 1)
    n_syn = len(syn_codes)

    def right(name, guesses):
        return target_codes[name][:, None] == syn_codes[guesses]

    def naive(name):
        return frequency[target_codes[name]] / n_syn

    return right, naive


@metric(
    "attribute_inference",
    "privacy",
    shape=PerColumn(),
    group="privacy-attacks",
    needs=("holdout",),
    params={
        "targets": Param(low=10, high=1_000_000, doc="training rows attacked (and as many holdout rows)"),
        "tolerance": Param(
            low=0.0,
            high=0.5,
            doc="a number is guessed right when at most this share of the real rows lies between guess and truth",
        ),
    },
    summary="An attacker who knows a person's quasi-identifiers guesses their other columns from the nearest "
    "synthetic row no better for training rows than for holdout rows.",
    one="no column is guessed right more often for training rows than for unseen real rows",
    zero="some column is guessed right for every training row, beyond doubt",
)
def attribute_inference(prepared: Prepared, *, targets: int = 2_000, tolerance: float = 0.05) -> Outcome:
    config = prepared.config
    rng = prepared.rng("attribute_inference")
    enc = encoder(prepared, "attacks")
    measured = [spec.name for spec in enc.columns]
    if len(measured) < 2:
        raise Skip(
            f"attribute inference needs two columns measured in distances (one known, one guessed); "
            f"there {'is' if len(measured) == 1 else 'are'} {len(measured)}"
        )
    labels = {spec.name: spec.label for spec in enc.columns}
    if config.quasi_identifiers:
        known = check_attack_columns(config.quasi_identifiers, prepared, enc, "quasi-identifiers")
        source, unique_share, counted = "given", None, None
    else:
        known, unique_share, counted = suggest_quasi_identifiers(prepared, measured, rng)
        source = "suggested"
    if config.secrets:
        secrets = check_attack_columns(config.secrets, prepared, enc, "secrets")
    else:
        secrets = [c for c in measured if c not in known] or list(known)
    if any(s in known for s in secrets) and len(known) < 2:
        raise Skip("the only quasi-identifier is also the secret: there is nothing left to guess it from")

    main, control = target_rows(prepared, targets, rng)
    queries = {"real": main, "holdout": control}
    synthetic = vectors(prepared, "synthetic", "attacks")
    # one search per set of known columns: every secret outside the quasi-identifiers shares it
    by_known: dict[tuple, list] = {}
    for s in secrets:
        by_known.setdefault(tuple(c for c in known if c != s), []).append(s)

    risks, entries = [], {}
    for aux, group in by_known.items():
        coords = coordinates(enc, aux)
        reference = np.ascontiguousarray(synthetic[:, coords])
        # main and control targets in one search
        both = np.concatenate([vectors(prepared, name, "attacks")[rows][:, coords] for name, rows in queries.items()])
        positions, tied = nearest_ties(reference, np.ascontiguousarray(both))
        found = {
            "real": (positions[: len(main)], tied[: len(main)]),
            "holdout": (positions[len(main) :], tied[len(main) :]),
        }
        for s in group:
            right, naive = _right(enc, prepared, s, tolerance, queries)
            success = {}
            for name in queries:
                positions, tied = found[name]
                hit = right(name, positions) & tied
                success[name] = float((hit.sum(axis=1) / tied.sum(axis=1)).sum())
            r = risk(success["real"], len(main), success["holdout"], len(control))
            naive_rate = float(naive("real").mean())
            risks.append(r)
            entries[s] = {
                "column": labels[s],
                **risk_details(r, naive_rate),
                "baseline": 1.0,
                "known": [labels[c] for c in aux],
                "kind": "number" if s in enc.grids else "category",
            }

    replicates = score_replicates(risks, config.n_bootstrap, rng) if config.n_bootstrap else np.empty((0, len(risks)))
    ci = interval_of(replicates) if config.n_bootstrap else None
    order = list(entries)
    for j, s in enumerate(order):
        entries[s]["se"] = rounded(float(np.std(replicates[:, j]))) if len(replicates) else None
        if entries[s]["se"] is None:
            del entries[s]["se"]
    score = float(min(r.score for r in risks))
    worst = order[int(np.argmin([r.score for r in risks]))]
    details = {
        "columns": prepared.given_order(list(entries.values()), label=lambda e: e["column"]),
        "quasi_identifiers": {
            "columns": [labels[c] for c in known],
            "source": source,
            **({"unique_share": rounded(unique_share), "rows_counted": counted} if source == "suggested" else {}),
        },
        "secrets": [labels[s] for s in order],
        "weakest": labels[worst],
        "numeric_tolerance": tolerance,
        "right_when": (
            "categories: the exact value; numbers, dates and ordered codes: at most "
            f"{tolerance:g} of the real training rows lie between guess and true value"
        ),
        "rows": {"targets": len(main), "synthetic": len(synthetic)},
        "interval_level": 0.95,
    }
    return Outcome(score=score, baseline=1.0, ci=ci, details=details)

"""Time-series fidelity: ``autocorrelation``, ``partial_autocorrelation``, ``sequence_length`` and
``first_differences``. They need a time column or an entity column (see
:mod:`sdq.metrics.fidelity.sequences`); without either they say ``skipped``.

``autocorrelation`` / ``partial_autocorrelation``: for every numeric column, the ACF (PACF,
Yule-Walker as statsmodels' ``ywm``) at lags 1..L of every sequence, averaged over sequences
weighted by their length. L is ``10 log10(n)`` for the median length n, below n/2, at most
``Config.max_lag``; sequences of at most 2L rows are left out (counted), and so are constant
ones. A synthetic (or holdout) column whose long-enough sequences are all constant (a generator
that emits flat series) has no autocorrelation: its curve is taken as 0 at every lag, so it
scores 0 where the real data has significant lags, instead of being left out (a column is left
out only when the *real* sequences cannot be measured or no synthetic sequence is long enough).
Only lags where the real or the synthetic value is clearly significant (beyond
``3 / sqrt(total rows)`` of its data set, so that lags crossing the usual 95% band
``1.96 / sqrt(total rows)`` by chance do not count) are compared, and the score is the share of
the autocorrelation preserved::

    column score = 1 - sum_k |a_real(k) - a_synthetic(k)| / sum_k max(|a_real(k)|, |a_synthetic(k)|)

clipped to [0, 1] (1.0 where neither data set has a significant lag: both are white noise).
metric = mean over columns (in the canonical order of :meth:`~sdq.prepare.Prepared.columns`). 1.0: the same (partial) autocorrelation
at every lag that has any.
0.0: all of it lost (or reversed). The plain ``1 - mean |difference| / 2`` is not used: values
shuffled within each sequence (no temporal structure left at all) scored 0.95 there against
0.996 for a sample of the same process, because most lags carry little autocorrelation and the
difference is divided by its largest possible value, 2. Baseline: the holdout. Interval:
bootstrap over the synthetic data's sequences (none with fewer than 5 sequences).

``sequence_length`` (needs an entity column): histogram intersection of the sequences' lengths on
bins fitted to the real lengths (as ``histogram_similarity``). 1.0: the same length distribution.

``first_differences``: per numeric column, histogram intersection of the changes from one row to
the next within a sequence (bins fitted on the real changes; a change next to a missing value has
a bin of its own); metric = mean over columns. 1.0: the series move in steps of the same sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import intersection, percentile_ci, rounded
from sdq.metrics.fidelity.sequences import acf_per_sequence, choose_lags, pacf_from_acf, sequences
from sdq.prepare import Prepared, fit_binning
from sdq.schema import ColumnSpec
from sdq.shapes import Distributions, Histogram, Series

__all__ = ["autocorrelation", "partial_autocorrelation", "sequence_length", "first_differences", "preserved_share"]

MIN_SEQUENCES_FOR_CI = 5
Z_BAND = 1.96  # the 95% band drawn in the report
Z_INCLUDE = 3.0  # lags compared: beyond this many standard errors in either data set


def preserved_share(real: np.ndarray, other: np.ndarray, band: float, other_band: float) -> np.ndarray:
    """``1 - sum |real - other| / sum max(|real|, |other|)`` over the lags where either is outside
    its band (last axis), clipped to [0, 1]; 1 where no lag is.

    Examples
    --------
    >>> float(preserved_share(np.array([0.5, 0.25, 0.0]), np.array([0.5, 0.25, 0.0]), 0.1, 0.1))
    1.0
    >>> float(preserved_share(np.array([0.5, 0.25, 0.0]), np.array([0.0, 0.0, 0.0]), 0.1, 0.1))
    0.0
    >>> float(preserved_share(np.array([0.5, 0.0]), np.array([0.25, 0.0]), 0.1, 0.1))
    0.5
    """
    significant = (np.abs(real) > band) | (np.abs(other) > other_band)
    lost = (np.abs(real - other) * significant).sum(axis=-1)
    mass = (np.maximum(np.abs(real), np.abs(other)) * significant).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mass > 0, np.clip(1.0 - lost / np.where(mass > 0, mass, 1.0), 0.0, 1.0), 1.0)


def _frames(prepared: Prepared) -> list[str]:
    return ["real", "synthetic"] + (["holdout"] if "holdout" in prepared.frames else [])


def _numeric(prepared: Prepared) -> list[ColumnSpec]:
    """The numeric columns, in the canonical order (means over columns do not depend on the order
    of the given columns; details are put back in the given order)."""
    return prepared.columns(("numeric",), binned=True)


def _acf(prepared: Prepared, name: str, column, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelations of one column's sequences (cached: the partial autocorrelation reuses them)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        sq = sequences(prepared, name)
        return acf_per_sequence(sq.values(prepared, name, column), sq.seq, sq.n_sequences, lags)

    return prepared.cached(("fidelity.acf", name, column, lags), compute)


def _band(z: float, weights: np.ndarray) -> float:
    """``z / sqrt(rows)`` of the sequences used; infinite (no lag significant) without any."""
    total = float(weights.sum())
    return z / np.sqrt(total) if total > 0 else np.inf


def _correlogram(prepared: Prepared, partial: bool) -> Outcome:
    columns = _numeric(prepared)
    if not columns:
        raise Skip("no numeric column to compute autocorrelations of")
    names = _frames(prepared)
    seqs = {n: sequences(prepared, n) for n in names}
    lags = choose_lags(seqs["real"].lengths, prepared.config.max_lag)
    if lags < 1:
        raise Skip(
            f"the real sequences are too short (median length {np.median(seqs['real'].lengths):.0f} rows; "
            "at least 4 are needed)"
        )
    rng = prepared.rng("partial_autocorrelation" if partial else "autocorrelation")
    n_boot = prepared.config.n_bootstrap
    per_column, scores, baselines, boot = [], [], [], []
    for spec in columns:
        curves, counts, notes = {}, {}, {}
        per_sequence = {}
        for n in names:
            sq = seqs[n]
            acf, valid = _acf(prepared, n, spec.name, lags)
            long_enough = sq.lengths > 2 * lags
            use = valid & long_enough
            counts[n] = {
                "sequences": int(sq.n_sequences),
                "used": int(use.sum()),
                "too_short": int((~long_enough).sum()),
                "constant": int((long_enough & ~valid).sum()),
            }
            values = pacf_from_acf(acf) if partial else acf
            per_sequence[n] = (values[use], sq.lengths[use].astype(float))
            if use.any():
                curves[n] = np.average(values[use], axis=0, weights=sq.lengths[use])
        for n in names[1:]:
            if n not in curves and counts[n]["constant"] > 0:
                # every sequence long enough to measure is constant (flat): it has no
                # autocorrelation and keeps none of the real data's, so it is scored as a curve of
                # zeros rather than left out (which would skip the metric for data that lost
                # every temporal structure)
                curves[n] = np.zeros(lags)
                notes[n] = (
                    f"every {n} sequence longer than {2 * lags} rows is constant: "
                    "scored as no autocorrelation at any lag"
                )
        if "real" not in curves:
            per_column.append(
                {
                    "column": spec.label,
                    "score": None,
                    "counts": counts,
                    "note": f"no real sequence longer than {2 * lags} rows with varying values",
                }
            )
            continue
        if "synthetic" not in curves:
            # the real data has temporal structure to keep and the synthetic data has no sequence
            # long enough to show any: a failure of this metric, scored 0, never a silent skip
            # that would leave the fidelity mean
            band = _band(Z_BAND, per_sequence["real"][1])
            entry = {
                "column": spec.label,
                "score": 0.0,
                "band": rounded(band),
                "real": rounded(curves["real"], 4),
                "synthetic": [None] * lags,  # nothing measurable
                "significant": [bool(v) for v in np.abs(curves["real"]) > band],
                "counts": counts,
                "note": f"no synthetic sequence longer than {2 * lags} rows with varying values: "
                "none of the real autocorrelation can be kept",
            }
            if "holdout" in curves:
                entry["holdout"] = rounded(curves["holdout"], 4)
                band_h = _band(Z_INCLUDE, per_sequence["holdout"][1])
                include = _band(Z_INCLUDE, per_sequence["real"][1])
                base = float(preserved_share(curves["real"], curves["holdout"], include, band_h))
                entry["baseline"] = rounded(base)
                baselines.append(base)
            if n_boot:
                boot.append(np.zeros(n_boot))
            scores.append(0.0)
            per_column.append(entry)
            continue
        band = _band(Z_BAND, per_sequence["real"][1])
        band_s = _band(Z_INCLUDE, per_sequence["synthetic"][1])
        include = _band(Z_INCLUDE, per_sequence["real"][1])
        real_curve = curves["real"]

        def score_of(other: np.ndarray, other_band: float = band_s) -> np.ndarray:
            return preserved_share(real_curve, other, include, other_band)  # noqa: B023 (called in this iteration)

        score = float(score_of(curves["synthetic"]))
        entry = {
            "column": spec.label,
            "score": rounded(score),
            "band": rounded(band),
            "real": rounded(curves["real"], 4),
            "synthetic": rounded(curves["synthetic"], 4),
            "significant": [bool(v) for v in np.abs(curves["real"]) > band],
            "counts": counts,
        }
        if notes:
            entry["note"] = "; ".join(notes.values())
        if "holdout" in curves:
            band_h = _band(Z_INCLUDE, per_sequence["holdout"][1])
            entry["holdout"] = rounded(curves["holdout"], 4)
            entry["baseline"] = rounded(float(score_of(curves["holdout"], band_h)))
            baselines.append(float(score_of(curves["holdout"], band_h)))
        vals, lens = per_sequence["synthetic"]
        if n_boot and len(lens) >= MIN_SEQUENCES_FOR_CI:
            pick = rng.integers(0, len(lens), size=(n_boot, len(lens)))
            wts = lens[pick]
            means = np.einsum("bs,bsl->bl", wts, vals[pick]) / wts.sum(axis=1, keepdims=True)
            boot.append(score_of(means))
        elif n_boot and "synthetic" in notes and seqs["synthetic"].n_sequences >= MIN_SEQUENCES_FOR_CI:
            boot.append(np.full(n_boot, score))  # every resample of such sequences is as flat
        scores.append(score)
        per_column.append(entry)
    if not scores:
        raise Skip(
            "no numeric column has real and synthetic sequences long enough to compare "
            f"(more than {2 * lags} rows, with varying values in the real ones)"
        )
    per_column = prepared.given_order(per_column, label=lambda entry: entry["column"])
    ci = percentile_ci(np.mean(boot, axis=0)) if len(boot) == len(scores) and boot else None
    details = {
        "lags": lags,
        "columns": per_column,
        "sequences": {
            n: {
                "count": int(seqs[n].n_sequences),
                "median_length": rounded(float(np.median(seqs[n].lengths))),
                "duplicated_timestamps": seqs[n].duplicated_times,
                "missing_timestamps": seqs[n].missing_times,
            }
            for n in names
        },
    }
    message = (
        None
        if ci is not None
        else (f"no interval: fewer than {MIN_SEQUENCES_FOR_CI} synthetic sequences to resample" if n_boot else None)
    )
    return Outcome(
        score=float(np.mean(scores)),
        baseline=float(np.mean(baselines)) if baselines else None,
        ci=ci,
        details=details,
        message=message,
    )


@metric(
    "autocorrelation",
    "fidelity",
    shape=Series(measure="autocorrelation"),
    needs=("sequence",),
    summary="Every numeric column keeps the real sequences' autocorrelation at each lag (significant lags weigh most).",
    one="the same autocorrelation at every lag",
    zero="opposite autocorrelation of full strength at every lag",
)
def autocorrelation(prepared: Prepared) -> Outcome:
    return _correlogram(prepared, partial=False)


@metric(
    "partial_autocorrelation",
    "fidelity",
    shape=Series(measure="partial autocorrelation"),
    needs=("sequence",),
    summary="Every numeric column keeps the real sequences' partial autocorrelation at each lag.",
    one="the same partial autocorrelation at every lag",
    zero="opposite partial autocorrelation of full strength at every lag",
)
def partial_autocorrelation(prepared: Prepared) -> Outcome:
    return _correlogram(prepared, partial=True)


def _histogram_outcome(prepared: Prepared, real: np.ndarray, others: dict[str, np.ndarray], spec: ColumnSpec) -> dict:
    binning = fit_binning(spec, pd.Series(real), prepared.config)
    p = np.bincount(binning.encode(pd.Series(real)), minlength=binning.n_codes) / max(len(real), 1)
    entry = {"labels": list(binning.labels), "real": rounded(p)}
    for name, values in others.items():
        q = np.bincount(binning.encode(pd.Series(values)), minlength=binning.n_codes) / max(len(values), 1)
        entry[name] = rounded(q)
        entry[f"{name}_score"] = float(intersection(p, q))
    return entry


@metric(
    "sequence_length",
    "fidelity",
    shape=Histogram(title="sequence lengths", axis="rows per sequence"),
    needs=("sequence",),
    summary="The sequences (one per entity) have the real distribution of lengths.",
    one="the same distribution of sequence lengths",
    zero="no sequence length in common",
)
def sequence_length(prepared: Prepared) -> Outcome:
    if prepared.schema.entity_column is None:
        raise Skip("no entity column was given: there is one sequence per data set")
    names = _frames(prepared)
    lengths = {n: sequences(prepared, n).lengths.astype(float) for n in names}
    spec = ColumnSpec(name="sequence length", kind="numeric", reason="")
    entry = _histogram_outcome(prepared, lengths["real"], {n: lengths[n] for n in names if n != "real"}, spec)
    details = {
        "histogram": {k: v for k, v in entry.items() if not k.endswith("_score")},
        "counts": {n: int(len(lengths[n])) for n in names},
        "median": {n: rounded(float(np.median(lengths[n]))) for n in names},
    }
    return Outcome(score=entry["synthetic_score"], baseline=entry.get("holdout_score"), details=details)


@metric(
    "first_differences",
    "fidelity",
    shape=Distributions(),
    needs=("sequence",),
    summary="Every numeric column changes from one row to the next of a sequence by steps of the real sizes.",
    one="the same distribution of steps in every column",
    zero="no step size in common",
)
def first_differences(prepared: Prepared) -> Outcome:
    columns = _numeric(prepared)
    if not columns:
        raise Skip("no numeric column to difference")
    names = _frames(prepared)
    seqs = {n: sequences(prepared, n) for n in names}
    per_column, scores, baselines = [], [], []
    for spec in columns:
        steps = {}
        for n in names:
            sq = seqs[n]
            x = sq.values(prepared, n, spec.name)
            same = sq.seq[1:] == sq.seq[:-1]
            steps[n] = (x[1:] - x[:-1])[same]
        if len(steps["real"]) == 0 or np.isnan(steps["real"]).all():
            per_column.append({"column": spec.label, "score": None, "note": "no real steps (sequences of one row)"})
            continue
        entry = _histogram_outcome(prepared, steps["real"], {n: steps[n] for n in names if n != "real"}, spec)
        entry["column"] = spec.label
        score = entry.pop("synthetic_score")  # the metric averages exact scores; details show them rounded
        entry["score"] = rounded(score)
        if "holdout_score" in entry:
            entry["baseline"] = rounded(entry["holdout_score"])
            baselines.append(entry.pop("holdout_score"))
        scores.append(score)
        per_column.append(entry)
    if not scores:
        raise Skip("no numeric column has steps to compare (every sequence has one row)")
    per_column = prepared.given_order(per_column, label=lambda entry: entry["column"])
    return Outcome(
        score=float(np.mean(scores)),
        baseline=float(np.mean(baselines)) if baselines else None,
        details={"columns": per_column},
    )

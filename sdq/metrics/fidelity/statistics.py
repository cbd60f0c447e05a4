"""``statistics``: do the per-column summary statistics agree?

Per column, a side-by-side table of summary statistics for real, holdout and synthetic data, and
an agreement in [0, 1] per statistic:

numeric, datetime   mean, median, quartiles, min, max: ``1 - min(1, |diff| / scale)`` with scale the
                    real IQR (else std, else range, else 1); std: ratio of the smaller to the larger;
ordinal,            category shares: ``1 - total variation distance`` over all categories (an
categorical,        ordinal column's levels are its categories); top-5 overlap: share of the
boolean             real top-5 categories also in the synthetic top-5;
text                length mean / median / std as for numbers; character shares as for categories;
every column        missing rate: ``1 - |diff|``; distinct values: ratio of the smaller to the larger
                    count, counted on equally many rows (distinct counts grow with sample size)

Column score = mean agreement; metric = mean over columns (in the canonical order of
:meth:`~sdq.prepare.Prepared.columns`, so the result does not depend on the order of the given
columns). 1.0: every statistic matches. 0.0: none does. A column whose values are all missing in
one data set but not in the other shares no category (or character) with it: agreement 0, not the
0.5 a total variation distance against an empty distribution gives. Agreements are computed from
the unrounded statistics; ``details`` shows them rounded to 6 decimals. ``details.validity``
records, per column of the synthetic (and holdout) data, the missing rate, values that failed to
coerce to the column's kind, numeric values outside the real range and categories the real data
does not have.

Every agreement is a difference divided by a real spread, or a ratio, so it does not change when a
column is multiplied by a positive constant. A numeric column with values near the float maximum
(whose sums and spreads would overflow to infinity) is therefore summarised after an exact division
by a power of two (:meth:`~sdq.prepare.Prepared.exponent`); ``details`` shows its statistics in the
original units (null where one exceeds the float range, as the spread of +/-1.7e308 does).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln

from sdq.metrics import Outcome, Skip, metric
from sdq.metrics._common import clip01, rounded, shifted_ci
from sdq.prepare import Prepared, in_units, scaled, std_without_overflow
from sdq.schema import KINDS
from sdq.shapes import ColumnStatistics

__all__ = ["statistics", "numeric_stats", "categorical_shares", "expected_distinct"]

LOCATION = ("mean", "median", "q25", "q75", "min", "max")
TOP = 5
SHOWN_CATEGORIES = 20


def numeric_stats(x: np.ndarray) -> dict[str, float | None]:
    """Summary statistics of a float array with NaN as missing."""
    return _numeric_profile(x)[0]


def _numeric_profile(x: np.ndarray, exponent: int = 0) -> tuple[dict[str, float | None], np.ndarray]:
    """Summary statistics and the counts of the distinct present values, from one sort. With an
    ``exponent``, the statistics are those of the values divided by ``2**exponent`` (see
    :meth:`~sdq.prepare.Prepared.exponent`); distinct values are counted as given."""
    present = np.sort(x[~np.isnan(x)])
    out: dict[str, float | None] = {"missing_rate": float(1 - len(present) / len(x)) if len(x) else None}
    if len(present) == 0:
        return out | {k: None for k in (*LOCATION, "std")}, np.zeros(0)
    starts = np.flatnonzero(np.r_[True, present[1:] != present[:-1]])
    counts = np.diff(np.r_[starts, len(present)]).astype(float)
    present = scaled(present, exponent)  # monotone: still sorted
    q25, median, q75 = np.quantile(present, [0.25, 0.5, 0.75], method="linear")
    if exponent:
        std = std_without_overflow(present, ddof=1)
    else:
        std = float(present.std(ddof=1)) if len(present) > 1 else 0.0
    out.update(
        mean=float(present.mean()),
        std=std,
        min=float(present[0]),
        q25=float(q25),
        median=float(median),
        q75=float(q75),
        max=float(present[-1]),
    )
    return out, counts


def _in_units(stats: dict[str, Any], exponent: int) -> dict[str, Any]:
    """Statistics of values divided by ``2**exponent`` back in the values' units (infinite, so
    shown as null, where they exceed the float range)."""
    if not exponent:
        return stats
    return stats | {k: in_units(stats[k], exponent) for k in (*LOCATION, "std") if stats.get(k) is not None}


def categorical_shares(values: pd.Series) -> pd.Series:
    """Share of each present value among present values (values that occur only)."""
    counts = values.value_counts(dropna=True, sort=False)
    counts = counts[counts > 0]
    return counts / counts.sum() if len(counts) else counts.astype(float)


def expected_distinct(counts: np.ndarray | pd.Series, n: int, m: int) -> float:
    """Expected number of distinct values among ``m`` of ``n`` rows drawn without replacement,
    given the counts of the distinct present values (exact: no sampling, so it does not depend on
    row order). Missing rows count in ``n`` but are no value.

    Examples
    --------
    >>> expected_distinct(np.array([2, 2]), 4, 1)
    1.0
    >>> expected_distinct(np.array([2, 2]), 4, 4)
    2.0
    """
    counts = np.asarray(counts, dtype=float)
    m = min(m, n)
    if m <= 0 or len(counts) == 0:
        return 0.0
    if m == n:
        return float(np.count_nonzero(counts))
    rest = n - counts
    with np.errstate(invalid="ignore"):
        log_miss = gammaln(rest + 1) - gammaln(np.maximum(rest - m, 0) + 1) - gammaln(n + 1) + gammaln(n - m + 1)
    miss = np.where(rest >= m, np.exp(log_miss), 0.0)
    return float(np.sum(1.0 - miss))


def _profile(series: pd.Series, kind: str, exponent: int = 0) -> dict[str, Any]:
    """One column of one data set: its statistics (of numbers divided by ``2**exponent``),
    distinct-value counts and (categories) shares."""
    if kind in ("numeric", "datetime", "boolean"):
        stats, counts = _numeric_profile(series.to_numpy(dtype=float), exponent)
    else:
        value_counts = series.value_counts(dropna=True, sort=False)
        counts = value_counts[value_counts > 0].to_numpy(dtype=float)
        if kind == "text":
            present = series.dropna()
            lengths = present.astype(str).str.len().to_numpy(dtype=float)
            stats = numeric_stats(np.concatenate([lengths, np.full(len(series) - len(present), np.nan)]))
            stats = {("missing_rate" if k == "missing_rate" else f"length_{k}"): v for k, v in stats.items()}
        else:
            stats = {"missing_rate": float(series.isna().mean()) if len(series) else None}
    stats["rows"] = len(series)
    stats["distinct"] = int(len(counts))
    out = {"stats": stats, "counts": counts}
    if kind in ("ordinal", "categorical", "boolean", "constant", "empty"):
        out["shares"] = categorical_shares(series)
        stats["top"] = [
            [str(k) if kind != "boolean" else str(bool(k)), rounded(out["shares"][k], 4)]
            for k in _top(out["shares"], SHOWN_CATEGORIES)
        ]
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if a == b:
        return 1.0
    return float(min(a, b) / max(a, b)) if max(a, b) > 0 else 1.0


def _location_agreement(real: dict, other: dict, scale: float) -> dict[str, float | None]:
    out = {}
    for key in LOCATION:
        if real.get(key) is None or other.get(key) is None:
            out[key] = None if real.get(key) is None and other.get(key) is None else 0.0
        else:
            out[key] = clip01(1 - abs(real[key] - other[key]) / scale)
    out["std"] = _ratio(real.get("std"), other.get("std"))
    return out


def _scale(stats: dict) -> float:
    for candidate in (
        stats.get("q75", 0) - stats.get("q25", 0) if stats.get("q75") is not None else None,
        stats.get("std"),
        (stats["max"] - stats["min"]) if stats.get("max") is not None else None,
    ):
        if candidate is not None and candidate > 0:
            return float(candidate)
    return 1.0


def _tvd_agreement(p: pd.Series, q: pd.Series) -> float:
    """``1 - total variation distance`` of two share vectors; 1 if both are empty (no values in
    either), 0 if only one is (values against none share nothing)."""
    if len(p) == 0 and len(q) == 0:
        return 1.0
    if len(p) == 0 or len(q) == 0:
        return 0.0
    joined = pd.concat([p, q], axis=1).fillna(0.0).to_numpy()
    return clip01(1 - 0.5 * np.abs(joined[:, 0] - joined[:, 1]).sum())


def _top(shares: pd.Series, k: int = TOP) -> list:
    return [key for key, _ in sorted(shares.items(), key=lambda kv: (-kv[1], str(kv[0])))[:k]]


def _display(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: rounded(v) if not isinstance(v, list) else v for k, v in stats.items()}


def _column(prepared: Prepared, spec, frames: dict[str, pd.DataFrame]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One column's details entry (statistics and agreements rounded for display) and its exact
    values (``agreement`` and ``score`` per data set, the real ``scale`` and the ``exponent`` the
    numbers were divided by), which the metric is computed from."""
    name, kind = spec.name, spec.kind
    real = frames["real"][name]
    exponent = prepared.exponent(name) if kind in ("numeric", "datetime") else 0
    profiles = {frame_name: _profile(frame[name], kind, exponent) for frame_name, frame in frames.items()}
    entry: dict[str, Any] = {
        "column": spec.label,
        "kind": kind,
        "agreement": {},
        "stats": {f: _display(_in_units(p["stats"], exponent)) for f, p in profiles.items()},
    }
    real_stats, real_profile = profiles["real"]["stats"], profiles["real"]
    exact: dict[str, Any] = {"agreement": {}, "score": {}, "scale": None, "exponent": exponent}
    agreements: dict[str, dict[str, float | None]] = {}
    for frame_name, frame in frames.items():
        if frame_name == "real":
            continue
        other = frame[name]
        other_profile = profiles[frame_name]
        other_stats = other_profile["stats"]
        agree: dict[str, float | None] = {
            "missing_rate": clip01(1 - abs(real_stats["missing_rate"] - other_stats["missing_rate"]))
        }
        n_eq = min(len(real), len(other))
        agree["distinct"] = _ratio(
            expected_distinct(real_profile["counts"], len(real), n_eq),
            expected_distinct(other_profile["counts"], len(other), n_eq),
        )
        if kind in ("numeric", "datetime"):
            exact["scale"] = _scale(real_stats)
            agree |= _location_agreement(real_stats, other_stats, exact["scale"])
        elif kind == "text":
            r = {k.removeprefix("length_"): v for k, v in real_stats.items()}
            o = {k.removeprefix("length_"): v for k, v in other_stats.items()}
            loc = _location_agreement(r, o, _scale(r))
            agree |= {f"length_{k}": loc[k] for k in ("mean", "median", "std")}
            chars_r = _char_shares(real)
            chars_o = _char_shares(other)
            agree["characters"] = _tvd_agreement(chars_r, chars_o)
            entry.setdefault("characters", {})[frame_name] = [[k, rounded(v, 4)] for k, v in chars_o.head(10).items()]
            entry["characters"]["real"] = [[k, rounded(v, 4)] for k, v in chars_r.head(10).items()]
        elif kind in ("ordinal", "categorical", "boolean", "constant"):
            p, q = real_profile["shares"], other_profile["shares"]
            agree["shares"] = _tvd_agreement(p, q)
            top_r, top_o = _top(p), set(_top(q))
            agree["top"] = float(len([k for k in top_r if k in top_o]) / len(top_r)) if top_r else None
        elif kind == "id":
            agree["distinct"] = clip01(
                1
                - abs(
                    real_stats["distinct"] / max(real.notna().sum(), 1)
                    - other_stats["distinct"] / max(other.notna().sum(), 1)
                )
            )
        exact["agreement"][frame_name] = agree
        agreements[frame_name] = {k: rounded(v) for k, v in agree.items()}
        present = [v for v in agree.values() if v is not None]
        exact["score"][frame_name] = float(np.mean(present)) if present else None
        entry.setdefault("score", {})[frame_name] = rounded(exact["score"][frame_name])
    entry["agreement"] = agreements
    return entry, exact


def _char_shares(series: pd.Series) -> pd.Series:
    text = "".join(series.dropna().astype(str).iloc[:20_000].tolist())
    if not text:
        return pd.Series(dtype=float)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    uniq, counts = np.unique(codes, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return pd.Series(counts[order] / counts.sum(), index=[chr(int(c)) for c in uniq[order]])


def _validity(prepared: Prepared, spec, frame_name: str) -> dict[str, Any]:
    frame = prepared.tables.frames[frame_name]
    series = frame[spec.name]
    out: dict[str, Any] = {
        "missing_rate": rounded(float(series.isna().mean())),
        "invalid": int(prepared.tables.invalid.get(frame_name, {}).get(spec.label, 0)),
    }
    if spec.kind in ("numeric", "datetime"):
        real = prepared.tables.real[spec.name].to_numpy(dtype=float)
        if np.isfinite(real).any():
            lo, hi = np.nanmin(real), np.nanmax(real)
            x = series.to_numpy(dtype=float)
            out["below_range"] = int(np.sum(x < lo))
            out["above_range"] = int(np.sum(x > hi))
    elif spec.kind in ("ordinal", "categorical", "boolean", "constant", "empty"):
        real_counts = prepared.tables.real[spec.name].value_counts(dropna=True, sort=False)
        known = real_counts.index[real_counts.to_numpy() > 0]
        counts = series.value_counts(dropna=True, sort=False)
        counts = counts[counts > 0]
        unseen = ~counts.index.isin(known)
        out["unseen_values"] = int(counts[unseen].sum())
        out["unseen_categories"] = int(unseen.sum())
    return out


def _sorted_stats(x: np.ndarray, rescale: bool = False) -> dict[str, np.ndarray]:
    """Per row of ``x`` (replicates x rows, NaN missing): the statistics of :func:`numeric_stats`;
    with ``rescale``, the std as :func:`std_without_overflow` takes it (for values divided by a
    power of two)."""
    present = ~np.isnan(x)
    k = present.sum(axis=1)
    ordered = np.sort(x, axis=1)  # NaN last
    safe_k = np.maximum(k, 1)
    out = {"missing_rate": 1 - k / x.shape[1]}
    total = np.where(present, x, 0.0).sum(axis=1)
    out["mean"] = total / safe_k
    dev = np.where(present, x - out["mean"][:, None], 0.0)
    if rescale:
        top = np.abs(dev).max(axis=1)
        top = np.where(top > 0, top, 1.0)
        dev = dev / top[:, None]
        out["std"] = top * np.sqrt((dev * dev).sum(axis=1) / np.maximum(k - 1, 1))
    else:
        out["std"] = np.sqrt((dev * dev).sum(axis=1) / np.maximum(k - 1, 1))
    for name, q in (("min", 0.0), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("max", 1.0)):
        pos = q * (safe_k - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, safe_k - 1)
        frac = pos - lo
        a = np.take_along_axis(ordered, lo[:, None], axis=1)[:, 0]
        b = np.take_along_axis(ordered, hi[:, None], axis=1)[:, 0]
        out[name] = a + (b - a) * frac
    return {key: np.where(k > 0, v, np.nan) if key != "missing_rate" else v for key, v in out.items()}


def _bootstrap(prepared: Prepared, specs, exact: list[dict], score: float, rng: np.random.Generator):
    """An m-out-of-n row bootstrap of the metric. The statistics that depend smoothly on the rows
    (location, spread, missing rate, category shares) are resampled; distinct counts, top values
    and text statistics keep their point values. Returns the interval and the rows per resample."""
    n_boot, cap = prepared.config.n_bootstrap, prepared.config.bootstrap_rows
    if not n_boot:
        return None, {}
    real, syn = prepared.real, prepared.synthetic
    m_r, m_s = min(real.n_rows, cap), min(syn.n_rows, cap)
    idx_r = rng.integers(0, real.n_rows, size=(n_boot, m_r))
    idx_s = rng.integers(0, syn.n_rows, size=(n_boot, m_s))
    column_scores = []
    for spec, values in zip(specs, exact):
        point = dict(values["agreement"]["synthetic"])
        varying: dict[str, np.ndarray] = {}
        if spec.kind in ("numeric", "datetime"):
            r_values, o_values = real.values[spec.name][idx_r], syn.values[spec.name][idx_s]
            exponent = values["exponent"]  # as the point statistics: in units of 2**exponent
            r_values, o_values = scaled(r_values, exponent), scaled(o_values, exponent)
            r, o = _sorted_stats(r_values, rescale=bool(exponent)), _sorted_stats(o_values, rescale=bool(exponent))
            scale = values["scale"]
            for key in LOCATION:
                if point.get(key) is not None:
                    varying[key] = np.clip(1 - np.abs(r[key] - o[key]) / scale, 0, 1)
            if point.get("std") is not None:
                low, high = np.minimum(r["std"], o["std"]), np.maximum(r["std"], o["std"])
                varying["std"] = np.where(high > 0, low / np.where(high > 0, high, 1.0), 1.0)
            varying["missing_rate"] = 1 - np.abs(r["missing_rate"] - o["missing_rate"])
        elif spec.kind in ("ordinal", "categorical", "boolean", "constant") and spec.name in prepared.binnings:
            k = prepared.binnings[spec.name].n_codes

            def shares(codes: np.ndarray) -> np.ndarray:
                flat = (codes + (np.arange(n_boot) * k)[:, None]).ravel()  # noqa: B023 (called in this iteration)
                return np.bincount(flat, minlength=n_boot * k).reshape(n_boot, k) / codes.shape[1]  # noqa: B023

            p, q = shares(real.codes[spec.name][idx_r]), shares(syn.codes[spec.name][idx_s])
            varying["missing_rate"] = 1 - np.abs(p[:, 0] - q[:, 0])
            p_present, q_present = (
                p[:, 1:] / np.maximum(1 - p[:, :1], 1e-12),
                q[:, 1:] / np.maximum(1 - q[:, :1], 1e-12),
            )
            shares = 1 - 0.5 * np.abs(p_present - q_present).sum(axis=1)
            # as _tvd_agreement: no present value on one side only shares nothing
            p_none, q_none = p[:, 0] >= 1, q[:, 0] >= 1
            varying["shares"] = np.where(p_none & q_none, 1.0, np.where(p_none | q_none, 0.0, shares))
        parts = [
            varying.get(key, np.full(n_boot, value, dtype=float))
            for key, value in point.items()
            if value is not None or key in varying
        ]
        column_scores.append(np.mean(parts, axis=0) if parts else np.full(n_boot, np.nan))
    boot = np.nanmean(np.vstack(column_scores), axis=0)
    factor = np.sqrt((1 / real.n_rows + 1 / syn.n_rows) / (1 / m_r + 1 / m_s))
    return shifted_ci(score, boot, factor), {"real": m_r, "synthetic": m_s}


@metric(
    "statistics",
    "fidelity",
    shape=ColumnStatistics(),
    chunked="exact quantiles and distinct counts are not sums over rows",
    summary="Per-column summary statistics (location, spread, missing rate, distinct values, category shares) agree.",
    one="every summary statistic of every column matches the real data",
    zero="no summary statistic matches",
)
def statistics(prepared: Prepared) -> Outcome:
    # in the canonical order, so that means over columns (float sums, to the last bit) do not
    # depend on the order of the given columns; details in the given order
    specs = prepared.columns([kind for kind in KINDS if kind != "empty"])
    if not specs:
        raise Skip("no column has any values to summarise")
    rng = prepared.rng("statistics")
    frames = {"real": prepared.real.frame, "synthetic": prepared.synthetic.frame}
    if prepared.baseline is not None:
        frames["holdout"] = prepared.baseline.frame
    columns, exact = zip(*[_column(prepared, spec, frames) for spec in specs])
    columns, exact = prepared.given_order(columns, label=lambda entry: entry["column"]), list(exact)
    validity = {}
    for name in ("synthetic", "holdout"):
        if name in prepared.tables.frames:
            validity[name] = {
                s.label: _validity(prepared, s, name) for s in prepared.schema.columns if s.role != "excluded"
            }
    score = float(np.mean([c["score"]["synthetic"] for c in exact if c["score"]["synthetic"] is not None]))
    ci, boot_rows = _bootstrap(prepared, specs, exact, score, rng)
    baseline = None
    if "holdout" in frames:
        baseline = float(np.mean([c["score"]["holdout"] for c in exact if c["score"]["holdout"] is not None]))
    details = {
        "columns": columns,
        "validity": validity,
        "rows": {name: len(f) for name, f in frames.items()},
        "n_bootstrap": prepared.config.n_bootstrap,
        "bootstrap_rows": boot_rows,
    }
    return Outcome(score=score, baseline=baseline, ci=ci, details=details)

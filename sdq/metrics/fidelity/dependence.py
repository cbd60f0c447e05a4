"""What ``mutual_information`` and ``correlation`` share: which real pairs are associated beyond
chance, the share of that association another data set keeps (overall and per column), the
bootstrap behind their intervals and standard errors, and their details.

**Which pairs count.** A pair counts when its real association is significant: a test of
independence on the real rows (each metric brings its own: the t-test of Spearman's rho, the
chi-square test of a contingency table, the F-test of a correlation ratio, the G-test of mutual
information) at a family-wise level :data:`ALPHA` over the pairs scored (Bonferroni: each pair at
``ALPHA / pairs``). Pairs the real data does not show to be associated carry no weight: their
estimated association is noise, and comparing noise with noise is what let independent columns
score well.

**What a pair keeps.** ``kept = 1 - lost / |a_real|``, clipped to [0, 1], where ``lost`` is the
difference between the other data set's association and what a fresh sample of its size would
read, net of sampling noise: ``sqrt(max(0, (c - a_other)^2 - v))``. :class:`Noise` says, per pair,
how a fresh sample of ``n`` rows of the real distribution reads the association: its expected
shift from the real reading (``c = a_real + shift(n_other) - shift(n_real)``: zero for the
correlations, whose small-sample bias is negligible; for mutual information and Cramer's V, which
grow on small samples because sparse tables look dependent, the mean over
:data:`NOISE_REPLICATES` multinomial draws of ``n`` rows from the real table) and its variance
``var(n)`` (a formula that scales as ``1 / n``, or the same draws: near independence the variance
of mutual information falls as ``1 / n^2``, not ``1 / n``); ``v = var(n_real) + var(n_other)``, the
variance of the difference when the other data set is a fresh sample. The draws use a fixed seed
and the tables' counts only, never which row is where, so that a value changed in its last bit,
which moves rows in the canonical order, moves no score. ``(c - a_other)^2 - v`` is an unbiased
estimate of the squared true difference: fresh real rows of any size keep about everything, while
a lost association is still lost (``sqrt(a^2 - v)`` is close to ``|a|`` for an association well
above its noise). A pair keeps 1 when its association has the real
strength, 0 when it is gone, twice as strong as in the real data, or (for signed measures, where
the difference is signed) reversed.

**The score** is the mean of ``kept`` over the counted pairs weighted by ``|a_real| ** power``:
the share of the real association kept. ``correlation`` weighs pairs by ``|a_real|`` (rho, V and
eta are on the scale of a correlation); ``mutual_information`` by ``NMI_real^2``, so that the many
weak pairs, whose NMI is mostly noise at small sizes, count little (by ``NMI_real`` alone, uniform
noise kept 0.11 of breast_cancer's dependence). A column's score is the same over the counted
pairs that include it.

**Intervals and standard errors.** Rows of the real and of the other data set are resampled
together for every pair (an m-out-of-n bootstrap of at most ``bootstrap_rows`` rows per data set,
its spread rescaled to the full sizes as the standard error of a mean scales), and in each
replicate the whole score is computed again: the associations, which pairs count (their real
association tested as at the full sample size) and the weights. Resampling each pair's table on its
own instead treats the pairs' errors as independent, although they come from the same rows.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from sdq.metrics import Skip
from sdq.metrics._common import clip01, rounded
from sdq.prepare import AggregateFrame, Prepared

__all__ = [
    "compared_frames",
    "ALPHA",
    "NOISE_REPLICATES",
    "NOISE_SEED",
    "pair_level",
    "kept",
    "weights",
    "kept_share",
    "column_shares",
    "incidence",
    "bootstrap_rows",
    "Noise",
    "resampled_rows",
    "rescale",
    "given_order",
    "Spread",
    "spread",
    "dependence_details",
    "outcome",
]

#: Family-wise level of the tests that decide which real pairs are associated.
ALPHA = 0.05
#: Poisson resamples of a real contingency table behind the standard error of an association read
#: from it (always drawn, whatever ``n_bootstrap`` says: the score itself depends on them).
NOISE_REPLICATES = 50
#: The seed of those resamples: fixed, so that a score depends on the data only (the seed of the
#: configuration moves the intervals, not the scores).
NOISE_SEED = 20_240_601
#: Smallest real association a share is taken of (significant pairs are far above it).
TINY = 1e-12
#: How many pairs the details list, worst first.
WORST = 10
#: A column's own score is tested (given a standard error) only where the sampling noise of its
#: pairs' differences is at most this share of their real association (weighed as the pairs are):
#: above it, even a dependence lost entirely moves the column's score less than its noise does
#: (``1 - sqrt(1 - r^2)``: 0.13 at 0.5), and the noise of a skewed measure (mutual information of
#: weak pairs) has tails a standard error does not describe.
MAX_NOISE_RATIO = 0.5


def pair_level(n_pairs: int) -> float:
    """The level at which each of ``n_pairs`` pairs is tested (Bonferroni)."""
    return ALPHA / max(1, n_pairs)


def kept(
    real: np.ndarray, other: np.ndarray, noise: np.ndarray | float = 0.0, center: np.ndarray | None = None
) -> np.ndarray:
    """Per pair, the share of the real association kept: ``1 - lost / |a_real|`` clipped to
    [0, 1], with ``lost = sqrt(max(0, (c - a_other)^2 - noise))`` (a signed association that
    changed sign keeps nothing); ``c``, what a fresh sample of the other's size would read
    (``center``), is ``a_real`` unless given.

    Examples
    --------
    >>> kept(np.array([0.5, 0.5, -0.4, 0.2]), np.array([0.4, -0.5, -0.4, 0.5])).round(3).tolist()
    [0.8, 0.0, 1.0, 0.0]
    >>> kept(np.array([0.5]), np.array([0.3]), 0.04 - 0.03**2).round(3).tolist()  # (0.2^2 - 0.0391)^0.5 = 0.03
    [0.94]
    """
    lost = np.sqrt(np.maximum(0.0, ((real if center is None else center) - other) ** 2 - noise))
    return np.clip(1.0 - lost / np.maximum(np.abs(real), TINY), 0.0, 1.0)


def weights(real: np.ndarray, counted: np.ndarray, power: float) -> np.ndarray:
    """Each pair's weight: ``|a_real| ** power`` where it counts, else 0."""
    return np.where(counted, np.abs(real) ** power, 0.0)


def kept_share(
    real: np.ndarray,
    other: np.ndarray,
    counted: np.ndarray,
    noise: np.ndarray | float = 0.0,
    power: float = 1.0,
    center: np.ndarray | None = None,
) -> np.ndarray:
    """The share of the real association kept, over the last axis: the mean of :func:`kept` over
    the counted pairs, weighted by ``|a_real| ** power``; NaN where no pair counts."""
    weight = weights(real, counted, power)
    total = weight.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (weight * kept(real, other, noise, center)).sum(axis=-1) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, share, np.nan)


def incidence(pairs: Sequence[tuple[int, int]], n_columns: int) -> np.ndarray:
    """The (pairs x columns) matrix with a 1 where a pair includes a column."""
    out = np.zeros((len(pairs), n_columns))
    if len(pairs):
        ends = np.asarray(pairs, dtype=np.int64)
        out[np.arange(len(pairs)), ends[:, 0]] = 1.0
        out[np.arange(len(pairs)), ends[:, 1]] = 1.0
    return out


def column_shares(
    real: np.ndarray,
    other: np.ndarray,
    counted: np.ndarray,
    noise: np.ndarray | float,
    pairs_of: np.ndarray,
    power: float = 1.0,
    center: np.ndarray | None = None,
) -> np.ndarray:
    """Per column (``pairs_of`` from :func:`incidence`), :func:`kept_share` over the counted pairs
    that include it; NaN for a column in no counted pair. Leading axes are replicates."""
    weight = weights(real, counted, power)
    num, den = (weight * kept(real, other, noise, center)) @ pairs_of, weight @ pairs_of
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def bootstrap_rows(n: int, cap: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Rows of ``n_boot`` resamples of ``min(n, cap)`` rows each (with replacement), shape (B, m)."""
    return rng.integers(0, n, size=(n_boot, min(n, cap)))


def resampled_rows(frame: Any, cap: int, n_boot: int, rng: np.random.Generator) -> tuple[Any, np.ndarray] | None:
    """The frame whose rows a bootstrap draws, and the rows of ``n_boot`` resamples of
    ``min(n, cap)`` rows each (``n`` the frame's rows): the frame itself; for a frame known by its
    aggregates (:class:`~sdq.prepare.AggregateFrame`), its seeded uniform sample, as many rows
    drawn from it as from the whole (a sample of the rows stands for them); None for aggregates
    without a sample."""
    if isinstance(frame, AggregateFrame):
        if frame.sample is None or frame.sample.n_rows == 0:
            return None
        return frame.sample, rng.integers(0, frame.sample.n_rows, size=(n_boot, min(frame.n_rows, cap)))
    return frame, bootstrap_rows(frame.n_rows, cap, n_boot, rng)


class Noise:
    """Per pair, how a fresh sample of ``n`` rows of the real distribution reads each association:
    :meth:`at` gives its expected shift from the reading at the real size (the small-sample bias)
    and its variance. Build it with :meth:`scaling` (no bias, a variance that falls as ``1 / n``)
    or :meth:`drawn` (both from multinomial draws of ``n`` rows from each real table)."""

    def __init__(self, n_real: int, at: Callable[[int], tuple[np.ndarray, np.ndarray]]) -> None:
        self.n_real = n_real
        self._at = at
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def scaling(cls, variance: np.ndarray, n_real: int) -> "Noise":
        """No bias, and ``variance`` (of each association at the real size) times ``n_real / n``."""
        variance = np.asarray(variance, dtype=float)
        return cls(n_real, lambda n: (np.zeros_like(variance), variance * n_real / max(n, 1)))

    @classmethod
    def drawn(cls, tables: list[np.ndarray], measure: Callable[[int, np.ndarray], np.ndarray], n_real: int) -> "Noise":
        """From :data:`NOISE_REPLICATES` multinomial draws of ``n`` rows from each real table's
        shares (``measure(k, tables)`` reads pair ``k``'s association, batched over tables (B, r, k)), seeded by :data:`NOISE_SEED` and ``n``
        alone: the mean (as a shift from the mean at the real size) and the variance of the
        measure; a function of the tables' counts and ``n`` only."""

        def moments(n: int) -> tuple[np.ndarray, np.ndarray]:
            rng = np.random.default_rng([NOISE_SEED, n])
            mean, var = np.zeros(len(tables)), np.zeros(len(tables))
            for k, table in enumerate(tables):
                total = float(table.sum())
                if total <= 0:
                    continue
                draws = rng.multinomial(n, table.ravel() / total, size=NOISE_REPLICATES).reshape(-1, *table.shape)
                values = measure(k, draws.astype(float))
                mean[k], var[k] = values.mean(), values.var(ddof=1)
            return mean, var

        def at(n: int) -> tuple[np.ndarray, np.ndarray]:
            mean, var = moments(n)
            return mean - moments(n_real)[0] if n != n_real else np.zeros_like(mean), var

        return cls(n_real, at)

    def replaced(self, where: Sequence[int], other: "Noise") -> "Noise":
        """This noise, with the pairs at ``where`` read from ``other`` (built over those pairs alone)."""
        where = np.asarray(where, dtype=np.int64)

        def at(n: int) -> tuple[np.ndarray, np.ndarray]:
            (shift, var), (other_shift, other_var) = self.at(n), other.at(n)
            shift, var = shift.copy(), var.copy()
            shift[where], var[where] = other_shift, other_var
            return shift, var

        return Noise(self.n_real, at)

    def at(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per pair, the expected shift of a fresh sample of ``n`` rows from the real reading, and
        the variance of its reading."""
        if n not in self._cache:
            self._cache[n] = self._at(int(n))
        return self._cache[n]

    def against(self, real: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """What a fresh sample of ``n`` rows would read (``real`` plus the shift) and the variance of
        its difference from ``real`` (the real reading's variance plus its own)."""
        shift, var = self.at(n)
        return real + shift, self.at(self.n_real)[1] + var


def rescale(full: dict[str, int], drawn: dict[str, int]) -> float:
    """The ratio of the standard error at the full sizes to that at the resampled sizes: a score
    comparing two data sets has an error variance of about ``c (1/n_real + 1/n_other)``."""
    return float(np.sqrt(sum(1 / n for n in full.values()) / sum(1 / m for m in drawn.values())))


class Spread:
    """A score's 95% interval and standard error, and its columns' standard errors."""

    def __init__(self, ci: tuple[float, float] | None, se: float | None, column_se: np.ndarray | None) -> None:
        self.ci, self.se, self.column_se = ci, se, column_se


def spread(point: float, replicates: np.ndarray, column_replicates: np.ndarray, factor: float) -> Spread:
    """The interval ``point +- 1.96 se`` (clipped to [0, 1]) with ``se`` the replicates' standard
    deviation times ``factor``; the columns' standard errors alike. (Resampling adds noise to both
    sides and noise only lowers a share kept, so the replicates sit below the point and are skewed:
    percentiles set around the point would place the interval worse than their spread does.)"""
    ok = np.isfinite(replicates)
    if ok.sum() < 2 or not np.isfinite(point):
        return Spread(None, None, None)
    se = float(np.std(replicates[ok], ddof=1)) * factor
    present = np.isfinite(column_replicates).sum(axis=0)
    filled = np.where(np.isfinite(column_replicates), column_replicates, 0.0)
    mean = filled.sum(axis=0) / np.maximum(present, 1)
    squares = np.where(np.isfinite(column_replicates), (column_replicates - mean) ** 2, 0.0).sum(axis=0)
    column_se = np.where(present >= 2, np.sqrt(squares / np.maximum(present - 1, 1)) * factor, np.nan)
    return Spread((clip01(point - 1.96 * se), clip01(point + 1.96 * se)), se, column_se)


def given_order(
    given: Sequence[Any], ordered: Sequence[Any], pairs: Sequence[tuple[int, int]]
) -> tuple[list[str], list[tuple[int, int]], np.ndarray]:
    """Labels in the ``given`` order, ``pairs`` (indices into ``ordered``, the same specs in
    another order) as indices into it (smaller first), and where each column of ``ordered`` is in
    ``given``."""
    position = {id(spec): k for k, spec in enumerate(given)}
    to_given = np.array([position[id(spec)] for spec in ordered], dtype=np.int64)
    mapped = [tuple(sorted((int(to_given[i]), int(to_given[j])))) for i, j in pairs]
    return [spec.label for spec in given], mapped, to_given


def dependence_details(
    labels: list[str],
    pairs: list[tuple[int, int]],
    values: dict[str, np.ndarray],
    counted: np.ndarray,
    noise: dict[str, np.ndarray],
    column_se: np.ndarray | None,
    pair_info: dict[str, list] | None = None,
    power: float = 1.0,
    centers: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Details in the ``pairwise`` shape: one symmetric matrix per data set (diagonal 1, pairs not
    scored null); the counted pairs that lost most (``similarity`` = the share kept, ``weight`` =
    ``|a_real| ** power``), worst first; the number of pairs scored and counted; per column in a counted
    pair, its share kept (``score``), the holdout's (``baseline``), the sampling noise of its pairs'
    differences relative to their real association (``noise_ratio``), the standard error of ``score``
    (``se``: only where ``noise_ratio`` is at most :data:`MAX_NOISE_RATIO`, else a ``note`` says
    why it is not tested) and its counted pairs (``pairs``). ``labels`` and ``pairs`` are in the given order;
    ``noise`` holds, per data set compared, the noise variance of each pair's difference, and
    ``centers`` what a fresh sample of its size would read (the real reading where not given)."""
    centers = centers or {}
    matrices = {}
    for name, vals in values.items():
        mat = np.full((len(labels), len(labels)), np.nan)
        np.fill_diagonal(mat, 1.0)
        for k, (i, j) in enumerate(pairs):
            mat[i, j] = mat[j, i] = vals[k]
        matrices[name] = [rounded(row, 4) for row in mat]
    real = values["real"]
    similarity = kept(real, values["synthetic"], noise["synthetic"], centers.get("synthetic"))
    weight = weights(real, counted, power)
    loss = np.where(counted, (1 - similarity) * weight, -np.inf)
    rows = []
    for k in [k for k in np.argsort(-loss, kind="stable")[:WORST] if counted[k]]:
        row: dict[str, Any] = {"columns": [labels[pairs[k][0]], labels[pairs[k][1]]]}
        row.update({key: info[k] for key, info in (pair_info or {}).items()})
        row.update({name: rounded(vals[k], 4) for name, vals in values.items()})
        row.update(similarity=rounded(similarity[k], 4), weight=rounded(weight[k], 4))
        rows.append(row)
    pairs_of = incidence(pairs, len(labels))
    shares = {
        name: column_shares(real, values[name], counted, noise[name], pairs_of, power, centers.get(name))
        for name in ("synthetic", "holdout")
        if name in values
    }
    n_counted = counted.astype(float) @ pairs_of
    # per column, the sampling noise of the synthetic side's differences relative to the real
    # association, weighed as the pairs are
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(np.maximum(noise["synthetic"], 0.0)) / np.maximum(np.abs(real), TINY)
        noise_ratio = (weight * ratio) @ pairs_of / np.maximum(weight @ pairs_of, TINY)
    columns = []
    for c, label in enumerate(labels):
        if n_counted[c] == 0:
            continue
        entry: dict[str, Any] = {"column": label, "score": rounded(shares["synthetic"][c], 4)}
        if "holdout" in shares:
            entry["baseline"] = rounded(shares["holdout"][c], 4)
        entry["noise_ratio"] = rounded(noise_ratio[c], 4)
        if noise_ratio[c] > MAX_NOISE_RATIO:
            entry["note"] = (
                f"its real dependence is within {noise_ratio[c]:.0%} of the sampling noise at these sizes: "
                "not tested on its own"
            )
        elif column_se is not None:
            entry["se"] = rounded(column_se[c], 4)
        entry["pairs"] = int(n_counted[c])
        columns.append(entry)
    return {
        "columns": labels,
        "matrices": matrices,
        "pairs": rows,
        "n_pairs": len(pairs),
        "n_counted": int(counted.sum()),
        "alpha": ALPHA,
        "column_scores": columns,
    }


#: ``resample(frame, n_boot, cap, rng)``: a metric's associations and effects on ``n_boot``
#: resamples of at most ``cap`` rows of a frame, (B, pairs) each, and the rows per resample.
Resample = Callable[[Any, int, int, np.random.Generator], tuple[np.ndarray, np.ndarray, int]]


def compared_frames(prepared: Prepared) -> dict[str, Any]:
    """The frames a pairwise metric compares, by the name its details use: ``real``,
    ``synthetic``, ``holdout`` (the baseline's frame) and ``synthetic_full`` (every synthetic row,
    where ``synthetic`` is a subsample at the holdout's size); those that exist."""
    frames = {
        "real": prepared.real,
        "synthetic": prepared.synthetic,
        "holdout": prepared.baseline,
        "synthetic_full": prepared.synthetic_full,
    }
    return {name: frame for name, frame in frames.items() if frame is not None}


def outcome(
    prepared: Prepared,
    name: str,
    what: str,
    specs: list,
    pairs: list[tuple[int, int]],
    sampled: bool,
    points: dict[str, tuple[np.ndarray, np.ndarray]],
    thresholds: np.ndarray,
    noise_model: Noise,
    resample: Resample,
    power: float,
    pair_info: dict[str, list] | None = None,
) -> tuple[float, float | None, tuple[float, float] | None, dict[str, Any]]:
    """Score, baseline, interval and details of a pairwise dependence metric (see the module's
    docstring) from the associations and test effects of every data set compared (``points``:
    ``real``, ``synthetic``, ``holdout`` and ``synthetic_full`` (every synthetic row, where ``synthetic`` is a subsample at the holdout's size) where there are, each
    (values, effects) over ``pairs``), the real effects' significance ``thresholds``, how a
    fresh sample of any size reads each association (``noise_model``), and a way to ``resample`` them; pairs
    weigh ``|a_real| ** power``. ``specs`` are in the canonical order; details come in the given
    order."""
    frames = compared_frames(prepared)
    values = {key: value for key, (value, _) in points.items()}
    counted = points["real"][1] > thresholds
    if not counted.any():
        raise Skip(
            f"no pair of columns is {what} beyond chance in the real data ({prepared.real.n_rows} rows, "
            f"{len(pairs)} pairs tested at a family-wise level of {ALPHA:g}): there is nothing to keep"
        )
    real = prepared.real
    centers, noise = {}, {}
    for key in values:
        if key != "real":
            centers[key], noise[key] = noise_model.against(values["real"], frames[key].n_rows)

    def share(key: str) -> float:
        return float(kept_share(values["real"], values[key], counted, noise[key], power, centers[key]))

    score = share("synthetic")
    baseline = share("holdout") if "holdout" in values else None

    given = prepared.given_order(specs)
    labels, given_pairs, to_given = given_order(given, specs, pairs)
    n_boot, cap = prepared.config.n_bootstrap, prepared.config.bootstrap_rows
    ci, se, column_se, drawn = None, None, None, {}
    if n_boot:
        rng = prepared.rng(f"{name}.bootstrap")
        boot_real, boot_effect, drawn["real"] = resample(real, n_boot, cap, rng)
        boot_syn, _, drawn["synthetic"] = resample(prepared.synthetic, n_boot, cap, rng)
        boot_counted = boot_effect > thresholds  # tested as at the full real size
        factor = rescale({"real": real.n_rows, "synthetic": prepared.synthetic.n_rows}, drawn)
        # the score as it is at the resampled sizes: a fresh sample of the synthetic side's size is
        # read against the real side's reading at its own size
        shift_real, var_real = noise_model.at(drawn["real"])
        shift_syn, var_syn = noise_model.at(drawn["synthetic"])
        boot_center, boot_noise = boot_real + (shift_syn - shift_real), var_real + var_syn
        columns = column_shares(
            boot_real, boot_syn, boot_counted, boot_noise, incidence(pairs, len(specs)), power, boot_center
        )
        boot_scores = kept_share(boot_real, boot_syn, boot_counted, boot_noise, power, boot_center)
        result = spread(score, boot_scores, columns, factor)
        ci, se = result.ci, result.se
        if result.column_se is not None:
            column_se = np.empty(len(specs))
            column_se[to_given] = result.column_se
    compared = {key: v for key, v in values.items() if key != "synthetic_full"}
    details = dependence_details(labels, given_pairs, compared, counted, noise, column_se, pair_info, power, centers)
    if "synthetic_full" in values:
        details["score_full_size"] = share("synthetic_full")
    details.update(
        {
            "pairs_sampled": sampled,
            "rows": {key: int(frames[key].n_rows) for key in compared},
            "n_bootstrap": n_boot,
            "bootstrap_rows": drawn,
            "se": rounded(se),
        }
    )
    return score, baseline, ci, details

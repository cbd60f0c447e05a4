"""A small Gaussian-copula synthesiser that makes the synthetic data of sdq's demo and tests.

This is a baseline, not a product: sdq scores synthetic data, it does not aim to make good
synthetic data. :class:`GaussianCopula` exists so that the demo and the test suite have a
plausible, reproducible synthetic table to score without depending on an outside synthesiser.

What it preserves
    * each column's marginal distribution: numeric and datetime columns through the empirical
      quantile function of the real values, boolean and categorical columns through the real
      category frequencies;
    * each column's share of missing values;
    * pairwise rank dependence between columns, through the correlation matrix of the columns'
      latent normal scores (one Gaussian copula for the whole table).

What it does not preserve
    * higher-order interactions (anything beyond what one correlation matrix can express, such as
      a dependence that changes sign between subgroups);
    * the exact conditional structure (for example a category that occurs only together with a
      given value of another column, or a deterministic relation between columns);
    * any dependence between missingness and values: missing entries are drawn independently
      of everything else, with each column's real missing rate;
    * dependence involving a categorical column beyond what is monotone in the order in which
      its categories are laid out on ``[0, 1]`` (the category order of a pandas Categorical,
      otherwise falling frequency).

How it works
    ``fit`` turns every column into latent standard-normal scores: a value is mapped to its
    interval of the empirical distribution function (for a category, a sub-interval of
    ``[0, 1]`` as long as its frequency; for a number, the interval between the empirical
    distribution function just below and at the value), a seeded uniform draw picks a point in
    that interval, and the normal quantile function maps the point to a score. The pairwise
    correlation matrix of the scores (``np.corrcoef``, or, with missing values, each pair over
    the rows where both columns are present) is the copula, after two repairs: ties and
    categories weaken the correlation of the scores relative to the normal variables behind
    them, and sampling would weaken it again, so each correlation is replaced by the latent one
    that reproduces it (solved through the Hermite expansion of the scores, see
    ``adjust_for_ties``); and the matrix is made positive definite by clipping eigenvalues if
    needed. ``sample`` draws multivariate normal rows with that correlation, maps them to
    ``[0, 1]`` with the normal distribution function and back through each column's marginal:
    numbers (and datetimes, as integer ticks) by linear interpolation between the sorted real
    values (so sampled numbers are in general not verbatim copies of real values; integer columns
    are rounded back to integers), categories by looking up which sub-interval the point falls
    in. Finally each column's missing entries are drawn independently with its real missing rate.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sdq.errors import InputError

__all__ = ["GaussianCopula"]

#: Eigenvalues of the latent correlation matrix below this are raised to it before sampling.
MIN_EIGENVALUE = 1e-6

#: Hermite terms used to undo the attenuation of correlations by ties and categories.
HERMITE_TERMS = 24

#: Bisection steps used to solve for each latent correlation (precision about 2 ** -40).
BISECTION_STEPS = 40


@dataclass
class _Marginal:
    """The fitted marginal of one column.

    ``kind`` is ``"numeric"`` (values kept as sorted float64 in ``values``), ``"datetime"`` or
    ``"timedelta"`` (the same, as integer ticks of ``unit`` relative to ``offset``), or
    ``"categorical"`` (distinct values in ``categories`` with their shares in ``shares``).
    """

    kind: str
    dtype: Any
    missing_rate: float
    values: np.ndarray | None = None
    categories: np.ndarray | None = None
    shares: np.ndarray | None = None
    is_integer: bool = False
    unit: str = "ns"
    offset: int = 0
    tz: Any = None


def _column_kind(series: pd.Series) -> str:
    """Return how the synthesiser treats a column: numeric, datetime, timedelta or categorical."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_complex_dtype(dtype):
        raise InputError(
            f"The {series.name!r} column has complex dtype {dtype}, which the baseline "
            "synthesiser does not support. Expected numbers, booleans, strings, categories, "
            "datetimes or timedeltas."
        )
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def _time_ticks(present: pd.Series) -> tuple[np.ndarray, str, Any]:
    """Return the integer ticks, their unit and the time zone of non-missing datetime values."""
    dtype = present.dtype
    tz = getattr(dtype, "tz", None)
    if tz is not None:
        unit = dtype.unit
        present = present.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        unit = np.datetime_data(np.dtype(dtype))[0]
    ticks = present.to_numpy().view("int64").astype(np.int64, copy=True)
    return ticks, unit, tz


def _category_codes(present: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the codes of non-missing categorical values and the categories in layout order.

    The layout order is the order in which categories get their sub-intervals of ``[0, 1]``: a
    pandas Categorical keeps its own category order (unused categories get an empty interval);
    other columns are ordered by falling frequency, ties by first appearance, so that the layout
    depends on the order of the rows only where two categories are equally frequent.
    """
    if isinstance(present.dtype, pd.CategoricalDtype):
        codes = present.cat.codes.to_numpy().astype(np.intp)
        categories = np.asarray(present.cat.categories, dtype=object)
        return codes, categories
    codes, uniques = pd.factorize(present, sort=False)
    counts = np.bincount(codes, minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes].astype(np.intp), np.asarray(uniques, dtype=object)[order]


def _fit_marginal(series: pd.Series) -> _Marginal:
    """Fit the marginal distribution and the missing rate of one column."""
    kind = _column_kind(series)
    missing = series.isna().to_numpy()
    missing_rate = float(missing.mean())
    present = series[~missing]
    if kind == "categorical":
        codes, categories = _category_codes(present)
        counts = np.bincount(codes, minlength=len(categories)).astype(float)
        shares = counts / counts.sum() if counts.sum() > 0 else counts
        return _Marginal(
            kind=kind,
            dtype=series.dtype,
            missing_rate=missing_rate,
            categories=categories,
            shares=shares,
        )
    if kind == "numeric":
        values = np.sort(present.to_numpy(dtype=np.float64))
        return _Marginal(
            kind=kind,
            dtype=series.dtype,
            missing_rate=missing_rate,
            values=values,
            is_integer=pd.api.types.is_integer_dtype(series.dtype),
        )
    if kind == "datetime":
        ticks, unit, tz = _time_ticks(present)
    else:
        ticks = present.to_numpy().view("int64").astype(np.int64, copy=True)
        unit, tz = np.datetime_data(np.dtype(series.dtype))[0], None
    offset = int(ticks.min()) if len(ticks) else 0
    values = np.sort((ticks - offset).astype(np.float64))
    return _Marginal(
        kind=kind,
        dtype=series.dtype,
        missing_rate=missing_rate,
        values=values,
        is_integer=True,
        unit=unit,
        offset=offset,
        tz=tz,
    )


def _latent_scores(series: pd.Series, marginal: _Marginal, rng: np.random.Generator) -> np.ndarray:
    """Return a column's latent standard-normal scores, NaN where the value is missing.

    Every value is mapped to its interval of the empirical distribution function and a uniform
    draw picks a point inside it, so ties (and categories) spread over their whole interval.
    """
    n_rows = len(series)
    missing = series.isna().to_numpy()
    scores = np.full(n_rows, np.nan)
    n_present = int((~missing).sum())
    if n_present == 0:
        return scores
    present = series[~missing]
    if marginal.kind == "categorical":
        codes = _category_codes(present)[0]
        right = np.cumsum(marginal.shares)
        left = right - marginal.shares
        lower, width = left[codes], marginal.shares[codes]
    else:
        if marginal.kind == "numeric":
            values = present.to_numpy(dtype=np.float64)
        else:
            if marginal.kind == "datetime":
                ticks = _time_ticks(present)[0]
            else:
                ticks = present.to_numpy().view("int64").astype(np.int64, copy=True)
            values = (ticks - marginal.offset).astype(np.float64)
        below = np.searchsorted(marginal.values, values, side="left")
        at = np.searchsorted(marginal.values, values, side="right")
        lower, width = below / n_present, (at - below) / n_present
    points = lower + rng.random(n_present) * width
    edge = 0.5 / n_present
    points = np.clip(points, edge, 1.0 - edge)
    scores[~missing] = stats.norm.ppf(points)
    return scores


def _pairwise_correlation(scores: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns of ``scores``, each pair over the rows where both exist.

    Without missing scores this equals ``np.corrcoef(scores, rowvar=False)``. Pairs with fewer
    than two shared rows or no variance get correlation 0; the diagonal is 1.
    """
    present = ~np.isnan(scores)
    if scores.shape[0] < 2:
        corr = np.zeros((scores.shape[1], scores.shape[1]))
    elif present.all():
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.atleast_2d(np.corrcoef(scores, rowvar=False))
    else:
        mask = present.astype(np.float64)
        filled = np.where(present, scores, 0.0)
        count = mask.T @ mask  # rows where both i and j are present
        total = filled.T @ mask  # [i, j]: sum of column i over rows where j is present too
        square = (filled**2).T @ mask
        cross = filled.T @ filled
        with np.errstate(invalid="ignore", divide="ignore"):
            covariance = cross - total * total.T / count
            variance = square - total**2 / count
            corr = covariance / np.sqrt(variance * variance.T)
        corr[count < 2] = np.nan
    corr = np.where(np.isfinite(corr), corr, 0.0)
    corr = np.clip((corr + corr.T) / 2.0, -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    return corr


def _block_shares(marginal: _Marginal) -> np.ndarray:
    """Return the shares of a column's blocks: its categories, or its runs of tied values."""
    if marginal.kind == "categorical":
        shares = marginal.shares
    elif len(marginal.values) == 0:
        shares = np.zeros(0)
    else:
        counts = np.unique(marginal.values, return_counts=True)[1]
        shares = counts / counts.sum()
    return shares[shares > 0]


def _hermite_coefficients(shares: np.ndarray, n_terms: int = HERMITE_TERMS) -> np.ndarray:
    """Return how a column's latent score depends on an underlying standard normal variable.

    If a standard normal ``Z`` falls into one of the blocks (the ``k``-th block being the normal
    quantiles of the ``k``-th interval of ``[0, 1]``) and the score is drawn uniformly within the
    block's interval, then the score's covariance with ``He_j(Z) / sqrt(j!)`` (normalised
    probabilists' Hermite polynomials) is entry ``j - 1`` of the result. Two such scores built
    on normal variables with correlation ``r`` have correlation ``sum_j r ** j * a_j * b_j``.
    For a column without ties the first entry is close to 1 and the others close to 0.
    """
    coefficients = np.zeros(n_terms)
    if len(shares) < 2:
        return coefficients
    right = np.cumsum(shares)
    left = right - shares
    lower = stats.norm.ppf(np.clip(left, 0.0, 1.0))
    upper = stats.norm.ppf(np.clip(right, 0.0, 1.0))
    lower[0], upper[-1] = -np.inf, np.inf
    density_lower, density_upper = stats.norm.pdf(lower), stats.norm.pdf(upper)
    block_mean = (density_lower - density_upper) / shares
    x_lower = np.where(np.isfinite(lower), lower, 0.0)
    x_upper = np.where(np.isfinite(upper), upper, 0.0)
    # h_j = He_j / sqrt(j!) by the recurrence h_j = (x h_{j-1} - sqrt(j - 1) h_{j-2}) / sqrt(j);
    # over a block [a, b], the integral of He_j(z) * pdf(z) is
    # He_{j-1}(a) * pdf(a) - He_{j-1}(b) * pdf(b), hence the division by sqrt(j) for h_j.
    previous_lower, current_lower = np.zeros_like(x_lower), np.ones_like(x_lower)
    previous_upper, current_upper = np.zeros_like(x_upper), np.ones_like(x_upper)
    for j in range(1, n_terms + 1):
        integral = (current_lower * density_lower - current_upper * density_upper) / np.sqrt(j)
        coefficients[j - 1] = float(block_mean @ integral)
        previous_lower, current_lower = (
            current_lower,
            (x_lower * current_lower - np.sqrt(j - 1) * previous_lower) / np.sqrt(j),
        )
        previous_upper, current_upper = (
            current_upper,
            (x_upper * current_upper - np.sqrt(j - 1) * previous_upper) / np.sqrt(j),
        )
    return coefficients


def _undo_attenuation(observed: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Return the latent normal correlations that reproduce the observed score correlations.

    Ties and categories make the observed correlation of latent scores weaker than the
    correlation of the normal variables behind them (:func:`_hermite_coefficients`). Sampling
    with the observed correlation would weaken it once more, so each pair's latent correlation
    ``r`` is solved from ``observed = sum_j r ** j * a_j * b_j`` by bisection on ``[-1, 1]``,
    all pairs at once. Pairs where either column has no spread keep correlation 0.
    """
    products = coefficients[:, None, :] * coefficients[None, :, :]

    def implied(r: np.ndarray) -> np.ndarray:
        total = products[..., -1]
        for j in range(products.shape[-1] - 2, -1, -1):
            total = total * r + products[..., j]
        return total * r

    low = -np.ones_like(observed)
    high = np.ones_like(observed)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2.0
        too_low = implied(middle) < observed
        low = np.where(too_low, middle, low)
        high = np.where(too_low, high, middle)
    latent = (low + high) / 2.0
    degenerate = (coefficients[:, 0][:, None] * coefficients[:, 0][None, :]) <= 1e-12
    latent = np.where(degenerate | (observed == 0.0), 0.0, latent)
    latent = (latent + latent.T) / 2.0
    np.fill_diagonal(latent, 1.0)
    return latent


def _nearest_positive_definite(corr: np.ndarray) -> np.ndarray:
    """Return ``corr`` with eigenvalues below :data:`MIN_EIGENVALUE` raised, unit diagonal kept."""
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    if eigenvalues.min() >= MIN_EIGENVALUE:
        return corr
    clipped = np.maximum(eigenvalues, MIN_EIGENVALUE)
    repaired = (eigenvectors * clipped) @ eigenvectors.T
    scale = np.sqrt(np.diag(repaired))
    repaired = repaired / np.outer(scale, scale)
    repaired = (repaired + repaired.T) / 2.0
    np.fill_diagonal(repaired, 1.0)
    return repaired


def _inverse_marginal(points: np.ndarray, missing: np.ndarray, marginal: _Marginal) -> pd.Series:
    """Map points of ``[0, 1]`` back to column values through a fitted marginal."""
    n_rows = len(points)
    if marginal.kind == "categorical":
        if len(marginal.categories) == 0:
            missing = np.ones(n_rows, dtype=bool)
            values = np.full(n_rows, None, dtype=object)
        else:
            right = np.cumsum(marginal.shares)
            codes = np.searchsorted(right, points, side="right")
            codes = np.clip(codes, 0, len(marginal.categories) - 1)
            values = marginal.categories[codes]
        series = pd.Series(values, dtype=object).where(~missing, np.nan)
        return _restore_dtype(series, marginal.dtype)

    sorted_values = marginal.values
    if len(sorted_values) == 0:
        missing = np.ones(n_rows, dtype=bool)
        quantiles = np.zeros(n_rows)
    else:
        # Inverse of the Hazen plotting positions (i + 0.5) / m used for the sorted values.
        position = points * len(sorted_values) - 0.5
        quantiles = np.interp(position, np.arange(len(sorted_values)), sorted_values)
    if marginal.is_integer:
        quantiles = np.rint(quantiles)

    if marginal.kind == "numeric":
        series = pd.Series(quantiles, dtype=np.float64).where(~missing, np.nan)
        return _restore_dtype(series, marginal.dtype)

    ticks = quantiles.astype(np.int64) + np.int64(marginal.offset)
    if marginal.kind == "datetime":
        values = ticks.view(f"datetime64[{marginal.unit}]")
        series = pd.Series(values)
        if marginal.tz is not None:
            series = series.dt.tz_localize("UTC").dt.tz_convert(marginal.tz)
    else:
        series = pd.Series(ticks.view(f"timedelta64[{marginal.unit}]"))
    series = series.where(~missing)
    return _restore_dtype(series, marginal.dtype)


def _restore_dtype(series: pd.Series, dtype: Any) -> pd.Series:
    """Cast a sampled column to the real column's dtype where pandas allows it."""
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


class GaussianCopula:
    """A Gaussian-copula synthesiser for one table, the baseline behind sdq's demo and tests.

    It keeps every column's marginal distribution and missing rate and the pairwise rank
    dependence between columns; it does not keep higher-order interactions or the exact
    conditional structure (see the module docstring). Rows are independent: there is no notion
    of sequence or entity.

    Parameters
    ----------
    adjust_for_ties : bool, default True
        Undo the weakening of correlations by tied values and categories, so that, for example,
        the Spearman correlation of two columns with few distinct values comes out close to the
        real one. With ``False`` the correlation matrix of the latent scores is used as it is,
        and correlations involving such columns come out noticeably weaker than the real ones.

    Attributes
    ----------
    columns_ : pandas.Index
        The fitted frame's columns, in order (set by :meth:`fit`).
    correlation_ : numpy.ndarray
        The latent correlation matrix used for sampling, positive definite, one row and column
        per fitted column (set by :meth:`fit`).

    Examples
    --------
    >>> from sdq.demo.data import load_fair, split
    >>> from sdq.demo.copula import GaussianCopula
    >>> train, holdout = split(load_fair())
    >>> synthetic = GaussianCopula().fit(train).sample(len(train), seed=1)
    >>> synthetic.shape == train.shape
    True
    """

    def __init__(self, adjust_for_ties: bool = True) -> None:
        self.adjust_for_ties = bool(adjust_for_ties)
        self.columns_: pd.Index | None = None
        self.correlation_: np.ndarray | None = None
        self._marginals: list[_Marginal] = []
        self._factor: np.ndarray | None = None

    def fit(self, frame: pd.DataFrame, seed: int | None = 0) -> "GaussianCopula":
        """Fit the marginals, missing rates and latent correlation of a table.

        Parameters
        ----------
        frame : pandas.DataFrame
            The real table, with at least one row and one column. Columns may be numeric (int,
            float, nullable Int/Float), boolean, string, object, categorical, datetime64 (naive
            or with a time zone) or timedelta64; other objects are treated as categories. It is
            not modified.
        seed : int or None, default 0
            Seed of the ``numpy.random.default_rng`` generator for the uniform draws that place
            tied values and categories inside their intervals; the same seed gives the same fit.

        Returns
        -------
        GaussianCopula
            ``self``, fitted.

        Raises
        ------
        InputError
            (a ``ValueError``) If ``frame`` is not a DataFrame, has no rows or no columns, or has
            a complex-valued column.
        """
        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"The 'frame' argument must be a pandas DataFrame. Got {type(frame).__name__} instead.")
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise InputError(
                "The 'frame' argument must have at least one row and one column to fit the "
                f"baseline synthesiser. Got shape {frame.shape} instead."
            )
        rng = np.random.default_rng(seed)
        marginals: list[_Marginal] = []
        scores = np.empty(frame.shape, dtype=np.float64)
        for position in range(frame.shape[1]):
            series = frame.iloc[:, position]
            marginal = _fit_marginal(series)
            marginals.append(marginal)
            scores[:, position] = _latent_scores(series, marginal, rng)
        correlation = _pairwise_correlation(scores)
        if self.adjust_for_ties:
            coefficients = np.array([_hermite_coefficients(_block_shares(m)) for m in marginals])
            correlation = _undo_attenuation(correlation, coefficients)
        correlation = _nearest_positive_definite(correlation)
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        self._factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        self._marginals = marginals
        self.correlation_ = correlation
        self.columns_ = frame.columns.copy()
        return self

    def sample(self, n: int, seed: int | None = 0) -> pd.DataFrame:
        """Draw synthetic rows from the fitted copula.

        Parameters
        ----------
        n : int
            The number of rows to draw, at least 1.
        seed : int or None, default 0
            Seed of the ``numpy.random.default_rng`` generator; the same fit and seed give the
            same rows.

        Returns
        -------
        pandas.DataFrame
            ``n`` rows with a ``RangeIndex`` and the fitted frame's columns, each cast back to
            its real dtype where pandas allows (integer columns rounded; a column whose dtype
            cannot hold missing values never gets any, since its real missing rate is 0).

        Raises
        ------
        InputError
            (a ``ValueError``) If the synthesiser has not been fitted, or ``n`` is not an
            integer of at least 1.
        """
        if self._factor is None or self.columns_ is None:
            raise InputError("The baseline synthesiser must be fitted before sampling. Call fit(frame) first.")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise InputError(f"The 'n' argument must be an int of at least 1. Got {n!r} instead.")
        n = int(n)
        rng = np.random.default_rng(seed)
        n_columns = len(self._marginals)
        latent = rng.standard_normal((n, n_columns)) @ self._factor.T
        points = stats.norm.cdf(latent)
        rates = np.array([m.missing_rate for m in self._marginals])
        missing = rng.random((n, n_columns)) < rates
        data = {
            position: _inverse_marginal(points[:, position], missing[:, position], marginal)
            for position, marginal in enumerate(self._marginals)
        }
        synthetic = pd.DataFrame(data)
        synthetic.columns = self.columns_.copy()
        return synthetic

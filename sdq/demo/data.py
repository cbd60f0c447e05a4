"""The demo data set embedded in sdq: Ray Fair's survey of extramarital affairs.

This is real data, not synthetic: 6366 answers of married women to a 1974 magazine survey, used in
Fair, R. (1978), "A Theory of Extramarital Affairs", *Journal of Political Economy* 86(1), 45-61.
It ships with statsmodels (``statsmodels.datasets.fair``, included there with the author's
permission), so sdq needs no download and no network access to load it.

:func:`load_fair` returns the table with the survey's numeric codes turned into readable labels,
following the statsmodels codebook:

==================  ==========  =================================================================
column              type        values
==================  ==========  =================================================================
``age``             float       age in years, in interval approximations (17.5, 22, 27, ... 42)
``yrs_married``     float       years married, in interval approximations (0.5, 2.5, 6, ... 23)
``children``        float       number of children (0, 1, 2, 3, 4, 5.5)
``rate_marriage``   string      own rating of the marriage: very poor, poor, fair, good, very good
``religious``       string      how religious: not, mildly, fairly, strongly
``educ``            string      education: grade school, high school, some college, college
                                graduate, some graduate school, advanced degree
``occupation``      string      the woman's occupation, see :data:`OCCUPATION_LABELS`
``occupation_husb`` string      the husband's occupation, same labels
``had_affair``      bool        whether any time was spent in extramarital affairs (the survey's
                                ``affairs`` measure is above zero); about a third of the rows
==================  ==========  =================================================================

:func:`split` divides a frame into a training part (what a synthesiser is fitted on) and a holdout
part (real rows the synthesiser never saw, which sdq compares against).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from sdq.errors import InputError

__all__ = [
    "RATE_MARRIAGE_LABELS",
    "RELIGIOUS_LABELS",
    "EDUC_LABELS",
    "OCCUPATION_LABELS",
    "load_fair",
    "split",
]

#: Codes of ``rate_marriage`` and their labels.
RATE_MARRIAGE_LABELS = {1: "very poor", 2: "poor", 3: "fair", 4: "good", 5: "very good"}

#: Codes of ``religious`` and their labels.
RELIGIOUS_LABELS = {1: "not", 2: "mildly", 3: "fairly", 4: "strongly"}

#: Codes of ``educ`` (years of schooling) and their labels.
EDUC_LABELS = {
    9: "grade school",
    12: "high school",
    14: "some college",
    16: "college graduate",
    17: "some graduate school",
    20: "advanced degree",
}

#: Codes of ``occupation`` and ``occupation_husb`` and short labels for them. The codebook's
#: groups are: 1 student; 2 farming, agriculture, semi-skilled or unskilled worker;
#: 3 white-collar; 4 teacher, counselor, social worker, nurse, artist, writer, technician,
#: skilled worker; 5 managerial, administrative, business; 6 professional with advanced degree.
OCCUPATION_LABELS = {
    1: "student",
    2: "farming or unskilled",
    3: "white collar",
    4: "teacher, nurse or skilled",
    5: "managerial",
    6: "professional",
}

_CODED_COLUMNS = {
    "rate_marriage": RATE_MARRIAGE_LABELS,
    "religious": RELIGIOUS_LABELS,
    "educ": EDUC_LABELS,
    "occupation": OCCUPATION_LABELS,
    "occupation_husb": OCCUPATION_LABELS,
}

_NUMERIC_COLUMNS = ("age", "yrs_married", "children")

_COLUMN_ORDER = (
    "age",
    "yrs_married",
    "children",
    "rate_marriage",
    "religious",
    "educ",
    "occupation",
    "occupation_husb",
    "had_affair",
)


def _decode(codes: pd.Series, labels: dict[int, str]) -> pd.Series:
    """Map a float column of integer codes to a column of label strings (object dtype)."""
    values = codes.to_numpy(dtype=float)
    keys = np.array(sorted(labels), dtype=float)
    names = np.array([labels[int(k)] for k in keys], dtype=object)
    position = np.searchsorted(keys, values)
    position = np.clip(position, 0, len(keys) - 1)
    known = keys[position] == values
    if not known.all():
        unknown = sorted(set(values[~known].tolist()))
        raise InputError(f"The {codes.name!r} column holds codes {unknown} that the codebook does not define.")
    return pd.Series(names[position], index=codes.index, name=codes.name, dtype=object)


def load_fair() -> pd.DataFrame:
    """Load the Fair affairs survey (6366 rows, real data) with readable categories.

    The data come from ``statsmodels.datasets.fair``; nothing is downloaded.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, with a fresh ``RangeIndex`` and the columns, in this order:
        ``age``, ``yrs_married``, ``children`` (float64); ``rate_marriage``, ``religious``,
        ``educ``, ``occupation``, ``occupation_husb`` (object columns of Python ``str``
        labels); and ``had_affair`` (bool, ``True`` where the survey's ``affairs`` measure is
        above zero). See the module docstring for the labels.

    Raises
    ------
    ImportError
        If statsmodels is not installed.
    InputError
        If the packaged data hold a code the codebook does not define (a changed data file).

    Examples
    --------
    >>> from sdq.demo.data import load_fair
    >>> fair = load_fair()
    >>> fair.shape
    (6366, 9)
    >>> sorted(fair["religious"].unique())
    ['fairly', 'mildly', 'not', 'strongly']
    """
    from statsmodels.datasets import fair

    raw = fair.load_pandas().data
    columns: dict[str, pd.Series] = {}
    for name in _NUMERIC_COLUMNS:
        columns[name] = raw[name].astype("float64")
    for name, labels in _CODED_COLUMNS.items():
        columns[name] = _decode(raw[name], labels)
    columns["had_affair"] = pd.Series(
        raw["affairs"].to_numpy(dtype=float) > 0, index=raw.index, name="had_affair", dtype=bool
    )
    frame = pd.DataFrame({name: columns[name] for name in _COLUMN_ORDER})
    return frame.reset_index(drop=True)


def split(frame: pd.DataFrame, holdout_share: float = 0.3, seed: int | None = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the rows of a frame at random into a training part and a holdout part.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to split; at least two. It is not modified.
    holdout_share : float, default 0.3
        The share of rows that go to the holdout, strictly between 0 and 1. The holdout gets
        ``round(holdout_share * len(frame))`` rows, but always at least one row and at most
        ``len(frame) - 1``, so that neither part is empty.
    seed : int or None, default 0
        Seed of the ``numpy.random.default_rng`` generator whose permutation of the rows decides
        the split; the same seed gives the same split. ``None`` gives a fresh random split.

    Returns
    -------
    train : pandas.DataFrame
        The rows not in the holdout, in permuted order, with a fresh ``RangeIndex``.
    holdout : pandas.DataFrame
        The holdout rows, in permuted order, with a fresh ``RangeIndex``.

    Raises
    ------
    InputError
        (a ``ValueError``) If ``frame`` is not a DataFrame or has fewer than two rows, or if
        ``holdout_share`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> from sdq.demo.data import load_fair, split
    >>> train, holdout = split(load_fair(), holdout_share=0.3, seed=0)
    >>> len(train), len(holdout)
    (4456, 1910)
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"The 'frame' argument must be a pandas DataFrame. Got {type(frame).__name__} instead.")
    n_rows = len(frame)
    if n_rows < 2:
        raise InputError(f"The 'frame' argument must have at least 2 rows to split. Got {n_rows} instead.")
    if (
        isinstance(holdout_share, bool)
        or not isinstance(holdout_share, numbers.Real)
        or not 0.0 < float(holdout_share) < 1.0
    ):
        raise InputError(
            f"The 'holdout_share' argument must be a number strictly between 0 and 1. Got {holdout_share!r} instead."
        )
    n_holdout = int(round(float(holdout_share) * n_rows))
    n_holdout = min(max(n_holdout, 1), n_rows - 1)
    order = np.random.default_rng(seed).permutation(n_rows)
    holdout = frame.iloc[order[:n_holdout]].reset_index(drop=True)
    train = frame.iloc[order[n_holdout:]].reset_index(drop=True)
    return train, holdout

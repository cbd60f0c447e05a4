"""Real tables for the benchmarks of the pairwise dependence metrics (``mutual_information``,
``correlation``): :mod:`bench.floors` and :mod:`bench.coverage` read them from here.

Every table ships with an installed package (no downloads):

- ``fair``: statsmodels' Fair affairs survey as coded there (6,366 rows): ``rate_marriage`` (1-5),
  ``religious`` (1-4), ``educ``, ``occupation``, ``occupation_husb`` (ordinal: few integers),
  ``age``, ``yrs_married``, ``children`` (numeric), and ``affairs`` made a binary target
  ``had_affair`` (``affairs > 0``).
- ``randhie``: statsmodels' RAND health insurance experiment (20,190 rows, 10 columns).
- ``breast_cancer``: sklearn's breast cancer data (569 rows, 30 continuous columns and a 0/1
  target).
- ``wine``: sklearn's wine data (178 rows, 13 continuous columns and a 3-class target, read as
  ordinal: integers with 3 values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TABLES = ("fair", "randhie", "breast_cancer", "wine")


def load(name: str) -> pd.DataFrame:
    """One of :data:`TABLES` as a DataFrame."""
    if name == "fair":
        from statsmodels.datasets import fair

        frame = fair.load_pandas().data.copy()
        frame["had_affair"] = frame.pop("affairs") > 0
        return frame
    if name == "randhie":
        from statsmodels.datasets import randhie

        return randhie.load_pandas().data.copy()
    if name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        return load_breast_cancer(as_frame=True).frame
    if name == "wine":
        from sklearn.datasets import load_wine

        return load_wine(as_frame=True).frame
    raise ValueError(f"unknown table {name!r}; choose from {list(TABLES)}")


def halves(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint halves of the rows (the first ``len // 2`` of a seeded permutation, and the
    next ``len // 2``): the real data and a fresh real sample of the same size."""
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    return (
        frame.iloc[order[:half]].reset_index(drop=True),
        frame.iloc[order[half : 2 * half]].reset_index(drop=True),
    )


def independent(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every column shuffled on its own: the marginals kept, every dependence destroyed."""
    return pd.DataFrame({c: frame[c].to_numpy()[rng.permutation(len(frame))] for c in frame.columns})


def uniform(frame: pd.DataFrame, real: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Uniform garbage: numeric columns uniform over their real range (integers rounded), the
    others uniform over their real values."""
    out = {}
    for c in frame.columns:
        column = real[c]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = rng.uniform(float(column.min()), float(column.max()), len(frame))
            if pd.api.types.is_integer_dtype(column):
                values = np.round(values).astype(column.dtype)
            out[c] = values
        else:
            levels = pd.unique(column.dropna())
            out[c] = levels[rng.integers(0, len(levels), len(frame))]
    return pd.DataFrame(out)
